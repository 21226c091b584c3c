"""Random complex programs (complex_fuzz.py) differentiated by gpuad, torch and JAX (float64).

For each seed a chain of 2-6 steps (arithmetic mixing real and complex values and Python
complex scalars, abs/angle/conj/real/imag, exp/log/sqrt/powers/trigonometric functions,
matmul/einsum, reductions, linalg solve/inv/det/slogdet/eigh/svd/qr/norm, fft/ifft/rfft/irfft,
view_as_real, where, indexing, casts) ends in a real loss of a complex parameter ``z`` and a real
one ``r``. gpuad follows torch's convention (docs/semantics.md, "Complex numbers"), so:

- ``grad``/``backward``: ``dL/dx + i dL/dy`` = torch's ``.grad`` = ``conj(jax.grad)``, and
  ``<grad, d>`` = the central difference of ``L`` along ``d`` (real and imaginary parts);
- ``vjp(g)`` = ``torch.autograd.grad(y, z, g)`` = ``conj(jax_vjp(conj(g)))``;
- ``jvp`` = ``jax.jvp`` (the directional derivative);
- ``jacfwd``/``jacrev``/``grad`` with ``holomorphic=True`` = JAX's (holomorphic programs);
- ``vmap(grad)`` = the loop over examples, ``jit(grad)`` = eager ``grad`` (also on arguments
  other than the traced ones), the second derivative = torch's double backward;
- a cast of complex values to a real dtype warns, as NumPy and torch do;
- complex parameters trained by ``gpuad.optim`` follow ``torch.optim`` (as ``view_as_real``).

A program gpuad refuses must raise an error listed in ``KNOWN`` (a documented limit). Where JAX
differs from torch on purpose (``complex_fuzz.JAX_DIFFERS``: the derivative of ``sign``), torch
and central differences are the reference.
``GPUAD_COMPLEX_FUZZ=2000`` runs more programs than the default.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import complex_fuzz as cf  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.optim as optim  # noqa: E402
from gpuad.linalg_rules import DegenerateError  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402

N = int(os.environ.get("GPUAD_COMPLEX_FUZZ", "24"))
N_HOLO = max(6, N // 4)
CHUNK = 8

# Documented differences: a step -> (the error gpuad raises for a complex state, why).
KNOWN: dict[str, tuple[type, str]] = {}  # none left: complex qr and pinv are differentiated


@pytest.fixture(scope="module")
def libs():
    x64 = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    yield cf.Libs(ad, gnp, jax, jnp, torch, to_numpy)
    jax.config.update("jax_enable_x64", x64)


def _known_refusal(prog, err):
    """Whether ``err`` is the documented refusal of a step the program contains (or a
    decomposition met a repeated eigen- or singular value: docs/semantics.md's table)."""
    if isinstance(err, DegenerateError):
        return True
    cplx = prog.start == "z"
    for s, _ in prog.steps:
        known = KNOWN.get(s.name)
        if known and cplx and isinstance(err, known[0]) and s.name.split("_")[0] in str(err):
            return True
        cplx = cf._complex_after_in(prog, s, cplx)
    return False


def _run(libs, seeds, holomorphic):
    failures, ran = [], 0
    for seed in seeds:
        prog = cf.draw_program(seed, holomorphic=holomorphic)
        try:
            if holomorphic:
                fails = cf.check_holomorphic(libs, prog)
            else:
                fails = cf.check_program(libs, prog, np.random.default_rng(seed),
                                         with_vmap=seed % 4 == 0)
        except cf.Skip:
            continue
        except Exception as err:  # noqa: BLE001 - gpuad's refusal must be a documented one
            if _known_refusal(prog, err):
                continue
            fails = [f"{type(err).__name__}: {str(err)[:300]}"]
        ran += 1
        if fails:
            failures.append(f"{prog}: {fails}")
    return failures, ran


@pytest.mark.parametrize("chunk", range((N + CHUNK - 1) // CHUNK))
def test_random_complex_programs(backend, libs, chunk):
    if backend != "numpy":
        pytest.skip("the NumPy backend is the reference; the fuzzer checks gpuad's rules")
    seeds = range(chunk * CHUNK, min(N, (chunk + 1) * CHUNK))
    failures, ran = _run(libs, seeds, holomorphic=False)
    assert not failures, "\n".join(failures)
    assert ran >= len(seeds) // 2, "most programs were skipped: the generator drifted"


def test_random_holomorphic_programs(backend, libs):
    if backend != "numpy":
        pytest.skip("the NumPy backend is the reference; the fuzzer checks gpuad's rules")
    failures, ran = _run(libs, range(10_000, 10_000 + N_HOLO), holomorphic=True)
    assert not failures, "\n".join(failures)
    assert ran >= N_HOLO // 2


def test_known_refusals_still_refuse(backend):
    """Each KNOWN entry is still a refusal (when gpuad gains the rule, move it to the fuzzer)."""
    z = np.array([[1.0 + 1j, 2.0], [0.5j, 3.0 - 1j]])
    for name, (err, _) in KNOWN.items():
        step = cf.STEP[name]
        with pytest.raises(err, match=name.split("_")[0]):
            ad.grad(lambda w: gnp.sum(gnp.abs(step.fn(cf._NumpyLike(gnp, "g"), w, {}, w))))(z)


# ---- complex parameters trained through random programs --------------------------------------

OPTIMIZERS = [
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.02, "amsgrad": True, "weight_decay": 0.05}),
    ("AdamW", {"lr": 0.02, "maximize": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.1}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.02}),
    ("RAdam", {"lr": 0.02}),
    ("Adamax", {"lr": 0.02}),
    ("Rprop", {"lr": 0.01}),
]


def _train(lib, prog, name, kw, steps=4):
    if lib == "g":
        z = ad.tensor(prog.z.copy(), requires_grad=True)
        r = ad.tensor(prog.r.copy(), requires_grad=True)
        opt, L = getattr(optim, name)([z, r], **kw), cf._NumpyLike(gnp, "g")
    else:
        z = torch.tensor(prog.z.copy(), requires_grad=True)
        r = torch.tensor(prog.r.copy(), requires_grad=True)
        opt, L = getattr(torch.optim, name)([z, r], **kw), cf._TorchLike(torch)
    f = prog.loss_fn(L)
    for _ in range(steps):
        opt.zero_grad()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f(z, r).backward()
        opt.step()
    if lib == "g":
        return to_numpy(z), to_numpy(r)
    return z.detach().numpy(), r.detach().numpy()


@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_optimizers_on_random_complex_programs(backend, name, kw):
    done = 0
    for seed in range(200, 260):
        prog = cf.draw_program(seed)
        if any(s.name in KNOWN or s.name in ("angle", "abs") for s, _ in prog.steps):
            continue  # no kinks or refusals: a few steps must stay in the smooth region
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss0 = float(prog.loss_fn(cf._TorchLike(torch))(torch.tensor(prog.z),
                                                             torch.tensor(prog.r)))
        if not np.isfinite(loss0) or abs(loss0) > 1e3:
            continue
        tz, tr = _train("t", prog, name, kw)
        gz, gr = _train("g", prog, name, kw)
        assert gz.dtype == tz.dtype and gr.dtype == tr.dtype, prog
        np.testing.assert_allclose(gz, tz, rtol=1e-7, atol=1e-9, err_msg=str(prog))
        np.testing.assert_allclose(gr, tr, rtol=1e-7, atol=1e-9, err_msg=str(prog))
        done += 1
        if done == 3:
            break
    assert done == 3
