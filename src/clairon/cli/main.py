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
from clairon.cli import accounts_cmd, demo_cmd, io_cmd, posts_cmd, setup_cmd  # noqa: E402
from clairon.cli.assistant_cmd import app as assistant_app  # noqa: E402
from clairon.cli.besttime_cmd import app as besttime_app  # noqa: E402
from clairon.cli.draft_cmd import draft  # noqa: E402
from clairon.cli.inbox_cmd import app as inbox_app  # noqa: E402
from clairon.cli.plan_cmd import plan  # noqa: E402
from clairon.cli.rules_cmd import app as rules_app  # noqa: E402
from clairon.cli.serve_cmd import serve  # noqa: E402
from clairon.cli.triage_cmd import triage  # noqa: E402
from clairon.cli.worker_cmd import worker  # noqa: E402

app.command("init")(setup_cmd.init)
app.command("demo")(demo_cmd.demo)
app.command("draft")(draft)
app.command("plan")(plan)
app.command("serve")(serve)
app.command("worker")(worker)
app.command("triage")(triage)
app.add_typer(setup_cmd.keys_app, name="keys")
app.add_typer(accounts_cmd.workspace_app, name="workspace")
app.add_typer(accounts_cmd.user_app, name="user")
app.add_typer(accounts_cmd.account_app, name="account")
app.add_typer(posts_cmd.app, name="post")
app.add_typer(inbox_app, name="inbox")
app.add_typer(io_cmd.import_app, name="import")
app.add_typer(io_cmd.export_app, name="export")
app.add_typer(assistant_app, name="assistant")
app.add_typer(rules_app, name="rules")
app.add_typer(besttime_app, name="besttime")
