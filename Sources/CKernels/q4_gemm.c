/* Q4 x int8 and Q4 x int16 GEMMs: the level dispatch and the portable C twins of the SIMD kernels. */
#include "internal.h"

void ck_q4_gemm_scalar(const ck_q4_args *a) {
    size_t panel_bytes = a->kp * CK_Q4_PANEL / 2;
    for (size_t r = 0; r < a->m; r++) {
        const int8_t *x = a->xq + r * a->kp;
        for (size_t c = a->n0; c < a->n1; c++) {
            const uint8_t *panel = a->w + (c / CK_Q4_PANEL) * panel_bytes;
            int32_t acc = 0;
            for (size_t k = 0; k < a->kp; k++) acc += ck_q4_repacked_code(panel, c % CK_Q4_PANEL, k) * x[k];
            float b = a->bias ? a->bias[c] : 0.0f;
            a->y[r * a->ldy + c] = ck_q4_out(acc, a->qsum[r], a->sx[r], a->sw[c], b);
        }
    }
}

void ck_q4_gemm(const uint8_t *w, const float *sw, const float *bias, size_t n, size_t kp,
                const int8_t *xq, const float *sx, const int32_t *qsum, size_t m,
                float *y, size_t ldy, size_t n0, size_t n1) {
    if (m == 0 || n0 >= n1) return;
    ck_q4_args a = {w, sw, bias, n, kp, xq, sx, qsum, m, y, ldy, n0, n1 > n ? n : n1};
    switch (ck_isa_active()) {
#if defined(__x86_64__)
    case CK_ISA_AVX512VNNI: ck_q4_gemm_avx512vnni(&a); return;
    case CK_ISA_AVXVNNI: ck_q4_gemm_avxvnni(&a); return;
    case CK_ISA_AVX2: ck_q4_gemm_avx2(&a); return;
#endif
    default: ck_q4_gemm_scalar(&a); return;
    }
}

void ck_q4_gemm16_scalar(const ck_q4_args *a) {
    size_t panel_bytes = a->kp * CK_Q4_PANEL / 2;
    for (size_t r = 0; r < a->m; r++) {
        const int8_t *hi = a->xq + r * 2 * a->kp, *lo = hi + a->kp;
        for (size_t c = a->n0; c < a->n1; c++) {
            const uint8_t *panel = a->w + (c / CK_Q4_PANEL) * panel_bytes;
            int32_t acc = 0;
            for (size_t k = 0; k < a->kp; k++) acc += ck_q4_repacked_code(panel, c % CK_Q4_PANEL, k) * (256 * hi[k] + lo[k]);
            float b = a->bias ? a->bias[c] : 0.0f;
            a->y[r * a->ldy + c] = ck_q4_out(acc, a->qsum[r], a->sx[r], a->sw[c], b);
        }
    }
}

/* Every x86 level from AVX2 up runs the ymm form (VNNI has no instruction that would gain here). */
void ck_q4_gemm16(const uint8_t *w, const float *sw, const float *bias, size_t n, size_t kp,
                  const int8_t *xq, const float *sx, const int32_t *qsum, size_t m,
                  float *y, size_t ldy, size_t n0, size_t n1) {
    if (m == 0 || n0 >= n1) return;
    ck_q4_args a = {w, sw, bias, n, kp, xq, sx, qsum, m, y, ldy, n0, n1 > n ? n : n1};
    switch (ck_isa_active()) {
#if defined(__x86_64__)
    case CK_ISA_AVX512VNNI:
    case CK_ISA_AVXVNNI:
    case CK_ISA_AVX2: ck_q4_gemm16_avx2(&a); return;
#endif
    default: ck_q4_gemm16_scalar(&a); return;
    }
}
