"""Operator commands about people, workspaces and vectors: `invite`, `workspace`, `reembed`.

Registered on the one app (bot.cli.common) when bot.cli imports this module.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.cli.common import CliError, DbOpt, TeamOpt, app, runtime, settings, slack_notifier
from bot.flows.ports import RecordingNotifier


@app.command()
def invite(
    team: TeamOpt,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list who would be invited; send nothing")
    ] = False,
    db: DbOpt = None,
) -> None:
    """DM each imported member one invitation (what was imported, accept/edit/delete)."""
    from bot.flows.consent import ConsentFlows

    rt = runtime(db)
    notifier = RecordingNotifier() if dry_run else slack_notifier(rt)
    report = ConsentFlows(rt.store, rt.matcher, notifier, rt.members).invite(team, dry_run=dry_run)
    if dry_run:
        for user in report.planned:
            typer.echo(f"would invite {user}")
        typer.echo(f"dry run: {len(report.planned)} to invite; nothing sent")
        return
    for user, reason in report.failed:
        typer.echo(f"{user}: failed: {reason}", err=True)
    typer.echo(
        f"invitations: {len(report.sent)} sent, {len(report.failed)} failed "
        f"(of {len(report.planned)} not yet invited)"
    )


@app.command()
def reembed(
    team: Annotated[str | None, typer.Option("--team", "-t")] = None, db: DbOpt = None
) -> None:
    """Embed the entries the configured MODEL has no vector of (after a model change), then
    switch suggestions to it and drop the old vectors."""
    from tqdm import tqdm

    from bot.reembed import pending
    from bot.reembed import reembed as run_reembed

    rt = runtime(db)
    total = sum(pending(rt.matcher, team).values())
    # disable=None: a bar on a terminal, nothing in logs or pipes.
    with tqdm(total=total, desc="re-embedding", unit="entry", file=sys.stderr, disable=None) as bar:
        done = run_reembed(rt.matcher, team, progress=bar.update)
    for r in done:
        typer.echo(f"{r.team_id}: {r.embedded} embedded, {r.dropped} old vectors dropped")
    if not done:
        typer.echo(f"nothing to do: every entry has a vector of {rt.matcher.embedder.model_id}")


workspace_app = typer.Typer(help="Installed workspaces and their data.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")


@workspace_app.command("list")
def workspace_list(db: DbOpt = None) -> None:
    """Workspaces with their status, members (and imported, not yet agreed), purges."""
    rt = runtime(db)
    rows = rt.workspaces.overview()
    if not rows:
        typer.echo("no workspaces")
        return
    for w in rows:
        purge = f"  purge after {w.purge_after:%Y-%m-%d %H:%M} UTC" if w.purge_after else ""
        typer.echo(
            f"{w.team_id}  {w.status}  {w.members} members, {w.invited} imported "
            f"(not yet agreed){purge}"
        )


@workspace_app.command("purge")
def workspace_purge(
    team: TeamOpt,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
    db: DbOpt = None,
) -> None:
    """Delete every row of a workspace now (members, entries, vectors, feedback, …)."""
    rt = runtime(db)
    if not yes and not typer.confirm(f"delete all data of workspace {team}?", err=True):
        typer.echo("nothing deleted")
        return
    if rt.settings.oauth_mode:
        slack_notifier(rt)  # the stored installation (tokens) goes with the data
    counts = rt.workspaces.purge(team)
    total = sum(counts.values())
    detail = ", ".join(f"{t} {n}" for t, n in counts.items() if n)
    typer.echo(f"purged {team}: {total} rows" + (f" ({detail})" if detail else ""))


@workspace_app.command("new-key")
def workspace_new_key() -> None:
    """Print a new key for TOKEN_ENCRYPTION_KEY (OAuth mode)."""
    from bot.slack.installations import TokenCipher, TokenKeyError

    try:
        typer.echo(TokenCipher.new_key())
    except TokenKeyError as exc:  # without the oauth extra
        raise CliError(str(exc)) from exc


@workspace_app.command("rotate-key")
def workspace_rotate_key(db: DbOpt = None) -> None:
    """Re-seal every stored token with the first key of TOKEN_ENCRYPTION_KEY.

    Rotation: put the new key first (TOKEN_ENCRYPTION_KEY=new,old), restart the bot, run
    this, then drop the old key.
    """
    from bot.container import open_store
    from bot.slack.app import ConfigError, installation_store
    from bot.slack.installations import TokenKeyError

    s = settings(db)
    if not s.oauth_mode:
        raise CliError("no OAuth mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET): no stored tokens")
    store = open_store(s.database_url)
    try:
        count = installation_store(s, store.engine).reseal_all()
    except (ConfigError, TokenKeyError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.dispose()
    typer.echo(f"re-sealed {count} tokens with the first key; the other keys can go now")
