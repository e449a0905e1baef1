"""Reasons for a suggestion as sentences in the member's language.

matching only finds the reasons (matching.explain.Reason); the words live here with the
rest of the catalogue, so matching never needs bot.
"""

from __future__ import annotations

from functools import lru_cache

from bot.messages import join_list, t
from matching.explain import Reason
from matching.service import Suggestion
from matching.taxonomy import group_label, need_label, tool_name
from matching.text import shorten
from matching.themes import theme_label

# The quoted sentences are cut so that a reason stays a short line among the others.
SENTENCE_CHARS = 140


def _item(item: str, lang: str) -> str:
    """A "kind:key" subject item (matching.subjects) as a label."""
    kind, key = item.split(":", 1)
    if kind == "group":
        return group_label(key, lang)
    if kind == "theme":
        return theme_label(key, lang)
    if kind == "tool":
        return tool_name(key)
    return key


def _need(key: str, lang: str) -> str:
    """A need's label inside a sentence: English nouns are not capitalised there."""
    label = need_label(key, lang)
    if lang == "en" and label[1:2].islower():
        return label[:1].lower() + label[1:]
    return label


def reason_text(reason: Reason, lang: str, name: str = "") -> str:
    """One reason as a sentence; ``name`` is the partner a "needs" reason talks about."""
    if reason.kind in _SHARED:
        return _shared_text(reason.kind, reason.items, lang)
    if reason.kind == "terms":  # a pair's own words: rarely the same twice
        return t("reason.terms", lang, terms=join_list(reason.items, lang))
    if reason.kind == "needs":
        needs = join_list([_need(x, lang) for x in reason.items], lang)
        labels = [_item(x, lang) for x in reason.about]
        about = t(
            "reason.about" if len(labels) == 1 else "reason.about.many",
            lang,
            items=join_list(labels, lang),
        )
        if not reason.mine and not reason.theirs:
            # Neither side names the subject in its own words: saying it twice reads badly.
            key = f"reason.needs.{reason.direction}.same"
            return t(key, lang, needs=needs, name=name, about=about)
        return t(
            f"reason.needs.{reason.direction}",
            lang,
            needs=needs,
            name=name,
            mine=reason.mine or about,
            theirs=reason.theirs or about,
        )
    if reason.kind == "sentences":
        return t(
            "reason.sentences",
            lang,
            mine=shorten(reason.mine, SENTENCE_CHARS),
            theirs=shorten(reason.theirs, SENTENCE_CHARS),
        )
    raise ValueError(reason.kind)


_SHARED = frozenset({"groups", "themes", "region", "tools"})


# A community's pairs share the same few groups, themes and tools over and over: their
# sentence is worked out once (the catalogue and the vocabulary never change in a process).
@lru_cache(maxsize=4096)
def _shared_text(kind: str, items: tuple[str, ...], lang: str) -> str:
    """The sentence of a reason that only names shared items."""
    if kind == "groups":
        labels = [group_label(g, lang) for g in items]
        key = "reason.groups" if len(labels) == 1 else "reason.groups.many"
        return t(key, lang, groups=join_list(labels, lang))
    if kind == "themes":
        labels = [theme_label(x, lang) for x in items]
        key = "reason.themes" if len(labels) == 1 else "reason.themes.many"
        return t(key, lang, themes=join_list(labels, lang))
    if kind == "region":
        return t("reason.region", lang, region=join_list(items, lang))
    return t("reason.tools", lang, tools=join_list([tool_name(x) for x in items], lang))


def reason_texts(suggestion: Suggestion, lang: str) -> list[str]:
    """All reasons of ``suggestion``, in the order matching found them."""
    return [reason_text(r, lang, suggestion.display_name) for r in suggestion.reasons]


def shared_reason(suggestion: Suggestion, lang: str) -> str:
    """A reason true from both sides (target groups, tools), for a first message; or ""."""
    for r in suggestion.reasons:
        if r.kind in ("groups", "tools"):
            return reason_text(r, lang)
    return ""
