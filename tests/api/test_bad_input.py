"""Bad input through the API: a 422 naming the field, and nothing written (row counts and
files on disk are compared before and after)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from clairon.networks import registry
from clairon.networks.base import Limits, MediaRule
from clairon.networks.outbox import OutboxConnector
from clairon.services.context import Context
from tests.api.conftest import Caller, make_caller, table_counts


class ImagesOnlyConnector(OutboxConnector):
    """An outbox that, like most networks, takes images only and short texts."""

    network: ClassVar[str] = "imagesonly"

    def limits(self) -> Limits:
        return Limits(
            network=self.network, max_length=40, media=(MediaRule(kinds=frozenset({"image"})),)
        )


@pytest.fixture
def images_only(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(registry._load(), ImagesOnlyConnector.network, ImagesOnlyConnector)
    return ImagesOnlyConnector.network


def _png(size: tuple[int, int] = (80, 60)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "orange").save(buf, format="PNG")
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _files(ctx: Context) -> list[Path]:
    root = ctx.settings.data_dir / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _setup(ctx: Context, client: TestClient, **account: Any) -> tuple[Caller, int, int]:
    owner = make_caller(ctx, "owner")
    ws = client.post("/api/v1/workspaces", json={"name": "Zed"}, headers=owner.headers).json()
    acc = client.post(
        f"/api/v1/workspaces/{ws['id']}/accounts",
        json={"network": "outbox", "handle": "zed", **account},
        headers=owner.headers,
    )
    assert acc.status_code == 201, acc.text
    return owner, ws["id"], acc.json()["id"]


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [d.get("field") or ".".join(map(str, d["loc"])) for d in response.json()["detail"]]


def test_unknown_time_zone_names_the_field(ctx: Context, client: TestClient) -> None:
    owner = make_caller(ctx)
    before = table_counts(ctx)
    r = client.post(
        "/api/v1/workspaces",
        json={"name": "Lune", "timezone": "Europe/Atlantis", "languages": ["fr", "english!"]},
        headers=owner.headers,
    )
    assert _fields(r) == ["timezone", "languages[1]"]
    detail = r.json()["detail"]
    assert detail[0]["loc"] == ["timezone"] and "Europe/Atlantis" in detail[0]["msg"]
    assert detail[1]["loc"] == ["languages", 1]
    assert table_counts(ctx) == before


def test_text_over_the_network_limit_names_the_variant(ctx: Context, client: TestClient) -> None:
    owner, ws, acc = _setup(ctx, client, settings={"max_length": 20})
    before = table_counts(ctx)
    r = client.post(
        f"/api/v1/workspaces/{ws}/posts",
        json={
            "body": "short",
            "variants": [
                {"account_id": acc, "text": "x" * 21},
                {"account_id": acc, "text": "fits", "language": "en"},
                {"account_id": acc, "text": "y" * 30, "ab_letter": "B"},
            ],
        },
        headers=owner.headers,
    )
    assert _fields(r) == ["variants[0].text", "variants[2].text"]
    first = r.json()["detail"][0]
    assert first["loc"] == ["variants", 0, "text"]
    assert "21 characters is over outbox's limit of 20 (by 1)" in first["msg"]
    assert table_counts(ctx) == before


def test_edit_over_the_limit_is_refused(ctx: Context, client: TestClient) -> None:
    owner, ws, acc = _setup(ctx, client, settings={"max_length": 20})
    post = client.post(
        f"/api/v1/workspaces/{ws}/posts",
        json={"body": "ok", "variants": [{"account_id": acc}]},
        headers=owner.headers,
    ).json()
    vid = post["variants"][0]["id"]
    before = table_counts(ctx)
    r = client.patch(f"/api/v1/variants/{vid}", json={"text": "z" * 25}, headers=owner.headers)
    assert _fields(r) == ["variant.text"]
    assert table_counts(ctx) == before
    again = client.get(f"/api/v1/posts/{post['id']}", headers=owner.headers).json()
    assert again["variants"][0]["text"] == "ok" and again["variants"][0]["version"] == 1


def _approved_post(client: TestClient, owner: Caller, ws: int, acc: int) -> dict[str, Any]:
    post = client.post(
        f"/api/v1/workspaces/{ws}/posts",
        json={"body": "Bonjour", "variants": [{"account_id": acc}]},
        headers=owner.headers,
    ).json()
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=owner.headers)
    approved = client.post(f"/api/v1/posts/{post['id']}/approve", headers=owner.headers)
    assert approved.json()["status"] == "approved"
    return dict(approved.json())


def test_past_schedule_time_names_scheduled_at(ctx: Context, client: TestClient) -> None:
    owner, ws, acc = _setup(ctx, client)
    post = _approved_post(client, owner, ws, acc)
    before = table_counts(ctx)
    past = (ctx.now() - timedelta(hours=2)).isoformat()
    for path in (
        f"/api/v1/posts/{post['id']}/schedule",
        f"/api/v1/variants/{post['variants'][0]['id']}/schedule",
    ):
        r = client.post(path, json={"scheduled_at": past}, headers=owner.headers)
        assert _fields(r) == ["scheduled_at"]
        assert "in the past" in r.json()["detail"][0]["msg"]
    assert table_counts(ctx) == before
    again = client.get(f"/api/v1/posts/{post['id']}", headers=owner.headers).json()
    assert again["status"] == "approved" and again["variants"][0]["scheduled_at"] is None


def test_naive_datetime_is_refused(ctx: Context, client: TestClient) -> None:
    owner, ws, acc = _setup(ctx, client)
    post = _approved_post(client, owner, ws, acc)
    before = table_counts(ctx)
    naive = (ctx.now() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    r = client.post(
        f"/api/v1/posts/{post['id']}/schedule", json={"scheduled_at": naive}, headers=owner.headers
    )
    assert r.status_code == 422
    [problem] = r.json()["detail"]
    assert problem["loc"] == ["body", "scheduled_at"]
    assert "timezone" in problem["msg"]
    r = client.get(
        f"/api/v1/workspaces/{ws}/calendar",
        params={"start": "2030-01-01T00:00:00", "end": "2030-01-08T00:00:00+00:00"},
        headers=owner.headers,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "start"]
    assert table_counts(ctx) == before


def test_unknown_request_field_is_refused(ctx: Context, client: TestClient) -> None:
    owner, ws, _acc = _setup(ctx, client)
    before = table_counts(ctx)
    r = client.post(
        f"/api/v1/workspaces/{ws}/posts",
        json={"body": "x", "variants": [{"acount_id": 1}]},
        headers=owner.headers,
    )
    assert r.status_code == 422
    locs = [d["loc"] for d in r.json()["detail"]]
    assert ["body", "variants", 0, "account_id"] in locs
    assert ["body", "variants", 0, "acount_id"] in locs
    assert table_counts(ctx) == before


def test_upload_whose_content_is_not_media_is_refused(ctx: Context, client: TestClient) -> None:
    owner, ws, _acc = _setup(ctx, client)
    before = table_counts(ctx)
    cases = [
        ("notes.png", b"just some text, not an image", "image/png", "not a supported media"),
        ("photo.jpg", _png(), "image/jpeg", "sent as image/jpeg but its content is image/png"),
        ("empty.png", b"", "image/png", "empty"),
    ]
    for name, content, declared, message in cases:
        r = client.post(
            f"/api/v1/workspaces/{ws}/media",
            files={"file": (name, content, declared)},
            headers=owner.headers,
        )
        assert _fields(r) == ["file"], name
        assert message in r.json()["detail"][0]["msg"]
    assert table_counts(ctx) == before
    assert _files(ctx) == []


def test_upload_measures_images(ctx: Context, client: TestClient) -> None:
    owner, ws, _acc = _setup(ctx, client)
    r = client.post(
        f"/api/v1/workspaces/{ws}/media",
        files={"file": ("p.png", _png((120, 90)), "image/png")},
        data={"alt_text": "an orange square"},
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["mime"], body["width"], body["height"]) == ("image/png", 120, 90)
    assert body["alt_text"] == "an orange square" and "path" not in body
    assert len(_files(ctx)) == 1


def test_media_of_a_type_the_network_refuses(
    ctx: Context, client: TestClient, images_only: str
) -> None:
    owner, ws, _outbox = _setup(ctx, client)
    acc = client.post(
        f"/api/v1/workspaces/{ws}/accounts",
        json={"network": images_only, "handle": "pics"},
        headers=owner.headers,
    ).json()["id"]
    pdf = client.post(
        f"/api/v1/workspaces/{ws}/media",
        files={"file": ("deck.pdf", PDF, "application/pdf")},
        headers=owner.headers,
    )
    assert pdf.status_code == 201 and pdf.json()["mime"] == "application/pdf"
    png = client.post(
        f"/api/v1/workspaces/{ws}/media",
        files={"file": ("ok.png", _png(), "image/png")},
        headers=owner.headers,
    ).json()
    before = table_counts(ctx)
    r = client.post(
        f"/api/v1/workspaces/{ws}/posts",
        json={
            "body": "Deck",
            "variants": [
                {"account_id": acc, "media_ids": [png["id"]]},
                {"account_id": acc, "media_ids": [png["id"], pdf.json()["id"]], "ab_letter": "B"},
            ],
        },
        headers=owner.headers,
    )
    [problem] = r.json()["detail"]
    assert r.status_code == 422
    assert problem["loc"] == ["variants", 1, "media", 1]
    assert "application/pdf (document) is not accepted by imagesonly" in problem["msg"]
    assert table_counts(ctx) == before
    fine = client.post(
        f"/api/v1/workspaces/{ws}/posts",
        json={"body": "Deck", "variants": [{"account_id": acc, "media_ids": [png["id"]]}]},
        headers=owner.headers,
    )
    assert fine.status_code == 201, fine.text


def test_unknown_network_and_empty_handle(ctx: Context, client: TestClient) -> None:
    owner, ws, _acc = _setup(ctx, client)
    before = table_counts(ctx)
    r = client.post(
        f"/api/v1/workspaces/{ws}/accounts",
        json={"network": "myspace", "handle": " "},
        headers=owner.headers,
    )
    assert _fields(r) == ["network", "handle"]
    assert table_counts(ctx) == before


def test_video_upload_is_measured(ctx: Context, client: TestClient, tmp_path: Path) -> None:
    """A real MP4 (made by ffmpeg, which the test setup installs) is typed and measured."""
    import shutil
    import subprocess

    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is needed (scripts/system-deps.sh installs it)"
    video = tmp_path / "clip.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=64x48:d=1:r=10",
            "-pix_fmt",
            "yuv420p",
            "-y",
            str(video),
        ],
        check=True,
        timeout=60,
    )
    owner, ws, _acc = _setup(ctx, client)
    r = client.post(
        f"/api/v1/workspaces/{ws}/media",
        files={"file": ("clip.mp4", video.read_bytes(), "video/mp4")},
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["mime"], body["width"], body["height"]) == ("video/mp4", 64, 48)
    assert body["duration_seconds"] == pytest.approx(1.0, abs=0.2)
