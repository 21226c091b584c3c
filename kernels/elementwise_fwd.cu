// Forward kernels of elementwise rules, for large contiguous float32/float64 arrays: one
// unrolled pass each, where CuPy's generic ufunc loop reaches about half the card's bandwidth.
// Each computes what NumPy computes (same math function, the scalar cast to the array's type).
#include "gpuad_vjp.cuh"

GPUAD_MAP1(sin_fwd,    ad_sin(x))
GPUAD_MAP1(cos_fwd,    ad_cos(x))
GPUAD_MAP1(tanh_fwd,   ad_tanh(x))
GPUAD_MAP1(exp_fwd,    ad_exp(x))
GPUAD_MAP1(log_fwd,    ad_log(x))
GPUAD_MAP1(sqrt_fwd,   ad_sqrt(x))
GPUAD_MAP1(square_fwd, x * x)

GPUAD_MAP2(add_fwd,      x + y)
GPUAD_MAP2(subtract_fwd, x - y)
GPUAD_MAP2(multiply_fwd, x * y)
GPUAD_MAP2(divide_fwd,   x / y)

// array (x) and scalar (c); `_cx` puts the scalar first
GPUAD_MAPC(add_fwd_xc,      x + c)
GPUAD_MAPC(subtract_fwd_xc, x - c)
GPUAD_MAPC(subtract_fwd_cx, c - x)
GPUAD_MAPC(multiply_fwd_xc, x * c)
GPUAD_MAPC(divide_fwd_xc,   x / c)
GPUAD_MAPC(divide_fwd_cx,   c / x)
