"""`civic-match map` and `stats --chart`: write the facilitators' pictures as PNG files.

The drawing is :mod:`bot.flows.community_map`'s; here its refusals become one-line
CLI errors.
"""

from __future__ import annotations

from pathlib import Path

from bot.cli.common import CliError, slack_notifier
from bot.container import Container
from bot.flows import charts
from bot.flows.community_map import EmptyMap, MapOptions, community_map, outcome_chart
from bot.flows.ports import DeliveryError


def require_charts() -> None:
    """Fail early, before the model and the database are loaded, without the extra."""
    if not charts.available():
        raise CliError(str(charts.ChartsUnavailable()))


def write_chart(rt: Container, team: str, lang: str, path: Path) -> str:
    try:
        path.write_bytes(outcome_chart(rt.store, team, lang))
    except charts.ChartsUnavailable as exc:
        raise CliError(str(exc)) from None
    return f"chart written to {path}"


def write_map(rt: Container, team: str, opts: MapOptions, path: Path) -> str:
    """Draw the map (of one channel's members when ``opts.channel``, read from Slack)."""
    notifier = slack_notifier(rt.settings) if opts.channel else None
    try:
        m = community_map(rt.store, rt.matcher, team, opts, notifier)
    except charts.ChartsUnavailable as exc:
        raise CliError(str(exc)) from None
    except EmptyMap as exc:
        where = f"the members of channel {opts.channel}" if opts.channel else f"team {team}"
        raise CliError(f"no entries for {where}: nothing to draw") from exc
    except DeliveryError as exc:
        raise CliError(f"cannot read the members of channel {opts.channel}: {exc.reason}") from exc
    path.write_bytes(m.png)
    return (
        f"map written to {path}: {m.entries} entries from {m.members} members, "
        f"{m.connections} connections, {m.loners} entries without a good partner"
    )
