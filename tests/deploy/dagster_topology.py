"""The compose topology's processes on this machine: code server, webserver, daemon.

Each process is started in its own session with its output in a log file (a pipe nobody reads
would block it), and stopped by its process group, so run workers the code server spawned go
with it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import yaml

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 60) -> str:
    """The end of a process log, for assertion messages."""
    if not path.exists():
        return f"({path.name}: no output)"
    return f"--- {path.name} ---\n" + "\n".join(
        path.read_text(errors="replace").splitlines()[-lines:]
    )


@contextmanager
def started(
    name: str, command: list[str], env: Mapping[str, str], cwd: Path, logs: Path
) -> Iterator[subprocess.Popen]:
    """Run ``command`` until the block ends; its output goes to ``logs/<name>.log``."""
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / f"{name}.log").open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group, then SIGKILL what is left after 30 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass


def code_server_command(port: int, module: str, location: str) -> list[str]:
    """``dagster api grpc`` as the compose ``code`` service runs it, on a local port."""
    return [
        str(BIN / "dagster"),
        *("api", "grpc", "-h", "127.0.0.1", "-p", str(port), "-m", module),
        *("--location-name", location),
    ]


def wait_until_serving(port: int, timeout: float, process: subprocess.Popen, logs: Path) -> None:
    """Wait for the code server's gRPC health check, as compose's ``depends_on`` does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the code server exited\n{log_tail(logs / 'code.log')}")
        check = subprocess.run(
            [str(BIN / "dagster"), "api", "grpc-health-check", "-p", str(port)],
            capture_output=True,
            timeout=120,
        )
        if check.returncode == 0:
            return
        time.sleep(5)
    raise AssertionError(f"the code server never served\n{log_tail(logs / 'code.log')}")


def local_workspace(deploy_workspace: Path, port: int, target: Path) -> str:
    """``deploy/workspace.yaml`` with the gRPC server on 127.0.0.1:``port``; its location name."""
    workspace = yaml.safe_load(deploy_workspace.read_text())
    [entry] = workspace["load_from"]
    entry["grpc_server"].update(host="127.0.0.1", port=port)
    target.write_text(yaml.safe_dump(workspace))
    return entry["grpc_server"]["location_name"]


class GraphQL:
    """A small client of the webserver's GraphQL API."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/graphql"

    def query(self, text: str, **variables: Any) -> dict[str, Any]:
        """The ``data`` of one query; raises on transport or GraphQL errors."""
        response = requests.post(self.url, json={"query": text, "variables": variables}, timeout=30)
        payload = response.json()
        if payload.get("errors"):
            raise RuntimeError(payload["errors"])
        return payload["data"]

    def wait_for(
        self,
        text: str,
        ready: Callable[[dict[str, Any]], bool],
        timeout: float,
        watched: list[subprocess.Popen],
        logs: Path,
        **variables: Any,
    ) -> dict[str, Any]:
        """Poll ``text`` until ``ready(data)`` is true; fail early when a watched process dies."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            for process in watched:
                if process.poll() is not None:
                    raise AssertionError(
                        f"{process.args[0]} exited with {process.returncode}\n"
                        + "\n".join(log_tail(log) for log in sorted(logs.glob("*.log")))
                    )
            try:
                last = self.query(text, **variables)
                if ready(last):
                    return last
            except (requests.RequestException, ValueError, RuntimeError) as error:
                last = error
            time.sleep(3)
        raise AssertionError(
            f"timed out after {timeout:.0f} s; last answer: {last}\n"
            + "\n".join(log_tail(log) for log in sorted(logs.glob("*.log")))
        )
