"""The LinkedIn connector against a local server speaking the documented Posts API shapes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from clairon.errors import AuthExpired, RateLimited, Rejected, Transient, UnknownOutcome
from clairon.networks import linkedin as linkedin_module
from clairon.networks.base import AccountContext, Capability, MediaFile, PublishRequest
from clairon.networks.linkedin import LinkedInConnector, retry_after_seconds
from clairon.networks.linkedin_text import RESERVED, escape, from_little, to_little, unescape
from clairon.networks.registry import connector_class
from tests.networks.servers.linkedin_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_TOKEN,
    ORGANIZATION,
    PERSON,
    REFRESH_TOKEN,
    LinkedInServer,
    render,
)


@pytest.fixture
def server() -> Iterator[LinkedInServer]:
    with LinkedInServer() as s:
        yield s


def connector_for(
    server: LinkedInServer,
    token: str = DEFAULT_TOKEN,
    settings: dict[str, object] | None = None,
    **kw: object,
) -> LinkedInConnector:
    account = AccountContext(
        1,
        "alice",
        {"access_token": token, "refresh_token": REFRESH_TOKEN},
        settings={"oauth_base_url": server.url, **(settings or {})},
        base_url=server.url,
    )
    apps = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return LinkedInConnector(account, app_credentials=apps, **kw)  # type: ignore[arg-type]


@pytest.fixture
def li(server: LinkedInServer) -> Iterator[LinkedInConnector]:
    with connector_for(server, timeout=2.0) as connector:
        yield connector


def request(text: str = "Hello from Clairon", **kw: object) -> PublishRequest:
    return PublishRequest(variant_id=1, idempotency_key="v-1", text=text, **kw)  # type: ignore[arg-type]


def media(tmp_path: Path, name: str, mime: str, alt: str = "") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.7 " + name.encode() * 4)
    return MediaFile(path, mime, path.stat().st_size, width=1200, height=627, alt_text=alt)


# --- the little text format ---


def test_little_text_escapes_and_keeps_elements() -> None:
    text = "Our (new) menu: fish_&_chips <3 ~ *hot* | {x} [y] \\ #Launch @Clairon"
    little = to_little(text, {"Clairon": ORGANIZATION})
    assert little == (
        "Our \\(new\\) menu: fish\\_&\\_chips \\<3 \\~ \\*hot\\* \\| \\{x\\} \\[y\\] \\\\ "
        "{hashtag|\\#|Launch} @[Clairon](urn:li:organization:2414183)"
    )
    assert from_little(little) == text
    assert render(little) == text  # nothing truncated
    assert render(text) == "Our "  # what LinkedIn shows of the unescaped text


_TEXT = st.lists(
    st.sampled_from([*sorted(RESERVED), *"ab é😀\n#@_-", "👩‍👩‍👧", "https://x.org/a_(b)"]),
    max_size=40,
).map("".join)
_ELEMENTS = regex.compile(
    r"\{hashtag\|\\#\|((?:\\.|[^\\{}|])*)\}|@\[((?:\\.|[^\\\]])*)\]\(urn:li:[a-z]+:[^()\s]+\)"
)


def _stray_reserved(little: str) -> list[str]:
    rest = _ELEMENTS.sub("", little)
    return [c for c in regex.sub(r"\\.", "", rest, flags=regex.S) if c in RESERVED]


@given(_TEXT)
def test_escaped_text_round_trips_and_leaves_no_reserved_char(text: str) -> None:
    assert unescape(escape(text)) == text
    assert _stray_reserved(escape(text)) == []
    little = to_little(text)
    assert from_little(little) == text
    assert _stray_reserved(little) == []
    assert render(little) == text


@given(_TEXT, st.sampled_from(["Clairon", "Café (Lyon)", "a_b"]))
def test_mentions_round_trip(text: str, name: str) -> None:
    full = f"{text} @{name} {text}"
    little = to_little(full, {name: "urn:li:person:abc"})
    assert f"@[{escape(name)}](urn:li:person:abc)" in little
    assert from_little(little) == full and _stray_reserved(little) == []


# --- registration ---


def test_registered_with_oauth_config() -> None:
    assert connector_class("linkedin") is LinkedInConnector
    assert Capability.thread not in LinkedInConnector.capabilities
    assert LinkedInConnector.oauth is not None
    assert LinkedInConnector.oauth.token_url == "https://www.linkedin.com/oauth/v2/accessToken"
    assert "w_member_social" in LinkedInConnector.oauth.scopes


def test_whoami_and_author(li: LinkedInConnector, server: LinkedInServer) -> None:
    assert li.whoami() == (PERSON, "Alice Martin")
    assert li.author() == PERSON
    with connector_for(server, settings={"author_urn": ORGANIZATION}) as org:
        assert org.author() == ORGANIZATION


def test_validate(li: LinkedInConnector, tmp_path: Path) -> None:
    assert li.validate(request("x" * 3000)) == []
    problems = [str(p) for p in li.validate(request("x" * 3001, thread=("two",)))]
    assert any("3001 characters" in p for p in problems)
    assert any("no threads" in p for p in problems)
    clip = MediaFile(tmp_path / "c.mp4", "video/mp4", 10, 1280, 720, duration_seconds=10)
    assert li.validate(request(media=(clip,))) == []


# --- publishing ---


def test_publish_text_escapes_commentary(li: LinkedInConnector, server: LinkedInServer) -> None:
    text = "Big news (finally) for #SmallBusiness owners_1 <3"
    result = li.publish(request(text))
    (created,) = server.created
    assert created["rendered"] == text
    assert result.network_post_id.startswith("urn:li:share:")
    assert result.url == f"https://www.linkedin.com/feed/update/{result.network_post_id}/"
    post = server.posts[result.network_post_id]
    assert (post["author"], post["visibility"], post["lifecycleState"]) == (
        PERSON,
        "PUBLIC",
        "PUBLISHED",
    )


def test_publish_as_organization_with_mention(server: LinkedInServer) -> None:
    with connector_for(server, settings={"author_urn": ORGANIZATION}) as org:
        result = org.publish(request("Hi @Alice!", options={"mentions": {"Alice": PERSON}}))
    post = server.posts[result.network_post_id]
    assert post["author"] == ORGANIZATION
    assert post["commentary"] == f"Hi @[Alice]({PERSON})!"


def test_posting_for_an_organization_not_administered_is_rejected(server: LinkedInServer) -> None:
    org = connector_for(server, settings={"author_urn": "urn:li:organization:999"})
    with org, pytest.raises(Rejected, match="Not enough permissions") as caught:
        org.publish(request())
    assert caught.value.status == 403


def test_single_and_multi_image(
    li: LinkedInConnector, server: LinkedInServer, tmp_path: Path
) -> None:
    one = li.publish(request("One", media=(media(tmp_path, "a.png", "image/png", "Shop"),)))
    content = server.posts[one.network_post_id]["content"]
    assert content["media"]["altText"] == "Shop"
    assert server.assets[content["media"]["id"]]["uploaded"] > 0
    two = li.publish(
        request(
            "Two",
            media=(media(tmp_path, "a.png", "image/png"), media(tmp_path, "b.jpg", "image/jpeg")),
        )
    )
    images = server.posts[two.network_post_id]["content"]["multiImage"]["images"]
    assert len(images) == 2 and all(i["id"].startswith("urn:li:image:") for i in images)


def test_document_carousel(li: LinkedInConnector, server: LinkedInServer, tmp_path: Path) -> None:
    deck = media(tmp_path, "deck.pdf", "application/pdf")
    result = li.publish(
        request("Our deck", media=(deck,), post_type="document", options={"title": "Q4 deck"})
    )
    content = server.posts[result.network_post_id]["content"]["media"]
    assert content["title"] == "Q4 deck" and content["id"].startswith("urn:li:document:")


def video(tmp_path: Path, size: int = 130) -> MediaFile:
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(range(256))[:size] if size <= 256 else b"v" * size)
    return MediaFile(path, "video/mp4", size, 1280, 720, duration_seconds=12)


def test_video_in_parts_then_polled(server: LinkedInServer, tmp_path: Path) -> None:
    server.video_polls = 2
    with connector_for(server, settings={"video_poll_interval": 0.01}) as li:
        result = li.publish(request("Clip", media=(video(tmp_path),), options={"title": "Demo"}))
    content = server.posts[result.network_post_id]["content"]["media"]
    asset = server.assets[content["id"]]
    assert content["title"] == "Demo" and content["id"].startswith("urn:li:video:")
    assert sorted(asset["parts"].values()) == [10, 40, 40, 40] and asset["status"] == "AVAILABLE"


def test_video_processing_failure_and_slowness(server: LinkedInServer, tmp_path: Path) -> None:
    server.video_fails = True
    li = connector_for(server, settings={"video_poll_interval": 0.01})
    with li, pytest.raises(Rejected, match="could not process video"):
        li.publish(request(media=(video(tmp_path),)))
    server.video_fails, server.video_polls = False, 1000
    settings = {"video_poll_interval": 0.01, "video_poll_timeout": 0.05}
    slow = connector_for(server, settings=settings)
    with slow, pytest.raises(Transient, match="still processing"):
        slow.publish(request(media=(video(tmp_path),)))
    assert server.created == []


def test_upload_failure_is_transient_and_post_rejection_after_upload(
    li: LinkedInConnector, server: LinkedInServer, tmp_path: Path
) -> None:
    server.fail_next(500, path="/dms-uploads/", method="PUT")
    with pytest.raises(Transient, match="500"):
        li.publish(request(media=(media(tmp_path, "a.png", "image/png"),)))
    assert server.created == []
    with pytest.raises(Rejected, match="Field Value validation failed") as caught:
        li.publish(request("x" * 3001, media=(media(tmp_path, "a.png", "image/png"),)))
    assert caught.value.status == 422
    assert sum(1 for a in server.assets.values() if a["uploaded"]) == 1 and server.created == []


def test_first_comment_and_its_failure(li: LinkedInConnector, server: LinkedInServer) -> None:
    result = li.publish(request(first_comment="Link (in bio)"))
    activity = server.activity_of(result.network_post_id)
    (comment,) = server.comments[activity]
    assert comment["commentUrn"] == result.extra["first_comment_id"]
    assert render(comment["message"]["text"]) == "Link (in bio)"
    server.fail_next(500, path="/rest/socialActions/")
    partial = li.publish(request("Second", first_comment="PS"))
    assert partial.extra["missing_parts"] == ["first_comment"]
    assert len(server.created) == 2


def test_reply_to_comment_and_to_post(li: LinkedInConnector, server: LinkedInServer) -> None:
    post = li.publish(request())
    bob = server.add_comment(post.network_post_id, "When?")
    answer = li.reply(bob, "Tomorrow :)")
    activity = server.activity_of(post.network_post_id)
    stored = server.comments[activity][-1]
    assert stored["parentComment"] == bob and answer.network_post_id == stored["commentUrn"]
    li.reply(post.network_post_id, "Also")
    assert "parentComment" not in server.comments[activity][-1]
    with pytest.raises(Rejected, match="not found"):
        li.reply("urn:li:share:1", "nobody there")


def test_delete(li: LinkedInConnector, server: LinkedInServer) -> None:
    post = li.publish(request())
    li.delete(post.network_post_id)
    assert post.network_post_id not in server.posts
    li.delete(post.network_post_id)  # already gone


# --- reading ---


def test_fetch_comments_live_and_since(li: LinkedInConnector, server: LinkedInServer) -> None:
    post = li.publish(request(first_comment="ours"))
    bob = server.add_comment(post.network_post_id, "Bravo \\(!\\)")
    carol = server._add_comment(
        server.activity_of(post.network_post_id), "urn:li:person:carol", "+1", bob
    )["commentUrn"]
    comments = li.fetch_comments(post.network_post_id)
    assert [(c.network_item_id, c.kind, c.text) for c in comments] == [
        (bob, "comment", "Bravo (!)"),
        (carol, "reply", "+1"),
    ]
    assert comments[1].parent_network_id == bob
    assert [c.network_item_id for c in li.fetch_comments(post.network_post_id, bob)] == [carol]


def test_fetch_comments_from_the_documented_shape(
    li: LinkedInConnector, server: LinkedInServer
) -> None:
    server.seeded_comments["urn:li:share:42"] = "comments__two"
    first, second = li.fetch_comments("urn:li:share:42")
    assert (
        first.text == "Bravo (vraiment) #Lyon !" and first.author_handle == "urn:li:person:bobD90x"
    )
    assert first.created_at == datetime(2025, 11, 24, 16, 5, tzinfo=UTC)
    assert second.kind == "reply" and second.parent_network_id == first.network_item_id


def test_fetch_metrics(li: LinkedInConnector, server: LinkedInServer) -> None:
    post = li.publish(request())
    server.add_comment(post.network_post_id, "nice")
    server.reactions[post.network_post_id] = {"LIKE": 12, "PRAISE": 3}
    m = li.fetch_metrics(post.network_post_id)
    assert (m.reactions, m.comments) == (15, 1)


# --- OAuth ---


def test_refresh_token(li: LinkedInConnector, server: LinkedInServer) -> None:
    creds = li.refresh_token()
    assert server.tokens[creds["access_token"]] == PERSON
    assert datetime.fromisoformat(creds["expires_at"]) > datetime.now(UTC) + timedelta(days=59)
    server.refresh.clear()
    with pytest.raises(AuthExpired, match="invalid_grant"):
        li.refresh_token()
    no_refresh = AccountContext(1, "a", {"access_token": "t"}, base_url=server.url)
    with LinkedInConnector(no_refresh) as c, pytest.raises(AuthExpired, match="reconnect"):
        c.refresh_token()


# --- failure classes ---


def test_401_is_auth_expired(server: LinkedInServer) -> None:
    c = connector_for(server, token="revoked")
    with c, pytest.raises(AuthExpired, match="revoked by the user") as caught:
        c.publish(request())
    assert caught.value.status == 401
    with connector_for(server, token="") as c, pytest.raises(AuthExpired):
        c.publish(request())


def test_version_header_is_required(server: LinkedInServer) -> None:
    c = connector_for(server, settings={"linkedin_version": "2025-10"})
    with c, pytest.raises(Rejected, match="is not active") as caught:
        c.publish(request())
    assert caught.value.status == 426


def test_429_waits_for_the_daily_quota(li: LinkedInConnector, server: LinkedInServer) -> None:
    server.fail_next(429, path="/rest/posts")
    with pytest.raises(RateLimited, match="APPLICATION DAY limit") as caught:
        li.publish(request())
    assert 0 < caught.value.retry_after <= 86400
    now = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    assert retry_after_seconds(httpx.Response(429), now) == 3600
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "9"}), now) == 9


def test_5xx_is_transient(li: LinkedInConnector, server: LinkedInServer) -> None:
    server.fail_next(503)
    with pytest.raises(Transient, match="503"):
        li.publish(request())


def test_odd_bodies() -> None:
    account = AccountContext(
        1, "a", {"access_token": "t", "person_urn": PERSON}, base_url="http://l"
    )
    bad = httpx.MockTransport(lambda r: httpx.Response(400, text="<h1>Bad</h1>"))
    with httpx.Client(transport=bad) as http, pytest.raises(Rejected, match="<h1>Bad"):
        LinkedInConnector(account, http=http).fetch_metrics("urn:li:share:1")
    details = {"errorDetails": {"inputErrors": [{"message": "commentary too long"}]}}
    listed = httpx.MockTransport(lambda r: httpx.Response(422, json=details))
    with httpx.Client(transport=listed) as http, pytest.raises(Rejected, match="too long"):
        LinkedInConnector(account, http=http).publish(request())
    html = httpx.MockTransport(lambda r: httpx.Response(200, text="<html>"))
    with httpx.Client(transport=html) as http, pytest.raises(Transient, match="not JSON"):
        LinkedInConnector(account, http=http).fetch_metrics("urn:li:share:1")
    array = httpx.MockTransport(lambda r: httpx.Response(200, json=[]))
    with httpx.Client(transport=array) as http, pytest.raises(Transient, match="unexpected"):
        LinkedInConnector(account, http=http).fetch_metrics("urn:li:share:1")
    no_id = httpx.MockTransport(lambda r: httpx.Response(201))
    with httpx.Client(transport=no_id) as http, pytest.raises(UnknownOutcome, match="x-restli"):
        LinkedInConnector(account, http=http).publish(request())
    empty = httpx.MockTransport(lambda r: httpx.Response(400, json={}))
    with httpx.Client(transport=empty) as http, pytest.raises(Rejected, match="HTTP 400"):
        LinkedInConnector(account, http=http).delete("urn:li:share:1")


def test_connect_error_before_sending_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    creds = {"access_token": "t", "person_urn": PERSON}
    account = AccountContext(1, "a", creds, base_url=f"http://127.0.0.1:{port}")
    with LinkedInConnector(account, timeout=1) as c, pytest.raises(Transient):
        c.publish(request())


def test_dropped_answer_is_unknown_then_reconciled(
    li: LinkedInConnector, server: LinkedInServer
) -> None:
    since = datetime.now(UTC)
    server.drop_after(path="/rest/posts")
    text = "Dropped (but) created #yes"
    with pytest.raises(UnknownOutcome):
        li.publish(request(text))
    found = li.find_published(request(text), since)
    assert found is not None and found.network_post_id == server.created[0]["id"]
    assert found.extra == {"reconciled": True}


def test_timeout_after_send_is_unknown_then_reconciled(server: LinkedInServer) -> None:
    since = datetime.now(UTC)
    server.delay_after(1.0, path="/rest/posts")
    with connector_for(server, timeout=0.3) as c:
        with pytest.raises(UnknownOutcome, match="no answer"):
            c.publish(request("Slow", first_comment="PS"))
        found = c.find_published(request("Slow", first_comment="PS"), since)
    assert found is not None and found.extra["missing_parts"] == ["first_comment"]
    server.delay_after(1.0, path="/v2/userinfo", method="GET")
    with connector_for(server, timeout=0.3) as c, pytest.raises(Transient):
        c.whoami()


def test_find_published_absence_comment_and_depth(
    li: LinkedInConnector, server: LinkedInServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    since = datetime.now(UTC)
    li.publish(request("Main", first_comment="PS"))
    found = li.find_published(request("Main", first_comment="PS"), since)
    assert found is not None and found.extra["first_comment_id"]
    assert li.find_published(request("Never sent"), since) is None
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert li.find_published(request("Main"), later) is None
    for i in range(4):
        li.publish(request(f"filler {i}"))
    monkeypatch.setattr(linkedin_module, "RECONCILE_PAGE", 2)
    monkeypatch.setattr(linkedin_module, "RECONCILE_MAX_PAGES", 2)
    with pytest.raises(Transient, match="cannot settle"):
        li.find_published(request("Absent"), since)
