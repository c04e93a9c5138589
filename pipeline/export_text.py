"""The README.txt (in Chinese) of the audit bundle for the supervision bureau."""

from __future__ import annotations

from typing import Any

from zhidao.context import Quarter

_README = """{label}非公企业党建工作指导员工作记录 —— 督查材料包

本材料包由 zhidao 从台账数据库导出，依据第 {run_id} 次运行（开始于 {started}，完成于 {finished}）。

内容说明：
  manifest.json      清单：导出时间、依据的运行、本季度各次运行编号、事件日志的条数与末条哈希；
                     sources 为本季度收到的全部文件（sha256、大小、路径、介质、读取状态、收件日期）；
                     contents 为本包内每个文件的 sha256，可据此核对本包未被改动。
  records.jsonl      本季度各月的工作记录，每行一条：记录编号、来源文件 sha256、页码、各栏目的值，
                     values 为每个栏目的原文、识别可信度、页码和所在位置（哪个表格哪一格），
                     match 为该次运行中与名单的匹配结果（status 状态，counted 是否计入驻企天数），
                     corrections 为人工更正。
  findings.jsonl     该次运行的核查发现（规则、严重程度、指导员、企业、月份、日期、来源文件、说明）。
  corrections.jsonl  人工更正记录（更正人、时间、记录编号、栏目、原值、新值、原因）。
  packets.json       已印发的季度交流会材料（packet.xlsx / packet.pdf）的路径和 sha256。
  events.jsonl       台账的事件日志（只增不改的哈希链），截至导出之时。
  anchor.json        台账锚点：run 为该次运行印发材料时事件日志的条数（seq）与末条哈希（hash），
                     与 packet.pdf 页脚、packet.xlsx 文档属性中印的相同；exported 为导出之时的条数与末条哈希。
  gx/                Great Expectations 核查规则（suites.json）、核查结果（validation_results.json）
                     和数据文档（data_docs/index.html，用浏览器打开）。{gx_note}

如何核对事件日志：
  每条事件的 hash = sha256( prev_hash + "|" + seq + "|" + at + "|" + kind + "|" + payload )，
  按 UTF-8 编码计算，结果为 64 位十六进制小写；第 1 条的 prev_hash 为 64 个 0，之后每条的
  prev_hash 等于上一条的 hash。payload 为规范化 JSON（键排序、不转义中文、无空格）。
  任何一条被修改、删除或调换顺序，从该条起哈希链即对不上。也可用 zhidao audit verify --db 台账文件 校验。
  用锚点核对台账：zhidao audit verify --db 台账文件 --anchor 本材料包.zip（或 packet.pdf / packet.xlsx，
  或页脚印的哈希）。台账的事件日志若被截断、清空，或被人改写后重新计算了整条哈希链，锚点所记的那一条
  就对不上，核对不通过；加 --out 输出目录 还会重新计算已印发材料的 sha256，指出印发后被改动的文件。
  事件类型：file_received 收到文件，file_extracted 读取出工作记录（附记录与栏目值的摘要），
  run_started / run_finished 运行开始与完成（附核查发现与匹配结果的摘要），packet_issued 印发材料，
  value_corrected 人工更正，audit_exported 导出督查材料。

如何核对原始文件：
  对收到的原始文件计算 sha256，应与 manifest.json 中 sources 的 sha256 一致。
"""


def readme(quarter: Quarter, run: dict[str, Any], has_gx: bool) -> str:
    note = "" if has_gx else "\n                     （导出时没有找到该次运行的输出目录，本包不含 gx/）"
    return _README.format(label=quarter.label, run_id=run["run_id"], started=run["started"],
                          finished=run["finished"], gx_note=note)
