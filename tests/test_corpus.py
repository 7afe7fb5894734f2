"""`policytag tag` at corpus scale: folders and globs, failures, rows, meta, order with --jobs, resume, -o, Dask."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from model.artifact import load_artifact
from model.readers import read_path
from model.tagging import tag_document
from service.cli import main
from service.corpus.plan import collect_inputs, plan_tasks
from tests.conftest import ROOT
from tests.docgen import CONSUMPTION, INNOVATION, RURAL, make_docx, make_pdf
from tests.waiting import wait_until

DEFENCE = "全面加强国防和军队建设，提高捍卫国家主权的能力。"


def tag(runner, home, *args, input=None):
    return runner.invoke(main, ["tag", "--home", str(home), *map(str, args)], input=input)


def rows_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def write_report(path: Path, number: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# 第{number}号报告\n\n一、全面推进乡村振兴\n\n{RURAL}\n\n二、科技创新\n\n{INNOVATION}\n\n"
                    f"□王某某\n\n{CONSUMPTION}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def written_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "reports"
    write_report(root / "b.md", 1)
    write_report(root / "sub" / "a.txt", 2)
    make_docx(root / "sub" / "c.docx", styled=True)
    (root / "notes.xyz").write_text("not a document", encoding="utf-8")  # not a format: never picked up
    return root


@pytest.fixture()
def folder(written_folder: Path, tmp_path: Path) -> Path:
    """A private copy of the module's report folder (writing the Word file anew takes longer than copying it)."""
    return Path(shutil.copytree(written_folder, tmp_path / "reports"))


def test_folder_is_tagged_recursively_in_a_fixed_order_and_glob_filters(runner, home, folder):
    result = tag(runner, home, folder, "-j", 1)
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    sources = [Path(r["source"]).relative_to(folder).as_posix() for r in rows]
    assert sorted(set(sources), key=sources.index) == ["b.md", "sub/a.txt", "sub/c.docx"]
    assert "tagged 13 paragraphs in 3 documents from 3 of 3 files" in result.stderr

    only_docx = tag(runner, home, folder, "--glob", "*.docx", "-j", 1)
    assert only_docx.exit_code == 0, only_docx.output
    assert {Path(r["source"]).name for r in rows_of(only_docx.stdout)} == {"c.docx"}

    nothing = tag(runner, home, folder, "--glob", "*.pdf", "-j", 1)
    assert nothing.exit_code == 1 and "no file matching '*.pdf'" in nothing.stderr


def test_rows_have_offsets_heading_paths_and_the_model(runner, home, folder):
    result = tag(runner, home, folder / "b.md", "-j", 1)
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    text = (folder / "b.md").read_text(encoding="utf-8")
    assert [r["index"] for r in rows] == [0, 1, 2, 3, 4]
    for row in rows:
        assert text[row["start"]:row["end"]] == row["text"]
        assert row["model"] == "v1" and set(row["scores"]) == {"innovation", "rural", "consumption"}
    by_text = {r["text"]: r for r in rows}
    assert by_text[RURAL]["heading"] == ["第1号报告", "一、全面推进乡村振兴"]
    assert by_text[RURAL]["tags"][0]["domain"] == "rural"
    assert by_text[INNOVATION]["tags"][0]["domain"] == "innovation"
    assert "□王某某" not in by_text  # the byline is left out and counted in the summary
    assert "lines not tagged" in result.stderr and "byline 1" in result.stderr


def test_each_failure_is_reported_with_its_reason_and_the_rest_is_tagged(runner, home, tmp_path, folder):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (bad / "empty.md").write_bytes(b"")
    (bad / "latin1.txt").write_bytes("Zürich Straße Müller".encode("latin-1"))
    pdf = make_pdf(tmp_path / "whole.pdf").read_bytes()
    (bad / "cut.pdf").write_bytes(pdf[: len(pdf) // 3])
    (bad / "records.jsonl").write_text('{"text": "' + RURAL + '"}\n{not json}\n', encoding="utf-8")
    result = tag(runner, home, bad, folder / "b.md", tmp_path / "missing.md", tmp_path / "old.doc", "-j", 1)
    assert result.exit_code == 1
    for reason in ("binary.txt: looks like a binary file", "empty.md: empty file", "latin1.txt: not UTF-8",
                   "cut.pdf: damaged or truncated PDF", "records.jsonl: line 2: not valid JSON",
                   "missing.md: no such file", "old.doc: unsupported format '.doc'; save it as .docx"):
        assert reason in result.stderr, reason
    assert "7 input(s) could not be read" in result.stderr
    rows = rows_of(result.stdout)
    assert {Path(r["source"]).name for r in rows} == {"records.jsonl", "b.md"}  # record 1 was read before line 2


def test_jsonl_and_csv_records_carry_their_fields_as_meta(runner, home, tmp_path):
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text(json.dumps({"id": "a-1", "body": RURAL, "year": 2025}, ensure_ascii=False) + "\n\n"
                     + json.dumps({"id": "a-2", "body": f"{INNOVATION}\n{CONSUMPTION}"}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    table = tmp_path / "export.csv"
    table.write_text(f"编号,正文\nx9,{CONSUMPTION}\n", encoding="gb18030")
    result = tag(runner, home, jsonl, "--text-field", "body", "-j", 1)
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    assert [(r["record"], r["index"], r["meta"]) for r in rows] == [
        (1, 0, {"id": "a-1", "year": 2025}), (3, 0, {"id": "a-2"}), (3, 1, {"id": "a-2"})]
    assert [r["tags"][0]["domain"] for r in rows] == ["rural", "innovation", "consumption"]

    out = tmp_path / "out.csv"
    result = tag(runner, home, table, "--text-column", "正文", "--format", "csv", "-o", out, "-j", 1)
    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))
    assert json.loads(row["meta"]) == {"编号": "x9"} and row["record"] == "1" and row["tags"] == "consumption"

    wrong = tag(runner, home, jsonl, "-j", 1)
    assert wrong.exit_code == 1 and "has no field 'text' (fields: id, body, year); choose one with --text-field" in (
        wrong.stderr)


def test_csv_bom_default_and_no_bom(runner, home, folder, tmp_path):
    for flags, bom in (((), True), (("--no-bom",), False)):
        out = tmp_path / f"tags{bom}.csv"
        result = tag(runner, home, folder / "b.md", "--format", "csv", "-o", out, "-j", 1, *flags)
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(b"\xef\xbb\xbf") is bom
        assert not out.with_name(out.name + ".partial").exists()


def test_doc_summary_uses_the_api_rule_for_document_tags(runner, home, folder):
    result = tag(runner, home, folder / "b.md", "--doc-summary", "-j", 1)
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    assert [r["kind"] for r in rows] == ["paragraph"] * 5 + ["document"]
    tagger, _ = load_artifact(home / "models" / "v1")
    expected, _, _ = tag_document(tagger, (folder / "b.md").read_text(encoding="utf-8"))
    document = rows[-1]
    assert [(t["domain"], t["score"]) for t in document["tags"]] == expected.tags
    assert document["scores"] == expected.scores and document["paragraphs"] == 5


def test_only_and_min_score_filter_with_the_model_rule(runner, home, folder):
    only = rows_of(tag(runner, home, folder / "b.md", "--only", "rural", "-j", 1).stdout)
    assert only and all("rural" in [t["domain"] for t in r["tags"]] for r in only)
    strict = rows_of(tag(runner, home, folder / "b.md", "--min-score", "0.99", "-j", 1).stdout)
    assert all(t["score"] >= 0.99 for r in strict for t in r["tags"])
    assert len(strict) == 5  # --min-score changes tags, not which paragraphs are written
    bad = tag(runner, home, folder / "b.md", "--only", "sports")
    assert bad.exit_code == 2 and "unknown domain 'sports'; known: innovation, rural, consumption" in bad.stderr


def test_output_is_checked_before_any_work(runner, tmp_path, folder):
    no_model = tmp_path / "empty-home"  # no model either: the -o problem is found first
    result = tag(runner, no_model, folder, "-o", tmp_path / "nope" / "tags.jsonl")
    assert result.exit_code == 1
    assert f"the folder {tmp_path / 'nope'} does not exist; create it" in result.stderr
    result = tag(runner, no_model, folder, "-o", tmp_path)
    assert result.exit_code == 1 and "is a folder; give a file name" in result.stderr
    assert ".tmp" not in result.stderr and ".partial" not in result.stderr


def corpus(root: Path, files: int, paragraphs: int = 12) -> Path:
    """Many small documents plus a .jsonl file large enough to be cut into several tasks."""
    texts = [RURAL, INNOVATION, CONSUMPTION, DEFENCE]
    for n in range(files):
        body = "\n\n".join(f"{texts[(n + k) % 4][:-1]}，第{n}篇第{k}段。" for k in range(paragraphs))
        (root / f"d{n // 100}").mkdir(parents=True, exist_ok=True)
        (root / f"d{n // 100}" / f"doc{n:04d}.md").write_text(f"# 文件{n}\n\n{body}\n", encoding="utf-8")
    with open(root / "big.jsonl", "w", encoding="utf-8") as handle:
        for n in range(4000):
            handle.write(json.dumps({"id": n, "text": f"{texts[n % 4]}编号{n}。"}, ensure_ascii=False) + "\n")
    return root


def test_a_large_record_file_is_cut_into_tasks_that_keep_the_files_record_numbers(runner, home, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setattr("service.corpus.plan.TASK_BYTES", 2048)  # a small file cut as a large one would be
    root = tmp_path / "corpus"
    root.mkdir()
    with open(root / "big.jsonl", "w", encoding="utf-8") as handle:
        for n in range(120):
            handle.write(json.dumps({"id": n, "text": f"{RURAL}编号{n}。"}, ensure_ascii=False) + "\n")
    tasks = list(plan_tasks(collect_inputs([str(root)])))
    assert sum(1 for t in tasks for item in t.items if item.source.endswith("big.jsonl")) >= 3  # cut into slices
    out = tmp_path / "out.jsonl"
    assert tag(runner, home, root, "-o", out, "-j", 1).exit_code == 0
    rows = rows_of(out.read_text(encoding="utf-8"))
    assert [r["record"] for r in rows] == list(range(1, 121))
    assert [r["meta"]["id"] for r in rows] == list(range(120))


@pytest.mark.slow  # starts a pool of worker processes, three runs over 150 documents and a 4,000-line file
def test_jobs_2_gives_the_same_bytes_as_jobs_1(runner, home, tmp_path):
    root = corpus(tmp_path / "corpus", files=150)
    tasks = list(plan_tasks(collect_inputs([str(root)])))
    assert sum(1 for t in tasks for item in t.items if item.source.endswith("big.jsonl")) >= 2  # cut into slices
    outputs = []
    for jobs in (1, 2, 2):
        out = tmp_path / f"out{len(outputs)}.jsonl"
        result = tag(runner, home, root, "-o", out, "-j", jobs, "--doc-summary")
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    rows = rows_of(outputs[0].decode("utf-8"))
    records = [r["record"] for r in rows if r["source"].endswith("big.jsonl") and r["kind"] == "paragraph"]
    assert records == list(range(1, 4001))  # the file was cut into tasks; record numbers are still the file's lines
    assert [r["meta"]["id"] for r in rows if "meta" in r][:3] == [0, 0, 1]


def _run(home: Path, args: list[str]) -> subprocess.Popen:
    # Tiny tasks, so that the run is many tasks long and can be stopped in the middle. Ctrl-C as from a terminal:
    # a background job of a non-interactive shell (`pytest ... &` in a script) starts with SIGINT ignored, and
    # Python, like other Unix programs, keeps an inherited ignore, so the child takes back Python's own handler.
    code = ("import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "import service.corpus.plan as p; p.TASK_FILES = 2; from service.cli import main; main()")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, "tag", "--home", str(home), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_resume_after_a_stopped_run_neither_loses_nor_doubles_a_row(home, tmp_path, how):
    root = corpus(tmp_path / "corpus", files=400)
    (root / "a_bad.txt").write_bytes(b"\x00binary")  # read first: its failure is in the journal before the stop
    clean = tmp_path / "clean.jsonl"
    assert _run(home, [str(root), "-o", str(clean), "-j", "1", "-q"]).wait(timeout=300) == 1

    out = tmp_path / "tags.jsonl"
    partial, journal = tmp_path / "tags.jsonl.partial", tmp_path / "tags.jsonl.partial.progress"
    process = _run(home, [str(root), "-o", str(out), "-j", "2"])
    wait_until(lambda: process.poll() is not None or (journal.exists() and len(journal.read_bytes().splitlines()) >= 20),
               timeout=120, interval=0.01, what="20 tasks in the journal")
    assert process.poll() is None, "the run ended before it could be stopped; make the corpus larger"
    process.send_signal(how)
    _, err = process.communicate(timeout=60)
    assert not out.exists() and partial.exists()
    if how == signal.SIGINT:
        assert process.returncode == 130 and b"rerun with --resume" in err
    with open(partial, "ab") as handle:  # as if the run died halfway through writing a task's rows
        handle.write(b'{"source": "half a row')

    resumed = _run(home, [str(root), "-o", str(out), "-j", "2", "--resume"])
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 1, err.decode()  # the bad file still counts: it was not read
    assert b"resuming after" in err
    assert out.read_bytes() == clean.read_bytes()
    assert not partial.exists() and not journal.exists()
    # The summary covers the whole job, not only what was left: every document, the bad file once.
    assert b"in 4,400 documents from 401 of 402 files" in err
    assert err.count(b"a_bad.txt: looks like a binary file") == 1


def test_resume_refuses_a_partial_file_from_other_inputs(runner, home, tmp_path, folder):
    out = tmp_path / "tags.jsonl"
    partial = tmp_path / "tags.jsonl.partial"
    partial.write_bytes(b"")
    (tmp_path / "tags.jsonl.partial.progress").write_text('{"fingerprint": "other"}\n', encoding="utf-8")
    result = tag(runner, home, folder, "-o", out, "--resume", "-j", 1)
    assert result.exit_code == 1 and "written by a run with other inputs, options or model" in result.stderr


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_rows_as_the_local_run(runner, home, tmp_path):
    pytest.importorskip("distributed")
    root = corpus(tmp_path / "corpus", files=60)
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    result = tag(runner, home, root, "-o", local, "-j", 1)
    assert result.exit_code == 0, result.output
    result = tag(runner, home, root, "-o", dask, "--engine", "dask", "-j", 2)
    assert result.exit_code == 0, result.output
    assert dask.read_bytes() == local.read_bytes()


@pytest.mark.slow
def test_an_existing_dask_cluster_gives_the_same_rows_as_the_local_run(runner, home, tmp_path):
    # What the README says to do on a real cluster, on 127.0.0.1: a scheduler, workers that can import
    # policytag and read the inputs and the data directory at the same paths, and --scheduler.
    pytest.importorskip("distributed")
    import subprocess
    import sys

    from tests.conftest import ROOT
    from tests.live import free_port

    root = corpus(tmp_path / "corpus", files=30)
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    assert tag(runner, home, root, "-o", local, "-j", 1).exit_code == 0
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    log = open(tmp_path / "cluster.log", "w")
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"], env=env, stdout=log, stderr=log)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", f"tcp://127.0.0.1:{port}",
                               "--nthreads", "1", "--nworkers", "2", "--no-dashboard", "--host", "127.0.0.1"],
                              env=env, stdout=log, stderr=log, cwd=tmp_path)
    try:
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        result = tag(runner, home, root, "-o", remote, "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}")
        assert result.exit_code == 0, result.output
        assert remote.read_bytes() == local.read_bytes()
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.mark.slow
def test_dask_local_workers_start_without_a_fixed_malloc_threshold():
    # Dask's default worker environment sets MALLOC_TRIM_THRESHOLD_; any fixed glibc threshold turns off the
    # dynamic mmap threshold, and the workers then mapped and unmapped every large array: twice the page
    # faults of a --jobs worker and ~1.4 s more system time each on the batch benchmark.
    pytest.importorskip("distributed")
    from service.corpus.engines import DaskEngine

    engine = DaskEngine(1)
    try:
        seen = engine.client.run(lambda: sorted(k for k in __import__("os").environ if k.startswith("MALLOC_")))
    finally:
        engine.close()
    ours = sorted(k for k in os.environ if k.startswith("MALLOC_") and k != "MALLOC_TRIM_THRESHOLD_")
    assert list(seen.values()) == [ours]  # only what this environment had already (e.g. MALLOC_ARENA_MAX)


@pytest.mark.slow  # imports dask.distributed and waits for its connect timeout
def test_dask_engine_without_dask_or_with_a_bad_scheduler_is_a_clear_error(runner, home, folder, monkeypatch):
    monkeypatch.setattr("service.corpus.engines.SCHEDULER_CONNECT_TIMEOUT", "0.5s")  # nothing listens on port 9
    result = tag(runner, home, folder, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1
    try:
        import distributed  # noqa: F401
    except ImportError:
        assert "pip install 'policytag[dask]'" in result.stderr
    else:
        assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr


def test_reading_a_document_gives_the_rows_offsets_into_its_extracted_text(runner, home, tmp_path):
    docx = make_docx(tmp_path / "plain.docx", styled=False)
    (document,) = read_path(docx)
    rows = rows_of(tag(runner, home, docx, "-j", 1).stdout)
    assert [document.text[r["start"]:r["end"]] for r in rows] == [r["text"] for r in rows]
    (rural,) = [r for r in rows if r["text"] == RURAL]
    assert rural["heading"] == ["一、全面推进乡村振兴", "（一）稳定粮食生产"]


def test_from_list_stdin_and_quiet(runner, home, tmp_path, folder):
    listing = tmp_path / "files.txt"
    listing.write_text(f"# reports to tag\n{folder / 'b.md'}\n\n{folder / 'sub'}\n", encoding="utf-8")
    result = tag(runner, home, "-", "--from-list", listing, "-j", 1, "-q", input=INNOVATION.encode("gb18030"))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # --quiet: no progress, no summary
    sources = [r["source"] for r in rows_of(result.stdout)]
    assert sources[0] == "<stdin>"  # command-line inputs first, then the list, each in its own order
    assert [Path(s).name for s in dict.fromkeys(sources[1:])] == ["b.md", "a.txt", "c.docx"]

    missing = tag(runner, home, "--from-list", tmp_path / "nope.txt")
    assert missing.exit_code == 1 and "--from-list" in missing.stderr and "no such file" in missing.stderr


def test_files_of_a_type_not_read_are_named_in_the_summary_not_tagged(runner, home, folder):
    (folder / "sub" / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 a Word 97 file")
    result = tag(runner, home, folder, "-j", 1)
    assert result.exit_code == 0, result.output  # every file policytag reads was read
    assert {r["source"].rsplit(".", 1)[-1] for r in rows_of(result.stdout)} == {"md", "txt", "docx"}
    line = next(x for x in result.stderr.splitlines() if x.startswith("skipped in folders"))
    assert "2 file(s) (.doc 1, .xyz 1)" in line and ".docx" in line  # what was skipped, and what is read
    assert "skipped in folders" not in tag(runner, home, folder, "--glob", "*.md", "-j", 1).stderr


def test_csv_explain_is_json_that_no_term_can_break(runner, home, tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text(f"{INNOVATION}\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert tag(runner, home, doc, "--format", "csv", "--explain", "-o", out, "-j", 1).exit_code == 0
    (row,) = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))
    explained = json.loads(row["explain"])  # {domain: {term: weight}}, best first
    assert list(explained) == row["tags"].split("|") == ["innovation"]
    weights = list(explained["innovation"].values())
    assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
    assert {"科技成果", "成果转化", "技术攻关", "攻关", "科技"} & set(explained["innovation"])
