#!/usr/bin/env bash
# ruff and mypy over the project. mypy checks a staged copy of the package, because the
# design-card folders (ingest/, validate/, …) are installed under the `zhidao` namespace by
# setuptools' package-dir mapping, which mypy cannot follow in the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/zhidao"
cp -r zhidao/. "$stage/zhidao/"
for pkg in ingest validate reports pipeline fixtures; do
  mkdir -p "$stage/zhidao/$pkg" && cp -r "$pkg"/. "$stage/zhidao/$pkg/"
  find "$stage/zhidao/$pkg" -name demo -type d -prune -exec rm -rf {} +
done
(cd "$stage" && "$OLDPWD/.venv/bin/mypy" --config-file "$OLDPWD/pyproject.toml" -p zhidao)
