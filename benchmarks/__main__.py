"""``python -m benchmarks``: see :mod:`benchmarks.run`.

``--threads N`` (before NumPy, PyTorch or JAX load their thread pools): every framework uses N
threads for its CPU work: BLAS/OpenMP pools, PyTorch's intra-op threads, gpuad's fused
kernels, and, for N = 1, XLA's CPU runtime.
"""

import os
import sys


def _pin_threads(argv: list[str]) -> None:
    n = None
    for k, a in enumerate(argv):
        if a == "--threads" and k + 1 < len(argv):
            n = argv[k + 1]
        elif a.startswith("--threads="):
            n = a.split("=", 1)[1]
    if n is None:
        return
    if not n.isdigit() or int(n) < 1:
        raise SystemExit(f"--threads: expected a positive integer, got {n!r}")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS", "GPUAD_FUSED_THREADS"):
        os.environ[var] = n
    if n == "1":
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1").strip()


_pin_threads(sys.argv[1:])

from benchmarks.run import main  # noqa: E402

raise SystemExit(main())
