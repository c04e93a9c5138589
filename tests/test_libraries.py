"""The libraries that replaced hand-written pieces (issue 15, item 5): charset-normalizer telling a
roster CSV's encoding, rapidfuzz's edit distance (benchmarks/RESULTS_libraries.md)."""

from __future__ import annotations

import codecs
import csv
import io
import math
import random
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhidao.ingest import label_fuzzy, read_path, roster_csv, vocab

HEADER = ("序号", "姓名", "性别", "出生日期", "工作单位", "职务职级", "派驻企业", "联系电话", "备注")
ROWS = (
    ("1", "周文涛", "男", "1978.04", "县审计局", "副局长", "青川县恒信机械制造有限公司", "13808391526", "新任"),
    ("2", "许静", "女", "1985.09", "县总工会", "办公室主任", "青川县华美服饰有限公司", "15183920417", "√"),
    # 喆: in GBK, not in GB2312
    ("3", "王喆", "男", "1990.01", "县财政局", "副科长", "青川县兴农农业开发有限公司", "18783712345", ""),
    ("4", "阿依古丽·买买提", "女", "1988.03", "县商务局", "科员", "青川县绿谷茶业有限公司", "13990812234", ""),
)
# 䶮: in GB18030 only (four bytes)
RARE = ("5", "刘䶮", "男", "1970.12", "县人社局", "股长", "青川县百川物流有限公司", "13608123456", "")
# As a Taiwanese or Hong Kong Excel holds it: traditional characters, written as Big5 (cp950).
T_HEADER = ("序號", "姓名", "性別", "出生日期", "工作單位", "職務職級", "派駐企業", "聯繫電話", "備註")
T_ROWS = (
    ("1", "陳立峰", "男", "1980.11", "縣商務局", "科員", "青川縣綠谷茶業有限公司", "13990812234", ""),
    ("2", "黃志剛", "男", "1968.12", "縣人社局", "股長", "青川縣百川物流有限公司", "13608123456", "√"),
    ("3", "許靜", "女", "1985.09", "縣總工會", "辦公室主任", "青川縣華美服飾有限公司", "15183920417", ""),
)


def _text(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _names(path: Path) -> list[str]:
    outcome = read_path(path, path.name)
    assert not outcome.errors, outcome.errors
    return [str(it.get("name")) for it in outcome.items]


# (file bytes, the names in it, the encoding decode() names)
CASES: dict[str, tuple[bytes, tuple[str, ...], str]] = {
    "utf-8-bom": (_text(HEADER, (*ROWS, RARE)).encode("utf-8-sig"), (*(r[1] for r in ROWS), RARE[1]), "utf-8-sig"),
    "gb18030": (_text(HEADER, (*ROWS, RARE)).encode("gb18030"), (*(r[1] for r in ROWS), RARE[1]), "gb18030"),
    "gbk": (_text(HEADER, ROWS).encode("gbk"), tuple(r[1] for r in ROWS), "gb18030"),
    "big5": (_text(T_HEADER, T_ROWS).encode("cp950"), tuple(r[1] for r in T_ROWS), "cp950"),
    # Excel's "Unicode text": UTF-16 LE with a BOM, tab-separated
    "utf-16": (codecs.BOM_UTF16_LE + _text(HEADER, (*ROWS, RARE), "\t").encode("utf-16-le"),
               (*(r[1] for r in ROWS), RARE[1]), "utf-16"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_roster_csv_in_each_encoding_reads_to_the_right_names(tmp_path: Path, case: str) -> None:
    data, names, encoding = CASES[case]
    path = tmp_path / ("名单.txt" if case == "utf-16" else "名单.csv")
    path.write_bytes(data)
    assert roster_csv.decode(data)[1] == encoding
    assert _names(path) == list(names)


@pytest.mark.parametrize("text", ["姓名\r\n黃志剛\r\n", "姓名,工作單位\r\n許靜,縣總工會\r\n",
                                  "姓名,備註\r\n陳立峰,√\r\n"])
def test_a_one_row_big5_file_is_not_read_as_gb18030(text: str) -> None:
    assert roster_csv.decode(text.encode("cp950")) == (text, "cp950")


@pytest.mark.parametrize("text", ["姓名\r\n王伟\r\n", "姓名,工作单位\r\n许静,县总工会\r\n", "姓名,备注\r\n张强,√\r\n",
                                  "姓名,是否新任\r\n王伟,√\r\n李娜,×\r\n"])
def test_a_one_row_gbk_file_stays_gb18030(text: str) -> None:
    assert roster_csv.decode(text.encode("gbk")) == (text, "gb18030")


def test_bytes_no_reading_of_which_is_text_are_refused_not_read_as_gb18030(tmp_path: Path) -> None:
    rng = random.Random(3)
    data = bytes(rng.randrange(0x81, 0xFF) for _ in range(400))
    data.decode("gb18030")  # GB18030 "decodes" it without error
    path = tmp_path / "名单.csv"
    path.write_bytes(data)
    outcome = read_path(path, path.name)
    assert not outcome.items
    assert [e.code for e in outcome.errors] == ["FILE_UNRECOGNISED"]
    assert "编码" in outcome.errors[0].message


@pytest.mark.parametrize(("gb", "big5", "expected"), [
    (2.0, 0.0, "cp950"),  # Big5 clean, GB18030 a mess: Big5
    (math.inf, 0.1, "cp950"),
    (0.0, 0.05, "gb18030"),  # both clean: the mainland default
    (0.05, 0.0, "gb18030"),  # both clean, GB18030 a hair messier: still the default
    (0.4, math.inf, "gb18030"),  # not Big5: GB18030, as before, even with √ and × making it messy
    (0.35, 0.1, None),  # Big5 cleaner, not decisively: unsure
    (2.0, 0.5, None),  # Big5 decisively cleaner but no clean text either
    (math.inf, math.inf, None),  # no reading is text
])
def test_gb18030_or_big5_decision(gb: float, big5: float, expected: str | None) -> None:
    with mock.patch.object(roster_csv, "mess", lambda data, enc: gb if enc == "gb18030" else big5):
        assert roster_csv.legacy_encoding(b"\xb0\xa1") == expected


# --- edit distance --------------------------------------------------------------------------------


def reference_distance(a: str, b: str) -> int:
    """Levenshtein distance by the full table."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        table[i][0] = i
    for j in range(len(b) + 1):
        table[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return table[len(a)][len(b)]


# Roster-like characters (near misreads among them), full-width and Kangxi forms, and any text.
_CJK = st.sampled_from("王嘉禾木林本不李县局公司有限责任青川金穗粮油汕米业１２（）⼀⾦")
STRINGS = st.text(alphabet=_CJK | st.characters(), max_size=12)


@settings(max_examples=400)
@given(STRINGS, STRINGS, st.integers(min_value=0, max_value=4))
def test_edit_distance_agrees_with_the_reference(a: str, b: str, bound: int) -> None:
    d = reference_distance(a, b)
    assert vocab.edit_distance(a, b, bound) == (d if d <= bound else bound + 1)
    assert label_fuzzy.edit_distance(a, b) == d


def _reference_bounded(a: str, b: str, bound: int) -> int:
    return min(reference_distance(a, b), bound + 1)


VOCAB = vocab.Vocabulary.of([
    {"name": "李嘉禾", "unit": "县审计局", "enterprise": "青川县金穗粮油有限公司", "aliases": "青川县金穗米业有限公司"},
    {"name": "王嘉木", "unit": "县总工会", "enterprise": "青川县华美服饰有限公司", "aliases": None},
    {"name": "王嘉林", "unit": "县总工会", "enterprise": "青川县恒信机械制造有限公司", "aliases": None},
])
WRITTEN = st.text(alphabet=st.sampled_from("李王嘉禾木林本不县审计局总工会青川金穗粮油汕米业华美服饰有限公司"),
                  max_size=14)


@settings(max_examples=300)
@given(st.sampled_from(vocab.VOCAB_FIELDS), WRITTEN)
def test_vocabulary_decisions_are_the_reference_distances(key: str, written: str) -> None:
    got = vocab.match_value(key, written, VOCAB)
    with mock.patch.object(vocab, "edit_distance", _reference_bounded):
        assert got == vocab.match_value(key, written, VOCAB)


def test_a_traditional_header_maps_every_column(tmp_path: Path) -> None:
    """性別, 工作單位, 職務職級, 派駐企業, 聯繫電話 are the simplified labels: the Big5 roster's
    columns are all read, not only its names."""
    path = tmp_path / "名单.csv"
    path.write_bytes(CASES["big5"][0])
    outcome = read_path(path, path.name)
    assert not outcome.errors, outcome.errors
    first = outcome.items[0]
    assert first.get("unit") == "縣商務局" and first.get("enterprise") == "青川縣綠谷茶業有限公司"
    assert first.get("position") == "科員" and first.get("phone") == "13990812234"
    assert [it.get("gender") for it in outcome.items] == ["男", "男", "女"]
