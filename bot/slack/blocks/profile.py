"""The member's entries and the confirmation prompts."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import t
from bot.slack.blocks.kit import (
    MAX_MESSAGE_BLOCKS,
    Blocks,
    actions,
    button,
    context,
    escape,
    limit_blocks,
    section,
)
from matching.text import shorten


def entry_summary(title: str, description: str, kind: str, lang: str) -> str:
    kind_label = t(f"bot.kind.{kind}", lang) if kind in ("project", "dataset") else kind
    head = f"*{escape(shorten(title, 150))}*" if title else f"*{t('bot.untitled', lang)}*"
    body = escape(shorten(description, 400)) if description and description != title else ""
    return f"{head} · {kind_label}" + (f"\n{body}" if body else "")


def profile_blocks(
    entries: Sequence[tuple[int, str, str, str]], lang: str, organisation: str = ""
) -> tuple[str, Blocks]:
    """The member's organisation and own entries (id, title, description, kind), each
    entry with edit and delete."""
    org_key = "bot.profile.organisation" if organisation else "bot.profile.no_organisation"
    org_block = context(t(org_key, lang, organisation=escape(organisation)))
    if not entries:
        text = t("bot.profile.empty", lang)
        return text, [section(text), org_block]
    blocks: Blocks = [section(t("bot.profile.intro", lang, n=len(entries))), org_block]
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
