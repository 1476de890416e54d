import Foundation
import TestSupport
import Testing

/// Every descriptor the store opens is owned by one value that closes it (Storage/Descriptor.swift): none
/// is left open by any operation, successful or failing. Counted in a StoreTool process of its own, where
/// no other test opens files meanwhile.
@Suite("Descriptors")
struct DescriptorTests {
    @Test("Every store operation, failing ones included, closes every descriptor it opened")
    func noDescriptorOutlivesItsOperation() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-descriptors")
        let result = try StoreSupport.run(["descriptors", directory + "/htpasswd"])
        #expect(result.status == 0, "\(result.stderrText)")
        let fields = result.stdoutText.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        try #require(fields.count == 3, "StoreTool printed '\(result.stdoutText)'")
        #expect(fields[0] > 0)
        #expect(fields[1] == fields[0], "descriptors open before: \(fields[0]), after: \(fields[1])")
        // The failures it provokes, and checks: 4 on a missing file, 4 each with rename and in-place writes.
        #expect(fields[2] == 12)
    }
}
