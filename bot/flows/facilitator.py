"""Facilitator commands: `/match digest now|jetzt`, `/match workshop …`, `/match stats`.

Registered with the router at import as facilitator-only, so the router refuses
others and hides them from their help; the handlers run after the ack on the
worker pool. Who counts as a facilitator is decided in one place,
:meth:`bot.services.Services.is_facilitator`.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from bot.flows.commands import CommandContext, Reply, register_subcommand
from bot.flows.digest import DigestService
from bot.flows.members import Services
from bot.flows.stats import community_stats, render_stats
from bot.flows.workshop import PlanData, WorkshopService
from bot.messages import norm_lang, t
from bot.slack.blocks import (
    MAX_MESSAGE_BLOCKS,
    MAX_MODAL_TITLE,
    Blocks,
    actions,
    button,
    context,
    divider,
    escape,
    fallback,
    input_block,
    limit_blocks,
    option,
    plain,
    radio_buttons,
    section,
    selected_value,
    static_select,
)
from matching.errors import PlanningError
from profiles.errors import InvalidInput, NotFound
from profiles.ids import parse_id, valid_id

log = logging.getLogger(__name__)

WORKSHOP_ACTIONS = ("workshop_reshuffle", "workshop_send", "workshop_send_summary", "workshop_csv")
EDIT_ACTION = "workshop_edit"
EDIT_CALLBACK = "workshop_edit_plan"
EDITS = ("swap", "lock", "unlock")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>|^([CG][A-Z0-9]{6,})$")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|^([UW][A-Z0-9]{4,})$")


@dataclass
class Tools:
    digest: DigestService
    workshop: WorkshopService


@functools.lru_cache(maxsize=16)
def tools(services: Services) -> Tools:
    """The digest and workshop services bound to a bot's Services (one per app)."""
    rt = services.runtime
    return Tools(
        DigestService(rt.store, rt.matcher, services.notifier, rt.settings),
        WorkshopService(rt.store, rt.matcher, services.notifier),
    )


def _refuse(ctx: CommandContext) -> Reply:
    return Reply(text=t("bot.error.facilitator_only", ctx.lang))


# ---------------------------------------------------------------- digest and stats


def digest_command(ctx: CommandContext) -> Reply:
    if not ctx.may_facilitate():  # the router checked already; this is free
        return _refuse(ctx)
    word = ctx.text.strip().lower()
    svc = tools(ctx.services).digest
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


def _dry_lines(planned: list[Any]) -> list[str]:
    from bot.flows.digest import describe_plan

    return describe_plan(planned)


def stats_command(ctx: CommandContext) -> Reply:
    if not ctx.may_facilitate():  # the router checked already; this is free
        return _refuse(ctx)
    text = render_stats(community_stats(ctx.services.store, ctx.team_id), ctx.lang)
    return Reply(text=text, blocks=[section(text)])


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
            args.channel = m.group(1) or m.group(2)
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


def workshop_command(ctx: CommandContext) -> Reply:
    if not ctx.may_facilitate():  # the router checked already; this is free
        return _refuse(ctx)
    try:
        args = parse_workshop(ctx.text)
    except ValueError:
        return Reply(text=t("workshop.usage", ctx.lang))
    svc = tools(ctx.services).workshop
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


def _person(d: PlanData, u: str) -> str:
    org = d.orgs.get(u, "")
    return f"<@{u}>" + (f" ({escape(org)})" if org else "")


def preview(d: PlanData, lang: str) -> tuple[str, Blocks]:
    """The facilitator's preview: each round's groups with reasons, warnings, controls."""
    mode = (
        t("workshop.mode.pairs", lang)
        if d.group_size == 2
        else t("workshop.mode.groups", lang, size=d.group_size)
    )
    channel = f"<#{d.channel}>" if d.channel else "-"
    head = t(
        "workshop.preview.title",
        lang,
        channel=channel,
        people=len(d.people),
        rounds=len(d.rounds),
        mode=mode,
    )
    blocks: Blocks = [section(head)]
    locked = {(r, frozenset((a, b))) for r, a, b in d.locks}
    lines = [head]
    for r, rnd in enumerate(d.rounds):
        rows = [t("workshop.round", lang, n=r + 1)]
        for group in rnd:
            lock = any((r, frozenset((a, b))) in locked for a in group for b in group if a != b)
            why = "; ".join(escape(x) for x in d.group_reasons(group, lang)) or t(
                "workshop.no_reason", lang
            )
            mark = f" {t('workshop.locked', lang)}" if lock else ""
            rows.append(f"• {' + '.join(_person(d, u) for u in group)}{mark}\n   _{why}_")
        # A section holds 3000 characters; long rounds are split over several.
        chunk: list[str] = []
        for row in rows:
            if sum(len(x) + 1 for x in chunk) + len(row) > 2800:
                blocks.append(section("\n".join(chunk)))
                chunk = []
            chunk.append(row)
        if chunk:
            blocks.append(section("\n".join(chunk)))
        lines.extend(rows)
    rep = d.repeated()
    if rep:
        pairs = ", ".join(f"<@{a}> + <@{b}>" for a, b in rep)
        blocks.append(section(t("workshop.repeat_warning", lang, pairs=pairs)))
    if d.without_entries:
        who = ", ".join(f"<@{u}>" for u in d.without_entries)
        blocks.append(context(t("workshop.without_entries", lang, people=who)))
    controls: Blocks = [divider()]
    controls.append(
        context(
            t("workshop.edit.hint", lang) + f"\n`/match workshop swap {d.plan_id} 1 @a @b` · "
            f"`/match workshop lock {d.plan_id} 1 @a @b`"
        )
    )
    value = str(d.plan_id)
    controls.append(
        actions(
            [
                button(t("workshop.btn.edit", lang), EDIT_ACTION, value),
                button(t("workshop.btn.reshuffle", lang), "workshop_reshuffle", value),
                button(t("workshop.btn.csv", lang), "workshop_csv", value),
                button(t("workshop.btn.send", lang), "workshop_send", value, style="primary"),
                button(t("workshop.btn.send_summary", lang), "workshop_send_summary", value),
            ],
            block_id=f"workshop:{d.plan_id}",
        )
    )
    # A long plan is cut before the controls, never through them: without the buttons
    # the facilitator could neither edit nor send it.
    body = limit_blocks(blocks, MAX_MESSAGE_BLOCKS - len(controls), t("bot.more_not_shown", lang))
    return fallback("\n".join(lines)), body + controls


def _plan_id(value: str, lang: str) -> int | Reply:
    """The plan id in a button's value, or the answer to a value that cannot be one."""
    if not (value.isascii() and value.isdigit()):
        return Reply(text=t("bot.error.stale_button", lang), replace_original=False)
    plan_id = parse_id(value)
    if plan_id is None:
        return Reply(text=t("workshop.unknown_plan", lang), replace_original=False)
    return plan_id


def workshop_action(
    services: Services, team_id: str, user_id: str, action_id: str, value: str, lang: str
) -> Reply:
    """A click on one of the preview's buttons; facilitators only, their own team's plans."""
    if not services.is_facilitator(team_id, user_id):
        return Reply(text=t("bot.error.facilitator_only", lang), replace_original=False)
    plan_id = _plan_id(value, lang)
    if isinstance(plan_id, Reply):
        return plan_id
    svc = tools(services).workshop
    if action_id == "workshop_reshuffle":
        text, blocks = preview(svc.reshuffle(team_id, plan_id), lang)
        return Reply(text=text, blocks=blocks, replace_original=True)
    if action_id == "workshop_csv":
        d = svc.load(team_id, plan_id)
        svc.upload_csv(d, d.channel or user_id, lang)
        return Reply(text=t("workshop.csv_uploaded", lang), replace_original=False)
    if action_id in ("workshop_send", "workshop_send_summary"):
        d = svc.load(team_id, plan_id)
        if d.status != "draft":
            return Reply(text=t("workshop.already_sent", lang), replace_original=False)
        r = svc.send(team_id, plan_id, lang, summary=action_id == "workshop_send_summary")
        text = t(
            "workshop.sent", lang, groups=r.groups, invites=r.invites, failed=len(r.failed or [])
        )
        return Reply(text=text, replace_original=True)
    return Reply(text=t("bot.error.stale_button", lang), replace_original=False)


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


def _person_options(d: PlanData) -> list[dict[str, Any]]:
    """Participants by display name, sorted; the organisation (or, for namesakes in
    one organisation, the Slack id) tells people with the same name apart."""
    labels = {u: d.name(u) + (f" ({d.orgs[u]})" if d.orgs.get(u) else "") for u in d.people}
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    for u, label in labels.items():
        if seen[label] > 1:
            labels[u] = f"{label} · {u}"
    ordered = sorted(d.people, key=lambda u: (labels[u].casefold(), u))
    return [option(labels[u], u) for u in ordered]


def edit_modal(d: PlanData, lang: str, response_url: str = "") -> dict[str, Any]:
    """The modal to swap, lock or unlock two participants in one round of a draft plan.

    ``private_metadata`` carries the plan, the language the modal speaks (so the
    submission is validated without a language lookup) and the response URL of the
    preview it was opened from, so the preview can be redrawn in place afterwards.
    """
    rounds = [
        option(f"{t('workshop.edit.round', lang)} {n}", str(n)) for n in range(1, len(d.rounds) + 1)
    ]
    people = _person_options(d)
    edits = [option(t(f"workshop.btn.{e}", lang), e) for e in EDITS]
    pick = t("workshop.edit.pick", lang)
    meta = {"plan": d.plan_id, "lang": lang, "url": response_url}
    if len(json.dumps(meta)) > 3000:  # Slack's cap on private_metadata
        meta["url"] = ""
    return {
        "type": "modal",
        "callback_id": EDIT_CALLBACK,
        "private_metadata": json.dumps(meta),
        "title": plain(t("workshop.edit.title", lang), MAX_MODAL_TITLE),
        "submit": plain(t("workshop.edit.submit", lang), MAX_MODAL_TITLE),
        "close": plain(t("bot.modal.cancel", lang), MAX_MODAL_TITLE),
        "blocks": [
            context(t("workshop.edit.intro", lang)),
            input_block(
                "round",
                t("workshop.edit.round", lang),
                static_select(rounds, initial_value="1"),
            ),
            input_block(
                "person_a",
                t("workshop.edit.person_a", lang),
                static_select(people, placeholder=pick),
            ),
            input_block(
                "person_b",
                t("workshop.edit.person_b", lang),
                static_select(people, placeholder=pick),
            ),
            input_block(
                "action",
                t("workshop.edit.action", lang),
                radio_buttons(edits, initial_value="swap"),
            ),
        ],
    }


def read_edit(view: dict[str, Any]) -> WorkshopEdit:
    """The typed form of a submitted edit modal; unreadable parts become None."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    values = (view.get("state") or {}).get("values") or {}
    plan = meta.get("plan")
    round_no = selected_value(values, "round")
    url = meta.get("url")
    return WorkshopEdit(
        plan_id=plan if valid_id(plan) else 0,
        lang=norm_lang(meta.get("lang") if isinstance(meta.get("lang"), str) else None),
        response_url=url if isinstance(url, str) else "",
        round_index=int(round_no) - 1 if round_no and round_no.isdigit() else None,
        a=selected_value(values, "person_a"),
        b=selected_value(values, "person_b"),
        action=selected_value(values, "action"),
    )


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


def open_edit(
    services: Services, team_id: str, user_id: str, value: str, response_url: str, lang: str
) -> Reply:
    """The preview's edit button: the modal for facilitators, a short refusal otherwise.

    Only one cached check and one row read come before the modal, so it opens well
    within the trigger id's 3 seconds.
    """
    if not services.is_facilitator(team_id, user_id):
        return Reply(text=t("bot.error.facilitator_only", lang), replace_original=False)
    plan_id = _plan_id(value, lang)
    if isinstance(plan_id, Reply):
        return plan_id
    d = tools(services).workshop.load(team_id, plan_id)
    if d.status != "draft":
        return Reply(text=t("workshop.already_sent", lang), replace_original=False)
    return Reply(text="", view=edit_modal(d, lang, response_url))


def check_edit(
    services: Services, team_id: str, user_id: str, edit: WorkshopEdit
) -> dict[str, str]:
    """Errors to show in the modal; runs before the ack, so one check and one row read."""
    if not services.is_facilitator(team_id, user_id):
        return {"action": t("bot.error.facilitator_only", edit.lang)}
    if not valid_id(edit.plan_id):
        return {"action": t("workshop.unknown_plan", edit.lang)}
    d = tools(services).workshop.load(team_id, edit.plan_id)
    return edit_errors(d, edit)


def apply_edit(services: Services, team_id: str, edit: WorkshopEdit) -> Reply:
    """Apply an edit that :func:`check_edit` accepted; the answer is the redrawn preview.

    The plan may have been sent or edited by someone else since the check, so the
    service's own refusals still become polite replies here.
    """
    lang = edit.lang
    assert edit.round_index is not None and edit.a is not None and edit.b is not None
    svc = tools(services).workshop
    apply = {"swap": svc.swap, "lock": svc.lock, "unlock": svc.unlock}[str(edit.action)]
    try:
        d = apply(team_id, edit.plan_id, edit.round_index, edit.a, edit.b)
    except InvalidInput:
        return Reply(text=t("workshop.already_sent", lang), replace_original=False)
    except PlanningError as exc:
        return Reply(text=escape(str(exc)), replace_original=False)
    text, blocks = preview(d, lang)
    return Reply(text=text, blocks=blocks, replace_original=True)


register_subcommand(
    ("digest", "zusammenfassung"), digest_command, help_key="digest.help", facilitator_only=True
)
register_subcommand(
    ("workshop",), workshop_command, help_key="workshop.help", facilitator_only=True
)
register_subcommand(
    ("stats", "statistik"), stats_command, help_key="stats.help", facilitator_only=True
)
