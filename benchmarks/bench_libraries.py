"""Libraries against the hand-written pieces they could replace (issue 15, item 5).

(a) Edit distance: rapidfuzz.distance.Levenshtein (with ``score_cutoff``) against the hand-written
    dynamic programme the project had in ingest/vocab.py (bounded) and ingest/label_fuzzy.py
    (unbounded), on a generated corpus of Chinese names, units and enterprises with random edits
    (substitution, insertion, deletion, transposition, full-width / Kangxi / compatibility forms
    that NFKC folds). Correctness (same distance, same within-bound decision) and speed as a
    ratio (hand-written ÷ rapidfuzz) in the same run; then the vocabulary's decisions end to end
    (``vocab.match_value`` on a generated county roster, the snapped enterprise then through
    ``validate.matching.match_enterprise``) with either implementation swapped in.
(b) CSV encodings: rosters written in what a Chinese office sends (UTF-8, UTF-8 with a BOM,
    GB18030, GBK, GB2312, Big5 as Windows writes it (cp950, traditional text), UTF-16 LE with a
    BOM as Excel's "Unicode text", tab-separated), short and long, decoded by the old
    ``ENCODINGS = ("utf-8-sig", "gb18030")`` loop, by ``charset_normalizer.from_bytes().best()``,
    by the hybrid (BOM / strict UTF-8 first, then charset-normalizer, then GB18030) and by the
    project's ``roster_csv.decode`` as it is now. A decoding is right only when it gives back the
    original text: GB18030 decodes almost any byte string without error.
(c) File names (ingest/inbox.py decodes a non-UTF-8 name as GB18030): the same comparison on
    names alone, for information.

Usage: python benchmarks/bench_libraries.py [--pairs 20000] [--seed 7] [--repeat 3]
"""

from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import io
import os
import platform
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import charset_normalizer
import rapidfuzz
from rapidfuzz.distance import OSA, Levenshtein

from zhidao.errors import InputError
from zhidao.ingest import label_fuzzy, roster_csv, vocab
from zhidao.text import clean_name
from zhidao.validate.matching import Assigned, match_enterprise

# --- the hand-written pieces, as they were (the "before") -------------------------------------


def dp_bounded(a: str, b: str, bound: int) -> int:
    """ingest/vocab.py's edit_distance before rapidfuzz, verbatim."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]


def dp(a: str, b: str) -> int:
    """ingest/label_fuzzy.py's edit_distance before rapidfuzz, verbatim."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def rf_bounded(a: str, b: str, bound: int) -> int:
    return int(Levenshtein.distance(a, b, score_cutoff=bound))


def decode_before(data: bytes) -> str:
    """roster_csv.decode before charset-normalizer: ENCODINGS = ("utf-8-sig", "gb18030")."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", data, 0, 1, "neither")


def decode_cn(data: bytes) -> str:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise UnicodeDecodeError("?", data, 0, 1, "charset-normalizer found nothing")
    return str(best)


def decode_hybrid(data: bytes) -> str:
    """Strict UTF-8 (BOM or not) and UTF-16 by its BOM first, then charset-normalizer, then GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else data.decode("gb18030")


def decode_now(data: bytes) -> str:
    """The project's roster_csv.decode as it is in this working tree."""
    return str(roster_csv.decode(data)[0])


# --- generated names -----------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志文海燕俊峰立红梅波辉鹏飞"
         "宇浩然晓东晨玉春雪琳婷倩欣怡子涵嘉禾木林")
COMPOUND = ("欧阳", "司马", "上官", "诸葛")
MINORITY = ("阿依古丽·买买提", "热依拉·艾力", "买买提·吐尔逊", "古丽娜尔·吾守尔")
GBK_ONLY = "喆堃玥珺昇"  # common in names, outside GB2312
GB18030_ONLY = "䶮㛃"  # CJK extension A, four bytes in GB18030, outside GBK
UNITS = ("县审计局", "县总工会", "县商务局", "县财政局", "县人社局", "县发改局", "县农业农村局", "县市场监管局",
         "县住建局", "县交通运输局", "县教育局", "县卫健委", "县统计局", "县税务局", "县科技局", "县文旅局",
         "县应急管理局", "县自然资源局", "县生态环境局", "县水利局", "县林业局", "县民政局", "县司法局", "县工信局",
         "县医保局", "团县委", "县妇联", "县工商联", "县委组织部", "县委宣传部", "东坝镇人民政府", "桃园乡人民政府")
CORES = ("恒信", "华美", "绿谷", "宏达", "兴农", "百川", "金穗", "鑫源", "天成", "瑞丰", "永盛", "嘉禾", "博远", "汇通",
         "鼎盛", "恒泰", "东升", "新华", "佳和", "富民", "金山", "银河", "龙腾", "凤翔", "长江", "青松", "蓝天", "红星")
TRADES = ("机械制造", "服饰", "茶业", "建材", "农业开发", "物流", "粮油", "食品", "酒业", "电子科技", "纺织", "药业",
          "建筑工程", "商贸", "运输", "化工", "印务", "家具", "养殖", "水泥")
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "厂")
COUNTY = "青川县"
POSITIONS = ("副局长", "科员", "办公室主任", "副科长", "股长", "四级主任科员", "一级科员", "副主席")
EDUCATION = ("大学本科", "在职研究生", "党校大专", "专科", "中专", "高中")
HEADER = ("序号", "姓名", "性别", "出生日期", "入党时间", "文化程度", "工作单位", "职务职级", "派驻企业", "联系电话",
          "备注")
TITLE = "青川县非公企业党建工作指导员名单"

# Traditional text, as a roster made on a Taiwanese or Hong Kong Excel holds it (written as cp950).
T_SURNAMES = ("王李張劉陳楊黃趙吳周徐孫馬朱胡郭何高林羅鄭梁謝宋唐許韓馮鄧曹彭曾蕭田董袁潘蔣蔡杜葉程蘇魏呂丁任沈"
              "姚盧姜崔鍾譚陸汪范金石廖賈夏韋方白鄒孟熊秦邱江尹薛段雷侯龍史陶黎賀顧毛郝龔邵萬錢嚴覃武戴莫孔向湯")
T_GIVEN = ("偉芳娜秀英敏靜麗強磊軍洋勇豔傑娟濤明超蘭霞平剛桂華建國志文海燕俊峰立紅梅波輝鵬飛"
           "宇浩然曉東晨玉春雪琳婷倩欣怡子涵嘉禾木林")
T_UNITS = ("縣審計局", "縣總工會", "縣商務局", "縣財政局", "縣人社局", "縣發改局", "縣農業農村局", "縣市場監管局",
           "縣住建局", "縣交通運輸局", "縣教育局", "縣衛健委", "縣統計局", "縣稅務局", "縣科技局", "縣文旅局",
           "縣民政局", "縣司法局")
T_CORES = ("恆信", "華美", "綠谷", "宏達", "興農", "百川", "金穗", "鑫源", "天成", "瑞豐", "永盛", "嘉禾", "博遠",
           "匯通", "鼎盛", "恆泰", "東昇", "新華", "佳和", "富民")
T_TRADES = ("機械製造", "服飾", "茶業", "建材", "農業開發", "物流", "糧油", "食品", "酒業", "電子科技", "紡織", "藥業",
            "建築工程", "商貿", "運輸", "化工", "印務", "傢俱", "養殖", "水泥")
T_SUFFIXES = ("有限公司", "有限責任公司", "股份有限公司", "集團有限公司", "廠")
T_COUNTY = "青川縣"
T_POSITIONS = ("副局長", "科員", "辦公室主任", "副科長", "股長", "一級科員", "副主席")
T_EDUCATION = ("大學本科", "在職研究生", "黨校大專", "專科", "中專", "高中")
T_HEADER = ("序號", "姓名", "性別", "出生日期", "入黨時間", "文化程度", "工作單位", "職務職級", "派駐企業", "聯繫電話",
            "備註")
T_TITLE = "青川縣非公企業黨建工作指導員名單"


def person(rng: random.Random, surnames: str = SURNAMES, given: str = GIVEN, extra: str = "") -> str:
    if rng.random() < 0.03 and surnames is SURNAMES:
        return rng.choice(MINORITY)
    head = rng.choice(COMPOUND) if rng.random() < 0.02 and surnames is SURNAMES else rng.choice(surnames)
    pool = given + extra
    return head + "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2, 2))))


def enterprise(rng: random.Random, county: str = COUNTY, cores: tuple[str, ...] = CORES,
               trades: tuple[str, ...] = TRADES, suffixes: tuple[str, ...] = SUFFIXES) -> str:
    name = (county if rng.random() < 0.8 else "") + rng.choice(cores) + rng.choice(trades) + rng.choice(suffixes)
    if rng.random() < 0.05 and county == COUNTY:  # digits and brackets, which forms write in either width
        name = rng.choice(("四川", "青川")) + rng.choice(cores) + rng.choice(("(集团)", "（青川）", "第1", "第2")) \
            + rng.choice(trades) + "有限公司"
    return name


# Forms that NFKC folds to the roster's character: full-width ASCII, Kangxi radicals and CJK
# compatibility ideographs (PDF text extraction and some input methods produce them).
def _folding_forms() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    ranges = [range(0xFF01, 0xFF5F), range(0x2F00, 0x2FD6), range(0xF900, 0xFADA), range(0x3000, 0x3001)]
    for block in ranges:
        for cp in block:
            ch = chr(cp)
            folded = unicodedata.normalize("NFKC", ch)
            if len(folded) == 1 and folded != ch:
                out.setdefault(folded, []).append(ch)
    return out


FOLDS = _folding_forms()
NEAR = "木林本禾不术未末沐汶文又叉义仪议油汕由曲典兴头买卖实宝室空工土士王玉主生牛午千干于" \
       "日曰目自白百首页贝见元无天夫失矢"


def edited(rng: random.Random, text: str, edits: int) -> tuple[str, list[str]]:
    """``text`` with ``edits`` random edits, and their kinds."""
    kinds: list[str] = []
    chars = list(text)
    for _ in range(edits):
        kind = rng.choice(("substitute", "insert", "delete", "transpose", "fold"))
        if kind in ("delete", "transpose") and len(chars) < 2:
            kind = "substitute"
        i = rng.randrange(len(chars)) if chars else 0
        if kind == "substitute" and chars:
            chars[i] = rng.choice(NEAR if rng.random() < 0.7 else GIVEN)
        elif kind == "insert" or not chars:
            chars.insert(i, rng.choice(NEAR))
            kind = "insert"
        elif kind == "delete":
            del chars[i]
        elif kind == "transpose":
            i = min(i, len(chars) - 2)
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            foldable = [k for k, c in enumerate(chars) if c in FOLDS]
            if not foldable:
                chars[i] = rng.choice(NEAR)
                kind = "substitute"
            else:
                k = rng.choice(foldable)
                chars[k] = rng.choice(FOLDS[chars[k]])
        kinds.append(kind)
    return "".join(chars), kinds


# --- (a) edit distance -------------------------------------------------------------------------------


@dataclass
class Pair:
    a: str
    b: str
    kinds: list[str]


def distance_corpus(rng: random.Random, n: int) -> list[Pair]:
    pairs: list[Pair] = []
    for k in range(n):
        kind = k % 3
        a = person(rng) if kind == 0 else rng.choice(UNITS) if kind == 1 else enterprise(rng)
        if rng.random() < 0.1:  # an unrelated value
            b = person(rng) if kind == 0 else enterprise(rng)
            pairs.append(Pair(a, b, ["unrelated"]))
            continue
        b, kinds = edited(rng, a, rng.choice((0, 1, 1, 1, 2, 2, 3)))
        pairs.append(Pair(a, b, kinds))
    return pairs


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_distance(pairs: list[Pair], repeat: int) -> dict[str, object]:
    bounds = (0, 1, 2, 3)
    checks = decision_same = value_same = exact_same = 0
    unbounded_same = 0
    for p in pairs:
        for a, b in ((p.a, p.b), (clean_name(p.a) or "", clean_name(p.b) or "")):
            unbounded_same += dp(a, b) == Levenshtein.distance(a, b)
            for bound in bounds:
                ours, lib = dp_bounded(a, b, bound), rf_bounded(a, b, bound)
                checks += 1
                decision_same += (ours <= bound) == (lib <= bound)
                value_same += min(ours, bound + 1) == min(lib, bound + 1)
                exact_same += ours == lib
    # The project's functions as they are now (rapidfuzz after adoption) against the old DP.
    now_same = sum(vocab.edit_distance(p.a, p.b, bd) == rf_bounded(p.a, p.b, bd)
                   and label_fuzzy.edit_distance(p.a, p.b) == dp(p.a, p.b) for p in pairs for bd in bounds)
    transposed = [p for p in pairs if p.kinds == ["transpose"] and p.a != p.b]
    folded = [p for p in pairs if p.kinds == ["fold"]]

    def run_ours() -> None:
        for p in pairs:
            for bound in bounds:
                dp_bounded(p.a, p.b, bound)

    def run_lib() -> None:
        for p in pairs:
            for bound in bounds:
                rf_bounded(p.a, p.b, bound)

    def run_dp() -> None:
        for p in pairs:
            dp(p.a, p.b)

    def run_lib_unbounded() -> None:
        for p in pairs:
            Levenshtein.distance(p.a, p.b)

    t_ours, t_lib = best_of(repeat, run_ours), best_of(repeat, run_lib)
    t_dp, t_lib_u = best_of(repeat, run_dp), best_of(repeat, run_lib_unbounded)
    return {
        "pairs": len(pairs), "checks": checks, "decision_same": decision_same, "value_same": value_same,
        "exact_same": exact_same, "unbounded_checks": 2 * len(pairs), "unbounded_same": unbounded_same,
        "now_checks": len(pairs) * len(bounds), "now_same": now_same,
        "transposed": len(transposed),
        "transposed_lev1": sum(Levenshtein.distance(p.a, p.b) <= 1 for p in transposed),
        "transposed_osa1": sum(OSA.distance(p.a, p.b) <= 1 for p in transposed),
        "folded": len(folded), "folded_raw0": sum(p.a == p.b for p in folded),
        "folded_clean0": sum(clean_name(p.a) == clean_name(p.b) for p in folded),
        "t_ours": t_ours, "t_lib": t_lib, "t_dp": t_dp, "t_lib_u": t_lib_u,
        "calls": len(pairs) * len(bounds),
    }


def county_roster(rng: random.Random,
                  instructors: int) -> tuple[list[dict[str, str | None]], dict[str, list[Assigned]]]:
    rows: list[dict[str, str | None]] = []
    assigned: dict[str, list[Assigned]] = {}
    names: set[str] = set()
    enterprises: set[str] = set()
    while len(names) < instructors:
        name = person(rng)
        if name in names:
            continue
        names.add(name)
        unit = rng.choice(UNITS)
        for _ in range(rng.choice((1, 1, 2))):
            ent = enterprise(rng)
            if ent in enterprises:
                continue
            enterprises.add(ent)
            alias = enterprise(rng) if rng.random() < 0.1 else None
            rows.append({"name": name, "unit": unit, "enterprise": ent, "aliases": alias})
            assigned.setdefault(name, []).append(Assigned.of(ent, alias))
    return rows, assigned


def written_forms(rng: random.Random, rows: list[dict[str, str | None]], n: int) -> list[tuple[str, str, str]]:
    """(field, written value, instructor) as forms and OCR give them: exact, shortened, misread."""
    out: list[tuple[str, str, str]] = []
    for _ in range(n):
        row = rng.choice(rows)
        instructor = row["name"] or ""
        key = rng.choice(("instructor", "unit", "enterprise"))
        value = (row["name"] if key == "instructor" else row["unit"] if key == "unit" else row["enterprise"]) or ""
        if key == "enterprise" and rng.random() < 0.3:
            value = value.replace(COUNTY, "", 1)
        if key == "enterprise" and rng.random() < 0.2:
            value = value.replace("有限责任公司", "有限公司").replace("股份有限公司", "公司")
        value, _ = edited(rng, value, rng.choice((0, 0, 1, 1, 1, 2)))
        out.append((key, value, instructor))
    return out


def bench_matching(rng: random.Random, repeat: int) -> dict[str, object]:
    rows, assigned = county_roster(rng, 400)
    vocabulary = vocab.Vocabulary.of(rows)
    queries = written_forms(rng, rows, 3000)
    project = vocab.edit_distance

    def decide(distance: Callable[[str, str, int], int]) -> list[tuple[object, ...]]:
        vocab.edit_distance = distance
        try:
            out: list[tuple[object, ...]] = []
            for key, written, instructor in queries:
                match = vocab.match_value(key, written, vocabulary)
                snapped = match.value if match.status in ("confirmed", "matched") and match.value else written
                final = match_enterprise(snapped, assigned.get(instructor, [])) if key == "enterprise" else None
                out.append((match.status, match.value, match.canonical, match.distance, final))
            return out
        finally:
            vocab.edit_distance = project

    before, after = decide(dp_bounded), decide(rf_bounded)
    t_before = best_of(repeat, lambda: decide(dp_bounded))
    t_after = best_of(repeat, lambda: decide(rf_bounded))
    statuses = Counter(s[0] for s in after)
    finals = Counter(str(s[4][1]) for s in after if s[4] is not None)  # type: ignore[index]
    return {"roster_rows": len(rows), "variants": sum(len(v) for v in vocabulary.variants.values()),
            "queries": len(queries), "same": sum(x == y for x, y in zip(before, after, strict=True)),
            "statuses": dict(statuses), "finals": dict(finals), "t_before": t_before, "t_after": t_after}


# --- (b) CSV encodings -----------------------------------------------------------------------------


@dataclass
class Roster:
    label: str
    size: str  # short | long
    text: str
    data: bytes


def _row(rng: random.Random, k: int, traditional: bool, extra: str) -> list[str]:
    if traditional:
        name = person(rng, T_SURNAMES, T_GIVEN)
        unit, ent = rng.choice(T_UNITS), enterprise(rng, T_COUNTY, T_CORES, T_TRADES, T_SUFFIXES)
        position, education, gender = rng.choice(T_POSITIONS), rng.choice(T_EDUCATION), rng.choice("男女")
    else:
        name = person(rng, extra=extra)
        unit, ent = rng.choice(UNITS), enterprise(rng)
        position, education, gender = rng.choice(POSITIONS), rng.choice(EDUCATION), rng.choice("男女")
    birth = f"{rng.randint(1965, 1995)}.{rng.randint(1, 12):02d}"
    joined = f"{rng.randint(1985, 2020)}年{rng.randint(1, 12)}月"
    phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    remark = rng.choice(("", "", "", "√", "×", "○", "新任", "（已调离）" if not traditional else "（已調離）", "——"))
    return [str(k), name, gender, birth, joined, education, unit, position, ent, phone, remark]


def roster_text(rng: random.Random, rows: int, traditional: bool, extra: str, delimiter: str, title: bool,
                columns: list[int] | None = None) -> str:
    """A roster's text; ``columns`` keeps only those columns (a tiny file: name, unit, enterprise)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    keep = columns or list(range(len(HEADER)))
    header = [(T_HEADER if traditional else HEADER)[c] for c in keep]
    if title:
        writer.writerow([T_TITLE if traditional else TITLE] + [""] * (len(header) - 1))
    writer.writerow(header)
    for k in range(1, rows + 1):
        row = _row(rng, k, traditional, extra)
        writer.writerow([row[c] for c in keep])
    return buf.getvalue()


# label → (codec written with, traditional text, extra given-name characters, delimiter)
ENCODED: dict[str, tuple[str, bool, str, str]] = {
    "UTF-8": ("utf-8", False, GBK_ONLY + GB18030_ONLY, ","),
    "UTF-8 BOM": ("utf-8-sig", False, GBK_ONLY + GB18030_ONLY, ","),
    "GB18030": ("gb18030", False, GBK_ONLY + GB18030_ONLY, ","),
    "GBK": ("gbk", False, GBK_ONLY, ","),
    "GB2312": ("gb2312", False, "", ","),
    "Big5 (cp950)": ("cp950", True, "", ","),
    "UTF-16 LE BOM, tab": ("utf-16-le", False, GBK_ONLY + GB18030_ONLY, "\t"),
}


SIZES = ("tiny", "short", "long")


# Not Chinese at all (a wrong file put in the roster's place): right is refusal or the right text.
OTHERS: tuple[tuple[str, str, str], ...] = (
    ("Shift_JIS", "shift_jis",
     "氏名,所属,派遣先\r\n山田太郎,総務課,株式会社さくら電機\r\n鈴木花子,経理課,青葉食品株式会社\r\n"),
    ("EUC-KR", "euc-kr", "성명,소속,파견기업\r\n김민수,총무과,한빛전자 주식회사\r\n이영희,재무과,푸른식품\r\n"),
    ("cp1252", "cp1252",
     "Name,Abteilung,Firma\r\nJürgen Müller,Büro,Bäckerei Größer GmbH\r\nRené Čapek,Kasse,Café Zürich\r\n"),
)


def csv_corpus(rng: random.Random, tiny: int, short: int, long: int) -> list[Roster]:
    """Per encoding: tiny files (the name column and up to two more, one row, no title), short ones (the whole
    header and one to three rows) and long ones (300 to 2,000 rows)."""
    out: list[Roster] = []
    for label, (codec, traditional, extra, delimiter) in ENCODED.items():
        for size, count, lines in (("tiny", tiny, (1,)), ("short", short, (1, 1, 2, 3)),
                                   ("long", long, (300, 800, 2000))):
            made = 0
            while made < count:
                columns = [1, *sorted(rng.sample([6, 8, 10], rng.choice((0, 1, 1, 2))))] if size == "tiny" else None
                text = roster_text(rng, rng.choice(lines), traditional, extra, delimiter,
                                   title=size == "long" or (size == "short" and rng.random() < 0.5), columns=columns)
                if codec == "gb2312":  # GB2312 has neither U+00B7 nor U+2014 (GB18030 reads its A1A4, A1AA so)
                    text = text.replace("·", "").replace("—", "")
                try:
                    data = text.encode(codec)
                except UnicodeEncodeError:
                    continue
                if codec == "utf-16-le":
                    data = codecs.BOM_UTF16_LE + data
                out.append(Roster(label, size, text, data))
                made += 1
    for label, codec, text in OTHERS:
        try:
            out.append(Roster(label, "short", text, text.encode(codec)))
        except UnicodeEncodeError:  # cp1252 has no Č
            out.append(Roster(label, "short", text.replace("Č", "C"), text.replace("Č", "C").encode(codec)))
    return out


def judge(decoder: Callable[[bytes], str], data: bytes, text: str) -> str:
    try:
        got = decoder(data)
    except (UnicodeDecodeError, InputError):
        return "refused"
    return "right" if got == text else "wrong"


DECODERS: dict[str, Callable[[bytes], str]] = {
    "before (utf-8-sig, gb18030)": decode_before,
    "charset-normalizer best()": decode_cn,
    "hybrid (BOM/UTF-8, cn, gb18030)": decode_hybrid,
    "roster_csv.decode now": decode_now,
}


def bench_csv(corpus: list[Roster]) -> tuple[dict[tuple[str, str, str], Counter[str]], dict[str, float],
                                             Counter[str]]:
    table: dict[tuple[str, str, str], Counter[str]] = {}
    seconds: dict[str, float] = {}
    for name, decoder in DECODERS.items():
        t = time.perf_counter()
        for r in corpus:
            table.setdefault((r.label, r.size, name), Counter())[judge(decoder, r.data, r.text)] += 1
        seconds[name] = time.perf_counter() - t
    guesses: Counter[str] = Counter()  # what charset-normalizer's best() said where it was wrong
    for r in corpus:
        if judge(decode_cn, r.data, r.text) == "wrong":
            best = charset_normalizer.from_bytes(r.data).best()
            guesses[f"{r.label} {r.size} → {best.encoding if best else None}"] += 1
    return table, seconds, guesses


# --- (c) file names ----------------------------------------------------------------------------------


def decode_name_before(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def decode_name_cn(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(raw).best()
    return str(best) if best is not None else raw.decode("utf-8", "replace")


def decode_name_guarded(raw: bytes) -> str:
    """As roster_csv.decode: UTF-8, else GB18030 or Big5 by roster_csv.legacy_encoding."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = roster_csv.legacy_encoding(raw)
    return raw.decode(encoding) if encoding else raw.decode("utf-8", "replace")


def bench_names(rng: random.Random, n: int) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for _ in range(n):
        month = rng.randint(1, 12)
        traditional = person(rng, T_SURNAMES, T_GIVEN)
        for label, codec, name in (("GBK", "gbk", f"{month}月份指导员工作记录 {person(rng)}.docx"),
                                   ("Big5", "cp950", f"{month}月份指導員工作記錄 {traditional}.docx")):
            raw = name.encode(codec)
            for which, decoder in (("before (inbox.decode_name)", decode_name_before),
                                   ("charset-normalizer best()", decode_name_cn),
                                   ("roster_csv.legacy_encoding", decode_name_guarded)):
                out.setdefault(f"{label} / {which}", Counter())["right" if decoder(raw) == name else "wrong"] += 1
    return out


# --- report ---------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, rapidfuzz {rapidfuzz.__version__}, "
            f"charset-normalizer {charset_normalizer.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--tiny", type=int, default=200, help="tiny CSV files per encoding")
    parser.add_argument("--short", type=int, default=100, help="short CSV files per encoding")
    parser.add_argument("--long", type=int, default=8, help="long CSV files per encoding")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--part", choices=("all", "distance", "csv", "names"), default="all")
    args = parser.parse_args()
    print(f"# {dt.date.today().isoformat()} — {machine()}\n")

    if args.part in ("all", "distance"):
        report_distance(random.Random(args.seed), args.pairs, args.repeat)
    if args.part in ("all", "csv"):
        report_csv(random.Random(args.seed + 1), args.tiny, args.short, args.long)
    if args.part in ("all", "names"):
        print("\n## (c) file names (right / wrong)\n")
        for key, c in bench_names(random.Random(args.seed + 2), 300).items():
            print(f"- {key}: {c['right']} / {c['wrong']}")


def report_distance(rng: random.Random, pairs: int, repeat: int) -> None:
    d = bench_distance(distance_corpus(rng, pairs), repeat)
    print("## (a) edit distance\n")
    print("| check | agree |\n|---|---|")
    print(f"| bounded, bound 0–3, raw and NFKC-folded: within-bound decision | {d['decision_same']}/{d['checks']} |")
    print(f"| bounded: value clipped at bound+1 | {d['value_same']}/{d['checks']} |")
    print(f"| bounded: value as returned | {d['exact_same']}/{d['checks']} |")
    print(f"| unbounded (label_fuzzy) | {d['unbounded_same']}/{d['unbounded_checks']} |")
    print(f"| project's functions now vs rapidfuzz / old DP | {d['now_same']}/{d['now_checks']} |")
    print(f"| one transposition within one edit: Levenshtein / OSA | {d['transposed_lev1']}/{d['transposed']} / "
          f"{d['transposed_osa1']}/{d['transposed']} |")
    print(f"| one full-width/Kangxi/compatibility form: equal raw / after clean_name | {d['folded_raw0']}/"
          f"{d['folded']} / {d['folded_clean0']}/{d['folded']} |")
    calls = float(d["calls"])  # type: ignore[arg-type]
    t_ours, t_lib, t_dp, t_lib_u = (float(d[k]) for k in ("t_ours", "t_lib", "t_dp", "t_lib_u"))  # type: ignore[arg-type]
    print(f"\nspeed, bounded: hand-written {t_ours / calls * 1e6:.2f} µs/call, rapidfuzz {t_lib / calls * 1e6:.2f} "
          f"µs/call: ratio {t_ours / t_lib:.1f}")
    print(f"speed, unbounded: hand-written {t_dp / d['pairs'] * 1e6:.2f} µs/call, rapidfuzz "  # type: ignore[operator]
          f"{t_lib_u / d['pairs'] * 1e6:.2f} µs/call: ratio {t_dp / t_lib_u:.1f}")  # type: ignore[operator]

    m = bench_matching(rng, repeat)
    print(f"\nvocabulary end to end: roster {m['roster_rows']} rows ({m['variants']} variants), {m['queries']} written "
          f"values: same decision {m['same']}/{m['queries']}; statuses {m['statuses']}; enterprise matching "
          f"{m['finals']}")
    print(f"time: hand-written {m['t_before']:.3f} s, rapidfuzz {m['t_after']:.3f} s: ratio "
          f"{float(m['t_before']) / float(m['t_after']):.1f}")  # type: ignore[arg-type]


def report_csv(rng: random.Random, tiny: int, short: int, long: int) -> None:
    corpus = csv_corpus(rng, tiny, short, long)
    table, seconds, guesses = bench_csv(corpus)
    names = list(DECODERS)
    print("\n## (b) CSV encodings (right / wrong, silently / refused)\n")
    print("| file | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    totals: dict[str, Counter[str]] = {n: Counter() for n in names}
    for label in [*ENCODED, *(o[0] for o in OTHERS)]:
        for size in SIZES:
            if (label, size, names[0]) not in table:
                continue
            cells = []
            for n in names:
                c = table[(label, size, n)]
                totals[n].update(c)
                cells.append(f"{c['right']} / {c['wrong']} / {c['refused']}")
            count = sum(table[(label, size, names[0])].values())
            print(f"| {label}, {size} ({count}) | " + " | ".join(cells) + " |")
    print("| **all** | " + " | ".join(f"**{totals[n]['right']} / {totals[n]['wrong']} / {totals[n]['refused']}**"
                                      for n in names) + " |")
    print("| time for all files (s) | " + " | ".join(f"{seconds[n]:.2f}" for n in names) + " |")
    print("\ncharset-normalizer best() where it was wrong: "
          + "; ".join(f"{k} ×{n}" for k, n in guesses.most_common()))


if __name__ == "__main__":
    main()
