"""Shared fixtures: the ``backend`` fixture runs a test once per usable backend."""

from __future__ import annotations

import os


def _cuda_usable() -> bool:
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


CUDA_USABLE = _cuda_usable()
# Numba kernels run under the CUDA simulator where no device is usable; this must be set
# before numba.cuda is first imported.
if not CUDA_USABLE:
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

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


def pytest_collection_modifyitems(config, items):
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
