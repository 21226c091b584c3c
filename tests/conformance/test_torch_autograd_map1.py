"""Map of PyTorch's newest test/test_autograd.py, test/autograd/test_complex.py and
test/autograd/test_fallback.py against gpuad, and ports of what no earlier port ran.

Upstream (read through the search tools):

- test/test_autograd.py at pytorch/pytorch 5c322af10e52e4d236104ceefd542f34e6dcf20a, the newest
  stored copy (576,866 characters): 517 test methods in TestAutograd, TestAutogradForwardMode,
  TestAutogradForwardModeBatchedGrad, TestAutogradDeviceType, TestAllowMutationOnSaved,
  TestAutogradInferenceMode, TestAutogradStreamSynchronization, TestMultithreadAutograd,
  TestNestedCheckpoint, TestSelectiveActivationCheckpoint and TestAutogradMultipleDispatch
  (``NEWEST`` below). Every one of them already has its row in ``TORCH_TESTS`` of
  test_torch_autograd_gaps.py (by name, or by its class's ``Class.*`` row): none is new or
  renamed since that map was made; ``test_newest_test_autograd_is_mapped`` keeps it so.
  (test/autograd/test_autograd.py at d1810646f5f4d4e778a938f297bb2cfe2835c5eb, also stored, is
  an older split of it from the ``torch._six`` era, not a newer one.)
- test/autograd/test_complex.py at 123527f6f7b16502625d521cba47169c7c675fa5: 2 test methods.
- test/autograd/test_fallback.py at 027041e6b954077b5e12429507ea1867cc4c0b5f: 13 test methods
  (each parametrized over torch's autograd-fallback modes "nothing" and "warn"). torch's
  fallback is what it does for a custom op registered without an autograd kernel; gpuad's
  counterpart is a result computed outside its recording (through ``.numpy()``/host NumPy, or
  under ``no_grad``): it does not require grad, and a backward through it raises "does not
  require grad", as torch's "nothing" mode, or the op is written as a ``gpuad.autograd.Function``.

``GAPS`` has one row per method of the two test/autograd files: "here: CASE" (a case of this
file), "covered: FILE::TEST" (an earlier port), "differs: ..." (with the case that checks
gpuad's behaviour) or "n/a: reason". ``EXTRA_CASES`` are further programs in the areas these
tests touch (tensor and node hooks, post-accumulate hooks, retain_grad, ``backward(inputs=)``,
views of leaves and in-place writes, view ops that change nothing, checkpoint recomputation
that differs from the forward), each run in torch and gpuad the same way.

Left alone: in a backward through a gradient computed with ``create_graph`` across a
checkpoint, a hook on the block's output runs on the gradient reaching the output and, apart,
on the gradient reaching its recomputed value (torch: once, on their sum); values agree with
torch for a hook that is linear in the gradient (a scale, a mask), not for one that is not (a
clip), and the hook is called once more.

Each case is one program written against a namespace ``L`` (torch, or gpuad with the same
names; test_torch_autograd_gaps.py's ``_T``/``_G``) and run in both: where torch returns values
gpuad must return the same (gradients with dtype and shape), where torch raises gpuad must raise
an error naming the problem. Deliberate differences are in ``DIFFERS``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_torch_autograd_gaps import _G, _T, TORCH_TESTS, Case, _run, _same  # noqa: E402

RNG = np.random.default_rng(20261203)
X = np.array([0.3, -1.2, 2.0])
A = RNG.standard_normal((2, 3))

# ---- test/test_autograd.py: the newest copy's methods (all in TORCH_TESTS) ----------------------

NEWEST: dict[str, str] = {
    "TestAutograd": """
    copy_slices_graph_task_updates grad_mode_class_decoration tensor_grad_warnings function
    once_differentiable function_returns_input function_returns_undefined_tensor
    materialize_grads dont_materialize_grads set_materialize_non_diff_grads
    unused_grad_requires_grad_with_materialize legacy_function_deprecation_exception
    custom_function_exception custom_function_non_tensor_inputs_outputs
    custom_function_no_tensors invalid_gradients unrelated_inputs not_implemented_grad
    not_implemented_fwad saved_tensor_hooks_extra_exit_during_bw_no_crash
    saved_tensor_hooks_extra_enter_during_bw_no_leak will_engine_execute_node
    custom_function_vmap_defaults custom_function_setup_context_simple
    custom_function_setup_context_multi_output custom_function_setup_context_multi_input
    multiple_insert_removal_caching accumulate_grad accumulate_grad_tensor_reference
    accumulate_grad_with_zero_numel_grad hessian_vector grad grad_to_node grad_to_node_set
    grad_to_node_inplace grad_to_node_multi grad_to_node_materialize backward_to_node
    grad_fn_input_metadata gradient_edge_output gradient_edge_graph_ownership grad_nonleaf
    grad_nonleaf_many_outputs grad_nonleaf_register_hook grad_materialize_grads
    post_accumulate_grad_hook_on_non_leaf post_accumulate_grad_hook_multiple_hooks
    post_accumulate_grad_hook_multiple_tensors post_accumulate_grad_hook_returns_not_None
    post_accumulate_grad_hook_e2e post_accumulate_grad_hook_gets_cleaned_up
    post_accumulate_grad_hook_ordering hook_with_no_name prehook_ordering
    retains_grad_can_always_observe_tensor_prehook
    accumulate_grad_posthooks_can_observe_tensor_prehook
    accumulate_grad_posthooks_should_not_execute hook_edge_case_when_called_with_grad
    sharded_grad backward_badcalls grad_badcalls grad_empty_inputs grad_fn_badcalls
    grad_unreachable grad_unreachable_discovery grad_batched_grad hooks grad_fn_prehooks
    grad_fn_prehooks_multiple_outputs grad_fn_prehooks_remove_hooks
    node_post_hook_registered_during_unpack_hook hooks_cpp hook_none retain_grad
    retain_grad_inplace retains_grad_inplace_multiple_outputs retain_grad_inplace_over_view
    tensor_hooks_inplace tensor_hooks_inplace_multiple_outputs tensor_hooks_inplace_over_view
    retain_grad_cycle backward to_sparse_backward sparse_mm_backward multi_backward
    multi_backward_no_grad backward_with_inputs backward_with_scalar_input
    backward_with_nonleaf_inputs dependent_backward save_output_nr
    first_grad_fn_access_in_no_grad_mode free_deep_graph free_deep_graph_complicated
    free_deep_graph_pyfunction no_unnecessary_save no_grad enable_grad_decorator_no_paren
    set_grad_generator_functions set_grad_generator_functions_recursive set_grad_coroutines
    set_grad_coroutines_benign_exceptions set_grad_coroutines_critical_exceptions
    set_grad_coroutines_exit no_grad_python_function indexing indexing_duplicates
    index_backward_does_not_save_tensor volatile_deprecated saved_variables_deprecated
    requires_grad requires_grad_ requires_grad_inplace no_requires_grad_inplace
    attribute_deletion duplicate_backward_root backward_no_grad
    backward_twice_with_saved_values backward_twice_retained_graph_with_saved_values
    backward_twice_without_saved_values backward_twice_retained_graph_without_saved_values
    backward_create_graph_warns next_functions inplace mark_non_differentiable
    mark_non_differentiable_mixed mark_non_differentiable_none return_duplicate
    return_duplicate_inplace setitem setitem_mask select_sum diagonal_expanded_v
    select_expanded_v slice_expanded_v unused_output sparse_gather_dim0 sparse_gather_dim1
    sparse_gather_dim_neg sparse_gather_ind_scalar sparse_gather_x_scalar
    sparse_gather_both_scalar grad_dtype gc_in_destructor
    naughty_autograd_function_attribute_access naughty_anomaly_access
    naughty_autograd_function_stashing_ctx custom_autograd_repeated_grad_grad
    custom_autograd_no_early_free custom_autograd_ac_early_stop checkpoint_compile_no_recompile
    checkpoint_device_context_fn detach detach_base detach_then_inplace_raises_in_autograd
    type_conversions isolated_node shape numpy_requires_grad return_leaf return_leaf_inplace
    leaf_assignment no_grad_assignment no_grad_modifies_version increment_version no_grad_input
    backward_copy save_none_for_backward too_many_grads pickle dep_nograd set_grad_enabled
    set_grad_enabled_wraps simple_reentrant reentrant_child_error var_mean_differentiable
    lobpcg variable_traverse pow_zero_tensor_gradient node_ordering_when_none_returned
    current_graph_task_id current_graph_task_execution_order backward_hook_relative_ordering
    view_replay_enabled unsafe_set_version_counter current_node profiler profiler_seq_nr
    profiler_unboxed_only profiler_propagation record_function_callbacks record_function_legacy
    profiler_aggregation_fake profiler_aggregation_table profiler_function_event_avg
    profiler_shapes profiler_aggregation_lstm record_function record_function_multithreaded dir
    inplace_on_view_saved_output inplace_on_view_leaf_errors inplace_on_view_backward
    inplace_on_view_weak_grad_fn out_variant_raises_when_inputs_require_grad anomaly_detect_nan
    calculate_shape_util nested_anomaly_detect_nan anomaly_grad_warnings
    anomaly_assign_parent_cleanup nested_anomaly_printstack_cleanup anomaly_mode_no_check_nan
    forward_traceback_preserves_exception_with_checkpoint no_grad_copy no_grad_copy_sparse
    gradcheck_single_input gradcheck_input gradcheck_nondeterministic
    gradcheck_validates_inputs gradcheck_validates_input_mkldnn gradcheck_test_outputs
    gradcheck_check_no_differentiable_outputs gradcheck_check_batched_grad
    gradcheck_backward_mul_by_grad_output gradcheck_undefined_grad gradcheck_jacobian_mismatch
    gradcheck_dense_and_sparse_inputs gradcheck_multiple_mkldnn_inputs
    gradcheck_output_shape_or_dtype_depend_on_values gradcheck_complex_non_complex_outputs
    gradcheck_adjusted_atol_complex_inputs gradcheck_get_numerical_jacobian
    gradcheck_get_analytical_jacobian gradcheck_custom_error gradcheck_forward_ad
    gradcheck_forward_ad_runs_with_no_requires_grad gradcheck_forward_ad_respects_requires_grad
    gradcheck_check_forward_or_backward_only gradcheck_forward_ad_batched_grad version_counter
    set_data_tensorimpl_type set_data_preserve_pyobj set_data_self_requires_grad
    thread_shutdown deep_reentrant reentrant_priority checkpointing
    checkpointing_non_reentrant_autocast_cpu checkpointing_non_reentrant_autocast_gpu
    checkpointing_without_reentrant_memory_savings
    checkpointing_without_reentrant_custom_function_works
    checkpointing_without_reentrant_with_context_fn
    checkpoint_warns_if_use_reentrant_not_passed_explcitly
    checkpoint_sequential_warns_if_use_reentrant_not_passed_explcitly
    checkpoint_graph_execution_group checkpoint_detects_non_determinism
    access_saved_tensor_twice_without_recomputation_works checkpointing_without_reentrant
    checkpoint_valid_reset_on_error checkpointing_without_reentrant_detached_tensor
    checkpointing_without_reentrant_saved_object_identity
    checkpointing_without_reentrant_correct_grad checkpointing_without_reentrant_dataparallel
    checkpointing_without_reentrant_parameter_used_in_an_out
    checkpointing_without_reentrant_arbitrary_input_output callback_adds_callback
    callback_propagates_errors_from_device_thread reentrant_with_callbacks_depth_0
    reentrant_with_callbacks_depth_1 reentrant_with_callbacks_both_depths
    reentrant_with_leaf_variable_hook reentrant_with_non_leaf_variable_hook
    grad_fn_attr_bindings get_data_and_hooks_from_raw_saved_variable
    saved_tensor_constructor_with_hooks saved_tensor_constructor_forbidden_without_flag
    custom_function_saved_tensors clear_saved_tensors_on_access
    clear_saved_tensors_on_access_double_access_error autograd_node_isinstance
    autograd_views_codegen inplace_not_requires_grad autograd_simple_views_python
    autograd_inplace_views_creation_meta autograd_print_tensor autograd_inplace_view_of_view
    autograd_inplace_views_cross_dtype autograd_multiple_views_python
    autograd_python_custom_function_inplace custom_function_mark_dirty_not_differentiable
    custom_function_mark_output_view_of_intermediate
    custom_function_inplace_on_non_default_view custom_function_inplace_on_view_of_leaf
    named_tensor_for_complex_views custom_function_saving_mutated_view_no_leak
    custom_function_return_view_in_nograd
    custom_function_preserve_torch_function_when_return_as_is grad_mode_restored_reentrant
    power_function custom_function_error custom_function_forward_mode_view_checks
    custom_function_forward_mode_inplace_checks custom_function_forward_mode_wrong_formula
    custom_function_forward_mode_non_tensor_before_tensor_args
    custom_function_forward_mode_forward_is_no_op custom_function_save_for_forward
    custom_function_forward_mode_non_differentiable custom_function_local_inplace
    integer_outputs custom_function_cycle create_graph_and_full_backward_hook_cycle
    hook_closure_cycle full_backward_hook_double_backward input_buffer_accum
    no_unnecessary_unwrapping saved_variable_version_counter
    saved_variable_packing_unpacking_saved_original_with_hooks
    saved_variable_saved_original_inplace_detach
    saved_variable_packing_unpacking_did_not_save_original_with_hooks
    saved_variable_packing_unpacking_saved_original_with_default_hooks
    saved_variable_packing_unpacking_did_not_save_original_with_default_hooks
    setting_default_saved_variable_hooks_twice_should_not_fail
    setting_default_saved_variable_hooks_twice_should_use_inner disabling_saved_tensor_hooks
    disabling_saved_tensor_hooks_nested saved_tensor_hooks_custom_error_propagation
    saved_tensor_hooks_custom_function_intermediates unpack_hooks_exec_count
    saved_tensors_hook_version_counter_not_shared save_on_cpu_and_checkpoint
    pack_hook_with_inplace_modification_should_fail saving_variable_to_disk
    default_saved_tensors_hooks_double_backward wrapped_number_saved_tensors_hooks
    graph_save_on_cpu graph_save_on_cpu_cuda scalar_grad_mixed_device multi_grad_all_hooks
    multi_grad_any_hooks multi_grad_hooks_invalid_mode pynode_destruction_deadlock
    view_func_replay view_func_replay_with_modified_state
    setup_context_when_forward_has_default_args gradcheck_default_device_placement_context
    grad_thread_safety
""",
    "TestAutogradForwardModeBatchedGrad": """
    out_of_place_basic out_of_place_not_same_layout inplace_on_view_same_layout
    inplace_on_view_not_same_layout metadata_check_for_storage_numel_skipped
""",
    "TestAutogradForwardMode": """
    forward_level_cleanup size_check metadata_check_checks_storage_numel
    metadata_check_checks_ignores_size_zero metadata_check_when_primal_has_conj_bit
    metadata_check_when_primal_has_neg_bit metadata_check_check_conj
    metadata_check_ignore_storage_offset_for_zero_numel_tensor default_level fwd_grad_enabled
    set_fwd_grad_enabled nested_level set_fw_grad_having_own_fw_grad_at_same_level
    codegen_ignores_undefined_outputs make_dual_inference_tensor_in_inference_mode
    make_dual_torch_dispatch make_dual_forbid_integral_dtype print basic_packing_unpacking
    advanced_packing_unpacking view_inplace_non_differentiable_views
    view_inplace_differentiable_views view_inplace_always_creates_a_view grad_cleanup
    detach_view_tracking out_variant non_differentiable create_new_zeros_with_same_meta
    backward_graph_destruction
""",
    "TestAutogradDeviceType": """
    min_max_median_backprops_to_all_values
    scatter_index_reduce_amin_amax_backprops_to_all_values
    scatter_index_reduce_prod_gradgrad_error parameter_resize sparse_ctor_getter_backward
    sparse_backward sparse_mask_autograd pyscalar_conversions set_requires_grad_only_for_floats
    advanced_indexing_backwards_large advanced_indexing_backwards_memory_format
    reentrant_parent_error_on_cpu where_functional where_scalar free_unneeded_tensor pin_memory
    profiler_emit_nvtx rnn_backward_to_input_but_not_parameters profiler_emit_itt
    grad_assignment requires_grad_factory unused_output_device backward_device
    inputbuffer_add_multidevice copy_ copy_forward_ad_broadcasting
    copy_forward_ad_same_layout_copies_grad simple_reentrant_cross_device
    cross_device_reentrant_autograd inplace_on_view_backprop_base
    inplace_on_view_backprop_view_of_view inplace_on_view_of_view inplace_on_view_then_no_grad
    inplace_on_view_gradcheck inplace_on_view_multiple_outputs
    inplace_on_view_of_multiple_output_view inplace_multiple_output_view_of_view
    inplace_on_view_makes_base_require_grad inplace_on_view_backprop_view
    inplace_on_view_modify_base inplace_on_view_python inplace_on_view_non_contig
    inplace_on_view_multi_output_unsafe inplace_on_view_multi_output_safe
    inplace_on_view_undefined_grad_output mv_grad_stride_0
    gradcheck_input_output_different_device strided_leaf_grad_layout copy_r_to_c to_r_to_c
    non_differentiable_ops warning_in_backward complex_scalar_backward
    pow_real_negative_base_complex_exponent resize_version_bump
    zero_dim_param_mixed_device_grad
""",
    "TestAutogradInferenceMode": """
    inference_mode_context_manager inference_mode_decorator inference_mode_tensor_creation
    inference_mode_existing_autograd_session
    inference_mode_inf_tensor_in_inf_mode_functional_op
    inference_mode_inf_tensor_in_inf_mode_inplace_op
    inference_mode_inf_tensor_in_inf_mode_view_op
    inference_mode_inf_tensor_in_normal_mode_functional_op
    inference_mode_inf_tensor_in_normal_mode_inplace_op
    inference_mode_inf_tensor_in_normal_mode_view_op
    normal_tensor_inplace_output_in_inference_mode normal_tensor_inplace_output_in_normal_mode
    normal_tensor_view_output_in_inference_mode normal_tensor_view_output_in_normal_mode
    mix_inference_and_normal_tensor_functional_op mix_inference_and_normal_tensor_inplace_op
    mix_inference_and_normal_tensor_view_op inference_mode_handle_direct_view_on_rebase
    inference_mode_handle_indirect_view_on_rebase
""",
    "TestMultithreadAutograd": """
    multithreaded_exception_propagation simple_backward simple_backward_same_input
    multi_grad_all_hooks multi_grad_any_hooks dataparallel_saved_tensors_hooks
    python_thread_in_middle fork_join_in_middle preserve_backtrace cat_stack_r_to_c
    set_multithreading_enabled_as_context_manager_and_function
    custom_function_propagates_errors_from_device_thread
""",
    "TestAllowMutationOnSaved": """
    basic views save_base_and_modify_view save_view_modify_base double_backward
    saved_but_not_anymore saved_same_tensor_many_times saved_same_tensor_different_versions
    with_math_views with_out_variant backward_out_of_context disallow_nesting inplace_foreach
""",
    "TestAutogradStreamSynchronization": """
    consumer_to_single_producer_case_2_correctness
    consumer_to_single_producer_case_3_correctness_non_default_ambient_stream
    consumer_to_single_producer_case_3_correctness
    consumer_to_single_producer_case_4_correctness
    consumer_to_multi_producer_case_4_correctness side_stream_backward_overlap
    warn_on_accumulate_grad_stream_mismatch_flag
""",
    "TestNestedCheckpoint": """
    nested_checkpoint nested_checkpoint_two_children
    nested_checkpoint_non_tensor_inputs_and_outputs nested_checkpoint_kwargs
    nested_checkpoint_same_graph nested_checkpoint_reentrant_backwards
    nested_checkpoint_set_early_stop nested_checkpoint_set_early_stop_no_recompution_needed
""",
    "TestSelectiveActivationCheckpoint": """
    flops_and_mem output_already_has_autograd_meta subclass_dispatching_sizes bad_inputs
    policy_with_state storage_lifetime version_counter function_with_more_than_one_output
    function_with_non_tensor_output can_only_trigger_recompute_once
""",
    "TestAutogradMultipleDispatch": """
    autograd_multiple_dispatch_registrations
    autograd_composite_implicit_and_dispatch_registration foward_mode_AD view_copy
    per_dispatch_key_input_saving backward_single_threaded backward_tls_stash is_retain_graph
    set_sequence_nr atan2_zero_gradient backward_respects_torch_function
    trace_backward_nonsquare_171704
""",}

# ---- test/autograd/test_complex.py and test_fallback.py: where each method runs -----------------

_GAPS_FILE = "test_torch_autograd_gaps.py"

GAPS: tuple[tuple[str, str], ...] = (
    # test/autograd/test_complex.py (TestAutogradComplex)
    ("test_view_func_for_complex_views",
     "differs: gpuad has no view_as_real/view_as_complex (docs/porting.md: a copy, "
     "gnp.stack([z.real, z.imag], -1)); the in-place writes through complex views it has, "
     "z.real and z.imag, here: complex_real_imag_views_written"),
    ("test_view_with_multi_output",
     "differs: gpuad records a write into an output of unbind (as "
     f"{_GAPS_FILE}::inplace_on_view_multiple_outputs), torch refuses it; "
     "here: complex_unbind_output_written, complex_unbind_output_written_no_grad_base"),
    # test/autograd/test_fallback.py (TestAutogradFallback)
    ("test_no_grad", "here: fallback_no_grad"),
    ("test_no_autograd_kernel", "here: fallback_no_autograd_kernel"),
    ("test_no_autograd_kernel_inplace",
     "here: fallback_written_under_no_grad; differs: the base used after a write under "
     "no_grad through one of its views, here: fallback_base_used_after_no_grad_write_through_view"),
    ("test_cpu_return_self", "here: fallback_returns_input"),
    ("test_composite_registered_to_cpu", "here: fallback_composite"),
    ("test_autograd_function_registered_to_cpu", "here: fallback_function_host_forward"),
    ("test_inplace_autograd_function_registered_to_cpu",
     "here: fallback_inplace_function_on_view"),
    ("test_inplace_on_tensor_that_does_not_require_grad", "here: fallback_detached_write"),
    ("test_post_autograd_returns_leaf", "here: fallback_returns_leaf"),
    ("test_undefined_inputs_outputs",
     f"covered: {_GAPS_FILE}::custom_function_non_tensor_inputs_outputs (a None output "
     "beside Tensors); here: fallback_none_output"),
    ("test_undefined_grads", "n/a: torch._C._functions.UndefinedGrad (a torch-internal node "
     "that hands its consumer an undefined gradient)"),
    ("test_post_autograd_returns_mix_of_requires_grad_tensors",
     "here: fallback_mix_of_requires_grad"),
    ("test_supports_tensor_lists", "here: fallback_tensor_lists"),
)
UPSTREAM_METHODS = 2 + 13

# ---- cases ------------------------------------------------------------------------------------

CASES: dict[str, Case] = {}
EXTRA_CASES: list[str] = []


def case(match: str | None = None, extra: bool = False):
    def deco(fn):
        CASES[fn.__name__] = Case(fn, match)
        if extra:
            EXTRA_CASES.append(fn.__name__)
        return fn

    return deco


def _c(L, a):
    return L.leaf(np.asarray(a), dtype=np.complex128)


# test_complex.py ------------------------------------------------------------------------------

@case()
def complex_real_imag_views_written(L):
    z = _c(L, X + 1j * X[::-1])
    w = z * 1
    w.real.mul_(2)  # a write through the real view reaches w and its gradient
    w.imag.add_(L.const(X))
    w.abs().sum().backward()
    g1 = z.grad
    u = _c(L, X - 2j)
    v = u * 1
    r = v.real
    r *= 3
    (v * v).real.sum().backward()
    return g1, w, u.grad, v


Z22 = np.array([[1 + 2j, 3 - 1j], [0.5j, -2 + 0j]])
C2 = np.array([1.0 - 1j, 2.0])


@case(match="multiple|view")
def complex_unbind_output_written(L):
    z, c = _c(L, Z22), _c(L, C2)
    zz = z * 1
    r = zz.unbind(0)[0]
    r += c  # a write into one output of a multi-view op
    (zz * zz.conj()).real.sum().backward()
    return z.grad, c.grad


@case(match="multiple|view")
def complex_unbind_output_written_no_grad_base(L):
    z, c = L.const(Z22), _c(L, C2)
    r = z.unbind(0)[0]
    r += c
    (z * z.conj()).real.sum().backward()
    return c.grad


# test_fallback.py -----------------------------------------------------------------------------

def _host_op(L, *ts):
    """An op computed outside the recording (torch: a kernel without an autograd formula)."""
    return L.const(sum(np.asarray(t.detach().numpy()) for t in ts) + 1)


@case()
def fallback_no_grad(L):
    a, b = L.leaf(X), L.leaf(X[::-1])
    with L.no_grad():
        out = a + b + 1
    c = L.const(X) + L.const(X)
    return out.requires_grad, out.grad_fn is None, c.requires_grad


@case(match="does not require grad|requires_grad|grad_fn")
def fallback_no_autograd_kernel(L):
    a, b = L.leaf(X, rg=False), L.leaf(X[::-1])
    out = _host_op(L, a, b).sum()
    out.backward()


def _written_under_no_grad(L):
    x = L.leaf(X)
    w, v = x * 1, x * 1
    y0, y1 = w[0, ...], v[1, ...]  # (w[0]: a copy in gpuad, NumPy's scalar)
    with L.no_grad():
        y0.sin_()
        y1.cos_()
    return x, w, v, y0, y1


@case()
def fallback_written_under_no_grad(L):
    x, w, v, y0, y1 = _written_under_no_grad(L)
    grads = []
    for t in (y0, y1):  # each view after its own write
        t.sum().backward(retain_graph=True)
        grads.append(x.grad.clone())
    x2 = L.leaf(1.5)
    y = x2 * 1
    with L.no_grad():
        y.sin_()  # a write into the tensor itself: its history stays
    y.backward()
    return grads, w, v, x2.grad


@case()
def fallback_base_used_after_no_grad_write_through_view(L):
    x, w, v, y0, y1 = _written_under_no_grad(L)
    w.sum().backward(retain_graph=True)
    return x.grad


@case()
def fallback_returns_input(L):
    class Ident(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = L.leaf(X)
    Ident.apply(x).sum().backward()
    return x.grad


@case()
def fallback_composite(L):
    x = L.leaf(X)
    x.sin().sum().backward()
    return x.grad


@case()
def fallback_function_host_forward(L):
    class HostSin(L.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return L.const(np.sin(np.asarray(x.detach().numpy())))

        @staticmethod
        def backward(ctx, gx):
            (x,) = ctx.saved_tensors
            return gx * x.cos()

    x = L.leaf(X)
    y = HostSin.apply(x)
    y.sum().backward()
    return y, x.grad


@case()
def fallback_inplace_function_on_view(L):
    class Sin_(L.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x.clone())
            x.sin_()
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, gx):
            (x,) = ctx.saved_tensors
            return gx * x.cos()

    x = L.leaf(X)
    z = x * 1
    w = z[0, ...]
    y = Sin_.apply(w)
    (g1,) = L.grad(y, x, L.const(1.0), retain_graph=True)
    (g2,) = L.grad(z, x, L.const(np.ones(3)))
    return y, z, g1, g2


@case(match="does not require grad|requires_grad|grad_fn")
def fallback_detached_write(L):
    x = L.const(X)
    y = L.leaf(X[::-1])
    z = x * 1
    z.detach().add_(y.detach())  # a write no step records: z stays a constant
    L.grad(z, y, L.const(np.ones(3)), allow_unused=True)


@case(match="does not require grad|requires_grad|grad_fn")
def fallback_detached_write_view(L):
    x = L.const(X)
    y = L.leaf(X[::-1])
    z = x[:]
    z.detach().add_(y.detach())
    L.grad(z, x, L.const(np.ones(3)), allow_unused=True)


@case()
def fallback_returns_leaf(L):
    a = L.leaf(X)
    y, z = a * 1, (a * 1).detach().requires_grad_()
    z.sum().backward()
    return z.grad, a.grad, z.is_leaf, y.is_leaf


@case()
def fallback_none_output(L):
    class NoneFirst(L.Function):
        @staticmethod
        def forward(ctx, a, b):
            return None, b * 1

        @staticmethod
        def backward(ctx, ga, gb):
            return None, gb

    x = L.leaf(X)
    y, z = NoneFirst.apply(None, x)
    z.sum().backward()
    return y, x.grad


def _mix(L):
    a, b = L.leaf(X), L.leaf(X[::-1])
    with L.no_grad():
        x, z = a * 1, b * 1
    return a, b, x, a * b, z


@case()
def fallback_mix_of_requires_grad(L):
    a, b, x, y, z = _mix(L)
    return L.grad(y, (a, b), L.const(np.ones(3)), allow_unused=True), x.requires_grad


@case(match="does not require grad|requires_grad|grad_fn")
def fallback_mix_of_requires_grad_constant_output(L):
    a, b, x, y, z = _mix(L)
    L.grad(x, (a, b), L.const(np.ones(3)), allow_unused=True)


@case(match="does not require grad|requires_grad|grad_fn")
def fallback_tensor_lists(L):
    x, y, z = L.leaf(X), L.leaf([0.5]), L.leaf(np.ones((2, 1)))
    with L.no_grad():
        a = x + y + z
    L.grad(a, (x, y, z), L.const(np.ones((2, 3))), allow_unused=True)


# ---- further programs: hooks, backward(inputs=), views and in-place writes, checkpoint ----------

_NO_OP_VIEWS = (
    lambda t: t.squeeze(), lambda t: t.transpose(1, 1), lambda t: t.movedim(0, 0),
    lambda t: t.swapaxes(0, 0), lambda t: t.reshape(2, 3), lambda t: t.view_as(t),
    lambda t: t.expand(2, 3), lambda t: t.expand_as(t), lambda t: t.view(2, 3),
    lambda t: t.permute(0, 1), lambda t: t[...], lambda t: t.unsqueeze(0).squeeze(0),
)


@case(extra=True)
def noop_views_are_new_views(L):
    x = L.leaf(A)
    y = x * 1
    out = []
    for f in _NO_OP_VIEWS:
        v = f(y)
        h = v.register_hook(lambda g: g * 10)
        (g,) = L.grad(v.sum() + y.sum(), x, retain_graph=True)
        h.remove()
        out.append((v is y, v._base is y or v._base is y._base, g))
    return out


@case(extra=True)
def noop_views_of_leaf(L):
    out = []
    for f in _NO_OP_VIEWS:
        x = L.leaf(A)
        v = f(x)
        v.retain_grad()
        (v.sum() + 2 * x.sum()).backward()
        out.append((v is x, v.is_leaf, v.grad, x.grad))
    return out


@case(match="leaf|view", extra=True)
def noop_view_of_leaf_written(L):
    x = L.leaf(A)
    x.squeeze().mul_(2)


@case(extra=True)
def noop_view_of_nonleaf_written(L):
    x = L.leaf(A)
    out = []
    for f in _NO_OP_VIEWS:
        y = x * 1
        v = f(y)
        v.mul_(L.const(A))
        (g,) = L.grad((y * y).sum(), x)
        out.append((y, g))
    return out


@case(extra=True)
def hooks_with_backward_inputs(L):
    x, w = L.leaf(X), L.leaf(X[::-1])
    x.register_hook(lambda g: g * 2)
    y = x * w
    y.retain_grad()
    y.register_hook(lambda g: g + 1)
    y.sin().sum().backward(inputs=[x])
    return x.grad, w.grad, y.grad


@case(extra=True)
def backward_inputs_nonleaf_sees_its_hooks(L):
    x = L.leaf(X)
    y = x * 3
    y.register_hook(lambda g: g * 2)
    y.retain_grad()
    y.register_hook(lambda g: g + 1)
    (y * y).sum().backward(inputs=[y])
    return y.grad, x.grad


@case(extra=True)
def backward_inputs_view_of_leaf(L):
    x = L.leaf(X)
    v = x[:2]
    (v * v).sum().backward(inputs=[v])
    return v.grad, x.grad


@case(extra=True)
def post_accumulate_hooks_and_inputs(L):
    x, w = L.leaf(X), L.leaf(X[::-1])
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(("x", t.grad.clone())))
    w.register_post_accumulate_grad_hook(lambda t: seen.append(("w", t.grad.clone())))
    loss = (x * w).sum()
    calls = []
    for run in (lambda: loss.backward(inputs=[w], retain_graph=True),
                lambda: L.grad(loss, x, retain_graph=True),  # accumulates nothing: no hook
                lambda: loss.backward(retain_graph=True)):
        run()
        calls.append(sorted(seen, key=lambda s: s[0]))
        seen.clear()
    return calls


@case(extra=True)
def leaf_hook_runs_in_grad(L):
    x = L.leaf(X)
    calls = []

    def hook(g):
        calls.append(g.clone())
        return g * 3

    x.register_hook(hook)
    y = (x * x).sum() + x.sum()
    (g,) = L.grad(y, x, retain_graph=True)
    y.backward()
    return g, x.grad, calls


@case(extra=True)
def view_of_leaf_hook(L):
    x = L.leaf(X)
    v = x[:2]
    v.register_hook(lambda g: g * 3)
    (v.sum() + x.sum()).backward()
    return x.grad


@case(match="modified by an inplace|version|in-place|inplace", extra=True)
def leaf_written_under_no_grad_after_saved(L):
    x = L.leaf(X)
    y = (x * x).sum()
    with L.no_grad():
        x[:2].mul_(2)
    y.backward()


@case(match="hook|shape|size", extra=True)
def hook_changes_shape(L):
    x = L.leaf(X)
    y = x * 2
    y.register_hook(lambda g: g.sum())
    y.sum().backward()


@case(match="hook|dtype|type", extra=True)
def hook_changes_dtype(L):
    x = L.leaf(X)
    y = x * 2
    y.register_hook(lambda g: g.to(L.float32))
    y.sum().backward()


@case(match="requires.grad|require grad|hook", extra=True)
def hook_on_constant(L):
    L.const(X).register_hook(lambda g: g)


@case(match="requires.grad|require grad|retain", extra=True)
def retain_grad_on_constant(L):
    L.const(X).retain_grad()


@case(extra=True)
def hook_removed_inside_backward(L):
    x = L.leaf(X)
    y = x * 2
    handles = []

    def first(g):
        handles[1].remove()
        return g * 2

    handles.append(y.register_hook(first))
    handles.append(y.register_hook(lambda g: g * 100))
    y.sum().backward()
    return x.grad


@case(extra=True)
def retain_grad_twice_and_inplace_twice(L):
    x = L.leaf(X)
    y = x * 1
    y.retain_grad()
    y.retain_grad()
    y.mul_(2)
    y.mul_(3)
    (y * y).sum().backward()
    return y.grad, x.grad


@case(extra=True)
def expand_same_shape_of_nonleaf_written(L):
    x = L.leaf(X)
    y = x * 1
    y.expand(3).mul_(L.const(X))
    y.sum().backward()
    return x.grad, y


def _counted(first, later):
    calls = [0]

    def fn(x):
        calls[0] += 1
        return first(x) if calls[0] == 1 else later(x)

    return fn


@case(match="differ|mismatch|shape|metadata|recomput", extra=True)
def checkpoint_recompute_changes_shapes(L):
    a = L.leaf(X)
    fn = _counted(lambda x: x.sin().exp(), lambda x: (x.sin() * L.const(np.ones((2, 3)))).sum(0))
    L.checkpoint(fn, a).sum().backward()


@case(match="differ|mismatch|number|saved|recomput", extra=True)
def checkpoint_recompute_saves_fewer(L):
    a = L.leaf(X)
    fn = _counted(lambda x: x.sin().exp().sin(), lambda x: x.sin().exp())
    L.checkpoint(fn, a).sum().backward()


@case(extra=True)
def checkpoint_hook_inside(L):
    a = L.leaf(X)
    calls = []

    def fn(x):
        h = x.sin()
        h.register_hook(lambda g: calls.append(1) or g * 2)
        return h.exp()

    L.checkpoint(fn, a).sum().backward()
    return a.grad, len(calls)


@case(extra=True)
def checkpoint_leaf_hook_and_inputs(L):
    a, b = L.leaf(X), L.leaf(X[::-1])
    a.register_hook(lambda g: g * 2)
    out = L.checkpoint(lambda x, y: (x * y).sin(), a, b)
    out.sum().backward(inputs=[a])
    return a.grad, b.grad


@case(extra=True)
def grad_fn_prehook(L):
    x = L.leaf(X)
    y = x * 2
    y.grad_fn.register_prehook(lambda gs: (gs[0] * 3,))
    y.sum().backward()
    return x.grad


@case(match="not.*used in the graph|allow_unused", extra=True)
def grad_wrt_noop_view_made_after(L):
    x = L.leaf(X)
    out = (x * x).sum()
    return L.grad(out, x.squeeze())  # a view made after out: out does not use it


@case(extra=True)
def grad_wrt_noop_view_made_after_allow_unused(L):
    x = L.leaf(X)
    out = (x * x).sum()
    return L.grad(out, x.transpose(0, 0), allow_unused=True)


@case(match="empty|inputs", extra=True)
def backward_inputs_empty(L):
    x = L.leaf(X)
    (x * x).sum().backward(inputs=[])


@case(extra=True)
def backward_inputs_unreachable(L):
    x, w = L.leaf(X), L.leaf(X)
    calls = []
    w.register_hook(lambda g: calls.append(1))
    (x * x).sum().backward(inputs=[w])
    return w.grad, x.grad, calls


@case(match="require", extra=True)
def backward_inputs_constant(L):
    x, c = L.leaf(X), L.const(X)
    (x * c).sum().backward(inputs=[c])


@case(extra=True)
def hook_with_create_graph(L):
    x = L.leaf(X)
    y = x * x
    y.register_hook(lambda g: g * y)  # the hook's product is differentiated too
    (g,) = L.grad(y.sum(), x, create_graph=True)
    (gg,) = L.grad(g.sum(), x)
    return g, gg


@case(extra=True)
def retain_grad_with_create_graph(L):
    x = L.leaf(X)
    y = x * x
    y.retain_grad()
    (y * y).sum().backward(create_graph=True)
    return y.grad, y.grad.requires_grad, x.grad.requires_grad


@case(extra=True)
def hook_on_expanded_view_of_leaf(L):
    x = L.leaf(X)
    v = x.expand(2, 3)
    seen = []
    v.register_hook(lambda g: seen.append(tuple(g.shape)) or g * 2)
    (v * L.const(A)).sum().backward()
    return x.grad, seen


@case(extra=True)
def post_accumulate_hook_sees_accumulated_grad(L):
    x = L.leaf(X)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    (x * x).sum().backward()
    (3 * x).sum().backward()
    return seen


@case(extra=True)
def hook_on_leaf_used_through_view_and_directly(L):
    x = L.leaf(X)
    calls = []
    x.register_hook(lambda g: calls.append(g.clone()) or g * 2)
    (x[:2].sum() + x.sum()).backward()
    return x.grad, calls


@case(extra=True)
def hooks_before_and_after_inplace(L):
    x = L.leaf(X)
    y = x * 1
    log = []
    y.register_hook(lambda g: log.append("a") or g * 2)
    y.mul_(3)
    y.register_hook(lambda g: log.append("b") or g + 1)
    y.sum().backward()
    return x.grad, log


@case(extra=True)
def retain_grad_on_noop_view_then_written(L):
    x = L.leaf(X)
    y = x * 1
    v = y.squeeze()
    v.retain_grad()
    v.mul_(2)
    (y * y).sum().backward()
    return v.grad, x.grad


@case(match="leaf|requires_grad|detach", extra=True)
def noop_view_of_leaf_requires_grad_false(L):
    x = L.leaf(X)
    x.view_as(x).requires_grad_(False)


@case(match="view|detach", extra=True)
def noop_view_detached_in_place(L):
    x = L.leaf(X)
    (x * 1).squeeze().detach_()


@case(extra=True)
def checkpoint_identity_block_with_leaf_hook(L):
    x = L.leaf(X)
    calls = []
    x.register_hook(lambda g: calls.append(1) or g)
    out = L.checkpoint(lambda a: a, x)
    (out * out).sum().backward()
    return x.grad, len(calls)


@case(extra=True)
def checkpoint_retain_grad_inside(L):
    x = L.leaf(X)
    keep = []

    def f(a):
        h = a.sin()
        h.retain_grad()
        keep.append(h)
        return h.exp()

    L.checkpoint(f, x).sum().backward()
    return x.grad, keep[0].grad


@case(extra=True)
def checkpoint_blocks_sharing_a_hooked_leaf(L):
    x = L.leaf(X)
    calls = []
    x.register_hook(lambda g: calls.append(g.clone()) or g * 2)
    y = L.checkpoint(lambda a: a.sin(), x) + L.checkpoint(lambda a: a.cos(), x)
    y.sum().backward()
    return x.grad, len(calls)


@case(extra=True)
def checkpoint_backward_inputs_its_argument(L):
    x = L.leaf(X)
    h = x * 2
    h.retain_grad()
    y = L.checkpoint(lambda a: a.sin() * a, h)
    y.sum().backward(inputs=[h])
    return h.grad, x.grad


@case(extra=True)
def checkpoint_output_written_in_place(L):
    x = L.leaf(X)
    y = L.checkpoint(lambda a: a.sin() * 1, x)
    y.mul_(2)
    y.sum().backward()
    return x.grad


@case(extra=True)
def checkpoint_returns_view_of_argument(L):
    x = L.leaf(X)
    y = L.checkpoint(lambda a: a[1:], x)
    (y * y).sum().backward()
    return x.grad


@case(match="modified|version|in place|inplace", extra=True)
def checkpoint_argument_written_before_backward(L):
    x = L.leaf(X)
    h = x * 1
    y = L.checkpoint(lambda a: a.sin(), h)
    h.mul_(2)
    y.sum().backward()


@case(extra=True)
def checkpoint_backward_twice_retained(L):
    x = L.leaf(X)
    y = L.checkpoint(lambda a: a.sin().exp(), x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


@case(extra=True)
def checkpoint_block_reads_changing_state(L):
    x = L.leaf(X)
    state = [0]

    def f(a):
        state[0] += 1
        return a * (2.0 if state[0] == 1 else 3.0)

    L.checkpoint(f, x).sum().backward()
    return x.grad


@case(extra=True)
def hook_on_tensor_then_tensor_written(L):
    x = L.leaf([1.0, 2.0, 3.0])
    y = x * 1
    y.register_hook(lambda g: g * 3)  # on y's value before the write
    y.mul_(2)
    y.sum().backward()
    return x.grad


@case(extra=True)
def hook_on_view_then_view_written(L):
    out = []
    for use_view in (False, True):
        x = L.leaf([1.0, 2.0, 3.0])
        y = x * 1
        v = y[:2]
        v.register_hook(lambda g: g * 3)  # on v's value before the write
        v.mul_(2)
        (v if use_view else y).sum().backward()
        out.append(x.grad)
    return out


@case(extra=True)
def view_of_leaf_made_under_no_grad(L):
    x = L.leaf(X)
    with L.no_grad():
        v = x[:2]
        w = x.squeeze()  # (nothing to squeeze)
    return v.requires_grad, v.grad_fn is None, w.requires_grad, w is x


@case(extra=True)
def view_of_leaf_made_under_no_grad_differentiated(L):
    x = L.leaf(X)
    with L.no_grad():
        v = x[:2]
    (v * v).sum().backward()
    return v.grad, x.grad


@case(match="no_grad|view", extra=True)
def view_of_leaf_made_under_no_grad_written(L):
    x = L.leaf(X)
    with L.no_grad():
        v = x.transpose(0, 0)
    v.mul_(2)


@case(extra=True)
def leaf_view_written_under_no_grad_then_used(L):
    x = L.leaf(X)
    v = x[:2]
    with L.no_grad():
        v.mul_(2)
    (v * v).sum().backward()
    y = L.leaf(X)
    with L.no_grad():
        y[:2].mul_(2)
    (y * y).sum().backward()
    return x.grad, v, y.grad


@case(extra=True)
def checkpoint_output_hook_second_order(L):
    x, w = L.leaf(A), L.leaf(A[::-1].copy())
    y = L.checkpoint(lambda a, b: (a.sin() * b).exp(), x * 1.5, w)
    y.register_hook(lambda g: g * 7)
    gs = L.grad((y * y).sum(), [x, w], create_graph=True)
    return gs, L.grad(sum((g * g).sum() for g in gs), [x, w])


@case(extra=True)
def grad_of_hooked_nonleaf_alone(L):
    x = L.leaf(X)
    a = x * 2
    a.register_hook(lambda g: g * 10)
    return L.grad((a * a).sum(), [a])


@case(extra=True)
def grad_of_hooked_nonleaf_and_beyond(L):
    x = L.leaf(X)
    a = x * 2
    a.register_hook(lambda g: g * 10)
    return L.grad((a * a).sum(), [a, x])


@case(extra=True)
def backward_inputs_same_path(L):
    x = L.leaf(X)
    a = x * 2
    b = a * 3
    (b * b).sum().backward(inputs=(x, a))
    return x.grad, a.grad


@case(extra=True)
def hook_writes_its_gradient_in_place(L):
    x = L.leaf(X)
    y = x * 2

    def hook(g):
        g.mul_(3)

    y.register_hook(hook)
    x.register_hook(lambda g: g.mul_(2))
    (y * y).sum().backward()
    return x.grad


def _ident(L):
    class Ident(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return Ident


@case(extra=True)
def function_returning_input_hooked(L):
    x = L.leaf(X)
    y = x * 1
    z = _ident(L).apply(y)
    z.register_hook(lambda g: g * 10)
    z.retain_grad()
    (z.sum() + y.sum()).backward()
    w = L.leaf(X)
    u = _ident(L).apply(w)  # the leaf itself returned
    u.register_hook(lambda g: g * 10)
    (u.sum() + w.sum()).backward()
    return x.grad, z.grad, z is y, w.grad, u is w, u.is_leaf


@case(extra=True)
def function_returning_input_then_input_written(L):
    x = L.leaf(X)
    y = x * 1
    z = _ident(L).apply(y)
    y.mul_(2)
    (z * 1).sum().backward()
    return x.grad, z


def _sgd_step(L):
    def step(t):
        with L.no_grad():
            t.sub_(t.grad * 0.1)

    return step


@case(extra=True)
def checkpoint_post_accumulate_hooks(L):
    x, w = L.leaf(X), L.leaf(X[::-1].copy())
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    y = L.checkpoint(lambda a: (a * w).sin(), x) + w
    y.sum().backward()
    return sorted(seen, key=lambda g: float(g.sum())), x.grad, w.grad


@case(extra=True)
def checkpoint_closed_over_leaf_stepped_in_its_hook(L):
    x, w = L.leaf(X), L.leaf(X[::-1].copy())
    w.register_post_accumulate_grad_hook(_sgd_step(L))  # an optimizer step in backward
    y1 = L.checkpoint(lambda a: (a * w).sin(), x)
    (y1.sum() + (x * w).sum()).backward()
    return x.grad, w


@case(extra=True)
def checkpoint_output_retain_grad_and_inputs(L):
    x = L.leaf(X)
    y = L.checkpoint(lambda a: a.sin(), x)
    y.retain_grad()
    (y * y).sum().backward(retain_graph=True)
    g1 = y.grad.clone()
    y.grad = None
    (y * y).sum().backward(inputs=[y])
    return g1, y.grad, x.grad


# ---- running ----------------------------------------------------------------------------------

def _host(v):
    return np.asarray(v.numpy()) if hasattr(v, "numpy") else np.asarray(v)


# sum |z|^2 with row 0 of z written to z0 + c: d/dz0 = d/dc = 2 (z0 + c), d/dz1 = 2 z1 (torch's
# convention for complex gradients, the conjugate Wirtinger derivative times 2)
_ROW0 = 2 * (Z22[0] + C2)

DIFFERS: dict[str, tuple[str, object]] = {
    "complex_unbind_output_written": (
        "torch refuses writing into an unbind output; gpuad records it (exact)",
        lambda res: np.allclose(_host(res[0]), np.vstack([_ROW0, 2 * Z22[1]]), rtol=1e-14)
        and np.allclose(_host(res[1]), _ROW0, rtol=1e-14)),
    "complex_unbind_output_written_no_grad_base": (
        "torch refuses writing a value that requires grad into an unbind output of a "
        "constant; gpuad records it (exact)",
        lambda res: np.allclose(_host(res), _ROW0, rtol=1e-14)),
    "checkpoint_retain_grad_inside": (
        "retain_grad on a value inside a checkpointed block: gpuad raises (the block's values "
        "are computed again in backward, so none is kept to hold .grad); torch fills the "
        "forward's tensor during the recomputation",
        "retain_grad inside gpuad.checkpoint"),
    "checkpoint_block_reads_changing_state": (
        "a block that computes other values when backward runs it again: gpuad raises (it "
        "always runs the block again and compares); torch saves nothing for a product by a "
        "Python number, so it does not run the block again and differentiates the forward",
        "computed something else.*different values"),
    "hook_on_view_then_view_written": (
        "a hook registered on a view before an in-place write into that view runs on the "
        "gradient of the view's value before the write (2 per element, times 3), as a hook "
        "on a tensor written in place does in torch too (hook_on_tensor_then_tensor_written); "
        "torch does not run it for a view (its old view step is not on the path)",
        lambda res: np.array_equal(_host(res[0]), [6.0, 6.0, 1.0])
        and np.array_equal(_host(res[1]), [6.0, 6.0, 0.0])),
    "view_of_leaf_made_under_no_grad": (
        "a view made under no_grad is a constant in gpuad (requires_grad False, as any "
        "result made under no_grad); torch's view of a leaf that requires grad keeps "
        "requires_grad=True without a grad_fn, a leaf of its own",
        lambda res: res == (False, True, False, False)),
    "view_of_leaf_made_under_no_grad_differentiated": (
        "as view_of_leaf_made_under_no_grad: the loss computed from the constant view "
        "does not require grad, so backward raises (torch fills v.grad, and x.grad stays "
        "None: the view's gradient does not reach the leaf)",
        "does not require grad"),
    "grad_of_hooked_nonleaf_and_beyond": (
        "autograd.grad with respect to a non-leaf with a hook and an input beyond it: gpuad "
        "returns the non-leaf's gradient after its hooks, as torch does when it is the only "
        "input (grad_of_hooked_nonleaf_alone: 10 times 2a); torch returns it before them "
        "when its step must run on to the other input (2a), its engine capturing the "
        "gradient before the hooks in that case",
        lambda res: np.allclose(_host(res[0]), 40 * X) and np.allclose(_host(res[1]), 80 * X)),
    "function_returning_input_then_input_written": (
        "an autograd.Function that returns its input as it came: gpuad's output holds the "
        "values of the call (the input's later write does not reach it; the gradient is "
        "that of those values), torch's is a view of the input that raises once the input "
        "is written in place",
        lambda res: np.array_equal(_host(res[0]), [2.0, 2.0, 2.0])
        and np.array_equal(_host(res[1]), X)),
    "fallback_base_used_after_no_grad_write_through_view": (
        "a write under no_grad through a view of a tensor with history leaves that history "
        "stale: gpuad refuses a later use of the base (torch differentiates it as if the "
        "write had not happened; a write into the tensor itself keeps its history, as torch)",
        "modified in place through another view"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name):
    c = CASES[name]
    t_res, t_err = _run(c.fn, _T)
    g_res, g_err = _run(c.fn, _G)
    if name in DIFFERS:
        _, how = DIFFERS[name]
        if isinstance(how, str):
            assert g_err is not None, f"gpuad should raise ({how}), gave {g_res!r}"
            assert re.search(how, str(g_err)), str(g_err)
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


def test_gaps_table():
    here = Path(__file__).parent
    names = [m for m, _ in GAPS]
    assert len(names) == len(set(names)) == UPSTREAM_METHODS
    for method, where in GAPS:
        assert re.match(r"(here|covered|differs|n/a): ", where), (method, where)
        for name in re.findall(r"here: (\w+)", where):
            assert name in CASES, (method, name)
        for f, name in re.findall(r"covered: ([\w.]+)::(\w+)", where):
            text = (here / f).read_text()
            assert f"def {name}(" in text, (method, f, name)
    assert set(DIFFERS) <= set(CASES)


def test_newest_test_autograd_is_mapped():
    mapped = {name for name, _ in TORCH_TESTS}
    total = 0
    for cls, block in NEWEST.items():
        for m in block.split():
            total += 1
            full = f"test_{m}" if cls == "TestAutograd" else f"{cls}.test_{m}"
            assert full in mapped or f"{cls}.*" in mapped, full
    assert total == 517
