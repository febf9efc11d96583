/* Q4 x int8 and Q4 x int16 GEMMs: the level dispatch and the portable C twins of the SIMD kernels. */
#include "internal.h"

/* The one portable loop of both twins. int16 rows hold kp int16 values in the order of ck_q16_slot. */
CK_INLINE void gemm_scalar(const ck_q4_args *a, int int16) {
    size_t panel_bytes = a->kp * CK_Q4_PANEL / 2;
    for (size_t r = 0; r < a->m; r++) {
        const int8_t *x8 = a->xq + r * a->kp;
        const int16_t *x16 = (const int16_t *)(const void *)a->xq + r * a->kp;
        for (size_t c = a->n0; c < a->n1; c++) {
            const uint8_t *panel = a->w + (c / CK_Q4_PANEL) * panel_bytes;
            int32_t acc = 0;
            for (size_t k = 0; k < a->kp; k++) {
                int32_t value = int16 ? x16[ck_q16_slot(k)] : x8[k];
                acc += ck_q4_repacked_code(panel, c % CK_Q4_PANEL, k) * value;
            }
            float b = a->bias ? a->bias[c] : 0.0f;
            a->y[r * a->ldy + c] = ck_q4_out(acc, a->qsum[r], a->sx[r], a->sw[c], b);
        }
    }
}

void ck_q4_gemm_scalar(const ck_q4_args *a) { gemm_scalar(a, 0); }
void ck_q4_gemm16_scalar(const ck_q4_args *a) { gemm_scalar(a, 1); }

typedef void (*gemm_level)(const ck_q4_args *a);

/* The int8 kernel of the active level. */
static gemm_level int8_level(void) {
    switch (ck_isa_active()) {
#if defined(__x86_64__)
    case CK_ISA_AVX512VNNI: return ck_q4_gemm_avx512vnni;
    case CK_ISA_AVXVNNI: return ck_q4_gemm_avxvnni;
    case CK_ISA_AVX2: return ck_q4_gemm_avx2;
#endif
    default: return ck_q4_gemm_scalar;
    }
}

/* The int16 kernel: vpdpwssd on zmm, on ymm with AVX-VNNI, else vpmaddwd + vpaddd on ymm. */
static gemm_level int16_level(void) {
    switch (ck_isa_active()) {
#if defined(__x86_64__)
    case CK_ISA_AVX512VNNI: return ck_q4_gemm16_avx512vnni;
    case CK_ISA_AVXVNNI: return ck_q4_gemm16_avxvnni;
    case CK_ISA_AVX2: return ck_q4_gemm16_avx2;
#endif
    default: return ck_q4_gemm16_scalar;
    }
}

static void run_gemm(gemm_level kernel, const uint8_t *w, const float *sw, const float *bias, size_t n, size_t kp,
                     const int8_t *xq, const float *sx, const int32_t *qsum, size_t m,
                     float *y, size_t ldy, size_t n0, size_t n1) {
    if (m == 0 || n0 >= n1) return;
    ck_q4_args a = {w, sw, bias, n, kp, xq, sx, qsum, m, y, ldy, n0, n1 > n ? n : n1};
    kernel(&a);
}

void ck_q4_gemm(const uint8_t *w, const float *sw, const float *bias, size_t n, size_t kp,
                const int8_t *xq, const float *sx, const int32_t *qsum, size_t m,
                float *y, size_t ldy, size_t n0, size_t n1) {
    run_gemm(int8_level(), w, sw, bias, n, kp, xq, sx, qsum, m, y, ldy, n0, n1);
}

void ck_q4_gemm16(const uint8_t *w, const float *sw, const float *bias, size_t n, size_t kp,
                  const int8_t *xq, const float *sx, const int32_t *qsum, size_t m,
                  float *y, size_t ldy, size_t n0, size_t n1) {
    run_gemm(int16_level(), w, sw, bias, n, kp, xq, sx, qsum, m, y, ldy, n0, n1);
}
