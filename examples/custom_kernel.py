"""A user-written Numba CUDA kernel made differentiable with ``gpuad.custom_op``.

The op is squareplus, a smooth ReLU: ``y = (x + sqrt(x^2 + b)) / 2``. Its forward and its
adjoint (``gx = g * (1 + x / sqrt(x^2 + b)) / 2``) are two ``@cuda.jit`` kernels. On a machine
without a GPU they run under Numba's CUDA simulator, so this example works everywhere.

Run: ``python examples/custom_kernel.py [--backend numpy|cupy] [--quick]``
"""

from __future__ import annotations

import argparse
import math
import os


def _cuda_device_usable() -> bool:
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


if not _cuda_device_usable():
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")  # before numba.cuda is imported

import numpy as np  # noqa: E402
from numba import cuda  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402

B = 4.0
THREADS = 128


@cuda.jit
def squareplus_fwd_kernel(x, y):
    i = cuda.grid(1)
    if i < x.size:
        y[i] = 0.5 * (x[i] + math.sqrt(x[i] * x[i] + B))


@cuda.jit
def squareplus_vjp_kernel(x, g, gx):
    i = cuda.grid(1)
    if i < x.size:
        gx[i] = 0.5 * g[i] * (1.0 + x[i] / math.sqrt(x[i] * x[i] + B))


def _launch(kernel, *arrays):
    """Run ``kernel`` over flat views of ``arrays``; the last one is the output."""
    shape = arrays[0].shape
    on_host = type(arrays[0]) is np.ndarray
    dev = [cuda.to_device(np.ascontiguousarray(a).ravel()) if on_host
           else cuda.as_cuda_array(a.ravel()) for a in arrays]
    n = dev[0].size
    blocks = max(1, (n + THREADS - 1) // THREADS)
    kernel[blocks, THREADS](*dev)
    out = dev[-1]
    return out.copy_to_host().reshape(shape) if on_host else arrays[-1]


def squareplus_forward(x):
    return _launch(squareplus_fwd_kernel, x, ad.get_backend().xp.empty_like(x))


def squareplus_vjp(saved, g):
    (x,) = saved["inputs"]
    g = ad.get_backend().xp.ascontiguousarray(ad.get_backend().xp.broadcast_to(g, x.shape))
    return (_launch(squareplus_vjp_kernel, x, g, ad.get_backend().xp.empty_like(x)),)


def squareplus_composite(x):
    """The same function in gpuad.numpy: used for second and higher derivatives."""
    return 0.5 * (x + gnp.sqrt(x * x + B))


squareplus = ad.custom_op(squareplus_forward, squareplus_vjp, save=("inputs",),
                          composite=squareplus_composite, name="squareplus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    ad.set_backend(args.backend)
    xp = ad.get_backend().xp
    n = 64 if args.quick else 4096
    x = ad.tensor(xp.linspace(-3.0, 3.0, n), requires_grad=True)

    y = squareplus(x)
    loss = gnp.sum(y * y)
    loss.backward()
    xs = np.linspace(-3.0, 3.0, n)
    ys = 0.5 * (xs + np.sqrt(xs * xs + B))
    want = 2 * ys * 0.5 * (1 + xs / np.sqrt(xs * xs + B))
    err = float(np.max(np.abs(x.grad.numpy() - want)))
    sim = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    print(f"backend: {ad.get_backend().name}; Numba kernels on the "
          f"{'CUDA simulator' if sim else 'GPU'}")
    print(ad.make_tape(lambda v: gnp.sum(squareplus(v) ** 2), x.numpy()[:4]))
    print(f"first-order gradient from the Numba adjoint kernel: max error {err:.2e}")
    h = ad.hessian(lambda v: gnp.sum(squareplus(v)))(np.array([-1.0, 0.0, 2.0]))
    exact = 0.5 * B / (np.array([-1.0, 0.0, 2.0]) ** 2 + B) ** 1.5
    print("second derivative through the composite:", np.round(np.diag(np.asarray(
        ad.tensor(h).numpy())), 6), "exact:", np.round(exact, 6))


if __name__ == "__main__":
    main()
