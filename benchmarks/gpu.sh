#!/usr/bin/env bash
# time_to_accuracy on a GPU: mixed precision and XLA off and on, images/s per setting.
#
# The project pins tensorflow-cpu; this builds a separate environment with the CUDA
# build of the same TensorFlow version beside the project's other pins, so nothing in
# .venv changes. Needs an NVIDIA driver; the CUDA libraries come from pip.
#
#     benchmarks/gpu.sh PATH_TO_IMAGE_FOLDER [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:?usage: benchmarks/gpu.sh PATH_TO_IMAGE_FOLDER [--quick]}
shift
export DO_NOT_TRACK=1 KEDRO_DISABLE_TELEMETRY=1 TF_CPP_MIN_LOG_LEVEL=2

if [ ! -x .venv-gpu/bin/python ]; then
  python3.11 -m venv .venv-gpu
  tf_version=$(grep -E '^tensorflow-cpu==' requirements.lock | cut -d= -f3)
  grep -vE '^(tensorflow-cpu|tensorflow-io-gcs-filesystem)==' requirements.lock \
    > .venv-gpu/requirements.txt
  .venv-gpu/bin/pip install -q -r .venv-gpu/requirements.txt \
    "tensorflow[and-cuda]==${tf_version}"
  .venv-gpu/bin/pip install -q --no-deps -e .
fi
.venv-gpu/bin/python -c \
  "import tensorflow as tf; assert tf.config.list_physical_devices('GPU'), 'no GPU visible'"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader

for flags in "" "--mixed-precision" "--xla" "--mixed-precision --xla"; do
  echo "=== ${flags:-fp32, no XLA}"
  # shellcheck disable=SC2086  # flags are meant to split
  .venv-gpu/bin/python benchmarks/time_to_accuracy.py --folder "$folder" $flags "$@" \
    2>&1 | grep -E '^(seed recipe|ours|time to|best validation)'
done
