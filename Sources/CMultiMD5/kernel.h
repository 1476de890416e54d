// The multi-lane apr1 stretch, written once with vector extensions and included by CMultiMD5.c for each
// width. Before including: KERNEL_WIDTH (lanes per vector), KERNEL_GROUPS (1, 2 or 4 independent vectors of
// lanes, whose MD5 steps are interleaved so that one's latency hides behind the other's work),
// KERNEL_NAME (the function), KERNEL_TARGET (an attribute); it undefines them at the end. Not a public
// header: no include guard on purpose.

#define KV_CAT2(a, b) a##b
#define KV_CAT(a, b) KV_CAT2(a, b)
#define KV KV_CAT(KERNEL_NAME, _vector)
#define KV_COMPRESS KV_CAT(KERNEL_NAME, _compress)
#define KV_PLACE KV_CAT(KERNEL_NAME, _place)

typedef uint32_t KV __attribute__((vector_size(4 * KERNEL_WIDTH)));

#define KV_ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define KV_F(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define KV_G(b, c, d) ((c) ^ ((d) & ((b) ^ (c))))
#define KV_H(b, c, d) ((b) ^ (c) ^ (d))
#define KV_I(b, c, d) ((c) ^ ((b) | ~(d)))
#define KV_STEP(f, a, b, c, d, i, s, k)                                                                 \
    for (int g = 0; g < KERNEL_GROUPS; g++)                                                             \
    a[g] = (b[g]) + KV_ROTL((a[g]) + f(b[g], c[g], d[g]) + m[g * stride + (i)] + (uint32_t)(k), s)

/// One 64-byte block of every lane (RFC 1321, section 3.4): `m + g * stride` holds group g's 16 words.
static inline __attribute__((always_inline)) KERNEL_TARGET void KV_COMPRESS(KV state[][4], const KV *m,
                                                                            size_t stride) {
    KV a[KERNEL_GROUPS], b[KERNEL_GROUPS], c[KERNEL_GROUPS], d[KERNEL_GROUPS];
    for (int g = 0; g < KERNEL_GROUPS; g++) {
        a[g] = state[g][0];
        b[g] = state[g][1];
        c[g] = state[g][2];
        d[g] = state[g][3];
    }
    KV_STEP(KV_F, a, b, c, d, 0, 7, 0xd76aa478); KV_STEP(KV_F, d, a, b, c, 1, 12, 0xe8c7b756);
    KV_STEP(KV_F, c, d, a, b, 2, 17, 0x242070db); KV_STEP(KV_F, b, c, d, a, 3, 22, 0xc1bdceee);
    KV_STEP(KV_F, a, b, c, d, 4, 7, 0xf57c0faf); KV_STEP(KV_F, d, a, b, c, 5, 12, 0x4787c62a);
    KV_STEP(KV_F, c, d, a, b, 6, 17, 0xa8304613); KV_STEP(KV_F, b, c, d, a, 7, 22, 0xfd469501);
    KV_STEP(KV_F, a, b, c, d, 8, 7, 0x698098d8); KV_STEP(KV_F, d, a, b, c, 9, 12, 0x8b44f7af);
    KV_STEP(KV_F, c, d, a, b, 10, 17, 0xffff5bb1); KV_STEP(KV_F, b, c, d, a, 11, 22, 0x895cd7be);
    KV_STEP(KV_F, a, b, c, d, 12, 7, 0x6b901122); KV_STEP(KV_F, d, a, b, c, 13, 12, 0xfd987193);
    KV_STEP(KV_F, c, d, a, b, 14, 17, 0xa679438e); KV_STEP(KV_F, b, c, d, a, 15, 22, 0x49b40821);
    KV_STEP(KV_G, a, b, c, d, 1, 5, 0xf61e2562); KV_STEP(KV_G, d, a, b, c, 6, 9, 0xc040b340);
    KV_STEP(KV_G, c, d, a, b, 11, 14, 0x265e5a51); KV_STEP(KV_G, b, c, d, a, 0, 20, 0xe9b6c7aa);
    KV_STEP(KV_G, a, b, c, d, 5, 5, 0xd62f105d); KV_STEP(KV_G, d, a, b, c, 10, 9, 0x02441453);
    KV_STEP(KV_G, c, d, a, b, 15, 14, 0xd8a1e681); KV_STEP(KV_G, b, c, d, a, 4, 20, 0xe7d3fbc8);
    KV_STEP(KV_G, a, b, c, d, 9, 5, 0x21e1cde6); KV_STEP(KV_G, d, a, b, c, 14, 9, 0xc33707d6);
    KV_STEP(KV_G, c, d, a, b, 3, 14, 0xf4d50d87); KV_STEP(KV_G, b, c, d, a, 8, 20, 0x455a14ed);
    KV_STEP(KV_G, a, b, c, d, 13, 5, 0xa9e3e905); KV_STEP(KV_G, d, a, b, c, 2, 9, 0xfcefa3f8);
    KV_STEP(KV_G, c, d, a, b, 7, 14, 0x676f02d9); KV_STEP(KV_G, b, c, d, a, 12, 20, 0x8d2a4c8a);
    KV_STEP(KV_H, a, b, c, d, 5, 4, 0xfffa3942); KV_STEP(KV_H, d, a, b, c, 8, 11, 0x8771f681);
    KV_STEP(KV_H, c, d, a, b, 11, 16, 0x6d9d6122); KV_STEP(KV_H, b, c, d, a, 14, 23, 0xfde5380c);
    KV_STEP(KV_H, a, b, c, d, 1, 4, 0xa4beea44); KV_STEP(KV_H, d, a, b, c, 4, 11, 0x4bdecfa9);
    KV_STEP(KV_H, c, d, a, b, 7, 16, 0xf6bb4b60); KV_STEP(KV_H, b, c, d, a, 10, 23, 0xbebfbc70);
    KV_STEP(KV_H, a, b, c, d, 13, 4, 0x289b7ec6); KV_STEP(KV_H, d, a, b, c, 0, 11, 0xeaa127fa);
    KV_STEP(KV_H, c, d, a, b, 3, 16, 0xd4ef3085); KV_STEP(KV_H, b, c, d, a, 6, 23, 0x04881d05);
    KV_STEP(KV_H, a, b, c, d, 9, 4, 0xd9d4d039); KV_STEP(KV_H, d, a, b, c, 12, 11, 0xe6db99e5);
    KV_STEP(KV_H, c, d, a, b, 15, 16, 0x1fa27cf8); KV_STEP(KV_H, b, c, d, a, 2, 23, 0xc4ac5665);
    KV_STEP(KV_I, a, b, c, d, 0, 6, 0xf4292244); KV_STEP(KV_I, d, a, b, c, 7, 10, 0x432aff97);
    KV_STEP(KV_I, c, d, a, b, 14, 15, 0xab9423a7); KV_STEP(KV_I, b, c, d, a, 5, 21, 0xfc93a039);
    KV_STEP(KV_I, a, b, c, d, 12, 6, 0x655b59c3); KV_STEP(KV_I, d, a, b, c, 3, 10, 0x8f0ccc92);
    KV_STEP(KV_I, c, d, a, b, 10, 15, 0xffeff47d); KV_STEP(KV_I, b, c, d, a, 1, 21, 0x85845dd1);
    KV_STEP(KV_I, a, b, c, d, 8, 6, 0x6fa87e4f); KV_STEP(KV_I, d, a, b, c, 15, 10, 0xfe2ce6e0);
    KV_STEP(KV_I, c, d, a, b, 6, 15, 0xa3014314); KV_STEP(KV_I, b, c, d, a, 13, 21, 0x4e0811a1);
    KV_STEP(KV_I, a, b, c, d, 4, 6, 0xf7537e82); KV_STEP(KV_I, d, a, b, c, 11, 10, 0xbd3af235);
    KV_STEP(KV_I, c, d, a, b, 2, 15, 0x2ad7d2bb); KV_STEP(KV_I, b, c, d, a, 9, 21, 0xeb86d391);
    for (int g = 0; g < KERNEL_GROUPS; g++) {
        state[g][0] += a[g];
        state[g][1] += b[g];
        state[g][2] += c[g];
        state[g][3] += d[g];
    }
}

/// ORs the `length` bytes held in `words` (little-endian words, zero past `length`) into the message `m`
/// at byte `offset`. The message has a spare word past its padded length for the last shifted word.
static inline __attribute__((always_inline)) KERNEL_TARGET void KV_PLACE(KV *m, const KV *words, size_t length,
                                                                         size_t offset) {
    size_t count = (length + 3) / 4, first = offset / 4;
    unsigned shift = 8 * (unsigned)(offset % 4);
    if (shift == 0) {
        for (size_t j = 0; j < count; j++) m[first + j] |= words[j];
    } else {
        for (size_t j = 0; j < count; j++) {
            m[first + j] |= words[j] << shift;
            m[first + j + 1] |= words[j] >> (32 - shift);
        }
    }
}

/// The stretch for `lanes` (1 to KERNEL_GROUPS * KERNEL_WIDTH) lanes; `scratch` has room for
/// kernel_scratch_vectors(password_length, salt_length) vectors of 16 words, aligned to 64.
static KERNEL_TARGET void KERNEL_NAME(size_t lanes, const uint8_t *passwords, size_t password_length,
                                      const uint8_t *salts, size_t salt_length, uint8_t *digests, void *scratch) {
    enum { groups = KERNEL_GROUPS, width = KERNEL_WIDTH };
    size_t password_words = (password_length + 3) / 4, salt_words = (salt_length + 3) / 4;
    // Each group's message has a spare word past the longest padded message, for KV_PLACE's last shift.
    size_t stride = kernel_padded_length(2 * password_length + salt_length + 16) / 4 + 1;
    KV *password = (KV *)scratch;                 // [groups][password_words]
    KV *salt = password + groups * password_words;  // [groups][salt_words]
    KV *message = salt + groups * salt_words;       // [groups][stride]
    KV state[KERNEL_GROUPS][4], digest[KERNEL_GROUPS][4];

    for (size_t j = 0; j < groups * password_words; j++) password[j] = (KV){0};
    for (size_t j = 0; j < groups * salt_words; j++) salt[j] = (KV){0};
    for (int g = 0; g < groups; g++) {
        for (int k = 0; k < 4; k++) state[g][k] = (KV){0};
    }
    for (size_t lane = 0; lane < lanes; lane++) {
        size_t g = lane / width, e = lane % width;
        const uint8_t *p = passwords + lane * password_length, *s = salts + lane * salt_length;
        for (size_t i = 0; i < password_length; i++) {
            password[g * password_words + i / 4][e] |= (uint32_t)p[i] << (8 * (i % 4));
        }
        for (size_t i = 0; i < salt_length; i++) salt[g * salt_words + i / 4][e] |= (uint32_t)s[i] << (8 * (i % 4));
        for (int k = 0; k < 4; k++) state[g][k][e] = kernel_load32(digests + 16 * lane + 4 * k);
    }

    for (int round = 0; round < 1000; round++) {
        size_t length = 16 + password_length + (round % 3 ? salt_length : 0) + (round % 7 ? password_length : 0);
        size_t total_words = kernel_padded_length(length) / 4;
        uint64_t bits = (uint64_t)length * 8;
        for (int g = 0; g < groups; g++) {
            KV *m = message + g * stride;
            const KV *pw = password + g * password_words;
            for (int k = 0; k < 4; k++) digest[g][k] = state[g][k];
            for (size_t j = 0; j < total_words + 1; j++) m[j] = (KV){0};
            size_t offset = 0;
            if (round & 1) {
                KV_PLACE(m, pw, password_length, offset);
                offset += password_length;
            } else {
                KV_PLACE(m, digest[g], 16, offset);
                offset += 16;
            }
            if (round % 3) {
                KV_PLACE(m, salt + g * salt_words, salt_length, offset);
                offset += salt_length;
            }
            if (round % 7) {
                KV_PLACE(m, pw, password_length, offset);
                offset += password_length;
            }
            if (round & 1) {
                KV_PLACE(m, digest[g], 16, offset);
            } else {
                KV_PLACE(m, pw, password_length, offset);
            }
            m[length / 4] |= (uint32_t)0x80 << (8 * (length % 4));
            m[total_words - 2] |= (uint32_t)bits;
            m[total_words - 1] |= (uint32_t)(bits >> 32);

            state[g][0] = (KV){0} + 0x67452301u;
            state[g][1] = (KV){0} + 0xefcdab89u;
            state[g][2] = (KV){0} + 0x98badcfeu;
            state[g][3] = (KV){0} + 0x10325476u;
        }
        for (size_t block = 0; block < total_words; block += 16) KV_COMPRESS(state, message + block, stride);
    }

    for (size_t lane = 0; lane < lanes; lane++) {
        for (int k = 0; k < 4; k++) kernel_store32(digests + 16 * lane + 4 * k, state[lane / width][k][lane % width]);
    }
    kernel_zero(state, sizeof state);
    kernel_zero(digest, sizeof digest);
}

#undef KV
#undef KV_COMPRESS
#undef KV_PLACE
#undef KV_ROTL
#undef KV_F
#undef KV_G
#undef KV_H
#undef KV_I
#undef KV_STEP
#undef KV_CAT
#undef KV_CAT2

// The parameters, for the next instantiation.
#undef KERNEL_WIDTH
#undef KERNEL_GROUPS
#undef KERNEL_NAME
#undef KERNEL_TARGET
