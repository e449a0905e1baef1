"""`/match <word> [text]`: the command table, parsing, dispatch and the help.

The table is explicit data, assembled once in :func:`bot.container.command_table`
from the flows' handlers; Slack, the terminal console and the tests all get that
same table, so a command works (or is refused) the same everywhere.

- ``words``: every word (German and English) that selects the subcommand; matched
  case-insensitively after Unicode normalisation. The first word is the canonical name.
- ``handler(ctx) -> Reply``: runs *after* the ack, on a bounded worker pool, so it may
  embed, search and call the Web API. ``ctx.text`` is the text after the word, already
  stripped of control characters.
- ``help_key``: a message key with a one-line description for ``help``/``hilfe``.
- ``facilitator_only``: only facilitators may run it (others get a polite refusal) and
  only they see it in the help (:meth:`bot.flows.identity.Identity.is_facilitator`).
- ``quick``: the handler is cheap (no embedding, no Web API) and runs on the quick pool;
  a bool, or a predicate on the text (``describe`` without text opens a modal, whose
  trigger id expires after 3 s).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.flows.ports import DeliveryError
from bot.messages import t
from bot.slack.blocks.kit import Blocks, cap, escape, text_blocks
from matching.errors import EmptyText, MatchingError
from matching.text import strip_control
from profiles.errors import InvalidInput, NotFound, StoreError

log = logging.getLogger(__name__)

COMMAND = "/match"


@dataclass(frozen=True)
class Reply:
    """What a handler answers: text (always, it is the notification fallback), optional
    blocks, whether only the member sees it, or a modal to open with the trigger id."""

    text: str
    blocks: Blocks | None = None
    ephemeral: bool = True
    view: dict[str, Any] | None = None
    replace_original: bool = False


@dataclass
class CommandContext:
    """Everything a subcommand handler may need; team id on everything."""

    team_id: str
    user_id: str
    channel_id: str
    text: str
    lang: str
    trigger_id: str = ""
    word: str = ""
    # None until asked: the check may call Slack (users.info for admins), which only
    # help and facilitator commands need, and only after the ack.
    is_facilitator: bool | None = None
    facilitator_check: Callable[[], bool] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def may_facilitate(self) -> bool:
        """Whether the member may run facilitator commands (asked once per command)."""
        if self.is_facilitator is None:
            check = self.facilitator_check
            self.is_facilitator = bool(check()) if check is not None else False
        return self.is_facilitator


Handler = Callable[[CommandContext], Reply]


@dataclass(frozen=True)
class Subcommand:
    words: tuple[str, ...]
    handler: Handler
    help_key: str
    facilitator_only: bool = False
    quick: bool | Callable[[str], bool] = False

    @property
    def name(self) -> str:
        return self.words[0]

    def is_quick(self, text: str) -> bool:
        return self.quick(text) if callable(self.quick) else self.quick


@dataclass(frozen=True)
class CommandRequest:
    """A parsed ``/match`` line: the subcommand (None for unknown or empty) and its text."""

    word: str
    text: str
    subcommand: Subcommand | None


def normalise_word(word: str) -> str:
    return unicodedata.normalize("NFC", word).strip().lower()


def friendly_error(exc: Exception, lang: str) -> Reply | None:
    """A known library error as a reply in the member's language; None for bugs."""
    if isinstance(exc, EmptyText):
        key = "bot.error.empty"
    elif isinstance(exc, InvalidInput):
        empty = "empty" in str(exc) or "needs a title" in str(exc)
        key = "bot.error.empty" if empty else "bot.error.invalid"
    elif isinstance(exc, NotFound):
        key = "bot.error.not_found"
    elif isinstance(exc, DeliveryError):
        key = "bot.error.delivery"
    elif isinstance(exc, StoreError | MatchingError):
        key = "bot.error.unavailable"
    else:
        return None
    return Reply(text=t(key, lang))


class CommandTable:
    """The ``/match`` subcommands, in help order; a word maps to at most one of them."""

    def __init__(self, subcommands: list[Subcommand]) -> None:
        self._order: list[Subcommand] = []
        self._by_word: dict[str, Subcommand] = {}
        for sub in subcommands:
            self.add(sub)

    def add(self, sub: Subcommand) -> None:
        words = tuple(normalise_word(w) for w in sub.words)
        if not words:
            raise ValueError("a subcommand needs at least one word")
        for w in words:
            other = self._by_word.get(w)
            if other is not None:
                raise ValueError(f"/match {w} is already taken by {other.name}")
        sub = Subcommand(words, sub.handler, sub.help_key, sub.facilitator_only, sub.quick)
        self._order.append(sub)
        for w in words:
            self._by_word[w] = sub

    def __iter__(self) -> Iterator[Subcommand]:
        return iter(list(self._order))

    def names(self) -> list[str]:
        return [sub.name for sub in self._order]

    def lookup(self, word: str) -> Subcommand | None:
        return self._by_word.get(normalise_word(word))

    def parse(self, text: str) -> CommandRequest:
        """Split ``[/match] <word> [text]``; an empty line means help."""
        cleaned = strip_control(text or "").strip()
        if cleaned.lower().startswith(COMMAND):
            cleaned = cleaned[len(COMMAND) :].strip()
        if not cleaned:
            return CommandRequest("help", "", self.lookup("help"))
        word, _, rest = cleaned.partition(" ")
        if "\n" in word:
            word, _, more = word.partition("\n")
            rest = f"{more}\n{rest}" if rest else more
        return CommandRequest(normalise_word(word), rest.strip(), self.lookup(word))

    def help_reply(self, lang: str, *, is_facilitator: bool = False, unknown: str = "") -> Reply:
        lines = []
        if unknown:
            lines.append(t("bot.help.unknown", lang, word=escape(cap(unknown, 40))))
        lines.append(t("bot.help.intro", lang))
        for sub in self._order:
            if sub.facilitator_only and not is_facilitator:
                continue
            # The first two words are the English and German name; further ones are
            # spellings (vorschlaege) that need not clutter the help.
            words = " / ".join(f"`{w}`" for w in sub.words[:2] if w != "?")
            lines.append(f"• {words} – {t(sub.help_key, lang)}")
        text = "\n".join(lines)
        return Reply(text=text, blocks=text_blocks(text))

    def help(self, ctx: CommandContext) -> Reply:
        """The ``help`` subcommand itself."""
        return self.help_reply(ctx.lang, is_facilitator=_shows_facilitator(ctx))

    def dispatch(self, ctx: CommandContext, request: CommandRequest) -> Reply:
        """Run the subcommand of ``request``; unknown words get the help with a hint.

        Known library errors become a polite reply here; anything else propagates to the
        caller, which logs it with the traceback (the bolt error handler or the worker).
        """
        sub = request.subcommand
        if sub is None:
            return self.help_reply(
                ctx.lang, is_facilitator=_shows_facilitator(ctx), unknown=request.word
            )
        if sub.facilitator_only and not ctx.may_facilitate():
            return Reply(text=t("bot.error.facilitator_only", ctx.lang))
        ctx.word = sub.name
        ctx.text = request.text
        try:
            return sub.handler(ctx)
        except (StoreError, MatchingError, DeliveryError) as exc:
            log.info("/match %s for %s/%s: %s", sub.name, ctx.team_id, ctx.user_id, exc)
            reply = friendly_error(exc, ctx.lang)
            assert reply is not None
            return reply

    def run(self, ctx: CommandContext, line: str) -> Reply:
        """Parse and dispatch one ``/match`` line."""
        return self.dispatch(ctx, self.parse(line))


def _shows_facilitator(ctx: CommandContext) -> bool:
    """Whether help lists the facilitator commands; during a database outage only the
    member commands, since help is what a member reaches for when things go wrong."""
    try:
        return ctx.may_facilitate()
    except StoreError as exc:
        log.info("help for %s/%s without the facilitator check: %s", ctx.team_id, ctx.user_id, exc)
        return False
