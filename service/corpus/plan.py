"""Turning what the user named (files, folders, globs, `-`, --from-list) into an ordered list of tasks.

The plan depends only on the inputs (paths, sizes), never on the number of workers, so every run over the
same inputs makes the same tasks in the same order: output order is input order, and `--resume` can skip
the tasks a killed run finished. Small files are grouped into one task (one scoring call for many short
documents); a large .jsonl file is cut at line boundaries into several tasks so that no worker holds a
whole database export and the work spreads over the workers.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from model.readers import SUPPORTED_SUFFIXES, folder_files, iter_paths
from service.corpus.errors import CorpusError

# A task is cut when it holds this many input bytes or this many files: ~1,000 paragraphs of text, so the
# per-task costs (pickling, one scoring call) stay small and a few tasks in flight per worker bound memory.
TASK_BYTES = 256 * 1024
TASK_FILES = 64
STDIN = "-"


@dataclass(frozen=True)
class Item:
    """One input file, or one slice of a large .jsonl file (`data` then holds the slice's bytes)."""

    number: int  # position of the input file in the run (0-based), for the summary
    source: str  # the path as the user gave it (or found it under a folder), or "<stdin>"
    path: str | None = None  # read by the worker (workers must see the same path)
    data: bytes | None = None  # stdin or a .jsonl slice: carried in the task
    first_line: int = 1  # a .jsonl slice: the file line its first line is (record numbers stay the file's)
    last_slice: bool = True  # a .jsonl slice: whether it is the file's last (the file counts as read after it)


@dataclass(frozen=True)
class Task:
    """Items tagged together by one worker; `number` is the task's place in the output."""

    number: int
    items: tuple[Item, ...]


@dataclass
class Inputs:
    """The files of a run, in output order, with their sizes (for ETA) and what was wrong with the inputs."""

    files: list[tuple[str, int, int]] = field(default_factory=list)  # (path, size, mtime_ns); "-" for stdin
    problems: list[str] = field(default_factory=list)  # an input that named nothing to read, with the reason
    unsupported: Counter[str] = field(default_factory=Counter)  # files in folders of a type not read, by suffix
    stdin: bytes | None = None

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self.files)


def read_list(path: str) -> list[str]:
    """Paths listed in a --from-list file: one a line, blank lines and lines starting with # skipped."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]
    except FileNotFoundError:
        raise CorpusError(f"--from-list {path}: no such file; give a file with one path a line") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"--from-list {path}: cannot be read ({exc}); "
                          "give a UTF-8 file with one path a line") from None


def _unsupported(folder: Path) -> Counter[str]:
    """Suffixes of the files under `folder` that no reader takes (iter_paths leaves them out), so the summary
    can say they were skipped instead of letting them vanish."""
    return Counter(path.suffix.lower() or "(no suffix)" for _, path in folder_files(folder)
                   if path.suffix.lower() not in SUPPORTED_SUFFIXES)


def collect_inputs(given: Sequence[str], glob: str | None = None, stdin: bytes | None = None) -> Inputs:
    """Expand files and folders (recursively, filtered by `glob`) into files in a deterministic order.

    A folder with no file to read is a problem (reported, exit 1); a missing file is kept so that reading
    it reports it with its reason like any other failure.
    """
    inputs = Inputs(stdin=stdin)
    for name in given:
        if name == STDIN:
            inputs.files.append((STDIN, len(stdin or b""), 0))
            continue
        found = 0
        for path in iter_paths([name], glob=glob):
            found += 1
            try:
                stat = path.stat()
                inputs.files.append((str(path), stat.st_size, stat.st_mtime_ns))
            except OSError:
                inputs.files.append((str(path), 0, 0))
        if glob is None and Path(name).is_dir():
            inputs.unsupported.update(_unsupported(Path(name)))
        if not found:
            what = f"no file matching {glob!r}" if glob else "no file policytag reads"
            inputs.problems.append(f"{name}: {what} in this folder; check the folder or --glob")
    return inputs


def _jsonl_slices(number: int, path: str, size: int) -> Iterator[Item]:
    """A large .jsonl file cut into ~TASK_BYTES slices at line ends; each keeps its first line number."""
    with open(path, "rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        if head in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: a b"\n" byte is not a line end; one task
            yield Item(number, path, path=path)
            return
        line = 1
        while True:
            data = handle.read(TASK_BYTES)
            if not data:
                break
            data += handle.readline()  # finish the line the slice stopped in
            last = handle.tell() >= size
            yield Item(number, path, data=data, first_line=line, last_slice=last)
            line += data.count(b"\n")
            if last:
                break


def _items(inputs: Inputs) -> Iterator[Item]:
    for number, (path, size, _) in enumerate(inputs.files):
        if path == STDIN:
            yield Item(number, "<stdin>", data=inputs.stdin or b"")
        elif path.lower().endswith(".jsonl") and size > 2 * TASK_BYTES:
            try:
                yield from _jsonl_slices(number, path, size)
            except OSError:
                yield Item(number, path, path=path)  # reading it in the worker reports why
        else:
            yield Item(number, path, path=path)


def plan_tasks(inputs: Inputs) -> Iterator[Task]:
    """Tasks in output order; lazily, so a large .jsonl file is never held whole by the planner."""
    batch: list[Item] = []
    weight = 0
    number = 0
    for item in _items(inputs):
        size = len(item.data) if item.data is not None else _size(inputs, item.number)
        if batch and (weight + size > TASK_BYTES or len(batch) >= TASK_FILES or item.data is not None):
            yield Task(number, tuple(batch))
            number += 1
            batch, weight = [], 0
        batch.append(item)
        weight += size
        if item.data is not None:  # a slice or stdin is a task of its own
            yield Task(number, tuple(batch))
            number += 1
            batch, weight = [], 0
    if batch:
        yield Task(number, tuple(batch))


def _size(inputs: Inputs, number: int) -> int:
    return inputs.files[number][1]


def fingerprint(inputs: Inputs, settings: dict[str, object]) -> str:
    """What a run's output depends on (files with sizes and times, options, model): --resume refuses a
    partial file made by a run with a different fingerprint."""
    blob = json.dumps({"files": inputs.files, "settings": settings}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def expand(given: Iterable[str], from_list: str | None) -> list[str]:
    """The inputs named on the command line followed by those in --from-list (relative to the current folder)."""
    names = list(given)
    if from_list:
        names += read_list(from_list)
    return names


__all__ = ["Inputs", "Item", "STDIN", "Task", "collect_inputs", "expand", "fingerprint", "plan_tasks",
           "read_list"]
