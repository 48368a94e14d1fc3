"""LinkedIn media uploads: images, documents (PDF carousels) and videos for the Posts API.

Images and documents: ``POST /rest/{images|documents}?action=initializeUpload`` then one ``PUT``
of the bytes. Videos: ``POST /rest/videos?action=initializeUpload`` with ``fileSizeBytes``
returns ``uploadInstructions`` (byte ranges, one upload URL each); every part is ``PUT`` and its
``ETag`` kept, then ``POST /rest/videos?action=finalizeUpload`` with ``uploadedPartIds``, and
``GET /rest/videos/{urn}`` is polled until ``AVAILABLE``. All of it is repeatable: an asset
that no post uses is never shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from clairon.errors import Rejected, Transient
from clairon.networks.base import MediaFile, PublishRequest

__all__ = ["LinkedInUploads"]

Call = Callable[..., httpx.Response]


class LinkedInUploads:
    def __init__(self, call: Call, settings: Mapping[str, Any]) -> None:
        self.call = call
        self.poll_interval = float(settings.get("video_poll_interval", 5.0))
        self.poll_timeout = float(settings.get("video_poll_timeout", 300.0))

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise Transient(f"LinkedIn sent a body that is not JSON: {exc}") from exc
        return body if isinstance(body, dict) else {}

    def _value(self, collection: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.call("POST", f"/rest/{collection}?action={action}", json=body)
        return dict(self._json(response).get("value") or {})

    def content(self, owner: str, request: PublishRequest) -> dict[str, Any]:
        """The post's ``content`` for the request's media."""
        title = str(request.options.get("title") or request.media[0].path.stem)
        if request.post_type == "document":
            return {
                "media": {"title": title, "id": self.single(owner, request.media[0], "document")}
            }
        if request.media[0].kind == "video":
            return {"media": {"title": title, "id": self.video(owner, request.media[0])}}
        images = [
            {"id": self.single(owner, m, "image"), "altText": m.alt_text} for m in request.media
        ]
        return {"media": images[0]} if len(images) == 1 else {"multiImage": {"images": images}}

    def single(self, owner: str, media: MediaFile, key: str) -> str:
        value = self._value(
            f"{key}s", "initializeUpload", {"initializeUploadRequest": {"owner": owner}}
        )
        self.call(
            "PUT",
            str(value["uploadUrl"]),
            content=media.path.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        return str(value[key])

    def video(self, owner: str, media: MediaFile) -> str:
        data = media.path.read_bytes()
        init = {
            "initializeUploadRequest": {
                "owner": owner,
                "fileSizeBytes": len(data),
                "uploadCaptions": False,
                "uploadThumbnail": False,
            }
        }
        value = self._value("videos", "initializeUpload", init)
        urn = str(value["video"])
        etags = []
        for part in value.get("uploadInstructions") or []:
            chunk = data[int(part["firstByte"]) : int(part["lastByte"]) + 1]
            response = self.call(
                "PUT",
                str(part["uploadUrl"]),
                content=chunk,
                headers={"Content-Type": "application/octet-stream"},
            )
            etags.append(response.headers.get("etag", ""))
        finalize = {
            "finalizeUploadRequest": {
                "video": urn,
                "uploadToken": value.get("uploadToken", ""),
                "uploadedPartIds": etags,
            }
        }
        self.call("POST", "/rest/videos?action=finalizeUpload", json=finalize)
        self._wait_available(urn)
        return urn

    def _wait_available(self, urn: str) -> None:
        deadline = time.monotonic() + self.poll_timeout
        while True:
            path = f"/rest/videos/{quote(urn, safe='')}"
            status = self._json(self.call("GET", path)).get("status")
            if status == "AVAILABLE":
                return
            if status == "PROCESSING_FAILED":
                raise Rejected(f"LinkedIn could not process video {urn}")
            if time.monotonic() + self.poll_interval > deadline:
                raise Transient(f"LinkedIn is still processing video {urn} ({status})")
            time.sleep(self.poll_interval)
