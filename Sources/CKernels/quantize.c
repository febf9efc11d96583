/* Activations to int8 or int16 with one scale per row (see ckernels.h).
 * Only exact operations (max, one multiply, round-to-nearest-even, integer sums), so every
 * level gives the same bits. */
#include "internal.h"

CK_INLINE float row_absmax(const float *x, size_t k) {
    float lanes[CK_LANES] = {0};
    size_t c = 0;
    for (; c + CK_LANES <= k; c += CK_LANES)
        for (int j = 0; j < CK_LANES; j++) {
            float v = fabsf(x[c + j]);
            lanes[j] = v > lanes[j] ? v : lanes[j];
        }
    for (; c < k; c++) {
        float v = fabsf(x[c]);
        lanes[0] = v > lanes[0] ? v : lanes[0];
    }
    float m = 0;
    for (int j = 0; j < CK_LANES; j++) m = lanes[j] > m ? lanes[j] : m;
    return m;
}

/* One body for both forms (`int16` is a constant at each use, so each form is its own loop). int8 rows are kp
 * bytes; int16 rows are kp int16 values in the order of ck_q16_slot. */
CK_INLINE void quantize_body(const float *x, size_t m, size_t k, size_t ldx, int8_t *xq, size_t kp,
                             int32_t qmax, int int16, float *sx, int32_t *qsum) {
    for (size_t r = 0; r < m; r++) {
        const float *row = x + r * ldx;
        int8_t *q8 = xq + r * kp;
        int16_t *q16 = (int16_t *)(void *)xq + r * kp;
        float amax = row_absmax(row, k);
        float inv = amax > 0 ? (float)qmax / amax : 0.0f;
        int32_t sum = 0;
        size_t c = 0;
        /* Whole groups of 8 with the int16 order spelled out, which the compiler turns into shuffles. */
        for (; int16 && c + CK_Q4_KGROUP <= k; c += CK_Q4_KGROUP) {
            int32_t v[CK_Q4_KGROUP];
            for (int i = 0; i < CK_Q4_KGROUP; i++) v[i] = (int32_t)rintf(row[c + i] * inv);
            for (int i = 0; i < CK_Q4_KGROUP / 2; i++) {
                q16[c + i] = (int16_t)v[2 * i];
                q16[c + CK_Q4_KGROUP / 2 + i] = (int16_t)v[2 * i + 1];
            }
            for (int i = 0; i < CK_Q4_KGROUP; i++) sum += v[i];
        }
        for (; c < k; c++) {
            int32_t v = (int32_t)rintf(row[c] * inv);
            if (int16) q16[ck_q16_slot(c)] = (int16_t)v;
            else q8[c] = (int8_t)v;
            sum += v;
        }
        for (c = k; c < kp; c++) {
            if (int16) q16[ck_q16_slot(c)] = 0;
            else q8[c] = 0;
        }
        sx[r] = amax / (float)qmax;
        qsum[r] = sum;
    }
}

CK_INLINE void quantize_rows_body(const float *x, size_t m, size_t k, size_t ldx,
                                  int8_t *xq, size_t kp, float *sx, int32_t *qsum) {
    quantize_body(x, m, k, ldx, xq, kp, 127, 0, sx, qsum);
}

CK_MULTIVERSION(quantize_rows,
                (const float *x, size_t m, size_t k, size_t ldx, int8_t *xq, size_t kp, float *sx, int32_t *qsum),
                (x, m, k, ldx, xq, kp, sx, qsum))

/* The largest qmax whose sums cannot overflow, |sum_k code * q| <= 15 * qmax * kp < 2^31, within int16. */
int32_t ck_q16_max(size_t kp) {
    size_t bound = (size_t)INT32_MAX / (15 * (kp ? kp : 1));
    return bound < CK_Q16_MAX ? (int32_t)bound : CK_Q16_MAX;
}

CK_INLINE void quantize_rows16_body(const float *x, size_t m, size_t k, size_t ldx, int8_t *xq, size_t kp,
                                    int32_t qmax, float *sx, int32_t *qsum) {
    quantize_body(x, m, k, ldx, xq, kp, qmax, 1, sx, qsum);
}

CK_MULTIVERSION(quantize_rows16,
                (const float *x, size_t m, size_t k, size_t ldx, int8_t *xq, size_t kp, int32_t qmax, float *sx, int32_t *qsum),
                (x, m, k, ldx, xq, kp, qmax, sx, qsum))
