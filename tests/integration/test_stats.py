"""Community statistics."""

from __future__ import annotations

from pathlib import Path

from bot.flows.digest import DigestService
from bot.flows.ports import RecordingNotifier
from bot.flows.stats import community_stats, render_stats
from matching.service import Matcher
from profiles import repo
from profiles.db import Store
from profiles.models import SuggestionLog
from tests.support.cli import run_cli
from tests.support.community import TEAM, community, settings


def test_stats_after_a_digest(store: Store, matcher: Matcher) -> None:
    users = community(matcher, 6)
    with store.session() as s:
        repo.set_opt_in(s, TEAM, "U05", False)
        repo.upsert_member(s, TEAM, "U_NOENTRY")
    DigestService(store, matcher, RecordingNotifier(), settings()).run(TEAM)
    with store.session() as s:
        shown = s.query(SuggestionLog).count()
        repo.record_feedback(s, TEAM, "U00", "U01", "connect")
        repo.record_feedback(s, TEAM, "U02", "U03", "not_relevant")
    st = community_stats(store, TEAM)
    assert st.members == 7 and st.members_with_entries == 6 and st.entries == 6
    assert st.opted_in == 6 and abs(st.opted_in_share - 6 / 7) < 1e-9
    assert st.digests_sent == len(users) - 1
    assert st.suggestions_shown == shown
    assert abs(st.connect_rate - 1 / shown) < 1e-9
    assert abs(st.not_relevant_rate - 1 / shown) < 1e-9
    assert abs(st.coverage - 5 / 7) < 1e-9
    text = render_stats(st, "de")
    assert "Abdeckung: 71 %" in text
    assert "Coverage: 71 %" in render_stats(st, "en")


def test_stats_of_an_empty_workspace(store: Store) -> None:
    st = community_stats(store, "T_EMPTY")
    assert st.members == 0 and st.coverage == 0.0 and st.connect_rate == 0.0
    assert "0 %" in render_stats(st, "en")


def test_cli_digest_dry_run_workshop_and_stats(
    db_url: str, store: Store, matcher: Matcher, tmp_path: Path
) -> None:
    users = community(matcher, 6)
    env = {"DATABASE_URL": db_url}
    out = run_cli(["digest", "run", "--team", TEAM, "--dry-run"], env=env)
    assert out.returncode == 0, out.stderr
    assert "6 members due; nothing sent" in out.stdout
    with store.session() as s:
        assert repo.digest_claims(s, TEAM) == []
    members = tmp_path / "members.csv"
    members.write_text("id,name\n" + "\n".join(f"{u},x" for u in [*users, "U_GUEST"]) + "\n")
    csv_out = tmp_path / "plan.csv"
    args = ["workshop", "--team", TEAM, "--members", str(members), "--rounds", "2"]
    out = run_cli([*args, "--csv", str(csv_out)], env=env)
    assert out.returncode == 0, out.stderr
    assert "round 2" in out.stdout and "U_GUEST" in out.stdout
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")
    out = run_cli(["stats", "--team", TEAM, "--lang", "en"], env=env)
    assert out.returncode == 0 and "Members: 6" in out.stdout
