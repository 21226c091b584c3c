"""Derivative specifications for JAX's names outside jax.numpy: gpuad.ops (segment_sum, _prod,
_max, _min), gpuad.scipy.fft (the DCTs and DSTs) and gpuad.scipy.ndimage.map_coordinates.

Segment ids, interpolation orders and modes are closed over as constants; the data of
segment_max/min is drawn without ties and every checked segment is non-empty (an empty one
holds an infinite identity), and coordinates stay away from the grid lines where linear
interpolation has kinks. RegularGridInterpolator, a class, is checked in
tests/test_jax_segment_ndimage_dct.py.
"""

from __future__ import annotations

import numpy as np

import gpuad as ad
import gpuad.ops as ops
from gpuad.scipy import fft, ndimage

from . import Spec

SPECS: list[Spec] = []
EXEMPT: dict[str, str] = {}

_IDS = np.array([2, 0, 1, 5, 0, 2, -1, 2])  # 5 and -1 are dropped


def _ids():
    return ad.get_backend().xp.asarray(_IDS)


def _rows(rng):
    return (rng.standard_normal((8, 2)),)


for _kind in ("sum", "prod", "max", "min"):
    SPECS.append(Spec(f"gpuad.ops.segment_{_kind}",
                      lambda d, k=_kind: getattr(ops, f"segment_{k}")(d, _ids(), 3), _rows))
SPECS.append(Spec("gpuad.ops.segment_sum", lambda d: ops.segment_sum(d, _ids(), 4, mode="clip",
                                                                    bucket_size=3), _rows))


def _signal(rng):
    return (rng.standard_normal((3, 5)),)


SPECS += [
    Spec("gpuad.scipy.fft.dct", lambda x: fft.dct(x, n=6, norm="ortho"), _signal),
    Spec("gpuad.scipy.fft.idct", lambda x: fft.idct(x, axis=0), _signal),
    Spec("gpuad.scipy.fft.dctn", lambda x: fft.dctn(x, s=(2, 5)), _signal),
    Spec("gpuad.scipy.fft.idctn", lambda x: fft.idctn(x, norm="ortho"), _signal),
    Spec("gpuad.scipy.fft.dct", lambda x: fft.dct(x, type=1, norm="forward"), _signal),
    Spec("gpuad.scipy.fft.idct", lambda x: fft.idct(x, type=4, n=4, axis=0), _signal),
    Spec("gpuad.scipy.fft.dst", lambda x: fft.dst(x, type=3, norm="ortho"), _signal),
    Spec("gpuad.scipy.fft.idst", lambda x: fft.idst(x, type=1, n=6), _signal),
    Spec("gpuad.scipy.fft.dstn", lambda x: fft.dstn(x, type=2, s=(2, 5)), _signal),
    Spec("gpuad.scipy.fft.idstn", lambda x: fft.idstn(x, type=4, norm="ortho"), _signal),
]


def _image_and_points(rng):
    c = np.floor(rng.uniform(-2, 5, (2, 5))) + rng.uniform(0.1, 0.9, (2, 5))
    return rng.standard_normal((3, 4)), c


for _mode in ("constant", "mirror"):
    SPECS.append(Spec("gpuad.scipy.ndimage.map_coordinates",
                      lambda x, c, m=_mode: ndimage.map_coordinates(x, c, 1, m, cval=0.5),
                      _image_and_points))
