/* The Q4 source layout (F5Bundle.Q4Tensor) decoded, and the repacked layout of the direct path. */
#include "internal.h"

size_t ck_q4_padded_k(size_t k) { return (k + CK_Q4_KGROUP - 1) / CK_Q4_KGROUP * CK_Q4_KGROUP; }

size_t ck_q4_repacked_bytes(size_t n, size_t k) {
    size_t panels = (n + CK_Q4_PANEL - 1) / CK_Q4_PANEL;
    return panels * ck_q4_padded_k(k) * CK_Q4_PANEL / 2;
}

/* Signed value (-8..7) of nibble `index` of the source layout; rows may start mid-byte. */
CK_INLINE int source_code(const uint8_t *packed, size_t index) {
    uint8_t byte = packed[index >> 1];
    int nibble = (index & 1) ? (byte >> 4) : (byte & 0x0F);
    return (nibble ^ 8) - 8;
}

void ck_q4_repack(const uint8_t *packed, size_t n, size_t k, uint8_t *out) {
    size_t kp = ck_q4_padded_k(k);
    size_t bytes = ck_q4_repacked_bytes(n, k);
    memset(out, 0x88, bytes); /* code 8 in both nibbles: value 0 in the padding */
    for (size_t r = 0; r < n; r++) {
        uint8_t *panel = out + (r / CK_Q4_PANEL) * kp * CK_Q4_PANEL / 2;
        size_t j = r % CK_Q4_PANEL;
        for (size_t c = 0; c < k; c++) {
            uint8_t code = (uint8_t)(source_code(packed, r * k + c) + 8);
            uint8_t *byte = panel + (c / 8) * 64 + 4 * j + (c % 4);
            *byte = (c % 8) < 4 ? (uint8_t)((*byte & 0xF0) | code) : (uint8_t)((*byte & 0x0F) | (code << 4));
        }
    }
}

void ck_q4_dequant_rows(const uint8_t *packed, const float *scales, size_t cols,
                        size_t row0, size_t nrows, float *out) {
    for (size_t r = row0; r < row0 + nrows; r++) {
        float s = scales[r];
        size_t base = r * cols;
        if ((base & 1) == 0) {
            /* Row starts on a byte: two codes per byte (a loop the compiler vectorizes). */
            const uint8_t *row = packed + base / 2;
            size_t pairs = cols / 2;
            for (size_t b = 0; b < pairs; b++) {
                out[2 * b] = (float)(((row[b] & 0x0F) ^ 8) - 8) * s;
                out[2 * b + 1] = (float)(((row[b] >> 4) ^ 8) - 8) * s;
            }
            if (cols & 1) out[cols - 1] = (float)source_code(packed, base + cols - 1) * s;
        } else {
            for (size_t c = 0; c < cols; c++) out[c] = (float)source_code(packed, base + c) * s;
        }
        out += cols;
    }
}
