/* Q4 GEMMs on ymm registers: int8 activations on AVX-VNNI (vpdpbusd) or AVX2 (vpmaddubsw + vpmaddwd),
 * int16 activations (ck_q4_gemm16) on AVX-VNNI (vpdpwssd) or AVX2 (vpmaddwd + vpaddd).
 *
 * Few rows (m <= 4, memory bound): codes are streamed from the repacked weights and unpacked in registers,
 * one panel (16 columns = 2 ymm) for up to 4 rows at a time. More rows: as the zmm kernel, per block of up to
 * 4 panels and K slice, the codes are unpacked once into an L1-sized buffer and reused by every tile of
 * `rows` rows x one panel, whose 2 x rows int32 accumulators, the step's codes and the broadcast fit the 16
 * ymm registers (6 rows; 4 for AVX2 int8, which holds two steps' codes). Between K slices the int32 partial
 * sums live in y itself. */
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define SLICE_BYTES 16384 /* unpacked codes of a block of panels x one K slice: half of a 32 KiB L1 */
#define NP 4              /* panels per block */
#define GEMV_ROWS 4
#define UNROLL _Pragma("GCC unroll 8")

CK_TARGET_AVX2 CK_INLINE __m256i broadcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/* AVX-VNNI (Intel desktops from Alder Lake on, which lack AVX-512) as asm, so no tuning splits a dot product
 * into vpmaddwd + vpaddd. acc += the 4 u8 x s8 (resp. 2 s16 x s16) products of each int32 lane. */
CK_TARGET_AVXVNNI CK_INLINE __m256i dpbusd256(__m256i acc, __m256i a_u8, __m256i b_s8) {
    __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(a_u8), "x"(b_s8));
    return acc;
}
CK_TARGET_AVXVNNI CK_INLINE __m256i dpwssd256(__m256i acc, __m256i a, __m256i b) {
    __asm__("%{vex%} vpdpwssd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b));
    return acc;
}

/* ---- The step: one row's activations against codes of one panel (2 ymm halves of 8 columns). ----
 *
 * A k-group of 8 gives 2 elem "steps" per half: elem 1, the u8 codes of k 0..3 and of k 4..7; elem 2, masking and
 * shifting each 16-bit word by 0, 4, 8 and 12 gives the int16 pairs of k (0, 2), (4, 6), (1, 3) and (5, 7), the
 * order of the int16 layout (ckernels.h). Step s meets the 4 activation bytes at 4 s of the group in both layouts.
 * w[2 j + h] holds step j's codes of half h for the `steps` (1 or 2) steps a call takes; x the row's bytes. */
typedef void (*step_fn)(__m256i acc[2], const __m256i *w, const int8_t *x);

CK_TARGET_AVXVNNI static inline void step8_avxvnni(__m256i acc[2], const __m256i *w, const int8_t *x) {
    __m256i xb = broadcast4(x);
    for (int h = 0; h < 2; h++) acc[h] = dpbusd256(acc[h], w[h], xb);
}

/* Two steps: vpmaddubsw cannot saturate (|15 * 128 * 2| < 32767), nor can the int16 sum of two of them, so one
 * vpmaddwd widens both. */
CK_TARGET_AVX2 static inline void step8_avx2(__m256i acc[2], const __m256i *w, const int8_t *x) {
    __m256i xa = broadcast4(x), xb = broadcast4(x + 4);
    for (int h = 0; h < 2; h++) {
        __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(w[h], xa), _mm256_maddubs_epi16(w[2 + h], xb));
        acc[h] = _mm256_add_epi32(acc[h], _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
    }
}

CK_TARGET_AVXVNNI static inline void step16_avxvnni(__m256i acc[2], const __m256i *w, const int8_t *x) {
    __m256i xb = broadcast4(x);
    for (int h = 0; h < 2; h++) acc[h] = dpwssd256(acc[h], w[h], xb);
}

/* Exact: 2 * 15 * 32767 fits an int32 lane, and ck_q16_max bounds the whole sum. Each vpmaddwd needs a vpaddd on
 * the same vector ports: on AVX2 the adds, not the multiplies, set the pace. */
CK_TARGET_AVX2 static inline void step16_avx2(__m256i acc[2], const __m256i *w, const int8_t *x) {
    __m256i xb = broadcast4(x);
    for (int h = 0; h < 2; h++) acc[h] = _mm256_add_epi32(acc[h], _mm256_madd_epi16(w[h], xb));
}

/* The steps of one 32-byte half of a group (the codes of 8 columns x 8 k), in step order. */
CK_TARGET_AVX2 CK_INLINE void unpack_half(__m256i out[4], __m256i raw, const size_t elem) {
    if (elem == 1) {
        const __m256i low = _mm256_set1_epi8(0x0F);
        out[0] = _mm256_and_si256(raw, low);
        out[1] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
    } else {
        const __m256i low = _mm256_set1_epi16(0x0F);
        out[0] = _mm256_and_si256(raw, low);
        out[1] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
        out[2] = _mm256_and_si256(_mm256_srli_epi16(raw, 8), low);
        out[3] = _mm256_srli_epi16(raw, 12);
    }
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

/* Int32 partial sums of 8 columns between K slices: kept in y (only the columns that exist). */
CK_TARGET_AVX2 CK_INLINE __m256i load_partial(const ck_q4_args *a, size_t row, size_t col0) {
    int32_t *y = (int32_t *)(void *)(a->y + row * a->ldy + col0);
    if (col0 + 8 <= a->n1) return _mm256_loadu_si256((const __m256i *)y);
    int32_t lanes[8] = {0};
    for (size_t c = 0; col0 + c < a->n1; c++) lanes[c] = y[c];
    return _mm256_loadu_si256((const __m256i *)lanes);
}

CK_TARGET_AVX2 CK_INLINE void store_partial(const ck_q4_args *a, size_t row, size_t col0, __m256i sums) {
    int32_t *y = (int32_t *)(void *)(a->y + row * a->ldy + col0);
    if (col0 + 8 <= a->n1) {
        _mm256_storeu_si256((__m256i *)y, sums);
        return;
    }
    int32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, sums);
    for (size_t c = 0; col0 + c < a->n1; c++) y[c] = lanes[c];
}

/* ---- Few rows: codes streamed and unpacked in registers. ---- */

CK_TARGET_AVX2 CK_INLINE void gemv_tile(const ck_q4_args *a, size_t r0, size_t panel, const int mr, step_fn step,
                                        const int per_call, const size_t elem) {
    const size_t groups = a->kp / CK_Q4_KGROUP;
    const uint8_t *w = a->w + panel * groups * 64;
    __m256i acc[GEMV_ROWS][2];
    UNROLL
    for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (size_t g = 0; g < groups; g++) {
        __m256i halves[2][4], codes[4];
        for (int h = 0; h < 2; h++) unpack_half(halves[h], _mm256_loadu_si256((const __m256i *)(w + g * 64 + 32 * h)), elem);
        UNROLL
        for (int s = 0; s < 2 * (int)elem; s += per_call) {
            for (int j = 0; j < per_call; j++) codes[2 * j] = halves[0][s + j], codes[2 * j + 1] = halves[1][s + j];
            UNROLL
            for (int r = 0; r < mr; r++) step(acc[r], codes, a->xq + ((r0 + r) * a->kp + g * CK_Q4_KGROUP) * elem + 4 * s);
        }
    }
    UNROLL
    for (int r = 0; r < mr; r++)
        for (int h = 0; h < 2; h++) store_row(a, r0 + r, panel * CK_Q4_PANEL + 8 * h, acc[r][h]);
}

/* ---- More rows: a block's codes unpacked once per K slice, then tiles of rows x one panel. ---- */

/* Panels [p0, p0 + np), k in [k0, k0 + kl): step S of the slice for panel p at (S * np + p) * 64 (halves at +0, +32). */
CK_TARGET_AVX2 CK_INLINE void unpack_slice(const ck_q4_args *a, uint8_t *buf, size_t p0, size_t np, size_t k0, size_t kl,
                                           const size_t elem) {
    const size_t groups = a->kp / CK_Q4_KGROUP, steps = 2 * elem;
    for (size_t g = 0; g < kl / CK_Q4_KGROUP; g++)
        for (size_t p = 0; p < np; p++)
            for (int h = 0; h < 2; h++) {
                __m256i out[4];
                unpack_half(out, _mm256_loadu_si256((const __m256i *)(a->w + ((p0 + p) * groups + k0 / CK_Q4_KGROUP + g) * 64 + 32 * h)), elem);
                for (size_t s = 0; s < steps; s++) _mm256_store_si256((__m256i *)(buf + ((steps * g + s) * np + p) * 64 + 32 * h), out[s]);
            }
}

CK_TARGET_AVX2 CK_INLINE void gemm_tile(const ck_q4_args *a, const uint8_t *buf, size_t np, size_t kl, size_t k0, size_t r0,
                                        size_t panel, size_t p, int first, int last, const int mr, step_fn step,
                                        const int per_call, const size_t elem) {
    __m256i acc[8][2];
    UNROLL
    for (int r = 0; r < mr; r++) {
        acc[r][0] = acc[r][1] = _mm256_setzero_si256();
        __asm__("" : "+x"(acc[r][0]), "+x"(acc[r][1])); /* keeps the zeros from being folded into the first step */
    }
    const int8_t *x = a->xq + (r0 * a->kp + k0) * elem;
    const size_t steps = kl * elem / 4;
    for (size_t s = 0; s < steps; s += per_call) {
        __m256i w[4];
        UNROLL
        for (int j = 0; j < 2 * per_call; j++) w[j] = _mm256_load_si256((const __m256i *)(buf + ((s + j / 2) * np + p) * 64 + 32 * (j % 2)));
        UNROLL
        for (int r = 0; r < mr; r++) step(acc[r], w, x + r * a->kp * elem + 4 * s);
    }
    UNROLL
    for (int r = 0; r < mr; r++)
        for (int h = 0; h < 2; h++) {
            size_t col = panel * CK_Q4_PANEL + 8 * h;
            if (col >= a->n1) continue;
            __m256i sums = first ? acc[r][h] : _mm256_add_epi32(acc[r][h], load_partial(a, r0 + r, col));
            if (last) store_row(a, r0 + r, col, sums);
            else store_partial(a, r0 + r, col, sums);
        }
}

/* rows: the tile height (a constant at every call, so each height is its own fully unrolled loop). */
CK_TARGET_AVX2 CK_INLINE void gemm256(const ck_q4_args *a, step_fn step, const int per_call, const size_t elem,
                                      const int rows) {
    size_t p_begin = a->n0 / CK_Q4_PANEL, p_end = (a->n1 + CK_Q4_PANEL - 1) / CK_Q4_PANEL;
    if (a->m <= GEMV_ROWS) {
        for (size_t p = p_begin; p < p_end; p++)
            switch (a->m) {
            case 1: gemv_tile(a, 0, p, 1, step, per_call, elem); break;
            case 2: gemv_tile(a, 0, p, 2, step, per_call, elem); break;
            case 3: gemv_tile(a, 0, p, 3, step, per_call, elem); break;
            default: gemv_tile(a, 0, p, 4, step, per_call, elem); break;
            }
        return;
    }
    const size_t kslice = SLICE_BYTES / (NP * CK_Q4_PANEL * elem);
    _Alignas(64) uint8_t buf[SLICE_BYTES];
    for (size_t p0 = p_begin; p0 < p_end; p0 += NP) {
        size_t np = p_end - p0 < NP ? p_end - p0 : NP;
        for (size_t k0 = 0; k0 < a->kp; k0 += kslice) {
            size_t kl = a->kp - k0 < kslice ? a->kp - k0 : kslice;
            int first = k0 == 0, last = k0 + kl == a->kp;
            unpack_slice(a, buf, p0, np, k0, kl, elem);
            for (size_t p = 0; p < np; p++)
                for (size_t r0 = 0; r0 < a->m; r0 += rows) {
                    int mr = a->m - r0 < (size_t)rows ? (int)(a->m - r0) : rows;
#define TILE(R) case R: gemm_tile(a, buf, np, kl, k0, r0, p0 + p, p, first, last, R, step, per_call, elem); break;
                    switch (mr) { TILE(1) TILE(2) TILE(3) TILE(4) TILE(5) default: TILE(6) }
#undef TILE
                }
        }
    }
}

CK_TARGET_AVXVNNI void ck_q4_gemm_avxvnni(const ck_q4_args *a) { gemm256(a, step8_avxvnni, 1, 1, 6); }
CK_TARGET_AVX2 void ck_q4_gemm_avx2(const ck_q4_args *a) { gemm256(a, step8_avx2, 2, 1, 4); }
CK_TARGET_AVXVNNI void ck_q4_gemm16_avxvnni(const ck_q4_args *a) { gemm256(a, step16_avxvnni, 1, 2, 6); }
CK_TARGET_AVX2 void ck_q4_gemm16_avx2(const ck_q4_args *a) { gemm256(a, step16_avx2, 1, 2, 6); }
#endif
