"""Media uploads: check what a file really is, measure it, store it in the workspace.

The type is read from the file's content (never trusted from the name or the declared type),
images are measured with Pillow (or with :func:`clairon.networks.probe.probe_media` when that
module is installed). Nothing is kept when a check fails: no row, no file.
"""

from __future__ import annotations

import importlib
import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import cast

from PIL import Image, UnidentifiedImageError

from clairon.domain import Action, Media
from clairon.errors import ConfigError, NotFound, Problem, ValidationFailed
from clairon.networks.base import MediaFile
from clairon.services.context import Actor, Context, audit, authorize
from clairon.store import posts as repo

__all__ = ["MAX_UPLOAD_BYTES", "SUPPORTED_TYPES", "get_media", "register_media", "sniff_mime"]

MAX_UPLOAD_BYTES = 512 * 1024 * 1024

# mime -> file extension used on disk
SUPPORTED_TYPES: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "application/pdf": ".pdf",
}

_PIL_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def sniff_mime(content: bytes) -> str | None:
    """The media type the bytes really are (None when not a supported type)."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM/Matroska
        return "video/webm"
    if len(content) >= 12 and content[4:8] == b"ftyp":
        return "video/quicktime" if content[8:10] == b"qt" else "video/mp4"
    try:
        with Image.open(io.BytesIO(content)) as img:
            return _PIL_FORMATS.get(img.format or "")
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _probe() -> Callable[[Path], MediaFile] | None:
    """The shared media prober, when the networks package ships one."""
    try:
        module = importlib.import_module("clairon.networks.probe")
    except ImportError:
        return None
    probe = getattr(module, "probe_media", None)
    return cast("Callable[[Path], MediaFile] | None", probe)


def _examine(path: Path, sniffed: str) -> tuple[str, int | None, int | None, float | None]:
    """(mime, width, height, duration) of the stored file: measured by the shared prober when
    it is installed (it also reads videos with ffprobe), else by Pillow for images."""
    probe = _probe()
    if probe is not None:
        try:
            found = probe(path)
        except ValidationFailed as exc:
            raise ValidationFailed([Problem("file", p.message) for p in exc.problems]) from None
        except ConfigError:  # no ffprobe on this machine: keep the sniffed type, unmeasured
            return sniffed, None, None, None
        return found.mime, found.width, found.height, found.duration_seconds
    if sniffed.startswith("image/"):
        with Image.open(path) as img:
            return sniffed, img.width, img.height, None
    return sniffed, None, None, None


def _check_type(filename: str, mime: str, declared_type: str) -> None:
    if mime not in SUPPORTED_TYPES:
        raise ValidationFailed(f"'{filename}' is {mime}, not a supported media type", "file")
    declared = declared_type.split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream" and declared != mime:
        raise ValidationFailed(
            f"'{filename}' was sent as {declared} but its content is {mime}", "file"
        )


def register_media(
    ctx: Context,
    actor: Actor,
    workspace_id: int,
    filename: str,
    content: bytes,
    *,
    declared_type: str = "",
    alt_text: str = "",
) -> Media:
    """Store an uploaded file for the workspace after checking its real type."""
    with ctx.store.transaction() as conn:
        authorize(conn, actor, workspace_id, Action.compose)
    if not content:
        raise ValidationFailed("the file is empty", "file")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(f"{len(content)} bytes is over the {MAX_UPLOAD_BYTES} limit", "file")
    sniffed = sniff_mime(content)
    if sniffed is None:
        raise ValidationFailed(
            f"'{filename}' is not a supported media type "
            f"(supported: {', '.join(sorted(SUPPORTED_TYPES))})",
            "file",
        )
    folder = ctx.settings.data_dir / "media" / str(workspace_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{SUPPORTED_TYPES[sniffed]}"
    path.write_bytes(content)
    try:
        mime, width, height, duration = _examine(path, sniffed)
        _check_type(filename, mime, declared_type)
        with ctx.store.transaction() as conn:
            authorize(conn, actor, workspace_id, Action.compose)
            media = repo.insert_media(
                conn,
                workspace_id=workspace_id,
                path=str(path),
                mime=mime,
                size_bytes=len(content),
                width=width,
                height=height,
                duration_seconds=duration,
                alt_text=alt_text,
                created_at=ctx.now(),
            )
            audit(
                conn,
                ctx,
                actor,
                workspace_id,
                "media.create",
                "media",
                media.id,
                after={"mime": mime, "size_bytes": len(content), "name": filename},
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return media


def get_media(ctx: Context, actor: Actor, media_id: int) -> Media:
    with ctx.store.transaction() as conn:
        media = repo.get_media(conn, media_id)
        if media is None:
            raise NotFound(f"media {media_id} not found")
        authorize(conn, actor, media.workspace_id, Action.read)
    return media
