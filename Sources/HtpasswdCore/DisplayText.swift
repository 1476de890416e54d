import SystemPackage

extension String {
    /// Bytes as text for messages and listings: valid UTF-8 as is; invalid bytes and control characters as
    /// `\xNN`, so that nothing printed can move the cursor or end a line.
    ///
    /// ```swift
    /// String(displaying: [0x61, 0x1B, 0xFF])   // "a\x1B\xFF"
    /// ```
    public init(displaying bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        var text = ""
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        func escape(_ byte: UInt8) {
            text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
        }
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    escape(UInt8(scalar.value))
                } else {
                    text.unicodeScalars.append(scalar)
                }
                offset += encoded.count
            case .error(let length):
                for byte in bytes[offset..<offset + length] { escape(byte) }
                offset += length
            case .emptyInput:
                self = text
                return
            }
        }
    }

    /// A path as text for messages, as ``HtpasswdError``'s descriptions show it: valid UTF-8 as is; other
    /// bytes and control characters as `\xNN`. (`FilePath.string` would turn bytes that are not UTF-8 into
    /// U+FFFD, so that two different paths could look the same.)
    public init(displaying path: FilePath) {
        self = path.display
    }
}
