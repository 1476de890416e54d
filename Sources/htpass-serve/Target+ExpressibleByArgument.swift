import ArgumentParser
import HtpasswdCore

/// `--target T` names a target as the command line of htpass does (a name or an alias).
extension Target: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}
