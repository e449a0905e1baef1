"""Each setting of .env.example changes what the product does (the digest schedule keys
are tested in tests/unit/test_settings.py, the threads in tests/e2e/test_bot_cli.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.container import Container, build_container
from bot.flows.digest import DigestService
from bot.flows.ports import RecordingNotifier
from bot.settings import Settings
from matching.service import EntryInput, Matcher
from profiles import repo
from tests.support.community import TEAM, community


def container_with(matcher: Matcher, **values: Any) -> Container:
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    return build_container(settings, matcher=matcher, notifier=RecordingNotifier())


def run(c: Container, user: str, line: str) -> str:
    return c.commands.run(c.context(TEAM, user), line).text


@pytest.mark.parametrize(("lang", "word"), [("de", "Befehle"), ("en", "Commands")])
def test_default_language_speaks_to_newcomers(matcher: Matcher, lang: str, word: str) -> None:
    c = container_with(matcher, default_language=lang)
    assert word in run(c, "U_NEW", "help")


def test_max_text_chars_caps_a_description(matcher: Matcher) -> None:
    c = container_with(matcher, max_text_chars=200)
    answer = run(c, "U1", "beschreiben " + "Senior*innen lernen Tablets. " * 20)
    assert "200" in answer
    with c.store.session() as s:
        (entry,) = repo.entries_of(s, TEAM, "U1")
        assert len(entry.description) <= 200


def test_suggestions_shown_limits_the_answer(matcher: Matcher) -> None:
    community(matcher, 10)
    few = container_with(matcher, suggestions_shown=2)
    more = container_with(matcher, suggestions_shown=6)
    shown_few = few.members.matcher.suggest_for_member(TEAM, "U00", few.settings.suggestions_shown)
    assert len(shown_few) == 2
    reply = more.commands.run(more.context(TEAM, "U00"), "vorschläge")
    assert reply.blocks is not None
    connects = [
        e
        for b in reply.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "suggestion_connect"
    ]
    assert len(connects) == 6


def test_worker_threads_size_the_pool(matcher: Matcher) -> None:
    assert container_with(matcher, worker_threads=3).worker.threads == 3


def test_exclude_same_org_keeps_colleagues_out(matcher: Matcher) -> None:
    for user, org in (("U_A", "Caritas"), ("U_B", "Caritas"), ("U_C", "AWO")):
        matcher.save_entry(
            TEAM,
            user,
            EntryInput(description="Besuchsdienst für Senior*innen im Quartier."),
            display_name=user,
            organisation=org,
        )
    for flag, expect_colleague in ((False, True), (True, False)):
        c = container_with(matcher, exclude_same_org=flag)
        text = run(c, "U_A", "vorschläge")
        assert ("U_B" in text) is expect_colleague, flag
        assert "U_C" in text


def test_digest_max_suggestions_per_member(matcher: Matcher) -> None:
    community(matcher, 10)
    settings = Settings(_env_file=None, digest_max_suggestions=1)  # type: ignore[call-arg]
    svc = DigestService(matcher.store, matcher, RecordingNotifier(), settings)
    planned = svc.plan(TEAM)
    assert planned and all(len(d.suggestions) <= 1 for d in planned)


@pytest.mark.parametrize("processes", [1, 2])
def test_rank_processes_reach_the_pool(processes: int) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url="sqlite://", rank_processes=processes
    )
    c = build_container(settings, notifier=RecordingNotifier())
    c.matcher.import_entries(TEAM, [("U1", "", "", EntryInput(description="Tafel für Senioren"))])
    assert c.matcher.sync(TEAM).workers == processes
