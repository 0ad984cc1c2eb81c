"""The close of a document: the 成文日期 line under its 署名, and the 附件说明 list printed
after it (told apart from attachment pages)."""
from __future__ import annotations

import re
from typing import Optional

from .. import grammar as g
from .lines import Lines
from ..text import compact, fold


def find_closing(lines: Lines, start: int, end: int) -> Optional[int]:
    """Index of the 成文日期 line that closes the document body in [start, end)."""
    fallback = None
    for i in range(start, end):
        info = lines.info[i]
        if not info.date or info.text.startswith(("（", "(")):
            continue
        if info.signed_inline:
            return i
        p = lines.prev_nonblank(i - 1, start, max_blank=3)
        if p is not None and (g.is_org_like(compact(lines.text(p))) or _is_person_signature(lines.text(p))):
            return i
        if fallback is None:
            fallback = i
    return fallback


def _is_person_signature(t: str) -> bool:
    """``县长  张三`` style signature of a 令."""
    return bool(g.PERSON_SIGNATURE.match(compact(t)))


def skip_attachment_list(lines: Lines, k: int, end: int) -> int:
    """Last line of an 附件说明 list starting at ``k``."""
    last = k
    i = lines.next_nonblank(k + 1, end)
    while i is not None:
        t = lines.text(i)
        prev = lines.text(last)
        item_done = bool(_OMITTED_TAIL.search(prev)) or g.ends_sentence(prev)
        info = lines.info[i]
        if info.attachment and attachment_rest(t) and _repeats_listed_title(lines, k, last, attachment_rest(t)):
            break  # ``附件1：<title>`` repeating a listed title starts the attachment pages
        is_item = bool(g.ENUM_ITEM.match(t)) or (info.attachment and bool(attachment_rest(t)))
        continuation = (
            not item_done
            and len(t) <= 30
            and not g.ends_sentence(t)
            and not (info.date or info.disclosure or info.attachment or "\t" in t)
            and not re.search(r"[：:]", t)
            and not g.is_org_like(compact(t))
        )
        if is_item or re.match(r"^[（(]?略[)）]?$", t) or continuation:
            last = i
            i = lines.next_nonblank(i + 1, end)
            continue
        break
    return last


_LIST_TITLE = re.compile(r"(?:表|清单|名单|名录|目录|图)(?:[（(][^（()）]{1,12}[)）])?$")


def table_of(lines: Lines, start: int, end: int, title: str, issued: str) -> bool:
    """A page titled ``…计划表`` under a notice issuing ``…计划`` and listing the page in its
    附件说明 (in [start, end)) is the notice's attachment (the plan's table), not the plan."""
    return bool(_LIST_TITLE.search(title)) and not _LIST_TITLE.search(issued) and _listed_as_attachment(lines, start, end, title)


def _listed_as_attachment(lines: Lines, start: int, end: int, title: str) -> bool:
    """``title`` is an item of the 附件说明 printed in [start, end)."""
    for k in range(start, end):
        if lines.info[k].attachment and attachment_rest(lines.text(k)):
            return _repeats_listed_title(lines, k, skip_attachment_list(lines, k, end), title)
    return False


def _repeats_listed_title(lines: Lines, first: int, last: int, title: str) -> bool:
    listed = fold("".join(lines.text(k) for k in range(first, last + 1)))
    key = fold(re.sub(r"^[\d.．、\s]+", "", title))[:12]
    return len(key) >= 4 and key in listed


_OMITTED_TAIL = re.compile(r"[（(]\s*略\s*[)）]$")


def attachment_rest(t: str) -> str:
    m = g.ATTACHMENT_HEAD.match(t)
    return ((m.group("rest") or m.group("rest2") or "").strip()) if m else ""
