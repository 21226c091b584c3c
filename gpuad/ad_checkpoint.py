"""``jax.ad_checkpoint``'s names: ``checkpoint``/``remat`` with a saving ``policy``,
``checkpoint_name`` and ``checkpoint_policies`` (gpuad/remat_policy.py).

Example::

    from gpuad.ad_checkpoint import checkpoint, checkpoint_name, checkpoint_policies
    f = checkpoint(block, policy=checkpoint_policies.save_only_these_names("h"))
"""

from __future__ import annotations

from .remat import checkpoint_name, checkpoint_policies, remat

checkpoint = remat

__all__ = ["checkpoint", "remat", "checkpoint_name", "checkpoint_policies"]
