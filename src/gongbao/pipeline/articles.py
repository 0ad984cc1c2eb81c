"""第X条 of a 规章/条例/办法/规定/细则: article records with the 章/节 they sit in.

Read from a document's paragraphs (``normalize.join_paragraphs`` starts a paragraph at every
``第X章/节/条`` marker). Text is only read as articles when they are numbered from 第一条
on and run in order, so a body that merely cites ``第十二条`` of another text gets none.
"""
from __future__ import annotations

import re
from typing import Optional

from ..model import Article, Paragraph, Span

_NUMERAL = "一二三四五六七八九十百千零〇两"
_CHAPTER = re.compile(rf"^第[{_NUMERAL}\d]{{1,5}}章(?!\S*[，。；])")
_SECTION = re.compile(rf"^第[{_NUMERAL}\d]{{1,5}}节(?!\S*[，。；])")
_ARTICLE = re.compile(rf"^(?P<head>第(?P<num>[{_NUMERAL}\d]{{1,6}})条)[\s\u3000　：:]*(?P<rest>.*)$", re.S)


def article_number(numeral: str) -> Optional[int]:
    """``十二`` → 12, ``一百零三`` → 103, ``12`` → 12."""
    if numeral.isdigit():
        return int(numeral)
    import cn2an

    try:
        return int(cn2an.cn2an(numeral.replace("〇", "零").replace("两", "二"), "smart"))
    except (ValueError, KeyError):
        return None


def _heading(text: str) -> str:
    return re.sub(r"\s+", "", text)


def articles(paragraphs: list[Paragraph]) -> list[Article]:
    """The articles among ``paragraphs``, each with its chapter and section (as printed,
    spaces removed); the text of an article runs to the next 章/节/条 heading."""
    found: list[Article] = []
    chapter: Optional[str] = None
    section: Optional[str] = None
    current: Optional[dict] = None

    def close() -> None:
        nonlocal current
        if current is not None:
            found.append(Article(chapter=current["chapter"], section=current["section"], article=current["article"],
                                 number=current["number"], text="\n".join(current["texts"]).strip(),
                                 span=Span(current["start"], current["end"])))
        current = None

    for p in paragraphs:
        text = p.text.strip()
        if not p.table and len(text) <= 40 and _CHAPTER.match(text):
            close()
            chapter, section = _heading(text), None
            continue
        if not p.table and len(text) <= 40 and _SECTION.match(text):
            close()
            section = _heading(text)
            continue
        m = _ARTICLE.match(text) if not p.table else None
        number = article_number(m.group("num")) if m else None
        if m and number is not None:
            close()
            current = {"chapter": chapter, "section": section, "article": m.group("head"), "number": number,
                       "texts": [m.group("rest")] if m.group("rest") else [], "start": p.span.start, "end": p.span.end}
            continue
        if current is not None:
            current["texts"].append(text)
            current["end"] = p.span.end
    close()
    return found if _in_order(found) else []


def _in_order(found: list[Article]) -> bool:
    """Articles of one text: at least two, from 第一条, each number above the one before."""
    if len(found) < 2 or found[0].number != 1:
        return False
    return all(b.number > a.number for a, b in zip(found, found[1:]))
