"""The label matcher: which canonical field a label written on a form stands for.

One table of synonyms (extend it here, nowhere else), used for Word, Excel, PDF and OCR
output alike. Besides the canonical record fields there are a few helper keys that forms
carry: ``month`` (月份), ``phone`` (联系电话), ``filler`` (填表人), ``seq`` (序号).
"""

from __future__ import annotations

import re
import unicodedata

RECORD_LABELS: dict[str, tuple[str, ...]] = {
    "instructor": ("指导员姓名", "指导员", "姓名"),
    "unit": ("派出单位", "工作单位", "单位"),
    "enterprise": ("派驻企业", "驻企单位", "企业名称", "联系企业", "指导企业"),
    "visit_date": ("驻企时间", "驻企日期", "日期", "时间"),
    "content": ("工作内容", "主要工作", "工作情况", "主要工作内容"),
    "duties": ("履行职责", "职责类别", "职责"),
    "problems": ("存在问题", "解决问题", "问题及建议", "存在问题及建议", "存在的问题"),
    "signed": ("企业负责人签字", "企业签字", "企业意见", "企业负责人签名", "企业负责人意见"),
    "report_date": ("报送日期", "填表日期", "报送时间"),
    "remarks": ("备注",),
    "month": ("月份", "所属月份"),
    "phone": ("联系电话", "电话", "手机"),
    "filler": ("填表人",),
    "seq": ("序号",),
    # other labels forms carry: never a record field, but they end the value before them
    "position": ("职务", "现任职务", "职务职级"),
    "other": ("性别", "政治面貌", "审核人", "负责人"),
}

ROSTER_LABELS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "指导员姓名", "指导员"),
    "gender": ("性别",),
    "birth": ("出生年月", "出生日期", "出生时间"),
    "unit": ("工作单位", "派出单位", "单位", "所在单位"),
    "position": ("职务", "现任职务", "职务职级", "职级"),
    "party_join": ("入党时间", "入党年月", "入党日期"),
    "education": ("学历", "文化程度", "最高学历", "学历学位"),
    "enterprise": ("派驻企业", "联系企业", "指导企业", "驻企单位", "企业名称"),
    "phone": ("联系电话", "手机", "电话", "手机号码"),
    "remarks": ("备注",),
    "dispatch_start": ("派驻时间", "派驻日期", "派驻开始时间", "选派时间"),
    "dispatch_end": ("派驻结束时间", "结束时间", "撤回时间", "调整时间"),
    "aliases": ("企业曾用名", "曾用名", "原企业名称", "企业别名"),
    "seq": ("序号",),
}

_STRIP = re.compile(r"[\s:：*＊]+")
_PAREN = re.compile(r"[（(][^）)]{0,8}[）)]$")


# The traditional forms of the characters the labels above are written with (a roster or form
# made in Taiwan, Hong Kong or with a traditional input method: 派駐企業, 聯繫電話, 性別).
_TRADITIONAL = str.maketrans({
    "駐": "驻", "業": "业", "聯": "联", "繫": "系", "電": "电", "話": "话", "別": "别", "單": "单", "職": "职",
    "務": "务", "級": "级", "黨": "党", "學": "学", "歷": "历", "導": "导", "員": "员", "稱": "称", "間": "间",
    "號": "号", "碼": "码", "選": "选", "結": "结", "調": "调", "開": "开", "註": "注", "備": "备", "內": "内",
    "簽": "签", "見": "见", "報": "报", "責": "责", "題": "题", "議": "议", "類": "类", "記": "记", "錄": "录",
    "負": "负", "時": "时", "況": "况", "審": "审", "齡": "龄", "專": "专", "機": "机",
})


def norm_label(text: str) -> str:
    """Fold width and traditional characters, drop white space, colons and a trailing short
    parenthesis ('签字（盖章）')."""
    t = _STRIP.sub("", unicodedata.normalize("NFKC", text)).translate(_TRADITIONAL)
    return _PAREN.sub("", t)


# Words whose last characters are a short label but which name something else: '填报时间：'
# is not '时间：'. (OCR runs a value into the next label, so a label after a CJK character is
# otherwise taken: '…有限公司月份：' is 月份.)
OTHER_WORDS = ("填报时间", "填报日期", "填报单位", "出生日期", "出生年月", "入党时间", "入党日期", "会议时间",
               "参加工作时间", "任职时间", "办公电话")


def _tail_of_other_word(text: str, start: int, label: str) -> bool:
    return any(word.endswith(label) and text[max(0, start - len(word) + len(label)) : start] == word[: -len(label)]
               for word in OTHER_WORDS if len(word) > len(label))


class LabelMatcher:
    """Map label text to a field key, exactly or by a synonym prefix ('存在问题及建议')."""

    def __init__(self, table: dict[str, tuple[str, ...]]) -> None:
        pairs = [(norm_label(s), key) for key, syns in table.items() for s in syns]
        self._exact = dict(pairs)
        self._by_length = sorted(pairs, key=lambda p: -len(p[0]))
        alternatives = "|".join(re.escape(s) for s, _ in self._by_length)
        # 'label：value' inside a line of text; the colon is what makes it a label
        self._inline = re.compile(rf"({alternatives})\s*[:：]")

    def match(self, text: str) -> str | None:
        t = norm_label(text)
        if not t:
            return None
        if t in self._exact:
            return self._exact[t]
        for syn, key in self._by_length:
            if len(syn) >= 2 and t.startswith(syn) and len(t) <= len(syn) + 4:
                return key
        return self._one_off(t)

    def _one_off(self, t: str) -> str | None:
        """A label of four or more characters with one of them misread ('敌行职责'), when that
        points to a single field."""
        if len(t) < 4:
            return None
        keys = {key for syn, key in self._by_length
                if len(syn) == len(t) and sum(a != b for a, b in zip(syn, t, strict=True)) == 1}
        return keys.pop() if len(keys) == 1 else None

    def split_inline(self, text: str) -> list[tuple[str, str, str]]:
        """'单位：县审计局　驻企时间：2026年3月26日' → [(unit, '单位', '县审计局'), (visit_date, …)]."""
        found = [m for m in self._inline.finditer(text) if not _tail_of_other_word(text, m.start(), m.group(1))]
        out: list[tuple[str, str, str]] = []
        for i, m in enumerate(found):
            end = found[i + 1].start() if i + 1 < len(found) else len(text)
            key = self._exact[norm_label(m.group(1))]
            out.append((key, m.group(1), text[m.end():end].strip()))
        return out


RECORD_MATCHER = LabelMatcher(RECORD_LABELS)
ROSTER_MATCHER = LabelMatcher(ROSTER_LABELS)
