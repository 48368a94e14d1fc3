"""A local YouTube Data API v3 server: resumable videos.insert, channels, uploads playlist,
commentThreads, comments, videos.list statistics, videos.delete and Google's token endpoint.

A resumable session (``POST /upload/youtube/v3/videos?uploadType=resumable``) answers
``200`` + ``Location``; chunks ``PUT`` with ``Content-Range: bytes a-b/total`` answer
``308 Resume Incomplete`` + ``Range: bytes=0-N`` until the last byte, then the video resource
(``200``); ``bytes */total`` asks where the session stands. ``truncate_next_chunk`` keeps half of
the next chunk (the 308 says so), the FakeApi ``drop_after`` / ``delay_after`` knobs lose the
answer after the chunk was stored. Errors are Google's
``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.networks.servers.fake_api import ApiError, FakeApi, Request, load_fixture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "youtube"
DEFAULT_TOKEN = "ya29.token"
REFRESH_TOKEN = "1//refresh"
CHANNEL_ID = "UCx8Z1nNcLairon0000000aA"
UPLOADS = "UU" + CHANNEL_ID[2:]
CLIENT_ID, CLIENT_SECRET = "yt-client.apps.googleusercontent.com", "yt-secret"

_REASONS = {
    400: ("badRequest", "global", "INVALID_ARGUMENT"),
    401: ("authError", "global", "UNAUTHENTICATED"),
    403: ("quotaExceeded", "youtube.quota", "PERMISSION_DENIED"),
    404: ("videoNotFound", "youtube.video", "NOT_FOUND"),
    429: ("rateLimitExceeded", "youtube.quota", "RESOURCE_EXHAUSTED"),
}


def fixture(name: str) -> Any:
    return load_fixture(FIXTURES, name)


def rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class YouTubeServer(FakeApi):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.tokens = {DEFAULT_TOKEN}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.truncate_next_chunk = False
        self.chunks: list[str] = []

    def rate_limit_headers(self) -> dict[str, str]:
        return {"Retry-After": "30"}

    def default_message(self, status: int) -> str:
        return {
            401: "Request had invalid authentication credentials.",
            403: "The request cannot be completed because you have exceeded your quota.",
            404: "The video identified by the id parameter could not be found.",
            429: "Too many requests.",
        }.get(status, "Backend Error" if status >= 500 else "Bad Request")

    def error_body(self, error: ApiError) -> Any:
        if "fixture" in error.extra:
            return fixture(str(error.extra["fixture"]))
        reason, domain, status = _REASONS.get(
            error.status, ("backendError", "global", "UNAVAILABLE")
        )
        reason = str(error.extra.get("reason", reason))
        return {
            "error": {
                "code": error.status,
                "message": error.message,
                "errors": [{"message": error.message, "domain": domain, "reason": reason}],
                "status": status,
            }
        }

    # --- test helpers ---
    def add_comment(self, video_id: str, text: str, parent: str | None = None) -> str:
        with self.lock:
            cid = ("Ugz" if parent is None else f"{parent}.") + self.next_id()
            self.comments[cid] = {
                "id": cid,
                "video": video_id,
                "parent": parent,
                "text": text,
                "author": ("UCbob0000000000000000000", "Bob"),
                "at": rfc3339(),
            }
            time.sleep(0.002)  # distinct millisecond timestamps
            return cid

    # --- routes ---
    def route(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if req.path == "/token" and req.method == "POST":
            return self._token(req.form)
        if req.bearer() not in self.tokens:
            raise ApiError(401, self.default_message(401))
        if req.path == "/upload/youtube/v3/videos":
            if req.method == "POST":
                return self._start(req)
            return self._chunk(req)
        seg = req.segments
        if seg[:2] != ["youtube", "v3"] or len(seg) != 3:
            raise ApiError(404, "Not Found", reason="notFound")
        resource, q = seg[2], req.query
        if resource == "channels" and q.get("mine") == "true":
            return 200, fixture("channels__mine"), {}
        if resource == "playlistItems":
            return 200, self._uploads(q), {}
        if resource == "videos" and req.method == "GET":
            return 200, self._statistics(q.get("id", "")), {}
        if resource == "videos" and req.method == "DELETE":
            with self.lock:
                if self.videos.pop(q.get("id", ""), None) is None:
                    raise ApiError(404, self.default_message(404))
            return 204, None, {}
        if resource == "commentThreads":
            return 200, self._threads(q.get("videoId", "")), {}
        if resource == "comments" and req.method == "POST":
            parent = str((req.form.get("snippet") or {}).get("parentId", ""))
            with self.lock:
                top = self.comments.get(parent)
                if top is None or top["parent"] is not None:
                    raise ApiError(404, "The comment could not be found.", reason="commentNotFound")
            cid = self.add_comment(top["video"], req.form["snippet"]["textOriginal"], parent)
            with self.lock:
                self.comments[cid]["author"] = (CHANNEL_ID, "Clairon Café")
                return 200, self._comment_json(self.comments[cid]), {}
        raise ApiError(404, "Not Found", reason="notFound")

    def _token(self, form: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}, {}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != REFRESH_TOKEN:
            body = {
                "error": "invalid_grant",
                "error_description": "Token has been expired or revoked.",
            }
            return 400, body, {}
        token = f"ya29.{self.next_id()}"
        with self.lock:
            self.tokens.add(token)
        body = fixture("token__refreshed")
        body["access_token"] = token
        return 200, body, {}

    def _start(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        if req.query.get("uploadType") != "resumable":
            raise ApiError(400, "Media type is not supported; use uploadType=resumable")
        resource = req.form
        title = str((resource.get("snippet") or {}).get("title", ""))
        if not title or len(title) > 100:
            raise ApiError(
                400, "The request metadata specifies an invalid video title.", reason="invalidTitle"
            )
        total = int(req.headers.get("x-upload-content-length", "0"))
        with self.lock:
            upload_id = f"ABPtcP{self.next_id()}"
            self.sessions[upload_id] = {
                "resource": resource,
                "total": total,
                "data": b"",
                "video": None,
            }
        location = f"{self.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
        return 200, None, {"Location": location, "X-GUploader-UploadID": upload_id}

    def _chunk(self, req: Request) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            session = self.sessions.get(req.query.get("upload_id", ""))
            if session is None:
                raise ApiError(404, "upload session not found", reason="notFound")
            spec = req.headers.get("content-range", "").removeprefix("bytes ")
            rng, _, total = spec.partition("/")
            if int(total) != session["total"]:
                raise ApiError(400, "Content-Range total does not match the upload")
            if rng != "*":
                start, end = (int(x) for x in rng.split("-"))
                if start != len(session["data"]) or end - start + 1 != len(req.raw):
                    raise ApiError(400, "Content-Range does not match the bytes received")
                body = req.raw
                if self.truncate_next_chunk and len(body) > 1:
                    self.truncate_next_chunk = False
                    body = body[: len(body) // 2]
                session["data"] += body
                self.chunks.append(rng)
                if len(session["data"]) == session["total"] and session["video"] is None:
                    session["video"] = self._create_video(session)
            if session["video"] is not None:
                return 200, self._video_json(self.videos[session["video"]]), {}
            received = len(session["data"])
            headers = {"Range": f"bytes=0-{received - 1}"} if received else {}
            return 308, None, headers

    def _create_video(self, session: dict[str, Any]) -> str:
        video_id = "dQw4" + self.next_id()[-7:]
        resource = session["resource"]
        self.videos[video_id] = {
            "id": video_id,
            "snippet": {
                **resource.get("snippet", {}),
                "publishedAt": rfc3339(),
                "channelId": CHANNEL_ID,
            },
            "status": {**resource.get("status", {}), "uploadStatus": "uploaded"},
            "size": len(session["data"]),
            "statistics": {
                "viewCount": "0",
                "likeCount": "0",
                "favoriteCount": "0",
                "commentCount": "0",
            },
        }
        time.sleep(0.002)
        return video_id

    def _video_json(self, video: dict[str, Any]) -> dict[str, Any]:
        body = fixture("video__uploaded")
        body["id"] = video["id"]
        body["snippet"].update(video["snippet"])
        body["status"].update(video["status"])
        return body

    def _uploads(self, q: dict[str, str]) -> dict[str, Any]:
        if q.get("playlistId") != UPLOADS:
            raise ApiError(404, "The playlist could not be found.", reason="playlistNotFound")
        size = int(q.get("maxResults", "5"))
        start = int(q.get("pageToken", "0") or 0)
        with self.lock:
            videos = sorted(
                self.videos.values(), key=lambda v: v["snippet"]["publishedAt"], reverse=True
            )
        items = []
        for position, video in enumerate(videos[start : start + size], start=start):
            item = fixture("playlist_item__upload")
            item["id"] = f"VVUx{video['id']}"
            item["snippet"].update(
                title=video["snippet"]["title"],
                description=video["snippet"].get("description", ""),
                publishedAt=video["snippet"]["publishedAt"],
                position=position,
                playlistId=UPLOADS,
                resourceId={"kind": "youtube#video", "videoId": video["id"]},
            )
            items.append(item)
        body: dict[str, Any] = {
            "kind": "youtube#playlistItemListResponse",
            "items": items,
            "pageInfo": {"totalResults": len(videos), "resultsPerPage": size},
        }
        if start + size < len(videos):
            body["nextPageToken"] = str(start + size)
        return body

    def _statistics(self, ids: str) -> dict[str, Any]:
        with self.lock:
            items = [
                {"kind": "youtube#video", "id": i, "statistics": self.videos[i]["statistics"]}
                for i in ids.split(",")
                if i in self.videos
            ]
        return {
            "kind": "youtube#videoListResponse",
            "items": items,
            "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
        }

    def _comment_json(self, c: dict[str, Any]) -> dict[str, Any]:
        body = fixture("comment__top_level")
        body["id"] = c["id"]
        body["snippet"].update(
            videoId=c["video"],
            textDisplay=c["text"],
            textOriginal=c["text"],
            authorDisplayName=c["author"][1],
            authorChannelId={"value": c["author"][0]},
            publishedAt=c["at"],
            updatedAt=c["at"],
        )
        if c["parent"]:
            body["snippet"]["parentId"] = c["parent"]
        return body

    def _threads(self, video_id: str) -> dict[str, Any]:
        with self.lock:
            if video_id not in self.videos:
                raise ApiError(
                    404,
                    "The video identified by the videoId parameter could not be found.",
                    reason="videoNotFound",
                )
            tops = [c for c in self.comments.values() if c["video"] == video_id and not c["parent"]]
            items = []
            for top in sorted(tops, key=lambda c: c["at"], reverse=True):
                replies = [
                    self._comment_json(r)
                    for r in self.comments.values()
                    if r["parent"] == top["id"]
                ]
                thread: dict[str, Any] = {
                    "kind": "youtube#commentThread",
                    "id": top["id"],
                    "snippet": {
                        "channelId": CHANNEL_ID,
                        "videoId": video_id,
                        "topLevelComment": self._comment_json(top),
                        "totalReplyCount": len(replies),
                        "isPublic": True,
                    },
                }
                if replies:
                    thread["replies"] = {"comments": replies}
                items.append(thread)
        return {"kind": "youtube#commentThreadListResponse", "items": items}

    def upload_of(self, video_id: str) -> dict[str, Any]:
        with self.lock:
            return json.loads(json.dumps(self.videos[video_id]))
