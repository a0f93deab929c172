#!/usr/bin/env bash
# Browser (end-to-end) tests for Jiceng: ./run.sh
# Env: JICENG_BIN — the jiceng binary (default ../../target/debug/jiceng,
# relative to this folder). Screenshots go to target/browser/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# A relative JICENG_BIN is taken from the caller's directory; the default
# is relative to this script's folder.
bin="${JICENG_BIN:-$here/../../target/debug/jiceng}"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
bin_dir="$(cd "$(dirname "$bin")" 2>/dev/null && pwd)" || { echo "run.sh: no directory for JICENG_BIN=$bin" >&2; exit 1; }
bin="$bin_dir/$(basename "$bin")"
if [[ ! -x "$bin" ]]; then
  echo "run.sh: jiceng binary not found or not executable: $bin (build it with: cargo build -p jiceng)" >&2
  exit 1
fi
export JICENG_BIN="$bin"
cd "$here"

if [[ ! -x /usr/bin/chromium ]]; then
  echo "# installing chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends chromium chromium-driver; then
    apt-get update
    apt-get install -y --no-install-recommends chromium chromium-driver
  fi
fi

# A CJK font, so Chinese text is laid out (and screenshotted) as users see
# it rather than as empty boxes. Best effort: the tests don't depend on it.
if command -v fc-list >/dev/null && [[ -z "$(fc-list :lang=zh 2>/dev/null)" ]]; then
  echo "# installing a CJK font (fonts-wqy-zenhei)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    || echo "# warning: no CJK font; screenshots will show boxes for Chinese text" >&2
fi

if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund
fi

exec node e2e.mjs
