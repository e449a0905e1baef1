"""The facilitator's workshop preview and its edit modal."""

from __future__ import annotations

import json
from typing import Any

from bot.flows.workshop import EDITS, PlanData
from bot.messages import t
from bot.slack.blocks.kit import (
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
    static_select,
)

WORKSHOP_ACTIONS = ("workshop_reshuffle", "workshop_send", "workshop_send_summary", "workshop_csv")
EDIT_ACTION = "workshop_edit"
EDIT_CALLBACK = "workshop_edit_plan"


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
    if d.awaiting:
        who = ", ".join(f"<@{u}>" for u in d.awaiting)
        blocks.append(context(t("workshop.awaiting", lang, people=who)))
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
