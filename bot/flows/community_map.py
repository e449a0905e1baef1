"""Facilitators' picture of the community: the map and outcomes per month (issue 15).

The use case between the store, the matcher, :mod:`matching.projection` (geometry)
and :mod:`bot.flows.charts` (drawing). Slack-free: a channel's members come from a
:class:`bot.flows.ports.Notifier`, the result is PNG bytes and a few counts; the
facilitator command (:class:`bot.flows.facilitator.FacilitatorFlows`) and the CLI only
deliver it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from bot.flows import charts
from bot.flows.ports import Notifier
from bot.messages import t
from matching import projection
from matching.service import Matcher
from matching.taxonomy import group_label
from matching.themes import theme_label
from profiles import repo
from profiles.db import Store

BY = ("group", "theme", "organisation")
# Best partner's cosine similarity below this marks a loner. With the default model a
# related pair scores 0.5-0.7; in the demo community 0.45 marks the 6 of 42 entries
# whose nearest other project shares neither target group nor field.
LONER_BELOW = 0.45
# Colours a reader tells apart in a legend; rarer categories are drawn as "other".
MAX_CATEGORIES = 9
# Names on more points than this are unreadable; the map then names no one.
MAX_NAMED = 300
# What the outcome chart shows, in this order; "met" and "collaboration" appear once
# follow-ups have recorded them (feedback kinds, bot.flows.followups), until then the
# chart has shown / connect / not relevant.
SERIES = ("shown", "connect", "met", "collaboration", "not_relevant")
OPTIONAL_SERIES = ("met", "collaboration")


class EmptyMap(Exception):
    """Nothing to draw: the workspace (or the channel's members) has no entries."""

    def __init__(self, channel: str = "") -> None:
        super().__init__(f"no entries in channel {channel}" if channel else "no entries")
        self.channel = channel


@dataclass(frozen=True)
class MapOptions:
    by: str = "group"
    channel: str = ""
    names: bool = False
    lang: str = "de"
    loner_below: float = LONER_BELOW


@dataclass(frozen=True)
class MapPoint:
    """One entry as the map needs it."""

    user_id: str
    vector: NDArray[np.float32]
    groups: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    organisation: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class Connection:
    """Two members who asked to be connected; ``met`` once a follow-up says they met."""

    a: str
    b: str
    met: bool = False


@dataclass(frozen=True)
class CommunityMap:
    png: bytes
    entries: int
    members: int
    loners: int
    connections: int
    coords: NDArray[np.float64]
    points: tuple[MapPoint, ...]


def _label(key: str, by: str, lang: str) -> str:
    try:
        if by == "group":
            return group_label(key, lang)
        if by == "theme":
            return theme_label(key, lang)
    except KeyError:
        pass
    return key


def _tags(p: MapPoint, by: str) -> tuple[str, ...]:
    if by == "theme":
        return p.themes
    if by == "organisation":
        return (p.organisation,) if p.organisation else ()
    return p.groups


def _categories(tags: Sequence[tuple[str, ...]]) -> tuple[list[str], NDArray[np.intp]]:
    """The most frequent tags as colours; each point takes its most frequent one."""
    freq = Counter(k for ts in tags for k in set(ts))
    top = [k for k, _ in sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))][:MAX_CATEGORIES]
    rank = {k: i for i, k in enumerate(top)}
    cat = np.array([min((rank[k] for k in ts if k in rank), default=-1) for ts in tags], np.intp)
    return top, cat


def draw_map(
    points: Sequence[MapPoint],
    connections: Sequence[Connection] = (),
    options: MapOptions | None = None,
) -> CommunityMap:
    """Lay out, cluster, label and draw ``points``; raises EmptyMap for none."""
    o = options or MapOptions()
    if not points:
        raise EmptyMap(o.channel)
    lang = o.lang
    by = o.by if o.by in BY else "group"
    vectors = np.vstack([p.vector for p in points]).astype(np.float32)
    owners = [p.user_id for p in points]
    coords = projection.layout(vectors, [p.groups for p in points], [p.themes for p in points])
    best = projection.best_partner_scores(vectors, owners)
    lone = projection.loners(best, o.loner_below)
    lines = projection.connection_lines(vectors, owners, [(c.a, c.b) for c in connections])
    met_of = {frozenset((c.a, c.b)): c.met for c in connections}
    met = [met_of.get(frozenset((owners[i], owners[j])), False) for i, j in lines]

    keys, category = _categories([_tags(p, by) for p in points])
    # Clusters are named after what they are about (groups or themes), also when the
    # colours show organisations.
    topic = "theme" if by == "theme" else "group"
    topics = [_tags(p, topic) for p in points]
    clusters = projection.kmeans(coords, projection.cluster_count(len(points)))
    named = projection.cluster_labels(clusters, topics)
    cluster_labels = []
    for c, tags in named.items():
        if tags:
            x, y = coords[clusters == c].mean(axis=0)
            text = "\n".join(_label(k, topic, lang) for k in tags)
            cluster_labels.append((float(x), float(y), text))

    point_labels = None
    members = len(set(owners))
    if o.names and len(points) <= MAX_NAMED:
        first: set[str] = set()
        point_labels = []
        for p in points:
            point_labels.append("" if p.user_id in first else (p.display_name or p.user_id))
            first.add(p.user_id)
    head = "map.title.channel" if o.channel else "map.title"
    picture = charts.MapPicture(
        coords=coords,
        category=category,
        categories=[_label(k, by, lang) for k in keys],
        loner=lone,
        lines=lines,
        met=met,
        cluster_labels=cluster_labels,
        point_labels=point_labels,
        title=t(head, lang, entries=len(points), members=members),
        other_label=t("map.legend.other", lang),
        connect_label=t("map.legend.connect", lang),
        met_label=t("map.legend.met", lang),
        loner_label=t("map.legend.loner", lang),
    )
    return CommunityMap(
        png=charts.map_png(picture),
        entries=len(points),
        members=members,
        loners=int(lone.sum()),
        connections=len(lines),
        coords=coords,
        points=tuple(points),
    )


def map_points(matcher: Matcher, team_id: str, members: set[str] | None = None) -> list[MapPoint]:
    """The workspace's active entries from the matcher's pool (the stored vectors)."""
    pool = matcher.sync(team_id)
    docs = sorted(pool.docs.values(), key=lambda d: d.entry_id)
    return [
        MapPoint(
            user_id=d.user_id,
            vector=d.vector,
            groups=tuple(sorted(d.groups)),
            themes=tuple(sorted(d.themes)),
            organisation=d.organisation,
            display_name=d.display_name,
        )
        for d in docs
        if members is None or d.user_id in members
    ]


def community_map(
    store: Store,
    matcher: Matcher,
    team_id: str,
    options: MapOptions | None = None,
    notifier: Notifier | None = None,
) -> CommunityMap:
    """The map of a workspace, or of one channel's members (read through ``notifier``;
    an unknown channel raises its DeliveryError). Raises EmptyMap without entries and
    ChartsUnavailable without the plotting extra, the latter before any work."""
    o = options or MapOptions()
    if not charts.available():
        raise charts.ChartsUnavailable()
    members: set[str] | None = None
    if o.channel:
        if notifier is None:
            raise ValueError("a channel map needs a notifier to read the channel's members")
        members = set(notifier.for_team(team_id).channel_members(o.channel))
    with store.session() as s:
        # Imported people who have not agreed yet are left off like in the statistics:
        # the map is shown to others, and --names would print who they are.
        agreed = repo.consenting_user_ids(s, team_id, matcher.sync(team_id).users())
    members = agreed if members is None else members & agreed
    points = map_points(matcher, team_id, members)
    with store.session() as s:
        pairs = repo.connect_pairs(s, team_id)
        met = repo.connect_pairs(s, team_id, kind="met")
    # A workshop pair that met was never asked to connect: its line is drawn too.
    connections = [
        Connection(a, b, met=frozenset((a, b)) in met)
        for a, b in sorted(sorted(p) for p in pairs | met if len(p) == 2)
    ]
    return draw_map(points, connections, o)


# ---------------------------------------------------------------- outcomes over time


def _month_starts(now: datetime, months: int) -> list[datetime]:
    y, m = now.year, now.month
    out = []
    for _ in range(months):
        out.append(now.replace(year=y, month=m, day=1, hour=0, minute=0, second=0, microsecond=0))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


@dataclass(frozen=True)
class Outcomes:
    months: list[str]
    series: dict[str, list[int]]


def monthly_outcomes(store: Store, team_id: str, months: int = 12) -> Outcomes:
    """Suggestions shown and what came of them, per month for the last ``months``."""
    starts = _month_starts(store.clock(), months)
    with store.session() as s:
        counts = repo.monthly_activity(s, team_id, starts[0])
    labels = [f"{d:%Y-%m}" for d in starts]
    series = {k: [counts.get(m, {}).get(k, 0) for m in labels] for k in SERIES}
    for k in OPTIONAL_SERIES:
        if not any(series[k]):
            del series[k]
    return Outcomes(labels, series)


def outcome_chart(store: Store, team_id: str, lang: str = "de", months: int = 12) -> bytes:
    """The outcome chart as PNG; raises ChartsUnavailable without the plotting extra."""
    if not charts.available():
        raise charts.ChartsUnavailable()
    o = monthly_outcomes(store, team_id, months)
    return charts.monthly_png(
        o.months,
        [(t(f"chart.series.{k}", lang), v) for k, v in o.series.items()],
        t("chart.title", lang),
    )
