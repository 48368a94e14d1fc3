"""`clairon draft`: drafts per network and language from a brief file, with counters, AI labels
and brand-voice/guardrail violations. Uses the configured AI backend (offline by default)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.panel import Panel
from rich.text import Text

from clairon.config import get_settings
from clairon.content.brief import load_brief
from clairon.content.compose import Composer, Draft, Target, facts_kept, limits_for
from clairon.content.voice import BrandVoice, load_voice
from clairon.errors import ValidationFailed

from .common import console, friendly_errors

__all__ = ["draft"]


def _targets(networks: str, accounts: str, languages: list[str]) -> list[Target]:
    pairs: list[tuple[str, str]] = [(n.strip(), "") for n in networks.split(",") if n.strip()]
    for i, key in enumerate(k.strip() for k in accounts.split(",") if k.strip()):
        if ":" not in key:
            raise ValidationFailed("use network:handle, e.g. x:@clairon", f"accounts[{i}]")
        network, handle = key.split(":", 1)
        pairs.append((network, handle))
    if not pairs:
        raise ValidationFailed("give --networks or --accounts", "networks")
    return [Target(n, lang, limits_for(n), handle) for n, handle in pairs for lang in languages]


def _history(path: Path | None) -> dict[str, float] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"cannot read hashtag history {path}: {exc}", "history") from exc
    return {str(k): float(v) for k, v in dict(data).items()}


def _panel(draft: Draft, kept: dict[str, bool]) -> Panel:
    body = Text(draft.text)
    for part in draft.thread:
        body.append(f"\n\n↳ {part}", style="dim")
    if draft.first_comment:
        body.append(f"\n\n💬 first comment: {draft.first_comment}", style="cyan")
    facts = " ".join(f"{k}:{'✓' if v else '✗'}" for k, v in kept.items())
    meta = (
        f"\n\n{draft.length}/{draft.max_length} · {len(draft.hashtags)} hashtag(s) · "
        f"facts {facts or '-'} · AI: {', '.join(draft.labels)} ({draft.backend}/{draft.model})"
    )
    body.append(meta, style="dim")
    if draft.sources:
        body.append("\nsources: " + ", ".join(f"#{s.index}" for s in draft.sources), style="dim")
    for v in draft.violations:
        body.append(f"\n⚠ {v.rule} [{v.span[0]}:{v.span[1]}] {v.message}", style="bold red")
    for v in draft.resolved:
        body.append(f"\n✔ fixed {v.rule}: {v.message}", style="green")
    for note in draft.notes:
        body.append(f"\nnote: {note}", style="yellow")
    status = "[red]FLAGGED[/]" if draft.flagged else "[green]ok[/]"
    title = f"{draft.network}{' ' + draft.account if draft.account else ''} · {draft.language} · "
    title += f"variant {draft.ab_letter} · {status}"
    return Panel(body, title=title, subtitle=draft.difference, title_align="left")


@friendly_errors
def draft(
    brief: Path = typer.Option(..., "--brief", "-b", help="Brief file: .txt, .md, .html, .xml."),
    networks: str = typer.Option("", "--networks", "-n", help="Comma-separated networks."),
    accounts: str = typer.Option("", "--accounts", "-a", help="network:handle, comma-separated."),
    lang: str = typer.Option("", "--lang", "-l", help="Languages, e.g. fr,en (default: brief's)."),
    variants: int = typer.Option(1, "--variants", "-v", min=1, max=6, help="A/B variants."),
    voice: Path | None = typer.Option(None, "--voice", help="Brand voice JSON file."),
    history: Path | None = typer.Option(
        None, "--history", help="JSON {hashtag: engagement rate} from past posts."
    ),
    output: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Draft posts for each network and language from a brief, with the configured AI."""
    if output not in ("table", "json"):
        raise ValidationFailed("use table or json", "format")
    parsed = load_brief(brief)
    languages = [x.strip() for x in lang.split(",") if x.strip()] or [parsed.language]
    brand = load_voice(voice) if voice else BrandVoice()
    from clairon.ai.registry import draft_backend

    composer = Composer(draft_backend(get_settings()), voice=brand, history=_history(history))
    drafts = composer.compose(parsed, _targets(networks, accounts, languages), variants)
    if output == "json":
        rows = [d.as_dict() | {"facts_kept": facts_kept(d, parsed)} for d in drafts]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    facts = parsed.facts
    console.print(
        f"[bold]{parsed.title}[/] ({parsed.language}, {len(parsed.sentences)} sentences) · "
        f"product: {facts.product or '-'} · date: {facts.date.text if facts.date else '-'} · "
        f"url: {facts.url or '-'}"
    )
    for d in drafts:
        console.print(_panel(d, facts_kept(d, parsed)))
    flagged = sum(d.flagged for d in drafts)
    console.print(f"{len(drafts)} draft(s), {flagged} flagged for review. AI-labelled: all.")
