"""Modal submissions: the describe / edit form."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App

from bot.flows.members import EntryForm, Services
from bot.messages import norm_lang, t
from bot.slack.blocks import (
    DESCRIBE_CALLBACK,
    DESCRIPTION_BLOCK,
    description_block_ids,
    join_description,
)
from bot.slack.listeners.common import Body, later, team_and_user
from profiles.ids import valid_id

log = logging.getLogger(__name__)


def _dict(value: Any) -> dict[str, Any]:
    # View state comes from the request; only Slack's shapes are read, anything else
    # counts as a missing field rather than crashing the ack.
    return value if isinstance(value, dict) else {}


def _value(values: dict[str, Any], block: str) -> Any:
    field = _dict(_dict(values.get(block)).get("value"))
    kind = field.get("type")
    if kind == "static_select":
        return _dict(field.get("selected_option")).get("value")
    if kind == "multi_static_select":
        options = field.get("selected_options")
        return [_dict(o).get("value") for o in options] if isinstance(options, list) else []
    return field.get("value")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _description(values: dict[str, Any], meta: dict[str, Any]) -> str:
    """The description's parts (one input or several, see describe_modal) as one text."""
    parts: list[str] = []
    for block in description_block_ids(len(values) + 1):
        if block not in values:
            break
        parts.append(_text(_value(values, block)))
    joins = meta.get("joins")
    return join_description(parts, joins if isinstance(joins, list) else [])


def read_form(view: Any) -> EntryForm:
    """The typed form of a describe modal's state (missing or malformed fields become empty).

    An entry id in the metadata that no row can have is kept as 0, so that the
    submission is refused as an unknown entry rather than saved as a new one.
    """
    view = _dict(view)
    values = _dict(_dict(view.get("state")).get("values"))
    meta = _metadata(view)
    raw_id = meta.get("entry_id")
    entry_id = None if raw_id is None else raw_id if valid_id(raw_id) else 0
    groups = _value(values, "groups")
    return EntryForm(
        title=_text(_value(values, "title")),
        description=_description(values, meta),
        kind=_text(_value(values, "kind")) or "project",
        groups=tuple(g for g in groups if isinstance(g, str) and g)
        if isinstance(groups, list)
        else (),
        tools=_text(_value(values, "tools")),
        looking_for=_text(_value(values, "looking_for")),
        entry_id=entry_id,
    )


def _metadata(view: Any) -> dict[str, Any]:
    raw = _dict(view).get("private_metadata")
    if not raw or not isinstance(raw, str):
        return {}
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return _dict(meta)


def register(app: App, services: Services) -> None:
    @app.view(DESCRIBE_CALLBACK)
    def submitted(ack: Ack, body: Body, view: dict[str, Any]) -> None:
        """Validate in the ack (errors show next to the fields), save on the worker."""
        team, user = team_and_user(body)
        if not team or not user:
            # Slack always says who submitted; nobody to save the entry for.
            ack()
            log.warning("view submission without team or user; ignored")
            return
        meta_lang = _metadata(view).get("lang")
        # The modal carries the language it was rendered in, so validating needs no
        # database round trip before the ack.
        lang = norm_lang(meta_lang) if isinstance(meta_lang, str) and meta_lang else "de"
        form = read_form(view)
        errors = services.form_errors(form, lang)
        if not errors and form.entry_id is not None:
            # One row read before the ack: if the entry was deleted meanwhile, the member
            # hears it in the open modal and can still copy their text.
            gone = services.entry_gone(team, user, form.entry_id)
            if gone:
                errors = {DESCRIPTION_BLOCK: t(gone, lang)}
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

        def job() -> None:
            services.save_form(team, user, form, lang)

        later(services, job, lang=lambda: lang, dm_user=user)
