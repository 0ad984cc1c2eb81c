"""文号 lookup in any spelling: brackets, spaces, and OCR misprints of the agency code."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import DocNumber
from .tokenize import normalize

if TYPE_CHECKING:
    from .backend import DocNumbers


def lookup_doc_number(store: "DocNumbers", text: str) -> list[str]:
    """Ids of the documents whose 文号 ``text`` is, however it was typed.

    ``盂政发〔2023〕48号``, ``盂政发[2023]48号`` and ``盂政发 2023 48`` are the same
    number. A number found nowhere is then read as a misprint: first through the
    misprints the gazetteer corrected in the stored gazettes (孟 → 盂, so
    ``孟政发(2023)48号`` finds 盂政发〔2023〕48号), then as an agency code one
    character away from a stored one with the same year and serial. Each step is only
    tried when the previous found nothing: a number that exists is never "corrected".
    """
    number = DocNumber.parse(text, loose=True)
    if number is None:
        return []
    found = _ids(store, number.text)
    if found or number.year is None:
        return found or _order_ids(store, number)
    agency = number.agency_code
    for wrong, right in sorted(store.region_misprints().items(), key=lambda item: -len(item[0])):
        if wrong and agency.startswith(wrong):
            corrected = right + agency[len(wrong):]
            found = _ids(store, f"{corrected}〔{number.year}〕{number.serial}号")
            if found:
                return found
    return [
        doc_id
        for doc_id, stored in store.doc_number_candidates(number.year, number.serial)
        if stored and (stored == agency or edit_distance_is_one(agency, stored))  # same code: 第 typed or not
    ]


def _order_ids(store: "DocNumbers", number) -> list[str]:
    """A 令 cited without its full issuer (``省政府令第389号``, ``市人民政府令第12号``):
    the stored orders with that serial whose name ends with what was typed."""
    return [
        doc_id
        for doc_id, stored in store.doc_number_candidates(None, number.serial)
        if stored and stored.endswith(number.agency_code)
    ]


def read_as(typed: str, numbers: list[str]) -> str | None:
    """The stored 文号 a 文号 query found, when it is not what was typed (a misprint
    corrected, other brackets): what the search says it looked for."""
    if not numbers:
        return None
    number = sorted(numbers)[0]
    return None if number == normalize(typed).strip() else number


def _ids(store: "DocNumbers", normalized: str) -> list[str]:
    return [record["id"] for record in store.find_by_doc_number(normalized)]


def edit_distance_is_one(a: str, b: str) -> bool:
    """True when one substitution, insertion or deletion turns ``a`` into ``b``."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1:] == short:
            return True
    return False
