"""The ``Example::`` blocks of gpuad's public docstrings run.

Every ``Example::`` block in a docstring of a public module, class, function or method under
gpuad/ (a name not starting with ``_``, ``__call__`` included) runs in a fresh namespace: the
public names of the module that holds it, then ``SETUP`` (the common names ``x``, ``y``, ``a``,
``model``, ... with small shapes), then the block's own entry in ``FIXTURES`` where its inputs
need other shapes. A block that cannot run on its own is listed in ``NOT_STANDALONE`` with the
reason; it must still parse, and an entry for a block that no longer exists fails.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import io
import re
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import gpuad
import gpuad.distributed as dist

ROOT = Path(__file__).resolve().parent.parent
HEADER = re.compile(r"Examples?::\s*$")


def example_blocks(doc: str) -> list[str]:
    """The indented blocks that follow ``Example::`` lines of a docstring."""
    out, lines = [], doc.expandtabs().splitlines()
    for i, line in enumerate(lines):
        if not HEADER.search(line):
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j == len(lines):
            continue
        indent, body = len(lines[j]) - len(lines[j].lstrip()), []
        while j < len(lines) and (not lines[j].strip()
                                  or len(lines[j]) - len(lines[j].lstrip()) >= indent):
            body.append(lines[j])
            j += 1
        out.append(textwrap.dedent("\n".join(body)).strip() + "\n")
    return out


INLINE = re.compile(r"Example:\s*``(.+?)``", re.S)


def collect() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """``{"module.Qual.name[k]": (module, source)}`` for every public docstring's Example::
    blocks, and ``{"module.Qual.name<k>": source}`` for its inline ``Example: ``...```` ones
    (one parse of gpuad/, about 3 s)."""
    found: dict[str, tuple[str, str]] = {}
    inline: dict[str, str] = {}
    for path in sorted((ROOT / "gpuad").rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")

        def walk(node: ast.AST, qual: str) -> None:
            doc = ast.get_docstring(node, clean=True)
            for k, src in enumerate(example_blocks(doc) if doc else []):
                found[f"{qual}[{k}]"] = (module, src)
            for k, m in enumerate(INLINE.finditer(doc) if doc else []):
                inline[f"{qual}<{k}>"] = " ".join(m.group(1).split())
            for child in getattr(node, "body", []):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                        and (not child.name.startswith("_") or child.name == "__call__"):
                    walk(child, f"{qual}.{child.name}")

        walk(ast.parse(path.read_text()), module)
    return found, inline


BLOCKS, INLINE_EXAMPLES = collect()

SETUP = """
import numpy as np
import gpuad, gpuad as ad
import gpuad.numpy as gnp
import gpuad.numpy as jnp
from gpuad import nn, optim, lax
import gpuad.nn.functional as F
rng = np.random.default_rng(0)
x = ad.tensor(rng.standard_normal((4, 3)), requires_grad=True)
y = ad.tensor(rng.standard_normal((4, 3)))
a = rng.standard_normal((3, 3))
b = rng.standard_normal(3)
w = ad.tensor(rng.standard_normal(3), requires_grad=True)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
opt = optim.SGD(model.parameters(), lr=0.1)
params = {"w": rng.standard_normal(3), "b": np.zeros(())}
key = gpuad.random.PRNGKey(0)
xs, ys = rng.standard_normal((5, 3)), rng.standard_normal(5)
batch = (xs, ys)
grads = updates = {"w": rng.standard_normal(3), "b": np.ones(())}
f = lambda x: gnp.sum(gnp.sin(x) ** 2)
loss = lambda p, *data: sum(gnp.sum(gnp.asarray(v) ** 2) for v in gpuad.tree.leaves(p))
loss_fn = lambda p, x, y: (x @ p["w"] + p["b"] - y) ** 2
mu, sigma = ad.tensor(rng.standard_normal(3), requires_grad=True), ad.tensor(np.full(3, 0.5))
std, log_sigma = sigma, gnp.log(sigma)
logits, labels = ad.tensor(rng.standard_normal((4, 5)), requires_grad=True), np.arange(4)
y_hat = ad.tensor(rng.standard_normal((4, 3)), requires_grad=True)
A = rng.standard_normal((3, 3)) + 3 * np.eye(3)
A = A @ A.T
B, C = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
u, v = rng.standard_normal(3), rng.standard_normal(3)
idx = np.array([0, 2])
lr, epochs = 0.1, 2
"""

# per block: names it reads with shapes of their own (run after SETUP)
FIXTURES: dict[str, str] = {
    "gpuad.amp[0]": "y = np.zeros((4, 2))",
    "gpuad.image[0]": "x = rng.standard_normal((2, 32, 32, 3))",
    "gpuad.lax_solves.custom_root[0]":
        'a = 2.0\n'
        'def newton(f, y):\n'
        '    for _ in range(30):\n'
        '        y = y - f(y) / (2.0 * y)\n'
        '    return y',
    "gpuad.distributions.kl[0]":
        'import gpuad.distributions as D\n'
        'class MyDist(D.Distribution):\n'
        '    pass',
    "gpuad.jit.guards[0]":
        'a_regular = A\na_singular = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])',
    "gpuad.ad_checkpoint[0]":
        'from gpuad.ad_checkpoint import checkpoint_name\n'
        "block = lambda h: gnp.sin(checkpoint_name(gnp.tanh(h), 'h'))",
    "gpuad.nn.module_methods[0]":
        'init_weights = lambda m: None',
    "gpuad.optim.swa_utils[0]":
        'train_one_epoch = lambda model, opt: None\nloader = [x]',
    "gpuad.distributed.data_parallel.DataParallel.no_sync[0]":
        'import gpuad.distributed as dist\n'
        'dist.init()\n'
        'model = dist.DataParallel(nn.MLP([3, 4, 2]))\n'
        'loss = lambda m, b: F.cross_entropy(m(b[0]), b[1])\n'
        'micro = [(xs[:2], np.array([0, 1])), (xs[2:], np.array([1, 0, 1]))]',
    "gpuad.autograd.forward_ad[0]":
        'p, t = rng.standard_normal(3), rng.standard_normal(3)',
    "gpuad.autograd.forward_ad.dual_level[0]":
        'import gpuad.autograd.forward_ad as fwAD\nx = rng.standard_normal(3)',
    "gpuad.autograd.forward_ad.unpack_dual[0]":
        'import gpuad.autograd.forward_ad as fwAD\nx = rng.standard_normal(3)',
    "gpuad.autograd.forward_ad.make_dual[0]":
        'import gpuad.autograd.forward_ad as fwAD\np = rng.standard_normal(3)',
    "gpuad.custom.linear_call[0]":
        'r = 2.0',
    "gpuad.distributions[0]":
        'dec = lambda z: 2.0 * z\nx = (rng.standard_normal(3) > 0) * 1.0',
    "gpuad.distributed.data_parallel.DataParallel[0]":
        'import gpuad.distributed as dist\n'
        'x_train = rng.standard_normal((8, 784)).astype(np.float32)\n'
        'y_train, epochs = np.arange(8) % 10, 2',
    "gpuad.jit.api.jit[0]":
        'loss = lambda w, x: gnp.sum(gnp.tanh(x @ w))\n'
        'w, w2, x, x2 = rng.standard_normal(3), rng.standard_normal(3), '
        'rng.standard_normal((4, 3)), rng.standard_normal((4, 3))',
    "gpuad.jit.failures[0]":
        'x, i, bad = np.arange(5.0), 2, 7',
    "gpuad.linalg_special[0]":
        'coeffs, w = np.array([1.0, -3.0, 2.0]), np.array([1.0, 2.0, 3.0])',
    "gpuad.masked[0]":
        'lengths_mask = valid = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 0]], bool)\n'
        'scores = x',
    "gpuad.nn.attention_layers[0]":
        'x = rng.standard_normal((2, 5, 16))\n'
        'pad = np.array([[0, 0, 0, 0, 1], [0, 0, 0, 1, 1]], bool)',
    "gpuad.nn.dropouts[0]":
        'feature_maps = rng.standard_normal((2, 3, 4, 4))',
    "gpuad.nn.misc_layers[0]":
        'h = rng.standard_normal((2, 16))',
    "gpuad.nn.normalization[0]":
        'mean_buf, var_buf = np.zeros(3), np.ones(3)\ngamma, beta = np.ones(3), np.zeros(3)',
    "gpuad.nn.prune[0]":
        'lin = nn.Linear(10, 10)',
    "gpuad.nn.rnn_utils[0]":
        'x, gru = rng.standard_normal((3, 3, 4)), nn.GRU(4, 5)',
    "gpuad.nn.stateless.functional_call[0]":
        'ts = rng.standard_normal((5, 2))',
    "gpuad.nn.transformer.Transformer[0]":
        'src, tgt = rng.standard_normal((7, 2, 8)), rng.standard_normal((5, 2, 8))',
    "gpuad.nn.transformer[0]":
        'src, tgt = rng.standard_normal((2, 6, 16)), rng.standard_normal((2, 4, 16))',
    "gpuad.numpy._more_vectorize.vectorize[0]":
        'points, center = rng.standard_normal((4, 3)), rng.standard_normal(3)',
    "gpuad.ops[0]":
        'ids = np.array([0, 2, 2, 1])',
    "gpuad.optim[0]":
        'batches = [(rng.standard_normal((6, 3)), np.arange(6) % 2)]',
    "gpuad.optim.lr_scheduler[0]":
        'train_one_epoch = lambda opt: None',
    "gpuad.scipy.interpolate[0]":
        'x, y = np.linspace(0, 1, 4), np.linspace(0, 1, 5)\n'
        'values = rng.standard_normal((4, 5))\n'
        'xs, ys = np.array([0.5, 0.2]), np.array([0.1, 0.9])',
    "gpuad.scipy.signal[0]":
        'images, kernel = rng.standard_normal((2, 6, 6)), rng.standard_normal((3, 3))',
    "gpuad.scipy.stats.kde[0]":
        'samples, points = rng.standard_normal(50), np.linspace(-1, 1, 5)',
    "gpuad.tree.register_dataclass[0]":
        'import dataclasses\nfrom typing import Any',
    "gpuad.tree.register_pytree_node[0]":
        'class Params:\n    def __init__(self, w, b):\n        self.w, self.b = w, b',
    "gpuad.tree.register_pytree_with_keys[0]":
        'class Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b',
    "gpuad.utils.checkpoint[0]":
        'block = lambda h: gnp.tanh(h) * 2.0',
    "gpuad._torch_scatter_reduce[0]":
        'x = ad.tensor(np.zeros(3))\n'
        'idx, src = np.array([0, 1, 0, 2]), np.array([1.0, -2.0, 3.0, 0.5])',
    "gpuad._state.disable_jit[0]":
        'step = gpuad.jit(loss)',
    "gpuad.jax_nn.reductions[0]":
        'valid = np.arange(5) < 3\nw = np.ones((3, 3))',
    "gpuad.example_libraries.stax[0]":
        'images = rng.standard_normal((2, 784))',
    "gpuad.lax_conv[0]":
        'x, w = rng.standard_normal((1, 6, 6, 2)), rng.standard_normal((3, 3, 2, 4))',
    "gpuad.lax_ops[0]":
        'a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))',
    "gpuad.nn.fractional_pooling[0]":
        'x = rng.standard_normal((1, 2, 9, 9))',
    "gpuad.nn.layout[0]":
        'x = rng.standard_normal((1, 2, 4, 5))',
    "gpuad.nn.linear_losses[0]":
        'x, y = rng.standard_normal((2, 5)), rng.integers(0, 10, (2, 4, 3))',
    "gpuad.nn.normalization_layers[0]":
        'x = rng.standard_normal((2, 8, 3, 3))',
    "gpuad.nn.resample[0]":
        'x = rng.standard_normal((1, 2, 3, 4))',
    "gpuad.scipy._spectral[0]":
        'x = rng.standard_normal(256)',
    "gpuad.nn.bilinear[0]":
        'x1, x2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))',
    "gpuad.nn.distances[0]":
        'x1, x2 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5, 3))',
    "gpuad.nn.losses[0]":
        'pred, logq = y_hat, F.log_softmax(logits, -1)\nlogp = np.log(np.full((4, 5), 0.2))',
    "gpuad.jax_nn.attention[0]":
        'q, k, v = rng.standard_normal((3, 2, 4, 2, 8))',
    "gpuad.nn.attention[0]":
        'q, k, v = rng.standard_normal((3, 2, 3, 4, 8))',
    "gpuad.scipy.stats[0]":
        'm, c = np.zeros(3), np.eye(3)',
    "gpuad.scipy.linalg[0]":
        'L, a = np.tril(A), A',
    "gpuad.nn.ctc[0]":
        'log_probs = F.log_softmax(ad.tensor(rng.standard_normal((6, 2, 4))), -1)\n'
        'targets = np.array([[1, 2], [3, 1]])\n'
        'input_lengths, target_lengths = np.array([6, 6]), np.array([2, 2])',
    "gpuad.lax_linalg[0]":
        'l, b = np.tril(A), rng.standard_normal((3, 2))',
    "gpuad.nn.pooling[0]":
        'feature_map = rng.standard_normal((2, 3, 4, 4))',
    "gpuad.nn.fold[0]":
        'img = rng.standard_normal((1, 2, 5, 5))',
    "gpuad.scipy.ndimage[0]":
        'image = rng.standard_normal((6, 6))\n'
        'rows, cols = np.array([1.5, 2.25]), np.array([0.5, 3.0])',
    "gpuad.optax._losses.sigmoid_binary_cross_entropy[0]":
        'targets = (rng.standard_normal((4, 5)) > 0) * 1.0',
    "gpuad.optax._losses.softmax_cross_entropy[0]":
        'one_hot_labels = np.eye(5)[:4]',
    "gpuad.optax._losses.softmax_cross_entropy_with_integer_labels[0]":
        'logits = rng.standard_normal((2, 5))',
    "gpuad.experimental.ode[0]":
        'y0, k = 1.0, 0.5',
    "gpuad.batching.api.vmap[0]":
        'X, y = xs, ys; loss = lambda w, x, y: (x @ w - y) ** 2',
    "gpuad.autograd.grads.backward[0]":
        'loss1, loss2, y = gnp.sum(w * w), gnp.sum(gnp.sin(w)), w * 2.0',
    "gpuad._state.no_grad[0]": "(w * w).sum().backward()",
    "gpuad.anomaly.detect_anomaly[0]": "loss = gnp.sum(x * x)",
    "gpuad.autograd.anomaly_mode.detect_anomaly[0]": "loss = gnp.sum(x * x)",
    "gpuad.custom.checkpoint[0]": "w = rng.standard_normal((3, 3))",
    "gpuad.distributed.data.ShardedSampler[0]": "gpuad.distributed.init(); "
                                                "batch, step = 2, lambda xb, yb: None",
    "gpuad.jax_nn[0]": "x = rng.standard_normal((2, 4))",
    "gpuad.jit.fusion[0]": "x = rng.standard_normal((4, 3))",
    "gpuad.jit.optstep[0]": "f = lambda x, y: F.mse_loss(model(x), y); "
                            "y = np.zeros((4, 2))",
    "gpuad.jit.passes[0]": "x = rng.standard_normal((4, 3))",
    "gpuad.jit.program[0]": "x = rng.standard_normal((4, 3))",
    "gpuad.jit.remat[0]": "x = rng.standard_normal((4, 3))",
    "gpuad.jit.stages.Compiled[0]": "x, x2 = rng.standard_normal((2, 4, 3))",
    "gpuad.jit.stages[0]": "x, x2 = rng.standard_normal((2, 4, 3)); "
                           "f = lambda x, n: gnp.sum(x ** n)",
    "gpuad.jit.weak[0]": "x = x.numpy().astype(np.float32)",
    "gpuad.lax.scan[0]": "xs = np.arange(5.0)",
    "gpuad.misc.derivatives.hessian_vector_product[0]": "x = rng.standard_normal(3)",
    "gpuad.misc.derivatives.make_ggnvp[0]": "x = rng.standard_normal(3)",
    "gpuad.misc.derivatives.make_hvp[0]": "x = rng.standard_normal(3)",
    "gpuad.misc.derivatives.make_jvp[0]": "x = rng.standard_normal(3)",
    "gpuad.misc.derivatives.tensor_jacobian_product[0]": "x = rng.standard_normal(3)",
    "gpuad.nn.conv[0]": "x, w = rng.standard_normal((1, 4, 9)), rng.standard_normal((6, 2, 3)); "
                        "b = np.zeros(6)",
    "gpuad.nn.functional[0]": "w, b = rng.standard_normal((5, 3)), np.zeros(5)",
    "gpuad.nn.rnn[0]": "x = rng.standard_normal((2, 5, 8))",
    "gpuad.nn[0]": "x, y = rng.standard_normal((5, 2)), np.arange(5) % 3",
    "gpuad.numpy._more_torch[0]": "x, edges = ad.tensor([1.0, 2.0, 3.0]), np.array([0.5, 2.0]); "
                                  "rows, v = np.sort(rng.standard_normal((2, 4))), "
                                  "rng.standard_normal((2, 3))",
    "gpuad.optax._base.GradientTransformationExtraArgs[0]": "loss = 2.0",
    "gpuad.remat.remat[0]": "w = rng.standard_normal((3, 3))",
    "gpuad.remat_policy[0]": "w = rng.standard_normal((3, 3))",
    "gpuad.scipy.signal.windows[0]": "x = rng.standard_normal(9)",
    "gpuad.utils.data[0]": "y, loss_fn = np.arange(4) % 2, F.cross_entropy",
}

# per block: assertions of what its comments state, run in its namespace after it
CHECKS: dict[str, str] = {
    "gpuad.image[0]": "assert y.shape == (2, 64, 64, 3)",
    "gpuad.lax_solves.custom_root[0]":
        'close(x, np.sqrt(2.0))\n'
        'root = lambda a: custom_root(lambda y: y ** 2 - a, 1.0, newton, lambda g, y: y / g(1.0))\n'
        'close(gpuad.grad(root)(2.0), 0.5 / np.sqrt(2.0))',
    "gpuad.distributions.kl[0]":
        'm, sd = mu.numpy(), sigma.numpy()\n'
        'close(kl, -np.log(sd) + (sd ** 2 + m ** 2) / 2 - 0.5)',
    "gpuad.jit.guards[0]":
        "assert len(g.cache_info()['entries'][0]['variants']) == 2\n"
        'close(g(a_singular), gpuad.hessian(gnp.linalg.det)(a_singular))',
    "gpuad.nn.module_methods[0]":
        "assert [n for n, _ in model.named_modules()] == ['', '0', '1', '2']\n"
        'assert all(p.dtype == np.float64 for p in model.parameters())',
    "gpuad.autograd.forward_ad[0]":
        'close(tangent, (np.cos(p) * p + np.sin(p)) * t)',
    "gpuad.autograd.forward_ad.dual_level[0]":
        'close(jvp, np.sum(np.sin(2 * x) * v))',
    "gpuad.autograd.forward_ad.unpack_dual[0]":
        'close(t, np.sum(np.sin(2 * x) * v))',
    "gpuad.custom.linear_call[0]":
        'close(y, x.numpy() / 2.0)',
    "gpuad.linalg_special[0]":
        'close(np.sort(np.linalg.eigvals(np.asarray(c)).real), [1.0, 2.0])\n'
        'v5 = np.arange(5.0)\n'
        'close(np.asarray(m) @ v5, np.convolve(w, v5))',
    "gpuad.nn.prune[0]":
        'assert (lin.weight.numpy() == 0).sum() == 30',
    "gpuad.nn.transformer[0]":
        'assert out.shape == (2, 4, 16)',
    "gpuad.nn.transformer.Transformer[0]":
        'assert out.shape == (5, 2, 8)',
    "gpuad.numpy._more_vectorize.vectorize[0]":
        'close(dist(points, center), np.linalg.norm(points - center, axis=1))',
    "gpuad.ops[0]":
        'xv = x.numpy()\n'
        'close(gpuad.ops.segment_sum(x, ids, num_segments=3), [xv[0], xv[3], xv[1] + xv[2]])',
    "gpuad.optim.lr_scheduler[0]":
        "close(opt.param_groups[0]['lr'], 0.1 * 0.1 ** 3)",
    "gpuad._torch_scatter_reduce[0]":
        'close(out, [3.0, -2.0, 0.5])',
    "gpuad.jax_nn.reductions[0]":
        'close(gnp.sum(p[:, :3], 1), np.ones(4))\nclose(gnp.sum(p[:, 3:]), 0.0)\n'
        'close(lse, np.log(np.exp(a).sum(1)))',
    "gpuad.example_libraries.stax[0]":
        'assert log_probs.shape == (2, 10)\n'
        'close(np.exp(np.asarray(log_probs)).sum(1), np.ones(2))',
    "gpuad.lax_conv[0]":
        'assert y.shape == (1, 6, 6, 4) and pooled.shape == (1, 3, 3, 4)',
    "gpuad.lax_ops[0]":
        'close(y, a @ b)\nassert z.shape == (2, 3, 9)',
    "gpuad.nn.layout[0]":
        "close(y, np.pad(x, [(0, 0), (0, 0), (2, 0), (1, 1)], mode='reflect'))",
    "gpuad.nn.resample[0]":
        'assert y.shape == (1, 2, 6, 8)',
    "gpuad.scipy._spectral[0]":
        'close(np.asarray(x_back)[:256], x, atol=1e-10)',
    "gpuad.nn.bilinear[0]":
        'assert y.shape == (5, 2)',
    "gpuad.nn.distances[0]":
        'close(d, np.linalg.norm(x1[:, :, None] - x2[:, None], axis=-1))',
    "gpuad.nn.fold[0]":
        'assert cols.shape == (1, 18, 25) and back.shape == img.shape',
    "gpuad.lax_linalg[0]":
        'Lm = np.tril(np.asarray(lu), -1) + np.eye(3)\n'
        'close(a[np.asarray(perm)], Lm @ np.triu(np.asarray(lu)))\nclose(l @ np.asarray(x), b)',
    "gpuad.scipy.linalg[0]":
        'close(L @ np.asarray(x), b); close(A @ np.asarray(y), b)',
    "gpuad.experimental.ode[0]":
        'close(ys[-1], np.exp(-0.5), rtol=1e-6)',
    "gpuad.batching.api.vmap[0]":
        'close(per_example, 2 * (X @ w.numpy() - y)[:, None] * X)',
    "gpuad.autograd.grads.backward[0]":
        'wv = w.numpy()\nclose(w.grad, 2 * wv + np.cos(wv) + 2.0)',
    "gpuad._torch_size[0]": "assert x.size == 6 and (x.size(), x.size(-1)) == ((2, 3), 3)",
    "gpuad.abstract_eval.eval_shape[0]": "assert out.shape == (2, 2)",
    "gpuad.flatten_util.ravel_pytree[0]": "assert flat.shape == (6,)",
    "gpuad.jit.signature[0]": "close(f(x), 3.0 * x.numpy())",
    "gpuad.jit.weak[0]": "assert step(x, 0.1).dtype == np.float32\n"
                         "assert step.cache_info()['misses'] == 1",
    "gpuad.misc.derivatives.hessian_vector_product[0]": "close(hvp(x, v), 6 * x * v)",
    "gpuad.misc.derivatives.make_ggnvp[0]":
        "J = (1 - np.tanh(A @ x) ** 2)[:, None] * A\nclose(ggnvp(v), J.T @ J @ v)",
    "gpuad.misc.derivatives.make_hvp[0]": "close(hvp(v), 6 * x * v)",
    "gpuad.misc.derivatives.make_vjp[0]": "close(back(gnp.ones_like(y)), np.cos(x.numpy()))",
    "gpuad.misc.derivatives.tensor_jacobian_product[0]":
        "close(tensor_jacobian_product(gnp.sin)(x, u), u * np.cos(x))",
    "gpuad.misc.fixed_points[0]":
        "close(gpuad.grad(gpuad.grad(sqrt))(2.0), -1 / (4 * 2 ** 1.5), rtol=1e-6)",
    "gpuad.nn.lazy[0]": "assert net[0].weight.shape == (6, 1, 5, 5)\n"
                        "assert net[2].weight.shape == (10, 4704)",
    "gpuad.optax._base.global_norm[0]":
        "close(global_norm({'a': np.array([3.0]), 'b': np.array([4.0])}), 5.0)",
    "gpuad.optax._schedules.constant_schedule[0]": "close(constant_schedule(1e-3)(10), 1e-3)",
    "gpuad.optax._schedules.cosine_decay_schedule[0]":
        "close(cosine_decay_schedule(1.0, decay_steps=100)(50), 0.5)",
    "gpuad.optax._schedules.exponential_decay[0]":
        "close(exponential_decay(1.0, transition_steps=10, decay_rate=0.5)(20), 0.25)",
    "gpuad.optax._schedules.linear_schedule[0]":
        "close(linear_schedule(0.0, 1.0, transition_steps=10)(5), 0.5)",
    "gpuad.optax._schedules.piecewise_constant_schedule[0]":
        "close(piecewise_constant_schedule(1.0, {10: 0.1, 20: 0.1})(15), 0.1)",
    "gpuad.optax._schedules.polynomial_schedule[0]":
        "close(polynomial_schedule(1.0, 0.0, power=2, transition_steps=10)(5), 0.25)",
    "gpuad.optax._transform.scale[0]":
        "u = scale(-0.1).update(grads, EmptyState())[0]\n"
        "close(u['w'], -0.1 * grads['w']); close(u['b'], -0.1 * grads['b'])",
    "gpuad.scipy.special[0]": "import scipy.special as ss\n"
        "close(ad.grad(lambda x: sps.gammaln(x).sum())(np.array([0.5, 3.0])), "
        "ss.digamma([0.5, 3.0]))\nclose(p.numpy().sum(-1), np.ones(4))",
    "gpuad.tensor.Tensor[0]": "close(x.grad, [2.0, 4.0])",
    "gpuad.tensor_hooks[0]": "close(x.grad, [6.0, 6.0])",
    "gpuad.transforms.grad[0]": "close(df(1.0), np.cos(1.0) + np.sin(1.0))",
}

# blocks whose comment says they raise
RAISES: dict[str, type] = {
    "gpuad.jit.failures[0]": IndexError,
    "gpuad._value_checks[0]": ValueError,
}

# blocks that cannot run on their own, with the reason
NOT_STANDALONE: dict[str, str] = {
    "gpuad._links[0]":
        "internal wiring between modules at import time; not a user-facing call",
    "gpuad.backends.cublas_graph[0]":
        "needs CuPy and a CUDA device",
    "gpuad.backends.numba_kernels.embedding_backward[0]":
        "launches a numba.cuda kernel: needs a CUDA device",
    "gpuad.backends.numba_kernels.scatter_add_flat[0]":
        "launches a numba.cuda kernel: needs a CUDA device",
    "gpuad.backends.numba_kernels.scatter_add_rows[0]":
        "launches a numba.cuda kernel: needs a CUDA device",
    "gpuad.backends.numba_kernels.softmax_xent_backward[0]":
        "launches a numba.cuda kernel: needs a CUDA device",
    "gpuad.backends.numba_kernels.softmax_xent_forward[0]":
        "launches a numba.cuda kernel: needs a CUDA device",
    "gpuad.jit.codegen_chunked[0]":
        "needs a fused group's kernel spec (gpuad.jit.kernels.spec_of(prog, group)); the "
        "generators are tested in tests/test_fusion*.py",
    "gpuad.jit.codegen_cuda[0]":
        "needs a fused group's kernel spec (gpuad.jit.kernels.spec_of(prog, group)); the "
        "generators are tested in tests/test_fusion*.py",
    "gpuad.jit.codegen_numba[0]":
        "needs a fused group's kernel spec (gpuad.jit.kernels.spec_of(prog, group)); the "
        "generators are tested in tests/test_fusion*.py",
    "gpuad.jit.export_hooks[0]":
        "needs CuPy",
    "gpuad.jit.kernels.canonical_names[0]":
        "needs a fused group's kernel spec (gpuad.jit.kernels.spec_of(prog, group)); the "
        "generators are tested in tests/test_fusion*.py",
}


def close(got, want, rtol: float = 1e-7, atol: float = 1e-12) -> None:
    got = got.numpy() if isinstance(got, gpuad.Tensor) else np.asarray(got)
    want = want.numpy() if isinstance(want, gpuad.Tensor) else np.asarray(want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def run_block(name: str) -> None:
    module, src = BLOCKS[name]
    ns: dict = {}
    # the public names of the module and of the packages above it (gpuad.optax for
    # gpuad.optax._transform): the names a block written for that package's users reads
    parts = module.split(".")
    for k in range(2, len(parts) + 1):
        mod = importlib.import_module(".".join(parts[:k]))
        ns.update((n, v) for n, v in vars(mod).items() if not n.startswith("_"))
    exec(SETUP, ns)
    ns["close"] = close
    exec(FIXTURES.get(name, ""), ns)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            if name in RAISES:
                with pytest.raises(RAISES[name]):
                    exec(compile(src, name, "exec"), ns)
            else:
                exec(compile(src, name, "exec"), ns)
        if name in CHECKS:
            exec(compile(CHECKS[name], f"{name} check", "exec"), ns)
    finally:
        gpuad.set_grad_enabled(True)    # a block may turn recording off for the thread
        if dist.is_initialized():       # or set up a (one-process) group
            dist.shutdown()


RUN = sorted(n for n in BLOCKS if n not in NOT_STANDALONE)


def test_counts():
    assert len(BLOCKS) >= 250, len(BLOCKS)
    stale = sorted(set(NOT_STANDALONE) - set(BLOCKS)) + sorted(set(FIXTURES) - set(BLOCKS))
    assert not stale, f"entries for blocks that no longer exist: {stale}"
    assert not set(FIXTURES) & set(NOT_STANDALONE)
    assert not (set(CHECKS) | set(RAISES)) - set(RUN)


@pytest.mark.parametrize("name", RUN)
def test_docstring_example(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # blocks that save (model.pt, ckpt.pt) write there
    run_block(name)


@pytest.mark.parametrize("name", sorted(NOT_STANDALONE))
def test_not_standalone_parses(name):
    ast.parse(BLOCKS[name][1])


# ---- every example names gpuad's real API -------------------------------------------------
# The inline "Example: ``...``" examples (about 1700) mostly read names of their context, so
# they are not run; this checks statically, for them, the Example:: blocks and the docs' python
# blocks, that each attribute path from a gpuad root resolves and that every keyword argument
# of a call to a gpuad function is one of its parameters (wrong and out-of-date names).
def _roots() -> dict:
    import gpuad.nn.functional as F
    import gpuad.numpy as gnp
    return {"gpuad": gpuad, "ad": gpuad, "gnp": gnp, "jnp": gnp, "nn": gpuad.nn, "F": F,
            "lax": gpuad.lax, "optim": gpuad.optim}


def _path(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id] + parts[::-1] if isinstance(node, ast.Name) else None


def _resolve(roots: dict, parts: list[str]) -> tuple[object, str | None]:
    obj = roots[parts[0]]
    for i, p in enumerate(parts[1:]):
        if hasattr(obj, p):
            obj = getattr(obj, p)
            continue
        try:   # a submodule not imported yet
            obj = importlib.import_module(f"{obj.__name__}.{p}") if inspect.ismodule(obj) else None
        except ImportError:
            obj = None
        if obj is None:
            return None, ".".join(parts[:i + 2])
    return obj, None


def api_errors(src: str, roots: dict) -> list[str]:
    try:
        tree = ast.parse(src)
    except SyntaxError:          # a fragment (a decorator line, a return statement)
        return []
    local = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Store)}
    local |= {a.asname or a.name.split(".")[0] for n in ast.walk(tree)
              if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    errors = []
    for node in ast.walk(tree):
        target = node.func if isinstance(node, ast.Call) else node
        parts = _path(target) if isinstance(target, ast.Attribute) else None
        if not parts or parts[0] not in roots or parts[0] in local:
            continue
        obj, missing = _resolve(roots, parts)
        if missing:
            errors.append(f"no {missing}")
        elif isinstance(node, ast.Call) and node.keywords and callable(obj):
            try:
                params = inspect.signature(obj).parameters
            except (TypeError, ValueError):
                continue
            if any(p.kind == p.VAR_KEYWORD for p in params.values()):
                continue
            errors += [f"{'.'.join(parts)}() has no argument {kw.arg}=" for kw in node.keywords
                       if kw.arg and kw.arg not in params]
    return list(dict.fromkeys(errors))


def test_examples_name_real_api():
    from test_docs_examples import FILES, blocks
    sources = dict(INLINE_EXAMPLES)
    assert len(sources) >= 1500, len(sources)
    sources.update((name, src) for name, (_, src) in BLOCKS.items())
    sources.update((f"{f}[{i}]", src) for f in FILES for i, src in enumerate(blocks(f)))
    roots = _roots()
    bad = {name: errs for name, src in sources.items() if (errs := api_errors(src, roots))}
    assert not bad, bad


def test_api_check_can_fail():
    errs = api_errors("gnp.nonexistent(x); gnp.sum(x, axs=0); gpuad.grad(f, argnum=0)", _roots())
    assert errs == ["no gnp.nonexistent", "gnp.sum() has no argument axs=",
                    "gpuad.grad() has no argument argnum="], errs
