"""Chinese word segmentation with jieba (dictionary bundled with the package; nothing is downloaded)."""
from __future__ import annotations

import logging
import threading

import jieba

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


def words(text: str) -> list[str]:
    """Segment `text` into words with jieba's dictionary, HMM off (faster, no accuracy loss measured)."""
    return _get().lcut(text, HMM=False)
