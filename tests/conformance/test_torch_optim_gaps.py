"""The rest of PyTorch's optimizer tests (pytorch/pytorch ``test/test_optim.py``: its class
``TestOptimRenewed``, and ``test/optim/``: ``test_optim.py``'s ``TestDifferentiableOptimizer``
and ``TestSGDComplexForeach``, ``test_lrscheduler.py``'s ``TestLRScheduler``,
``test_swa_utils.py``'s ``TestSWAUtils``), ported to gpuad.optim where the earlier ports had left
gaps, and run against torch.optim itself (float64) over the configurations torch's
``OptimizerInfo`` entries give (``common_optimizers.optim_db``: weight decay, maximize,
amsgrad, nesterov, centered, capturable, ``foreach``/``fused`` either way, a Tensor ``lr``...)
for every optimizer both libraries have.

The stored ``test/test_optim.py`` predates torch's optimizer-hook tests; the hooks a user
of torch calls (step, state_dict and load_state_dict pre- and post-hooks, global step hooks)
are compared in ``test_optimizer_hooks_as_torch``.

``GAPS`` maps every test method of those classes to where its port is ("here:" a test of this
file, "covered:" a file and test or case of an earlier port), where gpuad deliberately differs
("differs:"), or why it has no counterpart ("n/a:"); ``test_every_gap_has_a_mapping`` checks
that every reference exists.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import importlib.util
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
common_optimizers = pytest.importorskip("torch.testing._internal.common_optimizers")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import nn, optim  # noqa: E402

_DIFF = ("differs: differentiable=True raises NotImplementedError naming gpuad.optax, whose "
         "functional updates gpuad.grad differentiates: here: test_differentiable_refused")
_GPU = "n/a: CUDA devices, fused CUDA kernels or the CUDA caching allocator"
_SUITE = "test_torch_lrscheduler_suite.py"

GAPS = (  # (class, torch test, where its port is or why there is none)
    ('TestOptimRenewed', 'test_optim_infos_do_not_specify_global_cliquey_kwargs',
     "n/a: a check of torch's own OptimizerInfo table"),
    ('TestOptimRenewed', 'test_errors',
     'here: test_optim_db_error_inputs'),
    ('TestOptimRenewed', 'test_forloop_goes_right_direction',
     'here: test_goes_right_direction'),
    ('TestOptimRenewed', 'test_forloop_goes_right_direction_multigpu', _GPU),
    ('TestOptimRenewed', 'test_complex',
     'here: test_complex_equals_real_view'),
    ('TestOptimRenewed', 'test_foreach_matches_forloop',
     'here: test_optim_db_configs_match_torch'),
    ('TestOptimRenewed', 'test_mixed_device_dtype', _GPU),
    ('TestOptimRenewed', 'test_set_default_dtype_works_with_foreach', _GPU),
    ('TestOptimRenewed', 'test_foreach_large_tensor', _GPU),
    ('TestOptimRenewed', 'test_peak_memory_foreach', _GPU),
    ('TestOptimRenewed', 'test_fused_matches_forloop',
     'here: test_optim_db_configs_match_torch (fused=True is accepted and changes nothing)'),
    ('TestOptimRenewed', 'test_fused_large_tensor', _GPU),
    ('TestOptimRenewed', 'test_cpu_load_state_dict', _GPU),
    ('TestOptimRenewed', 'test_param_groups_weight_decay',
     'here: test_param_groups_weight_decay'),
    ('TestOptimRenewed', 'test_param_groups_lr',
     'here: test_param_groups_lr'),
    ('TestOptimRenewed', 'test_step_is_noop_when_params_have_no_grad',
     'here: test_step_is_noop_when_params_have_no_grad'),
    ('TestOptimRenewed', 'test_step_is_noop_for_zero_grads',
     'here: test_step_is_noop_for_zero_grads'),
    ('TestOptimRenewed', 'test_optimizer_can_be_printed',
     'here: test_optimizer_can_be_printed'),
    ('TestOptimRenewed', 'test_state_dict_deterministic',
     'here: test_state_dict_deterministic'),
    ('TestOptimRenewed', 'test_can_load_older_state_dict',
     'here: test_can_load_older_state_dict'),
    ('TestOptimRenewed', 'test_load_nontensor_step',
     'here: test_can_load_older_state_dict'),
    ('TestOptimRenewed', 'test_state_dict_with_cuda_params', _GPU),
    ('TestOptimRenewed', 'test_deepcopy_copies_all_public_attrs',
     'here: test_deepcopy_copies_all_public_attrs'),
    ('TestDifferentiableOptimizer', 'test_sgd', _DIFF + '; here: test_step_through_optax[sgd]'),
    ('TestDifferentiableOptimizer', 'test_adam',
     _DIFF + '; here: test_step_through_optax[adam]'),
    ('TestDifferentiableOptimizer', 'test_rmsprop', _DIFF),
    ('TestDifferentiableOptimizer', 'test_adadelta', _DIFF),
    ('TestDifferentiableOptimizer', 'test_adagrad', _DIFF),
    ('TestDifferentiableOptimizer', 'test_adamax', _DIFF),
    ('TestDifferentiableOptimizer', 'test_asgd', _DIFF),
    ('TestDifferentiableOptimizer', 'test_rprop', _DIFF),
    ('TestDifferentiableOptimizer', 'test_adamw', _DIFF),
    ('TestDifferentiableOptimizer', 'test_nadam', _DIFF),
    ('TestDifferentiableOptimizer', 'test_radam', _DIFF),
    ('TestDifferentiableOptimizer', 'test_adam_differentiable_lr',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_adam_differentiable_weight_decay',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_adam_differentiable_betas',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_adam_differentiable_all_hyperparams',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_adamw_differentiable_lr',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_adamw_differentiable_weight_decay',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_adamw_differentiable_betas',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_adamw_differentiable_all_hyperparams',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_differentiable_lr',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_differentiable_weight_decay',
     _DIFF),
    ('TestDifferentiableOptimizer', 'test_differentiable_weight_decay_and_lr',
     _DIFF),
    ('TestSGDComplexForeach', 'test_complex_foreach_matches_single_and_compiles',
     'here: test_sgd_complex_foreach_matches_torch (the torch.compile half: '
     'tests/test_optim_jit.py compiles gpuad steps)'),
    ('TestSWAUtils', 'test_averaged_model_all_devices',
     'covered: test_torch_swa_utils.py::test_averaged_model_matches_torch'),
    ('TestSWAUtils', 'test_averaged_model_mixed_device', _GPU),
    ('TestSWAUtils', 'test_averaged_model_state_dict',
     'covered: test_torch_swa_utils.py::test_state_dict_round_trip'),
    ('TestSWAUtils', 'test_averaged_model_default_avg_fn_picklable',
     'covered: test_torch_swa_utils.py::test_default_averaged_model_pickles'),
    ('TestSWAUtils', 'test_averaged_model_exponential',
     'covered: test_torch_swa_utils.py::test_averaged_model_matches_torch'),
    ('TestSWAUtils', 'test_update_bn_dnn',
     'covered: test_torch_swa_utils.py::test_update_bn_matches_torch'),
    ('TestSWAUtils', 'test_update_bn_cnn',
     'covered: test_torch_swa_utils.py::test_update_bn_matches_torch'),
    ('TestSWAUtils', 'test_bn_update_eval_momentum',
     'covered: test_torch_swa_utils.py::test_update_bn_matches_torch'),
    ('TestLRScheduler', 'test_error_when_getlr_has_epoch',
     'covered: test_torch_lrscheduler_suite.py::CASES[getlr_with_an_epoch_argument_raises]'),
    ('TestLRScheduler', 'test_no_cyclic_references',
     'covered: test_torch_lrscheduler_suite.py::test_no_cyclic_references'),
    ('TestLRScheduler', 'test_no_cyclic_references_in_step',
     'covered: test_torch_lrscheduler_suite.py::test_no_cyclic_references'),
    ('TestLRScheduler', 'test_old_pattern_warning',
     'covered: test_torch_lrscheduler_suite.py::CASES[old_pattern_warning]'),
    ('TestLRScheduler', 'test_old_pattern_warning_with_arg',
     'covered: test_torch_lrscheduler_suite.py::CASES[old_pattern_warning]'),
    ('TestLRScheduler', 'test_old_pattern_warning_resuming',
     'covered: test_torch_lrscheduler_suite.py::CASES[old_pattern_warning_resuming]'),
    ('TestLRScheduler', 'test_old_pattern_warning_resuming_with_arg',
     'covered: test_torch_lrscheduler_suite.py::CASES[old_pattern_warning_resuming]'),
    ('TestLRScheduler', 'test_old_pattern_warning_with_overridden_optim_step',
     'differs: no warning (gpuad counts the step however it is wrapped):'
     ' test_torch_lrscheduler_suite.py::test_overridden_step_is_still_counted'),
    ('TestLRScheduler', 'test_new_pattern_no_warning',
     'covered: test_torch_lrscheduler_suite.py::CASES[new_pattern_no_warning]'),
    ('TestLRScheduler', 'test_new_pattern_no_warning_with_arg',
     'covered: test_torch_lrscheduler_suite.py::CASES[new_pattern_no_warning]'),
    ('TestLRScheduler', 'test_new_pattern_no_warning_with_overridden_optim_step',
     'differs: no warning (gpuad counts the step however it is wrapped):'
     ' test_torch_lrscheduler_suite.py::test_overridden_step_is_still_counted'),
    ('TestLRScheduler', 'test_step_lr_is_constant_for_constant_epoch',
     'covered: test_torch_lrscheduler_suite.py::CASES[constant_for_constant_epoch_StepLR]'),
    ('TestLRScheduler', 'test_exponential_lr_is_constant_for_constant_epoch',
     'covered: test_torch_lrscheduler_suite.py:'
     ':CASES[constant_for_constant_epoch_ExponentialLR]'),
    ('TestLRScheduler', 'test_constantlr_is_constant_for_constant_epoch',
     'covered: test_torch_lrscheduler_suite.py::CASES[constant_for_constant_epoch_ConstantLR]'),
    ('TestLRScheduler', 'test_linear_linearlr_is_constant_for_constant_epoch',
     'covered: test_torch_lrscheduler_suite.py::CASES[constant_for_constant_epoch_LinearLR]'),
    ('TestLRScheduler', 'test_polynomial_lr_is_constant_for_constant_epoch',
     'covered: test_torch_lrscheduler_suite.py:'
     ':CASES[constant_for_constant_epoch_PolynomialLR]'),
    ('TestLRScheduler', 'test_step_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_step_lr]'),
    ('TestLRScheduler', 'test_get_last_lr_step_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[get_last_lr_step_lr]'),
    ('TestLRScheduler', 'test_get_last_lr_multi_step_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[get_last_lr_multi_step_lr]'),
    ('TestLRScheduler',
     'test_raise_error_when_last_epoch_is_greater_than_0_and_initial_lr_is_not_specified',
     'covered: test_torch_lrscheduler_suite.py::CASES[resume_without_initial_lr_raises]'),
    ('TestLRScheduler', 'test_multi_step_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_multi_step_lr]'),
    ('TestLRScheduler', 'test_multi_step_lr_with_epoch',
     'covered: test_torch_lrscheduler_suite.py::CASES[with_epoch_multi_step_lr]'),
    ('TestLRScheduler', 'test_get_last_lr_constantlr',
     'covered: test_torch_lrscheduler_suite.py::CASES[get_last_lr_constantlr]'),
    ('TestLRScheduler', 'test_get_last_lr_linearlr',
     'covered: test_torch_lrscheduler_suite.py::CASES[get_last_lr_linearlr_end]'),
    ('TestLRScheduler', 'test_constantlr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_constantlr]'),
    ('TestLRScheduler', 'test_linearlr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_linearlr]'),
    ('TestLRScheduler', 'test_linearlr_start_factor_limits1',
     'covered: test_torch_lrscheduler_suite.py::CASES[linearlr_start_factor_limits]'),
    ('TestLRScheduler', 'test_linearlr_start_factor_limits2',
     'covered: test_torch_lrscheduler_suite.py::CASES[linearlr_start_factor_limits]'),
    ('TestLRScheduler', 'test_constantlr_with_epoch',
     'covered: test_torch_lrscheduler_suite.py::CASES[with_epoch_constantlr]'),
    ('TestLRScheduler', 'test_linearlr_with_epoch',
     'covered: test_torch_lrscheduler_suite.py::CASES[with_epoch_linearlr]'),
    ('TestLRScheduler', 'test_exp_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_exp_lr]'),
    ('TestLRScheduler', 'test_poly_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_poly_lr]'),
    ('TestLRScheduler', 'test_cos_anneal_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_cos_anneal_lr]'),
    ('TestLRScheduler', 'test_closed_form_step_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[closed_form_step_lr]'),
    ('TestLRScheduler', 'test_closed_form_linearlr',
     'covered: test_torch_lrscheduler_suite.py::CASES[closed_form_linearlr]'),
    ('TestLRScheduler', 'test_closed_form_constantlr',
     'covered: test_torch_lrscheduler_suite.py::CASES[closed_form_constantlr]'),
    ('TestLRScheduler', 'test_closed_form_multi_step_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[closed_form_multi_step_lr]'),
    ('TestLRScheduler', 'test_closed_form_exp_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[closed_form_exp_lr]'),
    ('TestLRScheduler', 'test_closed_form_poly_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[closed_form_poly_lr]'),
    ('TestLRScheduler', 'test_closed_form_cos_anneal_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[closed_form_cos_anneal_lr]'),
    ('TestLRScheduler', 'test_cos_anneal_lr_continue',
     'covered: test_torch_lrscheduler_suite.py::CASES[cos_anneal_lr_continue]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau1',
     'covered: test_torch_lrscheduler_suite.py::CASES[reduce_lr_on_plateau1]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau2',
     'covered: test_torch_lrscheduler_suite.py::CASES[reduce_lr_on_plateau2]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau3',
     'covered: test_torch_lrscheduler_suite.py::CASES[reduce_lr_on_plateau3]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau4',
     'covered: test_torch_lrscheduler_suite.py::CASES[reduce_lr_on_plateau4]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau5',
     'covered: test_torch_lrscheduler_suite.py::CASES[reduce_lr_on_plateau5]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau6',
     'covered: test_torch_lrscheduler_suite.py::CASES[reduce_lr_on_plateau6]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau7',
     'covered: test_torch_lrscheduler_suite.py::CASES[reduce_lr_on_plateau7]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau8',
     'covered: test_torch_lrscheduler_suite.py::CASES[reduce_lr_on_plateau8_min_lr_list]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau_get_last_lr_before_step',
     'covered: test_torch_lrscheduler_suite.py:'
     ':CASES[reduce_lr_on_plateau_tensor_metric_and_lr]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau_preserves_lr_type',
     'covered: test_torch_lrscheduler_suite.py:'
     ':CASES[reduce_lr_on_plateau_tensor_metric_and_lr]'),
    ('TestLRScheduler', 'test_sequentiallr1',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_sequentiallr1]'),
    ('TestLRScheduler', 'test_sequentiallr2',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_sequentiallr2]'),
    ('TestLRScheduler', 'test_sequentiallr3',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_sequentiallr3]'),
    ('TestLRScheduler', 'test_sequentiallr4',
     'covered: test_torch_lrscheduler_suite.py::CASES[sequentiallr_keeps_the_initial_lr]'),
    ('TestLRScheduler', 'test_sequentiallr5',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_sequentiallr5_chained]'),
    ('TestLRScheduler', 'test_sequentiallr_no_warnings',
     'covered: test_torch_lrscheduler_suite.py::CASES[sequentiallr_no_warnings]'),
    ('TestLRScheduler', 'test_get_last_lr_sequentiallr',
     'covered: test_torch_lrscheduler_suite.py::CASES[get_last_lr_sequentiallr3]'),
    ('TestLRScheduler', 'test_sequentiallr_does_not_alias_lr_and_initial_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[sequentiallr_tensor_lr_not_aliased]'),
    ('TestLRScheduler', 'test_chained_lr2_get_last_lr_before_step',
     'covered: test_torch_lrscheduler_suite.py::CASES[chained_get_last_lr_before_step]'),
    ('TestLRScheduler', 'test_chained_lr1',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_chained_lr1]'),
    ('TestLRScheduler', 'test_chained_lr2',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_chained_lr2]'),
    ('TestLRScheduler', 'test_chained_lr3',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_chained_lr3]'),
    ('TestLRScheduler', 'test_chained_lr4',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_chained_lr4]'),
    ('TestLRScheduler', 'test_chained_lr5',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_chained_lr5]'),
    ('TestLRScheduler', 'test_compound_step_and_multistep_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_step_multistep]'),
    ('TestLRScheduler', 'test_compound_step_and_exp_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_step_exp]'),
    ('TestLRScheduler', 'test_compound_exp_and_multistep_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_exp_multistep]'),
    ('TestLRScheduler', 'test_compound_exp_and_linearlr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_exp_linear]'),
    ('TestLRScheduler', 'test_compound_step_and_constantlr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_step_constant]'),
    ('TestLRScheduler', 'test_compound_linearlr_and_multistep_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_linear_multistep]'),
    ('TestLRScheduler', 'test_compound_cosanneal_and_step_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_cos_step]'),
    ('TestLRScheduler', 'test_compound_cosanneal_and_multistep_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_cos_multistep]'),
    ('TestLRScheduler', 'test_compound_cosanneal_and_linearlr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_cos_linear]'),
    ('TestLRScheduler', 'test_compound_cosanneal_and_exp_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_compound_cos_exp]'),
    ('TestLRScheduler', 'test_compound_reduce_lr_on_plateau1',
     'covered: test_torch_lrscheduler_suite.py::CASES[compound_reduce_lr_on_plateau1]'),
    ('TestLRScheduler', 'test_compound_reduce_lr_on_plateau2',
     'covered: test_torch_lrscheduler_suite.py::CASES[compound_reduce_lr_on_plateau2]'),
    ('TestLRScheduler', 'test_compound_reduce_lr_on_plateau3',
     'covered: test_torch_lrscheduler_suite.py::CASES[compound_reduce_lr_on_plateau3]'),
    ('TestLRScheduler', 'test_compound_reduce_lr_on_plateau4',
     'covered: test_torch_lrscheduler_suite.py::CASES[compound_reduce_lr_on_plateau4]'),
    ('TestLRScheduler', 'test_compound_reduce_lr_on_plateau5',
     'covered: test_torch_lrscheduler_suite.py::CASES[compound_reduce_lr_on_plateau5]'),
    ('TestLRScheduler', 'test_cycle_lr_invalid_mode',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_bad_arguments]'),
    ('TestLRScheduler', 'test_cycle_lr_triangular_mode_one_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_triangular_one_lr]'),
    ('TestLRScheduler', 'test_cycle_lr_triangular_mode_one_lr_no_momentum',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_triangular_one_lr_no_momentum]'),
    ('TestLRScheduler', 'test_cycle_lr_triangular2_mode_one_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_triangular2_one_lr]'),
    ('TestLRScheduler', 'test_cycle_lr_exp_range_mode_one_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_exp_range_one_lr]'),
    ('TestLRScheduler', 'test_cycle_lr_triangular_mode',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_triangular]'),
    ('TestLRScheduler', 'test_cycle_lr_triangular2_mode',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_triangular2]'),
    ('TestLRScheduler', 'test_cycle_lr_exp_range_mode',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_exp_range]'),
    ('TestLRScheduler', 'test_cycle_lr_triangular_mode_step_size_up_down',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_triangular_up_down]'),
    ('TestLRScheduler', 'test_cycle_lr_triangular2_mode_step_size_up_down',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_triangular2_up_down]'),
    ('TestLRScheduler', 'test_cycle_lr_exp_range_mode_step_size_up_down',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_exp_range_up_down]'),
    ('TestLRScheduler', 'test_cycle_lr_with_momentumless_optimizer',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_adam_no_momentum]'),
    ('TestLRScheduler', 'test_cycle_lr_cycle_momentum_fail_with_momentumless_optimizer',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_bad_arguments]'),
    ('TestLRScheduler', 'test_cycle_lr_cycle_momentum_with_beta1_optimizer',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_adam_beta1]'),
    ('TestLRScheduler', 'test_cycle_lr_removed_after_out_of_scope',
     'covered: test_torch_lrscheduler_suite.py::test_no_cyclic_references'),
    ('TestLRScheduler', 'test_cycle_lr_state_dict_picklable',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_state_dict]'),
    ('TestLRScheduler', 'test_cycle_lr_scale_fn_restored_from_state_dict',
     'covered: test_torch_lrscheduler_suite.py::CASES[cycle_lr_state_dict]'),
    ('TestLRScheduler', 'test_onecycle_lr_invalid_anneal_strategy',
     'covered: test_torch_lrscheduler_suite.py::CASES[onecycle_lr_bad_arguments]'),
    ('TestLRScheduler', 'test_onecycle_lr_invalid_pct_start',
     'covered: test_torch_lrscheduler_suite.py::CASES[onecycle_lr_bad_arguments]'),
    ('TestLRScheduler', 'test_onecycle_lr_cannot_calculate_total_steps',
     'covered: test_torch_lrscheduler_suite.py::CASES[onecycle_lr_bad_arguments]'),
    ('TestLRScheduler', 'test_onecycle_lr_linear_annealing',
     'covered: test_torch_lrscheduler_suite.py::CASES[onecycle_lr_linear_annealing]'),
    ('TestLRScheduler', 'test_onecycle_lr_linear_annealing_three_phases',
     'covered: test_torch_lrscheduler_suite.py::CASES[onecycle_lr_linear_three_phases]'),
    ('TestLRScheduler', 'test_onecycle_lr_cosine_annealing',
     'covered: test_torch_lrscheduler_suite.py::CASES[onecycle_lr_cosine_annealing]'),
    ('TestLRScheduler', 'test_onecycle_lr_legacy_state_dict',
     "n/a: torch's pre-2.2 checkpoints holding the anneal function object itself (a"
     ' private attribute deleted by the test); gpuad never wrote such checkpoints'),
    ('TestLRScheduler', 'test_cycle_lr_with_adam',
     'covered: test_torch_lrscheduler_suite.py::CASES[onecycle_lr_with_adam]'),
    ('TestLRScheduler', 'test_lambda_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_lambda_lr]'),
    ('TestLRScheduler', 'test_multiplicative_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_multiplicative_lr]'),
    ('TestLRScheduler', 'test_multiplicative_lr_with_lr_lambda',
     'covered: test_torch_lrscheduler_suite.py::CASES[multiplicative_lr_with_lr_lambda]'),
    ('TestLRScheduler', 'test_CosineAnnealingWarmRestarts_lr1',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_warm_restarts_Tmult*]'),
    ('TestLRScheduler', 'test_CosineAnnealingWarmRestarts_lr2',
     'covered: test_torch_lrscheduler_suite.py::CASES[warm_restarts_fractional_Tmult*]'),
    ('TestLRScheduler', 'test_CosineAnnealingWarmRestarts_lr3',
     'covered: test_torch_lrscheduler_suite.py::CASES[warm_restarts_interleaved_Tmult*]'),
    ('TestLRScheduler', 'test_CosineAnnealingWarmRestarts_T_cur_reset',
     'covered: test_torch_lrscheduler_suite.py::CASES[warm_restarts_T_cur_reset]'),
    ('TestLRScheduler', 'test_swalr_no_anneal',
     'covered: test_torch_lrscheduler_suite.py::CASES[swalr_no_anneal]'),
    ('TestLRScheduler', 'test_swalr_cosine_anneal_after_multiplicative',
     'covered: test_torch_lrscheduler_suite.py::CASES[swalr_cosine_after_multiplicative]'),
    ('TestLRScheduler', 'test_swalr_linear_anneal_after_multiplicative',
     'covered: test_torch_lrscheduler_suite.py::CASES[swalr_linear_after_multiplicative]'),
    ('TestLRScheduler', 'test_swalr_hypers',
     'covered: test_torch_lrscheduler_suite.py::CASES[swalr_hypers]'),
    ('TestLRScheduler', 'test_step_lr_state_dict',
     'covered: test_torch_lrscheduler_suite.py::CASES[state_dict_step_lr]'),
    ('TestLRScheduler', 'test_multi_step_lr_state_dict',
     'covered: test_torch_lrscheduler_suite.py::CASES[state_dict_multi_step_lr]'),
    ('TestLRScheduler', 'test_exp_step_lr_state_dict',
     'covered: test_torch_lrscheduler_suite.py::CASES[state_dict_exp_lr]'),
    ('TestLRScheduler', 'test_cosine_lr_state_dict',
     'covered: test_torch_lrscheduler_suite.py::CASES[state_dict_cosine]'),
    ('TestLRScheduler', 'test_reduce_lr_on_plateau_state_dict',
     'covered: test_torch_lrscheduler_suite.py::CASES[reduce_lr_on_plateau_state_dict]'),
    ('TestLRScheduler', 'test_lambda_lr_state_dict_fn',
     'covered: test_torch_lrscheduler_suite.py::CASES[lambda_lr_state_dict]'),
    ('TestLRScheduler', 'test_lambda_lr_state_dict_obj',
     'covered: test_torch_lrscheduler_suite.py::CASES[lambda_lr_state_dict]'),
    ('TestLRScheduler', 'test_CosineAnnealingWarmRestarts_lr_state_dict',
     'covered: test_torch_lrscheduler_suite.py::CASES[state_dict_warm_restarts]'),
    ('TestLRScheduler', 'test_swa_lr_state_dict',
     'covered: test_torch_lrscheduler_suite.py::CASES[state_dict_swalr]'),
    ('TestLRScheduler', 'test_cosine_then_cyclic',
     'covered: test_torch_lrscheduler_suite.py::CASES[schedule_cyclic_after_cosine]'),
    ('TestLRScheduler', 'test_lr_scheduler_state_dict_load',
     'covered: test_torch_lrscheduler_suite.py::CASES[state_dict_load_*]'),
    ('TestLRScheduler', 'test_add_param_group_does_not_break_reduce_lr_on_plateau',
     'covered: test_torch_lrscheduler_suite.py::CASES[add_param_group_reduce_lr_on_plateau_*]'),
    ('TestLRScheduler', 'test_add_param_group_errors_reduce_lr_on_plateau',
     'covered: test_torch_lrscheduler_suite.py:'
     ':CASES[add_param_group_errors_reduce_lr_on_plateau]'),
    ('TestLRScheduler', 'test_constant_initial_lr',
     'covered: test_torch_lrscheduler_suite.py::CASES[constant_initial_lr_*]'),
    ('TestLRScheduler', 'test_constant_initial_params_cyclelr',
     'covered: test_torch_lrscheduler_suite.py::CASES[constant_initial_params_cyclelr]'),
    ('TestLRScheduler', 'test_constant_initial_params_onecyclelr',
     'covered: test_torch_lrscheduler_suite.py::CASES[constant_initial_params_onecyclelr]'),
    ('TestLRScheduler', 'test_constant_initial_params_swalr',
     'covered: test_torch_lrscheduler_suite.py::CASES[constant_initial_params_swalr]'),
    ('TestLRScheduler', 'test_lr_scheduler_checkpoint',
     'covered: test_torch_lrscheduler_suite.py::CASES[checkpoint_*]'),
    ('TestLRScheduler', 'test_lr_scheduler_checkpoint_on_plateau',
     'covered: test_torch_lrscheduler_suite.py::CASES[checkpoint_on_plateau]'),
)

NAMES = ["SGD", "Adam", "AdamW", "Adamax", "Adagrad", "Adadelta", "RMSprop", "Rprop", "NAdam",
         "RAdam", "ASGD", "LBFGS"]


def _float64():
    """torch's default dtype float64 while a case is built and run (a Tensor lr in float64,
    as gpuad's numbers)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    return old


def _configs(errors=False):
    old = _float64()
    out = []
    try:
        for info in common_optimizers.optim_db:
            name = info.optim_cls.__name__
            if name not in NAMES:
                continue
            if errors:
                out += [(name, e) for e in info.optim_error_inputs_func(
                    device="cpu", dtype=torch.float64)]
            else:
                out += [(name, oi) for oi in
                        common_optimizers._get_optim_inputs_including_global_cliquey_kwargs(
                            "cpu", torch.float64, info, skip=("differentiable",))]
    finally:
        torch.set_default_dtype(old)
    return out


def _id(case):
    x = case[1]
    desc = getattr(x, "desc", None) or x.optimizer_error_input.desc
    return f"{case[0]}-{desc}"


CONFIGS = _configs()
ERRORS = _configs(errors=True)


@pytest.fixture(autouse=True)
def _torch_float64():
    old = _float64()
    yield
    torch.set_default_dtype(old)


def _g(v, memo=None):
    """A torch value of an OptimizerInput as gpuad's (a tensor listed twice stays one)."""
    memo = {} if memo is None else memo
    if isinstance(v, torch.Tensor):
        if id(v) not in memo:
            t = ad.tensor(v.detach().numpy().copy(), requires_grad=v.requires_grad)
            if v.grad is not None:
                t.grad = ad.tensor(v.grad.numpy().copy())
            memo[id(v)] = t
        return memo[id(v)]
    if isinstance(v, dict):
        return {k: _g(x, memo) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return type(v)(_g(x, memo) for x in v)
    return v


def _np(t):
    return np.asarray(t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy())


class _Pair:
    """The same parameters in both libraries, the loss ``sum(c sin(p) + p^2 / 2)``."""

    def __init__(self, shapes, seed=0, noncontiguous=False):
        rng = np.random.default_rng(seed)
        x0 = [rng.normal(size=s) for s in shapes]
        if noncontiguous:  # torch's randn(10, 5, 2)[..., 0]: strided views
            x0 = [np.stack([x, x + 1.0], -1)[..., 0] for x in x0]
        self.c = [rng.normal(size=s) for s in shapes]
        self.tp = [torch.tensor(x.copy(), requires_grad=True) for x in x0]
        self.gp = [ad.tensor(x if noncontiguous else x.copy(), requires_grad=True) for x in x0]

    def tloss(self, ps=None):
        ps = ps or self.tp
        return sum((torch.sin(p) * torch.tensor(c) + 0.5 * p * p).sum()
                   for p, c in zip(ps, self.c[:len(ps)], strict=True))

    def gloss(self, ps=None):
        ps = ps or self.gp
        return sum((gnp.sin(p) * gnp.asarray(c) + 0.5 * p * p).sum()
                   for p, c in zip(ps, self.c[:len(ps)], strict=True))

    def closures(self, topt, gopt):
        def tcl():
            topt.zero_grad()
            loss = self.tloss()
            loss.backward()
            return loss

        def gcl():
            gopt.zero_grad()
            loss = self.gloss()
            loss.backward()
            return loss
        return tcl, gcl

    def same(self, where, rtol=1e-9):
        for i, (t, g) in enumerate(zip(self.tp, self.gp, strict=True)):
            np.testing.assert_allclose(_np(g), _np(t), rtol=rtol, atol=rtol,
                                       err_msg=f"{where}: parameter {i}")


def _both(name, params_t, params_g, kw, outer=None):
    outer = outer or {}
    return (getattr(torch.optim, name)(params_t, **kw, **outer),
            getattr(optim, name)(params_g, **_g(kw), **_g(outer)))


# ---- TestOptimRenewed ----------------------------------------------------------------------

@pytest.mark.parametrize("case", CONFIGS, ids=_id)
def test_optim_db_configs_match_torch(case):
    """torch's test_foreach_matches_forloop / test_fused_matches_forloop: every configuration
    (``foreach``/``fused`` either way: gpuad accepts them and has one update) on a model's
    parameters and a 0-d one, a step where no parameter has a gradient (a no-op), compared
    with torch after every step."""
    name, oi = case
    pair = _Pair([(3, 2), (3,), (1, 3), (1,), ()])
    topt, gopt = _both(name, pair.tp, pair.gp, oi.kwargs)
    tcl, gcl = pair.closures(topt, gopt)
    for i in range(7):
        if i == 3 and name != "LBFGS":  # grads all None: step is a no-op
            topt.zero_grad()
            gopt.zero_grad()
            topt.step()
            gopt.step()
        else:
            topt.step(tcl)
            gopt.step(gcl)
        pair.same(f"{name} {oi.desc} step {i}")


# torch's refusals that come from its multi-tensor kernels (gpuad has one update, which takes
# a Tensor or a number for each hyperparameter in any mix): gpuad accepts, and steps as with
# the numbers
ERROR_DIFFERS = {"lr as Tensor doesn't work with foreach & not capturable",
                 "betas must be either both floats or both Tensors",
                 r"betas\[0\] as a Tensor is not supported for capturable=False and foreach=True"}
# generic checks of every optimizer, where gpuad's message is its own (a parameter listed
# twice in a group: torch warns, gpuad raises ValueError)
_GENERIC = {"invalid param type", "a param group cannot have duplicate parameters",
            "duplicate parameters should not occur across param groups either",
            "all optimizer params should be with/without names",
            "all optimizer param groups should be with/without names."}


def _numbers(v):
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        return v.item()
    if isinstance(v, dict):
        return {k: _numbers(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return type(v)(_numbers(x) for x in v)
    return v


@pytest.mark.parametrize("case", ERRORS, ids=_id)
def test_optim_db_error_inputs(case):
    """torch's test_errors: each bad input of optim_db raises in gpuad as in torch (the same
    exception class; a warning of torch's is a ValueError in gpuad), with a message naming the
    optimizer (and the hyperparameter and value where torch's names them)."""
    name, e = case
    oi = e.optimizer_error_input
    params = oi.params
    if params is None:
        params = [torch.randn(2, 3, requires_grad=True)]
    gparams = _g(params)
    if isinstance(gparams, ad.Tensor):
        gparams.requires_grad_(True)
    kw = _g(oi.kwargs)
    if oi.desc in ERROR_DIFFERS:
        p = ad.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
        q = ad.tensor(p.numpy().copy(), requires_grad=True)
        o1 = getattr(optim, name)([p], **kw)
        o2 = getattr(optim, name)([q], **_numbers(kw))
        for _ in range(3):
            for o, x in ((o1, p), (o2, q)):
                o.zero_grad()
                (gnp.sin(x) * x).sum().backward()
                o.step()
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        return
    want = e.error_type
    if issubclass(want, Warning):
        want = ValueError
    with pytest.raises(want) as info:
        opt = getattr(optim, name)(gparams, **kw)
        assert e.error_on.name == "STEP_ERROR", f"{oi.desc}: gpuad made the optimizer"
        for p in opt.params:
            if p.grad is None:
                p.grad = ad.tensor(np.ones(p.shape))
        opt.step()
    msg = str(info.value)
    assert name in msg, msg
    if oi.desc not in _GENERIC and not re.search(e.error_regex, msg):
        # gpuad's own wording: it still names the value torch names
        nums = re.findall(r"-?\d+\.?\d*", e.error_regex)
        assert all(n in msg for n in nums), (oi.desc, msg, e.error_regex)


def _split(p):
    """A parameter as torch's view_as_real (a real one as it is)."""
    v = p.numpy()
    return np.stack([v.real, v.imag], -1) if np.iscomplexobj(v) else v.copy()


@pytest.mark.parametrize("case", CONFIGS, ids=_id)
def test_complex_equals_real_view(case):
    """torch's test_complex: complex parameters (and a real one beside them) step as their
    real views do, every iterate equal (L-BFGS's line-search points too)."""
    name, oi = case
    rng = np.random.default_rng(1)
    cps = [ad.tensor(rng.normal(size=(4, 3)) + 1j * rng.normal(size=(4, 3)),
                     requires_grad=True),
           ad.tensor(rng.normal(size=4) + 1j * rng.normal(size=4), requires_grad=True),
           ad.tensor(rng.normal(size=(4, 3)), requires_grad=True)]
    rps = [ad.tensor(_split(p), requires_grad=True) for p in cps]
    copt = getattr(optim, name)(cps, **_g(oi.kwargs))
    ropt = getattr(optim, name)(rps, **_g(oi.kwargs))
    seen_r, seen_c, fed = [], [], []

    def rcl():
        gs = []
        for p in rps:
            g = rng.normal(size=p.shape)
            p.grad = ad.tensor(g)
            gs.append(g)
            seen_r.append(p.numpy().copy())
        loss = ad.tensor(float(rng.normal()))
        fed.append((gs, loss))
        return loss

    def ccl():
        gs, loss = fed.pop(0)
        for p, g in zip(cps, gs, strict=True):
            p.grad = ad.tensor(g[..., 0] + 1j * g[..., 1] if np.iscomplexobj(p.numpy()) else g)
            seen_c.append(_split(p))
        return loss

    for _ in range(3):
        if name == "LBFGS":
            ropt.step(rcl)
            copt.step(ccl)
        else:
            rcl()
            ccl()
            ropt.step()
            copt.step()
    assert len(seen_c) == len(seen_r)
    for a, b in zip(seen_c, seen_r, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)
    for p, r in zip(cps, rps, strict=True):
        np.testing.assert_allclose(_split(p), r.numpy(), rtol=1e-13, atol=1e-14)


def _lr_small(name, kw):
    kw = dict(kw)
    if name == "AdamW":  # decays the parameters whatever the gradient: a small rate
        kw["lr"] = torch.tensor(1e-4) if isinstance(kw.get("lr"), torch.Tensor) else 1e-4
    return kw


@pytest.mark.parametrize("case", CONFIGS, ids=_id)
def test_step_is_noop_for_zero_grads(case):
    """A zero gradient leaves the parameter (up to the decay torch's own test allows: AdamW's
    and ASGD's), as torch: the same values as torch's."""
    name, oi = case
    if oi.kwargs.get("weight_decay", 0) != 0:
        return
    kw = _lr_small(name, oi.kwargs)
    x0 = np.random.default_rng(2).normal(size=(5, 1))
    tp = torch.tensor(x0.copy(), requires_grad=True)
    gp = ad.tensor(x0.copy(), requires_grad=True)
    topt, gopt = _both(name, [tp], [gp], kw)
    tp.grad = torch.zeros_like(tp)
    gp.grad = ad.tensor(np.zeros((5, 1)))
    topt.step(lambda: torch.tensor([1.0]))
    gopt.step(lambda: ad.tensor([1.0]))
    np.testing.assert_allclose(_np(gp), _np(tp), rtol=1e-13, atol=1e-15)
    if name != "ASGD":  # its lambd decays the parameters whatever the gradient (torch too)
        np.testing.assert_allclose(_np(gp), x0, rtol=2e-6)


@pytest.mark.parametrize("case", CONFIGS, ids=_id)
def test_step_is_noop_when_params_have_no_grad(case):
    """Parameters without a gradient are left as they are. gpuad takes a frozen
    ``nn.Parameter`` (requires_grad=False, as model.parameters() lists it) and skips it;
    a plain Tensor that does not require grad is refused (TypeError: most likely a tensor
    passed by mistake), where torch takes it."""
    name, oi = case
    ps = [nn.Parameter(ad.tensor(np.ones((2, 3))), requires_grad=False) for _ in range(2)]
    opt = getattr(optim, name)(ps, **_g(oi.kwargs))
    opt.step(lambda: ad.tensor([1.0]))
    for p in ps:
        np.testing.assert_array_equal(p.numpy(), 1.0)
    with pytest.raises(TypeError, match="requires grad"):
        getattr(optim, name)([ad.tensor(np.ones(3))], **_g(oi.kwargs))


@pytest.mark.parametrize("case", CONFIGS, ids=_id)
def test_optimizer_can_be_printed(case):
    name, oi = case
    ps = [nn.Parameter(ad.tensor(np.ones((2, 3)))) for _ in range(2)]
    text = repr(getattr(optim, name)(ps, **_g(oi.kwargs)))
    assert text.startswith(name) and "Parameter Group 0" in text, text
    for k in oi.kwargs:
        if k not in ("foreach", "fused", "capturable", "differentiable"):
            assert f"{k}:" in text, (k, text)


def _linear(seed, n_out=2, n_in=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_out, n_in)), rng.normal(size=n_out), rng.normal(size=n_in)


@pytest.mark.parametrize("case", CONFIGS, ids=_id)
def test_state_dict_deterministic(case):
    """A state_dict loaded into a new optimizer over copies continues the same iterates, and
    the two state_dicts agree. (torch's last check, a group list extended by itself, is a
    parameter in two groups: gpuad raises ValueError there, as its constructor does.)"""
    name, oi = case
    w0, b0, x = _linear(6)
    xs = gnp.asarray(x)

    def fb(o, w, b):
        o.zero_grad()
        loss = ((w @ xs + b) ** 2).sum()
        loss.backward()
        return loss

    w = ad.tensor(w0, requires_grad=True)
    b = ad.tensor(b0, requires_grad=True)
    opt = getattr(optim, name)([w, b], **_g(oi.kwargs))
    for _ in range(10):
        opt.step(functools.partial(fb, opt, w, b))
    wc = ad.tensor(w.numpy().copy(), requires_grad=True)
    bc = ad.tensor(b.numpy().copy(), requires_grad=True)
    optc = getattr(optim, name)([wc, bc], **_g(oi.kwargs))
    optc.load_state_dict(copy.deepcopy(opt.state_dict()))
    for _ in range(10):
        opt.step(functools.partial(fb, opt, w, b))
        optc.step(functools.partial(fb, optc, wc, bc))
        np.testing.assert_array_equal(wc.numpy(), w.numpy())
        np.testing.assert_array_equal(bc.numpy(), b.numpy())
    s1, s2 = opt.state_dict(), optc.state_dict()
    assert repr(s1["param_groups"]) == repr(s2["param_groups"])
    assert sorted(s1["state"]) == sorted(s2["state"])
    for k, st in s1["state"].items():
        assert sorted(st) == sorted(s2["state"][k])
        for key, v in st.items():
            np.testing.assert_array_equal(np.asarray(s2["state"][k][key], dtype=object),
                                          np.asarray(v, dtype=object))
    optc.param_groups.extend(optc.param_groups)
    with pytest.raises(ValueError, match="more than once"):
        optc.state_dict()


NEW_FLAGS = ["maximize", "foreach", "fused", "differentiable", "capturable"]


@pytest.mark.parametrize("case", CONFIGS, ids=_id)
def test_can_load_older_state_dict(case):
    """torch's test_can_load_older_state_dict and test_load_nontensor_step: a checkpoint
    without the flags torch added later (they take their defaults) and one whose step counts
    are numbers load, and the next steps are torch's."""
    name, oi = case
    pair = _Pair([(2, 4), (2,)], seed=3)
    topt, gopt = _both(name, pair.tp, pair.gp, oi.kwargs)
    tcl, gcl = pair.closures(topt, gopt)
    for _ in range(3):
        topt.step(tcl)
        gopt.step(gcl)
    for opt in (topt, gopt):
        sd = copy.deepcopy(opt.state_dict())
        for group in sd["param_groups"]:
            for flag in NEW_FLAGS:
                group.pop(flag, None)
        opt.load_state_dict(sd)
    topt.step(tcl)
    gopt.step(gcl)
    pair.same(f"{name} {oi.desc}: after loading an older checkpoint")
    for opt in (topt, gopt):
        sd = copy.deepcopy(opt.state_dict())
        for st in sd["state"].values():
            for k in ("step", "t"):
                if k in st and hasattr(st[k], "shape"):
                    st[k] = float(np.asarray(_np(st[k]) if hasattr(st[k], "numpy") else st[k]))
        opt.load_state_dict(sd)
    topt.step(tcl)
    gopt.step(gcl)
    pair.same(f"{name} {oi.desc}: after loading number step counts")


def _adagrad_per_group_refused(name, kw, outer):
    """gpuad refuses a group's own initial_accumulator_value (torch ignores it silently)."""
    v = kw.get("initial_accumulator_value", 0.0)
    return name == "Adagrad" and v != outer.get("initial_accumulator_value", 0.0)


@pytest.mark.parametrize("case", [c for c in CONFIGS if c[0] != "LBFGS"], ids=_id)
def test_param_groups_lr(case):
    """A group's own rate, another group at lr=1e-28 (left as it is), as torch."""
    name, oi = case
    kw = dict(oi.kwargs)
    if "lr" not in kw or (not isinstance(kw["lr"], torch.Tensor) and kw["lr"] == 0):
        kw["lr"] = 1e-3
    outer = {"lr": 1e-28}
    if name == "Rprop":
        outer["step_sizes"] = (0, 50)
    pair = _Pair([(10, 5), (10,), (2,)], seed=4)
    groups_t = [dict(params=pair.tp[:2], **kw), dict(params=pair.tp[2:])]
    groups_g = [dict(params=pair.gp[:2], **_g(kw)), dict(params=pair.gp[2:])]
    if _adagrad_per_group_refused(name, kw, outer):
        with pytest.raises(ValueError, match="initial_accumulator_value"):
            getattr(optim, name)(groups_g, **outer)
        return
    topt, gopt = _both(name, groups_t, groups_g, {}, outer)
    irrelevant = pair.gp[2].numpy().copy()
    first = float(pair.gloss(pair.gp[:2]).numpy())
    rng = np.random.default_rng(0)
    for i in range(20):
        topt.zero_grad()
        gopt.zero_grad()
        pair.tloss(pair.tp[:2]).backward()
        loss = pair.gloss(pair.gp[:2])
        loss.backward()
        r = rng.random(2)
        pair.tp[2].grad = torch.tensor(r)
        pair.gp[2].grad = ad.tensor(r)
        topt.step()
        gopt.step()
        pair.same(f"{name} {oi.desc} step {i}")
    last = float(loss.numpy())
    assert last > first if kw.get("maximize") else last < first
    np.testing.assert_array_equal(pair.gp[2].numpy(), irrelevant)


@pytest.mark.parametrize("case", [c for c in CONFIGS if c[0] != "LBFGS"], ids=_id)
def test_param_groups_weight_decay(case):
    """A group without weight decay beside one with it, as torch."""
    name, oi = case
    bias_kw = {**oi.kwargs, "weight_decay": 0.0}
    pair = _Pair([(10, 5), (10,)], seed=5)
    groups_t = [dict(params=pair.tp[:1], **oi.kwargs), dict(params=pair.tp[1:], **bias_kw)]
    groups_g = [dict(params=pair.gp[:1], **_g(oi.kwargs)),
                dict(params=pair.gp[1:], **_g(bias_kw))]
    if _adagrad_per_group_refused(name, oi.kwargs, {}):
        with pytest.raises(ValueError, match="initial_accumulator_value"):
            getattr(optim, name)(groups_g)
        return
    topt, gopt = _both(name, groups_t, groups_g, {})
    for i in range(20):
        topt.zero_grad()
        gopt.zero_grad()
        pair.tloss().backward()
        pair.gloss().backward()
        topt.step()
        gopt.step()
        pair.same(f"{name} {oi.desc} step {i}")


@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize("case", CONFIGS, ids=_id)
def test_goes_right_direction(case, contiguous):
    """20 steps of (W x + b)^2 lower it (raise it with maximize), on contiguous parameters
    and on strided views, the same iterates as torch."""
    name, oi = case
    rng = np.random.default_rng(8)
    w0, b0, x = rng.normal(size=(10, 5)), rng.normal(size=10), rng.normal(size=5)
    if not contiguous:
        w0 = np.stack([w0, w0], -1)[..., 0]
        b0 = np.stack([b0, b0], -1)[..., 0]
    tw, tb = (torch.tensor(v.copy(), requires_grad=True) for v in (w0, b0))
    gw, gb = (ad.tensor(v if not contiguous else v.copy(), requires_grad=True)
              for v in (w0, b0))
    topt, gopt = _both(name, [tw, tb], [gw, gb], oi.kwargs)

    def tcl():
        topt.zero_grad()
        loss = (tw @ torch.tensor(x) + tb).pow(2).sum()
        loss.backward()
        return loss

    def gcl():
        gopt.zero_grad()
        loss = ((gw @ gnp.asarray(x) + gb) ** 2).sum()
        loss.backward()
        return loss

    first = float(gcl().numpy())
    for _ in range(20):
        topt.step(tcl)
        gopt.step(gcl)
    np.testing.assert_allclose(gw.numpy(), _np(tw), rtol=1e-8, atol=1e-8)
    last = float(gcl().numpy())
    assert last > first if oi.kwargs.get("maximize") else last < first


@pytest.mark.parametrize("case", CONFIGS, ids=_id)
def test_deepcopy_copies_all_public_attrs(case):
    name, oi = case
    rng = np.random.default_rng(9)
    ps = [nn.Parameter(ad.tensor(rng.normal(size=(2, 3)))) for _ in range(2)]
    for p in ps:
        p.grad = ad.tensor(rng.random((2, 3)))
    opt = getattr(optim, name)(ps, **_g(oi.kwargs))
    for _ in range(3):
        opt.step(lambda: 1.0 if name == "LBFGS" else None)

    def public(o):
        return {k for k in o.__dict__ if not k.startswith("_")}
    dup = copy.deepcopy(opt)
    assert public(opt) == public(dup)
    for a, b in zip(opt.state, dup.state, strict=True):
        assert sorted(a) == sorted(b)


# ---- TestSGDComplexForeach -----------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
                                {"weight_decay": 0.1}, {"maximize": True}], ids=str)
@pytest.mark.parametrize("foreach", [False, True])
def test_sgd_complex_foreach_matches_torch(kw, foreach):
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(3, 2)) + 1j * rng.normal(size=(3, 2))
    tp = torch.tensor(x0.copy(), requires_grad=True)
    gp = ad.tensor(x0.copy(), requires_grad=True)
    topt, gopt = _both("SGD", [tp], [gp], dict(lr=0.1, foreach=foreach, dampening=0.0, **kw))
    for _ in range(4):
        g = rng.normal(size=(3, 2)) + 1j * rng.normal(size=(3, 2))
        tp.grad = torch.tensor(g)
        gp.grad = ad.tensor(g)
        topt.step()
        gopt.step()
    np.testing.assert_allclose(gp.numpy(), _np(tp), rtol=1e-13, atol=1e-14)
    if kw.get("momentum"):
        buf = gopt.state[0]["momentum"]
        tbuf = torch.view_as_real(topt.state[tp]["momentum_buffer"]).numpy()
        np.testing.assert_allclose(np.asarray(buf).reshape(-1), tbuf.reshape(-1), rtol=1e-13)


# ---- TestDifferentiableOptimizer -----------------------------------------------------------

@pytest.mark.parametrize("name", [n for n in NAMES if n != "LBFGS"])
def test_differentiable_refused(name):
    """differentiable=True is not provided: the error names what to use."""
    w = ad.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"differentiable=True.*gpuad\.optax"):
        getattr(optim, name)([w], differentiable=True)


def _torch_step_vjp(cls, kw, state, p, g, cot):
    """torch's differentiable step: d<cot, p_new>/d(p, grad, state...)."""
    p = torch.tensor(p, requires_grad=True)
    g = torch.tensor(g, requires_grad=True)
    st = {k: torch.tensor(v, requires_grad=not k.startswith("step")) for k, v in state.items()}
    q = p.clone()
    q.grad = g
    opt = cls([q], differentiable=True, **kw)
    opt.state[q].update({k: v.clone() for k, v in st.items()})
    opt.step()
    ins = [p, g] + [v for k, v in st.items() if v.requires_grad]
    return [x.numpy() for x in torch.autograd.grad((q * torch.tensor(cot)).sum(), ins)]


@pytest.mark.parametrize("which", ["sgd", "adam"])
def test_step_through_optax(which):
    """What torch's differentiable=True is for, with gpuad.optax: the gradient of an
    optimizer step with respect to the parameter, the gradient and the state (momentum
    buffer; Adam's moments at step 10) equals torch's (and central differences)."""
    from gpuad import optax

    rng = np.random.default_rng(10)
    p, g, cot = rng.random(6), rng.random(6), rng.normal(size=6)
    if which == "sgd":
        buf = rng.random(6)
        want = _torch_step_vjp(torch.optim.SGD, dict(lr=0.9, momentum=0.5),
                               {"momentum_buffer": buf}, p, g, cot)

        def step(p, g, buf):
            tx = optax.sgd(0.9, momentum=0.5)
            st = tx.init(p)
            st = (st[0]._replace(trace=buf),) + tuple(st[1:])
            u, _ = tx.update(g, st, p)
            return (optax.apply_updates(p, u) * gnp.asarray(cot)).sum()
        args = (p, g, buf)
    else:
        m, v = rng.random(6), rng.random(6)
        want = _torch_step_vjp(torch.optim.Adam, dict(lr=0.9),
                               {"step": np.array(10.0), "exp_avg": m, "exp_avg_sq": v},
                               p, g, cot)

        def step(p, g, m, v):
            tx = optax.adam(0.9)
            st = tx.init(p)
            st = (st[0]._replace(count=np.array(10, np.int32), mu=m, nu=v),) + tuple(st[1:])
            u, _ = tx.update(g, st, p)
            return (optax.apply_updates(p, u) * gnp.asarray(cot)).sum()
        args = (p, g, m, v)
    got = ad.grad(step, argnums=tuple(range(len(args))))(*args)
    for i, (a, b) in enumerate(zip(got, want, strict=True)):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-9, atol=1e-12, err_msg=str(i))
    h = 1e-6
    for i, a in enumerate(args):
        fd = np.zeros_like(a)
        for j in range(a.size):
            hi = [x.copy() for x in args]
            lo = [x.copy() for x in args]
            hi[i][j] += h
            lo[i][j] -= h
            fd[j] = (float(step(*hi)) - float(step(*lo))) / (2 * h)
        np.testing.assert_allclose(np.asarray(got[i]), fd, rtol=1e-5, atol=1e-7)


# ---- the map -------------------------------------------------------------------------------

def _suite_cases():
    path = Path(__file__).parent / _SUITE
    spec = importlib.util.spec_from_file_location("_lrsched_suite_for_gaps", path)
    mod = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec.loader.exec_module(mod)
    return mod.CASES


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == 189
    cases = None
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        for ref in re.findall(r"here: (test_\w+)(?:\[(\w+)\])?", where):
            fn, param = ref
            assert fn in globals(), (name, fn)
            if param:
                marks = getattr(globals()[fn], "pytestmark", [])
                values = [v for m in marks for v in m.args[1]]
                assert param in values, (name, param)
        for path, obj in re.findall(r"covered: ([\w/.]+\.py)::([\w\[\]*]+)", where):
            if obj.startswith("CASES["):
                cases = cases if cases is not None else _suite_cases()
                pat = obj[len("CASES["):-1]
                assert fnmatch.filter(cases, pat), (name, pat)
            else:
                text = (Path(__file__).parent / path).read_text()
                assert f"def {obj}(" in text, (name, obj)
    names = {n for _, n, _ in GAPS}
    assert {"test_complex", "test_errors", "test_lr_scheduler_checkpoint",
            "test_update_bn_cnn", "test_adam_differentiable_lr"} <= names


# ---- optimizer hooks (torch's later TestOptimRenewed: test_step_*_hook, test_*state_dict*hook)

def _hook_run(lib):
    """Step hooks (global and per optimizer, a pre-hook that swaps the closure), state_dict
    and load_state_dict hooks: the calls in order and what they see."""
    log = []
    if lib is torch:
        from torch.optim import optimizer as mod
        p = torch.tensor([1.0, 2.0], requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.5)
        grad = torch.tensor
    else:
        from gpuad.optim import optimizer as mod
        p = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
        opt = optim.SGD([p], lr=0.5)
        grad = ad.tensor

    def closure():
        p.grad = grad([1.0, 1.0])
        return 1.0

    def other_closure():
        p.grad = grad([3.0, -1.0])
        return 2.0

    handles = [
        mod.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global pre")),
        mod.register_optimizer_step_post_hook(lambda o, a, k: log.append("global post")),
    ]
    try:
        opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", len(a), sorted(k))))
        swap = opt.register_step_pre_hook(lambda o, a, k: ((a[0], other_closure), k))
        opt.register_step_post_hook(
            lambda o, a, k: log.append(("post", (a[1] if len(a) > 1 else k["closure"]).__name__)))
        log.append(("loss", opt.step(closure)))
        swap.remove()
        log.append(("loss", opt.step(closure=closure)))
    finally:
        for h in handles:
            h.remove()
    log.append(("p", [float(v) for v in p.detach().numpy()]))
    opt.register_state_dict_pre_hook(lambda o: log.append("sd pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "tag": 7})
    opt.register_state_dict_post_hook(lambda o, sd: log.append(("sd post", sd["tag"])),
                                      prepend=False)
    sd = opt.state_dict()
    log.append(("tag", sd["tag"]))

    def load_pre(o, s):
        log.append(("load pre", s.get("tag")))
        s = dict(s)
        s["param_groups"] = [dict(g, lr=0.25) for g in s["param_groups"]]
        return s
    opt.register_load_state_dict_pre_hook(load_pre)
    opt.register_load_state_dict_post_hook(lambda o: log.append(("load post",
                                                                 o.param_groups[0]["lr"])))
    opt.load_state_dict(sd)
    return log


def test_optimizer_hooks_as_torch():
    assert _hook_run(optim) == _hook_run(torch)
