"""The evaluation pipeline: metrics, label stripping, and CLI rankings == scored rankings."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bot.cli.quality import LABEL_KEYS, rankings, run, strip_labels
from matching.evaluate import load_labels, ndcg_at, precision_at, rankings_from_jsonl, score
from matching.service import Matcher
from matching.themes import detect_themes
from profiles.db import Store
from profiles.migrate import upgrade
from tests.support.cli import run_cli

LABELS = {"a": frozenset({"x"}), "b": frozenset({"x"}), "c": frozenset({"y"}), "d": frozenset()}

ITEMS = [
    ("q1", "Digitale Kurse für Senior*innen in der Stadtbibliothek.", ["Senioren"]),
    ("q2", "Tablet-Sprechstunde für ältere Menschen im Quartier.", ["Senioren"]),
    ("q3", "Besuchsdienst gegen Einsamkeit im Alter.", ["Senioren"]),
    ("q4", "Wohnungen für Geflüchtete aus der Ukraine vermitteln.", ["Flucht"]),
    ("q5", "Sprachkurse und Beratung für Geflüchtete.", ["Flucht"]),
    ("q6", "Luftqualität mit Sensoren in der Innenstadt messen.", ["Umwelt"]),
    ("q7", "Baumkataster und Hitzekarte der Stadt.", ["Umwelt"]),
]


def test_precision_and_ndcg_by_hand() -> None:
    assert precision_at(["b", "c", "d"], {"x"}, LABELS, 5) == pytest.approx(1 / 5)
    assert precision_at([], {"x"}, LABELS, 5) == 0
    # one relevant item in the pool, found at rank 2
    assert ndcg_at(["c", "b"], {"x"}, LABELS, ["b", "c", "d"], 10) == pytest.approx(
        1 / math.log2(3)
    )
    s = score({"a": ["b", "c"], "c": ["a", "b"], "b": ["a"]}, LABELS)
    assert s.queries == 3
    assert s.p_at_5 == pytest.approx((1 / 5 + 0 + 1 / 5) / 3)


def _write(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i, text, labels in ITEMS:
            fh.write(
                json.dumps(
                    {
                        "id": i,
                        "text": text,
                        "labels": labels,
                        "labels_fine": labels,
                        "welfare_relevant": True,
                        "target_group_tags": labels,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return path


def test_labels_never_reach_the_import(tmp_path: Path) -> None:
    src = _write(tmp_path / "eval.jsonl")
    dst = tmp_path / "clean.jsonl"
    assert strip_labels(src, dst, None) == len(ITEMS)
    for line in dst.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        assert not set(rec) & set(LABEL_KEYS)
        assert "welfare_relevant" not in rec
    assert load_labels(src, "labels")["q4"] == frozenset({"Flucht"})


def test_themes_detect_fields_of_action() -> None:
    assert "environment" in detect_themes("Wir messen die Luftqualität und Feinstaub.")
    assert "participation" in detect_themes("Bürgerbeteiligung bei der Haushaltsplanung")
    assert "health" in detect_themes("mental health support for young carers")
    assert detect_themes("") == []


@pytest.mark.slow
def test_cli_suggest_all_gives_exactly_the_scored_rankings(
    tmp_path: Path, use_embedder: object
) -> None:
    src = _write(tmp_path / "eval.jsonl")
    clean = tmp_path / "clean.jsonl"
    strip_labels(src, clean, None)
    db = f"sqlite:///{tmp_path}/cli.db"
    root = Path(__file__).resolve().parents[2]
    for args in (
        ["import", str(clean), "--team", "T"],
        ["suggest", "--team", "T", "--all", "--k", "3", "--json"],
    ):
        r = run_cli(args, env={"DATABASE_URL": db}, cwd=root)
        assert r.returncode == 0, r.stderr
    from_cli = rankings_from_jsonl(r.stdout.splitlines())
    store = Store.from_url(db)
    upgrade(store.engine)
    scored = rankings(Matcher(store, use_embedder), "T", 3)  # type: ignore[arg-type]
    assert from_cli == scored
    assert set(from_cli) == {i for i, _, _ in ITEMS}
    # and the product puts each item's own cluster first
    labels = load_labels(src, "labels")
    assert all(labels[q] == labels[ranked[0]] for q, ranked in scored.items())


@pytest.mark.slow
def test_eval_run_prints_baselines_and_product(tmp_path: Path, use_embedder: object) -> None:
    src = _write(tmp_path / "eval.jsonl")
    lines: list[str] = []
    res = run(src, ["labels"], use_embedder, k=3, echo=lines.append)  # type: ignore[arg-type]
    assert {"random", "BM25 only", "plain cosine", "product"} <= set(res)
    assert any(name.strip().startswith("without") for name in res)
    assert res["product"]["labels"].queries == len(ITEMS)
    assert res["product"]["labels"].p_at_5 >= res["random"]["labels"].p_at_5
    assert any("product" in line for line in lines)


def test_feedback_simulation_goes_through_the_buttons_and_reports_every_group(
    tmp_path: Path,
) -> None:
    from bot.cli.feedback_sim import simulate
    from testkit.embedders import HashEmbedder

    lines: list[str] = []
    emb = HashEmbedder()
    res = simulate(_write(tmp_path / "items.jsonl"), "labels", emb, seed=1, echo=lines.append)
    pos, neg = res.reactions
    # Half of the seven members (3) react to their top 5 of the 6 others, no more.
    assert 0 < pos + neg <= 3 * 5
    assert set(res.p5) == {"no feedback (top 5)", "gave feedback (next 5 unseen)"}
    for row in res.p5.values():
        assert set(row) == {"before", "veto only", "own clicks", "learning", "+ refit"}
        assert all(0.0 <= v <= 1.0 for v in row.values())
    assert any("veto only" in line for line in lines)
    assert any(line.startswith("weights") for line in lines)


def test_eval_names_the_label_fields_when_a_field_has_none(tmp_path: Path) -> None:
    src = _write(tmp_path / "eval.jsonl")
    r = run_cli(["eval", "--data", str(src), "--field", "fine"])
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (
        "civic-match: error: no item of eval.jsonl has labels in fine; "
        "label fields there: labels, labels_fine, target_group_tags"
    )
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": 1\n', encoding="utf-8")
    r = run_cli(["eval", "--data", str(broken), "--field", "labels"])
    assert r.returncode == 1 and "not a labelled JSONL file" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
