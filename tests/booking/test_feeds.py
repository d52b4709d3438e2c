"""iCalendar feeds and the CSV export (issue 10 §4, §5), on SQLite and PostgreSQL: what a
subscribed calendar and a spreadsheet program would see."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import vobject
from sqlalchemy import Engine

from tests.booking.api_helpers import book, rent
from tests.booking.test_series import dates, weekly

BERLIN = ZoneInfo("Europe/Berlin")


def programme(client, world, **headers):
    return client.get(f"/api/calendar/centres/{world.centre_id}/programme.ics", headers=headers)


def events(body: bytes) -> list:
    return [c for c in icalendar.Calendar.from_ical(body).walk("VEVENT")]


def test_the_public_programme_parses_in_two_independent_readers(client, as_, world):
    staff = as_("staff")
    assert weekly(client, staff, world.rooms["Café"], "2026-12-03", count=4).status_code == 201
    assert book(client, staff, world.rooms["Gruppenraum 1"], "2026-12-05T10:00:00+01:00",
                "2026-12-05T12:00:00+01:00", title="Repair-Café").status_code == 201
    r = programme(client, world)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    ours = events(r.content)
    theirs = list(vobject.readOne(r.content.decode()).vevent_list)
    assert len(ours) == len(theirs) == 5
    assert [str(e["uid"]) for e in ours] == [e.uid.value for e in theirs]
    assert [e.decoded("dtstart") for e in ours] == [e.dtstart.value for e in theirs]
    assert [e.decoded("dtend") for e in ours] == [e.dtend.value for e in theirs]
    first = ours[0]
    assert first["dtstart"].params["TZID"] == "Europe/Berlin"
    assert first.decoded("dtstart") == datetime(2026, 12, 3, 19, 0, tzinfo=BERLIN)
    assert "Café" in str(first["location"]) and "Nordstr. 1" in str(first["location"])
    assert b"BEGIN:VTIMEZONE" in r.content and b"TZID:Europe/Berlin" in r.content


def test_the_public_feeds_show_no_renter_and_no_private_words(client, as_, world):
    cafe = world.rooms["Café"]
    rental = rent(client, as_("anna"), cafe, "2026-12-12T16:00:00+01:00",
                  "2026-12-12T19:00:00+01:00", purpose="Geburtstag von Anna")
    assert client.post(f"/api/rentals/{rental.json()['id']}/confirm",
                       headers=as_("staff")).status_code == 200
    room = client.get(f"/api/calendar/rooms/{cafe}/calendar.ics")
    assert room.status_code == 200
    assert [str(e["summary"]) for e in events(room.content)] == ["Raumvermietung"]
    assert b"Anna" not in room.content and b"Geburtstag" not in room.content
    assert events(programme(client, world).content) == []


def test_an_unchanged_feed_answers_304_and_a_change_a_new_etag(client, as_, world):
    staff = as_("staff")
    made = weekly(client, staff, world.rooms["Café"], "2026-12-03", count=2).json()
    first = programme(client, world)
    etag = first.headers["etag"]
    assert first.headers["last-modified"]
    again = programme(client, world, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    occurrence = dates(made)["2026-12-10"]["occurrence_id"]
    assert client.post(f"/api/occurrences/{occurrence}/cancel", headers=staff).status_code == 200
    changed = programme(client, world, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_a_cancelled_date_stays_as_cancelled_with_a_higher_sequence(client, as_, world):
    staff = as_("staff")
    made = weekly(client, staff, world.rooms["Café"], "2026-12-03", count=2).json()
    before = {str(e["uid"]): e for e in events(programme(client, world).content)}
    occurrence = dates(made)["2026-12-10"]["occurrence_id"]
    assert client.post(f"/api/occurrences/{occurrence}/cancel", headers=staff).status_code == 200
    after = {str(e["uid"]): e for e in events(programme(client, world).content)}
    assert after.keys() == before.keys()
    uid = f"occurrence-{occurrence}@raumplan"
    assert str(after[uid]["status"]) == "CANCELLED"
    assert int(after[uid]["sequence"]) > int(before[uid]["sequence"])
    assert after[uid].decoded("last-modified") >= before[uid].decoded("last-modified")
    # A closure that takes a date also cancels it in calendars, and brings it back after.
    closure = client.post(f"/api/centres/{world.centre_id}/closures", headers=staff, json={
        "first_day": "2026-12-03", "last_day": "2026-12-03", "reason": "Betriebsausflug"})
    first_uid = f"occurrence-{dates(made)['2026-12-03']['occurrence_id']}@raumplan"
    closed = {str(e["uid"]): e for e in events(programme(client, world).content)}
    assert str(closed[first_uid]["status"]) == "CANCELLED"
    client.delete(f"/api/closures/{closure.json()['id']}", headers=staff)
    reopened = {str(e["uid"]): e for e in events(programme(client, world).content)}
    assert str(reopened[first_uid]["status"]) == "CONFIRMED"
    assert int(reopened[first_uid]["sequence"]) > int(closed[first_uid]["sequence"])


def test_a_personal_feed_works_until_it_is_rotated_or_revoked(client, as_, world):
    anna = as_("anna")
    rental = rent(client, anna, world.rooms["Café"], "2026-12-12T16:00:00+01:00",
                  "2026-12-12T19:00:00+01:00", purpose="Geburtstag von Anna")
    assert rental.status_code == 201
    made = client.post("/api/me/feeds", headers=anna, json={})
    assert made.status_code == 201, made.text
    url, webcal = made.json()["url"], made.json()["webcal"]
    assert webcal.startswith("webcal://") and webcal.endswith("/calendar.ics")
    path = "/api/" + url.split("/api/", 1)[1]
    mine = client.get(path)
    assert mine.status_code == 200
    [event] = events(mine.content)
    assert str(event["status"]) == "TENTATIVE"  # requested, not yet confirmed
    assert "Geburtstag von Anna" in str(event["description"])
    rotated = client.post(f"/api/me/feeds/{made.json()['id']}/rotate", headers=anna)
    assert client.get(path).status_code == 404
    new_path = "/api/" + rotated.json()["url"].split("/api/", 1)[1]
    assert client.get(new_path).status_code == 200
    # Ben cannot revoke Anna's feed; Anna can.
    assert client.delete(f"/api/me/feeds/{made.json()['id']}",
                         headers=as_("ben")).status_code == 404
    assert client.delete(f"/api/me/feeds/{made.json()['id']}", headers=anna).status_code == 204
    assert client.get(new_path).status_code == 404


def test_one_booking_downloads_as_an_ics_file(client, as_, world):
    made = weekly(client, as_("staff"), world.rooms["Café"], "2026-12-03", count=3).json()
    r = client.get(f"/api/bookings/{made['booking_id']}/calendar.ics", headers=as_("staff"))
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    assert len(events(r.content)) == 3
    assert client.get(f"/api/bookings/{made['booking_id']}/calendar.ics",
                      headers=as_("ben")).status_code == 404


def test_the_csv_export_opens_with_umlauts_in_a_spreadsheet(client, as_, world):
    staff = as_("staff")
    assert book(client, staff, world.rooms["Gruppenraum 1"], "2026-12-05T10:00:00+01:00",
                "2026-12-05T12:00:00+01:00", title="Nähcafé für Groß und Klein").status_code == 201
    assert book(client, staff, world.rooms["Café"], "2026-12-06T10:00:00+01:00",
                "2026-12-06T12:00:00+01:00", title="=HYPERLINK(1)").status_code == 201
    r = client.get(f"/api/centres/{world.centre_id}/bookings.csv", headers=staff,
                   params={"start": "2026-12-01T00:00:00+01:00",
                           "end": "2026-12-31T00:00:00+01:00"})
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"\xef\xbb\xbf")
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Datum;Beginn;Ende;Raum")
    assert lines[1].startswith("05.12.2026;10:00;12:00;Gruppenraum 1;programme;"
                               "Nähcafé für Groß und Klein")
    assert ";'=HYPERLINK(1);" in lines[2]
    assert client.get(f"/api/centres/{world.centre_id}/bookings.csv", headers=as_("anna"),
                      params={"start": "2026-12-01T00:00:00+01:00",
                              "end": "2026-12-31T00:00:00+01:00"}).status_code == 403


def test_long_titles_with_umlauts_and_commas_read_back_the_same_in_both_readers():
    from datetime import UTC

    from booking.services import feeds

    title = "Nähcafé, Sprachtreff; Groß & Klein \\ offen für alle\nmit Kinderbetreuung " * 3
    start = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    event = feeds.FeedEvent(uid="occurrence-1@raumplan", title=title, starts_at=start,
                            ends_at=start.replace(hour=3), status="CONFIRMED", sequence=2,
                            modified=start, location="Café, Zentrum, Straße 1")
    body = feeds.render("Zentrum, Nord", [event], "Europe/Berlin", start)
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    [ours] = events(body)
    [theirs] = vobject.readOne(body.decode()).vevent_list
    assert str(ours["summary"]) == theirs.summary.value == title
    # 01:30 UTC on the spring-forward night is 03:30 summer time in Berlin.
    assert ours.decoded("dtstart") == theirs.dtstart.value == datetime(
        2027, 3, 28, 3, 30, tzinfo=BERLIN)


def test_a_calendar_client_that_accepts_gzip_gets_the_same_feed_smaller(client, as_, world):
    import gzip

    assert weekly(client, as_("staff"), world.rooms["Café"], "2026-12-03",
                  count=30).status_code == 201
    plain = programme(client, world)
    # httpx decodes gzip itself; the raw stream shows what went over the wire.
    with client.stream("GET", f"/api/calendar/centres/{world.centre_id}/programme.ics",
                       headers={"Accept-Encoding": "gzip"}) as zipped:
        raw = b"".join(zipped.iter_raw())
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["etag"] == plain.headers["etag"]
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content) / 3


def test_both_readers_agree_on_every_hour_around_the_dst_changes():
    """Every hour of both change nights, the second 02:30 of the autumn night included (which
    a TZID wall time cannot name: it is written in UTC), reads back as the same instant."""
    from datetime import UTC, timedelta

    from booking.services import feeds

    starts = [datetime(2026, 3, 28, 22, tzinfo=UTC) + timedelta(minutes=30 * i)
              for i in range(12)]
    starts += [datetime(2026, 10, 24, 22, tzinfo=UTC) + timedelta(minutes=30 * i)
               for i in range(12)]
    body = feeds.render("x", [feeds.FeedEvent(
        uid=f"occurrence-{i}@raumplan", title="t", starts_at=s, ends_at=s + timedelta(hours=1),
        status="CONFIRMED", sequence=0, modified=s, location="") for i, s in enumerate(starts)],
        "Europe/Berlin", starts[0])
    ours = [e.decoded("dtstart").astimezone(UTC) for e in events(body)]
    theirs = [e.dtstart.value.astimezone(UTC)
              for e in vobject.readOne(body.decode()).vevent_list]
    assert ours == theirs == starts


def test_a_change_any_process_of_the_service_commits_shows_at_once_one_from_outside_in_time(
        client, as_, world, engine, clock, db_url):
    """A worker answers a public feed from memory while the commit clock stands still. A write
    of another process of the service (the second web worker, the background worker; here a
    Core statement on the service's engine) advances it: the feed changes at once. A write
    from outside the service (psql by hand; here an engine that is not the service's) shows
    once PUBLIC_FRESH_FOR has passed since the worker last read the feed's version."""
    import gzip

    from sqlalchemy import create_engine, update
    from sqlalchemy.pool import NullPool

    from booking.db import normalise_url
    from booking.models import Occurrence
    from booking.services.feeds import PUBLIC_FRESH_FOR

    made = weekly(client, as_("staff"), world.rooms["Café"], "2026-12-03", count=3).json()
    path = f"/api/calendar/centres/{world.centre_id}/programme.ics"

    def cancel(on: Engine, day: str) -> None:
        occurrence = dates(made)[day]["occurrence_id"]
        with on.begin() as conn:
            conn.execute(update(Occurrence).where(Occurrence.id == occurrence).values(
                status="cancelled", sequence=Occurrence.sequence + 1))

    before = client.get(path)
    assert len(events(before.content)) == 3
    cancel(engine, "2026-12-10")
    after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    outside = create_engine(normalise_url(db_url), poolclass=NullPool)
    try:
        cancel(outside, "2026-12-17")
    finally:
        outside.dispose()
    etag = {"If-None-Match": after.headers["etag"]}
    assert client.get(path, headers=etag).status_code == 304  # not yet
    clock.advance(PUBLIC_FRESH_FOR)
    last = client.get(path, headers=etag)
    assert last.status_code == 200 and last.headers["etag"] != after.headers["etag"]
    assert [str(e["status"]) for e in events(last.content)].count("CANCELLED") == 2
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as zipped:
        assert gzip.decompress(b"".join(zipped.iter_raw())) == last.content


def test_a_change_committed_in_the_same_process_shows_at_once_in_every_worker_of_it(
        client, as_, world, settings, clock):
    """Two apps in one process (as the tests run them) see each other's commits at once."""
    from litestar.testing import TestClient

    from booking.app import create_app

    staff = as_("staff")
    made = weekly(client, staff, world.rooms["Café"], "2026-12-03", count=3).json()
    with TestClient(create_app(settings, clock)) as other:
        path = f"/api/calendar/centres/{world.centre_id}/programme.ics"
        before = other.get(path)
        occurrence = dates(made)["2026-12-10"]["occurrence_id"]
        assert client.post(f"/api/occurrences/{occurrence}/cancel",
                           headers=staff).status_code == 200
        after = other.get(path, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]


def test_the_feed_moves_its_window_at_local_midnight_even_within_the_freshness_bound(
        client, as_, world, clock):
    from datetime import UTC, timedelta

    assert weekly(client, as_("staff"), world.rooms["Café"], "2026-12-03",
                  count=2).status_code == 201
    # 23:59:59.5 in Bielefeld (UTC+1 in November), then half a second later: the next day.
    clock.advance(datetime(2026, 11, 25, 22, 59, 59, 500000, tzinfo=UTC) - clock.now())
    late = programme(client, world)
    clock.advance(timedelta(seconds=1))
    assert programme(client, world).headers["etag"] != late.headers["etag"]


def test_the_feed_answers_carry_the_services_transport_headers(
        as_, world, settings, clock):
    """An https installation's feed answers carry HSTS like every other answer."""
    from dataclasses import replace

    from litestar.testing import TestClient

    from booking.app import create_app

    with TestClient(create_app(replace(settings, base_url="https://raumplan.example"),
                               clock)) as https:
        path = f"/api/calendar/centres/{world.centre_id}/programme.ics"
        first = https.get(path)
        assert "max-age" in first.headers["strict-transport-security"]
        again = https.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["cache-control"] == first.headers["cache-control"]
