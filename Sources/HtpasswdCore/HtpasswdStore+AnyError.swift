/// ``HtpasswdStore/edit(creation:attributes:_:)-(_,_,(inout HtpasswdFile) throws(HtpasswdError) -> Result)``
/// and ``HtpasswdStore/scan(_:)-((ScannedLine) throws(HtpasswdError) -> Void)`` for closures that throw
/// other errors than ``HtpasswdError``.
///
/// A closure whose type is not written out is inferred to throw `any Error` as soon as it contains a `try`,
/// even if everything it tries throws ``HtpasswdError``: `store.edit { file in ... try UserName(name) ... }`
/// would not compile against the typed variant alone. Write `{ (file) throws(HtpasswdError) in ... }` to
/// keep the typed error; otherwise these variants take the closure, and rethrow its error as it was thrown.
extension HtpasswdStore {
    /// Edits the file in memory under the lock and writes the result if it changed; `change` may throw any
    /// error, in which case nothing is written and that error is rethrown.
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

    /// Reads the file line by line, in constant memory, as ``scan(_:)-((ScannedLine) throws(HtpasswdError) -> Void)``
    /// does; `body` may throw any error, which ends the scan and is rethrown.
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
