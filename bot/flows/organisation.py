"""A member's organisation: what is stored, what Slack's profile offers, and setting it.

The member's own word wins: what they typed (describe modal, App Home, ``/match profil
organisation``) is never replaced by an import or by their Slack profile, and the
describe modal stops asking once they answered. Slack's profile is only ever a
pre-fill the member confirms; matching compares names through matching.orgs.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.commands import Reply
from bot.flows.identity import Identity
from bot.messages import t
from bot.slack.blocks.kit import escape
from matching.text import clean
from profiles import repo
from profiles.db import Store

# What clears the organisation in `/match profil organisation -`.
CLEAR_WORDS = frozenset({"-", "–", "—"})
ORG_WORDS = frozenset({"organisation", "organization", "org"})


@dataclass(frozen=True)
class OrgState:
    """The stored organisation, whether the member typed it, and what to pre-fill."""

    stored: str
    by_member: bool
    prefill: str

    @property
    def ask(self) -> bool:
        """Whether the describe modal asks (once: until the member has answered)."""
        return not self.by_member

    @property
    def suggested(self) -> bool:
        """Whether the pre-fill is Slack's offer rather than what is stored."""
        return bool(self.prefill) and self.prefill != self.stored


def tidy(text: str) -> str:
    """A typed organisation on one line, Slack markup and entities resolved."""
    return " ".join(clean(text).split())


class Organisations:
    """Reading and setting members' organisations, scoped by team id."""

    def __init__(self, store: Store, identity: Identity) -> None:
        self.store = store
        self.identity = identity

    def state(self, team_id: str, user_id: str, *, lookup: bool = True) -> OrgState:
        """What is stored; the pre-fill is that, else what the Slack profile says.

        ``lookup`` may call users.info (cached with the member's other Slack details).
        """
        with self.store.session() as s:
            member = repo.get_member(s, team_id, user_id)
            stored = member.organisation if member is not None else ""
            by_member = member is not None and member.organisation_source == repo.ORG_BY_MEMBER
        prefill = stored
        if not stored and not by_member and lookup:
            prefill = tidy(self.identity.organisation_hint(team_id, user_id) or "")
            prefill = prefill[: repo.ORG_MAX_CHARS]
        return OrgState(stored, by_member, prefill)

    def error(self, typed: str, lang: str) -> str | None:
        """Why ``typed`` cannot be stored (a message), or None."""
        if len(tidy(typed)) > repo.ORG_MAX_CHARS:
            return t("bot.error.too_long", lang, limit=repo.ORG_MAX_CHARS)
        return None

    def store_typed(self, team_id: str, user_id: str, typed: str, lang: str) -> str | None:
        """Store what the member typed (empty or "-": none); why not, if it cannot be."""
        name = tidy(typed)
        if name in CLEAR_WORDS:
            name = ""
        problem = self.error(name, lang)
        if problem is None:
            with self.store.session() as s:
                repo.set_organisation(s, team_id, user_id, name)
        return problem

    def set(self, team_id: str, user_id: str, typed: str, lang: str) -> Reply:
        """Store what the member typed and confirm it (or say why not)."""
        problem = self.store_typed(team_id, user_id, typed, lang)
        if problem is not None:
            return Reply(text=problem)
        name = tidy(typed)
        if not name or name in CLEAR_WORDS:
            return Reply(text=t("bot.org.cleared", lang))
        return Reply(text=t("bot.org.saved", lang, organisation=escape(name)))

    def command(self, team_id: str, user_id: str, text: str, lang: str) -> Reply:
        """`/match profil organisation [Name | -]`: set it, or say what is stored."""
        if text.strip():
            return self.set(team_id, user_id, text, lang)
        current = self.state(team_id, user_id, lookup=False).stored
        if not current:
            return Reply(text=t("bot.org.none", lang))
        return Reply(text=t("bot.org.current", lang, organisation=escape(current)))


def org_subcommand(text: str) -> tuple[bool, str]:
    """Split `organisation <Name>` off the text after `/match profil`: (is it, the rest)."""
    parts = text.split(maxsplit=1)
    if parts and parts[0].casefold() in ORG_WORDS:
        return True, parts[1].strip() if len(parts) > 1 else ""
    return False, text
