/* Pointwise fp32 functions: one portable formula each, compiled per width by CK_MULTIVERSION. */
#include "fastmath.h"

/* Blocks go through a local array so the loop vectorises without an overlap check: called in place
 * (x == y), a plain loop would take the compiler's scalar fallback (~25x slower). */
#define CK_POINTWISE_BLOCK 64
#define CK_POINTWISE(name, formula)                                                   \
    CK_INLINE float name##_one(float x) { return formula; }                           \
    CK_INLINE void name##_body(const float *x, float *y, size_t n) {                  \
        size_t i = 0;                                                                 \
        for (; i + CK_POINTWISE_BLOCK <= n; i += CK_POINTWISE_BLOCK) {                \
            float block[CK_POINTWISE_BLOCK];                                          \
            for (size_t j = 0; j < CK_POINTWISE_BLOCK; j++) block[j] = name##_one(x[i + j]); \
            memcpy(y + i, block, sizeof block);                                       \
        }                                                                             \
        for (; i < n; i++) y[i] = name##_one(x[i]);                                   \
    }                                                                                 \
    CK_MULTIVERSION(name, (const float *x, float *y, size_t n), (x, y, n))

CK_POINTWISE(exp, ck_expf(x))
CK_POINTWISE(erf, ck_erff(x))
CK_POINTWISE(silu, x * ck_sigmoid(x))
CK_POINTWISE(gelu_erf, 0.5f * x * ck_one_plus_erf(x * 0.707106781186547524f))
/* 0.5 x (1 + tanh u) = x sigmoid(2u): no cancellation for negative x. */
CK_POINTWISE(gelu_tanh, x * ck_sigmoid(1.59576912160573071f * fmaf(0.044715f * x, x * x, x)))

/* tanh(log1p(e)) with e = exp(x) is n / (n + 2), n = e (e + 2); torch's softplus returns x
 * above 20, where tanh is 1 in fp32. */
CK_INLINE float mish_value(float x) {
    float e = ck_expf(x < 20.0f ? x : 20.0f);
    float n = e * (e + 2.0f);
    return x > 20.0f ? x : x * (n / (n + 2.0f));
}
CK_POINTWISE(mish, mish_value(x))

/* x[r, c] += gate[c] y[r, c]: the product rounded, then the sum (as torch computes x + gate * y; separate
 * statements, so no level fuses them into an FMA). */
CK_INLINE void add_gated_body(float *x, const float *y, const float *gate, size_t rows, size_t n, size_t ld) {
    for (size_t r = 0; r < rows; r++) {
        float *xr = x + r * ld;
        const float *yr = y + r * ld;
        for (size_t c = 0; c < n; c++) {
            float gated = gate[c] * yr[c];
            xr[c] += gated;
        }
    }
}
CK_MULTIVERSION(add_gated, (float *x, const float *y, const float *gate, size_t rows, size_t n, size_t ld),
                (x, y, gate, rows, n, ld))
