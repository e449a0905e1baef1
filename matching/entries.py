"""What the matcher derives from an entry: cleaned and enriched fields, and its topics."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from matching.subjects import items, needs_of
from matching.taxonomy import (
    detect_groups,
    detect_needs,
    detect_tools,
    expand_groups,
    parse_groups,
    parse_tools,
)
from matching.terms import key_terms
from matching.text import MAX_CHARS, clean
from matching.themes import detect_themes
from profiles.entry import EntryData, EntryRow
from profiles.errors import InvalidInput
from profiles.models import Entry


def prepare(data: EntryData) -> EntryData:
    """Validate and enrich an entry: clean text, detect target groups, tools and needs."""
    title = clean(data.title)[:300]
    description = clean(data.description)
    if not (title or description):
        raise InvalidInput("empty")
    if len(description) > MAX_CHARS:
        raise InvalidInput(f"too long: {len(description)} > {MAX_CHARS} characters")
    text = f"{title}. {description}" if title and description else title or description
    chosen, _unknown = parse_groups(data.target_groups)
    looks, offers = detect_needs(text)
    if data.kind == "dataset":
        offers.add("data")
    return EntryData(
        title=title,
        description=description,
        kind=data.kind,
        target_groups=chosen,
        detected_groups=[g for g in detect_groups(text) if g not in chosen],
        tools=list(dict.fromkeys([*parse_tools(data.tools), *detect_tools(text)])),
        region=clean(data.region)[:200],
        looking_for=sorted(set(data.looking_for) | looks),
        offers=sorted(set(data.offers) | offers),
        external_id=data.external_id,
    )


def topics(
    text: str,
    *,
    groups: Iterable[str],
    tools: Iterable[str],
    looking_for: Iterable[str],
    offers: Iterable[str],
    region: str = "",
) -> dict[str, Any]:
    """What an entry is about, as Doc fields: groups, themes, tools, terms, region, needs."""
    groups = expand_groups(groups)
    themes = detect_themes(text)
    terms = key_terms(text)
    return {
        "groups": frozenset(groups),
        "themes": frozenset(themes),
        "tools": frozenset(tools),
        "looking_for": frozenset(looking_for),
        "offers": frozenset(offers),
        "terms": terms,
        "region": " ".join(region.split()),
        "needs": needs_of(text, looking_for, offers, items(groups, themes, tools, terms)),
    }


def embed_text(entry: Entry | EntryRow) -> str:
    return clean(entry.text())
