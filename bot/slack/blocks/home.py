"""The App Home tab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.messages import t
from bot.slack.blocks.kit import (
    MAX_VIEW_BLOCKS,
    Blocks,
    actions,
    button,
    context,
    divider,
    header,
    input_block,
    limit_blocks,
    option,
    section,
)
from bot.slack.blocks.profile import entry_summary
from bot.slack.blocks.suggestions import suggestion_blocks
from matching.service import Suggestion
from profiles.repo import ORG_MAX_CHARS

HOME_ORG_ACTION = "home_organisation"


def organisation_input(organisation: str, lang: str) -> dict[str, Any]:
    """A text field that reports on Enter (a home tab has no submit button)."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": HOME_ORG_ACTION,
        "max_length": ORG_MAX_CHARS,
        "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
    }
    if organisation:
        element["initial_value"] = organisation[:ORG_MAX_CHARS]
    block = input_block(
        HOME_ORG_ACTION,
        t("bot.home.organisation", lang),
        element,
        optional=True,
        hint=t("bot.home.organisation_hint", lang),
    )
    block["dispatch_action"] = True
    return block


def home_view(
    lang: str,
    *,
    entries: Sequence[tuple[int, str, str, str]],
    suggestions: Sequence[Suggestion],
    cadence: str,
    opted_in: bool,
    organisation: str = "",
    organisation_suggested: bool = False,
    pause_note: str = "",
) -> dict[str, Any]:
    """The App Home tab: settings, the member's entries, current suggestions.

    ``organisation`` fills the organisation field; ``organisation_suggested`` says it
    is only the Slack profile's offer, not stored until the member presses Enter.
    """
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
        *([context(pause_note)] if pause_note else []),
        organisation_input(organisation, lang),
    ]
    if organisation_suggested:
        blocks.append(context(t("bot.home.organisation_suggested", lang)))
    blocks += [
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
