"""Would a person accept the explanations? The share of explained tags whose top 3 terms include a word that shows
the domain, for the model's raw features (the explanations before `model/explain.py`) and for the words
`model/explain.py` gives, on the same tags of the same model in one run.

"Shows the domain" is fixed in advance: `tests/fixtures/explain_accept.toml` lists, per domain, words written by
hand before any explanation was looked at; a term counts when (NFKC, lower case, spaces and the ^/$ boundary
markers removed) it equals or contains one of them or one of the domain's taxonomy keywords. Every tag the
model gives on the fixture's paragraphs is explained, whether the tag is right or not (a wrong tag's honest
explanation may well fail the test).

    python benchmarks/explain.py [--fixture tests/fixtures/hard_eval.jsonl ...] [--home DIR] [--json]

Without --home it trains the default model from seeds/ into a temporary folder first (a few seconds).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tomllib
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.explain import explain_terms  # noqa: E402
from model.tagger import Tagger  # noqa: E402
from model.tagging import tag_paragraphs  # noqa: E402
from training.data.taxonomy import load_taxonomy  # noqa: E402

SEEDS = ROOT / "seeds"
ACCEPT = ROOT / "tests" / "fixtures" / "explain_accept.toml"
FIXTURES = [ROOT / "tests" / "fixtures" / "hard_eval.jsonl", ROOT / "tests" / "fixtures" / "policy_eval.jsonl"]
TOP = 3


def _norm(term: str) -> str:
    return unicodedata.normalize("NFKC", term).lower().replace(" ", "").replace("^", "").replace("$", "")


def accepted_words(seeds: Path = SEEDS, path: Path = ACCEPT) -> dict[str, list[str]]:
    """Per domain: the hand-written acceptable words plus the taxonomy's keywords (strong and weak)."""
    lists = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for domain in load_taxonomy(seeds).domains:
        words = [*lists.get(domain.id, {}).get("words", []), *domain.keywords, *domain.weak_keywords]
        out[domain.id] = sorted({_norm(w) for w in words if len(w) >= 2})
    return out


def accepts(term: str, words: Sequence[str]) -> bool:
    """A term is accepted when it equals or contains one of the words."""
    shown = _norm(term)
    return any(w in shown for w in words)


def raw_terms(tagger: Tagger, text: str, domain: str) -> list[str]:
    """What explanations were before: the top positive features as they are (words, pairs, character n-grams)."""
    return [c.term for c in tagger.explain(text, domain, top=TOP)]


def readable_terms(tagger: Tagger, text: str, domain: str) -> list[str]:
    return [t["term"] for t in explain_terms(tagger, text, domain, top=TOP)]


def measure(tagger: Tagger, texts: Sequence[str], accept: dict[str, list[str]]) -> dict[str, Any]:
    """Both kinds of explanation of every tag the model gives to `texts`."""
    tagged = tag_paragraphs(tagger, list(texts))
    counts = {"tags": 0, "raw": 0, "readable": 0, "raw_empty": 0, "readable_empty": 0, "raw_first": 0,
              "readable_first": 0, "raw_terms": 0, "readable_terms": 0, "raw_good": 0, "readable_good": 0}
    examples: list[dict[str, Any]] = []
    seconds = {"raw": 0.0, "readable": 0.0}
    for result in tagged:
        for domain, _ in result.tags:
            counts["tags"] += 1
            words = accept.get(domain, [])
            for kind, explain in (("raw", raw_terms), ("readable", readable_terms)):
                started = time.perf_counter()
                terms = explain(tagger, result.text, domain)
                seconds[kind] += time.perf_counter() - started
                good = [accepts(t, words) for t in terms]
                counts[kind] += any(good)
                counts[f"{kind}_first"] += bool(good) and good[0]
                counts[f"{kind}_terms"] += len(terms)
                counts[f"{kind}_good"] += sum(good)
                counts[f"{kind}_empty"] += not terms
                if len(examples) < 6 and kind == "readable":
                    examples.append({"domain": domain, "text": result.text[:40],
                                     "raw": raw_terms(tagger, result.text, domain), "readable": terms})
    n = counts["tags"] or 1
    return {"tags": counts["tags"], "raw_accepted": counts["raw"] / n, "readable_accepted": counts["readable"] / n,
            "raw_first_accepted": counts["raw_first"] / n, "readable_first_accepted": counts["readable_first"] / n,
            "raw_terms_accepted": counts["raw_good"] / max(counts["raw_terms"], 1),
            "readable_terms_accepted": counts["readable_good"] / max(counts["readable_terms"], 1),
            "raw_empty": counts["raw_empty"], "readable_empty": counts["readable_empty"],
            "ms_per_tag": {k: 1000 * v / n for k, v in seconds.items()}, "examples": examples}


def _model(home: Path | None) -> Tagger:
    from training.learning.run import run_training
    from training.ops.registry import Registry

    if home is None:
        home = Path(tempfile.mkdtemp(prefix="policytag-explain-"))
        run_training(home, SEEDS, cv=0)
    tagger, _ = Registry(home).load()
    return tagger


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixture", action="append", type=Path, help="JSONL with a text field (repeatable)")
    parser.add_argument("--home", type=Path, default=None, help="data directory with the model to explain")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    tagger = _model(args.home)
    accept = accepted_words()
    results = {}
    for path in args.fixture or FIXTURES:
        texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        results[path.name] = measure(tagger, texts, accept)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    for name, r in results.items():
        print(f"{name}: {r['tags']} explained tags; top {TOP} terms include an accepted word: "
              f"raw features {r['raw_accepted']:.1%} -> readable words {r['readable_accepted']:.1%}; "
              f"the first term: {r['raw_first_accepted']:.1%} -> {r['readable_first_accepted']:.1%}; "
              f"of all top-{TOP} terms: {r['raw_terms_accepted']:.1%} -> {r['readable_terms_accepted']:.1%} "
              f"(empty lists {r['raw_empty']} -> {r['readable_empty']}; "
              f"{r['ms_per_tag']['raw']:.2f} -> {r['ms_per_tag']['readable']:.2f} ms per tag)")
        for e in r["examples"]:
            print(f"  {e['domain']}: {e['text']}…  raw {e['raw']}  readable {e['readable']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
