"""Suggestions: one per partner with reasons and buttons, and the intro of a group DM."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from bot.messages import t
from bot.messages.reasons import reason_texts
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
from matching.service import Suggestion
from matching.text import shorten


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
    me: str,
    other: str,
    reasons: Iterable[str],
    lang: str,
    title: str = "",
    *,
    starter: str = "",
    opener: str = "",
) -> tuple[str, Blocks]:
    """The first message in a group DM the bot opens for two members.

    With a ``starter`` it names who begins and suggests a first message to the other
    one, built from ``opener`` (a reason both share) when there is one.
    """
    lines = [t("bot.connect.intro", lang, a=f"<@{me}>", b=f"<@{other}>")]
    if title:
        lines.append(t("bot.connect.about", lang, title=escape(shorten(title, 150))))
    rs = [f"• {escape(r)}" for r in reasons]
    if rs:
        lines.append(t("bot.suggestion.why", lang))
        lines.extend(rs)
    if starter in (me, other):
        addressee = f"<@{other if starter == me else me}>"
        lines.append(t("bot.connect.starter", lang, starter=f"<@{starter}>"))
        if opener:
            lines.append(t("bot.connect.opener", lang, other=addressee, reason=escape(opener)))
        else:
            lines.append(t("bot.connect.opener.plain", lang, other=addressee))
    else:
        lines.append(t("bot.connect.outro", lang))
    text = "\n".join(lines)
    return fallback(text), [section(text)]


# ---------------------------------------------------------------- entries and profile
