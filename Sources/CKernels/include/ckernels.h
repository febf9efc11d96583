/*
 * CKernels: instruction-set micro-kernels for the f5tts CPU runtime.
 *
 * Every fast kernel is compiled several times with per-function target attributes
 * (no global -march flags) and chosen at run time from CPUID. The level can be lowered
 * with ck_isa_force() or the environment variable F5TTS_ISA=avx512vnni|avxvnni|avx2|scalar
 * so tests can compare levels with each other.
 */
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the kernels that can refuse their arguments return. */
#define CK_OK 0
#define CK_BAD_ARGUMENT (-1)

/* ---- Instruction-set levels, in order of preference. A higher level implies the lower ones except
 * AVX-VNNI: AVX512-VNNI CPUs such as Zen 4 and Ice Lake lack it (ck_isa_runs). ---- */

typedef enum {
    CK_ISA_SCALAR = 0,     /* portable C */
    CK_ISA_AVX2 = 1,       /* AVX2 + FMA: int8 via vpmaddubsw, fp32 in ymm */
    CK_ISA_AVXVNNI = 2,    /* AVX-VNNI: vpdpbusd on ymm, fp32 in ymm */
    CK_ISA_AVX512VNNI = 3  /* AVX-512 F/BW/VL + VNNI: vpdpbusd on zmm, fp32 in zmm */
} ck_isa;

/* Elementwise (fp32) kernels only know three widths. */
typedef enum {
    CK_EW_SCALAR = 0,
    CK_EW_AVX2 = 1,        /* AVX2 + FMA */
    CK_EW_AVX512 = 2       /* AVX-512 F */
} ck_ew_isa;

/* Best int8 level the CPU supports (CPUID), ignoring any forcing. */
ck_isa ck_isa_detected(void);
/* 1 when this CPU executes the instructions of `level`. */
int ck_isa_runs(ck_isa level);
/* Level used by the int8 kernels: min(detected, forced cap), lowered to a level the CPU runs. The cap
 * starts from F5TTS_ISA. */
ck_isa ck_isa_active(void);
/* Level used by the fp32 elementwise kernels under the same cap. */
ck_ew_isa ck_ew_isa_active(void);
/* Caps both levels at `level` (levels above what the CPU supports fall back to the detected one). */
void ck_isa_force(ck_isa level);
/* Removes the cap (F5TTS_ISA is no longer consulted afterwards). */
void ck_isa_reset(void);
const char *ck_isa_name(ck_isa level);
const char *ck_ew_isa_name(ck_ew_isa level);
/* Parses "avx512vnni" | "avxvnni" | "avx2" | "scalar"; returns -1 for anything else. */
int ck_isa_parse(const char *name);
/* 1 when the CPU reports AVX-512 F (resp. AVX2 + FMA): used to pick an OpenBLAS core. */
int ck_cpu_has_avx512(void);
int ck_cpu_has_avx2(void);

/* ---- Q4 weights: decoding and the repacked layout of the direct path. ----
 *
 * Source layout (F5Bundle.Q4Tensor): element (r, c) of a [rows, cols] tensor is nibble
 * n = r*cols + c of `packed` (byte n>>1, low nibble when n is even), two's complement -8..7.
 *
 * Repacked layout (defined here once): output rows in panels of CK_Q4_PANEL = 16, K padded to a
 * multiple of CK_Q4_KGROUP = 8 (kp). Panel p, k-group g occupies 64 bytes at
 * (p * kp/8 + g) * 64; byte 4*j + i holds, for weight row 16p + j, the offset-binary code
 * (v + 8, 0..15) of column 8g + i in its low nibble and of column 8g + 4 + i in its high nibble.
 * Padding (rows >= n, columns >= k) holds code 8, i.e. the value 0. Masking a 64-byte group with
 * 0x0F (resp. shifting by 4) therefore yields exactly the u8 operand vpdpbusd wants for 16 rows
 * and 4 consecutive k.
 */
#define CK_Q4_PANEL 16
#define CK_Q4_KGROUP 8

size_t ck_q4_padded_k(size_t k);
size_t ck_q4_repacked_bytes(size_t n, size_t k);
void ck_q4_repack(const uint8_t *packed, size_t n, size_t k, uint8_t *out);
/* Writes rows [row0, row0 + nrows) as code * scale (exactly what Q4Tensor.dequantizeRows gives). */
void ck_q4_dequant_rows(const uint8_t *packed, const float *scales, size_t cols,
                        size_t row0, size_t nrows, float *out);

/* ---- Activations quantized to int8, one fp32 scale per row. ----
 *
 * sx[r] = max|x[r,:]| / 127, xq[r,c] = round_to_nearest_even(x[r,c] * 127 / max|x[r,:]|),
 * qsum[r] = sum_c xq[r,c]. xq has row stride kp >= k; columns k..kp-1 are set to 0.
 * Every level produces bit-identical output.
 */
void ck_quantize_rows(const float *x, size_t m, size_t k, size_t ldx,
                      int8_t *xq, size_t kp, float *sx, int32_t *qsum);

/* y[r, c] = sw[c] * sx[r] * sum_k wcode[c,k] * xq[r,k] + bias[c] for rows [0, m) and output
 * columns [n0, n1) (n0 a multiple of 16). The sum is exact (int32); every level produces
 * bit-identical output. bias may be NULL. Rows of y have stride ldy. */
void ck_q4_gemm(const uint8_t *w, const float *sw, const float *bias, size_t n, size_t kp,
                const int8_t *xq, const float *sx, const int32_t *qsum, size_t m,
                float *y, size_t ldy, size_t n0, size_t n1);

/* ---- Activations quantized to int16, one fp32 scale per row: the direct path's default. ----
 *
 * Per-row int8 falls ~10 dB short of fp16 inference on trained weights; 16 bits per row is far above it.
 * As ck_quantize_rows with qmax = ck_q16_max(kp) instead of 127 (32767 for kp <= 4369: sums stay in int32).
 * Row r holds kp int16 values (native byte order) at xq + 2 kp r; within each group of 8 k the even k come
 * first, then the odd k (k = 8g + i at slot 8g + ck_q16_slot(i)), so that the AVX2 kernel pairs them with
 * codes widened in registers.
 */
#define CK_Q16_MAX 32767
/* The slot of column k in an int16 row: (0 2 4 6 1 3 5 7) in each group of 8. */
static inline size_t ck_q16_slot(size_t k) { return (k & ~(size_t)7) | ((k & 1) << 2) | ((k & 7) >> 1); }
int32_t ck_q16_max(size_t kp);
void ck_quantize_rows16(const float *x, size_t m, size_t k, size_t ldx,
                        int8_t *xq, size_t kp, int32_t qmax, float *sx, int32_t *qsum);

/* ck_q4_gemm on int16 activations from ck_quantize_rows16 (exact int32 sums; bit-identical levels). */
void ck_q4_gemm16(const uint8_t *w, const float *sw, const float *bias, size_t n, size_t kp,
                  const int8_t *xq, const float *sx, const int32_t *qsum, size_t m,
                  float *y, size_t ldy, size_t n0, size_t n1);

/* ---- fp32 elementwise kernels (in place allowed: x == y). ---- */

void ck_exp(const float *x, float *y, size_t n);
void ck_erf(const float *x, float *y, size_t n);
void ck_silu(const float *x, float *y, size_t n);
/* x * tanh(softplus(x)), softplus(x) = x above 20 as in torch. */
void ck_mish(const float *x, float *y, size_t n);
/* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
void ck_gelu_tanh(const float *x, float *y, size_t n);
/* 0.5 x (1 + erf(x / sqrt 2)) */
void ck_gelu_erf(const float *x, float *y, size_t n);
/* x[r, c] += gate[c] * y[r, c] over rows of n at stride ld (product rounded, then the sum; x and y must not overlap). */
void ck_add_gated(float *x, const float *y, const float *gate, size_t rows, size_t n, size_t ld);
/* Row r of x (stride ld, n used columns) becomes softmax(scale * x[r, :]), max subtracted. */
void ck_softmax_rows(float *x, size_t rows, size_t n, size_t ld, float scale);
/* The same without the final division: x[r, :] = exp(scale * x[r, :] - max), sums[r] = row sum.
 * Attention divides its (much smaller) output rows instead of the scores. */
void ck_softmax_rows_unnormalized(float *x, size_t rows, size_t n, size_t ld, float scale, float *sums);
/* (x - mean) / sqrt(var + eps) per row with population variance; then * gamma + beta when
 * gamma (resp. beta) is not NULL. x and y rows have stride ld. */
void ck_layernorm(const float *x, float *y, size_t rows, size_t n, size_t ld, float eps,
                  const float *gamma, const float *beta);

/* ---- Measured single-core peaks (register-only loops, ~20 ms each) for benchmark reports. ---- */

/* fp32 FMA GFLOP/s at the active elementwise width. */
double ck_peak_fp32_gflops(void);
/* The dot-product step of the active int8 (resp. int16) GEMM in GOP/s (2 per multiply-add): vpdpbusd
 * (vpdpwssd) on zmm or with AVX-VNNI on ymm, the AVX2 GEMM's own step otherwise; 0 without a vector level. */
double ck_peak_int8_gops(void);
double ck_peak_int16_gops(void);

/* ---- Fused attention (one head, fp32). ----
 *
 * out[i, :] = softmax(scale * q[i, :] k^T) v for query rows i in [row0, row1), against all n keys:
 * q, k, v, out point at the head's first column, rows have stride ld, head_dim columns are used.
 * Query blocks of query_block rows: scores of one block (query_block x n) exist at a time, the
 * softmax subtracts the row max in fp32. K and V are packed once per call into `scratch`
 * (ck_attention_scratch_floats(n, head_dim, query_block) floats, any alignment), so a caller
 * should give one call as many rows of a head as it can. Single-threaded; calls on disjoint
 * output rows may run in parallel with their own scratch. */
size_t ck_attention_scratch_floats(size_t n, size_t head_dim, size_t query_block);
/* 1 when ck_attention_head runs the AVX-512 micro-kernels for this head_dim (AVX-512 active and
 * head_dim a multiple of 16); otherwise it runs a slow portable loop. */
int ck_attention_fused_available(size_t head_dim);
/* Returns CK_OK, or CK_BAD_ARGUMENT (nothing written) for head_dim 0, ld < head_dim, query_block 0 or rows outside [0, n). */
int ck_attention_head(const float *q, const float *k, const float *v, float *out, size_t n, size_t head_dim,
                      size_t ld, size_t row0, size_t row1, size_t query_block, float scale, float *scratch);

/* ---- Attention for one head with integer Q K^T (the quantized twin of ck_attention_head). ----
 *
 * Same arguments and result as ck_attention_head, computed as SageAttention does: K minus its mean
 * over the n keys (exact under softmax), each key row and each query row (times scale log2 e)
 * quantized to integers in [-qmax, qmax] with one fp32 scale per row (round to nearest even), the
 * scores as exact int32 dot products times the two scales, softmax in fp32, P V in fp32.
 * qmax <= 2047 and head_dim <= 256 (int32 cannot overflow); head_dim must be even.
 * Every level computes bit-identical scores. `scratch`: ck_attention_int_scratch_bytes(...) bytes,
 * any alignment; packs K and V once per call. Single-threaded. */
size_t ck_attention_int_scratch_bytes(size_t n, size_t head_dim, size_t query_block);
/* 1 when a vectorised kernel (AVX2, or AVX512-VNNI at that level) runs for this head_dim (a multiple of 16);
 * else the portable twin. */
int ck_attention_int_vectorised(size_t head_dim);
/* Returns CK_OK, or CK_BAD_ARGUMENT (nothing written) for an odd, zero or > 256 head_dim, ld < head_dim,
 * query_block 0, qmax outside [1, 2047] or rows outside [0, n). */
int ck_attention_int_head(const float *q, const float *k, const float *v, float *out, size_t n, size_t head_dim,
                          size_t ld, size_t row0, size_t row1, size_t query_block, float scale, int qmax,
                          void *scratch);

#ifdef __cplusplus
}
#endif

#endif
