"""The Chinese NLP pipeline: spaCy's blank ``zh`` with the jieba segmenter, built once per process.

No model download: spaCy's trained Chinese pipelines and pkuseg need one, the jieba
dictionary ships inside its wheel. Later components (EntityRuler patterns for facts,
segment terms) are added to this one pipeline by configuration, so every caller shares
the same tokenisation. Terms that may sit inside longer words (专利 in 发明专利) need
character-level matching: ``char_tokenizer`` gives one token per character.
"""

from __future__ import annotations

import functools
import logging
import threading

import spacy
from spacy.language import Language

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _build() -> Language:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary loading otherwise
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def get_nlp() -> Language:
    """The shared pipeline (thread-safe first build: jieba's dictionary load is not)."""
    with _lock:
        return _build()


@functools.lru_cache(maxsize=1)
def char_tokenizer() -> Language:
    """One token per character: for patterns that must match inside longer words."""
    return spacy.blank("zh")
