"""Result and gradient dtypes of gpuad's torch-style functions against torch's: every loss of
``gpuad.nn.functional`` and its Module with float32/float16 inputs and int64/int32/float64
targets, and the Tensor methods where an integer index or target meets a float tensor
(gather, scatter_add, index_add, embedding, bincount, ...). Where torch refuses a
combination (an int32 class index, a float64 target of ``huber_loss``), gpuad's own result
must still be a float of the input's dtype or NumPy's promotion of two floats, never a
float64 that only an integer brought in."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional

import gpuad as ad  # noqa: E402
import gpuad.nn as gnn  # noqa: E402
import gpuad.nn.functional as F  # noqa: E402

FLOATS = (np.float32, np.float16)
TARGETS = (np.int64, np.int32, np.float64, None)  # None: the input's own dtype


def _cls(rng, tdt, shape, c=3):
    return rng.integers(0, c, shape).astype(tdt)


def _pm1(rng, tdt, shape):
    return (rng.integers(0, 2, shape) * 2 - 1).astype(tdt)


def loss_cases(xdt, tdt):
    """name -> (function name, positional arrays, keyword arguments, differentiated positions)."""
    rng = np.random.default_rng(0)
    x43 = lambda: rng.standard_normal((4, 3)).astype(xdt)  # noqa: E731
    x4 = lambda: rng.standard_normal(4).astype(xdt)  # noqa: E731
    p4 = lambda: rng.uniform(0.1, 0.9, 4).astype(xdt)  # noqa: E731
    isint = np.dtype(tdt).kind == "i"
    c = {}
    if isint:
        c["nll_loss"] = ("nll_loss", [x43(), _cls(rng, tdt, 4)], {}, [0])
        c["cross_entropy"] = ("cross_entropy", [x43(), _cls(rng, tdt, 4)], {}, [0])
        c["cross_entropy/smoothing"] = ("cross_entropy", [x43(), _cls(rng, tdt, 4)],
                                        {"label_smoothing": 0.1}, [0])
        c["cross_entropy/ignored"] = ("cross_entropy", [x43(), np.array([0, -100, 2, 1], tdt)],
                                      {}, [0])
        c["multi_margin_loss"] = ("multi_margin_loss", [x43(), _cls(rng, tdt, 4)], {}, [0])
        c["multilabel_margin_loss"] = ("multilabel_margin_loss",
                                       [x43(), np.array([[0, 2, -1]] * 4, tdt)], {}, [0])
        t, n, k, s = 6, 2, 4, 3
        lp = np.log(rng.dirichlet(np.ones(k), (t, n))).astype(xdt)
        c["ctc_loss"] = ("ctc_loss", [lp, rng.integers(1, k, (n, s)).astype(tdt),
                                      np.full(n, t, tdt), np.full(n, s, tdt)], {}, [0])
    else:
        c["cross_entropy/probs"] = ("cross_entropy",
                                    [x43(), rng.dirichlet(np.ones(3), 4).astype(tdt)], {}, [0])
        for f in ("nll_loss", "cross_entropy", "multi_margin_loss"):
            c[f + "/weight"] = (f, [x43(), _cls(rng, np.int64, 4)],
                                {"weight": np.ones(3, tdt)}, [0])
    for f in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "poisson_nll_loss",
              "binary_cross_entropy_with_logits"):
        c[f] = (f, [x4(), rng.integers(0, 2, 4).astype(tdt)], {}, [0])
    c["kl_div"] = ("kl_div", [x4(), (p4() if not isint else rng.integers(0, 2, 4)).astype(tdt)],
                   {}, [0])
    c["binary_cross_entropy"] = ("binary_cross_entropy",
                                 [p4(), rng.integers(0, 2, 4).astype(tdt)], {}, [0])
    for w in ("weight", "pos_weight"):
        c["bce_with_logits/" + w] = ("binary_cross_entropy_with_logits",
                                     [x4(), rng.integers(0, 2, 4).astype(xdt)],
                                     {w: np.ones(4, tdt)}, [0])
    c["soft_margin_loss"] = ("soft_margin_loss", [x4(), _pm1(rng, tdt, 4)], {}, [0])
    c["hinge_embedding_loss"] = ("hinge_embedding_loss", [x4(), _pm1(rng, tdt, 4)], {}, [0])
    c["margin_ranking_loss"] = ("margin_ranking_loss", [x4(), x4(), _pm1(rng, tdt, 4)], {},
                                [0, 1])
    c["cosine_embedding_loss"] = ("cosine_embedding_loss", [x43(), x43(), _pm1(rng, tdt, 4)],
                                  {}, [0, 1])
    c["multilabel_soft_margin_loss"] = ("multilabel_soft_margin_loss",
                                        [x43(), rng.integers(0, 2, (4, 3)).astype(tdt)], {}, [0])
    c["gaussian_nll_loss"] = ("gaussian_nll_loss", [x4(), rng.integers(0, 3, 4).astype(tdt),
                                                    p4()], {}, [0, 2])
    c["gaussian_nll_loss/var"] = ("gaussian_nll_loss", [x4(), x4(), p4().astype(tdt)], {}, [0])
    c["triplet_margin_loss"] = ("triplet_margin_loss", [x43(), x43(), x43().astype(tdt)], {},
                                [0, 1])
    return c


def _torch_dtypes(fn, args, kw, diff):
    ta = [torch.tensor(a, requires_grad=i in diff) for i, a in enumerate(args)]
    out = fn(*ta, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                     for k, v in kw.items()})
    out.sum().backward()
    return str(out.dtype)[6:], [str(ta[i].grad.dtype)[6:] for i in diff]


def _gpuad_dtypes(fn, args, kw, diff):
    seen = {}

    def f(*d):
        a = list(args)
        for i, v in zip(diff, d, strict=True):
            a[i] = v
        out = fn(*a, **kw)
        seen["dtype"] = str(np.dtype(out.dtype))
        return out.sum()

    g = ad.grad(f, argnums=tuple(range(len(diff))))(*[args[i] for i in diff])
    return seen["dtype"], [str(np.asarray(gi).dtype) for gi in g]


def _gpuad_allowed(xdt, tdt, got):
    """A combination torch refuses: the input's dtype, or NumPy's promotion of two floats."""
    out, grads = got
    ok = {np.dtype(xdt).name}
    if np.dtype(tdt).kind == "f":
        ok.add(np.result_type(xdt, tdt).name)
    return out in ok and all(g == np.dtype(xdt).name for g in grads)


MODULES = {  # functional name -> Module taking (input, target, ...) as its forward
    "nll_loss": "NLLLoss", "cross_entropy": "CrossEntropyLoss", "mse_loss": "MSELoss",
    "l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss", "huber_loss": "HuberLoss",
    "poisson_nll_loss": "PoissonNLLLoss", "kl_div": "KLDivLoss",
    "binary_cross_entropy": "BCELoss", "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "soft_margin_loss": "SoftMarginLoss", "hinge_embedding_loss": "HingeEmbeddingLoss",
    "margin_ranking_loss": "MarginRankingLoss", "cosine_embedding_loss": "CosineEmbeddingLoss",
    "multilabel_soft_margin_loss": "MultiLabelSoftMarginLoss",
    "multi_margin_loss": "MultiMarginLoss", "multilabel_margin_loss": "MultiLabelMarginLoss",
    "gaussian_nll_loss": "GaussianNLLLoss", "triplet_margin_loss": "TripletMarginLoss",
    "ctc_loss": "CTCLoss",
}


def _module(lib, fname, kw):
    cls = getattr(lib, MODULES[fname])
    return cls(**({k: (torch.tensor(v) if lib is torch.nn else v) for k, v in kw.items()}
                  if kw else {}))


@pytest.mark.parametrize("xdt", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("tdt", TARGETS, ids=lambda d: "same" if d is None else np.dtype(d).name)
@pytest.mark.parametrize("form", ["functional", "module"])
def test_loss_result_and_gradient_dtypes_match_torch(backend, xdt, tdt, form):
    if backend != "numpy":
        pytest.skip("compared with torch's CPU results on the NumPy backend")
    tdt = xdt if tdt is None else tdt
    bad = []
    for name, (fname, args, kw, diff) in loss_cases(xdt, tdt).items():
        if form == "module":
            if "/" in name and not name.endswith("weight"):
                continue
            tfn, gfn = _module(torch.nn, fname, kw), _module(gnn, fname, kw)
            kw = {}
        else:
            tfn, gfn = getattr(TF, fname), getattr(F, fname)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want = _torch_dtypes(tfn, args, kw, diff)
            except (RuntimeError, NotImplementedError):
                want = None
            got = _gpuad_dtypes(gfn, args, kw, diff)
        if want is None:
            if not _gpuad_allowed(xdt, tdt, got):
                bad.append(f"{name}: torch refuses, gpuad gives {got}")
        elif tuple(want) != tuple(got):
            bad.append(f"{name}: torch {want}, gpuad {got}")
    assert not bad, "\n".join(bad)


def _index_cases(xdt, idt):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4)).astype(xdt)
    i = rng.integers(0, 3, (2, 4)).astype(idt)
    i1 = np.array([0, 2], idt)
    src = rng.standard_normal((2, 4)).astype(xdt)
    w = rng.standard_normal((5, 3)).astype(xdt)
    lab = np.array([1, 4, 0], idt)
    return {
        "gather": lambda m, nn: m(x).gather(0, m(i)),
        "scatter": lambda m, nn: m(x).scatter(0, m(i), m(src)),
        "scatter_add": lambda m, nn: m(x).scatter_add(0, m(i), m(src)),
        "scatter_reduce": lambda m, nn: m(x).scatter_reduce(0, m(i), m(src), "amax"),
        "index_add": lambda m, nn: m(x).index_add(0, m(i1), m(src)),
        "index_select": lambda m, nn: m(x).index_select(0, m(i1)),
        "index_reduce": lambda m, nn: m(x).index_reduce(0, m(i1), m(src), "prod"),
        "index_put": lambda m, nn: m(x).index_put((m(i1),), m(src)),
        "take_along_dim": lambda m, nn: m(x).take_along_dim(m(i), 0),
        "embedding": lambda m, nn: nn.embedding(m(lab), m(w)),
        "embedding_bag": lambda m, nn: nn.embedding_bag(m(lab.reshape(1, 3)), m(w)),
        "bincount": lambda m, nn: m(lab).bincount(m(np.ones(3, xdt))),
        "one_hot @ w": lambda m, nn: nn.one_hot(m(lab.astype(np.int64)), 5).float() @ m(
            w.astype(np.float32)),
    }


@pytest.mark.parametrize("xdt", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("idt", (np.int64, np.int32), ids=lambda d: np.dtype(d).name)
def test_index_functions_keep_the_float_dtype_as_torch(backend, xdt, idt):
    if backend != "numpy":
        pytest.skip("compared with torch's CPU results on the NumPy backend")
    bad = []
    for name, f in _index_cases(xdt, idt).items():
        try:
            want = str(f(torch.tensor, TF).dtype)[6:]
        except (RuntimeError, IndexError):
            want = None
        got = str(np.dtype(f(ad.tensor, F).dtype))
        if (want or np.dtype(xdt).name) != got and not (want is None and name == "one_hot @ w"):
            bad.append(f"{name}: torch {want}, gpuad {got}")
    assert not bad, "\n".join(bad)


def _dist_cases(m):
    """name -> (distribution, value) with float32 parameters mixed with Python numbers and
    integer values, built from the module ``m`` (torch's or gpuad's distributions)."""
    def f32(v):
        a = np.asarray(v, np.float32)
        return torch.tensor(a) if m is torch.distributions else ad.tensor(a)

    def i64(v):
        a = np.asarray(v, np.int64)
        return torch.tensor(a) if m is torch.distributions else ad.tensor(a)

    p, s = f32([0.3, 0.6]), f32([1.0, 2.0])
    return {
        "Normal": (m.Normal(0.0, s), f32([0.5, 1.0])),
        "Normal int value": (m.Normal(0.0, s), i64([0, 1])),
        "Laplace": (m.Laplace(1, s), f32([0.5, 1.0])),
        "Cauchy": (m.Cauchy(0.0, s), f32([0.5, 1.0])),
        "Gumbel": (m.Gumbel(0.0, s), f32([0.5, 1.0])),
        "Uniform": (m.Uniform(0, s), f32([0.5, 0.7])),
        "LogNormal": (m.LogNormal(0.0, s), f32([0.5, 1.0])),
        "StudentT": (m.StudentT(3.0, 0.0, s), f32([0.5, 1.0])),
        "Gamma": (m.Gamma(2.0, s), f32([0.5, 1.0])),
        "Beta": (m.Beta(2.0, s), f32([0.5, 0.25])),
        "Exponential": (m.Exponential(s), f32([0.5, 1.0])),
        "Bernoulli": (m.Bernoulli(probs=p), i64([0, 1])),
        "Binomial": (m.Binomial(10, probs=p), i64([3, 4])),
        "Poisson": (m.Poisson(s), i64([3, 4])),
        "Categorical": (m.Categorical(probs=p), i64(1)),
    }


def test_distributions_keep_float32_parameters_as_torch(backend):
    if backend != "numpy":
        pytest.skip("compared with torch's CPU results on the NumPy backend")
    import gpuad.distributions as D

    want, got, bad = _dist_cases(torch.distributions), _dist_cases(D), []
    for name in want:
        (td, tv), (gd, gv) = want[name], got[name]
        for what, t, g in (("log_prob", lambda: td.log_prob(tv), lambda: gd.log_prob(gv)),
                           ("mean", lambda: td.mean, lambda: gd.mean),
                           ("sample", lambda: td.sample(), lambda: gd.sample())):
            try:
                tdt = str(t().dtype)[6:]
            except (RuntimeError, ValueError, NotImplementedError):
                continue
            gdt = str(np.dtype(g().dtype))
            if tdt != gdt:
                bad.append(f"{name}.{what}: torch {tdt}, gpuad {gdt}")
    assert not bad, "\n".join(bad)
