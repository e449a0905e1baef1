"""Key terms, rarity in the pool, and needs matched on their subject."""

from __future__ import annotations

from matching.subjects import Need, has_need_match, need_matches, needs_of
from matching.terms import Rarity, key_terms


def test_german_terms_are_nouns_and_pairs_as_written() -> None:
    terms = key_terms("Wir bauen Karten mit Leaflet und Open Data für den Landkreis.")
    assert {"Karten", "Leaflet", "Open Data", "Landkreis"} <= set(terms.values())
    assert "bauen" not in terms.values()
    assert key_terms("Eine Karte.").keys() & key_terms("Zwei Karten.").keys()


def test_items_held_by_more_than_a_quarter_are_common() -> None:
    r = Rarity.count(12, {"tool": [["excel"]] * 6 + [["leaflet"]] * 2})
    assert r.common("tool", "excel") and not r.common("tool", "leaflet")
    assert r.specific("tool", ["excel", "leaflet"]) == ["leaflet"]
    assert r.overlap("tool", {"excel"}, {"excel"}) == 0.0
    # In a tiny community two entries sharing something are not "everyone".
    assert not Rarity.count(5, {"tool": [["excel"]] * 2}).common("tool", "excel")


def test_needs_meet_only_on_the_same_subject() -> None:
    rarity = Rarity.count(40, {})
    seek = needs_of("Wir suchen Daten zu Pflegediensten im Landkreis.", [], [], frozenset())
    care = needs_of("Wir haben Daten zu Pflegediensten in Musterstadt.", [], [], frozenset())
    housing = needs_of("Wir haben Daten zur Belegung von Unterkünften.", [], [], frozenset())
    assert seek[0] == Need("seek", "data", seek[0].about, "zu Pflegediensten im Landkreis")
    [m] = need_matches(seek, care, rarity)
    assert m.direction == "they_offer" and m.need == "data" and m.shared
    assert need_matches(seek, housing, rarity) == []


def test_the_needs_feature_agrees_with_the_need_matches_it_stands_for() -> None:
    texts = [
        "Wir suchen Daten zu Pflegediensten im Landkreis.",
        "Wir haben Daten zu Pflegediensten in Musterstadt.",
        "Wir haben Daten zur Belegung von Unterkünften.",
        "Wir suchen Partner und bieten Daten zu Pflegediensten.",
        "Wir bieten Beratung zu CiviCRM und suchen Daten zu Unterkünften.",
    ]
    needs = [needs_of(t, [], [], frozenset({"tool:excel"})) for t in texts]
    pairs = [(a, b) for a in needs for b in needs]
    rare = Rarity.count(40, {})
    # Care services held by most of a small community: a subject everyone shares is none.
    held = [["pflegedienst"]] * 30
    common = Rarity.count(
        40, {"term": held, "group": [["care"]] * 30, "theme": [["municipal"]] * 30}
    )
    assert need_matches(needs[0], needs[1], rare) and not need_matches(needs[0], needs[1], common)
    for rarity in (rare, common):
        for a, b in pairs:
            assert has_need_match(a, b, rarity) == bool(need_matches(a, b, rarity))
