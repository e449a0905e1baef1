"""Entries (projects and datasets) and their stored vectors."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Text, func, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from profiles.db import now
from profiles.entry import EntryData, EntryRow, MemberRow, VectorRow
from profiles.errors import InvalidInput, NotFound
from profiles.ids import valid_id
from profiles.models import CONSENTING, KINDS, Entry, EntryDerived, EntryVector, Member
from profiles.repo._common import chunks


def add_entry(s: Session, member: Member, data: EntryData) -> Entry:
    """Store a new entry (or replace an imported one with the same external id)."""
    if data.kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    if not (data.title.strip() or data.description.strip()):
        raise InvalidInput("an entry needs a title or a description")
    entry: Entry | None = None
    if data.external_id:
        entry = get_entry_by_external(s, member.team_id, data.external_id)
    if entry is None:
        entry = Entry(team_id=member.team_id, member_id=member.id)
        s.add(entry)
    else:
        entry.member_id = member.id
    _apply(entry, data, now(s))
    s.flush()
    return entry


def _apply(entry: Entry, data: EntryData, stamp: datetime) -> None:
    entry.title = data.title.strip()
    entry.description = data.description.strip()
    entry.kind = data.kind
    entry.target_groups = list(data.target_groups)
    entry.detected_groups = list(data.detected_groups)
    entry.tools = list(data.tools)
    entry.region = data.region
    entry.looking_for = list(data.looking_for)
    entry.offers = list(data.offers)
    entry.external_id = data.external_id or entry.external_id
    entry.updated_at = stamp


def update_entry(s: Session, team_id: str, user_id: str, entry_id: int, data: EntryData) -> Entry:
    """Replace an entry's content; only its owner may do so."""
    entry = own_entry(s, team_id, user_id, entry_id)
    _apply(entry, data, now(s))
    entry.nudged_at = None
    s.flush()
    return entry


def own_entry(s: Session, team_id: str, user_id: str, entry_id: int) -> Entry:
    if not valid_id(entry_id):
        raise NotFound(f"no entry {entry_id} of yours")
    entry = s.scalar(
        select(Entry)
        .join(Member)
        .where(Entry.id == entry_id, Entry.team_id == team_id, Member.user_id == user_id)
    )
    if entry is None:
        raise NotFound(f"no entry {entry_id} of yours")
    return entry


def delete_entry(s: Session, team_id: str, user_id: str, entry_id: int) -> None:
    s.delete(own_entry(s, team_id, user_id, entry_id))
    s.flush()


def set_archived(s: Session, team_id: str, user_id: str, entry_id: int, archived: bool) -> Entry:
    entry = own_entry(s, team_id, user_id, entry_id)
    entry.archived = archived
    return entry


def get_entry(s: Session, team_id: str, entry_id: int) -> Entry | None:
    if not valid_id(entry_id):
        return None
    return s.scalar(
        select(Entry)
        .options(selectinload(Entry.member))
        .where(Entry.id == entry_id, Entry.team_id == team_id)
    )


def get_entry_by_external(s: Session, team_id: str, external_id: str) -> Entry | None:
    return s.scalar(
        select(Entry)
        .options(selectinload(Entry.member))
        .where(Entry.team_id == team_id, Entry.external_id == external_id)
    )


def entries_of(s: Session, team_id: str, user_id: str) -> list[Entry]:
    return list(
        s.scalars(
            select(Entry)
            .join(Member)
            .where(Entry.team_id == team_id, Member.user_id == user_id)
            .order_by(Entry.id)
        )
    )


def active_entries(s: Session, team_id: str) -> list[Entry]:
    """All non-archived entries of a workspace, with their members loaded."""
    return list(
        s.scalars(
            select(Entry)
            .options(selectinload(Entry.member))
            .where(Entry.team_id == team_id, Entry.archived.is_(False))
            .order_by(Entry.id)
        )
    )


def entry_labels(s: Session, team_id: str) -> list[tuple[int, str | None, str]]:
    """``(id, external id, title)`` of every active entry, in id order (active_entries
    without loading thousands of mapped entries and members)."""
    rows = s.execute(
        select(Entry.id, Entry.external_id, Entry.title)
        .where(Entry.team_id == team_id, Entry.archived.is_(False))
        .order_by(Entry.id)
    )
    return [(int(i), ext, title) for i, ext, title in rows]


def entries_since(
    s: Session, team_id: str, since: datetime
) -> list[tuple[datetime, str, str, str]]:
    """(created_at, owner's user id, title, owner's display name) of the workspace's active
    entries since ``since``, newest first: as columns, since a digest run of a community
    imported this month reads thousands (mapped entries with their members cost a second
    at 10,000)."""
    rows = s.execute(
        select(Entry.created_at, Member.user_id, Entry.title, Member.display_name)
        .join(Member, Entry.member_id == Member.id)
        .where(Entry.team_id == team_id, Entry.archived.is_(False), Entry.created_at >= since)
        .order_by(Entry.created_at.desc())
    )
    return [(at, user, title, name) for at, user, title, name in rows]


def entries_by_ids(s: Session, team_id: str, ids: list[int]) -> list[Entry]:
    """Entries of this workspace with these ids, members loaded."""
    out: list[Entry] = []
    for chunk in chunks(ids):
        out.extend(
            s.scalars(
                select(Entry)
                .options(selectinload(Entry.member))
                .where(Entry.team_id == team_id, Entry.id.in_(chunk))
            )
        )
    return out


def entry_rows(s: Session, team_id: str, ids: list[int]) -> list[EntryRow]:
    """entries_by_ids as plain rows (one joined query, no mapped objects), in id order."""
    # The tables' columns, not the mapped attributes: a statement of those is read without
    # the ORM's row processing, which was half of reading 10,000 rows at a start.
    et, mt = Entry.__table__.c, Member.__table__.c
    # The list columns as stored: SQLite's JSON text, read by _json_list (most are empty).
    raw = [
        type_coerce(c, Text)
        for c in (et.target_groups, et.detected_groups, et.tools, et.looking_for, et.offers)
    ]
    cols = (
        et.id, et.title, et.description, et.kind, et.external_id, raw[0], raw[1], raw[2],
        et.region, raw[3], raw[4], mt.user_id, mt.organisation, mt.display_name, mt.consent,
    )  # fmt: skip
    out: list[EntryRow] = []
    for chunk in chunks(ids):
        rows = s.execute(
            select(*cols)
            .join(Member.__table__, et.member_id == mt.id)
            .where(et.team_id == team_id, et.id.in_(chunk))
            .order_by(et.id)
        )
        for i, title, text, kind, ext, groups, detected, tools, region, looks, offers, *m in rows:
            member = MemberRow(m[0], m[1], m[2], m[3] in CONSENTING)
            out.append(
                EntryRow(
                    i, title, text, kind, ext, _json_list(groups), _json_list(detected),
                    _json_list(tools), region, _json_list(looks), _json_list(offers), member,
                )
            )  # fmt: skip
    return out


def _json_list(value: Any) -> list[str]:
    """A JSON list column read as text (SQLite), or as the driver decoded it (PostgreSQL's
    json). Decoding each of the five list columns of 10,000 entries through SQLAlchemy's
    JSON type was a quarter of reading them; an empty list is not decoded at all."""
    if not isinstance(value, str):
        return value  # type: ignore[no-any-return]
    found: list[str] = [] if value == "[]" else json.loads(value)
    return found


def entry_versions(s: Session, team_id: str) -> dict[int, str]:
    """A cheap version stamp per active entry: its own and its member's last change."""
    rows = s.execute(
        select(Entry.id, Entry.version, Member.version)
        .join(Member, Entry.member_id == Member.id)
        .where(Entry.team_id == team_id, Entry.archived.is_(False))
    )
    return {int(i): f"{a}|{b}" for i, a, b in rows}


def vectors_for(s: Session, team_id: str, model_id: str) -> list[EntryVector]:
    """Stored vectors of active entries that were made by ``model_id``."""
    return list(
        s.scalars(
            select(EntryVector)
            .join(Entry)
            .where(
                EntryVector.team_id == team_id,
                EntryVector.model_id == model_id,
                Entry.archived.is_(False),
            )
        )
    )


def save_vector(
    s: Session,
    entry: Entry,
    *,
    model_id: str,
    text_hash: str,
    vector: bytes,
    dim: int,
    sentence_vectors: bytes,
    sentence_count: int,
) -> EntryVector:
    row = s.get(EntryVector, (entry.id, model_id))
    if row is None:
        row = EntryVector(entry_id=entry.id, model_id=model_id, team_id=entry.team_id)
        s.add(row)
    row.text_hash = text_hash
    row.vector = vector
    row.dim = dim
    row.sentence_vectors = sentence_vectors
    row.sentence_count = sentence_count
    row.created_at = now(s)
    s.flush()
    return row


def vectors_by_ids(s: Session, ids: list[int], model_id: str) -> dict[int, EntryVector]:
    """The vectors ``model_id`` made of these entries, by entry id."""
    out: dict[int, EntryVector] = {}
    for chunk in chunks(ids):
        out.update(
            (v.entry_id, v)
            for v in s.scalars(
                select(EntryVector).where(
                    EntryVector.entry_id.in_(chunk), EntryVector.model_id == model_id
                )
            )
        )
    return out


def vector_rows(s: Session, ids: list[int], model_id: str) -> dict[int, VectorRow]:
    """vectors_by_ids as plain rows, by entry id."""
    v = EntryVector.__table__.c  # without the ORM's row processing, as in entry_rows
    cols = (v.entry_id, v.text_hash, v.dim, v.vector, v.sentence_vectors)
    out: dict[int, VectorRow] = {}
    for chunk in chunks(ids):
        rows = s.execute(select(*cols).where(v.entry_id.in_(chunk), v.model_id == model_id))
        out.update((r[0], VectorRow(*r)) for r in rows)
    return out


def get_vector(s: Session, entry_id: int, model_id: str | None = None) -> EntryVector | None:
    """The entry's vector of ``model_id`` (of any model when not given)."""
    if not valid_id(entry_id):
        return None
    query = select(EntryVector).where(EntryVector.entry_id == entry_id)
    if model_id is not None:
        query = query.where(EntryVector.model_id == model_id)
    return s.scalars(query.order_by(EntryVector.model_id).limit(1)).first()


def derived_by_ids(s: Session, team_id: str, ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """Stored derived data per entry id: ``(input hash, vocabulary version, data)``."""
    out: dict[int, tuple[str, str, str]] = {}
    d = EntryDerived.__table__.c  # without the ORM's row processing, as in entry_rows
    for chunk in chunks(ids):
        rows = s.execute(
            select(d.entry_id, d.input_hash, d.vocab_version, d.data).where(
                d.team_id == team_id, d.entry_id.in_(chunk)
            )
        )
        out.update((e, (h, v, d)) for e, h, v, d in rows)
    return out


def save_derived(s: Session, team_id: str, rows: list[tuple[int, str, str, str]]) -> None:
    """Store ``(entry id, input hash, vocabulary version, data)``, replacing older rows."""
    for entry_id, input_hash, version, data in rows:
        row = s.get(EntryDerived, entry_id)
        if row is None:
            row = EntryDerived(entry_id=entry_id, team_id=team_id)
            s.add(row)
        row.input_hash, row.vocab_version, row.data = input_hash, version, data
    s.flush()


def vector_models(s: Session, team_id: str) -> dict[str, int]:
    """How many of the workspace's active entries each model has a vector of."""
    rows = s.execute(
        select(EntryVector.model_id, func.count())
        .join(Entry)
        .where(EntryVector.team_id == team_id, Entry.archived.is_(False))
        .group_by(EntryVector.model_id)
    )
    return {str(m): int(n) for m, n in rows}


def active_entry_count(s: Session, team_id: str) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(Entry)
            .where(Entry.team_id == team_id, Entry.archived.is_(False))
        )
        or 0
    )


def entries_without_vector(s: Session, team_id: str, model_id: str) -> list[Entry]:
    """Active entries of the workspace that ``model_id`` has no vector of, in id order."""
    has = select(EntryVector.entry_id).where(
        EntryVector.team_id == team_id, EntryVector.model_id == model_id
    )
    return list(
        s.scalars(
            select(Entry)
            .where(Entry.team_id == team_id, Entry.archived.is_(False), Entry.id.not_in(has))
            .order_by(Entry.id)
        )
    )


def teams_without_vectors(s: Session, model_id: str) -> dict[str, int]:
    """Workspaces with active entries that ``model_id`` has no vector of, and how many."""
    has = select(EntryVector.entry_id).where(EntryVector.model_id == model_id)
    rows = s.execute(
        select(Entry.team_id, func.count())
        .where(Entry.archived.is_(False), Entry.id.not_in(has))
        .group_by(Entry.team_id)
    )
    return {str(t): int(n) for t, n in rows}


def drop_vectors_except(s: Session, team_id: str, model_id: str) -> int:
    """Delete the workspace's vectors of every other model; returns how many.

    Row by row through the ORM, so the workspace's revision is raised (profiles.db) and
    every process's matcher notices the switch."""
    rows = list(
        s.scalars(
            select(EntryVector).where(
                EntryVector.team_id == team_id, EntryVector.model_id != model_id
            )
        )
    )
    for row in rows:
        s.delete(row)
    s.flush()
    return len(rows)
