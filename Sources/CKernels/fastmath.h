/* Branch-free fp32 math the compiler can vectorize (no libm calls except fmaf, which becomes
 * one instruction under the FMA targets). Private to CKernels. */
#ifndef CKERNELS_FASTMATH_H
#define CKERNELS_FASTMATH_H

#include "internal.h"

/* exp(x): Cephes expf polynomial after x = n ln2 + r, |r| <= ln2/2; ~1 ulp.
 * Results below 2^-125 are flushed to 0; above FLT_MAX they are +inf. */
CK_INLINE float ck_expf(float x) {
    float xc = x < -86.5f ? -86.5f : x;
    xc = xc > 88.72f ? 88.72f : xc;
    float n = rintf(xc * 1.44269504088896341f);
    float r = fmaf(n, -0.693359375f, xc);
    r = fmaf(n, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    p = fmaf(p, r * r, r) + 1.0f;
    /* 2^n as 2^(n-1) * 2 so that n = 128 does not overflow the exponent field. */
    float e = p * ck_bits_to_float(((int32_t)n + 126) << 23) * 2.0f;
    e = x < -86.5f ? 0.0f : e;
    return x > 88.7228394f ? INFINITY : e;
}

/* SLEEF's exp2f polynomial on r = x - round(x) in [-1/2, 1/2], highest degree first: 2^r = p(r), ~1.2 ulp.
 * The one set of coefficients of every exp2 (attention's scalar, ymm and zmm forms evaluate it by
 * Horner's rule in this order, so they agree bit for bit). */
#define CK_EXP2_DEGREE 6
static const float ck_exp2_poly[CK_EXP2_DEGREE + 1] = {0.1535920892e-3f, 0.1339262701e-2f, 0.9618384764e-2f,
                                                       0.5550347269e-1f, 0.2402264476e+0f, 0.6931471825e+0f, 1.0f};

/* erf split at |x| = 0.927734375 (N. Juffa's erff, max error ~1 ulp):
 * small |x|: odd polynomial; large |x|: erfc(|x|) = exp(poly(|x|)). */
#define CK_ERF_SPLIT 0.927734375f

CK_INLINE float ck_erf_small(float x) {
    float s = x * x;
    float r = -5.96761703e-4f;
    r = fmaf(r, s, 4.99119423e-3f);
    r = fmaf(r, s, -2.67681349e-2f);
    r = fmaf(r, s, 1.12819925e-1f);
    r = fmaf(r, s, -3.76125336e-1f);
    r = fmaf(r, s, 1.28379166e-1f);
    return fmaf(r, x, x);
}

/* erfc(t) for t >= CK_ERF_SPLIT. */
CK_INLINE float ck_erfc_large(float t) {
    float s = t * t;
    float r = fmaf(-1.72853470e-5f, t, 3.83197126e-4f);
    float u = fmaf(-3.88396438e-3f, t, 2.42546219e-2f);
    r = fmaf(r, s, u);
    r = fmaf(r, t, -1.06777877e-1f);
    r = fmaf(r, t, -6.34846687e-1f);
    r = fmaf(r, t, -1.28717512e-1f);
    r = fmaf(r, t, -t);
    return ck_expf(r);
}

/* 1 + erf(x) without cancellation for negative x. */
CK_INLINE float ck_one_plus_erf(float x) {
    float t = fabsf(x);
    float tail = ck_erfc_large(t);
    float big = x > 0 ? 2.0f - tail : tail;
    return t > CK_ERF_SPLIT ? big : 1.0f + ck_erf_small(x);
}

CK_INLINE float ck_erff(float x) {
    float t = fabsf(x);
    float big = copysignf(1.0f - ck_erfc_large(t), x);
    return t > CK_ERF_SPLIT ? big : ck_erf_small(x);
}

/* 1 / (1 + exp(-x)). */
CK_INLINE float ck_sigmoid(float x) { return 1.0f / (1.0f + ck_expf(-x)); }

#if defined(__x86_64__)
#include <immintrin.h>

/* 2^x on 16 lanes for x <= 0 (log2-scaled scores minus their row max): ck_exp2_poly on r = x - round(x),
 * 2^round(x) by vscalefps; x is clamped at -125, so the smallest result is 2^-125 (a normal number)
 * instead of 0. Both attention kernels use it. */
CK_TARGET_AVX512 CK_INLINE __m512 ck_exp2_512(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-125.0f));
    __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_sub_ps(x, n);
    __m512 p = _mm512_set1_ps(ck_exp2_poly[0]);
    for (int i = 1; i <= CK_EXP2_DEGREE; i++) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(ck_exp2_poly[i]));
    return _mm512_scalef_ps(p, n);
}
#endif

#endif
