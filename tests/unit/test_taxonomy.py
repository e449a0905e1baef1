"""Behaviour of the target-group, tool and needs vocabularies."""

from __future__ import annotations

import pytest

from matching.taxonomy import (
    GROUPS,
    NEEDS,
    TOOLS,
    detect_groups,
    detect_needs,
    detect_tools,
    expand_groups,
    get_group,
    group_label,
    need_label,
    parse_groups,
    parse_tools,
    tool_name,
)

REQUIRED_GROUPS = {
    "refugees",
    "refugees_ukraine",
    "migrants",
    "seniors",
    "children_youth",
    "families",
    "disabilities",
    "homeless",
    "poverty",
    "care",
    "long_term_unemployed",
    "women_violence",
    "lgbtiq",
    "addiction",
    "online_hate",
    "volunteers",
}


def test_groups_are_consistent() -> None:
    keys = [g.key for g in GROUPS]
    assert len(keys) == len(set(keys))
    assert set(keys) >= REQUIRED_GROUPS
    for i, g in enumerate(GROUPS):
        assert g.key.isascii()
        assert g.de and g.en
        if g.parent is not None:
            # detection relies on a parent being checked before its children
            assert g.parent in keys[:i]


def test_get_group_and_labels() -> None:
    assert get_group("refugees_ukraine").parent == "refugees"
    assert group_label("seniors", "de") == "Senior*innen"
    assert group_label("seniors", "en") == "Older people"
    assert group_label("seniors", "fr") == "Senior*innen"
    with pytest.raises(KeyError):
        get_group("nope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Deutschkurse für Geflüchtete in der Gemeinschaftsunterkunft", {"refugees"}),
        ("Wir betreiben die Flüchtlingshilfe im Landkreis", {"refugees"}),
        ("Beratung für Asylsuchende und Kriegsflüchtlinge", {"refugees"}),
        ("Besuchsdienst für ältere Menschen im Quartier", {"seniors"}),
        ("Digitalkurse im Seniorenheim und für Hochbetagte", {"seniors"}),
        ("Einsamkeit im Alter verringern", {"seniors"}),
        ("Kältebus und Notübernachtung für Obdachlose", {"homeless"}),
        ("Daten der Wohnungslosenhilfe", {"homeless"}),
        ("Kita-Plätze und Jugendhilfe im Kreis", {"children_youth"}),
        ("Unterstützung für pflegende Angehörige von Menschen mit Demenz", {"care"}),
        ("Beratung für Betroffene von Hass im Netz", {"online_hate"}),
        ("Wir dokumentieren Hasskommentare und digitale Gewalt", {"online_hate"}),
        ("Koordination von Ehrenamtlichen in CiviCRM", {"volunteers"}),
        ("Schutz für Frauen nach häuslicher Gewalt", {"women_violence"}),
        ("Treffpunkt für queere Jugendliche", {"lgbtiq", "children_youth"}),
        ("Suchtberatung und Drogenhilfe", {"addiction"}),
        ("Qualifizierung für Langzeitarbeitslose mit dem Jobcenter", {"long_term_unemployed"}),
        ("Inklusion von Menschen mit Behinderung", {"disabilities"}),
        ("Kinderarmut im Stadtteil", {"children_youth", "poverty"}),
        ("Integrationskurse für Zugewanderte", {"migrants"}),
        ("Beratung für Alleinerziehende", {"single_parents", "families"}),
    ],
)
def test_detect_german(text: str, expected: set[str]) -> None:
    assert set(detect_groups(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We support older people and the elderly", {"seniors"}),
        ("Outreach to rough sleepers and homeless people", {"homeless"}),
        ("Legal advice for asylum seekers", {"refugees"}),
        ("Sports for disabled people", {"disabilities"}),
        ("Respite for carers", {"care"}),
        ("Monitoring hate speech on social media", {"online_hate"}),
        ("Youth clubs for young people", {"children_youth"}),
        ("Food banks and low-income households", {"poverty"}),
        ("Recruiting volunteers", {"volunteers"}),
    ],
)
def test_detect_english(text: str, expected: set[str]) -> None:
    assert set(detect_groups(text)) == expected


@pytest.mark.parametrize(
    "form",
    ["Senior*innen", "SeniorInnen", "Senior:innen", "Senior_innen", "Seniorinnen", "Senioren"],
)
def test_gender_forms(form: str) -> None:
    assert detect_groups(f"Ein Angebot für {form} im Quartier") == ["seniors"]


def test_gender_forms_other_groups() -> None:
    assert "migrants" in detect_groups("Beratung für Migrant*innen")
    assert "students" in detect_groups("Nachhilfe für Schüler:innen")


def test_ascii_spellings() -> None:
    assert detect_groups("Wohnraum fuer Gefluechtete") == ["refugees"]
    assert detect_groups("Pflegebeduerftige Menschen") == ["care"]


def test_ukraine_child_implies_parent() -> None:
    assert detect_groups("Wohnungen für Geflüchtete aus der Ukraine") == [
        "refugees",
        "refugees_ukraine",
    ]
    assert detect_groups("Ukraine refugees need housing") == ["refugees", "refugees_ukraine"]
    assert detect_groups("Sprachcafé für Ukrainer*innen")[:2] == ["refugees", "refugees_ukraine"]


def test_ukraine_alone_is_not_refugees() -> None:
    assert detect_groups("Unsere Partnerstadt in der Ukraine") == []


def test_detect_order_and_duplicates() -> None:
    found = detect_groups("Senioren, Senior*innen, Geflüchtete und Flüchtlinge, ältere Menschen")
    assert found == ["refugees", "seniors"]


@pytest.mark.parametrize(
    "text",
    [
        "Wir bilden die Altersgruppe 18-25 in einer Tabelle ab.",
        "Senior Data Scientist für die Auswertung gesucht",
        "This kind of data is kinderleicht to clean.",
        "Hassan leitet das Projekt, wir hassen Bürokratie.",
        "Das Projekt sucht Partner und hat viele Orte besucht.",
        "Spalten: Vorname, Familienname, Familienstand",
        "Preise inklusive Mehrwertsteuer, maschinenlesbare Daten",
        "Datenpflege in der Datenbank, Transparenz und Transfer",
        "Freiwillige Angaben im Formular bleiben leer.",
        "Wir sind ein ehrenamtlich geführter Verein.",
        "Die Rente wird im Bericht erwähnt, die Verwaltung ist gewaltig.",
        "Kita Regenbogen",
        "Unsere Migration auf PostgreSQL ist fertig.",
        "Kontakt: Frau Müller",
    ],
)
def test_false_positive_guards(text: str) -> None:
    found = detect_groups(text)
    if text == "Kita Regenbogen":
        assert found == ["children_youth"]
    else:
        assert found == []


def test_noun_capitalisation_matters_only_where_intended() -> None:
    assert detect_groups("Wir suchen Freiwillige.") == ["volunteers"]
    assert detect_groups("Jedes Kind zählt") == ["children_youth"]


def test_empty_and_hostile_input() -> None:
    assert detect_groups("") == []
    assert detect_groups("<!channel> <@U123> &lt;" * 100) == []
    assert detect_groups("Geflüch\u00adtete") == ["refugees"]


def test_expand_groups() -> None:
    assert expand_groups(["refugees_ukraine"]) == {"refugees_ukraine", "refugees"}
    assert expand_groups(["single_parents", "seniors"]) == {"single_parents", "families", "seniors"}
    assert expand_groups([]) == set()
    assert expand_groups(["unknown"]) == {"unknown"}


def test_parse_groups() -> None:
    known, unknown = parse_groups(
        ["Senioren", "seniors", "refugees", "Senior*innen", "Kinder und Jugendliche", "Foo"]
    )
    assert known == ["refugees", "seniors", "children_youth"]
    assert unknown == ["Foo"]


def test_parse_groups_labels_keys_and_lists() -> None:
    known, unknown = parse_groups(
        ["Geflüchtete aus der Ukraine", "online_hate", "Obdachlose, Katzen", " ", "freiwillige"]
    )
    # an exact label maps to that group only; parents come from expand_groups
    assert known == ["refugees_ukraine", "homeless", "online_hate", "volunteers"]
    assert unknown == ["Katzen"]


def test_tools_consistent() -> None:
    keys = [t.key for t in TOOLS]
    assert len(keys) == len(set(keys))
    for key in ("civicrm", "excel", "kobotoolbox", "power_bi", "openstreetmap", "llm", "r"):
        assert key in keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wir pflegen alles in Civi CRM", ["civicrm"]),
        ("Listen in MS Excel und Google Sheets", ["excel", "google_sheets"]),
        ("Dashboards in PowerBI", ["power_bi"]),
        ("Karten mit OSM und QGIS", ["qgis", "openstreetmap"]),
        ("Auswertung in R und Python", ["python", "r"]),
        ("Umfragen mit KoboToolbox und LimeSurvey", ["kobotoolbox", "limesurvey"]),
        ("Textentwürfe mit ChatGPT", ["llm"]),
        ("Besprechungen per Teams", ["ms_teams"]),
    ],
)
def test_detect_tools(text: str, expected: list[str]) -> None:
    assert detect_tools(text) == expected


def test_detect_tools_guards() -> None:
    assert detect_tools("Unsere Teams arbeiten gut zusammen.") == []
    assert detect_tools("Kontakt: Anna R. aus dem Vorstand") == []
    assert detect_tools("We excellently manage an open project") == []


def test_parse_tools_aliases_and_slugs() -> None:
    got = parse_tools(["Excel", "MS Excel 365", "civi crm", "R", "Teams", "Venice Fundraising"])
    assert got == ["excel", "civicrm", "r", "ms_teams", "venice-fundraising"]
    assert parse_tools(["venice  fundraising"]) == ["venice-fundraising"]
    assert parse_tools(["Excel, Python und Eigenbau-DB"]) == ["excel", "python", "eigenbau-db"]
    assert parse_tools(["", "  ", "<!channel>"]) == ["channel"]


def test_tool_name() -> None:
    assert tool_name("civicrm") == "CiviCRM"
    assert tool_name("power_bi") == "Power BI"
    assert tool_name("venice-fundraising") == "venice-fundraising"


def test_need_labels() -> None:
    assert set(NEEDS) == {"partners", "data", "expertise", "volunteers", "funding", "software"}
    assert need_label("data", "de") == "Daten"
    assert need_label("data", "en") == "Data"
    with pytest.raises(KeyError):
        need_label("pizza", "de")


@pytest.mark.parametrize(
    ("text", "looks", "offers"),
    [
        ("Wir suchen Daten zu Wohnungslosen in der Region.", {"data"}, set()),
        (
            "Wir stellen unseren Datensatz zu Übernachtungsplätzen zur Verfügung.",
            set(),
            {"data"},
        ),
        ("Wir bieten Beratung zum Datenschutz.", set(), {"expertise"}),
        ("Wir bieten unsere Daten an und suchen Partner.", {"partners"}, {"data"}),
        ("Wir suchen Partner, die uns Daten zur Verfügung stellen.", {"partners", "data"}, set()),
        ("Wir haben keine Daten zu Senior*innen.", {"data"}, set()),
        ("Uns fehlen Ehrenamtliche und Fördermittel.", {"volunteers", "funding"}, set()),
        ("We are looking for volunteers. We can share our dataset.", {"volunteers"}, {"data"}),
        ("Wir suchen jemanden für die Programmierung einer App.", {"software"}, set()),
        ("Unser Verein arbeitet seit 1990 im Stadtteil.", set(), set()),
    ],
)
def test_detect_needs(text: str, looks: set[str], offers: set[str]) -> None:
    assert detect_needs(text) == (looks, offers)


def test_needs_ignore_datenschutz_as_data() -> None:
    looks, _ = detect_needs("Wir suchen Hilfe beim Datenschutz.")
    assert "data" not in looks
