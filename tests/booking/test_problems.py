"""Errors are RFC 9457 problem details that any client can read."""

from __future__ import annotations

import json


def test_problem_echoing_characters_outside_the_bmp_says_its_charset(client, world):
    # Found by schemathesis: an unknown field named with astral-plane characters is echoed in
    # the message, and a client that guesses the encoding (requests does for +json types
    # without a charset) could not read the answer.
    body = json.dumps({'"\U0008f279\U000aee91': None}).encode()
    r = client.post(f"/api/rentals/{world.rooms['Café']}/cancel", content=body,
                    headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json; charset=utf-8"
    problem = json.loads(r.content.decode(r.headers["content-type"].split("charset=")[1]))
    assert problem["status"] == 400
    assert "\U0008f279" in problem["detail"]
