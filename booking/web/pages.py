"""Pages: placeholder until the page set lands (see the issue notes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

TEMPLATES = Path(__file__).parent / "templates"


def template_config() -> TemplateConfig[Any]:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)


def page_controllers() -> list[Any]:
    return []
