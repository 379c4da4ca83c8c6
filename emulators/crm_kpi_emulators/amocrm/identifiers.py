"""amoCRM-specific ids: status ids 142/143, custom field ids, event id strings."""

from __future__ import annotations

import hashlib

from crm_kpi_emulators.synthetic import Stage, StageKind

WON_STATUS_ID = 142
LOST_STATUS_ID = 143
UNSORTED_STATUS_BASE = 60_900_000  # + pipeline sort: the "Неразобранное" status (type 1)
SYSTEM_NOTE_BASE = 900_000_000  # + fact seq: the note a ``lead_added`` event points to

UTM_SOURCE_FIELD_ID = 1_278_001
LEAD_SOURCE_FIELD_ID = 1_278_002  # a select field whose options are the lead sources
LEAD_SOURCE_ENUM_BASE = 3_100  # + position of the lead source
TAG_BASE = 51_000  # + position of the lead source: leads are tagged with their source code
SOURCE_BASE = 7_000  # + position: /api/v4/sources of the web-form lead sources
CONTACT_PHONE_FIELD_ID = 1_278_010
CONTACT_EMAIL_FIELD_ID = 1_278_011
COMPANY_PHONE_FIELD_ID = 1_278_020
PHONE_ENUMS = {"WORK": 3_001, "MOB": 3_002, "OTHER": 3_003}
EMAIL_ENUMS = {"WORK": 3_011, "PRIV": 3_012, "OTHER": 3_013}

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_PAIRS = tuple(high + low for high in _CROCKFORD for low in _CROCKFORD)  # 10 bits each


def status_id(stage: Stage) -> int:
    """amoCRM status id of a stage: 142 for won, 143 for lost, the stage's own id otherwise."""
    if stage.kind is StageKind.WON:
        return WON_STATUS_ID
    if stage.kind is StageKind.LOST:
        return LOST_STATUS_ID
    return stage.id


def unsorted_status_id(pipeline_sort: int) -> int:
    """Id of the "Неразобранное" (incoming leads) status of a pipeline."""
    return UNSORTED_STATUS_BASE + pipeline_sort


def _base32(value: int, length: int) -> str:
    """``length`` (even) Crockford base32 characters of ``value``, most significant first."""
    pairs = []
    for _ in range(length // 2):
        pairs.append(_PAIRS[value & 1023])
        value >>= 10
    return "".join(reversed(pairs))


def event_id(created_at: int, key: str) -> str:
    """A 26-character lowercase base32 id (ULID-like: time first, then 80 stable bits)."""
    tail = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=10).digest(), "big")
    return _base32(created_at * 1000, 10) + _base32(tail, 16)
