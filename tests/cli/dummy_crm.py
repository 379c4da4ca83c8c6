"""A third CRM that exists only in the tests: what adding a CRM takes (README "Adding a CRM")."""

from __future__ import annotations

from typing import Any

import dlt

from crm_kpi.sources.common import accounts as common
from crm_kpi.sources.registry import CrmAccount, CrmPlugin

NAME = "dummy"


@dlt.source(name=NAME, max_table_nesting=0)
def dummy_source(token: str | None = dlt.secrets.value) -> Any:
    """One tiny table, ``raw_dummy.things``."""

    @dlt.resource(primary_key=["account", "id"], write_disposition="merge")
    def things() -> Any:
        yield [{"account": "dummy:one", "id": 1, "name": "a thing"}]

    return things


def _missing() -> list[str]:
    return common.missing(NAME, common.DEFAULT_ACCOUNT, [(("token!",), "{TOKEN}")])


PLUGIN = CrmPlugin(
    name=NAME,
    title="Dummy CRM",
    raw_schema=f"raw_{NAME}",
    account_column="account",
    source=lambda account=None, **overrides: dummy_source(**overrides),
    accounts=lambda: [] if _missing() else [CrmAccount(NAME, "default", "one")],
    missing_settings=_missing,
    raw_suites=lambda: [],
)
