"""Generate ``src/gongbao/data/regions.tsv`` from the ``jionlp`` package (one-off).

Run it in a throwaway venv, never in the project's own environment::

    python3 -m venv /tmp/gzvenv
    /tmp/gzvenv/bin/pip install jionlp==1.5.31 pypinyin==0.55.0
    /tmp/gzvenv/bin/python tools/build_regions.py

Why jionlp and not cpca: cpca 0.5.5 (MIT) ships ``adcodes.csv``, a flat list frozen
around 2018 (it still has 大同市城区/矿区, 长治县, 芜湖县, 横县 ... and none of the
2019-2022 renamings). jionlp (Apache-2.0) ships ``china_location.zip``, a hierarchy
province > prefecture > county (> town > village) with codes current to 2022/2023
(平城区, 潞州区, 横州市, 孟津区 ...), so it is the source used here.

What is kept: every province-, prefecture- and county-level division with a real
GB/T 2260 code. Dropped: the statistical-only codes of development zones
(county part 71-79, e.g. 130171 石家庄高新技术产业开发区, and a few more listed in
NOT_IN_GBT2260), placeholders such as
市辖区 / 市直辖行政区划 / 省直辖行政区划, and everything below province level in
Hong Kong, Macao and Taiwan (jionlp gives those no codes of their own).
Counties that hang directly under a province (municipality districts, 仙桃市,
石河子市 ...) get the province as their parent.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import io
import zipfile
from pathlib import Path

from pypinyin import Style, lazy_pinyin

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "gongbao" / "data" / "regions.tsv"

PLACEHOLDER_NAMES = {"市辖区", "县", "市直辖行政区划", "省直辖行政区划", "省直辖县级行政区划",
                     "自治区直辖县级行政区划"}
NON_MAINLAND_PROVINCES = {"71", "81", "82"}  # Taiwan, Hong Kong, Macao: level 1 only
# Statistical (NBS) codes jionlp lists that are not in GB/T 2260: functional zones and
# the 加格达奇 area administered by 大兴安岭地区 on land belonging to 内蒙古.
NOT_IN_GBT2260 = {"510102", "510156", "232761", "232762", "232763", "232764", "632857"}

# Place-name readings of polyphonic characters where pypinyin's default reading is
# wrong for every place name it occurs in (checked against the whole list).
CHAR_READINGS = {
    "长": "chang",  # 长治, 长宁, 长葛 (pypinyin: zhang); 长子县 is the exception below
    "都": "du",  # 宁都, 都匀, 花都 (pypinyin: dou)
    "什": "shi",  # 乌什, 什邡, 阿图什 (pypinyin: shen)
    "勒": "le",  # 库尔勒, 阿勒泰, 锡林郭勒 (pypinyin: lei)
    "朝": "chao",  # 朝阳县/市 (pypinyin: zhao)
    "曾": "zeng",  # 曾都区
    "佛": "fo",  # 佛冈, 佛坪
    "漯": "luo",  # 漯河
    "蚌": "beng",  # 蚌山区
    "柏": "bai",  # 万柏林, 柏乡
    "乐": "le",  # 南乐, 民乐; 乐亭/乐清 are the exceptions below
}

# Whole-word readings that override both pypinyin and CHAR_READINGS.
WORD_READINGS = {
    "蔚县": "yu xian",
    "长子": "zhang zi",
    "乐亭": "lao ting",
    "乐清": "yue qing",
    "单县": "shan xian",
    "冠县": "guan xian",
    "伽师": "jia shi",
    "浚县": "xun xian",
    "涡阳": "guo yang",
    "马尾": "ma wei",
    "龙圩": "long xu",
    "称多": "chen duo",
    "覃塘": "qin tang",
    "浪卡子": "lang ka zi",
    "繁峙": "fan shi",
    "洪洞": "hong tong",
    "崆峒": "kong tong",
    "荥经": "ying jing",
    "筠连": "jun lian",
    "六合": "lu he",
    "陕西": "shaan xi",  # official romanisation, keeps it apart from 山西 shanxi
}


def place_pinyin(name: str) -> str:
    """Toneless lowercase pinyin of a place name, no spaces (蔚县 -> yuxian)."""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors=lambda chars: list(chars))
    syllables = [CHAR_READINGS.get(ch, syl) for ch, syl in zip(name, syllables, strict=True)]
    for word, reading in WORD_READINGS.items():
        start = name.find(word)
        if start >= 0:
            syllables[start:start + len(word)] = reading.split()
    return "".join(syllables).lower()


def read_jionlp_locations() -> list[tuple[int, str, str]]:
    """(depth, name, code) for the province/prefecture/county rows of jionlp's tree."""
    # Locate the package without importing it (its import is slow and prints banners).
    package_dir = Path(importlib.util.find_spec("jionlp").origin).parent
    with zipfile.ZipFile(package_dir / "dictionary" / "china_location.zip") as archive:
        text = archive.read("china_location.txt").decode("utf-8")
    rows = []
    for line in io.StringIO(text):
        depth = len(line) - len(line.lstrip("\t"))
        if depth > 2:
            continue  # towns and villages
        fields = line.strip().split("\t")
        if len(fields) < 2:
            continue  # some Taiwan entries carry no code
        rows.append((depth, fields[0], fields[1]))
    return rows


def build_rows() -> list[tuple[str, str, int, str]]:
    """(code, name, level, parent_code), sorted by code."""
    rows: dict[str, tuple[str, str, int, str]] = {}
    province = prefecture = ""
    for depth, name, code in read_jionlp_locations():
        if depth == 0:
            province, prefecture = code, ""
            rows[code] = (code, name, 1, "")
            continue
        if code[:2] in NON_MAINLAND_PROVINCES or name in PLACEHOLDER_NAMES:
            if depth == 1:
                prefecture = ""  # its counties hang directly under the province
            continue
        if depth == 1:
            # 北京市 under 北京市 repeats the province: not a prefecture of its own.
            prefecture = "" if code == province else code
            if prefecture:
                rows[code] = (code, name, 2, province)
            continue
        if code in (province, prefecture) or code in NOT_IN_GBT2260 or 71 <= int(code[4:]) <= 79:
            continue  # 东莞市's own code again, or a statistical-only zone
        rows[code] = (code, name, 3, prefecture or province)
    return sorted(rows.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    rows = build_rows()
    version = importlib.metadata.version("jionlp")
    pypinyin_version = importlib.metadata.version("pypinyin")
    counts = {level: sum(1 for row in rows if row[2] == level) for level in (1, 2, 3)}
    with args.output.open("w", encoding="utf-8", newline="\n") as out:
        out.write(f"# source: jionlp {version} (PyPI) dictionary/china_location.zip; "
                  "licence: Apache-2.0 (https://github.com/dongrixinyu/JioNLP)\n")
        out.write(f"# generated by tools/build_regions.py; pinyin: pypinyin {pypinyin_version} "
                  "with place-name readings; levels 1/2/3 = "
                  f"{counts[1]}/{counts[2]}/{counts[3]} rows\n")
        out.write("# code\tname\tlevel\tparent_code\tpinyin\n")
        for code, name, level, parent in rows:
            out.write(f"{code}\t{name}\t{level}\t{parent}\t{place_pinyin(name)}\n")
    print(f"wrote {len(rows)} regions to {args.output} ({counts})")


if __name__ == "__main__":
    main()
