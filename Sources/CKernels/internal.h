/* Private to CKernels: target attributes, the multi-versioning macro and kernel variants. */
#ifndef CKERNELS_INTERNAL_H
#define CKERNELS_INTERNAL_H

#include "ckernels.h"
#include <math.h>
#include <string.h>

#define CK_INLINE static inline __attribute__((always_inline))

#if defined(__x86_64__)
#define CK_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define CK_TARGET_AVXVNNI __attribute__((target("avx2,fma,avxvnni")))
#define CK_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")))
#define CK_TARGET_AVX512VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma")))

/* Defines ck_<name> from an always-inline portable body `<name>_body`: the body is compiled
 * once per width under a target attribute (the compiler vectorizes it there) and the
 * dispatcher picks the variant for the active elementwise level. */
#define CK_MULTIVERSION(name, params, args)                                             \
    CK_TARGET_AVX512 static void name##_avx512 params { name##_body args; }             \
    CK_TARGET_AVX2 static void name##_avx2 params { name##_body args; }                 \
    void ck_##name params {                                                             \
        switch (ck_ew_isa_active()) {                                                   \
        case CK_EW_AVX512: name##_avx512 args; return;                                  \
        case CK_EW_AVX2: name##_avx2 args; return;                                      \
        default: name##_body args; return;                                              \
        }                                                                               \
    }
#else
#define CK_MULTIVERSION(name, params, args) \
    void ck_##name params { name##_body args; }
#endif

#if defined(__x86_64__)
#include <immintrin.h>
/* The zmm dot products as one instruction each, whatever the compiler's tuning: clang's generic and Intel
 * tunings rewrite part of the intrinsics' vpdpwssd (and vpdpbusd) into vpmaddwd + vpaddd (or vpmaddubsw +
 * vpmaddwd + vpaddd), two or three uops on ports 0 and 5, which are also the only dot-product ports of an Intel
 * core. acc += the 4 u8 x s8 (resp. 2 s16 x s16) products of each int32 lane of a and b. */
__attribute__((target("avx512f,avx512vnni"))) CK_INLINE __m512i ck_dpbusd512(__m512i acc, __m512i a_u8, __m512i b_s8) {
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a_u8), "v"(b_s8));
    return acc;
}
__attribute__((target("avx512f,avx512vnni"))) CK_INLINE __m512i ck_dpwssd512(__m512i acc, __m512i a, __m512i b) {
    __asm__("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
    return acc;
}
#endif

/* Lanes of the explicit partial sums in reductions: wide enough for a zmm, and the same
 * summation order at every level (so levels agree bit for bit). */
#define CK_LANES 16

CK_INLINE float ck_bits_to_float(int32_t i) { float f; memcpy(&f, &i, 4); return f; }

/* Arguments of one Q4 x int8 GEMM call (see ck_q4_gemm). */
typedef struct {
    const uint8_t *w;
    const float *sw, *bias;
    size_t n, kp;
    const int8_t *xq;
    const float *sx;
    const int32_t *qsum;
    size_t m;
    float *y;
    size_t ldy, n0, n1;
} ck_q4_args;

/* The one output formula every level uses, so that levels agree bit for bit:
 * the +8 offset of the weight codes is removed exactly in int32, then two fp32 roundings. */
CK_INLINE float ck_q4_out(int32_t acc, int32_t qsum, float sx, float sw, float b) {
    return fmaf((float)(acc - 8 * qsum) * sx, sw, b);
}

/* Offset-binary code (0..15) of column k of row c (local to a panel of 16) in a repacked panel. */
CK_INLINE int ck_q4_repacked_code(const uint8_t *panel, size_t c, size_t k) {
    uint8_t byte = panel[(k / 8) * 64 + 4 * c + (k % 4)];
    return (k % 8) < 4 ? (byte & 0x0F) : (byte >> 4);
}

void ck_q4_gemm_scalar(const ck_q4_args *a);
void ck_q4_gemm16_scalar(const ck_q4_args *a);
#if defined(__x86_64__)
void ck_q4_gemm_avx2(const ck_q4_args *a);
void ck_q4_gemm16_avx2(const ck_q4_args *a);
void ck_q4_gemm16_avxvnni(const ck_q4_args *a);
void ck_q4_gemm_avxvnni(const ck_q4_args *a);
void ck_q4_gemm_avx512vnni(const ck_q4_args *a);
void ck_q4_gemm16_avx512vnni(const ck_q4_args *a);
#endif

#endif
