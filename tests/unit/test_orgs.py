"""Organisation names: spellings of one organisation share a key, different ones do not."""

from __future__ import annotations

import pytest

from bot.slack.directory import profile_organisation
from matching.orgs import org_key, same_org
from matching.workshop_plan import WorkshopProblem


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Caritasverband Musterstadt-Land e.V.", "Caritas Musterstadt-Land"),
        ("Caritasverband Musterstadt-Land e.V.", "caritas musterstadt land"),
        ("DRK-Kreisverband Neustadt am See e.V.", "DRK Neustadt am See"),
        ("Deutsches Rotes Kreuz Neustadt am See", "DRK Neustadt am See"),
        ("AWO Kreisverband Musterstadt e. V.", "Arbeiterwohlfahrt Musterstadt"),
        ("Der Paritätische Hessen", "Paritätischer Wohlfahrtsverband Hessen e.V."),
        ("Diakonisches Werk Musterstadt", "Diakonie Musterstadt"),
        ("Tafel Neustadt gGmbH", "Tafel Neustadt"),
        ("Hilfe für Müller e.V.", "HILFE FUER MUELLER"),
        ("Café Kontakt", "Cafe Kontakt"),
    ],
)
def test_spellings_of_one_organisation_match(a: str, b: str) -> None:
    assert same_org(a, b), (org_key(a), org_key(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Caritas Musterstadt-Land", "Caritas Neustadt"),
        # A part of a name is not the whole: "Caritas" is every local Caritas.
        ("Caritas", "Caritas Musterstadt-Land"),
        ("DRK Neustadt", "AWO Neustadt"),
        ("Diakonie Musterstadt", "Diakonie Musterstadt-Land"),
        # Word forms are not reduced: a known gap rather than a guess.
        ("Tafel Neustadt", "Neustädter Tafel"),
    ],
)
def test_different_organisations_do_not_match(a: str, b: str) -> None:
    assert not same_org(a, b)


def test_empty_or_only_a_legal_form_is_never_the_same() -> None:
    for name in ("", "   ", "e.V.", "gGmbH", "– . –"):
        assert org_key(name) == ""
        assert not same_org(name, name)


def test_key_ignores_word_order_and_repeats() -> None:
    assert org_key("Land Musterstadt Caritas Caritas") == org_key("Caritas Musterstadt-Land")


def test_workshop_penalty_counts_spellings_as_one_organisation() -> None:
    problem = WorkshopProblem(
        ["a", "b", "c"],
        {frozenset("ab"): 1.0, frozenset("ac"): 1.0},
        {"a": "Caritasverband Musterstadt-Land e.V.", "b": "Caritas Musterstadt-Land", "c": ""},
    )
    assert problem.weight("a", "b") == pytest.approx(1.0 - problem.same_org_penalty)
    assert problem.weight("a", "c") == pytest.approx(1.0)


def test_slack_profile_offers_a_labelled_field_before_the_title() -> None:
    fields = {
        "Xf01": {"label": "Telefon", "value": "0171 123"},
        "Xf02": {"label": "Organisation / Träger", "value": " Caritas Musterstadt "},
    }
    assert profile_organisation({"title": "Referentin", "fields": fields}) == "Caritas Musterstadt"
    assert profile_organisation({"title": "DRK Neustadt"}) == "DRK Neustadt"
    # A field without a label could be anything; it is not guessed at.
    unlabelled = {"Xf01": {"value": "0171 123"}}
    assert profile_organisation({"fields": unlabelled, "title": ""}) is None
    assert profile_organisation({"fields": None, "title": None}) is None
