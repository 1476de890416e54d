/// MD5 (RFC 1321). libxcrypt does not export it, and apr1-MD5 needs it.
///
/// Not for new security uses: it is here because `$apr1$` hashes are made of it. The streaming state keeps its
/// 64-byte block inline, so hashing allocates nothing but the returned digest; ``compress(_:_:)`` and
/// ``digest(ofPadded:length:into:)`` are the allocation-free primitives that apr1's 1000 rounds use.
package struct MD5 {
    package static let digestSize = 16
    /// The size of one MD5 block.
    package static let blockSize = 64
    /// The initial state of RFC 1321, section 3.3.
    package static let initialState: State = (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476)

    /// The four 32-bit chaining words A, B, C, D.
    package typealias State = (UInt32, UInt32, UInt32, UInt32)

    private var state: State = Self.initialState
    /// The bytes of a partial block, `buffered` of them.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var buffered = 0
    private var length: UInt64 = 0

    package init() {}

    /// The MD5 digest of `bytes`.
    package static func digest(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var md5 = MD5()
        md5.update(bytes)
        return md5.finalize()
    }

    package mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var source = bytes.baseAddress, !bytes.isEmpty else { return }
        var remaining = bytes.count
        length &+= UInt64(remaining)
        withUnsafeMutableBytes(of: &block) { blockBytes in
            let blockStart = blockBytes.baseAddress!
            if buffered > 0 {
                let take = min(remaining, Self.blockSize - buffered)
                (blockStart + buffered).copyMemory(from: source, byteCount: take)
                buffered += take
                source += take
                remaining -= take
                guard buffered == Self.blockSize else { return }
                Self.compress(&state, UnsafeRawPointer(blockStart))
                buffered = 0
            }
            while remaining >= Self.blockSize {
                Self.compress(&state, source)
                source += Self.blockSize
                remaining -= Self.blockSize
            }
            if remaining > 0 {
                blockStart.copyMemory(from: source, byteCount: remaining)
                buffered = remaining
            }
        }
    }

    /// Pads, and returns the digest. The state is spent afterwards.
    package mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        let padding = Self.blockSize - Int((length &+ 8) % 64)  // 0x80, zeros, then 8 length bytes end a block
        withUnsafeMutableBytes(of: &tail) { raw in
            raw[0] = 0x80
            raw.storeBytes(of: bitLength.littleEndian, toByteOffset: padding, as: UInt64.self)
            update(UnsafeRawBufferPointer(rebasing: raw[0..<padding + 8]))
        }
        var out = [UInt8](repeating: 0, count: Self.digestSize)
        out.withUnsafeMutableBytes { Self.store(state, into: $0.baseAddress!) }
        return out
    }

    /// The digest of the `length` bytes at `message`, padded in place: `message` must have room for
    /// ``paddedLength(_:)`` bytes, and the bytes after `length` are overwritten. Writes 16 bytes at `digest`.
    @inline(__always)
    package static func digest(
        ofPadded message: UnsafeMutableRawPointer, length: Int, into digest: UnsafeMutableRawPointer
    ) {
        let total = paddedLength(length)
        message.storeBytes(of: 0x80, toByteOffset: length, as: UInt8.self)
        (message + length + 1).initializeMemory(as: UInt8.self, repeating: 0, count: total - 8 - length - 1)
        message.storeBytes(of: (UInt64(length) &* 8).littleEndian, toByteOffset: total - 8, as: UInt64.self)
        var state = initialState
        var offset = 0
        while offset < total {
            compress(&state, UnsafeRawPointer(message + offset))
            offset += blockSize
        }
        store(state, into: digest)
    }

    /// The size of a `length`-byte message once padded: a multiple of 64 with room for 0x80 and the bit length.
    @inline(__always)
    package static func paddedLength(_ length: Int) -> Int {
        (length + 8 + 1 + 63) & ~63
    }

    @inline(__always)
    private static func store(_ state: State, into digest: UnsafeMutableRawPointer) {
        digest.storeBytes(of: state.0.littleEndian, toByteOffset: 0, as: UInt32.self)
        digest.storeBytes(of: state.1.littleEndian, toByteOffset: 4, as: UInt32.self)
        digest.storeBytes(of: state.2.littleEndian, toByteOffset: 8, as: UInt32.self)
        digest.storeBytes(of: state.3.littleEndian, toByteOffset: 12, as: UInt32.self)
    }

    /// Processes one 64-byte block (RFC 1321, section 3.4), unrolled as in the RFC's reference code.
    @inline(__always)
    package static func compress(_ state: inout State, _ block: UnsafeRawPointer) {
        @inline(__always) func word(_ i: Int) -> UInt32 {
            UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        }
        let x0 = word(0), x1 = word(1), x2 = word(2), x3 = word(3)
        let x4 = word(4), x5 = word(5), x6 = word(6), x7 = word(7)
        let x8 = word(8), x9 = word(9), x10 = word(10), x11 = word(11)
        let x12 = word(12), x13 = word(13), x14 = word(14), x15 = word(15)
        var (a, b, c, d) = state

        ff(&a, b, c, d, x0, 7, 0xd76a_a478)
        ff(&d, a, b, c, x1, 12, 0xe8c7_b756)
        ff(&c, d, a, b, x2, 17, 0x2420_70db)
        ff(&b, c, d, a, x3, 22, 0xc1bd_ceee)
        ff(&a, b, c, d, x4, 7, 0xf57c_0faf)
        ff(&d, a, b, c, x5, 12, 0x4787_c62a)
        ff(&c, d, a, b, x6, 17, 0xa830_4613)
        ff(&b, c, d, a, x7, 22, 0xfd46_9501)
        ff(&a, b, c, d, x8, 7, 0x6980_98d8)
        ff(&d, a, b, c, x9, 12, 0x8b44_f7af)
        ff(&c, d, a, b, x10, 17, 0xffff_5bb1)
        ff(&b, c, d, a, x11, 22, 0x895c_d7be)
        ff(&a, b, c, d, x12, 7, 0x6b90_1122)
        ff(&d, a, b, c, x13, 12, 0xfd98_7193)
        ff(&c, d, a, b, x14, 17, 0xa679_438e)
        ff(&b, c, d, a, x15, 22, 0x49b4_0821)
        gg(&a, b, c, d, x1, 5, 0xf61e_2562)
        gg(&d, a, b, c, x6, 9, 0xc040_b340)
        gg(&c, d, a, b, x11, 14, 0x265e_5a51)
        gg(&b, c, d, a, x0, 20, 0xe9b6_c7aa)
        gg(&a, b, c, d, x5, 5, 0xd62f_105d)
        gg(&d, a, b, c, x10, 9, 0x0244_1453)
        gg(&c, d, a, b, x15, 14, 0xd8a1_e681)
        gg(&b, c, d, a, x4, 20, 0xe7d3_fbc8)
        gg(&a, b, c, d, x9, 5, 0x21e1_cde6)
        gg(&d, a, b, c, x14, 9, 0xc337_07d6)
        gg(&c, d, a, b, x3, 14, 0xf4d5_0d87)
        gg(&b, c, d, a, x8, 20, 0x455a_14ed)
        gg(&a, b, c, d, x13, 5, 0xa9e3_e905)
        gg(&d, a, b, c, x2, 9, 0xfcef_a3f8)
        gg(&c, d, a, b, x7, 14, 0x676f_02d9)
        gg(&b, c, d, a, x12, 20, 0x8d2a_4c8a)
        hh(&a, b, c, d, x5, 4, 0xfffa_3942)
        hh(&d, a, b, c, x8, 11, 0x8771_f681)
        hh(&c, d, a, b, x11, 16, 0x6d9d_6122)
        hh(&b, c, d, a, x14, 23, 0xfde5_380c)
        hh(&a, b, c, d, x1, 4, 0xa4be_ea44)
        hh(&d, a, b, c, x4, 11, 0x4bde_cfa9)
        hh(&c, d, a, b, x7, 16, 0xf6bb_4b60)
        hh(&b, c, d, a, x10, 23, 0xbebf_bc70)
        hh(&a, b, c, d, x13, 4, 0x289b_7ec6)
        hh(&d, a, b, c, x0, 11, 0xeaa1_27fa)
        hh(&c, d, a, b, x3, 16, 0xd4ef_3085)
        hh(&b, c, d, a, x6, 23, 0x0488_1d05)
        hh(&a, b, c, d, x9, 4, 0xd9d4_d039)
        hh(&d, a, b, c, x12, 11, 0xe6db_99e5)
        hh(&c, d, a, b, x15, 16, 0x1fa2_7cf8)
        hh(&b, c, d, a, x2, 23, 0xc4ac_5665)
        ii(&a, b, c, d, x0, 6, 0xf429_2244)
        ii(&d, a, b, c, x7, 10, 0x432a_ff97)
        ii(&c, d, a, b, x14, 15, 0xab94_23a7)
        ii(&b, c, d, a, x5, 21, 0xfc93_a039)
        ii(&a, b, c, d, x12, 6, 0x655b_59c3)
        ii(&d, a, b, c, x3, 10, 0x8f0c_cc92)
        ii(&c, d, a, b, x10, 15, 0xffef_f47d)
        ii(&b, c, d, a, x1, 21, 0x8584_5dd1)
        ii(&a, b, c, d, x8, 6, 0x6fa8_7e4f)
        ii(&d, a, b, c, x15, 10, 0xfe2c_e6e0)
        ii(&c, d, a, b, x6, 15, 0xa301_4314)
        ii(&b, c, d, a, x13, 21, 0x4e08_11a1)
        ii(&a, b, c, d, x4, 6, 0xf753_7e82)
        ii(&d, a, b, c, x11, 10, 0xbd3a_f235)
        ii(&c, d, a, b, x2, 15, 0x2ad7_d2bb)
        ii(&b, c, d, a, x9, 21, 0xeb86_d391)
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }

    @inline(__always)
    private static func ff(
        _ a: inout UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ s: UInt32, _ k: UInt32
    ) {
        a = b &+ (a &+ (d ^ (b & (c ^ d))) &+ x &+ k).rotated(s)
    }

    /// G(b, c, d) = (b & d) | (c & ~d), written as a sum (the two terms share no bit) so that `c & ~d`, which
    /// does not wait for the previous step's `b`, is added early: `b` then reaches `a` through one AND and one
    /// addition instead of XOR, AND, XOR. MD5 is one chain of dependent steps, so this shortens every round of
    /// apr1 (about 8 % for a 21-byte password).
    @inline(__always)
    private static func gg(
        _ a: inout UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ s: UInt32, _ k: UInt32
    ) {
        a = b &+ (a &+ x &+ k &+ (c & ~d) &+ (b & d)).rotated(s)
    }

    @inline(__always)
    private static func hh(
        _ a: inout UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ s: UInt32, _ k: UInt32
    ) {
        // `c ^ d` first: it does not wait for `b`.
        a = b &+ (a &+ x &+ k &+ (b ^ (c ^ d))).rotated(s)
    }

    @inline(__always)
    private static func ii(
        _ a: inout UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ x: UInt32, _ s: UInt32, _ k: UInt32
    ) {
        a = b &+ (a &+ (c ^ (b | ~d)) &+ x &+ k).rotated(s)
    }
}

extension UInt32 {
    @inline(__always)
    fileprivate func rotated(_ count: UInt32) -> UInt32 {
        self &<< count | self &>> (32 &- count)
    }
}
