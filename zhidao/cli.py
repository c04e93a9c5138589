"""The thin click shell: build options, call the library, map errors to exit codes.

Heavy imports (pandas, python-docx, openpyxl) happen inside the commands, so `zhidao --help`
answers fast.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from zhidao import __version__
from zhidao.cli_params import DASK, db_option
from zhidao.cli_zh import example as _example  # also puts click's own messages in Chinese
from zhidao.errors import BAD_OPTION, ConfigError, InputError, InternalError, LedgerError, OutputError, ZhidaoError
from zhidao.ingest.engines import DEFAULT_ENGINE, ENGINES

F = TypeVar("F", bound=Callable[..., Any])


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 0  # findings are results, not failures
    USAGE = 2
    INPUT = 3
    CONFIG = 4
    LEDGER = 5
    OUTPUT = 6
    INTERRUPTED = 130
    INTERNAL = 70


_EXIT_CODES: tuple[tuple[type[ZhidaoError], ExitCode], ...] = (
    (ConfigError, ExitCode.CONFIG),
    (InputError, ExitCode.INPUT),
    (LedgerError, ExitCode.LEDGER),
    (OutputError, ExitCode.OUTPUT),
    (InternalError, ExitCode.INTERNAL),
)


def _crash_log() -> Path:
    """Where a command without an output folder logs an unexpected error."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "zhidao" / "zhidao.log"


def _log_crash(exc: BaseException) -> Path | None:
    import traceback

    path = _crash_log()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            when = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
            fh.write(f"--- {when} zhidao {' '.join(sys.argv[1:])}\n")
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return path


def handle_errors(func: F) -> F:
    """Map the library's errors to one Chinese line on stderr and an ExitCode; anything else is
    logged (never shown as a traceback) and exits with ExitCode.INTERNAL."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ZhidaoError as exc:
            click.echo(f"错误 {exc}", err=True)
            sys.exit(next((code for kind, code in _EXIT_CODES if isinstance(exc, kind)), ExitCode.INTERNAL))
        except click.ClickException:  # a usage error found inside a command: click prints it in Chinese, exit 2
            raise
        except KeyboardInterrupt:
            click.echo("已中断：本次运行未完成，原有输出保持不变。", err=True)
            sys.exit(ExitCode.INTERRUPTED)
        except Exception as exc:  # the last boundary of every command: no traceback on the clerk's screen
            where = _log_crash(exc)
            click.echo(f"错误 [INTERNAL] 程序内部错误（{type(exc).__name__}）。"
                       f"{f'详细信息见 {where}' if where else ''}；请把该文件发给维护人员", err=True)
            sys.exit(ExitCode.INTERNAL)

    return wrapper  # type: ignore[return-value]


def _boundary(jobs: int, file_timeout: float, file_memory: float, dask_local: str | None = None,
              dask_scheduler: str | None = None) -> Any:
    from zhidao.model import Boundary

    if dask_local and dask_scheduler:
        raise click.UsageError("--dask local 与 --dask-scheduler 二者选一")
    return Boundary(wall_seconds=file_timeout, memory_bytes=int(file_memory * (1 << 30)), jobs=jobs,
                    scheduler=dask_scheduler or dask_local)


_DATE_FORMS = "2026-10-10、2026/10/10、2026.10.10、2026年10月10日 或 20261010"


def _date(text: str | None, option: str) -> dt.date | None:
    """The one day an option names, in the usual written forms (zhidao.dates.read_date, sure days
    only); anything else is a BAD_OPTION error naming the option."""
    if text is None:
        return None
    from zhidao.dates import read_date

    read = read_date(text.strip())
    if read.iso is None or not read.sure:
        raise ConfigError(BAD_OPTION, f"{option} 的日期看不懂：{text!r}", remedy=f"请写成 {_DATE_FORMS}")
    return dt.date.fromisoformat(read.iso)



@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=_example(
    "zhidao demo                      # 用自带的示例季度试一遍",
    "zhidao run 收件箱 --roster 名单.xlsx --quarter 2026年第三季度 --out 输出",
    "zhidao run --help                # 查看某个命令的说明"))
@click.version_option(__version__, prog_name="zhidao")
def main() -> None:
    """zhidao：指导员工作记录的读取、核查和季度交流会材料。

    读取非公企业党建工作指导员交来的工作记录表（Word、Excel、PDF、扫描件），核查后生成季度交流会材料。
    """


_quarter_option = click.option("--quarter", required=True,
                               help="季度，如 2026Q3、2026年第三季度（半年 2026H2、2026年下半年，全年 2026、2026年）")
_ocr_option = click.option("--ocr-engine", type=click.Choice(list(ENGINES)), default=DEFAULT_ENGINE,
                           show_default=True, help="扫描件文字识别引擎")


def _fence_options(func: F) -> F:
    """--jobs, --file-timeout, --file-memory: the per-file failure boundary."""
    options = [
        click.option("--jobs", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default="CPU 核数",
                     help="并行读取文件的进程数"),
        click.option("--file-timeout", type=click.FloatRange(1, 86400), default=120.0, show_default=True,
                     help="每个文件最长读取时间（秒），超时即跳过该文件"),
        click.option("--file-memory", type=click.FloatRange(0.25, 64), default=2.0, show_default=True,
                     help="每个文件最多使用的内存（GB），超出即跳过该文件"),
        click.option("--dask", "dask_local", type=click.Choice(["local"]), default=None,
                     help="用 Dask 读取文件：local 在本机启动集群（--jobs 个工作进程）"),
        click.option("--dask-scheduler", "dask_scheduler", type=DASK, default=None,
                     help="用已有的 Dask 集群读取文件：调度器地址 tcp://主机:端口"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command(epilog=_example("zhidao extract 收件箱/张三.docx 收件箱/李四.pdf",
                              "zhidao extract 收件箱/* --format table"))
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True,
              help="输出格式：jsonl 每条记录一行 JSON；table 表格")
@_ocr_option
@_fence_options
@handle_errors
def extract(paths: tuple[str, ...], fmt: str, ocr_engine: str, jobs: int, file_timeout: float,
            file_memory: float, dask_local: str | None, dask_scheduler: str | None) -> None:
    """读取工作记录表，逐条打印记录。

    每条记录打印一行 JSON（读不了的文件打印一行错误）；不写台账。
    """
    from zhidao.model import ReadOptions
    from zhidao.pipeline.extract import extract as run_extract
    from zhidao.reports.jsonl import outcome_to_dicts, write_lines

    outcomes = run_extract(paths, ReadOptions(ocr_engine=ocr_engine), _boundary(jobs, file_timeout, file_memory,
                                                                                 dask_local, dask_scheduler))
    if fmt == "jsonl":
        for outcome in outcomes:
            write_lines(outcome_to_dicts(outcome), sys.stdout)
            sys.stdout.flush()
        return
    from zhidao.reports.table import outcomes_to_table

    click.echo(outcomes_to_table(list(outcomes)))


def _run_options(func: F) -> F:
    options = [
        click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
                     help="名单文件（附件1）"),
        click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
                     help="输出目录"),
        click.option("--received", default=None,
                     help="收件日期，如 2026-10-10 或 2026年10月10日（表内无报送日期时用）"),
        click.option("--as-of", "as_of", default=None, help="核查基准日，如 2026-10-10 或 2026年10月10日（默认今天）"),
        db_option(),
        click.option("--rules", "rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                     help="规则配置文件（TOML，默认为种子方案）"),
        click.option("--county", default=None,
                     help="台账中的县（区）名：多个县共用一个台账时区分数据（默认取规则配置）"),
        click.option("--reread", is_flag=True, default=False, help="重新识别所有文件，不沿用台账中已有的识别结果"),
        click.option("--issuer", default=None, help="发文单位，印在封面，如 中共青川县委组织部（默认取规则配置）"),
        click.option("--meeting", default=None,
                     help="会议名称，印在封面和页眉（默认：县名＋期间＋非公企业党建工作指导员工作交流会）"),
    ]
    for option in reversed(options):
        func = option(func)
    return _fence_options(func)


@main.command(epilog=_example(
    "zhidao run 收件箱 --roster 名单.xlsx --quarter 2026Q3 --out 输出/2026Q3",
    "zhidao run 收件箱 --roster 名单.xlsx --quarter 2026年第三季度 --as-of 2026年10月10日 --out 输出",
    "zhidao run 收件箱 --roster 名单.xlsx --month 2026年10月 --as-of 2026-11-06 --out 输出/10月通报"))
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--quarter", default=None,
              help="季度，如 2026Q3、2026年第三季度（半年 2026H2、2026年下半年，全年 2026、2026年）")
@click.option("--month", default=None, help="月度核查：月份，如 2026-10 或 2026年10月（生成月度通报，代替 --quarter）")
@_run_options
@_ocr_option
@handle_errors
def run(**options: Any) -> None:
    """处理收件箱目录，把本期的材料写入输出目录。

    读取 INBOX 中收到的全部文件，对照名单核查，记入台账，在 --out 目录生成交流会材料和核查结果；
    用 --month 时生成该月的月度通报（notice.xlsx、notice.pdf）。
    """
    _run_and_summarise(_run_context(options))


def _run_and_summarise(ctx: Any, demo: bool = False) -> None:
    """One whole run with progress on stderr, then its summary and closing lines on stdout."""
    from zhidao import console
    from zhidao.pipeline.run import run as run_pipeline

    progress = console.ProgressWriter(sys.stderr, sys.stderr.isatty())
    try:
        summary = run_pipeline(ctx, progress=progress)
    finally:
        progress.close()
    click.echo(summary.describe())
    click.echo(console.closing(summary, ctx, demo=demo))


def _period(quarter: str | None, month: str | None) -> Any:
    from zhidao.context import Quarter

    if (quarter is None) == (month is None):
        raise click.UsageError("请用 --quarter 指定季度（或半年、全年），或用 --month 指定月份，二者选一")
    return Quarter.parse(quarter) if quarter is not None else Quarter.parse_month(month or "")


def _profile(rules: Path | None, issuer: str | None, meeting: str | None) -> Any:
    """The rules profile, with the cover's issuing unit and meeting name from the options."""
    import dataclasses

    from zhidao.validate.profile import load_profile

    profile = load_profile(rules)
    if issuer is not None:
        profile = dataclasses.replace(profile, issuer=issuer.strip())
    if meeting is not None:
        profile = dataclasses.replace(profile, meeting=meeting.strip())
    return profile


def _today() -> dt.date:
    from zhidao.dates import today_in_china

    return today_in_china()


def _run_context(o: dict[str, Any]) -> Any:
    from zhidao.context import RunContext

    return RunContext(
        inbox=o["inbox"], roster=o["roster"], quarter=_period(o["quarter"], o["month"]), out=o["out"], db=o["db"],
        as_of=_date(o["as_of"], "--as-of") or _today(), received=_date(o["received"], "--received"),
        ocr_engine=o["ocr_engine"], boundary=_boundary(o["jobs"], o["file_timeout"], o["file_memory"],
                                                         o["dask_local"], o["dask_scheduler"]),
        profile=_profile(o["rules"], o["issuer"], o["meeting"]), county=o["county"], reread=o["reread"],
    )


DEMO_ISSUER = "中共青川县委组织部"


@main.command(epilog=_example("zhidao demo", "zhidao demo --out 输出/示例"))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/demo"),
              show_default=True, help="输出目录")
@db_option(None, "台账数据库：SQLite 文件（默认放在输出目录旁：OUT.db）或 postgresql://用户@主机/库名")
@handle_errors
def demo(out: Path, db: Path | None) -> None:
    """用自带的示例季度（青川县 2026Q3）完整运行一遍。"""
    from zhidao.context import Quarter, RunContext
    from zhidao.fixtures.demo import demo_paths

    paths = demo_paths()
    ctx = RunContext(
        inbox=paths.inbox, roster=paths.roster, quarter=Quarter.parse(paths.quarter), out=out,
        db=db or out.absolute().parent / f"{out.name}.db", as_of=paths.as_of, received=paths.received,
        boundary=_boundary(os.cpu_count() or 1, 120.0, 2.0),
        profile=_profile(None, DEMO_ISSUER, None),  # the demo county's (invented) issuing unit on the cover
    )
    _run_and_summarise(ctx, demo=True)


@main.command(epilog=_example("zhidao packet 收件箱 --roster 名单.xlsx --quarter 2026年三季度 --out 输出"))
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_quarter_option
@_run_options
@_ocr_option
@click.pass_context
def packet(click_ctx: click.Context, /, **options: Any) -> None:
    """生成季度交流会材料（packet.xlsx、packet.pdf）。

    与 zhidao run 相同：完整运行一遍。
    """
    click_ctx.invoke(run, **options)


@main.command(epilog=_example("zhidao halfyear 2026H2 收件箱 --roster 名单.xlsx --out 输出",
                              "zhidao halfyear 2026年下半年 收件箱 --roster 名单.xlsx --out 输出"))
@click.argument("half", metavar="HALF")
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_run_options
@_ocr_option
@click.pass_context
def halfyear(click_ctx: click.Context, /, half: str, **options: Any) -> None:
    """生成半年材料（HALF 如 2026H2、2026年下半年）。

    六个月的驻企情况、收到的总结，以及考核时参考的数字（不评等次）。
    """
    from zhidao.context import Quarter

    try:
        period = Quarter.parse(half)
    except ConfigError:
        period = None
    if period is None or period.kind != "H":
        raise click.BadParameter("请写成 2026H2 或 2026年下半年 这样的形式", param_hint="HALF")
    click_ctx.invoke(run, quarter=str(period), **options)


@main.group(epilog=_example("zhidao review export --out 核对表.xlsx", "zhidao review apply 核对表.xlsx --by 王芳"))
def review() -> None:
    """人工核对：导出待核对的值，填好后把更正记入台账。"""


_db_option = db_option()
_county_option = click.option("--county", default="", show_default=True,
                              help="台账中的县（区）名：与 zhidao run 的 --county 相同（默认为空）")


@review.command("export", epilog=_example("zhidao review export --out 核对表.xlsx",
                                           "zhidao review export --instructor 张三 --out 张三.xlsx"))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("review.xlsx"),
              show_default=True, help="核对表")
@click.option("--all", "every", is_flag=True, help="列出最近一次运行全部记录的全部栏目（不只是机器标记的）")
@click.option("--instructor", default=None, help="只列这名指导员的记录（全部栏目，机器标记的注明“待核对”）")
@click.option("--file", "file_name", default=None, help="只列这个文件的记录（文件名或其一部分；全部栏目）")
@_db_option
@_county_option
@handle_errors
def review_export(out: Path, every: bool, instructor: str | None, file_name: str | None, db: Path,
                  county: str) -> None:
    """写出核对表（review.xlsx）。

    每个待核对的值一行，附原件截图或所在位置。
    """
    from zhidao.pipeline.review import Scope, sheet_info, sheet_items
    from zhidao.reports.review_xlsx import FLAGGED, write_review_xlsx
    from zhidao.store import Ledger

    scope = Scope(every, instructor, file_name)
    with Ledger(db, county, create=False) as ledger:
        items = sheet_items(ledger, scope=scope)
        info = sheet_info(ledger, scope)
    write_review_xlsx(out, items, info)
    flagged = sum(1 for i in items if i.status == FLAGGED)
    if scope.whole_records:
        click.echo(f"核对表（{info.sheet_id}）共 {len(items)} 行，其中待核对 {flagged} 项：{out.resolve()}")
    else:
        click.echo(f"待核对 {len(items)} 项（核对表 {info.sheet_id}）：{out.resolve()}")


@review.command("apply", epilog=_example("zhidao review apply 核对表.xlsx --by 王芳"))
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "who", required=True, help="核对人姓名")
@_db_option
@_county_option
@handle_errors
def review_apply(sheet: Path, who: str, db: Path, county: str) -> None:
    """把填好的核对表中的更正和确认记入台账。

    要么全部记入，要么都不记；导出后已被核对过的行只报告，不重复记入。
    """
    from zhidao.ingest.review_sheet import read_review_sheet
    from zhidao.pipeline.review import apply_corrections, check_sheet
    from zhidao.reports.review_xlsx import HEADER
    from zhidao.store import Ledger

    filled = read_review_sheet(sheet, HEADER)
    with Ledger(db, county, create=False) as ledger:
        corrections, empty = check_sheet(filled, ledger.record_ids(), sheet)
        applied = apply_corrections(ledger, corrections, who, filled.sheet_id,
                                    filled.upto if filled.sheet_id else None, empty)
    click.echo(applied.message(who))


@main.group(epilog=_example("zhidao rules show", "zhidao rules show --rules 青川县.toml"))
def rules() -> None:
    """选派规则配置。"""


@rules.command("show", epilog=_example("zhidao rules show --rules 青川县.toml"))
@click.option("--rules", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="规则配置文件（TOML，默认为种子方案）")
@handle_errors
def rules_show(path: Path | None) -> None:
    """打印正在使用的规则配置。"""
    from zhidao.validate.profile import load_profile, profile_to_text

    click.echo(profile_to_text(load_profile(path)))


@main.group(epilog=_example("zhidao audit verify --anchor 输出/packet.pdf",
                            "zhidao audit export --quarter 2026Q3 --out 督查材料.zip"))
def audit() -> None:
    """留痕核验：核对台账的哈希链，导出给督查部门的材料包。"""


_ANCHOR_SUFFIXES = (".pdf", ".xlsx", ".zip")


@audit.command("verify", epilog=_example("zhidao audit verify",
                                          "zhidao audit verify --anchor 输出/packet.pdf --out 输出"))
@_db_option
@click.option("--county", default=None, help="台账中的县（区）名（默认取锚点所记的县，否则为空）")
@click.option("--anchor", "anchor_values", multiple=True, metavar="FILE|HASH",
              help="台账锚点：packet.pdf、packet.xlsx、督查材料包（.zip），或材料页脚印的哈希（可多次给出）")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="zhidao run 的输出目录：重新计算其中已印发材料的 sha256")
@handle_errors
def audit_verify(db: Path, county: str | None, anchor_values: tuple[str, ...], out: Path | None) -> None:
    """核验台账：哈希链、锚点和已印发的材料。

    重新计算事件记录的哈希链，用它核对台账各表，检查台账仍含每个锚点，并重新计算 --out 中已印发材料的哈希。
    """
    from zhidao.anchor import Anchor, parse_anchor
    from zhidao.ingest.anchors import read_anchors
    from zhidao.pipeline.audit_anchor import county_to_check, verdict_error, verify
    from zhidao.store import Ledger

    anchors: list[Anchor] = []
    for value in anchor_values:
        path = Path(value)
        if path.is_file() or path.suffix.lower() in _ANCHOR_SUFFIXES:
            anchors += read_anchors(path)
        else:
            anchors.append(parse_anchor(value, county or ""))
    with Ledger(db, county_to_check(county, anchors), create=False) as ledger:
        verdict = verify(ledger, anchors, out)
        if not verdict.ok:
            raise verdict_error(ledger, verdict)
    click.echo(verdict.message())


@audit.command("export", epilog=_example("zhidao audit export --quarter 2026Q3 --out 督查材料.zip"))
@click.option("--quarter", required=True, help="季度，如 2026Q3、2026年第三季度")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="导出的压缩包（.zip）")
@_db_option
@_county_option
@click.option("--run-dir", "run_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="该次运行的输出目录（默认取台账中记录的目录）")
@handle_errors
def audit_export(quarter: str, out: Path, db: Path, county: str, run_dir: Path | None) -> None:
    """导出本季度给督查部门的材料包（.zip）。"""
    from zhidao.context import Quarter
    from zhidao.pipeline.export import export_bundle
    from zhidao.store import Ledger

    with Ledger(db, county, create=False) as ledger:
        exported = export_bundle(ledger, Quarter.parse(quarter), out, run_dir)
    for warning in exported.warnings:
        click.echo(f"注意：{warning}", err=True)
    click.echo(exported.describe())


@main.command(epilog=_example("zhidao trace 张三 2026-08", "zhidao trace 张三 2026-08 --enterprise 青川 --format json"))
@click.argument("instructor")
@click.argument("month")
@_db_option
@_county_option
@click.option("--enterprise", default=None, help="只看这家企业（名称的一部分即可）")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 文字；json")
@handle_errors
def trace(instructor: str, month: str, db: Path, county: str, enterprise: str | None, fmt: str) -> None:
    """查看指导员某月（MONTH，如 2026-08）的驻企天数是怎么算出来的。"""
    import json

    from zhidao.pipeline.trace import trace as run_trace
    from zhidao.pipeline.trace import trace_to_text
    from zhidao.store import Ledger

    with Ledger(db, county, create=False) as ledger:
        result = run_trace(ledger, instructor, month, enterprise)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(trace_to_text(result))


def _add_web_commands() -> None:
    from zhidao.cli_web import serve, users

    main.add_command(serve)
    main.add_command(users)


_add_web_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
