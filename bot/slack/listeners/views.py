"""Modal submissions: the describe / edit form."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.container import Container
from bot.messages import norm_lang, t
from bot.slack.blocks.modals import (
    DESCRIBE_CALLBACK,
    DESCRIPTION_BLOCK,
)
from bot.slack.listeners.common import Body, later, team_and_user
from bot.slack.views import metadata, read_form

log = logging.getLogger(__name__)


def register(app: App, c: Container) -> None:
    @app.view(DESCRIBE_CALLBACK)
    def submitted(ack: Ack, body: Body, view: dict[str, Any]) -> None:
        """Validate in the ack (errors show next to the fields), save on the worker."""
        team, user = team_and_user(body)
        if not team or not user:
            # Slack always says who submitted; nobody to save the entry for.
            ack()
            log.warning("view submission without team or user; ignored")
            return
        meta_lang = metadata(view).get("lang")
        # The modal carries the language it was rendered in, so validating needs no
        # database round trip before the ack.
        lang = norm_lang(meta_lang) if isinstance(meta_lang, str) and meta_lang else "de"
        form = read_form(view)
        errors = c.members.form_errors(form, lang)
        if not errors and form.entry_id is not None:
            # One row read before the ack: if the entry was deleted meanwhile, the member
            # hears it in the open modal and can still copy their text.
            gone = c.members.entry_gone(team, user, form.entry_id)
            if gone:
                errors = {DESCRIPTION_BLOCK: t(gone, lang)}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

        def job() -> None:
            c.members.save_form(team, user, form, lang)

        later(c, job, lang=lambda: lang, dm=(team, user))
