"""The CLI: import with bad rows, suggest JSON, demo, and one-line errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.flows.importer import BadRow, ImportFileError, Row, read_rows
from tests.support.cli import run_cli

ROWS = [
    {
        "id": "a",
        "text": "Digitale Sprechstunde für Senior*innen mit Tablets.",
        "organisation": "AWO",
    },
    {
        "id": "b",
        "title": "Besuchsdienst",
        "description": "Ehrenamtliche besuchen ältere Menschen.",
        "member": "m2",
        "tools": "CiviCRM; Excel",
        "extra_key": 1,
    },
    {"id": "c", "text": "Wohnungen für Geflüchtete aus der Ukraine.", "kind": "project"},
    {
        "id": "d",
        "text": "Falldaten zu Hass im Netz.",
        "kind": "dataset",
        "target_groups": ["online_hate"],
    },
]


def _jsonl(path: Path, rows: list[object], extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines[1:1] = list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_reported_by_line_and_good_rows_kept(tmp_path: Path) -> None:
    f = _jsonl(
        tmp_path / "x.jsonl",
        [*ROWS, {"id": "e"}, {"text": "no id"}, {"id": "f", "text": "x", "kind": "poem"}],
        extra_lines=("{broken json",),
    )
    rows = list(read_rows(f))
    good = [r for r in rows if isinstance(r, Row)]
    bad = {r.line: r.reason for r in rows if isinstance(r, BadRow)}
    assert [r.entry.external_id for r in good] == ["a", "b", "c", "d"]
    assert set(bad) == {2, 6, 7, 8}
    assert "JSON" in bad[2] and "text" in bad[6] and "id" in bad[7] and "kind" in bad[8]
    b = good[1]
    assert b.user_id == "m2" and b.entry.tools == ["CiviCRM", "Excel"]
    assert good[0].user_id == "a"  # no member key: the row is its own member


def test_csv_is_read_with_lists(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text(
        "id,title,description,tools,organisation\n"
        '1,Kältebus,"Routen für Wohnungslose, täglich.","Excel;QGIS",DRK\n'
        "2,,,\n",
        encoding="utf-8",
    )
    rows = list(read_rows(f))
    assert isinstance(rows[0], Row) and rows[0].entry.tools == ["Excel", "QGIS"]
    assert isinstance(rows[1], BadRow) and rows[1].line == 3


def test_unreadable_files_raise_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="not found"):
        list(read_rows(tmp_path / "missing.jsonl"))
    bad = tmp_path / "bin.jsonl"
    bad.write_bytes(b"\xff\xfe\x00garbage\x81")
    with pytest.raises(ImportFileError):
        list(read_rows(bad))
    nohead = tmp_path / "x.csv"
    nohead.write_text("name,text\nx,y\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="id"):
        list(read_rows(nohead))


def _cli(args: list[str], env_db: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(args, env={"DATABASE_URL": env_db}, cwd=cwd)


@pytest.mark.slow
def test_import_then_suggest_json(tmp_path: Path) -> None:
    f = _jsonl(tmp_path / "x.jsonl", ROWS, extra_lines=("not json",))
    db = f"sqlite:///{tmp_path}/cli.db"
    root = Path(__file__).resolve().parents[2]
    r = _cli(["import", str(f), "--team", "T1"], db, root)
    assert r.returncode == 0, r.stderr
    assert "imported 4 entries" in r.stdout
    assert "line 2: skipped" in r.stderr
    r = _cli(["suggest", "--team", "T1", "--all", "--k", "2", "--json"], db, root)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["profile"] for x in lines] == ["a", "b", "c", "d"]
    a = lines[0]["suggestions"]
    assert len(a) == 2 and a[0]["profile"] == "b" and a[0]["member"] == "m2"
    assert a[0]["score"] >= a[1]["score"]
    assert any("Senior*innen" in reason for reason in a[0]["reasons"])
    r = _cli(["suggest", "--team", "T1", "--profile", "c", "--json"], db, root)
    assert json.loads(r.stdout)["profile"] == "c"


@pytest.mark.parametrize(
    ("args", "db", "message"),
    [
        (["import", "/nonexistent/file.jsonl"], "sqlite:///{tmp}/a.db", "file not found"),
        (["suggest", "--all"], "postgresql://127.0.0.1:1/x", "cannot reach the database"),
        (["db", "upgrade"], "nonsense", "not a database URL"),
        (["suggest", "--team", "T", "--all"], "sqlite:///{tmp}/b.db", "has no entries"),
        (["suggest", "--team", "T"], "sqlite:///{tmp}/c.db", "exactly one of"),
    ],
)
def test_errors_are_one_line_without_traceback(
    tmp_path: Path, args: list[str], db: str, message: str
) -> None:
    root = Path(__file__).resolve().parents[2]
    r = _cli(args, db.format(tmp=tmp_path), root)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_demo_runs_on_the_bundled_community(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    r = _cli(["demo", "--db", f"sqlite:///{tmp_path}/demo.db"], "sqlite:///unused.db", root)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("━━") == 4
    assert "sollte sprechen mit" in r.stdout
    assert "gemeinsame Zielgruppe" in r.stdout
    # The README's excerpt is what the demo prints, reasons and scores included.
    readme = (root / "README.md").read_text(encoding="utf-8")
    excerpt = readme.split("## What the demo shows", 1)[1].split("```", 2)[1]
    lines = [line.rstrip() for line in excerpt.splitlines() if line.strip()]
    assert len(lines) > 10
    printed = {line.rstrip() for line in r.stdout.splitlines()}
    assert [line for line in lines if line not in printed] == []
    # The demo ends with the next step; that step works on the same database.
    assert "civic-match console --demo" in r.stdout
    c = run_cli(
        ["console", "--demo", "--facilitator", "--db", f"sqlite:///{tmp_path}/demo.db"],
        stdin="stats\nvorschläge\n",
        cwd=root,
    )
    assert c.returncode == 0, c.stderr
    assert "Community-Statistik" in c.stdout and "Mitglieder: 24" in c.stdout
