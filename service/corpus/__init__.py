"""The corpus runner: stream documents through the model and write one row per paragraph in input order.

    from service.corpus.runner import RunOptions, tag_corpus
    from service.corpus.rows import Settings

    ref, manifest = Workspace(home).registry.reference("v3")  # the registry knows where the version is
    settings = Settings(fmt="csv", domains=tuple(manifest["thresholds"]), version=ref.version)
    result = tag_corpus(["reports/"], settings, ref, RunOptions(out="tags.csv", jobs=2))
    result.ok, result.summary.paragraphs

Stages, one module each: plan (inputs -> ordered tasks), worker (read -> tag -> encode one task, in any
process), engines (in-process, local pool, Dask), output (-o checks, FILE.partial + journal, resume, atomic
rename), progress (progress line and summary). This file imports nothing, so `policytag tag --help` and
the light modules (errors, output) load without scikit-learn.
"""
