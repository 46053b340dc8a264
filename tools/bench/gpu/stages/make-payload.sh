#!/usr/bin/env bash
# Builds, on a machine with the workspace installed, what the product's stages need on a GPU host that has Python
# with torch, onnx, onnxruntime and cv2 but no node (the lent GPU machine); the layout tools/bench/eval/bare-host-setup.sh
# reads. The payload travels inside the working tree (64 MiB in all), so it holds only what the stages load:
#   PAYLOAD/node.xz      this machine's node binary, stripped, xz-compressed
#   PAYLOAD/nm.tar.xz    node_modules less the Nx, TypeScript, browser and chart tooling the stage scripts never import,
#                        and onnxruntime-node's binaries for other platforms
#   PAYLOAD/whl/         ultralytics, brevitas and the small packages the GPU host lacks (onnxoptimizer: Brevitas' QCDQ export needs it; pip download --no-deps, cp312)
# Usage: bash tools/bench/gpu/stages/make-payload.sh [PAYLOAD=.gpu-payload]
set -euo pipefail
payload=${1:-.gpu-payload}
rm -rf "$payload" && mkdir -p "$payload/whl"
strip -o "$payload/node" "$(command -v node)"
xz -T0 -9 -f "$payload/node"

# Left behind: packages only the Nx executor, the type checker, the summary's browser or the tests load.
exclude=(nx @nx typescript puppeteer puppeteer-core @puppeteer chromium-bidi devtools-protocol plotly.js-dist-min
  @babel caniuse-lite @types @napi-rs @emnapi vitest @vitest bare-fs bare-url bare-buffer regenerate-unicode-properties)
args=()
for name in "${exclude[@]}"; do args+=(--exclude="node_modules/$name"); done
ort=node_modules/onnxruntime-node/bin/napi-v6
for platform in darwin win32 linux/arm64; do args+=(--exclude="$ort/$platform"); done
tar -cf - "${args[@]}" node_modules | xz -T0 -9 > "$payload/nm.tar.xz"

# Pinned as requirements.lock pins them (an unpinned `dependencies` is a different package that breaks brevitas).
wheels=()
for name in ultralytics ultralytics-thop brevitas dependencies unfoldNd ultralytics-platform nvidia-ml-py onnxoptimizer; do
  wheels+=("$(grep -i -m1 "^$name==" requirements.lock)")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 -d "$payload/whl" "${wheels[@]}"
du -sh "$payload"/*
