"""Who is asking: display names, languages and who counts as a facilitator.

Answers from Slack (users.info) and the workspace settings are cached for minutes,
so a burst of commands costs one lookup per member; the cache lives here, in one
place, and every surface (commands, buttons, App Home, digests) asks through it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from bot.flows.commands import CommandContext
from bot.flows.ports import Directory, UserInfo
from bot.messages import norm_lang
from bot.settings import Settings
from profiles import repo
from profiles.db import Store
from profiles.errors import StoreUnavailable

log = logging.getLogger(__name__)

# Long enough that a burst of commands costs one users.info per member, short enough
# that a demoted admin loses facilitator rights within minutes.
USER_INFO_TTL_S = 300.0
TEAM_TTL_S = 60.0


@dataclass
class _Cache:
    lang: dict[tuple[str, str], str] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    # users.info answers (None: Slack does not know the member) with their expiry
    users: dict[tuple[str, str], tuple[UserInfo | None, float]] = field(default_factory=dict)
    team_facilitators: dict[str, tuple[frozenset[str], float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Identity:
    """Names, languages and facilitator rights of the members of every workspace."""

    def __init__(self, settings: Settings, store: Store, directory: Directory | None) -> None:
        self.settings = settings
        self.store = store
        self.directory = directory
        self._cache = _Cache()

    def is_facilitator(self, team_id: str, user_id: str, *, lookup: bool = True) -> bool:
        """Listed in the FACILITATORS setting or the workspace's TeamSettings, or a Slack
        admin or owner. The one check behind help, facilitator commands and their buttons.

        The admin part may call users.info (cached for USER_INFO_TTL_S), so call this
        only after the ack; ``lookup=False`` uses a cached answer or says no.
        """
        if user_id in self.settings.facilitators:
            return True
        if user_id in self._team_facilitators(team_id):
            return True
        if not lookup:
            info = self._cached_info(team_id, user_id)
        else:
            info = self._user_info(team_id, user_id)
        return info is not None and info.is_admin

    def _team_facilitators(self, team_id: str) -> frozenset[str]:
        # Every `help` asks, and a query per help cost a quarter of its work after the
        # ack; the list changes rarely, so a minute's delay in seeing a change is fine.
        with self._cache.lock:
            hit = self._cache.team_facilitators.get(team_id)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        with self.store.session() as s:
            found = frozenset(repo.read_team_settings(s, team_id).facilitators or [])
        with self._cache.lock:
            self._cache.team_facilitators[team_id] = (found, time.monotonic() + TEAM_TTL_S)
        return found

    def lang_for(self, team_id: str, user_id: str, *, lookup: bool = True) -> str:
        """The member's language: their setting if we know them, else the Slack locale.

        ``lookup=False`` never calls Slack (for paths that must stay fast).
        """
        key = (team_id, user_id)
        with self._cache.lock:
            cached = self._cache.lang.get(key)
        if cached:
            return cached
        try:
            with self.store.session() as s:
                member = repo.get_member(s, team_id, user_id)
                lang = member.language if member is not None else None
        except StoreUnavailable:
            # Choosing a language must never be why a member hears nothing: the
            # command itself will report the outage in the default language.
            return norm_lang(self.settings.default_language)
        if lang is None and lookup and self.directory is not None:
            info = self._user_info(team_id, user_id)
            if info is not None and info.locale:
                lang = norm_lang(info.locale)
        if lang is None:
            # Not cached: a later lookup may still find the Slack locale.
            return norm_lang(self.settings.default_language)
        with self._cache.lock:
            self._cache.lang[key] = lang
        return lang

    def _cached_info(self, team_id: str, user_id: str) -> UserInfo | None:
        with self._cache.lock:
            hit = self._cache.users.get((team_id, user_id))
        return hit[0] if hit is not None and hit[1] > time.monotonic() else None

    def _user_info(self, team_id: str, user_id: str) -> UserInfo | None:
        """users.info, cached for USER_INFO_TTL_S so that the language and the admin
        check of one command (and of a burst of them) cost one call."""
        key = (team_id, user_id)
        with self._cache.lock:
            hit = self._cache.users.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        if self.directory is None:
            return None
        try:
            info = self.directory.user(team_id, user_id)
        except Exception:  # Slack unreachable: not cached, so the next command asks again
            log.warning("could not look up %s/%s", team_id, user_id, exc_info=True)
            return None
        with self._cache.lock:
            self._cache.users[key] = (info, time.monotonic() + USER_INFO_TTL_S)
            if info is not None:
                self._cache.names[key] = info.name
        return info

    def display_name(self, team_id: str, user_id: str) -> str | None:
        with self._cache.lock:
            name = self._cache.names.get((team_id, user_id))
        if name is None:
            info = self._user_info(team_id, user_id)
            name = info.name if info else None
        return name

    def organisation_hint(self, team_id: str, user_id: str) -> str | None:
        """What the member's Slack profile says about their organisation (users.info,
        cached like the rest of it); only ever offered as a pre-fill."""
        info = self._user_info(team_id, user_id)
        return info.organisation if info is not None else None

    def forget_cached(self, team_id: str, user_id: str) -> None:
        with self._cache.lock:
            self._cache.lang.pop((team_id, user_id), None)
            self._cache.names.pop((team_id, user_id), None)
            self._cache.users.pop((team_id, user_id), None)

    def context(
        self,
        team_id: str,
        user_id: str,
        *,
        channel_id: str = "",
        trigger_id: str = "",
        lookup: bool = True,
    ) -> CommandContext:
        return CommandContext(
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
            text="",
            lang=self.lang_for(team_id, user_id, lookup=lookup),
            trigger_id=trigger_id,
            facilitator_check=lambda: self.is_facilitator(team_id, user_id),
        )

    def set_language(self, team_id: str, user_id: str, lang: str) -> str:
        """Store the member's language and use it from now on."""
        lang = norm_lang(lang)
        with self.store.session() as s:
            repo.set_language(s, team_id, user_id, lang)
        with self._cache.lock:
            self._cache.lang[(team_id, user_id)] = lang
        return lang
