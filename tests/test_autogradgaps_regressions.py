"""Regressions found by porting HIPS autograd's tests (conformance/test_autograd_gaps.py)."""

from __future__ import annotations

import numpy as np

import gpuad.numpy as gnp


def test_numpy_version_is_numpys():
    # gnp.__version__ fell through to the module __getattr__, which raised "gpuad.numpy has no
    # differentiable '__version__' yet"; autograd.numpy gives NumPy's version string
    assert gnp.__version__ == np.__version__
    assert np.lib.NumpyVersion(gnp.__version__) >= "1.0.0"
