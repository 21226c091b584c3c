"""``torch.masked``'s reductions and normalisations: each takes torch's arguments and a
boolean ``mask`` (broadcast to the input) saying which elements take part.

Masked-out elements take the operation's identity (sum 0, prod 1, amax ``-inf``, ...), so a
slice with every element masked out gives that identity, or NaN where there is none (mean,
median, var, std, softmax), as torch's; derivatives are zero at masked-out elements and
torch's elsewhere. Every function is composed of gpuad.numpy operations: it works on both
backends and under ``gpuad.jit``, ``vmap`` and every derivative transform.

Example::

    import gpuad.masked as masked
    masked.mean(x, 1, mask=lengths_mask)      # the mean of each row's valid entries
    masked.softmax(scores, -1, mask=valid)    # attention weights, 0 where not valid
"""

from __future__ import annotations

from ._normalizations import (
    cumprod,
    cumsum,
    log_softmax,
    logaddexp,
    normalize,
    softmax,
    softmin,
)
from ._reductions import (
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    mean,
    median,
    norm,
    prod,
    std,
    sum,
    var,
)

__all__ = [
    "amax", "amin", "argmax", "argmin", "cumprod", "cumsum", "log_softmax", "logaddexp",
    "logsumexp", "mean", "median", "norm", "normalize", "prod", "softmax", "softmin", "std",
    "sum", "var",
]
