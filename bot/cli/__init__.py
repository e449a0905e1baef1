"""The `civic-match` command: a thin layer over the library; errors end in one clear line."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from bot.cli.common import (
    DEMO_DB,
    DEMO_TEAM,
    CliError,
    DbOpt,
    TeamOpt,
    app,
    db_app,
    quiet_monitor,
    runtime,
    secret,
    settings,
)
from matching.errors import MatchingError
from profiles.errors import StoreError

# A command imports what it uses (the database layer, the model, the flows, Slack's SDK)
# when it runs: `civic-match --help` or a mistyped option answers at once.
if TYPE_CHECKING:
    from bot.container import Container
    from bot.flows.importer import BadRow
    from bot.settings import Settings
    from matching.service import Suggestion


def _load_rows(
    rt: Container, team: str, path: Path, *, quiet: bool = False, consent: str = "imported"
) -> tuple[int, list[BadRow]]:
    from tqdm import tqdm

    from bot.flows.importer import ImportFileError, Row, read_rows

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
            consent=consent,
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


def _suggestion_json(
    x: Suggestion, lang: str, reasons: Callable[[Suggestion, str], list[str]]
) -> dict[str, object]:
    return {
        "profile": x.entry_external_id or x.entry_id,
        "member": x.user_id,
        "score": x.score,
        "reasons": reasons(x, lang),
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
    from profiles import repo

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
            targets = [(i, ext or str(i), title) for i, ext, title in repo.entry_labels(s, team)]
    if not targets:
        raise CliError(f"team {team} has no entries; run 'civic-match import FILE --team {team}'")
    # The operator's own view of the data: imported people who have not agreed yet
    # are included, they are not shown to anyone in Slack. Batches of entries, printed as
    # they are ranked, keep memory flat at any community size.
    for start in range(0, len(targets), SUGGEST_BATCH):
        chunk = targets[start : start + SUGGEST_BATCH]
        ranked = rt.matcher.suggest_for_entries(
            team, [t[0] for t in chunk], k, exclude_same_org=exclude_same_org, listed_only=False
        )
        _print_ranked(chunk, ranked, as_json, lang)


SUGGEST_BATCH = 512


def _print_ranked(
    targets: list[tuple[int, str, str]],
    ranked: dict[int, list[Suggestion]],
    as_json: bool,
    lang: str,
) -> None:
    from bot.messages.reasons import reason_texts

    for entry_id, ext, title in targets:
        sug = ranked.get(entry_id, [])
        if as_json:
            found = [_suggestion_json(x, lang, reason_texts) for x in sug]
            line = {"profile": ext, "suggestions": found}
            typer.echo(json.dumps(line, ensure_ascii=False))
        else:
            typer.echo(f"\n{ext}: {title}")
            _print_suggestions(sug, lang)


def _print_suggestions(sug: list[Suggestion], lang: str) -> None:
    from bot.messages.reasons import reason_texts
    from matching.text import shorten

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
    from bot.container import build_container
    from matching.embedder import Precomputed, load_embedder
    from matching.text import shorten
    from profiles import repo

    started = time.perf_counter()
    conf = settings(db)
    emb = load_embedder(conf.model, threads=conf.threads)
    # Shipped vectors of the sample's texts, if they are the configured model's: the first
    # run does not wait for a slow model on 42 known entries (scripts/demo_vectors.py).
    shipped = resources.files("bot") / "data" / f"demo-vectors-{emb.model_id}.npz"
    with resources.as_file(shipped) as vectors:
        rt = build_container(conf, embedder=Precomputed.load(emb, vectors))
    sample = resources.files("bot") / "data" / "sample_community.jsonl"
    with resources.as_file(sample) as path:
        # Fictional people of the bundled sample: there is nobody to ask.
        n, bad = _load_rows(rt, DEMO_TEAM, path, consent="self")
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
    first = people[0][1] if people else "a member"
    typer.echo(
        "\nnext: type the same /match commands as in Slack, as a demo member "
        f"({first}) or as a facilitator:\n"
        "  civic-match console --demo\n"
        "  civic-match console --demo --facilitator"
    )


@app.command("eval")
def eval_cmd(
    data: Annotated[Path, typer.Option("--data", help="labelled JSONL (see shared/data/eval)")],
    field: Annotated[list[str], typer.Option("--field", help="label field(s) to score")],
    subset: Annotated[str | None, typer.Option("--subset", help="boolean key to filter")] = None,
    k: Annotated[int, typer.Option("--k", min=5, max=50)] = 10,
    ablations: Annotated[bool, typer.Option("--ablations/--no-ablations")] = True,
    simulate_feedback: Annotated[
        bool,
        typer.Option(
            "--simulate-feedback",
            help="half the members react to their top 5; P@5 before/after learning (1st field)",
        ),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="who reacts (--simulate-feedback)")] = 0,
) -> None:
    """Score baselines and the product side by side (P@5, nDCG@10) on a labelled set."""
    from bot.cli.quality import run
    from matching.embedder import load_embedder
    from matching.evaluate import list_fields

    if not data.exists():
        raise CliError(f"file not found: {data}")
    try:
        known = list_fields(data)
    except (OSError, ValueError, AttributeError) as exc:
        raise CliError(f"{data} is not a labelled JSONL file: {exc}") from exc
    if missing := [f for f in field if f not in known]:
        raise CliError(
            f"no item of {data.name} has labels in {', '.join(missing)}; "
            f"label fields there: {', '.join(sorted(known)) or 'none'}"
        )
    s = settings()
    quiet_monitor()
    if simulate_feedback:
        from bot.cli.feedback_sim import simulate

        emb = load_embedder(s.model, threads=s.threads)
        simulate(data, field[0], emb, settings=s, seed=seed, echo=typer.echo)
        return
    run(
        data,
        list(field),
        load_embedder(s.model, threads=s.threads),
        subset=subset,
        k=k,
        echo=typer.echo,
        with_ablations=ablations,
        workers=s.rank_processes,
    )


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Apply database migrations (also done at every start)."""
    from bot.container import open_store

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
    user: Annotated[
        str | None, typer.Option("--user", help="Slack user id to act as (default: U_LOCAL)")
    ] = None,
    db: DbOpt = None,
    demo_community: Annotated[
        bool,
        typer.Option("--demo", help="the demo community (loaded if needed), as one of its members"),
    ] = False,
    facilitator: Annotated[
        bool, typer.Option("--facilitator", help="act as a facilitator (stats, digest, workshop)")
    ] = False,
) -> None:
    """Type the same /match commands as in Slack, as a member of the local database."""
    from bot.cli.console import run_console
    from profiles import repo

    if demo_community:
        rt = runtime(db or DEMO_DB)
        team = DEMO_TEAM
        with rt.store.session() as s:
            known = [m for m in repo.list_members(s, DEMO_TEAM) if m.entries]
        if not known:
            sample = resources.files("bot") / "data" / "sample_community.jsonl"
            with resources.as_file(sample) as path:
                _load_rows(rt, DEMO_TEAM, path)
            with rt.store.session() as s:
                known = [m for m in repo.list_members(s, DEMO_TEAM) if m.entries]
        if user is None:
            user = "U_FACILITATOR" if facilitator else known[0].user_id
            who = "a facilitator" if facilitator else known[0].display_name
            typer.echo(f"demo community {DEMO_TEAM}, acting as {who} ({user})", err=True)
    else:
        rt = runtime(db)
    user = user or "U_LOCAL"
    settings_ = rt.settings
    if facilitator and user not in settings_.facilitators:
        # Local only: the console has no Slack to ask who the workspace's admins are.
        settings_ = settings_.model_copy(update={"facilitators": [*settings_.facilitators, user]})
    run_console(settings_, rt.matcher, team, user)


def _start_scheduler(container: Container) -> None:
    """Weekly digests in the bot process; replicas are safe thanks to the digest claims.
    Entries the configured model has no vector of yet are embedded in the background."""
    from bot import reembed, scheduler

    scheduler.start(
        container.digest, followups=container.followups, workspaces=container.workspaces
    )
    reembed.start_background(container.matcher)


# Registered on the same app by importing them.
from bot.cli import admin, community, followups, weights  # noqa: E402, F401


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
