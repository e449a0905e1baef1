"""The shortcuts that make reasons cheap per suggestion give the answers of the plain code.

Each reference below is the straightforward version the shortcut replaced (issue 13):
whatever the shortcut skips, caches or folds early, the reasons and their wording must
stay the same, down to the order of the items.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.messages import join_list, t
from bot.messages.reasons import SENTENCE_CHARS, reason_text
from matching.doc import Doc
from matching.explain import MAX_TERMS, Reason, _shared_terms
from matching.scoring import sentence_pair
from matching.taxonomy import group_label
from matching.terms import COMMON_MIN, COMMON_SHARE, Rarity, key_terms
from matching.text import shorten

WORDS = ["karte", "daten", "pflege", "open", "data", "leaflet", "kind", "schule", "wohnung"]


def reference_shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.-") + "…"


def reference_shared_terms(query: Doc, other: Doc, rarity: Rarity, said: set[str]) -> list[str]:
    specific = rarity.specific("term", query.terms)
    ranks = {x: r for r, x in enumerate(specific)}
    shared = sorted(
        (k for k in query.terms.keys() & other.terms.keys() if k in ranks), key=ranks.__getitem__
    )
    chosen: list[str] = []
    covered: set[str] = set()
    for key in shared:
        parts = key.split(" ")
        if key in covered or any(p in said for p in parts):
            continue
        chosen.append(key)
        covered.update(parts)
        if len(chosen) == MAX_TERMS:
            break
    chosen = [k for k in chosen if not any(k != c and k in c.split(" ") for c in chosen)]
    # The shorter of the two spellings, the query's on a tie (min keeps the first).
    return [min(query.terms[k], other.terms[k], key=len) for k in chosen]


text_chars = st.sampled_from(list("ab ,.;:-\t\n\r\x0b\x1c\x85\xa0\u2003\u2028\u3000xyzÄ…"))


@settings(max_examples=400, deadline=None)
@given(st.text(text_chars, max_size=400), st.integers(min_value=-5, max_value=160))
def test_shorten_cuts_as_if_the_whole_text_were_folded(text: str, limit: int) -> None:
    assert shorten(text, limit) == reference_shorten(text, limit)


def test_shorten_folds_a_long_texts_spaces_before_the_cut() -> None:
    # The prefix folded first is all whitespace: the whole text decides.
    text = " " * 1000 + "Wort " * 100
    assert shorten(text, 140) == reference_shorten(text, 140)
    assert shorten("a" * 5000, 10) == reference_shorten("a" * 5000, 10)
    for limit in (-200, -1, 0, 1):
        text = " " * 300 + "Wort"
        assert shorten(text, limit) == reference_shorten(text, limit)
    for text in ("Ein Satz. ", "Ein Satz.\u00a0", " Ein Satz.", "Ein  Satz.", "Ein\tSatz."):
        assert shorten(text, 140) == reference_shorten(text, 140)
        assert shorten(text * 30, 140) == reference_shorten(text * 30, 140)


def _terms(keys: list[str]) -> dict[str, str]:
    return {k: k.title() for k in keys}


def _inflected(keys: list[str]) -> dict[str, str]:
    """Other spellings of the same keys: some longer, some shorter, some the same."""
    return {k: (k.title() + "en", k.title()[:-1], k.title())[len(k) % 3] for k in keys}


term_keys = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS)).map(" ".join),
    ),
    max_size=14,
)


@settings(max_examples=300, deadline=None)
@given(
    term_keys,
    term_keys,
    st.lists(term_keys, max_size=12),
    st.sets(st.sampled_from(WORDS), max_size=3),
)
def test_shared_terms_are_the_rarest_shared_as_before(
    mine: list[str], theirs: list[str], pool: list[list[str]], said: set[str]
) -> None:
    vector = np.zeros(1, dtype=np.float32)
    query = Doc(1, "A", vector, terms=_terms(mine))
    other = Doc(2, "B", vector, terms=_inflected(theirs))
    rarity = Rarity.count(len(pool) + 2, {"term": [mine, theirs, *pool]})
    expected = reference_shared_terms(query, other, Rarity(rarity.size, rarity.counts), said)
    assert _shared_terms(query, other, rarity, frozenset(said)) == expected
    # Asked again (the query's ranks remembered), the same.
    assert _shared_terms(query, other, rarity, frozenset(said)) == expected


def test_a_shared_term_is_written_as_the_shorter_of_its_two_spellings() -> None:
    vector = np.zeros(1, dtype=np.float32)
    mine = Doc(1, "A", vector, terms=key_terms("Daten zur Altersstruktur in den Stadtteilen."))
    theirs = Doc(2, "B", vector, terms=key_terms("Ausgabezahlen der Tafel nach Stadtteil."))
    rarity = Rarity.count(20, {"term": [mine.terms, theirs.terms]})
    # "zum Thema Stadtteil", not "zum Thema Stadtteilen", whoever asks.
    assert _shared_terms(mine, theirs, rarity, frozenset()) == ["Stadtteil"]
    assert _shared_terms(theirs, mine, rarity, frozenset()) == ["Stadtteil"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sets(st.sampled_from(WORDS), max_size=5), max_size=30),
    st.sets(st.sampled_from([*WORDS, "neu"]), max_size=6),
)
def test_rarity_facts_are_the_counts_formulas(pool: list[set[str]], items: set[str]) -> None:
    rarity = Rarity.count(len(pool), {"tool": pool})
    for x in items:
        n = rarity.counts.get("tool", {}).get(x, 0)
        common = n >= COMMON_MIN and n > COMMON_SHARE * rarity.size
        idf = math.log((1 + rarity.size) / (1 + n)) + 1
        assert rarity.common("tool", x) is common and rarity.idf("tool", x) == idf
        assert rarity.facts("tool", x) == (common, idf)
    kept = sorted((-rarity.idf("tool", x), x) for x in items if not rarity.common("tool", x))
    assert rarity.specific("tool", items) == [x for _idf, x in kept]
    assert rarity.specific_set("tool", frozenset(items)) == tuple(x for _idf, x in kept)
    # Sorted by count (not idf) and cut where the common counts begin: the same order.
    for _ in range(2):  # the second time remembered
        assert rarity.specific_of("tool", items) == tuple(x for _idf, x in kept)


def test_the_closest_sentence_pair_is_the_largest_product() -> None:
    rng = np.random.default_rng(13)
    for n, m in [(1, 1), (1, 4), (3, 1), (5, 7)]:
        a = rng.normal(size=(n, 8)).astype(np.float32)
        b = rng.normal(size=(m, 8)).astype(np.float16)
        sims = a @ b.astype(np.float32).T
        i, j = divmod(int(np.argmax(sims)), m)
        assert sentence_pair(a, b) == (i, j, float(sims[i, j]))
    empty = np.zeros((0, 8), dtype=np.float32)
    assert sentence_pair(empty, a) == (-1, -1, 0.0)


def test_reason_texts_remembered_are_the_texts_worked_out() -> None:
    for lang in ("de", "en"):
        for _ in range(2):  # the second time from the caches
            groups = reason_text(Reason("groups", ("seniors", "families")), lang)
            labels = [group_label(g, lang) for g in ("seniors", "families")]
            assert groups == t("reason.groups.many", lang, groups=join_list(labels, lang))
            region = reason_text(Reason("region", ("Landkreis Musterland",)), lang)
            assert region == t("reason.region", lang, region="Landkreis Musterland")
            long = "Ein  sehr\u00a0langer Satz " * 20
            quoted = reason_text(Reason("sentences", mine=long, theirs="kurz"), lang)
            assert quoted == t(
                "reason.sentences",
                lang,
                mine=reference_shorten(long, SENTENCE_CHARS),
                theirs="kurz",
            )
