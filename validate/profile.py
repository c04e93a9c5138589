"""Rules profiles: the numbers and switches of the dispatch rules, in TOML, one per county."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from zhidao.context import Profile
from zhidao.errors import ConfigError
from zhidao.text import EDUCATION_LEVELS

DEFAULT_PROFILE = Path(__file__).with_name("profiles") / "default.toml"
RULES_INVALID = "RULES_INVALID"

# TOML [section] key → Profile field
_KEYS: dict[tuple[str, str], str] = {
    ("eligibility", "party_age_years"): "party_age_years",
    ("eligibility", "education_min"): "education_min",
    ("eligibility", "mid_level_keywords"): "mid_level_keywords",
    ("attendance", "days_min"): "days_min",
    ("attendance", "mid_month_dispatch"): "mid_month_dispatch",
    ("attendance", "conflict_forbidden"): "conflict_forbidden",
    ("attendance", "dispatch_start"): "dispatch_start",
    ("reporting", "report_deadline_day"): "report_deadline_day",
    ("reporting", "summary_deadline_days"): "summary_deadline_days",
    ("rules", "disabled"): "disabled",
    ("packet", "issuer"): "issuer",
    ("packet", "meeting"): "meeting",
}


def _bad(path: Path, why: str) -> ConfigError:
    return ConfigError(RULES_INVALID, f"规则配置有误：{why}", path, "请对照 validate/profiles/default.toml 修改")


def load_profile(path: Path | None = None) -> Profile:
    """Read a profile; a missing key keeps the seed scheme's value. Raises ConfigError."""
    path = path or DEFAULT_PROFILE
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, f"无法读取（{exc}）") from exc
    values: dict[str, Any] = {"name": str(data.get("name", path.stem)), "county": str(data.get("county", ""))}
    for section, table in data.items():
        if section in ("name", "county"):
            continue
        if not isinstance(table, dict):
            raise _bad(path, f"未知的设置 {section}")
        for key, value in table.items():
            field = _KEYS.get((section, key))
            if field is None:
                raise _bad(path, f"未知的设置 [{section}] {key}")
            values[field] = tuple(value) if isinstance(value, list) else value
    profile = dataclasses.replace(Profile(), **values)
    _check(profile, path)
    return profile


def _check(profile: Profile, path: Path) -> None:
    defaults = Profile()
    for field in dataclasses.fields(Profile):
        got, want = getattr(profile, field.name), getattr(defaults, field.name)
        if want is not None and got is not None and not isinstance(got, type(want)):
            raise _bad(path, f"{field.name} 应为 {type(want).__name__}，实际是 {got!r}")
    if profile.education_min not in EDUCATION_LEVELS:
        raise _bad(path, f"education_min 只能是 {'、'.join(EDUCATION_LEVELS)} 之一")
    if profile.mid_month_dispatch not in ("prorate", "skip"):
        raise _bad(path, "mid_month_dispatch 只能是 prorate 或 skip")
    if not 1 <= profile.report_deadline_day <= 28 or profile.days_min < 0:
        raise _bad(path, "report_deadline_day 应在 1–28 之间，days_min 不能为负")


def profile_to_text(profile: Profile) -> str:
    """The profile in force, as a person reads it (`zhidao rules show`)."""
    lines = [f"规则方案：{profile.name}",
             f"  党龄（派驻时）不少于 {profile.party_age_years} 年          ELIG_PARTY_AGE",
             f"  学历不低于 {profile.education_min}                     ELIG_EDUCATION",
             f"  中层以上职务关键词：{'、'.join(profile.mid_level_keywords)}   PREF_MID_LEVEL",
             f"  每月驻企不少于 {profile.days_min} 天                  DAYS_MIN",
             f"  月中派驻/撤回的月份：{'按比例' if profile.mid_month_dispatch == 'prorate' else '不考核'}",
             f"  同日驻两家企业：{'不允许' if profile.conflict_forbidden else '允许'}            CONFLICT",
             f"  上月记录于每月 {profile.report_deadline_day} 日前报送            REPORT_LATE",
             f"  半年总结于半年结束后 {profile.summary_deadline_days} 日内报送      SUMMARY_MISSING",
             f"  派驻开始：{profile.dispatch_start or '（名单未写明时为季度第一天）'}",
             f"  停用的规则：{'、'.join(profile.disabled) or '无'}",
             f"  发文单位：{profile.issuer or '（未设置，封面不印）'}",
             f"  会议名称：{profile.meeting or '（默认：县名＋期间＋非公企业党建工作指导员工作交流会）'}"]
    return "\n".join(lines)
