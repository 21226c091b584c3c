"""gpuad.numpy's stride tricks: sliding_window_view (a gather whose adjoint adds overlaps)."""

from __future__ import annotations

import gpuad.numpy as gnp

from . import Spec

P = "gpuad.numpy."

SPECS = [
    Spec(P + "sliding_window_view", lambda x: gnp.sliding_window_view(x, (2, 3)) ** 2,
         lambda r: (r.standard_normal((3, 4)),)),
    Spec(P + "sliding_window_view", lambda x: gnp.sliding_window_view(x, (2, 2), axis=(1, 1)),
         lambda r: (r.standard_normal((2, 5)),)),
]

EXEMPT = {
    P + "ndenumerate": "an iterator of (index, element) pairs: each element is a recorded "
                       "getitem of the array",
    P + "lib.stride_tricks.as_strided": "refused on Tensors (arbitrary byte strides); "
                                        "sliding_window_view is the differentiable form",
}
