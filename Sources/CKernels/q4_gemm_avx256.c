/* Q4 x int8 GEMM on ymm registers: AVX-VNNI (vpdpbusd) or AVX2 (vpmaddubsw + vpmaddwd).
 * One body for both, specialised by the inlined dot product. Codes are streamed from the
 * repacked weights; tiles of 4 rows x one panel (16 columns = 2 ymm). vpmaddubsw cannot
 * saturate here: |15 * 127 * 2| < 32767, and neither can the int16 sum of two of them. */
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define ROWS 4

/* acc += the dot products of 4 consecutive k for (lo, xa) and of the next 4 for (hi, xb), per int32
 * lane (one output column). */
typedef __m256i (*dot2_fn)(__m256i acc, __m256i lo, __m256i xa, __m256i hi, __m256i xb);

CK_TARGET_AVXVNNI static inline __m256i dot2_avxvnni(__m256i acc, __m256i lo, __m256i xa, __m256i hi, __m256i xb) {
    return _mm256_dpbusd_avx_epi32(_mm256_dpbusd_avx_epi32(acc, lo, xa), hi, xb);
}

/* The two u8 x s8 pair sums are added in int16 before widening: each is at most 2 * 15 * 127, so
 * their sum cannot saturate, and one vpmaddwd serves both. */
CK_TARGET_AVX2 static inline __m256i dot2_avx2(__m256i acc, __m256i lo, __m256i xa, __m256i hi, __m256i xb) {
    __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xa), _mm256_maddubs_epi16(hi, xb));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

CK_TARGET_AVX2 CK_INLINE __m256i broadcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

CK_TARGET_AVX2 CK_INLINE void tile(const ck_q4_args *a, size_t r0, size_t panel, const int mr, dot2_fn dot2) {
    const size_t groups = a->kp / CK_Q4_KGROUP;
    const uint8_t *w = a->w + panel * groups * 64;
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m256i acc[ROWS][2];
    for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (size_t g = 0; g < groups; g++) {
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(w + g * 64));
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(w + g * 64 + 32));
        __m256i lo0 = _mm256_and_si256(v0, low), hi0 = _mm256_and_si256(_mm256_srli_epi16(v0, 4), low);
        __m256i lo1 = _mm256_and_si256(v1, low), hi1 = _mm256_and_si256(_mm256_srli_epi16(v1, 4), low);
        for (int r = 0; r < mr; r++) {
            const int8_t *x = a->xq + (r0 + r) * a->kp + g * CK_Q4_KGROUP;
            __m256i xa = broadcast4(x), xb = broadcast4(x + 4);
            acc[r][0] = dot2(acc[r][0], lo0, xa, hi0, xb);
            acc[r][1] = dot2(acc[r][1], lo1, xa, hi1, xb);
        }
    }
    size_t col0 = panel * CK_Q4_PANEL;
    size_t cols = a->n1 - col0 < CK_Q4_PANEL ? a->n1 - col0 : CK_Q4_PANEL;
    for (int r = 0; r < mr; r++) {
        size_t row = r0 + r;
        float *y = a->y + row * a->ldy + col0;
        if (cols == CK_Q4_PANEL) {
            /* ck_q4_out on 8 lanes (the same operations: bit-identical). */
            const __m256i offset = _mm256_set1_epi32(8 * a->qsum[row]);
            const __m256 sx = _mm256_set1_ps(a->sx[row]);
            for (int h = 0; h < 2; h++) {
                __m256 t = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(acc[r][h], offset)), sx);
                __m256 b = a->bias ? _mm256_loadu_ps(a->bias + col0 + 8 * h) : _mm256_setzero_ps();
                _mm256_storeu_ps(y + 8 * h, _mm256_fmadd_ps(t, _mm256_loadu_ps(a->sw + col0 + 8 * h), b));
            }
            continue;
        }
        int32_t sums[CK_Q4_PANEL];
        _mm256_storeu_si256((__m256i *)sums, acc[r][0]);
        _mm256_storeu_si256((__m256i *)(sums + 8), acc[r][1]);
        for (size_t c = 0; c < cols; c++)
            y[c] = ck_q4_out(sums[c], a->qsum[row], a->sx[row], a->sw[col0 + c], a->bias ? a->bias[col0 + c] : 0.0f);
    }
}

/* Panels outer, rows inner: one panel's codes (8 KiB at k = 1024) stay in L1 while every row tile of
 * the call (the caller passes blocks of a few hundred rows) passes over them. */
CK_TARGET_AVX2 CK_INLINE void gemm256(const ck_q4_args *a, dot2_fn dot2) {
    size_t p_end = (a->n1 + CK_Q4_PANEL - 1) / CK_Q4_PANEL;
    for (size_t p = a->n0 / CK_Q4_PANEL; p < p_end; p++) {
        for (size_t r0 = 0; r0 < a->m; r0 += ROWS) {
            switch (a->m - r0 < ROWS ? (int)(a->m - r0) : ROWS) {
            case 1: tile(a, r0, p, 1, dot2); break;
            case 2: tile(a, r0, p, 2, dot2); break;
            case 3: tile(a, r0, p, 3, dot2); break;
            default: tile(a, r0, p, 4, dot2); break;
            }
        }
    }
}

CK_TARGET_AVXVNNI void ck_q4_gemm_avxvnni(const ck_q4_args *a) { gemm256(a, dot2_avxvnni); }
CK_TARGET_AVX2 void ck_q4_gemm_avx2(const ck_q4_args *a) { gemm256(a, dot2_avx2); }
#endif
