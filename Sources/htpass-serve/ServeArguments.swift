import ArgumentParser
import HtpasswdCore

extension Target: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

extension TrustedNetwork: ExpressibleByArgument {
    init?(argument: String) { self.init(argument) }
}
