"""Accounts through the API and the command line: registration with a mailed confirmation
link, password rules and reset, login and its throttling (OWASP device tokens), bearer tokens,
logout, ``raumplan user add``, and argon2id password hashes (issues 2 and 6)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from booking.cli import main as raumplan
from booking.models import LoginDevice, Person
from tests.booking.account_helpers import links, mails_to, register_and_confirm, token_of
from tests.booking.api_helpers import berlin
from tests.factories import PASSWORD, World

NEW = {"email": "clara@example.org", "password": "ein langes Passwort", "display_name": "Clara"}


def login(client, email: str, password: str):
    return client.post("/api/login", json={"email": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_registered_resident_confirms_by_mail_then_logs_in_and_sees_themselves(
        client, session_factory):
    r = client.post("/api/register", json=NEW)
    assert r.status_code == 202, r.text
    assert r.json()["code"] == "registered" and r.json()["params"] == {"email": NEW["email"]}
    assert "clara@example.org" in r.json()["detail"] and "Link" in r.json()["detail"]
    [mail] = mails_to(session_factory, "clara@example.org")
    assert mail.subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse für Raumplan"
    token = token_of(mail, "/konto/bestaetigen")
    confirmed = client.post("/api/register/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["roles"] == ["resident"]
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


@pytest.mark.parametrize("language", ["de", "en", "tr", "ar", "uk"])
def test_register_through_the_api_takes_each_of_the_five_languages(
        client, session_factory, language):
    r = client.post("/api/register", json={**NEW, "language": language})
    assert r.status_code == 202, r.text
    with session_factory() as s:
        stored = s.scalars(select(Person).where(Person.email == NEW["email"])).one()
        assert stored.language == language


def test_register_through_the_api_refuses_a_language_we_do_not_speak(client):
    assert client.post("/api/register", json={**NEW, "language": "fr"}).status_code == 400


@pytest.mark.parametrize("email", ["keine-adresse", "clara@localhost", "cla ra@example.org"])
def test_register_with_a_bad_email_is_refused_with_a_message(client, email):
    r = client.post("/api/register", json={**NEW, "email": email},
                    headers={"Accept-Language": "en"})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "email_invalid"
    assert "valid e-mail address" in r.json()["detail"]


def test_register_with_a_short_password_is_refused_with_a_message(client):
    r = client.post("/api/register", json={**NEW, "password": "kurz"})
    assert r.status_code == 400
    assert r.json()["code"] == "password_too_short" and r.json()["params"] == {"n": 10}
    assert "mindestens 10 Zeichen" in r.json()["detail"]
    assert login(client, NEW["email"], "kurz").status_code == 401


@pytest.mark.parametrize(("password", "why"), [
    ("password123", "password_leaked"),
    ("Passwort123", "password_leaked"),
    ("1234567890", "password_leaked"),
    ("qwertzuiop", "password_leaked"),
    ("aaaaaaaaaaaa", "password_guessable"),
    ("abcdefghijk", "password_guessable"),
    ("clara@example.org", "password_personal"),
    ("CLARA@EXAMPLE.ORG", "password_personal"),
    ("clara beispiel", "password_personal"),
    ("clara12345", "password_personal"),
], ids=["breached", "breached german", "digits", "keyboard row", "repeated", "sequence",
        "the address", "the address in capitals", "the name", "name and digits"])
def test_common_breached_and_personal_passwords_are_refused_saying_why(
        client, session_factory, password, why):
    r = client.post("/api/register", json={**NEW, "password": password,
                                           "display_name": "Clara Beispiel"})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == why
    assert mails_to(session_factory, NEW["email"]) == []


@pytest.mark.parametrize("email", ["anna@example.org", " ANNA@Example.ORG "])
def test_register_answers_alike_for_a_taken_address_and_mails_its_owner(
        client, session_factory, world: World, email):
    new = client.post("/api/register", json=NEW)
    taken = client.post("/api/register", json={**NEW, "email": email})
    assert new.status_code == taken.status_code == 202, taken.text
    assert new.json()["detail"].replace("clara@", "anna@") == taken.json()["detail"]
    # anna's account is untouched: her password works, the new one does not.
    assert login(client, "anna@example.org", PASSWORD).status_code == 200
    assert login(client, "anna@example.org", NEW["password"]).status_code == 401
    [mail] = mails_to(session_factory, "anna@example.org")
    assert mail.subject == "Jemand wollte sich mit Ihrer E-Mail-Adresse bei Raumplan registrieren"
    assert token_of(mail, "/passwort/neu")  # a way in if it was anna who forgot her password
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Person)
                        .where(Person.email == "anna@example.org")) == 1


def test_register_does_the_same_work_for_a_taken_address(client, world: World, monkeypatch):
    """Same speed without timing: both answers hash the password once and queue one mail."""
    from booking import mailer, security

    calls: list[str] = []
    real_hash, real_enqueue = security.hash_password, mailer.enqueue
    monkeypatch.setattr(security, "hash_password",
                        lambda p: calls.append("hash") or real_hash(p))
    monkeypatch.setattr("booking.services.accounts.hash_password", security.hash_password)
    monkeypatch.setattr(mailer, "enqueue", lambda *a, **k: calls.append("mail") or
                        real_enqueue(*a, **k))
    assert client.post("/api/register", json=NEW).status_code == 202
    new_path, calls[:] = list(calls), []
    assert client.post("/api/register", json={**NEW, "email": "anna@example.org"}
                       ).status_code == 202
    assert new_path == calls == ["hash", "mail"]


def test_a_new_account_may_request_rooms_only_after_opening_the_mailed_link(
        client, session_factory, world: World):
    assert client.post("/api/register", json=NEW).status_code == 202
    token = bearer(login(client, NEW["email"], NEW["password"]).json()["token"])
    rental = {"room_id": world.rooms["Café"], "starts_at": berlin(2026, 12, 9, 16),
              "ends_at": berlin(2026, 12, 9, 18), "expected_people": 10, "purpose": "Feier"}
    refused = client.post("/api/rentals", headers=token, json=rental)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "address_unconfirmed"
    link = token_of(mails_to(session_factory, NEW["email"])[0], "/konto/bestaetigen")
    assert client.post("/api/register/confirm", json={"token": link}).status_code == 200
    token = bearer(login(client, NEW["email"], NEW["password"]).json()["token"])
    assert client.post("/api/rentals", headers=token, json=rental).status_code == 201


def test_confirmation_link_works_once_and_expires(client, clock, session_factory):
    assert client.post("/api/register", json=NEW).status_code == 202
    first = token_of(mails_to(session_factory, NEW["email"])[0], "/konto/bestaetigen")
    clock.advance(timedelta(hours=49))
    expired = client.post("/api/register/confirm", json={"token": first})
    assert expired.status_code == 400 and expired.json()["code"] == "link_expired"
    assert client.post("/api/register", json=NEW).status_code == 202
    made_up = client.post("/api/register/confirm", json={"token": "erfunden"})
    assert made_up.status_code == 400 and made_up.json()["code"] == "link_invalid"
    clock.advance(timedelta(hours=-49))
    assert client.post("/api/register/confirm", json={"token": first}).status_code == 200
    again = client.post("/api/register/confirm", json={"token": first})
    assert again.status_code == 400 and again.json()["code"] == "link_used"


def test_someone_elses_registration_of_my_address_is_taken_over_by_setting_my_password(
        client, session_factory, world: World):
    """Registering a taken but unconfirmed address mails its owner only a reset link, never a
    confirmation link: confirming would hand the account to whoever chose its password."""
    mallory = {**NEW, "password": "Mallorys eigenes Passwort"}
    assert client.post("/api/register", json=mallory).status_code == 202
    mallorys_token = login(client, NEW["email"], mallory["password"]).json()["token"]
    assert client.post("/api/register", json=NEW).status_code == 202  # the real Clara
    taken = mails_to(session_factory, NEW["email"])[-1]
    assert taken.subject.startswith("Jemand wollte sich")
    assert [link for link in links(taken) if "/konto/bestaetigen" in link] == []
    reset = client.post("/api/password-reset/confirm", json={
        "token": token_of(taken, "/passwort/neu"), "password": NEW["password"]})
    assert reset.status_code == 200, reset.text
    assert client.get("/api/me", headers=bearer(mallorys_token)).status_code == 401
    assert login(client, NEW["email"], mallory["password"]).status_code == 401
    me = client.get("/api/me", headers=bearer(
        login(client, NEW["email"], NEW["password"]).json()["token"]))
    assert me.json()["roles"] == ["resident"]  # setting the password confirmed the address


def test_registration_is_throttled_per_client(client, clock, session_factory):
    for i in range(10):
        r = client.post("/api/register", json={**NEW, "email": f"person{i}@example.org"})
        assert r.status_code == 202, r.text
    blocked = client.post("/api/register", json={**NEW, "email": "person10@example.org"})
    assert blocked.status_code == 429, blocked.text
    assert blocked.headers["Retry-After"] == "3600"
    assert blocked.json()["code"] == "too_many_requests"
    assert mails_to(session_factory, "person10@example.org") == []
    clock.advance(timedelta(minutes=61))
    assert client.post("/api/register", json={**NEW, "email": "person10@example.org"}
                       ).status_code == 202


def test_an_address_never_confirmed_is_forgotten_after_a_week_and_free_again(
        client, clock, session_factory, world: World):
    from booking.db import transaction
    from booking.services.privacy import forget_unconfirmed

    assert client.post("/api/register", json=NEW).status_code == 202
    confirmed = register_and_confirm(client, session_factory, "dora@example.org",
                                     "ein anderes langes Passwort")
    clock.advance(timedelta(days=6))
    with transaction(session_factory) as s:
        assert forget_unconfirmed(s, clock.now()) == 0  # not yet: still within the week
    clock.advance(timedelta(days=2))
    with transaction(session_factory) as s:
        assert forget_unconfirmed(s, clock.now()) == 1
    with session_factory() as s:
        assert s.scalar(select(Person).where(Person.email == NEW["email"])) is None
        # A confirmed resident and the staff of the world are never forgotten.
        assert s.scalar(select(Person).where(Person.email == "dora@example.org")) is not None
        assert s.scalar(select(func.count()).select_from(Person).where(
            Person.email == world.emails["staff"])) == 1
    assert confirmed is not None
    # The address is free again: registering it starts a new confirmation, not "taken".
    assert client.post("/api/register", json=NEW).status_code == 202
    latest = mails_to(session_factory, NEW["email"])[-1]
    assert latest.subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse für Raumplan"


def test_password_reset_by_mail_sets_the_password_once_and_ends_every_session(
        client, clock, session_factory, world: World):
    old_tokens = [login(client, "anna@example.org", PASSWORD).json()["token"] for _ in (1, 2)]
    asked = client.post("/api/password-reset", json={"email": "Anna@example.org"})
    assert asked.status_code == 202, asked.text
    [mail] = mails_to(session_factory, "anna@example.org")
    assert mail.subject == "Neues Passwort für Raumplan"
    link = token_of(mail, "/passwort/neu")
    weak = client.post("/api/password-reset/confirm",
                       json={"token": link, "password": "password123"})
    assert weak.status_code == 400 and weak.json()["code"] == "password_leaked"
    done = client.post("/api/password-reset/confirm",
                       json={"token": link, "password": "ein ganz neues Passwort"})
    assert done.status_code == 200, done.text
    assert done.json()["device_token"]
    for token in old_tokens:
        assert client.get("/api/me", headers=bearer(token)).status_code == 401
    assert login(client, "anna@example.org", PASSWORD).status_code == 401
    assert login(client, "anna@example.org", "ein ganz neues Passwort").status_code == 200
    again = client.post("/api/password-reset/confirm",
                        json={"token": link, "password": "noch ein anderes Passwort"})
    assert again.status_code == 400 and again.json()["code"] == "link_used"
    # A link left unused past its hour is refused.
    client.post("/api/password-reset", json={"email": "anna@example.org"})
    late = token_of(mails_to(session_factory, "anna@example.org")[-1], "/passwort/neu")
    clock.advance(timedelta(minutes=61))
    expired = client.post("/api/password-reset/confirm",
                          json={"token": late, "password": "noch ein anderes Passwort"})
    assert expired.status_code == 400 and expired.json()["code"] == "link_expired"


def test_password_reset_answers_alike_whether_or_not_the_address_has_an_account(
        client, session_factory, world: World):
    known = client.post("/api/password-reset", json={"email": "anna@example.org"})
    unknown = client.post("/api/password-reset", json={"email": "niemand@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json()["detail"].replace("anna@", "niemand@") == unknown.json()["detail"]
    assert len(mails_to(session_factory, "anna@example.org")) == 1
    assert mails_to(session_factory, "niemand@example.org") == []


def test_wrong_password_and_unknown_address_get_the_same_401(client, world: World):
    wrong = login(client, "anna@example.org", "falsches Passwort")
    unknown = login(client, "niemand@example.org", "falsches Passwort")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "token" not in wrong.json()


# Login throttling (issue 6, section 3): OWASP's device-cookie scheme. The test client always
# comes from one address; the service no longer looks at addresses for login, so what holds
# here holds for an attacker with any number of them.


def test_an_attacker_gets_at_most_thirty_guesses_per_account_and_hour(
        client, clock, world: World):
    checked = []  # the minutes at which a guess was really checked (401, not 429)
    for minute in range(0, 120):
        r = login(client, "anna@example.org", f"geraten {minute}")
        assert r.status_code in (401, 429), r.text
        if r.status_code == 401:
            checked.append(minute)
        else:
            assert r.headers["Retry-After"] == str(20 * 60)
            assert r.json()["code"] == "too_many_logins"
            assert r.json()["params"] == {"n": 20}
        clock.advance(timedelta(minutes=1))
    assert max(sum(1 for m in checked if start <= m < start + 60)
               for start in range(0, 61)) == 30
    # Even the right password from a client that never logged in is refused while locked.
    client_tries = login(client, "anna@example.org", PASSWORD)
    assert client_tries.status_code == 429 and "token" not in client_tries.json()


def test_the_owner_with_a_known_device_logs_in_during_an_attack(client, world: World):
    device = login(client, "anna@example.org", PASSWORD).json()["device_token"]
    assert device
    for _ in range(10):
        assert login(client, "anna@example.org", "falsch geraten").status_code == 401
    assert login(client, "anna@example.org", PASSWORD).status_code == 429
    owner = client.post("/api/login", json={"email": "anna@example.org", "password": PASSWORD,
                                            "device_token": device})
    assert owner.status_code == 200, owner.text
    assert owner.json()["device_token"] == device
    # Another account's device token does not make a client known for this one.
    bens = login(client, "ben@example.org", PASSWORD).json()["device_token"]
    other = client.post("/api/login", json={"email": "anna@example.org", "password": PASSWORD,
                                            "device_token": bens})
    assert other.status_code == 429


def test_a_known_device_is_judged_on_its_own_failures(client, clock, world: World):
    device = login(client, "anna@example.org", PASSWORD).json()["device_token"]

    def from_device(password: str):
        return client.post("/api/login", json={"email": "anna@example.org",
                                                "password": password, "device_token": device})

    for _ in range(5):
        assert from_device("vertippt").status_code == 401
    assert from_device(PASSWORD).status_code == 429
    # Its failures did not use up the budget of the clients anna never used.
    assert login(client, "anna@example.org", PASSWORD).status_code == 200
    clock.advance(timedelta(minutes=21))
    assert from_device(PASSWORD).status_code == 200


def test_five_residents_behind_one_address_all_log_in(client, session_factory, world: World):
    # The centre's public computer: many failures from its address, against many accounts.
    for i in range(40):
        assert login(client, f"person{i}@example.org", "falsch geraten").status_code == 401
    for _ in range(9):
        assert login(client, "anna@example.org", "vertippt").status_code == 401
    residents = ["anna@example.org", "ben@example.org"]
    for i in range(3):
        residents.append(f"nachbar{i}@example.org")
        register_and_confirm(client, session_factory, residents[-1], PASSWORD, f"Nachbar {i}")
    for email in residents:
        r = login(client, email, PASSWORD)
        assert r.status_code == 200, (email, r.text)


def test_nine_failures_do_not_lock_anyone_out(client, world: World):
    for _ in range(9):
        assert login(client, "anna@example.org", "falsch geraten").status_code == 401
    assert login(client, "anna@example.org", PASSWORD).status_code == 200


def test_the_owner_is_mailed_once_when_new_devices_are_locked_out(
        client, session_factory, world: World):
    for _ in range(9):
        login(client, "ben@example.org", "falsch geraten")
    assert mails_to(session_factory, "ben@example.org") == []
    assert login(client, "ben@example.org", "falsch geraten").status_code == 401
    for _ in range(5):
        assert login(client, "ben@example.org", "falsch geraten").status_code == 429
    [mail] = mails_to(session_factory, "ben@example.org")
    assert mail.subject == "Failed logins to your Raumplan account"  # ben reads English
    assert "10 failed attempts" in mail.body
    assert "http://127.0.0.1:8000/passwort-vergessen" in mail.body
    # Guesses at an address without an account mail nobody.
    for _ in range(10):
        login(client, "niemand@example.org", "falsch geraten")
    assert mails_to(session_factory, "niemand@example.org") == []


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic YW5uYTp4", "Bearer "])
def test_me_needs_a_valid_bearer_token(client, world: World, header):
    headers = {"Authorization": header} if header else {}
    r = client.get("/api/me", headers={**headers, "Accept-Language": "en"})
    assert r.status_code == 401
    assert r.json()["code"] == "login_required" and "log in" in r.json()["detail"]


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
    (["--role", "staff"], "braucht --centre"),
    (["--role", "staff", "--centre", "mitte"], "mit dem Kurznamen mitte"),
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


def test_parallel_guesses_cannot_overrun_the_budget(session_factory, settings, now,
                                                    world: World):
    """Thirty guesses at once (threads, each its own transaction, as from many addresses and
    workers): the person's row is locked for the check, so only ten are checked."""
    from concurrent.futures import ThreadPoolExecutor

    from booking.db import transaction
    from booking.errors import RateLimited, Unauthorized
    from booking.services import accounts

    def guess(i: int) -> str:
        try:
            with transaction(session_factory) as db:
                accounts.login(db, email="anna@example.org", password=f"geraten {i}",
                               kind="api", now=now, settings=settings)
        except Unauthorized:
            return "checked"
        except RateLimited:
            return "throttled"
        return "in"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(guess, range(30)))
    assert outcomes.count("checked") == 10
    assert outcomes.count("throttled") == 20


def test_deleting_the_account_ends_its_mailed_links_and_known_devices(
        client, as_, session_factory, world: World):
    client.post("/api/password-reset", json={"email": "anna@example.org"})
    link = token_of(mails_to(session_factory, "anna@example.org")[-1], "/passwort/neu")
    assert client.delete("/api/me", headers=as_("anna")).status_code == 204
    r = client.post("/api/password-reset/confirm",
                    json={"token": link, "password": "ein ganz neues Passwort"})
    assert r.status_code == 400
    with session_factory() as s:
        assert s.scalars(select(LoginDevice).where(
            LoginDevice.person_id == world.people["anna"])).all() == []


def test_during_an_attack_the_owner_gets_in_on_a_new_device_by_resetting_the_password(
        client, session_factory, world: World):
    for _ in range(10):
        login(client, "anna@example.org", "falsch geraten")
    assert login(client, "anna@example.org", PASSWORD).status_code == 429
    client.post("/api/password-reset", json={"email": "anna@example.org"})
    link = token_of(mails_to(session_factory, "anna@example.org")[-1], "/passwort/neu")
    reset = client.post("/api/password-reset/confirm",
                        json={"token": link, "password": "ein ganz neues Passwort"})
    device = reset.json()["device_token"]
    r = client.post("/api/login", json={"email": "anna@example.org",
                                        "password": "ein ganz neues Passwort",
                                        "device_token": device})
    assert r.status_code == 200, r.text


def test_an_account_keeps_its_twenty_most_recent_devices(client, session_factory,
                                                         world: World):
    first = login(client, "anna@example.org", PASSWORD).json()["device_token"]
    for _ in range(20):
        assert login(client, "anna@example.org", PASSWORD).status_code == 200
    with session_factory() as s:
        assert len(s.scalars(select(LoginDevice).where(
            LoginDevice.person_id == world.people["anna"])).all()) == 20
    for _ in range(10):
        login(client, "anna@example.org", "falsch geraten")
    forgotten = client.post("/api/login", json={"email": "anna@example.org",
                                                "password": PASSWORD, "device_token": first})
    assert forgotten.status_code == 429  # the oldest device is no longer known
