"""Shared plumbing of the listeners: who is asking, running work later, delivering replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.container import Container
from bot.flows.commands import Reply, friendly_error
from bot.messages import t

log = logging.getLogger(__name__)

Body = dict[str, Any]


def team_and_user(body: Body) -> tuple[str, str]:
    """Team and user of an interaction payload (block_actions, view_submission)."""
    user = body.get("user")
    user = user if isinstance(user, dict) else {}
    team = body.get("team")
    team_id = (team.get("id") if isinstance(team, dict) else None) or user.get("team_id") or ""
    return str(team_id), str(user.get("id") or "")


# Where Slack's response URLs live (commercial and GovSlack).
SLACK_RESPONSE_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})


def response_url_allowed(url: str, api_url: str | None = None) -> bool:
    """Whether ``url`` may be a response URL from Slack: https on Slack's hooks host, or
    on the host and port of SLACK_API_URL when one is set (GovSlack, a test server).

    A response URL is posted to with the member's data; one that points elsewhere can
    only come from a forged request, so nothing is ever sent there.
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return False
    if not host:
        return False
    if parts.scheme == "https" and host in SLACK_RESPONSE_HOSTS and port in (None, 443):
        return True
    if not api_url:
        return False
    try:
        api = urlsplit(api_url)
        return (parts.scheme, host, port) == (api.scheme, api.hostname, api.port)
    except ValueError:
        return False


def can_respond(body: Body) -> bool:
    return bool(body.get("response_url"))


def deliver(
    reply: Reply,
    respond: Respond | None,
    client: WebClient,
    *,
    trigger_id: str = "",
    lang: str = "de",
) -> None:
    """Send a handler's reply: open its modal, or answer through the response URL."""
    if reply.view is not None:
        try:
            client.views_open(trigger_id=trigger_id, view=reply.view)
            return
        except SlackApiError as exc:
            # An expired trigger (work queued too long) must not lose the answer.
            log.warning("views.open failed: %s", exc.response.get("error"))
            if respond is None:
                raise
            respond(text=t("bot.error.unavailable", lang), response_type="ephemeral")
            return
    if respond is None:
        return
    respond(
        text=reply.text,
        blocks=reply.blocks,
        response_type="ephemeral" if reply.ephemeral else "in_channel",
        replace_original=reply.replace_original,
    )


def respond_or_dm(
    c: Container, response_url: str, team_id: str, user_id: str, reply: Reply
) -> None:
    """Answer through a response URL kept from an earlier interaction, else by DM.

    A modal's submission has no response URL of its own; the one from the button that
    opened the modal replaces the message that button was on (an ephemeral one too).
    Such a URL expires after 30 minutes and five uses, so a refused or failed post
    falls back to a DM rather than losing the answer.
    """
    if response_url and not response_url_allowed(response_url, c.settings.slack_api_url):
        log.warning("dropped a response URL that is not Slack's: %s", ascii(response_url[:100]))
        response_url = ""
    if response_url:
        try:
            sent = Respond(response_url=response_url)(
                text=reply.text,
                blocks=reply.blocks,
                response_type="ephemeral",
                replace_original=reply.replace_original,
            )
            if sent.status_code == 200:
                return
            log.info("response URL refused (%s); answering by DM", sent.status_code)
        except Exception:
            log.warning("response URL unreachable; answering by DM", exc_info=True)
    c.notifier.for_team(team_id).dm(user_id, reply.text, reply.blocks)


def later(
    c: Container,
    job: Callable[[], None],
    *,
    lang: Callable[[], str],
    respond: Respond | None = None,
    dm: tuple[str, str] | None = None,
    quick: bool = False,
) -> None:
    """Run ``job`` after the ack; tell the member if the pool is full or the job fails.

    ``quick`` jobs (help, confirmations, opening a modal before its trigger id expires)
    use their own small pool, so a queue of slow describes never delays them.
    """

    def tell(key: str) -> None:
        tell_text(t(key, lang()))

    def tell_text(text: str) -> None:
        if respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif dm is not None:
            c.notifier.for_team(dm[0]).dm(dm[1], text)

    def failed(exc: BaseException) -> None:
        # NotFound and InvalidInput are StoreErrors too, but not an outage: saying
        # "try again shortly" would send the member round in circles.
        known = friendly_error(exc, lang()) if isinstance(exc, Exception) else None
        if known is not None:
            tell_text(known.text)
        else:
            tell("bot.error.generic")

    pool = c.quick_worker if quick else c.worker
    if not pool.submit(job, on_error=failed):
        tell("bot.error.busy")


# (team, user, lang) -> the answer, or None when the work answered itself (a modal).
Work = Callable[[str, str, str], Reply | None]


class StaleButton(ValueError):
    """A button whose value we cannot read (old message layout, or forged)."""


class UnknownId(LookupError):
    """A readable id that no row can have (out of range): the member hears ``key``."""

    def __init__(self, key: str, value: object) -> None:
        super().__init__(f"{key}: {value!r}")
        self.key = key


def run_work(
    c: Container,
    body: dict[str, Any],
    respond: Respond | None,
    work: Work,
    answer: Callable[[Reply, str], None],
    *,
    quick: bool = False,
) -> None:
    """Do a button's ``work`` after the ack and hand its reply to ``answer``.

    Known errors (a forged or stale button, a member who is gone, an outage) get a
    polite reply; bugs propagate to the worker, which logs them and apologises.
    """
    team, user = team_and_user(body)
    if not team or not user:
        # Slack always says who clicked; without it there is nobody to act for or answer.
        log.warning("interaction without team or user; ignored")
        return

    def job() -> None:
        lang = c.identity.lang_for(team, user, lookup=False)
        try:
            reply = work(team, user, lang)
        except StaleButton:
            log.warning("unreadable button value from %s/%s", team, user)
            reply = Reply(text=t("bot.error.stale_button", lang))
        except UnknownId as exc:
            log.warning("impossible id from %s/%s: %s", team, user, exc)
            reply = Reply(text=t(exc.key, lang))
        except Exception as exc:
            known = friendly_error(exc, lang)
            if known is None:
                raise
            reply = known
        if reply is not None:
            answer(reply, lang)

    later(
        c,
        job,
        lang=lambda: c.identity.lang_for(team, user, lookup=False),
        respond=respond if can_respond(body) else None,
        dm=(team, user),
        quick=quick,
    )
