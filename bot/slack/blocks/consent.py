"""The invitation an imported member gets: exactly what was imported, and three buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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

CONSENT_ACTIONS = ("consent_accept", "consent_edit", "consent_delete")


@dataclass(frozen=True)
class ImportedEntry:
    """One imported entry, every field the import stored (shown in full, not summarised)."""

    title: str
    description: str
    kind: str
    target_groups: Sequence[str] = ()
    tools: Sequence[str] = ()
    region: str = ""
    looking_for: Sequence[str] = ()


def _entry_text(e: ImportedEntry, lang: str) -> str:
    kind = t(f"bot.kind.{e.kind}", lang) if e.kind in ("project", "dataset") else e.kind
    lines = [f"*{escape(e.title) or t('bot.untitled', lang)}* · {kind}"]
    if e.description and e.description != e.title:
        lines.append(escape(e.description))
    for key, values in (
        ("consent.field.groups", e.target_groups),
        ("consent.field.tools", e.tools),
        ("consent.field.looking_for", e.looking_for),
    ):
        if values:
            lines.append(t(key, lang, values=escape(", ".join(values))))
    if e.region:
        lines.append(t("consent.field.region", lang, values=escape(e.region)))
    return "\n".join(lines)


def invitation_message(
    name: str, organisation: str, entries: Sequence[ImportedEntry], lang: str
) -> tuple[str, Blocks]:
    """Fallback text and blocks of the one invitation DM."""
    text = t("consent.invite.intro", lang)
    about = t(
        "consent.invite.about",
        lang,
        name=escape(name),
        organisation=escape(organisation) or "–",
    )
    blocks: Blocks = [section(text), section(about)]
    blocks.extend(section(_entry_text(e, lang)) for e in entries)
    blocks.append(context(t("consent.invite.until", lang)))
    blocks.append(
        actions(
            [
                button(t("consent.btn.accept", lang), "consent_accept", "1", style="primary"),
                button(t("consent.btn.edit", lang), "consent_edit", "1"),
                button(t("consent.btn.delete", lang), "consent_delete", "1", style="danger"),
            ],
            block_id="consent",
        )
    )
    # The buttons come last: if the entries overflow, the cut happens above them.
    head, buttons = blocks[:-1], blocks[-1]
    return text, [
        *limit_blocks(head, MAX_MESSAGE_BLOCKS - 1, t("bot.more_not_shown", lang)),
        buttons,
    ]
