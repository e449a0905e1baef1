"""The terminal console goes through the same router and container as Slack."""

from __future__ import annotations

import pytest

from bot.cli.console import Console
from bot.settings import Settings
from matching.service import EntryInput, Matcher
from profiles import repo


@pytest.fixture
def console(matcher: Matcher) -> Console:
    matcher.save_entry(
        "T1",
        "U_OTHER",
        EntryInput(title="Kältebus", description="Routen des Kältebusses für Wohnungslose."),
        display_name="Otto",
        organisation="Caritas",
    )
    matcher.save_entry(
        "T2",
        "U_ELSEWHERE",
        EntryInput(title="Kältebus", description="Kältebus für Wohnungslose in T2."),
        display_name="Eve",
    )
    out: list[str] = []
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Console(settings, matcher, "T1", "U_ME", out=out.append)


def test_help_lists_german_and_english_words(console: Console) -> None:
    text = console.handle("/match hilfe")
    for word in ("beschreiben", "describe", "vorschläge", "suche", "vergessen", "export"):
        assert word in text


def test_describe_inline_saves_and_suggests_with_reasons(console: Console) -> None:
    text = console.handle("/match beschreiben Nachtcafé für Wohnungslose & Obdachlose <!channel>")
    assert "Otto" in text and "Wohnungslose" in text
    assert "Eve" not in text  # another workspace
    assert "&amp;" not in text  # the console shows what Slack would display
    with console.container.store.session() as s:
        entries = repo.entries_of(s, "T1", "U_ME")
    assert len(entries) == 1 and "<!channel>" not in entries[0].description


def test_unknown_and_empty_commands_answer_with_help(console: Console) -> None:
    assert "beschreiben" in console.handle("/match blubb")
    assert console.handle("/match suche")  # empty search text: an answer, not a crash
    with console.container.store.session() as s:
        assert repo.entries_of(s, "T1", "U_ME") == []


def test_feedback_from_the_console_changes_suggestions(console: Console) -> None:
    console.handle("/match beschreiben Wärmestube für Wohnungslose im Winter")
    assert "Otto" in console.handle("/match vorschläge")
    console.handle("!not_relevant U_OTHER")
    assert "Otto" not in console.handle("/match vorschläge")


@pytest.fixture
def facilitator_console(matcher: Matcher) -> Console:
    for i, text in enumerate(
        [
            "Beratung für Geflüchtete aus der Ukraine mit CiviCRM.",
            "Wohnraum für Geflüchtete aus der Ukraine, Daten in CiviCRM.",
            "Besuchsdienst für Senior*innen im Quartier.",
            "Tablets für Senior*innen, Ehrenamt und Daten.",
        ]
    ):
        matcher.save_entry(
            "T1", f"U{i}", EntryInput(description=text), display_name=f"P{i}", organisation=f"O{i}"
        )
    settings = Settings(_env_file=None, facilitators=["U_FAC"])  # type: ignore[call-arg]
    return Console(settings, matcher, "T1", "U_FAC", out=lambda _line: None)


def test_the_console_knows_every_command_slack_knows(facilitator_console: Console) -> None:
    table = facilitator_console.container.commands
    for sub in table:
        for word in sub.words:
            answer = facilitator_console.handle(word)
            assert "kenne ich nicht" not in answer, word


def test_a_facilitator_gets_stats_digest_preview_and_workshops(
    facilitator_console: Console,
) -> None:
    assert "Community-Statistik" in facilitator_console.handle("stats")
    preview = facilitator_console.handle("digest vorschau")
    assert "P0" in preview or "P1" in preview  # who would get whom
    plan = facilitator_console.handle("workshop #alle")
    assert "Workshop-Vorschau" in plan and "4 Teilnehmende" in plan


def test_pictures_are_not_printed_as_bytes(facilitator_console: Console) -> None:
    lines: list[str] = []
    c = facilitator_console.container
    console = Console(c.settings, c.matcher, "T1", "U_FAC", out=lines.append)
    assert "Direktnachricht" in console.handle("karte")
    printed = "\n".join(lines)
    assert "file community-map.png" in printed and "write pictures to files" in printed
    assert "PNG" not in printed and "\ufffd" not in printed


def test_members_are_refused_facilitator_commands(console: Console) -> None:
    assert "Moderator" in console.handle("stats")
