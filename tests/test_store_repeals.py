"""Cross-issue repeals found through the index of migration 0006 (gongbao.store.repeals): the
same rows as testing every stored document, and a candidate filter that misses no title."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.extract.matching import (REPEAL_SIMILARITY, alike, edits_allowed, lengths_alike, repeals, title_keys,
                                      title_pieces)
from gongbao.store import open_store
from gongbao.text import fold, similarity

from .conftest import save_text

# -- the candidate filter misses no alike title --------------------------------------------

# Few characters, so that generated titles share many bigrams and pieces collide; 关于 so
# that stored titles have their second form.
_CHARS = "盂县关于印发管理办法的通知安全（）〔〕 "


def _edited(title: str, edits: list[tuple[int, int, str]]) -> str:
    """``title`` with a few characters deleted, replaced or inserted."""
    chars = list(title)
    for kind, where, char in edits:
        at = where % (len(chars) + 1)
        if kind == 0 and at < len(chars):
            del chars[at]
        elif kind == 1 and at < len(chars):
            chars[at] = char
        else:
            chars.insert(at, char)
    return "".join(chars)


_EDITS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 60), st.sampled_from(_CHARS)), max_size=6)


@settings(max_examples=600, deadline=None)
@given(
    cited=st.text(alphabet=_CHARS, min_size=1, max_size=40),
    issuers=st.lists(st.text(alphabet=_CHARS, max_size=8), min_size=1, max_size=4),
    edits=st.lists(_EDITS, min_size=1, max_size=4),
    others=st.lists(st.text(alphabet=_CHARS, min_size=1, max_size=40), max_size=4),
    rarity=st.dictionaries(st.text(alphabet=_CHARS, min_size=1, max_size=2), st.integers(0, 1000)),
)
def test_every_title_alike_to_a_cited_title_holds_all_keys_of_one_of_its_pieces(cited, issuers, edits, others, rarity):
    """Brute force: of stored titles made by editing the cited one (and prefixing issuers,
    the form matching.alike also tries) and of unrelated ones, each alike to it holds every
    key of at least one piece, its lead in a form of a length alike — whichever pieces the
    rarity estimates make it choose."""
    pieces = title_pieces(cited, lambda gram: rarity.get(gram, 500))
    low, high = lengths_alike(len(fold(cited)))
    stored = [issuer + _edited(cited, change) for issuer, change in zip(issuers * len(edits), edits)] + others
    for title in stored:
        if alike(cited, title, REPEAL_SIMILARITY):
            keys = title_keys(title)
            grams = {gram for gram, _ in keys}
            assert any(set(rest) <= grams and any((lead, m) in keys for m in range(low, high + 1))
                       for lead, rest in pieces), (cited, title, pieces)


@settings(max_examples=300, deadline=None)
@given(cited=st.text(alphabet=_CHARS, min_size=2, max_size=60), edits=_EDITS)
def test_pieces_are_disjoint_substrings_of_the_folded_title(cited, edits):
    """The argument needs disjoint pieces, each read in order from the cited title."""
    folded = fold(_edited(cited, edits))
    pieces = title_pieces(folded, lambda gram: ord(gram[0]) % 7)
    if len(folded) < 2:
        return
    assert len(pieces) == edits_allowed(len(folded)) + 1
    at = 0
    for lead, rest in pieces:
        start = folded.find(lead, at)
        assert start >= 0 and all(key in folded for key in rest)
        at = start + 2


# -- stored issues: the index finds what testing every document finds ----------------------

def _issue(year: int, number: int, subject: str, carried: str, clause: str, day: str, county: str = "盂县") -> str:
    """A county's issue of one notice (盂政发〔year〕number号) carrying one 办法 whose last
    article may repeal something (``clause``)."""
    return f"""{county}人民政府公报
{year}年第{number}期

{county}人民政府文件

{county[0]}政发〔{year}〕{number}号

{county}人民政府
关于印发{subject}的通知

各乡（镇）人民政府，县直各有关单位：

　　《{carried}》已经县人民政府同意，现印发给你们，请认真贯彻执行。

{county}人民政府

{year}年{day}

（此件公开发布）

{carried}

　　第一条　为加强管理，制定本办法。

　　第二条　本办法由县人民政府办公室负责解释。

　　第三条　本办法自{year}年12月1日起施行。{clause}
"""


HEATING = "盂县城区集中供热管理办法"
WATER = "盂县农村饮水安全工程运行管理办法"
CITED_WATER = "盂县农村饮水安全工程运行和管理办法"  # as the repeal cites it: 0.97 alike
NEAR_WATER = "盂县农村饮用水安全工程运营管理办法"  # 0.88 alike to the citation: never repealed
ISSUES = {  # file name → text; ids 140322/{year}/{number}
    "heating_2020_1.txt": _issue(2020, 1, HEATING, HEATING, "", "3月1日"),
    "water_2019_2.txt": _issue(2019, 2, WATER, WATER, "", "5月1日"),
    "near_2020_3.txt": _issue(2020, 3, NEAR_WATER, NEAR_WATER, "", "6月1日"),
    # WATER without its county: alike, and naming no region, so not another county's
    "unplaced_2021_6.txt": _issue(2021, 6, WATER[2:], WATER[2:], "", "7月1日"),
    # WATER of another county: alike, but of 代县
    "daixian_2021_7.txt": _issue(2021, 7, "代" + WATER[1:], "代" + WATER[1:], "", "8月1日", county="代县"),
    # by 文号 (the 2020 notice) and by title (its 办法, which has none)
    "heating_2023_4.txt": _issue(2023, 4, "盂县城区供热管理办法", "盂县城区供热管理办法",
                                 f"《{HEATING}》（盂政发〔2020〕1号）同时废止。", "3月1日"),
    # by title only: the 2019 办法, not the near miss
    "water_2024_5.txt": _issue(2024, 5, "盂县农村供水工程管理办法", "盂县农村供水工程管理办法",
                               f"《{CITED_WATER}》同时废止。", "4月1日"),
}


def _rows_of(store, sql):
    return [dict(row) for row in store._rows(sql, ())]


def _brute_force(store) -> set[tuple[str, str, str | None]]:
    """What recording repeals found before the index: every repeal of every stored validity
    record tested against every stored document (and the repeals inside an issue)."""
    documents = _rows_of(store, "SELECT id, seq, parent_seq, title, doc_number, date FROM documents")
    found = set()
    for record_row in _rows_of(store, "SELECT r.doc_id, r.data FROM layer_records AS r WHERE r.layer = 'validity'"):
        record = json.loads(record_row["data"])
        if record.get("repealed_by"):
            found.add((record_row["doc_id"], record["repealed_by"], record.get("repealed_on")))
        repealer = next(doc for doc in documents if doc["id"] == record_row["doc_id"])
        for ref in record.get("repeals") or []:
            found |= {(doc["id"], repealer["id"], record.get("effective_from") or repealer["date"])
                      for doc in documents if repeals(ref, doc, repealer)}
    return found


@pytest.mark.parametrize("order", ["repealed-first", "repealing-first"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_repeals_across_issues_are_those_every_document_would_give(new_store_url, backend, order):
    """Issues repealing others by 文号 and by title, stored before or after them: the rows
    recorded are those of testing every stored document, the near miss is not among them,
    and rebuilding (the whole store matched again) records the same."""
    assert similarity(CITED_WATER, WATER) >= REPEAL_SIMILARITY > similarity(CITED_WATER, NEAR_WATER) >= 0.85
    names = sorted(ISSUES, key=lambda name: name.split("_")[1])
    with open_store(new_store_url(backend)) as store:
        for name in names if order == "repealed-first" else names[::-1]:
            assert save_text(store, ISSUES[name], name).status == "added"
        recorded = {tuple(row.values()) for row in _rows_of(
            store, "SELECT doc_id, repealed_by, repealed_on FROM validity_repeals")}
        assert recorded == _brute_force(store)
        assert {(doc, by) for doc, by, _ in recorded} == {
            ("140322/2020/1/1", "140322/2023/4/2"),  # the notice, by its 文号
            ("140322/2020/1/2", "140322/2023/4/2"),  # its 办法, by title
            ("140322/2019/2/2", "140322/2024/5/2"),  # by title
            ("140322/2021/6/2", "140322/2024/5/2"),  # by title, naming no county
        }
        store.rebuild_search_index()
        assert {tuple(row.values()) for row in _rows_of(
            store, "SELECT doc_id, repealed_by, repealed_on FROM validity_repeals")} == recorded
        # The index goes with its documents: a replaced issue's keys are its new ones.
        changed = ISSUES["water_2019_2.txt"].replace(WATER, NEAR_WATER)
        assert save_text(store, changed, "water_2019_2.txt").status == "replaced"
        assert ("140322/2019/2/2", "140322/2024/5/2") not in {
            (row["doc_id"], row["repealed_by"]) for row in _rows_of(store, "SELECT * FROM validity_repeals")}
        assert not _rows_of(store, "SELECT doc_id FROM repeal_title_grams WHERE doc_id LIKE '140322/2019/2/%'"
                                   f" AND gram = '{WATER[4:6]}'")
