#!/bin/sh
# Writes the demo reports with report-demo into a temporary directory and
# checks the HTML report in headless Chromium (report.mjs).  Exit 77
# (skip) without node or Chromium.
#   run.sh REPORT-DEMO [EXTRA-FINDINGS] [report.mjs options...]
set -u
demo=$1
shift
extra=0
if [ $# -gt 0 ]; then
	extra=$1
	shift
fi
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null 2>&1 || { echo "1..0 # SKIP node not installed"; exit 77; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "1..0 # SKIP chromium not installed"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/syncready-browser-XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
"$demo" "$dir" "$extra" || { echo "Bail out! report-demo failed"; exit 1; }
node "$here/report.mjs" "$dir/report.html" "$@"
