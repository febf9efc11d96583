/* Fused attention for one head (see ck_attention_head in ckernels.h).
 *
 * K is transposed (16 x 16 register transposes) into panels of up to 96 keys and V copied into
 * contiguous rows, once per call. Per block of query rows:
 *  1. S = (scale log2(e) Q) K^T into a block buffer (query_block x n, L2) with a 4-row x 96-key
 *     micro-kernel: one K panel (24 KiB at d = 64) stays in L1 while every row group passes over
 *     it; the tile epilogue keeps lane-wise row maxima.
 *  2. Per row: P = 2^(S - max) in fp32 (vectorised exp2, i.e. exp with log2(e) folded into Q),
 *     and the row sum.
 *  3. O = P V with a 6-row x 64-column micro-kernel, divided by the row sums on the way out.
 * The full n x n scores never exist; nothing here calls BLAS or spawns threads.
 *
 * The portable twin (used when AVX-512 is not active or head_dim is not a multiple of 16)
 * computes the same thing row by row with plain loops and ck_expf. */
#include "fastmath.h"

#include <stdint.h>

#define PANEL 96 /* keys per packed K^T panel (6 zmm) */

static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

static float *align64(float *p) { return (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }

size_t ck_attention_scratch_floats(size_t n, size_t head_dim, size_t query_block) {
    size_t np = round_up(n, 16), dp = round_up(head_dim, 16);
    /* K^T panels, V, scaled Q block, score block, row sums, lane-wise row maxima. */
    return np * dp + np * dp + query_block * dp + query_block * np + round_up(query_block, 16) + 16 * query_block +
           6 * 16;
}

int ck_attention_fused_available(size_t head_dim) {
#if defined(__x86_64__)
    return ck_ew_isa_active() == CK_EW_AVX512 && head_dim > 0 && head_dim % 16 == 0;
#else
    (void)head_dim;
    return 0;
#endif
}

/* ---- Portable twin. ---- */

static void attention_head_portable(const float *q, const float *k, const float *v, float *out, size_t n,
                                    size_t d, size_t ld, size_t row0, size_t row1, float scale, float *scratch) {
    float *qs = scratch, *s = scratch + d;
    for (size_t i = row0; i < row1; i++) {
        for (size_t p = 0; p < d; p++) qs[p] = q[i * ld + p] * scale;
        float m = -INFINITY;
        for (size_t j = 0; j < n; j++) {
            float acc = 0;
            for (size_t p = 0; p < d; p++) acc = fmaf(qs[p], k[j * ld + p], acc);
            s[j] = acc;
            m = acc > m ? acc : m;
        }
        float sum = 0;
        for (size_t j = 0; j < n; j++) {
            s[j] = ck_expf(s[j] - m);
            sum += s[j];
        }
        float *o = out + i * ld, inv = 1.0f / sum;
        for (size_t c = 0; c < d; c++) o[c] = 0;
        for (size_t j = 0; j < n; j++)
            for (size_t c = 0; c < d; c++) o[c] = fmaf(s[j], v[j * ld + c], o[c]);
        for (size_t c = 0; c < d; c++) o[c] *= inv;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define T512 CK_TARGET_AVX512
#define S_MR 4  /* query rows per score tile */
#define S_NV 6  /* key vectors (16 keys) per score tile */
#define O_MR 6  /* query rows per output tile */
#define O_NV 4  /* output vectors (16 columns) per output tile */

/* r[i] = column i of the 16 x 16 matrix whose rows are r[0 .. 16). */
T512 CK_INLINE void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* r[4 i + k], 128-bit lane L: rows 4 i .. 4 i + 3 of column 4 L + k. */
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int k = 0; k < 4; k++) {
        t[k] = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x88);
        t[4 + k] = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xDD);
        t[8 + k] = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x88);
        t[12 + k] = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xDD);
    }
    for (int k = 0; k < 4; k++) {
        r[k] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0x88);
        r[k + 8] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0xDD);
        r[k + 4] = _mm512_shuffle_f32x4(t[4 + k], t[12 + k], 0x88);
        r[k + 12] = _mm512_shuffle_f32x4(t[4 + k], t[12 + k], 0xDD);
    }
}

/* s[r][0 .. 16 nv) = sum_p qs[r][p] kt[p][0 .. 16 nv) for r < mr; kt rows have stride w.
 * rmax[r][0 .. 16) becomes its lane-wise max with the new scores (in the last vector only the
 * lanes in `last`: the others are padding keys). */
T512 CK_INLINE void score_tile(const float *qs, size_t d, const float *kt, size_t w, float *s, size_t lds,
                               float *rmax, __mmask16 last, const int mr, const int nv) {
    __m512 acc[S_MR][S_NV];
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nv; c++) acc[r][c] = _mm512_setzero_ps();
    for (size_t p = 0; p < d; p++) {
        __m512 kv[S_NV];
        for (int c = 0; c < nv; c++) kv[c] = _mm512_load_ps(kt + p * w + 16 * c);
        for (int r = 0; r < mr; r++) {
            __m512 qb = _mm512_set1_ps(qs[r * d + p]);
            for (int c = 0; c < nv; c++) acc[r][c] = _mm512_fmadd_ps(qb, kv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < mr; r++) {
        __m512 m = _mm512_load_ps(rmax + 16 * r);
        for (int c = 0; c < nv - 1; c++) m = _mm512_max_ps(m, acc[r][c]);
        _mm512_store_ps(rmax + 16 * r, _mm512_mask_max_ps(m, last, m, acc[r][nv - 1]));
        for (int c = 0; c < nv; c++) _mm512_store_ps(s + r * lds + 16 * c, acc[r][c]);
    }
}

#define SCORE_NV(mr)                                                                  \
    switch (nv) {                                                                     \
    case 1: score_tile(qs, d, kt, w, s, lds, rmax, last, mr, 1); break;                           \
    case 2: score_tile(qs, d, kt, w, s, lds, rmax, last, mr, 2); break;                           \
    case 3: score_tile(qs, d, kt, w, s, lds, rmax, last, mr, 3); break;                           \
    case 4: score_tile(qs, d, kt, w, s, lds, rmax, last, mr, 4); break;                           \
    case 5: score_tile(qs, d, kt, w, s, lds, rmax, last, mr, 5); break;                           \
    default: score_tile(qs, d, kt, w, s, lds, rmax, last, mr, 6); break;                          \
    }

T512 static void score_tile_any(const float *qs, size_t d, const float *kt, size_t w, float *s, size_t lds,
                                float *rmax, __mmask16 last, int mr, int nv) {
    switch (mr) {
    case 1: SCORE_NV(1) break;
    case 2: SCORE_NV(2) break;
    case 3: SCORE_NV(3) break;
    default: SCORE_NV(4) break;
    }
}

/* out[r][c0 .. c0 + 16 nv) = sum_j p[r][j] vp[j][c0 ..] / sums[r] for r < mr, j < np. */
T512 CK_INLINE void output_tile(const float *p, size_t ldp, const float *vp, size_t d, size_t np, size_t c0,
                                const float *sums, float *out, size_t ld, const int mr, const int nv) {
    __m512 acc[O_MR][O_NV];
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nv; c++) acc[r][c] = _mm512_setzero_ps();
    const float *vj = vp + c0;
    for (size_t j = 0; j < np; j++, vj += d) {
        __m512 vv[O_NV];
        for (int c = 0; c < nv; c++) vv[c] = _mm512_load_ps(vj + 16 * c);
        for (int r = 0; r < mr; r++) {
            __m512 pb = _mm512_set1_ps(p[r * ldp + j]);
            for (int c = 0; c < nv; c++) acc[r][c] = _mm512_fmadd_ps(pb, vv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < mr; r++) {
        __m512 inv = _mm512_set1_ps(1.0f / sums[r]);
        for (int c = 0; c < nv; c++) _mm512_storeu_ps(out + r * ld + c0 + 16 * c, _mm512_mul_ps(acc[r][c], inv));
    }
}

#define OUTPUT_NV(mr)                                                                 \
    switch (nv) {                                                                     \
    case 1: output_tile(p, ldp, vp, d, np, c0, sums, out, ld, mr, 1); break;          \
    case 2: output_tile(p, ldp, vp, d, np, c0, sums, out, ld, mr, 2); break;          \
    case 3: output_tile(p, ldp, vp, d, np, c0, sums, out, ld, mr, 3); break;          \
    default: output_tile(p, ldp, vp, d, np, c0, sums, out, ld, mr, 4); break;         \
    }

T512 static void output_tile_any(const float *p, size_t ldp, const float *vp, size_t d, size_t np, size_t c0,
                                 const float *sums, float *out, size_t ld, int mr, int nv) {
    switch (mr) {
    case 1: OUTPUT_NV(1) break;
    case 2: OUTPUT_NV(2) break;
    case 3: OUTPUT_NV(3) break;
    case 4: OUTPUT_NV(4) break;
    case 5: OUTPUT_NV(5) break;
    default: OUTPUT_NV(6) break;
    }
}

/* Rows of s (n valid columns of np, scores in log2 units): 2^(s - rowmax) with 0 in the padding;
 * sums[r] = row sum. rmax[r][0 .. 16): lane-wise maxima of row r from the score tiles. */
T512 static void softmax_block(float *s, size_t rows, size_t n, size_t np, size_t lds, const float *rmax,
                               float *sums) {
    const size_t full = n / 16 * 16;
    const __mmask16 tail = (__mmask16)((1u << (n - full)) - 1);
    for (size_t r = 0; r < rows; r++) {
        float *row = s + r * lds;
        __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(_mm512_load_ps(rmax + 16 * r)));
        __m512 s0 = _mm512_setzero_ps(), s1 = s0;
        size_t j;
        for (j = 0; j + 32 <= full; j += 32) {
            __m512 e0 = ck_exp2_512(_mm512_sub_ps(_mm512_load_ps(row + j), m));
            __m512 e1 = ck_exp2_512(_mm512_sub_ps(_mm512_load_ps(row + j + 16), m));
            _mm512_store_ps(row + j, e0);
            _mm512_store_ps(row + j + 16, e1);
            s0 = _mm512_add_ps(s0, e0);
            s1 = _mm512_add_ps(s1, e1);
        }
        for (; j < full; j += 16) {
            __m512 e = ck_exp2_512(_mm512_sub_ps(_mm512_load_ps(row + j), m));
            _mm512_store_ps(row + j, e);
            s0 = _mm512_add_ps(s0, e);
        }
        if (full < np) {
            __m512 e = _mm512_maskz_mov_ps(tail, ck_exp2_512(_mm512_sub_ps(_mm512_load_ps(row + full), m)));
            _mm512_store_ps(row + full, e);
            s1 = _mm512_add_ps(s1, e);
        }
        sums[r] = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    }
}

T512 static void attention_head_avx512(const float *q, const float *k, const float *v, float *out, size_t n,
                                       size_t d, size_t ld, size_t row0, size_t row1, size_t bq, float scale,
                                       float *scratch) {
    const size_t np = round_up(n, 16);
    float *kt = align64(scratch);
    float *vp = align64(kt + np * d);
    float *qs = align64(vp + np * d);
    float *s = align64(qs + bq * d);
    float *sums = align64(s + bq * np);
    float *rmax = align64(sums + bq);
    const __mmask16 tail = (__mmask16)(0xFFFFu >> (np - n)); /* valid lanes of the last key vector */

    /* K^T in panels of up to PANEL keys: panel at key j0 (width w) holds (p, j) at j0 d + p w + j - j0;
     * written in 16 x 16 register transposes (keys past n are 0). */
    for (size_t j0 = 0; j0 < np; j0 += PANEL) {
        size_t w = np - j0 < PANEL ? np - j0 : PANEL;
        float *panel = kt + j0 * d;
        for (size_t jj = 0; jj < w; jj += 16) {
            size_t valid = n - (j0 + jj) < 16 ? n - (j0 + jj) : 16;
            for (size_t p0 = 0; p0 < d; p0 += 16) {
                __m512 t[16];
                for (size_t r = 0; r < 16; r++)
                    t[r] = r < valid ? _mm512_loadu_ps(k + (j0 + jj + r) * ld + p0) : _mm512_setzero_ps();
                transpose16(t);
                for (int c = 0; c < 16; c++) _mm512_store_ps(panel + (p0 + c) * w + jj, t[c]);
            }
        }
    }
    for (size_t j = 0; j < np; j++) {
        if (j < n) memcpy(vp + j * d, v + j * ld, d * sizeof(float));
        else memset(vp + j * d, 0, d * sizeof(float));
    }

    for (size_t i0 = row0; i0 < row1; i0 += bq) {
        const size_t rows = row1 - i0 < bq ? row1 - i0 : bq;
        /* log2(e) folded into Q: the softmax then needs 2^x instead of e^x. */
        const __m512 sc = _mm512_set1_ps(scale * 1.44269504088896341f);
        for (size_t r = 0; r < rows; r++)
            for (size_t p = 0; p < d; p += 16)
                _mm512_store_ps(qs + r * d + p, _mm512_mul_ps(_mm512_loadu_ps(q + (i0 + r) * ld + p), sc));
        for (size_t r = 0; r < rows; r++) _mm512_store_ps(rmax + 16 * r, _mm512_set1_ps(-INFINITY));

        for (size_t j0 = 0; j0 < np; j0 += PANEL) {
            size_t w = np - j0 < PANEL ? np - j0 : PANEL;
            const float *panel = kt + j0 * d;
            __mmask16 last = j0 + w > n ? tail : (__mmask16)0xFFFF;
            for (size_t r = 0; r < rows; r += S_MR) {
                int mr = rows - r < S_MR ? (int)(rows - r) : S_MR;
                score_tile_any(qs + r * d, d, panel, w, s + r * np + j0, np, rmax + 16 * r, last, mr, (int)(w / 16));
            }
        }

        softmax_block(s, rows, n, np, np, rmax, sums);

        for (size_t r = 0; r < rows; r += O_MR) {
            int mr = rows - r < O_MR ? (int)(rows - r) : O_MR;
            for (size_t c0 = 0; c0 < d; c0 += 16 * O_NV) {
                int nv = d - c0 < 16 * O_NV ? (int)((d - c0) / 16) : O_NV;
                output_tile_any(s + r * np, np, vp, d, np, c0, sums + r, out + (i0 + r) * ld, ld, mr, nv);
            }
        }
    }
}
#endif

int ck_attention_head(const float *q, const float *k, const float *v, float *out, size_t n, size_t head_dim,
                      size_t ld, size_t row0, size_t row1, size_t query_block, float scale, float *scratch) {
    if (head_dim == 0 || ld < head_dim || query_block == 0 || row0 > row1 || row1 > n) return CK_BAD_ARGUMENT;
    if (row0 == row1) return CK_OK;
#if defined(__x86_64__)
    if (ck_attention_fused_available(head_dim)) {
        attention_head_avx512(q, k, v, out, n, head_dim, ld, row0, row1, query_block, scale, scratch);
        return CK_OK;
    }
#endif
    attention_head_portable(q, k, v, out, n, head_dim, ld, row0, row1, scale, scratch);
    return CK_OK;
}
