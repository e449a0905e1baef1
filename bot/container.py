"""The one container: everything a process needs, built once from Settings.

``build_container`` opens the store (migrated), loads the model, and wires the flows
to the notifier and directory of the surface that runs them (Slack's Web API, the
console, a recording fake in tests). ``command_table`` is the explicit list of
``/match`` subcommands every surface shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.flows.commands import CommandContext, CommandTable, Subcommand
from bot.flows.consent import ConsentFlows
from bot.flows.digest import DigestService
from bot.flows.facilitator import FacilitatorFlows
from bot.flows.followups import FollowupService
from bot.flows.identity import Identity
from bot.flows.members import MemberFlows
from bot.flows.ports import Directory, Notifier, RecordingNotifier
from bot.flows.workshop import WorkshopService
from bot.flows.workspaces import WorkspaceFlows
from bot.settings import Settings
from bot.slack.worker import Worker
from matching.embedder import Embedder, load_embedder
from matching.feedback import Learning
from matching.service import Matcher
from profiles.db import Store
from profiles.errors import StoreUnavailable
from profiles.migrate import upgrade


def open_store(url: str, migrate: bool = True) -> Store:
    """Open the database (creating a SQLite file's folder) and apply migrations."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreUnavailable(f"DATABASE_URL is not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    store = Store.from_url(url)
    if migrate:
        upgrade(store.engine)
    return store


# Help, confirmations and modals: no embedding, at most one Web API call each.
QUICK_THREADS = 4


@dataclass
class Container:
    """Settings, store, matcher and the flows built on them, for one process."""

    settings: Settings
    store: Store
    matcher: Matcher
    notifier: Notifier
    identity: Identity
    members: MemberFlows
    digest: DigestService
    workshop: WorkshopService
    followups: FollowupService
    facilitator: FacilitatorFlows
    consent: ConsentFlows
    workspaces: WorkspaceFlows
    commands: CommandTable
    # Slow work after an ack runs on ``worker``; cheap work (help, modals) on
    # ``quick_worker``, so a queue of describes never delays them.
    worker: Worker
    quick_worker: Worker

    def context(
        self,
        team_id: str,
        user_id: str,
        *,
        channel_id: str = "",
        trigger_id: str = "",
        lookup: bool = True,
    ) -> CommandContext:
        """The context of one command by ``user_id`` in ``team_id``."""
        return self.identity.context(
            team_id, user_id, channel_id=channel_id, trigger_id=trigger_id, lookup=lookup
        )

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once both pools are empty (tests, benchmarks, shutdown)."""
        return self.worker.wait_idle(timeout) and self.quick_worker.wait_idle(timeout)

    def shutdown(self, wait: bool = True) -> None:
        self.worker.shutdown(wait)
        self.quick_worker.shutdown(wait)


def command_table(
    members: MemberFlows, facilitator: FacilitatorFlows, consent: ConsentFlows
) -> CommandTable:
    """Every ``/match`` subcommand, in the order the help lists them."""
    table = CommandTable(
        [
            Subcommand(
                ("describe", "beschreiben"),
                members.describe,
                "bot.help.describe",
                quick=lambda text: not text.strip(),
            ),
            Subcommand(
                ("suggest", "vorschläge", "vorschlaege", "vorschlage"),
                members.suggest,
                "bot.help.suggest",
            ),
            Subcommand(("find", "suche", "search", "suchen"), members.find, "bot.help.find"),
            Subcommand(("profile", "profil"), members.profile, "bot.help.profile"),
            Subcommand(("pause", "pausieren"), members.pause, "bot.help.pause"),
            Subcommand(("resume", "weiter"), members.resume, "bot.help.resume"),
            Subcommand(("forget", "vergessen"), members.forget, "bot.help.forget", quick=True),
            Subcommand(("export", "exportieren"), members.export, "bot.help.export"),
        ]
    )
    # help reads the table it belongs to, so it is added once the table exists.
    table.add(Subcommand(("help", "hilfe", "?"), table.help, "bot.help.help", quick=True))
    for sub in (
        Subcommand(
            ("digest", "zusammenfassung"),
            facilitator.digest_command,
            "digest.help",
            facilitator_only=True,
        ),
        Subcommand(
            ("workshop",), facilitator.workshop_command, "workshop.help", facilitator_only=True
        ),
        Subcommand(
            ("stats", "statistik"),
            facilitator.stats_command,
            "stats.help",
            facilitator_only=True,
        ),
        Subcommand(("map", "karte"), facilitator.map_command, "map.help", facilitator_only=True),
        Subcommand(
            ("einladen", "invite"),
            consent.invite_command,
            "consent.help",
            facilitator_only=True,
        ),
    ):
        table.add(sub)
    return table


def build_matcher(
    settings: Settings, *, embedder: Embedder | None = None, threads: int | None = None
) -> Matcher:
    """The store (migrated) and the model of ``settings``, with its learning settings."""
    store = open_store(settings.database_url)
    emb = embedder or load_embedder(settings.model, threads=threads or settings.threads)
    return Matcher(
        store,
        emb,
        learning=Learning(
            settings.feedback_strength,
            settings.feedback_half_life_days,
            fitted_weights=settings.refit_weights,
            community=settings.community_feedback_strength,
        ),
        workers=settings.rank_processes,
    )


def build_container(
    settings: Settings,
    *,
    matcher: Matcher | None = None,
    embedder: Embedder | None = None,
    threads: int | None = None,
    notifier: Notifier | None = None,
    directory: Directory | None = None,
    worker: Worker | None = None,
) -> Container:
    """Wire everything from ``settings``; tests and benchmarks pass their own parts.

    ``matcher`` (with its store) replaces opening the database and loading the model;
    ``threads`` overrides Settings.threads for the model; without a ``notifier``
    messages are only recorded (offline commands).
    """
    if matcher is None:
        matcher = build_matcher(settings, embedder=embedder, threads=threads)
    store = matcher.store
    out: Notifier = notifier if notifier is not None else RecordingNotifier()
    identity = Identity(settings, store, directory)
    members = MemberFlows(settings, store, matcher, out, identity)
    digest = DigestService(store, matcher, out, settings)
    workshop = WorkshopService(store, matcher, out)
    facilitator = FacilitatorFlows(store, matcher, out, identity, digest, workshop)
    consent = ConsentFlows(store, matcher, out, members)
    return Container(
        settings=settings,
        store=store,
        matcher=matcher,
        notifier=out,
        identity=identity,
        members=members,
        digest=digest,
        workshop=workshop,
        followups=FollowupService(store, out, settings),
        facilitator=facilitator,
        consent=consent,
        workspaces=WorkspaceFlows(settings, store, matcher),
        commands=command_table(members, facilitator, consent),
        worker=worker or Worker(settings.worker_threads),
        quick_worker=Worker(QUICK_THREADS, name="civic-quick"),
    )
