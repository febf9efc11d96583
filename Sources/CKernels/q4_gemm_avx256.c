/* Q4 GEMMs on ymm registers: int8 activations on AVX-VNNI (vpdpbusd) or AVX2 (vpmaddubsw + vpmaddwd),
 * int16 activations (ck_q4_gemm16) on AVX-VNNI (vpdpwssd) or AVX2 (vpmaddwd + vpaddd). One tile body for all,
 * specialised by two inlined functions: how a group of codes is unpacked and how one row's activations meet
 * them. Codes are streamed from the repacked weights; tiles of one panel (16 columns = 2 ymm) x 4 rows (int8)
 * or 8 rows (int16, whose unpacking costs more: 1.2x faster than 4 rows there, slower for int8). The 8-row
 * tile's 16 accumulators do not fit the 16 ymm registers beside the codes, so the compiler keeps them in L1
 * and walks the rows: measured on Zen 3, that form beats a slice buffer with register-resident 6-row tiles
 * (144 against 123 GOP/s on one 96 x 64 task, 89 % of the vpmaddwd step's peak), since the loads and stores
 * of the accumulators use ports the multiplies leave idle. */
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

CK_TARGET_AVX2 CK_INLINE __m256i broadcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/* One k-group (8 k) of 8 columns' codes, in the form the dot product multiplies. */
typedef struct {
    __m256i v[4];
} codes;

/* raw: the 32 bytes of the group for these columns (4 per int32 lane; ckernels.h). */
typedef void (*unpack_fn)(codes *c, __m256i raw);
/* acc[h] += the dot products of one row's 8 activations at x with the codes c[h] of the panel's half h, per
 * int32 lane (column). */
typedef void (*row_dot_fn)(__m256i acc[2], const codes c[2], const int8_t *x);

/* int8: u8 codes of k 0..3 and of k 4..7, 4 per lane. */
CK_TARGET_AVX2 static inline void unpack_u8(codes *c, __m256i raw) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    c->v[0] = _mm256_and_si256(raw, low);
    c->v[1] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
}

CK_TARGET_AVXVNNI static inline void dot_avxvnni(__m256i acc[2], const codes c[2], const int8_t *x) {
    __m256i xa = broadcast4(x), xb = broadcast4(x + 4);
    for (int h = 0; h < 2; h++) acc[h] = _mm256_dpbusd_avx_epi32(_mm256_dpbusd_avx_epi32(acc[h], c[h].v[0], xa), c[h].v[1], xb);
}

/* vpmaddubsw cannot saturate: |15 * 128 * 2| < 32767, and neither can the int16 sum of two of them, so
 * one vpmaddwd widens both. */
CK_TARGET_AVX2 static inline void dot_avx2(__m256i acc[2], const codes c[2], const int8_t *x) {
    __m256i xa = broadcast4(x), xb = broadcast4(x + 4);
    for (int h = 0; h < 2; h++) {
        __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(c[h].v[0], xa), _mm256_maddubs_epi16(c[h].v[1], xb));
        acc[h] = _mm256_add_epi32(acc[h], _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
    }
}

/* int16: masking and shifting each 16-bit word by 0, 4, 8 and 12 gives, per column, the codes of k (0, 2),
 * (4, 6), (1, 3) and (5, 7) as int16 pairs. The int16 layout stores each group's even k, then its odd k
 * (ckernels.h), so one 32-bit broadcast of the row pairs with each. */
CK_TARGET_AVX2 static inline void unpack_i16(codes *c, __m256i raw) {
    const __m256i low = _mm256_set1_epi16(0x0F);
    c->v[0] = _mm256_and_si256(raw, low);
    c->v[1] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
    c->v[2] = _mm256_and_si256(_mm256_srli_epi16(raw, 8), low);
    c->v[3] = _mm256_srli_epi16(raw, 12);
}

/* Exact: 2 * 15 * 32767 fits an int32 lane, and ck_q16_max bounds the whole sum. Each vpmaddwd needs a
 * vpaddd, which shares the vector ports: on AVX2 the adds, not the multiplies, set the pace. */
CK_TARGET_AVX2 static inline void dot16_avx2(__m256i acc[2], const codes c[2], const int8_t *x) {
    __m256i x0 = broadcast4(x), x1 = broadcast4(x + 4), x2 = broadcast4(x + 8), x3 = broadcast4(x + 12);
    for (int h = 0; h < 2; h++) {
        __m256i even = _mm256_add_epi32(_mm256_madd_epi16(c[h].v[0], x0), _mm256_madd_epi16(c[h].v[1], x1));
        __m256i odd = _mm256_add_epi32(_mm256_madd_epi16(c[h].v[2], x2), _mm256_madd_epi16(c[h].v[3], x3));
        acc[h] = _mm256_add_epi32(acc[h], _mm256_add_epi32(even, odd));
    }
}

/* AVX-VNNI (Intel desktops from Alder Lake on, which lack AVX-512): vpdpwssd adds the products itself, one
 * uop per 16 products instead of two. As asm, so no tuning splits it back into vpmaddwd + vpaddd. */
CK_TARGET_AVXVNNI CK_INLINE __m256i dpwssd256(__m256i acc, __m256i a, __m256i b) {
    __asm__("%{vex%} vpdpwssd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b));
    return acc;
}

CK_TARGET_AVXVNNI static inline void dot16_avxvnni(__m256i acc[2], const codes c[2], const int8_t *x) {
    __m256i x0 = broadcast4(x), x1 = broadcast4(x + 4), x2 = broadcast4(x + 8), x3 = broadcast4(x + 12);
    for (int h = 0; h < 2; h++)
        acc[h] = dpwssd256(dpwssd256(dpwssd256(dpwssd256(acc[h], c[h].v[0], x0), c[h].v[1], x1), c[h].v[2], x2), c[h].v[3], x3);
}

/* y[row, col0 .. col0 + 8) = ck_q4_out of one row's int32 sums (8 lanes at once where all are inside
 * [n0, n1): bit-identical to the portable twin). */
CK_TARGET_AVX2 CK_INLINE void store_row(const ck_q4_args *a, size_t row, size_t col0, __m256i sums) {
    float *y = a->y + row * a->ldy + col0;
    if (col0 + 8 <= a->n1) {
        __m256 t = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(sums, _mm256_set1_epi32(8 * a->qsum[row]))),
                                 _mm256_set1_ps(a->sx[row]));
        __m256 b = a->bias ? _mm256_loadu_ps(a->bias + col0) : _mm256_setzero_ps();
        _mm256_storeu_ps(y, _mm256_fmadd_ps(t, _mm256_loadu_ps(a->sw + col0), b));
        return;
    }
    int32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, sums);
    for (size_t c = 0; col0 + c < a->n1; c++)
        y[c] = ck_q4_out(lanes[c], a->qsum[row], a->sx[row], a->sw[col0 + c], a->bias ? a->bias[col0 + c] : 0.0f);
}

/* One panel for mr rows. elem: bytes per activation (1 or 2). */
CK_TARGET_AVX2 CK_INLINE void tile(const ck_q4_args *a, size_t r0, size_t panel, const int mr,
                                   unpack_fn unpack, row_dot_fn dot, const size_t elem) {
    const size_t groups = a->kp / CK_Q4_KGROUP;
    const uint8_t *w = a->w + panel * groups * 64;
    const int8_t *x = a->xq + r0 * a->kp * elem;
    __m256i acc[mr][2]; /* mr is a constant at every call: a fixed array */
    for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (size_t g = 0; g < groups; g++) {
        codes c[2];
        for (int h = 0; h < 2; h++) unpack(&c[h], _mm256_loadu_si256((const __m256i *)(w + g * 64 + 32 * h)));
        for (int r = 0; r < mr; r++) dot(acc[r], c, x + (r * a->kp + g * CK_Q4_KGROUP) * elem);
    }
    for (int r = 0; r < mr; r++)
        for (int h = 0; h < 2; h++) store_row(a, r0 + r, panel * CK_Q4_PANEL + 8 * h, acc[r][h]);
}

/* Panels outer, rows inner: one panel's codes (8 KiB at k = 1024) stay in L1 while every row tile of the
 * call (the caller passes blocks of a few hundred rows) passes over them. rows: the tile height (<= 8);
 * each row count of a tile is its own loop, so the accumulators stay in registers. */
CK_TARGET_AVX2 CK_INLINE void gemm256(const ck_q4_args *a, unpack_fn unpack, row_dot_fn dot, const size_t elem,
                                      const int rows) {
    size_t p_end = (a->n1 + CK_Q4_PANEL - 1) / CK_Q4_PANEL;
    for (size_t p = a->n0 / CK_Q4_PANEL; p < p_end; p++) {
        for (size_t r0 = 0; r0 < a->m; r0 += rows) {
            switch (a->m - r0 < (size_t)rows ? (int)(a->m - r0) : rows) {
            case 1: tile(a, r0, p, 1, unpack, dot, elem); break;
            case 2: tile(a, r0, p, 2, unpack, dot, elem); break;
            case 3: tile(a, r0, p, 3, unpack, dot, elem); break;
            case 4: tile(a, r0, p, 4, unpack, dot, elem); break;
            case 5: tile(a, r0, p, 5, unpack, dot, elem); break;
            case 6: tile(a, r0, p, 6, unpack, dot, elem); break;
            case 7: tile(a, r0, p, 7, unpack, dot, elem); break;
            default: tile(a, r0, p, 8, unpack, dot, elem); break;
            }
        }
    }
}

CK_TARGET_AVXVNNI void ck_q4_gemm_avxvnni(const ck_q4_args *a) { gemm256(a, unpack_u8, dot_avxvnni, 1, 4); }
CK_TARGET_AVX2 void ck_q4_gemm_avx2(const ck_q4_args *a) { gemm256(a, unpack_u8, dot_avx2, 1, 4); }
CK_TARGET_AVX2 void ck_q4_gemm16_avx2(const ck_q4_args *a) { gemm256(a, unpack_i16, dot16_avx2, 2, 8); }
CK_TARGET_AVXVNNI void ck_q4_gemm16_avxvnni(const ck_q4_args *a) { gemm256(a, unpack_i16, dot16_avxvnni, 2, 8); }
#endif
