"""Target groups, tools and needs of German social work, detected in free text.

Everything here is pure Python so that scoring, explanations and tests can use it
without the embedding model. The vocabulary lives in ``matching/vocabulary/``
(``groups.toml``, ``tools.toml``, ``needs.toml``), which also documents the
pattern conventions; it is read and compiled once, at import time: one regex
per group and per tool (two where some fragments are case-sensitive).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from matching.vocabulary.engine import (
    Detector,
    Record,
    clean,
    compile_fragments,
    norm_label,
    read,
    records,
    table,
)

__all__ = [
    "GROUPS",
    "NEEDS",
    "TOOLS",
    "TargetGroup",
    "Tool",
    "detect_groups",
    "detect_needs",
    "detect_tools",
    "expand_groups",
    "get_group",
    "group_label",
    "need_label",
    "parse_groups",
    "parse_tools",
    "tool_name",
]


# ---------------------------------------------------------------------------
# Target groups
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetGroup:
    """One target group of social work, with German and English labels."""

    key: str
    de: str
    en: str
    parent: str | None
    _pattern: Detector = field(repr=False, compare=False)
    # Counts only when the parent group was found in the same text: "Ukraine"
    # alone may be a partner country, next to "Geflüchtete" it names the group.
    _with_parent: Detector | None = field(default=None, repr=False, compare=False)
    _aliases: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)


def _group(r: Record) -> TargetGroup:
    key, de, en = r.text("key"), r.text("de"), r.text("en")
    with_parent = r.texts("with_parent")
    names = {key, key.replace("_", " "), de, en, *r.texts("aliases")}
    return TargetGroup(
        key=key,
        de=de,
        en=en,
        parent=r.optional_text("parent"),
        _pattern=Detector(r.texts("patterns", required=True)),
        _with_parent=Detector(with_parent) if with_parent else None,
        _aliases=frozenset(norm_label(n) for n in names),
    )


_GROUP_FIELDS = ("key", "de", "en", "parent", "aliases", "patterns", "with_parent")
GROUPS: tuple[TargetGroup, ...] = tuple(
    _group(r) for r in records(read("groups"), "group", _GROUP_FIELDS)
)

_GROUP_BY_KEY: dict[str, TargetGroup] = {g.key: g for g in GROUPS}
_GROUP_ORDER: dict[str, int] = {g.key: i for i, g in enumerate(GROUPS)}
_GROUP_BY_ALIAS: dict[str, str] = {a: g.key for g in GROUPS for a in g._aliases}


def get_group(key: str) -> TargetGroup:
    """Return the group with this key; KeyError if there is none."""
    return _GROUP_BY_KEY[key]


def group_label(key: str, lang: str) -> str:
    """Label of a group in "de" or "en"; any other language gets German."""
    g = get_group(key)
    return g.en if lang == "en" else g.de


def expand_groups(keys: Iterable[str]) -> set[str]:
    """The given keys plus all their ancestors; unknown keys are kept as they are."""
    out: set[str] = set()
    for key in keys:
        current: str | None = key
        while current is not None and current not in out:
            out.add(current)
            g = _GROUP_BY_KEY.get(current)
            current = g.parent if g else None
    return out


def _direct_groups(text: str) -> list[str]:
    lowered = text.lower()
    found: list[str] = []
    for g in GROUPS:
        if g._pattern.search(text, lowered) or (
            g._with_parent is not None
            and g.parent in found
            and g._with_parent.search(text, lowered)
        ):
            found.append(g.key)
    return found


def _in_order(keys: Iterable[str]) -> list[str]:
    return sorted(set(keys), key=lambda k: _GROUP_ORDER.get(k, len(_GROUP_ORDER)))


def detect_groups(text: str) -> list[str]:
    """Keys of the target groups mentioned in German or English free text.

    Taxonomy order, no duplicates; a detected child group brings its parent.
    """
    return _in_order(expand_groups(_direct_groups(clean(text))))


_LIST_SPLIT = re.compile(r"[,;\n]+")


def _pieces(user_input: Iterable[str], splitter: re.Pattern[str]) -> Iterator[str]:
    """The non-empty, cleaned items of what a member typed into a list field."""
    for raw in user_input:
        for piece in splitter.split(clean(raw)):
            item = piece.strip()
            if item:
                yield item


def parse_groups(user_input: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map what a member typed (keys, labels, synonyms) to group keys.

    Items may be comma-separated. Returns (known keys in taxonomy order, unknown
    strings as typed, stripped). Parents are not added; use expand_groups.
    """
    known: set[str] = set()
    unknown: list[str] = []
    for item in _pieces(user_input, _LIST_SPLIT):
        alias = _GROUP_BY_ALIAS.get(norm_label(item))
        if alias:
            known.add(alias)
            continue
        # Typed labels are often lower-case ("freiwillige"), which the noun
        # patterns deliberately ignore in running text.
        found = _direct_groups(item) or _direct_groups(item[:1].upper() + item[1:])
        if found:
            known.update(found)
        elif item not in unknown:
            unknown.append(item)
    return _in_order(known), unknown


# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    """A piece of software members use; key is stable, name is for display."""

    key: str
    name: str
    _pattern: Detector = field(repr=False, compare=False)
    _aliases: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)


def _tool(r: Record) -> Tool:
    key, name = r.text("key"), r.text("name")
    names = {key, name, *r.texts("aliases")}
    return Tool(
        key,
        name,
        Detector(r.texts("patterns", required=True)),
        frozenset(norm_label(n) for n in names),
    )


TOOLS: tuple[Tool, ...] = tuple(
    _tool(r) for r in records(read("tools"), "tool", ("key", "name", "aliases", "patterns"))
)

_TOOL_BY_KEY: dict[str, Tool] = {t.key: t for t in TOOLS}
_TOOL_BY_ALIAS: dict[str, str] = {a: t.key for t in TOOLS for a in t._aliases}
_TOOL_SPLIT = re.compile(r"[,;/&\n]+|\s+(?:und|and|oder|or|sowie)\s+", re.IGNORECASE)
_SLUG_JUNK = re.compile(r"[^\w.#+]+")
_MAX_SLUG = 40


def detect_tools(text: str) -> list[str]:
    """Keys of the known tools mentioned in free text, in TOOLS order."""
    cleaned = clean(text)
    lowered = cleaned.lower()
    return [t.key for t in TOOLS if t._pattern.search(cleaned, lowered)]


def _slug(text: str) -> str:
    slug = _SLUG_JUNK.sub("-", text.casefold()).strip("-._")
    return slug[:_MAX_SLUG].rstrip("-")


def parse_tools(user_input: Iterable[str]) -> list[str]:
    """Normalise tools a member typed to keys, first occurrence first.

    Known tools (by name, key or alias, also inside a longer string such as
    "MS Excel 365") become their key; anything else becomes a lower-case slug of
    what was typed, so that two members who both wrote "Venice" still match.
    """
    out: dict[str, None] = {}
    for item in _pieces(user_input, _TOOL_SPLIT):
        key = _TOOL_BY_ALIAS.get(norm_label(item))
        if key:
            out[key] = None
            continue
        found = detect_tools(item)
        if found:
            out.update(dict.fromkeys(found))
            continue
        slug = _slug(item)
        if slug:
            out[_TOOL_BY_ALIAS.get(slug, slug)] = None
    return list(out)


def tool_name(key: str) -> str:
    """Display name of a tool; a free-form slug key is shown as it is."""
    t = _TOOL_BY_KEY.get(key)
    return t.name if t else key


# ---------------------------------------------------------------------------
# Needs: what a member looks for or offers
# ---------------------------------------------------------------------------

_NEEDS_DATA = read("needs")
_NEED_RECORDS = records(_NEEDS_DATA, "need", ("key", "de", "en", "patterns"))

NEEDS: tuple[str, ...] = tuple(r.text("key") for r in _NEED_RECORDS)

_NEED_LABELS: dict[str, tuple[str, str]] = {
    r.text("key"): (r.text("de"), r.text("en")) for r in _NEED_RECORDS
}


def need_label(key: str, lang: str) -> str:
    """Label of a need key in "de" or "en" (German otherwise); KeyError if unknown."""
    de, en = _NEED_LABELS[key]
    return en if lang == "en" else de


# Needs are located in a clause by position (finditer), so each is one regex
# over the original text rather than a Detector.
_NEED_TOPICS: dict[str, re.Pattern[str]] = {
    r.text("key"): compile_fragments(r.texts("patterns", required=True)) for r in _NEED_RECORDS
}

_CUES = table(_NEEDS_DATA, "cues", ("seek", "offer", "negation"))
_SEEK = compile_fragments(_CUES.texts("seek", required=True))
_OFFER = compile_fragments(_CUES.texts("offer", required=True))
_NEGATION = compile_fragments(_CUES.texts("negation", required=True))
_SENTENCES = re.compile(r"(?<=[.!?])\s+|[\n;]+|\s+[–—]\s+")
_CLAUSES = re.compile(r",|\s+(?:und|and|sowie|aber|but|sondern|außerdem)\s+", re.IGNORECASE)
_RELATIVE = re.compile(r"\s*(?:die|der|das|den|dem|denen|welche\w*|who|which|that)\b", re.I)


def _clause_cues(clause: str) -> list[tuple[int, str]]:
    negated = _NEGATION.search(clause) is not None
    cues = [(m.start(), "seek") for m in _SEEK.finditer(clause)]
    # "Wir haben keine Daten" / "uns stehen keine Daten zur Verfügung" ask for data.
    kind = "seek" if negated else "offer"
    cues += [(m.start(), kind) for m in _OFFER.finditer(clause)]
    return sorted(cues)


def need_mentions(text: str) -> list[tuple[str, str, str]]:
    """Each need a text mentions: (seek | offer, need key, the rest of its clause).

    A need mentioned in a clause counts towards the nearest seek/offer cue in that
    clause, else the closest cue earlier in the sentence, else the next one after.
    A relative clause ("Partner, die uns Daten zur Verfügung stellen") keeps the
    intent of the clause it hangs on. The rest of the clause ("zu Pflegediensten im
    Landkreis") says what the need is about.
    """
    out: list[tuple[str, str, str]] = []
    for sentence in _SENTENCES.split(clean(text)):
        clauses = [c for c in _CLAUSES.split(sentence) if c.strip()]
        cues_per_clause = [_clause_cues(c) for c in clauses]
        for i, clause in enumerate(clauses):
            topics = [
                (m.start(), m.end(), need)
                for need, pat in _NEED_TOPICS.items()
                for m in pat.finditer(clause)
            ]
            if not topics:
                continue
            earlier = [kind for cues in cues_per_clause[:i] for _, kind in cues]
            later = [kind for cues in cues_per_clause[i + 1 :] for _, kind in cues]
            own = cues_per_clause[i]
            if own and earlier and _RELATIVE.match(clause):
                own = []
            for pos, end, need in topics:
                if own:
                    kind = min(own, key=lambda c: abs(c[0] - pos))[1]
                elif earlier:
                    kind = earlier[-1]
                elif later:
                    kind = later[0]
                else:
                    continue
                out.append((kind, need, clause[end:].strip(" .!?:")))
    return out


def detect_needs(text: str) -> tuple[set[str], set[str]]:
    """Needs a text looks for and offers, e.g. "Wir suchen Daten" -> ({"data"}, set())."""
    looks: set[str] = set()
    offers: set[str] = set()
    for kind, need, _rest in need_mentions(text):
        (looks if kind == "seek" else offers).add(need)
    return looks, offers
