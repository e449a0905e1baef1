"""The digest DM and the stale-entry nudge."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import t
from bot.slack.blocks.kit import (
    MAX_MESSAGE_BLOCKS,
    Blocks,
    actions,
    button,
    context,
    divider,
    escape,
    fallback,
    limit_blocks,
    section,
)
from bot.slack.blocks.suggestions import suggestion_blocks, suggestion_plain
from matching.service import Suggestion
from matching.text import shorten


def render_digest(
    lang: str,
    name: str,
    cadence: str,
    suggestions: Sequence[Suggestion],
    new_entries: Sequence[tuple[str, str]],
) -> tuple[str, Blocks]:
    """The digest DM: intro, each suggestion with reasons and buttons, what is new."""
    who = escape(name or "")
    intro = t("digest.intro" if suggestions else "digest.intro.none", lang, name=who)
    blocks: Blocks = [section(intro)]
    lines = [intro]
    for x in suggestions:
        blocks.append(divider())
        blocks.extend(suggestion_blocks(x, lang, source="digest"))
        lines.append(f"• {suggestion_plain(x, lang)}")
    if new_entries:
        items = [
            "• " + t("digest.new.item", lang, title=escape(shorten(title, 100)), name=escape(owner))
            for title, owner in new_entries
        ]
        blocks.append(divider())
        blocks.append(section("\n".join([t("digest.new", lang), *items])))
        lines.append(t("digest.new", lang))
        lines.extend(items)
    cad = t(f"digest.cadence.{cadence}", lang)
    blocks.append(context(t("digest.footer", lang, cadence=cad)))
    return fallback("\n".join(lines)), limit_blocks(blocks, MAX_MESSAGE_BLOCKS)


def stale_message(entry_id: int, title: str, lang: str) -> tuple[str, Blocks]:
    text = t("digest.stale", lang, title=escape(shorten(title, 120)))
    value = str(entry_id)
    return fallback(text), [
        section(text),
        actions(
            [
                button(t("digest.stale.current", lang), "stale_current", value, style="primary"),
                button(t("digest.stale.archive", lang), "stale_archive", value),
            ],
            block_id=f"stale:{entry_id}",
        ),
    ]
