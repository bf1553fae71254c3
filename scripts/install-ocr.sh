#!/usr/bin/env bash
# OCR for scanned PDF pages: Tesseract with its Dutch model, from the system's packages.
# Installed when this runs as root on a Debian/Ubuntu system; otherwise one line says how to
# enable it. Never fails the install: without it, scanned pages are reported, not read.
set -uo pipefail
have() { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx nld; }
have && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Tesseract OCR with its Dutch model (tesseract-ocr, tesseract-ocr-nld)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-nld; } >/dev/null 2>&1
fi
have || echo "note: OCR of scanned PDF pages is off; to enable it: apt-get install tesseract-ocr tesseract-ocr-nld (or your system's Tesseract with the 'nld' model)"
exit 0
