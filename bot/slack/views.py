"""The one reader of view state: submitted modals turned into typed requests.

View state comes from the request; only Slack's shapes are read, anything else
counts as a missing field rather than crashing the ack.
"""

from __future__ import annotations

import json
from typing import Any

from bot.flows.facilitator import WorkshopEdit
from bot.flows.members import EntryForm
from bot.messages import norm_lang
from bot.slack.blocks.kit import selected_value
from bot.slack.blocks.modals import ORG_BLOCK, description_block_ids, join_description
from profiles.ids import valid_id


def read_edit(view: Any) -> WorkshopEdit:
    """The typed form of a submitted edit modal; unreadable parts become None."""
    view = _dict(view)
    meta = metadata(view)
    values = _dict(_dict(view.get("state")).get("values"))
    plan = meta.get("plan")
    round_no = selected_value(values, "round")
    url = meta.get("url")
    return WorkshopEdit(
        plan_id=plan if valid_id(plan) else 0,
        lang=norm_lang(meta.get("lang") if isinstance(meta.get("lang"), str) else None),
        response_url=url if isinstance(url, str) else "",
        round_index=int(round_no) - 1 if round_no and round_no.isdigit() else None,
        a=selected_value(values, "person_a"),
        b=selected_value(values, "person_b"),
        action=selected_value(values, "action"),
    )


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
    meta = metadata(view)
    raw_id = meta.get("entry_id")
    entry_id = None if raw_id is None else raw_id if valid_id(raw_id) else 0
    groups = _value(values, "groups")
    # Absent when the modal did not ask; an emptied field is an answer ("none").
    organisation = _text(_value(values, ORG_BLOCK)) if ORG_BLOCK in values else None
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
        organisation=organisation,
    )


def metadata(view: Any) -> dict[str, Any]:
    raw = _dict(view).get("private_metadata")
    if not raw or not isinstance(raw, str):
        return {}
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return _dict(meta)
