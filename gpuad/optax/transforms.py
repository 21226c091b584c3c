"""``optax.transforms``: the wrappers and transformations optax files under that name
(also at ``gpuad.optax``' top level)."""

from ._base import chain
from ._transform import add_decayed_weights, clip, clip_by_global_norm, ema, trace
from ._transform_extra import (
    adaptive_grad_clip,
    centralize,
    keep_params_nonnegative,
    per_example_global_norm_clip,
    unitwise_clip,
    unitwise_norm,
    zero_nans,
)
from ._transform_more import add_noise, clip_by_block_rms
from ._wrappers import MaskedNode, MaskedState, masked
from ._wrappers import multi_transform as partition
from ._wrappers_more import (
    ApplyIfFiniteState,
    ConditionallyMaskState,
    ConditionallyTransformState,
    MultiSteps,
    MultiStepsState,
    apply_if_finite,
    conditionally_mask,
    conditionally_transform,
    flatten,
    named_chain,
    skip_large_updates,
    skip_not_finite,
)

__all__ = [
    "ApplyIfFiniteState",
    "ConditionallyMaskState",
    "ConditionallyTransformState",
    "MaskedNode",
    "MaskedState",
    "MultiSteps",
    "MultiStepsState",
    "adaptive_grad_clip",
    "add_decayed_weights",
    "add_noise",
    "apply_if_finite",
    "centralize",
    "chain",
    "clip",
    "clip_by_block_rms",
    "clip_by_global_norm",
    "conditionally_mask",
    "conditionally_transform",
    "ema",
    "flatten",
    "keep_params_nonnegative",
    "masked",
    "named_chain",
    "partition",
    "per_example_global_norm_clip",
    "skip_large_updates",
    "skip_not_finite",
    "trace",
    "unitwise_clip",
    "unitwise_norm",
    "zero_nans",
]
