#include "CMultiMD5.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define HTPASS_SIMD_X86 1
#include <cpuid.h>
#endif

#ifdef HTPASS_SIMD_X86

/// Zeroes `length` bytes at `pointer` in a way the compiler cannot drop as a dead store.
static void kernel_zero(void *pointer, size_t length) {
    memset(pointer, 0, length);
    __asm__ __volatile__("" : : "r"(pointer) : "memory");
}

static inline uint32_t kernel_load32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void kernel_store32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/// The size of a `length`-byte message once MD5-padded (0x80, zeros, the 8-byte bit length).
static inline size_t kernel_padded_length(size_t length) { return (length + 8 + 1 + 63) & ~(size_t)63; }

/// The vectors a kernel of up to four groups needs: for each, the password's and the salt's words, the
/// longest message and one spare word.
static size_t kernel_scratch_vectors(size_t password_length, size_t salt_length) {
    return 4 * ((password_length + 3) / 4 + (salt_length + 3) / 4 +
                kernel_padded_length(2 * password_length + salt_length + 16) / 4 + 1);
}

#define KERNEL_WIDTH 4
#define KERNEL_GROUPS 1
#define KERNEL_NAME stretch_sse2_x1
#define KERNEL_TARGET
#include "kernel.h"

#define KERNEL_WIDTH 4
#define KERNEL_GROUPS 2
#define KERNEL_NAME stretch_sse2_x2
#define KERNEL_TARGET
#include "kernel.h"

#define KERNEL_WIDTH 8
#define KERNEL_GROUPS 1
#define KERNEL_NAME stretch_avx2_x1
#define KERNEL_TARGET __attribute__((target("avx2")))
#include "kernel.h"

#define KERNEL_WIDTH 8
#define KERNEL_GROUPS 2
#define KERNEL_NAME stretch_avx2_x2
#define KERNEL_TARGET __attribute__((target("avx2")))
#include "kernel.h"

#define KERNEL_WIDTH 16
#define KERNEL_GROUPS 1
#define KERNEL_NAME stretch_avx512_x1
#define KERNEL_TARGET __attribute__((target("avx512f")))
#include "kernel.h"

#define KERNEL_WIDTH 16
#define KERNEL_GROUPS 2
#define KERNEL_NAME stretch_avx512_x2
#define KERNEL_TARGET __attribute__((target("avx512f")))
#include "kernel.h"

#define KERNEL_WIDTH 16
#define KERNEL_GROUPS 4
#define KERNEL_NAME stretch_avx512_x4
#define KERNEL_TARGET __attribute__((target("avx512f")))
#include "kernel.h"

typedef void (*kernel_function)(size_t, const uint8_t *, size_t, const uint8_t *, size_t, uint8_t *, void *);

/// The kernels, by level and then by lanes: one, two (and with AVX-512's 32 registers four) vectors of lanes.
/// More vectors at once hide the latency of MD5's dependent steps (SSE2's 16 registers spill beyond two).
static const struct {
    int level;
    size_t lanes;
    kernel_function run;
} kernels[] = {
    {HTPASS_SIMD_SSE2, 4, stretch_sse2_x1},     {HTPASS_SIMD_SSE2, 8, stretch_sse2_x2},
    {HTPASS_SIMD_AVX2, 8, stretch_avx2_x1},     {HTPASS_SIMD_AVX2, 16, stretch_avx2_x2},
    {HTPASS_SIMD_AVX512, 16, stretch_avx512_x1}, {HTPASS_SIMD_AVX512, 32, stretch_avx512_x2},
    {HTPASS_SIMD_AVX512, 64, stretch_avx512_x4},
};
#define KERNEL_COUNT (sizeof kernels / sizeof kernels[0])

/// The kernel for the next `count` lanes at `level`: the widest while it is full; for a remainder, the
/// narrowest that takes it whole, of the highest level among equals.
static size_t pick_kernel(int level, size_t count) {
    size_t widest = 0;
    for (size_t i = 0; i < KERNEL_COUNT; i++) {
        if (kernels[i].level <= level) widest = i;
    }
    if (count >= kernels[widest].lanes) return widest;
    size_t best = widest;
    for (size_t i = 0; i < KERNEL_COUNT; i++) {
        if (kernels[i].level > level || kernels[i].lanes < count) continue;
        if (kernels[i].lanes < kernels[best].lanes ||
            (kernels[i].lanes == kernels[best].lanes && kernels[i].level > kernels[best].level)) {
            best = i;
        }
    }
    return best;
}

/// XCR0: which register states the OS saves on a context switch.
static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (uint64_t)edx << 32 | eax;
}

static int detect_level(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return HTPASS_SIMD_SSE2;
    // OSXSAVE (the OS enabled XSAVE, so xgetbv works) and AVX.
    if (!(ecx & (1u << 27)) || !(ecx & (1u << 28))) return HTPASS_SIMD_SSE2;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return HTPASS_SIMD_SSE2;  // XMM and YMM state
    if (__get_cpuid_max(0, 0) < 7) return HTPASS_SIMD_SSE2;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    int level = HTPASS_SIMD_SSE2;
    if (ebx & (1u << 5)) level = HTPASS_SIMD_AVX2;
    // AVX512F, with the opmask, ZMM0-15 upper halves and ZMM16-31 states saved by the OS.
    if ((ebx & (1u << 16)) && (xcr0 & 0xe6) == 0xe6) level = HTPASS_SIMD_AVX512;
    return level;
}

int htpass_simd_supported_level(void) {
    static int level = -1;
    int known = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (known < 0) {
        known = detect_level();
        __atomic_store_n(&level, known, __ATOMIC_RELAXED);
    }
    return known;
}

#else

int htpass_simd_supported_level(void) { return HTPASS_SIMD_OFF; }

#endif

int htpass_simd_level(void) {
    static int level = -1;
    int known = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (known >= 0) return known;
    known = htpass_simd_supported_level();
    const char *wanted = getenv("HTPASS_SIMD");
    if (wanted) {
        int limit = known;
        if (strcmp(wanted, "off") == 0) limit = HTPASS_SIMD_OFF;
        else if (strcmp(wanted, "sse2") == 0) limit = HTPASS_SIMD_SSE2;
        else if (strcmp(wanted, "avx2") == 0) limit = HTPASS_SIMD_AVX2;
        else if (strcmp(wanted, "avx512") == 0) limit = HTPASS_SIMD_AVX512;
        if (limit < known) known = limit;
    }
    __atomic_store_n(&level, known, __ATOMIC_RELAXED);
    return known;
}

int htpass_simd_width(int level) {
    switch (level) {
    case HTPASS_SIMD_SSE2: return 4;
    case HTPASS_SIMD_AVX2: return 8;
    case HTPASS_SIMD_AVX512: return 16;
    default: return 0;
    }
}

int htpass_apr1_stretch(int level, size_t count, const uint8_t *passwords, size_t password_length,
                        const uint8_t *salts, size_t salt_length, uint8_t *digests) {
#ifdef HTPASS_SIMD_X86
    if (level <= HTPASS_SIMD_OFF || level > htpass_simd_supported_level()) return -1;
    if (count == 0) return 0;
    // The scratch area holds 64 lanes' passwords and messages, about 200 bytes per password byte.
    if (password_length > HTPASS_SIMD_MAX_PASSWORD || salt_length > 64) return -1;
    // Room for the widest kernel (64-byte vectors), whatever the level.
    size_t bytes = kernel_scratch_vectors(password_length, salt_length) * 64;
    void *scratch = aligned_alloc(64, bytes);
    if (!scratch) return -1;
    while (count > 0) {
        size_t chosen = pick_kernel(level, count);
        size_t lanes = count < kernels[chosen].lanes ? count : kernels[chosen].lanes;
        kernels[chosen].run(lanes, passwords, password_length, salts, salt_length, digests, scratch);
        passwords += lanes * password_length;
        salts += lanes * salt_length;
        digests += 16 * lanes;
        count -= lanes;
    }
    kernel_zero(scratch, bytes);
    free(scratch);
    return 0;
#else
    (void)level; (void)count; (void)passwords; (void)password_length;
    (void)salts; (void)salt_length; (void)digests;
    return -1;
#endif
}
