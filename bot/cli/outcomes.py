"""`civic-match followups run` and `civic-match stats` (with the outcomes CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli import common
from bot.cli.common import CliError, DbOpt, _slack_notifier
from bot.flows.ports import RecordingNotifier

followups_app = typer.Typer(help="Follow-up questions after introductions.", no_args_is_help=True)


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

    rt = common.runtime(db)
    notifier = RecordingNotifier() if dry_run else _slack_notifier(rt.settings)
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


def stats(
    team: Annotated[str, typer.Option("--team", help="Slack team id (workspace)")],
    db: DbOpt = None,
    lang: Annotated[str, typer.Option("--lang")] = "de",
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="write the outcome of every introduced pair")
    ] = None,
    names: Annotated[
        bool, typer.Option("--names", help="put Slack ids and names into the CSV (not anonymised)")
    ] = False,
) -> None:
    """Community statistics: members, entries, digests, connect rate, coverage, outcomes."""
    from bot.flows.outcomes import outcomes_csv
    from bot.flows.stats import community_stats, render_stats

    if names and csv_out is None:
        raise CliError("--names only applies to --csv FILE")
    rt = common.runtime(db)
    typer.echo(render_stats(community_stats(rt.store, team), lang).replace("*", ""))
    if csv_out is not None:
        csv_out.write_bytes(outcomes_csv(rt.store, team, lang, names=names))
        typer.echo(f"outcomes per pair written to {csv_out}{'' if names else ' (anonymised)'}")
