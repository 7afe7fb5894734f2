"""The curator's loop as plain functions (the CLI and the HTTP API both call these): fill the review pool,
pick what to review, store reviews, audit labels and act on the audit.

Each takes the `Workspace`, which owns the store, the registry and the taxonomy (built once, with the
workspace's settings), and never builds one of its own.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from model.readers import ReadError, folder_files
from model.rules import ranked_tags, ranking
from model.tagger import Tagger
from training.data.pool import PoolImport, import_file, import_rows, pool_sources, read_pool_file, seed_rows
from training.data.taxonomy import Domain, Taxonomy
from training.data.validation import normalize_key
from training.errors import AuditActionError, AuditItemNotFound
from training.learning.audit import audit, out_of_fold, suggestion
from training.learning.review import ScoreCache, select
from training.learning.train import Progress, load_training_data, paragraph_key

if TYPE_CHECKING:
    from training.workspace import Workspace

AUDIT_ACTIONS = ("accept", "keep")


def _labelled_keys(ws: Workspace) -> set[str]:
    """Keys of every labelled paragraph: the seeds' (bootstrapped documents and label files) and the store's."""
    taxonomy = ws.taxonomy()
    stats = [(name, path.stat()) for name, path in folder_files(ws.seeds)]
    signature = tuple((name, stat.st_size, stat.st_mtime_ns) for name, stat in stats)
    seeds = _seed_keys(ws.seeds, signature, tuple(taxonomy.domains), taxonomy.unmatched_negatives)
    return set(seeds).union(normalize_key(stored.text) for stored in ws.store().current())


@lru_cache(maxsize=4)
def _seed_keys(seeds: Path, signature: tuple[tuple[str, int, int], ...], domains: tuple[Domain, ...],
               unmatched_negatives: bool) -> frozenset[str]:
    # Pool requests need only the keys of the bootstrapped seed documents, which change only when a seed file or
    # the taxonomy does (both are part of the cache key), so the seeds are read and bootstrapped once per change.
    data = load_training_data(seeds, Taxonomy(list(domains), unmatched_negatives))
    return frozenset(normalize_key(e.text) for e in data.examples)


def import_pool(ws: Workspace, paths: Iterable[Path] = (), include_seeds: bool = False,
                progress: Progress | None = None) -> PoolImport:
    """Pool the paragraphs of files and folders (documents or `policytag tag` JSONL) and, with
    `include_seeds`, the seed documents' unlabelled paragraphs; unreadable files and skipped paragraphs (too
    long, ...) go to `problems`, and the rest is imported."""
    result, labelled, store = PoolImport(), _labelled_keys(ws), ws.store()
    if include_seeds:
        import_rows(store, seed_rows(ws.seeds, ws.taxonomy()), labelled, result)
    for path, shown in pool_sources(paths):
        before = result.read
        try:
            import_file(store, path.read_bytes(), str(path), labelled, result, shown)
        except (OSError, ReadError) as exc:
            result.problems.append(str(exc) if isinstance(exc, ReadError) else f"{path}: {exc.strerror}")
            continue
        if progress:
            progress(f"{path}: {result.read - before} paragraph(s) read, pool now {result.pool_size}")
    result.pool_size = store.pool_size()
    return result


def import_pool_bytes(ws: Workspace, data: bytes, name: str) -> PoolImport:
    """Pool one uploaded file's paragraphs (those that cannot be pooled are skipped and named in `problems`);
    ReadError when the file cannot be read, before the labelled paragraphs are gathered."""
    rows, problems = read_pool_file(data, name)
    result = PoolImport(read=len(problems), skipped=len(problems), problems=problems)
    return import_rows(ws.store(), rows, _labelled_keys(ws), result)


def import_pool_texts(ws: Workspace, texts: Sequence[str], source: str = "api") -> PoolImport:
    """Pool texts as they are (one paragraph each); ItemsRejected names every bad text."""
    return import_rows(ws.store(), [(t, source, "") for t in texts], _labelled_keys(ws))


def pool_stats(ws: Workspace) -> dict[str, object]:
    """`pool_size` and `by_source`."""
    return ws.store().pool_stats()


def review_batch(ws: Workspace, tagger: Tagger, version: str, n: int, cache: ScoreCache | None = None,
                 names: dict[str, str] | None = None) -> dict[str, Any]:
    """{"items": the n pool paragraphs to review next, "pool_size"}; item rows carry id, text, source,
    heading, scores (every domain), tags (above threshold) and the reason it was picked."""
    items = ws.store().pool_items()
    texts = [item.text for item in items]
    cache = cache or ScoreCache()
    proba = cache.proba(tagger, version, [item.id for item in items], texts)
    picks = select(tagger, texts, proba, n)
    chosen = proba[[pick.index for pick in picks]] if picks else np.zeros((0, len(tagger.classes_)))
    tags = ranked_tags([texts[pick.index] for pick in picks], chosen, tagger.thresholds_)
    classes, names = tagger.classes_, names or {}
    rows = []
    for pick, p, order, found in zip(picks, chosen, ranking(chosen).tolist(), tags):
        item = items[pick.index]
        rows.append({"id": item.id, "text": item.text, "source": item.source, "heading": item.heading,
                     "scores": {classes[k]: round(float(p[k]), 4) for k in order},
                     "tags": [{"domain": classes[k], "name": names.get(classes[k], classes[k]),
                               "score": round(float(p[k]), 4)} for k in found],
                     "reason": pick.reason, "margin": round(pick.margin, 4)})
    return {"items": rows, "pool_size": len(items)}


def submit_review(ws: Workspace, pool_id: int, labels: Sequence[str], author: str | None) -> dict[str, int]:
    """Store a reviewed pool paragraph (source "review"); it leaves the pool. NotInPool, ItemsRejected."""
    result, size = ws.store().review(pool_id, labels, author=author, known_domains=ws.taxonomy().ids)
    return {"added": result.added, "updated": result.updated, "total": result.total, "pool_size": size}


def _audited(ws: Workspace, progress: Progress | None) -> tuple[Any, Tagger, Any, Any]:
    taxonomy = ws.taxonomy()
    data = load_training_data(ws.seeds, taxonomy, ws.store())
    tagger, manifest = ws.registry.load()
    known = set(tagger.classes_)
    # Paragraphs labelled with a domain the served model does not know cannot be judged by it.
    examples = [e for e in data.examples if set(e.labels) <= known]
    return examples, tagger, manifest, out_of_fold(examples, taxonomy, tagger, manifest, ws.home, progress)


def audit_report(ws: Workspace, n: int = 20, progress: Progress | None = None) -> dict[str, Any]:
    """{"items": the n labelled paragraphs the cross-validated model disputes most (not yet checked),
    "labelled": paragraphs audited, "disputed": how many it disputes in all, "model": {"version"}}."""
    examples, tagger, manifest, proba = _audited(ws, progress)
    checked = ws.store().checked_labels()
    everything = audit(examples, proba, tagger, checked, n=len(examples), explain=False)
    items = audit(examples, proba, tagger, checked, n=n)
    return {"items": [item.to_dict() for item in items], "labelled": len(examples), "disputed": len(everything),
            "model": {"version": manifest.get("version")}}


def decide_audit(ws: Workspace, item_id: str, action: str, author: str | None) -> dict[str, Any]:
    """accept: store the model's suggestion (source "audit"); keep: record the label as checked. Either
    way the paragraph leaves the audit list until its labels change. NotFound for an unknown id."""
    if action not in AUDIT_ACTIONS:
        raise AuditActionError(f"unknown action {action!r}; use one of: {', '.join(AUDIT_ACTIONS)}")
    examples, tagger, _, proba = _audited(ws, None)
    index = next((i for i, e in enumerate(examples) if paragraph_key(e.text) == item_id), None)
    if index is None:
        raise AuditItemNotFound(f"no labelled paragraph with id {item_id!r}; GET /v1/audit lists the current ids")
    example, store = examples[index], ws.store()
    labels = list(example.labels)
    if action == "accept":
        labels = suggestion(example.text, proba[index], tagger)
        store.add([{"text": example.text, "labels": labels}], source="audit", author=author,
                  known_domains=ws.taxonomy().ids)
    store.check_labels(example.text, labels, action=action, author=author)
    return {"ok": True, "id": item_id, "action": action, "labels": labels}
