/* Row softmax with max subtraction. Partial maxima and sums over CK_LANES lanes keep every
 * level on the same summation order. */
#include "fastmath.h"

CK_INLINE float row_max(const float *x, size_t n) {
    float lanes[CK_LANES];
    for (int j = 0; j < CK_LANES; j++) lanes[j] = -INFINITY;
    size_t i = 0;
    for (; i + CK_LANES <= n; i += CK_LANES)
        for (int j = 0; j < CK_LANES; j++) lanes[j] = x[i + j] > lanes[j] ? x[i + j] : lanes[j];
    for (; i < n; i++) lanes[0] = x[i] > lanes[0] ? x[i] : lanes[0];
    float m = -INFINITY;
    for (int j = 0; j < CK_LANES; j++) m = lanes[j] > m ? lanes[j] : m;
    return m;
}

/* x[i] = exp(scale * x[i] - shift); returns the sum. */
CK_INLINE float exp_and_sum(float *x, size_t n, float scale, float shift) {
    float lanes[CK_LANES] = {0};
    size_t i = 0;
    for (; i + CK_LANES <= n; i += CK_LANES)
        for (int j = 0; j < CK_LANES; j++) {
            float e = ck_expf(fmaf(x[i + j], scale, -shift));
            x[i + j] = e;
            lanes[j] += e;
        }
    for (; i < n; i++) {
        x[i] = ck_expf(fmaf(x[i], scale, -shift));
        lanes[0] += x[i];
    }
    float s = 0;
    for (int j = 0; j < CK_LANES; j++) s += lanes[j];
    return s;
}

CK_INLINE void softmax_rows_unnormalized_body(float *x, size_t rows, size_t n, size_t ld, float scale, float *sums) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        /* scale > 0 (1/sqrt(d)), so the maximum of scale * x is scale * max(x). */
        sums[r] = exp_and_sum(row, n, scale, scale * row_max(row, n));
    }
}

CK_INLINE void softmax_rows_body(float *x, size_t rows, size_t n, size_t ld, float scale) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * ld, sum;
        softmax_rows_unnormalized_body(row, 1, n, ld, scale, &sum);
        float inv = 1.0f / sum;
        for (size_t i = 0; i < n; i++) row[i] *= inv;
    }
}

CK_MULTIVERSION(softmax_rows, (float *x, size_t rows, size_t n, size_t ld, float scale), (x, rows, n, ld, scale))
CK_MULTIVERSION(softmax_rows_unnormalized, (float *x, size_t rows, size_t n, size_t ld, float scale, float *sums),
                (x, rows, n, ld, scale, sums))
