"""A model change: old vectors keep serving until `reembed` completes, then the switch."""

from __future__ import annotations

import pytest

from bot.reembed import pending, reembed, start_background
from matching.embedder import Embedder
from matching.service import EntryInput, Matcher
from profiles import repo
from profiles.db import Store
from testkit.embedders import HashEmbedder


class NewModel(HashEmbedder):
    model_id = "test-hash-new"
    dim = 128


def _loader(*models: Embedder) -> dict[str, Embedder]:
    return {m.model_id: m for m in models}


def _community(store: Store, old: HashEmbedder) -> Matcher:
    m = Matcher(store, old)
    m.save_entry("T1", "U1", EntryInput(title="A", description="Senioren lernen Tablets."))
    m.save_entry("T1", "U2", EntryInput(title="B", description="Tablet-Kurse für Senioren."))
    m.save_entry("T1", "U3", EntryInput(title="C", description="Hochwasserschutz an der Elbe."))
    m.save_entry("T2", "U9", EntryInput(title="D", description="Andere Workspace, Senioren."))
    return m


def _models(store: Store, team: str) -> dict[str, int]:
    with store.session() as s:
        return repo.vector_models(s, team)


def test_old_vectors_serve_until_reembed_completes_then_switch(store: Store) -> None:
    old, new = HashEmbedder(), NewModel()
    _community(store, old)
    loaders = _loader(old, new)
    m = Matcher(store, new, embedders=loaders.get)
    # A start with the new model embeds nothing by itself: the old vectors serve.
    before = m.suggest_for_member("T1", "U1", k=2)
    assert new.texts_embedded == 0
    assert before[0].user_id == "U2"
    assert m.sync("T1").dim == old.dim
    assert pending(m) == {"T1": 3, "T2": 1}

    # A describe meanwhile is stored for both models and is suggested at once.
    m.save_entry("T1", "U4", EntryInput(title="E", description="Senioren und Tablets im Café."))
    assert {s.user_id for s in m.suggest_for_member("T1", "U1", k=3)} >= {"U2", "U4"}
    assert _models(store, "T1") == {old.model_id: 4, new.model_id: 1}

    done = reembed(m, "T1")
    assert [(r.team_id, r.embedded, r.dropped) for r in done] == [("T1", 3, 4)]
    assert _models(store, "T1") == {new.model_id: 4}
    assert m.sync("T1").dim == new.dim  # switched
    after = m.suggest_for_member("T1", "U1", k=2)
    assert after[0].user_id in {"U2", "U4"}
    # The other workspace was not touched, and still serves its old vectors.
    assert _models(store, "T2") == {old.model_id: 1}
    assert pending(m) == {"T2": 1}


def test_another_process_switches_when_the_reembedding_is_done(store: Store) -> None:
    old, new = HashEmbedder(), NewModel()
    _community(store, old)
    bot = Matcher(store, new, embedders=_loader(old, NewModel()).get)
    assert bot.sync("T1").dim == old.dim
    reembed(Matcher(store, new, embedders=_loader(old, new).get))  # e.g. `civic-match reembed`
    assert bot.sync("T1").dim == new.dim  # the dropped vectors raised the revision
    assert bot.suggest_for_member("T1", "U1", k=1)[0].user_id == "U2"


def test_without_the_old_model_new_entries_wait_for_the_switch(store: Store) -> None:
    old, new = HashEmbedder(), NewModel()
    _community(store, old)
    m = Matcher(store, new, embedders=lambda _model: None)  # e.g. an old local model path
    eid = m.save_entry("T1", "U4", EntryInput(title="E", description="Senioren, Tablets."))
    assert eid not in m.sync("T1").docs
    assert m.suggest_for_member("T1", "U1", k=1)[0].user_id == "U2"
    reembed(m)
    assert eid in m.sync("T1").docs


def test_nothing_is_embedded_again_at_a_start_when_nothing_is_missing(store: Store) -> None:
    old = HashEmbedder()
    _community(store, old)
    m = Matcher(store, old)
    assert pending(m) == {}
    assert start_background(m) is None
    assert reembed(m) == []


def test_the_start_reembeds_in_the_background(store: Store) -> None:
    old, new = HashEmbedder(), NewModel()
    _community(store, old)
    m = Matcher(store, new, embedders=_loader(old, new).get)
    thread = start_background(m)
    assert thread is not None
    thread.join(60)
    assert pending(m) == {}
    assert set(_models(store, "T1")) == {new.model_id}


@pytest.mark.slow
def test_reembed_cli_switches_a_workspace_to_e5_once(tmp_path: object) -> None:
    from tests.support.cli import run_cli

    db = f"sqlite:///{tmp_path}/cm.db"
    rows = tmp_path / "rows.jsonl"  # type: ignore[operator]
    rows.write_text(
        '{"id": "a", "user_id": "U1", "description": "Senioren lernen Tablets."}\n'
        '{"id": "b", "user_id": "U2", "description": "Tablet-Kurse für Senioren."}\n',
        encoding="utf-8",
    )
    team = "T1"
    imported = run_cli(["import", str(rows), "--team", team, "--db", db])
    assert "imported 2 entries" in imported.stdout, imported.stdout + imported.stderr
    out = run_cli(["reembed", "--team", team, "--db", db], env={"MODEL": "e5"})
    assert out.returncode == 0, out.stderr
    assert f"{team}: 2 embedded, 2 old vectors dropped" in out.stdout
    again = run_cli(["reembed", "--db", db], env={"MODEL": "e5"})
    assert "nothing to do" in again.stdout


def test_the_migration_keeps_every_stored_vector(store: Store) -> None:
    from alembic import command

    from profiles.migrate import alembic_config, upgrade

    _community(store, HashEmbedder())

    def rows() -> set[tuple[int, str, bytes]]:
        with store.engine.connect() as conn:
            got = conn.exec_driver_sql("SELECT entry_id, model_id, vector FROM entry_vectors")
            return {(int(a), str(b), bytes(c)) for a, b, c in got}

    before = rows()
    assert len(before) == 4
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")  # one vector per entry, as before
    assert rows() == before
    upgrade(store.engine)
    assert rows() == before
    store.engine.dispose()  # PostgreSQL: the ORM reads the new table afresh
    assert Matcher(store, HashEmbedder()).suggest_for_member("T1", "U1", k=1)[0].user_id == "U2"
