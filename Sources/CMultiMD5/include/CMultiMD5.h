#ifndef HTPASS_CMULTIMD5_H
#define HTPASS_CMULTIMD5_H

// Multi-buffer MD5 for apr1/md5crypt: the 1000-round stretch of many independent passwords at once,
// one password per SIMD lane (SSE2: 4 lanes, AVX2: 8, AVX-512F: 16). The level is chosen at run time
// from cpuid and xgetbv (no ifunc: the release binary is a static executable); the environment variable
// HTPASS_SIMD=off|sse2|avx2|avx512 lowers it (never above what the CPU and the OS support; another value
// is ignored).
// On other architectures than x86_64 no level is available and the callers use their scalar code.

#include <stddef.h>
#include <stdint.h>

/// No SIMD: the caller hashes with its scalar code.
#define HTPASS_SIMD_OFF 0
#define HTPASS_SIMD_SSE2 1
#define HTPASS_SIMD_AVX2 2
#define HTPASS_SIMD_AVX512 3

/// The longest password htpass_apr1_stretch takes; the caller hashes longer ones with its scalar code.
#define HTPASS_SIMD_MAX_PASSWORD 4096

/// The highest level this CPU and OS run (HTPASS_SIMD_OFF off x86_64), ignoring HTPASS_SIMD.
int htpass_simd_supported_level(void);

/// The level to use: the supported level, lowered by HTPASS_SIMD when it is set (read once).
int htpass_simd_level(void);

/// The lanes hashed at once at `level` (0 for HTPASS_SIMD_OFF or an unknown level).
int htpass_simd_width(int level);

/// apr1/md5crypt's 1000 rounds for `count` lanes that share one password length and one salt length.
/// Lane i has the password `passwords + i * password_length`, the salt `salts + i * salt_length` and the
/// digest after the initial steps at `digests + 16 * i`, which is replaced by the final digest.
/// Every scratch area is zeroed before return. Returns 0, or -1 (nothing written) when `level` is not
/// supported here, the password is longer than HTPASS_SIMD_MAX_PASSWORD or the salt than 64 bytes, or
/// memory ran out: the caller then uses its scalar code.
int htpass_apr1_stretch(int level, size_t count, const uint8_t *passwords, size_t password_length,
                        const uint8_t *salts, size_t salt_length, uint8_t *digests);

#endif
