"""One domain vocabulary (issue #16): the 文号, dates, ids and a document's shape.

文号: the table was recorded from the five readers the code had before ``DocNumber.parse`` and
``DocNumber.fold`` replaced them (grammar.parse_doc_number for a number printed in a text,
grammar.doc_number_line for a line holding only a number, search.query's reading of a typed 文号,
extract.citations.normalize_number, store.rows.fold_doc_number); each column is asserted against
the function that now does that job, so a change of behaviour on any spelling fails here."""
from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from gongbao.api.models import DocumentRecord
from gongbao.export import DOCUMENT_KEYS, document_records
from gongbao.extract.citations import normalize_number
from gongbao.errors import QueryError
from gongbao.grammar import doc_number_line, parse_date, typed_date
from gongbao.model import DocNumber, Document, GazetteMeta, ParseResult, SourceText, document_id, gazette_id, split_document_id
from gongbao.pipeline import parse_text
from gongbao.search.validate import _date
from gongbao.store import open_store
from gongbao.store.rows import RECORD_COLUMNS
from gongbao.views.common import parse_day

# (text, printed in a text, a line of its own, typed as a query, as a citation, folded for lookup)
SPELLINGS = [
    ('盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号'),
    ('盂政发[2023]48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号'),
    ('盂政发［2023］48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号'),
    ('盂政发(2023)48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号'),
    ('盂政发（2023）48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号'),
    ('盂政发【2023】48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号'),
    ('盂政发{2023}48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', None, '盂政发{2023}48号'),
    ('盂政发｛2023｝48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', None, '盂政发｛2023｝48号'),
    ('盂政发﹝2023﹞48号', None, None, None, None, '盂政发〔2023〕48号'),
    ('盂政发 〔 2023 〕 48 号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号'),
    ('盂政发\u3000〔2023〕\u300048号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号'),
    (' 盂政发[2023]43号 ', '盂政发〔2023〕43号', '盂政发〔2023〕43号', '盂政发〔2023〕43号', '盂政发〔2023〕43号', '盂政发〔2023〕43号'),
    ('盂政发 2023 48', None, None, '盂政发〔2023〕48号', None, '盂政发202348'),
    ('盂政发2023 48号', None, None, '盂政发〔2023〕48号', None, '盂政发202348号'),
    ('盂政发〔2023〕第48号', '盂政发〔2023〕第48号', '盂政发〔2023〕第48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕第48号'),
    ('教提案〔2020〕第215号', '教提案〔2020〕第215号', '教提案〔2020〕第215号', '教提案〔2020〕215号', '教提案〔2020〕215号', '教提案〔2020〕第215号'),
    ('国办发[2017] 第47号', '国办发〔2017〕第47号', '国办发〔2017〕第47号', '国办发〔2017〕47号', '国办发〔2017〕47号', '国办发〔2017〕第47号'),
    ('盂政发〔２０２３〕４８号', None, None, '盂政发〔2023〕48号', None, '盂政发〔２０２３〕４８号'),
    ('盂政发〔2023〕048号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕048号'),
    ('盂政发〔2023〕48', None, None, '盂政发〔2023〕48号', None, '盂政发〔2023〕48'),
    ('盂政发2023年48号', None, None, None, None, '盂政发2023年48号'),
    ('孟政发(2023)48号', '孟政发〔2023〕48号', '孟政发〔2023〕48号', '孟政发〔2023〕48号', '孟政发〔2023〕48号', '孟政发〔2023〕48号'),
    ('晋文明委（2019）10号', '晋文明委〔2019〕10号', '晋文明委〔2019〕10号', '晋文明委〔2019〕10号', '晋文明委〔2019〕10号', '晋文明委〔2019〕10号'),
    ('根据国办发〔2017〕47号', '根据国办发〔2017〕47号', '根据国办发〔2017〕47号', '根据国办发〔2017〕47号', '国办发〔2017〕47号', '根据国办发〔2017〕47号'),
    ('落实国办发〔2017〕47号文件精神', '落实国办发〔2017〕47号', None, None, None, '落实国办发〔2017〕47号文件精神'),
    ('关于印发国办发〔2017〕47号的通知', '关于印发国办发〔2017〕47号', None, None, None, '关于印发国办发〔2017〕47号的通知'),
    ('（盂政发〔2023〕48号）', '盂政发〔2023〕48号', '盂政发〔2023〕48号', None, '盂政发〔2023〕48号', '（盂政发〔2023〕48号）'),
    ('文号：盂政发〔2023〕48号', '盂政发〔2023〕48号', '盂政发〔2023〕48号', None, '盂政发〔2023〕48号', '文号：盂政发〔2023〕48号'),
    ('盂政发〔2023〕48号 签发人：王某', '盂政发〔2023〕48号', '盂政发〔2023〕48号', None, None, '盂政发〔2023〕48号签发人：王某'),
    ('国家税务总局公告2021年第8号', '国家税务总局公告2021年第8号', '国家税务总局公告2021年第8号', '国家税务总局公告2021年第8号', None, '国家税务总局公告2021年第8号'),
    ('国家税务总局公告 2021 年 第 8 号', '国家税务总局公告2021年第8号', '国家税务总局公告2021年第8号', '国家税务总局公告2021年第8号', None, '国家税务总局公告2021年第8号'),
    ('交通运输部令2021年第5号', '交通运输部令2021年第5号', '交通运输部令2021年第5号', '交通运输部令2021年第5号', '交通运输部令2021年第5号', '交通运输部令2021年第5号'),
    ('国务院令第707号', None, None, '国令第707号', '国务院令第707号', '国务院令第707号'),
    ('国令第707号', None, None, '国令第707号', None, '国令第707号'),
    ('国令 第707号', None, None, '国令第707号', None, '国令第707号'),
    ('中华人民共和国国务院令第707号', None, None, '国令第707号', None, '中华人民共和国国务院令第707号'),
    ('浙江省人民政府令（第388号）', None, None, '浙江省人民政府令第388号', None, '浙江省人民政府令（第388号）'),
    ('浙江省人民政府令(第388号)', None, None, '浙江省人民政府令第388号', None, '浙江省人民政府令(第388号)'),
    ('省政府令第389号', None, None, '省人民政府令第389号', '省政府令第389号', '省政府令第389号'),
    ('浙江省政府令第388号', None, None, '浙江省人民政府令第388号', '浙江省政府令第388号', '浙江省政府令第388号'),
    ('应急部10号令', None, None, None, '应急部10号令', '应急部10号令'),
    ('山西省人民政府令第294号', None, None, '山西省人民政府令第294号', '山西省人民政府令第294号', '山西省人民政府令第294号'),
    ('第12号', None, None, None, None, '第12号'),
    ('〔2005〕第5号', None, None, None, None, '〔2005〕第5号'),
    ('(2019)10号', None, None, None, None, '〔2019〕10号'),
    ('GB/T51313—2018', None, None, None, 'GB/T 51313-2018', 'GB/T51313—2018'),
    ('GB 50016-2014', None, None, None, 'GB 50016-2014', 'GB50016-2014'),
    ('盂政发', None, None, None, None, '盂政发'),
    ('2023', None, None, None, None, '2023'),
    ('', None, None, None, None, ''),
    ('安全生产', None, None, None, None, '安全生产'),
    ('政发〔1999〕1号', '政发〔1999〕1号', '政发〔1999〕1号', '政发〔1999〕1号', '政发〔1999〕1号', '政发〔1999〕1号'),
    ('盂县人民政府办公室关于印发盂政办发〔2023〕43号', '民政府办公室关于印发盂政办发〔2023〕43号', None, None, '盂政办发〔2023〕43号', '盂县人民政府办公室关于印发盂政办发〔2023〕43号'),
    ('盂政发〔2023〕48号和盂政发〔2023〕49号', '盂政发〔2023〕48号', None, None, None, '盂政发〔2023〕48号和盂政发〔2023〕49号'),
    ('盂政发〔1899〕48号', None, None, None, None, '盂政发〔1899〕48号'),
    ('盂政发〔2023〕123456号', None, None, None, None, '盂政发〔2023〕123456号'),
    ('盂政发〔23〕48号', None, None, None, None, '盂政发〔23〕48号'),
]


def _text(number):
    return None if number is None else number.text


@pytest.mark.parametrize("text, printed, line, typed, cited, folded", SPELLINGS)
def test_every_spelling_reads_as_before(text, printed, line, typed, cited, folded):
    assert _text(DocNumber.parse(text)) == printed
    assert _text(doc_number_line(text)) == line
    assert _text(DocNumber.parse(text, loose=True)) == typed
    assert normalize_number(text) == cited
    assert DocNumber.fold(text) == folded


def test_the_printed_form_keeps_di_and_the_typed_form_drops_it():
    printed = DocNumber.parse("教提案〔2020〕第215号")
    typed = DocNumber.parse("教提案〔2020〕第215号", loose=True)
    assert (printed.extra, typed.extra) == ("第", "")
    assert (printed.agency_code, printed.year, printed.serial) == (typed.agency_code, typed.year, typed.serial)


def test_an_order_number_is_read_only_when_typed():
    assert DocNumber.parse("国务院令第707号") is None
    number = DocNumber.parse("国务院令第707号", loose=True)
    assert (number.agency_code, number.year, number.serial, number.text) == ("国令", None, 707, "国令第707号")
    assert DocNumber.parse("国令第0号", loose=True) is None  # no order is numbered 0


def test_a_folded_number_is_what_the_store_compares():
    typed = [" 盂政办发[2023]43号", "盂政办发（2023）43号", "盂政办发 【 2023 】 43号", "盂政办发﹝2023﹞43号"]
    assert {DocNumber.fold(text) for text in typed} == {"盂政办发〔2023〕43号"}


# --- ids ----------------------------------------------------------------------------------------

def _result(**meta) -> ParseResult:
    source = SourceText("x.txt", "", "ab" * 32, "utf-8", 0)
    return ParseResult(source, GazetteMeta(**meta), [], [], [], [], [], None)


@pytest.mark.parametrize("meta, expected", [
    ({"region_code": "140322", "year": 2023, "issue": 3}, "140322/2023/3"),
    ({"kind": "document", "region_code": "100000", "year": 2018, "document_number": "国令第707号"}, "100000/2018/国令第707号"),
    ({"region_code": "140322", "year": 2023}, "abababababab"),  # no 期: the source's hash
    ({"kind": "document", "region_code": "100000", "year": 2018, "issue": 3}, "abababababab"),  # no 文号
])
def test_a_gazette_id_names_the_issue_or_the_single_document(meta, expected):
    assert gazette_id(_result(**meta)) == expected


@pytest.mark.parametrize("gazette", ["140322/2023/3", "100000/2018/国令第707号", "abababababab"])
def test_a_document_id_splits_back_into_its_gazette_and_seq(gazette):
    assert document_id(gazette, 12) == f"{gazette}/12"
    assert split_document_id(document_id(gazette, 12)) == (gazette, 12)


# --- dates --------------------------------------------------------------------------------------

# (text, as running text dates, as a page's metadata table dates): recorded from grammar.parse_date
# and pipeline.identity's own reader of a page's dates before it became parse_date(numeric=True)
DATES = [
    ("2021-04-08", None, "2021-04-08"),
    ("2021.4.8", None, "2021-04-08"),
    ("2021/4/8", None, "2021-04-08"),
    ("2021 - 4 - 8", None, "2021-04-08"),
    ("2021年4月8日", "2021-04-08", "2021-04-08"),
    ("二〇二一年四月八日", "2021-04-08", "2021-04-08"),
    ("二O二一年四月八日", "2021-04-08", "2021-04-08"),
    ("2021-13-01", None, None),
    ("2021-13-01 2021年4月8日", "2021-04-08", None),  # the digits-only date is read first, and is no day
    ("发布日期：2023年07月25日", "2023-07-25", "2023-07-25"),
    ("2021年2月30日", None, None),
    ("4月8日", None, None),
    ("", None, None),
]


@pytest.mark.parametrize("text, printed, numeric", DATES)
def test_a_date_reads_as_before(text, printed, numeric):
    assert parse_date(text) == printed
    assert parse_date(text, numeric=True) == numeric


# --- a document's shape -------------------------------------------------------------------------
# Declared four times: model.Document, export.document_record, api.models.DocumentRecord and the
# store's `documents` columns. These tests fail when one of them gains a key the others lack.

# record keys that are no Document field: the id, the issue, and the parts of the 文号
RECORD_ONLY = {"id", "gazette", "agency_code", "year", "serial"}
# Document fields no record carries: where the body starts and ends is in ``spans`` already
DOCUMENT_ONLY = {"body_span"}
# `documents` columns that are no record key: the row's own keys, and the record as JSON
ROW_ONLY = {"gazette_id", "record_json"}
# a record given to the store (a JSONL import) may carry its text as ``body`` instead of paragraphs
RECORD_OPTIONAL = {"body"}


def _record() -> dict:
    text = "关于做好安全生产工作的通知\n盂政发〔2023〕48号\n各乡镇人民政府：\n现就有关事项通知如下。\n盂县人民政府\n2023年7月25日\n"
    [record] = document_records(parse_text(text, "notice.txt"))
    return record


# A date typed in a query or a filter: (text, strict reading, loose reading). Strict is the layer
# filters' ISO form; loose, the search's, also takes / . and 年月日. Numbers are as typed.
TYPED_DATES = [
    ("2023", (2023, None, None), (2023, None, None)),
    ("2023-07", (2023, 7, None), (2023, 7, None)),
    ("2023-7-5", (2023, 7, 5), (2023, 7, 5)),
    ("2023-13-40", (2023, 13, 40), (2023, 13, 40)),
    ("2023/7/25", None, (2023, 7, 25)),
    ("2023.07", None, (2023, 7, None)),
    ("2023年7月25日", None, (2023, 7, 25)),
    ("2023年7月", None, (2023, 7, None)),
    ("23-07-25", None, None),
    ("2023-", None, None),
    ("二〇二三年", None, None),
]


@pytest.mark.parametrize("text, strict, loose", TYPED_DATES)
def test_a_typed_date_reads_strictly_for_filters_and_loosely_for_search(text, strict, loose):
    assert typed_date(text) == strict
    assert typed_date(text, loose=True) == loose


def test_search_bounds_and_layer_filters_read_typed_dates_with_the_one_reader():
    assert _date("date_from", "2023年7月", upper=False) == "2023-07"
    assert _date("date_to", "2023/7", upper=True) == "2023-07-31"
    assert parse_day("2024-02", end=True) == "2024-02-29"
    with pytest.raises(QueryError):
        parse_day("2023/7/25")  # the layer filters take ISO only, as before
    with pytest.raises(QueryError):
        _date("date_from", "2023-13", upper=False)


def test_the_export_record_and_the_api_model_have_the_same_keys():
    assert set(_record()) == set(DocumentRecord.model_fields)


def test_every_document_field_is_exported_and_every_exported_key_is_a_field():
    fields = {f.name for f in dataclasses.fields(Document)}
    keys = set(_record())
    assert fields - keys == DOCUMENT_ONLY
    assert keys - fields == RECORD_ONLY
    assert set(DOCUMENT_KEYS) <= keys  # SCHEMA.md's keys, in its order


def test_the_store_columns_are_record_keys(tmp_path: Path):
    path = tmp_path / "shape.db"
    open_store(str(path)).close()
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
    assert columns == {"id", "seq", *RECORD_COLUMNS} | ROW_ONLY
    assert set(RECORD_COLUMNS) - set(_record()) == RECORD_OPTIONAL
