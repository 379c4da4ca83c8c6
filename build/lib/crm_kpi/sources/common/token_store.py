"""OAuth token pairs persisted on disk, safe for single-use (rotating) refresh tokens.

amoCRM and Bitrix24 refresh tokens are single-use: a refresh returns a new pair and the old
refresh token stops working. Two runs refreshing at once would burn each other's token, and a
pair that is used before it is saved is lost if the process dies. So a refresh happens under
an inter-process lock, after re-reading the file, and the new pair is saved atomically before
anyone uses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["TokenPair", "TokenStore", "TokenStoreError", "refresh_with_rotation"]

logger = logging.getLogger("crm_kpi.ingestion.token_store")

# A stored access token that expires sooner than this is refreshed rather than reused.
DEFAULT_MIN_VALIDITY_SECONDS = 30.0


class TokenStoreError(RuntimeError):
    """The token file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class TokenPair:
    """An OAuth access token, its single-use refresh token and the access token's expiry."""

    access_token: str
    refresh_token: str
    expires_at: float  # unix seconds

    def is_valid(self, now: float | None = None, margin: float = 0.0) -> bool:
        """Whether the access token is still valid ``margin`` seconds from ``now``."""
        return self.expires_at > (time.time() if now is None else now) + margin


class TokenStore:
    """A JSON file holding one ``TokenPair``; writes are atomic, the file mode is 0600."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        # flock excludes other processes; this excludes other threads sharing this object.
        self._thread_lock = threading.RLock()

    def load(self) -> TokenPair | None:
        """The stored pair, or ``None`` when the file does not exist."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
            return TokenPair(
                access_token=str(data["access_token"]),
                refresh_token=str(data["refresh_token"]),
                expires_at=float(data["expires_at"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise TokenStoreError(
                f"token file {self.path} is not a valid token pair ({error}); delete it and "
                "authorize the integration again"
            ) from error

    def save(self, pair: TokenPair) -> None:
        """Replace the stored pair atomically (temp file in the same folder, fsync, rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as temp:
                json.dump(asdict(pair), temp)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_dir(self.path.parent)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive inter-process lock (``flock`` on ``<path>.lock``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def refresh_with_rotation(
    store: TokenStore,
    refresh: Callable[[str], TokenPair],
    *,
    rejected_access_token: str | None = None,
    min_validity: float = DEFAULT_MIN_VALIDITY_SECONDS,
) -> TokenPair:
    """A usable token pair, refreshing (and persisting the rotated pair) only when needed.

    Under the store's lock, the stored pair is re-read: another process may have rotated it
    while this one waited. If the stored access token is still valid (and is not the one the
    server just refused, ``rejected_access_token``), it is returned without refreshing.
    Otherwise ``refresh(refresh_token)`` is called and the new pair is saved atomically before
    it is returned, so a crash after the call never loses the only valid refresh token.

    Raises:
        TokenStoreError: nothing is stored yet (the integration was never authorized).
    """
    with store.locked():
        stored = store.load()
        if stored is None:
            raise TokenStoreError(
                f"no OAuth tokens in {store.path}: exchange an authorization code first "
                "(see the README) or use a long-lived token"
            )
        rotated_elsewhere = (
            rejected_access_token is not None and stored.access_token != rejected_access_token
        )
        if (rotated_elsewhere or rejected_access_token is None) and stored.is_valid(
            margin=min_validity
        ):
            return stored
        logger.info("refreshing the OAuth access token (token file %s)", store.path)
        fresh = refresh(stored.refresh_token)
        store.save(fresh)
        return fresh
