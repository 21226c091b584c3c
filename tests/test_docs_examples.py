"""Every ```python block of README.md and docs/*.md runs, and says what is true.

The blocks of one file run in order in one namespace (a doc builds on its earlier blocks).
``DOCS`` holds, per block (file, index): ``setup``, the names the doc takes as given (``x``,
``loss``, ...) with small shapes; ``values``, for a top-level statement (keyed by its first
line, comment stripped) a check of the value its comment states; ``raises``, the statements
whose comment says they raise; ``after``, a check of the namespace and the printed text. A block
listed in ``NOT_RUN`` is not executed, with the reason (and what is checked instead). Every block
must have an entry, so a new block is looked at, and every key must name one of its statements,
so an edited block does not leave its checks silently unused.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy.linalg as gnp_linalg

ROOT = Path(__file__).resolve().parent.parent
FILES = ["README.md"] + sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks(name: str) -> list[str]:
    return [m.group(1) for m in FENCE.finditer((ROOT / name).read_text())]


def close(got: Any, want: Any, rtol: float = 1e-7, atol: float = 1e-10) -> None:
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), (got, want)
        for g, w in zip(got, want, strict=True):
            close(g, w, rtol, atol)
        return
    g = host(got)
    np.testing.assert_allclose(g, np.asarray(want), rtol=rtol, atol=atol)


def host(a: Any) -> np.ndarray:
    return a.numpy() if isinstance(a, ad.Tensor) else np.asarray(a)


def is_(want: Any, **kw: Any) -> Callable[[Any, dict], None]:
    return lambda got, ns: close(got, want, **kw)


@dataclass
class Block:
    setup: str = ""
    values: dict[str, Callable[[Any, dict], None]] = field(default_factory=dict)
    raises: dict[str, tuple[type, str]] = field(default_factory=dict)
    after: Callable[[dict, str], None] | None = None
    chdir: bool = False          # runs in a temporary directory (it writes files)
    finalize: str = ""           # run even when the block fails (e.g. dist.shutdown())


X3 = np.array([1.0, 2.0, 3.0])


# ---- README.md -------------------------------------------------------------------------------

def _readme_per_example(ns: dict, out: str) -> None:
    grads, X, Y, params = ns["grads"], ns["X"], ns["Y"], ns["params"]
    assert [g.shape for g in grads] == [(5, 3, 2), (5, 2)]
    for i in range(len(X)):   # vmap(grad) is the per-example loop
        one = ad.grad(ns["loss"])(params, X[i], Y[i])
        close(grads[0][i], one[0])
        close(grads[1][i], one[1])
    norms = np.sqrt(sum((np.asarray(host(g)).reshape(5, -1) ** 2).sum(1) for g in grads))
    close(ns["norms"], norms)
    close(ns["scale"], np.minimum(1.0, ns["C"] / (norms + 1e-12)))


def _readme_dist(ns: dict, out: str) -> None:
    params = list(ns["model"].parameters())
    assert params and all(p.grad is not None for p in params)
    assert ns["x"].shape[1] == 2 and len(ns["x"]) == len(ns["y"])


README = {
    0: Block(values={
        "x.grad": lambda g, ns: close(g, np.sin([0.5, 1.5]) + np.array([0.5, 1.5])
                                      * np.cos([0.5, 1.5])),
        "ad.grad(f, argnums=(0, 1))(2.0, 3.0)": is_((3.0 + np.cos(2.0), 2.0)),
        "ad.hessian(lambda v: gnp.sum(v ** 3))(np.ones(3))": is_(6.0 * np.eye(3)),
    }, after=lambda ns, out: ("input" in out and "saved" in out) or pytest.fail(out)),
    1: Block(setup="""
rng = np.random.default_rng(0)
params = (ad.tensor(rng.standard_normal((3, 2))), ad.tensor(rng.standard_normal(2)))
X, Y, C = rng.standard_normal((5, 3)), rng.standard_normal((5, 2)), 1.0
""", after=_readme_per_example),
    2: Block(setup="""
x_train = np.random.default_rng(0).standard_normal((16, 2))
y_train = np.arange(16) % 2
epoch = 0
""", after=_readme_dist, finalize="dist.shutdown()"),
}


# ---- docs/distributed.md ---------------------------------------------------------------------

DISTRIBUTED = {
    0: Block(setup="""
import numpy as np
x_train = np.random.default_rng(0).standard_normal((24, 784)).astype(np.float32)
y_train = np.arange(24) % 10
epochs, batch = 2, 8
""", chdir=True, finalize="dist.shutdown()",
        after=lambda ns, out: sorted(np.load("ckpt.npz").files) or pytest.fail("empty ckpt")),
}


# ---- docs/fusion.md --------------------------------------------------------------------------

FUSION = {
    0: Block(setup="""
import numpy as np
import gpuad as ad, gpuad.numpy as gnp
loss = lambda x: gnp.sum(gnp.tanh(x) * x * 2.0 + gnp.exp(-x))
x = np.linspace(-1.0, 1.0, 1 << 17)   # on the CPU, groups of 2**17 elements and more fuse
""", after=lambda ns, out: "fusion: 1 groups on numpy" in out or pytest.fail(out)),
}


# ---- docs/jit.md -----------------------------------------------------------------------------

def _jit0(ns: dict, out: str) -> None:
    loss, w2, x2 = ns["loss"], ns["w2"], ns["x2"]
    value, g = ad.value_and_grad(loss)(w2, x2)       # the replay computes what eager does
    close(ns["value"], value)
    close(ns["g"], g)
    info = ns["step"].cache_info()
    assert info["misses"] == 1 and info["hits"] >= 1, info
    assert out.strip(), "step.lower printed nothing"


def _jit1(ns: dict, out: str) -> None:
    model, nn, x, y = ns["model"], ns["nn"], ns["x"], ns["y"]
    for _ in range(3):
        want = float(nn.cross_entropy(model(x), y))
        got = float(ns["train_step"](x, y))
        assert math.isclose(got, want, rel_tol=1e-5), (got, want)
    assert float(nn.cross_entropy(model(x), y)) < want    # the step updated the model


def _jit2(ns: dict, out: str) -> None:
    d = np.asarray(host(ns["y"])) - ns["x"]
    assert d.shape == (64,) and np.all(d != 0) and 0.05 < d.std() < 0.2


def _jit3(ns: dict, out: str) -> None:
    close(ns["y"], np.sum(ns["x2"] ** 3))
    assert ns["low"].as_text() in out
    s = ns["j"].eval_shape(ns["x"], 3)
    assert tuple(s.shape) == () and np.dtype(s.dtype) == np.float64


JIT = {
    0: Block(setup="""
import numpy as np
from gpuad import nn
loss = lambda w, x: gnp.sum(gnp.tanh(x @ w) ** 2)
rng = np.random.default_rng(0)
w, x, w2, x2 = (rng.standard_normal(s) for s in [(3,), (4, 3), (3,), (4, 3)])
""", after=_jit0),
    1: Block(setup="""
from gpuad import optim
model = nn.MLP([3, 8, 2])
opt = optim.SGD(model.parameters(), lr=0.1)
x, y = np.random.default_rng(1).standard_normal((6, 3)), np.arange(6) % 2
""", after=_jit1),
    2: Block(setup="x = np.ones(64)", after=_jit2),
    3: Block(setup="""
f = lambda x, n: gnp.sum(x ** n)
x, x2 = np.array([1.0, 2.0]), np.array([3.0, -1.0])
""", after=_jit3),
}


# ---- docs/semantics.md -----------------------------------------------------------------------

def _scan_rnn(ns: dict, out: str) -> None:
    rng = np.random.default_rng(0)
    h0, xs, W, U = (rng.standard_normal(s) for s in [(2,), (4, 3), (2, 2), (2, 3)])
    last, hs = ns["rnn"](h0, xs, W, U)
    h, want = h0, []
    for x in xs:
        h = np.tanh(W @ h + U @ x)
        want.append(h)
    close(last, h)
    close(hs, np.stack(want))


def _inplace_ok(ns: dict, out: str) -> None:
    close(ns["x"].grad, [0.0, 16.0, 24.0])
    close(ns["w"], [1.0 - 0.5 * 2, 2.0 - 0.5 * 4])


def _hvp(v: Any, ns: dict) -> None:
    f, x, u = ns["f"], ns["x"], ns["u"]
    close(v, ad.hessian(f)(x) @ u)
    eps, g = 1e-6, ad.grad(f)       # and the directional derivative of the gradient
    close(v, (host(g(x + eps * u)) - host(g(x - eps * u))) / (2 * eps), rtol=1e-6)


def _stale(ns: dict, out: str) -> None:
    with pytest.raises(RuntimeError, match="a copy in gpuad but a view in torch"):
        ns["f"].sum()
    ns["z"].add_(1.0)          # the same for z.conj() (a copy here, a view in torch)
    with pytest.raises(RuntimeError, match="a copy in gpuad but a view in torch"):
        ns["c"] + 1


def _view_writes(ns: dict, out: str) -> None:
    x, v, s = X4, np.array([10.0, 20.0]), np.array([-1.0, -2.0])
    want = 2.0 * x
    want[1:3] += v
    want[0] *= 2.0
    want[2:4] = s
    close(ns["y"], want)
    (ns["y"] * ns["gnp"].asarray([1.0, 2.0, 3.0, 4.0])).sum().backward()
    close(ns["x"].grad, [4.0, 4.0, 0.0, 0.0])       # d y / d x: 4, 2, 0 (overwritten), 0


def _dot_list(ns: dict, out: str) -> None:
    gnp = ns["gnp"]
    g = ad.grad(lambda a, b, v: gnp.dot([a, b], v), argnums=(0, 1, 2))(2.0, 3.0, V2)
    close(g, (V2[0], V2[1], np.array([2.0, 3.0])))


X4 = np.array([1.0, 2.0, 3.0, 4.0])
V2 = np.array([1.0, -1.0])
XN = np.array([0.5, -1.0, 2.0])
CN = np.array([2.0, -1.0, 0.5])


def _loop_vmap(ns: dict, out: str) -> None:
    pe = ns["per_example"]
    assert pe.shape == (256, 3)
    for i in (0, 17, 255):
        close(pe[i], ad.grad(ns["loss"])(ns["w"], ns["X"][i], ns["Y"][i]))


SEMANTICS = {
    0: Block(),
    1: Block(values={
        "ad.grad(f)(np.array([1.0, 2.0]))": is_([2.0, 4.0]),
        "ad.grad(f)(np.array([-1.0, -2.0]))": is_(np.cos([-1.0, -2.0])),
    }),
    2: Block(setup="""
newton_step = lambda c: (c[0] - (c[0] ** 2 - 2.0) / (2.0 * c[0]),
                         abs(c[0] - (c[0] ** 2 - 2.0) / (2.0 * c[0]) - c[0]))
x0 = 1.0
""", values={
        "lax.while_loop(lambda c: c[1] > 1e-12, newton_step, (x0, 1.0))":
            lambda v, ns: close(v[0], math.sqrt(2.0)),
    }, after=_scan_rnn),
    3: Block(values={
        "ad.grad(gnp.max)(np.array([1.0, 3.0, 3.0, 3.0]))": is_([0, 1 / 3, 1 / 3, 1 / 3]),
        "ad.grad(lambda x: gnp.sum(gnp.clip(x, 0.0, 1.0)))(np.array([0.0, 1.0, 1.5]))":
            is_([1.0, 1.0, 0.0]),
        "ad.grad(gnp.linalg.norm)(np.zeros(3))": is_([0.0, 0.0, 0.0]),
    }),
    4: Block(values={"ad.grad(f)(np.array([-1.0, 0.0, 4.0]))": is_([0.0, 0.0, 0.25])}),
    5: Block(values={
        "ad.grad(lambda w: gnp.abs(w) ** 2)(1 + 2j)": is_(2 + 4j),
        "ad.grad(lambda w: gnp.sum(gnp.abs(w * w)))(np.array([1 + 2j]))": is_([2 + 4j]),
        "ad.grad(lambda s: gnp.abs(s * (1 + 2j)))(1.0)":
            lambda v, ns: (close(v, math.sqrt(5.0)),
                           np.isrealobj(host(v)) or pytest.fail(f"{v!r} is not real")),
    }),
    6: Block(setup="""
x = ad.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
w = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
(w * w).sum().backward()
lr = 0.5
""", after=_inplace_ok),
    7: Block(setup="x, u = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, -2.0])",
             values={"ad.grad(lambda v: ad.jvp(f, (v,), (u,))[1])(x)": _hvp}),
    8: Block(setup="x = np.array([0.5, -1.0, 2.0])", values={
        "ad.grad(f)(x)": is_(2 * XN * (XN.sum() + math.exp(XN.max()))),
    }),
    9: Block(setup="""
y = ad.tensor(np.array([1.0, 2.0, 3.0]))
z = ad.tensor(np.array([1.0, 2.0]))
""", raises={"s + 1, f.sum()": (RuntimeError, "a copy in gpuad but a view in torch")},
        after=_stale),
    10: Block(setup="""
x = ad.tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
v, s = np.array([10.0, 20.0]), np.array([-1.0, -2.0])
""", after=_view_writes),
    11: Block(setup="x = np.array([0.5, -1.0, 2.0])", values={
        "ad.grad(lambda v: gnp.sum(v * np.tanh(v)))(x)":
            is_(np.tanh(XN) + XN / np.cosh(XN) ** 2),
        "ad.grad(lambda v: np.dot(v, v))(x)": is_(2 * XN),
        "ad.grad(lambda v: np.sum(c * v + np.linalg.norm(v)))(x)":
            is_(CN + 3 * XN / np.linalg.norm(XN)),   # the norm is broadcast to 3 terms
    }),
    12: Block(values={"ad.grad(lambda v: gnp.sum(v * ad.stop_gradient(v)))(x)": is_(XN)}),
    13: Block(setup="a, b, v = 2.0, 3.0, np.array([1.0, -1.0])", values={
        "ad.grad(lambda s: gnp.sum(gnp.array([s, s * 2.0, 3.0])))(1.5)": is_(3.0),
        "ad.grad(lambda v: gnp.sum([v[0], v[1]]))(x)": is_([1.0, 1.0, 0.0]),
        "ad.grad(lambda s: gnp.mean([s, s]))(1.0)": is_(1.0),
        "gnp.dot([a, b], v)": is_(-1.0),
    }, after=_dot_list),
    14: Block(setup="x = np.array([0.5, -1.0, 2.0])", values={"ad.grad(f)(x)": is_(2 * XN)}),
    15: Block(values={
        "ad.grad(lambda v: gnp.sum(gnp.random.normal(v, 1e-12)))(np.array([1.0, 2.0]))":
            is_([1.0, 1.0]),
    }),
    16: Block(values={
        "ad.grad(gnp.linalg.det)(a)": is_([[4.0, -2.0], [-2.0, 1.0]]),
        "ad.grad(lambda a: gnp.sum(gnp.linalg.eigvalsh(a) ** 2))(np.eye(3))":
            is_(2 * np.eye(3)),
    }, raises={"ad.grad(lambda a: gnp.linalg.eigvalsh(a)[0])(np.eye(3))":
               (gnp_linalg.DegenerateError, "individual copies")}),
    17: Block(after=_loop_vmap),
}

DOCS: dict[str, dict[int, Block]] = {
    "README.md": README,
    "docs/distributed.md": DISTRIBUTED,
    "docs/fusion.md": FUSION,
    "docs/jit.md": JIT,
    "docs/semantics.md": SEMANTICS,
}

# blocks not executed, with the reason; each is checked another way in test_not_run_blocks
NOT_RUN = {
    ("docs/kernels.md", 0): "declares primitives: running it would register `sin` and `divide` "
    "again; checked instead to be the text of gpuad/prims/elementwise.py",
}


def statements(src: str) -> list[tuple[str, ast.stmt]]:
    """Top-level statements with their keys (first line, trailing comment stripped)."""
    tree = ast.parse(src)
    lines = src.splitlines()
    out = []
    for node in tree.body:
        first = lines[node.lineno - 1]
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.decorator_list:
            first = lines[node.decorator_list[0].lineno - 1]
        out.append((first.split("  #")[0].split(" #")[0].strip(), node))
    return out


def run_file(name: str, upto: int, tmp_path: Path, monkeypatch) -> None:
    """Run the blocks of ``name`` in order in one namespace, checking each up to ``upto``."""
    ns: dict[str, Any] = {"__name__": "__doc_example__"}
    for i, src in enumerate(blocks(name)[:upto + 1]):
        if (name, i) in NOT_RUN:
            continue
        spec = DOCS[name][i]
        if spec.chdir:
            monkeypatch.chdir(tmp_path)
        exec(compile(spec.setup, f"{name}[{i}] setup", "exec"), ns)
        keys = {k for k, _ in statements(src)}
        stale = (set(spec.values) | set(spec.raises)) - keys
        assert not stale, f"{name}[{i}]: checks for statements not in the block: {stale}"
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                for key, node in statements(src):
                    mod = ast.Module([node], type_ignores=[])
                    if key in spec.raises:
                        exc, match = spec.raises[key]
                        with pytest.raises(exc, match=match):
                            exec(compile(mod, f"{name}[{i}]", "exec"), ns)
                    elif isinstance(node, ast.Expr):
                        value = eval(compile(ast.Expression(node.value), f"{name}[{i}]", "eval"),
                                     ns)
                        if key in spec.values and i == upto:
                            spec.values[key](value, ns)
                    else:
                        exec(compile(mod, f"{name}[{i}]", "exec"), ns)
                if spec.after is not None and i == upto:
                    spec.after(ns, buf.getvalue())
        finally:
            if spec.finalize:
                exec(spec.finalize, ns)


CASES = [(name, i) for name in FILES for i in range(len(blocks(name)))]
RUN = [c for c in CASES if c not in NOT_RUN]


def test_every_block_is_listed():
    assert len(CASES) >= 25
    missing = [c for c in RUN if c[1] not in DOCS.get(c[0], {})]
    assert not missing, f"python blocks without an entry in DOCS: {missing}"
    extra = [(n, i) for n, table in DOCS.items() for i in table if (n, i) not in CASES]
    extra += [c for c in NOT_RUN if c not in CASES]
    assert not extra, f"entries for blocks that no longer exist: {extra}"


@pytest.mark.parametrize("name,index", RUN, ids=[f"{n}[{i}]" for n, i in RUN])
def test_doc_block(name, index, tmp_path, monkeypatch):
    # a file's earlier blocks run first (their checks are their own cases)
    run_file(name, index, tmp_path, monkeypatch)


def test_not_run_blocks():
    src = (ROOT / "gpuad/prims/elementwise.py").read_text()
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    for stmt in ast.parse(blocks("docs/kernels.md")[0]).body:
        assert squash(ast.unparse(stmt)) in squash(
            "".join(ast.unparse(s) for s in ast.parse(src).body)), ast.unparse(stmt)
