"""Races and hostile input (issue 9, findings 4-8): each test sends the request or runs
the race and checks what the member gets."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from matching.service import EntryInput, Matcher
from profiles import repo

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
