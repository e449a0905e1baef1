"""Modal submissions: the describe / edit form."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App

from bot.blocks import (
    DESCRIBE_CALLBACK,
    DESCRIPTION_BLOCK,
    description_block_ids,
    join_description,
)
from bot.listeners.common import Body, later, team_and_user
from bot.services import EntryForm, Services
from matching.i18n import norm_lang, t
from profiles.ids import valid_id

log = logging.getLogger(__name__)


def _value(values: dict[str, Any], block: str) -> Any:
    field = (values.get(block) or {}).get("value") or {}
    kind = field.get("type")
    if kind == "static_select":
        return (field.get("selected_option") or {}).get("value")
    if kind == "multi_static_select":
        return [o.get("value") for o in field.get("selected_options") or []]
    return field.get("value")


def _description(values: dict[str, Any], meta: dict[str, Any]) -> str:
    """The description's parts (one input or several, see describe_modal) as one text."""
    parts: list[str] = []
    for block in description_block_ids(len(values) + 1):
        if block not in values:
            break
        parts.append(str(_value(values, block) or ""))
    joins = meta.get("joins")
    return join_description(parts, joins if isinstance(joins, list) else [])


def read_form(view: dict[str, Any]) -> EntryForm:
    """The typed form of a describe modal's state (missing fields become empty).

    An entry id in the metadata that no row can have is kept as 0, so that the
    submission is refused as an unknown entry rather than saved as a new one.
    """
    values = (view.get("state") or {}).get("values") or {}
    meta = _metadata(view)
    raw_id = meta.get("entry_id")
    entry_id = None if raw_id is None else raw_id if valid_id(raw_id) else 0
    groups = _value(values, "groups") or []
    return EntryForm(
        title=str(_value(values, "title") or ""),
        description=_description(values, meta),
        kind=str(_value(values, "kind") or "project"),
        groups=tuple(str(g) for g in groups if g),
        tools=str(_value(values, "tools") or ""),
        looking_for=str(_value(values, "looking_for") or ""),
        entry_id=entry_id,
    )


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def register(app: App, services: Services) -> None:
    @app.view(DESCRIBE_CALLBACK)
    def submitted(ack: Ack, body: Body, view: dict[str, Any]) -> None:
        """Validate in the ack (errors show next to the fields), save on the worker."""
        team, user = team_and_user(body)
        meta_lang = _metadata(view).get("lang")
        # The modal carries the language it was rendered in, so validating needs no
        # database round trip before the ack.
        lang = norm_lang(meta_lang) if meta_lang else "de"
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
