"""A collection of work reports to try `policytag report` on: regions x years, each with its own emphasis.

    python benchmarks/corpus.py OUT_DIR [--regions 6] [--years 2021-2025] [--seed 0]

Writes one report per region and year, named like `2023年江川省政府工作报告.md` (every fifth one as .docx), so
`--name-pattern '(?P<year>\\d{4})年(?P<region>...)'` groups them. The paragraphs are the project's own labelled
writing (benchmarks/data/al_pool.jsonl and the evaluation fixtures; no third-party text), drawn under report
headings in proportions that differ by region and move over the years: innovation's share grows every year,
and each region leans to one domain. Also `tag_rows(n)`: rows shaped like `policytag tag` output, without a
model, for the report's speed benchmark.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "benchmarks" / "data" / "al_pool.jsonl", ROOT / "tests" / "fixtures" / "policy_eval.jsonl",
           ROOT / "tests" / "fixtures" / "hard_eval.jsonl"]
REGIONS = ["江川省", "云岭市", "海澄县", "青川市", "河西县", "南平市", "东岭县", "北湖市"]
# Each region's lean: weights of (innovation, rural, consumption, other) sections in its reports.
LEANS = [(5, 2, 2, 3), (2, 2, 5, 3), (1, 6, 2, 3), (4, 1, 4, 3), (2, 5, 1, 3), (3, 3, 3, 3), (1, 4, 3, 4),
         (5, 1, 3, 3)]
HEADINGS = {"innovation": "推动科技创新和产业升级", "rural": "全面推进乡村振兴", "consumption": "扩大国内需求",
            "other": "保障和改善民生"}
OTHER_HEADINGS = ["深化重点领域改革", "加强生态环境保护", "推进高水平对外开放", "统筹发展和安全", "保障和改善民生"]
NUMERALS = "一二三四五六七八九十"


def labelled() -> dict[str, list[str]]:
    """Paragraphs by their first label ("other" for none), from the project's own labelled files."""
    pools: dict[str, list[str]] = {"innovation": [], "rural": [], "consumption": [], "other": []}
    for path in SOURCES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                pools[(row["labels"] or ["other"])[0]].append(row["text"].strip())
    return pools


def report_text(rng: random.Random, pools: dict[str, list[str]], region: int, year: int, first_year: int,
                paragraphs: int) -> tuple[str, list[tuple[str, list[str]]]]:
    """(title, sections) of one report: sections in proportion to the region's lean and the year's trend."""
    weights = list(LEANS[region % len(LEANS)])
    weights[0] += 0.8 * (year - first_year)  # innovation gains ground every year
    kinds = ["innovation", "rural", "consumption", "other"]
    counts = [max(2, round(paragraphs * w / sum(weights))) for w in weights]
    sections = []
    for kind, count in zip(kinds, counts):
        heading = HEADINGS[kind] if kind != "other" else rng.choice(OTHER_HEADINGS)
        sections.append((heading, rng.sample(pools[kind], min(count, len(pools[kind])))))
    rng.shuffle(sections)
    return f"{year}年{REGIONS[region % len(REGIONS)]}政府工作报告", sections


def write_corpus(folder: Path, regions: int = 6, years: Sequence[int] = range(2021, 2026), seed: int = 0,
                 paragraphs: int = 40) -> list[Path]:
    """Write regions x years reports into `folder` (every fifth as .docx); returns their paths."""
    rng = random.Random(seed)
    pools = labelled()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, (region, year) in enumerate((r, y) for r in range(regions) for y in years):
        title, sections = report_text(rng, pools, region, year, min(years), paragraphs)
        if number % 5 == 4:
            written.append(_docx(folder / f"{title}.docx", title, sections))
            continue
        lines = [f"# {title}", ""]
        for i, (heading, texts) in enumerate(sections):
            lines += [f"{NUMERALS[i]}、{heading}", ""]
            for text in texts:
                lines += [text, ""]
        path = folder / f"{title}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        written.append(path)
    return written


def _docx(path: Path, title: str, sections: list[tuple[str, list[str]]]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for i, (heading, texts) in enumerate(sections):
        document.add_paragraph(f"{NUMERALS[i]}、{heading}")
        for text in texts:
            document.add_paragraph(text)
    document.save(path)
    return path


def tag_rows(n: int, documents: int = 1000, seed: int = 0) -> Iterator[dict[str, Any]]:
    """`n` paragraph rows shaped like `policytag tag` JSONL output over `documents` documents; tags are the
    labels of the paragraphs drawn, with plausible scores (no model needed)."""
    rng = random.Random(seed)
    rows: list[tuple[str, list[str]]] = []
    for path in SOURCES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((row["text"], row["labels"]))
    domains = ["innovation", "rural", "consumption"]
    per_document = max(1, n // documents)
    for i in range(n):
        text, labels = rows[rng.randrange(len(rows))]
        scores = {d: round(rng.uniform(0.6, 1.0) if d in labels else rng.uniform(0.0, 0.3), 4) for d in domains}
        order = sorted(scores, key=lambda d: -scores[d])
        number, index = divmod(i, per_document)
        yield {"source": f"reports/{2015 + number % 10}年第{number}号报告.md", "index": index, "start": 0,
               "end": len(text), "heading": ["一、重点任务"], "text": text,
               "tags": [{"domain": d, "score": scores[d]} for d in order if d in labels],
               "scores": {d: scores[d] for d in order}, "model": "v1"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--regions", type=int, default=6)
    parser.add_argument("--years", default="2021-2025", help="FIRST-LAST")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--paragraphs", type=int, default=40, help="paragraphs per report (about)")
    args = parser.parse_args(argv)
    first, last = (int(x) for x in args.years.split("-"))
    paths = write_corpus(args.out, args.regions, range(first, last + 1), args.seed, args.paragraphs)
    print(f"wrote {len(paths)} reports to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
