import Glibc
import SystemPackage

/// Applies ``HtpasswdChanges`` to a file while reading it, in one pass and in constant memory: the rules of
/// ``HtpasswdChanges``, the same bytes as ``HtpasswdFile/apply(_:)``.
///
/// Nothing is written until the first line that changes. Then the output is started (``Output/start``,
/// which creates the temporary file or journal) and the unchanged bytes before that line are copied into
/// it in the kernel (`copy_file_range`), so that adding a user to a big file copies it without reading it
/// twice through user space; from there on every line goes through a buffer. An edit that changes nothing
/// writes nothing.
struct StreamEditor {
    /// Where the new content goes, created only when needed.
    struct Output {
        /// Creates the output file and returns its descriptor, positioned where the content starts.
        var start: () throws(HtpasswdError) -> CInt
        /// The path of the output, for messages.
        var path: FilePath
    }

    /// The new content's descriptor and writer, once started.
    private var writer: BufferedWriter?
    private var outputFD: CInt = -1
    private let output: Output
    private let source: CInt?
    private let sourcePath: FilePath

    init(source: CInt?, sourcePath: FilePath, output: Output) {
        self.source = source
        self.sourcePath = sourcePath
        self.output = output
    }

    /// The descriptor of the output, or -1 if nothing was written.
    var outputDescriptor: CInt { outputFD }

    /// Applies `changes` to the source (nil: a missing file, read as empty).
    ///
    /// - Parameter forceOutput: Write the output even if nothing changes (a new file must be created).
    /// - Throws: ``HtpasswdError/userNotFound(user:)``, ``HtpasswdError/changedSinceRead(user:)``, or a
    ///   file error. The output may then be partly written: the caller discards it.
    mutating func apply(_ changes: HtpasswdChanges, forceOutput: Bool) throws(HtpasswdError) -> EditOutcome {
        var outcome = EditOutcome()
        /// For each assignment: not seen yet (nil), or whether its first line had the same hash already.
        var assignedSame = [Bool?](repeating: nil, count: changes.assignments.count)
        var recordLengths = [Int](repeating: 0, count: changes.assignments.count)
        var removedSeen = [Bool](repeating: false, count: changes.removals.count)
        var unlistedRemoved = ByteTable()
        var expectations = ByteTable()
        for (position, expectation) in changes.expectations.enumerated() {
            expectations.set(position, for: expectation.user)
        }
        var expectationSeen = [Bool](repeating: false, count: changes.expectations.count)

        // The line ending for new lines: that of the last line written (kept or changed) that has one.
        var ending = LineTerminator.lf
        var lastWrittenUnterminated = false
        var sourceSize = 0

        if let source, !changes.startsEmpty {
            let reader = LineReader(fd: source)
            while let line = try read(reader) {
                var keep = true
                switch line.kind {
                case .entry:
                    let user = line.user
                    if let position = expectations.value(for: user), !expectationSeen[position] {
                        expectationSeen[position] = true
                        let expected = changes.expectations[position].hash
                        if expected.map({ $0.withUnsafeBufferPointer { equal($0, line.hash) } }) != true {
                            throw .changedSinceRead(user: Array(user))
                        }
                    }
                    switch changes.role(of: user) {
                    case .assigned(let position):
                        let assignment = changes.assignments[position]
                        if assignedSame[position] != nil {
                            outcome.removedDuplicates.append(
                                EditOutcome.RemovedDuplicate(user: assignment.user, line: line.number))
                            try startIfNeeded(at: line.offset, &outcome)
                            keep = false
                            break
                        }
                        let hash = line.hash
                        let extra = line.extra
                        recordLengths[position] = user.count + 1 + assignment.hash.bytes.count + extra.count
                        let same = assignment.hash.bytes.withUnsafeBufferPointer { equal($0, hash) }
                        assignedSame[position] = same
                        if same { break }
                        try startIfNeeded(at: line.offset, &outcome)
                        try write(user)
                        try write([UInt8(ascii: ":")])
                        try write(assignment.hash.bytes)
                        try write(extra)
                        try write(line.terminator.bytes)
                        noteWritten(line.terminator, &ending, &lastWrittenUnterminated)
                        keep = false
                    case .removed(let position):
                        if !removedSeen[position] {
                            removedSeen[position] = true
                            outcome.removed.append(Array(user))
                        }
                        try startIfNeeded(at: line.offset, &outcome)
                        keep = false
                    case .kept:
                        break
                    case nil:
                        guard changes.removesUnlisted else { break }
                        if unlistedRemoved.value(for: user) == nil {
                            unlistedRemoved.set(0, for: user)
                            outcome.removed.append(Array(user))
                        }
                        try startIfNeeded(at: line.offset, &outcome)
                        keep = false
                    }
                case .malformed(let reason):
                    outcome.noteMalformed(MalformedLine(lineNumber: line.number, reason: reason))
                case .comment, .blank:
                    break
                }
                if keep {
                    if writer != nil {
                        try write(line.content)
                        try write(line.terminator.bytes)
                    }
                    noteWritten(line.terminator, &ending, &lastWrittenUnterminated)
                }
            }
            sourceSize = reader.bytesRead
        } else if let source, changes.startsEmpty {
            var info = stat()
            if fstat(source, &info) == 0 { sourceSize = Int(info.st_size) }
            if sourceSize > 0 { try startIfNeeded(at: 0, &outcome) }
        }

        // Conditions and removals that the file did not meet.
        for (position, expectation) in changes.expectations.enumerated()
        where !expectationSeen[position] && expectation.hash != nil {
            throw .changedSinceRead(user: expectation.user)
        }
        outcome.missing = changes.removals.indices.filter { !removedSeen[$0] }.map { changes.removals[$0] }
        if changes.requiresRemovedUsers, let first = outcome.missing.first { throw .userNotFound(user: first) }

        // New users, at the end.
        for (position, assignment) in changes.assignments.enumerated() where assignedSame[position] == nil {
            try startIfNeeded(at: changes.startsEmpty ? 0 : sourceSize, &outcome)
            if lastWrittenUnterminated {
                try write(ending.bytes)
                lastWrittenUnterminated = false
            }
            recordLengths[position] = assignment.user.bytes.count + 1 + assignment.hash.bytes.count
            try write(assignment.user.bytes)
            try write([UInt8(ascii: ":")])
            try write(assignment.hash.bytes)
            try write(ending.bytes)
        }
        // What happened to each assignment, in the order of the assignments.
        for (position, assignment) in changes.assignments.enumerated() {
            switch assignedSame[position] {
            case nil: outcome.added.append(assignment.user)
            case true?: outcome.unchanged.append(assignment.user)
            case false?: outcome.changed.append(assignment.user)
            }
            if recordLengths[position] > HtpasswdFile.apacheRecordLimit {
                outcome.longRecords.append(
                    EditOutcome.LongRecord(user: assignment.user, length: recordLengths[position]))
            }
        }
        // Whatever we write ends with a newline.
        if writer != nil && lastWrittenUnterminated { try write(ending.bytes) }
        if writer == nil && forceOutput { try startIfNeeded(at: changes.startsEmpty ? 0 : sourceSize, &outcome) }

        if let writer {
            do throws(SystemError) { try writer.flush() } catch { throw error.at(output.path) }
            outcome.size = writer.total
        } else {
            outcome.size = sourceSize
        }
        outcome.changedFile = writer != nil
        return outcome
    }

    private func read(_ reader: LineReader) throws(HtpasswdError) -> ScannedLine? {
        do throws(SystemError) { return try reader.next() } catch { throw error.at(sourcePath) }
    }

    private func noteWritten(_ terminator: LineTerminator, _ ending: inout LineTerminator, _ unterminated: inout Bool) {
        if terminator == .none {
            unterminated = true
        } else {
            ending = terminator
            unterminated = false
        }
    }

    /// Starts the output at the first change: creates it and copies the `offset` unchanged bytes before.
    private mutating func startIfNeeded(at offset: Int, _ outcome: inout EditOutcome) throws(HtpasswdError) {
        guard writer == nil else { return }
        outputFD = try output.start()
        let writer = BufferedWriter(fd: outputFD)
        self.writer = writer
        outcome.firstChange = offset
        guard offset > 0, let source else { return }
        do throws(SystemError) {
            try writer.flush()
            try Syscall.copy(from: source, offset: 0, count: offset, to: outputFD, scratch: writer.scratch)
            writer.noteWrittenDirectly(offset)
        } catch {
            throw error.call == .read ? error.at(sourcePath) : error.at(output.path)
        }
    }

    private func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(HtpasswdError) {
        do throws(SystemError) { try writer!.append(bytes) } catch { throw error.at(output.path) }
    }

    private func write(_ bytes: [UInt8]) throws(HtpasswdError) {
        do throws(SystemError) { try writer!.append(bytes) } catch { throw error.at(output.path) }
    }
}
