/* Measured single-core peaks (register-only FMA and int8 dot-product loops), so benchmark reports
 * can give GEMM throughput as a fraction of what this machine's core really does. */
#include "internal.h"
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static double ck_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* 12 independent accumulators hide the FMA latency on two ports. */
#define CK_PEAK_CHAINS 12

/* The loops' results are stored here so the compiler cannot drop the work. */
volatile double ck_peak_sink;

#if defined(__x86_64__)
CK_TARGET_AVX512 static double peak_fp32_avx512(size_t iterations) {
    __m512 acc[CK_PEAK_CHAINS];
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (size_t it = 0; it < iterations; it++)
        for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    float sink = 0;
    for (int i = 0; i < CK_PEAK_CHAINS; i++) sink += _mm512_reduce_add_ps(acc[i]);
    ck_peak_sink = sink;
    return (double)iterations * CK_PEAK_CHAINS * 16 * 2;
}

CK_TARGET_AVX2 static double peak_fp32_avx2(size_t iterations) {
    __m256 acc[CK_PEAK_CHAINS];
    const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
    for (size_t it = 0; it < iterations; it++)
        for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    __m256 s = acc[0];
    for (int i = 1; i < CK_PEAK_CHAINS; i++) s = _mm256_add_ps(s, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    ck_peak_sink = out[0];
    return (double)iterations * CK_PEAK_CHAINS * 8 * 2;
}

CK_TARGET_AVX512VNNI static double peak_int8_avx512vnni(size_t iterations) {
    __m512i acc[CK_PEAK_CHAINS];
    const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
    for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = _mm512_set1_epi32(i);
    for (size_t it = 0; it < iterations; it++)
        for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = ck_dpbusd512(acc[i], a, b);
    int32_t sink = 0;
    for (int i = 0; i < CK_PEAK_CHAINS; i++) sink += _mm512_reduce_add_epi32(acc[i]);
    ck_peak_sink = sink;
    return (double)iterations * CK_PEAK_CHAINS * 64 * 2;
}

CK_TARGET_AVX512VNNI static double peak_int16_avx512vnni(size_t iterations) {
    __m512i acc[CK_PEAK_CHAINS];
    const __m512i b = _mm512_set1_epi16(-2);
    for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = _mm512_set1_epi32(i);
    for (size_t it = 0; it < iterations; it++)
        for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = ck_dpwssd512(acc[i], acc[i], b);
    int32_t sink = 0;
    for (int i = 0; i < CK_PEAK_CHAINS; i++) sink += _mm512_reduce_add_epi32(acc[i]);
    ck_peak_sink = sink;
    return (double)iterations * CK_PEAK_CHAINS * 32 * 2;
}

/* ymm forms: the accumulator is also an operand, so nothing folds to a constant. */
#define CK_PEAK_YMM(name, target, body, products)                                   \
    target static double name(size_t iterations) {                                   \
        __m256i acc[CK_PEAK_CHAINS];                                                 \
        const __m256i b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);          \
        (void)ones;                                                                  \
        for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = _mm256_set1_epi32(i);      \
        for (size_t it = 0; it < iterations; it++)                                   \
            for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = body;                  \
        __m256i s = acc[0];                                                          \
        for (int i = 1; i < CK_PEAK_CHAINS; i++) s = _mm256_add_epi32(s, acc[i]);    \
        int32_t out[8];                                                              \
        _mm256_storeu_si256((__m256i *)out, s);                                      \
        ck_peak_sink = out[0];                                                       \
        return (double)iterations * CK_PEAK_CHAINS * (products) * 2;                 \
    }

CK_TARGET_AVXVNNI CK_INLINE __m256i peak_dpbusd256(__m256i acc, __m256i a, __m256i b) {
    __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b));
    return acc;
}
CK_TARGET_AVXVNNI CK_INLINE __m256i peak_dpwssd256(__m256i acc, __m256i a, __m256i b) {
    __asm__("%{vex%} vpdpwssd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b));
    return acc;
}
CK_PEAK_YMM(peak_int8_avxvnni, CK_TARGET_AVXVNNI, peak_dpbusd256(acc[i], acc[i], b), 32)
CK_PEAK_YMM(peak_int16_avxvnni, CK_TARGET_AVXVNNI, peak_dpwssd256(acc[i], acc[i], b), 16)
/* The AVX2 int16 GEMM's own step: vpmaddwd, then vpaddd into the accumulator. */
CK_PEAK_YMM(peak_int16_avx2, CK_TARGET_AVX2, _mm256_add_epi32(acc[i], _mm256_madd_epi16(acc[i], b)), 16)

/* The AVX2 GEMM's own step: two vpmaddubsw (u8 x s8 pair sums) added in int16, widened by vpmaddwd,
 * added in int32: 64 multiply-adds. The accumulator is also the u8 operand, so nothing folds to a constant. */
CK_TARGET_AVX2 static double peak_int8_avx2(size_t iterations) {
    __m256i acc[CK_PEAK_CHAINS];
    const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
    for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = _mm256_set1_epi32(i);
    for (size_t it = 0; it < iterations; it++)
        for (int i = 0; i < CK_PEAK_CHAINS; i++) {
            __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(acc[i], b), _mm256_maddubs_epi16(acc[i], a));
            acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(pairs, ones));
        }
    __m256i s = acc[0];
    for (int i = 1; i < CK_PEAK_CHAINS; i++) s = _mm256_add_epi32(s, acc[i]);
    int32_t out[8];
    _mm256_storeu_si256((__m256i *)out, s);
    ck_peak_sink = out[0];
    return (double)iterations * CK_PEAK_CHAINS * 64 * 2;
}
#endif

static double peak_fp32_scalar(size_t iterations) {
    float acc[CK_PEAK_CHAINS], sink = 0;
    for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = (float)i;
    for (size_t it = 0; it < iterations; it++)
        for (int i = 0; i < CK_PEAK_CHAINS; i++) acc[i] = acc[i] * 0.999f + 1e-7f;
    for (int i = 0; i < CK_PEAK_CHAINS; i++) sink += acc[i];
    ck_peak_sink = sink;
    return (double)iterations * CK_PEAK_CHAINS * 2;
}

/* Runs `loop` with a growing iteration count until one run lasts ~20 ms; returns operations per second. */
static double measure(double (*loop)(size_t)) {
    size_t iterations = 1 << 12;
    for (int attempt = 0; attempt < 40; attempt++) {
        double start = ck_now();
        double ops = loop(iterations);
        double seconds = ck_now() - start;
        if (seconds > 0.02) return ops / seconds;
        iterations *= 2;
    }
    return 0;  /* never long enough to time: report no peak rather than loop on */
}

double ck_peak_fp32_gflops(void) {
#if defined(__x86_64__)
    switch (ck_ew_isa_active()) {
    case CK_EW_AVX512: return measure(peak_fp32_avx512) * 1e-9;
    case CK_EW_AVX2: return measure(peak_fp32_avx2) * 1e-9;
    default: break;
    }
#endif
    return measure(peak_fp32_scalar) * 1e-9;
}

/* The dot-product loop of the active int8 level, in GOP/s (0 without a vector level). */
static double level_peak(double (*zmm)(size_t), double (*vnni)(size_t), double (*avx2)(size_t)) {
#if defined(__x86_64__)
    switch (ck_isa_active()) {
    case CK_ISA_AVX512VNNI: return measure(zmm) * 1e-9;
    case CK_ISA_AVXVNNI: return measure(vnni) * 1e-9;
    case CK_ISA_AVX2: return measure(avx2) * 1e-9;
    default: break;
    }
#endif
    (void)zmm, (void)vnni, (void)avx2;
    return 0;
}

#if defined(__x86_64__)
double ck_peak_int8_gops(void) { return level_peak(peak_int8_avx512vnni, peak_int8_avxvnni, peak_int8_avx2); }
double ck_peak_int16_gops(void) { return level_peak(peak_int16_avx512vnni, peak_int16_avxvnni, peak_int16_avx2); }
#else
double ck_peak_int8_gops(void) { return 0; }
double ck_peak_int16_gops(void) { return 0; }
#endif
