"""What a labelled text must be before the store takes it: its identity (`normalize_key`), the one-line
problem with a text (`text_problem`) and the whole-batch check of labelled items (`validate_items`).

Pure functions, no database: the store, the importers and the seed label files use the same rules.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from model.contract import MAX_EXAMPLE_CHARS
from model.json_names import json_type
from model.text import is_blank
from training.errors import ItemsRejected

_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) (?=[\x00-\x7f])"
                      r"|(?<=[\x00-\x7f]) (?=[^\x00-\x7f])")


def normalize_key(text: str) -> str:
    """Return the identity of a text: NFKC, whitespace runs collapsed to one space and dropped next to
    Chinese characters (Chinese has no word spaces; PDF extraction inserts them), stripped."""
    # str.split() with no argument splits on every Unicode whitespace run,
    # including U+3000 (ideographic space) common in Chinese documents.
    return _CJK_GAP.sub("", " ".join(unicodedata.normalize("NFKC", text).split()))


@dataclass(frozen=True)
class CleanItem:
    """A labelled item that passed `validate_items`: its key, its text as given and its sorted labels."""

    key: str
    text: str
    labels: tuple[str, ...]


def text_problem(text: object) -> str | None:
    """Why `text` cannot be stored (a labelled example or a pool paragraph), in one line naming the fix;
    None when it can."""
    if not isinstance(text, str):
        return f"'text' must be a string, got {json_type(text)}"
    if is_blank(text) or not normalize_key(text):
        return "'text' is empty"
    if not _encodable(text):
        return "'text' has unpaired surrogate characters; send valid UTF-8 text"
    if len(text) > MAX_EXAMPLE_CHARS:
        return f"'text' is {len(text):,} characters; the limit is {MAX_EXAMPLE_CHARS:,}, split it into paragraphs"
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_items(
    items: Sequence[Mapping[str, object]], known_domains: Collection[str]
) -> list[CleanItem]:
    """Check the whole batch; return cleaned items (last wins per key) or raise ItemsRejected."""
    known = frozenset(known_domains)
    known_list = ", ".join(sorted(known)) or "(none)"
    problems: list[str] = []
    by_key: dict[str, CleanItem] = {}

    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise ItemsRejected([f"items must be a list of objects, got {json_type(items)}"])

    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(
                f"item {index}: expected an object with 'text' and 'labels', "
                f"got {json_type(item)}"
            )
            continue
        line = item.get("_line")
        # Items read from a file carry their line number, which is what a user
        # can find in their editor; plain API callers get the list index.
        from_file = isinstance(line, int) and not isinstance(line, bool)
        where = f"line {line}" if from_file else f"item {index}"
        item_problems: list[str] = []

        text = item.get("text")
        key = ""
        if "text" not in item:
            item_problems.append(f"{where}: missing 'text'")
        elif problem := text_problem(text):
            item_problems.append(f"{where}: {problem}")
        else:
            key = normalize_key(str(text))  # text_problem checked it is a string

        labels = item.get("labels")
        clean_labels: set[str] = set()
        if "labels" not in item:
            item_problems.append(
                f"{where}: missing 'labels' (use [] for a text about none of the domains)"
            )
        elif not isinstance(labels, (list, tuple)):
            item_problems.append(
                f"{where}: 'labels' must be a list of domain ids, got {json_type(labels)}"
            )
        else:
            for pos, label in enumerate(labels):
                if not isinstance(label, str):
                    item_problems.append(
                        f"{where}: labels[{pos}] must be a domain id string, "
                        f"got {json_type(label)}"
                    )
                elif label not in known:
                    item_problems.append(
                        f"{where}: unknown domain {label!r}; known: {known_list}"
                    )
                else:
                    clean_labels.add(label)

        if item_problems:
            problems.extend(item_problems)
            continue
        assert isinstance(text, str)
        by_key.pop(key, None)  # re-insert so the last occurrence also decides order
        by_key[key] = CleanItem(key=key, text=text, labels=tuple(sorted(clean_labels)))

    if problems:
        raise ItemsRejected(problems)
    return list(by_key.values())
