"""Reasons for a suggestion as sentences in the member's language.

matching only finds the reasons (matching.explain.Reason); the words live here with the
rest of the catalogue, so matching never needs bot.
"""

from __future__ import annotations

from bot.messages import join_list, t
from matching.explain import Reason
from matching.service import Suggestion
from matching.taxonomy import group_label, need_label, tool_name
from matching.text import shorten

# The quoted sentences are cut so that a reason stays a short line among the others.
SENTENCE_CHARS = 140


def reason_text(reason: Reason, lang: str, name: str = "") -> str:
    """One reason as a sentence; ``name`` is the partner a "needs" reason talks about."""
    if reason.kind == "groups":
        labels = [group_label(g, lang) for g in reason.items]
        key = "reason.groups" if len(labels) == 1 else "reason.groups.many"
        return t(key, lang, groups=join_list(labels, lang))
    if reason.kind == "tools":
        return t("reason.tools", lang, tools=join_list([tool_name(x) for x in reason.items], lang))
    if reason.kind == "needs":
        needs = join_list([need_label(x, lang) for x in reason.items], lang)
        return t(f"reason.needs.{reason.direction}", lang, needs=needs, name=name)
    if reason.kind == "sentences":
        return t(
            "reason.sentences",
            lang,
            mine=shorten(reason.mine, SENTENCE_CHARS),
            theirs=shorten(reason.theirs, SENTENCE_CHARS),
        )
    raise ValueError(reason.kind)


def reason_texts(suggestion: Suggestion, lang: str) -> list[str]:
    """All reasons of ``suggestion``, in the order matching found them."""
    return [reason_text(r, lang, suggestion.display_name) for r in suggestion.reasons]


def shared_reason(suggestion: Suggestion, lang: str) -> str:
    """A reason true from both sides (target groups, tools), for a first message; or ""."""
    for r in suggestion.reasons:
        if r.kind in ("groups", "tools"):
            return reason_text(r, lang)
    return ""
