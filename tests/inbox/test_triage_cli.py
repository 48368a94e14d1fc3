"""`clairon triage FILE` end to end on small CSV, JSONL and text files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from clairon.cli.triage_cmd import OUTPUT_FIELDS, triage

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(triage)
    return app


def test_csv_to_csv_with_bad_rows(tmp_path: Path) -> None:
    source = tmp_path / "comments.csv"
    source.write_bytes(
        b"id,message\n"
        b"1,I love this so much!\n"
        b"2,\n"
        b"3,caf\xe9 invalid bytes\n"
        b'4,"Ce produit ne marche pas, je veux un remboursement"\n'
    )
    out = tmp_path / "labels.csv"
    result = runner.invoke(
        _app(), [str(source), "--text-column", "message", "--lang", "fr,en", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert tuple(rows[0]) == OUTPUT_FIELDS
    assert [r["row"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["sentiment"] == "positive" and rows[0]["language"] == "en"
    assert rows[1]["error"] == "empty text" and rows[1]["language"] == "unknown"
    assert "UTF-8" in rows[2]["error"]
    assert rows[3]["language"] == "fr" and rows[3]["intent"] in {"complaint", "support_request"}
    assert "row 2" in result.output and "row 3" in result.output


def test_missing_column_names_it(tmp_path: Path) -> None:
    source = tmp_path / "comments.csv"
    source.write_text("id,body\n1,hello\n", encoding="utf-8")
    result = runner.invoke(_app(), [str(source), "--text-column", "message"])
    assert result.exit_code != 0
    assert "'message'" in result.output and "body" in result.output


def test_jsonl_and_text_to_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "comments.jsonl"
    source.write_text(
        '{"text": "Where can I buy it? How much is it?", "followers": 1200}\n'
        "not json\n"
        '{"other": 1}\n',
        encoding="utf-8",
    )
    result = runner.invoke(_app(), [str(source), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["row"] for r in records] == [1, 2, 3]
    assert records[0]["intent"] == "purchase_intent"
    assert "malformed JSON" in records[1]["error"]
    assert "'text'" in records[2]["error"]

    plain = tmp_path / "comments.txt"
    plain.write_text("merci pour votre aide\n\nyou are an idiot\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(_app(), [str(plain), "--output", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in records] == [1, 3]
    assert records[1]["toxicity"] > 0.5
