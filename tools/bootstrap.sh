#!/usr/bin/env bash
# Installs what the workspace needs on a fresh machine, and nothing twice:
#   - the npm packages (npm ci; onnxruntime-node's CUDA download and Puppeteer's browser download are off,
#     see .npmrc and .puppeteerrc.cjs),
#   - a system Chromium for rendering the loss charts (Debian/Ubuntu: apt-get, when run as root),
#   - the pinned Python environment .venv (requirements.lock; also built on demand by the first stage).
# Needs Node >= 20, npm and Python 3.11 (python3, or set PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "bootstrap: '$1' is required: $2" >&2; exit 1; }; }
need node "install Node.js 20 or newer"
need npm "install npm (it comes with Node.js)"
need "${PYTHON:-python3}" "install Python 3.11, or set PYTHON to its path"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The loss chart's own browser lookup (tools/find-chromium.ts); exit 3 means there is none anywhere.
chromium_status=0
chromium_error=$(node --import tsx tools/find-chromium.ts 2>&1 >/dev/null) || chromium_status=$?
if [ "$chromium_status" = 3 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "bootstrap: installing Debian's chromium for the loss charts" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
elif [ "$chromium_status" != 0 ]; then
  echo "bootstrap: $chromium_error" >&2
  exit 1
fi

node --import tsx -e "import('./libs/core/src/python-env.ts').then((m) => m.ensureVenv())"
