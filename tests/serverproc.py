"""Start the real service as a separate process (``raumplan serve``) for tests that need one:
races through HTTP, crash and restart, schemathesis, benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

# Connections of each server worker's ORM pool (booking.db.DEFAULT_POOL_SIZE in production).
TEST_POOL_SIZE = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown hooks, no flushing."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(database_url: str, log_dir: Path, *, workers: int = 1, demo: bool = False,
                 extra_env: dict[str, str] | None = None, log_level: str = "warning") -> Server:
    port = free_port()
    env = dict(os.environ)
    # Two test processes share one PostgreSQL (max_connections 100) and may each run a server
    # with four workers at the same moment; at the default pool those two alone could ask for
    # more connections than it has (a CI run got 503s, then 500s, that way).
    env.setdefault("RAUMPLAN_DB_POOL_SIZE", str(TEST_POOL_SIZE))
    env.update({"RAUMPLAN_DATABASE_URL": database_url,
                "RAUMPLAN_OUTBOX_DIR": str(log_dir / "outbox")})
    env.update(extra_env or {})
    log = log_dir / f"server-{port}.log"
    args = [sys.executable, "-m", "booking.cli", "serve", "--port", str(port),
            "--workers", str(workers), "--log-level", log_level]
    if demo:
        args.append("--demo")
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return Server(url, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not answer in 60 s:\n{log.read_text()[-3000:]}")


@contextmanager
def running_server(database_url: str, log_dir: Path, **kwargs: object) -> Iterator[Server]:
    server = start_server(database_url, log_dir, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
