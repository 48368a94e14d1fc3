"""`clairon besttime recommend` from a CSV export."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from clairon.cli.besttime_cmd import app as besttime_app

cli = typer.Typer()
cli.add_typer(besttime_app, name="besttime")


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "history.csv"
    header = "published_at,impressions,engagements,observed_at,content_type\n"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _rows(n: int) -> list[str]:
    return [
        f"2026-10-{1 + k % 28:02d}T{8 + k % 10:02d}:00:00+02:00,1000,{30 + 3 * (k % 7)},"
        f"2026-11-01T00:00:00Z,{'video' if k % 3 else 'image'}"
        for k in range(n)
    ]


def test_recommend_prints_a_table(tmp_path: Path) -> None:
    args = [
        "besttime",
        "recommend",
        "--history",
        str(_csv(tmp_path, _rows(30))),
        "--network",
        "linkedin",
        "--audience",
        "Europe/Paris:0.7,America/Montreal:0.3",
        "--week",
        "2026-11-02",
        "--posts",
        "3",
        "--min-gap-hours",
        "6",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Best times" in result.output and "Paris" in result.output


def test_recommend_json(tmp_path: Path) -> None:
    args = [
        "besttime",
        "recommend",
        "--history",
        str(_csv(tmp_path, _rows(30))),
        "--network",
        "instagram",
        "--audience",
        "America/Sao_Paulo",
        "--week",
        "2026-11-02",
        "--posts",
        "4",
        "--format",
        "json",
        "--explore",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["slots"]) == 4 and data["posts_used"] == 30
    assert len(data["heat_map"]["relative"]) == 7


def test_thin_history_says_it_falls_back(tmp_path: Path) -> None:
    args = [
        "besttime",
        "recommend",
        "--history",
        str(_csv(tmp_path, _rows(2))),
        "--network",
        "linkedin",
        "--timezone",
        "Europe/Paris",
        "--week",
        "2026-11-02",
        "--posts",
        "2",
        "--format",
        "json",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["fallback_to_priors"] is True


def test_every_bad_row_is_reported(tmp_path: Path) -> None:
    rows = [*_rows(3), "not-a-date,1,2,,", "2026-10-01T10:00:00Z,x,2,,"]
    args = [
        "besttime",
        "recommend",
        "--history",
        str(_csv(tmp_path, rows)),
        "--network",
        "linkedin",
        "--audience",
        "Europe/Paris",
        "--week",
        "2026-11-02",
        "--posts",
        "2",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "row 5" in result.output and "row 6" in result.output


def test_bad_audience_and_week_are_refused(tmp_path: Path) -> None:
    path = str(_csv(tmp_path, _rows(3)))
    for extra in (
        ["--audience", "Nowhere/Zone:1", "--week", "2026-11-02"],
        ["--audience", "Europe/Paris", "--week", "next week"],
    ):
        args = [
            "besttime",
            "recommend",
            "--history",
            path,
            "--network",
            "x",
            "--posts",
            "1",
            *extra,
        ]
        assert CliRunner().invoke(cli, args).exit_code == 2
