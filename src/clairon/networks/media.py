"""Check media files against a network's :class:`MediaRule`.

Every failed rule names the file, the rule and the measured value.
"""

from __future__ import annotations

from clairon.errors import Problem
from clairon.networks.base import MediaFile, MediaRule

__all__ = ["check_media"]


def check_media(files: list[MediaFile], rule: MediaRule, network: str) -> list[Problem]:
    problems: list[Problem] = []
    if len(files) > rule.max_count:
        problems.append(
            Problem(
                "media",
                f"{len(files)} files attached; {network} ({rule.post_type}) accepts at most "
                f"{rule.max_count}",
            )
        )
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
        if rule.max_bytes is not None and f.size_bytes > rule.max_bytes:
            problems.append(
                Problem(where, f"size {f.size_bytes} bytes is over the {rule.max_bytes} limit")
            )
        if f.width is not None and f.height is not None and f.height > 0:
            ratio = f.width / f.height
            if rule.min_aspect is not None and ratio < rule.min_aspect - 1e-3:
                problems.append(
                    Problem(
                        where,
                        f"aspect ratio {ratio:.3f} is below the minimum "
                        f"{rule.min_aspect:.3f} ({f.width}x{f.height})",
                    )
                )
            if rule.max_aspect is not None and ratio > rule.max_aspect + 1e-3:
                problems.append(
                    Problem(
                        where,
                        f"aspect ratio {ratio:.3f} is above the maximum "
                        f"{rule.max_aspect:.3f} ({f.width}x{f.height})",
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
            if rule.min_duration is not None and d < rule.min_duration:
                problems.append(
                    Problem(where, f"duration {d:.1f}s is below the minimum {rule.min_duration}s")
                )
            if rule.max_duration is not None and d > rule.max_duration:
                problems.append(
                    Problem(where, f"duration {d:.1f}s is above the maximum {rule.max_duration}s")
                )
    return problems
