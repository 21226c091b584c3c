// Fused first-order adjoints of gpuad's elementwise rules: out (+)= f'(saved) * g.
// Kernel names are the rule names with a `_vjp` suffix; instantiated for float and double.
#include "gpuad_vjp.cuh"

// Saved output (`v` = ans).
GPUAD_VJP1(exp_vjp,        gi * v)
GPUAD_VJP1(expm1_vjp,      gi * (v + T(1)))
GPUAD_VJP1(tan_vjp,        gi * (T(1) + v * v))
GPUAD_VJP1(tanh_vjp,       gi * (T(1) - v * v))
GPUAD_VJP1(sqrt_vjp,       gi / (T(2) * v))
GPUAD_VJP1(reciprocal_vjp, -gi * (v * v))
GPUAD_VJP1(sigmoid_vjp,    gi * v * (T(1) - v))
GPUAD_VJP1(relu_vjp,       v > T(0) ? gi : T(0))

// Saved input (`v` = x).
GPUAD_VJP1(log_vjp,        gi / v)
GPUAD_VJP1(log1p_vjp,      gi / (T(1) + v))
GPUAD_VJP1(log2_vjp,       gi / (v * T(kLn2)))
GPUAD_VJP1(log10_vjp,      gi / (v * T(kLn10)))
GPUAD_VJP1(sin_vjp,        gi * ad_cos(v))
GPUAD_VJP1(cos_vjp,        -gi * ad_sin(v))
GPUAD_VJP1(arcsin_vjp,     gi / ad_sqrt(T(1) - v * v))
GPUAD_VJP1(arccos_vjp,     -gi / ad_sqrt(T(1) - v * v))
GPUAD_VJP1(arctan_vjp,     gi / (T(1) + v * v))
GPUAD_VJP1(sinh_vjp,       gi * ad_cosh(v))
GPUAD_VJP1(cosh_vjp,       gi * ad_sinh(v))
GPUAD_VJP1(arcsinh_vjp,    gi / ad_sqrt(v * v + T(1)))
GPUAD_VJP1(arccosh_vjp,    gi / ad_sqrt(v * v - T(1)))
GPUAD_VJP1(arctanh_vjp,    gi / (T(1) - v * v))
GPUAD_VJP1(square_vjp,     T(2) * v * gi)
GPUAD_VJP1(abs_vjp,        gi * ad_sign(v))
GPUAD_VJP1(softplus_vjp,   gi * ad_sigmoid(v))
GPUAD_VJP1(gelu_vjp,       gi * (T(0.5) * (T(1) + ad_erf(v * T(kInvSqrt2)))
                                 + v * T(kInvSqrt2Pi) * ad_exp(T(-0.5) * v * v)))
GPUAD_VJP1(silu_vjp,       gi * (ad_sigmoid(v) * (T(1) + v * (T(1) - ad_sigmoid(v)))))

// Products and quotients: `v` is the other factor / the divisor.
GPUAD_VJP1(mul_vjp,        gi * v)
GPUAD_VJP1(div_vjp_num,    gi / v)
// d(u / v)/dv with u the numerator and v the divisor.
GPUAD_VJP2(div_vjp_den,    -(gi / v) * (u / v))
