// The variants of `edit` and `scan` for closures that throw other errors than HtpasswdError.

extension HtpasswdStore {
    /// Edits the file in memory under the lock and writes the result if it changed; `change` may throw any
    /// error, in which case nothing is written and that error is rethrown as it was thrown.
    ///
    /// A closure whose type is not written out is inferred to throw `any Error` as soon as it contains a
    /// `try`: `store.edit { file in ... try UserName(name) ... }` takes this variant. Write the closure's
    /// type, `{ (file) throws(HtpasswdError) in ... }`, to get ``edit(creation:attributes:_:)-6fuqo`` and its
    /// typed error.
    ///
    /// - Throws: The error of `change`, as itself (a ``UserName/Problem``, or an error of your own); or an
    ///   ``HtpasswdError`` from the file. The file is then byte-for-byte as before, and a file that did not
    ///   exist is not created.
    @discardableResult
    public func edit<Result>(
        creation: Creation = .mustExist, attributes: NewFileAttributes = NewFileAttributes(),
        _ change: (inout HtpasswdFile) throws -> Result
    ) throws -> Edited<Result> {
        try editOrAbandon(creation: creation, attributes: attributes, change).get()
    }

    /// Reads the file line by line, in constant memory, as ``scan(_:)-7k6tq``
    /// does; `body` may throw any error, which ends the scan and is rethrown as it was thrown.
    ///
    /// A closure with a `try` and no written type takes this variant; see
    /// ``edit(creation:attributes:_:)-31vnl``.
    @discardableResult
    public func scan(_ body: (ScannedLine) throws -> Void) throws -> ScanSummary {
        try scanOrStop(body).get()
    }
}
