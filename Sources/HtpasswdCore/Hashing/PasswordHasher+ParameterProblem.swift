extension PasswordHasher {
    /// Why a hasher's parameters were refused: the error ``PasswordHasher/init(algorithm:cost:rounds:)`` throws.
    ///
    /// Its description states the fact as a sentence; what to do is left to the program.
    public enum ParameterProblem: Error, Equatable, Sendable {
        /// The bcrypt cost is outside ``PasswordHasher/costRange``.
        case costOutOfRange(Int)
        /// The SHA-crypt rounds are outside ``PasswordHasher/roundsRange``.
        case roundsOutOfRange(Int)
        /// The parameter does not apply to the algorithm (a cost for sha512).
        case notApplicable(HashParameter, algorithm: Algorithm)
    }
}

/// A parameter of a hashing algorithm.
public enum HashParameter: String, Equatable, Sendable {
    /// bcrypt's cost.
    case cost
    /// SHA-crypt's rounds.
    case rounds
}

extension PasswordHasher.ParameterProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .costOutOfRange(let cost):
            "bcrypt cost \(cost) is out of range (\(PasswordHasher.costRange.lowerBound) to \(PasswordHasher.costRange.upperBound))"
        case .roundsOutOfRange(let rounds):
            "SHA-crypt rounds \(rounds) is out of range (\(PasswordHasher.roundsRange.lowerBound) to \(PasswordHasher.roundsRange.upperBound))"
        case .notApplicable(let parameter, let algorithm):
            "A \(parameter.rawValue) does not apply to \(algorithm.rawValue)"
        }
    }
}
