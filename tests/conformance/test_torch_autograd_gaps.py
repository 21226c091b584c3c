"""The rest of PyTorch's test/test_autograd.py, run in gpuad and torch on the same inputs.

``TORCH_TESTS`` below maps every test method of torch's ``TestAutograd``,
``TestAutogradForwardMode``, ``TestAutogradInferenceMode``, ``TestMultithreadAutograd`` (and
the autograd parts of ``TestAutogradDeviceType``), and of ``TestAutogradFunctional``
(test/autograd/test_functional.py) to where gpuad runs it: an earlier port
(tests/conformance/test_torch_autograd*.py, test_torch_saved_hooks.py, test_torch_forward_ad.py,
test_torch_inplace_activations.py, test_torch_view_reads.py), a case of this file (``gaps::``),
or the reason it does not apply (CUDA streams and devices, the profiler, sparse and MKL-DNN
layouts, TorchScript, torch's C++ internals: ``torch._C`` helpers, graph-task ids, node
metadata, reference cycles).

Each case is one program written once against a namespace ``L`` (torch, or gpuad with the
same names) and run in both, as in test_torch_autograd_more.py: where torch returns values
gpuad must return the same (gradients too, with dtype and shape), where torch raises gpuad must
raise an error naming the problem. Deliberate differences are in ``DIFFERS`` with the reason
and what gpuad does instead; none of them is a silently wrong value.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
import threading
import warnings
from collections.abc import Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.autograd import gradcheck as _tgc_fn  # noqa: E402, F401
from torch.utils import checkpoint as _tck  # noqa: E402

_tgc = __import__("sys").modules["torch.autograd.gradcheck"]

import gpuad as ad  # noqa: E402
import gpuad.nn as _gnn  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.optim as _goptim  # noqa: E402
from gpuad.utils import checkpoint as _gck  # noqa: E402

RNG = np.random.default_rng(20261202)
X = np.array([0.3, -1.2, 2.0])
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
S = RNG.standard_normal((2, 2))
T = RNG.standard_normal((2, 2))


# ---- where each of torch's tests runs -----------------------------------------------------------
# "gaps::NAME": a case of this file; "base::", "more::", "ns::", "fdb::", "saved::", "fwad::":
# a test or case of test_torch_autograd.py, test_torch_autograd_more.py,
# test_torch_autograd_ns.py, test_torch_autograd_function_db.py (its b_* behaviours),
# test_torch_saved_hooks.py, test_torch_forward_ad.py; "n/a: ..." why it does not apply.

_INTERNAL = "n/a: torch._C internals"
_PROFILER = "n/a: the profiler (record_function, kineto), not autograd semantics"
_SPARSE = "n/a: sparse layouts (gpuad's gradients are dense)"
_MKLDNN = "n/a: MKL-DNN layouts"
_CUDA = "n/a: CUDA devices, streams or memory statistics"
_GC = "n/a: reference cycles and object lifetimes of torch's C++ graph"
_NODES = "n/a: torch's Node objects (AccumulateGrad nodes, metadata, saved-variable bindings)"
_JIT = "n/a: TorchScript / torch.compile"

TORCH_TESTS: tuple[tuple[str, str], ...] = (
    # TestAutograd
    ("test_copy_slices_graph_task_updates", "n/a: DelayedError nodes (torch._C._functions)"),
    ("test_grad_mode_class_decoration", "gaps::grad_mode_class_decoration"),
    ("test_tensor_grad_warnings", "gaps::tensor_grad_warnings"),
    ("test_function", "ns::test_function_against_torch"),
    ("test_once_differentiable", "ns::test_once_differentiable"),
    ("test_function_returns_input", "gaps::function_returns_input"),
    ("test_function_returns_undefined_tensor", "gaps::function_returns_undefined_tensor"),
    ("test_materialize_grads", "fdb::b_materialize"),
    ("test_dont_materialize_grads", "fdb::b_materialize"),
    ("test_set_materialize_non_diff_grads", "n/a: private ctx._materialize_non_diff_grads"),
    ("test_unused_grad_requires_grad_with_materialize",
     "gaps::unused_grad_requires_grad_with_materialize"),
    ("test_legacy_function_deprecation_exception",
     "gaps::legacy_function_deprecation_exception"),
    ("test_custom_function_exception", "gaps::custom_function_exception"),
    ("test_custom_function_non_tensor_inputs_outputs",
     "gaps::custom_function_non_tensor_inputs_outputs"),
    ("test_custom_function_no_tensors", "gaps::custom_function_no_tensors"),
    ("test_invalid_gradients", "gaps::invalid_gradients"),
    ("test_unrelated_inputs", "gaps::unrelated_inputs"),
    ("test_not_implemented_grad", "n/a: nextafter has a gradient in gpuad (0 almost "
     "everywhere; test_differentiable_all checks it), not an unimplemented one"),
    ("test_not_implemented_fwad", "n/a: igamma has a forward rule in gpuad (its derivative in "
     "a is computed; tests/test_differentiable_all.py)"),
    ("test_saved_tensor_hooks_extra_exit_during_bw_no_crash",
     "saved::test_saved_tensor_hooks_extra_exit_during_bw_no_crash"),
    ("test_saved_tensor_hooks_extra_enter_during_bw_no_leak",
     "saved::test_saved_tensor_hooks_extra_enter_during_bw_no_leak"),
    ("test_will_engine_execute_node", _INTERNAL),
    ("test_custom_function_vmap_defaults", "gaps::custom_function_vmap_defaults"),
    ("test_custom_function_setup_context_simple", "gaps::custom_function_setup_context_simple"),
    ("test_custom_function_setup_context_multi_output",
     "ns::test_function_setup_context_and_non_tensor_outputs"),
    ("test_custom_function_setup_context_multi_input",
     "gaps::custom_function_setup_context_multi_input"),
    ("test_multiple_insert_removal_caching", _INTERNAL),
    ("test_accumulate_grad", "base::test_accumulate_grad"),
    ("test_accumulate_grad_tensor_reference", "gaps::accumulate_grad_tensor_reference"),
    ("test_accumulate_grad_with_zero_numel_grad", "gaps::accumulate_grad_with_zero_numel_grad"),
    ("test_hessian_vector", "base::test_double_backward_is_hessian_vector_product"),
    ("test_grad", "ns::test_grad_hessian_vector"),
    ("test_grad_to_node", "n/a: GradientEdge (torch.autograd.graph.get_gradient_edge raises, "
     "naming the Tensor as inputs= of grad and backward)"),
    ("test_grad_to_node_set", "n/a: GradientEdge"),
    ("test_grad_to_node_inplace", "n/a: GradientEdge"),
    ("test_grad_to_node_multi", "n/a: GradientEdge"),
    ("test_grad_to_node_materialize", "n/a: GradientEdge"),
    ("test_backward_to_node", "n/a: GradientEdge"),
    ("test_grad_fn_input_metadata", _NODES),
    ("test_gradient_edge_output", "n/a: GradientEdge"),
    ("test_gradient_edge_graph_ownership", "n/a: GradientEdge"),
    ("test_grad_nonleaf", "ns::test_grad_nonleaf"),
    ("test_grad_nonleaf_many_outputs", "ns::test_grad_nonleaf_many_outputs"),
    ("test_grad_nonleaf_register_hook", "more::hooks_on_leaf_and_non_leaf"),
    ("test_grad_materialize_grads", "more::grad_materialized_zeros_third_order"),
    ("test_post_accumulate_grad_hook_on_non_leaf", "more::post_accumulate_hook_on_non_leaf"),
    ("test_post_accumulate_grad_hook_multiple_hooks",
     "gaps::post_accumulate_grad_hook_multiple_hooks"),
    ("test_post_accumulate_grad_hook_multiple_tensors",
     "gaps::post_accumulate_grad_hook_multiple_tensors"),
    ("test_post_accumulate_grad_hook_returns_not_None",
     "more::post_accumulate_hook_returning_a_value"),
    ("test_post_accumulate_grad_hook_e2e", "gaps::post_accumulate_grad_hook_e2e"),
    ("test_post_accumulate_grad_hook_gets_cleaned_up", _GC),
    ("test_post_accumulate_grad_hook_ordering", "more::post_accumulate_hook_runs_after_tensor_hooks"
     " (the AccumulateGrad node hooks of the rest are torch's nodes)"),
    ("test_hook_with_no_name", "more::hook_object_without_name"),
    ("test_prehook_ordering", "gaps::prehook_ordering"),
    ("test_retains_grad_can_always_observe_tensor_prehook",
     "gaps::retains_grad_can_always_observe_tensor_prehook"),
    ("test_accumulate_grad_posthooks_can_observe_tensor_prehook", _NODES),
    ("test_accumulate_grad_posthooks_should_not_execute", _NODES),
    ("test_hook_edge_case_when_called_with_grad", "gaps::hook_edge_case_when_called_with_grad"),
    ("test_sharded_grad", "more::grad_sharded_then_backward"),
    ("test_backward_badcalls", "gaps::backward_badcalls"),
    ("test_grad_badcalls", "ns::test_grad_badcalls_and_unused"),
    ("test_grad_empty_inputs", "gaps::grad_empty_inputs"),
    ("test_grad_fn_badcalls", "n/a: calling a grad_fn node directly (gpuad's steps are not "
     "callable; backward and autograd.grad run them)"),
    ("test_grad_unreachable", "ns::test_grad_badcalls_and_unused"),
    ("test_grad_unreachable_discovery", "gaps::grad_unreachable_discovery"),
    ("test_grad_batched_grad", "more::grad_is_grads_batched"),
    ("test_hooks", "more::hooks_counted_modified_and_removed"),
    ("test_grad_fn_prehooks", "gaps::grad_fn_prehooks"),
    ("test_grad_fn_prehooks_multiple_outputs", "gaps::grad_fn_prehooks_multiple_outputs"),
    ("test_grad_fn_prehooks_remove_hooks", "gaps::grad_fn_prehooks_remove_hooks"),
    ("test_node_post_hook_registered_during_unpack_hook", _NODES),
    ("test_hooks_cpp", "gaps::hooks_cpp"),
    ("test_hook_none", "gaps::hook_none"),
    ("test_retain_grad", "more::retain_grad_twice_accumulates"),
    ("test_retain_grad_inplace", "gaps::retain_grad_inplace"),
    ("test_retains_grad_inplace_multiple_outputs", "gaps::retains_grad_inplace_multiple_outputs"),
    ("test_retain_grad_inplace_over_view", "more::retain_grad_inplace_over_view"),
    ("test_tensor_hooks_inplace", "more::tensor_hooks_inplace"),
    ("test_tensor_hooks_inplace_multiple_outputs", "more::tensor_hooks_inplace_multiple_outputs"),
    ("test_tensor_hooks_inplace_over_view", "more::tensor_hooks_inplace_over_view"),
    ("test_retain_grad_cycle", _GC),
    ("test_backward", "gaps::backward_values"),
    ("test_to_sparse_backward", _SPARSE),
    ("test_sparse_mm_backward", _SPARSE),
    ("test_multi_backward", "gaps::multi_backward"),
    ("test_multi_backward_no_grad", "more::backward_root_without_grad"),
    ("test_backward_with_inputs", "more::backward_with_inputs_leaves_others"),
    ("test_backward_with_scalar_input", "more::backward_with_scalar_input"),
    ("test_backward_with_nonleaf_inputs", "more::backward_with_non_leaf_inputs"),
    ("test_dependent_backward", "more::backward_dependent_roots"),
    ("test_save_output_nr", "gaps::save_output_nr"),
    ("test_first_grad_fn_access_in_no_grad_mode", "gaps::first_grad_fn_access_in_no_grad_mode"),
    ("test_free_deep_graph", "gaps::free_deep_graph"),
    ("test_free_deep_graph_complicated", "gaps::free_deep_graph"),
    ("test_free_deep_graph_pyfunction", "gaps::free_deep_graph_pyfunction"),
    ("test_no_unnecessary_save", "gaps::no_unnecessary_save"),
    ("test_no_grad", "gaps::no_grad_decorator_forms"),
    ("test_enable_grad_decorator_no_paren", "gaps::enable_grad_decorator_no_paren"),
    ("test_set_grad_generator_functions", "more::grad_mode_decorated_generators"),
    ("test_set_grad_generator_functions_recursive", "gaps::set_grad_generator_functions_recursive"),
    ("test_set_grad_coroutines", "gaps::set_grad_coroutines"),
    ("test_set_grad_coroutines_benign_exceptions", "gaps::set_grad_coroutines_benign_exceptions"),
    ("test_set_grad_coroutines_critical_exceptions",
     "gaps::set_grad_coroutines_critical_exceptions"),
    ("test_set_grad_coroutines_exit", "gaps::set_grad_coroutines_exit"),
    ("test_no_grad_python_function", "gaps::no_grad_python_function_requires_grad"),
    ("test_indexing", "gaps::indexing"),
    ("test_indexing_duplicates", "gaps::indexing_duplicates"),
    ("test_index_backward_does_not_save_tensor", "gaps::index_backward_does_not_save_tensor"),
    ("test_volatile_deprecated", "n/a: the deprecated Variable.volatile attribute"),
    ("test_saved_variables_deprecated", "n/a: the deprecated ctx.saved_variables"),
    ("test_requires_grad", "base::test_requires_grad_propagation"),
    ("test_requires_grad_", "gaps::requires_grad_"),
    ("test_requires_grad_inplace", "base::test_untracked_tensor_written_with_tracked_value"),
    ("test_no_requires_grad_inplace", "gaps::no_requires_grad_inplace"),
    ("test_attribute_deletion", "gaps::attribute_deletion"),
    ("test_duplicate_backward_root", "gaps::duplicate_backward_root"),
    ("test_backward_no_grad", "gaps::backward_no_grad_tensors"),
    ("test_backward_twice_with_saved_values", "gaps::backward_twice_with_saved_values"),
    ("test_backward_twice_retained_graph_with_saved_values",
     "base::test_backward_twice_retained_graph"),
    ("test_backward_twice_without_saved_values", "base::test_backward_twice_without_saved_values"),
    ("test_backward_twice_retained_graph_without_saved_values",
     "gaps::backward_twice_retained_graph_without_saved_values"),
    ("test_backward_create_graph_warns", "gaps::backward_create_graph_warns"),
    ("test_next_functions", "gaps::next_functions"),
    ("test_inplace", "gaps::inplace_values"),
    ("test_mark_non_differentiable", "ns::test_needs_input_grad_and_non_differentiable"),
    ("test_mark_non_differentiable_mixed", "gaps::mark_non_differentiable_mixed"),
    ("test_mark_non_differentiable_none", "gaps::mark_non_differentiable_none"),
    ("test_return_duplicate", "gaps::return_duplicate"),
    ("test_return_duplicate_inplace", "gaps::return_duplicate_inplace"),
    ("test_setitem", "base::test_setitem_mask_and_index"),
    ("test_setitem_mask", "base::test_setitem_mask_and_index"),
    ("test_select_sum", "gaps::select_sum"),
    ("test_diagonal_expanded_v", "gaps::diagonal_expanded_v"),
    ("test_select_expanded_v", "gaps::select_expanded_v"),
    ("test_slice_expanded_v", "gaps::slice_expanded_v"),
    ("test_unused_output", "gaps::unused_output"),
    ("test_sparse_gather_dim0", _SPARSE),
    ("test_sparse_gather_dim1", _SPARSE),
    ("test_sparse_gather_dim_neg", _SPARSE),
    ("test_sparse_gather_ind_scalar", _SPARSE),
    ("test_sparse_gather_x_scalar", _SPARSE),
    ("test_sparse_gather_both_scalar", _SPARSE),
    ("test_grad_dtype", "fdb::b_grad_dtype (a gradient of another dtype is cast to the "
     "input's; the grad_dtype attribute, new in torch, is not provided)"),
    ("test_gc_in_destructor", "n/a: a legacy (instantiated) Function's __del__"),
    ("test_naughty_autograd_function_attribute_access",
     "gaps::legacy_function_deprecation_exception (the rest: THPFunction accessors)"),
    ("test_naughty_anomaly_access", _NODES),
    ("test_naughty_autograd_function_stashing_ctx", "gaps::naughty_autograd_function_stashing_ctx"),
    ("test_custom_autograd_repeated_grad_grad", "gaps::custom_autograd_repeated_grad_grad"),
    ("test_custom_autograd_no_early_free", "gaps::custom_autograd_no_early_free"),
    ("test_custom_autograd_ac_early_stop", _GC),
    ("test_checkpoint_compile_no_recompile", _CUDA),
    ("test_checkpoint_device_context_fn", _CUDA),
    ("test_detach", "base::test_detach"),
    ("test_detach_base", "gaps::detach_base"),
    ("test_detach_then_inplace_raises_in_autograd",
     "gaps::detach_then_inplace_raises_in_autograd"),
    ("test_type_conversions", "gaps::type_conversion_backward (the rest: torch's legacy "
     "tensor types)"),
    ("test_isolated_node", "gaps::isolated_node"),
    ("test_shape", "gaps::shape"),
    ("test_numpy_requires_grad", "n/a: t.numpy() detaches explicitly in gpuad by design "
     "(DESIGN.md: detaching is .numpy(), stop_gradient or float())"),
    ("test_return_leaf", "gaps::return_leaf"),
    ("test_return_leaf_inplace", "gaps::return_leaf_inplace"),
    ("test_leaf_assignment", "gaps::leaf_assignment"),
    ("test_no_grad_assignment", "gaps::no_grad_assignment"),
    ("test_no_grad_modifies_version", "gaps::no_grad_modifies_version"),
    ("test_increment_version", "gaps::increment_version"),
    ("test_no_grad_input", "gaps::no_grad_input"),
    ("test_backward_copy", "gaps::backward_copy"),
    ("test_save_none_for_backward", "gaps::save_none_for_backward"),
    ("test_too_many_grads", "gaps::too_many_grads"),
    ("test_pickle", "gaps::pickle_tensors"),
    ("test_dep_nograd", "gaps::dep_nograd"),
    ("test_set_grad_enabled", "ns::test_set_grad_enabled_and_inference_mode"),
    ("test_set_grad_enabled_wraps", "gaps::set_grad_enabled_wraps"),
    ("test_simple_reentrant", "gaps::simple_reentrant"),
    ("test_reentrant_child_error", "gaps::reentrant_child_error"),
    ("test_var_mean_differentiable", "gaps::var_mean_differentiable"),
    ("test_lobpcg", "n/a: torch.lobpcg has no gpuad counterpart (op coverage: opinfo ports)"),
    ("test_variable_traverse", "gaps::variable_traverse"),
    ("test_pow_zero_tensor_gradient", "base::test_pow_zero_tensor_gradient"),
    ("test_node_ordering_when_none_returned", _CUDA),
    ("test_current_graph_task_id", _INTERNAL),
    ("test_current_graph_task_execution_order", _INTERNAL),
    ("test_backward_hook_relative_ordering", _NODES),
    ("test_view_replay_enabled", _INTERNAL),
    ("test_unsafe_set_version_counter", _INTERNAL),
    ("test_current_node", "n/a: TorchDispatchMode"),
    ("test_profiler", _PROFILER),
    ("test_profiler_seq_nr", _PROFILER),
    ("test_profiler_unboxed_only", _PROFILER),
    ("test_profiler_propagation", _PROFILER),
    ("test_record_function_callbacks", _PROFILER),
    ("test_record_function_legacy", _PROFILER),
    ("test_profiler_aggregation_fake", _PROFILER),
    ("test_profiler_aggregation_table", _PROFILER),
    ("test_profiler_function_event_avg", _PROFILER),
    ("test_profiler_shapes", _PROFILER),
    ("test_profiler_aggregation_lstm", _PROFILER),
    ("test_record_function", _PROFILER),
    ("test_record_function_multithreaded", _PROFILER),
    ("test_dir", "n/a: dir() of torch.Tensor"),
    ("test_inplace_on_view_saved_output", _GC),
    ("test_inplace_on_view_leaf_errors", "base::test_write_through_view_of_leaf_raises"),
    ("test_inplace_on_view_backward", "base::test_inplace_on_view (the threshold_ program: "
     "test_torch_inplace_activations.py)"),
    ("test_inplace_on_view_weak_grad_fn", "gaps::inplace_on_view_weak_grad_fn"),
    ("test_out_variant_raises_when_inputs_require_grad", "more::out_argument_with_requires_grad"),
    ("test_anomaly_detect_nan", "more::anomaly_nan_from_function_backward"),
    ("test_calculate_shape_util", _INTERNAL),
    ("test_nested_anomaly_detect_nan", "gaps::nested_anomaly_detect_nan_0th"),
    ("test_anomaly_grad_warnings", "gaps::anomaly_grad_warnings"),
    ("test_anomaly_assign_parent_cleanup", _GC),
    ("test_nested_anomaly_printstack_cleanup", _GC),
    ("test_anomaly_mode_no_check_nan", "more::anomaly_check_nan_false"),
    ("test_forward_traceback_preserves_exception_with_checkpoint", _CUDA),
    ("test_no_grad_copy", "n/a: data_ptr identity of gradient buffers"),
    ("test_no_grad_copy_sparse", _SPARSE),
    ("test_gradcheck_single_input", "gaps::gradcheck_single_input"),
    ("test_gradcheck_input", _SPARSE),
    ("test_gradcheck_nondeterministic", "gaps::gradcheck_nondeterministic_raises"),
    ("test_gradcheck_validates_inputs", "gaps::gradcheck_validates_inputs_none_require_grad"),
    ("test_gradcheck_validates_input_mkldnn", _MKLDNN),
    ("test_gradcheck_test_outputs", _MKLDNN),
    ("test_gradcheck_check_no_differentiable_outputs",
     "gaps::gradcheck_check_no_differentiable_outputs"),
    ("test_gradcheck_check_batched_grad", _SPARSE),
    ("test_gradcheck_backward_mul_by_grad_output", "gaps::gradcheck_backward_mul_by_grad_output"),
    ("test_gradcheck_undefined_grad", "gaps::gradcheck_undefined_grad"),
    ("test_gradcheck_jacobian_mismatch", "gaps::gradcheck_jacobian_mismatch"),
    ("test_gradcheck_dense_and_sparse_inputs", _SPARSE),
    ("test_gradcheck_multiple_mkldnn_inputs", _MKLDNN),
    ("test_gradcheck_output_shape_or_dtype_depend_on_values",
     "gaps::gradcheck_output_shape_depends_on_values"),
    ("test_gradcheck_complex_non_complex_outputs", "gaps::gradcheck_complex_non_complex_outputs"),
    ("test_gradcheck_adjusted_atol_complex_inputs", "gaps::gradcheck_adjusted_atol_complex_inputs"),
    ("test_gradcheck_get_numerical_jacobian", "n/a: deprecated private gradcheck helpers"),
    ("test_gradcheck_get_analytical_jacobian", "n/a: deprecated private gradcheck helpers"),
    ("test_gradcheck_custom_error", "gaps::gradcheck_custom_error"),
    ("test_gradcheck_forward_ad", "gaps::gradcheck_forward_ad_bad"),
    ("test_gradcheck_forward_ad_runs_with_no_requires_grad",
     "gaps::gradcheck_forward_ad_runs_with_no_requires_grad"),
    ("test_gradcheck_forward_ad_respects_requires_grad",
     "n/a: counts of jvp calls inside torch's gradcheck (its undefined-tangent passes)"),
    ("test_gradcheck_check_forward_or_backward_only",
     "gaps::gradcheck_check_forward_or_backward_only"),
    ("test_gradcheck_forward_ad_batched_grad", "gaps::gradcheck_forward_ad_batched_grad"),
    ("test_version_counter", "base::test_version_counter"),
    ("test_set_data_tensorimpl_type", _SPARSE),
    ("test_set_data_preserve_pyobj", "gaps::set_data_preserve_pyobj"),
    ("test_set_data_self_requires_grad", "gaps::set_data_self_requires_grad"),
    ("test_thread_shutdown", "n/a: autograd worker threads of CUDA devices"),
    ("test_deep_reentrant", "gaps::deep_reentrant"),
    ("test_reentrant_priority", "gaps::reentrant_priority"),
    ("test_checkpointing", "more::checkpoint_reentrant_without_grad_arguments (reentrant "
     "checkpoint; gpuad has one checkpoint)"),
    ("test_checkpointing_non_reentrant_autocast_cpu", "n/a: bfloat16 autocast inside "
     "checkpoint (test_amp.py covers autocast; the recomputation binds the autocast state)"),
    ("test_checkpointing_non_reentrant_autocast_gpu", _CUDA),
    ("test_checkpointing_without_reentrant_memory_savings", _CUDA),
    ("test_checkpointing_without_reentrant_custom_function_works",
     "more::checkpoint_double_backward (a Function inside the block: "
     "gaps::checkpointing_without_reentrant_saved_object_identity)"),
    ("test_checkpointing_without_reentrant_with_context_fn",
     "n/a: a TorchDispatchMode context_fn (gpuad's context_fn takes two context managers: "
     "test_torch_checkpoint_map.py::test_context_fn)"),
    ("test_checkpoint_warns_if_use_reentrant_not_passed_explcitly",
     "n/a: a torch deprecation warning"),
    ("test_checkpoint_sequential_warns_if_use_reentrant_not_passed_explcitly",
     "n/a: a torch deprecation warning"),
    ("test_checkpoint_graph_execution_group", "n/a: GraphExecGroup"),
    ("test_checkpoint_detects_non_determinism", "n/a: torch's checks of the tensors a "
     "recomputation saves (gpuad checks what it returns, raising CheckpointError: "
     "test_torch_checkpoint_map.py::test_recomputation_differs)"),
    ("test_access_saved_tensor_twice_without_recomputation_works", _NODES),
    ("test_checkpointing_without_reentrant", "more::checkpoint_sequential_matches_plain"),
    ("test_checkpoint_valid_reset_on_error", "more::checkpoint_autograd_grad_and_backward_inputs"),
    ("test_checkpointing_without_reentrant_detached_tensor",
     "gaps::checkpointing_without_reentrant_detached_tensor"),
    ("test_checkpointing_without_reentrant_saved_object_identity",
     "gaps::checkpointing_without_reentrant_saved_object_identity"),
    ("test_checkpointing_without_reentrant_correct_grad",
     "gaps::checkpointing_without_reentrant_correct_grad"),
    ("test_checkpointing_without_reentrant_dataparallel", "n/a: DataParallel"),
    ("test_checkpointing_without_reentrant_parameter_used_in_an_out",
     "gaps::checkpointing_without_reentrant_parameter_used_in_an_out"),
    ("test_checkpointing_without_reentrant_arbitrary_input_output",
     "gaps::checkpointing_without_reentrant_arbitrary_input_output"),
    ("test_callback_adds_callback", "n/a: Variable._execution_engine.queue_callback"),
    ("test_callback_propagates_errors_from_device_thread", _CUDA),
    ("test_reentrant_with_callbacks_depth_0", "n/a: queue_callback"),
    ("test_reentrant_with_callbacks_depth_1", "n/a: queue_callback"),
    ("test_reentrant_with_callbacks_both_depths", "n/a: queue_callback"),
    ("test_reentrant_with_leaf_variable_hook", "gaps::reentrant_with_leaf_variable_hook"),
    ("test_reentrant_with_non_leaf_variable_hook", "gaps::reentrant_with_non_leaf_variable_hook"),
    ("test_grad_fn_attr_bindings", _NODES),
    ("test_get_data_and_hooks_from_raw_saved_variable", _NODES),
    ("test_saved_tensor_constructor_with_hooks", _NODES),
    ("test_saved_tensor_constructor_forbidden_without_flag", _NODES),
    ("test_custom_function_saved_tensors", "n/a: grad_fn.saved_tensors and _raw_saved_tensors "
     "of a Function's node (ctx.saved_tensors: fdb::b_saved_kinds)"),
    ("test_clear_saved_tensors_on_access", "n/a: the clear_saved_tensors_on_access class flag"),
    ("test_clear_saved_tensors_on_access_double_access_error",
     "n/a: the clear_saved_tensors_on_access class flag"),
    ("test_autograd_node_isinstance", _NODES),
    ("test_autograd_views_codegen", "gaps::autograd_views_codegen"),
    ("test_inplace_not_requires_grad", "gaps::inplace_not_requires_grad"),
    ("test_autograd_simple_views_python", "gaps::custom_function_output_view_written"),
    ("test_autograd_inplace_views_creation_meta",
     "n/a: in-place view ops (t_, squeeze_, transpose_) on views made under no_grad: "
     "torch's CreationMeta bookkeeping (views written under no_grad: "
     "more::view_made_under_no_grad_written_with_grad)"),
    ("test_autograd_print_tensor", "n/a: torch's repr"),
    ("test_autograd_inplace_view_of_view", "gaps::autograd_inplace_view_of_view"),
    ("test_autograd_inplace_views_cross_dtype", "n/a: view_as_real (gpuad has no real view of "
     "complex memory; docs/porting.md)"),
    ("test_autograd_multiple_views_python",
     "gaps::custom_function_view_output_written_later_error"),
    ("test_autograd_python_custom_function_inplace",
     "gaps::autograd_python_custom_function_inplace"),
    ("test_custom_function_mark_dirty_not_differentiable", "fdb::b_mark_dirty"),
    ("test_custom_function_mark_output_view_of_intermediate",
     "gaps::custom_function_mark_output_view_of_intermediate"),
    ("test_custom_function_inplace_on_non_default_view", "fdb::b_mark_dirty_view_two_outputs"),
    ("test_custom_function_inplace_on_view_of_leaf",
     "gaps::custom_function_inplace_on_view_of_leaf"),
    ("test_named_tensor_for_complex_views", "n/a: named tensors and view_as_complex"),
    ("test_custom_function_saving_mutated_view_no_leak", _GC),
    ("test_custom_function_return_view_in_nograd", "gaps::custom_function_return_view_in_nograd"),
    ("test_custom_function_preserve_torch_function_when_return_as_is",
     "n/a: __torch_function__ subclasses"),
    ("test_grad_mode_restored_reentrant", "gaps::grad_mode_restored_reentrant"),
    ("test_power_function", "gaps::power_function"),
    ("test_custom_function_error", "gaps::custom_function_error_backward_and_vjp"),
    ("test_custom_function_forward_mode_view_checks",
     "n/a: torch's view checks of a jvp's tangents (gpuad tangents are values)"),
    ("test_custom_function_forward_mode_inplace_checks",
     "gaps::custom_function_forward_mode_inplace_checks_ok"),
    ("test_custom_function_forward_mode_wrong_formula",
     "gaps::custom_function_forward_mode_wrong_formula"),
    ("test_custom_function_forward_mode_non_tensor_before_tensor_args",
     "gaps::custom_function_forward_mode_non_tensor_before_tensor_args"),
    ("test_custom_function_forward_mode_forward_is_no_op",
     "n/a: torch's view checks of a jvp's tangents"),
    ("test_custom_function_save_for_forward", "gaps::custom_function_save_for_forward"),
    ("test_custom_function_forward_mode_non_differentiable",
     "gaps::custom_function_forward_mode_non_differentiable"),
    ("test_custom_function_local_inplace", "gaps::custom_function_local_inplace"),
    ("test_integer_outputs", "gaps::integer_outputs"),
    ("test_custom_function_cycle", _GC),
    ("test_create_graph_and_full_backward_hook_cycle", _GC),
    ("test_hook_closure_cycle", _GC),
    ("test_full_backward_hook_double_backward", "gaps::full_backward_hook_double_backward"),
    ("test_input_buffer_accum", "gaps::input_buffer_accum"),
    ("test_no_unnecessary_unwrapping", _NODES),
    ("test_saved_variable_version_counter", "base::test_saved_variable_version_counter"),
    ("test_saved_variable_packing_unpacking_saved_original_with_hooks",
     "n/a: per-node _raw_saved_self.register_hooks (the default hooks: saved::)"),
    ("test_saved_variable_saved_original_inplace_detach", "more::detached_output_written"),
    ("test_saved_variable_packing_unpacking_did_not_save_original_with_hooks",
     "n/a: per-node _raw_saved_result.register_hooks"),
    ("test_saved_variable_packing_unpacking_saved_original_with_default_hooks",
     "saved::test_saved_original_with_default_hooks"),
    ("test_saved_variable_packing_unpacking_did_not_save_original_with_default_hooks",
     "saved::test_did_not_save_original_with_default_hooks"),
    ("test_setting_default_saved_variable_hooks_twice_should_not_fail",
     "saved::test_setting_default_hooks_twice_should_use_inner"),
    ("test_setting_default_saved_variable_hooks_twice_should_use_inner",
     "saved::test_setting_default_hooks_twice_should_use_inner"),
    ("test_disabling_saved_tensor_hooks", "saved::test_disabling_saved_tensor_hooks"),
    ("test_disabling_saved_tensor_hooks_nested", "saved::test_disabling_saved_tensor_hooks"),
    ("test_saved_tensor_hooks_custom_error_propagation",
     "saved::test_saved_tensor_hooks_custom_error_propagation"),
    ("test_saved_tensor_hooks_custom_function_intermediates",
     "saved::test_saved_tensor_hooks_custom_function_intermediates"),
    ("test_unpack_hooks_exec_count", "saved::test_unpack_hooks_exec_count"),
    ("test_saved_tensors_hook_version_counter_not_shared",
     "saved::test_saved_tensors_hook_version_counter_not_shared"),
    ("test_save_on_cpu_and_checkpoint", "saved::test_save_on_cpu_and_checkpoint"),
    ("test_pack_hook_with_inplace_modification_should_fail",
     "saved::test_pack_hook_with_inplace_modification_should_fail"),
    ("test_saving_variable_to_disk", "saved::test_saving_variable_to_disk"),
    ("test_default_saved_tensors_hooks_double_backward",
     "saved::test_default_saved_tensors_hooks_double_backward"),
    ("test_wrapped_number_saved_tensors_hooks", "saved::test_wrapped_number_saved_tensors_hooks"),
    ("test_graph_save_on_cpu", "saved::test_graph_save_on_cpu"),
    ("test_graph_save_on_cpu_cuda", _CUDA),
    ("test_scalar_grad_mixed_device", _CUDA),
    ("test_multi_grad_all_hooks", "n/a: torch.autograd.graph.register_multi_grad_hook (a C++ "
     "custom op too): not provided (it raises, naming t.register_hook on each tensor)"),
    ("test_multi_grad_any_hooks", "n/a: register_multi_grad_hook"),
    ("test_multi_grad_hooks_invalid_mode", "n/a: register_multi_grad_hook"),
    ("test_pynode_destruction_deadlock", "n/a: a subprocess deadlock check of torch's engine"),
    ("test_view_func_replay", _INTERNAL),
    ("test_view_func_replay_with_modified_state", _INTERNAL),
    ("test_setup_context_when_forward_has_default_args",
     "gaps::setup_context_when_forward_has_default_args"),
    ("test_gradcheck_default_device_placement_context", _CUDA),
    ("test_grad_thread_safety", "gaps::test_threads_backward"),
    # TestAutogradForwardModeBatchedGrad
    ("TestAutogradForwardModeBatchedGrad.test_out_of_place_basic",
     "gaps::gradcheck_forward_ad_batched_grad"),
    ("TestAutogradForwardModeBatchedGrad.test_out_of_place_not_same_layout",
     "n/a: torch._vmap_internals and tangent layouts"),
    ("TestAutogradForwardModeBatchedGrad.test_inplace_on_view_same_layout",
     "n/a: tangent layouts"),
    ("TestAutogradForwardModeBatchedGrad.test_inplace_on_view_not_same_layout",
     "n/a: tangent layouts"),
    ("TestAutogradForwardModeBatchedGrad.test_metadata_check_for_storage_numel_skipped",
     "n/a: storage sizes"),
    # TestAutogradForwardMode
    ("TestAutogradForwardMode.test_forward_level_cleanup", _GC),
    ("TestAutogradForwardMode.test_size_check", "gaps::fw_size_check"),
    ("TestAutogradForwardMode.test_metadata_check_checks_storage_numel", "n/a: storage sizes"),
    ("TestAutogradForwardMode.test_metadata_check_checks_ignores_size_zero", "n/a: strides"),
    ("TestAutogradForwardMode.test_metadata_check_when_primal_has_conj_bit",
     "n/a: conj/neg bits"),
    ("TestAutogradForwardMode.test_metadata_check_when_primal_has_neg_bit", "n/a: conj/neg bits"),
    ("TestAutogradForwardMode.test_metadata_check_check_conj", "n/a: conj/neg bits"),
    ("TestAutogradForwardMode.test_metadata_check_ignore_storage_offset_for_zero_numel_tensor",
     "n/a: storage offsets"),
    ("TestAutogradForwardMode.test_default_level", "gaps::fw_default_level"),
    ("TestAutogradForwardMode.test_fwd_grad_enabled", _INTERNAL),
    ("TestAutogradForwardMode.test_set_fwd_grad_enabled", _INTERNAL),
    ("TestAutogradForwardMode.test_nested_level", "gaps::fw_nested_level"),
    ("TestAutogradForwardMode.test_set_fw_grad_having_own_fw_grad_at_same_level",
     "gaps::fw_set_fw_grad_having_own_fw_grad_at_same_level"),
    ("TestAutogradForwardMode.test_codegen_ignores_undefined_outputs",
     "n/a: aten.convolution_backward"),
    ("TestAutogradForwardMode.test_make_dual_inference_tensor_in_inference_mode",
     "n/a: inference tensors (gpuad has none)"),
    ("TestAutogradForwardMode.test_make_dual_torch_dispatch", "n/a: __torch_dispatch__"),
    ("TestAutogradForwardMode.test_make_dual_forbid_integral_dtype",
     "gaps::fw_make_dual_forbid_integral_primal"),
    ("TestAutogradForwardMode.test_print", "gaps::fw_print"),
    ("TestAutogradForwardMode.test_basic_packing_unpacking", "gaps::fw_basic_packing_unpacking"),
    ("TestAutogradForwardMode.test_advanced_packing_unpacking",
     "gaps::fw_advanced_packing_unpacking"),
    ("TestAutogradForwardMode.test_view_inplace_non_differentiable_views",
     "fwad::test_tangents_match_torch (in-place writes into duals; gpuad gives an in-place op "
     "a new tangent, docs/porting.md)"),
    ("TestAutogradForwardMode.test_view_inplace_differentiable_views",
     "gaps::fw_view_inplace_differentiable_views"),
    ("TestAutogradForwardMode.test_view_inplace_always_creates_a_view",
     "gaps::fw_view_inplace_always_creates_a_view"),
    ("TestAutogradForwardMode.test_grad_cleanup", "gaps::fw_grad_cleanup"),
    ("TestAutogradForwardMode.test_detach_view_tracking", _GC),
    ("TestAutogradForwardMode.test_out_variant", "n/a: out= with duals is recorded in gpuad "
     "(docs/porting.md), torch refuses it"),
    ("TestAutogradForwardMode.test_non_differentiable", "gaps::fw_non_differentiable"),
    ("TestAutogradForwardMode.test_create_new_zeros_with_same_meta", _INTERNAL),
    ("TestAutogradForwardMode.test_backward_graph_destruction", _GC),
    # TestAutogradDeviceType (the autograd ones; run on the CPU)
    ("TestAutogradDeviceType.test_min_max_median_backprops_to_all_values",
     "gaps::min_max_median_backprops_to_all_values"),
    ("TestAutogradDeviceType.test_scatter_index_reduce_amin_amax_backprops_to_all_values",
     "n/a: op coverage (test_torch_scatter_gather.py)"),
    ("TestAutogradDeviceType.test_scatter_index_reduce_prod_gradgrad_error",
     "n/a: op coverage (test_torch_scatter_gather.py)"),
    ("TestAutogradDeviceType.test_parameter_resize", "n/a: Tensor.set_"),
    ("TestAutogradDeviceType.test_sparse_ctor_getter_backward", _SPARSE),
    ("TestAutogradDeviceType.test_sparse_backward", _SPARSE),
    ("TestAutogradDeviceType.test_sparse_mask_autograd", _SPARSE),
    ("TestAutogradDeviceType.test_pyscalar_conversions", "n/a: int()/float() of tensors"),
    ("TestAutogradDeviceType.test_set_requires_grad_only_for_floats",
     "gaps::set_requires_grad_only_for_floats"),
    ("TestAutogradDeviceType.test_advanced_indexing_backwards_large", _CUDA),
    ("TestAutogradDeviceType.test_advanced_indexing_backwards_memory_format",
     "n/a: channels_last"),
    ("TestAutogradDeviceType.test_reentrant_parent_error_on_cpu", _CUDA),
    ("TestAutogradDeviceType.test_where_functional", "gaps::where_functional"),
    ("TestAutogradDeviceType.test_where_scalar", "gaps::where_scalar"),
    ("TestAutogradDeviceType.test_free_unneeded_tensor", _CUDA),
    ("TestAutogradDeviceType.test_pin_memory", _CUDA),
    ("TestAutogradDeviceType.test_profiler_emit_nvtx", _CUDA),
    ("TestAutogradDeviceType.test_rnn_backward_to_input_but_not_parameters", _CUDA),
    ("TestAutogradDeviceType.test_profiler_emit_itt", _PROFILER),
    ("TestAutogradDeviceType.test_grad_assignment", "gaps::grad_assignment_self"),
    ("TestAutogradDeviceType.test_requires_grad_factory", "n/a: ones_like(requires_grad=)"),
    ("TestAutogradDeviceType.test_unused_output_device", _CUDA),
    ("TestAutogradDeviceType.test_backward_device", _CUDA),
    ("TestAutogradDeviceType.test_inputbuffer_add_multidevice", _CUDA),
    ("TestAutogradDeviceType.test_copy_", "n/a: half and bfloat16 copies"),
    ("TestAutogradDeviceType.test_copy_forward_ad_broadcasting",
     "gaps::fw_copy_forward_ad_broadcasting"),
    ("TestAutogradDeviceType.test_copy_forward_ad_same_layout_copies_grad",
     "gaps::fw_copy_forward_ad_same_layout_copies_grad"),
    ("TestAutogradDeviceType.test_simple_reentrant_cross_device", _CUDA),
    ("TestAutogradDeviceType.test_cross_device_reentrant_autograd", _CUDA),
    ("TestAutogradDeviceType.test_inplace_on_view_backprop_base",
     "gaps::inplace_on_view_backprop_base"),
    ("TestAutogradDeviceType.test_inplace_on_view_backprop_view_of_view",
     "gaps::inplace_on_view_backprop_view_of_view"),
    ("TestAutogradDeviceType.test_inplace_on_view_of_view", "gaps::inplace_on_view_of_view"),
    ("TestAutogradDeviceType.test_inplace_on_view_then_no_grad",
     "gaps::inplace_on_view_then_no_grad"),
    ("TestAutogradDeviceType.test_inplace_on_view_gradcheck", "gaps::inplace_on_view_gradcheck"),
    ("TestAutogradDeviceType.test_inplace_on_view_multiple_outputs",
     "gaps::inplace_on_view_multiple_outputs"),
    ("TestAutogradDeviceType.test_inplace_on_view_of_multiple_output_view",
     "gaps::inplace_on_view_of_multiple_output_view"),
    ("TestAutogradDeviceType.test_inplace_multiple_output_view_of_view",
     "gaps::inplace_multiple_output_view_of_view"),
    ("TestAutogradDeviceType.test_inplace_on_view_makes_base_require_grad",
     "gaps::inplace_on_view_makes_base_require_grad"),
    ("TestAutogradDeviceType.test_inplace_on_view_backprop_view",
     "gaps::inplace_on_view_backprop_view"),
    ("TestAutogradDeviceType.test_inplace_on_view_modify_base",
     "gaps::inplace_on_view_modify_base"),
    ("TestAutogradDeviceType.test_inplace_on_view_python", "gaps::inplace_on_view_python"),
    ("TestAutogradDeviceType.test_inplace_on_view_non_contig", "gaps::inplace_on_view_non_contig"),
    ("TestAutogradDeviceType.test_inplace_on_view_multi_output_unsafe",
     "gaps::inplace_on_view_multi_output_unsafe"),
    ("TestAutogradDeviceType.test_inplace_on_view_multi_output_safe",
     "gaps::inplace_on_view_multi_output_safe"),
    ("TestAutogradDeviceType.test_inplace_on_view_undefined_grad_output",
     "gaps::inplace_on_view_undefined_grad_output"),
    ("TestAutogradDeviceType.test_mv_grad_stride_0", "gaps::mv_grad_stride_0"),
    ("TestAutogradDeviceType.test_gradcheck_input_output_different_device", _CUDA),
    ("TestAutogradDeviceType.test_strided_leaf_grad_layout", "gaps::strided_leaf_grad_layout"),
    ("TestAutogradDeviceType.test_copy_r_to_c", "gaps::copy_r_to_c"),
    ("TestAutogradDeviceType.test_to_r_to_c", "gaps::to_r_to_c"),
    ("TestAutogradDeviceType.test_non_differentiable_ops", "gaps::non_differentiable_ops"),
    ("TestAutogradDeviceType.test_warning_in_backward", "n/a: a torch-internal test op"),
    ("TestAutogradDeviceType.test_complex_scalar_backward", "gaps::complex_scalar_backward"),
    ("TestAutogradDeviceType.test_pow_real_negative_base_complex_exponent",
     "gaps::pow_real_negative_base_complex_exponent"),
    ("TestAutogradDeviceType.test_resize_version_bump", "gaps::resize_version_bump"),
    ("TestAutogradDeviceType.test_zero_dim_param_mixed_device_grad", _CUDA),
    ("TestAllowMutationOnSaved.*", "n/a: allow_mutation_on_saved_tensors (gpuad raises on a "
     "write to a saved value; not provided)"),
    # TestAutogradInferenceMode (gpuad has no inference tensors: inference_mode is no_grad)
    ("TestAutogradInferenceMode.test_inference_mode_context_manager",
     "gaps::inference_mode_context_manager"),
    ("TestAutogradInferenceMode.test_inference_mode_decorator", "gaps::inference_mode_decorator"),
    ("TestAutogradInferenceMode.test_inference_mode_tensor_creation",
     "gaps::inference_mode_requires_grad_flags"),
    ("TestAutogradInferenceMode.test_inference_mode_existing_autograd_session",
     "gaps::inference_mode_existing_autograd_session"),
    ("TestAutogradInferenceMode.test_inference_mode_inf_tensor_in_inf_mode_functional_op",
     "gaps::inference_mode_requires_grad_flags"),
    ("TestAutogradInferenceMode.test_inference_mode_inf_tensor_in_inf_mode_inplace_op",
     "n/a: torch.is_inference (inference tensors)"),
    ("TestAutogradInferenceMode.test_inference_mode_inf_tensor_in_inf_mode_view_op",
     "gaps::inference_mode_requires_grad_flags"),
    ("TestAutogradInferenceMode.test_inference_mode_inf_tensor_in_normal_mode_functional_op",
     "more::inference_mode_block_and_decorator"),
    ("TestAutogradInferenceMode.test_inference_mode_inf_tensor_in_normal_mode_inplace_op",
     "n/a: inference tensors refuse in-place writes outside inference mode"),
    ("TestAutogradInferenceMode.test_inference_mode_inf_tensor_in_normal_mode_view_op",
     "n/a: inference tensors"),
    ("TestAutogradInferenceMode.test_normal_tensor_inplace_output_in_inference_mode",
     "n/a: torch.is_inference"),
    ("TestAutogradInferenceMode.test_normal_tensor_inplace_output_in_normal_mode",
     "n/a: torch.is_inference"),
    ("TestAutogradInferenceMode.test_normal_tensor_view_output_in_inference_mode",
     "gaps::inference_mode_requires_grad_flags"),
    ("TestAutogradInferenceMode.test_normal_tensor_view_output_in_normal_mode",
     "n/a: views made in inference mode written in normal mode (inference tensors)"),
    ("TestAutogradInferenceMode.test_mix_inference_and_normal_tensor_functional_op",
     "more::inference_mode_block_and_decorator (torch refuses to save inference tensors)"),
    ("TestAutogradInferenceMode.test_mix_inference_and_normal_tensor_inplace_op",
     "n/a: inference tensors"),
    ("TestAutogradInferenceMode.test_mix_inference_and_normal_tensor_view_op",
     "n/a: torch.is_inference"),
    ("TestAutogradInferenceMode.test_inference_mode_handle_direct_view_on_rebase",
     "n/a: inference tensors"),
    ("TestAutogradInferenceMode.test_inference_mode_handle_indirect_view_on_rebase",
     "n/a: inference tensors"),
    ("TestAutogradStreamSynchronization.*", _CUDA),
    # TestMultithreadAutograd
    ("TestMultithreadAutograd.test_multithreaded_exception_propagation",
     "gaps::test_threads_backward"),
    ("TestMultithreadAutograd.test_simple_backward", "gaps::test_threads_backward"),
    ("TestMultithreadAutograd.test_simple_backward_same_input", "gaps::test_threads_backward"),
    ("TestMultithreadAutograd.test_multi_grad_all_hooks", "n/a: register_multi_grad_hook"),
    ("TestMultithreadAutograd.test_multi_grad_any_hooks", "n/a: register_multi_grad_hook"),
    ("TestMultithreadAutograd.test_dataparallel_saved_tensors_hooks", "n/a: DataParallel"),
    ("TestMultithreadAutograd.test_python_thread_in_middle", "gaps::test_threads_backward"),
    ("TestMultithreadAutograd.test_fork_join_in_middle", _JIT),
    ("TestMultithreadAutograd.test_preserve_backtrace", "gaps::custom_function_exception"),
    ("TestMultithreadAutograd.test_cat_stack_r_to_c", "n/a: complex gradcheck (gpuad's "
     "refuses complex, naming gpuad.testing.check_grads; test_autograd_complex.py)"),
    ("TestMultithreadAutograd.test_set_multithreading_enabled_as_context_manager_and_function",
     "n/a: set_multithreading_enabled (gpuad's sweep runs in the calling thread)"),
    ("TestMultithreadAutograd.test_custom_function_propagates_errors_from_device_thread", _CUDA),
    ("TestNestedCheckpoint.*", "gaps::nested_checkpoint_grad_of_grad, "
     "gaps::checkpoint_non_tensor_inputs_and_outputs, gaps::checkpoint_kwargs (each method: "
     "test_torch_checkpoint_map.py)"),
    ("TestSelectiveActivationCheckpoint.*", "n/a: mapped method by method in "
     "test_torch_checkpoint_map.py"),
    ("TestAutogradMultipleDispatch.*", "n/a: dispatch keys of test ops, TLS stashes, sequence "
     "numbers, __torch_function__ (its atan2 and trace tests: the two below)"),
    ("TestAutogradMultipleDispatch.test_atan2_zero_gradient", "gaps::atan2_zero_gradient"),
    ("TestAutogradMultipleDispatch.test_trace_backward_nonsquare_171704",
     "gaps::trace_backward_nonsquare"),
    # TestAutogradFunctional (test/autograd/test_functional.py)
    ("TestAutogradFunctional.test_vjp_err_check", "gaps::functional_vjp_err_inputs"),
    ("TestAutogradFunctional.test_vjp_err_check_strict", "gaps::functional_vjp_strict_detached"),
    ("TestAutogradFunctional.test_vjp_no_grad", "gaps::functional_no_grad"),
    ("TestAutogradFunctional.test_vjp_output", "gaps::functional_output_structure"),
    ("TestAutogradFunctional.test_vjp_scalar", "gaps::functional_output_structure"),
    ("TestAutogradFunctional.test_vjp_create_graph", "gaps::functional_create_graph_gradcheck"),
    ("TestAutogradFunctional.test_jvp_err_check", "gaps::functional_jvp_err_inputs"),
    ("TestAutogradFunctional.test_jvp_err_check_strict", "gaps::functional_not_strict_values"),
    ("TestAutogradFunctional.test_jvp_no_grad", "gaps::functional_no_grad"),
    ("TestAutogradFunctional.test_jvp_output", "gaps::functional_output_structure"),
    ("TestAutogradFunctional.test_jvp_scalar", "gaps::functional_output_structure"),
    ("TestAutogradFunctional.test_jvp_create_graph", "gaps::functional_create_graph_gradcheck"),
    ("TestAutogradFunctional.test_construct_standard_basis_for", "n/a: a private helper"),
    ("TestAutogradFunctional.test_jacobian_vectorize_raises_no_warnings",
     "gaps::functional_vectorize_raises_no_warnings"),
    ("TestAutogradFunctional.test_hessian_vectorize_raises_no_warnings",
     "gaps::functional_vectorize_raises_no_warnings"),
    ("TestAutogradFunctional.test_jacobian_err_check", "gaps::functional_jacobian_err_inputs"),
    ("TestAutogradFunctional.test_jacobian_err_check_strict",
     "gaps::functional_not_strict_values"),
    ("TestAutogradFunctional.test_jacobian_err_check_strict_vectorize",
     "gaps::functional_jacobian_strict_vectorize"),
    ("TestAutogradFunctional.test_jacobian_no_grad", "gaps::functional_no_grad"),
    ("TestAutogradFunctional.test_jacobian_output", "ns::test_functional_against_torch"),
    ("TestAutogradFunctional.test_jacobian_scalar", "gaps::functional_output_structure"),
    ("TestAutogradFunctional.test_jacobian_create_graph",
     "gaps::functional_jacobian_create_graph_vectorized"),
    ("TestAutogradFunctional.test_jacobian_vectorize_correctness_simple",
     "gaps::functional_vectorize_correctness"),
    ("TestAutogradFunctional.test_jacobian_vectorize_correctness_multi_input",
     "gaps::functional_vectorize_correctness"),
    ("TestAutogradFunctional.test_jacobian_vectorize_correctness_multi_input_multi_output",
     "gaps::functional_vectorize_correctness"),
    ("TestAutogradFunctional.test_jacobian_vectorize_correctness_unrelated_outputs",
     "gaps::functional_vectorize_correctness"),
    ("TestAutogradFunctional.test_jacobian_vectorize_correctness_zero_dim",
     "gaps::functional_vectorize_edge_cases"),
    ("TestAutogradFunctional.test_jacobian_vectorize_correctness_different_dtype",
     "gaps::functional_vectorize_edge_cases"),
    ("TestAutogradFunctional.test_hessian_vectorize_correctness_simple",
     "gaps::functional_vectorize_correctness"),
    ("TestAutogradFunctional.test_hessian_vectorize_correctness_multi_input",
     "gaps::functional_vectorize_correctness"),
    ("TestAutogradFunctional.test_hessian_vectorize_correctness_unrelated_outputs",
     "gaps::functional_vectorize_edge_cases"),
    ("TestAutogradFunctional.test_hessian_err_check", "gaps::functional_hessian_err_not_scalar"),
    ("TestAutogradFunctional.test_hessian_err_check_strict",
     "gaps::functional_hessian_strict_linear"),
    ("TestAutogradFunctional.test_hessian_err_check_strict_vectorize",
     "gaps::functional_hessian_strict_vectorize"),
    ("TestAutogradFunctional.test_hessian_no_grad", "gaps::functional_no_grad"),
    ("TestAutogradFunctional.test_hessian_output", "ns::test_functional_against_torch"),
    ("TestAutogradFunctional.test_hessian_scalar", "gaps::functional_output_structure"),
    ("TestAutogradFunctional.test_hessian_create_graph", "gaps::functional_create_graph_gradcheck"),
    ("TestAutogradFunctional.test_vhp_err_check", "gaps::functional_vhp_err_v_type"),
    ("TestAutogradFunctional.test_vhp_err_check_strict", "gaps::functional_not_strict_values"),
    ("TestAutogradFunctional.test_vhp_no_grad", "gaps::functional_hvp_vhp_no_grad_and_scalar"),
    ("TestAutogradFunctional.test_vhp_output", "ns::test_functional_against_torch"),
    ("TestAutogradFunctional.test_vhp_scalar", "gaps::functional_hvp_vhp_no_grad_and_scalar"),
    ("TestAutogradFunctional.test_vhp_create_graph", "gaps::functional_create_graph_gradcheck"),
    ("TestAutogradFunctional.test_hvp_err_check", "gaps::functional_hvp_err_v_size"),
    ("TestAutogradFunctional.test_hvp_err_check_strict", "gaps::functional_not_strict_values"),
    ("TestAutogradFunctional.test_hvp_no_grad", "gaps::functional_hvp_vhp_no_grad_and_scalar"),
    ("TestAutogradFunctional.test_hvp_output", "ns::test_functional_against_torch"),
    ("TestAutogradFunctional.test_hvp_scalar", "gaps::functional_hvp_vhp_no_grad_and_scalar"),
    ("TestAutogradFunctional.test_hvp_create_graph", "gaps::functional_create_graph_gradcheck"),
    ("TestAutogradFunctional.test_jacobian_match_vjp_jvp",
     "gaps::functional_match_vjp_jvp_and_vhp_hvp"),
    ("TestAutogradFunctional.test_hessian_match_vhp_hvp",
     "gaps::functional_match_vjp_jvp_and_vhp_hvp"),
)

# ---- the two namespaces ---------------------------------------------------------------------


class _T:
    name = "torch"
    Tensor = torch.Tensor
    Function = torch.autograd.Function
    once_differentiable = staticmethod(torch.autograd.function.once_differentiable)
    grad = staticmethod(torch.autograd.grad)
    backward = staticmethod(torch.autograd.backward)
    no_grad = torch.no_grad
    enable_grad = torch.enable_grad
    set_grad_enabled = torch.set_grad_enabled
    inference_mode = torch.inference_mode
    is_grad_enabled = staticmethod(torch.is_grad_enabled)
    is_inference_mode_enabled = staticmethod(torch.is_inference_mode_enabled)
    detect_anomaly = torch.autograd.detect_anomaly
    set_detect_anomaly = torch.autograd.set_detect_anomaly
    F = torch.autograd.functional
    gradcheck = staticmethod(torch.autograd.gradcheck)
    gradgradcheck = staticmethod(torch.autograd.gradgradcheck)
    GradcheckError = _tgc.GradcheckError
    fwAD = torch.autograd.forward_ad
    graph = torch.autograd.graph
    nn = torch.nn
    optim = torch.optim
    stack, cat, where = torch.stack, torch.cat, torch.where
    float32, float64, complex128 = torch.float32, torch.float64, torch.complex128

    @staticmethod
    def leaf(a, rg=True, dtype=None):
        a = np.array(a)
        t = torch.tensor(a if dtype is None else a.astype(dtype))
        return t.requires_grad_(rg)

    @staticmethod
    def const(a, dtype=None):
        a = np.array(a)
        return torch.tensor(a if dtype is None else a.astype(dtype))

    @staticmethod
    def checkpoint(fn, *args, **kw):
        return _tck.checkpoint(fn, *args, use_reentrant=kw.pop("use_reentrant", False), **kw)



class _G:
    name = "gpuad"
    Tensor = ad.Tensor
    Function = ad.autograd.Function
    once_differentiable = staticmethod(ad.autograd.once_differentiable)
    grad = staticmethod(ad.autograd.grad)
    backward = staticmethod(ad.autograd.backward)
    no_grad = ad.no_grad
    enable_grad = ad.enable_grad
    set_grad_enabled = ad.set_grad_enabled
    inference_mode = ad.inference_mode
    is_grad_enabled = staticmethod(ad.is_grad_enabled)
    is_inference_mode_enabled = staticmethod(ad.is_inference_mode_enabled)
    detect_anomaly = ad.autograd.detect_anomaly
    set_detect_anomaly = ad.autograd.set_detect_anomaly
    F = ad.autograd.functional
    gradcheck = staticmethod(ad.autograd.gradcheck)
    gradgradcheck = staticmethod(ad.autograd.gradgradcheck)
    GradcheckError = ad.autograd.GradcheckError
    fwAD = ad.autograd.forward_ad
    graph = ad.autograd.graph
    nn = _gnn
    optim = _goptim
    stack, cat, where = gnp.stack, gnp.concatenate, gnp.where
    float32, float64, complex128 = np.float32, np.float64, np.complex128

    @staticmethod
    def leaf(a, rg=True, dtype=None):
        a = np.array(a)
        return ad.tensor(a if dtype is None else a.astype(dtype), requires_grad=rg)

    @staticmethod
    def const(a, dtype=None):
        a = np.array(a)
        return ad.tensor(a if dtype is None else a.astype(dtype))

    @staticmethod
    def checkpoint(fn, *args, **kw):
        return _gck.checkpoint(fn, *args, use_reentrant=kw.pop("use_reentrant", False), **kw)


# ---- cases ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    fn: Callable
    match: str | None = None  # what gpuad's error must say where torch raises
    fd: tuple | None = None  # (NumPy function, point, pick) : pick(result) is its gradient there


CASES: dict[str, Case] = {}


def case(match: str | None = None, fd: tuple | None = None):
    def deco(fn):
        CASES[fn.__name__] = Case(fn, match, fd)
        return fn
    return deco


def _first(r):
    while isinstance(r, tuple | list):
        r = r[0]
    return r


# Function subclasses ------------------------------------------------------------------------

@case()
def function_returns_input(L):
    # test_function_returns_input
    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    out = []
    for shape in [(1,), ()]:
        v = L.leaf(np.ones(shape))
        MyFunction.apply(v).backward()
        out.append(v.grad * 1)
        with L.no_grad():
            v.grad.zero_()
        MyFunction.apply(v.clone()).backward()
        out.append(v.grad * 1)
    return out


@case()
def function_returns_undefined_tensor(L):
    # test_function_returns_undefined_tensor: a None gradient stays None, not zeros
    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return None

    x = L.leaf(np.ones(1))
    MyFunction.apply(x).backward()
    a = x.grad is None
    MyFunction.apply(x ** 2).backward()
    b = x.grad is None
    MyFunction.apply(x).sum().backward()
    c = x.grad is None
    d = L.grad(MyFunction.apply(x), x, allow_unused=True)[0] is None
    return a, b, c, d


class _Sim:
    """SimulateBackwardError of torch's test, for either namespace."""

    cache: dict = {}

    @classmethod
    def of(cls, L):
        if L.name not in cls.cache:
            once = L.once_differentiable

            class SimulateBackwardError(L.Function):
                @staticmethod
                def forward(ctx, x):
                    return x.clone()

                @staticmethod
                @once
                def backward(ctx, g):
                    raise Exception("Simulate error on backward pass")  # noqa: TRY002

            cls.cache[L.name] = SimulateBackwardError
        return cls.cache[L.name]


@case(match="Simulate error on backward pass")
def custom_function_exception(L):
    t1, t2 = L.leaf(S), L.leaf(T)
    tmp = (t1 + t2) * (t1 + t2)
    t3 = _Sim.of(L).apply(tmp)
    t3.sum().backward()


def _non_tensor_io(L):
    once = L.once_differentiable

    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, t1, t2, scale, t3):
            t4 = t1 + t2 * t3
            t5 = t1 * t2 + t3
            t4 *= scale
            t5 *= scale
            ctx.scale = scale
            ctx.save_for_backward(t1, t2, t3)
            return scale, t4, None, True, t5, "bar", t1

        @staticmethod
        @once
        def backward(ctx, *grads):
            assert len(grads) == 7
            assert grads[0] is None and grads[2] is None and grads[3] is None
            assert grads[5] is None
            scale = ctx.scale
            v1, v2, v3 = ctx.saved_tensors
            return (grads[1] * scale + grads[4] * v2 * scale + grads[6],
                    grads[1] * v3 * scale + grads[4] * v1 * scale,
                    None,
                    grads[1] * v2 * scale + grads[4] * scale)
    return MyFunction


@case()
def custom_function_non_tensor_inputs_outputs(L):
    MyFunction = _non_tensor_io(L)
    t1, t2, t3 = L.leaf(X), L.leaf(X[::-1].copy()), L.const(X * 0.5)
    res = MyFunction.apply(t1, t2, 3, t3)
    L.backward([res[1].sum(), res[4].sum(), res[6].sum()])
    ok = L.gradcheck(lambda a, b, c: (lambda r: (r[1], r[4], r[6]))(
        MyFunction.apply(a, b, 3, c)), (t1, t2, t3))
    return (res[0], res[1], res[2], res[3], res[4], res[5], res[6], t1.grad, t2.grad,
            t3.grad is None, ok)


@case()
def custom_function_no_tensors(L):
    once = L.once_differentiable

    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, t1, t2, scale, t3):
            t4 = t1 + t2 * t3
            t5 = t1 * t2 + t3
            t4 *= scale
            t5 *= scale
            return scale, t4, None, True, t5, "bar", t1

        @staticmethod
        @once
        def backward(ctx, *args):
            return (args[0], args[1], None, args[2])

    return MyFunction.apply(0.25, 0.5, 3, 0.75)


@case(match="shape|size")
def invalid_gradients(L):
    # test_invalid_gradients: a gradient of the wrong shape
    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return L.const(np.ones(10))

    MyFunction.apply(L.leaf(S)).sum().backward()


@case()
def unrelated_inputs(L):
    def f(x, y):
        return x * x

    x, y = L.leaf(X), L.leaf(X + 1)
    return L.gradcheck(f, (x, y)), L.gradgradcheck(f, (x, y))


@case()
def custom_function_setup_context_simple(L):
    class MySquare(L.Function):
        @staticmethod
        def forward(x):
            return x ** 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    x = L.leaf(0.7)
    return L.grad(MySquare.apply(x), x)


@case()
def custom_function_setup_context_multi_input(L):
    class MyReshape(L.Function):
        @staticmethod
        def forward(x, shape, sf, sb):
            return x.reshape(shape) * sf

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, shape, sf, sb = inputs
            ctx.sb = sb
            ctx.x_shape = x.shape

        @staticmethod
        def backward(ctx, g):
            return g.reshape(ctx.x_shape) * ctx.sb, None, None, None

    out = []
    for a, shape, sf, sb in ((np.arange(24.0), (3, 8), 7, 11),
                             (A.reshape(2, 3, 2), (6, 2), -1, 2)):
        x = L.leaf(a)
        y = MyReshape.apply(x, shape, sf, sb).sum()
        out += [y, L.grad(y, x)[0]]
    return out


@case()
def custom_function_vmap_defaults(L):
    class MySquare(L.Function):
        @staticmethod
        def forward(x):
            return x ** 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    return bool(MySquare.generate_vmap_rule), hasattr(MySquare, "vmap")


@case()
def unused_grad_requires_grad_with_materialize(L):
    x, y = L.leaf(np.ones(10)), L.leaf(np.ones(10))
    z = (x ** 2).sum()
    g = L.grad(z, (x, y), allow_unused=True, materialize_grads=True, create_graph=False)
    return g[0].requires_grad, g[1].requires_grad, g[0], g[1]


@case(match="static|deprecated|instantiat")
def legacy_function_deprecation_exception(L):
    class MyFunction(L.Function):
        def forward(self, x):
            return x

        def backward(self, g):
            return g

    MyFunction()(L.const(S))


@case()
def save_output_nr(L):
    class MultiOutputFn(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x[:5], x[5:]

        @staticmethod
        def backward(ctx, *grad):
            return L.cat(grad)

    x = L.leaf(np.arange(10.0))
    a, b = MultiOutputFn.apply(x)
    seen = []

    class TestFn(L.Function):
        @staticmethod
        def forward(ctx, b):
            ctx.save_for_backward(b)
            return b * 2

        @staticmethod
        def backward(ctx, g):
            (b,) = ctx.saved_tensors
            seen.append(b.output_nr)
            return g * 2

    TestFn.apply(b).sum().backward()
    return b.output_nr, seen, x.grad


@case()
def mark_non_differentiable_mixed(L):
    seen = []

    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, x):
            a = x + 1
            b = x + 2
            ctx.mark_non_differentiable(a)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((bool((ga == 0).all()), bool((gb == 1).all())))
            return gb

    x = L.leaf(S)
    a, b = MyFunction.apply(x)
    b.sum().backward()
    return a.requires_grad, b.requires_grad, x.grad, seen


@case()
def mark_non_differentiable_none(L):
    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, x):
            out = x.clone()
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return None

    x = L.leaf(S)
    r = MyFunction.apply(x * x)
    (r * x).sum().backward()
    return x.grad


@case()
def return_duplicate(L):
    class DoubleDuplicate(L.Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            return out, out

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 2

    same = []

    def fn(x):
        a, b = DoubleDuplicate.apply(x)
        same.append(a is b)
        return a + b

    x = L.leaf(S)
    return L.gradcheck(fn, [x]), L.gradgradcheck(fn, [x]), all(same)


@case()
def return_duplicate_inplace(L):
    class DoubleInplace(L.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x, x

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 2

    same = []

    def inplace_fn(x):
        a, b = DoubleInplace.apply(x.clone())
        same.append(a is b)
        return a + b

    x = L.leaf(S)
    return L.gradcheck(inplace_fn, [x]), L.gradgradcheck(inplace_fn, [x]), all(same)


@case(match="leaf")
def return_duplicate_inplace_on_leaf(L):
    # the end of test_return_duplicate_inplace: a leaf that requires grad, written in forward
    class DoubleInplace(L.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x, x

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 2

    DoubleInplace.apply(L.leaf(S))


@case()
def return_leaf(L):
    seen = []

    class Identity(L.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a, a + b

        @staticmethod
        def backward(ctx, ga, gb):
            return ga + gb, gb

    x, y = L.leaf(S), L.leaf(T)
    q, p = Identity.apply(x, y)
    q.register_hook(lambda g: seen.append(g * 1))
    (q + p + x).sum().backward()
    return x.grad, y.grad, seen


@case()
def return_leaf_inplace(L):
    class Inplace(L.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.mark_dirty(a)
            return a.add_(b), b + 2

        @staticmethod
        def backward(ctx, ga, gb):
            return ga, ga + gb

    x, y = L.const(S), L.leaf(T)
    q, p = Inplace.apply(x, y)
    same = q is x
    rg = q.requires_grad
    q.sum().backward()
    return same, rg, y.grad, x * 1


@case()
def save_none_for_backward(L):
    seen = []

    class MyFn(L.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(None, x, None)
            return x * x

        @staticmethod
        def backward(ctx, g):
            n1, x, n2 = ctx.saved_tensors
            seen.append((n1 is None, n2 is None))
            return 2 * x * g

    x = L.leaf(S)
    MyFn.apply(x).sum().backward()
    return x.grad, seen


@case()
def too_many_grads(L):
    class MyFn(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    x = L.leaf(S)
    MyFn.apply(x).sum().backward()
    return x.grad


@case()
def dep_nograd(L):
    class F1(L.Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 0 + 3
            ctx.mark_non_differentiable(out)
            return x, out

        @staticmethod
        def backward(ctx, g, ignored):
            return g

    class F2(L.Function):
        @staticmethod
        def forward(ctx, x, ignored):
            return x

        @staticmethod
        def backward(ctx, g):
            return g, None

    x = L.leaf(X)
    a, b = F1.apply(x)
    b = b + 1
    rg = (a.requires_grad, b.requires_grad)
    c = F2.apply(a, b)
    c.backward(L.const(np.ones(3)))
    return rg, x.grad


@case()
def no_grad_input(L):
    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = L.leaf(X)
    with L.no_grad():
        y = MyFunction.apply(x)
    return x.requires_grad, y.grad_fn is None, y.requires_grad


@case()
def simple_reentrant(L):
    y_data = L.const(T)

    class Reenter(L.Function):
        @staticmethod
        def forward(ctx, x):
            with L.enable_grad():
                ctx.x = x.detach().requires_grad_(True)
                ctx.y = y_data.detach().requires_grad_(True)
                ctx.out = ctx.x * ctx.y
            return ctx.out.detach()

        @staticmethod
        def backward(ctx, g):
            with L.enable_grad():
                ctx.out.sum().backward()
            return ctx.x.grad * g

    x = L.leaf(S)
    Reenter.apply(x).sum().backward()
    return x.grad


@case(match="Simulate error")
def reentrant_child_error(L):
    a = L.leaf(S)
    c = a * a
    b = L.leaf(T)
    e = b * b
    f = _Sim.of(L).apply(e)
    root = f.sum()

    class ReentrantFunc(L.Function):
        @staticmethod
        def forward(ctx, inp):
            return inp.clone()

        @staticmethod
        def backward(ctx, g):
            root.backward()
            return g

    d = ReentrantFunc.apply(c)
    d.sum().backward()


@case()
def deep_reentrant(L):
    # test_deep_reentrant, 60 levels deep instead of 2000
    class DeepReentrant(L.Function):
        @staticmethod
        def forward(ctx, x):
            with L.enable_grad():
                ctx.x = x.detach().requires_grad_(True)
                ctx.x = ctx.x - 1
            return ctx.x.detach()

        @staticmethod
        def backward(ctx, g):
            if ctx.x < 0:
                return g
            with L.enable_grad():
                DeepReentrant.apply(ctx.x).sum().backward()
            return g

    v = L.leaf(60.0)
    DeepReentrant.apply(v).sum().backward()
    return v.grad


@case()
def reentrant_priority(L):
    order = []

    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            order.append("MyFunction")
            return g

    class Reentrant(L.Function):
        @staticmethod
        def forward(ctx, x):
            with L.enable_grad():
                ctx.x = x.detach().requires_grad_(True)
                ctx.x = ctx.x - 1
            return ctx.x.detach()

        @staticmethod
        def backward(ctx, g):
            order.append("Reentrant")
            if ctx.x < 0:
                return g
            with L.enable_grad():
                Reentrant.apply(ctx.x).backward()
            return g

    a = MyFunction.apply(L.leaf(6.0))
    b = Reentrant.apply(L.leaf(9.0))
    (a * b).backward()
    return len(order), order.count("Reentrant")


@case()
def grad_mode_restored_reentrant(L):
    seen = []

    class MyFunction(L.Function):
        @staticmethod
        def forward(ctx, inp):
            return inp.clone()

        @staticmethod
        def backward(ctx, go):
            original = L.is_grad_enabled()
            with L.enable_grad():
                foo = L.leaf(X * 0 + 0.5)
                (g,) = L.grad(foo ** 3, foo, grad_outputs=go)
                seen.append(L.is_grad_enabled())
            seen.append(L.is_grad_enabled() == original)
            return g

    inp = L.leaf(X)
    MyFunction.apply(inp).sum().backward()
    MyFunction.apply(inp).sum().backward(create_graph=True)
    return seen, inp.grad


@case(match="forward")
def custom_function_error_no_forward(L):
    class BadFw(L.Function):
        @staticmethod
        def backward(ctx, foo):
            return foo

    BadFw.apply(L.leaf([0.5]))


@case(match="backward")
def custom_function_error_no_backward(L):
    class BadBw(L.Function):
        @staticmethod
        def forward(ctx, foo):
            return foo.clone()

    BadBw.apply(L.leaf([0.5])).sum().backward()


@case(match="backward.*vjp|vjp.*backward")
def custom_function_error_backward_and_vjp(L):
    class BadBw2(L.Function):
        @staticmethod
        def forward(ctx, foo):
            return foo.clone()

        @staticmethod
        def backward(ctx, foo):
            return foo

        @staticmethod
        def vjp(ctx, foo):
            return foo

    BadBw2.apply(L.leaf([0.5])).sum().backward()


@case(match="jvp")
def custom_function_error_no_jvp(L):
    class BadJvp(L.Function):
        @staticmethod
        def forward(ctx, foo):
            return foo.clone()

    inp = L.leaf([0.5])
    with L.fwAD.dual_level():
        d = L.fwAD.make_dual(inp, L.const([0.25]))
        BadJvp.apply(d)


def _user_fn(L):
    class UserFn(L.Function):
        @staticmethod
        def forward(ctx, foo, should_fail):
            ctx.should_fail = should_fail
            return foo * 2

        @staticmethod
        def vjp(ctx, g):
            return 2 * g, None

        @staticmethod
        def jvp(ctx, gI, _):
            return 3 * gI if ctx.should_fail else 2 * gI
    return UserFn


@case()
def custom_function_forward_mode_right_formula(L):
    inp = L.leaf(X)
    return L.gradcheck(_user_fn(L).apply, (inp, False), check_forward_ad=True)


@case(match="forward mode mismatch for output 0")
def custom_function_forward_mode_wrong_formula(L):
    inp = L.leaf(X)
    L.gradcheck(_user_fn(L).apply, (inp, True), check_forward_ad=True)


@case()
def custom_function_forward_mode_non_tensor_before_tensor_args(L):
    seen = []

    class MyFn(L.Function):
        @staticmethod
        def forward(ctx, nt, x, nt2, y):
            return x * 2 + y * 3

        @staticmethod
        def jvp(ctx, nt, x_t, nt2, y_t):
            seen.append((nt is None, nt2 is None))
            return x_t * 2 + y_t * 3

    x, t, y = L.const(1.0), L.const(1.0), L.const(1.0)
    with L.fwAD.dual_level():
        out = MyFn.apply(1, L.fwAD.make_dual(x, t), 1, y)
        tan = L.fwAD.unpack_dual(out).tangent * 1
    ok = L.gradcheck(MyFn.apply, (1, x.requires_grad_(True), 1, y.requires_grad_(True)),
                     check_forward_ad=True, check_backward_ad=False, check_batched_grad=False)
    return seen[0], all(all(s) for s in seen), tan, ok


@case()
def custom_function_save_for_forward(L):
    class Func(L.Function):
        @staticmethod
        def forward(ctx, x, y, z):
            ctx.save_for_backward(x, y)
            ctx.save_for_forward(x, y)
            ctx.z = z
            return z * (x * y)

        @staticmethod
        def jvp(ctx, x_t, y_t, _):
            x_p, y_p = ctx.saved_tensors
            return ctx.z * (y_p * x_t + x_p * y_t)

        @staticmethod
        def vjp(ctx, g):
            x, y = ctx.saved_tensors
            return ctx.z * g * y, ctx.z * g * x, None

    a, t, b = L.leaf(1.0), L.const(1.0), L.leaf(2.0)
    with L.fwAD.dual_level():
        out = Func.apply(L.fwAD.make_dual(a, t), b, 4)
        tan = L.fwAD.unpack_dual(out).tangent * 1
        out.backward()
    return tan, a.grad, b.grad, L.gradcheck(Func.apply, (a, b, 4), check_forward_ad=True)


@case()
def custom_function_saved_for_backward_not_forward(L):
    # the second half of test_custom_function_save_for_forward
    seen = []

    class Func(L.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clone()

        @staticmethod
        def jvp(ctx, x_t):
            seen.append(len(ctx.saved_tensors))
            return x_t

        @staticmethod
        def vjp(ctx, g):
            (x,) = ctx.saved_tensors
            seen.append(len(ctx.saved_tensors))
            return g

    a = L.leaf(1.0)
    with L.fwAD.dual_level():
        out = Func.apply(L.fwAD.make_dual(a, L.const(1.0)))
        out.backward()
    return seen, a.grad


@case()
def custom_function_forward_mode_non_differentiable(L):
    class Func(L.Function):
        @staticmethod
        def forward(ctx, x, y):
            out = y.clone()
            ctx.mark_non_differentiable(out)
            return x.clone(), out

        @staticmethod
        def jvp(ctx, x_t, y_t):
            return x_t, None

    class Func2(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone(), object(), x.clone()

        @staticmethod
        def jvp(ctx, x_t):
            return x_t, None, x_t

    x, xt, y = L.const(2.0), L.const(1.0), L.const(3.0)
    with L.fwAD.dual_level():
        _, o2 = Func.apply(L.fwAD.make_dual(x, xt), y)
        a = L.fwAD.unpack_dual(o2).tangent is None
        o, _, o3 = Func2.apply(L.fwAD.make_dual(x, xt))
        b = L.fwAD.unpack_dual(o).tangent * 1, L.fwAD.unpack_dual(o3).tangent * 1
    return a, b


@case(match="None")
def custom_function_forward_mode_tangent_for_non_differentiable(L):
    class FuncWrong(L.Function):
        @staticmethod
        def forward(ctx, x, y):
            out = y.clone()
            ctx.mark_non_differentiable(out)
            return x.clone(), out

        @staticmethod
        def jvp(ctx, x_t, y_t):
            return x_t, x_t.clone()

    with L.fwAD.dual_level():
        FuncWrong.apply(L.fwAD.make_dual(L.const(2.0), L.const(1.0)), L.const(3.0))


@case()
def custom_function_local_inplace(L):
    class MyFn(L.Function):
        @staticmethod
        def forward(ctx, inp, inplace):
            view = inp.clone()[:3]
            if inplace:
                view += 2
            return view

        @staticmethod
        def backward(ctx, g):
            return g, None

    base = L.leaf(np.arange(10.0))
    a = MyFn.apply(base, False)
    b = MyFn.apply(base, True)
    (a.sum() + 2 * b.sum()).backward()
    return a, b, base.grad


@case()
def setup_context_when_forward_has_default_args(L):
    class PowFunction(L.Function):
        @staticmethod
        def forward(x, y=3):
            return x ** y

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, y = inputs
            ctx.save_for_backward(x)
            ctx.y = y

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.y * x ** (ctx.y - 1), None

    class PowFunctionWithClassmethod(L.Function):
        @classmethod
        def forward(cls, x, y=3):
            return x ** y

        @classmethod
        def setup_context(cls, ctx, inputs, output):
            x, y = inputs
            ctx.save_for_backward(x)
            ctx.y = y

        @classmethod
        def backward(cls, ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.y * x ** (ctx.y - 1), None

    x = L.leaf(2.0)
    y1 = PowFunction.apply(x)
    y2 = PowFunctionWithClassmethod.apply(x)
    return y1, L.grad(y1, x), y2, L.grad(y2, x)


@case()
def hook_none(L):
    seen = []

    class NoneGradientFunction(L.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen.append(tuple(ctx.needs_input_grad))
            return x, y

        @staticmethod
        def backward(ctx, gx, gy):
            return gx, None

    x, y = L.leaf(S), L.const(T)
    rx, ry = NoneGradientFunction.apply(x, y)
    rx.register_hook(lambda g: seen.append(g is not None))
    ry.register_hook(lambda g: seen.append(g is not None))
    (rx + ry).sum().backward()
    return seen, x.grad


@case()
def custom_autograd_repeated_grad_grad(L):
    def mult1(x):
        return x.prod(-1).prod(-1)

    class Mult(L.Function):
        @staticmethod
        def forward(ctx, x):
            y = mult1(x)
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return (g * y)[:, None, None] / x

    out = []
    for f in (mult1, Mult.apply):
        x = L.leaf(np.ones((2, 4, 4)) + 0.1 * np.concatenate([A, B]).reshape(2, 4, 3)[..., :1]
                   * np.arange(1.0, 5.0))
        y = f(x)
        (gy,) = L.grad(y[0], x, create_graph=True)
        (g1,) = L.grad(gy[0, 0, 0], x, retain_graph=True)
        (gy,) = L.grad(y[0], x, create_graph=True)
        (g2,) = L.grad(gy[0, 0, 0], x, retain_graph=True)
        out += [g1, g2]
    return out


@case()
def custom_autograd_no_early_free(L):
    class Double(L.Function):
        @staticmethod
        def forward(ctx, x):
            y = x ** 2
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, g):
            x, _ = ctx.saved_tensors
            return g * 2 * x

    class Double2(Double):
        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * 2 * y / x

    x = L.leaf(2.0)
    out = [L.gradcheck(Double.apply, x), L.gradgradcheck(Double.apply, x),
           L.gradcheck(Double2.apply, x), L.gradgradcheck(Double2.apply, x)]
    for f in (Double.apply, Double2.apply):
        y = f(x)
        out.append(L.grad(y, x, create_graph=True))
        out.append(L.grad(y, x))
    return out


@case(match="freed|retain_graph|saved")
def naughty_autograd_function_stashing_ctx(L):
    saved = []

    class Id(L.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, g):
            saved.append(ctx)
            return ctx.saved_tensors

    p = L.leaf(np.zeros(1))
    loss = Id.apply(p)
    loss.backward(retain_graph=True)
    del loss
    ok = p.grad * 1
    saved[0].saved_tensors  # noqa: B018 - the graph is gone
    return ok


@case(match="input")
def custom_function_mark_output_view_of_intermediate(L):
    class Func(L.Function):
        @staticmethod
        def forward(ctx, inp):
            out = inp.clone().view_as(inp)
            ctx.mark_dirty(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g

    Func.apply(L.leaf([1.0]).clone())


@case(match="view.*leaf|leaf.*view")
def custom_function_inplace_on_view_of_leaf(L):
    class Func(L.Function):
        @staticmethod
        def forward(ctx, inp):
            inp.add_(1)
            ctx.mark_dirty(inp)
            return inp

        @staticmethod
        def backward(ctx, g):
            return g

    a = L.leaf([1.0, 2.0])
    Func.apply(a.view_as(a))


@case()
def autograd_python_custom_function_inplace(L):
    calls = [0]

    class MyAdder(L.Function):
        @staticmethod
        def forward(ctx, a, b):
            a.add_(b)
            ctx.mark_dirty(a)
            return a

        @staticmethod
        def backward(ctx, g):
            calls[0] += 1
            return g, g

    a, b = L.leaf(np.ones(2)), L.leaf(np.ones(2))
    c = MyAdder.apply(a.clone(), b)
    c.sum().backward()
    c = MyAdder.apply(a.clone(), b)
    c += 2
    c.sum().backward()
    c = MyAdder.apply(a.clone().view_as(a), b)
    c.sum().backward()
    return calls, a.grad, b.grad


@case()
def autograd_python_custom_function_inplace_two_outputs(L):
    calls = [0]

    class MyBadAdder(L.Function):
        @staticmethod
        def forward(ctx, a, b):
            a.add_(b)
            ctx.mark_dirty(a)
            return a, a + b

        @staticmethod
        def backward(ctx, ga, gab):
            calls[0] += 1
            return ga + gab, ga + gab

    a, b = L.leaf(np.ones(2)), L.leaf(np.ones(2) * 2)
    c, d = MyBadAdder.apply(a.clone(), b)
    (c * d).sum().backward()
    c, d = MyBadAdder.apply(a.clone(), b)
    c += 2
    (c * d).sum().backward()
    return calls, a.grad, b.grad


@case(match="dirty|returned|output")
def custom_function_mark_dirty_not_returned(L):
    class MyOutPlaceAdder(L.Function):
        @staticmethod
        def forward(ctx, a, b):
            a.add_(b)
            ctx.mark_dirty(a)
            return a.clone(), a + b

        @staticmethod
        def backward(ctx, ga, gab):
            return ga + gab, ga + 2 * gab

    a, b = L.leaf(np.ones(2)), L.leaf(np.ones(2))
    c, d = MyOutPlaceAdder.apply(a.clone().view_as(a), b)
    (c * d).sum().backward()


@case(match="view")
def custom_function_output_view_written(L):
    # test_autograd_simple_views_python / _multiple_views_python: an output that is a view
    # of an input, written in place afterwards
    class IdOneOutput(L.Function):
        @staticmethod
        def forward(ctx, a):
            return a.narrow(0, 0, 2)

        @staticmethod
        def backward(ctx, g):
            return g

    a = L.leaf(np.ones(3))
    tmp = IdOneOutput.apply(a.clone())
    tmp += 3
    tmp.sum().backward()


@case()
def custom_function_output_view_read(L):
    class ComplexView(L.Function):
        @staticmethod
        def forward(ctx, a, idx):
            ctx.save_for_backward(a)
            ctx.idx = idx
            return a.select(0, idx)

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            res = a * 0
            res[ctx.idx] = g
            return res, None

    a = L.leaf(np.arange(4.0).reshape(2, 2))
    out = ComplexView.apply(a.clone(), 1)
    (out * out).sum().backward()
    return a.grad


@case(match="view")
def custom_function_view_output_written_later_error(L):
    class ComplexView(L.Function):
        @staticmethod
        def forward(ctx, a, idx):
            ctx.save_for_backward(a)
            return a.select(0, idx)

        @staticmethod
        def backward(ctx, g):
            return None, None

    out = ComplexView.apply(L.leaf(np.ones(2)).clone(), 1)
    out += 1
    out.sum().backward()


@case(match="custom Function|view")
def inplace_not_requires_grad(L):
    class MyFn(L.Function):
        @staticmethod
        def forward(ctx, inp):
            return inp.view_as(inp)

        @staticmethod
        def backward(ctx, g):
            return g

    a, b = L.const(np.ones((1, 2))), L.leaf(np.ones(1))
    view_a = MyFn.apply(a)
    view_a += b
    view_a.sum().backward()
    return b.grad, a * 1


@case()
def inplace_not_requires_grad_select_copy(L):
    # the end of test_inplace_not_requires_grad: a plain view of a constant takes a value
    a, b = L.const(np.ones((1, 2))), L.leaf([3.0])
    a.select(1, 0).copy_(b)
    (a * a).sum().backward()
    return a * 1, b.grad


@case(match="no_grad|view")
def custom_function_return_view_in_nograd(L):
    class Alias(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x[:]

        @staticmethod
        def backward(ctx, g):
            return g

    inp = L.leaf([0.5, 0.25])
    with L.no_grad():
        output = Alias.apply(inp)
    rg = output.requires_grad
    output.zero_()
    return rg


@case()
def no_grad_python_function_requires_grad(L):
    # test_no_grad_python_function
    class MyOp(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x + 1

        @staticmethod
        def backward(ctx, g):
            return g

    x = L.leaf(S)
    with L.no_grad():
        y = MyOp.apply(x)
    return y.requires_grad


# backward and grad: arguments, errors, accumulation -------------------------------------------

@case()
def backward_values(L):
    # test_backward
    v, x, y, z = L.leaf(S), L.leaf(T), L.leaf(np.abs(S) + 0.1), L.leaf(S * T)
    go = L.const(T[::-1].copy())
    v.backward(go)
    a = x + (y * z) + 4 * z ** 2 * x / y
    a.backward(go)
    return v.grad, x.grad, y.grad, z.grad


@case(match="does not require grad|requires_grad")
def backward_badcalls(L):
    L.const(np.ones(1)).backward()


@case(match="does not require grad|requires_grad")
def grad_badcalls_output_without_grad(L):
    x = L.const(np.ones(1))
    L.grad(x ** 2, x)


@case(match="non-empty|empty")
def grad_empty_inputs(L):
    x = L.leaf([1.0])
    L.grad(2 * x, [], grad_outputs=L.const([1.0]))


@case()
def grad_unreachable_discovery(L):
    calls = []

    class MyFunc(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            calls.append("ran")
            return g

    x = MyFunc.apply(L.leaf([0.5]) * 2)
    y = L.leaf([0.25])
    (gy,) = L.grad(x, (y,), allow_unused=True)
    x = MyFunc.apply(L.leaf([0.5]) * 2)
    z = L.leaf([0.75])
    gy2, gz = L.grad(x + z, (y, z), allow_unused=True)
    x = MyFunc.apply(L.leaf([0.5]) * 2)
    L.backward(x, inputs=(y,))
    return gy is None, gy2 is None, gz, y.grad is None, calls


@case()
def multi_backward(L):
    x, y, q, a, b = L.leaf(S), L.leaf(T), L.leaf(S + T), L.leaf(S * 2), L.leaf(T * 3)
    q2 = q * 2
    z = x + y + q2
    c = a * b + q2
    gz, gc = L.const(T), L.const(S)
    L.backward([z, c], [gz, gc])
    return x.grad, y.grad, a.grad, b.grad, q.grad


@case()
def duplicate_backward_root(L):
    a, b = L.leaf(S), L.leaf(T)
    x = a * b
    go = L.const(S - T)
    L.backward([x, x], [go, go])
    return a.grad, b.grad


@case(match="scalar|shape|grad")
def backward_no_grad_tensors(L):
    # test_backward_no_grad: a non-scalar root given None as its gradient
    a = L.leaf(S)
    L.backward([a + 2], [None])


@case(match="retain_graph|freed|second time")
def backward_twice_with_saved_values(L):
    b = L.leaf(X)
    c = L.const(np.zeros(3))
    c[[1, 2]] = b[[1, 1]]
    c.backward(L.const(np.ones(3)))
    c.backward(L.const(np.ones(3)))
    _BACKWARD_TWICE.append(b.grad)


_BACKWARD_TWICE: list = []


@case()
def backward_twice_retained_graph_without_saved_values(L):
    b = L.leaf(X)
    c = L.const(np.zeros(3))
    c[[1, 2]] = b[[1, 1]]
    c.backward(L.const(np.ones(3)), retain_graph=True)
    c.backward(L.const(np.ones(3)))
    return b.grad


@case()
def accumulate_grad_tensor_reference(L):
    out = []
    for create_graph in (False, True):
        p = L.const([1.5, 1.5]).requires_grad_()
        p.grad = L.const([1.5, 1.5])
        saved = p.grad
        p.backward(L.const([1.5, 1.5]), create_graph=create_graph)
        out += [saved is p.grad, p.grad * 1]
    return out


@case()
def accumulate_grad_with_zero_numel_grad(L):
    a, b = L.leaf(np.zeros((4, 0))), L.leaf(np.ones((4, 1)))
    c = a + b
    c.sum().backward()
    return tuple(c.shape), b.grad, a.grad


@case()
def backward_copy(L):
    x, y = L.leaf(np.ones((2, 2))), L.leaf(np.ones((2, 2)))
    a, b, c = x + 2, y + 2, x + 2
    add1 = a + b
    add2 = add1 + c
    for _ in range(4):
        a, b, c = a * 2, b * 2, c * 2
    out = add2 + a + b + c
    out.backward(L.const(np.ones((2, 2))))
    return x.grad, y.grad


@case()
def input_buffer_accum(L):
    leaf = L.leaf(S)
    out2 = leaf[[0, 0]]
    out1 = leaf.clone()
    g1 = L.const(T)
    g1_orig = g1.clone()
    L.backward((out1, out2), (g1, L.const(S * 3)))
    return g1, g1_orig, leaf.grad


@case()
def unused_output(L):
    x = L.leaf(np.arange(20.0).reshape(10, 2))
    o = x.chunk(5)[2] * 4 + 2
    o.sum().backward()
    g1 = x.grad * 1
    with L.no_grad():
        x.grad.zero_()
    x.chunk(5)[0].backward(L.const(np.arange(4.0).reshape(2, 2)))
    return g1, x.grad


@case()
def diagonal_expanded_v(L):
    v = L.const(0.5).expand(4)
    a = L.leaf(np.ones((4, 4)))
    return L.grad(a.diagonal(), a, v)


@case()
def select_expanded_v(L):
    v = L.const(np.arange(3.0)).expand(3, 3)
    a = L.leaf(np.ones((3, 3, 3)))
    return L.grad(a[0], a, v)


@case()
def slice_expanded_v(L):
    v = L.const(np.arange(3.0).reshape(3, 1)).expand(2, 3, 3)
    a = L.leaf(np.ones((3, 3, 3)))
    return L.grad(a[1:3], a, v)


@case()
def select_sum(L):
    x = L.leaf(np.arange(5.0))

    def func(x):
        return x.select(0, 1).sum()

    return L.gradcheck(func, [x]), L.gradgradcheck(func, [x])


@case()
def isolated_node(L):
    x, y = L.leaf(S), L.leaf(T)
    a = x + y
    b = a.max(1, True)[1].expand(2, 2).double()
    (b + a).sum().backward()
    return x.grad, b.requires_grad


_INDICES = [1, (1, 1), slice(1, None), slice(None, 2), (slice(None, 2), 2), (slice(1, 2), 2),
            (1, slice(2, None)), (slice(None), slice(2, None)), [0, 2],
            (Ellipsis, slice(2, None)), ([0], [0]), ([1, 2, 3], [0]), ([1, 2], [2, 1]),
            ([[1, 2], [3, 0]], [[0, 1], [2, 3]]), (slice(None), [2, 3]), ([2, 3], slice(None)),
            [0], ([0],)]


@case()
def indexing(L):
    out = []
    for idx in _INDICES:
        y = L.leaf(np.arange(1.0, 17).reshape(4, 4))
        v = y[idx]
        v.sum().backward()
        out += [v, y.grad]
    mask = L.const(np.array([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 1, 0], [0, 1, 0, 0]], bool))
    y = L.leaf(np.arange(1.0, 17).reshape(4, 4))
    y[mask].sum().backward()
    out.append(y.grad)
    for idx in [(slice(None), [0], [0]), ([0], [0], slice(None)), (slice(None), [0, 1, 2], [0]),
                (slice(None), [[1, 2], [2, 0]], [[0, 1], [2, 3]]), ([2, 1], slice(None)),
                ([0], Ellipsis), ([1, 2], [0, 1], Ellipsis), (Ellipsis, [1, 2], [0, 1])]:
        y = L.leaf(np.arange(1.0, 49).reshape(4, 3, 4))
        y[idx].sum().backward()
        out.append(y.grad)
    return out


@case()
def indexing_duplicates(L):
    out = []
    y = L.leaf(np.arange(1.0, 17).reshape(4, 4))
    y[L.const(np.array([1, 1, 3, 2, 1, 2]))].sum().backward()
    out.append(y.grad)
    y = L.leaf(np.arange(1.0, 17).reshape(4, 4))
    y[[1, 1, 3, 2, 1, 2], [0]].sum().backward()
    out.append(y.grad)
    y = L.leaf(np.arange(1.0, 17).reshape(4, 4))
    y[[[1, 2], [0, 0]], [[0, 1], [1, 1]]].sum().backward()
    out.append(y.grad)
    y = L.leaf(np.arange(1.0, 65).reshape(4, 4, 4))
    y[[1, 1, 1], :, :].sum().backward()
    out.append(y.grad)
    return out


@case()
def index_backward_does_not_save_tensor(L):
    a = L.const([1.0, 0, 0])
    b = L.leaf(np.zeros(3))
    t = b + 0
    t[a != 0] = t[a != 0]
    t.backward(L.const(np.ones(3)))
    return b.grad


@case()
def leaf_assignment(L):
    x = L.const(np.zeros((5, 5)))
    y, z = L.leaf(X[:1].repeat(5)), L.leaf(np.arange(5.0))
    x[0] = y
    x[1] = 2 * z
    rg = x.requires_grad, x.grad_fn is not None
    x.sum().backward()
    return rg, y.grad, z.grad


@case()
def no_grad_assignment(L):
    x, y = L.leaf(S), L.const(T[0])
    with L.no_grad():
        x[0] = y
    return x.requires_grad, x.grad_fn is None, x * 1


@case(match="modified by an inplace|in place|in-place")
def no_grad_modifies_version(L):
    x, y = L.leaf(X), L.leaf(X + 1)
    z = (x * y).sum()
    with L.no_grad():
        x *= 2
    z.backward()


@case()
def requires_grad_(L):
    x, y = L.const(S), L.leaf(T)
    out = [x is x.requires_grad_(), x.requires_grad, y is y.requires_grad_(), y.requires_grad,
           x is x.requires_grad_(True), y is y.requires_grad_(True)]
    z = x * y
    try:
        z.requires_grad_(False)
        out.append("no error")
    except Exception:  # noqa: BLE001
        out.append("raised")
    out += [z is z.requires_grad_(), z.requires_grad, z is z.requires_grad_(True),
            x is x.requires_grad_(False), x.requires_grad, y is y.requires_grad_(False),
            y.requires_grad]
    return out


@case()
def no_requires_grad_inplace(L):
    a = L.const(S)
    a.add_(5)
    a.requires_grad = True
    a.sum().backward()
    g1 = a.grad
    a = L.const(S)
    b = a[:]
    b.add_(5)
    a.requires_grad = True
    a.sum().backward()
    return g1, a.grad, a * 1


@case(match="leaf")
def no_requires_grad_inplace_after_flag(L):
    a = L.const(S)
    a.requires_grad = True
    a.add_(5)


@case(match="leaf|view")
def no_requires_grad_inplace_view_after_flag(L):
    a = L.const(S)
    b = a[:]
    a.requires_grad = True
    b.add_(5)


@case()
def attribute_deletion(L):
    x = L.leaf(S)
    x.grad = x * 0 + 1
    del x.grad
    out = [x.grad is None]
    for what in ("data", "requires_grad"):
        try:
            delattr(x, what)
            out.append("deleted")
        except Exception as e:  # noqa: BLE001
            out.append(type(e).__name__ in ("RuntimeError", "AttributeError", "TypeError"))
    try:
        x.data = None
        out.append("set")
    except Exception:  # noqa: BLE001
        out.append("raised")
    return out


@case()
def detach_base(L):
    x = L.leaf(np.arange(12.0).reshape(4, 3))
    view = x.narrow(0, 1, 2)
    x.detach_()
    return x.requires_grad, view.requires_grad, view.grad_fn is not None, view._base is x


@case(match="modified by an inplace|in place|in-place")
def detach_then_inplace_raises_in_autograd(L):
    x = L.leaf(0.7)
    y = x ** 2
    z = x.detach()
    z.zero_()
    y.backward()


@case()
def type_conversion_backward(L):
    f = L.leaf(S, dtype=np.float32)
    f.double().sum().backward()
    d = L.leaf(S)
    d.float().sum().backward()
    return f.grad, d.grad


@case()
def shape(L):
    x = L.const(np.zeros((3, 4)))
    return len(x.shape), x.shape[0], x.shape[1]


@case()
def pickle_tensors(L):
    x, y = L.leaf(S), L.const(T)
    out = []
    for p in range(3):
        xc, yc = pickle.loads(pickle.dumps([x, y], protocol=p))
        out += [xc.detach() * 1, xc.requires_grad, yc * 1, yc.requires_grad]
    return out


@case()
def var_mean_differentiable(L):
    x1 = L.leaf(A.reshape(3, 2, 2))
    x2 = L.leaf(A.reshape(3, 2, 2))
    if L.name == "torch":
        var1, mean1 = torch.var_mean(x1, dim=[0, 2], keepdim=False)
    else:
        var1, mean1 = x1.var(dim=[0, 2]), x1.mean(dim=[0, 2])
    var2, mean2 = x2.var(dim=[0, 2], keepdim=False), x2.mean(dim=[0, 2], keepdim=False)
    r1 = var1 * var1 * mean1 * mean1
    r2 = var2 * var2 * mean2 * mean2
    g = L.const([0.5, -1.5])
    L.backward(r1, g)
    L.backward(r2, g)
    return r1, r2, x1.grad, x2.grad


@case()
def variable_traverse(L):
    inp = L.leaf(np.arange(10.0))
    tmp = inp.view(10, 1)
    out = tmp.view(10)
    cycle = [tmp]
    cycle.append(cycle)
    del tmp, cycle
    out.backward(L.const(np.arange(10.0) - 3))
    return inp.grad


@case()
def power_function(L):
    out = []
    a = L.const([0.0, 0.0, 0.0])
    b = L.leaf([-1.0, 0.0, 1.0])
    (a ** b).sum().backward()
    out.append(b.grad)
    b = L.leaf([-1.0, 0.0, 1.0])
    (0 ** b).sum().backward()
    out.append(b.grad)
    return out


@case()
def integer_outputs(L):
    inp = L.leaf([0.3, -1.0, 2.0, 0.5])
    val = L.leaf(0.4)
    bins = L.leaf(np.linspace(0, 1.0, 10))
    vals = L.leaf(S / 3 + 0.5)
    outs = [inp.argmax(), inp.argmin(), inp.argsort(), inp.count_nonzero()]
    if L.name == "torch":
        outs += [torch.searchsorted(inp.sort()[0], val), torch.bucketize(vals, bins)]
    else:
        outs += [gnp.searchsorted(gnp.sort(inp), val), gnp.digitize(vals, bins, right=True)]
    res = [(o.dtype.is_floating_point if L.name == "torch" else o.dtype.kind == "f",
            getattr(o, "requires_grad", False)) for o in outs]
    u = inp.unique(sorted=True, return_inverse=True, return_counts=True)
    res.append([t.requires_grad for t in u])
    return res


@case()
def no_unnecessary_save(L):
    mu = L.leaf(np.ones(1))
    x = L.const(np.zeros(1))
    loss = 0
    for i in range(3):
        x.detach_()
        x.copy_(mu + i)
        ft = L.const([float(i)])
        loss = loss + (x * ft).sum()
    loss.backward()
    return mu.grad


@case()
def next_functions(L):
    x, y = L.leaf(S), L.leaf(T)
    a = x + y
    nf = a.grad_fn.next_functions
    b = a + 5
    nf2 = b.grad_fn.next_functions
    return (len(nf), nf[0][1], nf[1][1], nf[0][0] is not None, len(nf2) >= 1,
            nf2[0][0] is a.grad_fn)


@case()
def free_deep_graph(L):
    x = L.leaf([0.5])
    y = x.clone()
    for _ in range(20000):
        y = y + y * 0.000001
    del y
    return True


@case()
def free_deep_graph_pyfunction(L):
    class MyOp(L.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g

    x = L.leaf([0.5])
    y = x.clone()
    for _ in range(3000):
        y = MyOp.apply(y, y * 0)
    del y
    return True


@case()
def deep_graph_backward(L):
    # the graphs of test_free_deep_graph, differentiated: the sweep must not recurse
    x = L.leaf([0.5])
    y = x.clone()
    for _ in range(20000):
        y = y + y * 0.000001
    y.sum().backward()
    return x.grad


@case()
def tensor_grad_warnings(L):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        d = L.leaf([0.0])
        d.grad  # noqa: B018
        n0 = len(w)
        d = d.clone()
        d.grad  # noqa: B018
        n1 = len(w)
        d.retain_grad()
        d.grad  # noqa: B018
        n2 = len(w)
    return n0, n1 > n0, n2 == n1


@case(match="retain_graph|freed|second time|saved")
def naughty_function_backward_again_after_free(L):
    # test_custom_autograd_no_early_free's counterpart: a second backward without retain_graph
    class Double(L.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    x = L.leaf(2.0)
    y = Double.apply(x)
    y.backward()
    y.backward()


@case()
def backward_create_graph_warns(L):
    b = L.leaf(X)
    c = b * b
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        c.backward(c * 0 + 1, create_graph=True)
    w1 = any("create_graph=True" in str(w.message) for w in ws)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        L.grad(c, b, c * 0 + 1, create_graph=True)
    w2 = any("create_graph=True" in str(w.message) for w in ws)
    return w1, w2, b.grad


# hooks ----------------------------------------------------------------------------------------

@case()
def retain_grad_inplace(L):
    a = L.leaf([1.0]).clone()
    a.retain_grad()
    a.mul_(2)
    a.sum().backward()
    g1 = a.grad
    a = L.leaf([1.0]).clone()
    a.retain_grad()
    a.mul_(2)
    a.mul_(2)
    a.sum().backward()
    g2 = a.grad
    x0 = L.leaf([1.0])
    x = x0.clone()
    x.retain_grad()
    v = x[:]
    v *= 2
    x *= 2
    x.sum().backward()
    z = L.const(np.zeros(4))
    y = z.view(2, 2)
    y.add_(L.leaf(S))
    return g1, g2, x.grad, x0.grad, z.requires_grad


@case()
def retains_grad_inplace_multiple_outputs(L):
    class DoubleMul(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    b = L.leaf(S)
    var, mean = DoubleMul.apply(b)
    var.retain_grad()
    mean.retain_grad()
    var.mul_(2)
    (var + mean).sum().backward()
    a = L.leaf(S)
    v2, m2 = DoubleMul.apply(a)
    v2.mul_(2)
    want = L.grad((v2 + m2).sum(), inputs=(v2, m2))
    return var.grad, mean.grad, want, b.grad


@case()
def retains_grad_can_always_observe_tensor_prehook(L):
    a = L.leaf(1.0)
    b = a.clone()
    b.register_hook(lambda g: g * 2)
    b.retain_grad()
    b.register_hook(lambda g: g * 2)
    b.clone().backward()
    g1 = b.grad
    a = L.leaf(1.0)
    b = a.clone()
    b.retain_grad()
    b.register_hook(lambda g: g * 2)
    b.clone().backward()
    return g1, b.grad


@case()
def prehook_ordering(L):
    log = []

    def hook1(g):
        log.append(1)
        return g * 3

    def hook2(gs):
        log.append(2)
        return tuple(g * 2 for g in gs)

    a = L.leaf(1.0)
    b = a.clone()
    b.grad_fn.register_prehook(hook2)
    b.register_hook(hook1)
    b.grad_fn.register_prehook(hook2)
    b.sum().backward(retain_graph=True)
    first = list(log)
    log.clear()
    b.sum().backward(inputs=(b,))
    return first, list(log), b.grad, a.grad


@case()
def grad_fn_prehooks(L):
    out = []
    for custom in (True, False):
        if custom:
            class Mul2(L.Function):
                @staticmethod
                def forward(ctx, x):
                    return x * 2

                @staticmethod
                def backward(ctx, g):
                    return g * 2

            mul2 = Mul2.apply
        else:
            def mul2(x):
                return x * 2
        pre = [0]

        def prehook(go):
            pre[0] += 1
            return (go[0] * 2,)

        a = L.leaf([1.0])
        b = mul2(a)
        b.grad_fn.register_prehook(prehook)
        b.grad_fn.register_prehook(lambda x: None)
        b.grad_fn.register_prehook(prehook)
        b.grad_fn.register_prehook(prehook)
        b.grad_fn.register_prehook(lambda x: x)
        b.grad_fn.register_prehook(lambda x: None)
        b.sum().backward()
        out += [pre[0], a.grad]
        a = L.leaf(S)
        b = mul2(a)

        def prehook_none(go):
            pre[0] += 1

        b.grad_fn.register_prehook(prehook_none)
        b.sum().backward()
        out += [pre[0], a.grad]
    return out


@case()
def grad_fn_prehooks_remove_hooks(L):
    out = []
    a = L.leaf(S)
    b = a * 2
    count = [0]

    def prehook(go):
        count[0] += 1

    h = b.grad_fn.register_prehook(prehook)
    b.grad_fn.register_prehook(prehook)
    h.remove()
    b.sum().backward()
    out += [a.grad, count[0]]
    a = L.leaf(S)
    b = a * 2
    count = [0]
    handles = {}

    def prehook1(go):
        handles["h2"].remove()
        handles["h3"].remove()

    def prehook2(go):
        count[0] += 1

    b.grad_fn.register_prehook(prehook1)
    handles["h2"] = b.grad_fn.register_prehook(prehook2)
    handles["h3"] = b.grad_fn.register_prehook(prehook2)
    handles["h3"].remove()
    b.sum().backward()
    out += [a.grad, count[0]]
    return out


@case()
def grad_fn_prehooks_multiple_outputs(L):
    class DoubleMul2(L.Function):
        @staticmethod
        def forward(ctx, x, a, y):
            ctx.a = a
            return a * x * 2, a, a * y * 2

        @staticmethod
        def backward(ctx, g1, _a, g2):
            return ctx.a * g1 * 2, None, ctx.a * g2 * 2

    seen = []

    def prehook(go):
        g1, ga, g2 = go
        seen.append(ga is None)
        return (g1 * 2, None, g2 * 2)

    a, b = L.leaf(S), L.leaf(T)
    c, _, d = DoubleMul2.apply(a, 3, b)
    c.grad_fn.register_prehook(prehook)
    (c + d).sum().backward()
    return seen, a.grad, b.grad


@case()
def hook_edge_case_when_called_with_grad(L):
    counts = {"t": 0}

    def tensor_prehook(g):
        counts["t"] += 1

    a = L.leaf(1.0)
    b = a * 2
    c = b * 2
    a.register_hook(tensor_prehook)
    b.register_hook(tensor_prehook)
    out = []
    L.grad(c, inputs=(b,), retain_graph=True)
    out.append(counts["t"])
    counts["t"] = 0
    L.grad(c, inputs=(a, b), retain_graph=True)
    out.append(counts["t"])
    counts["t"] = 0
    c.backward(retain_graph=True)
    out.append(counts["t"])
    counts["t"] = 0
    c.backward(inputs=(a, b), retain_graph=True)
    out.append(counts["t"])
    return out, a.grad, b.grad


@case()
def hooks_cpp(L):
    bn = L.nn.BatchNorm1d(3, affine=False)
    if L.name == "torch":
        bn.double()
    bn.eval()
    count = [0]

    def bw_hook(g):
        count[0] += 1
        return g * 2

    x = L.leaf(np.ones((4, 3)))
    z = bn(x)
    z.register_hook(bw_hook)
    z.sum().backward()
    return count[0], x.grad


@case()
def post_accumulate_grad_hook_multiple_hooks(L):
    def hook1(t):
        t.sub_(t.grad)

    def hook2(t):
        t.mul_(4.0)

    t = L.leaf(X)
    ref = t.detach().clone()
    t.register_post_accumulate_grad_hook(hook1)
    t.register_post_accumulate_grad_hook(hook2)
    t.sum().backward()
    return t.detach() * 1, 4.0 * (ref - 1.0)


@case()
def post_accumulate_grad_hook_multiple_tensors(L):
    def hook(t):
        t.sub_(t.grad)

    t1, t2 = L.leaf(X), L.leaf(A[0])
    t1.register_post_accumulate_grad_hook(hook)
    t2.register_post_accumulate_grad_hook(hook)
    t1.sum().backward()
    t2.sum().backward()
    return t1.detach() * 1, t2.detach() * 1


@case()
def post_accumulate_grad_hook_e2e(L):
    def make():
        m = L.nn.Linear(3, 2)
        if L.name == "torch":
            m.double()
        with L.no_grad():
            m.weight.copy_(L.const(A[:2, :3]))
            m.bias.copy_(L.const([0.1, -0.2]))
        return m

    model, model_copy = make(), make()
    optims = {}

    def step_hook(p):
        optims[p].step()
        optims[p].zero_grad()

    handles = []
    for p in model.parameters():
        optims[p] = L.optim.Adam([p])
        handles.append(p.register_post_accumulate_grad_hook(step_hook))
    opt_copy = L.optim.Adam(model_copy.parameters())
    inp = L.const(B[:2, :3])
    for _ in range(3):
        model(inp).sum().backward()
        model_copy(inp).sum().backward()
        opt_copy.step()
        opt_copy.zero_grad()
    same = [p.detach() * 1 for p in model.parameters()]
    ref = [p.detach() * 1 for p in model_copy.parameters()]
    for h in handles:
        h.remove()
    for _ in range(2):
        model(inp).sum().backward()
    frozen = [p.detach() * 1 for p in model.parameters()]
    return same, ref, frozen


@case()
def reentrant_with_leaf_variable_hook(L):
    param = L.leaf(X)
    state = {}

    def hook(grad):
        state["h"].remove()
        old = grad
        param.grad = None
        with L.enable_grad():
            g = grad.detach().requires_grad_()
            new_param = param.detach().requires_grad_()
            out = ((g * 2) + new_param).sum()
            out.backward()
        res = g.grad + grad
        param.grad = old
        return res

    state["h"] = param.register_hook(hook)
    (param * param).sum().backward()
    return param.grad


@case()
def reentrant_with_non_leaf_variable_hook(L):
    param = L.leaf(X)
    state = {}

    def hook(grad):
        state["h"].remove()
        with L.enable_grad():
            g = grad.detach().requires_grad_()
            out = ((g * 2) + 5).sum()
            out.backward()
        return g.grad + grad

    tmp = param * param
    state["h"] = tmp.register_hook(hook)
    tmp.sum().backward()
    return param.grad


@case()
def full_backward_hook_double_backward(L):
    x, y = L.leaf([0.7]), L.const([0.2])
    func = L.nn.MSELoss()
    counter = [0]

    def hook(module, gi, go):
        counter[0] += 1

    func.register_full_backward_hook(hook)
    f = func(x, y)
    (gx,) = L.grad(f, x, create_graph=True)
    c1 = counter[0]
    (gxx,) = L.grad(gx, x)
    return c1, counter[0], gx, gxx


# grad mode: decorators, generators, coroutines ------------------------------------------------

@case()
def grad_mode_class_decoration(L):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")

        @L.no_grad()
        class Foo:
            def __init__(self):
                self.init_mode = L.is_grad_enabled()

            def foo(self):
                return L.is_grad_enabled()

        f = Foo()
    future = any(issubclass(x.category, FutureWarning) for x in w)
    return future, f.init_mode, f.foo()


@case()
def grad_mode_decorating_functions_and_methods(L):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")

        @L.no_grad()
        def foo():
            return L.is_grad_enabled()

        class Foo2:
            @L.no_grad()
            def __init__(self):
                self.mode = L.is_grad_enabled()

            @L.no_grad()
            def foo(self):
                return L.is_grad_enabled()

        r = (foo(), Foo2().mode, Foo2().foo())
    return r, len(w)


@case()
def no_grad_decorator_forms(L):
    x, y = L.leaf(np.ones((2, 2))), L.const(np.ones((2, 2)) * 4)

    def adder(x, y):
        return x + y

    out = []
    for f in (L.no_grad()(adder), L.no_grad(adder)):
        z = f(x, y)
        out += [z.requires_grad, z.grad_fn is None]
    with L.no_grad():
        out.append(L.is_grad_enabled())
    return out


@case()
def enable_grad_decorator_no_paren(L):
    x = L.leaf([1.0])

    @L.enable_grad
    def doubler(x):
        return x * 2

    with L.no_grad():
        z = doubler(x)
    return z.requires_grad


@case()
def set_grad_generator_functions_recursive(L):
    seen = []

    @L.enable_grad()
    def enable_rec(depth):
        seen.append(L.is_grad_enabled())
        if depth > 0:
            no_rec(depth - 1)
            seen.append(L.is_grad_enabled())

    @L.no_grad()
    def no_rec(depth):
        seen.append(L.is_grad_enabled())
        if depth > 0:
            enable_rec(depth - 1)
            seen.append(L.is_grad_enabled())

    def enable_cm(depth):
        with L.enable_grad():
            seen.append(L.is_grad_enabled())
            if depth > 0:
                no_cm(depth - 1)
                seen.append(L.is_grad_enabled())

    def no_cm(depth):
        with L.no_grad():
            seen.append(L.is_grad_enabled())
            if depth > 0:
                enable_cm(depth - 1)
                seen.append(L.is_grad_enabled())

    for outer in (L.enable_grad, L.no_grad):
        with outer():
            seen.append(L.is_grad_enabled())
            enable_rec(6)
            seen.append(L.is_grad_enabled())
            enable_cm(6)
            seen.append(L.is_grad_enabled())
    return seen


@case()
def set_grad_coroutines(L):
    seen = []

    @L.no_grad()
    def coro_no_grad(n=4):
        seen.append(L.is_grad_enabled())
        for i in range(n):
            seen.append(L.is_grad_enabled())
            r = yield i
            seen.append((L.is_grad_enabled(), r == i))
        seen.append(L.is_grad_enabled())

    @L.enable_grad()
    def coro_enable_grad(n=4):
        seen.append(L.is_grad_enabled())
        for i in range(n):
            seen.append(L.is_grad_enabled())
            r = yield i
            seen.append((L.is_grad_enabled(), r == i))
        seen.append(L.is_grad_enabled())

    for outer, coro in ((L.enable_grad, coro_no_grad), (L.no_grad, coro_enable_grad)):
        with outer():
            c, r = coro(), None
            try:
                while True:
                    seen.append(("caller", L.is_grad_enabled()))
                    r = c.send(r)
                    seen.append(("caller", L.is_grad_enabled()))
            except StopIteration:
                pass
    return seen


class _Recoverable(Exception):
    pass


class _Secondary(Exception):
    pass


@case()
def set_grad_coroutines_benign_exceptions(L):
    seen = []

    def make(deco):
        @deco()
        def coro(n=4):
            has_raised = False
            for i in range(n):
                try:
                    seen.append(L.is_grad_enabled())
                    yield (-i if has_raised else i)
                except _Recoverable:
                    seen.append(("caught", L.is_grad_enabled()))
                    has_raised = True
        return coro

    for outer, deco in ((L.enable_grad, L.no_grad), (L.no_grad, L.enable_grad)):
        with outer():
            c = make(deco)()
            seen.append(next(c))
            try:
                while True:
                    seen.append(c.throw(_Recoverable))
            except StopIteration:
                pass
    return seen


@case()
def set_grad_coroutines_critical_exceptions(L):
    seen = []

    def make(deco):
        @deco()
        def coro(n=4):
            for i in range(n):
                try:
                    seen.append(L.is_grad_enabled())
                    yield i
                except _Recoverable:
                    seen.append(("caught", L.is_grad_enabled()))
                    raise _Secondary from None
        return coro

    for outer, deco in ((L.enable_grad, L.no_grad), (L.no_grad, L.enable_grad)):
        with outer():
            c = make(deco)()
            seen.append(next(c))
            try:
                c.throw(_Recoverable)
            except _Secondary:
                seen.append(("secondary", L.is_grad_enabled()))
    return seen


@case()
def set_grad_coroutines_exit(L):
    seen = []

    def make(deco):
        @deco()
        def coro():
            for i in range(10):
                try:
                    seen.append(L.is_grad_enabled())
                    yield i
                except GeneratorExit:
                    seen.append(("exit", L.is_grad_enabled()))
                    raise
        return coro

    for outer, deco in ((L.enable_grad, L.no_grad), (L.no_grad, L.enable_grad)):
        with outer():
            c = make(deco)()
            for _ in range(3):
                next(c)
            c.close()
            seen.append(("after", L.is_grad_enabled()))
    return seen


@case()
def set_grad_enabled_wraps(L):
    out = []
    for decorator in (True, False):
        with L.enable_grad():
            if decorator:
                @L.set_grad_enabled(False)
                def inner(x):
                    return x.sin()
            else:
                def inner(x):
                    return x.sin()

                obj = L.set_grad_enabled(False)
                out.append(L.is_grad_enabled())
                inner = obj(inner)
                out.append(L.is_grad_enabled())
            out.append(L.is_grad_enabled())
            out.append(inner(L.leaf([0.5])).requires_grad)
    return out


# anomaly mode ---------------------------------------------------------------------------------

def _nan_funcs(L):
    class MyFunc(L.Function):
        @staticmethod
        def forward(ctx, inp1, fail_0th):
            ctx.fail_0th = fail_0th
            ctx.save_for_backward(inp1)
            return inp1.sum(0, keepdim=True)

        @staticmethod
        def backward(ctx, gO):
            (inp,) = ctx.saved_tensors
            g = gO.clone().expand(4)
            return MyFunc2.apply(g * inp, g + inp, ctx.fail_0th), None

    class MyFunc2(L.Function):
        @staticmethod
        def forward(ctx, inp1, inp2, fail_0th):
            ctx.fail_0th = fail_0th
            return inp1 * 2.0 + inp2

        @staticmethod
        def backward(ctx, gO):
            g1, g2 = gO.clone(), gO.clone()
            g1[0] = 0
            g2[0] = 0
            if ctx.fail_0th:
                g1[0] /= 0
            else:
                g2[0] /= 0
            return g1, g2, None
    return MyFunc


@case()
def nested_anomaly_no_nan_without_mode(L):
    inp = L.leaf([0.1, 0.2, 0.3, 0.4])
    out = _nan_funcs(L).apply(inp, True)
    (ginp,) = L.grad(out, (inp,), create_graph=True)
    ginp.sum().backward()
    return ginp, np.isnan(_host(inp.grad)).tolist()


@case(match="nan|non-finite")
def nested_anomaly_detect_nan_0th(L):
    inp = L.leaf([0.1, 0.2, 0.3, 0.4])
    out = _nan_funcs(L).apply(inp, True)
    (ginp,) = L.grad(out, (inp,), create_graph=True)
    with L.detect_anomaly():
        ginp.sum().backward()


@case(match="nan|non-finite")
def nested_anomaly_detect_nan_1th(L):
    inp = L.leaf([0.1, 0.2, 0.3, 0.4])
    with L.detect_anomaly():
        out = _nan_funcs(L).apply(inp, False)
        (ginp,) = L.grad(out, (inp,), create_graph=True)
        ginp.sum().backward()


@case(match="modified by an inplace|in place|in-place")
def anomaly_grad_warnings(L):
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with L.detect_anomaly():
            a = L.leaf(X)
            d1 = a + 1
            d2 = d1 ** 2
            d1 += 1
            L.grad(d2.sum(), a)


@case()
def set_detect_anomaly_switch(L):
    from gpuad.autograd import is_anomaly_enabled as g_on
    on = torch.is_anomaly_enabled if L.name == "torch" else g_on
    out = [on()]
    with L.set_detect_anomaly(True):
        out.append(on())
        with L.set_detect_anomaly(False):
            out.append(on())
        out.append(on())
    out.append(on())
    return out


# views and in-place writes --------------------------------------------------------------------

@case()
def inplace_values(L):
    # test_inplace
    x, y = L.leaf(np.ones((2, 2))), L.leaf(np.ones((2, 2)) * 4)
    z = x * y
    q = z + y
    z.add_(2)
    q.backward(L.const(np.ones((2, 2))), retain_graph=True)
    out = [x.grad * 1, y.grad * 1]
    with L.no_grad():
        x.grad.zero_()
    m = x / 2
    z = m + y / 8
    r = z + y
    prev = z._version
    w = z.exp_()
    out.append(z._version != prev)
    r.backward(L.const(np.ones((2, 2))), retain_graph=True)
    out.append(x.grad * 1)
    w.backward(L.const(np.ones((2, 2))), retain_graph=True)
    out.append(x.grad * 1)
    leaf = L.leaf(np.ones((2, 2)))
    x2 = leaf.clone()
    x2.add_(10)
    (x2 + 2).backward(L.const(np.ones((2, 2))))
    out += [x2 * 1, leaf.grad]
    return out


@case(match="modified by an inplace|in place|in-place")
def inplace_mul_saved_input_raises(L):
    x, y = L.leaf(np.ones((2, 2))), L.leaf(np.ones((2, 2)) * 4)
    z = x * y
    w = z * y
    z.add_(2)
    w.backward(L.const(np.ones((2, 2))))


@case(match="modified by an inplace|in place|in-place")
def inplace_exp_saved_output_raises(L):
    x, y = L.leaf(np.ones((2, 2))), L.leaf(np.ones((2, 2)) * 4)
    z = x / 2 + y / 8
    q = z * y
    z.exp_()
    q.backward(L.const(np.ones((2, 2))))


@case()
def inplace_on_view_weak_grad_fn(L):
    a = L.leaf(np.arange(10.0))
    b = a.narrow(0, 0, 2).clone().view(-1)
    b.relu_()
    c = b.clone()
    del b
    s = c.sum()
    s.backward()
    return s, a.grad


@case(match="view.*leaf|leaf.*view|in-place|inplace")
def inplace_on_view_of_leaf_relu(L):
    a = L.leaf(X).narrow(0, 0, 3)
    a.relu_()


@case()
def autograd_views_codegen(L):
    out = []
    for grad_mode, rg in ((True, False), (True, True), (False, True), (False, False)):
        inp = L.leaf([0.5, 1.5], rg=rg).clone()
        with L.set_grad_enabled(grad_mode):
            o = inp.view_as(inp)
        try:
            o.add_(1)
            out.append("ok")
        except Exception:  # noqa: BLE001
            out.append("raised")
        inp = L.leaf([0.5, 1.5], rg=rg).clone()
        with L.set_grad_enabled(grad_mode):
            o = inp.unbind()
        for k in range(2):
            try:
                o[k].add_(1)
                out.append("ok")
            except Exception:  # noqa: BLE001
                out.append("raised")
    return out


@case(match="no_grad|view")
def autograd_inplace_view_of_view(L):
    x = L.const(np.zeros(2))
    with L.no_grad():
        y = x.view(2)
    y.requires_grad_(True)
    z = y.view(2)
    z /= 2
    z.sum().backward()
    return y.grad


@case()
def first_grad_fn_access_in_no_grad_mode(L):
    a = L.leaf([1 + 1j]).clone()
    v = a.real
    a.add_(1)
    with L.no_grad():
        v.grad_fn  # noqa: B018
    return v * 1


@case()
def inplace_on_view_backprop_base(L):
    root = L.leaf(S)
    x = root.clone()
    x.narrow(0, 0, 1).mul_(2)
    x.sum().backward()
    return root.grad


@case()
def inplace_on_view_backprop_view_of_view(L):
    root = L.leaf(S)
    x = root.clone()
    v1 = x.narrow(0, 0, 1)
    v2 = x.narrow(0, 0, 1)
    v1.mul_(2)
    v2.sum().backward()
    return root.grad


@case()
def inplace_on_view_of_view(L):
    root = L.leaf(S)
    x = root.clone()
    v1 = x.narrow(0, 0, 1)
    v2 = v1.narrow(1, 1, 1)
    v2.mul_(2)
    x.sum().backward()
    return root.grad


@case()
def inplace_on_view_then_no_grad(L):
    a = L.leaf(np.ones((3, 1)))
    b = a * 2
    c = b.view_as(b)
    c[0][0] = 3
    with L.no_grad():
        c.grad_fn  # noqa: B018
    c.sum().backward()
    return a.grad


def _np_view_gradcheck(root, b):
    x = root.copy()
    x[1:3, 2:4] *= b
    x[1:3, 0:2] *= b
    return x


@case()
def inplace_on_view_gradcheck(L):
    a, b = L.leaf(RNG_A44), L.leaf(S)

    def func(root, b):
        x = root.clone()
        x.narrow(1, 2, 2).narrow(0, 1, 2).mul_(b)
        x.narrow(1, 0, 2).narrow(0, 1, 2).mul_(b)
        return x

    go = L.const(RNG_A44 * 0.5)
    out = func(a, b)
    out.backward(go)
    return L.gradcheck(func, [a, b]), L.gradgradcheck(func, (a, b), (go,)), a.grad, b.grad


RNG_A44 = RNG.standard_normal((4, 4))


@case(match="multiple views|view")
def inplace_on_view_multiple_outputs(L):
    root = L.leaf(np.arange(9.0).reshape(3, 3))
    x = root.clone()
    v1 = x.unbind()
    v1[0].mul_(2)
    (x * x).sum().backward()
    return root.grad


@case(match="multiple views|view")
def inplace_on_view_of_multiple_output_view(L):
    a0 = L.leaf(np.arange(4.0))
    a = a0.clone()
    b = a.unbind(0)
    c = b[1].view_as(b[1])
    c.mul_(2)
    (a * a).sum().backward()
    return a0.grad


@case(match="multiple views|view")
def inplace_multiple_output_view_of_view(L):
    a0 = L.leaf(np.arange(4.0))
    a = a0.clone()
    b = a.view_as(a)
    c = b.unbind(0)
    c[1].mul_(2)
    (a * a).sum().backward()
    return a0.grad


@case()
def inplace_on_view_makes_base_require_grad(L):
    a, b = L.const(RNG_A44), L.leaf(RNG_A44[:, :2] + 1)

    def func(root, b):
        x = root.clone()
        r0 = x.requires_grad
        x.narrow(1, 2, 2).mul_(b)
        return x, r0, x.requires_grad

    x, r0, r1 = func(a, b)
    x.backward(L.const(RNG_A44))
    return r0, r1, b.grad, L.gradcheck(lambda r, bb: func(r, bb)[0], [a, b])


@case()
def inplace_on_view_backprop_view(L):
    a, b = L.const([2.0, 5.0]), L.leaf([3.0])
    res = a.narrow(0, 1, 1).mul_(b)
    res.sum().backward()
    return b.grad, a.grad is None, a * 1


@case()
def inplace_on_view_modify_base(L):
    r = L.leaf([1.0])
    seen = []

    def fn(r):
        x = L.const(np.ones(5))
        v = x.select(0, 1)
        seen.append((v.requires_grad, v.grad_fn is None))
        x.add_(r)
        seen.append(v.requires_grad)
        return v

    return L.gradcheck(fn, [r]), L.gradgradcheck(fn, [r]), seen


@case()
def inplace_on_view_python(L):
    a, b = L.leaf(RNG_A44), L.leaf(S)

    class PyAdd(L.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.mark_dirty(x)
            x.add_(y)
            return x

        @staticmethod
        def backward(ctx, g):
            return g, g

    def func(root, b):
        x = root.clone()
        PyAdd.apply(x.narrow(1, 2, 2).narrow(0, 1, 2), b)
        PyAdd.apply(x.narrow(1, 0, 2).narrow(0, 1, 2), b)
        return x

    go = L.const(RNG_A44 - 1)
    func(a, b).backward(go)
    return L.gradcheck(func, [a, b]), L.gradgradcheck(func, (a, b), (go,)), a.grad, b.grad


@case()
def inplace_on_view_non_contig(L):
    root = L.const(np.ones((2, 3, 2))).select(2, 1).t().requires_grad_(True)
    x = root.clone()
    v1 = x.narrow(0, 0, 1)
    v2 = v1.narrow(1, 1, 1)
    v2.mul_(2)
    x.sum().backward()
    return root.grad


@case()
def inplace_on_view_multi_output_unsafe(L):
    out = []
    for f in (lambda t: t.unsafe_split(1), lambda t: t.unsafe_chunk(3)):
        a = L.leaf(RNG_A44[:3, :3])
        b = a + a
        s1, s2, s3 = f(b)
        s1.mul_(s2)
        s1.sum().backward()
        out.append(a.grad)
    return out


@case(match="multiple views|view")
def inplace_on_view_multi_output_safe(L):
    a = L.leaf(RNG_A44[:3, :3])
    b = a + a
    s1, s2, s3 = b.split(1)
    s1.mul_(s2)
    b.sum().backward()
    return a.grad


@case()
def inplace_on_view_undefined_grad_output(L):
    a = L.leaf([1.0])
    c = a.clone()
    v = c[:]
    b = L.leaf(1.0)

    class InplaceFunc(L.Function):
        @staticmethod
        def forward(ctx, x, other):
            ctx.mark_dirty(x)
            return x.mul_(2)

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    out = InplaceFunc.apply(v, b)
    out.backward()
    return b.grad is None, a.grad


@case()
def mv_grad_stride_0(L):
    mat = L.const(S)
    vec = L.leaf([0.5])

    def fn(vec):
        return (mat @ vec.expand(2)).sum()

    return L.gradcheck(fn, (vec,)), L.gradgradcheck(fn, (vec,))


@case()
def copy_r_to_c(L):
    out_c = L.const(np.zeros((3, 2), complex))
    inp_r = L.leaf(A[:, :2])
    out_c.copy_(inp_r)
    s = out_c.sum()
    s.abs().backward()
    return inp_r.grad


@case()
def to_r_to_c(L):
    inp_r = L.leaf(A[:, :2])
    out = inp_r.to(L.complex128)
    s = out.sum()
    s.abs().backward()
    return inp_r.grad


@case()
def non_differentiable_ops(L):
    x = L.leaf([[1.0, 2.0], [3.0, 4.0]])
    if L.name == "torch":
        a = torch.isin(x, torch.tensor([2.0, 3.0]))
    else:
        a = gnp.isin(x, ad.tensor([2.0, 3.0]))
    b = x.signbit()
    return getattr(a, "requires_grad", False), getattr(b, "requires_grad", False)


@case(match="real scalar|complex|real")
def complex_scalar_backward(L):
    a = L.leaf(np.zeros(1))
    b = a * 0.5j
    b.backward()


@case(match="real scalar|complex|real")
def complex_scalar_grad(L):
    a = L.leaf(np.zeros(1))
    L.grad(a * 0.5j, a)


@case()
def pow_real_negative_base_complex_exponent(L):
    base = L.const(-np.ones(2))
    e = L.leaf(np.array([0.3 + 0.2j, -0.5 + 0.1j]))
    return (L.gradcheck(lambda e: base ** e, (e,)), L.gradcheck(lambda e: (-1) ** e, (e,)))


@case()
def min_max_median_backprops_to_all_values(L):
    out = []
    for name in ("min", "max", "median", "nanmedian"):
        for vals in ([1.0, 0.0, 1.0, 0.0, 1.0, 0.0], [np.nan, np.nan, np.nan]):
            x = L.leaf(vals)
            getattr(x, name)().backward()
            out.append(x.grad)
    return out


@case()
def where_functional(L):
    cond = L.const(np.array([[1, 0], [0, 1]], bool))
    x, y = L.leaf(S), L.leaf(T)
    x3, y3 = L.leaf(A[:2, :1].reshape(2, 1, 1) + S[None]), L.leaf(B[:2, :1].reshape(2, 1, 1))

    def w(c, a, b):
        return L.where(c, a, b)

    return (L.gradcheck(w, [cond, x, y]), L.gradgradcheck(w, [cond, x, y]),
            L.gradcheck(w, [cond, x3, y3]), L.gradgradcheck(w, [cond, x3, y3]))


@case()
def where_scalar(L):
    cond = L.const(np.array([[1, 0], [0, 1]], bool))
    x = L.leaf(S)
    return (L.gradcheck(lambda c, a: L.where(c, 4.0, a), (cond, x)),
            L.gradcheck(lambda c, a: L.where(c, a, 4.0), (cond, x)),
            L.gradgradcheck(lambda c, a: L.where(c, 4.0, a), (cond, x)))


@case()
def set_requires_grad_only_for_floats(L):
    out = []
    for dt in (np.float32, np.float64, np.int8, np.int32, np.int64):
        a = L.const(np.ones(1, dt))
        a.requires_grad = False
        a.requires_grad_(False)
        for how in ("method", "attr", "ctor"):
            try:
                if how == "method":
                    L.const(np.ones(1, dt)).requires_grad_()
                elif how == "attr":
                    L.const(np.ones(1, dt)).requires_grad = True
                else:
                    L.leaf(np.ones(1, dt))
                out.append("ok")
            except Exception:  # noqa: BLE001
                out.append("raised")
    return out


@case(match="Tensor|None")
def grad_assignment_type(L):
    x = L.leaf(S)
    x.grad = 0
    (x * 2).sum().backward()


@case(match="shape|size")
def grad_assignment_shape(L):
    x = L.leaf(S)
    x.grad = L.const(np.ones((3, 3)))
    (x * 2).sum().backward()


@case(match="dtype|type")
def grad_assignment_dtype(L):
    x = L.leaf(S)
    x.grad = L.const(np.ones((2, 2), np.int64))
    (x * 2).sum().backward()


@case(match="itself|own grad")
def grad_assignment_self(L):
    x = L.leaf(S)
    x.grad = x
    (x * 2).sum().backward()


@case()
def resize_version_bump(L):
    x = L.const([0.5])
    x.resize_((1, 2))
    v1 = x._version
    x.resize_as_(L.const(np.ones(3)))
    v2 = x._version
    x.resize_((3,))
    v3 = x._version
    return v1, v2, v3


@case()
def set_data_preserve_pyobj(L):
    a, b = L.const(S), L.const(T)
    bid = id(b)
    b.data = a
    return id(b) == bid, b * 1


@case(match="floating|complex|dtype")
def set_data_self_requires_grad(L):
    a = L.leaf(1.0)
    a.data = L.const(2.0)
    a.data = L.const(np.array(3, np.int64))


@case()
def increment_version(L):
    a = L.leaf(X)
    v = a._version
    L.graph.increment_version(a)
    return a._version - v


@case()
def strided_leaf_grad_layout(L):
    a = L.leaf(A)
    a.sum().backward()
    c = L.leaf(A.T)
    (c * L.const(B.T)).sum().backward()
    return a.grad, c.grad


@case()
def atan2_zero_gradient(L):
    # TestAutogradMultipleDispatch.test_atan2_zero_gradient
    x, y = L.leaf([0.0]), L.leaf([0.0])
    z = x.atan2(y) if L.name == "torch" else gnp.arctan2(x, y)
    z.backward()
    return x.grad, y.grad


@case()
def trace_backward_nonsquare(L):
    out = []
    for shape in [(5, 2), (7, 3), (4, 1), (1, 5), (2, 5)]:
        x = L.leaf(np.arange(float(np.prod(shape))).reshape(shape))
        x.trace().backward()
        out.append(x.grad)
    return out


# checkpoint -----------------------------------------------------------------------------------

@case()
def checkpointing_without_reentrant_correct_grad(L):
    a = L.leaf(S)
    b = a.exp().sum()
    b.backward()
    g0 = a.grad
    a.grad = None
    L.checkpoint(lambda t: t.exp(), a).sum().backward()
    g1 = a.grad
    (g2,) = L.grad(L.checkpoint(lambda t: t.exp(), a).sum(), (a,))
    return g0, g1, g2


@case()
def checkpointing_without_reentrant_parameter_used_in_an_out(L):
    w, x = L.leaf(S), L.leaf(T)
    count = [0]

    def hook(g):
        count[0] += 1

    w.register_hook(hook)
    h = w * x
    out = L.checkpoint(lambda t: w * t, h)
    out.sum().backward()
    return count[0], w.grad, x.grad


@case()
def checkpointing_without_reentrant_arbitrary_input_output(L):
    w = L.leaf(A[:, :3])

    def model(d):
        return {"result": d["tensor"] @ w}

    inp = {"tensor": L.const(B[:, :3])}
    o1 = model(inp)["result"].sum()
    (g1,) = L.grad(o1, w)
    o2 = L.checkpoint(model, inp)["result"].sum()
    (g2,) = L.grad(o2, w)
    return o1, o2, g1, g2


@case()
def checkpointing_without_reentrant_saved_object_identity(L):
    seen = []

    class Test(L.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(y)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            seen.append(y)
            return g, None

    a, b = L.leaf(1.0), L.const(1.0)
    Test.apply(a, b).backward()
    L.checkpoint(Test.apply, a, b).backward()
    return [s is b for s in seen], a.grad


@case()
def checkpointing_without_reentrant_detached_tensor(L):
    w1, w2 = L.leaf(S), L.leaf(T)

    def block(x):
        with L.no_grad():
            return (x @ w1) @ w2

    a = L.leaf(S * 0.5)
    out = []
    for _ in range(3):
        o = L.checkpoint(block, a)
        o = o + a
        o.sum().backward()
        out.append(a.grad * 1)
    return out, w1.grad is None


@case()
def checkpoint_non_tensor_inputs_and_outputs(L):
    # TestNestedCheckpoint.test_nested_checkpoint_non_tensor_inputs_and_outputs, one level
    def fn(k, a, b, f):
        return f(k * a * b.exp()), 1, "abcd"

    a, b = L.leaf(2.0), L.leaf(3.0)
    out, one, s = L.checkpoint(fn, 3, a, b, lambda x: x.sin())
    got = L.grad(out, (a, b))
    out2, _, _ = fn(3, a, b, lambda x: x.sin())
    want = L.grad(out2, (a, b))
    return one, s, got, want


@case()
def checkpoint_kwargs(L):
    def fn(a, blah=None):
        out = a.sin().exp()
        if blah is not None:
            out = out * blah
        return out.sin().exp()

    a, b = L.leaf(2.0), L.leaf(3.0)
    got = L.grad(L.checkpoint(fn, a, blah=b), (a, b))
    want = L.grad(fn(a, blah=b), (a, b))
    return got, want


@case()
def nested_checkpoint_grad_of_grad(L):
    # TestNestedCheckpoint.test_nested_checkpoint: checkpoints inside and around grad
    def f(x):
        return x.sin().exp().sin()

    def grad(fn):
        def wrapper(x):
            with L.enable_grad():
                out = fn(x)
                (g,) = L.grad(out, inputs=(x,), create_graph=True)
            return g
        return wrapper

    def c(fn):
        def wrapped(*a):
            return L.checkpoint(fn, *a)
        return wrapped

    x = L.leaf(0.7)
    return (f(x), c(f)(x), c(c(f))(x), grad(f)(x), grad(c(f))(x), grad(grad(f))(x),
            grad(c(grad(f)))(x), c(grad(grad(c(f))))(x))


# gradcheck ------------------------------------------------------------------------------------

@case()
def gradcheck_single_input(L):
    x = L.leaf(X)
    return (L.gradcheck(lambda t: t.mul(5), x, fast_mode=True),
            L.gradcheck(lambda t: t.mul(5), x, fast_mode=False),
            L.gradgradcheck(lambda t: t.mul(5), x, fast_mode=True))


def _nondet(L):
    class NonDetFunc(L.Function):
        @staticmethod
        def forward(ctx, x, jitter=0.0):
            ctx._jitter = jitter
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return (NonDetFunc.apply(g, ctx._jitter)
                    * (1 + L.const(np.array(_JITTER.pop())) * ctx._jitter), None)
    return NonDetFunc


_JITTER: list = []


@case()
def gradcheck_nondeterministic_ok(L):
    inp = L.leaf(S)
    _JITTER[:] = list(RNG.random(200))
    f = _nondet(L)
    return (L.gradcheck(lambda x: f.apply(x, 0.0), inp, check_batched_grad=False),
            L.gradcheck(lambda x: f.apply(x, 1e-6), inp, nondet_tol=1e-5,
                        check_batched_grad=False))


@case(match="reentrant|nondet")
def gradcheck_nondeterministic_raises(L):
    inp = L.leaf(S)
    _JITTER[:] = list(RNG.random(200))
    L.gradcheck(lambda x: _nondet(L).apply(x, 1e-6), inp, check_batched_grad=False)


@case(match="at least one input tensor to require gradient")
def gradcheck_validates_inputs_none_require_grad(L):
    L.gradcheck(lambda x: x, (L.const(X),), raise_exception=False)


@case()
def gradcheck_validates_inputs_float32_warns(L):
    x = L.leaf(np.ones(1, np.float32))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ok = L.gradcheck(lambda x: x, (x,), atol=1e-1)
    return ok, any("not a double precision" in str(m.message) for m in w)


@case(match="stride 0|overlapping|expanded")
def gradcheck_validates_inputs_stride_0(L):
    x = L.leaf(np.ones(1)).expand((2, 2))
    L.gradcheck(lambda x: x, (x,), raise_exception=False)


@case(match="Numerical gradient for function expected to be zero|zero")
def gradcheck_check_no_differentiable_outputs(L):
    x = L.leaf(np.ones(1))
    L.gradcheck(lambda x: L.const(_host(x).copy()), x)


@case()
def gradcheck_check_no_differentiable_outputs_quiet(L):
    x = L.leaf(np.ones(1))
    return (L.gradcheck(lambda x: L.const(_host(x).copy()), x, raise_exception=False),
            L.gradcheck(lambda x: (), (x,)))


def _hooked_clone(x):
    y = x.clone()
    y.register_hook(lambda g: g + 1e-2)
    return y


@case(match="backward not multiplied by grad_output|mismatch")
def gradcheck_backward_mul_by_grad_output(L):
    L.gradcheck(_hooked_clone, (L.leaf(np.ones(1)),), atol=1e-1)


@case()
def gradcheck_backward_mul_by_grad_output_quiet(L):
    return L.gradcheck(_hooked_clone, (L.leaf(np.ones(1)),), atol=1e-1, raise_exception=False)


@case(match="undefined|None")
def gradcheck_undefined_grad(L):
    def fn(x):
        def hook(g):
            if g is None:
                raise RuntimeError("x is undefined")

        y = x.clone()
        y.register_hook(hook)
        return y

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        L.gradcheck(fn, (L.leaf(np.ones(1)),))


@case(match="Jacobian mismatch for output 0 with respect to input 0")
def gradcheck_jacobian_mismatch(L):
    L.gradcheck(_hooked_clone, (L.leaf(np.ones((2, 2))),))


@case(match="imaginary part|Jacobian mismatch")
def gradcheck_jacobian_mismatch_complex(L):
    L.gradcheck(_hooked_clone, (L.leaf(np.ones((2, 2), complex)),), fast_mode=False)


@case()
def gradcheck_jacobian_mismatch_quiet(L):
    return (L.gradcheck(_hooked_clone, (L.leaf(np.ones((2, 2))),), raise_exception=False),
            L.gradcheck(_hooked_clone, (L.leaf(np.ones((2, 2), complex)),), fast_mode=False,
                        raise_exception=False))


@case(match="same shape|shape")
def gradcheck_output_shape_depends_on_values(L):
    def fn(x):
        if bool((x >= 1).all()):
            return L.cat([x, x])
        return x

    L.gradcheck(fn, (L.leaf(np.ones(1)),))


@case(match="same dtype|dtype")
def gradcheck_output_dtype_depends_on_values(L):
    def fn(x):
        if bool((x >= 1).all()):
            return x.to(L.float32)
        return x

    L.gradcheck(fn, (L.leaf(np.ones(1)),))


@case()
def gradcheck_complex_non_complex_outputs(L):
    def fn(x, y):
        return x + 1j * y, x + 1

    def fn2(z):
        return z, z.real

    a, b = L.leaf(np.ones((2, 2))), L.leaf(np.ones((2, 2)))
    c = L.leaf(np.ones((2, 2), complex))
    return L.gradcheck(fn, (a, b)), L.gradcheck(fn2, (c,))


@case()
def gradcheck_adjusted_atol_complex_inputs(L):
    z = L.leaf(np.array([0.004 + 0.007j, 0.002 + 0.001j]))

    def f(z):
        return 1.0 / (z.abs() ** 2).sum().sqrt()

    return (L.gradcheck(f, (z,), fast_mode=True, atol=8.3e-6, rtol=1e-9),
            L.gradcheck(f, (z,), fast_mode=False, atol=8.3e-6, rtol=1e-9))


@case()
def gradcheck_custom_error(L):
    x = L.leaf(np.ones((2, 2)))
    try:
        L.gradcheck(_hooked_clone, (x,))
        kind = None
    except L.GradcheckError as e:
        kind = ("GradcheckError", isinstance(e, RuntimeError),
                "Jacobian mismatch for output 0 with respect to input 0" in str(e))

    def fn2(x):
        raise RuntimeError("Not a GradcheckError!")

    try:
        L.gradcheck(fn2, (x,), raise_exception=False)
        other = None
    except RuntimeError as e:
        other = str(e)
    return kind, other


def _bad_fn(L):
    def bad_fn(x, y):
        if L.fwAD._current_level >= 0 if L.name == "torch" else bool(ad._state.jvp_levels):
            yp, yd = L.fwAD.unpack_dual(y)
            if yd is not None:
                y = L.fwAD.make_dual(yp, yd * 1.1)
        return x + y, y
    return bad_fn


@case()
def gradcheck_forward_ad(L):
    out = []
    for fast in (True, False):
        x, y = L.leaf(X), L.leaf(X[::-1].copy())
        out.append(L.gradcheck(lambda a, b: (a + b, b), (x, y), check_forward_ad=True,
                               fast_mode=fast))
        xc = L.leaf(X + 0.5j)
        out.append(L.gradcheck(lambda a, b: (a + b, b), (xc, y), check_forward_ad=True,
                               fast_mode=fast))
    return out


@case(match="forward mode mismatch for output 0 with respect to input 1")
def gradcheck_forward_ad_bad(L):
    x, y = L.leaf(X), L.leaf(X[::-1].copy())
    L.gradcheck(_bad_fn(L), (x, y), check_forward_ad=True)


@case()
def gradcheck_forward_ad_runs_with_no_requires_grad(L):
    seen = []

    class UserFn(L.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen.append((x.requires_grad, y.requires_grad))
            return x.clone(), y.clone()

        @staticmethod
        def jvp(ctx, x_t, y_t):
            return x_t, y_t

    x, y = L.leaf(X), L.leaf(X + 1)
    ok = L.gradcheck(UserFn.apply, (x, y), check_forward_ad=True, check_undefined_grad=False,
                     check_backward_ad=False, check_batched_grad=False,
                     check_batched_forward_grad=False)
    return ok, seen[-1]


@case()
def gradcheck_check_forward_or_backward_only(L):
    class UserFn(L.Function):
        @staticmethod
        def forward(ctx, foo, fwd_bad, bwd_bad):
            ctx.fwd_bad, ctx.bwd_bad = fwd_bad, bwd_bad
            return foo * 2

        @staticmethod
        def vjp(ctx, g):
            if ctx.bwd_bad:
                raise RuntimeError("FAIL BWD")
            return 2 * g, None, None

        @staticmethod
        def jvp(ctx, gI, _1, _2):
            if ctx.fwd_bad:
                raise RuntimeError("FAIL FWD")
            return 2 * gI

    out = []
    for fwd in (True, False):
        for bwd in (True, False):
            for fb in (True, False):
                for bb in (True, False):
                    x = L.leaf(X)
                    try:
                        L.gradcheck(UserFn.apply, (x, fb, bb), check_forward_ad=fwd,
                                    check_backward_ad=bwd, check_undefined_grad=bwd,
                                    check_batched_grad=False, fast_mode=True)
                        out.append("ok")
                    except Exception as e:  # noqa: BLE001
                        m = str(e)
                        out.append("FAIL BWD" if "FAIL BWD" in m else "FAIL FWD"
                                   if "FAIL FWD" in m else "at least one" if
                                   "at least one" in m else "other")
    return out


@case()
def gradcheck_forward_ad_batched_grad(L):
    x = L.leaf(X)
    kw = dict(check_forward_ad=True, check_backward_ad=False, check_batched_grad=False,
              check_undefined_grad=False, check_batched_forward_grad=True)
    return (L.gradcheck(lambda a, b: (a.clone(), a + 1), (x, 1), **kw),
            L.gradcheck(lambda a, c: a.clone(), (x, x.clone()), **kw))


@case()
def custom_function_forward_mode_inplace_checks_ok(L):
    class InplaceFn(L.Function):
        @staticmethod
        def forward(ctx, foo, flag):
            ctx.mark_dirty(foo)
            ctx.flag = flag
            foo.mul_(2)
            return foo

        @staticmethod
        def vjp(ctx, g):
            return 2 * g, None

        @staticmethod
        def jvp(ctx, gI, _):
            gI.mul_(2)
            return gI

    inp = L.leaf(RNG_A44)
    return L.gradcheck(lambda t, f: InplaceFn.apply(t.clone(), f), (inp, False),
                       check_forward_ad=True)


# forward mode ---------------------------------------------------------------------------------

@case(match="size|shape")
def fw_size_check(L):
    with L.fwAD.dual_level():
        L.fwAD.make_dual(L.const(X[:2]), L.const(X))


@case()
def fw_size_check_slice(L):
    with L.fwAD.dual_level():
        d = L.fwAD.make_dual(L.const(X[:2]), L.const(X)[1:])
        return L.fwAD.unpack_dual(d).tangent * 1


@case()
def fw_default_level(L):
    foo, bar = L.const(X), L.const(X + 1)
    with L.fwAD.dual_level():
        baz = L.fwAD.make_dual(foo, bar)
        p, t = L.fwAD.unpack_dual(baz)
        inside = (p * 1, t is bar)
    p2, t2 = L.fwAD.unpack_dual(baz)
    return inside, p2 * 1, t2 is None


@case(match="[Nn]ested")
def fw_nested_level(L):
    with L.fwAD.dual_level() as level:
        first = level
    with L.fwAD.dual_level():
        L.fwAD.enter_dual_level()
    return first


@case(match="forward gradient at the same level|same level|tangent")
def fw_set_fw_grad_having_own_fw_grad_at_same_level(L):
    with L.fwAD.dual_level():
        dual = L.fwAD.make_dual(L.const(X), L.const(X))
        L.fwAD.make_dual(L.const(X), dual)


@case(match="tangent to be floating point or complex|floating")
def fw_make_dual_forbid_integral_tangent(L):
    with L.fwAD.dual_level():
        L.fwAD.make_dual(L.const(np.ones(2)), L.const(np.ones(2, np.int64)))


@case(match="primal to be floating point or complex|floating")
def fw_make_dual_forbid_integral_primal(L):
    with L.fwAD.dual_level():
        L.fwAD.make_dual(L.const(np.ones(2, np.int64)), L.const(np.ones(2)))


@case()
def fw_basic_packing_unpacking(L):
    foo, bar = L.const(X), L.const(X + 1)
    with L.fwAD.dual_level():
        baz = L.fwAD.make_dual(foo, bar)
        p, t = L.fwAD.unpack_dual(baz)
        u = L.fwAD.unpack_dual(baz)
        fp, ft = L.fwAD.unpack_dual(foo)
        return p * 1, t is bar, p is not u.primal, u.tangent is bar, fp * 1, ft is None


@case()
def fw_advanced_packing_unpacking(L):
    foo, bar = L.const(X), L.const(np.ones(3))
    out = []
    with L.fwAD.dual_level():
        foo.requires_grad_()
        bar.requires_grad_()
        dual = L.fwAD.make_dual(foo, bar)
        p, t = L.fwAD.unpack_dual(dual)
        gfoo, gbar = L.grad(p.sum(), (foo, bar), retain_graph=True, allow_unused=True)
        out += [gfoo, gbar is None]
        gfoo, gbar = L.grad(t.sum(), (foo, bar), retain_graph=True, allow_unused=True)
        out += [gfoo is None, gbar]
        det = dual.detach() * 2
        p, t = L.fwAD.unpack_dual(det)
        out += [p.requires_grad, p * 1, t is None]
        with L.no_grad():
            o = dual * 3
        p, t = L.fwAD.unpack_dual(o)
        out += [p.requires_grad, t.requires_grad, p * 1, t * 1]
        d2 = dual.clone()
        d2.detach_()
        p, t = L.fwAD.unpack_dual(d2 * 2)
        out += [p.requires_grad, t is None]
    return out


@case()
def fw_view_inplace_differentiable_views(L):
    foo, bar = L.const(X), L.const(np.ones(3))
    with L.fwAD.dual_level():
        dual = L.fwAD.make_dual(foo, bar)
        view = dual.narrow(0, 0, 1)
        view *= 2
        out = [L.fwAD.unpack_dual(dual)[1] * 1, L.fwAD.unpack_dual(view)[1] * 1]
        baz = L.const(X * 0 + 0.5)
        baz += dual
        out.append(L.fwAD.unpack_dual(baz)[1] * 1)
        baz = L.const(X * 0 + 0.5)
        baz[0] = dual[0]
        out.append(L.fwAD.unpack_dual(baz)[1] * 1)
        baz = L.const(X * 0 + 0.5)
        v = baz.detach()
        v += dual
        out.append(L.fwAD.unpack_dual(baz)[1] is None)
    return out


@case()
def fw_view_inplace_always_creates_a_view(L):
    out = []
    for op in (lambda x, y: x.add_(y), lambda x, y: x.mul_(y), lambda x, y: x.copy_(y)):
        base = L.const(S)
        view = base.swapaxes(0, 1)
        with L.fwAD.dual_level():
            dual = L.fwAD.make_dual(L.const(T), L.const(S - T))
            op(view, dual)
            p, t = L.fwAD.unpack_dual(base)
            pc, tc = p.clone(), t.clone()
            view *= 2
            p, t = L.fwAD.unpack_dual(base)
            out += [p * 1, pc * 2, t * 1, tc * 2]
    return out


@case()
def fw_grad_cleanup(L):
    foo, bar, baz = L.const(X), L.const(X + 1), L.const(X - 1)
    with L.fwAD.dual_level():
        dual = L.fwAD.make_dual(foo, bar)
        a = (L.fwAD.unpack_dual(foo)[1] is None, L.fwAD.unpack_dual(dual)[1] is bar)
    b = L.fwAD.unpack_dual(dual)[1] is None
    with L.fwAD.dual_level():
        new = L.fwAD.make_dual(foo, baz)
        dp, dt = L.fwAD.unpack_dual(dual)
        nt = L.fwAD.unpack_dual(new)[1]
        c = (dt is None, nt * 1, dp * 1)
    return a, b, c


@case()
def fw_non_differentiable(L):
    with L.fwAD.dual_level():
        foo = L.fwAD.make_dual(L.const(X), L.const(X + 1))
        bar = L.const(X)
        eq = foo == bar
        foo.eq_(bar)
        return eq * 1, foo * 1


@case()
def fw_copy_forward_ad_broadcasting(L):
    with L.fwAD.dual_level():
        dual = L.fwAD.make_dual(L.const(S), L.const(T))
        non_dual = L.const(np.zeros((1, 2, 2)))
        non_dual.copy_(dual)
        return L.fwAD.unpack_dual(non_dual).tangent * 1


@case()
def fw_copy_forward_ad_same_layout_copies_grad(L):
    with L.fwAD.dual_level():
        t = L.const([[5.0], [6.0]])
        x = L.fwAD.make_dual(L.const([[3.0], [4.0]]), t)
        nd = L.const([[1.0], [2.0]])
        nd.copy_(x)
        tt = L.fwAD.unpack_dual(nd).tangent
        return tt is not t, tt * 1


@case()
def fw_print(L):
    with L.fwAD.dual_level():
        a = L.const(X)
        s0 = "tangent=" in str(a)
        b = L.fwAD.make_dual(a, L.const(X))
        return s0, "tangent=" in str(b)


# autograd.functional --------------------------------------------------------------------------

def _narrow3(a):
    return 3 * a.narrow(0, 0, 3)


def _narrow3_str(a):
    return 3 * a.narrow(0, 0, 3), "bar"


def _in4(L):
    return L.const([0.1, 0.2, 0.3, 0.4])


@case(match="inputs given to vjp must be either a Tensor|Tensor")
def functional_vjp_err_inputs(L):
    L.F.vjp(_narrow3, (_in4(L), 2), L.const(np.ones(3)))


@case(match="outputs of the user-provided function given to vjp must|Tensor")
def functional_vjp_err_outputs(L):
    L.F.vjp(_narrow3_str, _in4(L), L.const(np.ones(3)))


@case(match="v can only be None")
def functional_vjp_err_v_none(L):
    L.F.vjp(_narrow3, _in4(L))


@case(match="single Tensor|one")
def functional_vjp_err_v_two(L):
    L.F.vjp(_narrow3, _in4(L), (L.const(np.ones(4)), L.const(np.ones(4))))


@case(match="invalid size|should be")
def functional_vjp_err_v_size(L):
    L.F.vjp(_narrow3, _in4(L), L.const(np.ones(2)))


@case(match="inputs given to jvp must be either a Tensor|Tensor")
def functional_jvp_err_inputs(L):
    L.F.jvp(_narrow3, (_in4(L), 2), _in4(L))


@case(match="v can only be None")
def functional_jvp_err_v_none(L):
    L.F.jvp(_narrow3, _in4(L))


@case(match="invalid size|should be")
def functional_jvp_err_v_size(L):
    L.F.jvp(_narrow3, _in4(L), L.const(np.ones(2)))


@case(match="inputs given to jacobian must be either a Tensor|Tensor")
def functional_jacobian_err_inputs(L):
    L.F.jacobian(_narrow3, (_in4(L), 2))


@case(match="outputs of the user-provided function given to jacobian must|Tensor")
def functional_jacobian_err_outputs(L):
    L.F.jacobian(_narrow3_str, _in4(L))


@case(match="single element")
def functional_hessian_err_not_scalar(L):
    L.F.hessian(_narrow3, _in4(L))


@case(match="single Tensor")
def functional_hessian_err_two_outputs(L):
    L.F.hessian(lambda a: (3 * a.narrow(0, 0, 3), 3 * a.narrow(0, 0, 3)), _in4(L))


@case(match="v given to vhp must be either a Tensor|Tensor")
def functional_vhp_err_v_type(L):
    L.F.vhp(lambda a: 3 * a.narrow(0, 0, 3).exp().sum(), _in4(L), (_in4(L), 2))


@case(match="invalid size|should be")
def functional_hvp_err_v_size(L):
    L.F.hvp(lambda a: 3 * a.narrow(0, 0, 3).exp().sum(), _in4(L), L.const(np.ones(5)))


@case(match="does not require gradients|strict")
def functional_vjp_strict_detached(L):
    L.F.vjp(lambda a: a.detach(), _in4(L), _in4(L), strict=True)


@case(match="independent of input 0|strict")
def functional_vjp_strict_unconnected(L):
    L.F.vjp(lambda a: a.long().double().requires_grad_().clone(), _in4(L), _in4(L), strict=True)


@case(match="jacobian of the user-provided function is independent of input 0|strict")
def functional_vjp_strict_create_graph_linear(L):
    inp = _in4(L).requires_grad_()
    L.F.vjp(lambda a: a.clone(), inp, _in4(L), create_graph=True, strict=True)


@case()
def functional_not_strict_values(L):
    inp, v = _in4(L), L.const([1.0, 2.0, 3.0, 4.0])
    out = [L.F.vjp(lambda a: a.detach(), inp, v)[1],
           L.F.vjp(lambda a: a.long().double().requires_grad_().clone(), inp, v)[1],
           L.F.jvp(lambda a: a.detach(), inp, v)[1],
           L.F.jacobian(lambda a: a.detach(), inp),
           L.F.hessian(lambda a: a.detach().sum(), inp),
           L.F.hessian(lambda a: (3 * a).sum(), inp),
           L.F.hvp(lambda a: (3 * a).sum(), inp, v)[1],
           L.F.vhp(lambda a: a.detach().sum(), inp, v)[1]]
    inp2 = _in4(L).requires_grad_()
    out.append(L.F.vjp(lambda a: a.clone(), inp2, v, create_graph=True)[1])
    out.append(L.F.jacobian(lambda a: a.clone(), inp2, create_graph=True))
    return out


@case(match="not supported together|vectorize")
def functional_jacobian_strict_vectorize(L):
    L.F.jacobian(lambda x: x, _in4(L), strict=True, vectorize=True)


@case(match="not supported together|vectorize")
def functional_hessian_strict_vectorize(L):
    L.F.hessian(lambda x: (x ** 3).sum(), _in4(L), strict=True, vectorize=True)


@case(match="jacobian of the user-provided function with respect to input 0|strict")
def functional_hessian_strict_linear(L):
    L.F.hessian(lambda a: (3 * a).sum(), _in4(L), strict=True)


@case()
def functional_no_grad(L):
    inputs = L.const(RNG_A44)
    v = L.const(np.ones(4))
    out = []
    with L.no_grad():
        r = L.F.vjp(lambda x: x.sum(dim=1), inputs, v)
    out += [r[0].grad_fn is None, r[1].grad_fn is None, r[1]]
    inputs.requires_grad_()
    v.requires_grad_()
    with L.no_grad():
        r = L.F.vjp(lambda x: x.sum(dim=1), inputs, v, create_graph=True)
    out += [r[0].grad_fn is not None, r[1].grad_fn is not None]
    with L.no_grad():
        j = L.F.jacobian(lambda x: x.exp().sum(dim=1), inputs)
        jc = L.F.jacobian(lambda x: x.exp().sum(dim=1), inputs, create_graph=True)
        h = L.F.hessian(lambda x: x.pow(3).sum(), inputs[:2, :2])
        hc = L.F.hessian(lambda x: x.pow(3).sum(), inputs[:2, :2], create_graph=True)
        jv = L.F.jvp(lambda x: x.sum(dim=1), inputs, L.const(RNG_A44))
    out += [j.grad_fn is None, jc.grad_fn is not None, h.grad_fn is None,
            hc.grad_fn is not None, jv[1].grad_fn is None, j, h, jv[1]]
    return out


@case()
def functional_output_structure(L):
    x = L.const(RNG_A44)
    out = []
    r = L.F.vjp(lambda t: t.sum(dim=1), x, L.const(np.ones(4)))
    out += [tuple(r[1].shape), r[0].grad_fn is None]
    o, g = L.F.vjp(lambda a, b: 2 * a + 3 * b, (x[0], x[1]), L.const(np.ones(4)))
    out += [type(g).__name__, len(g), g[0], g[1]]
    o, g = L.F.vjp(lambda a, b: (2 * a + 3 * b, a + b), (x[0], x[1]),
                   (L.const([1.0, 0, 0, 0]), L.const([1.0, 0, 0, 0])))
    out += [type(o).__name__, g[0], g[1]]
    o, g = L.F.jvp(lambda a, b: 2 * a + 3 * b, (x[0], x[1]), (L.const(np.ones(4)),) * 2)
    out += [g]
    out.append(L.F.vjp(lambda t: t.sum(), x)[1])
    out.append(L.F.vjp(lambda t: t.unsqueeze(0).repeat(4) if L.name == "torch"
                       else gnp.tile(t.unsqueeze(0), 4), L.const(0.5), L.const(np.ones(4)))[1])
    out.append(L.F.jvp(lambda t: t.sum(), x, L.const(RNG_A44))[1])
    out.append(L.F.jacobian(lambda t: t.sum(), x))
    out.append(L.F.hessian(lambda t: t.sum().view(1, 1, 1), x))
    out.append(L.F.vhp(lambda t: t.sum(), L.const(0.5))[1])
    out.append(L.F.hvp(lambda t: t.exp().sum().view(1, 1, 1), x, L.const(RNG_A44))[1])
    return out


@case()
def functional_vectorize_correctness(L):
    x, y = L.const(A), L.const(B.T[:4])
    z = L.const(RNG_A44)
    out = []
    for f, inp in ((lambda a: 3 * a ** 2, x),
                   (lambda a, b: (a.cos() * a) @ b.sin(), (x, y)),
                   (lambda a, b: ((a * a) @ b, a @ (a.sum(1) * b), b.sum()), (x[:, :3], y[:3])),
                   (lambda a, b: (a, b, a, b), (x[0], y[0])),
                   (lambda a, b: (a.sum(), b.sum(), a * b), (x[0], y[0, :4]))):
        for strategy in ("reverse-mode", "forward-mode"):
            out.append(L.F.jacobian(f, inp, vectorize=True, strategy=strategy))
        out.append(L.F.jacobian(f, inp, vectorize=False))
    for f, inp in ((lambda a: (3 * a ** 2).sum(), x),
                   (lambda a, b, c: ((a.relu() * a) @ b.sin() @ c).sum(), (x, y, z)),
                   (lambda a, b: (a ** 2).sum(), (x[0], y[0]))):
        out.append(L.F.hessian(f, inp, vectorize=True))
        out.append(L.F.hessian(f, inp, vectorize=True, outer_jacobian_strategy="forward-mode"))
        out.append(L.F.hessian(f, inp, vectorize=False))
    return out


@case()
def functional_vectorize_raises_no_warnings(L):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        L.F.jacobian(lambda a: (a ** 2).sum(), L.const(X), vectorize=True)
        L.F.hessian(lambda a: (a ** 2).sum(), L.const(X), vectorize=True)
    return len(w)


@case()
def functional_create_graph_gradcheck(L):
    x = L.leaf(RNG_A44[:2, :2])
    v = L.leaf(np.ones(2))
    out = []
    for fn, args in (
        (lambda inp, vv: L.F.vjp(lambda t: t.sum(dim=1), inp, vv, create_graph=True), (x, v)),
        (lambda inp, vv: L.F.jvp(lambda t: t.sum(dim=1), inp, vv, create_graph=True),
         (x, L.leaf(np.ones((2, 2))))),
        (lambda inp: L.F.jacobian(lambda t: t.exp().sum(dim=1), inp, create_graph=True), (x,)),
        (lambda inp: L.F.hessian(lambda t: t.pow(3).sum(), inp, create_graph=True), (x,)),
        (lambda inp, vv: L.F.hvp(lambda t: 3 * t.narrow(0, 0, 1).exp().sum(), inp, vv,
                                 create_graph=True), (x, L.leaf(np.ones((2, 2))))),
        (lambda inp, vv: L.F.vhp(lambda t: 3 * t.narrow(0, 0, 1).exp().sum(), inp, vv,
                                 create_graph=True), (x, L.leaf(np.ones((2, 2))))),
    ):
        out += [L.gradcheck(fn, args), L.gradgradcheck(fn, args)]
    return out


@case()
def functional_jacobian_create_graph_vectorized(L):
    x, y = L.leaf(RNG_A44[:2]), L.leaf(RNG_A44[2:])

    def add_exp(a, b):
        return (a + b).exp().sum(dim=1)

    def foo(a, b):
        a = a.cos()
        val, jac = L.F.jacobian(add_exp, (a, b), create_graph=True, vectorize=True)
        return val.exp().sum() + jac.exp().sum() + a.exp().sum() + b.exp().sum()

    return L.gradcheck(foo, (x, y)), L.gradgradcheck(foo, (x, y)), foo(x, y)


@case()
def functional_match_vjp_jvp_and_vhp_hvp(L):
    inp, v = L.const([0.1, 0.2, 0.3, 0.4]), L.const([0.5, -0.5, 0.25, 1.0])

    def foo(x):
        return x ** 3 + x.sum()

    def bar(a):
        return 3 * a.narrow(0, 0, 3).exp().sum()

    return (L.F.jacobian(foo, inp), L.F.jvp(foo, inp, v)[1], L.F.vjp(foo, inp, v)[1],
            L.F.hessian(bar, inp), L.F.hvp(bar, inp, v)[1], L.F.vhp(bar, inp, v)[1])


# inference mode -------------------------------------------------------------------------------

@case()
def inference_mode_context_manager(L):
    out = [L.is_inference_mode_enabled()]
    with L.inference_mode():
        out.append(L.is_inference_mode_enabled())
        with L.inference_mode(False):
            out.append(L.is_inference_mode_enabled())
        out.append(L.is_inference_mode_enabled())
    out.append(L.is_inference_mode_enabled())
    return out


@case()
def inference_mode_decorator(L):
    out = []
    for mode, use_kwarg in ((True, True), (True, False), (False, True), (False, False),
                            (None, True), (None, False)):
        def func(x, mode=mode):
            out.append(L.is_inference_mode_enabled())
            return x * x

        if mode is None:
            decorated = L.inference_mode(mode=func) if use_kwarg else L.inference_mode(func)
        else:
            decorated = L.inference_mode(mode=mode)(func) if use_kwarg else \
                L.inference_mode(mode)(func)
        for rg in (True, False):
            out.append(decorated(L.leaf(np.ones(3), rg=rg)).requires_grad)
    return out


@case(match="modified by an inplace|in place|in-place")
def inference_mode_existing_autograd_session(L):
    s = L.leaf(np.ones(3))
    a = s.clone()
    out = a * a
    with L.inference_mode():
        a.add_(2)
    out.backward(L.const(np.ones(3)))


@case()
def inference_mode_requires_grad_flags(L):
    out = []
    with L.inference_mode():
        for rg in (True, False):
            c = L.leaf(np.ones(3), rg=rg)
            out += [(c * c).requires_grad, c.view(-1).requires_grad, c.requires_grad]
    s = L.leaf(np.ones(3))
    with L.inference_mode():
        v = s.clone().view(-1)
    out.append(v.requires_grad)
    return out


@case()
def functional_vectorize_edge_cases(L):
    x = L.const(0.7)
    a, b = L.const(X), L.const(X[::-1].copy())
    out = []
    for strategy in ("reverse-mode", "forward-mode"):
        out.append(L.F.jacobian(lambda t: L.stack([t, t, t]), x, vectorize=True,
                                strategy=strategy))
        out.append(L.F.jacobian(lambda s, t: (t.sum(), s * t), (x, a[:1]), vectorize=True,
                                strategy=strategy))
    out.append(L.F.jacobian(lambda s, t: ((s * t).float(), (s * t).double()), (a, b),
                            vectorize=True))
    out.append(L.F.hessian(lambda s, t: L.const(1.0) + 0 * s.sum().detach(), (a, b),
                           vectorize=True))
    return out


@case()
def functional_hvp_vhp_no_grad_and_scalar(L):
    x, v = L.const(RNG_A44), L.const(np.ones((4, 4)))
    out = []
    for f in (L.F.hvp, L.F.vhp):
        with L.no_grad():
            r = f(lambda t: t.exp().sum(), x, v)
            rc = f(lambda t: t.exp().sum(), x, v, create_graph=True)
        out += [r[0].grad_fn is None, r[1].grad_fn is None, rc[1].grad_fn is not None, r[1]]
        out.append(f(lambda t: t.exp().sum(), L.const(0.5))[1])
        out.append(f(lambda t: t.exp().sum().view(1, 1, 1), x, v)[1])
    return out


# ---- deliberate differences -------------------------------------------------------------------

#: case -> (reason, what gpuad does: "raises <regex>" or a function checking gpuad's results)
DIFFERS: dict[str, tuple[str, object]] = {
    "function_returns_undefined_tensor": (
        "autograd.grad(..., allow_unused=True) of an input the graph reaches, whose only "
        "gradient (a Function's backward) is None: torch returns None, gpuad zeros (the "
        "input is on the graph and its gradient is zero, gpuad's rule for such inputs); "
        ".grad stays None in both",
        lambda res: res == (True, True, True, False)),
    "inplace_not_requires_grad": (
        "torch refuses an in-place write into a view a custom Function returned; gpuad "
        "records it as a write into the Function's output (the exact gradient, 2, and the "
        "input, which shares its memory, holds the sum as torch's view would)",
        lambda res: np.allclose(_host(res[0]), [2.0]) and np.allclose(_host(res[1]), 2.0)),
    "naughty_autograd_function_stashing_ctx": (
        "a ctx kept past its backward: gpuad refuses ctx.saved_tensors outside the backward "
        "that owns them (torch reads them until the graph is freed)",
        "raises not available here"),
    "save_output_nr": (
        "gpuad's tape steps have one output each (a Function's outputs are recorded slices "
        "of one packed output), so there is no output_nr; the gradient is the same",
        "raises output_nr"),
    "backward_twice_with_saved_values": (
        "torch's index_put saves its indices as tensors and frees them with the graph; "
        "gpuad keeps index constants (nothing the backward needs is freed), so a second "
        "backward works and accumulates the exact gradient again",
        lambda res: res is None and np.array_equal(_host(_BACKWARD_TWICE[-1]), [0, 4.0, 0])),
    "tensor_grad_warnings": (
        "reading .grad of a non-leaf: torch warns (the value is None unless retain_grad()); "
        "gpuad's .grad is a plain attribute read on the hot path and gives None without a "
        "warning (docs/porting.md: retain_grad() fills it)",
        lambda res: res == (0, False, True)),
    "power_function": (
        "d(0**y)/dy for y < 0, where 0**y is the pole +inf: torch multiplies inf by log(0) "
        "and gives -inf, gpuad gives NaN (undefined; its guard makes 0 * log(0) exactly 0 "
        "where 0**y is finite, y >= 0, which both give as 0)",
        lambda res: np.isnan(_host(res[0])[0]) and np.isnan(_host(res[1])[0])
        and np.array_equal(_host(res[0])[1:], [0.0, 0.0])),
    "grad_fn_prehooks_multiple_outputs": (
        "a Function's outputs are separate steps in gpuad (slices of one packed output), so "
        "a prehook on one output's grad_fn gets that output's gradient alone, a tuple of one "
        "(docs/porting.md); code unpacking torch's tuple of all outputs raises there",
        "raises not enough values to unpack"),
    "autograd_views_codegen": (
        "torch refuses in-place writes into the outputs of unbind (a function returning "
        "several views) and into views made under no_grad; gpuad records the write through "
        "the view (its base's history is rebased: exact gradients, checked by "
        "inplace_on_view_multiple_outputs and the cases below) and raises only where the "
        "backward would need what it cannot have (test_torch_autograd_more.py: "
        "view_made_under_no_grad_written_with_grad)",
        lambda res: res == ["ok"] * 12),
    "inplace_on_view_multiple_outputs": (
        "torch refuses writing into an unbind output; gpuad records it: rows of x are r "
        "with row 0 doubled, so d sum(x^2)/dr is 8 r0 on row 0 and 2 r elsewhere",
        lambda res: np.array_equal(_host(res), np.vstack(
            [8 * np.arange(3.0), 2 * np.arange(3.0, 9).reshape(2, 3)]))),
    "inplace_on_view_of_multiple_output_view": (
        "as above, a view of an unbind output: a[1] doubled, d sum(a^2)/da0 = 8 there and "
        "2 a0 elsewhere",
        lambda res: np.array_equal(_host(res), [0.0, 8.0, 4.0, 6.0])),
    "inplace_multiple_output_view_of_view": (
        "as above, unbind of a view", lambda res: np.array_equal(_host(res), [0, 8.0, 4, 6])),
    "inplace_on_view_multi_output_safe": (
        "torch refuses writing into a split output; gpuad records it: b = 2a, b0 *= b1, so "
        "d sum(b)/da is 4 a1 on row 0, 4 a0 + 2 on row 1 and 2 on row 2",
        lambda res: np.allclose(_host(res), np.vstack(
            [4 * RNG_A44[1, :3], 4 * RNG_A44[0, :3] + 2, [2.0, 2.0, 2.0]]), rtol=1e-14)),
    "inplace_on_view_modify_base": (
        "a view taken before a write of a value that requires grad into its (constant) base: "
        "its requires_grad flag (a plain attribute in gpuad) reads False until the view is "
        "used or its grad_fn read, which rebuild it from the base (the gradients, checked "
        "by gradcheck and gradgradcheck here, are exact)",
        lambda res: res[0] is True and res[1] is True and res[2][1] is False),
    "checkpointing_without_reentrant_saved_object_identity": (
        "the recomputation hands the block a new Tensor holding the same values (not the "
        "argument object itself); the gradient is the same",
        lambda res: res[0] == [False, False] and float(_host(res[1])) == 2.0),
    "fw_print": (
        "a dual Tensor's repr shows its value only (unpack_dual gives the tangent)",
        lambda res: res == (False, False)),
    "grad_assignment_type": (
        "torch refuses the assignment; gpuad's .grad is a plain attribute, checked (with "
        "this error) when backward would accumulate into it", "raises was set to int"),
    "grad_assignment_shape": ("as grad_assignment_type", "raises of shape \\(3, 3\\)"),
    "grad_assignment_dtype": ("as grad_assignment_type", "raises dtype int64"),
    "grad_assignment_self": ("as grad_assignment_type", "raises its own grad"),
    "set_requires_grad_only_for_floats": (
        "t.requires_grad = True on an integer tensor: torch refuses the assignment; gpuad's "
        "flag is a plain attribute and backward refuses the integer leaf, naming the fix "
        "(requires_grad_() and the constructor refuse at once, as torch)",
        lambda res: res[:7] == ["ok"] * 6 + ["raised"] and res[7] == "ok"),
    "gradcheck_validates_inputs_stride_0": (
        "an expanded input: torch refuses (perturbing one entry of shared memory moves "
        "several); gpuad's gradcheck perturbs a copy of the input's values, entry by entry, "
        "so the check is exact", lambda res: res is None),
    "gradcheck_undefined_grad": (
        "gpuad has no undefined gradients (a hook always receives a Tensor), so there is "
        "nothing for check_undefined_grad to check", lambda res: res is None),
    "gradcheck_complex_non_complex_outputs": (
        "gpuad's gradcheck refuses complex inputs and outputs, naming "
        "gpuad.testing.check_grads (which checks them)", "raises check_grads"),
    "gradcheck_forward_ad": ("as gradcheck_complex_non_complex_outputs (a complex input)",
                             "raises check_grads"),
    "gradcheck_jacobian_mismatch_complex": ("as gradcheck_complex_non_complex_outputs",
                                            "raises check_grads"),
    "gradcheck_jacobian_mismatch_quiet": ("as gradcheck_complex_non_complex_outputs",
                                          "raises check_grads"),
    "pow_real_negative_base_complex_exponent": ("as gradcheck_complex_non_complex_outputs",
                                                "raises check_grads"),
    "min_max_median_backprops_to_all_values": (
        "max()/min() of an all-NaN tensor: torch's full reductions split the gradient over the "
        "NaN entries while its amax/amin (and max(dim)) give NaN; gpuad has one rule for "
        "both, torch's amax one (NaN: the extreme is no entry's value), as "
        "test_torch_sort_reduce.py documents ('max() of NaN: gradient'); ties and the "
        "medians are torch's",
        lambda res: all(np.isnan(_host(res[k])).all() for k in (1, 3))
        and np.allclose(_host(res[5]), 1 / 3) and np.allclose(_host(res[0])[1::2], 1 / 3)),
    "atan2_zero_gradient": (
        "the derivatives of atan2 at the origin, where it is discontinuous: torch gives 0, "
        "gpuad NaN (the formula's 0/0, as JAX): undefined, not a silent value",
        lambda res: np.isnan(_host(res[0])).all() and np.isnan(_host(res[1])).all()),
}


# ---- running a case in both -------------------------------------------------------------------

def _host(v):
    if isinstance(v, torch.Tensor):
        return v.detach().cpu().resolve_conj().numpy()
    if isinstance(v, ad.Tensor):
        return np.asarray(v.numpy())
    return v


def _run(fn, ns):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prev_t, prev_g = torch.is_grad_enabled(), ad.is_grad_enabled()
        try:
            return fn(ns), None
        except Exception as e:  # noqa: BLE001 - the case's outcome
            return None, e
        finally:
            torch.set_grad_enabled(prev_t)
            ad.set_grad_enabled(prev_g)


def _same(g, t, path="result"):
    if isinstance(t, tuple | list):
        assert isinstance(g, tuple | list) and len(g) == len(t), f"{path}: {g!r} vs {t!r}"
        for i, (a, b) in enumerate(zip(g, t, strict=True)):
            _same(a, b, f"{path}[{i}]")
        return
    if isinstance(t, dict):
        assert isinstance(g, dict) and set(g) == set(t), f"{path}: {g!r} vs {t!r}"
        for k in t:
            _same(g[k], t[k], f"{path}[{k!r}]")
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(g, ad.Tensor), f"{path}: gpuad gave {type(g).__name__}"
        tg, gg = _host(t), _host(g)
        assert gg.shape == tg.shape, f"{path}: shape {gg.shape} vs torch {tg.shape}"
        assert gg.dtype == tg.dtype, f"{path}: dtype {gg.dtype} vs torch {tg.dtype}"
        np.testing.assert_allclose(gg, tg, rtol=1e-10, atol=1e-12, err_msg=path)
        return
    if isinstance(t, float):
        assert g == pytest.approx(t, rel=1e-10, abs=1e-12, nan_ok=True), f"{path}: {g} vs {t}"
        return
    assert g == t, f"{path}: {g!r} vs torch {t!r}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name):
    c = CASES[name]
    t_res, t_err = _run(c.fn, _T)
    g_res, g_err = _run(c.fn, _G)
    if name in DIFFERS:
        _, how = DIFFERS[name]
        if isinstance(how, str):
            assert g_err is not None, f"gpuad should raise ({how}), gave {g_res!r}"
            assert re.search(how.removeprefix("raises "), str(g_err)), str(g_err)
        else:
            assert g_err is None, f"gpuad raised {type(g_err).__name__}: {g_err}"
            assert how(g_res), f"gpuad's result {g_res!r}"
        return
    if t_err is not None:
        assert g_err is not None, (
            f"torch raised {type(t_err).__name__}: {t_err}; gpuad returned {g_res!r}")
        if c.match:
            assert re.search(c.match, str(g_err), re.I), (
                f"gpuad's message does not name the problem ({c.match!r}): {g_err}")
        return
    assert g_err is None, f"gpuad raised {type(g_err).__name__}: {g_err}; torch gave {t_res!r}"
    _same(g_res, t_res)
    if c.fd is not None:
        fd_fn, x0, pick = c.fd
        got = _host(pick(g_res))
        want = _fd_grad(fd_fn, x0)
        np.testing.assert_allclose(got, want, rtol=1e-6,
                                   atol=1e-7 * max(1.0, float(np.abs(want).max())))


def _fd_grad(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = eps
        g[idx] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def test_differs_lists_only_cases():
    assert set(DIFFERS) <= set(CASES)


def test_table_names_cases_that_exist():
    from pathlib import Path

    here = Path(__file__).parent
    files = {"base": "test_torch_autograd.py", "more": "test_torch_autograd_more.py",
             "ns": "test_torch_autograd_ns.py", "fdb": "test_torch_autograd_function_db.py",
             "saved": "test_torch_saved_hooks.py", "fwad": "test_torch_forward_ad.py"}
    texts = {k: (here / f).read_text() for k, f in files.items()}
    for torch_test, where in TORCH_TESTS:
        refs = re.findall(r"\b(gaps|base|more|ns|fdb|saved|fwad)::(\w+)", where)
        assert refs or where.startswith("n/a: "), (torch_test, where)
        for kind, name in refs:
            if kind == "gaps":
                assert name in CASES or name in globals(), (torch_test, name)
            else:
                assert f"def {name}(" in texts[kind], (torch_test, kind, name)
    names = [t for t, _ in TORCH_TESTS]
    assert len(set(names)) == len(names), "a torch test listed twice"


# threads (TestMultithreadAutograd) ------------------------------------------------------------

def _in_threads(fn, args=(), n=6):
    errors, threads = [], []

    def run():
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    for _ in range(n):
        t = threading.Thread(target=run)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return errors


@pytest.mark.parametrize("L", [_T, _G], ids=["torch", "gpuad"])
def test_threads_backward(L):
    # test_simple_backward: separate graphs in each thread
    def train():
        x = L.leaf(np.ones((3, 3)))
        y = (x + 3) * (x + 4) * 0.5
        y.sum().backward()
        np.testing.assert_allclose(_host(x.grad), 4.5)

    assert _in_threads(train) == []
    # test_simple_backward_same_input: one shared leaf, .grad accumulated by every thread
    x = L.leaf(np.ones((3, 3)))

    def train_shared(x):
        ((x + 3) * (x + 4) * 0.5).sum().backward()

    assert _in_threads(train_shared, (x,)) == []
    np.testing.assert_allclose(_host(x.grad), 6 * 4.5)

    def grad_shared(x):
        (g,) = L.grad(((x + 3) * (x + 4) * 0.5).sum(), x)
        np.testing.assert_allclose(_host(g), 4.5)

    assert _in_threads(grad_shared, (x,)) == []
    # test_python_thread_in_middle with retain_graph=True: one graph, a backward per thread
    xr = L.leaf(np.ones((3, 3)))
    yr = xr + xr ** 2

    def retained(y):
        (y + y ** 2).sum().backward(retain_graph=True)

    assert _in_threads(retained, (yr,), n=4) == []
    # d/dx of y + y^2 with y = x + x^2 at 1: (1 + 2y)(1 + 2x) = 5 * 3
    np.testing.assert_allclose(_host(xr.grad), 4 * 15.0)
    # test_multithreaded_exception_propagation: an error in a thread is the thread's
    errs = _in_threads(lambda: (_ for _ in ()).throw(AssertionError("in thread")), n=2)
    assert len(errs) == 2
