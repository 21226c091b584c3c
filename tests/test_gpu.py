"""GPU-only checks of the CuPy backend: no host synchronisation, device-resident tape, fused
path versus differentiable path, zero-copy interop. Skipped where no CUDA device is usable."""

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

pytestmark = pytest.mark.gpu


@pytest.fixture
def cp():
    cupy = pytest.importorskip("cupy")
    with ad.use_backend("cupy"):
        yield cupy


def _mlp(cp, depth=4, width=256, batch=64, dtype="float32"):
    rng = cp.random.RandomState(0)
    ws = [ad.tensor((rng.standard_normal((width, width)) / np.sqrt(width)).astype(dtype),
                    requires_grad=True) for _ in range(depth)]
    x = ad.tensor(rng.standard_normal((batch, width)).astype(dtype))
    return ws, x


def _loss(ws, x):
    h = x
    for w in ws:
        h = gnp.tanh(h @ w)
    return gnp.sum(h * h)


@pytest.mark.standin
def test_forward_backward_never_synchronises(cp):
    import cupyx

    ws, x = _mlp(cp)
    _loss(ws, x).backward()  # compile kernels first
    for w in ws:
        w.grad = None
    with cupyx.allow_synchronize(False):
        loss = _loss(ws, x)
        loss.backward()
    assert all(isinstance(w.grad.data, cp.ndarray) for w in ws)


@pytest.mark.standin
def test_saved_values_live_on_the_device_and_are_released(cp):
    ws, x = _mlp(cp)
    tape = ad.make_tape(lambda *w: _loss(w, x), *[w.data for w in ws])
    assert tape.saved_bytes() > 0
    for n in tape.steps:
        for s in n.saved or ():
            if s is not None and hasattr(s[0], "shape"):
                assert isinstance(s[0], cp.ndarray)
    tape.output.backward()
    # every step that saved an array has freed it; a step that saved none (a sum saves only
    # Nones) keeps its list so that a second backward can pass it, as in PyTorch
    for n in tape.steps:
        assert n.saved is None or all(s is None for s in n.saved), n


@pytest.mark.device_memory
def test_backward_peak_memory_below_forward_plus_one_layer(cp):
    depth, width, batch = 16, 1024, 512
    ws, x = _mlp(cp, depth, width, batch)
    pool = cp.get_default_memory_pool()
    _loss(ws, x).backward()
    for w in ws:
        w.grad = None
    cp.cuda.Device().synchronize()
    pool.free_all_blocks()
    base = pool.used_bytes()
    loss = _loss(ws, x)
    cp.cuda.Device().synchronize()
    after_forward = pool.used_bytes()
    layer = batch * width * 4
    peak = after_forward
    # walk backward step by step to observe the pool between steps
    from gpuad.engine import run_backward

    def on_step(node, g):
        nonlocal peak
        peak = max(peak, pool.used_bytes())

    run_backward([loss], [cp.ones((), cp.float32)], on_step=on_step)
    grads = depth * width * width * 4
    assert peak - base <= (after_forward - base) + grads + 2 * layer, (peak, after_forward, base)


@pytest.mark.standin
@pytest.mark.parametrize("dtype, rtol", [("float32", 2e-4), ("float64", 1e-10)])
def test_gpu_matches_numpy_float64(cp, dtype, rtol):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((8, 8)) / 3
    x0 = rng.standard_normal((4, 8))

    def f(w, x):
        return gnp.sum(gnp.logaddexp(gnp.sin(x @ w), gnp.exp(-x @ w)) * x[0])

    with ad.use_backend("numpy"):
        ref = ad.grad(f)(w0, x0)
    got = ad.grad(f)(cp.asarray(w0.astype(dtype)), cp.asarray(x0.astype(dtype)))
    np.testing.assert_allclose(cp.asnumpy(got), ref, rtol=rtol, atol=rtol)


@pytest.mark.standin
def test_fused_first_order_equals_differentiable_path(cp):
    x = ad.tensor(cp.linspace(-2, 2, 1000), requires_grad=True)
    y = gnp.sum(gnp.tanh(gnp.sin(x) * x) * gnp.exp(-x * x))
    y.backward(retain_graph=True)
    fast = cp.asnumpy(x.grad.data)
    x.grad = None
    y.backward(create_graph=True)  # the same rules, run as recorded compositions
    slow = cp.asnumpy(x.grad.data)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-14)


@pytest.mark.standin
def test_deterministic_scatter_is_bitwise_reproducible(cp):
    idx = cp.asarray(np.random.default_rng(0).integers(0, 7, 5000))
    w = cp.asarray(np.random.default_rng(1).standard_normal((7, 3)).astype("float32"))
    ad.set_deterministic(True)
    try:
        g1 = ad.grad(lambda t: gnp.sum(t[idx] * 1.7))(w)
        g2 = ad.grad(lambda t: gnp.sum(t[idx] * 1.7))(w)
    finally:
        ad.set_deterministic(False)
    assert cp.asnumpy(g1).tobytes() == cp.asnumpy(g2).tobytes()


@pytest.mark.standin
def test_cross_entropy_and_embedding_use_numba_kernels(cp):
    from gpuad import nn

    logits = ad.tensor(cp.asarray(np.random.default_rng(0).standard_normal((6, 5))),
                       requires_grad=True)
    labels = cp.asarray([0, 4, 2, 2, 1, 3])
    nn.functional.cross_entropy(logits, labels).backward()
    lg = cp.asnumpy(logits.data)
    p = np.exp(lg - lg.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(6), cp.asnumpy(labels)] -= 1
    np.testing.assert_allclose(cp.asnumpy(logits.grad.data), p / 6, rtol=1e-10)


def test_interop_zero_copy(cp):
    a = cp.arange(4, dtype=cp.float32)
    t = ad.tensor(a)
    a[0] = 42
    assert float(t.data[0]) == 42  # same memory
    assert t.__cuda_array_interface__["data"][0] == a.data.ptr
    from numba import cuda

    nb = cuda.as_cuda_array(t)
    nb[1] = 7
    assert float(t.data[1]) == 7
    torch = pytest.importorskip("torch")
    tt = torch.arange(3, dtype=torch.float32, device="cuda")
    g = ad.tensor(tt)
    tt[2] = 9
    assert float(g.data[2]) == 9


@pytest.mark.device_memory
def test_out_of_memory_suggests_checkpoint(cp):
    big = ad.tensor(cp.ones(1 << 18, cp.float32), requires_grad=True)
    with pytest.raises(MemoryError, match="checkpoint"):
        gnp.outer(big, big)  # 256 GiB
    del big
    x = ad.tensor(cp.ones(3), requires_grad=True)
    gnp.sum(x * x).backward()
    np.testing.assert_allclose(cp.asnumpy(x.grad.data), 2 * np.ones(3))
