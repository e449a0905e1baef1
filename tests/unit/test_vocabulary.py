"""The vocabulary files load and compile, and detection still gives what it gave
when the vocabulary was Python code.

The expected values below were produced by the code before the move to
``matching/vocabulary/*.toml`` (commit cde9103), on sentences written for this
test; a difference means a pattern was lost or changed on the way.
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from matching.taxonomy import (
    GROUPS,
    NEEDS,
    TOOLS,
    detect_groups,
    detect_needs,
    detect_tools,
    parse_groups,
    parse_tools,
)
from matching.themes import THEMES, detect_themes, theme_label
from matching.vocabulary import engine

VOCABULARY = Path(engine.__file__).parent
FILES = {"groups": "group", "tools": "tool", "needs": "need", "themes": "theme"}


def _all_patterns() -> list[tuple[str, str]]:
    """(where, fragment) for every pattern in every file, cues included."""
    out: list[tuple[str, str]] = []
    for name, table in FILES.items():
        data = engine.read(name)
        for entry in data[table]:
            for field in ("patterns", "with_parent"):
                out += [(f"{name}:{entry['key']}:{field}", p) for p in entry.get(field, [])]
        for cue, patterns in data.get("cues", {}).items():
            out += [(f"{name}:cues:{cue}", p) for p in patterns]
    return out


def test_files_load_with_unique_keys() -> None:
    for name, table in FILES.items():
        keys = [e["key"] for e in engine.read(name)[table]]
        assert keys, name
        assert len(keys) == len(set(keys)), name
    assert [g.key for g in GROUPS] == [e["key"] for e in engine.read("groups")["group"]]
    assert [t.key for t in TOOLS] == [e["key"] for e in engine.read("tools")["tool"]]
    assert list(NEEDS) == [e["key"] for e in engine.read("needs")["need"]]
    assert [t.key for t in THEMES] == [e["key"] for e in engine.read("themes")["theme"]]
    assert set(engine.read("needs")["cues"]) == {"seek", "offer", "negation"}


def test_every_pattern_compiles_on_its_own() -> None:
    # Joined into one alternation, an unbalanced fragment can still compile
    # (``a(`` + ``|b)``) and silently change its neighbours; alone it cannot.
    patterns = _all_patterns()
    assert len(patterns) > 900
    for where, fragment in patterns:
        assert fragment.strip() == fragment, where
        # Detector checks this for its own patterns; needs and cues are plain regexes.
        assert "(?-i:" in fragment or fragment == fragment.lower(), where
        try:
            engine.compile_fragments([fragment])
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{where}: {fragment!r}: {exc}")


def test_every_toml_file_is_package_data() -> None:
    pyproject = tomllib.loads((VOCABULARY.parents[1] / "pyproject.toml").read_text("utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["matching.vocabulary"]
    shipped = {p.name for p in VOCABULARY.iterdir() if any(fnmatch(p.name, g) for g in globs)}
    assert {f"{name}.toml" for name in FILES} <= shipped


def test_theme_labels() -> None:
    assert theme_label("open_data", "de") == "Offene Daten und Transparenz"
    assert theme_label("open_data", "en") == "Open data and transparency"


def test_records_reject_unknown_and_mistyped_fields() -> None:
    data = {"group": [{"key": "x", "alias": ["y"]}]}
    with pytest.raises(ValueError, match="unknown fields"):
        engine.records(data, "group", ("key", "aliases"))
    (record,) = engine.records(
        {"group": [{"key": "x", "aliases": "y"}]}, "group", ("key", "aliases")
    )
    with pytest.raises(ValueError, match="list of non-empty strings"):
        record.texts("aliases")
    assert record.optional_text("parent") is None
    with pytest.raises(ValueError, match="no \\[\\[tool\\]\\]"):
        engine.records(data, "tool", ("key",))
    # an empty alternation would match at every word boundary
    with pytest.raises(ValueError, match="must not be empty"):
        record.texts("patterns", required=True)
    with pytest.raises(ValueError, match="no \\[cues\\] table"):
        engine.table(data, "cues", ("seek",))


def test_detector_requires_lower_case_outside_cased_parts() -> None:
    with pytest.raises(ValueError, match="lower-case"):
        engine.Detector(["Kind"])
    assert engine.Detector(["(?-i:Kind)"]).search("Jedes Kind", "jedes kind")


@pytest.mark.parametrize(
    ("text", "groups", "tools", "looks", "offers", "themes"),
    [
        (
            "Wir suchen Ehrenamtliche, die Senior*innen im Quartier beim Umgang mit Tablets helfen.",
            ["seniors", "volunteers"],
            [],
            {"volunteers"},
            set(),
            ["municipal"],
        ),
        (
            "Unser Verein bietet Sprachcafés für Geflüchtete aus der Ukraine und teilt seine Erfahrungen gern.",
            ["refugees", "refugees_ukraine"],
            [],
            set(),
            {"expertise"},
            ["organisation"],
        ),
        (
            "Die Tafel sammelt Daten zur Lebensmittelausgabe in Excel und sucht jemanden für ein Dashboard in Power BI.",
            ["poverty"],
            ["excel", "power_bi"],
            {"data", "software"},
            set(),
            ["impact", "food_agriculture"],
        ),
        (
            "Wir haben keine Zahlen zur Wohnungslosigkeit in unserer Stadt, uns fehlen auch Fördermittel.",
            ["homeless"],
            [],
            {"data", "funding"},
            set(),
            ["municipal", "planning"],
        ),
        (
            "Beratungsstelle für Frauen nach häuslicher Gewalt; wir dokumentieren Fälle in CiviCRM und suchen Partner.",
            ["women_violence"],
            ["civicrm"],
            {"partners"},
            set(),
            ["social_work"],
        ),
        (
            "Wir stellen unseren Datensatz zu Kitaplätzen und Kinderarmut im Landkreis als Open Data zur Verfügung.",
            ["children_youth", "poverty"],
            [],
            set(),
            {"data"},
            ["municipal", "open_data"],
        ),
        (
            "Jugendmigrationsdienst sucht Hilfe bei der Auswertung einer Umfrage mit LimeSurvey und R.",
            ["migrants", "children_youth"],
            ["limesurvey", "r"],
            {"expertise"},
            set(),
            ["social_work", "impact"],
        ),
        (
            "Queere Jugendliche und Alleinerziehende erreichen wir über Instagram, wir brauchen eine bessere Datenbank.",
            ["children_youth", "families", "single_parents", "lgbtiq"],
            [],
            {"software"},
            set(),
            [],
        ),
        (
            "We are a food bank looking for volunteers and for data on low-income households in our city.",
            ["poverty", "volunteers"],
            [],
            {"data", "volunteers"},
            set(),
            ["municipal", "food_agriculture"],
        ),
        (
            "Our charity offers training on GDPR and data protection to small nonprofits and can share our templates.",
            [],
            [],
            set(),
            {"expertise"},
            ["education", "organisation", "privacy_ethics"],
        ),
        (
            "We support refugees and asylum seekers with legal advice and need funding for a case management tool.",
            ["refugees"],
            [],
            {"expertise", "funding", "software"},
            set(),
            [],
        ),
        (
            "Mapping accessible toilets with OpenStreetMap and QGIS for wheelchair users; happy to share the map.",
            ["disabilities"],
            ["qgis", "openstreetmap"],
            set(),
            set(),
            ["planning", "accessibility"],
        ),
        (
            "Suchtberatung und Drogenhilfe: wir möchten mit ChatGPT Texte in Leichter Sprache erstellen.",
            ["disabilities", "addiction"],
            ["llm"],
            set(),
            set(),
            ["social_work"],
        ),
        (
            "Kältebus für Obdachlose – wer kennt sich mit Python und Jupyter aus und hilft uns bei der Routenplanung?",
            ["homeless"],
            ["python", "jupyter"],
            set(),
            set(),
            [],
        ),
        (
            "Langzeitarbeitslose im Jobcenter-Bezirk: wir messen die Wirkung unserer Qualifizierung mit KoboToolbox.",
            ["long_term_unemployed"],
            ["kobotoolbox"],
            set(),
            set(),
            ["municipal", "education", "impact", "work"],
        ),
        (
            "Klimaschutz im Stadtteil: wir veröffentlichen Messdaten zu Feinstaub und suchen Entwickler für eine App.",
            [],
            [],
            {"software"},
            {"data"},
            ["municipal", "environment"],
        ),
        (
            "Pflegende Angehörige von Menschen mit Demenz tauschen sich per Teams aus, wir suchen Fachwissen zu Pflegegraden.",
            ["care"],
            ["ms_teams"],
            {"expertise"},
            set(),
            [],
        ),
        (
            "Hate speech against LGBTIQ* people online: we collect reports in Airtable and want to work with other organisations.",
            ["lgbtiq", "online_hate"],
            ["airtable"],
            {"partners"},
            set(),
            ["organisation", "impact"],
        ),
        (
            "Kontakt: Anna R. aus dem Vorstand; Freiwillige Angaben im Formular bleiben leer.",
            [],
            [],
            set(),
            set(),
            ["administration"],
        ),
        (
            "Gefluechtete Familien im Ue60-Treff, Straßenzeitung und Bahnhofsmission, Geflüch\xadtete.",
            ["refugees", "seniors", "families", "homeless"],
            [],
            set(),
            set(),
            ["mobility"],
        ),
    ],
)
def test_detection_unchanged(
    text: str,
    groups: list[str],
    tools: list[str],
    looks: set[str],
    offers: set[str],
    themes: list[str],
) -> None:
    assert detect_groups(text) == groups
    assert detect_tools(text) == tools
    assert detect_needs(text) == (looks, offers)
    assert detect_themes(text) == themes


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            [
                "Senioren",
                "Geflüchtete aus der Ukraine",
                "obdachlose, Katzen",
                "freiwillige",
                "single parents",
            ],
            (
                ["refugees_ukraine", "seniors", "single_parents", "homeless", "volunteers"],
                ["Katzen"],
            ),
        ),
        (
            ["Kinder und Jugendliche; LGBTQ", "Menschen mit Behinderung", "Nachbarschaft"],
            (["children_youth", "disabilities", "lgbtiq"], ["Nachbarschaft"]),
        ),
    ],
)
def test_parse_groups_unchanged(typed: list[str], expected: tuple[list[str], list[str]]) -> None:
    assert parse_groups(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            [
                "MS Excel 365",
                "civi crm",
                "R, Python und Eigenbau-DB",
                "Teams",
                "Venice Fundraising",
            ],
            ["excel", "civicrm", "r", "python", "eigenbau-db", "ms_teams", "venice-fundraising"],
        ),
        (
            ["ChatGPT", "google sheets / airtable", "OSM", "Sage 100"],
            ["llm", "google_sheets", "airtable", "openstreetmap", "sage-100"],
        ),
    ],
)
def test_parse_tools_unchanged(typed: list[str], expected: list[str]) -> None:
    assert parse_tools(typed) == expected
