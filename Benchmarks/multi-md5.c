// The apr1 stretch of Sources/CMultiMD5 alone, at each SIMD level the machine runs: microseconds of
// thread CPU time per hash (best of 3 batches of 1,024 passwords of one length, salts of 8 bytes). Build
// with clang, as SwiftPM does: GCC makes the same vector code about half as fast.
//
//   clang -O2 -ISources/CMultiMD5/include Benchmarks/multi-md5.c Sources/CMultiMD5/CMultiMD5.c -o /tmp/multi-md5
//   /tmp/multi-md5 [PASSWORD_LENGTH]      (default 20; the scalar Swift code takes about 185 us at 21)
#include "CMultiMD5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    size_t count = 1024, length = argc > 1 ? (size_t)atoi(argv[1]) : 20, salt_length = 8;
    uint8_t *passwords = malloc(count * length + 1), *salts = malloc(count * salt_length);
    uint8_t *digests = malloc(16 * count);
    if (!passwords || !salts || !digests) return 1;
    for (size_t i = 0; i < count * length; i++) passwords[i] = (uint8_t)('a' + i % 26);
    for (size_t i = 0; i < count * salt_length; i++) salts[i] = (uint8_t)('.' + i % 64);
    memset(digests, 7, 16 * count);
    static const char *names[] = {"off", "sse2", "avx2", "avx512"};
    for (int level = HTPASS_SIMD_SSE2; level <= htpass_simd_supported_level(); level++) {
        double best = 1e9;
        for (int run = 0; run < 3; run++) {
            double start = cpu_seconds();
            if (htpass_apr1_stretch(level, count, passwords, length, salts, salt_length, digests) != 0) return 1;
            double spent = cpu_seconds() - start;
            if (spent < best) best = spent;
        }
        printf("%-6s %3d lanes: %6.1f us per hash, %6.0f hashes per second (password of %zu bytes)\n", names[level],
               htpass_simd_width(level), best / (double)count * 1e6, (double)count / best, length);
    }
    return 0;
}
