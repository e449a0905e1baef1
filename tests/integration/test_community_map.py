"""The community map and the outcome chart (issue 15): drawing, the use case, the CLI."""

from __future__ import annotations

import os
import struct
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from bot.cli.common import DEMO_TEAM
from bot.flows import charts, community_map
from bot.flows.community_map import (
    Connection,
    EmptyMap,
    MapOptions,
    MapPoint,
    draw_map,
    monthly_outcomes,
    outcome_chart,
)
from bot.flows.facilitator import parse_map
from bot.flows.ports import DeliveryError, RecordingNotifier
from matching import projection
from matching.service import EntryInput, Matcher
from profiles import repo
from profiles.clock import ManualClock
from profiles.db import Store
from tests.support.cli import ROOT, run_cli
from tests.support.community import people

T = "T0MAP"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def points(n_per: int = 30, dim: int = 64) -> list[MapPoint]:
    """Entries around four topics, each with its own target group; two entries per member."""
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(4, dim))
    vecs = [centres[c] + rng.normal(scale=1.2, size=dim) for c in range(4) for _ in range(n_per)]
    return [
        MapPoint(
            f"U{i // 2:03d}",
            np.asarray(v, dtype=np.float32),
            (f"g{i // n_per}",),
            ("t",),
            f"Org {i % 3}",
            f"Name {i}",
        )
        for i, v in enumerate(vecs)
    ]


# ---------------------------------------------------------------- drawing


def test_draw_map_is_a_big_enough_png_with_lines_and_loners() -> None:
    pts = points()
    met = Connection(pts[0].user_id, pts[40].user_id, met=True)
    m = draw_map(pts, [Connection(pts[2].user_id, pts[4].user_id), met], MapOptions(lang="en"))
    w, h = png_size(m.png)
    assert w >= 800 and h >= 600
    assert m.entries == 120 and m.members == 60 and m.connections == 2
    for by in ("theme", "organisation"):
        assert png_size(draw_map(pts, options=MapOptions(by=by, names=True)).png)[0] >= 800
    with pytest.raises(EmptyMap):
        draw_map([])


def test_without_matplotlib_the_message_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    monkeypatch.setattr(charts, "available", lambda: False)
    with pytest.raises(charts.ChartsUnavailable, match=r"pip install 'civic-match\[map\]'"):
        outcome_chart(store, T)


def test_map_words_in_both_languages() -> None:
    assert parse_map("") == MapOptions()
    assert parse_map("<#C0WS|ws> themen") == MapOptions(by="theme", channel="C0WS")
    assert parse_map("organisations").by == "organisation"
    with pytest.raises(ValueError):
        parse_map("bunt")


# ---------------------------------------------------------------- the use case


def test_map_of_a_team_and_of_a_channel(store: Store, matcher: Matcher) -> None:
    users = people(matcher, T, 8)
    with store.session() as s:
        repo.record_feedback(s, T, users[0], users[1], "connect")
        repo.record_feedback(s, T, users[1], users[0], "connect")
        repo.record_feedback(s, T, users[2], users[3], "not_relevant")
        # Another workspace's connect between the same ids draws no line here.
        repo.record_feedback(s, "T0OTHER", users[4], users[5], "connect")
    m = community_map.community_map(store, matcher, T)
    assert m.entries == 8 and m.connections == 1
    # A follow-up's "met" (also of a workshop pair never asked to connect) draws a line.
    with store.session() as s:
        repo.record_feedback(s, T, users[6], users[7], "met")
    m = community_map.community_map(store, matcher, T)
    assert m.connections == 2
    notifier = RecordingNotifier(channels={"C0WS": users[:3]})
    m = community_map.community_map(store, matcher, T, MapOptions(channel="C0WS"), notifier)
    assert {p.user_id for p in m.points} == set(users[:3]) and m.entries == 3
    with pytest.raises(DeliveryError):
        community_map.community_map(store, matcher, T, MapOptions(channel="C0NONE"), notifier)
    with pytest.raises(EmptyMap):
        community_map.community_map(store, matcher, "T0EMPTY")


def test_imported_people_who_have_not_agreed_are_not_on_the_map(
    store: Store, matcher: Matcher
) -> None:
    users = people(matcher, T, 4)
    matcher.import_entries(
        T,
        [("U0IMP", "Imported Person", "AWO", EntryInput(description="Daten zu Wohnungslosen"))],
        consent="imported",
    )
    m = community_map.community_map(store, matcher, T, MapOptions(names=True))
    assert {p.user_id for p in m.points} == set(users)
    with store.session() as s:
        repo.accept_member(s, T, "U0IMP")
    m = community_map.community_map(store, matcher, T, MapOptions(names=True))
    assert "U0IMP" in {p.user_id for p in m.points}


def test_outcomes_per_month(store: Store, matcher: Matcher, clock: ManualClock) -> None:
    users = people(matcher, T, 4)
    start = clock()
    clock.set(start - timedelta(days=62))
    with store.session() as s:
        repo.log_suggestions(s, T, users[0], [(users[1], 1.0), (users[2], 1.0)], "digest")
        repo.record_feedback(s, T, users[0], users[1], "connect")
    clock.set(start)
    with store.session() as s:
        repo.log_suggestions(s, T, users[2], [(users[3], 1.0)], "digest")
        repo.record_feedback(s, T, users[2], users[3], "not_relevant")
        repo.log_suggestions(s, "T0OTHER", users[2], [(users[3], 1.0)], "digest")
    o = monthly_outcomes(store, T)
    assert len(o.months) == 12 and o.months[-1] == f"{start:%Y-%m}"
    assert list(o.series) == ["shown", "connect", "not_relevant"]  # no follow-ups yet
    assert o.series["shown"][-3:] == [2, 0, 1]
    assert o.series["connect"][-3:] == [1, 0, 0]
    assert o.series["not_relevant"][-1] == 1
    with store.session() as s:
        repo.record_feedback(s, T, users[0], users[1], "met")
    o = monthly_outcomes(store, T)
    assert list(o.series) == ["shown", "connect", "met", "not_relevant"]
    assert o.series["met"][-1] == 1
    assert png_size(outcome_chart(store, T, "en"))[0] >= 800


# ---------------------------------------------------------------- the CLI


@pytest.mark.slow
def test_demo_map_by_cli_groups_land_together(
    db_url: str, store: Store, real_matcher: Matcher, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": db_url}
    demo = run_cli(["demo", "--members", "1", "--db", db_url], env=env)
    assert demo.returncode == 0, demo.stderr
    out = tmp_path / "map.png"
    r = run_cli(["map", "--team", DEMO_TEAM, "-o", str(out)], env=env)
    assert r.returncode == 0, r.stderr
    assert "42 entries" in r.stdout
    w, h = png_size(out.read_bytes())
    assert w >= 800 and h >= 600
    # Entries sharing a target group: on average 0.70 of a random pair's distance on
    # the demo community (1.0 would be no better than chance).
    with store.session() as s:
        groups = {e.id: e.all_groups for e in repo.active_entries(s, DEMO_TEAM)}
    pts = community_map.map_points(real_matcher, DEMO_TEAM)
    ids = sorted(real_matcher.sync(DEMO_TEAM).docs)
    xy = projection.layout(
        np.vstack([p.vector for p in pts]), [p.groups for p in pts], [p.themes for p in pts]
    )
    assert projection.closeness_ratio(xy, [groups[i] for i in ids]) < 0.8
    chart = tmp_path / "chart.png"
    r = run_cli(["stats", "--team", DEMO_TEAM, "--chart", str(chart)], env=env)
    assert r.returncode == 0, r.stderr
    assert png_size(chart.read_bytes())[0] >= 800


def test_cli_map_errors_are_one_line(db_url: str, matcher: Matcher, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db_url}
    out = tmp_path / "m.png"
    r = run_cli(["map", "--team", "T0EMPTY", "-o", str(out)], env=env)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "civic-match: error: no entries for team T0EMPTY: nothing to draw"
    ]
    assert not out.exists()
    # Without the [map] extra: a matplotlib that cannot be imported comes first on the path.
    fake = tmp_path / "no-extra" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('not installed')\n")
    env["PYTHONPATH"] = f"{fake.parent}{os.pathsep}{ROOT}"
    people(matcher, T, 2)
    for args in (["map", "--team", T, "-o", str(out)], ["stats", "--team", T, "--chart", str(out)]):
        r = run_cli(args, env=env)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert "pip install 'civic-match[map]'" in r.stderr.strip().splitlines()[-1]
        assert not out.exists()
