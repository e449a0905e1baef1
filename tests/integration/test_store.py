"""Store round trips, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from alembic.script import ScriptDirectory

from bot.reembed import reembed
from matching.service import EntryInput, Matcher
from profiles import repo
from profiles.db import Store
from profiles.errors import InvalidInput, NotFound, StoreUnavailable
from profiles.migrate import HEAD, alembic_config, current_revision, stored_revision
from testkit.embedders import HashEmbedder


def test_schema_is_migrated(store: Store) -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, heads  # one line of migrations, whoever merged last
    assert current_revision(store.engine) == heads[0]
    # Starts compare with this constant instead of loading Alembic's scripts.
    assert HEAD == heads[0] == stored_revision(store.engine)


def test_migrations_build_exactly_the_models_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import MetaData

    from bot.scheduler import JOB_TABLE, MigratedJobStore
    from bot.slack.installations import store_tables
    from profiles.models import Base

    # Ours, slack_sdk's installation and OAuth state stores, and APScheduler's job table:
    # the migrations make all of them, exactly as their owners define them.
    everything = MetaData()
    for table in [
        *Base.metadata.sorted_tables,
        *store_tables(),
        MigratedJobStore(engine=store.engine, tablename=JOB_TABLE).jobs_t,
    ]:
        table.to_metadata(everything)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), everything)
    assert diff == []


def test_member_and_entry_round_trip(store: Store) -> None:
    with store.session() as s:
        m = repo.upsert_member(s, "T1", "U1", display_name="Anna", organisation="AWO")
        e = repo.add_entry(
            s,
            m,
            repo.EntryData(
                title="Kältebus",
                description="Routen des Kältebusses für Wohnungslose.",
                kind="dataset",
                target_groups=["homeless"],
                tools=["excel"],
                region="Köln",
                looking_for=["partners"],
                offers=["data"],
                external_id="x1",
            ),
        )
        entry_id = e.id
    with store.session() as s:
        got = repo.get_entry(s, "T1", entry_id)
        assert got is not None
        assert got.title == "Kältebus"
        assert got.kind == "dataset"
        assert got.target_groups == ["homeless"]
        assert got.tools == ["excel"]
        assert got.offers == ["data"]
        assert got.member.display_name == "Anna"
        assert got.created_at.tzinfo is not None
        assert repo.get_entry_by_external(s, "T1", "x1") is not None
        # another workspace sees nothing
        assert repo.get_entry(s, "T2", entry_id) is None
        assert repo.entries_of(s, "T2", "U1") == []


def test_same_user_id_in_two_teams_is_two_members(store: Store) -> None:
    with store.session() as s:
        a = repo.upsert_member(s, "T1", "U1", display_name="A")
        b = repo.upsert_member(s, "T2", "U1", display_name="B")
        assert a.id != b.id
    with store.session() as s:
        assert [m.display_name for m in repo.list_members(s, "T1")] == ["A"]


def test_only_the_owner_edits_or_deletes(store: Store) -> None:
    with store.session() as s:
        m = repo.upsert_member(s, "T1", "U1")
        e = repo.add_entry(s, m, repo.EntryData(title="x", description="y"))
        eid = e.id
    with store.session() as s, pytest.raises(NotFound):
        repo.delete_entry(s, "T1", "U2", eid)
    with store.session() as s, pytest.raises(NotFound):
        repo.delete_entry(s, "T2", "U1", eid)
    with store.session() as s:
        repo.delete_entry(s, "T1", "U1", eid)
    with store.session() as s:
        assert repo.get_entry(s, "T1", eid) is None


def test_empty_entry_is_refused_and_nothing_is_written(store: Store) -> None:
    with store.session() as s:
        repo.upsert_member(s, "T1", "U1")
    with pytest.raises(InvalidInput), store.session() as s:
        m = repo.require_member(s, "T1", "U1")
        repo.add_entry(s, m, repo.EntryData(title="  ", description=""))
    with store.session() as s:
        assert repo.entries_of(s, "T1", "U1") == []


def test_vectors_survive_a_restart_without_re_embedding(store: Store) -> None:
    emb = HashEmbedder()
    m1 = Matcher(store, emb)
    eid = m1.save_entry(
        "T1", "U1", EntryInput(title="Tafel", description="Lebensmittel für Familien.")
    )
    m1.save_entry("T1", "U2", EntryInput(title="Kita", description="Kinder in Armut."))
    first = emb.texts_embedded
    assert first > 0
    # A new process: the index is rebuilt from stored vectors, nothing is embedded again.
    emb2 = HashEmbedder()
    m2 = Matcher(store, emb2)
    pool = m2.sync("T1")
    assert len(pool) == 2
    assert emb2.texts_embedded == 0
    np.testing.assert_allclose(
        pool.docs[eid].vector, m1.sync("T1").docs[eid].vector, rtol=0, atol=0
    )


def test_changed_text_or_model_re_embeds_only_what_changed(store: Store) -> None:
    emb = HashEmbedder()
    m = Matcher(store, emb)
    a = m.save_entry("T1", "U1", EntryInput(title="A", description="Senioren und Einsamkeit."))
    m.save_entry("T1", "U2", EntryInput(title="B", description="Geflüchtete aus der Ukraine."))
    before = emb.texts_embedded
    m.update_entry("T1", "U1", a, EntryInput(title="A", description="Senioren und Einsamkeit."))
    assert emb.texts_embedded > before  # an explicit update re-embeds that entry
    mid = emb.texts_embedded
    m.sync("T1", force=True)
    assert emb.texts_embedded == mid  # unchanged text: never embedded twice

    class OtherModel(HashEmbedder):
        model_id = "test-hash-other"

    other = OtherModel()
    changed = Matcher(store, other, embedders={emb.model_id: emb}.get)
    changed.sync("T1")
    assert other.texts_embedded == 0  # a start alone embeds nothing: the old vectors serve
    reembed(changed)
    assert other.texts_embedded >= 2  # a model change re-embeds everything, once
    with store.session() as s:
        assert {v.model_id for v in repo.vectors_for(s, "T1", "test-hash-other")} == {
            "test-hash-other"
        }


def test_forget_deletes_everything_about_a_member(store: Store) -> None:
    m = Matcher(store, HashEmbedder())
    m.save_entry("T1", "U1", EntryInput(title="A", description="Wohnungslose in Köln."))
    m.save_entry("T1", "U2", EntryInput(title="B", description="Wohnungslose in Bonn."))
    m.save_entry("T2", "U1", EntryInput(title="C", description="Andere Workspace."))
    with store.session() as s:
        repo.record_feedback(s, "T1", "U2", "U1", "not_relevant")
        repo.log_suggestions(s, "T1", "U1", [("U2", 0.5)], "instant")
    counts = m.forget_member("T1", "U1")
    assert counts["entries"] == 1
    with store.session() as s:
        assert repo.get_member(s, "T1", "U1") is None
        assert repo.export_member(s, "T1", "U1")["entries"] == []
        assert repo.blocked_partners(s, "T1", "U2") == set()
        assert len(repo.vectors_for(s, "T1", "test-hash-256")) == 1
        # the same user id in another workspace is untouched
        assert len(repo.entries_of(s, "T2", "U1")) == 1


def test_export_contains_the_members_data(store: Store) -> None:
    m = Matcher(store, HashEmbedder())
    m.save_entry("T1", "U1", EntryInput(title="A", description="Daten zu Kinderarmut."))
    with store.session() as s:
        repo.record_feedback(s, "T1", "U1", "U9", "known")
        data = repo.export_member(s, "T1", "U1")
    assert data["entries"][0]["title"] == "A"
    assert data["feedback"][0]["kind"] == "known"


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match="cannot reach"):
        Store.from_url("postgresql://127.0.0.1:1/nothing")
    with pytest.raises(StoreUnavailable):
        Store.from_url("notadb://x")


def test_a_second_process_sees_new_changed_and_deleted_entries(store: Store) -> None:
    a, b = Matcher(store, HashEmbedder()), Matcher(store, HashEmbedder())
    e1 = a.save_entry("T1", "U1", EntryInput(title="A", description="Senioren digital."))
    assert set(b.sync("T1").docs) == {e1}
    e2 = a.save_entry("T1", "U2", EntryInput(title="B", description="Senioren und Tablets."))
    pool = b.sync("T1")
    assert set(pool.docs) == {e1, e2}
    a.update_entry("T1", "U2", e2, EntryInput(title="B2", description="Wohnungslose."))
    assert b.sync("T1").docs[e2].title == "B2"
    a.delete_entry("T1", "U1", e1)
    assert set(b.sync("T1").docs) == {e2}
    assert b.sync("T1") is pool  # updated in place, not rebuilt
    assert b.embedder.texts_embedded == 0  # type: ignore[attr-defined]


def test_archived_entries_leave_the_pool_and_come_back(store: Store) -> None:
    m = Matcher(store, HashEmbedder())
    e1 = m.save_entry("T1", "U1", EntryInput(title="A", description="Senioren digital."))
    m.save_entry("T1", "U2", EntryInput(title="B", description="Senioren und Tablets."))
    with store.session() as s:
        repo.set_archived(s, "T1", "U1", e1, True)
    assert e1 not in m.sync("T1").docs
    assert m.suggest_for_member("T1", "U2") == []
    with store.session() as s:
        repo.set_archived(s, "T1", "U1", e1, False)
    assert e1 in m.sync("T1").docs


def _revision(store: Store, team: str) -> int:
    with store.session() as s:
        return repo.team_revision(s, team)


def test_every_write_to_entries_or_members_raises_the_team_revision(store: Store) -> None:
    m = Matcher(store, HashEmbedder())
    seen = [_revision(store, "T1")]

    def raised() -> bool:
        seen.append(_revision(store, "T1"))
        return seen[-1] > seen[-2]

    e1 = m.save_entry("T1", "U1", EntryInput(title="A", description="Senioren digital."))
    assert raised()
    m.update_entry("T1", "U1", e1, EntryInput(title="A2", description="Senioren online."))
    assert raised()
    with store.session() as s:
        repo.set_archived(s, "T1", "U1", e1, True)
    assert raised()
    with store.session() as s:
        repo.upsert_member(s, "T1", "U1", display_name="Anna", organisation="AWO")
    assert raised()
    with store.session() as s:
        repo.record_feedback(s, "T1", "U1", "U2", "known")  # not an entry or member
    assert not raised()
    e2 = m.save_entry("T1", "U2", EntryInput(title="B", description="Tablets für Ältere."))
    assert raised()
    m.delete_entry("T1", "U2", e2)
    assert raised()
    m.forget_member("T1", "U1")
    assert raised()
    assert _revision(store, "T2") == 0  # another workspace is untouched


def test_sync_reads_one_row_while_nothing_changed(store: Store) -> None:
    from sqlalchemy import event

    a, b = Matcher(store, HashEmbedder()), Matcher(store, HashEmbedder())
    a.save_entry("T1", "U1", EntryInput(title="A", description="Senioren digital."))
    b.sync("T1")
    statements: list[str] = []

    def record(_conn: object, _cur: object, sql: str, *_args: object) -> None:
        statements.append(sql)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        b.sync("T1")
        b.sync("T1")
        assert statements and all("team_revisions" in sql for sql in statements)
        statements.clear()
        e2 = a.save_entry("T1", "U2", EntryInput(title="B", description="Tablets für Ältere."))
        statements.clear()
        assert e2 in b.sync("T1").docs  # the new revision makes b compare versions
        assert any("JOIN members" in sql for sql in statements)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def test_a_write_that_bypasses_the_orm_is_seen_after_the_full_check_interval(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text

    from matching import service

    m = Matcher(store, HashEmbedder())
    e1 = m.save_entry("T1", "U1", EntryInput(title="A", description="Senioren digital."))
    assert e1 in m.sync("T1").docs
    with store.session() as s:  # a hand-run SQL fix: no revision raised
        s.execute(
            text("UPDATE entries SET archived = :yes WHERE id = :id"), {"yes": True, "id": e1}
        )
    assert e1 in m.sync("T1").docs  # within the interval the pool is trusted
    monkeypatch.setattr(service, "FULL_CHECK_S", 0.0)
    assert e1 not in m.sync("T1").docs


def test_entry_rows_read_the_same_lists_as_the_mapped_entries(matcher: Matcher) -> None:
    ids = [
        matcher.save_entry(
            "T1",
            f"U{i}",
            EntryInput(
                description=text,
                tools=tools,
                target_groups=groups,
                looking_for=looks,
                offers=["data"] if i else [],
            ),
        )
        for i, (text, tools, groups, looks) in enumerate(
            [
                ("Tafel für Senior*innen in Köln, wir nutzen CiviCRM.", ["CiviCRM"], [], []),
                ("Beratung für Geflüchtete aus der Ukraine.", [], ["Geflüchtete"], ["data"]),
                ("Ein Projekt ohne Listen „mit Anführungszeichen“ und \\ Backslash.", [], [], []),
            ]
        )
    ]
    with matcher.store.session() as s:
        rows = {r.id: r for r in repo.entry_rows(s, "T1", ids)}
        for e in repo.entries_by_ids(s, "T1", ids):
            r = rows[e.id]
            assert (r.target_groups, r.detected_groups, r.tools, r.looking_for, r.offers) == (
                e.target_groups, e.detected_groups, e.tools, e.looking_for, e.offers,
            )  # fmt: skip
    assert any(r.tools for r in rows.values()) and any(r.detected_groups for r in rows.values())
