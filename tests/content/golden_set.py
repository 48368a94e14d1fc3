"""The golden briefs (tests/content/golden/) and what each must keep: product, date, URL.

Expectations sit in the YAML front matter (``expect:``) of text/Markdown briefs, or in an
``<!-- expect: product=...; date=...; url=... -->`` comment in HTML/RSS briefs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from clairon.content.brief import Brief, load_brief
from clairon.content.compose import Draft
from clairon.content.dates import find_dates

GOLDEN_DIR = Path(__file__).parent / "golden"


@dataclass(frozen=True)
class GoldenBrief:
    path: Path
    brief: Brief
    industry: str
    product: str
    date: str
    url: str

    def kept(self, draft: Draft) -> dict[str, bool]:
        """Which expected facts the draft shows (text, thread or first comment)."""
        published = "\n".join([draft.text, *draft.thread, draft.first_comment]).lower()
        dates = find_dates(self.date)
        forms = dates[0].renderings() if dates else {self.date.lower()}
        return {
            "product": self.product.lower() in published,
            "date": any(form in published for form in forms),
            "url": self.url.lower() in published,
        }


def _expectations(text: str) -> dict[str, str]:
    front = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    if front:
        meta = yaml.safe_load(front.group(1))
        return {"industry": meta["industry"], **{k: str(v) for k, v in meta["expect"].items()}}
    found: dict[str, str] = {}
    industry = re.search(r"<!--\s*industry:\s*(.*?)\s*-->", text)
    expect = re.search(r"<!--\s*expect:\s*(.*?)\s*-->", text)
    assert industry and expect, "a golden brief states its industry and expected facts"
    found["industry"] = industry.group(1)
    for pair in expect.group(1).split(";"):
        key, value = pair.split("=", 1)
        found[key.strip()] = value.strip()
    return found


def golden_briefs() -> list[GoldenBrief]:
    briefs = []
    for path in sorted(GOLDEN_DIR.iterdir()):
        expect = _expectations(path.read_text(encoding="utf-8"))
        briefs.append(
            GoldenBrief(
                path,
                load_brief(path),
                expect["industry"],
                expect["product"],
                expect["date"],
                expect["url"],
            )
        )
    return briefs
