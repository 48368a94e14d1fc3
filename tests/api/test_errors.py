"""Typed errors become HTTP answers; service field paths become FastAPI-style ``loc`` lists."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from clairon.api.errors import install_error_handlers, location_path, problem_detail
from clairon.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    Problem,
    RateLimited,
    Rejected,
    ValidationFailed,
)

names = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True)
segments = st.tuples(names, st.lists(st.integers(0, 999), max_size=2))


def _render(parts: list[tuple[str, list[int]]]) -> str:
    return ".".join(name + "".join(f"[{i}]" for i in idx) for name, idx in parts)


@given(st.lists(segments, min_size=1, max_size=4))
def test_location_round_trips_to_a_loc_list(parts: list[tuple[str, list[int]]]) -> None:
    loc, rest = location_path(_render(parts))
    assert rest == ""
    assert loc == [x for name, idx in parts for x in (name, *idx)]


def test_location_with_a_file_name_keeps_it_in_the_message() -> None:
    detail = problem_detail(Problem("variants[1].media[0] deck.pdf", "type not accepted"))
    assert detail["loc"] == ["variants", 1, "media", 0]
    assert detail["field"] == "variants[1].media[0]"
    assert detail["msg"] == "deck.pdf: type not accepted"


def test_free_text_locations_are_kept_whole() -> None:
    assert location_path("row 3 / scheduled_at") == (["row 3 / scheduled_at"], "")
    assert location_path("") == ([], "")
    assert problem_detail(Problem("", "bad"))["loc"] == []


def test_each_error_type_has_its_status() -> None:
    app = FastAPI()
    install_error_handlers(app)
    errors: dict[str, Exception] = {
        "validation": ValidationFailed([Problem("a.b[2]", "wrong"), Problem("c", "missing")]),
        "not-found": NotFound("post 9 not found"),
        "denied": PermissionDenied("viewers cannot approve"),
        "transition": InvalidTransition("draft -> published"),
        "conflict": Conflict("slug taken"),
        "rejected": Rejected("status is too long"),
        "rate": RateLimited("slow down", retry_after=3),
    }

    def raiser(exc: Exception) -> Callable[[], None]:
        def raise_it() -> None:
            raise exc

        return raise_it

    for name, exc in errors.items():
        app.add_api_route(f"/{name}", raiser(exc))
    client = TestClient(app)
    r = client.get("/validation")
    assert r.status_code == 422
    assert r.json() == {
        "detail": [
            {"loc": ["a", "b", 2], "field": "a.b[2]", "msg": "wrong", "type": "value_error"},
            {"loc": ["c"], "field": "c", "msg": "missing", "type": "value_error"},
        ]
    }
    expected = {
        "not-found": 404,
        "denied": 403,
        "transition": 409,
        "conflict": 409,
        "rejected": 502,
        "rate": 502,
    }
    for name, status in expected.items():
        r = client.get(f"/{name}")
        assert r.status_code == status, name
        assert r.json() == {"detail": str(errors[name])}
