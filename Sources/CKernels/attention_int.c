/* Attention for one head in integer arithmetic (see ck_attention_int_head in ckernels.h).
 *
 * SageAttention's scheme on a CPU. Q K^T: K is smoothed (its mean over the keys subtracted; softmax
 * over the keys ignores a per-query constant) and quantized per key row, Q per query row with the
 * softmax scale and log2(e) folded into its scale, so a score is sq sk (qq . kq) with one exact int32
 * dot product. Softmax in fp32 (2^x of the log2-scaled scores). P V: P in [0, 1] is rounded to
 * 14 bits (p 16383), V minus its per-channel mean (added back exactly: a normalised row of P sums to
 * 1) to 12 bits with one scale per channel; the int32 sums are moved into fp32 every 64 keys, before
 * they could overflow (32 pairs x 2 x 16383 x 2047 < 2^31), and the row sum is that of the rounded P.
 *
 * Every value is stored as int16, so one layout serves every level: AVX2 multiplies them with
 * vpmaddwd, 16 products per instruction, twice the fp32 FMA rate (AVX2's int8 forms saturate for
 * int8 x int8); AVX512-VNNI with vpdpwssd on zmm, 32 products and their sums per instruction. Quantization, integer sums and the fp32 operations are the same at every level, in
 * the same order, so every level gives bit-identical output.
 *
 * Packed K: vectors of 8 keys; vector g, dimension pair p holds 16 int16 at (g d/2 + p) 16: key
 * 8g + l at 2l (dimension 2p) and 2l + 1 (dimension 2p + 1). Packed V: strips of 8 channels; strip
 * t, key pair i holds 16 int16 at (t np/2 + i) 16: channel 8t + l at 2l (key 2i) and 2l + 1
 * (key 2i + 1). Keys past n are 0 with scale 0. */
#include "fastmath.h"

#include <stdint.h>

#define KEYS 8          /* keys per packed K vector (int32 lanes of a ymm) */
#define P_MAX 16383.0f  /* P rounded to p P_MAX */
#define FLUSH_PAIRS 32  /* key pairs summed in int32 before the move to fp32 */

static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

static void *align64(void *p) { return (void *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }

/* Scratch of one call; every piece 64-byte aligned. */
typedef struct {
    int16_t *kq;   /* np x d packed keys */
    float *sk;     /* np key scales */
    float *kb;     /* np key biases: 0, -inf for the padding keys */
    int16_t *vq;   /* np x round_up(d, 8) packed values */
    float *sv;     /* d channel scales */
    float *vmean;  /* d channel means of V */
    float *kmean;  /* d channel means of K */
    int16_t *qq;   /* query_block x d quantized queries */
    float *sq;     /* query_block query scales */
    float *s;      /* query_block x np scores (fp32, log2 units) */
    int16_t *pq;   /* query_block x np rounded probabilities */
    int32_t *psum; /* query_block row sums of pq */
    float *rmax;   /* query_block x 8 lane-wise row maxima */
    int8_t *k8;    /* AVX512-VNNI: the keys of whole 16-key groups as int8 (see pack_k8) */
    int32_t *kcorr; /* AVX512-VNNI: 128 x the sum of each key's values */
    uint8_t *q8;   /* AVX512-VNNI: query_block x d quantized queries + 128 */
} int_scratch;

size_t ck_attention_int_scratch_bytes(size_t n, size_t head_dim, size_t query_block) {
    size_t np = round_up(n, KEYS), d = head_dim, bq = query_block ? query_block : 1;
    return np * d * 2 + np * round_up(d, 8) * 2 + 2 * np * 4 + 3 * d * 4 + bq * d * 2 + bq * 4 + bq * np * 4 + bq * np * 2 + bq * 4 +
           bq * KEYS * 4 + np * d + np * 4 + bq * d + 17 * 64;
}

static int_scratch carve(void *scratch, size_t np, size_t d, size_t bq) {
    int_scratch w;
    char *p = align64(scratch);
#define TAKE(field, type, count) w.field = (type *)p; p = align64(p + (count) * sizeof(type));
    TAKE(kq, int16_t, np * d)
    TAKE(sk, float, np)
    TAKE(kb, float, np)
    TAKE(vq, int16_t, np * round_up(d, 8))
    TAKE(sv, float, d)
    TAKE(vmean, float, d)
    TAKE(kmean, float, d)
    TAKE(qq, int16_t, bq * d)
    TAKE(sq, float, bq)
    TAKE(s, float, bq * np)
    TAKE(pq, int16_t, bq * np)
    TAKE(psum, int32_t, bq)
    TAKE(rmax, float, bq * KEYS)
    TAKE(k8, int8_t, np * d)
    TAKE(kcorr, int32_t, np)
    TAKE(q8, uint8_t, bq * d)
#undef TAKE
    return w;
}

int ck_attention_int_vectorised(size_t head_dim) {
#if defined(__x86_64__)
    return ck_ew_isa_active() >= CK_EW_AVX2 && head_dim > 0 && head_dim % 16 == 0;
#else
    (void)head_dim;
    return 0;
#endif
}

/* ---- Quantization, the same at every level (compiled per level, vectorised by the compiler). ---- */

/* out[p stride] = round((x[p] mul - minus[p]) / scale) with scale = max| . | / qmax (returned;
 * 0 and all zeros when the row is). Pairs of consecutive p are adjacent: out[(p / 2) stride + p % 2]. */
CK_INLINE float quantize_row(const float *x, size_t d, float mul, const float *minus, int qmax, int16_t *out,
                             size_t stride) {
    /* Product and difference as separate statements: no level may fuse them into an FMA. The max runs in
     * CK_LANES partial maxima, which the compiler vectorizes (max is exact in any order). */
    float lanes[CK_LANES] = {0}, amax = 0;
    size_t p0 = 0;
    for (; p0 + CK_LANES <= d; p0 += CK_LANES)
        for (int j = 0; j < CK_LANES; j++) {
            float scaled = x[p0 + j] * mul, v = fabsf(scaled - minus[p0 + j]);
            lanes[j] = v > lanes[j] ? v : lanes[j];
        }
    for (size_t p = p0; p < d; p++) {
        float scaled = x[p] * mul, v = fabsf(scaled - minus[p]);
        lanes[0] = v > lanes[0] ? v : lanes[0];
    }
    for (int j = 0; j < CK_LANES; j++) amax = lanes[j] > amax ? lanes[j] : amax;
    float inv = amax > 0 ? (float)qmax / amax : 0.0f;
    for (size_t p = 0; p < d; p++) {
        float scaled = x[p] * mul;
        out[(p / 2) * stride + p % 2] = (int16_t)rintf((scaled - minus[p]) * inv);
    }
    return amax / (float)qmax;
}

/* Channel means of n rows (stride ld) of d values. */
CK_INLINE void channel_means(const float *x, size_t n, size_t d, size_t ld, float *mean) {
    for (size_t p = 0; p < d; p++) mean[p] = 0;
    for (size_t j = 0; j < n; j++)
        for (size_t p = 0; p < d; p++) mean[p] += x[j * ld + p];
    for (size_t p = 0; p < d; p++) mean[p] /= (float)n;
}

CK_INLINE void pack_body(const float *k, const float *v, size_t n, size_t d, size_t ld, int qmax,
                         const int_scratch *w) {
    const size_t np = round_up(n, KEYS);
    channel_means(k, n, d, ld, w->kmean);
    memset(w->kq, 0, np * d * sizeof(int16_t));
    for (size_t j = 0; j < np; j++) w->kb[j] = j < n ? 0.0f : -INFINITY;
    for (size_t j = 0; j < np; j++)
        w->sk[j] = j < n ? quantize_row(k + j * ld, d, 1.0f, w->kmean, qmax, w->kq + (j / KEYS) * (d / 2) * 16 + 2 * (j % KEYS), 16)
                         : 0.0f;
    channel_means(v, n, d, ld, w->vmean);
    for (size_t c = 0; c < d; c++) w->sv[c] = 0;
    for (size_t j = 0; j < n; j++)
        for (size_t c = 0; c < d; c++) w->sv[c] = fmaxf(w->sv[c], fabsf(v[j * ld + c] - w->vmean[c]));
    float inv[256];
    for (size_t c = 0; c < d; c++) {
        inv[c] = w->sv[c] > 0 ? 2047.0f / w->sv[c] : 0.0f;
        w->sv[c] /= 2047.0f;
    }
    memset(w->vq, 0, np * round_up(d, 8) * sizeof(int16_t));
    for (size_t j = 0; j < n; j++)
        for (size_t c = 0; c < d; c++)
            w->vq[((c / 8) * (np / 2) + j / 2) * 16 + 2 * (c % 8) + j % 2] = (int16_t)rintf((v[j * ld + c] - w->vmean[c]) * inv[c]);
}

CK_INLINE void quantize_queries_body(const float *q, size_t rows, size_t d, size_t ld, float mul, int qmax,
                                     const int_scratch *w) {
    static const float zeros[256];
    for (size_t r = 0; r < rows; r++) w->sq[r] = quantize_row(q + r * ld, d, mul, zeros, qmax, w->qq + r * d, 2);
}

/* 2^x for x <= 0: SLEEF's exp2f polynomial on r = x - round(x), 2^round(x) built in the exponent
 * bits; x is clamped at -125 (the smallest result is 2^-125, a normal number). */
CK_INLINE float exp2_scalar(float x) {
    x = x > -125.0f ? x : -125.0f;
    float n = rintf(x), r = x - n;
    float p = ck_exp2_poly[0];
    for (int i = 1; i <= CK_EXP2_DEGREE; i++) p = fmaf(p, r, ck_exp2_poly[i]);
    return p * ck_bits_to_float(((int32_t)n + 127) << 23);
}

/* The one score formula of every level: sq sk acc, rounded once (kb: 0, or -inf for padding keys). */
CK_INLINE float score_value(int32_t acc, float sq, float sk, float kb) { return fmaf((float)acc, sq * sk, kb); }

/* out[c] = vmean[c] + acc[c] sv[c] / psum: the one output formula of every level. */
CK_INLINE float output_value(float acc, float sv, float inv_sum, float vmean) { return fmaf(acc, sv * inv_sum, vmean); }

/* ---- Portable twin. ---- */

static void pack_portable(const float *k, const float *v, size_t n, size_t d, size_t ld, int qmax, const int_scratch *w) {
    pack_body(k, v, n, d, ld, qmax, w);
}

static void quantize_queries_portable(const float *q, size_t rows, size_t d, size_t ld, float mul, int qmax,
                                      const int_scratch *w) {
    quantize_queries_body(q, rows, d, ld, mul, qmax, w);
}

static void attention_int_portable(float *out, size_t n, size_t d, size_t ld, size_t rows, const int_scratch *w) {
    const size_t np = round_up(n, KEYS);
    for (size_t r = 0; r < rows; r++) {
        const int16_t *qr = w->qq + r * d;
        float *s = w->s, m = -INFINITY;
        for (size_t j = 0; j < n; j++) {
            const int16_t *kj = w->kq + (j / KEYS) * (d / 2) * 16 + 2 * (j % KEYS);
            int32_t acc = 0;
            for (size_t p = 0; p < d / 2; p++) acc += qr[2 * p] * kj[p * 16] + qr[2 * p + 1] * kj[p * 16 + 1];
            s[j] = score_value(acc, w->sq[r], w->sk[j], w->kb[j]);
            m = s[j] > m ? s[j] : m;
        }
        int16_t *pq = w->pq;
        int32_t sum = 0;
        for (size_t j = 0; j < np; j++) {
            pq[j] = j < n ? (int16_t)rintf(exp2_scalar(s[j] - m) * P_MAX) : 0; /* 2^-125 P_MAX rounds to 0 too */
            sum += pq[j];
        }
        const float inv = 1.0f / (float)sum;
        for (size_t c = 0; c < d; c++) {
            const int16_t *vc = w->vq + (c / 8) * (np / 2) * 16 + 2 * (c % 8);
            float acc = 0;
            for (size_t i0 = 0; i0 < np / 2; i0 += FLUSH_PAIRS) {
                int32_t part = 0;
                for (size_t i = i0; i < np / 2 && i < i0 + FLUSH_PAIRS; i++)
                    part += pq[2 * i] * vc[i * 16] + pq[2 * i + 1] * vc[i * 16 + 1];
                acc += (float)part;
            }
            out[r * ld + c] = output_value(acc, w->sv[c], inv, w->vmean[c]);
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define T2 CK_TARGET_AVX2
#define S_MR 3 /* query rows per score tile (3 x 3 accumulators + 3 keys + 2 temporaries: no spill) */
#define S_NV 3 /* key vectors (8 keys) per score tile */
#define O_MR 6 /* query rows per output tile */
#define O_NV 2 /* channel strips (8 channels) per output tile */

T2 static void pack_avx2(const float *k, const float *v, size_t n, size_t d, size_t ld, int qmax, const int_scratch *w) {
    pack_body(k, v, n, d, ld, qmax, w);
}

T2 static void quantize_queries_avx2(const float *q, size_t rows, size_t d, size_t ld, float mul, int qmax,
                                     const int_scratch *w) {
    quantize_queries_body(q, rows, d, ld, mul, qmax, w);
}

/* exp2_scalar on 8 lanes, the same operations in the same order. */
T2 CK_INLINE __m256 exp2_256(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-125.0f));
    __m256 n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_sub_ps(x, n);
    __m256 p = _mm256_set1_ps(ck_exp2_poly[0]);
    for (int i = 1; i <= CK_EXP2_DEGREE; i++) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(ck_exp2_poly[i]));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* The 4 bytes at p (two int16, or four int8) as one int32 for a broadcast. */
CK_INLINE int32_t load_pair(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Scores of mr query rows from r0 against nv key vectors from g0 (score_value); w->rmax[r] (8 lanes)
 * becomes the lane-wise max with them. */
T2 CK_INLINE void score_tile(const int_scratch *w, size_t d, size_t np, size_t r0, size_t g0, const int mr,
                             const int nv) {
    __m256i acc[S_MR][S_NV];
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nv; c++) acc[r][c] = _mm256_setzero_si256();
    const int16_t *kg = w->kq + g0 * (d / 2) * 16, *qr = w->qq + r0 * d;
    for (size_t p = 0; p < d / 2; p++) {
        __m256i kv[S_NV];
        for (int c = 0; c < nv; c++) kv[c] = _mm256_load_si256((const __m256i *)(kg + (c * (d / 2) + p) * 16));
        for (int r = 0; r < mr; r++) {
            __m256i qb = _mm256_set1_epi32(load_pair(qr + r * d + 2 * p));
            for (int c = 0; c < nv; c++) acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(qb, kv[c]));
        }
    }
    const float *sk = w->sk + g0 * KEYS, *kb = w->kb + g0 * KEYS;
    float *srow = w->s + r0 * np + g0 * KEYS, *rmax = w->rmax + KEYS * r0;
    for (int r = 0; r < mr; r++) {
        const __m256 sq = _mm256_set1_ps(w->sq[r0 + r]);
        __m256 m = _mm256_load_ps(rmax + KEYS * r);
        for (int c = 0; c < nv; c++) {
            __m256 scale = _mm256_mul_ps(sq, _mm256_load_ps(sk + KEYS * c));
            __m256 s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][c]), scale, _mm256_load_ps(kb + KEYS * c));
            _mm256_store_ps(srow + r * np + KEYS * c, s);
            m = _mm256_max_ps(m, s);
        }
        _mm256_store_ps(rmax + KEYS * r, m);
    }
}

#define SCORE_NV(mr)                                                    \
    switch (nv) {                                                       \
    case 1: score_tile(w, d, np, r0, g0, mr, 1); break;                 \
    case 2: score_tile(w, d, np, r0, g0, mr, 2); break;                 \
    default: score_tile(w, d, np, r0, g0, mr, 3); break;                \
    }

T2 static void score_tile_any(const int_scratch *w, size_t d, size_t np, size_t r0, size_t g0, int mr, int nv) {
    switch (mr) {
    case 1: SCORE_NV(1) break;
    case 2: SCORE_NV(2) break;
    default: SCORE_NV(3) break;
    }
}

/* The max of row r of s, from its 8 lane-wise maxima. */
T2 CK_INLINE float block_row_max(const int_scratch *w, size_t r) {
    float lanes[KEYS], m = -INFINITY;
    _mm256_storeu_ps(lanes, _mm256_load_ps(w->rmax + KEYS * r));
    for (int l = 0; l < KEYS; l++) m = lanes[l] > m ? lanes[l] : m;
    return m;
}

/* pq[0 .. 8) = round(2^(row[0 .. 8) - m) P_MAX), returned as int32 lanes. Padding keys (-inf) get 2^-125 from
 * the clamp, which rounds to 0. */
T2 CK_INLINE __m256i softmax8(const float *row, int16_t *pq, __m256 m) {
    __m256i p = _mm256_cvtps_epi32(_mm256_mul_ps(exp2_256(_mm256_sub_ps(_mm256_load_ps(row), m)), _mm256_set1_ps(P_MAX)));
    _mm_store_si128((__m128i *)pq, _mm_packs_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1)));
    return p;
}

/* Rows of s: pq = round(2^(s - rowmax) P_MAX), 0 in the padding; psum = row sums. */
T2 static void softmax_block(const int_scratch *w, size_t rows, size_t np) {
    for (size_t r = 0; r < rows; r++) {
        const __m256 m = _mm256_set1_ps(block_row_max(w, r));
        __m256i sum = _mm256_setzero_si256();
        for (size_t j = 0; j < np; j += KEYS) sum = _mm256_add_epi32(sum, softmax8(w->s + r * np + j, w->pq + r * np + j, m));
        int32_t t[KEYS], total = 0;
        _mm256_storeu_si256((__m256i *)t, sum);
        for (int l = 0; l < KEYS; l++) total += t[l];
        w->psum[r] = total;
    }
}

/* out[r][8 t0 .. 8 t0 + 16) for mr rows from r0: P V over all key pairs, moved to fp32 every
 * FLUSH_PAIRS pairs, then output_value. */
T2 CK_INLINE void output_tile(const int_scratch *w, size_t d, size_t np, size_t r0, size_t t0, float *out,
                              size_t ld, const int mr) {
    __m256 total[O_MR][O_NV];
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < O_NV; c++) total[r][c] = _mm256_setzero_ps();
    const size_t pairs = np / 2;
    const int16_t *pr = w->pq + r0 * np;
    for (size_t i0 = 0; i0 < pairs; i0 += FLUSH_PAIRS) {
        const size_t i1 = pairs - i0 < FLUSH_PAIRS ? pairs : i0 + FLUSH_PAIRS;
        __m256i acc[O_MR][O_NV];
        for (int r = 0; r < mr; r++)
            for (int c = 0; c < O_NV; c++) acc[r][c] = _mm256_setzero_si256();
        for (size_t i = i0; i < i1; i++) {
            __m256i vv[O_NV];
            for (int c = 0; c < O_NV; c++) vv[c] = _mm256_load_si256((const __m256i *)(w->vq + ((t0 + c) * pairs + i) * 16));
            for (int r = 0; r < mr; r++) {
                __m256i pb = _mm256_set1_epi32(load_pair(pr + r * np + 2 * i));
                for (int c = 0; c < O_NV; c++) acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(pb, vv[c]));
            }
        }
        for (int r = 0; r < mr; r++)
            for (int c = 0; c < O_NV; c++) total[r][c] = _mm256_add_ps(total[r][c], _mm256_cvtepi32_ps(acc[r][c]));
    }
    for (int r = 0; r < mr; r++) {
        __m256 inv = _mm256_set1_ps(1.0f / (float)w->psum[r0 + r]);
        for (int c = 0; c < O_NV; c++) {
            size_t ch = 8 * (t0 + c);
            __m256 scale = _mm256_mul_ps(_mm256_loadu_ps(w->sv + ch), inv);
            _mm256_storeu_ps(out + (r0 + r) * ld + ch, _mm256_fmadd_ps(total[r][c], scale, _mm256_loadu_ps(w->vmean + ch)));
        }
    }
}

T2 static void output_tile_any(const int_scratch *w, size_t d, size_t np, size_t r0, size_t t0, float *out, size_t ld,
                               int mr) {
    switch (mr) {
    case 1: output_tile(w, d, np, r0, t0, out, ld, 1); break;
    case 2: output_tile(w, d, np, r0, t0, out, ld, 2); break;
    case 3: output_tile(w, d, np, r0, t0, out, ld, 3); break;
    case 4: output_tile(w, d, np, r0, t0, out, ld, 4); break;
    case 5: output_tile(w, d, np, r0, t0, out, ld, 5); break;
    default: output_tile(w, d, np, r0, t0, out, ld, 6); break;
    }
}

T2 static void attention_int_avx2(float *out, size_t n, size_t d, size_t ld, size_t rows, const int_scratch *w) {
    const size_t np = round_up(n, KEYS), groups = np / KEYS;
    for (size_t r = 0; r < rows; r++) _mm256_store_ps(w->rmax + KEYS * r, _mm256_set1_ps(-INFINITY));
    /* One panel of S_NV key vectors (3 KiB at d = 64) stays in L1 while every row group passes it. */
    for (size_t g0 = 0; g0 < groups; g0 += S_NV) {
        int nv = groups - g0 < S_NV ? (int)(groups - g0) : S_NV;
        for (size_t r = 0; r < rows; r += S_MR) score_tile_any(w, d, np, r, g0, rows - r < S_MR ? (int)(rows - r) : S_MR, nv);
    }
    softmax_block(w, rows, np);
    for (size_t r = 0; r < rows; r += O_MR)
        for (size_t t0 = 0; t0 < d / 8; t0 += O_NV) output_tile_any(w, d, np, r, t0, out, ld, rows - r < O_MR ? (int)(rows - r) : O_MR);
}

/* ---- AVX512-VNNI on zmm. Scores: Q and K are within +-127, so vpdpbusd multiplies them 64 at a time as
 * u8 (q + 128) x s8 (k), and 128 x the key's sum removes the offset exactly; K of whole 16-key groups is
 * repacked to bytes for that (pack_k8). P V: vpdpwssd over the int16 layout, a zmm joining two strips of
 * 8 channels with one insert per load that every row of the tile then uses. What is left over (one 8-key
 * vector, or one pair of strips) runs the AVX2 tile, which computes the same values. ---- */

#define T5 CK_TARGET_AVX512VNNI
#define Z_SMR 6 /* query rows per zmm score tile */
#define Z_SNZ 3 /* zmm (16 keys) per score tile */
#define Z_OMR 6 /* query rows per zmm output tile */
#define Z_ONZ 2 /* zmm (16 channels) per output tile: 24 accumulators in all */

/* k8: group G of 16 keys, dimensions 4t .. 4t + 3 at (G d/4 + t) 64: key 16G + l at 4l + p % 4.
 * kcorr[j] = 128 sum_p k[j, p]. Only whole groups: a last 8-key vector stays on the int16 path. */
T5 static void pack_k8(const int_scratch *w, size_t np, size_t d) {
    for (size_t j = 0; j < np / 16 * 16; j++) {
        const int16_t *kj = w->kq + (j / KEYS) * (d / 2) * 16 + 2 * (j % KEYS);
        int8_t *out = w->k8 + (j / 16) * (d / 4) * 64 + 4 * (j % 16);
        int32_t sum = 0;
        for (size_t p = 0; p < d; p++) {
            int16_t value = kj[(p / 2) * 16 + p % 2];
            out[(p / 4) * 64 + p % 4] = (int8_t)value;
            sum += value;
        }
        w->kcorr[j] = 128 * sum;
    }
}

T5 static void offset_queries(const int_scratch *w, size_t rows, size_t d) {
    for (size_t i = 0; i < rows * d; i++) w->q8[i] = (uint8_t)(w->qq[i] + 128);
}

/* The 8-lane vectors at a and b as one zmm (a low). */
T5 CK_INLINE __m512i join(const int16_t *a, const int16_t *b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_load_si256((const __m256i *)a)),
                              _mm256_load_si256((const __m256i *)b), 1);
}

/* score_tile on zmm: nz groups of 16 keys from key 8 g0 (g0 even). */
T5 CK_INLINE void score_tile512(const int_scratch *w, size_t d, size_t np, size_t r0, size_t g0, const int mr,
                                const int nz) {
    __m512i acc[Z_SMR][Z_SNZ];
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nz; c++) acc[r][c] = _mm512_setzero_si512();
    const int8_t *kg = w->k8 + (g0 / 2) * (d / 4) * 64;
    const uint8_t *qr = w->q8 + r0 * d;
    for (size_t t = 0; t < d / 4; t++) {
        __m512i kv[Z_SNZ];
        for (int c = 0; c < nz; c++) kv[c] = _mm512_load_si512(kg + (c * (d / 4) + t) * 64);
        for (int r = 0; r < mr; r++) {
            __m512i qb = _mm512_set1_epi32(load_pair(qr + r * d + 4 * t));
            for (int c = 0; c < nz; c++) acc[r][c] = ck_dpbusd512(acc[r][c], qb, kv[c]);
        }
    }
    const float *sk = w->sk + g0 * KEYS, *kb = w->kb + g0 * KEYS;
    const int32_t *kcorr = w->kcorr + g0 * KEYS;
    float *srow = w->s + r0 * np + g0 * KEYS, *rmax = w->rmax + KEYS * r0;
    for (int r = 0; r < mr; r++) {
        const __m512 sq = _mm512_set1_ps(w->sq[r0 + r]);
        __m512 m = _mm512_set1_ps(-INFINITY);
        for (int c = 0; c < nz; c++) {
            __m512i exact = _mm512_sub_epi32(acc[r][c], _mm512_loadu_si512(kcorr + 2 * KEYS * c));
            __m512 scale = _mm512_mul_ps(sq, _mm512_loadu_ps(sk + 2 * KEYS * c));
            __m512 s = _mm512_fmadd_ps(_mm512_cvtepi32_ps(exact), scale, _mm512_loadu_ps(kb + 2 * KEYS * c));
            _mm512_storeu_ps(srow + r * np + 2 * KEYS * c, s);
            m = _mm512_max_ps(m, s);
        }
        __m256 halves = _mm256_max_ps(_mm512_castps512_ps256(m), _mm512_extractf32x8_ps(m, 1));
        _mm256_store_ps(rmax + KEYS * r, _mm256_max_ps(_mm256_load_ps(rmax + KEYS * r), halves));
    }
}

T5 static void score_tile512_any(const int_scratch *w, size_t d, size_t np, size_t r0, size_t g0, int mr, int nz) {
#define NZ(mr)                                                                                           \
    switch (nz) {                                                                                        \
    case 1: score_tile512(w, d, np, r0, g0, mr, 1); break;                                               \
    case 2: score_tile512(w, d, np, r0, g0, mr, 2); break;                                               \
    default: score_tile512(w, d, np, r0, g0, mr, 3); break;                                              \
    }
    switch (mr) {
    case 1: NZ(1) break;
    case 2: NZ(2) break;
    case 3: NZ(3) break;
    case 4: NZ(4) break;
    case 5: NZ(5) break;
    default: NZ(6) break;
    }
#undef NZ
}

/* softmax_block on zmm (np is a multiple of 8: a last half vector runs on ymm). */
T5 static void softmax_block512(const int_scratch *w, size_t rows, size_t np) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = w->s + r * np;
        int16_t *pq = w->pq + r * np;
        const float m = block_row_max(w, r);
        const __m512 mv = _mm512_set1_ps(m), scale = _mm512_set1_ps(P_MAX);
        __m512i sum = _mm512_setzero_si512();
        size_t j = 0;
        for (; j + 2 * KEYS <= np; j += 2 * KEYS) {
            __m512i p = _mm512_cvtps_epi32(_mm512_mul_ps(ck_exp2_512(_mm512_sub_ps(_mm512_loadu_ps(row + j), mv)), scale));
            sum = _mm512_add_epi32(sum, p);
            _mm256_storeu_si256((__m256i *)(pq + j), _mm512_cvtsepi32_epi16(p));
        }
        if (j < np) sum = _mm512_add_epi32(sum, _mm512_zextsi256_si512(softmax8(row + j, pq + j, _mm256_set1_ps(m))));
        w->psum[r] = _mm512_reduce_add_epi32(sum);
    }
}

/* output_tile on zmm: out[r][8 t0 .. 8 t0 + 32) (4 strips) for mr rows from r0. */
T5 CK_INLINE void output_tile512(const int_scratch *w, size_t np, size_t r0, size_t t0, float *out, size_t ld,
                                 const int mr) {
    __m512 total[Z_OMR][Z_ONZ];
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < Z_ONZ; c++) total[r][c] = _mm512_setzero_ps();
    const size_t pairs = np / 2;
    const int16_t *pr = w->pq + r0 * np;
    for (size_t i0 = 0; i0 < pairs; i0 += FLUSH_PAIRS) {
        const size_t i1 = pairs - i0 < FLUSH_PAIRS ? pairs : i0 + FLUSH_PAIRS;
        __m512i acc[Z_OMR][Z_ONZ];
        for (int r = 0; r < mr; r++)
            for (int c = 0; c < Z_ONZ; c++) acc[r][c] = _mm512_setzero_si512();
        for (size_t i = i0; i < i1; i++) {
            __m512i vv[Z_ONZ];
            for (int c = 0; c < Z_ONZ; c++)
                vv[c] = join(w->vq + ((t0 + 2 * c) * pairs + i) * 16, w->vq + ((t0 + 2 * c + 1) * pairs + i) * 16);
            for (int r = 0; r < mr; r++) {
                __m512i pb = _mm512_set1_epi32(load_pair(pr + r * np + 2 * i));
                for (int c = 0; c < Z_ONZ; c++) acc[r][c] = ck_dpwssd512(acc[r][c], pb, vv[c]);
            }
        }
        for (int r = 0; r < mr; r++)
            for (int c = 0; c < Z_ONZ; c++) total[r][c] = _mm512_add_ps(total[r][c], _mm512_cvtepi32_ps(acc[r][c]));
    }
    for (int r = 0; r < mr; r++) {
        __m512 inv = _mm512_set1_ps(1.0f / (float)w->psum[r0 + r]);
        for (int c = 0; c < Z_ONZ; c++) {
            size_t ch = 8 * t0 + 16 * c;
            __m512 scale = _mm512_mul_ps(_mm512_loadu_ps(w->sv + ch), inv);
            _mm512_storeu_ps(out + (r0 + r) * ld + ch, _mm512_fmadd_ps(total[r][c], scale, _mm512_loadu_ps(w->vmean + ch)));
        }
    }
}

T5 static void output_tile512_any(const int_scratch *w, size_t np, size_t r0, size_t t0, float *out, size_t ld,
                                  int mr) {
    switch (mr) {
    case 1: output_tile512(w, np, r0, t0, out, ld, 1); break;
    case 2: output_tile512(w, np, r0, t0, out, ld, 2); break;
    case 3: output_tile512(w, np, r0, t0, out, ld, 3); break;
    case 4: output_tile512(w, np, r0, t0, out, ld, 4); break;
    case 5: output_tile512(w, np, r0, t0, out, ld, 5); break;
    default: output_tile512(w, np, r0, t0, out, ld, 6); break;
    }
}

T5 static void attention_int_avx512(float *out, size_t n, size_t d, size_t ld, size_t rows, const int_scratch *w) {
    const size_t np = round_up(n, KEYS), groups = np / KEYS, strips = d / 8;
    for (size_t r = 0; r < rows; r++) _mm256_store_ps(w->rmax + KEYS * r, _mm256_set1_ps(-INFINITY));
    for (size_t g0 = 0; g0 < groups; g0 += 2 * Z_SNZ) {
        const size_t left = groups - g0 < 2 * Z_SNZ ? groups - g0 : 2 * Z_SNZ;
        for (size_t r = 0; r < rows; r += Z_SMR) {
            if (left >= 2) score_tile512_any(w, d, np, r, g0, rows - r < Z_SMR ? (int)(rows - r) : Z_SMR, (int)(left / 2));
            if (left % 2)
                for (size_t r3 = r; r3 < r + Z_SMR && r3 < rows; r3 += S_MR)
                    score_tile_any(w, d, np, r3, g0 + left - 1, rows - r3 < S_MR ? (int)(rows - r3) : S_MR, 1);
        }
    }
    softmax_block512(w, rows, np);
    for (size_t r = 0; r < rows; r += Z_OMR) {
        const int mr = rows - r < Z_OMR ? (int)(rows - r) : Z_OMR;
        size_t t0 = 0;
        for (; t0 + 2 * Z_ONZ <= strips; t0 += 2 * Z_ONZ) output_tile512_any(w, np, r, t0, out, ld, mr);
        for (; t0 < strips; t0 += O_NV)
            output_tile_any(w, d, np, r, t0, out, ld, mr); /* Z_OMR == O_MR */
    }
}
#endif

int ck_attention_int_head(const float *q, const float *k, const float *v, float *out, size_t n, size_t head_dim,
                          size_t ld, size_t row0, size_t row1, size_t query_block, float scale, int qmax,
                          void *scratch) {
    if (head_dim == 0 || head_dim % 2 || head_dim > 256 || ld < head_dim || query_block == 0 || qmax < 1 || qmax > 2047 ||
        row0 > row1 || row1 > n)
        return CK_BAD_ARGUMENT;
    if (row0 == row1) return CK_OK;
    const size_t np = round_up(n, KEYS), d = head_dim;
    const int_scratch w = carve(scratch, np, d, query_block);
    /* log2(e) folded into Q: the softmax then needs 2^x instead of e^x. */
    const float mul = scale * 1.44269504088896341f;
#if defined(__x86_64__)
    if (ck_attention_int_vectorised(d)) {
        /* The zmm scores take Q + 128 as u8: only for int8 Q and K. */
        const int zmm = ck_isa_active() >= CK_ISA_AVX512VNNI && qmax <= 127;
        pack_avx2(k, v, n, d, ld, qmax, &w);
        if (zmm) pack_k8(&w, np, d);
        for (size_t i0 = row0; i0 < row1; i0 += query_block) {
            const size_t rows = row1 - i0 < query_block ? row1 - i0 : query_block;
            quantize_queries_avx2(q + i0 * ld, rows, d, ld, mul, qmax, &w);
            if (zmm) offset_queries(&w, rows, d);
            (zmm ? attention_int_avx512 : attention_int_avx2)(out + i0 * ld, n, d, ld, rows, &w);
        }
        return CK_OK;
    }
#endif
    pack_portable(k, v, n, d, ld, qmax, &w);
    for (size_t i0 = row0; i0 < row1; i0 += query_block) {
        const size_t rows = row1 - i0 < query_block ? row1 - i0 : query_block;
        quantize_queries_portable(q + i0 * ld, rows, d, ld, mul, qmax, &w);
        attention_int_portable(out + i0 * ld, n, d, ld, rows, &w);
    }
    return CK_OK;
}
