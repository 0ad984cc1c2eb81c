"""Preloaded by the server process that forks the parsing workers of
:func:`gongbao.ingest.ingest_files`: imports the parser and parses a small issue once, so the
data every parse loads on first use (gazetteer, automata, compiled patterns) is loaded once
for all workers, which start from a copy of this process."""
from __future__ import annotations

from .errors import GongbaoError
from .pipeline import parse_text

_SAMPLE = """盂县人民政府公报
YUXIAN RENMIN ZHENGFU GONGBAO
2023年第1期（总第1期）
盂县人民政府办公室 主管主办
2023年3月30日出版

目 录

【县政府文件】
盂县人民政府关于印发盂县安全生产工作要点的通知（1）

盂县人民政府关于印发盂县安全生产工作要点的通知
盂政发〔2023〕1号

各乡（镇）人民政府，县直各有关单位：
现将《盂县安全生产工作要点》印发给你们，请认真贯彻执行。

盂县人民政府
2023年1月5日

盂县安全生产工作要点
第一条 全年不发生较大以上生产安全事故，县应急管理局牵头，各乡镇负责，2023年12月底前完成。
第二条 任命张三同志为县应急管理局局长。
第三条 本要点自2023年1月5日起施行，有效期五年。
"""

try:
    parse_text(_SAMPLE, "<warm-up>")
except GongbaoError:  # the sample only loads data; what it parses to does not matter
    pass

