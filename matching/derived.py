"""What matching derives from an entry (topics, needs, lexical tokens), stored with the entry.

Detecting themes and needs (regexes) and tokenising every entry again at every start
cost seconds at 10,000 entries; a start now reads them. A row is used only while the
entry's inputs (its stored text and the fields topics read) and the vocabulary version
match, so editing the vocabulary files recomputes every entry once (with a progress bar).
The row also holds the hash of the text that was embedded (matching.entries.embed_text),
so that a start checks an entry's vector without cleaning and hashing its text again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session
from tqdm import tqdm

from matching.doc import Doc
from matching.embedder import text_hash
from matching.entries import embed_text, topics
from matching.lexical import TOKENS, tokens
from matching.subjects import Need
from matching.text import split_sentences
from profiles import repo
from profiles.entry import EntryRow, VectorRow
from profiles.models import Entry, EntryVector

# Bump when the code that derives these fields changes (the vocabulary files and
# matching/text.py, which cleans and splits the text, are hashed).
VERSION = "2"
# Rows written per transaction while recomputing, so a long recompute does not hold
# SQLite's write lock throughout.
BATCH = 500

# A mapped entry (a write just stored it) or a plain row (a sync read it).
AnyEntry = Entry | EntryRow
# What docs_of reads of a vector: a plain row when read, the mapped one when just stored.
StoredVector = EntryVector | VectorRow


@cache
def vocab_version() -> str:
    """A hash of the vocabulary files, the text handling and VERSION: stored rows of another
    version are redone."""
    h = hashlib.sha256(VERSION.encode())
    package = resources.files("matching")
    folder = package / "vocabulary"
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=str)
    # The input hash is of the stored text, not of the cleaned one: a change to how text
    # is cleaned must redo every row (and so check every vector against the new text).
    for f in [*files, package / "text.py"]:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


_json = json.JSONEncoder(ensure_ascii=False).encode


def _inputs(e: AnyEntry) -> str:
    """A hash of what the derived fields are made of, as stored (nothing cleaned or parsed)."""
    fields = [
        e.title, e.description, e.all_groups, list(e.tools), list(e.looking_for),
        list(e.offers), e.region,
    ]  # fmt: skip
    return hashlib.sha256(_json(fields).encode()).hexdigest()


def derive(e: AnyEntry, text: str) -> str:
    """The derived fields of an entry, as the JSON stored for it."""
    t = topics(
        text,
        groups=e.all_groups,
        tools=e.tools,
        looking_for=e.looking_for,
        offers=e.offers,
        region=e.region,
    )
    data = {
        **{k: sorted(t[k]) for k in ("groups", "themes", "tools", "looking_for", "offers")},
        "terms": t["terms"],
        "region": t["region"],
        "needs": [[n.kind, n.need, sorted(n.about), n.phrase] for n in t["needs"]],
        "tokens": " ".join(tokens(text)),
        "sentences": split_sentences(text),
        "text_hash": text_hash(text),
    }
    return json.dumps(data, ensure_ascii=False)


class Strings(dict[str, str]):
    """One string object per distinct value: ``strings[x]`` is the first ``x`` seen.

    The same few thousand terms and items recur in every entry; one string object per
    occurrence was most of a pool's memory (at 10,000 entries, 60 MB of terms; 18 MB
    shared). A per-sync table, not sys.intern: a third cheaper, and freed with the Docs
    once they are gone. (Tokens are numbers: matching.lexical.TOKENS.)
    """

    def __missing__(self, key: str) -> str:
        self[key] = key
        return key


class Grams(dict[str, bytes]):
    """A word's token numbers (its 4-grams, matching.lexical.tokens, numbered by TOKENS) as
    int32 bytes, by the stored text of all but their leading mark; and ``share`` for the
    sync's other strings.

    Most of a start went into turning millions of stored tokens into strings, one lookup
    each; the same few thousand words recur in every entry, so a word's tokens are numbered
    once per sync and an entry's array is its words' bytes joined.
    """

    def __init__(self, strings: Strings) -> None:
        super().__init__()
        self.share = strings.__getitem__
        self._sets: dict[tuple[str, ...], frozenset[str]] = {}

    def itemset(self, stored: list[str]) -> frozenset[str]:
        """The items stored as a list, as one frozenset shared by every entry that has them.

        A few dozen combinations of groups, themes, tools and needs recur across entries
        (most are empty): at 10,000 entries a set each was 40,000 sets and 8.6 MB.
        """
        key = tuple(stored)
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = frozenset(map(self.share, stored))
        return found

    def __missing__(self, key: str) -> bytes:
        found = self[key] = TOKENS.encode(f"#{key}".split(" ")).tobytes()
        return found

    def tokens(self, stored: str) -> NDArray[np.int32]:
        """The numbers of the tokens stored as one string (tokens joined by spaces)."""
        # A word's first token, and only that one, starts with the mark (words have no "#"):
        # splitting at " #" cuts between words. Anything else is split token by token.
        if not stored.startswith("#"):
            return TOKENS.encode(stored.split())
        words = stored[1:].split(" #")
        return np.frombuffer(b"".join(map(self.__getitem__, words)), dtype=np.int32)


def decode(data: str, strings: Strings | None = None) -> dict[str, Any]:
    """Stored JSON back to Doc fields (``sentences`` included; the embedded text's hash, which
    Deriving.stored gives, left out); repeated strings shared through ``strings``."""
    return _fields(json.loads(data), Grams(strings if strings is not None else Strings()))


def _fields(d: dict[str, Any], grams: Grams) -> dict[str, Any]:
    share, items = grams.share, grams.itemset
    out: dict[str, Any] = {
        k: items(d[k]) for k in ("groups", "themes", "tools", "looking_for", "offers")
    }
    terms = d["terms"]
    out["terms"] = dict(zip(map(share, terms), map(share, terms.values()), strict=True))
    out["region"] = d["region"]
    out["needs"] = tuple(Need(k, n, items(a), p) for k, n, a, p in d["needs"])
    out["tokens"] = grams.tokens(d["tokens"])
    out["sentences"] = d["sentences"]
    return out


def derived_for(
    s: Session, team_id: str, entries: Sequence[AnyEntry], texts: Mapping[int, str] | None = None
) -> dict[int, dict[str, Any]]:
    """Doc fields per entry id: read where stored and current, else derived and stored.

    ``texts``: the entries' embed_text by id, where the caller has it already.
    """
    with Deriving(len(entries)) as deriving:
        return deriving(s, team_id, entries, texts)


class Deriving:
    """derived_for over a sync's chunks of entries, with one progress bar for them all.

    Quiet for a describe or two; a bar when a new vocabulary means doing everyone again.
    ``total`` is how many entries the calls will see, at most.
    """

    def __init__(self, total: int) -> None:
        self.left = total
        self.grams = Grams(Strings())
        self.bar: tqdm[Any] | None = None

    def __enter__(self) -> Deriving:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def stored(
        self, s: Session, team_id: str, entries: Sequence[AnyEntry]
    ) -> dict[int, tuple[str, dict[str, Any]]]:
        """``(hash of the embedded text, Doc fields)`` of the entries whose stored row is
        current; the others are left out (derive them with a call)."""
        rows = repo.derived_by_ids(s, team_id, [e.id for e in entries])
        version = vocab_version()
        out: dict[int, tuple[str, dict[str, Any]]] = {}
        for e in entries:
            row = rows.get(e.id)
            if row is not None and row[1] == version and row[0] == _inputs(e):
                d = json.loads(row[2])
                out[e.id] = (d["text_hash"], _fields(d, self.grams))
        self.left -= len(out)
        return out

    def __call__(
        self,
        s: Session,
        team_id: str,
        entries: Sequence[AnyEntry],
        texts: Mapping[int, str] | None = None,
    ) -> dict[int, dict[str, Any]]:
        found = self.stored(s, team_id, entries)
        out = {i: fields for i, (_hash, fields) in found.items()}
        todo = [e for e in entries if e.id not in out]
        if todo and self.bar is None:
            # Everything from here on may need deriving: the bar counts up to that.
            total = max(self.left, len(todo))
            self.bar = tqdm(
                total=total, desc="deriving", unit="entry", disable=True if total <= 200 else None
            )
        self.left -= len(todo)
        version = vocab_version()
        for start in range(0, len(todo), BATCH):
            rows = []
            for e in todo[start : start + BATCH]:
                text = texts[e.id] if texts is not None and e.id in texts else embed_text(e)
                data = derive(e, text)
                rows.append((e.id, _inputs(e), version, data))
                out[e.id] = _fields(json.loads(data), self.grams)
            repo.save_derived(s, team_id, rows)
            s.commit()
            if self.bar is not None:
                self.bar.update(len(rows))
        return out


def docs_of(rows: Sequence[tuple[EntryRow, StoredVector, dict[str, Any]]]) -> list[Doc]:
    """The entries as matching sees them, from their vectors and stored derived fields.

    The vectors of all ``rows`` are read into one block each (document vectors, float32;
    sentence vectors, float16 as stored), the docs' arrays being views of them: a
    snapshot's table copies them into its own blocks and points the docs there, and then
    a few blocks are freed whole. Arrays of each doc's own (10,000 of 2 and 3 KB each)
    left that much memory in holes between live objects, which the process kept.
    """
    vectors = np.frombuffer(b"".join(v.vector for _e, v, _d in rows), dtype=np.float32)
    vectors = vectors.copy()  # writable, as a doc's vector has always been
    sentences = np.frombuffer(b"".join(v.sentence_vectors for _e, v, _d in rows), dtype=np.float16)
    out = []
    at = sat = 0
    for e, v, derived in rows:
        fields = dict(derived)
        sents = fields.pop("sentences")
        size, ssize = len(v.vector) // 4, len(v.sentence_vectors) // 2
        sv = sentences[sat : sat + ssize].reshape(-1, v.dim)
        at, sat = at + size, sat + ssize
        if len(sents) != len(sv):
            # One vector for the whole text: the document's (see _embed).
            sents = [embed_text(e)]
        out.append(
            Doc(
                entry_id=e.id,
                user_id=e.member.user_id,
                vector=vectors[at - size : at],
                sentences=sents,
                sentence_vectors=sv,
                organisation=e.member.organisation,
                display_name=e.member.display_name,
                title=e.title,
                kind=e.kind,
                external_id=e.external_id,
                listed=e.member.consenting,
                **fields,
            )
        )
    return out
