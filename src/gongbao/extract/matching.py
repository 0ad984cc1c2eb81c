"""Whether a reference printed in one document (a cited or repealed 文号 or title) names a
stored document: the tests citations (``gongbao.views``) and cross-issue repeals
(``gongbao.store.repeals``, at write time) share. Documents are summaries with ``id``
(``{gazette}/{seq}``), ``seq``, ``parent_seq``, ``title``, ``doc_number`` and ``date``."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Optional

from ..gazetteer.regions import by_name
from ..model import split_document_id
from ..text import fold, similarity
from .citations import normalize_number

REPEAL_SIMILARITY = 0.9  # as gongbao.extract.validity links repeals inside one issue


def gazette_of(doc_id: str) -> str:
    return split_document_id(doc_id)[0]


@lru_cache(maxsize=8192)
def first_place(title: str) -> Optional[str]:
    """Code of the first region a title names in full (阳泉市…, 关于印发盂县…), None if none."""
    text = title or ""
    for i in range(len(text)):
        for n in range(min(9, len(text) - i), 1, -1):
            for region in by_name(text[i: i + n]):
                if region.name == text[i: i + n]:
                    return region.code
    return None


@lru_cache(maxsize=8192)
def number_key(number: Optional[str]) -> Optional[str]:
    if not number:
        return None
    return fold(normalize_number(number) or number)


def _title_forms(title: str) -> list[str]:
    forms = [title]
    about = title.find("关于")
    if about > 0:
        forms.append(title[about:])
    return forms


def alike(title: str, stored: str, threshold: float) -> bool:
    """A cited title at least ``threshold`` alike to a stored title, with or without its issuer."""
    return any(similarity(title, form, cutoff=threshold) >= threshold for form in _title_forms(stored))


# -- candidates for `alike`, looked up through an index -----------------------------------
#
# Which stored titles can a cited title be alike to? `similarity` is difflib's ratio of the
# folded strings, 2M / (n + m): M characters of a (the cited title, length n) fall in matching
# blocks, each a run of a equal to a run of b (the stored form, length m), in order, adjacent
# blocks never adjacent in both (difflib collapses those). A run of a lies intact in b unless it
# holds a character of a outside every block (n - M of them) or spans the seam of two blocks
# that touch in a — then b has a character outside every block between them (m - M in all,
# each seam its own). So at most D = n + m - 2M points of a are broken, and any D + 1 disjoint
# pieces of a keep one piece that is a substring of b. Alike means 2M / (n + m) >= threshold,
# which bounds D by `edits_allowed(n)`; a piece of two or more characters in b puts all its
# bigrams among b's `title_keys`. Both forms of a stored title are keyed, so whichever form
# was alike, one of the pieces of `title_pieces` has all its keys among the stored title's.
# And `similarity` itself rules out lengths outside `lengths_alike` (2 min(n, m) / (n + m)).


@lru_cache(maxsize=1024)
def edits_allowed(n: int, threshold: float = REPEAL_SIMILARITY) -> int:
    """The largest n + m - 2M for which a string of n characters can be ``threshold`` alike to
    one of m, M of them matched (M <= min(n, m)), by difflib's own float expression."""
    most, m = 0, 1
    while m <= n or 2.0 * n / (n + m) >= threshold:
        matched = min(n, m)
        while matched >= 0 and 2.0 * matched / (n + m) >= threshold:
            most = max(most, n + m - 2 * matched)
            matched -= 1
        m += 1
    return most


@lru_cache(maxsize=1024)
def lengths_alike(n: int, threshold: float = REPEAL_SIMILARITY) -> tuple[int, int]:
    """The least and the greatest length m of a folded string that one of n characters can be
    ``threshold`` alike to (``similarity``'s length bound; symmetric: n is within m's too)."""
    low = n
    while low > 1 and 2.0 * (low - 1) / (n + low - 1) >= threshold:
        low -= 1
    high = n
    while 2.0 * n / (n + high + 1) >= threshold:
        high += 1
    return low, high


def _keys(folded: str) -> set[str]:
    if len(folded) == 1:
        return {folded}  # alike only to itself (edits_allowed(1) == 0): its own key
    return {folded[i: i + 2] for i in range(len(folded) - 1)}


def title_keys(title: str) -> set[tuple[str, int]]:
    """What an index holds for a stored title: the bigrams of both its folded forms, each
    with the length of its form."""
    return {(key, len(folded)) for folded in {fold(form) for form in _title_forms(title)} for key in _keys(folded)}


def title_pieces(title: str, rarity: Callable[[str], int]) -> list[tuple[str, list[str]]]:
    """Disjoint pieces of a cited title, as ``(lead key, other keys)``: every stored title it is
    ``REPEAL_SIMILARITY`` alike to has all the keys of at least one piece (see above).
    ``rarity`` estimates how many stored titles hold a key; each piece leads with one of its
    keys and the pieces are chosen so that the lead keys are rare together (fewest rows read)."""
    folded = fold(title)
    n = len(folded)
    if n < 2:
        return [(folded, [])] if folded else []
    count = edits_allowed(n) + 1
    # best[i][c]: least total rarity of c disjoint bigrams starting at i or after (dynamic
    # programming over positions; n >= 2 * count holds for every n >= 2 at 0.9).
    unreachable = float("inf")
    best = [[0.0] + [unreachable] * count for _ in range(n + 2)]
    for i in range(n - 2, -1, -1):
        cost = rarity(folded[i: i + 2])
        for c in range(1, count + 1):
            best[i][c] = min(best[i + 1][c], cost + best[i + 2][c - 1])
    if best[0][count] == unreachable:
        raise ValueError(f"no {count} disjoint pieces in a title of {n} characters")
    starts, i, c = [], 0, count
    while c:
        if best[i][c] == best[i + 1][c]:
            i += 1
        else:
            starts.append(i)
            i, c = i + 2, c - 1
    # Each chosen bigram grows into the characters up to the next one (more keys, fewer rows).
    pieces = []
    for k, start in enumerate(starts):
        begin = 0 if k == 0 else starts[k - 1] + 2
        end = n if k == count - 1 else starts[k + 1]
        lead = folded[start: start + 2]
        pieces.append((lead, sorted(_keys(folded[begin:end]) - {lead})))
    return pieces


def repeals(ref: dict[str, Any], doc: dict[str, Any], repealer: dict[str, Any]) -> bool:
    """Whether the repeal reference ``ref`` of ``repealer`` names the stored ``doc``."""
    if doc["id"] == repealer["id"]:
        return False
    if gazette_of(doc["id"]) == gazette_of(repealer["id"]) and (
        doc.get("parent_seq") == repealer["seq"] or doc["seq"] == repealer.get("parent_seq")
    ):
        return False  # a document it carries, or the notice carrying it
    if doc.get("date") and repealer.get("date") and doc["date"] > repealer["date"]:
        return False  # a document cannot repeal one issued after it
    number, own = number_key(ref.get("number")), number_key(doc.get("doc_number"))
    if number and own:
        return number == own
    title = ref.get("title")
    if not title:
        return False
    a, b = first_place(title), first_place(doc.get("title") or "")
    if a and b and a != b:
        return False
    return alike(title, doc["title"] or "", REPEAL_SIMILARITY)
