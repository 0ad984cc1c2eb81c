"""Text → index tokens: words (rjieba + a user dictionary) and overlapping character bigrams.

Every text is indexed twice, in separate columns of one full-text index:

- **words**: rjieba's segmentation (dictionary only, no HMM, so the same string is cut
  the same way in a document and in a query), with a user dictionary of the
  organisation and place names found in the stored documents, so that
  ``盂县人民政府办公室`` is one word and ranks as one;
- **bigrams**: every pair of adjacent letters/digits/CJK characters inside a run
  (punctuation and spaces end a run). A string of n ≥ 2 such characters is found as
  the phrase of its n-1 bigrams, wherever it occurs, however rjieba cut it
  (``煤矿`` inside ``非煤矿山``, which rjieba cuts 非/煤矿/山 — or would not, with
  another dictionary). Why bigrams and not trigram + LIKE: see ``gongbao.search.fallback``.

Both are plain Python over a normalized string (full-width ASCII folded, lower case),
and the index only splits on ASCII spaces (FTS5 ``ascii`` tokenizer), so what a token
is never depends on SQLite's Unicode tables: the same function builds index and query.
"""
from __future__ import annotations

import re
import threading
from operator import add
from typing import Iterable

# Bump when any function below changes what it emits: stored index entries are removed
# by re-tokenizing their text, so an old index must be rebuilt with the new code.
TOKENIZER_VERSION = "1"

# Full-width ASCII (！ … ～) to ASCII, ideographic space to space. One character for one,
# so offsets in a normalized string are offsets in the original (excerpts rely on it).
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_RUN = re.compile(r"[^\W_]+")
# Longest user-dictionary word: longer strings are sentences, not names.
MAX_WORD = 20


def fold_width(text: str) -> str:
    """Full-width ASCII folded to ASCII (``Ａ７（试行）`` → ``A7(试行)``), case kept."""
    return text.translate(_WIDTH)


def normalize(text: str) -> str:
    """Full-width ASCII folded to ASCII, lower case (``Ａ７号楼`` → ``a7号楼``)."""
    return text.translate(_WIDTH).lower()


def runs(text: str) -> list[str]:
    """Maximal runs of letters, digits and CJK characters of a normalized text."""
    return _RUN.findall(text)


def bigrams(normalized: str) -> list[str]:
    """Overlapping bigrams inside runs, in order (``安全生产。`` → 安全 全生 生产).

    A bigram that straddles punctuation is dropped, so a phrase never matches across
    a comma; a one-character run yields nothing (single characters are found through
    the word columns instead)."""
    return [pair for pair in map(add, normalized, normalized[1:]) if pair.isalnum()]


def bigram_text(text: str) -> str:
    """What the bigram columns index: the bigrams of ``normalize(text)``, space separated."""
    return " ".join(bigrams(normalize(text)))


class Tokenizer:
    """rjieba with a user dictionary; one per store, since the dictionary comes from it.

    The dictionary holds what ``gongbao.search.index.dictionary_terms`` finds in stored
    documents. Not all 3,216 gazetteer names: 任县 is a county, and 任丽鹏同志任县发改局
    is not about it — regions come in through the stored gazettes instead.

    Thread-safe: rjieba is not known to be, so segmentation and dictionary updates
    take a lock (they are microseconds to milliseconds)."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        import rjieba  # imported here: 0.15 s to load its dictionary, only when searching

        self._jieba = rjieba.Jieba()
        self._lock = threading.Lock()
        self._known: set[str] = set()
        self.add_words(words)

    def add_words(self, words: Iterable[str]) -> int:
        """Add names to the dictionary; returns how many were new."""
        new = 0
        with self._lock:
            for word in words:
                word = normalize(word)
                if word in self._known or not dictionary_word(word):
                    continue
                self._known.add(word)
                self._jieba.add_word(word, None, None)
                new += 1
        return new

    @property
    def user_words(self) -> frozenset[str]:
        return frozenset(self._known)

    def words(self, text: str) -> list[str]:
        """Word tokens of ``text`` (normalized first), punctuation and spaces dropped."""
        with self._lock:
            pieces = self._jieba.cut(normalize(text), False)
        out: list[str] = []
        for piece in pieces:
            if piece.isalnum():
                out.append(piece)
            elif len(piece) > 1:  # a word with a dot or a dash inside: keep its parts
                out.extend(_RUN.findall(piece))
        return out

    def word_text(self, text: str) -> str:
        """What the word columns index: the words of ``text``, space separated."""
        return " ".join(self.words(text))


def dictionary_word(word: str) -> bool:
    """A name worth a dictionary entry: 2–20 letters/digits/CJK characters, not all digits."""
    return 2 <= len(word) <= MAX_WORD and word.isalnum() and not word.isdigit()


_NAME_SPLIT = re.compile(r"[、，,；;\s]+")


def names_in(text: str | None) -> list[str]:
    """Organisation names in an issuer / signer / recipient string: split on 、，；
    and spaces, a leading 各 dropped (各乡镇人民政府 → 乡镇人民政府)."""
    if not text:
        return []
    names = []
    for part in _NAME_SPLIT.split(text):
        part = part.strip()
        if part.startswith("各") and len(part) > 3:
            part = part[1:]
        if dictionary_word(normalize(part)):
            names.append(part)
    return names
