"""The message catalogue (bot/messages/*.toml): both languages agree, code uses only real keys."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import bot.messages as messages
from bot.messages import LANGS, catalogue, join_list, norm_lang, t
from bot.messages.reasons import reason_text
from matching.explain import Reason

ROOT = Path(__file__).resolve().parents[2]
# A string constant of this shape in bot/ is taken to be a catalogue key; "and" is the only
# key outside these namespaces and is caught as the argument of t().
KEY_SHAPE = re.compile(r"^(bot|digest|workshop|stats|map|chart|reason|consent)(\.[a-z_]+)+$")


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _code_references() -> tuple[set[str], set[str]]:
    """Keys bot/ names literally, and the prefixes of keys it builds with f-strings."""
    literal: set[str] = set()
    prefixes: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if KEY_SHAPE.match(node.value):
                    literal.add(node.value)
            elif isinstance(node, ast.Call) and node.args:
                name = node.func.id if isinstance(node.func, ast.Name) else ""
                first = node.args[0]
                if name != "t":
                    continue
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    literal.add(first.value)
                elif isinstance(first, ast.JoinedStr):
                    head = first.values[0] if first.values else None
                    assert isinstance(head, ast.Constant), f"{path}: t() key without a prefix"
                    prefixes.add(str(head.value))
    return literal, prefixes


def test_both_languages_have_the_same_keys() -> None:
    de, en = set(catalogue("de")), set(catalogue("en"))
    assert de - en == set(), "only in de.toml"
    assert en - de == set(), "only in en.toml"
    assert LANGS == ("de", "en")


@pytest.mark.parametrize("key", sorted(catalogue("de")))
def test_both_languages_have_the_same_placeholders(key: str) -> None:
    assert placeholders(catalogue("de")[key]) == placeholders(catalogue("en")[key])


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_formats_and_is_not_empty(lang: str) -> None:
    for key, template in catalogue(lang).items():
        assert template.strip(), key
        values = {name: f"<{name}>" for name in placeholders(template)}
        filled = t(key, lang, **values)
        assert all(v in filled for v in values.values()), key


def test_every_key_the_code_names_exists() -> None:
    literal, prefixes = _code_references()
    keys = set(catalogue("de"))
    assert literal - keys == set()
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in keys), f"no key starts with {prefix!r}"


def test_no_key_is_unused() -> None:
    literal, prefixes = _code_references()
    unused = {
        k for k in catalogue("de") if k not in literal and not any(map(k.startswith, prefixes))
    }
    assert unused == set()


def test_german_is_the_default_and_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    assert t("bot.btn.cancel") == "Abbrechen"
    assert t("bot.btn.cancel", "en") == "Cancel"
    assert t("bot.btn.cancel", "fr") == t("bot.btn.cancel", "") == "Abbrechen"
    real = messages.catalogue

    def without_cancel(lang: str) -> dict[str, str]:
        texts = dict(real(lang))
        if lang == "en":
            del texts["bot.btn.cancel"]
        return texts

    monkeypatch.setattr(messages, "catalogue", without_cancel)
    assert t("bot.btn.cancel", "en") == "Abbrechen"
    with pytest.raises(KeyError):
        t("no.such.key", "en")


def test_multi_line_texts_keep_their_lines() -> None:
    report = t("stats.report", "en")
    assert report.startswith("*Community statistics*\n• Members:")
    assert not report.endswith("\n")
    assert report.count("\n") == t("stats.report", "de").count("\n") == 8


def test_join_list_and_norm_lang() -> None:
    assert join_list([], "de") == ""
    assert join_list(["A"], "en") == "A"
    assert join_list(["A", "B", "C"], "de") == "A, B und C"
    assert join_list(["A", "B"], "en") == "A and B"
    assert [norm_lang(x) for x in (None, "", "en-US", "EN", "de-DE", "fr")] == [
        "de",
        "de",
        "en",
        "en",
        "de",
        "de",
    ]


def test_reasons_are_worded_in_the_members_language() -> None:
    one = Reason("groups", ("seniors",))
    assert reason_text(one, "de") == "gemeinsame Zielgruppe: Senior*innen"
    two = Reason("groups", ("seniors", "families"))
    assert reason_text(two, "de").startswith("gemeinsame Zielgruppen: Senior*innen und ")
    assert reason_text(Reason("tools", ("civicrm",)), "en") == "you both use CiviCRM"
    offer = Reason(
        "needs",
        ("data",),
        direction="they_offer",
        mine="zu Pflegediensten im Landkreis",
        theirs="zu Pflegebedürftigen im Landkreis",
    )
    assert reason_text(offer, "de", "Claudia") == (
        "du suchst Daten zu Pflegediensten im Landkreis; "
        "Claudia bietet Daten zu Pflegebedürftigen im Landkreis"
    )
    ask = Reason("needs", ("data",), direction="you_offer", about=("group:seniors", "term:Leaflet"))
    assert reason_text(ask, "en", "Bert") == (
        "Bert looks for data about Older people and Leaflet, and you offer just that"
    )
    # One side names the subject in its own words, the other only shares the items.
    region = Reason(
        "needs",
        ("data",),
        direction="you_offer",
        about=("term:Landkreis",),
        theirs="zu Unterkunftsplätzen im Landkreis",
    )
    assert reason_text(region, "de", "Lena") == (
        "Lena sucht Daten zu Unterkunftsplätzen im Landkreis; du bietest Daten zum Thema Landkreis"
    )
    two = Reason("needs", ("software",), direction="they_offer", about=("tool:postgresql",))
    assert reason_text(two, "de", "Markus") == (
        "du suchst Software zum Thema PostgreSQL – Markus bietet genau das"
    )
    themes = Reason("themes", ("participation",))
    assert reason_text(themes, "de").startswith("gemeinsames Handlungsfeld: ")
    terms = Reason("terms", ("Open Data", "Karten", "Leaflet"))
    assert reason_text(terms, "de") == "gemeinsame Themen: Open Data, Karten und Leaflet"
    assert reason_text(Reason("region", ("Landkreis Musterland",)), "en") == (
        "both in Landkreis Musterland"
    )
    long = Reason("sentences", mine="Wort " * 100, theirs="kurz")
    text = reason_text(long, "de")
    assert text.endswith("…“ ↔ „kurz“") and len(text) < 200
    with pytest.raises(ValueError):
        reason_text(Reason("unknown"), "de")
