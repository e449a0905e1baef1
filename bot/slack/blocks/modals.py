"""The describe / edit modal; long descriptions spread over several inputs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.messages import t
from bot.slack.blocks.kit import (
    MAX_MODAL_TITLE,
    MAX_OPTIONS,
    context,
    escape,
    input_block,
    option,
    plain,
)
from matching.taxonomy import GROUPS, group_label, tool_name
from profiles.repo import ORG_MAX_CHARS

DESCRIBE_CALLBACK = "describe_entry"
# Slack's limit for one plain_text_input; longer descriptions span several inputs.
MAX_INPUT_CHARS = 3000
TITLE_MAX_CHARS = 300
DESCRIPTION_BLOCK = "description"
ORG_BLOCK = "organisation"
# Joining parts back needs the character the split removed; a part typed into an
# empty continuation field starts a new paragraph.
_DEFAULT_JOIN = "\n"
_JOINS = ("", " ", "\n")


def description_block_ids(count: int) -> list[str]:
    return [DESCRIPTION_BLOCK, *(f"{DESCRIPTION_BLOCK}_{i}" for i in range(2, count + 1))]


def split_description(text: str, limit: int = MAX_INPUT_CHARS) -> tuple[list[str], list[str]]:
    """``text`` in parts of at most ``limit`` characters, and the character between each
    two parts, so that :func:`join_description` gives back exactly ``text``.

    Parts end at a paragraph if one ends in the last third, else at a space; only a
    text without either is cut mid-word.
    """
    parts: list[str] = []
    joins: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 1, limit + 1)
        if cut < limit * 2 // 3:
            cut = max(cut, rest.rfind(" ", 1, limit + 1))
        if cut < 1:
            parts.append(rest[:limit])
            joins.append("")
            rest = rest[limit:]
            continue
        parts.append(rest[:cut])
        joins.append(rest[cut])
        rest = rest[cut + 1 :]
    parts.append(rest)
    return parts, joins


def join_description(parts: Sequence[str], joins: Sequence[str]) -> str:
    """The description typed into the modal's parts, as one text (empty parts skipped)."""
    text = parts[0] if parts else ""
    for i, part in enumerate(parts[1:]):
        if not part.strip():
            continue
        join = joins[i] if i < len(joins) and joins[i] in _JOINS else _DEFAULT_JOIN
        text = f"{text}{join}{part}" if text.strip() else part
    return text


def describe_modal(
    lang: str,
    *,
    entry_id: int | None = None,
    title: str = "",
    description: str = "",
    kind: str = "project",
    groups: Sequence[str] = (),
    tools: Sequence[str] = (),
    looking_for: str = "",
    max_chars: int = MAX_INPUT_CHARS,
    organisation: str | None = None,
) -> dict[str, Any]:
    """The describe/edit modal; ``private_metadata`` carries the entry id when editing.

    ``organisation`` (None: not asked) adds an optional field for the member's
    organisation, pre-filled with it.

    The description gets as many inputs as ``max_chars`` (or the stored text, if longer)
    needs, so an entry opened for editing is shown whole and saved unchanged. A stored
    field that cannot fit is shortened in the form and the member is told so above it.
    """
    group_options = [option(group_label(g.key, lang), g.key) for g in GROUPS][:MAX_OPTIONS]
    kinds = [
        option(t("bot.kind.project", lang), "project"),
        option(t("bot.kind.dataset", lang), "dataset"),
    ]
    kind_element: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": kinds,
        "initial_option": kinds[1] if kind == "dataset" else kinds[0],
    }
    groups_element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": "value",
        "options": group_options,
        "placeholder": plain(t("bot.modal.groups_placeholder", lang), 150),
    }
    chosen = [o for o in group_options if o["value"] in set(groups)]
    if chosen:
        groups_element["initial_options"] = chosen

    too_long: list[str] = []

    def text_el(
        initial: str, label: str, *, multiline: bool = False, max_length: int = 300
    ) -> dict[str, Any]:
        # Room for what is stored even where new input is held shorter; Slack
        # refuses an initial value longer than max_length.
        max_length = min(max(max_length, len(initial)), MAX_INPUT_CHARS)
        el: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": multiline,
            "max_length": max_length,
        }
        if len(initial) > max_length:
            too_long.append(label)
        if initial:
            el["initial_value"] = initial[:max_length]
        return el

    parts, joins = split_description(description)
    count = max(len(parts), -(-max_chars // MAX_INPUT_CHARS))
    parts += [""] * (count - len(parts))
    label = t("bot.modal.description_label", lang)
    more_label = t("bot.modal.description_more_label", lang)
    description_blocks = [
        input_block(
            block_id,
            label if i == 0 else more_label,
            text_el(
                part,
                label,
                multiline=True,
                max_length=min(max_chars, MAX_INPUT_CHARS) if count == 1 else MAX_INPUT_CHARS,
            ),
            optional=i > 0,
            hint=t(
                "bot.modal.description_hint" if i == 0 else "bot.modal.description_more_hint", lang
            ),
        )
        for i, (block_id, part) in enumerate(zip(description_block_ids(count), parts, strict=True))
    ]
    title_label = t("bot.modal.title_label", lang)
    tools_label = t("bot.modal.tools_label", lang)
    looking_label = t("bot.modal.looking_for_label", lang)
    blocks = [
        input_block("title", title_label, text_el(title, title_label, max_length=TITLE_MAX_CHARS)),
        *description_blocks,
        input_block("kind", t("bot.modal.kind_label", lang), kind_element),
        input_block("groups", t("bot.modal.groups_label", lang), groups_element, optional=True),
        input_block(
            "tools",
            tools_label,
            text_el(", ".join(tool_name(x) for x in tools), tools_label),
            optional=True,
            hint=t("bot.modal.tools_hint", lang),
        ),
        input_block(
            "looking_for",
            looking_label,
            text_el(looking_for, looking_label, multiline=True, max_length=1000),
            optional=True,
        ),
    ]
    if organisation is not None:
        org_label = t("bot.modal.organisation_label", lang)
        blocks.append(
            input_block(
                ORG_BLOCK,
                org_label,
                text_el(organisation, org_label, max_length=ORG_MAX_CHARS),
                optional=True,
                hint=t("bot.modal.organisation_hint", lang),
            )
        )
    if too_long:
        warning = t("bot.modal.cut_warning", lang, fields=", ".join(too_long))
        blocks.insert(0, context(escape(warning)))
    meta: dict[str, Any] = {"entry_id": entry_id, "lang": lang}
    if joins:
        meta["joins"] = joins
    return {
        "type": "modal",
        "callback_id": DESCRIBE_CALLBACK,
        "private_metadata": json.dumps(meta),
        "title": plain(t("bot.modal.title", lang), MAX_MODAL_TITLE),
        "submit": plain(t("bot.modal.submit", lang), MAX_MODAL_TITLE),
        "close": plain(t("bot.modal.cancel", lang), MAX_MODAL_TITLE),
        "blocks": blocks,
    }


# ---------------------------------------------------------------- App Home
