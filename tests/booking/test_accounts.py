"""Accounts through the API and the command line: registration, login and its throttling,
bearer tokens, logout, ``raumplan user add``, and argon2id password hashes (issue 2)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from booking.cli import main as raumplan
from booking.models import Person
from tests.factories import PASSWORD, World

NEW = {"email": "clara@example.org", "password": "ein langes Passwort", "display_name": "Clara"}


def login(client, email: str, password: str):
    return client.post("/api/login", json={"email": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_registered_resident_can_log_in_and_see_themselves(client, session_factory):
    r = client.post("/api/register", json=NEW)
    assert r.status_code == 201, r.text
    assert r.json()["roles"] == ["resident"]
    token = login(client, "Clara@Example.org", NEW["password"])
    assert token.status_code == 200, token.text
    assert token.json()["token_type"] == "Bearer"
    me = client.get("/api/me", headers=bearer(token.json()["token"]))
    assert me.status_code == 200
    assert (me.json()["email"], me.json()["display_name"]) == ("clara@example.org", "Clara")
    with session_factory() as s:
        stored = s.scalars(select(Person).where(Person.email == "clara@example.org")).one()
        assert stored.password_hash.startswith("$argon2id$")
        assert NEW["password"] not in stored.password_hash


@pytest.mark.parametrize("email", ["keine-adresse", "clara@localhost", "cla ra@example.org"])
def test_register_with_a_bad_email_is_refused_with_a_message(client, email):
    r = client.post("/api/register", json={**NEW, "email": email})
    assert r.status_code == 400, r.text
    assert "valid e-mail address" in r.json()["detail"]


def test_register_with_a_short_password_is_refused_with_a_message(client):
    r = client.post("/api/register", json={**NEW, "password": "kurz"})
    assert r.status_code == 400
    assert "at least 10 characters" in r.json()["detail"]
    assert login(client, NEW["email"], "kurz").status_code == 401


@pytest.mark.parametrize("email", ["anna@example.org", " ANNA@Example.ORG "])
def test_register_with_a_taken_email_is_a_conflict(client, world: World, email):
    r = client.post("/api/register", json={**NEW, "email": email})
    assert r.status_code == 409, r.text
    assert "exists already" in r.json()["detail"]
    # anna's account is untouched.
    assert login(client, "anna@example.org", PASSWORD).status_code == 200


def test_wrong_password_and_unknown_address_get_the_same_401(client, world: World):
    wrong = login(client, "anna@example.org", "falsches Passwort")
    unknown = login(client, "niemand@example.org", "falsches Passwort")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "token" not in wrong.json()


def test_after_five_failures_even_the_right_password_gets_429_until_the_window_passes(
        client, clock, world: World):
    for _ in range(5):
        assert login(client, "anna@example.org", "falsch geraten").status_code == 401
    blocked = login(client, "anna@example.org", PASSWORD)
    assert blocked.status_code == 429, blocked.text
    assert blocked.headers["Retry-After"] == str(15 * 60)
    assert "Too many failed logins" in blocked.json()["detail"]
    assert "token" not in blocked.json()
    # Another resident at the same computer (the centre's public PC) can still log in.
    assert login(client, "ben@example.org", PASSWORD).status_code == 200
    clock.advance(timedelta(minutes=16))
    assert login(client, "anna@example.org", PASSWORD).status_code == 200


def test_guessing_through_many_addresses_from_one_client_is_throttled_too(client, world: World):
    for i in range(20):
        assert login(client, f"person{i}@example.org", "falsch geraten").status_code == 401
    blocked = login(client, "ben@example.org", PASSWORD)
    assert blocked.status_code == 429, blocked.text


def test_four_failures_do_not_lock_anyone_out(client, world: World):
    for _ in range(4):
        login(client, "anna@example.org", "falsch geraten")
    assert login(client, "anna@example.org", PASSWORD).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic YW5uYTp4", "Bearer "])
def test_me_needs_a_valid_bearer_token(client, world: World, header):
    r = client.get("/api/me", headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    assert "log in" in r.json()["detail"]


def test_logout_invalidates_that_token_only(client, world: World):
    first = login(client, "anna@example.org", PASSWORD).json()["token"]
    second = login(client, "anna@example.org", PASSWORD).json()["token"]
    assert client.post("/api/logout", headers=bearer(first)).status_code == 204
    assert client.get("/api/me", headers=bearer(first)).status_code == 401
    assert client.get("/api/me", headers=bearer(second)).status_code == 200


def test_token_expires_after_its_lifetime(client, clock, world: World):
    token = login(client, "anna@example.org", PASSWORD).json()["token"]
    clock.advance(timedelta(days=29))
    assert client.get("/api/me", headers=bearer(token)).status_code == 200
    clock.advance(timedelta(days=2))
    assert client.get("/api/me", headers=bearer(token)).status_code == 401


def test_cli_user_add_creates_a_staff_account_that_can_log_in(client, db_url, world: World,
                                                              capsys):
    code = raumplan(["user", "add", "--role", "staff", "--centre", "nord",
                     "--email", "leitung@example.org", "--name", "Leitung Nord",
                     "--password", "ein sicheres Passwort", "--database-url", db_url])
    assert code == 0
    assert "leitung@example.org" in capsys.readouterr().out
    r = login(client, "leitung@example.org", "ein sicheres Passwort")
    assert r.status_code == 200, r.text
    assert r.json()["person"]["roles"] == [f"staff@{world.centre_id}"]
    token = bearer(r.json()["token"])
    assert client.get(f"/api/centres/{world.centre_id}/doors", headers=token).status_code == 200
    assert client.get(f"/api/centres/{world.other_centre_id}/doors",
                      headers=token).status_code == 403


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "staff"], "needs --centre"),
    (["--role", "staff", "--centre", "mitte"], "no centre 'mitte'"),
], ids=["no centre", "unknown centre"])
def test_cli_user_add_refuses_staff_without_a_real_centre(client, db_url, world: World,
                                                          capsys, args, message):
    code = raumplan(["user", "add", *args, "--email", "x@example.org",
                     "--password", "ein sicheres Passwort", "--database-url", db_url])
    assert code == 2
    assert message in capsys.readouterr().err
    assert login(client, "x@example.org", "ein sicheres Passwort").status_code == 401


def test_production_hashes_are_argon2id_with_rfc9106_parameters():
    # In a fresh interpreter: the test session swaps in a cheap hasher (tests/booking/conftest).
    script = ("from booking.security import hash_password, verify_password\n"
              "h = hash_password('ein langes Passwort')\n"
              "assert verify_password(h, 'ein langes Passwort')\n"
              "assert not verify_password(h, 'ein anderes Passwort')\n"
              "print(h)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, timeout=60,
                         cwd=Path(__file__).parents[2]).stdout.strip()
    assert out.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
