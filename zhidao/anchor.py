"""The anchor of an issued packet: the ledger's chain head (county, event count, hash) at the
moment the run that issued it had committed everything it counted. It is printed on the
packet and kept in the audit bundle, so a ledger that no longer holds that head with an intact
chain up to it (truncated, wiped, rewritten) is caught by ``zhidao audit verify --anchor``.

The text form (packet.xlsx's ``zhidao_anchor`` property, packet.pdf's keywords, the bundle's
anchor.json) is one line::

    zhidao-anchor/1 county=青川县 seq=104 hash=<64 lowercase hex digits>

where the county has ``%`` and white space percent-encoded (an empty county is ``county=``).
The printed footer is ``台账锚点（青川县）第 104 条 · <hash>``; both parse back.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from zhidao.audit import GENESIS, EventRow, verify_chain
from zhidao.errors import BAD_OPTION, ConfigError

FORMAT = "zhidao-anchor/1"
PROPERTY = "zhidao_anchor"  # packet.xlsx's custom document property
_HEX = r"[0-9a-f]{64}"
_TEXT = re.compile(rf"zhidao-anchor/1 county=(\S*) seq=(\d+) hash=({_HEX})")
_FOOTER = re.compile(rf"台账锚点(?:（([^）]*)）)?\s*第\s*(\d+)\s*条\s*·\s*({_HEX})")
_SHORT = re.compile(rf"(\d+):({_HEX})")
_BARE = re.compile(_HEX)


@dataclass(frozen=True)
class Anchor:
    county: str
    seq: int | None  # None: only the hash is known (a bare hash given on the command line)
    hash: str

    def short(self) -> str:
        """For a page footer: 台账锚点 第 N 条 hash 前 16 位."""
        return f"{self.seq}:{self.hash[:16]}"

    def text(self) -> str:
        """The machine form (see the module docstring)."""
        county = re.sub(r"[%\s]", lambda m: urllib.parse.quote(m.group(0)), self.county)
        return f"{FORMAT} county={county} seq={self.seq if self.seq is not None else ''} hash={self.hash}"

    def footer(self) -> str:
        """The printed form, one line in a page footer."""
        where = f"（{self.county}）" if self.county else ""
        return f"台账锚点{where} 第 {self.seq} 条 · {self.hash}"

    def describe(self) -> str:
        where = f"{self.county}的" if self.county else ""
        seq = f"第 {self.seq} 条" if self.seq is not None else "某一条"
        return f"{where}台账锚点（事件日志{seq}，哈希 {self.hash[:16]}…）"


def find_anchors(text: str) -> list[Anchor]:
    """Every anchor written in ``text`` (text form or printed footer), in order, once each."""
    found = [Anchor(urllib.parse.unquote(m.group(1)), int(m.group(2)), m.group(3)) for m in _TEXT.finditer(text)]
    found += [Anchor(m.group(1) or "", int(m.group(2)), m.group(3)) for m in _FOOTER.finditer(text)]
    return list(dict.fromkeys(found))


def parse_anchor(text: str, county: str = "") -> Anchor:
    """An anchor typed on the command line: the text form, the printed footer, ``SEQ:HASH`` or
    the bare hash (``county`` is the one to use when the text names none)."""
    value = text.strip()
    found = find_anchors(value)
    if found:
        return found[0]
    if m := _SHORT.fullmatch(value.lower()):
        return Anchor(county, int(m.group(1)), m.group(2))
    if _BARE.fullmatch(value.lower()):
        return Anchor(county, None, value.lower())
    raise ConfigError(BAD_OPTION, f"无法识别的台账锚点：{text[:80]!r}",
                      remedy="--anchor 应为 packet.pdf、packet.xlsx、督查材料包（.zip）的路径，"
                             "或材料页脚印的 64 位哈希（可写成 序号:哈希）")


@dataclass(frozen=True)
class AnchorCheck:
    """Whether a county's event log still holds ``anchor`` with an intact chain up to it.
    ``problem``: None, ``wiped``, ``truncated``, ``broken`` (the chain before the anchor),
    ``rewritten`` (a consistent chain that is not the one anchored) or ``unknown`` (a bare hash
    no event carries)."""

    anchor: Anchor
    problem: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def message(self) -> str:
        if self.ok:
            return f"{self.anchor.describe()}与台账一致：该条及其之前的哈希链完整"
        return f"{self.anchor.describe()}核对不通过：{self.detail}"


def check_anchor(events: Sequence[EventRow], anchor: Anchor) -> AnchorCheck:
    """Pure: ``events`` are one county's chain (any order); the anchor holds when the event at
    its seq carries its hash and the chain up to there recomputes."""
    rows = sorted(events, key=lambda r: r.seq)
    seq = anchor.seq if anchor.seq is not None else next((r.seq for r in rows if r.hash == anchor.hash), None)
    if seq == 0:
        return AnchorCheck(anchor) if anchor.hash == GENESIS else AnchorCheck(
            anchor, "unknown", "第 0 条锚点的哈希应为 64 个 0")
    if not rows:
        return AnchorCheck(anchor, "wiped", "事件日志是空的（0 条）：台账已被清空")
    if seq is None:
        return AnchorCheck(anchor, "unknown", f"事件日志的 {len(rows)} 条中没有哈希为 {anchor.hash[:16]}… 的事件："
                                              "锚点所在的记录已被截断删除，或日志被改写并重新计算了哈希链")
    anchor = Anchor(anchor.county, seq, anchor.hash)
    last = rows[-1].seq
    if last < seq:
        return AnchorCheck(anchor, "truncated", f"事件日志只剩 {last} 条，锚点记载的是第 {seq} 条："
                                                f"日志末尾至少 {seq - last} 条已被删除")
    prefix = [r for r in rows if r.seq <= seq]
    chain = verify_chain(prefix)
    if not chain.ok:
        return AnchorCheck(anchor, "broken", f"锚点之前的事件日志已损坏：{chain.message()}")
    at = next((r for r in prefix if r.seq == seq), None)
    if at is None:
        return AnchorCheck(anchor, "broken", f"锚点所在的第 {seq} 条已被删除")
    if at.hash != anchor.hash:
        return AnchorCheck(anchor, "rewritten", f"事件日志第 {seq} 条的哈希是 {at.hash[:16]}…，不是锚点记载的 "
                                                f"{anchor.hash[:16]}…：第 {seq} 条及其之前的记录被改写过，"
                                                "哈希链是改写后重新计算的")
    return AnchorCheck(anchor)
