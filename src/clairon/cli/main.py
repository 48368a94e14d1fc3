"""The ``clairon`` command. Each feature area registers its sub-commands below."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="clairon",
    help="Clairon: self-hostable AI social media studio.",
    no_args_is_help=True,
    add_completion=False,
)

# --- sub-command registrations (one line per feature area; keep sorted) ---
# (feature modules add `app.add_typer(...)` or `app.command(...)(...)` lines here)
