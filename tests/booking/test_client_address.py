"""The client address behind a reverse proxy (``RAUMPLAN_TRUSTED_PROXIES``): registration mails
are limited per client, so residents behind one proxy must not share one budget, and a client
that is not a trusted proxy must not pick its own address by writing the header."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.serverproc import running_server

NEW = {"password": "ein langes Passwort", "display_name": "Clara"}


def _register(server_url: str, n: int, forwarded: str) -> int:
    return httpx.post(server_url + "/api/register", timeout=30,
                      json={**NEW, "email": f"person{n}@example.org"},
                      headers={"X-Forwarded-For": forwarded}).status_code


def test_residents_behind_a_trusted_proxy_each_have_their_own_registration_budget(
        db_url: str, tmp_path: Path) -> None:
    with running_server(db_url, tmp_path) as server:  # the default trusts 127.0.0.1
        answers = [_register(server.url, n, f"203.0.113.{n}") for n in range(12)]
        assert answers == [202] * 12
        same = [_register(server.url, 100 + n, "198.51.100.7") for n in range(11)]
        assert same == [202] * 10 + [429]


def test_a_client_that_is_no_trusted_proxy_cannot_choose_its_address(
        db_url: str, tmp_path: Path) -> None:
    with running_server(db_url, tmp_path,
                        extra_env={"RAUMPLAN_TRUSTED_PROXIES": "192.0.2.1"}) as server:
        answers = [_register(server.url, n, f"203.0.113.{n}") for n in range(11)]
        assert answers == [202] * 10 + [429]  # one client, whatever the header says


def test_an_idle_connection_from_the_proxy_is_still_open_after_uvicorns_5_seconds(
        db_url: str, tmp_path: Path) -> None:
    """A reverse proxy keeps idle connections to the service for up to a minute and reuses
    them; the service must not close them first (``RAUMPLAN_KEEP_ALIVE_SECONDS``, 75 s), or
    the proxy's next request on one fails and the resident sees a 502."""
    import http.client
    import time

    with running_server(db_url, tmp_path) as server:
        conn = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]),
                                          timeout=10)
        try:
            conn.request("GET", "/health")
            first = conn.getresponse()
            assert first.status == 200 and first.read()
            sock = conn.sock
            time.sleep(6)  # uvicorn's own default would have closed the connection at 5 s
            conn.request("GET", "/health")  # on the same socket, or it raises
            assert conn.sock is sock
            again = conn.getresponse()
            assert again.status == 200 and again.read()
        finally:
            conn.close()
