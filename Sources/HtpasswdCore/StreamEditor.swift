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
        var expectations = ExpectationCheck(changes.expectations)

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
                    try expectations.check(line)
                    // A condition failed: the edit will fail once the conditions before it are decided.
                    if expectations.failing { continue }
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
            if !changes.expectations.isEmpty {
                // The conditions are on the file as it is, even when it starts over.
                let reader = LineReader(fd: source)
                while let line = try read(reader) {
                    if case .entry = line.kind { try expectations.check(line) }
                }
            }
            var info = stat()
            if fstat(source, &info) == 0 { sourceSize = Int(info.st_size) }
            if sourceSize > 0 { try startIfNeeded(at: 0, &outcome) }
        }

        // Conditions and removals that the file did not meet.
        try expectations.finish()
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

/// The conditions of ``HtpasswdChanges/expectations`` checked while streaming: against the first line of
/// each user, as ``HtpasswdFile/apply(_:)`` checks them, and failing with the same error — that of the
/// first condition, in the order they were made, that does not hold. Several conditions may name the same
/// user; all of them are checked.
struct ExpectationCheck {
    private let expectations: [HtpasswdChanges.Expectation]
    /// Each user's first condition; the others follow through ``next``.
    private var firstOfUser = ByteTable()
    private var next: [Int]
    /// For each condition: not decided yet (its user not seen), or whether it held.
    private var held: [Bool?]
    /// The first condition, in order, found not to hold; and how many before it are not decided yet.
    private var firstFailure: Int?
    private var undecidedBefore = 0

    init(_ expectations: [HtpasswdChanges.Expectation]) {
        self.expectations = expectations
        next = [Int](repeating: -1, count: expectations.count)
        held = [Bool?](repeating: nil, count: expectations.count)
        var last: [Int] = Array(0..<expectations.count)
        for (position, expectation) in expectations.enumerated() {
            if let first = firstOfUser.value(for: expectation.user) {
                next[last[first]] = position
                last[first] = position
            } else {
                firstOfUser.set(position, for: expectation.user)
            }
        }
    }

    /// Whether a condition failed: the edit will fail, and only the conditions matter from here.
    var failing: Bool { firstFailure != nil }

    /// Checks the conditions on the user of `line`, an entry, if it is that user's first line. Throws
    /// ``HtpasswdError/changedSinceRead(user:)`` once the first failing condition is known.
    mutating func check(_ line: ScannedLine) throws(HtpasswdError) {
        guard !expectations.isEmpty, var position = firstOfUser.value(for: line.user), held[position] == nil
        else { return }
        let hash = line.hash
        let before = firstFailure
        var decided: [Int] = []
        while position >= 0 {
            let holds = expectations[position].hash.map { $0.withUnsafeBufferPointer { equal($0, hash) } } ?? false
            held[position] = holds
            decided.append(position)
            if !holds && (firstFailure.map { position < $0 } ?? true) { firstFailure = position }
            position = next[position]
        }
        guard let failure = firstFailure else { return }
        if failure != before {
            undecidedBefore = held[..<failure].filter { $0 == nil }.count
        } else {
            undecidedBefore -= decided.filter { $0 < failure }.count
        }
        if undecidedBefore == 0 { throw .changedSinceRead(user: expectations[failure].user) }
    }

    /// At the end of the file: a user never seen is absent. Throws for the first condition that does
    /// not hold.
    func finish() throws(HtpasswdError) {
        for (position, expectation) in expectations.enumerated() {
            let holds = held[position] ?? (expectation.hash == nil)
            if !holds { throw .changedSinceRead(user: expectation.user) }
        }
    }
}
