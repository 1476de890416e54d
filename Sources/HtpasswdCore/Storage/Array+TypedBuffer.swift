extension Array where Element == UInt8 {
    /// `withUnsafeBufferPointer` that keeps `body`'s typed error (the standard library's rethrows an untyped one).
    func withBuffer<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        var result: Result<R, E>!
        withUnsafeBufferPointer { buffer in result = Result { () throws(E) -> R in try body(buffer) } }
        return try result.get()
    }
}
