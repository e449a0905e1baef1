"""Races and hostile input (issue 9, findings 4-8): each test sends the request or runs
the race and checks what the member gets."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.slack.blocks.modals import (
    DESCRIBE_CALLBACK,
    MAX_INPUT_CHARS,
    describe_modal,
    join_description,
    split_description,
)
from bot.slack.blocks.suggestions import action_value
from matching.service import EntryInput, Matcher
from profiles import repo
from profiles.db import Store
from profiles.errors import NotFound
from profiles.ids import MAX_ID, parse_id
from profiles.models import Entry
from testkit.fakeslack import (
    TEAM_ID,
    FakeSlack,
    block_actions_payload,
    slash_command_payload,
    view_submission_payload,
)
from testkit.fakeslack.blockkit import view_problems
from testkit.fakeslack.fixtures import fake_slack
from tests.support.slackbot import BotUnderTest, all_text, command_answer, start_on, wait_responses

__all__ = ["fake_slack"]

TEAM = "T0ROBUST"
CIVICRM = "Wir beraten Senior*innen zur digitalen Teilhabe und pflegen Kontakte in CiviCRM."


def run_together(jobs: list[Callable[[], object]]) -> list[BaseException]:
    """Start ``jobs`` on their own threads at the same moment; the errors they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return errors


# ---------------------------------------------------------------- finding 4


def test_concurrent_first_describes_of_a_newcomer_are_all_saved(matcher: Matcher) -> None:
    n = 6
    # Several newcomers in turn: each race has a fresh member racing with themself.
    for user in ("U0NEW1", "U0NEW2", "U0NEW3"):

        def describe(i: int, user: str = user) -> Callable[[], object]:
            return lambda: matcher.save_entry(
                TEAM,
                user,
                EntryInput(title=f"Projekt {i}", description=f"{CIVICRM} Teil {i}."),
                display_name="Neu",
            )

        assert run_together([describe(i) for i in range(n)]) == []
        with matcher.store.session() as s:
            titles = sorted(e.title for e in repo.entries_of(s, TEAM, user))
            assert titles == sorted(f"Projekt {i}" for i in range(n))
            assert [m.user_id for m in repo.list_members(s, TEAM)].count(user) == 1
            assert repo.require_member(s, TEAM, user).display_name == "Neu"
    # and matching sees every entry
    assert len(matcher.sync(TEAM)) == 3 * n


def test_concurrent_first_contacts_through_settings_share_one_member(matcher: Matcher) -> None:
    """Pause, language and a describe all create the member on first contact."""
    store = matcher.store

    def in_session(fn: Callable[..., object], *args: object) -> Callable[[], object]:
        def job() -> None:
            with store.session() as s:
                fn(s, *args)

        return job

    errors = run_together(
        [
            in_session(repo.set_opt_in, TEAM, "U0FIRST", False),
            in_session(repo.set_language, TEAM, "U0FIRST", "en"),
            lambda: matcher.save_entry(TEAM, "U0FIRST", EntryInput(description=CIVICRM)),
        ]
    )
    assert errors == []
    with store.session() as s:
        member = repo.require_member(s, TEAM, "U0FIRST")
        assert (member.opted_in, member.language) == (False, "en")
        assert len(repo.entries_of(s, TEAM, "U0FIRST")) == 1


# ---------------------------------------------------------------- finding 5


def test_suggestions_while_other_members_forget_themselves(matcher: Matcher) -> None:
    matcher.save_entry(TEAM, "U0ANNA", EntryInput(description=CIVICRM))
    partners = [f"U0P{i}" for i in range(4)]
    done = threading.Event()

    def forget_in_a_loop() -> None:
        try:
            for _ in range(15):
                for p in partners:
                    matcher.save_entry(TEAM, p, EntryInput(description=f"{CIVICRM} {p}"))
                for p in partners:
                    matcher.forget_member(TEAM, p)
        finally:
            done.set()

    def suggest_in_a_loop() -> None:
        while not done.is_set():
            for sg in matcher.suggest_for_member(TEAM, "U0ANNA", k=10):
                assert sg.user_id in partners
            matcher.partner_candidates(TEAM, k=10)
            matcher.find(TEAM, "Senior*innen CiviCRM", user_id="U0ANNA")

    # Switch threads often, so that a removal lands between ranking and reading.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        errors = run_together([forget_in_a_loop, suggest_in_a_loop, suggest_in_a_loop])
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


# ---------------------------------------------------------------- the bot, over HTTP

HUGE = "99999999999999999999"


@pytest.fixture
def bot(fake_slack: FakeSlack, matcher: Matcher) -> Iterator[BotUnderTest]:
    r = start_on("http", fake_slack, matcher, facilitators=["U0FAC"])
    yield r
    r.stop()


def click_answer(r: BotUnderTest, action_id: str, value: str, user: str = "U0ANNA") -> str:
    before = len(r.fake.responses())
    status, _ = r.action(
        block_actions_payload(
            action_id=action_id,
            value=value,
            user_id=user,
            team_id=TEAM_ID,
            response_url=r.fake.new_response_url(),
        )
    )
    assert status == 200
    r.idle()
    return all_text(wait_responses(r.fake, before + 1)[-1])


def entry_of(r: BotUnderTest, user: str = "U0ANNA") -> Entry:
    with r.container.store.session() as s:
        [entry] = repo.entries_of(s, TEAM_ID, user)
        return entry


def open_edit(r: BotUnderTest, entry_id: int, user: str = "U0ANNA") -> dict[str, Any]:
    before = len(r.fake.calls("views.open"))
    r.action(
        block_actions_payload(
            action_id="entry_edit",
            value=str(entry_id),
            user_id=user,
            team_id=TEAM_ID,
            response_url=r.fake.new_response_url(),
        )
    )
    r.idle()
    call = r.fake.wait_for("views.open", count=before + 1)[-1]
    assert call.status == 200 and call.response.get("ok"), call.response
    view: dict[str, Any] = call.params["view"]
    return view


def as_submitted(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The state Slack sends when the member saves the modal without changing anything."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        el = block["element"]
        if el["type"] == "plain_text_input":
            state: dict[str, Any] = {"type": el["type"], "value": el.get("initial_value")}
        elif el["type"] == "static_select":
            state = {"type": el["type"], "selected_option": el.get("initial_option")}
        else:
            state = {"type": el["type"], "selected_options": el.get("initial_options", [])}
        values[block["block_id"]] = {"value": state}
    return values


def submit(
    r: BotUnderTest, view: dict[str, Any], values: dict[str, Any], user: str = "U0ANNA"
) -> tuple[int, str]:
    return r.submission(
        view_submission_payload(
            callback_id=DESCRIBE_CALLBACK,
            values=values,
            user_id=user,
            team_id=TEAM_ID,
            private_metadata=view["private_metadata"],
        )
    )


def long_text(chars: int) -> str:
    words = [
        "Wir",
        "begleiten",
        "Senior*innen",
        "im",
        "Quartier",
        "und",
        "pflegen",
        "Kontakte",
        "in",
        "CiviCRM",
    ]
    out: list[str] = []
    n = 0
    while n < chars:
        sentence = " ".join(words[: 3 + n % 7]) + f" {n}."
        out.append(sentence)
        n += len(sentence) + 1
        if len(out) % 9 == 0:
            out.append("\n")
    text = " ".join(out).replace(" \n ", "\n")
    return text[:chars].rstrip(". ") + "."


# ---------------------------------------------------------------- finding 6


def test_a_4000_character_entry_edited_unchanged_stays_identical(bot: BotUnderTest) -> None:
    text = long_text(4000)
    command_answer(bot, f"describe {text}", "U0ANNA")
    before = entry_of(bot)
    assert len(before.description) == 4000
    view = open_edit(bot, before.id)
    assert [b["block_id"] for b in view["blocks"]][:3] == ["title", "description", "description_2"]
    status, ack = submit(bot, view, as_submitted(view))
    assert (status, ack) == (200, "")
    bot.idle()
    after = entry_of(bot)
    assert (after.title, after.description, after.kind) == (
        before.title,
        before.description,
        before.kind,
    )
    dm = bot.fake.wait_for("chat.postMessage", ok_only=True)[-1]
    assert "Aktualisiert" in dm.params["text"] or "aktualisiert" in dm.params["text"]


def test_the_continuation_field_adds_to_a_new_description(bot: BotUnderTest) -> None:
    bot.command(slash_command_payload(text="beschreiben", user_id="U0ANNA", team_id=TEAM_ID))
    view = bot.fake.wait_for("views.open", ok_only=True)[-1].params["view"]
    first, second = long_text(2990), "Dazu kommt ein Datensatz über Treffpunkte."
    values = as_submitted(view)
    values["title"]["value"]["value"] = "Quartier"
    values["description"]["value"]["value"] = first
    values["description_2"]["value"]["value"] = second
    assert submit(bot, view, values) == (200, "")
    bot.idle()
    assert entry_of(bot).description == f"{first}\n{second}"


def test_too_long_in_two_fields_is_refused_before_saving(bot: BotUnderTest) -> None:
    bot.command(slash_command_payload(text="beschreiben", user_id="U0ANNA", team_id=TEAM_ID))
    view = bot.fake.wait_for("views.open", ok_only=True)[-1].params["view"]
    values = as_submitted(view)
    values["description"]["value"]["value"] = long_text(3000)
    values["description_2"]["value"]["value"] = long_text(1500)
    status, ack = submit(bot, view, values)
    assert status == 200
    assert json.loads(ack)["errors"]["description"] == "Höchstens 4000 Zeichen, bitte."


def test_stored_fields_longer_than_slack_allows_are_announced() -> None:
    tools = [f"werkzeug-{i:04d}" for i in range(300)]
    view = describe_modal("de", entry_id=1, description="kurz", tools=tools, max_chars=4000)
    assert view_problems(view) == []
    warning = view["blocks"][0]
    assert warning["type"] == "context" and "Werkzeuge" in all_text(warning)
    assert "gekürzt" in all_text(warning)


@pytest.mark.parametrize(
    "text",
    [
        long_text(4000),
        long_text(9000),
        "x" * 7000,
        "a" * 2999 + " " + "b" * 2999,
        ("Absatz eins.\n" * 400).strip(),
        "kurz",
        "",
    ],
)
def test_description_split_and_join_round_trip(text: str) -> None:
    parts, joins = split_description(text)
    assert all(len(p) <= MAX_INPUT_CHARS for p in parts)
    assert join_description(parts, joins) == text


# ---------------------------------------------------------------- finding 7


def test_huge_plan_ids_get_unknown_plan(bot: BotUnderTest) -> None:
    for text in (
        f"workshop tauschen {HUGE} 1 <@U0A> <@U0B>",
        "workshop festhalten 9223372036854775808 1 <@U0A> <@U0B>",
        "workshop swap 4242 1 <@U0A> <@U0B>",
    ):
        answer = all_text(command_answer(bot, text, "U0FAC")[1])
        assert "Workshop-Plan kenne ich nicht" in answer, text
    for action_id in ("workshop_send", "workshop_csv", "workshop_reshuffle", "workshop_edit"):
        assert "Workshop-Plan kenne ich nicht" in click_answer(bot, action_id, HUGE, "U0FAC")


def test_huge_entry_ids_get_unknown_entry_in_the_members_language(bot: BotUnderTest) -> None:
    command_answer(bot, f"describe {CIVICRM}", "U0BERT")
    with bot.container.store.session() as s:
        repo.set_language(s, TEAM_ID, "U0ENGL", "en")
    for user, expected in (
        ("U0ANNA", "Diesen Eintrag kenne ich nicht"),
        ("U0ENGL", "I do not know that entry"),
    ):
        for action_id, value in (
            ("entry_edit", HUGE),
            ("entry_delete", HUGE),
            ("stale_archive", HUGE),
            ("stale_current", str(2**63)),
            ("suggestion_connect", action_value("U0BERT", 10**20, "instant")),
            ("suggestion_known", action_value("U0BERT", -1, "digest")),
        ):
            assert expected in click_answer(bot, action_id, value, user), (action_id, user)
    # a forged edit modal
    view = describe_modal("de", entry_id=10**20)
    status, ack = submit(
        bot,
        view,
        as_submitted(view)
        | {"description": {"value": {"type": "plain_text_input", "value": CIVICRM}}},
    )
    assert status == 200
    assert "Diesen Eintrag kenne ich nicht" in json.loads(ack)["errors"]["description"]
    with bot.container.store.session() as s:
        assert repo.entries_of(s, TEAM_ID, "U0ANNA") == []


@pytest.mark.parametrize("bad", [0, -1, 2**63, 10**20, -(10**20)])
def test_repo_lookups_refuse_impossible_ids(store: Store, bad: int) -> None:
    with store.session() as s:
        assert repo.get_entry(s, TEAM, bad) is None
        assert repo.get_vector(s, bad) is None
        with pytest.raises(NotFound):
            repo.own_entry(s, TEAM, "U0ANNA", bad)
        with pytest.raises(NotFound):
            repo.get_workshop_plan(s, TEAM, bad)


def test_parse_id() -> None:
    assert parse_id("42") == 42 and parse_id(str(MAX_ID)) == MAX_ID
    for bad in ("0", "-1", str(MAX_ID + 1), HUGE, "²", "٣", " 4", "4_2", "", True, 1.0, None):
        assert parse_id(bad) is None, bad


# ---------------------------------------------------------------- finding 8


def test_saving_the_edit_of_a_deleted_entry_says_it_is_gone(bot: BotUnderTest) -> None:
    command_answer(bot, f"describe {CIVICRM}", "U0ANNA")
    entry = entry_of(bot)
    view = open_edit(bot, entry.id)
    assert "gelöscht" in click_answer(bot, "entry_delete", str(entry.id))
    status, ack = submit(bot, view, as_submitted(view))
    assert status == 200
    assert "gibt es nicht mehr" in json.loads(ack)["errors"]["description"]


def test_entry_deleted_between_the_ack_and_the_save(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    command_answer(bot, f"describe {CIVICRM}", "U0ANNA")
    entry = entry_of(bot)
    view = open_edit(bot, entry.id)
    # The check in the ack still found the entry; the delete lands right after it.
    check = bot.container.members.entry_gone

    def found_then_deleted(team: str, user: str, entry_id: int) -> str | None:
        gone = check(team, user, entry_id)
        bot.container.matcher.delete_entry(team, user, entry_id)
        return gone

    monkeypatch.setattr(bot.container.members, "entry_gone", found_then_deleted)
    before = len(bot.fake.calls("chat.postMessage"))
    assert submit(bot, view, as_submitted(view)) == (200, "")
    bot.idle()
    dms = [c.params["text"] for c in bot.fake.calls("chat.postMessage")[before:]]
    assert len(dms) == 1
    assert "gibt es nicht mehr" in dms[0] and "klappt etwas" not in dms[0]
