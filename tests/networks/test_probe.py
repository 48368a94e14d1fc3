"""Media probing on real files: images made with Pillow, videos made with ffmpeg.

ffmpeg is a test dependency (CI installs Debian's ffmpeg): without it these tests fail with
a message saying so, they are never skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from clairon.errors import ConfigError, ValidationFailed
from clairon.networks.media import check_media
from clairon.networks.probe import probe, probe_media
from clairon.networks.rules import rules_for


def ffmpeg(*args: str) -> None:
    binary = shutil.which("ffmpeg")
    assert binary is not None and shutil.which("ffprobe"), (
        "ffmpeg/ffprobe not installed: `apt-get install -y ffmpeg` (Debian) is required to run "
        "the media probing tests"
    )
    subprocess.run([binary, "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("videos")
    out = {
        "mp4": root / "clip.mp4",
        "mov": root / "clip.mov",
        "vertical": root / "vertical.mp4",
        "long": root / "long.mp4",
        "wav": root / "tone.wav",
        "webm": root / "clip.webm",
    }
    source = ["-f", "lavfi", "-i"]
    h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    ffmpeg(
        *source, "testsrc=duration=2:size=320x240:rate=10",
        *source, "sine=frequency=440:duration=2",
        "-shortest", *h264, "-c:a", "aac", str(out["mp4"]),
    )  # fmt: skip
    ffmpeg(*source, "testsrc=duration=1:size=160x90:rate=10", *h264, str(out["mov"]))
    ffmpeg(*source, "testsrc=duration=1:size=90x160:rate=10", *h264, str(out["vertical"]))
    ffmpeg(*source, "color=c=blue:size=32x32:rate=1:duration=141", *h264, str(out["long"]))
    ffmpeg(*source, "sine=frequency=440:duration=1", str(out["wav"]))
    ffmpeg(
        *source, "testsrc=duration=1:size=64x48:rate=5",
        "-c:v", "libvpx-vp9", "-deadline", "realtime", "-b:v", "100k", str(out["webm"]),
    )  # fmt: skip
    return out


def test_video_is_measured_with_ffprobe(videos: dict[str, Path]) -> None:
    result = probe(videos["mp4"])
    media = result.file
    assert media.mime == "video/mp4"
    assert media.kind == "video"
    assert (media.width, media.height) == (320, 240)
    assert media.duration_seconds == pytest.approx(2.0, abs=0.2)
    assert media.size_bytes == videos["mp4"].stat().st_size
    assert result.video_codec == "h264"
    assert result.audio_codec == "aac"
    assert result.frame_rate == pytest.approx(10.0)


def test_container_type_comes_from_the_content(videos: dict[str, Path]) -> None:
    assert probe_media(videos["mov"]).mime == "video/quicktime"
    webm = probe(videos["webm"])
    assert webm.file.mime == "video/webm"
    assert webm.video_codec == "vp9"
    renamed = videos["mov"].with_name("disguised.png")
    shutil.copy(videos["mov"], renamed)
    assert probe_media(renamed).mime == "video/quicktime"


def test_audio_has_a_duration_and_no_dimensions(videos: dict[str, Path]) -> None:
    tone = probe_media(videos["wav"])
    assert tone.mime == "audio/wav"
    assert (tone.width, tone.height) == (None, None)
    assert tone.duration_seconds == pytest.approx(1.0, abs=0.1)


def test_probed_video_breaks_x_duration_rule_with_a_clear_message(
    videos: dict[str, Path],
) -> None:
    clip = probe_media(videos["long"])
    rule = rules_for("x").media_rule()
    assert rule is not None
    problems = [str(p) for p in check_media([clip], rule, "x")]
    assert problems == [
        f"media[0] long.mp4: duration {clip.duration_seconds:.1f}s is above the maximum 140s"
    ]


def test_probed_vertical_video_fits_a_reel_but_not_an_instagram_photo(
    videos: dict[str, Path],
) -> None:
    clip = probe_media(videos["vertical"])
    assert (clip.width, clip.height) == (90, 160)
    instagram = rules_for("instagram")
    reel, feed = instagram.media_rule("reel"), instagram.media_rule("feed")
    assert reel is not None and feed is not None
    assert "below the minimum 3s" in str(check_media([clip], reel, "instagram"))
    assert "not accepted by instagram" in str(check_media([clip], feed, "instagram"))


def test_images_are_measured_with_pillow(tmp_path: Path) -> None:
    png = tmp_path / "wide.png"
    Image.new("RGB", (191, 100), "red").save(png)
    media = probe_media(png, alt_text="a red band")
    assert (media.mime, media.width, media.height) == ("image/png", 191, 100)
    assert media.alt_text == "a red band"
    jpeg = tmp_path / "photo.jpg"
    Image.new("RGB", (40, 50), "blue").save(jpeg, "JPEG")
    assert probe_media(jpeg).mime == "image/jpeg"
    webp = tmp_path / "photo.webp"
    Image.new("RGB", (10, 10)).save(webp, "WEBP")
    assert probe_media(webp).mime == "image/webp"


def test_image_type_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    liar = tmp_path / "photo.jpg"
    Image.new("RGB", (20, 20), "green").save(liar, "PNG")
    media = probe_media(liar)
    assert media.mime == "image/png"
    feed = rules_for("instagram").media_rule("feed")
    assert feed is not None
    assert "format image/png not accepted" in str(check_media([media], feed, "instagram"))


def test_exif_rotation_swaps_the_dimensions(tmp_path: Path) -> None:
    path = tmp_path / "portrait.jpg"
    image = Image.new("RGB", (400, 300), "white")
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    image.save(path, "JPEG", exif=exif)
    media = probe_media(path)
    assert (media.width, media.height) == (300, 400)


def test_animated_gif_has_a_duration(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (16, 16), color) for color in ("red", "green", "blue")]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=200, loop=0)
    result = probe(path)
    assert result.file.kind == "gif"
    assert result.frames == 3
    assert result.file.duration_seconds == pytest.approx(0.6)
    still = tmp_path / "still.gif"
    Image.new("P", (8, 8)).save(still)
    assert probe_media(still).duration_seconds is None


def test_pdf_is_a_document(tmp_path: Path) -> None:
    path = tmp_path / "deck.pdf"
    Image.new("RGB", (30, 40), "white").save(path, "PDF")
    media = probe_media(path)
    assert (media.mime, media.kind) == ("application/pdf", "document")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.mp4", b"", "empty.mp4 is empty"),
        ("notes.mp4", b"just some text, not a video\n" * 20, "notes.mp4 is not a readable"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "broken.png"),
    ],
)
def test_unreadable_files_are_named(
    tmp_path: Path, name: str, content: bytes, message: str, videos: dict[str, Path]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationFailed, match=message):
        probe_media(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match=r"cannot read nowhere\.mp4"):
        probe_media(tmp_path / "nowhere.mp4")


def test_missing_ffprobe_is_a_config_error(videos: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="install ffmpeg"):
        probe_media(videos["mp4"], ffprobe="no-such-ffprobe-binary")
