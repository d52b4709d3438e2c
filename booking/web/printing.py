"""Paper from the pages: the same template a browser prints, made into a PDF on the server.

WeasyPrint lays out the HTML with the print stylesheet (A4, ``@page``) and embeds the fonts;
it needs Pango (``libpango-1.0-0``, ``libpangoft2-1.0-0``) and a font the machine has (DejaVu,
``fonts-dejavu-core``): nothing is fetched from the network — the stylesheet is read from the
package, and any other URL the document names is refused.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response

from booking.web.common import STATIC, Viewer, render

PRINT_CSS = STATIC / "paper.css"
# WeasyPrint says every layout step at INFO; the service's log wants its own lines.
logging.getLogger("weasyprint").setLevel(logging.WARNING)


def html(request: Request[Any, Any, Any], viewer: Viewer, template: str, **context: Any) -> str:
    """The page's HTML in the viewer's language, exactly as ``render`` would send it."""
    page = render(request, viewer, template, **context)
    engine = request.app.template_engine
    assert engine is not None
    return str(engine.get_template(template).render(**page.context))


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the PDF fetches nothing: {url}")


def pdf(document: str) -> bytes:
    from weasyprint import CSS, HTML  # a heavy import, only where a PDF is made

    out = HTML(string=document, url_fetcher=_no_fetch).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))])
    assert out is not None
    return bytes(out)


def pdf_response(document: str, filename: str) -> Response[bytes]:
    return Response(pdf(document), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
