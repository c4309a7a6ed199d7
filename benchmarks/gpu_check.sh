#!/usr/bin/env bash
# GPU checks of issue 27 item 3, for a machine with a CUDA GPU, this repository
# and its dependencies (torch with CUDA, skorch, scikit-learn) installed.
# Run from the repository root: bash benchmarks/gpu_check.sh
set -euo pipefail
export PYTHONPATH="$PWD"
python -c "import sklstm, torch; print(sklstm.__file__, torch.__version__, torch.cuda.is_available())"
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'PyTorch sees no CUDA GPU')"
nvidia-smi --query-gpu=name,memory.total --format=csv || true
python -m pytest -q -p no:cacheprovider -k cuda \
    tests/test_training.py tests/test_data.py tests/test_regressor.py \
    tests/test_export.py tests/test_search.py
python benchmarks/bench_gpu.py --repeats 3
