"""Render a stored document record in 公文 layout (GB/T 9704 order) as plain text."""
from __future__ import annotations

import unicodedata

WIDTH = 36  # characters per line of the printed page (GB/T 9704: 28 × 22 pt; wider on a terminal)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _center(s: str) -> str:
    pad = max(0, (WIDTH * 2 - _width(s)) // 2)
    return " " * pad + s


def _right(s: str, margin: int = 4) -> str:
    pad = max(0, WIDTH * 2 - _width(s) - margin)
    return " " * pad + s


def chinese_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def gongwen_text(doc: dict) -> str:
    out: list[str] = []
    out.append(_center(doc["title"]))
    if doc.get("doc_number"):
        out.append(_center(doc["doc_number"]))
    out.append("")
    if doc.get("recipients"):
        out.append(doc["recipients"] + "：")
    for p in doc.get("paragraphs") or []:
        indent = "" if p.get("table") else "　　"
        out.append(indent + p["text"].replace("\t", " │ "))
    if doc.get("attachments"):
        out.append("")
        for n, title in enumerate(doc["attachments"], 1):
            head = "附件：" if n == 1 else "　　　"
            number = f"{n}." if len(doc["attachments"]) > 1 else ""
            out.append(f"　　{head}{number}{title}")
    if doc.get("signed_by") or doc.get("date"):
        out.append("")
        if doc.get("signed_by"):
            for name in doc["signed_by"].split("、"):
                out.append(_right(name))
        if doc.get("date"):
            out.append(_right(chinese_date(doc["date"])))
    if doc.get("disclosure"):
        out.append("")
        out.append(f"　　（{doc['disclosure']}）")
    return "\n".join(out)
