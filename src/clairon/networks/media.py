"""Check media files against a network's :class:`MediaRule`.

Every failed rule names the file, the rule and the measured value.

A plain :class:`MediaRule` holds one set of bounds for every kind. Networks whose bounds
depend on the kind ("4 photos, or 1 video of at most 140 s, or 1 GIF") use
:class:`MediaRuleByKind`, which adds per-kind limits, a minimum count (carousels) and
whether kinds may be mixed in one post; it is a ``MediaRule``, so code that only knows the
base class keeps working.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from clairon.errors import Problem
from clairon.networks.base import MediaFile, MediaRule

__all__ = ["KindLimit", "MediaRuleByKind", "check_media"]


@dataclass(frozen=True, slots=True)
class KindLimit:
    """Bounds for one kind of media (image, gif, video, document); ``None`` = the rule's."""

    kind: str
    max_count: int | None = None
    max_bytes: int | None = None
    max_pixels: int | None = None
    min_aspect: float | None = None
    max_aspect: float | None = None
    min_duration: float | None = None
    max_duration: float | None = None


@dataclass(frozen=True, slots=True)
class MediaRuleByKind(MediaRule):
    min_count: int = 0
    per_kind: tuple[KindLimit, ...] = ()
    mix_kinds: bool = True  # may one post hold several kinds (photos and a video)?

    def limit_for(self, kind: str) -> KindLimit:
        for limit in self.per_kind:
            if limit.kind == kind:
                return limit
        return KindLimit(kind)


def _pick(specific: float | None, general: float | None) -> float | None:
    return specific if specific is not None else general


def _check_counts(files: list[MediaFile], rule: MediaRule, network: str) -> list[Problem]:
    problems: list[Problem] = []
    where = f"{network} ({rule.post_type})"
    if len(files) > rule.max_count:
        problems.append(
            Problem(
                "media", f"{len(files)} files attached; {where} accepts at most {rule.max_count}"
            )
        )
    if not isinstance(rule, MediaRuleByKind):
        return problems
    if len(files) < rule.min_count:
        problems.append(
            Problem(
                "media", f"{len(files)} files attached; {where} needs at least {rule.min_count}"
            )
        )
    kinds = Counter(f.kind for f in files)
    if not rule.mix_kinds and len(kinds) > 1:
        problems.append(
            Problem("media", f"{where} does not mix {' and '.join(sorted(kinds))} in one post")
        )
    for kind, count in sorted(kinds.items()):
        limit = rule.limit_for(kind).max_count
        if limit is not None and count > limit:
            problems.append(
                Problem("media", f"{count} {kind} files attached; {where} accepts at most {limit}")
            )
    return problems


def _check_file(f: MediaFile, where: str, rule: MediaRule) -> list[Problem]:
    problems: list[Problem] = []
    limit = rule.limit_for(f.kind) if isinstance(rule, MediaRuleByKind) else KindLimit(f.kind)
    max_bytes = _pick(limit.max_bytes, rule.max_bytes)
    if max_bytes is not None and f.size_bytes > max_bytes:
        problems.append(
            Problem(where, f"size {f.size_bytes} bytes is over the {int(max_bytes)} bytes limit")
        )
    if f.width is not None and f.height is not None and f.height > 0:
        ratio = f.width / f.height
        min_aspect = _pick(limit.min_aspect, rule.min_aspect)
        max_aspect = _pick(limit.max_aspect, rule.max_aspect)
        if min_aspect is not None and ratio < min_aspect - 1e-3:
            problems.append(
                Problem(
                    where,
                    f"aspect ratio {ratio:.3f} is below the minimum "
                    f"{min_aspect:.3f} ({f.width}x{f.height})",
                )
            )
        if max_aspect is not None and ratio > max_aspect + 1e-3:
            problems.append(
                Problem(
                    where,
                    f"aspect ratio {ratio:.3f} is above the maximum "
                    f"{max_aspect:.3f} ({f.width}x{f.height})",
                )
            )
        if limit.max_pixels is not None and f.width * f.height > limit.max_pixels:
            problems.append(
                Problem(
                    where,
                    f"{f.width * f.height} pixels ({f.width}x{f.height}) is over the "
                    f"{limit.max_pixels} pixels limit",
                )
            )
        for name, value, bound, low in (
            ("width", f.width, rule.min_width, True),
            ("height", f.height, rule.min_height, True),
            ("width", f.width, rule.max_width, False),
            ("height", f.height, rule.max_height, False),
        ):
            if bound is not None and ((value < bound) if low else (value > bound)):
                word = "below the minimum" if low else "above the maximum"
                problems.append(Problem(where, f"{name} {value}px is {word} {bound}px"))
    if f.duration_seconds is not None:
        d = f.duration_seconds
        min_duration = _pick(limit.min_duration, rule.min_duration)
        max_duration = _pick(limit.max_duration, rule.max_duration)
        if min_duration is not None and d < min_duration:
            problems.append(
                Problem(where, f"duration {d:.1f}s is below the minimum {min_duration:g}s")
            )
        if max_duration is not None and d > max_duration:
            problems.append(
                Problem(where, f"duration {d:.1f}s is above the maximum {max_duration:g}s")
            )
    return problems


def check_media(files: list[MediaFile], rule: MediaRule, network: str) -> list[Problem]:
    problems = _check_counts(files, rule, network)
    for i, f in enumerate(files):
        where = f"media[{i}] {f.path.name}"
        if f.kind not in rule.kinds:
            problems.append(
                Problem(
                    where,
                    f"type {f.mime} ({f.kind}) is not accepted by {network} "
                    f"({rule.post_type}: {', '.join(sorted(rule.kinds))})",
                )
            )
            continue
        if rule.mimes and f.mime not in rule.mimes:
            problems.append(
                Problem(where, f"format {f.mime} not accepted ({', '.join(sorted(rule.mimes))})")
            )
        problems += _check_file(f, where, rule)
    return problems
