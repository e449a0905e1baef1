"""Text handling shared by embedding, lexical scoring and explanations."""

from __future__ import annotations

import html
import re
import unicodedata

MAX_CHARS = 4000
MAX_SENTENCES = 12

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064]")
# Slack mrkdwn tokens: <!channel>, <@U123|name>, <#C123|name>, <https://x|label>
_SLACK_TOKEN = re.compile(r"<([!@#][^>|]*)(?:\|([^>]*))?>")
_SLACK_LINK = re.compile(r"<(https?://[^>|]+)(?:\|([^>]*))?>")
_WS = re.compile(r"[ \t\r\f\v]+")
_SENT_SPLIT = re.compile(r"(?<=[.!?;:])\s+(?=[\"„“(\[]?[A-ZÄÖÜ0-9])|\n+|\s+[•·▪–-]\s+")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)


def strip_control(text: str) -> str:
    """Remove control and invisible formatting characters (keeps newlines and tabs)."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def clean(text: str) -> str:
    """Plain text for embedding: Slack markup resolved, entities decoded, spaces folded."""
    text = strip_control(text)
    text = _SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    # A mention carries no meaning for matching; its label (if any) does.
    text = _SLACK_TOKEN.sub(lambda m: m.group(2) or "", text)
    text = html.unescape(text)
    lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def split_sentences(text: str, limit: int = MAX_SENTENCES) -> list[str]:
    """Sentences of a description, very short fragments merged into their neighbour."""
    parts = [p.strip(" -•·▪–") for p in _SENT_SPLIT.split(text) if p and p.strip()]
    merged: list[str] = []
    for part in parts:
        if merged and len(part) < 25:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    if len(merged) > 1 and len(merged[0]) < 25:
        merged[1] = f"{merged[0]} {merged[1]}"
        merged.pop(0)
    return merged[:limit] or ([text.strip()] if text.strip() else [])


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits, inner hyphens kept)."""
    return [w.lower() for w in _WORD.findall(text)]


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut with an ellipsis."""
    # Whitespace folded in a prefix is a prefix of the whole text folded: when it is longer
    # than the limit, the cut is the same without folding all of a long text.
    head = text[: 2 * limit + 64]
    if head.isprintable() and "  " not in head and head[:1] != " ":
        # Its only white space is single inner spaces (every other kind of space is not
        # printable) and perhaps one at the end: folded without splitting it into words.
        folded = head.rstrip(" ")
    else:
        folded = " ".join(head.split())
    if len(folded) <= max(limit, 0) and len(head) < len(text):  # too short to decide
        folded = " ".join(text.split())
    if len(folded) <= limit:
        return folded
    cut = folded[: max(1, limit - 1)].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.-") + "…"
