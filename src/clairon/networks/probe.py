"""Measure a media file with real tools: Pillow for images, ``ffprobe`` for video and audio.

The type comes from the content, never from the file name: a PNG called ``photo.jpg`` is
``image/png``. Dimensions are as displayed (EXIF orientation and video rotation applied), so
aspect-ratio rules see what the network will see. A file that cannot be read raises
:class:`~clairon.errors.ValidationFailed` naming it; a missing ``ffprobe`` raises
:class:`~clairon.errors.ConfigError` (install Debian's ``ffmpeg``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from clairon.errors import ConfigError, ValidationFailed
from clairon.networks.base import MediaFile

__all__ = ["MediaProbe", "probe", "probe_media"]

_ROTATED_EXIF = {5, 6, 7, 8}  # orientations that swap width and height
_EXIF_ORIENTATION = 0x0112
_PILLOW_ALIASES = {"image/mpo": "image/jpeg"}  # multi-picture JPEG from cameras
_WEBM_CODECS = {"vp8", "vp9", "av1", "opus", "vorbis"}


@dataclass(frozen=True, slots=True)
class MediaProbe:
    """Everything measured; ``file`` is what the rules check."""

    file: MediaFile
    format_name: str
    video_codec: str | None = None
    audio_codec: str | None = None
    frame_rate: float | None = None
    frames: int | None = None


def probe_media(path: Path | str, *, ffprobe: str = "ffprobe", alt_text: str = "") -> MediaFile:
    """The :class:`MediaFile` of ``path``, measured from its content."""
    return probe(path, ffprobe=ffprobe, alt_text=alt_text).file


def probe(path: Path | str, *, ffprobe: str = "ffprobe", alt_text: str = "") -> MediaProbe:
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ValidationFailed(f"cannot read {path.name}: {exc.strerror or exc}", "media") from exc
    if size == 0:
        raise ValidationFailed(f"{path.name} is empty", "media")
    if head.startswith(b"%PDF-"):
        return MediaProbe(MediaFile(path, "application/pdf", size, alt_text=alt_text), "pdf")
    image = _probe_image(path, size, alt_text)
    if image is not None:
        return image
    return _probe_av(path, size, alt_text, ffprobe)


def _probe_image(path: Path, size: int, alt_text: str) -> MediaProbe | None:
    try:
        with warnings.catch_warnings():
            # Only the header is read: a huge image is measured, never decoded.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                image_format = img.format or ""
                mime = Image.MIME.get(image_format, "")
                width, height = img.size
                orientation = img.getexif().get(_EXIF_ORIENTATION)
                frames = int(getattr(img, "n_frames", 1))
                duration = _animation_seconds(img, frames)
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed(f"{path.name} is a damaged image: {exc}", "media") from exc
    if not mime:
        return None
    if orientation in _ROTATED_EXIF:
        width, height = height, width
    media = MediaFile(
        path,
        _PILLOW_ALIASES.get(mime, mime),
        size,
        width=width,
        height=height,
        duration_seconds=duration,
        alt_text=alt_text,
    )
    return MediaProbe(media, image_format.lower(), frames=frames)


def _animation_seconds(img: Image.Image, frames: int) -> float | None:
    if frames <= 1:
        return None
    total_ms = 0
    for index in range(frames):
        img.seek(index)
        total_ms += int(img.info.get("duration", 0) or 0)
    img.seek(0)
    return total_ms / 1000


def _run_ffprobe(path: Path, ffprobe: str) -> dict[str, Any]:
    binary = shutil.which(ffprobe)
    if binary is None:
        raise ConfigError(
            f"'{ffprobe}' not found: install ffmpeg (Debian: apt-get install ffmpeg) to probe "
            f"video and audio such as {path.name}"
        )
    command = [binary, "-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
    try:
        done = subprocess.run(
            [*command, str(path)], capture_output=True, text=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ValidationFailed(f"ffprobe took too long to read {path.name}", "media") from exc
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "unknown format"
        raise ValidationFailed(f"{path.name} is not a readable media file: {reason}", "media")
    data: dict[str, Any] = json.loads(done.stdout or "{}")
    return data


def _mime(format_name: str, fmt: dict[str, Any], codecs: set[str], has_video: bool) -> str:
    names = set(format_name.split(","))
    major = "video" if has_video else "audio"
    brand = str((fmt.get("tags") or {}).get("major_brand", "")).strip()
    if "mp4" in names or "mov" in names:
        if brand == "qt":
            return "video/quicktime"
        return f"{major}/mp4"
    if "webm" in names and codecs <= _WEBM_CODECS:
        return f"{major}/webm"
    if "matroska" in names:
        return f"{major}/x-matroska"
    simple = {
        "avi": "video/x-msvideo",
        "mpegts": "video/mp2t",
        "flv": "video/x-flv",
        "mp3": "audio/mpeg",
        "wav": "audio/wav",
        "flac": "audio/flac",
        "aac": "audio/aac",
    }
    for name, mime in simple.items():
        if name in names:
            return mime
    if "ogg" in names:
        return f"{major}/ogg"
    return ""


def _rotation(stream: dict[str, Any]) -> int:
    for side in stream.get("side_data_list") or ():
        if "rotation" in side:
            return int(float(side["rotation"]))
    return int(float((stream.get("tags") or {}).get("rotate", 0) or 0))


def _rate(value: str | None) -> float | None:
    if not value or value == "0/0":
        return None
    numerator, _, denominator = value.partition("/")
    try:
        return float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return None


def _probe_av(path: Path, size: int, alt_text: str, ffprobe: str) -> MediaProbe:
    data = _run_ffprobe(path, ffprobe)
    fmt: dict[str, Any] = data.get("format") or {}
    streams: list[dict[str, Any]] = data.get("streams") or []
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not (s.get("disposition") or {}).get("attached_pic")
        ),
        None,
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    format_name = str(fmt.get("format_name", ""))
    codecs = {str(s.get("codec_name", "")) for s in (video, audio) if s is not None}
    mime = _mime(format_name, fmt, codecs, video is not None)
    if not mime or (video is None and audio is None):
        raise ValidationFailed(
            f"{path.name} is not an image, video or audio file ({format_name or 'unknown'})",
            "media",
        )
    width = height = None
    if video is not None and video.get("width") and video.get("height"):
        width, height = int(video["width"]), int(video["height"])
        if abs(_rotation(video)) % 180 == 90:
            width, height = height, width
    duration = fmt.get("duration") or (video or audio or {}).get("duration")
    media = MediaFile(
        path,
        mime,
        size,
        width=width,
        height=height,
        duration_seconds=float(duration) if duration else None,
        alt_text=alt_text,
    )
    frames = (video or {}).get("nb_frames")
    return MediaProbe(
        media,
        format_name,
        video_codec=str(video["codec_name"]) if video and video.get("codec_name") else None,
        audio_codec=str(audio["codec_name"]) if audio and audio.get("codec_name") else None,
        frame_rate=_rate((video or {}).get("avg_frame_rate")),
        frames=int(frames) if frames and str(frames).isdigit() else None,
    )
