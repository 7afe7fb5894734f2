"""The corpus run: check -o, plan the inputs, stream tasks through an engine, write rows in order, summarise."""
from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.corpus.engines import make_engine
from service.corpus.errors import CorpusError
from service.corpus.output import FileSink, StdoutSink, check_output
from service.corpus.plan import STDIN, TASK_BYTES, TASK_FILES, collect_inputs, expand, fingerprint, plan_tasks
from service.corpus.progress import Progress, Summary
from service.corpus.rows import Settings, header
from service.corpus.worker import ModelRef


@dataclass(frozen=True)
class RunOptions:
    """How to run (not what the rows hold: that is `Settings`)."""

    out: str | None = None  # None or "-": stdout
    jobs: int = 1
    engine: str = "local"  # "local" or "dask"
    scheduler: str | None = None
    resume: bool = False
    bom: bool = True
    quiet: bool = False
    glob: str | None = None
    from_list: str | None = None
    progress_every: float = 10.0


@dataclass
class RunResult:
    summary: Summary
    seconds: float
    output: Path | None

    @property
    def ok(self) -> bool:
        """Every input was read."""
        return not self.summary.unread


def tag_corpus(given: Sequence[str], settings: Settings, ref: ModelRef, options: RunOptions,
               stdin: Callable[[], bytes] | None = None, note: Callable[[str], None] | None = None) -> RunResult:
    """Tag every paragraph of the inputs and write the rows (in input order) to -o FILE or stdout.

    Raises CorpusError before any work for a bad -o, list file or --resume. KeyboardInterrupt leaves
    FILE.partial and its journal for --resume.
    """
    started = time.monotonic()
    target = check_output(options.out) if options.out not in (None, "-") else None
    names = expand(given, options.from_list) or [STDIN]
    data = None
    if STDIN in names:
        data = (stdin or (lambda: sys.stdin.buffer.read()))()
    inputs = collect_inputs(names, options.glob, data)
    progress = Progress(inputs.total_bytes, options.quiet, every=options.progress_every)
    say = note or progress.say
    stamp = fingerprint(inputs, {**settings.fingerprint(), "bom": options.bom, "model_sha256": ref.sha256})
    if options.resume and STDIN in names:
        raise CorpusError("--resume cannot continue a run that reads stdin (-); give the input as a file")
    sink = FileSink(target) if target is not None else StdoutSink()
    done, saved = sink.open(stamp, header(settings, options.bom), options.resume, note=say)
    if not saved:
        summary = Summary(files=len(inputs.files))
        summary.problems += inputs.problems
        for problem in inputs.problems:
            say(f"error: {problem}")
        sink.commit(0, summary.journal_entry())
    else:
        summary = Summary.from_journal(saved)
        say(f"resuming after {summary.documents:,} documents ({summary.paragraphs:,} paragraphs) "
            f"already in {getattr(sink, 'partial', '')}")
        progress.resume_from(summary)
    summary.unsupported = inputs.unsupported
    jobs = options.jobs
    if options.engine == "local" and inputs.total_bytes <= TASK_BYTES and len(inputs.files) <= TASK_FILES:
        jobs = 1  # one task: starting workers (and loading the model in each) would only add latency
    engine = make_engine(options.engine, jobs, options.scheduler)
    finished = False
    try:
        tasks = itertools.islice(plan_tasks(inputs), done, None)
        for result in engine.run(tasks, settings, ref):
            sink.write(result.data)
            for failure in summary.add(result):
                say(f"error: {failure}")
            for file in result.files:
                for warning in file.warnings:
                    say(f"warning: {warning}")
            sink.commit(result.number + 1, summary.journal_entry())
            progress.update(summary)
        finished = True
    finally:
        progress.close()
        engine.close()
        if finished:
            sink.finish()
        else:
            sink.close()
    return RunResult(summary, time.monotonic() - started, target)
