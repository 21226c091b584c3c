"""optax's own unit tests (google-deepmind/optax, every ``optax/_src/**/*_test.py``: alias,
base, clipping, combine, complex_valued, constrain, contrib/mechanic, control_variates,
distributed_shampoo, dog, equivalence, experimental/complex_valued, experimental/extra_args,
factorized, float64, lbfgs, linear_algebra, linesearch, lookahead, loss, numerics, privacy,
schedule, second_order, sharding, state_utils, stochastic_gradient_estimators, transform,
update, utils, wrappers) mapped onto ``gpuad.optax``, and the ones no earlier port covered
ported here.

optax itself is not a dependency, so the peers are JAX in the same process (``jax.numpy``
formulas for losses, ``jax.example_libraries.optimizers`` for the optimizers it shares with
optax, ``jax.grad`` for gradients), NumPy hand formulas for the rest, and the convergence and
invariants optax's tests assert. The "class" column of ``GAPS`` is the upstream file; the
test column is ``Class.test_method`` (its parametrisations are one row). Differences:

- A complex gradient from ``gpuad.grad`` already follows PyTorch's convention (the direction
  of steepest ascent); optax's tests conjugate JAX's gradients before ``update``, here they
  are passed as they are.
- gpuad has no bfloat16: the bfloat16 cases run in float16 or float32 where they ask about
  dtype preservation, and are noted.
- optax names gpuad lacks raise an ``AttributeError`` that names what to use instead
  (``test_absent_names_raise_clear_errors``).

``test_every_gap_has_a_mapping`` checks the table: one row per upstream method, no
duplicates, and every "here:"/"covered:" reference exists.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optax
from gpuad.optax import tree_utils as otu
from tests.conftest import to_numpy

pytestmark = pytest.mark.usefixtures("backend")

_S = "optax/_src/"
_SUITE = "covered: test_optax_suite.py::"
_LIKE = "covered: test_optax_like.py::"
_ABSENT = "differs: absent from gpuad.optax, the AttributeError names what to use; "
_GONE = (
    "n/a: control variates and stochastic gradient estimators were deprecated and "
    "deleted from optax; no current optax user reaches them"
)
_SHARD = "n/a: JAX sharding, meshes and abstract ShapeDtypeStruct inputs (devices)"
_BF16 = "gpuad has no bfloat16, the case runs in float16"
_ZOOM = (
    "differs: the zoom line search (optax's lbfgs default) is absent, lbfgs() raises "
    "naming linesearch=None or scale_by_backtracking_linesearch: "
    "covered: test_optax_suite.py::test_lbfgs_converges_and_refuses_zoom; "
    "here: test_absent_names_raise_clear_errors[scale_by_zoom_linesearch]"
)


def _np(x):
    return np.asarray(to_numpy(x))


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _close(a, b, **kw):
    """Leaf by leaf (a list and a tuple of the same leaves compare equal)."""
    la, lb = ad.tree_leaves(a), ad.tree_leaves(b)
    assert len(la) == len(lb), (len(la), len(lb))
    for x, y in zip(la, lb, strict=True):
        np.testing.assert_allclose(_np(x), _np(y), **kw)


# ---------------------------------------------------------------- the GAPS table

_A, _LB, _LS = _S + "alias_test.py", _S + "lbfgs_test.py", _S + "linesearch_test.py"
_LBFGS_ROWS = (
    (
        "LBFGSTest.test_plain_preconditioning",
        "n/a: checks the test file's own two reference implementations against each other",
    ),
    (
        "LBFGSTest.test_preconditioning_by_lbfgs_on_vectors",
        "covered: test_optax_suite.py::test_lbfgs_matches_two_loop_reference (optax's private "
        "_precondition_by_lbfgs seen through scale_by_lbfgs against the two-loop recursion)",
    ),
    ("LBFGSTest.test_preconditioning_by_lbfgs_on_trees", "here: test_lbfgs_tree_equals_flat_array"),
    (
        "LBFGSTest.test_against_plain_implementation",
        "covered: test_optax_suite.py::test_lbfgs_matches_two_loop_reference",
    ),
    ("LBFGSTest.test_handling_pytrees", "here: test_lbfgs_tree_equals_flat_array"),
    ("LBFGSTest.test_multiclass_logreg", _ZOOM + "; here: test_lbfgs_backtracking_logreg"),
    ("LBFGSTest.test_binary_logreg", _ZOOM + "; here: test_lbfgs_backtracking_logreg"),
    ("LBFGSTest.test_against_scipy", _ZOOM + "; here: test_lbfgs_backtracking_vs_scipy"),
    ("LBFGSTest.test_minimize_bad_initialization", _ZOOM),
    ("LBFGSTest.test_steep_objective", "here: test_lbfgs_backtracking_vs_scipy[steep]"),
    (
        "LBFGSTest.test_lbfgs_complex",
        "here: test_lbfgs_complex_equals_real_view (the "
        "backtracking case; the zoom case: " + _ZOOM + ")",
    ),
    (
        "LBFGSTest.test_lbfgs_complex_rosenbrock",
        "here: test_lbfgs_complex_equals_real_view (backtracking; zoom absent)",
    ),
    (
        "LBFGSTest.test_state_shape_dtype_shard_stability",
        "here: test_lbfgs_dtype_stable (backtracking; float16/bfloat16 n/a: " + _BF16 + ")",
    ),
)

GAPS = (  # (upstream file, Class.test_method, where its port is or why there is none)
    (
        _A,
        "AliasTest.test_optimization",
        "here: test_optimizers_converge_on_complex_parabola (complex64, every optimizer optax "
        "runs on complex parameters); here: test_real_only_optimizers_converge_on_parabola "
        "(float32, the others); the Rosenbrock targets are not run (10000 steps each); absent "
        "optimizers: here: test_absent_names_raise_clear_errors",
    ),
    (_A, "AliasTest.test_optimizers_accept_extra_args", "here: test_optimizers_accept_extra_args"),
    (
        _A,
        "AliasTest.test_optimizers_can_be_wrapped_in_inject_hyperparams",
        "here: test_optimizers_wrapped_in_inject_hyperparams",
    ),
    (_A, "AliasTest.test_explicit_dtype", "here: test_explicit_state_dtype"),
    (_A, "AliasTest.test_preserve_dtype", "here: test_updates_keep_the_gradient_dtype"),
    (
        _A,
        "AliasTest.test_state_shape_dtype_shard_stability",
        "here: test_state_and_params_dtype_stable (sharding n/a)",
    ),
    (_A, "AliasTest.test_gradient_accumulation", "here: test_multisteps_first_update_is_zero"),
    *((_A, n, w) for n, w in _LBFGS_ROWS),
    (_S + "base_test.py", "BaseTest.test_typing", "n/a: a static type-annotation check"),
    (
        _S + "base_test.py",
        "BaseTest.test_set_to_zero_returns_tree_of_correct_zero_arrays",
        "here: test_set_to_zero",
    ),
    (_S + "base_test.py", "BaseTest.test_set_to_zero_is_stateless", "here: test_set_to_zero"),
    (
        _S + "base_test.py",
        "ExtraArgsTest.test_isinstance",
        "here: test_with_extra_args_support_isinstance",
    ),
    (
        _S + "base_test.py",
        "ExtraArgsTest.test_extra_args_with_callback",
        "here: test_extra_args_callback",
    ),
    (_S + "base_test.py", "StatelessTest.test_stateless", "here: test_stateless"),
    (_S + "base_test.py", "StatelessTest.test_stateless_no_params", "here: test_stateless"),
    (_S + "base_test.py", "StatelessTest.test_init_returns_emptystate", "here: test_stateless"),
    (
        _S + "base_test.py",
        "StatelessWithTreeMapTest.test_stateless_with_tree_map",
        "here: test_stateless",
    ),
    (
        _S + "base_test.py",
        "StatelessWithTreeMapTest.test_stateless_with_tree_map_no_params",
        "here: test_stateless",
    ),
    (
        _S + "base_test.py",
        "StatelessWithTreeMapTest.test_init_returns_emptystate",
        "here: test_stateless",
    ),
    (_S + "clipping_test.py", "ClippingTest.test_clip", _SUITE + "test_clip_elementwise"),
    (
        _S + "clipping_test.py",
        "ClippingTest.test_clip_by_block_rms",
        _SUITE + "test_repeated_clipping_is_stable",
    ),
    (
        _S + "clipping_test.py",
        "ClippingTest.test_clip_by_global_norm",
        _SUITE + "test_repeated_clipping_is_stable",
    ),
    (
        _S + "clipping_test.py",
        "ClippingTest.test_adaptive_grad_clip",
        _SUITE + "test_adaptive_grad_clip_and_unitwise_norm",
    ),
    (
        _S + "combine_test.py",
        "ComposeTest.test_chain",
        _SUITE + "test_chain_equals_manual_sequence",
    ),
    (_S + "combine_test.py", "MultiTransformTest.test_multi_transform", _SUITE + "test_partition"),
    (
        _S + "combine_test.py",
        "MultiTransformTest.test_empty",
        _SUITE + "test_partition_extra_args_empty_and_label_mismatch",
    ),
    (
        _S + "combine_test.py",
        "MultiTransformTest.test_labels_mismatch",
        _SUITE + "test_partition_extra_args_empty_and_label_mismatch",
    ),
    (
        _S + "complex_valued_test.py",
        "ComplexValuedTest.test_split_complex",
        _ABSENT + "complex parameters are taken as they are: "
        "here: test_absent_names_raise_clear_errors[split_complex]; "
        "here: test_optimizers_converge_on_complex_parabola",
    ),
    (
        _S + "constrain_test.py",
        "ConstraintsTest.test_keep_params_nonnegative",
        "here: test_keep_params_nonnegative_and_zero_nans",
    ),
    (
        _S + "constrain_test.py",
        "ConstraintsTest.test_zero_nans",
        "here: test_keep_params_nonnegative_and_zero_nans",
    ),
    (
        _S + "contrib/mechanic_test.py",
        "MechanicTest.test_mechanized",
        _ABSENT + "here: test_absent_names_raise_clear_errors[contrib.mechanize]",
    ),
    (
        _S + "contrib/mechanic_test.py",
        "MechanicTest.test_optimization",
        _ABSENT + "here: test_absent_names_raise_clear_errors[contrib.mechanize]",
    ),
    *(
        (_S + "control_variates_test.py", n, _GONE)
        for n in (
            "DeltaControlVariateTest.testQuadraticFunction",
            "DeltaControlVariateTest.testPolinomialFunction",
            "DeltaControlVariateTest.testNonPolynomialFunction",
            "MovingAverageBaselineTest.testLinearFunction",
            "MovingAverageBaselineTest.testLinearFunctionWithHeuristic",
            "MovingAverageBaselineTest.testLinearFunctionZeroDebias",
            "DeltaMethodAnalyticalExpectedGrads.testQuadraticFunction",
            "DeltaMethodAnalyticalExpectedGrads.testCubicFunction",
            "DeltaMethodAnalyticalExpectedGrads.testForthPowerFunction",
            "ConsistencyWithStandardEstimators.testWeightedLinearFunction",
            "ConsistencyWithStandardEstimators.testNonPolynomialFunction",
        )
    ),
    (
        _S + "distributed_shampoo_test.py",
        "ShampooTest.test_distributed_shampoo",
        _ABSENT + "here: test_absent_names_raise_clear_errors[distributed_shampoo]",
    ),
    (
        _S + "dog_test.py",
        "DoGTest.test_scalers",
        _ABSENT + "here: test_absent_names_raise_clear_errors[scale_by_dog]",
    ),
    (
        _S + "dog_test.py",
        "DoGTest.test_dog_layer_wise",
        _ABSENT + "here: test_absent_names_raise_clear_errors[scale_by_dog]",
    ),
    (
        _S + "dog_test.py",
        "DoGTest.test_legacy_compatibility",
        _ABSENT + "here: test_absent_names_raise_clear_errors[scale_by_distance_over_gradients]",
    ),
    (
        _S + "equivalence_test.py",
        "OptimizersEquivalenceTest.test_jax_optimizer_equivalent",
        "here: test_equivalent_to_jax_example_libraries",
    ),
    (
        _S + "equivalence_test.py",
        "FlaxOptimizersEquivalenceTest.test_flax_optim_equivalence",
        "n/a: flax.optim was deleted from flax (no peer left); sgd, momentum, nesterov, "
        "rmsprop, centred rmsprop, adam, adamw and adagrad against torch.optim: "
        + _LIKE
        + "test_optimizers_match_torch_optim; lamb against NumPy formulas: "
        + _LIKE
        + "test_optimizers_match_formulas; lars and adafactor against NumPy formulas: "
        "covered: test_optax_more_aliases.py::test_several_steps_match_the_numpy_formulas",
    ),
    (
        _S + "experimental/complex_valued_test.py",
        "ComplexValuedTest.test_split_real_and_imaginary",
        _ABSENT + "here: test_absent_names_raise_clear_errors[split_real_and_imaginary]",
    ),
    (
        _S + "experimental/extra_args_test.py",
        "ExtraArgsTest.test_named_chain",
        _SUITE + "test_named_chain (optax's current named_chain; the experimental "
        "init(params, extra_args=) form was removed from optax)",
    ),
    (
        _S + "factorized_test.py",
        "FactorizedTest.test_scale_by_factored_rms",
        "here: test_scalers_finite_and_shaped[factored_rms]",
    ),
    (
        _S + "float64_test.py",
        "Float64Test.test_mixed_dtype_input_outputs",
        "here: test_mixed_float32_float64_leaves (additive_weight_decay is "
        "add_decayed_weights; dpsgd takes per-example gradients)",
    ),
    *((_LB, n, w) for n, w in _LBFGS_ROWS),
    (_S + "linear_algebra_test.py", "LinearAlgebraTest.test_global_norm", "here: test_global_norm"),
    (
        _S + "linear_algebra_test.py",
        "LinearAlgebraTest.test_matrix_inverse_pth_root",
        _ABSENT + "here: test_absent_names_raise_clear_errors[matrix_inverse_pth_root]",
    ),
    (
        _LS,
        "BacktrackingLinesearchTest.test_linesearch_update",
        "here: test_backtracking_state_value_inf_then_finite",
    ),
    (
        _LS,
        "BacktrackingLinesearchTest.test_linesearch",
        "here: test_backtracking_sufficient_decrease",
    ),
    (
        _LS,
        "BacktrackingLinesearchTest.test_gradient_descent_with_linesearch",
        "here: test_gradient_descent_with_backtracking",
    ),
    (
        _LS,
        "BacktrackingLinesearchTest.test_recycling_value_and_grad",
        "here: test_recycling_value_and_grad",
    ),
    (_LS, "BacktrackingLinesearchTest.test_armijo_sgd", "here: test_armijo_sgd"),
    (
        _LS,
        "BacktrackingLinesearchTest.test_dtype_stability",
        "here: test_backtracking_dtype_stability (float16/bfloat16 n/a: " + _BF16 + ")",
    ),
    *(
        (_LS, "ZoomLinesearchTest." + n, _ZOOM)
        for n in (
            "test_linesearch_update",
            "test_linesearch",
            "test_failure_descent_direction",
            "test_failure_too_small_max_stepsize",
            "test_failure_not_enough_iter",
            "test_failure_flat_fun",
            "test_failure_inf_value",
            "test_high_smaller_than_low",
            "test_dtype_stability",
        )
    ),
    (
        _LS,
        "ZoomLinesearchTest.test_value_and_grad_from_state",
        "here: test_value_and_grad_from_state",
    ),
    (
        _LS,
        "ZoomLinesearchTest.test_extract_fns_kwargs",
        "n/a: a private helper (_extract_fns_kwargs); its use, value_fn's keyword arguments, is "
        "here: test_armijo_sgd",
    ),
    (_S + "lookahead_test.py", "LookaheadTest.test_lookahead", "here: test_lookahead"),
    (
        _S + "lookahead_test.py",
        "LookaheadTest.test_lookahead_state_reset",
        "here: test_lookahead_state_reset",
    ),
    (
        _S + "lookahead_test.py",
        "LookaheadTest.test_lookahead_edge_cases",
        "here: test_lookahead_edge_cases",
    ),
    *(
        (_S + "loss_test.py", c + "." + n, "here: test_loss_values_vs_jax[" + k + "]")
        for c, n, k in (
            ("L2LossTest", "test_scalar", "l2"),
            ("L2LossTest", "test_batched", "l2"),
            ("HuberLossTest", "test_scalar", "huber"),
            ("HuberLossTest", "test_batched", "huber"),
            ("SmoothLabelsTest", "test_scalar", "smooth"),
            ("SmoothLabelsTest", "test_batched", "smooth"),
            ("SoftmaxCrossEntropyTest", "test_scalar", "softmax_ce"),
            ("SoftmaxCrossEntropyTest", "test_batched", "softmax_ce"),
            (
                "SoftmaxCrossEntropyWithIntegerLabelsTest",
                "test_consistent_with_softmax_cross_entropy_scalar",
                "int_labels",
            ),
            (
                "SoftmaxCrossEntropyWithIntegerLabelsTest",
                "test_consistent_with_softmax_cross_entropy_batched",
                "int_labels",
            ),
            ("SigmoidCrossEntropyTest", "testSigmoidCrossEntropy", "sigmoid_extremes"),
            ("CosineDistanceTest", "test_scalar_distance", "cosine"),
            ("CosineDistanceTest", "test_scalar_similarity", "cosine"),
            ("CosineDistanceTest", "test_batched_distance", "cosine"),
            ("CosineDistanceTest", "test_batched_similarity", "cosine"),
            ("LogCoshTest", "test_scalar", "log_cosh"),
            ("LogCoshTest", "test_batched", "log_cosh"),
            ("LogCoshTest", "test_scalar_predictions_only", "log_cosh"),
            ("LogCoshTest", "test_batched_predictions_only", "log_cosh"),
            ("KLDivergenceTest", "test_scalar", "kl"),
            ("KLDivergenceTest", "test_batched", "kl"),
            ("KLDivergenceWithLogTargetsTest", "test_scalar", "kl_log"),
            ("KLDivergenceWithLogTargetsTest", "test_batched", "kl_log"),
            ("HingeLossTest", "test_batched", "hinge"),
        )
    ),
    (_S + "loss_test.py", "L2LossTest.test_shape_mismatch", "here: test_l2_loss_shape_mismatch"),
    (
        _S + "loss_test.py",
        "CTCTest.test_with_one_to_one_alignment",
        _SUITE + "test_ctc_loss_vs_enumeration_and_gradient; here: test_ctc_one_to_one_alignment",
    ),
    (
        _S + "loss_test.py",
        "CTCTest.test_with_one_to_one_alignment_and_paddings",
        "here: test_ctc_one_to_one_alignment",
    ),
    (
        _S + "loss_test.py",
        "CTCTest.test_repeat_with_one_to_one_alignment",
        _SUITE + "test_ctc_loss_vs_enumeration_and_gradient (a repeated label); "
        "covered: test_optax_suite.py::test_ctc_loss_vs_torch",
    ),
    (
        _S + "numerics_test.py",
        "NumericsTest.test_safe_int32_increments",
        "here: test_safe_int32_increment",
    ),
    (_S + "numerics_test.py", "NumericsTest.test_safe_norm", "here: test_safe_norm_zero_gradient"),
    (_S + "numerics_test.py", "NumericsTest.test_safe_rms", "here: test_safe_rms_zero_gradient"),
    (
        _S + "numerics_test.py",
        "NumericsTest.test_complex_vs_real_abs_sqr",
        "n/a: compares XLA HLO text of JAX programs",
    ),
    *(
        (_S + "privacy_test.py", "DifferentiallyPrivateAggregateTest." + n, "here: " + t)
        for n, t in (
            ("test_no_privacy", "test_dp_aggregate_without_privacy_is_the_mean"),
            ("test_clipping_norm", "test_dp_aggregate_clipping_norm"),
            ("test_noise_multiplier", "test_dp_aggregate_noise_std"),
            ("test_aggregated_updates_as_input_fails", "test_dp_aggregate_refuses_mean_gradients"),
        )
    ),
    *(
        (_S + "schedule_test.py", c + "." + n, "here: test_schedule_vs_formula[" + k + "]")
        for c, n, k in (
            ("ConstantTest", "test_constant", "constant"),
            ("PolynomialTest", "test_linear", "poly_linear"),
            ("PolynomialTest", "test_zero_steps_schedule", "poly_zero_steps"),
            ("PolynomialTest", "test_nonlinear", "poly_quadratic"),
            ("PolynomialTest", "test_with_decay_begin", "poly_begin"),
            ("PiecewiseConstantTest", "test_positive", "piecewise_pos"),
            ("PiecewiseConstantTest", "test_negative", "piecewise_neg"),
            ("ExponentialTest", "test_constant_schedule", "exp_rate_one"),
            ("ExponentialTest", "test_nonvalid_transition_steps", "exp_bad_steps"),
            ("ExponentialTest", "test_nonvalid_decay_rate", "exp_rate_zero"),
            ("ExponentialTest", "test_exponential", "exp"),
            ("ExponentialTest", "test_end_value_with_staircase", "exp_end_value"),
            ("ExponentialTest", "test_immutable_count", "exp_array_count"),
            ("CosineDecayTest", "test_decay_count_smaller_count", "cosine"),
            ("CosineDecayTest", "test_decay_count_greater_count", "cosine_past_end"),
            ("CosineDecayTest", "test_decay_count_greater_count_with_alpha", "cosine_alpha"),
            ("WarmupCosineDecayTest", "test_limits", "warmup_cosine"),
        )
    ),
    (_S + "schedule_test.py", "SGDRTest.test_limits", _SUITE + "test_sgdr_limits"),
    (
        _S + "schedule_test.py",
        "PiecewiseInterpolateTest.test_linear_piecewise",
        _SUITE + "test_piecewise_interpolate_linear",
    ),
    (
        _S + "schedule_test.py",
        "PiecewiseInterpolateTest.test_cos_piecewise",
        _SUITE + "test_piecewise_interpolate_cosine",
    ),
    *(
        (
            _S + "schedule_test.py",
            "PiecewiseInterpolateTest." + n,
            _SUITE + "test_piecewise_interpolate_edge_cases",
        )
        for n in ("test_empty_dict", "test_no_dict", "test_invalid_type", "test_invalid_scale")
    ),
    *(
        (_S + "schedule_test.py", "OneCycleTest." + n, _SUITE + "test_onecycle_schedules")
        for n in ("test_linear", "test_cosine", "test_nonpositive_transition_steps")
    ),
    (_S + "schedule_test.py", "InjectHyperparamsTest.test_updates", "here: test_inject_updates"),
    (
        _S + "schedule_test.py",
        "InjectHyperparamsTest.test_hyperparams_state",
        "here: test_inject_hyperparams_state",
    ),
    (
        _S + "schedule_test.py",
        "InjectHyperparamsTest.test_constant_hyperparams",
        "here: test_inject_constant_hyperparams",
    ),
    (
        _S + "schedule_test.py",
        "InjectHyperparamsTest.test_overriding_hyperparam",
        "here: test_inject_overriding_hyperparam",
    ),
    (
        _S + "schedule_test.py",
        "InjectHyperparamsTest.test_static_args",
        "here: test_inject_static_args",
    ),
    (
        _S + "schedule_test.py",
        "InjectHyperparamsTest.test_numeric_static_args",
        "here: test_inject_static_args",
    ),
    (
        _S + "schedule_test.py",
        "InjectHyperparamsTest.test_hyperparam_dtypes",
        "here: test_inject_hyperparam_dtypes (float16/float32/float64 for bfloat16: " + _BF16 + ")",
    ),
    (
        _S + "schedule_test.py",
        "InjectHyperparamsTest.test_static_args_error",
        "here: test_inject_static_args",
    ),
    (
        _S + "schedule_test.py",
        "InjectHyperparamsTest.test_inject_hyperparams_starts_with_step_count_zero",
        "here: test_inject_updates",
    ),
    (
        _S + "second_order_test.py",
        "SecondOrderTest.test_hessian_diag",
        _ABSENT + "here: test_absent_names_raise_clear_errors[hessian_diag]",
    ),
    (
        _S + "second_order_test.py",
        "SecondOrderTest.test_fisher_diag_shape",
        _ABSENT + "here: test_absent_names_raise_clear_errors[fisher_diag]",
    ),
    *(
        (_S + "sharding_test.py", "ShardingTest." + n, _SHARD)
        for n in (
            "test_init_with_abstract_input",
            "test_state_sharding_type_init_match_update",
            "test_state_sharding_type_preserved_with_jit",
            "test_microbatch_with_explicit_sharding",
        )
    ),
    *(
        (
            _S + "state_utils_test.py",
            "StateUtilsTest." + n,
            _ABSENT + "here: test_absent_names_raise_clear_errors[tree_map_params]",
        )
        for n in (
            "test_dict_based_optimizers",
            "test_state_chex_dataclass",
            "test_adam",
            "test_inject_hparams",
            "test_map_params_to_none",
            "test_map_non_params_to_none",
        )
    ),
    *(
        (_S + "stochastic_gradient_estimators_test.py", n, _GONE)
        for n in (
            "GradientEstimatorsTest.testConstantFunction",
            "GradientEstimatorsTest.testLinearFunction",
            "GradientEstimatorsTest.testQuadraticFunction",
            "GradientEstimatorsTest.testWeightedLinear",
            "GradientEstimatorsTest.testWeightedQuadratic",
            "GradientEstimatorsTest.testNonPolynomialFunctionConsistencyWithPathwise",
            "MeasuredValuedEstimatorsTest.testRaisesErrorForNonGaussian",
        )
    ),
    (
        _S + "transform_test.py",
        "TransformTest.test_scalers",
        "here: test_scalers_finite_and_shaped",
    ),
    (
        _S + "transform_test.py",
        "TransformTest.test_add_decayed_weights",
        "here: test_add_decayed_weights_mask",
    ),
    (
        _S + "transform_test.py",
        "TransformTest.test_ema",
        _SUITE + "test_ema_with_and_without_debias",
    ),
    (
        _S + "transform_test.py",
        "TransformTest.test_ema_debias",
        _SUITE + "test_ema_with_and_without_debias",
    ),
    (
        _S + "transform_test.py",
        "TransformTest.test_update_infinity_moment",
        "here: test_adamax_infinity_moment",
    ),
    (_S + "transform_test.py", "TransformTest.test_apply_every", "here: test_apply_every"),
    (_S + "transform_test.py", "TransformTest.test_scale", "here: test_scale"),
    (_S + "transform_test.py", "TransformTest.test_centralize", "here: test_centralize"),
    (
        _S + "transform_test.py",
        "TransformTest.test_add_noise_has_correct_variance_scaling",
        "here: test_add_noise_variance_scaling",
    ),
    (
        _S + "transform_test.py",
        "TransformTest.test_scale_by_optimistic_gradient",
        "here: test_scale_by_optimistic_gradient",
    ),
    (
        _S + "transform_test.py",
        "TransformTest.test_bias_correction_bf16",
        "here: test_adam_bias_correction_float16_finite (" + _BF16 + ")",
    ),
    (_S + "update_test.py", "UpdateTest.test_apply_updates", "here: test_apply_updates"),
    (
        _S + "update_test.py",
        "UpdateTest.test_apply_updates_mixed_precision",
        "here: test_apply_updates (float16 for bfloat16)",
    ),
    (
        _S + "update_test.py",
        "UpdateTest.test_incremental_update",
        "here: test_incremental_and_periodic_update",
    ),
    (
        _S + "update_test.py",
        "UpdateTest.test_periodic_update",
        "here: test_incremental_and_periodic_update",
    ),
    (_S + "utils_test.py", "ScaleGradientTest.test_scale_gradient", "here: test_scale_gradient"),
    (
        _S + "utils_test.py",
        "ScaleGradientTest.test_scale_gradient_pytree",
        "here: test_scale_gradient",
    ),
    (
        _S + "wrappers_test.py",
        "WrappersTest.test_flatten",
        _SUITE + "test_flatten_equals_unflattened",
    ),
    (_S + "wrappers_test.py", "WrappersTest.test_apply_if_finite", _SUITE + "test_apply_if_finite"),
    (
        _S + "wrappers_test.py",
        "WrappersTest.test_apply_if_finite_pmap",
        "n/a: jax.pmap over devices; the NaN-inside case without pmap: "
        "covered: test_optax_suite.py::test_apply_if_finite",
    ),
    (
        _S + "wrappers_test.py",
        "WrappersTest.test_multi_steps",
        _SUITE + "test_multisteps_training_every_k",
    ),
    (
        _S + "wrappers_test.py",
        "WrappersTest.test_multi_steps_every_k_schedule",
        _SUITE + "test_multisteps_optax_cases",
    ),
    (
        _S + "wrappers_test.py",
        "WrappersTest.test_multi_steps_computes_mean",
        _SUITE + "test_multisteps_optax_cases",
    ),
    (_S + "wrappers_test.py", "WrappersTest.test_skip_not_finite", _SUITE + "test_skip_functions"),
    (
        _S + "wrappers_test.py",
        "WrappersTest.test_skip_large_updates",
        _SUITE + "test_skip_functions",
    ),
    (
        _S + "wrappers_test.py",
        "WrappersTest.test_multi_steps_skip_not_finite",
        _SUITE + "test_multisteps_optax_cases",
    ),
    (
        _S + "wrappers_test.py",
        "MaskedTest.test_masked",
        _SUITE + "test_masked_negates_where_selected",
    ),
    (
        _S + "wrappers_test.py",
        "MaskedTest.test_prefix_mask",
        _SUITE + "test_masked_prefix_mask_and_params",
    ),
    (
        _S + "wrappers_test.py",
        "MaskedTest.test_update_requires_params",
        _SUITE + "test_masked_prefix_mask_and_params",
    ),
    (_S + "wrappers_test.py", "MaskedTest.test_empty", _SUITE + "test_masked_empty"),
    (
        _S + "wrappers_test.py",
        "MaskedTest.test_tree_mismatch_fails",
        _SUITE + "test_masked_tree_mismatch_fails",
    ),
    (
        _S + "wrappers_test.py",
        "MaskedTest.test_mask_fn",
        _SUITE + "test_masked_mask_fn_nested_and_state_structure",
    ),
    (
        _S + "wrappers_test.py",
        "MaskedTest.test_nested_mask",
        _SUITE + "test_masked_mask_fn_nested_and_state_structure",
    ),
    (
        _S + "wrappers_test.py",
        "MaskedTest.test_masked_state_structure",
        _SUITE + "test_masked_mask_fn_nested_and_state_structure",
    ),
    (
        _S + "wrappers_test.py",
        "MaskedTest.test_masked_state_is_compatible_with_deepmind_tree",
        "here: test_masked_state_has_no_none_leaves (dm-tree itself is not a dependency)",
    ),
    (
        _S + "wrappers_test.py",
        "MaybeUpdateTest.test_stateless_inner",
        _ABSENT + "here: test_maybe_update_is_conditionally_transform",
    ),
    (
        _S + "wrappers_test.py",
        "MaybeUpdateTest.test_statefull_inner",
        _ABSENT + "here: test_maybe_update_is_conditionally_transform",
    ),
)

UPSTREAM_METHODS = {  # upstream file -> its test methods, as counted when reading it
    "alias_test.py": 20,
    "base_test.py": 11,
    "clipping_test.py": 4,
    "combine_test.py": 4,
    "complex_valued_test.py": 1,
    "constrain_test.py": 2,
    "contrib/mechanic_test.py": 2,
    "control_variates_test.py": 11,
    "distributed_shampoo_test.py": 1,
    "dog_test.py": 3,
    "equivalence_test.py": 2,
    "experimental/complex_valued_test.py": 1,
    "experimental/extra_args_test.py": 1,
    "factorized_test.py": 1,
    "float64_test.py": 1,
    "lbfgs_test.py": 13,
    "linear_algebra_test.py": 2,
    "linesearch_test.py": 17,
    "lookahead_test.py": 3,
    "loss_test.py": 28,
    "numerics_test.py": 4,
    "privacy_test.py": 4,
    "schedule_test.py": 36,
    "second_order_test.py": 2,
    "sharding_test.py": 4,
    "state_utils_test.py": 6,
    "stochastic_gradient_estimators_test.py": 7,
    "transform_test.py": 11,
    "update_test.py": 4,
    "utils_test.py": 2,
    "wrappers_test.py": 20,
}


def test_every_gap_has_a_mapping():
    assert len(GAPS) == sum(UPSTREAM_METHODS.values()) == 228
    assert len({(f, n) for f, n, _ in GAPS}) == len(GAPS)
    for f, count in UPSTREAM_METHODS.items():
        assert sum(1 for g, _, _ in GAPS if g == _S + f) == count, f
    here = Path(__file__).parent
    for f, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "differs:", "n/a:")), (f, name)
        for fn, case in re.findall(r"here: (test_\w+)(?:\[([\w.]+)\])?", where):
            assert fn in globals(), (name, fn)
            if case:
                marks = getattr(globals()[fn], "pytestmark", [])
                ids = [str(v) for m in marks if m.name == "parametrize" for v in m.args[1]]
                assert case in ids, (name, case)
        for path, fn in re.findall(r"covered: ([\w/.]+\.py)::(test_\w+)", where):
            text = next((p / path).read_text() for p in (here, here.parent) if (p / path).exists())
            assert f"def {fn}(" in text, (name, path, fn)


# ---------------------------------------------------------------- alias_test: the optimizers

_OPTS = {  # optax's _OPTIMIZERS_UNDER_TEST that gpuad has, with optax's arguments
    "sgd": dict(learning_rate=1e-3, momentum=0.9),
    "adafactor": dict(learning_rate=5e-3),
    "adagrad": dict(learning_rate=1.0),
    "adam": dict(learning_rate=1e-1),
    "adamw": dict(learning_rate=1e-1),
    "adamax": dict(learning_rate=1e-1),
    "adamaxw": dict(learning_rate=1e-1),
    "amsgrad": dict(learning_rate=1e-1),
    "lars": dict(learning_rate=1.0),
    "lamb": dict(learning_rate=1e-3),
    "lion": dict(learning_rate=1e-2, weight_decay=1e-4),
    "nadam": dict(learning_rate=1e-2),
    "nadamw": dict(learning_rate=1e-2),
    "noisy_sgd": dict(learning_rate=1e-3, eta=1e-4),
    "novograd": dict(learning_rate=1e-3),
    "optimistic_gradient_descent": dict(learning_rate=2e-3, alpha=0.7, beta=0.1),
    "rmsprop": dict(learning_rate=5e-3),
    "rmsprop_momentum": dict(learning_rate=5e-3, momentum=0.9),
    "sign_sgd": dict(learning_rate=1e-1),
    "fromage": dict(learning_rate=5e-3),
    "adabelief": dict(learning_rate=1e-2),
    "radam": dict(learning_rate=5e-3),
    "sm3": dict(learning_rate=1.0),
    "yogi": dict(learning_rate=1e-1),
    "polyak_sgd": dict(max_learning_rate=1.0),
}
_REAL_ONLY = {
    "fromage",
    "noisy_sgd",
    "sm3",
    "optimistic_gradient_descent",
    "lion",
    "polyak_sgd",
    "sign_sgd",
}  # optax skips these for complex parameters
_SLOW = {"lars", "lamb", "nadam", "nadamw", "radam", "rmsprop"}  # optax runs 10000 steps


def _make(name):
    factory = getattr(optax, "rmsprop" if name == "rmsprop_momentum" else name)
    return factory(**_OPTS[name])


def _extra(name, value):
    return {"value": value} if name == "polyak_sgd" else {}


@pytest.mark.parametrize("name", sorted(set(_OPTS) - _REAL_ONLY - {"nadamw"}))
def test_optimizers_converge_on_complex_parabola(name):
    """optax's test_optimization on its complex64 parabola ``sum |p - (1+1j)*[1,-1,1]|**2``:
    every optimizer that takes complex parameters reaches the minimum (jitted steps)."""
    final = np.array([1.0, -1.0, 1.0], np.complex64) * (1 + 1j)
    opt = _make(name)

    def objective(p):
        d = p - final
        return gnp.sum(gnp.real(d * gnp.conj(d)))

    @ad.jit
    def step(p, s):
        v, g = ad.value_and_grad(objective)(p)  # PyTorch's convention: no conj needed
        u, s = opt.update(g, s, p, **_extra(name, v))
        return optax.apply_updates(p, u), s

    p = np.array([-1.0, 10.0, 1.0], np.complex64)
    s = opt.init(p)
    for _ in range(10000 if name in _SLOW else 2000):
        p, s = step(p, s)
    assert _np(p).dtype == np.complex64
    np.testing.assert_allclose(_np(p), final, rtol=3e-2, atol=3e-2)


@pytest.mark.parametrize("name", sorted(_REAL_ONLY))
def test_real_only_optimizers_converge_on_parabola(name):
    """The optimizers optax runs on real parameters only, on its float32 parabola (3000
    jitted steps)."""
    final = np.array([1.0, -1.0, 1.0], np.float32)
    opt = _make(name)

    @ad.jit
    def step(p, s):
        v, g = ad.value_and_grad(lambda q: gnp.sum((q - final) ** 2))(p)
        u, s = opt.update(g, s, p, **_extra(name, v))
        return optax.apply_updates(p, u), s

    p = np.array([-1.0, 10.0, 1.0], np.float32)
    s = opt.init(p)
    for _ in range(3000):
        p, s = step(p, s)
    assert _np(p).dtype == np.float32
    np.testing.assert_allclose(_np(p), final, rtol=3e-2, atol=3e-2)


def _rosen(p):
    return (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2


@pytest.mark.parametrize("name", sorted(_OPTS))
def test_optimizers_accept_extra_args(name):
    """Every optimizer's update takes (and ignores) a keyword it does not know."""
    opt = _make(name)
    p = np.zeros(2, np.float32)
    s = opt.init(p)
    for _ in range(2):
        v, g = ad.value_and_grad(_rosen)(p)
        kw = _extra(name, v) or {"unexpected_extra_args_your_optimizer_doesnt_expect": 1}
        u, s = opt.update(g, s, p, **kw)
        p = optax.apply_updates(p, u)
    assert np.all(np.isfinite(_np(p)))


@pytest.mark.parametrize("name", sorted(_OPTS))
def test_optimizers_wrapped_in_inject_hyperparams(name):
    """inject_hyperparams(factory)(**kwargs) gives the same updates and inner state as
    factory(**kwargs) (optax issue 412), eagerly and under gpuad.jit."""
    factory = getattr(optax, "rmsprop" if name == "rmsprop_momentum" else name)
    static = ("min_dim_size_to_factor",) if name == "adafactor" else ()
    opt = factory(**_OPTS[name])
    inj = optax.inject_hyperparams(factory, static_args=static)(**_OPTS[name])
    params = [-np.ones((2, 3)), np.ones((2, 5, 2))]
    grads = [np.ones((2, 3)), -np.ones((2, 5, 2))]
    kw = _extra(name, np.array(0.0))
    for run in (lambda f, *a: f(*a), lambda f, *a: ad.jit(f)(*a)):
        u, s = run(functools.partial(opt.update, **kw), grads, opt.init(params), params)
        ui, si = run(functools.partial(inj.update, **kw), grads, inj.init(params), params)
        _close(ui, u, rtol=1e-10)
        _close(si.inner_state, s, rtol=1e-10)


@pytest.mark.parametrize("params_dtype", ["float32", "float64", "complex64", None])
@pytest.mark.parametrize("state_dtype", ["float32", "complex64", None])
@pytest.mark.parametrize("opt_name", ["sgd_mom", "adam", "adamw"])
def test_explicit_state_dtype(params_dtype, state_dtype, opt_name):
    """``accumulator_dtype`` (sgd) and ``mu_dtype`` (adam, adamw) set the dtype of the first
    moment; None keeps the parameters' (a None params dtype: the default float)."""
    if opt_name == "sgd_mom":
        opt, field = optax.sgd(0.1, momentum=0.9, accumulator_dtype=state_dtype), "trace"
    else:
        opt, field = getattr(optax, opt_name)(0.1, mu_dtype=state_dtype), "mu"
    params = gnp.asarray(np.array([0.0, 0.0]), dtype=params_dtype)
    state = opt.init(params)
    want = np.dtype(state_dtype) if state_dtype else np.dtype(_np(params).dtype)
    assert _np(otu.tree_get(state, field)).dtype == want


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("name", sorted(_OPTS))
def test_updates_keep_the_gradient_dtype(name, dtype):
    """optax's test_preserve_dtype: updates have the gradients' dtype, eager and jitted."""
    opt = _make(name)
    fun = lambda x: gnp.sum(x**2)  # noqa: E731
    params = np.array([1.0, 2.0], dtype)
    grads = ad.grad(fun)(params)
    kw = _extra(name, fun(params))
    u, _ = opt.update(grads, opt.init(params), params, **kw)
    assert _np(u).dtype == np.dtype(dtype)
    u, _ = ad.jit(functools.partial(opt.update, **kw))(grads, ad.jit(opt.init)(params), params)
    assert _np(u).dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "complex128"])
@pytest.mark.parametrize("name", sorted(_OPTS))
def test_state_and_params_dtype_stable(name, dtype):
    """Two steps on optax's parabola keep the parameters' dtype and every state leaf's dtype
    and shape (a loss value of another dtype passed along, as optax's test does)."""
    if np.dtype(dtype).kind == "c" and name in _REAL_ONLY:
        pytest.skip("optax skips this optimizer for complex parameters")
    opt = _make(name)
    final = np.array([1.0, -1.0, 1.0], dtype)

    def objective(p):
        d = p - final
        return gnp.sum(gnp.real(d * gnp.conj(d)))

    p = np.array([-1.0, 10.0, 1.0], dtype)
    s0 = opt.init(p)
    s = s0
    for _ in range(2):
        v, g = ad.value_and_grad(objective)(p)
        v = gnp.asarray(v).astype(np.float32 if dtype == "float16" else np.float16)
        u, s = opt.update(g, s, p, **_extra(name, v))
        p = optax.apply_updates(p, u)
        assert _np(p).dtype == np.dtype(dtype)
    shape_dtype = lambda t: [(np.shape(_np(x)), _np(x).dtype) for x in ad.tree_leaves(t)]  # noqa: E731
    assert shape_dtype(s) == shape_dtype(s0)


@pytest.mark.parametrize("name", sorted(_OPTS))
def test_multisteps_first_update_is_zero(name):
    """optax's test_gradient_accumulation: the first of every 4 mini-steps gives zero
    updates in the gradients' dtype, eager and jitted (optax issue 377)."""
    opt = optax.MultiSteps(_make(name), every_k_schedule=4)
    fun = lambda x: gnp.sum(x**2)  # noqa: E731
    params = np.array([1.0, 2.0], np.float32)
    grads = ad.grad(fun)(params)
    kw = _extra(name, fun(params))
    for run in (lambda f: f, ad.jit):
        u, _ = run(functools.partial(opt.update, **kw))(grads, opt.init(params), params)
        np.testing.assert_array_equal(_np(u), np.zeros(2, np.float32))
        assert _np(u).dtype == np.float32


# ---------------------------------------------------------------- L-BFGS (alias, lbfgs tests)


def _run_lbfgs(opt, fun, params, iters, tol=0.0):
    """optax's _run_opt: up to ``iters`` steps, stopping once the gradient norm is below
    ``tol`` (0: run them all)."""
    state = opt.init(params)
    vg = ad.value_and_grad(fun)
    for _ in range(iters):
        v, g = vg(params)
        if tol and float(_np(otu.tree_l2_norm(g))) < tol:
            break
        u, state = opt.update(g, state, params, value=v, grad=g, value_fn=fun)
        params = optax.apply_updates(params, u)
    return params


def _bls(steps=20):
    return optax.scale_by_backtracking_linesearch(max_backtracking_steps=steps)


def _rosenbrock_sum(x):
    return gnp.sum(100.0 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1 - x[..., :-1]) ** 2)


def test_lbfgs_tree_equals_flat_array():
    """optax's test_handling_pytrees (and its preconditioning on trees): L-BFGS on a tuple
    of two rows gives the iterates of L-BFGS on the (2, 4) array."""
    init = np.random.default_rng(0).standard_normal((2, 4))
    fun_tree = lambda t: _rosenbrock_sum(t[0]) + _rosenbrock_sum(t[1])  # noqa: E731
    for ls in (None, _bls()):
        opt = optax.lbfgs(linesearch=ls, learning_rate=1e-3 if ls is None else None)
        arr = _run_lbfgs(opt, _rosenbrock_sum, init, 4)
        tree = _run_lbfgs(opt, fun_tree, (init[0], init[1]), 4)
        np.testing.assert_allclose(np.stack([_np(t) for t in tree]), _np(arr), rtol=1e-10)


def test_lbfgs_complex_equals_real_view():
    """optax's test_lbfgs_complex: L-BFGS over complex ``z`` follows L-BFGS over the real
    pair ``(Re z, Im z)`` step by step (backtracking line search); and the complex
    Rosenbrock of test_lbfgs_complex_rosenbrock reaches ``1 + 1j``."""
    mat = np.array([[1, -2], [3, 4], [-4 + 2j, 5 - 3j], [-2 - 2j, 6]])

    def f_complex(z):
        return gnp.sum(gnp.abs(mat @ z) ** 1.5)

    def f_real(x):
        return f_complex(x[0] + 1j * x[1])

    z0 = np.array([1 - 1j, 0 + 1j])
    x0 = np.stack([z0.real, z0.imag])
    zc = _run_lbfgs(optax.lbfgs(linesearch=_bls()), f_complex, z0, 12)
    xr = _run_lbfgs(optax.lbfgs(linesearch=_bls()), f_real, x0, 12)
    np.testing.assert_allclose(_np(zc), _np(xr)[0] + 1j * _np(xr)[1], rtol=1e-9, atol=1e-12)

    def fun(z):
        return _rosenbrock_sum(gnp.concatenate([gnp.real(z), gnp.imag(z)]))

    got = _run_lbfgs(optax.lbfgs(linesearch=_bls()), fun, np.zeros(3, complex), 150)
    np.testing.assert_allclose(_np(got), np.full(3, 1 + 1j), atol=1e-5)


def test_lbfgs_backtracking_logreg():
    """The logistic regressions of optax's LBFGSTest, solved with the backtracking line
    search: the gradient at the solution is (nearly) zero; compared with scipy's L-BFGS."""
    scipy_opt = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 5))
    y = (x @ rng.standard_normal(5) + 0.5 * rng.standard_normal(10) > 0).astype(float)

    def fun(w):
        z = x @ w
        return gnp.mean(gnp.logaddexp(0.0, gnp.where(y > 0, -z, z))) + 1e-2 * gnp.sum(w * w)

    sol = _run_lbfgs(optax.lbfgs(linesearch=_bls()), fun, np.zeros(5), 60)
    assert float(_np(otu.tree_l2_norm(ad.grad(fun)(sol)))) < 1e-6
    ref = scipy_opt.minimize(
        lambda w: float(_np(fun(w))),
        np.zeros(5),
        jac=lambda w: _np(ad.grad(fun)(w)),
        method="BFGS",
        tol=1e-12,
    )
    np.testing.assert_allclose(_np(sol), ref.x, atol=1e-5)


@pytest.mark.parametrize("problem", ["matyas", "zakharov", "steep"])
def test_lbfgs_backtracking_vs_scipy(problem):
    """optax's test_against_scipy / test_steep_objective problems with known minimisers,
    with the backtracking line search."""
    if problem == "matyas":
        fun, init = (lambda p: 0.26 * (p[0] ** 2 + p[1] ** 2) - 0.48 * p[0] * p[1]), np.full(2, 6.0)
    elif problem == "zakharov":
        ii = np.arange(1.0, 4.0)

        def fun(x):
            s2 = gnp.sum(0.5 * ii * x)
            return gnp.sum(x**2) + s2**2 + s2**4

        init = np.array([2.0, -1.0, 1.5])
    else:
        mat = np.eye(2) * 1e4
        fun, init = (lambda x: gnp.mean((mat @ x) ** 2)), np.ones(2)
    sol = _run_lbfgs(optax.lbfgs(linesearch=_bls(30)), fun, init, 100, tol=1e-8)
    np.testing.assert_allclose(_np(sol), np.zeros_like(init), atol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_lbfgs_dtype_stable(dtype):
    """Two L-BFGS steps (learning rate 0.1, backtracking) keep the parameters' dtype, with
    the loss value given in float16 as optax's test does to confuse it."""
    final = np.array([1.0, -1.0, 1.0], dtype) * ((1 + 1j) if "complex" in dtype else 1)

    def objective(p):
        d = p - final
        return gnp.sum(gnp.real(d * gnp.conj(d)))

    opt = optax.lbfgs(learning_rate=0.1, linesearch=_bls())
    p = np.array([-1.0, 10.0, 1.0], dtype)
    s = opt.init(p)
    for _ in range(2):
        v, g = ad.value_and_grad(objective)(p)
        u, s = opt.update(
            g, s, p, value=gnp.asarray(v).astype(np.float16), grad=g, value_fn=objective
        )
        p = optax.apply_updates(p, u)
        assert _np(p).dtype == np.dtype(dtype)


# ---------------------------------------------------------------- base_test


def test_set_to_zero():
    grads = ({"a": np.ones((3, 4)), "b": 1.0}, np.ones((1, 2, 3)))
    tx = optax.set_to_zero()
    assert tx.init(None) == optax.EmptyState()
    for run in (lambda f: f, ad.jit):
        u, s = run(tx.update)(grads, optax.EmptyState())
        _close(u, ({"a": np.zeros((3, 4)), "b": 0.0}, np.zeros((1, 2, 3))), rtol=0, atol=0)
        assert s == optax.EmptyState()


def test_with_extra_args_support_isinstance():
    t1 = optax.GradientTransformation(lambda p: {}, lambda u, s, p=None: (u, s))
    assert isinstance(t1, optax.GradientTransformation)
    assert not isinstance(t1, optax.GradientTransformationExtraArgs)
    t2 = optax.with_extra_args_support(t1)
    assert isinstance(t2, optax.GradientTransformationExtraArgs)
    t2.update({}, t2.init({}), ignored_arg="hi")
    t3 = optax.with_extra_args_support(t2)
    assert isinstance(t3, optax.GradientTransformationExtraArgs)
    with pytest.raises(TypeError):
        t1.update({}, t1.init({}), ignored_arg="hi")


def test_extra_args_callback():
    """An extra argument may be a Python callable (a metrics logger), eager and jitted."""

    def update(updates, state, *, metrics_logger=None, **extra):
        if metrics_logger:
            metrics_logger("learning_rate", 0.3)
        return updates, state

    t = optax.GradientTransformationExtraArgs(lambda p: {}, update)

    def f(params):
        metrics = {}
        t.update(params, t.init(params), metrics_logger=lambda k, v: metrics.__setitem__(k, v))
        return metrics, params

    assert f({"a": np.ones(())})[0] == {"learning_rate": 0.3}
    assert ad.jit(lambda p: f(p)[1])({"a": np.ones(())}) is not None


def test_stateless():
    params = {"a": np.zeros((1, 2)), "b": np.ones((1,))}
    updates = {"a": np.ones((1, 2)), "b": np.full((1,), 2.0)}
    want = {"a": np.ones((1, 2)), "b": np.array([2.1])}
    opt = optax.stateless(lambda g, p: ad.tree_map(lambda g_, p_: g_ + 0.1 * p_, g, p))
    opt2 = optax.stateless_with_tree_map(lambda g, p: g + 0.1 * p)
    for o in (opt, opt2):
        assert isinstance(o.init(None), optax.EmptyState)
        for run in (lambda f: f, ad.jit):
            _close(run(o.update)(updates, o.init(params), params)[0], want, rtol=1e-12)
    lin = {"linear": np.full((5, 3), 3.0)}
    for o in (
        optax.stateless(lambda g, _: ad.tree_map(lambda x: x * 2, g)),
        optax.stateless_with_tree_map(lambda g, _: g * 2.0),
    ):
        _close(o.update(lin, o.init(None))[0], {"linear": np.full((5, 3), 6.0)}, rtol=0)


# ---------------------------------------------------------------- constrain, transform, update


def test_keep_params_nonnegative_and_zero_nans():
    grads = (np.array([500.0, -500.0, 0.0]),) * 3
    params = (np.full(3, -1.0), np.ones(3), np.zeros(3))
    sgd = optax.chain(optax.trace(decay=0, nesterov=False), optax.scale(-1e-2))
    u, _ = sgd.update(grads, sgd.init(params), params)
    plain = [p - 5.0 * np.sign(g) for p, g in zip(params, grads, strict=True)]
    _close(optax.apply_updates(params, u), plain, rtol=1e-12)
    opt = optax.chain(
        optax.trace(decay=0, nesterov=False), optax.scale(-1e-2), optax.keep_params_nonnegative()
    )
    u, _ = opt.update(grads, opt.init(params), params)
    _close(optax.apply_updates(params, u), [np.maximum(q, 0) for q in plain], rtol=1e-12)

    zn = optax.zero_nans()
    p = (np.zeros(3),) * 3
    s = zn.init(p)
    assert [bool(_np(f)) for f in s.found_nan] == [False] * 3
    nan, inf = np.nan, np.inf
    for g, found in (
        ((np.ones(3), np.array([1.0, nan, nan]), np.array([nan, 1.0, 1.0])), [0, 1, 1]),
        ((np.ones(3), np.array([1.0, nan, nan]), np.array([inf, 1.0, 1.0])), [0, 1, 0]),
        ((np.ones(3),) * 3, [0, 0, 0]),
    ):
        u, s = ad.jit(zn.update)(g, s)
        assert [bool(_np(f)) for f in s.found_nan] == [bool(f) for f in found]
        _close(u, [np.where(np.isnan(x), 0.0, x) for x in g], rtol=0)


_SCALERS = {
    "adam": optax.scale_by_adam,
    "adamax": optax.scale_by_adamax,
    "rmsprop": optax.scale_by_rms,
    "stddev": optax.scale_by_stddev,
    "trust_ratio": optax.scale_by_trust_ratio,
    "param_block_norm": optax.scale_by_param_block_norm,
    "param_block_rms": optax.scale_by_param_block_rms,
    "factored_rms": optax.scale_by_factored_rms,
}
_INIT = (np.array([1.0, 2.0]), np.array([3.0, 4.0]))
_STEP = (np.array([500.0, 5.0]), np.array([300.0, 3.0]))


@pytest.mark.parametrize("name", sorted(_SCALERS))
def test_scalers_finite_and_shaped(name):
    tx = _SCALERS[name]()
    for run in (lambda f: f, ad.jit):
        state = run(tx.init)(_INIT)
        u, state = run(tx.update)(_STEP, state, _INIT)
        for leaf in ad.tree_leaves((u, state)):
            assert np.all(np.isfinite(_np(leaf)))
        assert [np.shape(_np(x)) for x in u] == [(2,), (2,)]


def test_add_decayed_weights_mask():
    mask = (True, {"a": True, "b": False})
    tx = optax.add_decayed_weights(0.1, mask=mask)
    zeros = (np.zeros(2, np.float32), {"a": np.zeros(2, np.float32), "b": np.zeros(2, np.float32)})
    ones = ad.tree_map(np.ones_like, zeros)
    for run in (lambda f: f, ad.jit):
        u, _ = run(tx.update)(zeros, tx.init(ones), ones)
        _close(u, (np.full(2, 0.1), {"a": np.full(2, 0.1), "b": np.zeros(2)}), rtol=1e-7)
        assert _np(u[0]).dtype == np.float32


def test_adamax_infinity_moment():
    """optax's update_infinity_moment (``max(decay * nu, |g| + eps)``) seen through
    scale_by_adamax's state: identity on itself, decayed max on zeros, absolute values, at
    least eps."""
    d, values = 0.9, np.array([5.0, 7.0])
    for g, nu0, eps, want in (
        (values, values, 0.0, values),
        (np.zeros(2), values, 0.0, d * values),
        (-values, np.zeros(2), 0.0, values),
        (np.zeros(2), np.zeros(2), 1e-2, np.full(2, 1e-2)),
    ):
        tx = optax.scale_by_adamax(b2=d, eps=eps)
        s = tx.init(values)._replace(nu=nu0)
        _, s = tx.update(g, s)
        np.testing.assert_allclose(_np(s.nu), want, rtol=1e-12)


def test_apply_every():
    """apply_every(4) chained with sgd equals plain sgd every 4 steps and gives exact zeros
    in between."""
    k, lr = 4, 1e-2
    sgd = optax.sgd(lr, 0.0)
    every = optax.chain(
        optax.apply_every(k=k), optax.trace(decay=0, nesterov=False), optax.scale(-lr)
    )
    p1 = p2 = _INIT
    s1, s2 = sgd.init(p1), every.init(p2)
    upd = ad.jit(every.update)
    for i in range(12):
        u1, s1 = sgd.update(_STEP, s1)
        p1 = optax.apply_updates(p1, u1)
        u2, s2 = upd(_STEP, s2)
        p2 = optax.apply_updates(p2, u2)
        if i % k == k - 1:
            _close(p2, p1, rtol=1e-12)
        else:
            _close(u2, (np.zeros(2), np.zeros(2)), rtol=0, atol=0)


def test_scale():
    for i in range(1, 51):
        u, _ = optax.scale(0.1**i).update(_STEP, None)
        _close(u, [x * 0.1**i for x in _STEP], rtol=1e-15)


@pytest.mark.parametrize("shape", [(2,), (2, 2), (2, 2, 2)])
def test_centralize(shape):
    """Each row of a matrix (or higher) loses its mean over all but the first axis; vectors
    pass unchanged (optax's 1-d case)."""
    x = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    u, _ = optax.centralize().update(x, None)
    want = x if x.ndim == 1 else x - x.mean(axis=tuple(range(1, x.ndim)), keepdims=True)
    np.testing.assert_allclose(_np(u), want, rtol=1e-12)


def test_add_noise_variance_scaling():
    """The noise at step i is the unit noise (same key) times sqrt(eta / i**gamma)."""
    eta, gamma, seed = 0.3, 0.55, 314
    noise, unit = optax.add_noise(eta, gamma, key=seed), optax.add_noise(1.0, 0.0, key=seed)
    s, su = noise.init(_INIT), unit.init(_INIT)
    zeros = ad.tree_map(np.zeros_like, _INIT)
    step = ad.jit(noise.update)
    for i in range(1, 21):
        u, s = step(zeros, s)
        uu, su = unit.update(zeros, su)
        _close(u, [x * np.sqrt(eta / i**gamma) for x in map(_np, uu)], rtol=1e-10)


def test_scale_by_optimistic_gradient():
    """``2 g - g_prev`` with a previous gradient of 1.5; on the first step ``g_prev = g``
    (optax's state since its issue 1082: is_initial_step, previous_gradient)."""
    og = optax.scale_by_optimistic_gradient()
    params = {"x": np.array(2.0)}
    g = ad.grad(lambda p: p["x"] ** 2)(params)
    state = og.init(params)
    u, _ = og.update(g, state)
    assert float(_np(u["x"])) == float(_np(g["x"]))
    state = state._replace(
        is_initial_step=gnp.asarray(False), previous_gradient={"x": np.array(1.5)}
    )
    u, state = og.update(g, state)
    assert float(_np(u["x"])) == 2 * float(_np(g["x"])) - 1.5
    assert float(_np(state.previous_gradient["x"])) == float(_np(g["x"]))


def test_adam_bias_correction_float16_finite():
    """optax's bf16 bias correction check, in float16 (whose range is bfloat16's cut to
    values whose squares fit, 0.1 .. 100): Adam's bias-corrected moments stay finite for
    decays up to 0.9995 and counts up to 1000."""
    m = np.logspace(-1, 2, num=7).astype(np.float16)
    for b in (0.9, 0.99, 0.999, 0.9995):
        tx = optax.scale_by_adam(b1=b, b2=b)
        for count in (1, 10, 100, 1000):
            s = tx.init(m)._replace(count=gnp.asarray(count - 1, dtype=np.int32))
            u, s = tx.update(m, s)
            assert _np(u).dtype == np.float16
            assert np.all(np.isfinite(_np(u))), (b, count)


def test_apply_updates():
    params = ({"a": np.ones((3, 2))}, np.ones((1,)))
    grads = ad.tree_map(lambda t: 2 * t, params)
    for run in (lambda f: f, ad.jit):
        _close(
            run(optax.apply_updates)(params, grads),
            ad.tree_map(lambda t: 3 * t, params),
            rtol=1e-15,
        )
    low = ({"a": np.ones((3, 2), np.float16)}, np.ones((1,), np.float16))
    new = optax.apply_updates(low, ad.tree_map(lambda t: (2 * t).astype(np.float32), low))
    assert all(_np(x).dtype == np.float16 for x in ad.tree_leaves(new))


def test_incremental_and_periodic_update():
    p1 = ({"a": np.ones((3, 2))}, np.ones((1,)))
    p2 = ad.tree_map(lambda t: 2 * t, p1)
    for run in (lambda f: f, ad.jit):
        _close(
            run(optax.incremental_update)(p2, p1, 0.5),
            ad.tree_map(lambda t: 1.5 * t, p1),
            rtol=1e-15,
        )
    period = 5
    for j in range(3):
        for i in range(1, period):
            for steps in (j * period + i, gnp.asarray(j * period + i, dtype=np.int32)):
                _close(optax.periodic_update(p2, p1, steps, period), p1, rtol=0)
        for steps in ((j + 1) * period, gnp.asarray((j + 1) * period, dtype=np.int32)):
            _close(optax.periodic_update(p2, p1, steps, period), p2, rtol=0)
    jitted = ad.jit(lambda s: optax.periodic_update(p2, p1, s, period))
    _close(jitted(gnp.asarray(10, dtype=np.int32)), p2, rtol=0)
    _close(jitted(gnp.asarray(11, dtype=np.int32)), p1, rtol=0)


@pytest.mark.parametrize("scale", [-0.5, 0.0, 0.5, 1.0, 2.0])
def test_scale_gradient(scale):
    """The value passes unchanged; the gradient is scaled (against JAX's custom rule: the
    gradient of scale_gradient(x)**2 is 2 * x * scale); also on a pytree."""
    for x in (-1.0, 0.0, 1.0):
        fn = lambda v: optax.scale_gradient(v, scale) ** 2  # noqa: E731
        assert float(_np(fn(np.float64(x)))) == x**2
        assert float(_np(ad.grad(fn)(np.float64(x)))) == 2 * x * scale
    inputs = {"a": np.float64(-1.0), "b": {"c": (np.float64(2.0),), "d": np.float64(0.0)}}

    def tree_fn(t):
        return sum(v**2 for v in ad.tree_leaves(optax.scale_gradient(t, scale)))

    assert float(_np(tree_fn(inputs))) == 5.0
    _close(ad.grad(tree_fn)(inputs), ad.tree_map(lambda v: 2 * v * scale, inputs), rtol=0)


# ---------------------------------------------------------------- float64_test, linear_algebra


_MIXED = {
    "identity": lambda: optax.identity(),
    "clip": lambda: optax.clip(1.0),
    "clip_by_global_norm": lambda: optax.clip_by_global_norm(1.0),
    "trace": lambda: optax.trace(0.5, nesterov=False),
    "trace_nesterov": lambda: optax.trace(0.5, nesterov=True),
    "scale_by_rss": optax.scale_by_rss,
    "scale_by_rms": optax.scale_by_rms,
    "scale_by_stddev": optax.scale_by_stddev,
    "scale_by_adam": optax.scale_by_adam,
    "scale": lambda: optax.scale(3.0),
    "add_decayed_weights": lambda: optax.add_decayed_weights(0.1),
    "scale_by_schedule": lambda: optax.scale_by_schedule(lambda c: c * 0.1),
    "scale_by_trust_ratio": optax.scale_by_trust_ratio,
    "add_noise": lambda: optax.add_noise(1.0, 0.1, key=42),
    "apply_every": optax.apply_every,
    "adagrad": lambda: optax.adagrad(0.1),
    "adam": lambda: optax.adam(0.1),
    "adamw": lambda: optax.adamw(0.1),
    "fromage": lambda: optax.fromage(0.1),
    "lamb": lambda: optax.lamb(0.1),
    "noisy_sgd": lambda: optax.noisy_sgd(0.1),
    "rmsprop": lambda: optax.rmsprop(0.1),
    "sgd": lambda: optax.sgd(0.1),
    "dpsgd": lambda: optax.dpsgd(0.1, l2_norm_clip=0.9, noise_multiplier=1.1, seed=42),
}


@pytest.mark.parametrize("name", sorted(_MIXED))
def test_mixed_float32_float64_leaves(name):
    """A float32 and a float64 leaf side by side: each keeps its dtype in the state and in
    the new parameters, eager and jitted."""
    params = (np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float64))
    updates = (np.array([10.0, 21.0], np.float32), np.array([33.0, 42.0], np.float64))
    tx = _MIXED[name]()
    dtypes = lambda t: [_np(x).dtype for x in ad.tree_leaves(t)]  # noqa: E731
    for run in (lambda f: f, ad.jit):
        s0 = run(tx.init)(params)
        u, s1 = run(tx.update)(updates, s0, params)
        assert dtypes(s1) == dtypes(s0)
        assert dtypes(optax.apply_updates(params, u)) == [np.float32, np.float64]


def test_global_norm():
    jax = _jax()
    flat = np.array([2.0, 4.0, 3.0, 5.0], np.float32)
    nested = {"a": flat[:2], "b": flat[2:]}
    want = np.asarray(jax.numpy.sqrt(jax.numpy.sum(jax.numpy.asarray(flat) ** 2)))
    np.testing.assert_allclose(_np(optax.global_norm(nested)), want, rtol=1e-6)


# ---------------------------------------------------------------- equivalence_test


_EQUIV = {
    "sgd": (lambda lr: optax.sgd(lr, 0.0), lambda o, lr: o.sgd(lr)),
    "adam": (lambda lr: optax.adam(lr, 0.9, 0.999, 1e-8), lambda o, lr: o.adam(lr, 0.9, 0.999)),
    "rmsprop": (
        lambda lr: optax.rmsprop(lr, decay=0.9, eps=0.1),
        lambda o, lr: o.rmsprop(lr, 0.9, 0.1),
    ),
    "rmsprop_momentum": (
        lambda lr: optax.rmsprop(lr, decay=0.9, eps=0.1, momentum=0.9),
        lambda o, lr: o.rmsprop_momentum(lr, 0.9, 0.1, 0.9),
    ),
    "adagrad": (lambda lr: optax.adagrad(lr, 0.0, 0.0), lambda o, lr: o.adagrad(lr, 0.0)),
    "sm3": (lambda lr: optax.sm3(lr), lambda o, lr: o.sm3(lr)),
}


@pytest.mark.parametrize("schedule", [False, True])
@pytest.mark.parametrize("name", sorted(_EQUIV))
def test_equivalent_to_jax_example_libraries(name, schedule):
    """50 steps of gpuad.optax against jax.example_libraries.optimizers in the same process
    (optax's OptimizersEquivalenceTest; a constant schedule as the learning rate too)."""
    _jax()
    from jax.example_libraries import optimizers as jopt

    lr = 1e-2
    ours, theirs = _EQUIV[name]
    if name == "sm3" and schedule:
        pytest.skip("optax's sm3 takes a number, not a schedule")
    opt = ours((lambda _: lr) if schedule else lr)
    init = (np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]))
    step_updates = (np.array([500.0, 5.0]), np.array([300.0, 3.0, 1.0]))
    o_init, o_update, get_params = theirs(jopt, lr)
    st = o_init(init)
    for i in range(50):
        st = o_update(i, step_updates, st)
    want = get_params(st)
    params, state = init, opt.init(init)
    step = ad.jit(opt.update)
    for _ in range(50):
        u, state = step(step_updates, state)
        params = optax.apply_updates(params, u)
    _close(params, [np.asarray(w) for w in want], rtol=1e-2 if name == "sm3" else 1e-10)


# ---------------------------------------------------------------- linesearch_test


def _problems():
    return {
        "rosenbrock": (_rosenbrock_sum, (16,)),
        "himmelblau": (
            lambda x: (x[0] ** 2 + x[1] - 11.0) ** 2 + (x[0] + x[1] ** 2 - 7.0) ** 2,
            (2,),
        ),
        "matyas": (lambda x: 0.26 * (x[0] ** 2 + x[1] ** 2) - 0.48 * x[0] * x[1], (2,)),
        "eggholder": (
            lambda x: (
                -(x[1] + 47) * gnp.sin(gnp.sqrt(gnp.abs(x[0] / 2.0 + x[1] + 47.0)))
                - x[0] * gnp.sin(gnp.sqrt(gnp.abs(x[0] - (x[1] + 47.0))))
            ),
            (2,),
        ),
    }


def test_backtracking_state_value_inf_then_finite():
    fun = lambda x: gnp.sum(x**2)  # noqa: E731
    params = np.zeros(2)
    opt = _bls(5)
    state = opt.init(params)
    assert np.isinf(_np(otu.tree_get(state, "value")))
    update = ad.jit(functools.partial(opt.update, value_fn=fun))
    _, state = update(
        -ad.grad(fun)(params), state, params, value=fun(params), grad=ad.grad(fun)(params)
    )
    assert not np.isinf(_np(otu.tree_get(state, "value")))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("increase_factor", [1.0, 1.5, math.inf])
@pytest.mark.parametrize("problem", ["rosenbrock", "himmelblau", "matyas", "eggholder"])
def test_backtracking_sufficient_decrease(problem, increase_factor, seed):
    """One step of sgd(1) then the backtracking line search satisfies the Armijo condition
    ``f(new) <= (1 + rtol) f(old) + slope_rtol * lr * <d, g> + atol`` (optax's check; the
    tolerances alternate between optax's two settings)."""
    fn, shape = _problems()[problem]
    init = np.random.default_rng(seed).standard_normal(shape)
    tol = 1e-4 if seed else 0.0
    args = dict(
        max_backtracking_steps=50,
        slope_rtol=1e-4 if seed else 0.0,
        increase_factor=increase_factor,
        atol=tol,
        rtol=tol,
    )
    solver = optax.chain(optax.sgd(1.0), optax.scale_by_backtracking_linesearch(**args))
    value, grad = ad.value_and_grad(fn)(init)
    u, state = solver.update(grad, solver.init(init), init, value=value, grad=grad, value_fn=fn)
    new = optax.apply_updates(init, u)
    lr = float(_np(state[-1].learning_rate))
    slope = float(np.vdot(-_np(grad), _np(grad)))
    bound = (1 + tol) * float(_np(value)) + args["slope_rtol"] * lr * slope + tol
    assert float(_np(fn(new))) <= bound + 1e-12


def test_gradient_descent_with_backtracking():
    final = np.array([1.0, -1.0, 1.0])
    fn = lambda p: gnp.sum((p - final) ** 2)  # noqa: E731
    solver = optax.chain(optax.sgd(10.0), _bls(15))
    update = ad.jit(functools.partial(solver.update, value_fn=fn))
    params, state = np.array([-1.0, 10.0, 1.0]), solver.init(np.zeros(3))
    for _ in range(40):
        value, grad = ad.value_and_grad(fn)(params)
        u, state = update(grad, state, params, value=value, grad=grad)
        params = optax.apply_updates(params, u)
    np.testing.assert_allclose(_np(params), final, atol=1e-2)


def test_recycling_value_and_grad():
    """With store_grad=True, value_and_grad_from_state reads the value and gradient the line
    search stored: after the first step a wrong function is never evaluated."""
    final = np.array([1.0, -1.0, 1.0])
    fn = lambda p: gnp.sum((p - final) ** 2)  # noqa: E731
    vg = optax.value_and_grad_from_state(fn)
    fake = optax.value_and_grad_from_state(lambda _: gnp.asarray(1.0))
    solver = optax.chain(
        optax.sgd(0.1),
        optax.scale_by_backtracking_linesearch(
            max_backtracking_steps=15, increase_factor=1.0, slope_rtol=0.5, store_grad=True
        ),
    )
    update = functools.partial(solver.update, value_fn=fn)
    params = np.array([1.0, 10.0, 1.0])
    state = solver.init(params)
    for it in range(40):
        value, grad = (fake if it > 0 else vg)(params, state=state)
        u, state = update(grad, state, params, value=value, grad=grad)
        params = optax.apply_updates(params, u)
    np.testing.assert_allclose(_np(params), final, atol=1e-2)


def test_armijo_sgd():
    """The loss's data reach value_fn as keyword arguments of update (optax's Armijo SGD on
    a least-squares problem, two batches in turn)."""
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((2, 16, 2))
    target = rng.standard_normal(2)
    ys = np.stack([x @ target for x in xs]) + 1e-3 * rng.standard_normal((2, 16))
    fn = lambda p, x, y: gnp.sum((x @ p - y) ** 2)  # noqa: E731
    solver = optax.chain(optax.sgd(1.0), _bls(15))
    update = ad.jit(functools.partial(solver.update, value_fn=fn))
    params, state = np.zeros(2), solver.init(np.zeros(2))
    for i in range(10):
        x, y = xs[i % 2], ys[i % 2]
        value, grad = ad.value_and_grad(fn)(params, x, y)
        u, state = update(grad, state, params, value=value, grad=grad, x=x, y=y)
        params = optax.apply_updates(params, u)
    np.testing.assert_allclose(_np(params), target, atol=5e-2, rtol=5e-2)


@pytest.mark.parametrize("confuse", ["float32", "float64"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_backtracking_dtype_stability(dtype, confuse):
    """Hyperparameters given as 0-d arrays of another dtype and a loss of another dtype:
    the update runs and keeps the parameters' dtype."""
    kw = ["slope_rtol", "decrease_factor", "increase_factor", "max_learning_rate", "atol", "rtol"]
    opt = optax.scale_by_backtracking_linesearch(
        max_backtracking_steps=5, **{k: np.array(1e-5, dtype=confuse) for k in kw}
    )
    x = np.array([1.0, 2.0], dtype=dtype)
    value_fn = lambda x: gnp.sum(x**2).astype(confuse)  # noqa: E731
    u, _ = opt.update(x, opt.init(x), x, value=1.0, grad=x, value_fn=value_fn)
    assert _np(u).dtype == np.dtype(dtype)


def test_value_and_grad_from_state():
    fn = lambda x: gnp.sum(x**2)  # noqa: E731
    vg = optax.value_and_grad_from_state(fn)
    params = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="store_grad"):
        vg(params, state=optax.scale_by_adam().init(params))
    two = optax.chain(_bls(15), _bls(15))
    with pytest.raises(KeyError):
        vg(params, state=two.init(params))
    opt = optax.chain(
        optax.sgd(1.0),
        optax.scale_by_backtracking_linesearch(max_backtracking_steps=15, store_grad=True),
    )
    state = opt.init(params)
    value, grad = vg(params, state=state)
    np.testing.assert_allclose(_np(grad), 2 * params)
    u, state = opt.update(grad, state, params, value=value, grad=grad, value_fn=fn)
    params = optax.apply_updates(params, u)
    value, _ = optax.value_and_grad_from_state(lambda _: gnp.asarray(1.0))(params, state=state)
    assert float(_np(value)) == pytest.approx(float(_np(fn(params))))
    assert float(_np(value)) != 1.0


# ---------------------------------------------------------------- lookahead_test


def _fast_optimizer(step_size):
    """optax's test optimizer: SGD with a state that sums the gradients and a flag that the
    reset must restore."""

    def init(params):
        return {"aggregate": ad.tree_map(gnp.zeros_like, params), "is_reset": np.array(True)}

    def update(updates, state, params):
        agg = optax.apply_updates(state["aggregate"], updates)
        return (
            ad.tree_map(lambda u: step_size * u, updates),
            {"aggregate": agg, "is_reset": np.array(False)},
        )

    return optax.GradientTransformation(init, update)


_GRADS = {"x": np.array(2.0), "y": np.array(-2.0)}
_START = {"x": np.array(3.0), "y": np.array(-3.0)}


def _loop(opt, steps, params, jit=False):
    update = ad.jit(opt.update) if jit else opt.update
    state = opt.init(params)
    for _ in range(steps):
        u, state = update(_GRADS, state, params)
        params = optax.apply_updates(params, u)
    return params, state


@pytest.mark.parametrize("jit", [False, True])
def test_lookahead(jit):
    """x: 3 -> 2 -> 1 -> 2 (sync) -> 1 -> 0 -> 1 (sync); y the same with the sign flipped."""
    opt = optax.lookahead(_fast_optimizer(-0.5), sync_period=3, slow_step_size=1 / 3)
    final, _ = _loop(opt, 6, optax.LookaheadParams.init_synced(_START), jit)
    slow = {k: float(_np(v)) for k, v in final.slow.items()}
    # the slow weights by hand: each sync moves them 1/3 of the way to the fast ones
    x = 3.0
    for _ in range(2):
        x = x + (1 / 3) * ((x - 3 * 0.5 * 2.0) - x)
    assert slow == pytest.approx({"x": x, "y": -x})


@pytest.mark.parametrize("reset_state", [False, True])
def test_lookahead_state_reset(reset_state):
    fast = _fast_optimizer(-0.5)
    opt = optax.lookahead(fast, sync_period=3, slow_step_size=0.5, reset_state=reset_state)
    _, state = _loop(opt, 3, optax.LookaheadParams.init_synced(_START))
    want = fast.init(_START) if reset_state else _loop(fast, 3, _START)[1]
    _close(state.fast_state, want, rtol=0)


@pytest.mark.parametrize(
    ("sync_period", "slow_step_size"), [(1, 0.5), (1, 0.0), (1, 1.0), (2, 1.0)]
)
def test_lookahead_edge_cases(sync_period, slow_step_size):
    """Two steps of SGD with step -1 on gradient 2: a slow step of 0 keeps the start, 1 (or
    sync every step) follows the fast weights; 0.5 with sync 1 goes half-way each time."""
    opt = optax.lookahead(_fast_optimizer(-1.0), sync_period, slow_step_size)
    final, _ = _loop(opt, 2, optax.LookaheadParams.init_synced(_START))
    x = 3.0
    fast = x
    for step in range(2):
        fast = fast - 2.0
        if (step + 1) % sync_period == 0:
            x = x + slow_step_size * (fast - x)
            fast = x
    assert float(_np(final.slow["x"])) == pytest.approx(x)
    assert float(_np(final.slow["y"])) == pytest.approx(-x)
    with pytest.raises(ValueError, match="LookaheadParams"):
        opt.init(_START)


# ---------------------------------------------------------------- loss_test


def _loss_cases(jnp, jax):
    ys4, ts4 = np.array([-2.0, -1.0, 0.5, 1.0]), np.array([-1.5, 0.0, -1, 1.0])
    hy = np.array([-2.0, 0.5, 0.0, 0.5, 2.0, 4.0, 132.0])
    ht = np.array([0.0, -0.5, 0.0, 1.0, 1.0, 2.0, 0.3])
    lab = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    logits = np.array([[10.0, 1.0, -2.0], [1.0, 4.0, 0.2]])
    cy = np.array([[10.0, 1.0, -2.0], [1.0, 4.0, 0.2]])
    ct = np.array([[0.0, 1.2, 0.2], [1.0, -0.3, 0.0]])
    lcy, lct = np.array([500, -2.0, -1.0, 0.5, 1.0]), np.array([-200, -1.5, 0.0, -1, 1.0])
    log_ps = np.array(
        [
            [-2.9957, -3.5066, -3.9120, -1.2040, -0.6931, -2.3026],
            [-1.6094, -1.6094, -1.6094, -2.3026, -1.8971, -1.8971],
        ]
    )
    qs = np.array([[0.2, 0.2, 0.2, 0.1, 0.15, 0.15], [0.05, 0.03, 0.02, 0.3, 0.5, 0.1]])
    hinge_y = np.array([-0.977, -1.018, -0.817, -0.736, 2.082, 1.841, -1.058])
    hinge_t = np.array([-1, -1, -1, -1, 1, 1, -1])

    def jcos(a, b):
        return (a * b).sum(-1) / (jnp.linalg.norm(a, axis=-1) * jnp.linalg.norm(b, axis=-1))

    def jlogcosh(a, b=None):
        e = a if b is None else a - b
        return jnp.logaddexp(e, -e) - jnp.log(2.0)

    return {
        "l2": [
            (optax.l2_loss, lambda a, b: 0.5 * (a - b) ** 2, (ys4, ts4)),
            (optax.l2_loss, lambda a, b: 0.5 * (a - b) ** 2, (ys4[0], ts4[0])),
        ],
        "huber": [
            (
                lambda a, b: optax.huber_loss(a, b, delta=1.0),
                lambda a, b: jnp.where(
                    jnp.abs(a - b) <= 1, 0.5 * (a - b) ** 2, jnp.abs(a - b) - 0.5
                ),
                (hy, ht),
            )
        ],
        "smooth": [
            (
                lambda t, a=a: optax.smooth_labels(t, a),
                lambda t, a=a: (1 - a) * t + a / t.shape[-1],
                (x,),
            )
            for a in (0.0, 0.1, 1.0)
            for x in (lab, lab[0])
        ],
        "softmax_ce": [
            (optax.softmax_cross_entropy, lambda z, t: -(t * jax.nn.log_softmax(z)).sum(-1), (x, t))
            for x, t in ((logits, lab), (logits[0], lab[0]))
        ],
        "int_labels": [
            (
                optax.softmax_cross_entropy_with_integer_labels,
                lambda z, i: (
                    -jnp.take_along_axis(jax.nn.log_softmax(z), jnp.asarray(i)[..., None], -1)[
                        ..., 0
                    ]
                ),
                (x, i),
            )
            for x, i in ((logits, np.array([1, 0])), (logits[0], np.array(1)))
        ],
        "sigmoid_extremes": [
            (
                optax.sigmoid_binary_cross_entropy,
                lambda z, t: -(t * jax.nn.log_sigmoid(z) + (1 - t) * jax.nn.log_sigmoid(-z)),
                (p, t),
            )
            for p in (
                np.array([-1e9, -1e-9]),
                np.array([1e9, 1e-9]),
                np.array([-1e9, 1e-9]),
                np.array([1e9, -1e-9]),
                np.zeros(2),
            )
            for t in (np.array([1.0, 0.0]), np.array([0.0, 1.0]))
        ],
        "cosine": [
            (f, lambda a, b, g=g: g(jcos(a, b)), (a, b))
            for f, g in (
                (optax.cosine_similarity, lambda s: s),
                (optax.cosine_distance, lambda s: 1 - s),
            )
            for a, b in ((cy, ct), (cy[0], ct[0]))
        ],
        "log_cosh": [
            (optax.log_cosh, jlogcosh, (lcy, lct)),
            (optax.log_cosh, jlogcosh, (lcy,)),
            (optax.log_cosh, jlogcosh, (lcy[0], lct[0])),
            (optax.log_cosh, jlogcosh, (lcy[0],)),
        ],
        "kl": [
            (
                optax.kl_divergence,
                lambda lp, q: (q * (jnp.where(q > 0, jnp.log(q), 0.0) - lp)).sum(-1),
                (a, b),
            )
            for a, b in ((log_ps, qs), (log_ps[0], qs[0]))
        ],
        "kl_log": [
            (
                optax.losses.kl_divergence_with_log_targets,
                lambda lp, lq: (jnp.exp(lq) * (lq - lp)).sum(-1),
                (a, b),
            )
            for a, b in ((log_ps, log_ps[::-1]), (log_ps[0], log_ps[1]))
        ],
        "hinge": [(optax.hinge_loss, lambda y, t: jnp.maximum(0, 1 - y * t), (hinge_y, hinge_t))],
    }


@pytest.mark.parametrize(
    "case",
    [
        "l2",
        "huber",
        "smooth",
        "softmax_ce",
        "int_labels",
        "sigmoid_extremes",
        "cosine",
        "log_cosh",
        "kl",
        "kl_log",
        "hinge",
    ],
)
def test_loss_values_vs_jax(case):
    """optax's loss_test inputs (the overflowing log_cosh of 500, the sigmoid cross entropy
    of +-1e9, ...) through gpuad.optax and optax's formulas in jax.numpy (float64), values
    and, for the differentiable first argument, gradients against jax.grad."""
    jax = _jax()
    jnp = jax.numpy
    for ours, theirs, args in _loss_cases(jnp, jax)[case]:
        got = _np(ours(*args))
        want = np.asarray(theirs(*[jnp.asarray(a) for a in args]))
        assert got.shape == want.shape, (case, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12)
        if case in ("smooth", "int_labels", "hinge") or np.any(np.abs(args[0]) > 100):
            continue
        rest = args[1:]
        g = _np(ad.grad(lambda a: gnp.sum(ours(a, *rest)))(args[0]))
        gw = np.asarray(jax.grad(lambda a: jnp.sum(theirs(a, *rest)))(jnp.asarray(args[0])))
        np.testing.assert_allclose(g, gw, rtol=1e-7, atol=1e-10)


def test_l2_loss_shape_mismatch():
    """optax asserts equal shapes; gpuad raises naming both rather than broadcasting."""
    ys, ts = np.array([-2.0, -1.0, 0.5, 1.0]), np.array([-1.5, 0.0, -1, 1.0])
    for run in (lambda f: f, ad.jit):
        with pytest.raises(ValueError, match=r"\(4,\).*\(4, 1\)"):
            run(optax.l2_loss)(ys, ts[:, None])


def test_ctc_one_to_one_alignment():
    """With as many frames as labels (no repeats) the only path emits each label once:
    the loss is minus the sum of their log-probabilities, the forward probabilities hold
    that path, and with paddings the gradient is softmax minus the one-hot labels (zero on
    padded frames), per example, against jax.nn.softmax."""
    jax = _jax()
    rng = np.random.default_rng(1234)
    b, t, k = 3, 6, 7
    logits = rng.standard_normal((b, t, k))
    labels = np.array([rng.permutation(np.arange(1, k))[:t] for _ in range(b)])
    logp = np.asarray(jax.nn.log_softmax(logits))
    loss, blank, emit = optax.ctc_loss_with_forward_probs(
        logits, np.zeros((b, t)), labels, np.zeros((b, t))
    )
    path = -np.take_along_axis(logp, labels[..., None], -1)[..., 0].sum(-1)
    np.testing.assert_allclose(_np(loss), path, rtol=1e-9)
    np.testing.assert_allclose(_np(blank)[-1, :, 0], logp[:, :, 0].sum(-1), rtol=1e-9)
    np.testing.assert_allclose(_np(emit)[-1, :, t - 1], -path, rtol=1e-9)
    np.testing.assert_allclose(_np(blank)[-1, :, t], -path, rtol=1e-9)

    lengths = np.array([3, 5, 4])
    pad = (np.arange(t)[None] >= lengths[:, None]).astype(float)
    loss = optax.ctc_loss(logits, pad, labels, pad)
    grad = _np(ad.grad(lambda z: gnp.mean(optax.ctc_loss(z, pad, labels, pad)))(logits))
    for n in range(b):
        m = lengths[n]
        want = -logp[n, np.arange(m), labels[n, :m]].sum()
        np.testing.assert_allclose(_np(loss)[n], want, rtol=1e-9)
        g = np.array(jax.nn.softmax(logits[n]))
        g[m:] = 0.0
        g[np.arange(m), labels[n, :m]] -= 1.0
        np.testing.assert_allclose(grad[n], g / b, rtol=1e-7, atol=1e-12)


# ---------------------------------------------------------------- numerics_test


def test_safe_int32_increment():
    for run in (lambda f: f, ad.jit):
        got = run(optax.safe_int32_increment)(gnp.asarray(3, dtype=np.int32))
        assert int(_np(got)) == 4 and _np(got).dtype == np.int32
        top = gnp.asarray(np.iinfo(np.int32).max, dtype=np.int32)
        assert int(_np(run(optax.safe_int32_increment)(top))) == np.iinfo(np.int32).max
    with pytest.raises(TypeError, match="int32"):
        optax.safe_int32_increment(np.float32(1.0))


_ORDS = [None, np.inf, -np.inf, "fro", "nuc", 0, 1, 2, -2, -1.5, 1.5]


def _ord_cases():
    for o in _ORDS:
        for axis in (None, 0, 1):
            if (
                (o == 0 and axis is None)
                or (isinstance(o, float) and axis is None)
                or (isinstance(o, str) and axis is not None)
            ):
                continue
            if o == "nuc" or (axis is None and o in (2, -2, np.inf, -np.inf, 1)):
                continue  # matrix norms of the whole array: checked by the "fro" case
            yield o, axis


@pytest.mark.parametrize(("ord_", "axis"), list(_ord_cases()))
def test_safe_norm_zero_gradient(ord_, axis):
    """The gradient of safe_norm at a zero matrix is exactly 0 (not NaN), for a zero and a
    positive min_norm, with and without keepdims."""
    x = np.zeros((3, 4), np.float32)
    for min_norm in (0.0, 3.0):
        for keep in (False, True):
            g = _np(ad.jacfwd(lambda v: optax.safe_norm(v, min_norm, ord_, axis, keep))(x))
            np.testing.assert_array_equal(g, np.zeros_like(g))


def test_safe_rms_zero_gradient():
    """safe_root_mean_squares: 0 gradient at 0 (not NaN); its value and gradient elsewhere
    against jax.numpy's formula."""
    jax = _jax()
    for min_rms in (0.0, 3.0):
        g = ad.grad(lambda v: optax.safe_root_mean_squares(v, min_rms))(np.float32(0.0))
        assert float(_np(g)) == 0.0
    x = np.array([0.5, -2.0, 1.5])
    f = lambda v: optax.safe_root_mean_squares(v, 0.1)  # noqa: E731
    jf = lambda v: jax.numpy.maximum(jax.numpy.sqrt(jax.numpy.mean(v**2)), 0.1)  # noqa: E731
    np.testing.assert_allclose(_np(f(x)), np.asarray(jf(x)), rtol=1e-14)
    np.testing.assert_allclose(_np(ad.grad(f)(x)), np.asarray(jax.grad(jf)(x)), rtol=1e-12)


# ---------------------------------------------------------------- schedule_test


def _sched_cases():
    staircase = lambda c, s: np.floor(c / s)  # noqa: E731
    out = {
        "constant": (optax.constant_schedule(10), range(15), lambda c: 10.0),
        "poly_linear": (
            optax.polynomial_schedule(10.0, 20.0, 1, 10),
            range(15),
            lambda c: 10 + 10 * min(c, 10) / 10,
        ),
        "poly_zero_steps": (
            [optax.polynomial_schedule(10.0, 20.0, 1, n) for n in (-1, 0)],
            range(15),
            lambda c: 10.0,
        ),
        "poly_quadratic": (
            optax.polynomial_schedule(25.0, 10.0, 2, 10),
            range(15),
            lambda c: 10 + 15 * (1 - min(c, 10) / 10) ** 2,
        ),
        "poly_begin": (
            optax.polynomial_schedule(30.0, 10.0, 2, 10, 4),
            range(20),
            lambda c: 10 + 20 * (1 - min(max(c - 4, 0), 10) / 10) ** 2,
        ),
        "piecewise_pos": (
            optax.piecewise_constant_schedule(0.1, {3: 2.0, 6: 0.5}),
            range(10),
            lambda c: 0.1 * (2.0 if c >= 3 else 1) * (0.5 if c >= 6 else 1),
        ),
        "piecewise_neg": (
            optax.piecewise_constant_schedule(-0.1, {3: 2.0, 6: 0.5}),
            range(10),
            lambda c: -0.1 * (2.0 if c >= 3 else 1) * (0.5 if c >= 6 else 1),
        ),
        "exp_rate_one": (
            [optax.exponential_decay(1.0, 15, 1.0, staircase=s) for s in (0, 1)],
            range(15),
            lambda c: 1.0,
        ),
        "exp_bad_steps": (
            [optax.exponential_decay(1.0, n, 1.0, staircase=s) for n in (-1, 0) for s in (0, 1)],
            range(15),
            lambda c: 1.0,
        ),
        "exp_rate_zero": (
            [optax.exponential_decay(1.0, 2, 0.0, staircase=s) for s in (0, 1)],
            range(15),
            lambda c: 1.0,
        ),
        "cosine": (
            optax.cosine_decay_schedule(0.1, 10, 0.0),
            range(10),
            lambda c: 0.1 * (0.5 + 0.5 * np.cos(np.pi * c / 10)),
        ),
        "cosine_past_end": (
            optax.cosine_decay_schedule(0.1, 5, 0.0),
            range(12),
            lambda c: 0.1 * (0.5 + 0.5 * np.cos(np.pi * min(c, 5) / 5)),
        ),
        "cosine_alpha": (
            optax.cosine_decay_schedule(0.1, 5, 0.1),
            range(12),
            lambda c: 0.1 * (0.9 * (0.5 + 0.5 * np.cos(np.pi * min(c, 5) / 5)) + 0.1),
        ),
    }
    for begin in (0, 5):
        for s in (False, True):
            out[f"exp_{begin}_{s}"] = (
                optax.exponential_decay(1.0, 2, 2.0, transition_begin=begin, staircase=s),
                range(15 + begin),
                lambda c, b=begin, s=s: (
                    2.0 ** (staircase(max(c - b, 0), 2) if s else max(c - b, 0) / 2)
                ),
            )
    for rate, end in ((0.2, 0.1), (1.0, 0.1), (2.0, 3.0)):
        for s in (False, True):
            lim = np.maximum if rate < 1 else np.minimum
            out[f"exp_end_{rate}_{s}"] = (
                optax.exponential_decay(
                    1.0, 2, rate, transition_begin=3, staircase=s, end_value=end
                ),
                range(14),
                lambda c, r=rate, s=s, e=end, lim=lim: lim(
                    r ** (staircase(max(c - 3, 0), 2) if s else max(c - 3, 0) / 2), e
                ),
            )
    return out


_SCHED_IDS = [
    "constant",
    "poly_linear",
    "poly_zero_steps",
    "poly_quadratic",
    "poly_begin",
    "piecewise_pos",
    "piecewise_neg",
    "exp_rate_one",
    "exp_bad_steps",
    "exp_rate_zero",
    "exp",
    "exp_end_value",
    "exp_array_count",
    "cosine",
    "cosine_past_end",
    "cosine_alpha",
    "warmup_cosine",
]


@pytest.mark.parametrize("case", _SCHED_IDS)
def test_schedule_vs_formula(case):
    """optax's schedule_test cases: each value against the schedule's formula in NumPy
    (float64), eager and jitted (an int32 step count)."""
    cases = _sched_cases()
    if case == "exp":
        keys = [k for k in cases if re.fullmatch(r"exp_\d_\w+", k)]
    elif case == "exp_end_value":
        keys = [k for k in cases if k.startswith("exp_end_")]
    elif case == "exp_array_count":
        fn = optax.exponential_decay(32.0, 1, 0.5)
        got = [float(_np(fn(gnp.asarray(c, dtype=np.float32)))) for c in range(5)]
        np.testing.assert_allclose(got, [32.0 * 0.5**c for c in range(5)], rtol=1e-6)
        return
    elif case == "warmup_cosine":
        for init, peak, end in ((10, 0.5, 1e-4), (5, 3, 0.0)):
            fn = optax.warmup_cosine_decay_schedule(init, peak, 100, 1000, end)
            np.testing.assert_allclose(
                [float(_np(fn(c))) for c in (0, 100, 1000, 550)],
                [init, peak, end, end + (peak - end) * 0.5 * (1 + np.cos(np.pi * 0.5))],
                rtol=1e-9,
                atol=1e-12,
            )
        return
    else:
        keys = [case]
    for key in keys:
        fns, counts, formula = cases[key]
        for fn in fns if isinstance(fns, list) else [fns]:
            jitted = ad.jit(fn)
            for c in counts:
                want = formula(c)
                assert float(_np(fn(c))) == pytest.approx(want, rel=1e-9, abs=1e-12), (key, c)
                got = float(_np(jitted(gnp.asarray(c, dtype=np.int32))))
                assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (key, c)


def test_inject_updates():
    """A piecewise-constant step size read at the step count: 3 for steps 0-1, 15 from
    step 1, 30 from 7, 45 from 12; and the first update uses count 0."""
    opt = optax.inject_hyperparams(optax.scale)(
        step_size=optax.piecewise_constant_schedule(3.0, {1: 5, 7: 2, 12: 1.5})
    )
    params = [np.zeros((), np.float32)]
    state = opt.init(params)
    update = ad.jit(opt.update)
    sizes = [
        3.0 * (5 if i >= 1 else 1) * (2 if i >= 7 else 1) * (1.5 if i >= 12 else 1)
        for i in range(16)
    ]
    for i in range(15):
        u, state = update([np.ones((), np.float32)], state, params)
        assert float(_np(u[0])) == pytest.approx(sizes[i])
    opt = optax.inject_hyperparams(optax.scale)(lambda count: count)
    u, _ = opt.update(np.array([-1.0, 0.0, 1.0]), opt.init(np.zeros(3)))
    np.testing.assert_array_equal(_np(u), np.zeros(3))


def test_inject_hyperparams_state():
    opt = optax.inject_hyperparams(optax.trace)(
        decay=optax.piecewise_constant_schedule(0.8, {3: 0.5, 9: 1.25}), nesterov=True
    )
    params = [np.zeros((2, 3)) for _ in range(3)]
    state = opt.init(params)
    update = ad.jit(opt.update)
    grads = ad.tree_map(np.ones_like, params)
    decay = lambda i: 0.8 * (0.5 if i >= 3 else 1) * (1.25 if i >= 9 else 1)  # noqa: E731
    for i in range(12):  # the state holds the value the last update used (count - 1)
        assert float(_np(state.hyperparams["decay"])) == pytest.approx(decay(max(i - 1, 0)))
        _, state = update(grads, state)
    assert float(_np(state.hyperparams["decay"])) == pytest.approx(decay(11))


def test_inject_constant_hyperparams():
    opt = optax.inject_hyperparams(optax.scale_by_adam)(b1=0.0, b2=0.0)
    params = [np.zeros((2, 3)) for _ in range(3)]
    state = opt.init(params)
    grads = ad.tree_map(np.ones_like, params)
    for _ in range(5):
        u, state = opt.update(grads, state, params)
        hp = {k: float(_np(v)) for k, v in state.hyperparams.items()}
        assert hp == {"b1": 0.0, "b2": 0.0, "eps": 1e-8, "eps_root": 0.0}
        _close(u, ad.tree_map(lambda g: g / (1 + 1e-8), grads), rtol=1e-15)


def test_inject_overriding_hyperparam():
    opt = optax.inject_hyperparams(optax.clip_by_global_norm)(0.1)
    params = np.zeros((3, 5, 7))
    state = opt.init(params)
    update = ad.jit(opt.update)
    for i in range(5):
        state.hyperparams["max_norm"] = gnp.asarray(float(i))
        u, state = update(np.ones_like(params), state)
        assert float(np.linalg.norm(_np(u).ravel())) == pytest.approx(i)


def test_inject_static_args():
    """A static callable argument (a mask function) is passed as it is, not taken for a
    schedule; numeric static arguments stay out of the hyperparameters; a static name the
    factory lacks raises ValueError."""
    for static in ("mask", ["mask"]):

        @functools.partial(optax.inject_hyperparams, static_args=static)
        def custom(learning_rate, mask):
            return optax.masked(optax.scale(-learning_rate), mask)

        opt = custom(0.1, lambda p: ad.tree_map(lambda x: x.ndim > 1, p))
        params = [np.ones((1, 2)), np.ones(2), np.ones((1, 1, 1))]
        state = opt.init(params)
        u, state = opt.update(params, state)
        assert set(state.hyperparams) == {"learning_rate"}
        _close(u, [-0.1 * x if x.ndim > 1 else x for x in params], rtol=1e-15)
    for static in ("b1", ["b1", "b2"]):
        opt = optax.inject_hyperparams(optax.scale_by_adam, static_args=static)(b1=0.9, b2=0.95)
        _, state = opt.update(params, opt.init(params))
        assert not set(state.hyperparams) & set([static] if isinstance(static, str) else static)
    for static in ("lr", ["lr"]):
        with pytest.raises(ValueError, match="static_args"):
            optax.inject_hyperparams(optax.scale, static_args=static)


@pytest.mark.parametrize(
    ("hyper", "param", "grad"),
    [
        ("float16", "float32", "float16"),
        ("float16", "float32", "float32"),
        ("float32", "float16", "float16"),
        ("float32", "float32", "float16"),
        ("float32", "float16", "float32"),
        ("float64", "float32", "float32"),
    ],
)
def test_inject_hyperparam_dtypes(hyper, param, grad):
    opt = optax.inject_hyperparams(optax.scale_by_adam, hyperparam_dtype=hyper)(b1=0.9, b2=0.95)
    params = [np.ones((1, 2), param), np.ones(2, param), np.ones((1, 1, 1), param)]
    state = opt.init(params)
    assert {_np(v).dtype for k, v in state.hyperparams.items()} == {np.dtype(hyper)}
    _, state = opt.update([p.astype(grad) for p in params], state)
    assert {_np(v).dtype for k, v in state.hyperparams.items()} == {np.dtype(hyper)}


# ---------------------------------------------------------------- privacy_test


def _per_example():
    """optax's privacy inputs: example i's gradient is full of i (i = 0..7, so one is 0)."""
    params = {"key_a": (np.zeros((2, 3, 4)), np.zeros(())), "key_b": np.zeros((6, 7))}
    a = np.arange(8.0)
    per = ad.tree_map(lambda p: np.moveaxis(a * np.ones(p.shape + (8,)), -1, 0), params)
    return params, per


def test_dp_aggregate_without_privacy_is_the_mean():
    params, per = _per_example()
    tx = optax.differentially_private_aggregate(float(np.finfo(np.float32).max), 0.0, seed=0)
    state = tx.init(params)
    update = ad.jit(tx.update)
    for _ in range(3):
        u, state = update(per, state)
        _close(u, ad.tree_map(lambda g: g.mean(0), per), rtol=1e-15)


@pytest.mark.parametrize("clip", [0.5, 10.0, 20.0, 40.0, 80.0])
def test_dp_aggregate_clipping_norm(clip):
    """Each example's gradient scaled to a global norm of at most ``clip``, then the mean."""
    params, per = _per_example()
    tx = optax.differentially_private_aggregate(clip, 0.0, seed=42)
    norms = np.sqrt(sum((x.reshape(8, -1) ** 2).sum(1) for x in ad.tree_leaves(per)))
    want = np.mean(np.arange(8.0) / np.maximum(norms / clip, 1.0))
    state = tx.init(params)
    for _ in range(3):
        u, state = tx.update(per, state, params)
        _close(u, ad.tree_map(lambda p: np.full(p.shape, want), params), rtol=1e-12)


@pytest.mark.parametrize(("clip", "mult"), [(3.0, 2.0), (1.0, 5.0), (100.0, 4.0), (1.0, 90.0)])
def test_dp_aggregate_noise_std(clip, mult):
    """The noise's standard deviation is ``l2_norm_clip * noise_multiplier`` (10 % on
    10000 draws); dpsgd is that aggregation then SGD."""
    tx = optax.differentially_private_aggregate(clip, mult, seed=1337)
    state = tx.init(None)
    for _ in range(3):
        u, state = tx.update([np.ones((1, 100, 100))], state)
        assert abs(float(np.std(_np(u[0]))) - clip * mult) < 0.1 * clip * mult
    opt = optax.dpsgd(0.5, clip, mult, seed=1337)
    agg = optax.differentially_private_aggregate(clip, mult, seed=1337)
    g = [np.ones((1, 10, 10))]
    p = [np.zeros((10, 10))]
    u, _ = opt.update(g, opt.init(p), p)
    ua, _ = agg.update(g, agg.init(p))
    _close(u, [-0.5 * _np(ua[0])], rtol=1e-15)


def test_dp_aggregate_refuses_mean_gradients():
    """Gradients already averaged (no examples axis) raise ValueError, as optax's."""
    params, per = _per_example()
    tx = optax.differentially_private_aggregate(0.1, 1.1, seed=2021)
    with pytest.raises(ValueError, match="axis 0"):
        tx.update(ad.tree_map(lambda g: g.mean(0), per), tx.init(params), params)


# ---------------------------------------------------------------- wrappers and absent names


def test_masked_state_has_no_none_leaves():
    """optax's dm-tree check: the masked-out parts of the state are MaskedNode()s, which
    gpuad.tree_map skips (not None leaves a structure-mapping library would visit)."""
    params = {"a": [np.ones(1), (np.ones(2), np.ones(3))], "b": [np.ones(4)]}
    state = optax.masked(
        optax.sgd(1.0, momentum=0.0), {"a": [True, (True, False)], "b": False}
    ).init(params)
    leaves = ad.tree_leaves(state)
    assert [np.shape(_np(x)) for x in leaves] == [(1,), (2,)]
    mapped = ad.tree_map(lambda x: _np(x) * 2, state)
    assert [np.shape(x) for x in ad.tree_leaves(mapped)] == [(1,), (2,)]


def test_maybe_update_is_conditionally_transform():
    """optax's maybe_update is gpuad's (and optax's newer) conditionally_transform: the inner
    transformation runs while should_update(step) holds, then updates pass through; an inner
    state is kept while it is not called."""
    with pytest.raises(AttributeError, match="conditionally_transform"):
        optax.maybe_update  # noqa: B018
    opt = optax.conditionally_transform(optax.scale(2.0), lambda step: step < 3)
    state = opt.init(np.zeros(()))
    outs = []
    for _ in range(8):
        u, state = opt.update(np.ones(()), state)
        outs.append(float(_np(u)))
    assert outs == [2.0] * 3 + [1.0] * 5
    opt = optax.conditionally_transform(optax.zero_nans(), lambda step: step < 3)
    state = opt.init(np.zeros(()))
    for g, want_u, want_nan in ((np.nan, 0.0, True), (np.nan, 0.0, True), (1.0, 1.0, False)):
        u, state = opt.update(np.array(g), state)
        assert float(_np(u)) == want_u and bool(_np(state.inner_state.found_nan)) == want_nan
    for _ in range(3):
        u, state = opt.update(np.array(np.nan), state)
        assert np.isnan(_np(u)) and not bool(_np(state.inner_state.found_nan))


@pytest.mark.parametrize(
    "name",
    [
        "adadelta",
        "adan",
        "rprop",
        "optimistic_adam",
        "tree_map_params",
        "scale_by_zoom_linesearch",
        "scale_by_distance_over_gradients",
        "scale_by_dog",
        "hessian_diag",
        "fisher_diag",
        "matrix_inverse_pth_root",
        "distributed_shampoo",
        "split_real_and_imaginary",
        "split_complex",
        "contrib.mechanize",
    ],
)
def test_absent_names_raise_clear_errors(name):
    """optax names gpuad.optax lacks raise an AttributeError that says it is an optax name
    gpuad does not provide and what to use instead (not a bare 'no attribute')."""
    mod, attr = (optax.contrib, name.split(".")[1]) if "." in name else (optax, name)
    with pytest.raises(AttributeError) as info:
        getattr(mod, attr)
    msg = str(info.value)
    assert attr in msg and "gpuad" in msg
    assert any(w in msg for w in ("use", "pass", "compute", "square", "map", "clip")), msg
    assert not hasattr(mod, attr)
