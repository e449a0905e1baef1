"""Facilitator commands: `/match digest now|jetzt`, `/match workshop …`, `/match stats`,
`/match karte|map`.

They enter the command table as facilitator-only (bot.container.command_table), so
others are refused and do not see them in their help; the handlers run after the ack
on the worker pool. Who counts as a facilitator is decided in one place,
:meth:`bot.flows.identity.Identity.is_facilitator`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from bot.flows.charts import ChartsUnavailable
from bot.flows.commands import CommandContext, Reply
from bot.flows.community_map import EmptyMap, MapOptions, community_map, outcome_chart
from bot.flows.digest import DigestService
from bot.flows.identity import Identity
from bot.flows.ports import DeliveryError, Notifier
from bot.flows.stats import community_stats, render_stats
from bot.flows.workshop import EDITS, AlreadySent, PlanData, WorkshopService
from bot.messages import t
from bot.slack.blocks.kit import (
    context,
    escape,
    fallback,
    section,
)
from bot.slack.blocks.workshop import edit_modal, preview
from matching.errors import PlanningError
from matching.service import Matcher
from profiles.db import Store
from profiles.errors import InvalidInput, NotFound
from profiles.ids import parse_id, valid_id

log = logging.getLogger(__name__)

# A channel as Slack sends it (<#C123|name>), its id, or a plain #name (the console, or
# a channel Slack did not resolve; Slack then says whether it exists).
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>|^([CG][A-Z0-9]{6,})$|^#([\w-]+)$")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|^([UW][A-Z0-9]{4,})$")


def _refuse(ctx: CommandContext) -> Reply:
    return Reply(text=t("bot.error.facilitator_only", ctx.lang))


# ---------------------------------------------------------------- digest and stats


def _dry_lines(planned: list[Any]) -> list[str]:
    from bot.flows.digest import describe_plan

    return describe_plan(planned)


# ---------------------------------------------------------------- map and chart (issue 15)


_COLOUR_WORDS = {
    "group": ("groups", "gruppen", "group", "gruppe", "zielgruppen"),
    "theme": ("themes", "themen", "theme", "thema"),
    "organisation": ("organisations", "organisationen", "organisation", "organizations", "orgs"),
}


def parse_map(text: str) -> MapOptions:
    """`[#channel] [groups|themes|organisations]`; the DM version never shows names."""
    channel, by = "", "group"
    for w in text.split():
        m = _CHANNEL.search(w)
        if m:
            channel = m.group(1) or m.group(2)
            continue
        found = [k for k, words in _COLOUR_WORDS.items() if w.lower() in words]
        if not found:
            raise ValueError("usage")
        by = found[0]
    return MapOptions(by=by, channel=channel, names=False)


# ---------------------------------------------------------------- workshops


@dataclass
class WorkshopArgs:
    channel: str = ""
    group_size: int = 2
    rounds: int = 1
    edit: str = ""  # swap | lock
    plan_id: int = 0
    round_index: int = 0
    people: tuple[str, ...] = ()


def parse_workshop(text: str) -> WorkshopArgs:
    """`#channel [pairs|groups N] [rounds R]` or `swap|lock PLAN ROUND @a @b`."""
    words = text.split()
    args = WorkshopArgs()
    if words and words[0].lower() in ("swap", "tauschen", "lock", "festhalten"):
        if len(words) != 5 or not all(w.isascii() and w.isdigit() for w in words[1:3]):
            raise ValueError("usage")
        args.edit = "swap" if words[0].lower() in ("swap", "tauschen") else "lock"
        args.plan_id, args.round_index = int(words[1]), int(words[2]) - 1
        people = []
        for w in words[3:]:
            m = _USER.search(w)
            if not m:
                raise ValueError("usage")
            people.append(m.group(1) or m.group(2))
        args.people = tuple(people)
        return args
    i = 0
    while i < len(words):
        w = words[i].lower()
        m = _CHANNEL.search(words[i])
        if m:
            args.channel = m.group(1) or m.group(2) or m.group(3)
        elif w in ("pairs", "paare"):
            args.group_size = 2
        elif w in ("groups", "gruppen") and i + 1 < len(words) and words[i + 1].isdigit():
            args.group_size = int(words[i + 1])
            i += 1
        elif w in ("rounds", "runden") and i + 1 < len(words) and words[i + 1].isdigit():
            args.rounds = int(words[i + 1])
            i += 1
        else:
            raise ValueError("usage")
        i += 1
    if not args.channel or not 2 <= args.group_size <= 10 or not 1 <= args.rounds <= 20:
        raise ValueError("usage")
    return args


def _plan_id(value: str, lang: str) -> int | Reply:
    """The plan id in a button's value, or the answer to a value that cannot be one."""
    if not (value.isascii() and value.isdigit()):
        return Reply(text=t("bot.error.stale_button", lang), replace_original=False)
    plan_id = parse_id(value)
    if plan_id is None:
        return Reply(text=t("workshop.unknown_plan", lang), replace_original=False)
    return plan_id


# ---------------------------------------------------------------- the edit modal


@dataclass(frozen=True)
class WorkshopEdit:
    """A submitted edit modal: what to do with whom in which round (None: not chosen)."""

    plan_id: int
    lang: str
    response_url: str = ""
    round_index: int | None = None
    a: str | None = None
    b: str | None = None
    action: str | None = None


def edit_errors(d: PlanData, edit: WorkshopEdit) -> dict[str, str]:
    """What is wrong with an edit, by the modal's block ids (empty: it can be applied)."""
    lang = edit.lang
    if d.status != "draft":
        return {"action": t("workshop.already_sent", lang)}
    missing = t("workshop.edit.missing", lang)
    errors: dict[str, str] = {}
    for block, value in (("round", edit.round_index), ("person_a", edit.a), ("person_b", edit.b)):
        if value is None:
            errors[block] = missing
    if edit.action not in EDITS:
        errors["action"] = missing
    if errors:
        return errors
    assert edit.round_index is not None and edit.a is not None and edit.b is not None
    r = edit.round_index
    if not 0 <= r < len(d.rounds):
        return {"round": t("workshop.edit.no_round", lang)}
    if edit.a == edit.b:
        return {"person_b": t("workshop.edit.same_person", lang)}
    present = {p for group in d.rounds[r] for p in group}
    for block, who in (("person_a", edit.a), ("person_b", edit.b)):
        if who not in present:
            errors[block] = t("workshop.edit.not_in_round", lang, n=r + 1)
    if errors:
        return errors
    if edit.action == "unlock" and not any(
        x[0] == r and set(x[1:]) == {edit.a, edit.b} for x in d.locks
    ):
        return {"person_b": t("workshop.edit.not_locked", lang, n=r + 1)}
    return {}


class FacilitatorFlows:
    """What facilitators do: run or preview the digest, read the stats, plan workshops."""

    def __init__(
        self,
        store: Store,
        matcher: Matcher,
        notifier: Notifier,
        identity: Identity,
        digest: DigestService,
        workshop: WorkshopService,
    ) -> None:
        self.store = store
        self.matcher = matcher
        self.notifier = notifier
        self.identity = identity
        self.digest = digest
        self.workshop = workshop

    def digest_command(self, ctx: CommandContext) -> Reply:
        if not ctx.may_facilitate():  # the router checked already; this is free
            return _refuse(ctx)
        word = ctx.text.strip().lower()
        svc = self.digest
        if word in ("now", "jetzt"):
            r = svc.run(ctx.team_id)
        elif word in ("preview", "vorschau", "dry-run", "probe"):
            r = svc.run(ctx.team_id, dry_run=True)
            lines = [escape(x) for x in _dry_lines(r.planned)][:40]
            text = "\n".join(lines) or "-"
            return Reply(text=fallback(text), blocks=[section(fallback(text))])
        else:
            return Reply(text=t("digest.usage", ctx.lang))
        text = t(
            "digest.now.done",
            ctx.lang,
            periods=", ".join(r.periods) or "-",
            sent=len(r.sent),
            skipped=len(r.skipped),
            failed=len(r.failed),
            empty=len(r.empty),
        )
        return Reply(text=text)

    def stats_command(self, ctx: CommandContext) -> Reply:
        if not ctx.may_facilitate():  # the router checked already; this is free
            return _refuse(ctx)
        text = render_stats(community_stats(self.store, ctx.team_id), ctx.lang)
        return Reply(text=text, blocks=[section(text), context(self._send_chart(ctx))])

    def map_command(self, ctx: CommandContext) -> Reply:
        if not ctx.may_facilitate():  # the router checked already; this is free
            return _refuse(ctx)
        try:
            opts = parse_map(ctx.text)
        except ValueError:
            return Reply(text=t("map.usage", ctx.lang))
        opts = replace(opts, lang=ctx.lang)
        try:
            m = community_map(self.store, self.matcher, ctx.team_id, opts, self.notifier)
        except ChartsUnavailable:
            return Reply(text=t("map.unavailable", ctx.lang))
        except EmptyMap:
            key = "map.empty_channel" if opts.channel else "map.empty"
            return Reply(text=t(key, ctx.lang, channel=opts.channel))
        except DeliveryError as exc:
            if exc.target != opts.channel:
                raise
            return Reply(text=t("map.unknown_channel", ctx.lang, channel=opts.channel))
        summary = t(
            "map.dm",
            ctx.lang,
            entries=m.entries,
            members=m.members,
            connections=m.connections,
            loners=m.loners,
        )
        self._dm_upload(ctx, summary, "community-map.png", m.png)
        return Reply(text=t("map.sent", ctx.lang))

    def _send_chart(self, ctx: CommandContext) -> str:
        """Upload the outcome chart to the facilitator's DM; the line saying where it went
        (or how to get the plotting extra)."""
        try:
            png = outcome_chart(self.store, ctx.team_id, ctx.lang)
        except ChartsUnavailable:
            return t("map.unavailable", ctx.lang)
        try:
            self._dm_upload(ctx, t("chart.dm", ctx.lang), "outcomes-per-month.png", png)
        except DeliveryError as exc:
            # The numbers are the answer; a chart that did not arrive must not hide them.
            log.info("outcome chart for %s/%s not delivered: %s", ctx.team_id, ctx.user_id, exc)
            return t("bot.error.delivery", ctx.lang)
        return t("chart.sent", ctx.lang)

    def _dm_upload(self, ctx: CommandContext, text: str, filename: str, png: bytes) -> None:
        # The DM is opened by posting its intro: Notifier has no bare "open", and
        # files.completeUploadExternal needs the conversation id, not the user id.
        dm = self.notifier.for_team(ctx.team_id).group_dm([ctx.user_id], text)
        self.notifier.for_team(ctx.team_id).upload(dm, filename, png, title=filename)

    def workshop_command(self, ctx: CommandContext) -> Reply:
        if not ctx.may_facilitate():  # the router checked already; this is free
            return _refuse(ctx)
        try:
            args = parse_workshop(ctx.text)
        except ValueError:
            return Reply(text=t("workshop.usage", ctx.lang))
        svc = self.workshop
        if args.edit and not valid_id(args.plan_id):
            return Reply(text=t("workshop.unknown_plan", ctx.lang))
        try:
            if args.edit == "swap":
                d = svc.swap(ctx.team_id, args.plan_id, args.round_index, *args.people[:2])
            elif args.edit == "lock":
                d = svc.lock(ctx.team_id, args.plan_id, args.round_index, *args.people[:2])
            else:
                d = svc.create(
                    ctx.team_id,
                    ctx.user_id,
                    channel=args.channel,
                    group_size=args.group_size,
                    rounds=args.rounds,
                )
        except PlanningError as exc:
            return Reply(text=escape(str(exc)))
        except NotFound:
            return Reply(text=t("workshop.unknown_plan", ctx.lang))
        text, blocks = preview(d, ctx.lang)
        return Reply(text=text, blocks=blocks)

    def workshop_action(
        self, team_id: str, user_id: str, action_id: str, value: str, lang: str
    ) -> Reply:
        """A click on one of the preview's buttons; facilitators only, their own team's plans."""
        if not self.identity.is_facilitator(team_id, user_id):
            return Reply(text=t("bot.error.facilitator_only", lang), replace_original=False)
        plan_id = _plan_id(value, lang)
        if isinstance(plan_id, Reply):
            return plan_id
        svc = self.workshop
        if action_id == "workshop_reshuffle":
            text, blocks = preview(svc.reshuffle(team_id, plan_id), lang)
            return Reply(text=text, blocks=blocks, replace_original=True)
        if action_id == "workshop_csv":
            svc.send_csv(svc.load(team_id, plan_id), user_id, lang)
            return Reply(text=t("workshop.csv_sent", lang), replace_original=False)
        if action_id in ("workshop_send", "workshop_send_summary"):
            d = svc.load(team_id, plan_id)
            summary = action_id == "workshop_send_summary"
            try:
                if d.status != "draft":
                    raise AlreadySent(plan_id)
                # A second click may pass the check above while the first is sending;
                # the service's conditional update lets only one of them through.
                r = svc.send(team_id, plan_id, lang, summary=summary)
            except AlreadySent:
                return Reply(text=t("workshop.already_sent", lang), replace_original=False)
            text = t(
                "workshop.sent",
                lang,
                groups=r.groups,
                invites=r.invites,
                failed=len(r.failed or []),
            )
            return Reply(text=text, replace_original=True)
        return Reply(text=t("bot.error.stale_button", lang), replace_original=False)

    def open_edit(
        self, team_id: str, user_id: str, value: str, response_url: str, lang: str
    ) -> Reply:
        """The preview's edit button: the modal for facilitators, a short refusal otherwise.

        Only one cached check and one row read come before the modal, so it opens well
        within the trigger id's 3 seconds.
        """
        if not self.identity.is_facilitator(team_id, user_id):
            return Reply(text=t("bot.error.facilitator_only", lang), replace_original=False)
        plan_id = _plan_id(value, lang)
        if isinstance(plan_id, Reply):
            return plan_id
        d = self.workshop.load(team_id, plan_id)
        if d.status != "draft":
            return Reply(text=t("workshop.already_sent", lang), replace_original=False)
        return Reply(text="", view=edit_modal(d, lang, response_url))

    def check_edit(self, team_id: str, user_id: str, edit: WorkshopEdit) -> dict[str, str]:
        """Errors to show in the modal; runs before the ack, so one check and one row read."""
        if not self.identity.is_facilitator(team_id, user_id):
            return {"action": t("bot.error.facilitator_only", edit.lang)}
        if not valid_id(edit.plan_id):
            return {"action": t("workshop.unknown_plan", edit.lang)}
        d = self.workshop.load(team_id, edit.plan_id)
        return edit_errors(d, edit)

    def apply_edit(self, team_id: str, edit: WorkshopEdit) -> Reply:
        """Apply an edit that :func:`check_edit` accepted; the answer is the redrawn preview.

        The plan may have been sent or edited by someone else since the check, so the
        service's own refusals still become polite replies here.
        """
        lang = edit.lang
        assert edit.round_index is not None and edit.a is not None and edit.b is not None
        svc = self.workshop
        apply = {"swap": svc.swap, "lock": svc.lock, "unlock": svc.unlock}[str(edit.action)]
        try:
            d = apply(team_id, edit.plan_id, edit.round_index, edit.a, edit.b)
        except InvalidInput:
            return Reply(text=t("workshop.already_sent", lang), replace_original=False)
        except PlanningError as exc:
            return Reply(text=escape(str(exc)), replace_original=False)
        text, blocks = preview(d, lang)
        return Reply(text=text, blocks=blocks, replace_original=True)
