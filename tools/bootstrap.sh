#!/usr/bin/env bash
# Installs what the workspace needs on a fresh machine, and nothing twice:
#   - the npm packages (npm ci; onnxruntime-node's CUDA download and Puppeteer's browser download are off,
#     see .npmrc and .puppeteerrc.cjs),
#   - a system Chromium for rendering the loss charts (Debian/Ubuntu: apt-get, when run as root),
#   - the pinned Python environment .venv (requirements.lock; also built on demand by the first stage).
# Needs Node >= 20, npm and Python 3.11 (python3, or set PYTHON).
#
# Optional, only on a machine that can reach onnxruntime's download (not the npm registry):
#   bash tools/bootstrap.sh --onnxruntime-node-install[=cuda12]
# also runs onnxruntime-node's own installer for its CUDA execution provider libraries (cuda12 is the one flavour it
# offers on linux/x64), so that `--providers cuda` / providers: [cuda] in conf/eval.yaml use the GPU. They need CUDA 12
# and cuDNN 9 on the library path. Without this step the evaluator reports the provider as missing and says how.
set -euo pipefail
cd "$(dirname "$0")/.."

ort_install=""
for arg in "$@"; do
  case "$arg" in
    --onnxruntime-node-install) ort_install=cuda12 ;;
    --onnxruntime-node-install=cuda12) ort_install=cuda12 ;;
    *) echo "bootstrap: unknown argument '$arg'; the only option is --onnxruntime-node-install[=cuda12]" >&2; exit 2 ;;
  esac
done

need() { command -v "$1" >/dev/null 2>&1 || { echo "bootstrap: '$1' is required: $2" >&2; exit 1; }; }
need node "install Node.js 20 or newer"
need npm "install npm (it comes with Node.js)"
need "${PYTHON:-python3}" "install Python 3.11, or set PYTHON to its path"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ -n "$ort_install" ]; then
  # The installer's own flag variable wins over .npmrc's onnxruntime-node-install=skip; it downloads from onnxruntime's
  # NuGet feed into node_modules/onnxruntime-node/bin/napi-v6/<platform>/<arch>/.
  echo "bootstrap: installing onnxruntime-node's $ort_install execution provider libraries (onnxruntime-node/script/install.js)" >&2
  ONNXRUNTIME_NODE_INSTALL="$ort_install" node node_modules/onnxruntime-node/script/install.js
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
