"""``gpuad.lax`` refuses a dimension named twice or outside ``[0, rank)`` in ``squeeze`` and in
gather/scatter dimension numbers, as JAX does, where it used to merge the repeat or read an
unsorted or negative one as another dimension."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad.lax as lax
import gpuad.numpy as gnp


@pytest.mark.parametrize("dims", [(0, 0), (0, -3), (1, 2, 1)])
def test_squeeze_repeated_dimension_raises(backend, dims):
    x = gnp.asarray(np.ones((1, 1, 1)))
    with pytest.raises(ValueError, match="lax.squeeze.*more than once"):
        lax.squeeze(x, dims)
    assert lax.squeeze(x, (0, -1)).shape == (1,)


@pytest.mark.parametrize("collapsed, why", [((0, 0), "repeat"), ((2, 0), "sorted"),
                                            ((-1,), r"\[0, 3\)"), ((3,), r"\[0, 3\)")])
def test_gather_collapsed_dims_checked(backend, collapsed, why):
    x = gnp.asarray(np.arange(24.0).reshape(2, 3, 4))
    i = gnp.asarray(np.zeros((1, 1), np.int32))
    offset = tuple(range(1, 1 + 3 - len(set(collapsed))))
    dn = lax.GatherDimensionNumbers(offset_dims=offset, collapsed_slice_dims=collapsed,
                                    start_index_map=(0,))
    with pytest.raises(TypeError, match=f"lax.gather: collapsed_slice_dims.*{why}"):
        lax.gather(x, i, dn, (1, 1, 1), mode="clip")


def test_scatter_inserted_dims_checked(backend):
    x = gnp.asarray(np.zeros((2, 3)))
    i = gnp.asarray(np.zeros((1, 1), np.int32))
    dn = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0, 0),
                                     scatter_dims_to_operand_dims=(0,))
    with pytest.raises(TypeError, match="lax.scatter_add: inserted_window_dims.*repeat"):
        lax.scatter_add(x, i, gnp.asarray(np.ones((1, 3))), dn, mode="clip")
    ok = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                     scatter_dims_to_operand_dims=(0,))
    r = lax.scatter_add(x, i, gnp.asarray(np.ones((1, 3))), ok, mode="clip")
    assert float(gnp.sum(r)) == 3.0


def test_stax_batchnorm_axis_out_of_range_raises(backend):
    from gpuad import random
    from gpuad.example_libraries import stax

    init, apply = stax.BatchNorm(axis=(0, 5))  # axis 5 of a 4-d input was read as axis 1
    with pytest.raises(np.exceptions.AxisError, match="stax.BatchNorm"):
        init(random.PRNGKey(0), (2, 3, 4, 5))
    init, apply = stax.BatchNorm(axis=(0, -4))
    with pytest.raises(ValueError, match="stax.BatchNorm"):
        init(random.PRNGKey(0), (2, 3, 4, 5))
