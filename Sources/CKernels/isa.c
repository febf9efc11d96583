/* CPUID detection and the forced cap shared by every dispatching kernel. */
#include "ckernels.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const isa_names[] = {"scalar", "avx2", "avxvnni", "avx512vnni"};
static const char *const ew_names[] = {"scalar", "avx2", "avx512"};

/* -1: not yet read from F5TTS_ISA; -2: no cap. Races only ever write the same value. */
static int forced_cap = -1;

int ck_cpu_has_avx512(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

int ck_cpu_has_avx2(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int ck_isa_runs(ck_isa level) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    switch (level) {
    case CK_ISA_SCALAR: return 1;
    case CK_ISA_AVX2: return ck_cpu_has_avx2();
    case CK_ISA_AVXVNNI: return ck_cpu_has_avx2() && __builtin_cpu_supports("avxvnni");
    case CK_ISA_AVX512VNNI: return ck_cpu_has_avx2() && ck_cpu_has_avx512() && __builtin_cpu_supports("avx512vnni");
    }
    return 0;
#else
    return level == CK_ISA_SCALAR;
#endif
}

ck_isa ck_isa_detected(void) {
    for (int level = CK_ISA_AVX512VNNI; level > CK_ISA_SCALAR; level--)
        if (ck_isa_runs((ck_isa)level)) return (ck_isa)level;
    return CK_ISA_SCALAR;
}

static ck_ew_isa ew_detected(void) {
    if (ck_cpu_has_avx512()) return CK_EW_AVX512;
    if (ck_cpu_has_avx2()) return CK_EW_AVX2;
    return CK_EW_SCALAR;
}

int ck_isa_parse(const char *name) {
    if (name == NULL) return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(name, isa_names[i]) == 0) return i;
    return -1;
}

static int cap(void) {
    int c = __atomic_load_n(&forced_cap, __ATOMIC_ACQUIRE);
    if (c == -1) {
        int parsed = ck_isa_parse(getenv("F5TTS_ISA"));
        c = parsed >= 0 ? parsed : -2;
        __atomic_store_n(&forced_cap, c, __ATOMIC_RELEASE);
    }
    return c;
}

ck_isa ck_isa_active(void) {
    ck_isa best = ck_isa_detected();
    int c = cap();
    if (c < 0 || c >= (int)best) return best;
    /* A cap at a level this CPU lacks (AVX-VNNI on an AVX512-VNNI CPU without it) runs the next one below. */
    while (c > CK_ISA_SCALAR && !ck_isa_runs((ck_isa)c)) c--;
    return (ck_isa)c;
}

ck_ew_isa ck_ew_isa_active(void) {
    ck_ew_isa best = ew_detected();
    int c = cap();
    if (c < 0) return best;
    ck_ew_isa capped = c >= CK_ISA_AVX512VNNI ? CK_EW_AVX512 : c >= CK_ISA_AVX2 ? CK_EW_AVX2 : CK_EW_SCALAR;
    return capped < best ? capped : best;
}

void ck_isa_force(ck_isa level) { __atomic_store_n(&forced_cap, (int)level, __ATOMIC_RELEASE); }
void ck_isa_reset(void) { __atomic_store_n(&forced_cap, -2, __ATOMIC_RELEASE); }

const char *ck_isa_name(ck_isa level) {
    return (unsigned)level < 4 ? isa_names[level] : "unknown";
}

const char *ck_ew_isa_name(ck_ew_isa level) {
    return (unsigned)level < 3 ? ew_names[level] : "unknown";
}
