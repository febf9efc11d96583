/* Q4 x int8 GEMM on ymm registers: AVX-VNNI (vpdpbusd) or AVX2 (vpmaddubsw + vpmaddwd), and
 * Q4 x int16 (ck_q4_gemm16) on AVX2. One body for all, specialised by the inlined per-row dot
 * product. Codes are streamed from the repacked weights; tiles of 4 rows x one panel (16 columns
 * = 2 ymm). vpmaddubsw cannot saturate here: |15 * 128 * 2| < 32767, and neither can the int16
 * sum of two of them. */
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define ROWS 4

CK_TARGET_AVX2 CK_INLINE __m256i broadcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/* The 16 columns' codes of one group of 8 k: lo = k 0..3, hi = k 4..7 (4 u8 per int32 lane); [0] columns
 * 0..7, [1] columns 8..15. */
typedef struct {
    __m256i lo[2], hi[2];
} codes8;

/* acc[h] += the dot products of one row's 8 activations at x with the codes, per int32 lane (column).
 * kp: the row's k stride of the activation layout. */
typedef void (*row_dot_fn)(__m256i acc[2], const codes8 *w, const int8_t *x, size_t kp);

CK_TARGET_AVXVNNI static inline void dot_avxvnni(__m256i acc[2], const codes8 *w, const int8_t *x, size_t kp) {
    (void)kp;
    __m256i xa = broadcast4(x), xb = broadcast4(x + 4);
    for (int h = 0; h < 2; h++) acc[h] = _mm256_dpbusd_avx_epi32(_mm256_dpbusd_avx_epi32(acc[h], w->lo[h], xa), w->hi[h], xb);
}

/* Two u8 x s8 pair sums added in int16 before widening: one vpmaddwd serves both. */
CK_TARGET_AVX2 CK_INLINE __m256i pair_sums(__m256i lo, __m256i hi, __m256i xa, __m256i xb) {
    return _mm256_add_epi16(_mm256_maddubs_epi16(lo, xa), _mm256_maddubs_epi16(hi, xb));
}

CK_TARGET_AVX2 static inline void dot_avx2(__m256i acc[2], const codes8 *w, const int8_t *x, size_t kp) {
    (void)kp;
    __m256i xa = broadcast4(x), xb = broadcast4(x + 4);
    for (int h = 0; h < 2; h++)
        acc[h] = _mm256_add_epi32(acc[h], _mm256_madd_epi16(pair_sums(w->lo[h], w->hi[h], xa, xb), _mm256_set1_epi16(1)));
}

/* int16 activations q = 256 hi + lo (hi bytes at x, lo bytes at x + kp): the hi pair sums are widened
 * times 256, the lo ones times 1. */
CK_TARGET_AVX2 static inline void dot16_avx2(__m256i acc[2], const codes8 *w, const int8_t *x, size_t kp) {
    __m256i ha = broadcast4(x), hb = broadcast4(x + 4), la = broadcast4(x + kp), lb = broadcast4(x + kp + 4);
    for (int h = 0; h < 2; h++) {
        __m256i wide = _mm256_madd_epi16(pair_sums(w->lo[h], w->hi[h], ha, hb), _mm256_set1_epi16(256));
        acc[h] = _mm256_add_epi32(_mm256_add_epi32(acc[h], wide),
                                  _mm256_madd_epi16(pair_sums(w->lo[h], w->hi[h], la, lb), _mm256_set1_epi16(1)));
    }
}

/* y = ck_q4_out of the tile's int32 sums (8 lanes at a time where the panel is whole: bit-identical). */
CK_TARGET_AVX2 CK_INLINE void store_tile(const ck_q4_args *a, size_t r0, size_t panel, const int mr, __m256i acc[][2]) {
    size_t col0 = panel * CK_Q4_PANEL;
    size_t cols = a->n1 - col0 < CK_Q4_PANEL ? a->n1 - col0 : CK_Q4_PANEL;
    for (int r = 0; r < mr; r++) {
        size_t row = r0 + r;
        float *y = a->y + row * a->ldy + col0;
        if (cols == CK_Q4_PANEL) {
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

/* row_bytes: bytes per activation row (kp for int8, 2 kp for int16). */
CK_TARGET_AVX2 CK_INLINE void tile(const ck_q4_args *a, size_t r0, size_t panel, const int mr, row_dot_fn dot,
                                   size_t row_bytes) {
    const size_t groups = a->kp / CK_Q4_KGROUP;
    const uint8_t *w = a->w + panel * groups * 64;
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m256i acc[ROWS][2];
    for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (size_t g = 0; g < groups; g++) {
        codes8 c;
        for (int h = 0; h < 2; h++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(w + g * 64 + 32 * h));
            c.lo[h] = _mm256_and_si256(v, low);
            c.hi[h] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
        }
        for (int r = 0; r < mr; r++) dot(acc[r], &c, a->xq + (r0 + r) * row_bytes + g * CK_Q4_KGROUP, a->kp);
    }
    store_tile(a, r0, panel, mr, acc);
}

/* Panels outer, rows inner: one panel's codes (8 KiB at k = 1024) stay in L1 while every row tile of
 * the call (the caller passes blocks of a few hundred rows) passes over them. */
CK_TARGET_AVX2 CK_INLINE void gemm256(const ck_q4_args *a, row_dot_fn dot, size_t row_bytes) {
    size_t p_end = (a->n1 + CK_Q4_PANEL - 1) / CK_Q4_PANEL;
    for (size_t p = a->n0 / CK_Q4_PANEL; p < p_end; p++) {
        for (size_t r0 = 0; r0 < a->m; r0 += ROWS) {
            switch (a->m - r0 < ROWS ? (int)(a->m - r0) : ROWS) {
            case 1: tile(a, r0, p, 1, dot, row_bytes); break;
            case 2: tile(a, r0, p, 2, dot, row_bytes); break;
            case 3: tile(a, r0, p, 3, dot, row_bytes); break;
            default: tile(a, r0, p, ROWS, dot, row_bytes); break;
            }
        }
    }
}

CK_TARGET_AVXVNNI void ck_q4_gemm_avxvnni(const ck_q4_args *a) { gemm256(a, dot_avxvnni, a->kp); }
CK_TARGET_AVX2 void ck_q4_gemm_avx2(const ck_q4_args *a) { gemm256(a, dot_avx2, a->kp); }
CK_TARGET_AVX2 void ck_q4_gemm16_avx2(const ck_q4_args *a) { gemm256(a, dot16_avx2, 2 * a->kp); }
#endif
