"""The API's OpenAPI document and its browsable UI, usable without internet.

Litestar's Swagger UI loads its scripts and styles from a CDN by default, so on a centre's
machine without internet ``/schema`` stayed blank. The UI's files come instead from the
``swagger-ui-py`` package (Swagger UI 5, which reads OpenAPI 3.1) and are served by this app
under ``/schema-assets``. The bearer scheme is declared, optional on every API operation (many
are public), so the UI's "Authorize" button sends the token from ``POST /api/login``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import swagger_ui
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute
from litestar.static_files import create_static_files_router

ASSETS_PATH: Final = "/schema-assets"
ASSETS_DIR: Final = Path(swagger_ui.__file__).parent / "static"
BEARER: Final = "bearer"


def openapi_config() -> OpenAPIConfig:
    swagger = SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        path=["/", "/swagger"],
    )
    return OpenAPIConfig(
        title="Raumplan", version="0.1.0",
        description="Room booking for Bielefeld's Stadtteilzentren. Log in with "
                    "`POST /api/login` and send the token as `Authorization: Bearer …` "
                    "(the Authorize button); public reads need no token.",
        render_plugins=[swagger, JsonRenderPlugin(), YamlRenderPlugin()],
        components=Components(security_schemes={BEARER: SecurityScheme(
            type="http", scheme="bearer",
            description="A token from POST /api/login (valid for hours, revocable with "
                        "POST /api/logout).")}),
        use_handler_docstrings=True,  # a handler's docstring is its operation's description
    )


def assets_router() -> Any:
    return create_static_files_router(path=ASSETS_PATH, directories=[ASSETS_DIR],
                                      name="schema-assets", include_in_schema=False)


def describe_operations(app: Litestar) -> None:
    """Before the schema is first built (like ``document_problems``): every operation without
    a summary of its own gets one made of its handler's name (``list_centres`` → "List
    centres"; Litestar's default is "ListCentres"), and every ``/api`` operation takes the
    bearer token, optionally: with it the caller acts as themselves, without it anonymously.
    ``/health`` stays without, for probes."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not isinstance(handler, HTTPRouteHandler):
                continue
            if not handler.summary:
                words = handler.handler_name.strip("_").replace("_", " ")
                handler.summary = words[:1].upper() + words[1:]
            if route.path.startswith("/api") and handler.security is None:
                handler.security = [{BEARER: []}, {}]
