"""Reading member entries from JSONL or CSV files, row by row, keeping the good rows."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.entries import prepare
from matching.service import EntryInput
from profiles.errors import InvalidInput

LIST_SPLIT = (";", ",", "|")


@dataclass(frozen=True)
class Row:
    line: int
    user_id: str
    name: str
    organisation: str
    entry: EntryInput


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, not JSONL/CSV, not UTF-8)."""


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    for sep in LIST_SPLIT:
        if sep in text:
            return [p.strip() for p in text.split(sep) if p.strip()]
    return [text.strip()]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def parse_record(line: int, rec: Any) -> Row | BadRow:
    """One record to a Row, or a BadRow with the reason; unknown keys are ignored."""
    if not isinstance(rec, dict):
        return BadRow(line, "not an object with keys")
    ext = _text(rec.get("id")).strip()
    if not ext:
        return BadRow(line, "missing 'id'")
    title = _text(rec.get("title"))
    description = _text(rec.get("description"))
    if not (title.strip() or description.strip()):
        description = _text(rec.get("text"))
    if not (title.strip() or description.strip()):
        return BadRow(line, "missing 'text' (or 'title' + 'description')")
    kind = _text(rec.get("kind")).strip().lower() or "project"
    if kind in ("datensatz", "daten", "data"):
        kind = "dataset"
    if kind in ("projekt",):
        kind = "project"
    if kind not in ("project", "dataset"):
        return BadRow(line, f"unknown kind {kind!r} (project or dataset)")
    entry = EntryInput(
        title=title,
        description=description,
        kind=kind,
        target_groups=_as_list(rec.get("target_groups")),
        tools=_as_list(rec.get("tools")),
        region=_text(rec.get("region")),
        looking_for=[x for x in _as_list(rec.get("looking_for")) if x],
        external_id=ext[:200],
    )
    try:
        prepare(entry)
    except InvalidInput as exc:
        return BadRow(line, str(exc))
    member = _text(rec.get("member")).strip() or ext
    name = _text(rec.get("member_name")).strip() or member
    return Row(line, member[:128], name[:200], _text(rec.get("organisation")).strip()[:200], entry)


def read_rows(path: Path) -> Iterator[Row | BadRow]:
    """Rows of a JSONL or CSV file (chosen by extension, JSONL sniffed otherwise)."""
    if not path.exists():
        raise ImportFileError(f"file not found: {path}")
    if path.is_dir():
        raise ImportFileError(f"{path} is a folder, not a file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            head = fh.read(4096)
            fh.seek(0)
            is_csv = path.suffix.lower() in (".csv", ".tsv") or not head.lstrip().startswith("{")
            if is_csv:
                yield from _read_csv(fh, "\t" if path.suffix.lower() == ".tsv" else ",")
            else:
                yield from _read_jsonl(fh)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path} is not UTF-8 text ({exc.reason})") from exc


def _read_jsonl(fh: Any) -> Iterator[Row | BadRow]:
    for n, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadRow(n, f"not valid JSON ({exc.msg})")
            continue
        yield parse_record(n, rec)


def _read_csv(fh: Any, delimiter: str) -> Iterator[Row | BadRow]:
    csv.field_size_limit(1_000_000)
    reader = csv.DictReader(fh, delimiter=delimiter)
    if not reader.fieldnames or "id" not in [f.strip() for f in reader.fieldnames]:
        raise ImportFileError("CSV header needs an 'id' column (and 'text' or 'title')")
    try:
        for rec in reader:
            line = reader.line_num
            if None in rec:
                yield BadRow(line, "more fields than the header has")
                continue
            yield parse_record(line, {k.strip(): v for k, v in rec.items() if k})
    except csv.Error as exc:
        raise ImportFileError(f"broken CSV at line {reader.line_num}: {exc}") from exc
