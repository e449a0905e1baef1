"""`/match karte|map` and the chart beside `/match stats`, over both transports against the
fake Slack: the picture lands in the facilitator's DM, refusals are polite."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest

from bot.flows import charts
from matching.service import Matcher
from testkit.fakeslack import TEAM_ID, FakeSlack
from testkit.fakeslack.fixtures import fake_slack
from tests.support.community import people
from tests.support.slackbot import TRANSPORTS, BotUnderTest, all_text, command_answer, start_on

__all__ = ["fake_slack"]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(params=TRANSPORTS)
def bot(
    request: pytest.FixtureRequest, fake_slack: FakeSlack, matcher: Matcher
) -> Iterator[BotUnderTest]:
    r = start_on(request.param, fake_slack, matcher, facilitators=["U0FAC"])
    yield r
    r.stop()


def command(r: BotUnderTest, text: str, user: str) -> str:
    return all_text(command_answer(r, text, user)[1])


def dm_of(r: BotUnderTest, user: str) -> str:
    opened = [
        c for c in r.fake.calls("conversations.open") if c.ok and c.params.get("users") == user
    ]
    assert opened
    return str(opened[-1].response["channel"]["id"])


def test_karte_uploads_the_map_into_the_facilitators_dm(
    bot: BotUnderTest, matcher: Matcher
) -> None:
    r = bot
    r.fake.add_user("U0FAC")
    r.fake.add_user("U0ANNA")
    assert "Noch keine Einträge" in command(r, "karte", "U0FAC")
    users = people(matcher, TEAM_ID, 6)
    assert "nur Moderator" in command(r, "karte", "U0ANNA")
    assert r.fake.uploaded_files() == []
    assert "Direktnachricht" in command(r, "karte", "U0FAC")
    files = r.fake.uploaded_files()
    assert len(files) == 1
    dm = dm_of(r, "U0FAC")
    assert dm.startswith("D") and files[0]["channel_id"] == dm
    w, h = png_size(files[0]["content"])
    assert w >= 800 and h >= 600
    # No names in the DM: the message beside the map counts, it does not name.
    texts = all_text(r.fake.messages(dm))
    assert "6 Einträge" in texts and "Person" not in texts

    r.fake.set_channel_members("C0WS", [*users[:3], "U0FAC"])
    assert "Direktnachricht" in command(r, "map <#C0WS|ws> themen", "U0FAC")
    assert len(r.fake.uploaded_files()) == 2
    assert "3 Einträge" in all_text(r.fake.messages(dm))
    assert "finde ich nicht" in command(r, "karte <#C0NONE|nirgends>", "U0FAC")
    r.fake.set_channel_members("C0EMPTY", ["U0FAC"])
    assert "Niemand in" in command(r, "karte <#C0EMPTY|leer>", "U0FAC")
    assert "So geht's" in command(r, "karte bunt", "U0FAC")
    assert len(r.fake.uploaded_files()) == 2

    # /match stats for facilitators adds the chart in the same DM.
    stats = command(r, "stats", "U0FAC")
    assert "Community-Statistik" in stats and "Direktnachricht" in stats
    files = r.fake.uploaded_files()
    assert len(files) == 3 and files[-1]["channel_id"] == dm
    assert files[-1]["filename"] == "outcomes-per-month.png"


def test_karte_is_listed_for_facilitators_only(bot: BotUnderTest) -> None:
    bot.fake.add_user("U0FAC")
    bot.fake.add_user("U0ANNA")
    assert "karte" in command(bot, "hilfe", "U0FAC")
    assert "karte" not in command(bot, "hilfe", "U0ANNA")


def test_karte_without_matplotlib_says_how_to_install(
    fake_slack: FakeSlack, matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "available", lambda: False)
    people(matcher, TEAM_ID, 3)
    r = start_on("http", fake_slack, matcher, facilitators=["U0FAC"])
    try:
        for word in ("karte", "stats"):
            assert "pip install 'civic-match[map]'" in command(r, word, "U0FAC")
        assert r.fake.uploaded_files() == []
    finally:
        r.stop()
