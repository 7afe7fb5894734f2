"""Near-duplicate check: the largest character 5-gram overlap between our own paragraphs and reference text.

Usage: python benchmarks/data/check_overlap.py [--top N] [--fail-above F]
Prints, for the active-learning pool and the mock reports, the paragraphs whose 5-grams are most contained in
one reference paragraph (seeds, eval fixtures, docs). Exit 1 if any containment exceeds --fail-above.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
N = 5


def grams(text: str) -> set[str]:
    """The set of character n-grams of `text`, whitespace removed."""
    text = "".join(text.split())
    return {text[i : i + N] for i in range(len(text) - N + 1)}


def jsonl_texts(path: Path) -> list[str]:
    """The "text" field of every line of a JSONL file."""
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def report_texts(path: Path) -> list[str]:
    """Every heading and paragraph of a mock report (see tests/fixtures/mock_reports/README.md)."""
    report = json.loads(path.read_text(encoding="utf-8"))
    texts = [report["title"], *report["preamble"]]
    for section in report["sections"]:
        texts += [section["heading"], *section["paragraphs"]]
        for sub in section["subsections"]:
            texts += [sub["heading"], *sub["paragraphs"]]
    return texts


def references() -> dict[str, list[str]]:
    """Reference paragraphs by source file: what our writing must not copy."""
    refs: dict[str, list[str]] = {}
    for path in [*ROOT.glob("seeds/*.jsonl"), *ROOT.glob("tests/fixtures/*.jsonl"), *ROOT.glob("docs/*.jsonl")]:
        refs[str(path.relative_to(ROOT))] = jsonl_texts(path)
    for path in ROOT.glob("seeds/*.md"):
        paras = [p.strip() for p in path.read_text(encoding="utf-8").split("\n") if p.strip()]
        refs[str(path.relative_to(ROOT))] = paras
    return refs


def ours() -> dict[str, list[str]]:
    """Our own writing by file."""
    texts = {"benchmarks/data/al_pool.jsonl": jsonl_texts(ROOT / "benchmarks/data/al_pool.jsonl")}
    for path in sorted(ROOT.glob("tests/fixtures/mock_reports/*.json")):
        texts[str(path.relative_to(ROOT))] = report_texts(path)
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=5, help="worst paragraphs to print per file")
    parser.add_argument("--fail-above", type=float, default=0.5, help="containment that counts as a copy")
    args = parser.parse_args()
    ref_grams = [(name, text, grams(text)) for name, texts in references().items() for text in texts]
    worst_overall = 0.0
    for name, texts in ours().items():
        scored = []
        for text in texts:
            g = grams(text)
            if len(g) < 3:  # too short to judge: a 5-character slogan overlaps by construction
                continue
            best = max(((len(g & rg) / len(g), rname, rtext) for rname, rtext, rg in ref_grams), default=(0.0, "", ""))
            scored.append((best[0], text, best[1], best[2]))
        scored.sort(reverse=True)
        top = scored[0][0] if scored else 0.0
        worst_overall = max(worst_overall, top)
        print(f"{name}: {len(texts)} texts, max 5-gram containment {top:.3f}")
        for score, text, rname, rtext in scored[: args.top]:
            print(f"  {score:.3f}  {text[:60]}\n         ~ {rname}: {rtext[:60]}")
    print(f"max overall: {worst_overall:.3f}")
    return 1 if worst_overall > args.fail_above else 0


if __name__ == "__main__":
    sys.exit(main())
