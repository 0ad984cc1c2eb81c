"""gongbao.decode: which bytes become a SourceText, and which are refused, and why."""
from __future__ import annotations

import codecs
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.decode import decode_bytes, read_source
from gongbao.errors import InputError
from gongbao.model import SourceText

GAZETTE = (
    "盂县人民政府公报\n"
    "2023年第3期（总第011期）\n"
    "盂县人民政府关于任丽鹏等同志职务任免的通知\n"
    "盂政发〔2023〕48号\n"
    "各乡镇人民政府，县直各有关单位：\n"
    "　　经2023年7月21日县政府常务会议研究，决定：\n"
)


def normalized(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize(
    "data,encoding",
    [
        (GAZETTE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + GAZETTE.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + GAZETTE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + GAZETTE.encode("utf-16-be"), "utf-16-be"),
        (GAZETTE.encode("gbk"), "gb18030"),
        (GAZETTE.encode("gb18030"), "gb18030"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "gbk", "gb18030"],
)
def test_decode_bytes_detects_encoding(data: bytes, encoding: str) -> None:
    source = decode_bytes(data, "gazette.txt")
    assert source == SourceText(
        name="gazette.txt",
        text=GAZETTE,  # BOM stripped, nothing else changed
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        size_bytes=len(data),
    )


def test_decode_bytes_reads_gb18030_beyond_gbk() -> None:
    text = GAZETTE + "𠮷县\n"  # U+20BB7 has no GBK code: four bytes in GB18030
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    assert decode_bytes(text.encode("gb18030"), "x.txt").text == text


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_decode_bytes_normalizes_only_newlines(newline: str) -> None:
    text = GAZETTE.replace("\n", newline) + "表格\t列\f下一页\u3000  尾"
    source = decode_bytes(text.encode("utf-8"), "x.txt")
    assert source.text == GAZETTE + "表格\t列\f下一页\u3000  尾"
    assert source.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()  # of the raw bytes


def test_read_source_names_file_by_its_name(tmp_path) -> None:
    path = tmp_path / "001_issue.txt"
    path.write_bytes(GAZETTE.encode("gbk"))
    source = read_source(path)
    assert (source.name, source.text, source.encoding) == ("001_issue.txt", GAZETTE, "gb18030")


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "empty file"),
        (b" \n\t\r\n\xe3\x80\x80", "contains only whitespace"),  # \xe3\x80\x80 is U+3000
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "looks like a PDF, not text; extract its text first"),
        (b"PK\x03\x04\x14\x00\x06\x00", "looks like a ZIP archive"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a PNG image"),
        (b"\x7fELF\x02\x01\x01\x00", "looks like an ELF executable"),
        (GAZETTE.encode("utf-16-le"), "binary file: contains NUL bytes (or UTF-16 text without a byte-order mark)"),
        (GAZETTE.encode("utf-8") + b"\x01\x02\x03\x1b" * 20, "binary file: 80 of"),
        (b"\x80\x81\xff" + GAZETTE.encode("gbk"), "cannot decode: not UTF-8 (invalid byte sequence at byte 0"),
        (GAZETTE.encode("utf-8")[:-8] + b"\xe6\x97", "damaged or truncated UTF-8"),
        (codecs.BOM_UTF16_LE + GAZETTE.encode("utf-16-le")[:-1], "starts with a utf-16-le byte-order mark but"),
        (b"Gazette of Yu County\n2023 No. 3\n" * 10, "not a Chinese gazette: only 0 CJK characters"),
        ("Notice 通知 of the county\n".encode("utf-8") * 3, "not a Chinese gazette: only 6 CJK characters"),
    ],
    ids=[
        "empty", "whitespace", "pdf", "zip", "png", "elf", "nul", "controls",
        "undecodable", "truncated-utf8", "odd-utf16", "english", "few-cjk",
    ],
)
def test_decode_bytes_refuses(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_bytes(data, "bad.txt")
    assert str(caught.value).startswith(f"bad.txt: {reason}")
    assert caught.value.path == "bad.txt"


def test_decode_bytes_refuses_too_large() -> None:
    with pytest.raises(InputError, match=r"^big\.txt: too large: .* the limit is"):
        decode_bytes(GAZETTE.encode("utf-8"), "big.txt", max_bytes=100)


def test_read_source_refuses_too_large_before_reading(tmp_path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(GAZETTE.encode("utf-8"))
    with pytest.raises(InputError, match="too large") as caught:
        read_source(path, max_bytes=100)
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    "make_path,reason",
    [(lambda d: d / "missing.txt", "no such file"), (lambda d: d, "is a directory")],
    ids=["missing", "directory"],
)
def test_read_source_refuses_unreadable_path(tmp_path, make_path, reason: str) -> None:
    path = make_path(tmp_path)
    with pytest.raises(InputError, match=reason) as caught:
        read_source(path)
    assert str(caught.value).startswith(str(path))


def test_read_source_error_names_the_path(tmp_path) -> None:
    path = tmp_path / "scan.txt"
    path.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(InputError) as caught:
        read_source(path)
    assert str(caught.value) == f"{path}: looks like a PDF, not text; extract its text first, e.g. `pdftotext -layout FILE.pdf`"


_PREFIXES = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, GAZETTE.encode("gbk")]


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from(_PREFIXES), data=st.binary(max_size=2000))
def test_decode_bytes_never_raises_anything_but_input_error(prefix: bytes, data: bytes) -> None:
    try:
        source = decode_bytes(prefix + data, "random.bin")
    except InputError:
        return
    assert isinstance(source, SourceText)
    assert "\r" not in source.text


_GAZETTE_ALPHABET = st.sampled_from(sorted(set(GAZETTE) | set("abcXYZ019 \t\r\n")))


@settings(deadline=None)
@given(text=st.text(_GAZETTE_ALPHABET, max_size=300), encoding=st.sampled_from(["utf-8", "gb18030"]))
def test_decode_bytes_round_trips_chinese_text(text: str, encoding: str) -> None:
    text = GAZETTE + text  # enough CJK to be accepted
    assert decode_bytes(text.encode(encoding), "x.txt").text == normalized(text)
