import HtpasswdCore

/// `htpass recover FILE`.
struct RecoverRequest: Equatable, Sendable {
    var file: String
    var lockTimeout: Double
    var quiet: Bool

    func run() throws {
        Output.quiet = quiet
        let path = RawArguments.path(file)
        var store = HtpasswdStore(path: path, lockTimeout: .seconds(lockTimeout))
        store.lockWaiting = Output.lockWaiting
        if try store.finishInterruptedEdit() {
            Output.note("Finished the interrupted edit of '\(path.display)'")
        } else {
            // Nothing was pending: a missing file is still an error.
            _ = try store.contentSize()
        }
    }
}
