"""Router, Block Kit rendering and container, without Slack (RecordingNotifier)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.container import Container, build_container
from bot.flows.commands import CommandContext, Reply, Subcommand
from bot.flows.ports import RecordingNotifier
from bot.settings import Settings
from bot.slack.blocks.home import home_view
from bot.slack.blocks.kit import MAX_MESSAGE_BLOCKS, MAX_SECTION_CHARS, MAX_VIEW_BLOCKS, escape
from bot.slack.blocks.suggestions import parse_action_value, suggestion_blocks, suggestions_message
from bot.slack.worker import Worker
from matching.explain import Reason
from matching.service import Matcher, Suggestion
from profiles import repo
from profiles.errors import StoreError

T = "T0UNIT"


def suggestion(user: str = "U2", name: str = "Bert", reasons: int = 2, long: int = 0) -> Suggestion:
    rs = tuple(
        Reason(
            "sentences", mine="x " * long or "Wir beraten <!channel>", theirs="Senior*innen & Co"
        )
        for _ in range(reasons)
    )
    return Suggestion(
        user_id=user,
        display_name=name,
        organisation="AWO <b>",
        score=0.9,
        entry_id=7,
        entry_title="Tablets für <@U999>",
        entry_external_id=None,
        query_entry_id=1,
        query_external_id=None,
        why=rs,
    )


@pytest.fixture
def container(matcher: Matcher) -> Container:
    settings = Settings(database_url="sqlite://", facilitators=["UFAC"])
    return build_container(settings, matcher=matcher, notifier=RecordingNotifier())


def ctx(container: Container, user: str = "U1", team: str = T) -> CommandContext:
    return container.context(team, user)


def run(container: Container, line: str, user: str = "U1", team: str = T) -> Reply:
    return container.commands.run(ctx(container, user, team), line)


# ---------------------------------------------------------------------- escaping, blocks


def test_escape_defuses_mentions() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_suggestion_blocks_contract() -> None:
    blocks = suggestion_blocks(suggestion(), "de", source="digest")
    section, actions = blocks
    assert "<!channel>" not in section["text"]["text"] and "<@U999>" not in section["text"]["text"]
    assert "&lt;b&gt;" in section["text"]["text"]
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == [
        "suggestion_connect",
        "suggestion_not_relevant",
        "suggestion_known",
        "digest_pause",
    ]
    for e in actions["elements"]:
        assert json.loads(e["value"]) == {"u": "U2", "e": 7, "s": "digest"}
        assert parse_action_value(e["value"]) == ("U2", 7, "digest")


def test_limits_are_enforced() -> None:
    many = [suggestion(user=f"U{i}", long=3000) for i in range(60)]
    _text, blocks = suggestions_message(many, "de", intro="x")
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    assert all(
        len(b["text"]["text"]) <= MAX_SECTION_CHARS for b in blocks if b["type"] == "section"
    )
    view = home_view(
        "en",
        entries=[(i, "t" * 500, "d" * 5000, "project") for i in range(200)],
        suggestions=many,
        cadence="weekly",
        opted_in=True,
    )
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS


@pytest.mark.parametrize("bad", ["", "{", "[]", '{"u": 1, "e": 2}', '{"u": "U1"}'])
def test_malformed_button_values_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_action_value(bad)


# ---------------------------------------------------------------------- router


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("vorschläge", "suggest"),
        ("VORSCHLAEGE", "suggest"),
        ("/match suche CiviCRM", "find"),
        ("hilfe", "help"),
        ("", "help"),
        ("beschreiben\nzweite Zeile", "describe"),
    ],
)
def test_parse_german_and_english_words(container: Container, line: str, word: str) -> None:
    req = container.commands.parse(line)
    assert req.subcommand is not None and req.subcommand.name == word


def test_a_subcommand_added_to_the_table_works_everywhere(container: Container) -> None:
    seen: list[str] = []

    def stats(c: CommandContext) -> Reply:
        seen.append(c.text)
        return Reply(text="stats!")

    container.commands.add(
        Subcommand(("zz-stats", "zz-statistik"), stats, "bot.help.help", facilitator_only=True)
    )
    assert run(container, "zz-statistik alles", user="UFAC").text == "stats!"
    assert seen == ["alles"]
    assert "Moderator" in run(container, "zz-stats", user="U1").text
    assert "zz-stats" in run(container, "hilfe", user="UFAC").text
    assert "zz-stats" not in run(container, "hilfe", user="U1").text
    with pytest.raises(ValueError):
        container.commands.add(Subcommand(("hilfe",), stats, "bot.help.help"))


# ---------------------------------------------------------------------- container


def test_connect_and_export_with_recording_notifier(container: Container) -> None:
    notifier = container.notifier
    assert isinstance(notifier, RecordingNotifier)
    run(container, "describe Wir beraten Senior*innen und nutzen CiviCRM.", user="U2")
    reply = run(container, "describe Senior*innen lernen Tablets mit CiviCRM.", user="U1")
    assert "U2" in json.dumps(reply.blocks)
    out = container.members.connect(T, "U1", "U2", 1, "en")
    assert "group message" in out.text
    sent = notifier.sent[-1]
    assert sent.kind == "group_dm" and sent.target == "U1,U2"
    assert "CiviCRM" in sent.text and "Why" in sent.text

    assert "Datei" in run(container, "export", user="U1").text
    upload = notifier.sent[-1]
    assert upload.kind == "upload"
    assert json.loads(upload.extra["content"])["entries"][0]["kind"] == "project"


def test_feedback_refuses_self_and_strangers(container: Container) -> None:
    run(container, "describe Senior*innen und CiviCRM.", user="U1")
    for other in ("U1", "UNOBODY"):
        with pytest.raises(StoreError):
            container.members.feedback(T, "U1", other, "known", "de")
    with container.store.session() as s:
        assert repo.blocked_partners(s, T, "U1") == set()


def test_delivery_failure_is_answered_politely(container: Container) -> None:
    notifier = container.notifier
    assert isinstance(notifier, RecordingNotifier)
    notifier.failing["U1"] = "user_disabled"
    assert "zustellen" in run(container, "export", user="U1").text


def test_language_setting_wins(container: Container) -> None:
    container.identity.set_language(T, "U1", "en")
    assert "Commands" in run(container, "help").text


def test_modal_form_validation(container: Container) -> None:
    from bot.flows.members import EntryForm

    assert "description" in container.members.form_errors(
        EntryForm(title=" ", description="\x00"), "de"
    )
    assert "description" in container.members.form_errors(EntryForm(description="x" * 5000), "en")
    assert container.members.form_errors(EntryForm(title="Ok"), "de") == {}


def test_worker_refuses_when_full() -> None:
    import threading

    gate = threading.Event()
    w = Worker(threads=1, max_pending=2)
    assert w.submit(gate.wait) and w.submit(gate.wait)
    assert not w.submit(gate.wait)
    gate.set()
    assert w.wait_idle(5)
    errors: list[BaseException] = []

    def boom() -> Any:
        raise RuntimeError("x")

    assert w.submit(boom, on_error=errors.append)
    assert w.wait_idle(5) and isinstance(errors[0], RuntimeError)
    w.shutdown()
