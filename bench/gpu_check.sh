#!/usr/bin/env bash
# The prepared check of rnnlab on a CUDA GPU (issue 11), for the lent H200 machine: one call
# runs the suite on the GPU and then bench/gpu.py. DEVELOPERS.md ("On a GPU") says how.
#
#   bench/gpu_check.sh wheels   # HERE, once: the Python packages the GPU machine lacks -> .whl/
#   bench/gpu_check.sh          # THERE (device tool: carry [".whl"], timeout_s 600)
#   bench/gpu_check.sh quick    # there: the device-parametrised tests only, bench --quick
#
# The machine's Python 3.12 has torch (CUDA), numpy, scipy, matplotlib, typer, rich,
# safetensors, pyyaml, pytest, pytest-xdist, pytest-timeout and hypothesis, but not pydantic:
# its wheels (below, the versions of .venv) travel in .whl/ and install to /tmp/site. The
# web stack (fastapi, uvicorn) and gensim are not carried: tests/web, tests/browser and
# tests/hostile (HTTP) are left out, gensim's tests skip themselves. Everything the run
# writes goes to $OUT (the device tool brings back at most 8 files): pytest.log, gpu.md,
# gpu.json, env.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:-full}
WHEELS=(pydantic==2.14.4 pydantic-core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5
        typing-extensions==4.16.0)

if [ "$mode" = wheels ]; then
  exclude=$(git rev-parse --git-path info/exclude) && mkdir -p "$(dirname "$exclude")"
  grep -qsxF '/.whl/' "$exclude" || echo '/.whl/' >>"$exclude"  # never committed
  exec python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .whl "${WHEELS[@]}"
fi

OUT=${OUT:-/tmp/rnnlab-gpu-check}
mkdir -p "$OUT"
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
fi
export PYTHONPATH="/tmp/site:$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export RNNLAB_HOME=/tmp/rnnlab-home MAX_JOBS=8
# Before any CUDA work in any worker: the exact-resume tests run with train.deterministic,
# which sets this too, but only a process's first cuBLAS call reads it.
export CUBLAS_WORKSPACE_CONFIG=:4096:8

{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -c "import torch, rnnlab; print('torch', torch.__version__, 'cuda', torch.version.cuda,
    'cudnn', torch.backends.cudnn.version(), 'gpu', torch.cuda.get_device_name())"
} 2>&1 | tee "$OUT/env.txt"

# The compiled CPU recurrence is built once before the workers start (they would wait on its
# build lock otherwise).
python3 -c "from rnnlab.torch_engine.kernel import load_kernel; print('kernel', load_kernel())"

if [ "$mode" = quick ]; then
  tests=(tests/service/test_device.py tests/train/test_device_settings.py
         tests/train/test_probes.py tests/train/test_packing.py tests/train/test_engine_parity.py
         tests/train/test_kernel_choice.py tests/service/test_resume.py tests/torch_engine
         tests/cells tests/train/test_build_cells.py)  # the registry's cells on CUDA (#14)
  bench=(--quick)
else
  tests=(tests --ignore=tests/browser --ignore=tests/web --ignore=tests/hostile)
  bench=()
fi
# -n 8 keeps going past a test that kills its worker; -rfEs lists failures, errors, skips.
timeout 300 python3 -m pytest -q -n 8 -p no:cacheprovider --timeout=240 -rfEs \
  "${tests[@]}" 2>&1 | tee "$OUT/pytest.log" | tail -40
echo "pytest exit: ${PIPESTATUS[0]}" | tee -a "$OUT/pytest.log"

# gpu.md / gpu.json are written at the end; gpu.log keeps what was printed if time runs out.
(cd bench && timeout 200 python3 gpu.py ${bench[@]+"${bench[@]}"} --out "$OUT") 2>&1 | tee "$OUT/gpu.log" |
  tail -60
