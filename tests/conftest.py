"""Shared fixtures: the ``backend`` fixture runs a test once per usable backend.

``--cupy-standin`` (or GPUAD_CUPY_STANDIN=1) runs the CuPy half through the NumPy-backed stand-in
for CuPy in ``tests/cupy_standin``: CuPy code paths without a GPU. Tests marked ``gpu`` then still
skip unless they are also marked ``standin`` (they need no real device, memory or CUDA C).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

STANDIN_DIR = Path(__file__).resolve().parent / "cupy_standin"
# set in pytest_configure, before any test module is imported
CUDA_USABLE = False
STANDIN = False


def _cuda_usable() -> bool:
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def _use_standin() -> None:
    """Put the stand-in first on sys.path; it must be the first ``cupy`` imported."""
    real = sys.modules.get("cupy")
    if real is not None and not getattr(real, "STANDIN", False):
        raise RuntimeError("--cupy-standin: a real cupy was imported before the stand-in")
    sys.path.insert(0, str(STANDIN_DIR))
    os.environ["GPUAD_CUPY_STANDIN"] = "1"
    # subprocesses (the examples) import the stand-in too
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(STANDIN_DIR)] + ([path] if path else []))
    import cupy

    assert cupy.STANDIN, cupy.__file__


import numpy as np  # noqa: E402
import pytest  # noqa: E402

import gpuad as ad  # noqa: E402

ALL_BACKENDS = ("numpy", "cupy")


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        action="append",
        default=None,
        help="backend(s) to test: numpy, cupy (default: every usable one)",
    )
    parser.addoption(
        "--jit",
        action="store_true",
        default=False,
        help="op tests also check gpuad.jit: compiled values and gradients equal eager ones, "
        "on the traced arguments and on new ones (tests/op_harness.py); also GPUAD_TEST_JIT=1",
    )
    parser.addoption(
        "--cupy-standin",
        action="store_true",
        default=False,
        help="run the cupy backend on the NumPy-backed CuPy stand-in (no GPU needed); "
        "also GPUAD_CUPY_STANDIN=1",
    )


def pytest_configure(config):
    global CUDA_USABLE, STANDIN
    STANDIN = config.getoption("--cupy-standin") or os.environ.get("GPUAD_CUPY_STANDIN") == "1"
    if config.getoption("--jit"):
        os.environ["GPUAD_TEST_JIT"] = "1"
    # Numba kernels run under the CUDA simulator where no device is usable (always under the
    # stand-in); this must be set before numba.cuda is first imported.
    if STANDIN:
        os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
        _use_standin()
        # as in a program that uses both backends: NumPy arrays (user indices, constants) are
        # then recognised as the numpy backend's, and code that mixes them with CuPy arrays fails
        from gpuad.backends import load

        load("numpy")
    CUDA_USABLE = STANDIN or _cuda_usable()
    if not CUDA_USABLE:
        os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
    config.addinivalue_line(
        "markers", "standin: a gpu test that the CuPy stand-in can run as well")


def _selected(config) -> list[str]:
    chosen = config.getoption("--backend")
    if chosen:
        return [b for name in chosen for b in name.split(",")]
    return list(ALL_BACKENDS)


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", _selected(metafunc.config), indirect=True)


@pytest.fixture
def backend(request):
    name = request.param
    if name == "cupy" and not CUDA_USABLE:
        pytest.skip("cupy backend: no usable CUDA device (or cupy not installed)")
    with ad.use_backend(name):
        yield name


def _cupy_half(item) -> bool:
    """A test of the CuPy path: run on the cupy backend, or a gpu test the stand-in can run."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("backend") == "cupy":
        return True
    return bool(item.get_closest_marker("gpu"))


def pytest_collection_modifyitems(config, items):
    if config.getoption("--backend") == ["cupy"]:
        # the cupy half only (stand-in or GPU): tests on no backend in particular belong to
        # the numpy run
        keep = [item for item in items if _cupy_half(item)]
        config.hook.pytest_deselected(items=[item for item in items if not _cupy_half(item)])
        items[:] = keep
    if STANDIN:
        skip = pytest.mark.skip(
            reason="needs a real CUDA device: the CuPy stand-in runs no CUDA C kernels and has "
            "no device memory to measure")
        for item in items:
            if item.get_closest_marker("gpu") and (
                    not item.get_closest_marker("standin")
                    or item.get_closest_marker("device_memory")):
                item.add_marker(skip)
        return
    if CUDA_USABLE:
        return
    skip = pytest.mark.skip(reason="needs a usable CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def to_numpy(a):
    """Host copy of a backend array or Tensor."""
    if isinstance(a, ad.Tensor):
        return a.numpy()
    if hasattr(a, "get"):
        return a.get()
    return np.asarray(a)


def flushes_float32_subnormals(backend: str) -> bool:
    """Whether ``backend`` computes float32 subnormals as zero: CuPy on a GPU compiles every
    kernel, its own and gpuad's, with ``-ftz=true`` (cupy/cuda/compiler.py appends it), so a
    float32 subnormal operand reads as 0 and a subnormal result is flushed to 0. float64 keeps
    its subnormals. (The stand-in computes with NumPy, which keeps them.)"""
    return backend == "cupy" and CUDA_USABLE and not STANDIN
