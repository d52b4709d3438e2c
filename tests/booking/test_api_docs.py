"""The API documentation works without internet: the Swagger UI's files come from this server,
every operation has a summary, and the bearer scheme is declared for the Authorize button."""

from __future__ import annotations

import re

from litestar.testing import TestClient


def test_the_api_docs_load_every_file_from_this_server(client: TestClient) -> None:
    page = client.get("/schema")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
    assert [u for u in urls if not u.startswith("/")] == []  # no CDN, no other host
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200 and len(r.content) > 100, url
    # The page reads the document from here too.
    assert client.get("/schema/openapi.json").status_code == 200


def test_every_operation_has_a_summary_and_may_send_a_bearer_token(client: TestClient) -> None:
    doc = client.get("/schema/openapi.json").json()
    operations = [(path, method, op) for path, item in doc["paths"].items()
                  for method, op in item.items() if isinstance(op, dict) and "responses" in op]
    assert len(operations) > 30
    assert [(p, m) for p, m, op in operations if not op.get("summary")] == []
    # Summaries read as words ("List rooms"), not as the handler's CamelCase name.
    assert {"List rooms", "Login"} <= {op["summary"] for _, _, op in operations}
    scheme = doc["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path, method, op in operations:  # optional on the API, absent on /health
        if path.startswith("/api"):
            assert {"bearer": []} in op["security"] and {} in op["security"], (path, method)
    assert "security" not in doc["paths"]["/health"]["get"]
