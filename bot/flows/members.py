"""What a member does: describe, suggest, find, profile, pause, forget, export, connect.

The buttons on suggestions (connect, not relevant, known) are here too, and the
member's organisation (through bot.flows.organisation).

Each operation takes plain values (team id, user id, typed input) and returns a
:class:`bot.flows.commands.Reply` or a view; outbound messages go through the
``Notifier`` protocol. Nothing here knows about bolt, so the same code runs in
Slack, in the console and in tests with a RecordingNotifier.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.flows.commands import CommandContext, Reply
from bot.flows.followups import starter_for
from bot.flows.identity import Identity
from bot.flows.organisation import Organisations, org_subcommand
from bot.flows.pause import parse_duration, pause_date, pause_note
from bot.flows.ports import Notifier
from bot.messages import t
from bot.messages.reasons import reason_texts, shared_reason
from bot.settings import Settings, team_config
from bot.slack.blocks.home import home_view
from bot.slack.blocks.kit import escape
from bot.slack.blocks.modals import ORG_BLOCK, TITLE_MAX_CHARS, describe_modal
from bot.slack.blocks.profile import confirm_blocks, profile_blocks
from bot.slack.blocks.suggestions import intro_message, suggestions_message
from matching.service import EntryInput, Matcher, Suggestion
from matching.taxonomy import parse_tools
from matching.text import MAX_CHARS, clean, shorten, split_sentences
from profiles import repo
from profiles.db import Store
from profiles.errors import InvalidInput, NotFound, StoreError
from profiles.ids import parse_id, valid_id

log = logging.getLogger(__name__)

TITLE_CHARS = 80


@dataclass(frozen=True)
class EntryForm:
    """The describe modal as submitted (texts as typed, not yet cleaned)."""

    title: str = ""
    description: str = ""
    kind: str = "project"
    groups: tuple[str, ...] = ()
    tools: str = ""
    looking_for: str = ""
    entry_id: int | None = None
    # None: the modal did not ask (the member already answered it once).
    organisation: str | None = None


@dataclass
class CappedText:
    text: str
    capped: bool = False


class MemberFlows:
    """Operations of a member on their own data, scoped by team id."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        matcher: Matcher,
        notifier: Notifier,
        identity: Identity,
    ) -> None:
        self.settings = settings
        self.store = store
        self.matcher = matcher
        self.notifier = notifier
        self.identity = identity
        self.orgs = Organisations(store, identity)

    # ------------------------------------------------------------ members

    def exclude_same_org(self, team_id: str) -> bool:
        """The workspace's choice, else the process Settings (one source of defaults)."""
        with self.store.session() as s:
            row = repo.read_team_settings(s, team_id)
            return team_config(self.settings, row).exclude_same_org

    @property
    def max_chars(self) -> int:
        return min(self.settings.max_text_chars, MAX_CHARS)

    # ------------------------------------------------------------ input

    def cap_text(self, text: str) -> CappedText:
        """Clean a member's text and cut it at the configured limit (at a word boundary)."""
        cleaned = clean(text)
        if len(cleaned) <= self.max_chars:
            return CappedText(cleaned)
        return CappedText(shorten(cleaned, self.max_chars), capped=True)

    def _suggestions_reply(
        self,
        team_id: str,
        user_id: str,
        sugg: list[Suggestion],
        lang: str,
        intro: str,
        *,
        source: str = "instant",
        notes: list[str] | None = None,
    ) -> Reply:
        if sugg:
            self.matcher.record_shown(team_id, user_id, sugg, source=source)
        head = "\n".join([*(notes or []), intro])
        text, blocks = suggestions_message(sugg, lang, intro=head, source=source)
        return Reply(text=text, blocks=blocks)

    def _save(
        self, team_id: str, user_id: str, data: EntryInput, lang: str, entry_id: int | None = None
    ) -> int:
        if entry_id is not None:
            self.matcher.update_entry(team_id, user_id, entry_id, data)
            return entry_id
        return self.matcher.save_entry(
            team_id,
            user_id,
            data,
            display_name=self.identity.display_name(team_id, user_id),
            language=lang,
        )

    # ------------------------------------------------------------ subcommands

    def describe(self, ctx: CommandContext) -> Reply:
        if not ctx.text.strip():
            view = self.modal(ctx.lang, team_id=ctx.team_id, user_id=ctx.user_id)
            return Reply(text=t("bot.modal.title", ctx.lang), view=view)
        body = self.cap_text(ctx.text)
        if not body.text:
            return Reply(text=t("bot.error.empty", ctx.lang))
        first = split_sentences(body.text)[:1] or [body.text]
        data = EntryInput(title=shorten(first[0], TITLE_CHARS), description=body.text)
        entry_id = self._save(ctx.team_id, ctx.user_id, data, ctx.lang)
        notes = [t("bot.describe.saved", ctx.lang, title=escape(data.title))]
        if body.capped:
            notes.append(t("bot.describe.capped", ctx.lang, limit=self.max_chars))
        sugg = self.matcher.suggest_for_entry(
            ctx.team_id,
            entry_id,
            self.settings.suggestions_shown,
            exclude_same_org=self.exclude_same_org(ctx.team_id),
        )
        return self._suggestions_reply(
            ctx.team_id, ctx.user_id, sugg, ctx.lang, t("bot.suggest.intro", ctx.lang), notes=notes
        )

    def suggest(self, ctx: CommandContext) -> Reply:
        with self.store.session() as s:
            has_entries = bool(repo.entries_of(s, ctx.team_id, ctx.user_id))
        if not has_entries:
            return Reply(text=t("bot.suggest.no_entries", ctx.lang))
        sugg = self.matcher.suggest_for_member(
            ctx.team_id,
            ctx.user_id,
            self.settings.suggestions_shown,
            exclude_same_org=self.exclude_same_org(ctx.team_id),
        )
        return self._suggestions_reply(
            ctx.team_id, ctx.user_id, sugg, ctx.lang, t("bot.suggest.intro", ctx.lang)
        )

    def find(self, ctx: CommandContext) -> Reply:
        query = self.cap_text(ctx.text)
        if not query.text:
            return Reply(text=t("bot.find.usage", ctx.lang))
        sugg = self.matcher.find(
            ctx.team_id, query.text, self.settings.suggestions_shown, user_id=ctx.user_id
        )
        intro = t("bot.find.intro", ctx.lang, query=escape(shorten(query.text, 100)))
        notes = [t("bot.describe.capped", ctx.lang, limit=self.max_chars)] if query.capped else []
        return self._suggestions_reply(
            ctx.team_id, ctx.user_id, sugg, ctx.lang, intro, source="find", notes=notes
        )

    def entries(self, team_id: str, user_id: str) -> list[tuple[int, str, str, str]]:
        with self.store.session() as s:
            return [
                (e.id, e.title, e.description, e.kind) for e in repo.entries_of(s, team_id, user_id)
            ]

    def profile(self, ctx: CommandContext) -> Reply:
        """`/match profil`: the member's entries; `profil organisation <Name>` sets theirs."""
        is_org, rest = org_subcommand(ctx.text)
        if is_org:
            return self.orgs.command(ctx.team_id, ctx.user_id, rest, ctx.lang)
        if ctx.text.strip():
            return Reply(text=t("bot.profile.usage", ctx.lang))
        org = self.orgs.state(ctx.team_id, ctx.user_id, lookup=False).stored
        text, blocks = profile_blocks(self.entries(ctx.team_id, ctx.user_id), ctx.lang, org)
        return Reply(text=text, blocks=blocks)

    def pause(self, ctx: CommandContext) -> Reply:
        """`pause` stops digests; `pause 4w` (or `pausieren 4 Wochen`) for a while."""
        if not ctx.text.strip():
            return self.set_opt_in(ctx.team_id, ctx.user_id, False, ctx.lang)
        length = parse_duration(ctx.text)
        if length is None:
            return Reply(
                text=t("bot.pause.bad_duration", ctx.lang, text=escape(shorten(ctx.text, 40)))
            )
        until = self.store.clock() + length
        with self.store.session() as s:
            repo.pause_until(s, ctx.team_id, ctx.user_id, until)
        return Reply(text=t("bot.pause.until", ctx.lang, until=pause_date(until, self.settings)))

    def resume(self, ctx: CommandContext) -> Reply:
        return self.set_opt_in(ctx.team_id, ctx.user_id, True, ctx.lang)

    def set_opt_in(self, team_id: str, user_id: str, opted_in: bool, lang: str) -> Reply:
        with self.store.session() as s:
            repo.set_opt_in(s, team_id, user_id, opted_in)
        return Reply(text=t("bot.resume.done" if opted_in else "bot.pause.done", lang))

    def forget(self, ctx: CommandContext) -> Reply:
        text = t("bot.forget.confirm", ctx.lang)
        blocks = confirm_blocks(
            text,
            t("bot.btn.forget_yes", ctx.lang),
            "forget_confirm",
            t("bot.btn.cancel", ctx.lang),
            "forget_cancel",
        )
        return Reply(text=text, blocks=blocks)

    def forget_confirmed(self, team_id: str, user_id: str, lang: str) -> Reply:
        counts = self.matcher.forget_member(team_id, user_id)
        self.identity.forget_cached(team_id, user_id)
        log.info("forgot member %s/%s: %s", team_id, user_id, counts)
        return Reply(
            text=t("bot.forget.done", lang, entries=counts.get("entries", 0)),
            replace_original=True,
        )

    def export(self, ctx: CommandContext) -> Reply:
        with self.store.session() as s:
            data = repo.export_member(s, ctx.team_id, ctx.user_id)
        content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        # The file goes to the member's DM, never to the channel the command came from.
        channel = self.notifier.for_team(ctx.team_id).group_dm(
            [ctx.user_id], t("bot.export.comment", ctx.lang)
        )
        self.notifier.for_team(ctx.team_id).upload(
            channel, f"civic-match-{ctx.user_id}.json", content, title="civic-match export"
        )
        return Reply(text=t("bot.export.done", ctx.lang))

    # ------------------------------------------------------------ buttons on suggestions

    def _check_partner(self, team_id: str, user_id: str, other_id: str) -> str:
        """The partner's display name; NotFound if they are not a member of *this* team
        (or an imported person who has not agreed: a forged button must not reach them)."""
        if other_id == user_id:
            raise InvalidInput("self")
        with self.store.session() as s:
            other = repo.get_member(s, team_id, other_id)
            if other is None or not other.consenting:
                raise NotFound(f"no member {other_id}")
            return other.display_name or other_id

    def connect(self, team_id: str, user_id: str, other_id: str, entry_id: int, lang: str) -> Reply:
        """Open a group DM of the two with an intro that says why they were matched."""
        name = self._check_partner(team_id, user_id, other_id)
        reasons: list[str] = []
        title = ""
        with self.store.session() as s:
            entry = repo.get_entry(s, team_id, entry_id)
            if entry is not None and entry.member.user_id == other_id:
                title = entry.title
        # Recomputed rather than carried in the button, so the intro reflects the entries
        # as they are now and a forged button cannot put words in the bot's mouth.
        found: Suggestion | None = None
        for sg in self.matcher.suggest_for_member(team_id, user_id, k=50):
            if sg.user_id == other_id:
                found, reasons = sg, reason_texts(sg, lang)
                title = title or sg.entry_title
                break
        starter = starter_for(user_id, other_id, found.reasons if found else ())
        text, blocks = intro_message(
            user_id,
            other_id,
            reasons,
            lang,
            title,
            starter=starter,
            opener=shared_reason(found, lang) if found else "",
        )
        channel = self.notifier.for_team(team_id).group_dm([user_id, other_id], text, blocks)
        with self.store.session() as s:
            repo.record_feedback(s, team_id, user_id, other_id, "connect")
            repo.record_introduction(
                s, team_id, user_id, other_id, starter=starter, source="connect", channel=channel
            )
        return Reply(text=t("bot.connect.done", lang, name=escape(name)))

    def feedback(self, team_id: str, user_id: str, other_id: str, kind: str, lang: str) -> Reply:
        """Not relevant / already known: stored, and the pair is never suggested again."""
        name = self._check_partner(team_id, user_id, other_id)
        with self.store.session() as s:
            repo.record_feedback(s, team_id, user_id, other_id, kind)
        return Reply(text=t(f"bot.feedback.{kind}", lang, name=escape(name)))

    # ------------------------------------------------------------ entries and modal

    def modal(
        self, lang: str, entry_id: int | None = None, team_id: str = "", user_id: str = ""
    ) -> dict[str, Any]:
        # Asked once, in whichever describe modal comes first, pre-filled with what is known.
        org = self.orgs.state(team_id, user_id) if team_id and user_id else None
        organisation = org.prefill if org is not None and org.ask else None
        if entry_id is None:
            return describe_modal(lang, max_chars=self.max_chars, organisation=organisation)
        with self.store.session() as s:
            e = repo.own_entry(s, team_id, user_id, entry_id)
            return describe_modal(
                lang,
                entry_id=e.id,
                title=e.title,
                description=e.description,
                kind=e.kind,
                groups=e.target_groups,
                tools=e.tools,
                looking_for=", ".join(e.looking_for),
                max_chars=self.max_chars,
                organisation=organisation,
            )

    def entry_gone(self, team_id: str, user_id: str, entry_id: int) -> str | None:
        """Why an edit of this entry cannot be saved (a message key), or None if it can.

        An outage answers None: the save after the ack reports it properly.
        """
        if not valid_id(entry_id):
            return "bot.error.unknown_entry"
        try:
            with self.store.session() as s:
                repo.own_entry(s, team_id, user_id, entry_id)
        except NotFound:
            return "bot.entry.gone"
        except StoreError:
            log.warning("could not check entry %s before the ack", entry_id, exc_info=True)
        return None

    def form_errors(self, form: EntryForm, lang: str) -> dict[str, str]:
        """Problems to show next to the modal's fields (answered in the ack, so cheap)."""
        errors: dict[str, str] = {}
        if not clean(form.title) and not clean(form.description):
            errors["description"] = t("bot.error.empty", lang)
        if len(form.description) > self.max_chars:
            errors["description"] = t("bot.error.too_long", lang, limit=self.max_chars)
        if len(form.title) > TITLE_MAX_CHARS:
            errors["title"] = t("bot.error.too_long", lang, limit=TITLE_MAX_CHARS)
        org_problem = self.orgs.error(form.organisation or "", lang)
        if org_problem is not None:
            errors[ORG_BLOCK] = org_problem
        return errors

    def save_form(self, team_id: str, user_id: str, form: EntryForm, lang: str) -> Reply:
        """Store the modal's entry and DM the member the result with suggestions."""
        body = self.cap_text(form.description)
        data = EntryInput(
            title=shorten(clean(form.title), 300),
            description=body.text,
            kind=form.kind if form.kind in ("project", "dataset") else "project",
            target_groups=list(form.groups),
            tools=parse_tools([form.tools]) if form.tools.strip() else [],
            looking_for=[],
        )
        if form.organisation is not None:
            # Before the entry, so that its first suggestions already know the organisation.
            self.orgs.store_typed(team_id, user_id, form.organisation, lang)
        try:
            entry_id = self._save(team_id, user_id, data, lang, form.entry_id)
        except NotFound:
            if form.entry_id is None:
                raise
            # Deleted between the check in the ack and now.
            gone = Reply(text=t("bot.entry.gone", lang))
            self.notifier.for_team(team_id).dm(user_id, gone.text)
            return gone
        key = "bot.describe.updated" if form.entry_id is not None else "bot.describe.saved"
        title = data.title or shorten(data.description, TITLE_CHARS)
        notes = [t(key, lang, title=escape(title))]
        if body.capped:
            notes.append(t("bot.describe.capped", lang, limit=self.max_chars))
        sugg = self.matcher.suggest_for_entry(
            team_id,
            entry_id,
            self.settings.suggestions_shown,
            exclude_same_org=self.exclude_same_org(team_id),
        )
        reply = self._suggestions_reply(
            team_id, user_id, sugg, lang, t("bot.suggest.intro", lang), notes=notes
        )
        self.notifier.for_team(team_id).dm(user_id, reply.text, reply.blocks)
        return reply

    def delete_entry(self, team_id: str, user_id: str, entry_id: int, lang: str) -> Reply:
        self.matcher.delete_entry(team_id, user_id, entry_id)
        text, blocks = profile_blocks(self.entries(team_id, user_id), lang)
        note = t("bot.entry.deleted", lang)
        return Reply(text=f"{note}\n{text}", blocks=[*blocks], replace_original=True)

    # ------------------------------------------------------------ App Home and settings

    def home(self, team_id: str, user_id: str) -> dict[str, Any]:
        lang = self.identity.lang_for(team_id, user_id)
        with self.store.session() as s:
            member = repo.get_member(s, team_id, user_id)
            cadence = member.cadence if member else "weekly"
            opted_in = member.opted_in if member else True
            note = pause_note(member, self.store.clock(), self.settings, lang)
        entries = self.entries(team_id, user_id)
        sugg: list[Suggestion] = []
        if entries:
            sugg = self.matcher.suggest_for_member(
                team_id,
                user_id,
                self.settings.suggestions_shown,
                exclude_same_org=self.exclude_same_org(team_id),
            )
        org = self.orgs.state(team_id, user_id)
        return home_view(
            lang,
            entries=entries,
            suggestions=sugg,
            cadence=cadence,
            opted_in=opted_in,
            organisation=org.prefill,
            organisation_suggested=org.suggested,
            pause_note=note,
        )

    def set_organisation(self, team_id: str, user_id: str, typed: str, lang: str) -> str | None:
        """The organisation typed into App Home; why it cannot be stored, or None."""
        return self.orgs.store_typed(team_id, user_id, typed, lang)

    def set_cadence(self, team_id: str, user_id: str, cadence: str) -> None:
        with self.store.session() as s:
            repo.upsert_member(s, team_id, user_id)
            repo.set_cadence(s, team_id, user_id, cadence)

    def keep_or_archive(
        self, team_id: str, user_id: str, value: str, archive: bool, lang: str
    ) -> Reply:
        """The owner of a year-old entry keeps it (it counts as updated) or archives it."""
        if not (value.isascii() and value.isdigit()):
            return Reply(text=t("bot.error.stale_button", lang))
        entry_id = parse_id(value)
        if entry_id is None:
            return Reply(text=t("bot.error.unknown_entry", lang))
        with self.store.session() as s:
            if archive:
                repo.set_archived(s, team_id, user_id, entry_id, True)
                key = "digest.stale.archived"
            else:
                repo.confirm_entry_current(s, team_id, user_id, entry_id)
                key = "digest.stale.confirmed"
        return Reply(text=t(key, lang), replace_original=True)
