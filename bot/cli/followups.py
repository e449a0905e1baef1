"""`civic-match followups run`: the follow-up questions that are due, each sent once."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import DbOpt, app, runtime, slack_notifier
from bot.flows.ports import RecordingNotifier

followups_app = typer.Typer(help="Follow-up questions after introductions.", no_args_is_help=True)
app.add_typer(followups_app, name="followups")


@followups_app.command("run")
def followups_run(
    team: Annotated[
        str | None, typer.Option("--team", help="Slack team id (default: every workspace)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what is due; send nothing")
    ] = False,
    db: DbOpt = None,
) -> None:
    """Ask the follow-up questions that are due (each exactly once per pair and stage)."""
    from bot.flows.followups import FollowupService, run_all

    rt = runtime(db)
    notifier = RecordingNotifier() if dry_run else slack_notifier(rt)
    reports = run_all(FollowupService(rt.store, notifier, rt.settings), team, dry_run=dry_run)
    for r in reports:
        if dry_run:
            for d in r.planned:
                typer.echo(f"{r.team_id} {d.user_id} [{d.stage}] about {d.other_id}")
            typer.echo(f"{r.team_id}: dry run: {len(r.planned)} follow-ups due; nothing sent")
            continue
        for user, reason in r.failed:
            typer.echo(f"{r.team_id} {user}: skipped: {reason}", err=True)
        typer.echo(
            f"{r.team_id}: {len(r.sent)} follow-ups sent ({len(r.swept)} from earlier runs), "
            f"{len(r.skipped)} already claimed, {len(r.failed)} failed"
        )
