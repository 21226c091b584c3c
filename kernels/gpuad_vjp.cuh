// Shared helpers for gpuad's fused adjoint kernels.
//
// Self-contained (no system headers) so that NVRTC compiles it on any machine. Local
// `#include "..."` lines are expanded by gpuad.backends.cuda_sources before compilation.
//
// Each kernel computes, for i in [0, n):
//     r = g[i] == 0 ? 0 : EXPR(saved values[i], g[i]);  out[i] = accumulate ? out[i] + r : r
// with a grid-stride loop, reading each operand once and writing out once. A zero adjoint
// contributes exactly zero, even where the local derivative is inf or NaN (as the engine's
// generic path does for guarded rules).
#pragma once

namespace gpuad {

__device__ __forceinline__ float ad_exp(float x) { return expf(x); }
__device__ __forceinline__ double ad_exp(double x) { return exp(x); }
__device__ __forceinline__ float ad_sin(float x) { return sinf(x); }
__device__ __forceinline__ double ad_sin(double x) { return sin(x); }
__device__ __forceinline__ float ad_cos(float x) { return cosf(x); }
__device__ __forceinline__ double ad_cos(double x) { return cos(x); }
__device__ __forceinline__ float ad_sinh(float x) { return sinhf(x); }
__device__ __forceinline__ double ad_sinh(double x) { return sinh(x); }
__device__ __forceinline__ float ad_cosh(float x) { return coshf(x); }
__device__ __forceinline__ double ad_cosh(double x) { return cosh(x); }
__device__ __forceinline__ float ad_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double ad_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float ad_erf(float x) { return erff(x); }
__device__ __forceinline__ double ad_erf(double x) { return erf(x); }
__device__ __forceinline__ float ad_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double ad_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float ad_log(float x) { return logf(x); }
__device__ __forceinline__ double ad_log(double x) { return log(x); }

template <typename T>
__device__ __forceinline__ T ad_sigmoid(T x) {
    // exp of the non-positive side only: 1/(1+exp(-x)) would flush the tiny values at x << 0
    if (x < T(0)) {
        T e = ad_exp(x);
        return e / (T(1) + e);
    }
    return T(1) / (T(1) + ad_exp(-x));
}

template <typename T>
__device__ __forceinline__ T ad_sign(T x) {
    return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x);  // keeps 0 and NaN
}

constexpr double kLn2 = 0.693147180559945309417232121458176568;
constexpr double kLn10 = 2.30258509299404568401799145468436421;

}  // namespace gpuad

// Each thread handles GPUAD_UNROLL elements per step of the grid-stride loop, loading all of
// them before computing any, so that several loads are in flight per thread.
#define GPUAD_UNROLL 4

// The unrolled grid-stride loop shared by every kernel: for each of GPUAD_UNROLL indices `i`
// (below n), LOAD reads operands into the per-slot registers s0..s3[k]; once all are loaded,
// STORE computes and writes out[i].
#define GPUAD_UNROLLED(LOAD, STORE)                                                       \
    const long long stride = (long long)blockDim.x * gridDim.x;                           \
    for (long long base = (long long)blockIdx.x * blockDim.x + threadIdx.x; base < n;     \
         base += stride * GPUAD_UNROLL) {                                                 \
        T s0[GPUAD_UNROLL], s1[GPUAD_UNROLL], s2[GPUAD_UNROLL], s3[GPUAD_UNROLL];         \
        _Pragma("unroll") for (int k = 0; k < GPUAD_UNROLL; ++k) {                        \
            const long long i = base + k * stride;                                        \
            if (i < n) { LOAD; }                                                          \
        }                                                                                 \
        _Pragma("unroll") for (int k = 0; k < GPUAD_UNROLL; ++k) {                        \
            const long long i = base + k * stride;                                        \
            if (i < n) { STORE; }                                                         \
        }                                                                                 \
    }

// The adjoint step: r = 0 where gi is 0, else EXPR; out = r, or out + r when accumulating.
#define GPUAD_ADJ_STORE(EXPR)                                                             \
    {                                                                                     \
        const T gi = s2[k];                                                               \
        const T r = gi == T(0) ? T(0) : (EXPR);                                           \
        out[i] = accumulate ? s3[k] + r : r;                                              \
    }

// One-operand adjoint: `v` is the saved value (input or output), `gi` the output adjoint.
#define GPUAD_VJP1(NAME, EXPR)                                                            \
    template <typename T>                                                                 \
    __global__ void NAME(const T* __restrict__ saved, const T* __restrict__ g, T* out,    \
                         long long n, int accumulate) {                                   \
        using namespace gpuad;                                                            \
        GPUAD_UNROLLED((s1[k] = saved[i], s2[k] = g[i],                                   \
                        s3[k] = accumulate ? out[i] : T(0)),                              \
                       { const T v = s1[k]; GPUAD_ADJ_STORE(EXPR) })                      \
    }

// Two-operand adjoint: `u` and `v` are two saved values, `gi` the output adjoint.
#define GPUAD_VJP2(NAME, EXPR)                                                            \
    template <typename T>                                                                 \
    __global__ void NAME(const T* __restrict__ saved0, const T* __restrict__ saved1,      \
                         const T* __restrict__ g, T* out, long long n, int accumulate) {  \
        using namespace gpuad;                                                            \
        GPUAD_UNROLLED((s0[k] = saved0[i], s1[k] = saved1[i], s2[k] = g[i],               \
                        s3[k] = accumulate ? out[i] : T(0)),                              \
                       { const T u = s0[k]; const T v = s1[k]; GPUAD_ADJ_STORE(EXPR) })   \
    }

// Elementwise maps for forward passes: out[i] = EXPR, with `x` (and `y`, or the scalar `c`)
// read at i.

// out = EXPR(x)
#define GPUAD_MAP1(NAME, EXPR)                                                            \
    template <typename T>                                                                 \
    __global__ void NAME(const T* __restrict__ a, T* __restrict__ out, long long n) {     \
        using namespace gpuad;                                                            \
        GPUAD_UNROLLED(s0[k] = a[i], { const T x = s0[k]; out[i] = (EXPR); })             \
    }

// out = EXPR(x, y), two arrays of one shape
#define GPUAD_MAP2(NAME, EXPR)                                                            \
    template <typename T>                                                                 \
    __global__ void NAME(const T* __restrict__ a, const T* __restrict__ b,                \
                         T* __restrict__ out, long long n) {                              \
        using namespace gpuad;                                                            \
        GPUAD_UNROLLED((s0[k] = a[i], s1[k] = b[i]),                                      \
                       { const T x = s0[k]; const T y = s1[k]; out[i] = (EXPR); })        \
    }

// out = EXPR(x, c), an array and a scalar passed by value
#define GPUAD_MAPC(NAME, EXPR)                                                            \
    template <typename T>                                                                 \
    __global__ void NAME(const T* __restrict__ a, const T c, T* __restrict__ out,         \
                         long long n) {                                                   \
        using namespace gpuad;                                                            \
        GPUAD_UNROLLED(s0[k] = a[i], { const T x = s0[k]; out[i] = (EXPR); })             \
    }
