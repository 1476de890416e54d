// The variants of `edit` and `scan` for closures that throw other errors than HtpasswdError.

extension HtpasswdStore {
    /// Edits the file in memory under the lock and writes the result if it changed; `change` may throw any
    /// error, in which case nothing is written and that error is rethrown as it was thrown.
    ///
    /// A closure whose type is not written out is inferred to throw `any Error` as soon as it contains a
    /// `try`, even if everything it tries throws ``HtpasswdError``: `store.edit { file in ... try
    /// UserName(name) ... }` takes this variant. Write the closure's type, `{ (file) throws(HtpasswdError) in
    /// ... }`, to get ``edit(creation:attributes:_:)-6fuqo`` and its
    /// typed error.
    ///
    /// - Throws: The error of `change`, or an ``HtpasswdError``; the file is then byte-for-byte as before.
    @discardableResult
    public func edit<Result>(
        creation: Creation = .mustExist, attributes: NewFileAttributes = NewFileAttributes(),
        _ change: (inout HtpasswdFile) throws -> Result
    ) throws -> Edited<Result> {
        var failure: (any Error)?
        do throws(HtpasswdError) {
            return try edit(creation: creation, attributes: attributes) {
                (file) throws(HtpasswdError) -> Result in
                do {
                    return try change(&file)
                } catch let error as HtpasswdError {
                    throw error
                } catch {
                    failure = error
                    // Ends the edit without writing; replaced by `failure` below.
                    throw .changedSinceRead(user: [])
                }
            }
        } catch {
            throw failure ?? error
        }
    }

    /// Reads the file line by line, in constant memory, as ``scan(_:)-7k6tq``
    /// does; `body` may throw any error, which ends the scan and is rethrown as it was thrown.
    ///
    /// A closure with a `try` and no written type takes this variant; see
    /// ``edit(creation:attributes:_:)-31vnl``.
    @discardableResult
    public func scan(_ body: (ScannedLine) throws -> Void) throws -> ScanSummary {
        var failure: (any Error)?
        do throws(HtpasswdError) {
            return try scan { (line) throws(HtpasswdError) in
                do {
                    try body(line)
                } catch let error as HtpasswdError {
                    throw error
                } catch {
                    failure = error
                    // Ends the scan; replaced by `failure` below.
                    throw .changedSinceRead(user: [])
                }
            }
        } catch {
            throw failure ?? error
        }
    }
}
