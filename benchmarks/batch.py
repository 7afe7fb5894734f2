"""Batch-tagging benchmark: `policytag tag` end to end on a generated corpus, against its own ceiling and a
naive scikit-learn script, in one run on the same corpus.

    python benchmarks/batch.py [--paragraphs 100000] [--corpus DIR] [--json] [--keep DIR]

It builds a corpus of at least `--paragraphs` paragraphs of realistic length (sentences of the seeds, the
labelled pool in benchmarks/data and any documents under --corpus, recombined into 2-6 sentence paragraphs
under report-style headings) as .md, .txt and .jsonl files, trains the default model from seeds/ into a
temporary data directory, and reports:
- engine: `Tagger.predict_proba` on the already-split paragraphs, in one process (the ceiling);
- jobs1, jobs2, dask2: `policytag tag CORPUS -o FILE` with --jobs 1, --jobs 2, and --engine dask (a
  LocalCluster of 2 workers), files to output file;
- naive: TfidfVectorizer(tokenizer=jieba.lcut) + LogisticRegression trained on the same labelled data,
  reading the same .md/.txt files and predicting paragraph by paragraph (on the first --naive-paragraphs);
each with paragraphs_per_s, chars_per_s and peak_rss_mb (resident memory of the process and all its
children, sampled every 50 ms, summed); rss_20k_mb and rss_100k_mb: peak of jobs2 on the first 20% of
the corpus and on all of it; read_docx, read_pdf: reading rate of generated .docx and .pdf files.
Each measurement runs in its own process. Ratios against targets are printed at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS = ROOT / "seeds"
POOL = ROOT / "benchmarks" / "data" / "al_pool.jsonl"
SECTIONS = ["推动科技创新和产业升级", "全面推进乡村振兴", "扩大国内需求", "深化重点领域改革", "保障和改善民生",
            "加强生态环境保护", "推进高水平对外开放", "统筹发展和安全"]
NUMERALS = "一二三四五六七八九十"
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]")


# -- corpus -------------------------------------------------------------------------------------------
def sentences(extra: Path | None) -> list[str]:
    """Sentences of the seeds, the labelled pool and --corpus documents (read with policytag's readers)."""
    from model.readers import ReadError, iter_paths, read_path

    texts: list[str] = []
    for path in list(iter_paths([SEEDS])) + ([*iter_paths([extra])] if extra else []):
        try:
            for document in read_path(path):
                texts += [block.text for block, _ in document.units()]
        except ReadError as exc:
            print(f"skipped {exc}", file=sys.stderr)
    if POOL.exists():
        texts += [json.loads(line)["text"] for line in POOL.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = sorted({s.strip() for t in texts for s in _SENTENCE.findall(t) if 8 <= len(s.strip()) <= 120})
    if len(found) < 50:
        raise SystemExit(f"only {len(found)} sentences found in the seeds; is {SEEDS} complete?")
    return found


def paragraph(rng: random.Random, pool: list[str]) -> str:
    """2-6 sentences: 60-400 characters, the length of work-report paragraphs."""
    return "".join(rng.choice(pool) for _ in range(rng.randint(2, 6)))


def document(rng: random.Random, pool: list[str], number: int, paragraphs: int, markdown: bool) -> str:
    lines = [("# " if markdown else "") + f"某市2025年政府工作报告（第{number}号）", ""]
    done, section = 0, 0
    while done < paragraphs:
        lines += [f"{NUMERALS[section % 10]}、{SECTIONS[(number + section) % len(SECTIONS)]}", ""]
        for _ in range(min(rng.randint(3, 8), paragraphs - done)):
            lines += [paragraph(rng, pool), ""]
            done += 1
        section += 1
    return "\n".join(lines)


def build_corpus(root: Path, target: int, pool: list[str], seed: int = 0) -> dict[str, int]:
    """Files of ~40-paragraph documents (.md, .txt) and .jsonl exports of 1-5 paragraph records, in the
    proportions 40/30/30 of paragraphs. Returns counts. The same seed gives the same corpus."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    made = {"paragraphs": 0, "md": 0, "txt": 0, "jsonl_records": 0, "chars": 0}
    number = 0
    records: list[str] = []
    while made["paragraphs"] < target:
        number += 1
        kind = ("md", "md", "md", "md", "txt", "txt", "txt", "jsonl", "jsonl", "jsonl")[number % 10]
        if kind == "jsonl":
            for _ in range(8):  # a database export: many short records
                body = [paragraph(rng, pool) for _ in range(rng.randint(1, 5))]
                records.append(json.dumps({"id": f"r{len(records)}", "year": 2025, "text": "\n".join(body)},
                                          ensure_ascii=False))
                made["paragraphs"] += len(body)
                made["chars"] += sum(map(len, body))
                made["jsonl_records"] += 1
            if len(records) >= 2000:
                (root / f"export{number:05d}.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
                records = []
            continue
        count = rng.randint(30, 50)
        text = document(rng, pool, number, count, kind == "md")
        folder = root / f"batch{number // 200:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"report{number:05d}.{kind}").write_text(text, encoding="utf-8")
        made["paragraphs"] += count
        made["chars"] += sum(len(line) for line in text.splitlines()[2:] if len(line) > 40)
        made[kind] += 1
    if records:
        (root / f"export{number:05d}.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    return made


# -- measuring ----------------------------------------------------------------------------------------
def run_measured(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a command: wall seconds; peak RSS (MB) of it and all its descendants, summed, sampled every 50 ms;
    CPU seconds of the whole process tree (getrusage of the waited-for tree, or the sum of the last sampled
    CPU times of every process seen, whichever is larger: Dask's forkserver workers are not waited for)."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(args, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    cpu_seen: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        parent = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                total = 0
                for member in [parent, *parent.children(recursive=True)]:
                    try:
                        total += member.memory_info().rss
                        times = member.cpu_times()
                        cpu_seen[member.pid] = times.user + times.system
                    except psutil.Error:
                        pass
                peak = max(peak, total)
            except psutil.Error:
                pass
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.monotonic() - started
    stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args[:6])} ... failed ({process.returncode}):\n{err.decode()[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the process and every descendant it waited for
    cpu = max((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), sum(cpu_seen.values()))
    return {"seconds": seconds, "cpu_s": round(cpu, 2), "peak_rss_mb": round(peak / 2**20, 1),
            "stdout": out.decode()}


def rates(paragraphs: int, chars: int, seconds: float, rss: float, cpu: float | None = None) -> dict[str, float]:
    out = {"paragraphs_per_s": round(paragraphs / seconds, 1), "chars_per_s": round(chars / seconds),
           "peak_rss_mb": rss, "paragraphs": paragraphs, "seconds": round(seconds, 2)}
    if cpu:  # CPU seconds of all processes: what the work costs, whatever else runs on the machine
        out.update(cpu_s=cpu, paragraphs_per_cpu_s=round(paragraphs / cpu, 1))
    return out


def tag_run(corpus: Path, home: Path, out: Path, *flags: str) -> dict[str, float]:
    result = run_measured([sys.executable, "-m", "service.cli", "tag", str(corpus), "--home", str(home),
                           "-o", str(out), "-q", *flags])
    return result


def count_rows(path: Path) -> tuple[int, int]:
    paragraphs = chars = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            paragraphs += 1
            chars += len(row["text"])
    return paragraphs, chars


# -- sub-commands run in their own process (so their memory is measured alone) ---------------------------
def engine_child(corpus: Path, home: Path) -> None:
    """The ceiling: predict_proba on the corpus's already-split paragraphs (splitting not timed)."""
    from model.readers import iter_paths, read_path
    from training.ops.registry import Registry

    tagger, _ = Registry(home).load()
    texts = [b.text for path in iter_paths([corpus]) for d in read_path(path) for b, _ in d.units()]
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), 4096):
        tagger.predict_proba(texts[start:start + 4096])
    seconds = time.perf_counter() - started
    print(json.dumps({"paragraphs": len(texts), "chars": sum(map(len, texts)), "seconds": seconds,
                      "cpu": time.process_time() - cpu}))


def naive_child(corpus: Path, limit: int) -> None:
    """The script a data scientist writes first: a scikit-learn Pipeline, files read one by one, one
    paragraph per predict call."""
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from training.data.taxonomy import load_taxonomy
    from training.learning.train import load_training_data

    # The same labelled paragraphs the policy model learns from; one label each (the first, or "none").
    examples = load_training_data(SEEDS, load_taxonomy(SEEDS)).examples
    texts = [e.text for e in examples]
    labels = [e.labels[0] if e.labels else "none" for e in examples]
    jieba.setLogLevel(60)
    pipeline = Pipeline([("tfidf", TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None)),
                         ("lr", LogisticRegression(max_iter=1000))]).fit(texts, labels)
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".md", ".txt"))
    started, cpu = time.perf_counter(), time.process_time()
    done = chars = 0
    for path in files:
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            block = block.strip()
            if not block or block.startswith("#"):
                continue
            pipeline.predict_proba([block])
            done += 1
            chars += len(block)
            if done >= limit:
                break
        if done >= limit:
            break
    print(json.dumps({"paragraphs": done, "chars": chars, "seconds": time.perf_counter() - started,
                      "cpu": time.process_time() - cpu}))


def read_formats(work: Path, pool: list[str]) -> dict[str, dict[str, float]]:
    """Reading rate of generated .docx (paragraphs/s) and .pdf (pages/s and paragraphs/s) files."""
    import docx
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from model.readers import read_path

    rng = random.Random(1)
    folder = work / "formats"
    folder.mkdir(exist_ok=True)
    docs = []
    for n in range(10):
        document = docx.Document()
        document.add_heading(f"某市2025年政府工作报告（第{n}号）", level=1)
        for section in range(5):
            document.add_heading(f"{NUMERALS[section]}、{SECTIONS[section]}", level=2)
            for _ in range(20):
                document.add_paragraph(paragraph(rng, pool))
        path = folder / f"report{n}.docx"
        document.save(path)
        docs.append(path)
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdfs, pages = [], 0
    for n in range(5):
        path = folder / f"report{n}.pdf"
        sheet = canvas.Canvas(str(path), pagesize=A4)
        for page in range(10):
            sheet.setFont("STSong-Light", 9)
            sheet.drawString(72, A4[1] - 40, "某市人民政府工作报告")
            sheet.setFont("STSong-Light", 11)
            y = A4[1] - 80
            while y > 100:
                text = paragraph(rng, pool)
                for start in range(0, len(text), 38):
                    sheet.drawString(72 + (22 if start == 0 else 0), y, text[start:start + 38])
                    y -= 16
                y -= 4
            sheet.setFont("STSong-Light", 9)
            sheet.drawString(A4[0] / 2, 40, f"- {page + 1} -")
            sheet.showPage()
            pages += 1
        sheet.save()
        pdfs.append(path)
    out = {}
    for name, files, unit_pages in (("read_docx", docs, 0), ("read_pdf", pdfs, pages)):
        started = time.perf_counter()
        count = sum(len(d.units()) for path in files for d in read_path(path))
        seconds = time.perf_counter() - started
        out[name] = {"files": len(files), "paragraphs_per_s": round(count / seconds, 1), "paragraphs": count}
        if unit_pages:
            out[name]["pages_per_s"] = round(unit_pages / seconds, 1)
    return out


# -- main ---------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=None, help="more documents to draw sentences from")
    parser.add_argument("--naive-paragraphs", type=int, default=5000,
                        help="the naive script is timed on this many paragraphs (it is slow)")
    parser.add_argument("--keep", type=Path, default=None, help="build the corpus here and keep it")
    parser.add_argument("--skip", action="append", default=[], help="leave out: dask2, naive, rss, formats")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run jobs1/jobs2/dask2 this many times, interleaved, and keep each one's fastest run")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "engine":
            engine_child(Path(rest[0]), Path(rest[1]))
        else:
            naive_child(Path(rest[0]), int(rest[1]))
        return

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    work = args.keep or Path(tempfile.mkdtemp(prefix="policytag-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        from training.learning.run import run_training

        pool = sentences(args.corpus)
        corpus, small = work / "corpus", work / "corpus20"
        for folder, target in ((corpus, args.paragraphs), (small, args.paragraphs // 5)):
            if folder.exists():
                shutil.rmtree(folder)
            made = build_corpus(folder, target, pool)
            say(f"corpus {folder.name}: {made}")
        home = work / "home"
        if not (home / "models" / "CURRENT").exists():
            say("training the default model from seeds/")
            run_training(home, SEEDS, cv=0)
        load = os.getloadavg()[0]
        report: dict[str, object] = {"cores": os.cpu_count(), "load_before": round(load, 2)}

        say("engine (in-process predict_proba on split paragraphs)")
        child = run_measured([sys.executable, __file__, "--child", "engine", str(corpus), str(home)])
        raw = json.loads(child["stdout"])
        report["engine"] = rates(raw["paragraphs"], raw["chars"], raw["seconds"], child["peak_rss_mb"],
                                 round(raw["cpu"], 2))
        paragraphs, chars = raw["paragraphs"], raw["chars"]

        runs = [(k, f) for k, f in (("jobs1", ["-j", "1"]), ("jobs2", ["-j", "2"]),
                                    ("dask2", ["--engine", "dask", "-j", "2"])) if k not in args.skip]
        best: dict[str, dict[str, float]] = {}
        for attempt in range(args.repeat):  # interleaved, so a burst of other work hits one run, not one engine
            for key, flags in runs:
                say(f"{key}: policytag tag {' '.join(flags)} (run {attempt + 1} of {args.repeat})")
                measured = tag_run(corpus, home, work / f"{key}.jsonl", *flags)
                if key not in best or measured["seconds"] < best[key]["seconds"]:
                    best[key] = measured
        for key, measured in best.items():
            report[key] = rates(paragraphs, chars, measured["seconds"], measured["peak_rss_mb"], measured["cpu_s"])
        if "jobs1" in report and "jobs2" in report:
            report["identical_jobs1_jobs2"] = (work / "jobs1.jsonl").read_bytes() == (work / "jobs2.jsonl").read_bytes()
        if "dask2" in report:
            report["identical_dask2"] = (work / "jobs1.jsonl").read_bytes() == (work / "dask2.jsonl").read_bytes()
        rows = count_rows(work / "jobs1.jsonl")
        report["rows_written"] = rows[0]

        if "naive" not in args.skip:
            say(f"naive: scikit-learn Pipeline, one paragraph per call ({args.naive_paragraphs} paragraphs)")
            child = run_measured([sys.executable, __file__, "--child", "naive", str(corpus),
                                  str(args.naive_paragraphs)])
            raw = json.loads(child["stdout"])
            report["naive"] = rates(raw["paragraphs"], raw["chars"], raw["seconds"], child["peak_rss_mb"],
                                    round(raw["cpu"], 2))
        if "rss" not in args.skip:
            say("jobs2 on 20% of the corpus (memory)")
            report["rss_20k_mb"] = tag_run(small, home, work / "small.jsonl", "-j", "2")["peak_rss_mb"]
            report["rss_100k_mb"] = report["jobs2"]["peak_rss_mb"] if "jobs2" in report else None  # type: ignore[index]
        if "formats" not in args.skip:
            say("reading generated .docx and .pdf files")
            report.update(read_formats(work, pool))
        report["load_after"] = round(os.getloadavg()[0], 2)
        report["ratios"] = ratios(report)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(table(report))


TARGETS = (("jobs1/engine", "jobs1", "engine", 0.7), ("jobs2/jobs1", "jobs2", "jobs1", 1.7),
           ("dask2/jobs2", "dask2", "jobs2", 0.8), ("jobs1/naive", "jobs1", "naive", 5.0))


def ratios(report: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, a, b, target in TARGETS:
        if a in report and b in report:
            value = report[a]["paragraphs_per_s"] / report[b]["paragraphs_per_s"]  # type: ignore[index]
            out[name] = {"ratio": round(value, 2), "target": f">= {target}", "met": value >= target}
    small, large = report.get("rss_20k_mb"), report.get("rss_100k_mb")
    if small and large:
        growth = large / small - 1  # type: ignore[operator]
        out["rss_100k/rss_20k"] = {"ratio": round(1 + growth, 2), "target": "within 10%", "met": abs(growth) <= 0.10}
    return out


def table(report: dict[str, object]) -> str:
    lines = [f"{report['cores']} cores, load average {report['load_before']} before, {report['load_after']} after",
             f"{'run':<8}{'paragraphs/s':>14}{'chars/s':>12}{'peak RSS MB':>13}{'seconds':>10}{'CPU s':>8}"]
    for key in ("engine", "jobs1", "jobs2", "dask2", "naive"):
        if key in report:
            r = report[key]
            lines.append(f"{key:<8}{r['paragraphs_per_s']:>14,.0f}{r['chars_per_s']:>12,}"  # type: ignore[index]
                         f"{r['peak_rss_mb']:>13}{r['seconds']:>10}{r.get('cpu_s', ''):>8}")  # type: ignore
    lines.append(f"rss_20k_mb {report.get('rss_20k_mb')}, rss_100k_mb {report.get('rss_100k_mb')}")
    for key in ("read_docx", "read_pdf"):
        if key in report:
            lines.append(f"{key}: {report[key]}")
    for name, r in report["ratios"].items():  # type: ignore[union-attr]
        lines.append(f"{name:<18}{r['ratio']:>6}  target {r['target']:<11} {'met' if r['met'] else 'NOT met'}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
