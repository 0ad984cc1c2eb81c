"""Small character-level helpers shared by every stage."""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# CJK punctuation and full-width forms that count as "Chinese context" for spacing rules.
CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】〔〕［］—…·「」『』．％"
SENTENCE_END = "。！？；"
OPENERS = "（(〔[［【《〈“‘「『"
CLOSERS = "）)〕]］】》〉”’」』"

_FULLWIDTH_ALNUM = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}
_FULLWIDTH_ALNUM.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})
_FULLWIDTH_ALNUM.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})


def is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff")


def is_cjk_context(ch: str) -> bool:
    """CJK ideograph or CJK punctuation: spaces next to these are layout, not content."""
    return is_cjk(ch) or ch in CJK_PUNCT or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


def halfwidth_alnum(ch: str) -> str:
    return _FULLWIDTH_ALNUM.get(ch, ch)


def compact(s: str) -> str:
    """Remove all whitespace (titles are compared and stored without it)."""
    return "".join(s.split())


# Bracket shapes a printer swaps freely (a TOC's <…> is the body's 〈…〉, 《…》 nested as 〈…〉).
_FOLD_OPEN = "([〔［【〈（《<"
_FOLD_CLOSE = ")]〕］】〉）》>"


@lru_cache(maxsize=65536)
def fold(s: str | None) -> str:
    """Comparison key: NFKC, no whitespace, one bracket/quote/dash shape (as the gold scorer)."""
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s)
    s = "".join(s.split())
    for o in _FOLD_OPEN:
        s = s.replace(o, "(")
    for c in _FOLD_CLOSE:
        s = s.replace(c, ")")
    for q in "“”„‟\"'‘’":
        s = s.replace(q, '"')
    for d in "—–-―":
        s = s.replace(d, "-")
    return s.replace("·", ".").replace("•", ".")


def similarity(a: str, b: str, cutoff: float = 0.0) -> float:
    """Character-level similarity in [0, 1] of two folded strings.

    With ``cutoff``, pairs that cannot reach it (by the cheap length and character-count
    bounds) return 0.0 without the quadratic comparison.
    """
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    if fa == fb:
        return 1.0
    if cutoff and 2.0 * min(len(fa), len(fb)) / (len(fa) + len(fb)) < cutoff:
        return 0.0  # the length bound alone rules it out
    m = SequenceMatcher(None, fa, fb, autojunk=False)
    if cutoff and (m.real_quick_ratio() < cutoff or m.quick_ratio() < cutoff):
        return 0.0
    return m.ratio()


def cjk_count(s: str) -> int:
    return len(CJK_RE.findall(s))


_OPEN_BRACKETS = "（(《〔[【"
_CLOSE_BRACKETS = "）)》〕]】"
_ANY_BRACKET = re.compile(r"[（(《〔\[【）)》〕\]】]")


def split_outside_brackets(text: str, separators: str) -> list[str]:
    """Parts of ``text`` between ``separators`` that stand outside brackets (各县（区）、各部门
    → [各县（区）, 各部门]), stripped, empty parts dropped."""
    if not _ANY_BRACKET.search(text):  # the common case, without a character loop
        return [t.strip() for t in _separator_pattern(separators).split(text) if t.strip()]
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in _OPEN_BRACKETS:
            depth += 1
        elif ch in _CLOSE_BRACKETS:
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


@lru_cache(maxsize=64)
def _separator_pattern(separators: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(separators)}]")  # built once per set of separators, not per call


def differing(a: str, b: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """``a`` and ``b`` cut into ``(text, differs)`` pieces, marking the characters one has and
    the other has not. Characters equal under :func:`fold` (bracket shapes, widths, spaces)
    do not count as differing.
    """
    keys_a, keys_b = [fold(ch) for ch in a], [fold(ch) for ch in b]
    pieces_a: list[tuple[str, bool]] = []
    pieces_b: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes():
        for pieces, text in ((pieces_a, a[i1:i2]), (pieces_b, b[j1:j2])):
            if text:
                pieces.append((text, tag != "equal" and bool(fold(text))))  # a space alone does not differ
    return pieces_a, pieces_b
