/* Q4 GEMMs with AVX512-VNNI: int8 activations with vpdpbusd (u8 codes x s8), int16 activations
 * (ck_q4_gemm16) with vpdpwssd (codes widened to int16 x s16). One body for both, specialised by `elem`,
 * the bytes per activation: a k-group of 8 gives 2 elem code vectors per panel ("steps"), and step s of a
 * group meets the 4 activation bytes at 4 s of the group in both layouts (ckernels.h).
 *
 * Few rows (m <= 4, memory bound): codes are streamed from the repacked weights and unpacked in
 * registers. More rows: per block of 4 panels (64 output columns) and K slice (32 KiB of unpacked
 * codes: 512 k of u8, 256 k of int16), the codes are unpacked once into an L1-sized buffer and reused by
 * every 6-row x 64-column tile (24 zmm int32 accumulators). Between K slices the int32 partial sums live
 * in y itself. */
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define SLICE_BYTES 32768 /* unpacked codes of 4 panels x one K slice */
#define MR 6       /* rows per tile */
#define NP 4       /* panels (16 columns each) per tile */
#define GEMV_ROWS 4

#define TARGET CK_TARGET_AVX512VNNI
/* Loops over a tile's rows, panels and steps unrolled whole, so each accumulator is its own register (the dot
 * products are asm, which the compiler would otherwise leave in a rolled loop over memory). */
#define UNROLL _Pragma("GCC unroll 8")

/* Columns of panel q that exist (0 when it lies past n1). */
TARGET CK_INLINE __mmask16 panel_mask(const ck_q4_args *a, size_t q) {
    size_t first = q * CK_Q4_PANEL;
    if (first >= a->n1) return 0;
    size_t valid = a->n1 - first;
    return valid >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << valid) - 1);
}

TARGET CK_INLINE __m512i broadcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/* The 2 elem steps of one 64-byte group (16 columns x 8 k): elem 1, u8 codes of k 0..3 and 4..7; elem 2,
 * masking and shifting each 16-bit word by 0, 4, 8 and 12 gives the int16 pairs of k (0, 2), (4, 6), (1, 3)
 * and (5, 7), the order of the int16 layout. */
TARGET CK_INLINE void unpack_group(__m512i steps[4], const uint8_t *group, const size_t elem) {
    __m512i v = _mm512_loadu_si512(group);
    if (elem == 1) {
        const __m512i low = _mm512_set1_epi8(0x0F);
        steps[0] = _mm512_and_si512(v, low);
        steps[1] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
    } else {
        const __m512i low = _mm512_set1_epi16(0x0F);
        steps[0] = _mm512_and_si512(v, low);
        steps[1] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
        steps[2] = _mm512_and_si512(_mm512_srli_epi16(v, 8), low);
        steps[3] = _mm512_srli_epi16(v, 12);
    }
}

/* acc + one step's products of 16 columns' codes and 4 activation bytes (broadcast), per int32 lane. Exact
 * for int16: 2 * 15 * 32767 fits a lane, vpdpwssd does not saturate, and ck_q16_max bounds the whole sum. */
TARGET CK_INLINE __m512i dot_step(__m512i acc, __m512i codes, __m512i x, const size_t elem) {
    return elem == 1 ? ck_dpbusd512(acc, codes, x) : ck_dpwssd512(acc, codes, x);
}

/* Vector form of ck_q4_out for 16 columns starting at `col`. */
TARGET CK_INLINE void store_out(const ck_q4_args *a, __m512i acc, size_t r, size_t col, __mmask16 mask) {
    __m512i d = _mm512_sub_epi32(acc, _mm512_set1_epi32(8 * a->qsum[r]));
    __m512 t = _mm512_mul_ps(_mm512_cvtepi32_ps(d), _mm512_set1_ps(a->sx[r]));
    __m512 sw = _mm512_maskz_loadu_ps(mask, a->sw + col);
    __m512 b = a->bias ? _mm512_maskz_loadu_ps(mask, a->bias + col) : _mm512_setzero_ps();
    _mm512_mask_storeu_ps(a->y + r * a->ldy + col, mask, _mm512_fmadd_ps(t, sw, b));
}

TARGET CK_INLINE void gemv_tile(const ck_q4_args *a, size_t r0, size_t p0, const int mr, const int np,
                                const size_t elem) {
    const size_t groups = a->kp / CK_Q4_KGROUP;
    const int steps = 2 * (int)elem;
    __m512i acc[GEMV_ROWS][NP];
    UNROLL
    for (int r = 0; r < mr; r++)
        UNROLL
        for (int p = 0; p < np; p++) acc[r][p] = _mm512_setzero_si512();
    for (size_t g = 0; g < groups; g++) {
        __m512i x[GEMV_ROWS][4];
        UNROLL
        for (int r = 0; r < mr; r++)
            UNROLL
            for (int s = 0; s < steps; s++)
                x[r][s] = broadcast4(a->xq + ((r0 + r) * a->kp + g * CK_Q4_KGROUP) * elem + 4 * s);
        UNROLL
        for (int p = 0; p < np; p++) {
            __m512i codes[4];
            unpack_group(codes, a->w + ((p0 + p) * groups + g) * 64, elem);
            UNROLL
            for (int r = 0; r < mr; r++)
                UNROLL
                for (int s = 0; s < steps; s++) acc[r][p] = dot_step(acc[r][p], codes[s], x[r][s], elem);
        }
    }
    UNROLL
    for (int r = 0; r < mr; r++)
        UNROLL
        for (int p = 0; p < np; p++)
            store_out(a, acc[r][p], r0 + r, (p0 + p) * CK_Q4_PANEL, panel_mask(a, p0 + p));
}

/* Unpacks panels [p0, p0+np), k in [k0, k0+kl): step s of the slice, panel p at (s*np + p)*64. */
TARGET CK_INLINE void unpack_slice(const ck_q4_args *a, uint8_t *buf, size_t p0, int np, size_t k0, size_t kl,
                                   const size_t elem) {
    const size_t groups = a->kp / CK_Q4_KGROUP;
    const int steps = 2 * (int)elem;
    for (size_t g = 0; g < kl / CK_Q4_KGROUP; g++)
        UNROLL
        for (int p = 0; p < np; p++) {
            __m512i codes[4];
            unpack_group(codes, a->w + ((p0 + p) * groups + k0 / CK_Q4_KGROUP + g) * 64, elem);
            UNROLL
            for (int s = 0; s < steps; s++) _mm512_store_si512(buf + ((steps * g + s) * np + p) * 64, codes[s]);
        }
}

TARGET CK_INLINE void gemm_tile(const ck_q4_args *a, const uint8_t *buf, size_t k0, size_t kl, size_t r0,
                                size_t p0, int first, int last, const int mr, const int np, const size_t elem) {
    __m512i acc[MR][NP];
    __mmask16 mask[NP];
    UNROLL
    for (int p = 0; p < np; p++) mask[p] = panel_mask(a, p0 + p);
    /* The empty asm hides the zeros: otherwise the compiler rewrites the first row's products and keeps
     * part of the tile in memory. */
    UNROLL
    for (int r = 0; r < mr; r++)
        UNROLL
        for (int p = 0; p < np; p++) {
            acc[r][p] = _mm512_setzero_si512();
            __asm__("" : "+v"(acc[r][p]));
        }
    const int8_t *x = a->xq + (r0 * a->kp + k0) * elem;
    for (size_t s = 0; s < kl * elem / 4; s++) {
        __m512i w[NP];
        UNROLL
        for (int p = 0; p < np; p++) w[p] = _mm512_load_si512(buf + (s * np + p) * 64);
        UNROLL
        for (int r = 0; r < mr; r++) {
            __m512i xb = broadcast4(x + r * a->kp * elem + 4 * s);
            UNROLL
            for (int p = 0; p < np; p++) acc[r][p] = dot_step(acc[r][p], w[p], xb, elem);
        }
    }
    UNROLL
    for (int r = 0; r < mr; r++)
        UNROLL
        for (int p = 0; p < np; p++) {
            size_t col = (p0 + p) * CK_Q4_PANEL;
            if (!first)
                acc[r][p] = _mm512_add_epi32(acc[r][p], _mm512_maskz_loadu_epi32(mask[p], a->y + (r0 + r) * a->ldy + col));
            if (last)
                store_out(a, acc[r][p], r0 + r, col, mask[p]);
            else
                _mm512_mask_storeu_epi32(a->y + (r0 + r) * a->ldy + col, mask[p], acc[r][p]);
        }
}

/* Tile shapes are compile-time constants so the accumulators stay in registers. */
#define CASE(fn, R, P, ...) case (R) * 8 + (P): fn(__VA_ARGS__, R, P, elem); break;
#define CASES4(fn, R, ...) CASE(fn, R, 1, __VA_ARGS__) CASE(fn, R, 2, __VA_ARGS__) \
                           CASE(fn, R, 3, __VA_ARGS__) CASE(fn, R, 4, __VA_ARGS__)

TARGET CK_INLINE void gemv(const ck_q4_args *a, size_t p_begin, size_t p_end, const size_t elem) {
    for (size_t r0 = 0; r0 < a->m; r0 += GEMV_ROWS) {
        int mr = a->m - r0 < GEMV_ROWS ? (int)(a->m - r0) : GEMV_ROWS;
        for (size_t p0 = p_begin; p0 < p_end; p0 += NP) {
            int np = p_end - p0 < NP ? (int)(p_end - p0) : NP;
            switch (mr * 8 + np) {
                CASES4(gemv_tile, 1, a, r0, p0)
                CASES4(gemv_tile, 2, a, r0, p0)
                CASES4(gemv_tile, 3, a, r0, p0)
                CASES4(gemv_tile, 4, a, r0, p0)
            }
        }
    }
}

TARGET CK_INLINE void gemm(const ck_q4_args *a, size_t p_begin, size_t p_end, const size_t elem) {
    const size_t kslice = SLICE_BYTES / (NP * CK_Q4_PANEL * elem);
    /* On the stack: no allocation per call, nothing that can fail. */
    _Alignas(64) uint8_t buf[SLICE_BYTES];
    for (size_t p0 = p_begin; p0 < p_end; p0 += NP) {
        int np = p_end - p0 < NP ? (int)(p_end - p0) : NP;
        for (size_t k0 = 0; k0 < a->kp; k0 += kslice) {
            size_t kl = a->kp - k0 < kslice ? a->kp - k0 : kslice;
            int first = k0 == 0, last = k0 + kl == a->kp;
            unpack_slice(a, buf, p0, np, k0, kl, elem);
            for (size_t r0 = 0; r0 < a->m; r0 += MR) {
                int mr = a->m - r0 < MR ? (int)(a->m - r0) : MR;
                switch (mr * 8 + np) {
                    CASES4(gemm_tile, 1, a, buf, k0, kl, r0, p0, first, last)
                    CASES4(gemm_tile, 2, a, buf, k0, kl, r0, p0, first, last)
                    CASES4(gemm_tile, 3, a, buf, k0, kl, r0, p0, first, last)
                    CASES4(gemm_tile, 4, a, buf, k0, kl, r0, p0, first, last)
                    CASES4(gemm_tile, 5, a, buf, k0, kl, r0, p0, first, last)
                    CASES4(gemm_tile, 6, a, buf, k0, kl, r0, p0, first, last)
                }
            }
        }
    }
}

TARGET CK_INLINE void gemm512(const ck_q4_args *a, const size_t elem) {
    size_t p_begin = a->n0 / CK_Q4_PANEL, p_end = (a->n1 + CK_Q4_PANEL - 1) / CK_Q4_PANEL;
    if (a->m <= GEMV_ROWS)
        gemv(a, p_begin, p_end, elem);
    else
        gemm(a, p_begin, p_end, elem);
}

TARGET void ck_q4_gemm_avx512vnni(const ck_q4_args *a) { gemm512(a, 1); }
TARGET void ck_q4_gemm16_avx512vnni(const ck_q4_args *a) { gemm512(a, 2); }
#endif
