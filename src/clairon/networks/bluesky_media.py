"""Bluesky media embeds: images as PDS blobs, videos through Bluesky's video service.

Images: ``com.atproto.repo.uploadBlob`` then an ``app.bsky.embed.images`` embed (alt text,
aspect ratio). Videos follow the recommended path, so the post never shows a video still
processing: a service token from ``com.atproto.server.getServiceAuth`` (audience
``did:web:<PDS host>``, method ``com.atproto.repo.uploadBlob``), ``app.bsky.video.uploadVideo``
on the video service, ``app.bsky.video.getJobStatus`` polled until ``JOB_STATE_COMPLETED``, and
the job's blob in an ``app.bsky.embed.video`` embed. Uploads are repeatable: a blob no record
references is garbage-collected.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from clairon.errors import Rejected, Transient
from clairon.networks.base import MediaFile

__all__ = ["DEFAULT_VIDEO_SERVICE", "BlueskyMedia"]

DEFAULT_VIDEO_SERVICE = "https://video.bsky.app"
Xrpc = Callable[..., Any]


def _aspect(media: MediaFile) -> dict[str, int] | None:
    if media.width and media.height:
        return {"width": media.width, "height": media.height}
    return None


class BlueskyMedia:
    def __init__(
        self,
        xrpc: Xrpc,
        *,
        did: str,
        pds_url: str,
        settings: Mapping[str, Any],
    ) -> None:
        self.xrpc, self.did, self.pds_url = xrpc, did, pds_url
        self.video_service = str(settings.get("video_service_url", DEFAULT_VIDEO_SERVICE))
        self.poll_interval = float(settings.get("video_poll_interval", 2.0))
        self.poll_timeout = float(settings.get("video_poll_timeout", 300.0))

    def embed(self, media: Sequence[MediaFile]) -> dict[str, Any]:
        if media[0].kind == "video":
            return self.video(media[0])
        return self.images(media)

    def images(self, media: Sequence[MediaFile]) -> dict[str, Any]:
        images = []
        for item in media:
            blob = self.xrpc(
                "POST",
                "com.atproto.repo.uploadBlob",
                content=item.path.read_bytes(),
                headers={"Content-Type": item.mime},
            )["blob"]
            image: dict[str, Any] = {"alt": item.alt_text, "image": blob}
            if _aspect(item):
                image["aspectRatio"] = _aspect(item)
            images.append(image)
        return {"$type": "app.bsky.embed.images", "images": images}

    def video(self, media: MediaFile) -> dict[str, Any]:
        audience = f"did:web:{urlsplit(self.pds_url).hostname}"
        service_token = self.xrpc(
            "GET",
            "com.atproto.server.getServiceAuth",
            params={
                "aud": audience,
                "lxm": "com.atproto.repo.uploadBlob",
                "exp": int(time.time()) + 30 * 60,
            },
        )["token"]
        job = self.xrpc(
            "POST",
            "app.bsky.video.uploadVideo",
            base=self.video_service,
            token=service_token,
            params={"did": self.did, "name": media.path.name},
            content=media.path.read_bytes(),
            headers={"Content-Type": media.mime},
        )
        blob = self._wait(str(job.get("jobId") or (job.get("jobStatus") or {}).get("jobId")))
        embed: dict[str, Any] = {"$type": "app.bsky.embed.video", "video": blob}
        if media.alt_text:
            embed["alt"] = media.alt_text
        if _aspect(media):
            embed["aspectRatio"] = _aspect(media)
        return embed

    def _wait(self, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.poll_timeout
        while True:
            status = self.xrpc(
                "GET",
                "app.bsky.video.getJobStatus",
                base=self.video_service,
                params={"jobId": job_id},
            )["jobStatus"]
            state = status.get("state")
            if state == "JOB_STATE_COMPLETED" and status.get("blob"):
                return dict(status["blob"])
            if state == "JOB_STATE_FAILED":
                reason = status.get("message") or status.get("error") or "failed"
                raise Rejected(f"Bluesky's video service refused the video: {reason}")
            if time.monotonic() + self.poll_interval > deadline:
                raise Transient(f"Bluesky is still processing video job {job_id} ({state})")
            time.sleep(self.poll_interval)
