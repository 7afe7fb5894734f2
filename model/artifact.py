"""Saving and loading a trained `Tagger`: a pickle file plus a JSON manifest that vouches for it.

The manifest records the SHA-256 of the model file and the library versions it was written with. Loading
checks both before unpickling, so a file that was altered, or written by another scikit-learn, is refused
with a message saying to retrain instead of being unpickled.

The model file is a plain pickle (protocol 5), read with the C unpickler. `joblib.load`, which earlier
policytag versions use, reads plain pickles too, so hosts of two versions can share one registry; files that
`joblib.dump` wrote (earlier versions) are still read, with joblib. joblib's reader is pure Python: a model's
word vocabulary (thousands of dictionary entries) made every load an order of magnitude slower than the C
unpickler (`benchmarks/README.md` has the figures).
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import pickle
import platform
from importlib import metadata
from pathlib import Path

from model.atomic import atomic_file, write_atomic
from model.errors import ArtifactError
from model.manifest import MANIFEST_FILE, Manifest, read_manifest
from model.tagger import Tagger

MODEL_FILE = "model.joblib"  # the name earlier versions look for; the file is a plain pickle
_PROTOCOL = 5
_JOBLIB_MARK = b"joblib.numpy_pickle"  # in every file joblib.dump wrote with numpy arrays (its array wrapper)


@functools.cache
def _installed(distribution: str) -> str:
    """A library's version from its installed metadata, so that reading a version never imports the library
    (scikit-learn is a large import that tagging does not need). Read once per process: the code a process
    runs is the version it started with, and each model load checks it."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def sklearn_version() -> str:
    return _installed("scikit-learn")


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(), "scikit-learn": sklearn_version(), "jieba": _installed("jieba"),
            "joblib": _installed("joblib")}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_checked(directory: Path) -> tuple[Manifest, bytes]:
    """The manifest, after the version check, and the model file's bytes if its SHA-256 matches; ArtifactError
    otherwise (a missing file included)."""
    manifest = read_manifest(directory)
    saved_with = manifest.get("libraries", {}).get("scikit-learn")
    if saved_with != sklearn_version():
        raise ArtifactError(
            f"model in {directory} was trained with scikit-learn {saved_with}, this is {sklearn_version()}; "
            "retrain with `policytag train`")
    path = directory / MODEL_FILE
    if not path.is_file():
        raise ArtifactError(f"{path} is missing; retrain with `policytag train`")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
        raise ArtifactError(f"{path} does not match the SHA-256 in its manifest (altered or damaged); "
                            "refusing to load it; retrain with `policytag train`")
    return manifest, data


def save_artifact(tagger: Tagger, directory: Path, manifest: Manifest) -> Manifest:
    """Write model.joblib and manifest.json into `directory`; returns the manifest as written."""
    directory.mkdir(parents=True, exist_ok=True)
    with atomic_file(directory / MODEL_FILE) as handle:
        pickle.dump(tagger, handle, protocol=_PROTOCOL)
    digest = sha256_file(directory / MODEL_FILE)
    full: Manifest = {**manifest, "sha256": digest, "libraries": library_versions(),
            "size_bytes": (directory / MODEL_FILE).stat().st_size}
    write_atomic(directory / MANIFEST_FILE, json.dumps(full, ensure_ascii=False, indent=2).encode("utf-8"))
    return full


def verify_artifact(directory: Path) -> Manifest:
    """Check a saved model without unpickling it: manifest, scikit-learn version, SHA-256. Returns the manifest."""
    return _read_checked(directory)[0]


def load_artifact(directory: Path) -> tuple[Tagger, Manifest]:
    """Verify and load a saved model; raises ArtifactError (never unpickles a file that fails a check)."""
    manifest, data = _read_checked(directory)
    path = directory / MODEL_FILE
    # Written by joblib.dump: its arrays follow their wrappers as raw bytes, which only joblib's reader takes.
    if _JOBLIB_MARK in data:
        import joblib  # only for files of earlier versions: its import takes longer than loading a model

        tagger = joblib.load(io.BytesIO(data))
    else:
        tagger = pickle.loads(data)
    if not isinstance(tagger, Tagger):
        raise ArtifactError(f"{path} does not hold a policytag Tagger; retrain with `policytag train`")
    return tagger, manifest
