"""The `civic-match` command: a thin layer over the library; errors end in one clear line."""

from __future__ import annotations

import json
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import typer
from tqdm import tqdm

from bot.cli.common import (
    CliError,
    DbOpt,
    TeamOpt,
    runtime,
    secret,
    settings,
    slack_notifier,
)
from bot.container import Container, open_store
from bot.flows.importer import BadRow, ImportFileError, Row, read_rows
from bot.flows.ports import RecordingNotifier
from bot.messages.reasons import reason_texts
from bot.settings import Settings
from matching.errors import MatchingError
from matching.service import Suggestion
from matching.text import shorten
from profiles import repo
from profiles.errors import StoreError

app = typer.Typer(
    help="civic-match: partner suggestions for data projects of non-profits, with reasons.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DEMO_TEAM = "T_DEMO"
DEMO_DB = "sqlite:///civic-match-demo.db"


def _load_rows(
    rt: Container, team: str, path: Path, *, quiet: bool = False
) -> tuple[int, list[BadRow]]:
    good: list[Row] = []
    bad: list[BadRow] = []
    try:
        for row in read_rows(path):
            (good if isinstance(row, Row) else bad).append(row)  # type: ignore[arg-type]
    except ImportFileError as exc:
        raise CliError(str(exc)) from exc
    with tqdm(
        total=len(good), desc="embedding", unit="entry", disable=quiet or not good, file=sys.stderr
    ) as bar:
        rt.matcher.import_entries(
            team,
            ((r.user_id, r.name, r.organisation, r.entry) for r in good),
            progress=bar.update,
        )
    return len(good), bad


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV with id, text (or title+description)")],
    team: TeamOpt = "local",
    db: DbOpt = None,
) -> None:
    """Import entries; bad rows are reported by line number and skipped."""
    rt = runtime(db)
    n, bad = _load_rows(rt, team, file)
    for b in bad:
        typer.echo(f"line {b.line}: skipped: {b.reason}", err=True)
    typer.echo(f"imported {n} entries into team {team}" + (f", skipped {len(bad)}" if bad else ""))


def _suggestion_json(x: Suggestion, lang: str) -> dict[str, object]:
    return {
        "profile": x.entry_external_id or x.entry_id,
        "member": x.user_id,
        "score": x.score,
        "reasons": reason_texts(x, lang),
    }


@app.command()
def suggest(
    team: TeamOpt = "local",
    profile: Annotated[str | None, typer.Option("--profile", help="entry id (as imported)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="suggestions for every entry")] = False,
    k: Annotated[int, typer.Option("--k", min=1, max=100)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line per entry")] = False,
    lang: Annotated[str, typer.Option("--lang", help="language of reasons: de or en")] = "de",
    exclude_same_org: Annotated[bool, typer.Option("--exclude-same-org")] = False,
    db: DbOpt = None,
) -> None:
    """Partner suggestions for one entry or all entries of a team."""
    if bool(profile) == all_:
        raise CliError("give exactly one of --profile ID or --all")
    rt = runtime(db)
    with rt.store.session() as s:
        if profile:
            entry = repo.get_entry_by_external(s, team, profile)
            if entry is None and profile.isdigit():
                entry = repo.get_entry(s, team, int(profile))
            if entry is None:
                raise CliError(f"no entry {profile!r} in team {team}")
            targets = [(entry.id, entry.external_id or str(entry.id), entry.title)]
        else:
            targets = [
                (e.id, e.external_id or str(e.id), e.title) for e in repo.active_entries(s, team)
            ]
    if not targets:
        raise CliError(f"team {team} has no entries; run 'civic-match import FILE --team {team}'")
    for entry_id, ext, title in targets:
        sug = rt.matcher.suggest_for_entry(team, entry_id, k, exclude_same_org=exclude_same_org)
        if as_json:
            line = {"profile": ext, "suggestions": [_suggestion_json(x, lang) for x in sug]}
            typer.echo(json.dumps(line, ensure_ascii=False))
        else:
            typer.echo(f"\n{ext}: {title}")
            _print_suggestions(sug, lang)


def _print_suggestions(sug: list[Suggestion], lang: str) -> None:
    if not sug:
        typer.echo("   (no suggestions yet)")
    for n, x in enumerate(sug, start=1):
        org = f" ({x.organisation})" if x.organisation else ""
        typer.echo(f"  {n}. {x.display_name}{org} · {shorten(x.entry_title, 70)}  [{x.score:.2f}]")
        for r in reason_texts(x, lang):
            typer.echo(f"       – {r}")


@app.command()
def demo(
    db: Annotated[str, typer.Option("--db", help="database URL for the demo")] = DEMO_DB,
    members: Annotated[int, typer.Option("--members", min=1, max=50)] = 4,
    lang: Annotated[str, typer.Option("--lang")] = "de",
) -> None:
    """Load the bundled sample community and show suggestions for a few members."""
    started = time.perf_counter()
    rt = runtime(db)
    sample = resources.files("bot") / "data" / "sample_community.jsonl"
    with resources.as_file(sample) as path:
        n, bad = _load_rows(rt, DEMO_TEAM, path)
    if bad:  # the bundled file is tested; this guards local edits
        typer.echo(f"warning: {len(bad)} sample rows skipped", err=True)
    with rt.store.session() as s:
        people = [
            (m.user_id, m.display_name, m.organisation, [e.title for e in m.entries])
            for m in repo.list_members(s, DEMO_TEAM)
            if m.entries
        ]
    typer.echo(
        f"civic-match demo: {n} project and dataset descriptions from {len(people)} members "
        f"(database {rt.settings.database_url})"
    )
    step = max(1, len(people) // members)
    for user_id, name, org, titles in people[::step][:members]:
        typer.echo(f"\n━━ {name} ({org})")
        for t in titles:
            typer.echo(f"   beschreibt: {shorten(t, 90)}")
        typer.echo("   sollte sprechen mit:")
        _print_suggestions(rt.matcher.suggest_for_member(DEMO_TEAM, user_id, 3), lang)
    typer.echo(f"\ndone in {time.perf_counter() - started:.1f} s")


@app.command("eval")
def eval_cmd(
    data: Annotated[Path, typer.Option("--data", help="labelled JSONL (see shared/data/eval)")],
    field: Annotated[list[str], typer.Option("--field", help="label field(s) to score")],
    subset: Annotated[str | None, typer.Option("--subset", help="boolean key to filter")] = None,
    k: Annotated[int, typer.Option("--k", min=5, max=50)] = 10,
    ablations: Annotated[bool, typer.Option("--ablations/--no-ablations")] = True,
) -> None:
    """Score baselines and the product side by side (P@5, nDCG@10) on a labelled set."""
    from bot.cli.quality import run
    from matching.embedder import load_embedder

    if not data.exists():
        raise CliError(f"file not found: {data}")
    s = settings()
    run(
        data,
        list(field),
        load_embedder(s.model, threads=s.threads),
        subset=subset,
        k=k,
        echo=typer.echo,
        with_ablations=ablations,
    )


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Apply database migrations (also done at every start)."""
    s = settings(db)
    open_store(s.database_url).dispose()
    typer.echo("database schema is up to date")


def _setup_logging(verbose: bool) -> None:
    import logging

    # Libraries log at WARNING: bolt's INFO lines include request bodies, which are
    # the sender's text, and urllib3/slack_sdk retries would drown our own records.
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for ours in ("bot", "matching", "profiles"):
        logging.getLogger(ours).setLevel(logging.DEBUG if verbose else logging.INFO)


def _bot_settings(db: str | None, mode: Literal["socket", "http"]) -> Settings:
    """Settings with the secrets ``mode`` needs, checked before anything slow happens
    (loading the model takes seconds; a missing token should not)."""
    from bot.slack.app import ConfigError, check_config

    s = settings(db)
    try:
        check_config(s, mode)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    return s


@app.command()
def run(
    db: DbOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the Slack bot over Socket Mode (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)."""
    from bot.slack.app import connect
    from bot.slack.server import socket_mode_handler

    s = _bot_settings(db, "socket")
    _setup_logging(verbose)
    app, container = connect(s, mode="socket", threads=s.bot_threads)
    _start_scheduler(container)
    typer.echo("civic-match: connected over Socket Mode; Ctrl-C stops", err=True)
    handler = socket_mode_handler(app, secret(s.slack_app_token))
    handler.start()  # type: ignore[no-untyped-call]


@app.command()
def serve(
    http: Annotated[bool, typer.Option("--http", help="serve Events and Interactivity")] = False,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 3000,
    db: DbOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the Slack bot in HTTP mode at /slack/events (needs SLACK_SIGNING_SECRET)."""
    from bot.slack.app import connect
    from bot.slack.server import HttpServer

    if not http:
        raise CliError("use 'civic-match serve --http' for HTTP mode, or 'civic-match run'")
    s = _bot_settings(db, "http")
    _setup_logging(verbose)
    app, container = connect(s, mode="http", threads=s.bot_threads)
    server = HttpServer(app, host, port)
    _start_scheduler(container)
    typer.echo(f"civic-match: listening on {server.url}", err=True)
    try:
        server.serve_forever()
    finally:
        container.shutdown(wait=False)


@app.command()
def console(
    team: TeamOpt = "local",
    user: Annotated[str, typer.Option("--user", help="Slack user id to act as")] = "U_LOCAL",
    db: DbOpt = None,
) -> None:
    """Type the same /match commands as in Slack, as a member of the local database."""
    from bot.cli.console import run_console

    rt = runtime(db)
    run_console(rt.settings, rt.matcher, team, user)


# ---------------------------------------------------------------- digests, workshops, stats
# (issue 5)

digest_app = typer.Typer(help="Weekly partner digests.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


def _start_scheduler(container: Container) -> None:
    """Weekly digests in the bot process; replicas are safe thanks to the digest claims."""
    from bot import scheduler

    scheduler.start(container.digest)


@digest_app.command("run")
def digest_run(
    team: TeamOpt,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show the plan; send nothing")] = False,
    db: DbOpt = None,
) -> None:
    """Send this period's digest to every member who is due (or show it with --dry-run)."""
    from bot.flows.digest import DigestService, describe_plan

    rt = runtime(db)
    notifier = RecordingNotifier() if dry_run else slack_notifier(rt.settings)
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
    notifier = slack_notifier(rt.settings) if channel else RecordingNotifier()
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
) -> None:
    """Community statistics: members, entries, digests, connect rate, coverage."""
    from bot.cli.pictures import write_chart
    from bot.flows.stats import community_stats, render_stats

    rt = runtime(db)
    typer.echo(render_stats(community_stats(rt.store, team), lang).replace("*", ""))
    if chart:
        typer.echo(write_chart(rt, team, lang, chart))


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
    from bot.cli.pictures import require_charts, write_map
    from bot.flows.community_map import MapOptions

    require_charts()
    opts = MapOptions(by=by, channel=channel or "", names=names, lang=lang)
    typer.echo(write_map(runtime(db), team, opts, out))


def main() -> None:
    """Entry point: any library error becomes one line on stderr and exit code 1."""
    try:
        app()
    except (CliError, StoreError, MatchingError, OSError) as exc:
        typer.echo(f"civic-match: error: {exc}", err=True)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
