"""Training: labelled paragraphs -> augmented training set -> fitted `Tagger` + cross-validated report.

Few labelled paragraphs (the seed page has 29) make a model that only knows long text and the majority
domain, so each paragraph is also given as its sentences and sentence pairs (short inputs), the
taxonomy's keywords and matched headings are short examples of their domains, and every domain is
repeated up to the size of the largest so none dominates the scores.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from model.manifest import Manifest
from model.readers import folder_files
from model.tagger import Tagger
from model.text import split_sentences
from training.data.bootstrap import BootstrapReport, Example, bootstrap_paths, seed_documents
from training.data.importing import check_items, read_examples
from training.data.store import ExampleStore
from training.data.taxonomy import Taxonomy
from training.data.validation import normalize_key
from training.errors import ItemsRejected, StoreError
from training.learning.baseline import keyword_tags

LABELLED_SUFFIXES = (".jsonl", ".csv")
# Switches that benchmarks/taxonomy.py --ablation turns off one at a time, to measure what each buys.
FOLDS = "documents"  # "paragraphs": held-out folds split documents
JUDGED_FOR = True  # honour `labelled_for` in seed label files
# A person's label given for other domains (`labelled_for`), for the rest: "unnamed", unknown where the text
# names one of a domain's keywords and a negative elsewhere; "unknown" everywhere (--ablation measures it).
UNJUDGED = "unnamed"
STRUCTURE_LEVELS = ("title", "heading", "lead")  # label_level of labels bootstrapped from a document's structure
GIVEN = "person"  # label_level of labels a person gave (seed label files, the store): the gate's trusted set
# About this many labelled paragraphs before a domain is tagged reliably (held-out thresholds need positives
# in several folds); fewer are trained on, and named in the training report.
MIN_POSITIVES = 10
MIN_WINDOW_CHARS = 8
# Sentence windows of a paragraph inherit its labels. For a paragraph about none of the domains they are
# right; for one about a domain, many of its sentences carry no evidence of it (a quotation, a 群众 or 干部
# sentence of the seed's 千万工程 article), and labelling them `rural` taught the model that political or
# narrative prose in general is rural. So only negatives give windows (see the README's ablation).
WINDOWS = "negatives"
# Tagger settings of the policy model (the engine defaults suit single-label data such as news titles):
# calibration counts each paragraph once and expects this share of paragraphs about none of the domains,
# as in a work report. Each domain's threshold is the one with the best F1 on held-out scores (folds by
# document), anywhere in [0.02, 0.95]: Platt scaling fitted to weak labels is compressed, so a fixed 0.5
# leaves the domains a user adds untagged (README, "Your own taxonomy").
# Every domain is calibrated as if it were as common as the average domain ("balanced"): with the share of its
# labelled paragraphs instead, a new domain with ten short paragraphs gets probabilities too low to be tagged.
# A label left unknown (a weak negative's other domains; a domain whose keyword stands in the body) whose held-out
# probability is under 0.2 is taken as a negative, and the held-out folds are fitted again ("complete_below"):
# most unknown labels are not about the domain, and the model's confident ones say which (README, "Your own
# taxonomy"). Positives are never made so: a paragraph's second domain is what the model misses most.
POLICY_PARAMS: dict[str, Any] = {"calibration_unit": "group", "none_share": 0.6, "threshold_range": (0.02, 0.95),
                                 "class_prior": "balanced", "complete_below": 0.2}
Progress = Callable[[str], None]
# The share of paragraphs about none of the domains depends on the taxonomy: about 0.6 of a work report is
# about none of the three shipped domains, a third or less about none of a taxonomy of ten. So when the seeds
# and the documents given bootstrap at least NONE_SHARE_MIN_PARAGRAPHS paragraphs, calibration expects the
# share of them that no title, heading or lead sentence labels (weak negatives and unlabelled paragraphs),
# within NONE_SHARE_RANGE (a few documents can be all on topic); with fewer, POLICY_PARAMS' 0.6. "fixed":
# always 0.6 (--ablation measures it).
NONE_SHARE = "documents"
NONE_SHARE_MIN_PARAGRAPHS = 100
NONE_SHARE_RANGE = (0.2, 0.8)


@dataclass
class TrainingData:
    """Labelled paragraphs for training, and where they came from."""

    examples: list[Example]
    bootstrap: BootstrapReport
    sources: Counter[str] = field(default_factory=Counter)

    def counts(self) -> dict[str, Any]:
        per_domain: Counter[str] = Counter(label for e in self.examples for label in e.labels)
        label_sources: dict[str, Counter[str]] = {}
        for e in self.examples:
            for label in e.labels:
                label_sources.setdefault(label, Counter())[e.label_level or GIVEN] += 1
        return {"paragraphs": len(self.examples), "per_domain": dict(sorted(per_domain.items())),
                "label_sources": {d: dict(c.most_common()) for d, c in sorted(label_sources.items())},
                "negatives": sum(not e.labels for e in self.examples),
                "unmatched_section_negatives": sum(e.label_kind == "none" for e in self.examples),
                "joined_lead_pairs": len(lead_pairs(self.examples)),
                "none_share": self.none_share(), "bootstrapped": self.bootstrap.paragraphs,
                "sources": dict(self.sources)}

    def none_share(self) -> float | None:
        """The share of the bootstrapped paragraphs labelled by no domain, within NONE_SHARE_RANGE; None when
        fewer than NONE_SHARE_MIN_PARAGRAPHS were bootstrapped or NONE_SHARE is "fixed"."""
        report = self.bootstrap
        if NONE_SHARE == "fixed" or report.paragraphs < NONE_SHARE_MIN_PARAGRAPHS:
            return None
        share = (report.negatives + report.unlabelled) / report.paragraphs
        return round(min(max(share, NONE_SHARE_RANGE[0]), NONE_SHARE_RANGE[1]), 3)

    def params(self, **given: Any) -> dict[str, Any]:
        """The policy model's Tagger settings for this data: `none_share` from the documents (see NONE_SHARE)
        unless `given` sets it; `given` over POLICY_PARAMS."""
        share = self.none_share()
        return {**POLICY_PARAMS, **({"none_share": share} if share is not None else {}), **given}

    def thin_domains(self, taxonomy: Taxonomy) -> dict[str, int]:
        """The domains with fewer than MIN_POSITIVES labelled paragraphs, with how many they have (0: the
        model cannot tag them at all)."""
        per_domain = Counter(label for e in self.examples for label in e.labels)
        return {d: per_domain[d] for d in taxonomy.ids if per_domain[d] < MIN_POSITIVES}

    def keys(self) -> list[str]:
        """Short hashes of the paragraphs, saved with a model so a later gate knows what it was trained on."""
        return sorted(paragraph_key(e.text) for e in self.examples)

    def fingerprint(self) -> str:
        rows = sorted((normalize_key(e.text), sorted(e.labels)) for e in self.examples)
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def paragraph_key(text: str) -> str:
    return hashlib.sha256(normalize_key(text).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Recipe:
    """How the served model was made: its hyper-parameters and the keys of the paragraphs it learned from."""

    params: dict[str, Any]
    keys: frozenset[str] | None  # None: unknown, use every paragraph


def _judged_for(item: dict[str, Any], where: str, taxonomy: Taxonomy) -> tuple[str, ...] | None:
    """The domains a seed label was given for (`labelled_for`; None: every domain of the taxonomy). Labels
    written for an older taxonomy say nothing about the domains added since whose keywords the text has."""
    judged = item.get("labelled_for")
    if judged is None or not JUDGED_FOR:
        return None
    if not isinstance(judged, list) or not all(isinstance(d, str) for d in judged):
        raise ItemsRejected([f"{where} line {item.get('_line', '?')}: 'labelled_for' must be a list of domain "
                               f"ids, got {judged!r}"[:200]])
    return tuple(d for d in taxonomy.ids if d in judged or d in item["labels"])


def _validated(items: list[dict[str, Any]], where: str, taxonomy: Taxonomy) -> list[Example]:
    """Seed label files get the store's checks (one set of rules for every labelled example)."""
    if problems := check_items(items, taxonomy.ids):
        raise ItemsRejected([f"{where} {p}" for p in problems])
    examples = [Example(str(item["text"]).strip(), tuple(dict.fromkeys(item["labels"])), where,
                        known=_judged_for(item, where, taxonomy), label_level=GIVEN) for item in items]
    # A domain the labels were not given for is unknown where the text has one of its keywords (it may be
    # about it), and a negative elsewhere: the labeller saw text that does not even name it. Most such text is
    # about none of a new domain (defence, diplomacy); some is about it in other words (县域医共体 for health),
    # and a wrong negative there is the price. Left unknown everywhere, a domain a curator adds with ten
    # paragraphs has almost no negatives, and 加强国防教育 is tagged ecology (README, "Your own taxonomy").
    if UNJUDGED == "unknown":
        return examples
    mentioned = keyword_tags([e.text for e in examples], taxonomy)
    return [replace(e, known=tuple(d for d in taxonomy.ids if d in e.known or d not in found))
            if e.known is not None else e for e, found in zip(examples, mentioned)]


def load_training_data(seeds: Path, taxonomy: Taxonomy, store: ExampleStore | None = None,
                       unmatched_negatives: bool | None = None, documents: Sequence[Path] = ()) -> TrainingData:
    """Seed documents and `documents` (files or folders; bootstrapped), seed label files, then the store;
    later sources win per paragraph. `unmatched_negatives`: bootstrap weak negatives from unmatched sections
    (None: the taxonomy's setting)."""
    # Every document format the readers know (.md, .txt, .docx, .pdf, .html, ...) is bootstrapped.
    paths = [*seed_documents(seeds), *documents]
    negatives = taxonomy.unmatched_negatives if unmatched_negatives is None else unmatched_negatives
    boot, report = bootstrap_paths(paths, taxonomy, negatives) if paths else ([], BootstrapReport())
    by_key: dict[str, Example] = {}
    sources: Counter[str] = Counter()
    for example in body_evidence(boot, taxonomy):
        if example.trainable:  # unlabelled bootstrap paragraphs are unknown, not negatives
            by_key[normalize_key(example.text)] = example
    for path in (p for _, p in folder_files(seeds) if p.suffix.lower() in LABELLED_SUFFIXES):
        for example in _validated(read_examples(path), path.name, taxonomy):
            by_key[normalize_key(example.text)] = example
    if store is not None:
        for stored in store.current():
            if unknown := [x for x in stored.labels if x not in taxonomy]:
                raise StoreError(f"stored example {stored.text[:20]!r}… has unknown domain {unknown[0]!r}; "
                                 f"add it to the taxonomy (known: {', '.join(taxonomy.ids)})")
            by_key[normalize_key(stored.text)] = Example(stored.text, stored.labels, stored.source,
                                                         label_level=GIVEN)
    for example in by_key.values():
        sources[example.source.split(":")[0] if ":" in example.source else example.source] += 1
    return TrainingData(list(by_key.values()), report, sources)


BODY = "unknown"  # "off": bootstrapped labels are taken as complete (see body_evidence)
# Two neighbouring paragraphs of one section that their own lead sentences give different domains (in an
# umbrella section, `稳定和扩大就业。…` and `办好人民满意的教育。…`) are also given joined, as one training item
# with both domains. Bootstrapped labels nearly always name one domain per paragraph, so without them the model
# learns that one domain's words rule out another's and misses the second domain of a paragraph about two, its
# most common miss. Only lead sentences of one section: neighbouring sections or headings joined taught the
# shipped model to tag text about none of its domains (README, "Your own taxonomy"). False: no joined items
# (--ablation measures it).
JOIN_LEADS = True


def body_evidence(examples: Sequence[Example], taxonomy: Taxonomy) -> list[Example]:
    """Bootstrapped labels checked against the paragraph's own words: a heading says what a paragraph is
    about, not what else it covers, so a domain whose keyword stands in the body is not claimed as a
    negative (its label is left unknown) unless the structure gave it."""
    if BODY == "off":
        return list(examples)
    found = keyword_tags([e.text for e in examples], taxonomy)
    checked = []
    for example, mentioned in zip(examples, found):
        if example.label_level in STRUCTURE_LEVELS and (extra := set(mentioned) - set(example.labels)):
            judged = taxonomy.ids if example.known is None else example.known
            example = replace(example, known=tuple(d for d in judged if d not in extra))
        checked.append(example)
    return checked


def lead_pairs(examples: Sequence[Example]) -> list[tuple[int, int]]:
    """The (index, index) pairs of paragraphs `augment` joins: each lead-labelled paragraph of a document with
    the one before it among that document's lead-labelled paragraphs (weak negatives and heading-labelled
    paragraphs may stand between them), when both have the same heading and no domain in common, and are in one
    held-out group (always, with folds by document), so a held-out paragraph is never trained on inside a joined
    item (see JOIN_LEADS)."""
    if not JOIN_LEADS:
        return []
    previous: dict[str, int] = {}
    pairs = []
    for number, example in enumerate(examples):
        if not (example.labels and example.label_level == "lead"):
            continue
        before = previous.get(example.source)
        previous[example.source] = number
        if before is not None and examples[before].heading == example.heading \
                and not set(examples[before].labels) & set(example.labels) \
                and _fold_group(examples[before], f"p{before}") == _fold_group(example, f"p{number}"):
            pairs.append((before, number))
    return pairs


@dataclass
class Items:
    """Training items made from labelled paragraphs: texts, label tuples, units (a paragraph and its windows
    and repeats share one), CV groups (the paragraphs of one document share one) and the domains each label
    was judged for (None: all)."""

    texts: list[str]
    labels: list[tuple[str, ...]]
    units: list[str]
    known: list[tuple[str, ...] | None]
    groups: list[str]


def _fold_group(example: Example, unit: str) -> str:
    """The CV group of a paragraph: its document when it was bootstrapped from one (paragraphs of one
    document share words no other document has, so held-out scores are only honest for unseen documents),
    else the paragraph itself."""
    return f"d:{example.source}" if FOLDS == "documents" and example.label_level in STRUCTURE_LEVELS else unit


def augment(examples: Sequence[Example], taxonomy: Taxonomy, windows: str = WINDOWS) -> Items:
    """Training items: paragraphs, sentence windows, keywords, balancing, joined lead paragraphs (`lead_pairs`).
    `windows`: which paragraphs also give their sentences and sentence pairs: "all", "negatives" or "none"."""
    if windows not in ("all", "negatives", "none"):
        raise ValueError(f"windows={windows!r}; use 'all', 'negatives' or 'none'")
    items: list[tuple[str, tuple[str, ...], str, tuple[str, ...] | None, str]] = []
    for number, example in enumerate(examples):
        unit = f"p{number}"
        group = _fold_group(example, unit)
        items.append((example.text, example.labels, unit, example.known, group))
        sentences = split_sentences(example.text)
        if len(sentences) > 1 and (windows == "all" or (windows == "negatives" and not example.labels)):
            spans = sentences + ["".join(sentences[i:i + 2]) for i in range(len(sentences) - 1)]
            items += [(w, example.labels, unit, example.known, group) for w in spans if len(w) >= MIN_WINDOW_CHARS]
    for domain in taxonomy.domains:
        # The curator's keywords are prior knowledge; give them as short examples of their domain.
        items += [(k, (domain.id,), f"k:{domain.id}:{i}", None, f"k:{domain.id}:{i}")
                  for i, k in enumerate((domain.name_zh, *domain.keywords, *domain.weak_keywords))]
    present = Counter(label for _, labels, _, _, _ in items for label in labels)
    if present:
        target = max(present.values())
        extra = []
        for label, count in present.items():
            pool = [item for item in items if item[1] == (label,)]
            repeats = target // count - 1 if pool else 0
            extra += pool * repeats
        items += extra
    for i, j in lead_pairs(examples):  # after balancing: only single-domain items are repeated
        a, b = examples[i], examples[j]
        labels = tuple(dict.fromkeys(a.labels + b.labels))
        judged = [set(taxonomy.ids if e.known is None else e.known) | set(e.labels) for e in (a, b)]
        known = tuple(d for d in taxonomy.ids if d in labels or all(d in k for k in judged))
        items.append((a.text + b.text, labels, f"j{i}:{j}", known, _fold_group(a, f"p{i}")))
    return Items(*(list(column) for column in zip(*items)))


def fit_tagger(examples: Sequence[Example], taxonomy: Taxonomy, **params: Any) -> Tagger:
    """Fit a Tagger for the taxonomy's domains that have at least one labelled paragraph."""
    items = augment(examples, taxonomy, WINDOWS)
    seen = {label for e in examples for label in e.labels}
    classes = [d for d in taxonomy.ids if d in seen]
    if not classes:
        raise ValueError("no labelled paragraphs: add seed documents with matching headings or labelled examples")
    keep = [i for i, lab in enumerate(items.labels) if set(lab) <= set(classes)]
    return Tagger(**{**POLICY_PARAMS, **params}).fit(
        [items.texts[i] for i in keep], [items.labels[i] for i in keep], groups=[items.groups[i] for i in keep],
        classes=classes, known=[items.known[i] for i in keep], units=[items.units[i] for i in keep])


def _scores(truth: np.ndarray, pred: np.ndarray, classes: list[str], known: np.ndarray | None = None
            ) -> dict[str, Any]:
    """Per-domain precision/recall/F1/support, macro-F1 and micro averages over the known labels only (a
    weak negative says nothing about the domains it was not judged for)."""
    known = np.ones(truth.shape, dtype=bool) if known is None else known
    tp = ((truth == 1) & (pred == 1) & known).sum(axis=0)
    fp = ((truth == 0) & (pred == 1) & known).sum(axis=0)
    fn = ((truth == 1) & (pred == 0) & known).sum(axis=0)

    def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    per_domain = {}
    for k, c in enumerate(classes):
        p, r, f = prf(tp[k], fp[k], fn[k])
        per_domain[c] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                         "support": int(tp[k] + fn[k])}
    micro = prf(tp.sum(), fp.sum(), fn.sum())
    return {"per_domain": per_domain,
            "macro_f1": round(float(np.mean([m["f1"] for m in per_domain.values()])), 4) if classes else 0.0,
            "micro": {"precision": round(micro[0], 4), "recall": round(micro[1], 4), "f1": round(micro[2], 4)}}


def _truth(examples: Sequence[Example], classes: list[str]) -> np.ndarray:
    truth = np.zeros((len(examples), len(classes)), dtype=int)
    for i, e in enumerate(examples):
        for label in e.labels:
            truth[i, classes.index(label)] = 1
    return truth


def _known(examples: Sequence[Example], classes: list[str]) -> np.ndarray:
    """Which (paragraph, domain) labels are known (see `Example.known`)."""
    known = np.ones((len(examples), len(classes)), dtype=bool)
    for i, e in enumerate(examples):
        if e.known is not None:
            known[i] = [c in e.known or c in e.labels for c in classes]
    return known


def _predictions(tagged: Sequence[Sequence[str]], classes: list[str]) -> np.ndarray:
    pred = np.zeros((len(tagged), len(classes)), dtype=int)
    for row, labels in enumerate(tagged):
        for label in labels:
            if label in classes:
                pred[row, classes.index(label)] = 1
    return pred


def cross_validate(examples: Sequence[Example], taxonomy: Taxonomy, n_splits: int = 5, seed: int = 0,
                   progress: Progress | None = None, champion: Recipe | None = None,
                   **params: Any) -> dict[str, Any]:
    """Paragraph-level K-fold: augment and fit on K-1 folds, tag the held-out paragraphs with thresholds.

    With a `champion` recipe, each fold also refits the served model's recipe (its parameters, on the
    training-fold paragraphs it had learned from, with today's labels) and scores it on the same held-out
    paragraphs, under "champion": a like-for-like comparison that neither model has seen the answers to.
    """
    classes = [d for d in taxonomy.ids if any(d in e.labels for e in examples)]
    primary = [e.labels[0] if e.labels else "" for e in examples]
    n_splits = min(n_splits, min(Counter(primary).values()))
    if n_splits < 2:
        return {"folds": 0, "note": "too few paragraphs per domain to cross-validate (need 2 each)"}
    truth = _truth(examples, classes)
    pred = np.zeros_like(truth)
    proba = np.zeros(truth.shape)
    champion_pred = np.zeros_like(truth)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for fold, (train, test) in enumerate(splitter.split(np.zeros(len(examples)), primary), start=1):
        if progress:
            progress(f"cross-validation fold {fold}/{n_splits}")
        tagger = fit_tagger([examples[i] for i in train], taxonomy, **params)
        held_out = [examples[i].text for i in test]
        pred[test] = _predictions(tagger.predict(held_out), classes)
        fold_proba = tagger.predict_proba(held_out)
        for j, domain in enumerate(tagger.classes_):
            proba[test, classes.index(domain)] = fold_proba[:, j]
        if champion is not None:
            learned = [examples[i] for i in train
                       if champion.keys is None or paragraph_key(examples[i].text) in champion.keys]
            try:
                old = fit_tagger(learned, taxonomy, **champion.params)
            except ValueError:  # it had learned none of these domains
                continue
            champion_pred[test] = _predictions(old.predict([examples[i].text for i in test]), classes)
    known = _known(examples, classes)
    report = {"folds": n_splits, "unit": "paragraph", **_scores(truth, pred, classes, known),
              "_held_out": (classes, proba)}
    trusted = trusted_scores(examples, classes, truth, pred, known)
    if trusted is not None:
        report["trusted"] = trusted
    if champion is not None:
        report["champion"] = _scores(truth, champion_pred, classes, known)
        if trusted is not None:
            report["champion"]["trusted"] = trusted_scores(examples, classes, truth, champion_pred, known)
    return report


MIN_TRUSTED_POSITIVES = 2


def trusted_scores(examples: Sequence[Example], classes: list[str], truth: np.ndarray, pred: np.ndarray,
                   known: np.ndarray) -> dict[str, Any] | None:
    """Held-out scores on the labels people gave (seed label files, the store: never bootstrapped ones), over
    the domains with at least MIN_TRUSTED_POSITIVES of them; None when no domain has that many."""
    rows = np.array([e.label_level == GIVEN for e in examples])
    if not rows.any():
        return None
    columns = [k for k in range(len(classes))
               if int((truth[rows, k] * known[rows, k]).sum()) >= MIN_TRUSTED_POSITIVES]
    if not columns:
        return None
    return {"paragraphs": int(rows.sum()),
            **_scores(truth[rows][:, columns], pred[rows][:, columns], [classes[k] for k in columns],
                      known[rows][:, columns])}


@dataclass
class TrainResult:
    tagger: Tagger
    manifest: Manifest


def train(data: TrainingData, taxonomy: Taxonomy, cv: int = 5, progress: Progress | None = None,
          champion: Recipe | None = None, **params: Any) -> TrainResult:
    """Cross-validate (and score `champion` on the same folds), then fit on everything; `params` over
    `data.params()`."""
    started = time.perf_counter()
    params = data.params(**params)
    metrics = cross_validate(data.examples, taxonomy, n_splits=cv, progress=progress, champion=champion,
                             **params) if cv else {}
    champion_metrics = metrics.pop("champion", None)
    held_out = metrics.pop("_held_out", None)
    if progress:
        progress("fitting the final model on all paragraphs")
    tagger = fit_tagger(data.examples, taxonomy, **params)
    manifest: Manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "domains": [{"id": d.id, "name_zh": d.name_zh, "name_en": d.name_en, "keywords": list(d.keywords)}
                    for d in taxonomy.domains if d.id in tagger.classes_],
        "thresholds": {c: float(t) for c, t in zip(tagger.classes_, tagger.thresholds_)},
        "training": {**data.counts(), "thin_domains": data.thin_domains(taxonomy), "items": int(tagger.n_train_),
                     "completed_negatives": int(getattr(tagger, "completed_", 0)),
                     "sha256": data.fingerprint()},
        "training_keys": data.keys(),
        "metrics": metrics,
        "params": {k: v for k, v in tagger.get_params().items()},
        "train_seconds": round(time.perf_counter() - started, 2),
    }
    if champion_metrics is not None:
        manifest["champion_metrics"] = champion_metrics
    if held_out is not None:
        classes, proba = held_out
        manifest["cv_report"] = held_out_report(data.examples, classes, proba, tagger)
        # Per-paragraph out-of-fold probabilities: the label audit reads them instead of cross-validating again.
        manifest["held_out"] = {"classes": classes, "keys": [paragraph_key(e.text) for e in data.examples],
                                "proba": np.round(proba, 4).tolist()}
    return TrainResult(tagger, manifest)


class _HeldOut:
    """Cross-validated probabilities dressed as a model, so `evaluate` can report on them."""

    def __init__(self, classes: list[str], proba: np.ndarray, thresholds: list[float]):
        self.classes_, self._proba, self.thresholds_ = classes, proba, thresholds

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self._proba

    def explain(self, text: str, label: str, top: int = 8) -> list[Any]:
        return []  # fold models are gone; `policytag eval` explains with the saved model


def held_out_report(examples: Sequence[Example], classes: list[str], proba: np.ndarray,
                    final: Tagger) -> dict[str, Any]:
    """The full evaluation report (calibration, confusion, worst mistakes) on held-out probabilities,
    tagged with the final model's thresholds; saved with the version."""
    from training.learning.evaluate import evaluate

    thresholds = [float(final.thresholds_[final.classes_.index(c)]) for c in classes]
    return evaluate(_HeldOut(classes, proba, thresholds), [e.text for e in examples],
                    [list(e.labels) for e in examples])
