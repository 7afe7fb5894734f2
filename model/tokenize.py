"""Chinese word segmentation with jieba's bundled dictionary (nothing is downloaded), HMM off.

jieba is the reference. When the optional `rjieba` package (a Rust port with the same dictionary) is
installed it does the work instead: with HMM off it gives token-for-token the same output (tests/test_tokenize.py
checks this on a varied sample) several times faster, which matters because segmentation is the largest
single cost of tagging long text. `POLICYTAG_TOKENIZER=jieba` forces the reference implementation.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

import jieba

try:  # optional accelerator; jieba stays the reference and the fallback
    import rjieba as _rjieba
except ImportError:  # pragma: no cover - depends on the environment
    _rjieba = None  # type: ignore[assignment]

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _get() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at INFO on stderr
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def jieba_words(text: str) -> list[str]:
    """The reference segmentation: jieba's dictionary, HMM off (faster, and the segmentation rjieba matches)."""
    return _get().lcut(text, HMM=False)


def _rjieba_words(text: str) -> list[str]:
    return _rjieba.cut(text, False)


def _choose() -> Callable[[str], list[str]]:
    if _rjieba is not None and os.environ.get("POLICYTAG_TOKENIZER", "").strip().lower() != "jieba":
        return _rjieba_words
    return jieba_words


_impl = _choose()


def backend() -> str:
    """Which implementation `words` uses: 'rjieba' or 'jieba'."""
    return "rjieba" if _impl is _rjieba_words else "jieba"


def words(text: str) -> list[str]:
    """Segment `text` into words (jieba's dictionary, HMM off; rjieba when installed, the same tokens)."""
    return _impl(text)
