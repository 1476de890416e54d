/// Comparison of secrets whose running time depends only on the lengths, not on where bytes differ.
package enum ConstantTime {
    /// Whether `a` and `b` are equal; every byte is looked at whatever the first difference.
    package static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        // Compare against the longer one's length so that a short guess does not end the loop early.
        var left = a.makeIterator()
        var right = b.makeIterator()
        for _ in 0..<max(a.count, b.count) {
            difference |= (left.next() ?? 0) ^ (right.next() ?? 0xFF)
        }
        return difference == 0
    }
}
