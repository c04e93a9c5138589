"""click's own words in Chinese: usage lines, section headings, the help option, usage errors.

click looks its messages up with ``gettext.gettext``/``ngettext`` imported into each of its modules
(``from gettext import gettext as _``). ``install()`` replaces those names in click's modules by
lookups in the table below; a message not in the table stays as click wrote it. Only the standard
library and click are imported, so ``zhidao --help`` stays fast.
"""

from __future__ import annotations

import importlib

_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
            "click.types", "click.termui", "click.utils")

MESSAGES: dict[str, str] = {
    # help pages (metavars such as FILE and TEXT stay: click aligns the columns by characters, not width)
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "deprecated": "已停用",
    "Choice({choices})": "可选（{choices}）",
    # usage errors
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "查看帮助：{command} {option}",
    "No such option {name!r}.": "没有这个选项：{name!r}。",
    "No such command {name!r}.": "没有这个命令：{name!r}。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符不对（{option}）",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是“是/否”值。可用：{states}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "{name} {filename!r} is a file.": "{filename!r} 是文件，不是目录。",
    "{name} {filename!r} is a directory.": "{filename!r} 是目录，不是文件。",
    "{name} {filename!r} is not readable.": "{filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{filename!r} 无法写入。",
    "{name} {filename!r} is not executable.": "{filename!r} 无法执行。",
    "{name} {filename!r} does not exist.": "{filename!r} 不存在。",
    "Value must be an iterable.": "值必须是一组。",
    # prompts
    "Aborted!": "已取消。",
    "Repeat for confirmation": "再输入一次确认",
    "Error: The two entered values do not match.": "错误：两次输入的不一致。",
    "Error: invalid input": "错误：输入不对",
    "Do you want to continue?": "要继续吗？",
    "Confirm the action without prompting.": "不询问，直接确认。",
    "Press any key to continue...": "按任意键继续……",
}

# ngettext: (singular, plural) → Chinese (one form for both; click passes every field to both).
PLURALS: dict[tuple[str, str], str] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "多余的参数（{args}）",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "（是不是想写：{possibilities}？）",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "选项 {name!r} 需要 {nargs} 个值。",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "{value!r} 不是可选值（可选：{choices}）。",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "需要 {nargs} 个值，给出了 {len} 个。",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."): "需要 {len_type} 个值，给出了 {len_value} 个。",
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        "{value!r} 不符合格式 {formats}。",
}


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    zh = PLURALS.get((singular, plural))
    if zh is None:
        return singular if n == 1 else plural
    return zh


def example(*lines: str) -> str:
    """A command's epilog: its examples, kept as written (click's ``\\b`` paragraph)."""
    return "\b\n示例：\n" + "\n".join(f"  {line}" for line in lines)


def install() -> None:
    """Make click speak Chinese (idempotent)."""
    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


install()
