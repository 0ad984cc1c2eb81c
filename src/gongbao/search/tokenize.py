"""Text → index tokens: words (rjieba + a user dictionary) and overlapping character bigrams.

Every text is indexed twice, in separate columns of one full-text index:

- **words**: rjieba's segmentation (dictionary only, no HMM, so the same string is cut
  the same way in a document and in a query), with a user dictionary of the
  organisation and place names found in the stored documents, so that
  ``盂县人民政府办公室`` is one word and ranks as one;
- **bigrams**: every pair of adjacent characters, punctuation reduced to a space
  (:func:`bigram_text`). A string of n ≥ 2 characters is found as the phrase of its
  n-1 bigrams wherever it occurs, however rjieba cut it (``煤矿`` inside ``非煤矿山``,
  which rjieba cuts 非/煤矿/山).

Bigrams, not FTS5 trigrams + LIKE, for that fallback — measured with ``bench/fallback.py``
on the titles and bodies of the corpus (113 documents, 0.22 M characters) and on 50
copies of it (5,650 documents, 10.8 M characters); median time to count the documents
holding 12 two-character words and 12 strings of 3–6 characters, results checked
against Python's ``in`` (2 cores, load average 6 while measuring: absolute times are
inflated alike for both)::

                        index¹   build   2-char words   3–6 chars
    corpus   bigram    0.95 MB   0.4 s        0.07 ms     0.08 ms
             trigram   1.65 MB   0.7 s        1.47 ms     0.04 ms
    ×50      bigram   38.1 MB   19.8 s        0.08 ms     0.29 ms
             trigram  51.1 MB   40.0 s      244.19 ms     0.14 ms

    ¹ FTS5 shadow tables without the texts, which both designs store anyway.

A trigram index cannot serve a two-character string, and most Chinese words have two
characters: ``LIKE '%安全%'`` scans every text, 3,000× slower already at 5,650 documents
and growing with the store. Bigrams answer those from the index, with an index a quarter
smaller that builds twice as fast; longer strings cost them a phrase of more tokens (2×
slower than trigrams, still well under a millisecond).

Both are made in Python from a normalized string (full-width letters and digits folded,
lower case, punctuation as spaces), and the index only splits on ASCII spaces (FTS5
``ascii`` tokenizer), so what a token is never depends on SQLite's Unicode tables: the
same functions build the index and the query.
"""
from __future__ import annotations

import re
import threading
from typing import Iterable

# Bump when any function below changes what it emits: stored index entries are removed
# by re-tokenizing their text, so an old index must be rebuilt with the new code.
TOKENIZER_VERSION = "4"  # 4: the year token carries the month (search.index.year_token)

# Full-width ASCII (！ … ～) to ASCII, ideographic space to space. One character for one,
# so offsets in a normalized string are offsets in the original (excerpts rely on it).
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WIDE_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_RUN = re.compile(r"[^\W_]+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_SPACE = " ".encode("utf-32-le")
# Longest user-dictionary word: longer strings are sentences, not names.
MAX_WORD = 20


def fold_width(text: str) -> str:
    """Full-width ASCII folded to ASCII (``Ａ７（试行）`` → ``A7(试行)``), case kept."""
    return text.translate(_WIDTH)


def normalize(text: str) -> str:
    """Full-width letters and digits folded to ASCII, lower case (``Ａ７号楼`` → ``a7号楼``).

    Punctuation is left alone (it separates tokens whatever its width); the fold runs
    only when the text has full-width letters or digits, which gazettes rarely do."""
    if _WIDE_ALNUM.search(text):
        text = text.translate(_WIDTH)
    return text.lower()


def runs(text: str) -> list[str]:
    """Maximal runs of letters, digits and CJK characters of a normalized text."""
    return _RUN.findall(text)


def clean(text: str) -> str:
    """``normalize(text)`` with every run of other characters as one space."""
    return _NOT_ALNUM.sub(" ", normalize(text))


def bigram_text(text: str) -> str:
    """What the bigram columns index: every pair of adjacent characters of
    ``clean(text)``, space separated (``安全生产，县长`` → ``安全 全生 生产 产  县 县长``).

    A pair with the space in it is one character to the index (the ascii tokenizer
    splits on spaces): runs end in single-character tokens, so a phrase matches across
    punctuation exactly where the text has punctuation, and a lone character between
    punctuation is a token. Built with C-level slicing of UTF-32 bytes: a Python string
    per pair would cost 2× more, and this runs over every stored text."""
    cleaned = clean(text)
    pairs = len(cleaned) - 1
    if pairs < 1:
        return ""
    data = cleaned.encode("utf-32-le")
    out = bytearray(_SPACE * (3 * pairs))  # [first][second][space] per pair, 4 bytes each
    for k in range(4):
        out[k::12] = data[k:4 * pairs:4]
        out[4 + k::12] = data[4 + k::4]
    return out.decode("utf-32-le")


def bigrams(text: str) -> list[str]:
    """The bigram tokens of ``text``, as the index sees them (``bigram_text`` split)."""
    return bigram_text(text).split()


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
        self.terms_seen = 0  # highest search_terms id added (kept by the store)
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
        """Word tokens of ``text`` (normalized; punctuation and spaces dropped)."""
        return self.word_text(text).split()

    def word_text(self, text: str) -> str:
        """What the word columns index: the words of ``clean(text)``, space separated."""
        cleaned = clean(text)
        with self._lock:
            pieces = self._jieba.cut(cleaned, False)
        return " ".join(pieces)


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
