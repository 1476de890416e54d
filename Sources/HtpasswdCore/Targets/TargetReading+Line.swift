import Glibc

extension TargetReading {
    /// What the server makes of a line, given its content (without the terminator) and its terminator.
    public func read(_ content: UnsafeBufferPointer<UInt8>, terminator: LineTerminator) -> TargetLine {
        let length = content.count
        switch longLines {
        case .unlimited: break
        case .skipsOver(let limit): if length > limit { return .ignored }
        case .stopsAt(let limit): if length >= limit { return .stopsReading }
        case .refusesFileAt(let limit):
            if content.count >= limit { return .refusesFile(.lineTooLong(length: content.count, limit: limit)) }
        }
        var start = 0
        var end = content.count
        if keepsCarriageReturn && terminator == .crlf {
            // The CR is part of the line for this server: the hash ends with it. Represented by an end one
            // past the content, which callers read through `lineBytes(content:terminator:)`.
            end += 1
        }
        if trimsLines {
            while start < end && Self.isSpace(byte(content, start, terminator)) { start += 1 }
            while end > start && Self.isSpace(byte(content, end - 1, terminator)) { end -= 1 }
        }
        if start == end { return .ignored }
        var first = start
        if comments == .afterLeadingWhitespace {
            while first < end && Self.isSpace(byte(content, first, terminator)) { first += 1 }
        }
        if comments != .none && first < end && byte(content, first, terminator) == UInt8(ascii: "#") {
            if comments == .afterLeadingWhitespace || first == start { return .ignored }
        }
        if !trimsLines && comments == .columnZero
            && (start..<end).allSatisfy({ Self.isSpace(byte(content, $0, terminator)) })
        {
            return lineWithoutColonRefusesFile ? .refusesFile(.lineWithoutColon) : .ignored
        }
        // memchr rather than a loop over the bytes: this runs for every line of every read of the file.
        guard let colon = firstIndex(of: UInt8(ascii: ":"), in: content, from: start, to: end) else {
            return lineWithoutColonRefusesFile ? .refusesFile(.lineWithoutColon) : .ignored
        }
        if colon == start {
            switch emptyUserRefusesFile {
            case nil: return .ignored
            case true?: return .refusesFile(.emptyUser)
            case false?: break
            }
        }
        // Where the hash ends for this server (a carriage return, if it stops there), and a second colon
        // before that.
        var hashEnd = end
        if hashEndsAtCarriageReturn, let carriageReturn = firstIndex(of: 0x0D, in: content, from: colon + 1, to: end) {
            hashEnd = carriageReturn
        }
        let secondColon = firstIndex(of: UInt8(ascii: ":"), in: content, from: colon + 1, to: hashEnd)
        if let second = secondColon {
            switch extraField {
            case .endsHash: hashEnd = second
            case .partOfHash: break
            case .refusesFile: return .refusesFile(.extraField)
            }
        }
        if hashEnd == colon + 1 && emptyHashRefusesFile { return .refusesFile(.emptyHash) }
        if let requiredHash,
            let refusal = requiredHash.refusal(
                length: hashEnd - colon - 1, { byte(content, colon + 1 + $0, terminator) })
        {
            return .refusesFile(refusal)
        }
        return .entry(user: start..<colon, hash: (colon + 1)..<hashEnd)
    }

    /// The first `value` from `lower` up to `upper` in the line as the server sees it: in the content (by
    /// memchr), then a kept carriage return just past it.
    @inline(__always)
    private func firstIndex(of value: UInt8, in content: UnsafeBufferPointer<UInt8>, from lower: Int, to upper: Int)
        -> Int?
    {
        let inContent = Swift.min(upper, content.count)
        if lower < inContent, let base = content.baseAddress,
            let found = memchr(base + lower, CInt(value), inContent - lower)
        {
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        if value == 0x0D && upper > content.count && lower <= content.count { return content.count }
        return nil
    }

    /// The byte at `index` of the line as the server sees it: the content, then a kept carriage return.
    @inline(__always)
    private func byte(_ content: UnsafeBufferPointer<UInt8>, _ index: Int, _ terminator: LineTerminator) -> UInt8 {
        index < content.count ? content[index] : 0x0D
    }

    /// The line's bytes as the server sees them, for the ranges of ``read(_:terminator:)``.
    public func lineBytes(_ content: UnsafeBufferPointer<UInt8>, terminator: LineTerminator) -> [UInt8] {
        keepsCarriageReturn && terminator == .crlf ? Array(content) + [0x0D] : Array(content)
    }

    /// Space, tab, and the line-ending and form-feed bytes that C's `isspace` and Go's `TrimSpace` remove.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
