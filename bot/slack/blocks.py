"""Block Kit rendering: pure functions from domain objects to Slack JSON.

Everything a member wrote is passed through :func:`escape` before it lands in a
``mrkdwn`` field or a message's fallback ``text``, so a description containing
``<!channel>`` or ``<@U123>`` is shown, not executed. Slack's limits are enforced
here, once, rather than trusted to callers: 50 blocks per message, 100 per view,
3000 characters per section text, 2000 per context element, 75 per button label.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from bot.messages import t
from bot.messages.reasons import reason_texts
from matching.service import Suggestion
from matching.taxonomy import GROUPS, group_label, tool_name
from matching.text import shorten

Block = dict[str, Any]
Blocks = list[Block]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_CHARS = 3000
MAX_CONTEXT_CHARS = 2000
MAX_BUTTON_CHARS = 75
MAX_HEADER_CHARS = 150
MAX_OPTION_CHARS = 75
MAX_OPTIONS = 100
MAX_MODAL_TITLE = 24
# The message `text` fallback: Slack truncates beyond 40 000 characters; notifications
# only show the start anyway.
MAX_FALLBACK_CHARS = 3000

SUGGESTION_ACTIONS = (
    "suggestion_connect",
    "suggestion_not_relevant",
    "suggestion_known",
    "digest_pause",
)


def escape(text: str) -> str:
    """Slack mrkdwn escaping: only &, < and > are control characters.

    Escaping ``<`` is what defuses ``<!channel>``, ``<!here>`` and ``<@U…>``: Slack only
    treats the angle-bracket form as a mention, never ``&lt;!channel&gt;``.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cap(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut.

    Applied after escaping, so an entity may be cut in half; Slack then shows the
    fragment literally, which is harmless.
    """
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


# ---------------------------------------------------------------- primitives


def plain(text: str, limit: int = MAX_SECTION_CHARS) -> dict[str, Any]:
    return {"type": "plain_text", "text": cap(text or " ", limit), "emoji": True}


def mrkdwn(text: str, limit: int = MAX_SECTION_CHARS) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": cap(text or " ", limit)}


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    """A section of ready-made mrkdwn (callers escape members' text themselves)."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id[:255]
    if accessory:
        block["accessory"] = accessory
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER_CHARS)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text, MAX_CONTEXT_CHARS)]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    label: str, action_id: str, value: str = "", *, style: str | None = None
) -> dict[str, Any]:
    b: dict[str, Any] = {
        "type": "button",
        "text": plain(label, MAX_BUTTON_CHARS),
        "action_id": action_id,
    }
    if value:
        b["value"] = value[:2000]
    if style:
        b["style"] = style
    return b


def actions(elements: list[dict[str, Any]], *, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": elements[:25]}
    if block_id:
        block["block_id"] = block_id[:255]
    return block


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, MAX_OPTION_CHARS), "value": value[:150]}


def static_select(
    options: Sequence[dict[str, Any]],
    *,
    action_id: str = "value",
    placeholder: str = "",
    initial_value: str | None = None,
) -> dict[str, Any]:
    """A static_select over any number of options up to 100 × 100.

    Slack takes at most 100 ``options``; longer lists go into ``option_groups`` of 100
    each, labelled by their first and last entry, so the list stays in order and the
    type-ahead still finds every entry.
    """
    el: dict[str, Any] = {"type": "static_select", "action_id": action_id}
    if len(options) <= MAX_OPTIONS:
        el["options"] = list(options)
    else:
        chunks = [options[i : i + MAX_OPTIONS] for i in range(0, len(options), MAX_OPTIONS)]
        el["option_groups"] = [
            {
                "label": plain(
                    f"{cap(c[0]['text']['text'], 36)} – {cap(c[-1]['text']['text'], 36)}",
                    MAX_OPTION_CHARS,
                ),
                "options": list(c),
            }
            for c in chunks[:MAX_OPTIONS]
        ]
    if placeholder:
        el["placeholder"] = plain(placeholder, 150)
    initial = next((o for o in options if o["value"] == initial_value), None)
    if initial is not None:
        el["initial_option"] = initial
    return el


def radio_buttons(
    options: Sequence[dict[str, Any]], *, action_id: str = "value", initial_value: str | None = None
) -> dict[str, Any]:
    el: dict[str, Any] = {"type": "radio_buttons", "action_id": action_id, "options": options[:10]}
    initial = next((o for o in options if o["value"] == initial_value), None)
    if initial is not None:
        el["initial_option"] = initial
    return el


def selected_value(values: dict[str, Any], block_id: str, action_id: str = "value") -> str | None:
    """The value chosen in a single-choice input of a submitted view's state."""
    field = (values.get(block_id) or {}).get(action_id) or {}
    chosen = field.get("selected_option") if isinstance(field, dict) else None
    value = chosen.get("value") if isinstance(chosen, dict) else None
    return value if isinstance(value, str) and value else None


def limit_blocks(blocks: Sequence[Block], limit: int, note: str = "") -> Blocks:
    """Keep at most ``limit`` blocks; when cutting, the last one says so."""
    if len(blocks) <= limit:
        return list(blocks)
    keep = list(blocks[: limit - 1])
    keep.append(context(note or "…"))
    return keep


def fallback(text: str) -> str:
    """The notification text of a message: escaped by the caller, capped here."""
    return cap(text, MAX_FALLBACK_CHARS)


# ---------------------------------------------------------------- suggestions


def action_value(other_user_id: str, entry_id: int, source: str) -> str:
    return json.dumps({"u": other_user_id, "e": entry_id, "s": source}, separators=(",", ":"))


def parse_action_value(value: str) -> tuple[str, int, str]:
    """The (other user, entry, source) in a suggestion button; ValueError if malformed."""
    data = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    user, entry, source = data.get("u"), data.get("e"), data.get("s", "instant")
    if not isinstance(user, str) or not user or not isinstance(entry, int):
        raise ValueError("bad suggestion reference")
    return user, entry, str(source)


def suggestion_text(s: Suggestion, lang: str) -> str:
    """The mrkdwn body of one suggestion: who, their entry, and why."""
    who = f"*{escape(s.display_name or s.user_id)}*"
    if s.organisation:
        who += f" ({escape(s.organisation)})"
    lines = [who]
    if s.entry_title:
        lines.append(f"_{escape(shorten(s.entry_title, 150))}_")
    reasons = reason_texts(s, lang)
    if reasons:
        lines.append(t("bot.suggestion.why", lang))
        lines.extend(f"• {escape(r)}" for r in reasons)
    return "\n".join(lines)


def suggestion_blocks(s: Suggestion, lang: str, *, source: str = "instant") -> Blocks:
    """One suggestion: a section with name, organisation, entry title and reasons, then
    the buttons connect / not relevant / known / pause digest."""
    value = action_value(s.user_id, s.entry_id, source)
    return [
        section(suggestion_text(s, lang), block_id=f"sg:{source}:{s.user_id}:{s.entry_id}"),
        actions(
            [
                button(t("bot.btn.connect", lang), "suggestion_connect", value, style="primary"),
                button(t("bot.btn.not_relevant", lang), "suggestion_not_relevant", value),
                button(t("bot.btn.known", lang), "suggestion_known", value),
                button(t("bot.btn.pause", lang), "digest_pause", value),
            ],
            block_id=f"sa:{source}:{s.user_id}:{s.entry_id}",
        ),
    ]


def suggestion_plain(s: Suggestion, lang: str) -> str:
    """A suggestion as escaped fallback text (notifications, console)."""
    org = f" ({escape(s.organisation)})" if s.organisation else ""
    head = f"{escape(s.display_name or s.user_id)}{org}"
    if s.entry_title:
        head += f" · {escape(shorten(s.entry_title, 80))}"
    return head


def suggestions_message(
    suggestions: Sequence[Suggestion],
    lang: str,
    *,
    intro: str,
    source: str = "instant",
    empty_key: str = "bot.suggest.none",
) -> tuple[str, Blocks]:
    """An intro line (already mrkdwn) and one block pair per suggestion, within limits."""
    blocks: Blocks = [section(intro)]
    if not suggestions:
        blocks.append(context(t(empty_key, lang)))
        return fallback(f"{intro}\n{t(empty_key, lang)}"), blocks
    for s in suggestions:
        blocks.append(divider())
        blocks.extend(suggestion_blocks(s, lang, source=source))
    text = intro + "\n" + "\n".join(f"• {suggestion_plain(s, lang)}" for s in suggestions)
    return fallback(text), limit_blocks(blocks, MAX_MESSAGE_BLOCKS, t("bot.more_not_shown", lang))


def intro_message(
    me: str, other: str, reasons: Iterable[str], lang: str, title: str = ""
) -> tuple[str, Blocks]:
    """The first message in a group DM the bot opens for two members."""
    lines = [t("bot.connect.intro", lang, a=f"<@{me}>", b=f"<@{other}>")]
    if title:
        lines.append(t("bot.connect.about", lang, title=escape(shorten(title, 150))))
    rs = [f"• {escape(r)}" for r in reasons]
    if rs:
        lines.append(t("bot.suggestion.why", lang))
        lines.extend(rs)
    lines.append(t("bot.connect.outro", lang))
    text = "\n".join(lines)
    return fallback(text), [section(text)]


# ---------------------------------------------------------------- entries and profile


def entry_summary(title: str, description: str, kind: str, lang: str) -> str:
    kind_label = t(f"bot.kind.{kind}", lang) if kind in ("project", "dataset") else kind
    head = f"*{escape(shorten(title, 150))}*" if title else f"*{t('bot.untitled', lang)}*"
    body = escape(shorten(description, 400)) if description and description != title else ""
    return f"{head} · {kind_label}" + (f"\n{body}" if body else "")


def profile_blocks(entries: Sequence[tuple[int, str, str, str]], lang: str) -> tuple[str, Blocks]:
    """The member's own entries (id, title, description, kind), each with edit and delete."""
    if not entries:
        text = t("bot.profile.empty", lang)
        return text, [section(text)]
    blocks: Blocks = [section(t("bot.profile.intro", lang, n=len(entries)))]
    for entry_id, title, description, kind in entries:
        blocks.append(section(entry_summary(title, description, kind, lang)))
        blocks.append(
            actions(
                [
                    button(t("bot.btn.edit", lang), "entry_edit", str(entry_id)),
                    button(
                        t("bot.btn.delete", lang), "entry_delete", str(entry_id), style="danger"
                    ),
                ],
                block_id=f"entry:{entry_id}",
            )
        )
    text = t("bot.profile.intro", lang, n=len(entries))
    return text, limit_blocks(blocks, MAX_MESSAGE_BLOCKS, t("bot.more_not_shown", lang))


def confirm_blocks(
    text: str, yes_label: str, yes_action: str, no_label: str, no_action: str, value: str = "1"
) -> Blocks:
    return [
        section(text),
        actions(
            [
                button(yes_label, yes_action, value, style="danger"),
                button(no_label, no_action, value),
            ],
            block_id="confirm",
        ),
    ]


def text_blocks(text: str) -> Blocks:
    """Plain mrkdwn in sections of at most 3000 characters (long help texts)."""
    blocks: Blocks = []
    chunk = ""
    for line in text.split("\n"):
        if len(chunk) + len(line) + 1 > MAX_SECTION_CHARS and chunk:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return limit_blocks(blocks, MAX_MESSAGE_BLOCKS)


# ---------------------------------------------------------------- modal


DESCRIBE_CALLBACK = "describe_entry"
# Slack's limit for one plain_text_input; longer descriptions span several inputs.
MAX_INPUT_CHARS = 3000
TITLE_MAX_CHARS = 300
DESCRIPTION_BLOCK = "description"
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


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


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
) -> dict[str, Any]:
    """The describe/edit modal; ``private_metadata`` carries the entry id when editing.

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


def home_view(
    lang: str,
    *,
    entries: Sequence[tuple[int, str, str, str]],
    suggestions: Sequence[Suggestion],
    cadence: str,
    opted_in: bool,
) -> dict[str, Any]:
    """The App Home tab: settings, the member's entries, current suggestions."""
    langs = [option("Deutsch", "de"), option("English", "en")]
    cadences = [
        option(t(f"bot.cadence.{c}", lang), c) for c in ("weekly", "biweekly", "monthly", "paused")
    ]
    current_cadence = cadence if opted_in else "paused"
    blocks: Blocks = [
        header(t("bot.home.title", lang)),
        section(t("bot.home.intro", lang)),
        actions(
            [button(t("bot.btn.describe", lang), "home_describe", style="primary")],
            block_id="home_describe",
        ),
        divider(),
        header(t("bot.home.settings", lang)),
        section(
            t("bot.home.language", lang),
            block_id="home_language",
            accessory={
                "type": "static_select",
                "action_id": "home_language",
                "options": langs,
                "initial_option": langs[1] if lang == "en" else langs[0],
            },
        ),
        section(
            t("bot.home.cadence", lang),
            block_id="home_cadence",
            accessory={
                "type": "static_select",
                "action_id": "home_cadence",
                "options": cadences,
                "initial_option": next(
                    (o for o in cadences if o["value"] == current_cadence), cadences[0]
                ),
            },
        ),
        divider(),
        header(t("bot.home.entries", lang)),
    ]
    if not entries:
        blocks.append(context(t("bot.profile.empty", lang)))
    for entry_id, title, description, kind in entries[:15]:
        blocks.append(
            section(
                entry_summary(title, description, kind, lang),
                accessory=button(t("bot.btn.edit", lang), "entry_edit", str(entry_id)),
            )
        )
    blocks.append(divider())
    blocks.append(header(t("bot.home.suggestions", lang)))
    if not suggestions:
        blocks.append(context(t("bot.suggest.none", lang)))
    for s in suggestions[:10]:
        blocks.extend(suggestion_blocks(s, lang, source="home"))
    return {
        "type": "home",
        "blocks": limit_blocks(blocks, MAX_VIEW_BLOCKS, t("bot.more_not_shown", lang)),
    }


def blocks_to_text(blocks: Iterable[Block]) -> str:
    """A rough plain-text rendering of blocks, for the console."""
    out: list[str] = []
    for b in blocks:
        kind = b.get("type")
        if kind in ("section", "header"):
            out.append(str(b.get("text", {}).get("text", "")))
        elif kind == "context":
            out.append("  " + " ".join(str(e.get("text", "")) for e in b.get("elements", [])))
        elif kind == "actions":
            labels = [str(e.get("text", {}).get("text", "")) for e in b.get("elements", [])]
            out.append("  [" + "] [".join(labels) + "]")
        elif kind == "divider":
            out.append("  ―――")
    return "\n".join(out)
