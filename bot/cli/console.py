"""`civic-match console`: type `/match …` as a chosen member and read the answers as text.

It goes through the same command table and flows as the Slack app; messages the bot would
send (group DMs, files) are printed instead. Buttons cannot be clicked in a terminal,
so the console offers their effect as commands: `!connect U…`, `!not_relevant U…`,
`!known U…`, `!forget-yes`, `!delete ID`.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.container import Container, build_container
from bot.flows.commands import Reply, friendly_error
from bot.flows.ports import Blocks
from bot.settings import Settings
from bot.slack.blocks.kit import blocks_to_text
from matching.service import Matcher
from profiles import repo

Out = Callable[[str], None]


class ConsoleNotifier:
    """Prints what would be sent to Slack.

    The terminal has no Slack channels: every channel holds the whole local
    community (``members``), so `workshop #any` plans for everyone.
    """

    def __init__(self, out: Out, members: Callable[[], list[str]] | None = None) -> None:
        self.out = out
        self._n = 0
        self._members = members

    def _show(self, where: str, text: str, blocks: Blocks | None) -> str:
        self._n += 1
        self.out(f"── {where}")
        self.out(blocks_to_text(blocks) if blocks else text)
        return f"{self._n}.0"

    def for_team(self, team_id: str) -> ConsoleNotifier:
        return self  # the terminal is one local community

    def dm(self, user_id: str, text: str, blocks: Blocks | None = None) -> str:
        return self._show(f"DM to {user_id}", text, blocks)

    def group_dm(self, user_ids: list[str], text: str, blocks: Blocks | None = None) -> str:
        self._show("group DM " + ", ".join(user_ids), text, blocks)
        return "D" + "-".join(user_ids)

    def post(self, channel: str, text: str, blocks: Blocks | None = None) -> str:
        return self._show(f"post to {channel}", text, blocks)

    def upload(
        self, channel: str, filename: str, content: bytes, title: str = "", comment: str = ""
    ) -> None:
        self.out(f"── file {filename} to {channel} ({len(content)} bytes)")
        try:
            self.out(content.decode("utf-8")[:2000])
        except UnicodeDecodeError:
            # A picture (map, chart): its bytes would garble the terminal.
            self.out("(not text; `civic-match map` and `stats --chart` write pictures to files)")

    def channel_members(self, channel: str) -> list[str]:
        return self._members() if self._members is not None else []


def render(reply: Reply) -> str:
    if reply.view is not None:
        return "(In Slack öffnet sich hier ein Formular; im Terminal: `/match beschreiben <Text>`.)"
    # Show what Slack would display: its mrkdwn escapes (&amp; &lt; &gt;) are decoded.
    return html.unescape(blocks_to_text(reply.blocks) if reply.blocks else reply.text)


class Console:
    def __init__(
        self, settings: Settings, matcher: Matcher, team_id: str, user_id: str, out: Out = print
    ) -> None:
        self.out = out
        self.container: Container = build_container(
            settings, matcher=matcher, notifier=ConsoleNotifier(out, self._community)
        )
        self.team_id = team_id
        self.user_id = user_id

    def _community(self) -> list[str]:
        with self.container.store.session() as s:
            return [m.user_id for m in repo.list_members(s, self.team_id)]

    def handle(self, line: str) -> str:
        """One input line → the answer as text (same handlers as Slack)."""
        line = line.strip()
        ctx = self.container.context(self.team_id, self.user_id)
        if line.startswith("!"):
            reply = self._button(line[1:], ctx.lang)
        else:
            reply = self.container.commands.run(ctx, line)
        return render(reply)

    def _button(self, line: str, lang: str) -> Reply:
        word, _, arg = line.partition(" ")
        s, team, user = self.container.members, self.team_id, self.user_id
        try:
            if word == "connect":
                return s.connect(team, user, arg.strip(), -1, lang)
            if word in ("not_relevant", "known"):
                return s.feedback(team, user, arg.strip(), word, lang)
            if word == "forget-yes":
                return s.forget_confirmed(team, user, lang)
            if word == "delete":
                return s.delete_entry(team, user, int(arg), lang)
        except Exception as exc:
            friendly = friendly_error(exc, lang)
            if friendly is None:
                raise
            return friendly
        return self.container.commands.help_reply(lang, unknown="!" + word)

    def loop(self, lines: Iterable[str], prompt: Callable[[], None] | None = None) -> None:
        for line in lines:
            if line.strip() in ("exit", "quit", ":q"):
                break
            if line.strip():
                self.out(self.handle(line))
            if prompt:
                prompt()


def run_console(
    settings: Settings, matcher: Matcher, team_id: str, user_id: str, stdin: TextIO = sys.stdin
) -> None:
    console = Console(settings, matcher, team_id, user_id)
    interactive = stdin.isatty()

    def prompt() -> None:
        if interactive:
            print(f"{user_id}@{team_id}> ", end="", flush=True)

    if interactive:
        print("civic-match console – `/match hilfe` zeigt die Befehle, `exit` beendet.")
    prompt()
    console.loop(stdin, prompt)
