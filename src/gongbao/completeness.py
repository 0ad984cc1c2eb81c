"""Is a parse the whole issue? The judgement ``gongbao ingest``, ``POST /api/gazettes`` and
``gongbao check`` share.

A file cut short (a download that stopped, a copy that ran out of disk, a page range) still
parses: its cover and TOC are whole, its body ends early. Stored, it would pass for the issue —
or replace the complete version stored before. Each of these signs is enough to refuse it:

- the TOC lists more documents than the body holds, and the last entries are not in the body;
- the text stops inside a document: the last document has neither 署名 nor date, or the
  last paragraph stops mid-sentence, or the last document has no text at all;
- the cover names a region the text cannot settle (``region.uncertain``): a guess would file
  the issue under another county;

and, against the version stored under the same id (a new file of a stored issue):

- it holds fewer documents;
- its text is the beginning of the stored text.

A truncated multibyte character never gets this far: decoding refuses it
(:mod:`gongbao.decode`). A first ingest is refused like a replacement, so an incomplete issue
is never stored unless asked for (``gongbao ingest --force``).
"""
from __future__ import annotations

import re
from typing import Any, Optional

from .errors import InputError
from .model import Document, ParseResult
from . import grammar as g

# A parenthetical or closing quotes after the last full stop (…顺利完成。（责任单位：…）).
_CLOSING_TAIL = re.compile(r"(?:[（(][^（()）]*[)）]|[”’」』》】\"'])+$")


class IncompleteIssue(InputError):
    """A parse that is not the whole issue, or is less than the version stored: not stored
    unless forced. Same code and status as any bad input (422 through the API)."""


def problems(result: ParseResult) -> list[str]:
    """Why ``result`` must not be stored as the issue, from its own text ([] when nothing is
    amiss): signs of truncation, then doubt about its region."""
    return truncation_signs(result) + region_doubts(result)


def truncation_signs(result: ParseResult) -> list[str]:
    """Signs that the text of ``result`` was cut short."""
    return _missing_from_toc(result) + _open_end(result) if result.documents else []


def region_doubts(result: ParseResult) -> list[str]:
    """Why no region was guessed although the cover names one (:func:`gongbao.gazetteer.weigh_region`)."""
    return [w.message for w in result.warnings if w.code == "region.uncertain"]


def problems_against(result: ParseResult, stored: dict[str, Any]) -> list[str]:
    """Why ``result`` must not replace ``stored`` (``Store.stored_version``: sha256,
    document_count, text), [] when it may."""
    found = []
    if len(result.documents) < stored["document_count"]:
        found.append(f"{len(result.documents)} documents where the stored version has {stored['document_count']}")
    new, old = result.source.text.rstrip(), stored["text"].rstrip()
    if len(new) < len(old) and old.startswith(new):
        found.append(f"its text is the first {len(new) * 100 // len(old)}% of the stored version's")
    return found


def refuse_incomplete(result: ParseResult, name: str, stored: Optional[dict[str, Any]] = None) -> None:
    """Raise :class:`IncompleteIssue` (one line: the reasons) unless ``result`` is whole and,
    when ``stored`` is the version under its id, no less than that. The very file stored
    already (forced in before) passes: storing it again changes nothing."""
    if stored and stored["sha256"] == result.source.sha256:
        return
    signs = truncation_signs(result) + (problems_against(result, stored) if stored else [])
    doubts = region_doubts(result)
    if signs or doubts:
        what = "truncated issue" if signs else "issue of uncertain region"
        replacing = f"it would replace {stored['id']}: " if stored else ""
        raise IncompleteIssue(f"{what}, not stored: {replacing}" + "; ".join(signs + doubts), name)


def _missing_from_toc(result: ParseResult) -> list[str]:
    """The TOC's last entries are not in the body, and the body has fewer documents than the
    TOC lists (an entry matched to nothing beside an unlisted document is a mismatch, not a loss)."""
    missing = 0
    for entry in reversed(result.toc):
        if entry.matched_seq is not None:
            break
        missing += 1
    top_level = sum(d.parent_seq is None for d in result.documents)
    if not missing or top_level >= len(result.toc):
        return []
    return [f"the TOC lists {len(result.toc)} documents, the body holds {top_level}: "
            f"the last {missing} from «{result.toc[-missing].title}» on are missing"]


def _open_end(result: ParseResult) -> list[str]:
    """The text stops inside its last document."""
    tail = result.documents[-1]
    last = next(d for d in reversed(result.documents) if d.parent_seq is None)
    if last is tail and last.date is None and not last.signed_by:
        return [f"the last document «{_short(last)}» ends without 署名 or date"]
    if not tail.paragraphs:
        return [f"the last document «{_short(tail)}» has no text"]
    end = tail.paragraphs[-1]
    if not end.table and _stops_mid_sentence(end.text):
        return [f"the text stops mid-sentence in «{_short(tail)}»: …{end.text[-12:]}"]
    return []


def _stops_mid_sentence(text: str) -> bool:
    return not g.ends_sentence(_CLOSING_TAIL.sub("", text) or "。")


def _short(doc: Document) -> str:
    return doc.title if len(doc.title) <= 40 else doc.title[:39] + "…"
