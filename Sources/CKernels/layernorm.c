/* LayerNorm over rows: two passes (mean, then centred variance) for accuracy. */
#include "internal.h"

CK_INLINE float lane_sum(const float *x, size_t n, float centre, int squared) {
    float lanes[CK_LANES] = {0};
    size_t i = 0;
    for (; i + CK_LANES <= n; i += CK_LANES)
        for (int j = 0; j < CK_LANES; j++) {
            float d = x[i + j] - centre;
            lanes[j] += squared ? d * d : d;
        }
    for (; i < n; i++) {
        float d = x[i] - centre;
        lanes[0] += squared ? d * d : d;
    }
    float s = 0;
    for (int j = 0; j < CK_LANES; j++) s += lanes[j];
    return s;
}

CK_INLINE void layernorm_body(const float *x, float *y, size_t rows, size_t n, size_t ld, float eps,
                              const float *gamma, const float *beta) {
    for (size_t r = 0; r < rows; r++) {
        const float *in = x + r * ld;
        float *out = y + r * ld;
        float mean = lane_sum(in, n, 0.0f, 0) / (float)n;
        float var = lane_sum(in, n, mean, 1) / (float)n;
        float rstd = 1.0f / sqrtf(var + eps);
        for (size_t i = 0; i < n; i++) {
            float v = (in[i] - mean) * rstd;
            if (gamma) v *= gamma[i];
            out[i] = beta ? v + beta[i] : v;
        }
    }
}

CK_MULTIVERSION(layernorm,
                (const float *x, float *y, size_t rows, size_t n, size_t ld, float eps, const float *gamma, const float *beta),
                (x, y, rows, n, ld, eps, gamma, beta))
