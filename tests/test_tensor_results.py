"""Every differentiable function given Tensors returns Tensors (or raises), never a bare array.

A bare array in place of a Tensor is off the tape: ``.backward()`` on it fails, and code that
expects a Tensor breaks, even where the value and its (zero) derivative are right. The sweep
calls every function of ``tests/diff_specs/`` with its float arguments as Tensors that require
grad: all of them at once, each one alone (the others plain arrays), and the first one alone
with the other arguments left at their defaults (where the function has defaults), and each one
alone among Python numbers or as a 0-d Tensor. Every leaf of the result must be a Tensor.
Integer and boolean valued functions are the EXEMPT entries of the specs and are not called.
"""

from __future__ import annotations

import warnings
import zlib

import numpy as np
from diff_specs import collect

import gpuad as ad

SPECS, _ = collect()

# functions whose outputs each come from one input alone: with one input a Tensor, the
# outputs of the plain-array inputs stay plain arrays (as every gpuad.numpy function given only
# arrays returns arrays); with every input a Tensor, every output is a Tensor
PER_INPUT = {
    "gpuad.numpy.meshgrid": "output i is input i repeated",
    "gpuad.numpy.atleast_3d": "output i is input i reshaped",
    "gpuad.numpy.broadcast_arrays": "output i is input i broadcast",
    "gpuad.numpy.histogram": "the bin edges come from the samples, not the weights",
    "gpuad.numpy.histogram2d": "the bin edges come from the samples, not the weights",
    "gpuad.numpy.histogramdd": "the bin edges come from the samples, not the weights",
}


def _leaves(out):
    if isinstance(out, dict):
        for v in out.values():
            yield from _leaves(v)
    elif isinstance(out, tuple | list):
        for v in out:
            yield from _leaves(v)
    else:
        yield out


def _floats(spec, xp):
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
    args = tuple(xp.asarray(a) for a in spec.args(rng))
    return args, [i for i, a in enumerate(args) if a.dtype.kind in "fc"]


def _call(spec, args, which):
    args = tuple(ad.tensor(a, requires_grad=True) if i in which else a for i, a in enumerate(args))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spec.fn(*args)


def _bare(out):
    return [type(v).__name__ for v in _leaves(out) if not isinstance(v, ad.Tensor)]


def test_every_input_a_tensor_gives_tensors(backend):
    xp = ad.get_backend().xp
    bad, called = [], 0
    for spec in SPECS:
        args, fl = _floats(spec, xp)
        try:
            out = _call(spec, args, set(fl))
        except NotImplementedError:  # a function this CuPy lacks: the clear error
            if backend == "numpy":
                raise
            continue
        called += 1
        if _bare(out):
            bad.append(f"{spec.name}: {_bare(out)}")
    assert called > 0.9 * len(SPECS) if backend == "numpy" else called > 0
    assert not bad, f"{len(bad)} function(s) given Tensors returned a bare array: {bad}"


def test_one_input_a_tensor_gives_tensors(backend):
    xp = ad.get_backend().xp
    bad, called = [], 0
    for spec in SPECS:
        if spec.name in PER_INPUT:
            continue
        args, fl = _floats(spec, xp)
        calls = [(args, {i}) for i in fl] if len(fl) > 1 else []
        if len(args) > 1 and 0 in fl:
            calls.append((args[:1], {0}))  # the others at their defaults, where it has them
        for some, which in calls:
            try:
                out = _call(spec, some, which)
            except (TypeError, ValueError, NotImplementedError) as e:
                if len(some) == len(args) and backend == "numpy":
                    raise AssertionError(f"{spec.name} with argument {which} a Tensor") from e
                continue  # the function needs the arguments left out
            called += 1
            if _bare(out):
                bad.append(
                    f"{spec.name} (argument {sorted(which)} of {len(some)} a Tensor): {_bare(out)}"
                )
    assert called > 0
    assert not bad, f"{len(bad)} call(s) with a Tensor argument returned a bare array: {bad}"


def test_a_tensor_among_numbers_or_a_0d_tensor_gives_tensors(backend):
    # edge shapes: the other float arguments as Python numbers (their first element), or one
    # argument a 0-d Tensor. Calls these make invalid are skipped; a raise is also acceptable
    xp = ad.get_backend().xp
    bad, called = [], 0
    for spec in SPECS:
        if spec.name in PER_INPUT:
            continue
        args, fl = _floats(spec, xp)
        for i in fl:
            if args[i].size == 0:
                continue
            numbers = tuple(
                a.flatten()[0].item() if j in fl and j != i and a.size else a
                for j, a in enumerate(args)
            )
            zero_d = tuple(a.flatten()[0] if j == i else a for j, a in enumerate(args))
            for what, some in (("the others numbers", numbers), ("0-d", zero_d)):
                try:
                    out = _call(spec, some, {i})
                except Exception:  # noqa: BLE001 (an invalid call for this function)
                    continue
                called += 1
                if _bare(out):
                    bad.append(f"{spec.name} (argument {i} a Tensor, {what}): {_bare(out)}")
    assert called > 0
    assert not bad, f"{len(bad)} call(s) with a Tensor argument returned a bare array: {bad}"
