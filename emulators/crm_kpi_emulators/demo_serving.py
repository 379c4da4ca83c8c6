"""The demo's emulators, each serving from a process of its own.

In the demo's own process the API servers and the pipeline that reads them (dlt's client,
normalizer and loader) would share one interpreter lock, so one core; in their own processes
they answer on the second core while the pipeline works, and the emulators build their
synthetic companies in parallel.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

from .registry import ServedAccount
from .synthetic import CompanyConfig

STOP_SECONDS = 10.0


def _serve(crm_name: str, config: CompanyConfig, token: str, connection: Connection) -> None:
    """In the child: serve the account of ``crm_name`` until the demo says stop."""
    from crm_kpi.sources.registry import crm

    from .registry import emulator_of

    emulator = emulator_of(crm(crm_name))
    try:
        assert emulator is not None, f"{crm_name} has no emulator"
        with emulator.running(config, token) as account:
            identity = (
                account.description,
                account.settings,
                account.account_key,
                account.plan_by_email,
            )
            connection.send(("ready", identity))
            while connection.recv() == "requests":
                connection.send(account.requests())
    except (EOFError, KeyboardInterrupt):  # the demo is gone, or Ctrl-C reached us too
        pass
    except Exception as error:
        connection.send(("failed", f"{type(error).__name__}: {error}"))
        raise


def _ask_requests(connection: Connection) -> Callable[[], int]:
    def requests() -> int:
        connection.send("requests")
        return int(connection.recv())

    return requests


@contextlib.contextmanager
def served_accounts(
    crm_names: list[str],
    config: CompanyConfig,
    token: str,
    while_starting: Callable[[], object] | None = None,
) -> Iterator[list[ServedAccount]]:
    """One emulated account per CRM in ``crm_names``, each served by its own process.

    ``while_starting`` runs here while the emulators build their companies (the demo loads
    its Dagster definitions then), so that this process's own start-up overlaps theirs.
    """
    context = multiprocessing.get_context("fork")  # the child needs nothing re-imported
    children: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
    sys.stdout.flush()
    try:
        for name in crm_names:
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(name, config, token, theirs), name=f"{name}-emulator"
            )
            process.daemon = True
            process.start()
            children.append((process, ours))
        if while_starting is not None:
            while_starting()
        accounts = []
        for (_, connection), name in zip(children, crm_names, strict=True):
            status, value = connection.recv()
            if status != "ready":
                raise RuntimeError(f"the {name} emulator did not start: {value}")
            description, settings, account_key, plan_by_email = value
            accounts.append(
                ServedAccount(
                    description=description,
                    settings=settings,
                    account_key=account_key,
                    plan_by_email=plan_by_email,
                    requests=_ask_requests(connection),
                )
            )
        yield accounts
    finally:
        for process, connection in children:
            with contextlib.suppress(OSError):
                connection.send("stop")
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.terminate()
                process.join(STOP_SECONDS)
