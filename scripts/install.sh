#!/usr/bin/env bash
# Install everything zhidao needs on a fresh Debian/Ubuntu machine (run as root, or with sudo
# available): system packages with apt, a virtual environment in .venv, the package and its
# development tools. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# fonts-arphic-uming: the serif (Ming/Song style) TrueType CJK font the packet and the notice are
# set in, embedded by ReportLab; fonts-wqy-zenhei: the sans CJK font for headings and fixtures.
# libreoffice-*-nogui: headless LibreOffice, to read old .doc/.wps files and check packet.xlsx.
# tesseract-ocr(-chi-sim): the second OCR engine; fonts-arphic-ukai: a brush (Kai) font for the
# hand-filled test images; libgl1/libglib2.0-0: what OpenCV's wheel links against; chromium and
# chromium-driver: the web station's browser tests (Selenium is given /usr/bin/chromedriver);
# postgresql: the server the ledger tests also run on (scripts/postgres.sh sets it up).
APT_PACKAGES=(python3 python3-venv python3-pip fonts-arphic-uming fonts-wqy-zenhei libreoffice-writer-nogui libreoffice-calc-nogui
              tesseract-ocr tesseract-ocr-chi-sim fonts-arphic-ukai poppler-utils libgl1 libglib2.0-0 chromium chromium-driver
              postgresql)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# A Python that already has venv (pyenv, a distribution image) needs no Debian python packages.
if python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing=("${missing[@]/python3*/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# PostgreSQL on 127.0.0.1 with the tests' role and database (ZHIDAO_TEST_PG; prints the URL).
bash scripts/postgres.sh

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev]'
echo "zhidao installed in $(pwd)/.venv"
