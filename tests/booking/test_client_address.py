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
