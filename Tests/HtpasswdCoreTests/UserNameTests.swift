import HtpasswdCore
import PropertyBased
import Testing

@Suite("UserName")
struct UserNameTests {
    @Test(
        "Refusals name the first rule broken",
        arguments: [
            ([], UserName.Problem.empty),
            ([UInt8](repeating: UInt8(ascii: "a"), count: 256), .tooLong(length: 256)),
            ([UInt8](repeating: 0xC3, count: 1000), .tooLong(length: 1000)),
            (Array("bob:x".utf8), .containsColon),
            (Array(":".utf8), .containsColon),
            (Array("bob\n".utf8), .containsControlCharacter(byte: 0x0A)),
            (Array("bo\nb".utf8), .containsControlCharacter(byte: 0x0A)),
            (Array("bob\r".utf8), .containsControlCharacter(byte: 0x0D)),
            (Array("b\tob".utf8), .containsControlCharacter(byte: 0x09)),
            ([0x62, 0x00, 0x62], .containsControlCharacter(byte: 0x00)),
            ([0x62, 0x1F], .containsControlCharacter(byte: 0x1F)),
            ([0x62, 0x7F], .containsControlCharacter(byte: 0x7F)),
            (Array("#bob".utf8), .startsWithHash),
            (Array("#".utf8), .startsWithHash),
            (Array(" bob".utf8), .leadingSpace),
            (Array(" ".utf8), .leadingSpace),
            (Array("bob ".utf8), .trailingSpace),
        ])
    func refusals(bytes: [UInt8], problem: UserName.Problem) {
        #expect(UserName.problem(with: bytes) == problem)
        #expect(throws: problem) { try UserName(bytes) }
    }

    @Test(
        "Accepted names keep their bytes",
        arguments: [
            Array("bob".utf8),
            Array("b".utf8),
            Array("bob#".utf8),
            Array("b o b".utf8),
            Array("alice@example.com".utf8),
            Array("José Müller".utf8),
            Array("用户".utf8),
            Array("🙂".utf8),
            [0x80, 0xFF, 0xFE],  // not UTF-8: names are bytes
            [UInt8](repeating: UInt8(ascii: "a"), count: 255),
            [UInt8](repeating: 0xE9, count: 255),
        ])
    func acceptance(bytes: [UInt8]) throws {
        #expect(UserName.problem(with: bytes) == nil)
        #expect(try UserName(bytes).bytes == bytes)
    }

    @Test("Any name of printable ASCII and high bytes, without ':' or edge spaces, is accepted")
    func acceptanceProperty() async {
        let allowed = (0x21...0xFF).map(UInt8.init).filter { $0 != UInt8(ascii: ":") && $0 != 0x7F }
        let inner = allowed + [UInt8(ascii: " ")]
        let names = zip(
            Gen.int(in: 0..<allowed.count), Gen.int(in: 0..<inner.count).array(of: 0...253),
            Gen.int(in: 0..<allowed.count)
        ).map { (input: (Int, [Int], Int)) -> [UInt8] in
            var first = allowed[input.0]
            if first == UInt8(ascii: "#") { first = UInt8(ascii: "a") }
            return [first] + input.1.map { inner[$0] } + [allowed[input.2]]
        }
        await propertyCheck(count: 500, input: names) { name in
            #expect(UserName.problem(with: name) == nil)
            #expect((try? UserName(name))?.bytes == name)
        }
    }

    @Test("Any name with a control character is refused")
    func controlCharacterProperty() async {
        let controls = (0x00...0x1F).map(UInt8.init) + [0x7F]
        let input = zip(Gen.int(in: 0..<controls.count), Gen.int(in: 0...10), Gen.int(in: 0...10))
        await propertyCheck(count: 300, input: input) { control, before, after in
            let byte = controls[control]
            let name =
                Array(repeating: UInt8(ascii: "a"), count: before) + [byte]
                + Array(repeating: UInt8(ascii: "z"), count: after)
            #expect(UserName.problem(with: name) == .containsControlCharacter(byte: byte))
        }
    }

    @Test("Descriptions state what is wrong, and leave what to do to the program")
    func descriptions() {
        #expect(UserName.Problem.tooLong(length: 300).description == "it is 300 bytes")
        #expect(UserName.Problem.containsControlCharacter(byte: 0x0A).description.contains("0xA"))
        let problems: [UserName.Problem] = [
            .empty, .tooLong(length: 300), .containsColon, .containsControlCharacter(byte: 0x7F), .startsWithHash,
            .leadingSpace, .trailingSpace,
        ]
        for problem in problems {
            // One clause of facts: no advice after a semicolon, no command-line option.
            #expect(!problem.description.contains(";"), "\(problem)")
            #expect(!problem.description.contains("--"), "\(problem)")
        }
        #expect(HtpasswdError.invalidUserName(.empty).description.hasPrefix("Invalid user name: it is empty"))
        let name = try? UserName([0x62, 0xFF])
        #expect(name?.description == "b\\xFF")
    }
}
