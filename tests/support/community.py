"""A small sample community and the helpers most store and flow tests share."""

from __future__ import annotations

import threading
from collections import Counter

from bot.flows.ports import Blocks, RecordingNotifier
from bot.settings import Settings
from matching.service import EntryInput, Matcher

TEAM = "T1"

TOPICS = [
    "Beratung für Geflüchtete aus der Ukraine mit CiviCRM und Ehrenamt",
    "Ehrenamt und Beratung für Geflüchtete, Daten in CiviCRM",
    "Senior*innen im Quartier, Besuchsdienst und Ehrenamt mit Daten",
    "Besuchsdienst für Senior*innen, Ehrenamt und Quartiersdaten",
    "Wohnungslose Menschen, Kältehilfe und Beratung mit offenen Daten",
    "Kältehilfe für Wohnungslose, Beratung und Daten zur Versorgung",
    "Kinder in Armut, Lernförderung und Daten zu Schulen",
    "Lernförderung für Kinder in Armut mit Ehrenamt und Daten",
    "Hass im Netz, Beratung für Betroffene und Meldedaten",
    "Betroffene von Hass im Netz, Beratung und Auswertung von Daten",
]
ORGS = ["AWO", "Caritas", "DRK", "Diakonie", "Paritätische"]


def settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def community(matcher: Matcher, n: int = 10) -> list[str]:
    users = [f"U{i:02d}" for i in range(n)]
    matcher.import_entries(
        TEAM,
        [
            (u, f"Person {i}", ORGS[i % len(ORGS)], EntryInput(description=TOPICS[i % len(TOPICS)]))
            for i, u in enumerate(users)
        ],
        # A community of members who described themselves (import is only the shortcut).
        consent="self",
    )
    return users


def people(matcher: Matcher, team: str, n: int) -> list[str]:
    """``n`` members of ``team`` (U0P00, U0P01, …) with one sample entry each."""
    users = [f"U0P{i:02d}" for i in range(n)]
    matcher.import_entries(
        team,
        [
            (u, f"Person {i}", ORGS[i % len(ORGS)], EntryInput(description=TOPICS[i % len(TOPICS)]))
            for i, u in enumerate(users)
        ],
        consent="self",
    )
    return users


def dms(notifier: RecordingNotifier) -> Counter[str]:
    return Counter(m.target for m in notifier.sent if m.kind == "dm")


class SharedRecorder(RecordingNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
        with self.lock:
            return super().dm(user_id, text, blocks)
