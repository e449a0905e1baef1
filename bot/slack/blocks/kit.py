"""Block Kit primitives (sections, buttons, selects), escaping and Slack's limits.

Everything a member wrote is passed through :func:`escape` before it lands in a
``mrkdwn`` field or a message's fallback ``text``, so a description containing
``<!channel>`` or ``<@U123>`` is shown, not executed. Slack's limits are enforced
here, once, rather than trusted to callers: 50 blocks per message, 100 per view,
3000 characters per section text, 2000 per context element, 75 per button label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

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
