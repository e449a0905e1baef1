"""`civic-match digest …`, `workshop`, `stats` and `map`: the facilitator's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from bot.cli.common import CliError, DbOpt, TeamOpt, app, runtime, settings, slack_notifier
from bot.flows.ports import RecordingNotifier

# (issue 5)

digest_app = typer.Typer(help="Weekly partner digests.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


@digest_app.command("run")
def digest_run(
    team: TeamOpt,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show the plan; send nothing")] = False,
    db: DbOpt = None,
) -> None:
    """Send this period's digest to every member who is due (or show it with --dry-run)."""
    from bot.flows.digest import DigestService, describe_plan

    rt = runtime(db)
    notifier = RecordingNotifier() if dry_run else slack_notifier(rt)
    report = DigestService(rt.store, rt.matcher, notifier, rt.settings).run(team, dry_run=dry_run)
    if dry_run:
        for line in describe_plan(report.planned):
            typer.echo(line)
        typer.echo(f"dry run: {len(report.planned)} members due; nothing sent")
        return
    for user, reason in report.failed:
        typer.echo(f"{user}: failed: {reason}", err=True)
    typer.echo(
        f"digest {', '.join(report.periods) or '-'}: {len(report.sent)} sent "
        f"({len(report.swept)} from earlier runs), {len(report.skipped)} already claimed, "
        f"{len(report.failed)} failed, {len(report.empty)} without news, "
        f"{len(report.nudged)} stale-entry nudges"
    )


@digest_app.command("next")
def digest_next(
    team: Annotated[
        str | None, typer.Option("--team", help="one workspace (default: every workspace)")
    ] = None,
    db: DbOpt = None,
) -> None:
    """When each workspace's next digest goes out, in its own time zone."""
    from bot import scheduler
    from bot.container import open_store
    from profiles import repo

    conf = settings(db)
    store = open_store(conf.database_url)
    try:
        with store.session() as s:
            teams = [team] if team else repo.team_ids(s)
        if not teams:
            typer.echo("no workspace yet; a new one gets its digest at:")
            teams = ["(new workspace)"]
        now = store.clock()
        for team_id, config in scheduler.team_configs(store, conf, teams).items():
            when = scheduler.next_digest(config, now)
            typer.echo(f"{team_id}: {when:%A %Y-%m-%d %H:%M} {config.timezone}")
    finally:
        store.dispose()


def _read_members(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc
    out = []
    for line in lines:
        first = line.split(",")[0].strip().strip('"')
        if first and not first.startswith("#") and first.lower() not in ("id", "user_id"):
            out.append(first)
    return out


@app.command()
def workshop(
    team: TeamOpt,
    channel: Annotated[str | None, typer.Option("--channel", help="Slack channel id")] = None,
    members: Annotated[
        Path | None, typer.Option("--members", help="file with one member id per line (or CSV)")
    ] = None,
    pairs: Annotated[bool, typer.Option("--pairs", help="pairs (the default)")] = False,
    groups: Annotated[int | None, typer.Option("--groups", min=2, max=10)] = None,
    rounds: Annotated[int, typer.Option("--rounds", min=1, max=20)] = 1,
    seed: Annotated[int, typer.Option("--seed", help="another seed gives another plan")] = 0,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="write the plan as CSV")] = None,
    lang: Annotated[str, typer.Option("--lang")] = "de",
    db: DbOpt = None,
) -> None:
    """Match workshop participants into pairs or groups for several rounds, without repeats."""
    from bot.flows.workshop import WorkshopService
    from matching.errors import PlanningError

    if bool(channel) == bool(members):
        raise CliError("give exactly one of --channel C or --members FILE")
    if pairs and groups:
        raise CliError("give --pairs or --groups N, not both")
    rt = runtime(db)
    ids = _read_members(members) if members else None
    notifier = slack_notifier(rt) if channel else RecordingNotifier()
    try:
        d = WorkshopService(rt.store, rt.matcher, notifier).create(
            team,
            "cli",
            channel=channel or "",
            members=ids,
            group_size=groups or 2,
            rounds=rounds,
            seed=seed,
        )
    except PlanningError as exc:
        raise CliError(str(exc)) from exc
    for r, rnd in enumerate(d.rounds, start=1):
        typer.echo(f"\nround {r}")
        for g in rnd:
            who = " + ".join(f"{d.name(u)} ({d.orgs.get(u) or '-'})" for u in g)
            typer.echo(f"  {who}")
            for reason in d.group_reasons(g, lang):
                typer.echo(f"       – {reason}")
    if d.without_entries:
        typer.echo(f"\nwithout entries (invite them): {', '.join(d.without_entries)}")
    if d.awaiting:
        typer.echo(
            f"\nimported, not yet agreed (left out; 'civic-match invite'): {', '.join(d.awaiting)}"
        )
    if csv_out:
        svc = WorkshopService(rt.store, rt.matcher, notifier)
        csv_out.write_bytes(svc.csv_bytes(d, lang))
        typer.echo(f"\nCSV written to {csv_out}")
    typer.echo(f"plan {d.plan_id} stored as a draft")


@app.command()
def stats(
    team: TeamOpt,
    db: DbOpt = None,
    lang: Annotated[str, typer.Option("--lang")] = "de",
    chart: Annotated[
        Path | None, typer.Option("--chart", help="also write the per-month chart as PNG")
    ] = None,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="write the outcome of every introduced pair")
    ] = None,
    names: Annotated[
        bool, typer.Option("--names", help="put Slack ids and names into the CSV (not anonymised)")
    ] = False,
) -> None:
    """Community statistics: members, entries, digests, connect rate, coverage, outcomes."""
    from bot.flows.charts import ChartsUnavailable
    from bot.flows.community_map import outcome_chart
    from bot.flows.outcomes import outcomes_csv
    from bot.flows.stats import community_stats, render_stats

    if names and csv_out is None:
        raise CliError("--names only applies to --csv FILE")
    rt = runtime(db)
    typer.echo(render_stats(community_stats(rt.store, team), lang).replace("*", ""))
    if csv_out is not None:
        csv_out.write_bytes(outcomes_csv(rt.store, team, lang, names=names))
        typer.echo(f"outcomes per pair written to {csv_out}{'' if names else ' (anonymised)'}")
    if chart:
        try:
            chart.write_bytes(outcome_chart(rt.store, team, lang))
        except ChartsUnavailable as exc:
            raise CliError(str(exc)) from None
        typer.echo(f"chart written to {chart}")


# ---------------------------------------------------------------- community map (issue 15)


@app.command("map")
def map_cmd(
    team: TeamOpt,
    out: Annotated[Path, typer.Option("-o", "--output", help="PNG file to write")],
    by: Annotated[
        Literal["group", "theme", "organisation"],
        typer.Option("--by", help="colour the points by target group, theme or organisation"),
    ] = "group",
    channel: Annotated[
        str | None, typer.Option("--channel", help="only this Slack channel's members")
    ] = None,
    names: Annotated[
        bool, typer.Option("--names", help="label points with members' names")
    ] = False,
    lang: Annotated[str, typer.Option("--lang")] = "de",
    db: DbOpt = None,
) -> None:
    """Draw the community map: one point per entry, near what it is about."""
    from bot.flows.charts import ChartsUnavailable, available
    from bot.flows.community_map import EmptyMap, MapOptions, community_map
    from bot.flows.ports import DeliveryError

    if not available():  # before loading the model and the database
        raise CliError(str(ChartsUnavailable()))
    rt = runtime(db)
    notifier = slack_notifier(rt) if channel else None
    opts = MapOptions(by=by, channel=channel or "", names=names, lang=lang)
    try:
        m = community_map(rt.store, rt.matcher, team, opts, notifier)
    except EmptyMap as exc:
        where = f"the members of channel {channel}" if channel else f"team {team}"
        raise CliError(f"no entries for {where}: nothing to draw") from exc
    except DeliveryError as exc:
        raise CliError(f"cannot read the members of channel {channel}: {exc.reason}") from exc
    out.write_bytes(m.png)
    typer.echo(
        f"map written to {out}: {m.entries} entries from {m.members} members, "
        f"{m.connections} connections, {m.loners} entries without a good partner"
    )
