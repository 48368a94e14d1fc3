"""docs/api.md lists every route of the API (docs tested against code)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI

from clairon.api import API_PREFIX

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_route_is_documented(app: FastAPI) -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(GET|POST|PATCH|PUT|DELETE) (/[^`?\s]*)", text))
    routes = {
        (method, re.sub(r"\{[^}]+\}", "{id}", path.removeprefix(API_PREFIX)))
        for path, ops in app.openapi()["paths"].items()
        if path.startswith(API_PREFIX)
        for method in (m.upper() for m in ops)
    }
    assert routes, "no API route found"
    assert routes - documented == set(), "routes missing from docs/api.md"
    outside = {("GET", "/healthz")}  # served outside the API prefix
    assert documented - routes == outside, "docs/api.md lists routes that do not exist"
