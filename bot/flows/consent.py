"""Consent of imported members: the one invitation, and accepting or refusing it.

People put here by ``civic-match import`` (or a workshop's members file) never asked
to be. They get nothing and are suggested to nobody until they accept; the invitation
DM, which shows exactly what was imported about them, is a facilitator's explicit
action and goes to each person at most once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.flows.commands import CommandContext, Reply
from bot.flows.members import MemberFlows
from bot.flows.ports import DeliveryError, Notifier
from bot.messages import t
from bot.slack.blocks.consent import ImportedEntry, invitation_message
from bot.slack.blocks.profile import profile_blocks
from matching.service import Matcher
from profiles import repo
from profiles.db import Store
from profiles.models import Member

log = logging.getLogger(__name__)

DRY_WORDS = ("test", "probe", "vorschau", "preview", "dry-run", "dry")


@dataclass
class InviteReport:
    planned: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    dry_run: bool = False


def _imported(member: Member) -> list[ImportedEntry]:
    return [
        ImportedEntry(
            title=e.title,
            description=e.description,
            kind=e.kind,
            target_groups=list(e.target_groups),
            tools=list(e.tools),
            region=e.region,
            looking_for=list(e.looking_for),
        )
        for e in member.entries
        if not e.archived
    ]


class ConsentFlows:
    """Invitations (facilitators) and the three buttons on them (the invited member)."""

    def __init__(
        self, store: Store, matcher: Matcher, notifier: Notifier, members: MemberFlows
    ) -> None:
        self.store = store
        self.matcher = matcher
        self.notifier = notifier
        self.members = members

    def invite(self, team_id: str, *, dry_run: bool = False) -> InviteReport:
        """Send the invitation to every imported member not yet invited.

        The member is marked before the DM goes out, so two runs at once cannot both
        send; if Slack refuses the DM, nothing was sent and the mark is taken back.
        """
        report = InviteReport(dry_run=dry_run)
        with self.store.session() as s:
            if not repo.workspace_active(s, team_id):
                return report
            pending = [
                (m.user_id, m.display_name, m.organisation, m.language, _imported(m))
                for m in repo.members_to_invite(s, team_id)
            ]
        for user_id, name, org, lang, entries in pending:
            report.planned.append(user_id)
            if dry_run:
                continue
            with self.store.session() as s:
                if not repo.mark_invited(s, team_id, user_id):
                    continue
            text, blocks = invitation_message(name, org, entries, lang)
            try:
                self.notifier.for_team(team_id).dm(user_id, text, blocks)
            except DeliveryError as exc:
                with self.store.session() as s:
                    repo.unmark_invited(s, team_id, user_id)
                report.failed.append((user_id, exc.reason))
                continue
            report.sent.append(user_id)
        log.info(
            "invitations %s: %d planned, %d sent, %d failed",
            team_id,
            len(report.planned),
            len(report.sent),
            len(report.failed),
        )
        return report

    def invite_command(self, ctx: CommandContext) -> Reply:
        """`/match einladen [test]`: facilitators only (checked by the command table)."""
        if not ctx.may_facilitate():
            return Reply(text=t("bot.error.facilitator_only", ctx.lang))
        word = ctx.text.strip().lower()
        if word and word not in DRY_WORDS:
            return Reply(text=t("consent.invite.usage", ctx.lang))
        r = self.invite(ctx.team_id, dry_run=bool(word))
        key = "consent.invite.dry" if r.dry_run else "consent.invite.done"
        who = ", ".join(f"<@{u}>" for u in r.planned[:50]) or "–"
        return Reply(
            text=t(
                key,
                ctx.lang,
                planned=len(r.planned),
                sent=len(r.sent),
                failed=len(r.failed),
                people=who,
            )
        )

    # ------------------------------------------------------------ the invited member

    def accept(self, team_id: str, user_id: str, lang: str) -> Reply:
        with self.store.session() as s:
            repo.accept_member(s, team_id, user_id)
        self.matcher.sync(team_id)
        return Reply(text=t("consent.accepted", lang), replace_original=True)

    def edit(self, team_id: str, user_id: str, lang: str) -> Reply:
        """The member's entries with edit and delete buttons; saving an edit accepts."""
        text, blocks = profile_blocks(self.members.entries(team_id, user_id), lang)
        return Reply(text=text, blocks=blocks)

    def delete(self, team_id: str, user_id: str, lang: str) -> Reply:
        """Everything imported about the member is deleted at once."""
        return self.members.forget_confirmed(team_id, user_id, lang)
