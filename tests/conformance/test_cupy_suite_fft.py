"""CuPy's FFT tests ported to gpuad.numpy (values): tests/cupy_tests/fft_tests/test_fft.py's
TestFft, TestFftOrder, TestFft2, TestFftn, TestRfft, TestRfft2, TestRfftn, TestHfft,
TestFftfreq, TestRfftfreq and TestFftshift parameter tables, each transform over CuPy's dtypes
(its ``for_all_dtypes``; the real-input transforms without complex) on backend arrays and on
Tensors, compared with NumPy in dtype, shape, values and exception class
(tests/conformance/_cupy_suite.py) with CuPy's tolerances (rtol 1e-4, atol 1e-7 there; here
rtol 1e-4 and atol 1e-6 on values of order 10). CuPy's cuFFT plan, callback and cache tests
have no counterpart. Gradients of the transforms are checked in tests/test_fft.py and
tests/conformance/test_autograd_fft.py.

NumPy scales a float16 input by ``1/n`` computed in float16 (1/3 becomes 0.33325); gpuad
transforms the float32 values, so for float16 the reference is NumPy's transform of the
float32 values cast to the dtype NumPy gives.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.conformance._cupy_suite import ALL, NO_COMPLEX, A, R, V, case, run_case

RTOL, ATOL = 1e-4, 1e-6
_REAL_IN = {"rfft", "ihfft", "rfft2", "rfftn"}


def _fft(name):
    def row(xp, a, **kw):
        f = getattr(xp.fft, name)
        if xp is np and a.dtype == np.float16:
            return f(a.astype(np.float32), **kw).astype(f(a, **kw).dtype)
        return f(a, **kw)
    return row


def _fn_case(tag, name, shape, **kw):
    dtypes = NO_COMPLEX if name in _REAL_IN else ALL
    return case(f"{name}_{tag}", _fft(name), R(shape), dtypes=dtypes, rtol=RTOL, atol=ATOL,
                **kw)


def _with_order(name, order, axis):
    def row(xp, a):
        return _fft(name)(xp, xp.asfortranarray(a) if order == "F" else a, axis=axis)
    return row


_ONE_D = ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")
_N_D = ("fftn", "ifftn", "rfftn", "irfftn")
_TWO_D = ("fft2", "ifft2", "rfft2", "irfft2")

# TestFft2 / TestFftn / TestRfftn's tables, and a few edges (an empty axis, s with a zero)
_ND_PARAMS = [
    ((3, 4), None, None, None), ((3, 4), (1, None), None, None), ((3, 4), (1, 5), None, None),
    ((3, 4), None, (-2, -1), None), ((3, 4), None, (-1, -2), None), ((3, 4), None, (0,), None),
    ((3, 4), None, None, "ortho"), ((3, 4), None, None, "forward"),
    ((2, 3, 4), None, None, None), ((2, 3, 4), (1, 4, None), None, None),
    ((2, 3, 4), (1, 4, 10), None, None), ((2, 3, 4), None, (-3, -2, -1), None),
    ((2, 3, 4), None, (-1, -2, -3), None), ((2, 3, 4), None, (-1, -3), None),
    ((2, 3, 4), None, (0, 1), None), ((2, 3, 4), None, None, "ortho"),
    ((2, 3, 4), (2, 3), (0, 1, 2), "ortho"), ((2, 3, 4), (4, 3, 2), (2, 0, 1), "ortho"),
    ((2, 3, 4, 5), None, None, None), ((2, 3, 4), (2, 3), None, None),
    ((2, 3, 4), None, (0, 0), None), ((2, 3, 4), (3, 5), (1, 1), "forward"),
    ((0, 5), None, None, None), ((2, 3), (0, 3), None, None), ((2, 3), None, (2,), None),
    ((2, 3), None, (), None),  # (NumPy's rfftn and irfftn fail there with an IndexError)
]


def _rows():
    rows = []
    # TestFft (n, shape, norm), with hfft/ihfft/rfft/irfft on the same table
    for n, shape, norm in itertools.product([None, 0, 5, 10, 15], [(10,), (10, 10)],
                                            [None, "backward", "ortho", "forward"]):
        for name in _ONE_D:
            rows.append(_fn_case(f"{n}_{shape}_{norm}", name, shape, n=n, norm=norm))
    # TestFftOrder (C and F data, every axis)
    for shape, order, axis in itertools.product([(10, 10), (10, 5, 10)], "FC", [0, 1, -1]):
        for name in _ONE_D:
            dtypes = NO_COMPLEX if name in _REAL_IN else ALL
            rows.append(case(f"{name}_{shape}_{order}_{axis}", _with_order(name, order, axis),
                             R(shape), dtypes=dtypes, rtol=RTOL, atol=ATOL))
    for name in _ONE_D:
        rows.append(_fn_case("bad_axis", name, (3, 4), axis=2))
        rows.append(_fn_case("bad_norm", name, (4,), norm="backwards"))
        rows.append(case(f"{name}_0d", _fft(name), V(2.5), dtypes=[np.float64]))
    for i, (shape, s, axes, norm) in enumerate(_ND_PARAMS):
        for name in _N_D if axes != () else ("fftn", "ifftn"):
            rows.append(_fn_case(i, name, shape, s=s, axes=axes, norm=norm))
        if axes is None or len(axes) == 2:
            kw = {"s": s, "norm": norm} if axes is None else {"s": s, "axes": axes,
                                                                "norm": norm}
            for name in _TWO_D:
                rows.append(_fn_case(i, name, shape, **kw))
    # TestFftfreq, TestRfftfreq
    for n, d in itertools.product([1, 2, 10, 11], [1, 0.5, -2, 3]):
        rows.append(case(f"fftfreq_{n}_{d}", lambda xp, n=n, d=d: xp.fft.fftfreq(n, d),
                         dtypes=[np.float64]))
        rows.append(case(f"rfftfreq_{n}_{d}", lambda xp, n=n, d=d: xp.fft.rfftfreq(n, d),
                         dtypes=[np.float64]))
    rows.append(case("fftfreq_int_n", lambda xp, a: xp.fft.fftfreq(np.int64(4), 0.1), V(0),
                     dtypes=[np.float64]))
    # TestFftshift (not 0-d: NumPy's fails to unpack its empty shift there, gpuad's gives
    # the value back)
    for shape, axes in [((10,), None), ((10, 10), None), ((10, 10), 0), ((10, 10), (0, 1)),
                        ((10, 3, 4), (-1, 0)), ((0, 3), None), ((5, 4), (1, 1))]:
        rows.append(case(f"fftshift_{shape}_{axes}", "fft.fftshift", A(shape), axes=axes))
        rows.append(case(f"ifftshift_{shape}_{axes}", "fft.ifftshift", A(shape), axes=axes))
    return rows


CASES = _rows()
BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "duplicate row names"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_cupy_suite_row(backend, name):
    problems = run_case(BY_NAME[name])
    assert not problems, "\n".join(problems[:20])
