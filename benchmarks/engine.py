"""Benchmark the classification engine on a public news-title set against fastText and a plain sklearn baseline.

    python benchmarks/engine.py --data ../shared/data            # table on stdout, progress on stderr
    python benchmarks/engine.py --data ../shared/data --json     # one JSON object instead
    python benchmarks/engine.py --data ../shared/data --limit 3000 --engines policytag   # quick check
    python benchmarks/engine.py --data ../shared/data --policy-model   # also the shipped policy model

DIR holds thuc_train.txt and thuc_dev.txt (`text<TAB>label_index`) and thuc_classes.txt (one name per line).
policytag is trained through the same `Tagger` the policy model uses (each title's label as a one-item list).
Every engine is measured the same way: quality on dev (accuracy, macro-F1, log loss, ECE with 15 bins on the
top-class probability), fit time, end-to-end throughput (raw text in, labels out) with 1 and 2 worker
processes (each holds the model; fork), and the median latency of one call on one title and on one ~300
character paragraph. fastText (`pip install -e '.[bench]'` or `pip install fasttext-wheel`) is optional.
"""
from __future__ import annotations

import argparse
import ast
import gc
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEYS = ("accuracy", "macro_f1", "log_loss", "ece", "fit_s", "items_per_s_1proc", "items_per_s_2proc",
        "latency_ms_title", "latency_ms_paragraph")
PARAGRAPH_CHARS = 300


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- data -----------------------------------------------------------------------------------------------
def read_split(path: Path, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    texts, labels = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                continue
            text, _, label = line.rpartition("\t")
            texts.append(text)
            labels.append(int(label))
    y = np.array(labels)
    if limit is not None and limit < len(texts):
        # A reproducible random subset (classes are balanced, so every class is still there).
        rng = np.random.default_rng(0)
        keep = np.sort(rng.permutation(len(texts))[:limit])
        texts, y = [texts[i] for i in keep], y[keep]
    return texts, y


def load_data(directory: Path, limit: int | None) -> tuple[list[str], np.ndarray, list[str], np.ndarray, list[str]]:
    missing = [n for n in ("thuc_train.txt", "thuc_dev.txt", "thuc_classes.txt") if not (directory / n).is_file()]
    if missing:
        raise SystemExit(f"--data {directory}: missing {', '.join(missing)}; point it at the folder holding the "
                         "THUC benchmark files (e.g. ../shared/data)")
    names = (directory / "thuc_classes.txt").read_text(encoding="utf-8").splitlines()
    classes = [c.strip() for c in names if c.strip()]
    train_x, train_y = read_split(directory / "thuc_train.txt", limit)
    dev_x, dev_y = read_split(directory / "thuc_dev.txt", None if limit is None else max(limit // 3, 500))
    return train_x, train_y, dev_x, dev_y, classes


def make_paragraphs(titles: Sequence[str], count: int, chars: int = PARAGRAPH_CHARS) -> list[str]:
    """~`chars`-character paragraphs made by joining consecutive dev titles into sentences."""
    out, i = [], 0
    while len(out) < count:
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < chars:
            parts.append(titles[i % len(titles)])
            i += 1
        out.append("。".join(parts)[:chars] + "。")
    return out


# -- metrics --------------------------------------------------------------------------------------------
def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """ECE on the top-class probability, equal-width bins."""
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)


def quality(proba: np.ndarray, y: np.ndarray, n_classes: int) -> dict[str, float]:
    from sklearn.metrics import f1_score, log_loss

    # Engines with per-class (one-vs-rest) probabilities: rows are normalised to a distribution for these scores.
    total = proba.sum(axis=1, keepdims=True)
    dist = np.clip(proba / np.where(total > 0, total, 1.0), 1e-15, 1.0)
    dist /= dist.sum(axis=1, keepdims=True)
    pred = dist.argmax(axis=1)
    return {"accuracy": float(np.mean(pred == y)),
            "macro_f1": float(f1_score(y, pred, average="macro")),
            "log_loss": float(log_loss(y, dist, labels=list(range(n_classes)))),
            "ece": expected_calibration_error(dist, y)}


# -- engines --------------------------------------------------------------------------------------------
class Engine:
    """Adapter: fit on (texts, class indices); probabilities; labels for a batch; labels for one text."""

    name = ""

    def fit(self, texts: list[str], y: np.ndarray, classes: list[str]) -> None:
        raise NotImplementedError

    def proba(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def labels(self, texts: list[str]) -> list[Any]:
        raise NotImplementedError

    def label_one(self, text: str) -> Any:
        raise NotImplementedError

    def extra(self, tmp: Path) -> dict[str, Any]:
        return {}


class PolicytagEngine(Engine):
    """The project's own Tagger, the code path of the policy model; labels via `predict`, one text via
    `score_one` + thresholds (what the service's single-paragraph path does)."""

    name = "policytag"

    def __init__(self, params: dict[str, Any] | None = None):
        self.params = params or {}

    def fit(self, texts: list[str], y: np.ndarray, classes: list[str]) -> None:
        from model.tagger import Tagger

        self.tagger = Tagger(**self.params).fit(texts, [[classes[i]] for i in y], classes=classes)
        self.cols = np.arange(len(classes))

    def proba(self, texts: list[str]) -> np.ndarray:
        return self.tagger.predict_proba(texts)

    def labels(self, texts: list[str]) -> list[Any]:
        return self.tagger.predict(texts)

    def label_one(self, text: str) -> Any:
        row = self.tagger.score_one(text)
        return [self.tagger.classes_[k] for k in np.flatnonzero(row >= self.tagger.thresholds_)]

    def extra(self, tmp: Path) -> dict[str, Any]:
        from model.artifact import MODEL_FILE, load_artifact, save_artifact

        save_artifact(self.tagger, tmp / "thuc_model", {"version": "thuc"})
        path = tmp / "thuc_model" / MODEL_FILE
        gc.collect()
        started = time.perf_counter()
        load_artifact(tmp / "thuc_model")
        load_s = time.perf_counter() - started
        out = {"artifact_mb": path.stat().st_size / 1e6, "load_s": load_s,
               "n_features": int(self.tagger.coef_.shape[0])}
        for key in ("mode_",):
            value = getattr(self.tagger, key, None)
            if value is not None:
                out[key.rstrip("_")] = value if isinstance(value, str) else float(value)
        return out


def char_tokens(text: str) -> str:
    return " ".join(ch for ch in text if not ch.isspace())


class FastTextEngine(Engine):
    """fastText supervised on character tokens, word bigrams, 10 epochs (other settings default)."""

    name = "fasttext"

    def __init__(self, threads: int):
        import fasttext  # raises ImportError when fasttext-wheel is missing

        self.fasttext = fasttext
        self.threads = threads

    def fit(self, texts: list[str], y: np.ndarray, classes: list[str]) -> None:
        self.classes = classes
        self.index = {f"__label__{c}": i for i, c in enumerate(classes)}
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as handle:
            for text, label in zip(texts, y):
                handle.write(f"__label__{classes[label]} {char_tokens(text)}\n")
            name = handle.name
        try:
            self.model = self.fasttext.train_supervised(input=name, wordNgrams=2, epoch=10, thread=self.threads,
                                                   verbose=0, seed=0)
        finally:
            os.unlink(name)

    def proba(self, texts: list[str]) -> np.ndarray:
        # model.f.predict line by line: FastText.predict calls np.array(..., copy=False), an error on numpy 2,
        # and multilinePredict's probability arrays come back wrong with numpy 2 (its labels are right).
        predict = self.model.f.predict
        out = np.zeros((len(texts), len(self.classes)))
        for row, text in enumerate(texts):
            for value, name in predict(char_tokens(text) + "\n", -1, 0.0, "strict"):
                out[row, self.index[name]] = value
        return out

    def labels(self, texts: list[str]) -> list[Any]:
        labels, _ = self.model.f.multilinePredict([char_tokens(t) + "\n" for t in texts], 1, 0.0, "strict")
        return [[name[9:] for name in names] for names in labels]

    def label_one(self, text: str) -> Any:
        # model.f.predict directly: FastText.predict calls np.array(..., copy=False), an error on numpy 2.
        return [name[9:] for _, name in self.model.f.predict(char_tokens(text) + "\n", 1, 0.0, "strict")]


class SklearnBaseline(Engine):
    """TfidfVectorizer(tokenizer=jieba.lcut) + LogisticRegression, scikit-learn defaults otherwise."""

    name = "sklearn_baseline"

    def fit(self, texts: list[str], y: np.ndarray, classes: list[str]) -> None:
        import jieba
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self.classes = classes
        self.pipe = make_pipeline(TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, lowercase=True),
                                  LogisticRegression(max_iter=1000))
        self.pipe.fit(texts, y)

    def proba(self, texts: list[str]) -> np.ndarray:
        return self.pipe.predict_proba(texts)

    def labels(self, texts: list[str]) -> list[Any]:
        return [self.classes[i] for i in self.pipe.predict(texts)]

    def label_one(self, text: str) -> Any:
        return self.classes[self.pipe.predict([text])[0]]


# -- speed ----------------------------------------------------------------------------------------------
_WORKER_ENGINE: Engine | None = None  # set before forking: every worker process holds the model


def _label_chunk(chunk: list[str]) -> int:
    assert _WORKER_ENGINE is not None
    return len(_WORKER_ENGINE.labels(chunk))


def throughput(engine: Engine, texts: list[str], processes: int, chunk: int = 250, min_seconds: float = 2.0) -> float:
    """Items per second, raw text in and labels out, over a fork pool of `processes` workers (the texts are
    repeated until one pass takes `min_seconds`)."""
    global _WORKER_ENGINE
    _WORKER_ENGINE = engine
    ctx = mp.get_context("fork")
    items = list(texts)
    # Pre-fork servers do this after loading the model: objects that survive to the fork are left out of
    # the workers' garbage collections, which would otherwise touch (and copy) every shared page.
    gc.collect()
    gc.freeze()
    try:
        with ctx.Pool(processes) as pool:
            pool.map(_label_chunk, [items[:20]] * (processes * 2), chunksize=1)  # workers up and warm
            while True:
                chunks = [items[i:i + chunk] for i in range(0, len(items), chunk)]
                started = time.perf_counter()
                done = sum(pool.map(_label_chunk, chunks, chunksize=1))
                elapsed = time.perf_counter() - started
                if elapsed >= min_seconds:
                    return done / elapsed
                items = items * max(2, int(np.ceil(min_seconds / max(elapsed, 1e-3) * 1.2)))
    finally:
        gc.unfreeze()
        _WORKER_ENGINE = None


def p50_latency_ms(call: Callable[[str], Any], texts: Sequence[str]) -> float:
    for text in texts[:20]:
        call(text)
    timings = []
    for text in texts:
        started = time.perf_counter_ns()
        call(text)
        timings.append(time.perf_counter_ns() - started)
    return float(np.median(timings)) / 1e6


def measure(engine: Engine, data: tuple[Any, ...], tmp: Path, seconds: float = 2.0,
            processes: Sequence[int] = (1, 2)) -> dict[str, Any]:
    train_x, train_y, dev_x, dev_y, classes = data
    log(f"[{engine.name}] fitting on {len(train_x)} items")
    gc.collect()
    started = time.perf_counter()
    engine.fit(train_x, train_y, classes)
    fit_s = time.perf_counter() - started
    log(f"[{engine.name}] fit {fit_s:.1f}s; scoring {len(dev_x)} dev items")
    result: dict[str, Any] = {**quality(engine.proba(dev_x), dev_y, len(classes)), "fit_s": fit_s}
    for n in processes:
        result[f"items_per_s_{n}proc"] = throughput(engine, dev_x, n, min_seconds=seconds)
    titles = dev_x[:3000]
    result["latency_ms_title"] = p50_latency_ms(engine.label_one, titles)
    result["latency_ms_paragraph"] = p50_latency_ms(engine.label_one, make_paragraphs(dev_x[::-1], 300))
    result.update(engine.extra(tmp))
    shown = (f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items())
    log(f"[{engine.name}] " + ", ".join(shown))
    return result


def policy_model(home: str | None) -> dict[str, Any]:
    """Artefact size and load time of the shipped policy model (trained from seeds/ unless `home` is given)."""
    from training.ops.registry import Registry

    with tempfile.TemporaryDirectory() as tmp:
        if home:
            where = Path(home)
        else:
            from training.learning.run import run_training

            where = Path(tmp)
            log("[policy model] training from seeds/ into a temporary home")
            started = time.perf_counter()
            run_training(where, ROOT / "seeds")
            log(f"[policy model] trained in {time.perf_counter() - started:.1f}s")
        registry = Registry(where)
        version = registry.current()
        if version is None:
            raise SystemExit(f"--policy-model {where}: no current model; train one with `policytag train`")
        model_file = registry.storage.local_dir(version) / "model.joblib"
        gc.collect()
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            tagger, _ = registry.load()
            timings.append(time.perf_counter() - started)
        text = "加快关键核心技术攻关，推动科技成果转化和产业化。"
        latency = p50_latency_ms(tagger.score_one, [text] * 300)
        return {"policy_artifact_mb": model_file.stat().st_size / 1e6, "policy_load_s": float(np.median(timings)),
                "policy_latency_ms": latency, "policy_n_features": int(tagger.coef_.shape[0])}


# -- output ---------------------------------------------------------------------------------------------
def format_table(results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    ref = results.get("fasttext")
    keys = list(KEYS) + sorted({k for r in results.values() for k in r if k not in KEYS})
    head = f"{'metric':<24}" + "".join(f"{n:>18}" for n in names)
    if ref:
        head += "".join(f"{n + '/ft':>20}" for n in names if n != "fasttext")
    lines = [head, "-" * len(head)]
    for key in keys:
        cells = []
        for n in names:
            v = results[n].get(key)
            if v is None:
                cells.append(f"{'-':>18}")
            else:
                cells.append(f"{v:>18.4g}" if isinstance(v, (int, float)) else f"{str(v):>18}")
        line = f"{key:<24}" + "".join(cells)
        if ref:
            for n in names:
                if n == "fasttext":
                    continue
                v, r = results[n].get(key), ref.get(key)
                ok = isinstance(v, (int, float)) and isinstance(r, (int, float)) and r
                line += f"{v / r:>19.2f}x" if ok else f"{'':>20}"
        lines.append(line)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path,
                        help="folder with thuc_train.txt, thuc_dev.txt, thuc_classes.txt")
    parser.add_argument("--limit", type=int, default=None,
                        help="train on N items (dev: N/3, at least 500) for a quick check")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--engines", default="policytag,fasttext,sklearn_baseline",
                        help="comma-separated subset of policytag,fasttext,sklearn_baseline")
    parser.add_argument("--speed-seconds", type=float, default=2.0, metavar="S",
                        help="run each throughput measurement for at least S seconds (default 2)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="Tagger parameter for the policytag engine (Python literal), repeatable")
    parser.add_argument("--policy-model", nargs="?", const="", default=None, metavar="HOME",
                        help="also measure the policy model's artefact size and load time (trained from seeds/ "
                             "into a temporary home, or the current model of HOME)")
    args = parser.parse_args(argv)

    params = {}
    for item in args.param:
        name, _, value = item.partition("=")
        try:
            params[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[name] = value
    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(wanted) - {"policytag", "fasttext", "sklearn_baseline"}
    if unknown:
        parser.error(f"unknown engine {sorted(unknown)[0]!r}; known: policytag, fasttext, sklearn_baseline")
    data = load_data(args.data, args.limit)
    threads = os.cpu_count() or 1
    engines: list[Engine] = []
    for name in wanted:
        if name == "policytag":
            engines.append(PolicytagEngine(params))
        elif name == "fasttext":
            try:
                engines.append(FastTextEngine(threads))
            except ImportError:
                log("fastText is not installed, so it is left out: pip install -e '.[bench]' "
                    "(or pip install fasttext-wheel)")
        else:
            engines.append(SklearnBaseline())  # scikit-learn and jieba are project dependencies

    load_before = os.getloadavg()[0]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        while engines:
            engine = engines.pop(0)
            results[engine.name] = measure(engine, data, Path(tmp), args.speed_seconds)
            del engine  # its model is not needed any more
            gc.collect()
    if args.policy_model is not None:
        extra = policy_model(args.policy_model or None)
        results.setdefault("policytag", {}).update(extra)

    # Other work on the machine skews every speed figure; the load average says whether there was any.
    load = f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    log(load)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=None))
    else:
        print(f"train {len(data[0])} items, dev {len(data[2])} items, {os.cpu_count()} cores, {load}")
        print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
