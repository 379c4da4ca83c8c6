"""The OAuth token store: atomic saves, the inter-process lock and single-use refresh tokens."""

from __future__ import annotations

import multiprocessing
import stat
import threading
import time
from pathlib import Path

import pytest

from crm_kpi.sources.common.token_store import (
    TokenPair,
    TokenStore,
    TokenStoreError,
    refresh_with_rotation,
)


def _pair(n: int, ttl: float = 3600.0) -> TokenPair:
    return TokenPair(f"access-{n}", f"refresh-{n}", time.time() + ttl)


def test_load_returns_none_without_a_file(tmp_path: Path) -> None:
    assert TokenStore(tmp_path / "tokens.json").load() is None


def test_save_then_load_round_trips_with_mode_0600(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "nested" / "tokens.json")
    pair = _pair(1)
    store.save(pair)
    assert store.load() == pair
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    second = _pair(2)
    store.save(second)
    assert store.load() == second
    assert [p.name for p in store.path.parent.iterdir()] == ["tokens.json"]  # no temp files


def test_a_malformed_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    with pytest.raises(TokenStoreError, match="tokens.json"):
        TokenStore(path).load()


def test_refresh_without_stored_tokens_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(TokenStoreError, match="authorization code"):
        refresh_with_rotation(TokenStore(tmp_path / "t.json"), lambda token: _pair(9))


def test_valid_stored_token_is_reused_without_refreshing(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "t.json")
    store.save(_pair(1))
    calls: list[str] = []
    pair = refresh_with_rotation(store, lambda token: calls.append(token) or _pair(2))
    assert pair.access_token == "access-1" and calls == []


def test_rejected_token_is_refreshed_and_saved_before_it_is_returned(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "t.json")
    store.save(_pair(1))
    seen_on_disk: list[TokenPair | None] = []

    def refresh(token: str) -> TokenPair:
        assert token == "refresh-1"
        seen_on_disk.append(store.load())
        return _pair(2)

    pair = refresh_with_rotation(store, refresh, rejected_access_token="access-1")
    assert pair.access_token == "access-2"
    assert store.load() == pair
    assert seen_on_disk[0] is not None and seen_on_disk[0].refresh_token == "refresh-1"


def test_expired_stored_token_is_refreshed(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "t.json")
    store.save(_pair(1, ttl=-1))
    assert refresh_with_rotation(store, lambda token: _pair(2)).access_token == "access-2"


def test_a_failed_refresh_keeps_the_stored_pair(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "t.json")
    store.save(_pair(1, ttl=-1))

    def refresh(token: str) -> TokenPair:
        raise RuntimeError("server down")

    with pytest.raises(RuntimeError):
        refresh_with_rotation(store, refresh)
    assert store.load().refresh_token == "refresh-1"


class _SingleUseServer:
    """Issues pairs; each refresh token works once (as amoCRM's do)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.valid = {"refresh-1"}
        self.calls = 0

    def refresh(self, token: str) -> TokenPair:
        with self.lock:
            if token not in self.valid:
                raise RuntimeError(f"refresh token {token} was already used")
            self.valid.discard(token)
            self.calls += 1
            n = self.calls + 1
            self.valid.add(f"refresh-{n}")
        time.sleep(0.05)  # widen the race window
        return _pair(n)


def test_two_threads_refreshing_at_once_refresh_once(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    TokenStore(path).save(_pair(1))
    server = _SingleUseServer()
    results: list[TokenPair] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        store = TokenStore(path)  # separate objects, as two runs would have
        barrier.wait()
        results.append(
            refresh_with_rotation(store, server.refresh, rejected_access_token="access-1")
        )

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.calls == 1
    assert [pair.access_token for pair in results] == ["access-2", "access-2"]
    assert TokenStore(path).load().refresh_token == "refresh-2"


def _process_worker(path: str, counter_path: str, start: float) -> None:
    def refresh(token: str) -> TokenPair:
        with open(counter_path, "a") as counter:
            counter.write(token + "\n")
        time.sleep(0.1)
        return _pair(2)

    time.sleep(max(0.0, start - time.time()))
    refresh_with_rotation(TokenStore(path), refresh, rejected_access_token="access-1")


def test_two_processes_refreshing_at_once_refresh_once(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    counter = tmp_path / "refresh_calls.txt"
    TokenStore(path).save(_pair(1))
    context = multiprocessing.get_context("fork")
    start = time.time() + 0.3
    processes = [
        context.Process(target=_process_worker, args=(str(path), str(counter), start))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=20)
    assert [process.exitcode for process in processes] == [0, 0]
    assert counter.read_text().splitlines() == ["refresh-1"]
    assert TokenStore(path).load().access_token == "access-2"
