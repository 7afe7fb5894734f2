"""The corpus runner: stream documents through the model and write one row per paragraph in input order.

    from service.corpus.runner import RunOptions, model_ref, tag_corpus
    from service.corpus.rows import Settings

    ref, manifest = model_ref(home / "models" / "v3")
    settings = Settings(fmt="csv", domains=tuple(manifest["thresholds"]), version=ref.version)
    result = tag_corpus(["reports/"], settings, ref, RunOptions(out="tags.csv", jobs=2))
    result.ok, result.summary.paragraphs

Stages, one module each: plan (inputs -> ordered tasks), worker (read -> tag -> encode one task, in any
process), engines (in-process, local pool, Dask), output (-o checks, FILE.partial + journal, resume, atomic
rename), progress (progress line and summary). This file imports nothing, so `policytag tag --help` and
the light modules (errors, output) load without scikit-learn.
"""
