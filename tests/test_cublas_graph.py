"""Matrix products inside CUDA graphs (gpuad.backends.cublas_graph): cuBLAS called directly,
so a compiled training step is one graph instead of graphs between its matmuls.

On the CuPy stand-in the library is a fake of the cuBLAS entry points (tests/cupy_standin/
cupy/_cublas_c.py) that follows cuBLAS's column-major contract over the stand-in's memory and
records its products in the capture log, so a launch replays them; on a GPU it is the real
libcublas (the tests that need the fake's internals skip there)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.backends import cublas_graph

pytestmark = [pytest.mark.gpu, pytest.mark.standin]


def _cupy():
    return ad.get_backend().xp


def _standin() -> bool:
    import cupy

    return bool(getattr(cupy, "STANDIN", False))


@pytest.fixture
def lib():
    """The cuBLAS the module uses: the stand-in's fake (returned) or the real libcublas (None);
    the module's state is fresh before and after."""
    fake = None
    if _standin():
        from cupy._cublas_c import FakeCublas

        fake = FakeCublas()
    cublas_graph.use_library(fake)
    try:
        yield fake
    finally:
        cublas_graph.use_library(None)


@pytest.fixture
def fake(lib):
    if lib is None:
        pytest.skip("needs the stand-in's fake cuBLAS")
    return lib


def _same(a, b):
    """Equal bit for bit on the stand-in (the fake multiplies the row-major views eager
    multiplies); within float32 round-off on a GPU (cuBLAS may pick another algorithm)."""
    a, b = to_numpy(a), to_numpy(b)
    if _standin():
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def _info(jitted):
    (entry,) = jitted.cache_info()["entries"]
    return entry


def _mlp_step(widths, dtype, opt_name="adam"):
    gnp.random.seed(0)
    m = nn.MLP(widths, activation="tanh", dtype=dtype)
    opt = (optim.Adam(m.parameters(), lr=0.01) if opt_name == "adam"
           else optim.SGD(m.parameters(), lr=0.05, momentum=0.9))

    def step(x, y):
        opt.zero_grad()
        loss = nn.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        return loss
    return m, step


def _run_pair(rng, widths=(6, 16, 8, 3), batch=10, dtype=np.float32, opt_name="adam",
              calls=6):
    m1, eager = _mlp_step(list(widths), dtype, opt_name)
    m2, step = _mlp_step(list(widths), dtype, opt_name)
    jitted = ad.jit(step)
    xp = _cupy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback, no disabled path
        for _ in range(calls):
            x = xp.asarray(rng.standard_normal((batch, widths[0])).astype(dtype))
            y = xp.asarray(rng.standard_normal((batch, widths[-1])).astype(dtype))
            _same(jitted(x, y), eager(x, y))
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        _same(p, q)
        _same(p.grad, q.grad)
    prog = jitted.lower(x, y)
    matmuls = sum(s.op == "matmul" for _, s in prog.live_steps())
    return jitted, matmuls


# ---- a training step is one graph -----------------------------------------------------------

@pytest.mark.parametrize("dtype,opt_name", [(np.float32, "adam"), (np.float64, "sgd")])
def test_mlp_training_step_is_one_graph(lib, rng, dtype, opt_name):
    """Forward and backward matmuls (the backward's through transposed views) are recorded in
    the graph: one graph, no step between graphs, results as eager's."""
    with ad.use_backend("cupy"):
        jitted, matmuls = _run_pair(rng, dtype=dtype, opt_name=opt_name)
        info = _info(jitted)
    assert matmuls >= 8
    assert info["graph"] == "captured" and info["captures"] == 1
    assert info["graphs"] == 1 and info["uncaptured"] == 0
    assert info["matmuls_in_graph"] == matmuls
    assert info["cublas_graph"] == "used"


@pytest.mark.parametrize("widths,batch", [((6, 1, 3), 1), ((1, 4, 1), 5)])
def test_one_wide_products_are_in_the_graph(lib, rng, widths, batch):
    """A batch of one row, a layer one unit wide, one input: m, n or k of 1, where cuBLAS
    still wants every leading dimension at least 1."""
    with ad.use_backend("cupy"):
        jitted, matmuls = _run_pair(rng, widths=widths, batch=batch, calls=5)
        info = _info(jitted)
    assert info["graphs"] == 1 and info["uncaptured"] == 0
    assert info["matmuls_in_graph"] == matmuls


def test_a_batched_matmul_is_in_the_graph(lib, rng):
    with ad.use_backend("cupy"):
        xp = _cupy()
        w = xp.asarray(rng.standard_normal((4, 6, 3)))

        def f(x, w):
            return gnp.sum(gnp.tanh(gnp.matmul(x, w)) ** 2)
        vg = ad.value_and_grad(f, argnums=(0, 1))
        jitted = ad.jit(vg)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(5):
                x = xp.asarray(rng.standard_normal((4, 5, 6)))
                (v1, g1), (v2, g2) = vg(x, w), jitted(x, w)
                _same(v1, v2)
                for a, b in zip(g1, g2, strict=True):
                    _same(a, b)
        info = _info(jitted)
    assert info["graphs"] == 1 and info["uncaptured"] == 0 and info["matmuls_in_graph"] >= 3


def test_empty_products_are_in_the_graph(lib, rng):
    """A product over an inner size of 0 is zeros, one with no rows is empty: no cuBLAS call
    (and no lda of 0 handed to it)."""
    with ad.use_backend("cupy"):
        xp = _cupy()
        b = xp.asarray(rng.standard_normal((0, 4)))

        def f(a, c):
            return gnp.sum(gnp.tanh(gnp.matmul(a, b) + 1.0)) + gnp.sum(gnp.matmul(c, a))
        jitted = ad.jit(f)
        for _ in range(4):
            a = xp.asarray(rng.standard_normal((3, 0)))
            c = xp.asarray(rng.standard_normal((0, 3)))
            _same(jitted(a, c), f(a, c))
        info = _info(jitted)
    assert info["graphs"] == 1 and info["uncaptured"] == 0


def test_a_new_weight_array_is_captured_again_in_one_graph(lib, rng):
    """A parameter given a new array captures again (no new check: the signatures are
    known), still one graph, reading the new array."""
    with ad.use_backend("cupy"):
        xp = _cupy()
        m1, eager = _mlp_step([6, 16, 3], np.float32)
        m2, step = _mlp_step([6, 16, 3], np.float32)
        jitted = ad.jit(step)
        for k in range(7):
            if k == 4:
                new = np.linspace(-1, 1, 6 * 16, dtype=np.float32).reshape(16, 6)
                m1[0].weight.data = xp.asarray(new)
                m2[0].weight.data = xp.asarray(new)
            x = xp.asarray(rng.standard_normal((5, 6)).astype(np.float32))
            y = xp.asarray(rng.standard_normal((5, 3)).astype(np.float32))
            _same(jitted(x, y), eager(x, y))
        for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
            _same(p, q)
        info = _info(jitted)
    assert info["recaptures"] == 1 and info["graphs"] == 1 and info["uncaptured"] == 0


def test_declined_products_stay_between_graphs(lib, rng):
    """A product the module declines (an operand with strides no leading dimension
    expresses) is left out of the graph as before, and computed by cupy.matmul there."""
    with ad.use_backend("cupy"):
        xp = _cupy()
        w = xp.asarray(rng.standard_normal((3, 4)))

        def f(x):
            return gnp.sum(gnp.tanh(gnp.matmul(x[::2, ::2], w)))
        jitted = ad.jit(f)
        for _ in range(4):
            x = xp.asarray(rng.standard_normal((10, 6)))
            _same(jitted(x), f(x))
        info = _info(jitted)
    assert info["uncaptured"] == 1 and info["matmuls_in_graph"] == 0


def test_the_checks_run_once_per_signature(lib, rng, monkeypatch):
    """A second program with the products of the first needs no thrown-away capture and no
    new check."""
    checked = []
    verify = cublas_graph._verify
    monkeypatch.setattr(cublas_graph, "_verify",
                        lambda *a: checked.append(a[2]) or verify(*a))
    with ad.use_backend("cupy"):
        jitted, matmuls = _run_pair(rng, calls=4)
        first = len(checked)
        again, _ = _run_pair(rng, calls=4)
    assert 0 < first <= matmuls and len(checked) == first
    assert _info(again)["graphs"] == 1 and _info(again)["matmuls_in_graph"] == matmuls


# ---- a wrong product never reaches a graph --------------------------------------------------

def _wrong_plan(a, b, array_type=None):
    call = _right_plan(a, b, array_type)
    if isinstance(call, str) or not call.launches:
        return call
    import dataclasses

    return dataclasses.replace(call, opy=1 - call.opy)  # a's transpose flag flipped


_right_plan = cublas_graph.plan


def test_a_wrong_mapping_is_caught_by_the_check(lib, rng, monkeypatch):
    """The check against cupy.matmul before first use finds a mapping that is wrong (here:
    the transpose flag of one operand flipped, on square matrices so that every size still
    fits): the path is turned off with one warning and the step runs as before, correct."""
    monkeypatch.setattr(cublas_graph, "plan", _wrong_plan)
    with ad.use_backend("cupy"):
        m1, eager = _mlp_step([8, 8, 8], np.float32)
        m2, step = _mlp_step([8, 8, 8], np.float32)
        jitted = ad.jit(step)
        xp = _cupy()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(5):
                x = xp.asarray(rng.standard_normal((8, 8)).astype(np.float32))
                y = xp.asarray(rng.standard_normal((8, 8)).astype(np.float32))
                _same(jitted(x, y), eager(x, y))
        info = _info(jitted)
    msgs = [str(w.message) for w in caught if "inside CUDA graphs" in str(w.message)]
    assert len(msgs) == 1 and "differs from cupy.matmul" in msgs[0]
    assert info["cublas_graph"].startswith("disabled: ")
    assert info["matmuls_in_graph"] == 0 and info["uncaptured"] > 0


def test_a_cublas_error_turns_the_path_off(fake, rng, monkeypatch):
    monkeypatch.setattr(fake, "cublasSgemm_v2", lambda *a: 13)  # EXECUTION_FAILED
    with ad.use_backend("cupy"):
        m1, eager = _mlp_step([6, 16, 3], np.float32)
        m2, step = _mlp_step([6, 16, 3], np.float32)
        jitted = ad.jit(step)
        xp = _cupy()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(4):
                x = xp.asarray(rng.standard_normal((5, 6)).astype(np.float32))
                y = xp.asarray(rng.standard_normal((5, 3)).astype(np.float32))
                _same(jitted(x, y), eager(x, y))
        info = _info(jitted)
    assert len([w for w in caught if "inside CUDA graphs" in str(w.message)]) == 1
    assert "CUBLAS_STATUS_EXECUTION_FAILED" in info["cublas_graph"]
    assert info["uncaptured"] == 5 and info["matmuls_in_graph"] == 0


def test_no_libcublas_keeps_todays_path(rng, monkeypatch):
    """Where libcublas cannot be loaded the products run between graphs, with one warning
    naming the reason."""
    if not _standin():
        pytest.skip("the stand-in has no libcublas to miss")
    import cupy

    monkeypatch.setattr(cupy, "_gpuad_no_cuda_c", False)  # as a real CuPy would say
    cublas_graph.use_library(None)
    try:
        with ad.use_backend("cupy"):
            with pytest.warns(RuntimeWarning, match="libcublas not found"):
                assert cublas_graph.matmul(cupy.ones((2, 2)), cupy.ones((2, 2))) is None
            assert cublas_graph.status().startswith("unavailable: libcublas not found")
    finally:
        cublas_graph.use_library(None)


# ---- the mapping against NumPy --------------------------------------------------------------

def _layouts(rng, dt):
    def r(*s):
        x = rng.standard_normal(s)
        if np.dtype(dt).kind == "c":
            x = x + 1j * rng.standard_normal(s)
        return _cupy().asarray(x.astype(dt))
    return [
        (r(3, 4), r(4, 5)),
        (r(4, 3).T, r(4, 5)),  # a transposed
        (r(3, 4), r(5, 4).T),  # b transposed
        (r(4, 3).T, r(5, 4).T),
        (r(3, 7)[:, 1:5], r(4, 9)[:, 2:7]),  # rows longer than the matrix (ld > columns)
        (r(7, 3)[1:5].T, r(9, 4)[2:7].T),  # columns longer than the matrix
        (r(2, 3, 4), r(2, 4, 5)),  # batched
        (r(2, 4, 3).mT, r(2, 5, 4).mT),  # batched, transposed
        (r(3, 4), r(2, 4, 5)),  # one matrix against a batch (batch stride 0)
        (r(2, 3, 3, 4), r(2, 3, 4, 5)),  # two batch dimensions
        (r(4, 3, 4)[::2], r(2, 4, 5)),  # batch stride past the matrix
        (r(4), r(4, 5)),  # vectors
        (r(3, 4), r(4)),
        (r(4), r(2, 4, 5)),
        (r(2, 3, 4), r(4)),
        (r(1, 3, 4), r(4, 5)),  # a batch of one
        (r(8)[::2], r(4, 5)),  # a strided vector
        (r(1, 4), r(4, 1)),  # 1-wide
        (r(3, 1), r(1, 5)),
        (r(1, 1), r(1, 1)),
        (r(4, 1).T, r(1, 4).T),
        (r(3, 0), r(0, 5)),  # inner size 0: zeros
        (r(0, 4), r(4, 5)),  # empty results
        (r(3, 4), r(4, 0)),
        (r(0, 3, 4), r(0, 4, 5)),
    ]


@pytest.mark.parametrize("dt", ["float32", "float64", "complex64", "complex128"])
def test_products_equal_numpys(lib, rng, dt):
    with ad.use_backend("cupy"):
        xp = _cupy()
        for a, b in _layouts(rng, dt):
            assert not isinstance(cublas_graph.plan(a, b, xp.ndarray), str), (a.shape, a.strides)
            got = cublas_graph.matmul(a, b)
            want = np.matmul(to_numpy(a), to_numpy(b))
            assert got.shape == want.shape and got.dtype == want.dtype
            assert got.flags.c_contiguous
            tol = 1e-5 if dt in ("float32", "complex64") else 1e-12
            np.testing.assert_allclose(to_numpy(got), want, rtol=tol, atol=tol,
                                       err_msg=f"{a.shape} {a.strides} @ {b.shape} {b.strides}")


def test_declined_products(lib, rng):
    """What the module does not take gives None (the caller's own path), with a reason."""
    with ad.use_backend("cupy"):
        xp = _cupy()
        f = xp.asarray(rng.standard_normal((6, 6)).astype(np.float32))
        cases = {
            "mixed dtypes": (f, f.astype(np.float64)),
            "dtype int64": (xp.ones((2, 2), np.int64), xp.ones((2, 2), np.int64)),
            "dtype float16": (f.astype(np.float16), f.astype(np.float16)),
            "strides no leading": (f[::2, ::2], f[:3]),
            "batch dimensions": (xp.ones((2, 1, 3, 3)), xp.ones((1, 2, 3, 3))),
            "0-d": (xp.ones(()), xp.ones(())),
        }
        for why, (a, b) in cases.items():
            reason = cublas_graph.plan(a, b, xp.ndarray)
            assert isinstance(reason, str) and why in reason, (why, reason)
            assert cublas_graph.matmul(a, b) is None
        assert isinstance(cublas_graph.plan(f[::-1], f, xp.ndarray), str)  # negative strides
        assert isinstance(cublas_graph.plan(to_numpy(f), f, xp.ndarray), str)  # host array


def test_fake_follows_the_column_major_contract(fake):
    """The fake itself against NumPy, by addresses: C = alpha op(A) op(B) + beta C in
    column-major order with leading dimensions, and cuBLAS's argument checks."""
    import ctypes

    import cupy

    rng = np.random.default_rng(1)
    a = cupy.asarray(rng.standard_normal((7, 5)))  # column-major 5 x 7 buffer, ld 5
    b = cupy.asarray(rng.standard_normal((6, 4)))
    c = cupy.asarray(rng.standard_normal((5, 6)))  # column-major 6 x 5, ld 6
    h = ctypes.c_void_p()
    assert fake.cublasCreate_v2(ctypes.addressof(h)) == 0
    alpha, beta = ctypes.c_double(2.0), ctypes.c_double(0.5)
    # op(A) = first 3 rows of A (3 x 4, lda 5), op(B) = B^T restricted (4 x 5 from a 6 x 4,
    # ldb 6 ... stored n x k with ldb >= n): C (3 x 5, ldc 6)
    A, B, C = (cupy.asnumpy(x).ravel() for x in (a, b, c))
    colmaj = lambda v, r, cc, ld: np.stack([v[j * ld:j * ld + r] for j in range(cc)], 1)
    opa = colmaj(A, 3, 4, 5)
    opb = colmaj(B, 5, 4, 6).T
    want = 2.0 * opa @ opb + 0.5 * colmaj(C, 3, 5, 6)
    st = fake.cublasDgemm_v2(h.value, 0, 1, 3, 5, 4, ctypes.addressof(alpha), a.data.ptr, 5,
                             b.data.ptr, 6, ctypes.addressof(beta), c.data.ptr, 6)
    assert st == 0
    got = cupy.asnumpy(c).ravel()
    np.testing.assert_allclose(colmaj(got, 3, 5, 6), want, rtol=1e-13)
    untouched = np.ones(30, bool)
    for j in range(5):
        untouched[j * 6:j * 6 + 3] = False
    np.testing.assert_array_equal(got[untouched], C[untouched])  # rows past m are not written
    # lda below the rows op(A) stores: CUBLAS_STATUS_INVALID_VALUE, nothing written
    assert fake.cublasDgemm_v2(h.value, 0, 1, 3, 5, 4, ctypes.addressof(alpha), a.data.ptr, 2,
                               b.data.ptr, 6, ctypes.addressof(beta), c.data.ptr, 6) == 7
    assert fake.cublasDgemm_v2(h.value, 0, 0, 0, 0, 0, ctypes.addressof(alpha), a.data.ptr, 0,
                               b.data.ptr, 1, ctypes.addressof(beta), c.data.ptr, 1) == 7
    # while a stream captures: a workspace must be set after the stream (setting the stream
    # drops it), and the product is recorded, run by the launch
    s = cupy.cuda.Stream(non_blocking=True)
    ws = cupy.empty(1024, np.uint8)
    assert fake.cublasSetWorkspace_v2(h.value, ws.data.ptr, 1024) == 0
    assert fake.cublasSetStream_v2(h.value, s.ptr) == 0
    s.begin_capture()
    try:
        assert fake.cublasDgemm_v2(h.value, 0, 1, 3, 5, 4, ctypes.addressof(alpha), a.data.ptr,
                                   5, b.data.ptr, 6, ctypes.addressof(beta), c.data.ptr, 6) == 3
        assert fake.cublasSetWorkspace_v2(h.value, ws.data.ptr, 1024) == 0
        assert fake.cublasDgemm_v2(h.value, 0, 1, 3, 5, 4, ctypes.addressof(alpha), a.data.ptr,
                                   5, b.data.ptr, 6, ctypes.addressof(beta), c.data.ptr, 6) == 0
    finally:
        graph = s.end_capture()
    np.testing.assert_array_equal(cupy.asnumpy(c).ravel(), got)  # capturing ran nothing
    graph.launch()
    np.testing.assert_allclose(colmaj(cupy.asnumpy(c).ravel(), 3, 5, 6),
                               2.0 * opa @ opb + 0.5 * colmaj(got, 3, 5, 6), rtol=1e-13)
    assert fake.cublasDestroy_v2(h.value) == 0


def test_products_in_the_graph_and_two_output_sets(lib, rng):
    """A program whose matmuls are recorded in its graph also hands its results out of two
    sets of output buffers (the workspace the products use is no block of the capture's
    order), and a result held across later calls keeps its values."""
    with ad.use_backend("cupy"):
        xp = _cupy()
        w = xp.asarray(rng.standard_normal((6, 3)))

        def f(x, w):
            return gnp.sum(gnp.tanh(gnp.matmul(x, w)) ** 2)
        vg = ad.value_and_grad(f, argnums=(0, 1))
        jitted = ad.jit(vg)
        kept = None
        for k in range(6):
            x = xp.asarray(rng.standard_normal((5, 6)))
            (v1, g1), (v2, g2) = vg(x, w), jitted(x, w)
            _same(v1, v2)
            for a, b in zip(g1, g2, strict=True):
                _same(a, b)
            if k == 2:
                kept, want = g2[1], to_numpy(g1[1]).copy()
        np.testing.assert_array_equal(to_numpy(kept), want)
        info = _info(jitted)
    assert info["graphs"] == 1 and info["uncaptured"] == 0
    assert info["matmuls_in_graph"] >= 2
    assert "double" not in info, info.get("double")
    assert info["output_sets"] >= 2 and info["outputs_handed"] > 0
