import Dispatch
import Glibc
import HtpasswdCore
import HtpasswdVerifier
import Synchronization
import SystemPackage

/// The plan: what the file holds, what stays byte for byte, and what must be hashed and written.
extension Reconciler {
    /// What the file holds and what must change.
    struct Plan {
        var exists = true
        /// Users whose new hash must be computed.
        var toHash: [DesiredUser] = []
        /// Users whose line stays, with its hash.
        var kept: [(UserName, PasswordHash)] = []
        /// Users whose line stays but whose later lines go.
        var dedupeUsers: Set<[UInt8]> = []
        var dedupes: Bool { !dedupeUsers.isEmpty }
        /// The first-line hash of each desired user the plan was made against (nil: absent).
        var expectations: [([UInt8], [UInt8]?)] = []
    }

    func plan(
        _ desired: [DesiredUser], creation: HtpasswdStore.Creation
    ) throws(HtpasswdError) -> (Plan, Result) {
        var index: [[UInt8]: Int] = [:]
        for (position, user) in desired.enumerated() { index[user.user.bytes] = position }
        var current = [(hash: [UInt8], lines: Int)?](repeating: nil, count: desired.count)
        var others: [[UInt8]] = []
        var seenOthers = Set<[UInt8]>()
        var plan = Plan()
        do throws(HtpasswdError) {
            try store.scan { line in
                guard line.kind == .entry else { return }
                let user = Array(line.user)
                if let position = index[user] {
                    if let existing = current[position] {
                        current[position] = (existing.hash, existing.lines + 1)
                    } else {
                        current[position] = (Array(line.hash), 1)
                    }
                } else if removesOthers, seenOthers.insert(user).inserted {
                    others.append(user)
                }
            }
        } catch .fileSystem(let failure)
            where failure.code == .notFound && (creation == .createIfMissing || creation == .replace)
        {
            plan.exists = false
        }

        // Which existing lines can stay: the wanted format, and the password verifies (checked in parallel).
        var result = Result()
        var reasons = [ChangeReason?](repeating: nil, count: desired.count)
        var toVerify: [Int] = []
        for (position, user) in desired.enumerated() {
            guard let existing = current[position] else { continue }
            switch user.credential {
            case .hash(let hash):
                if hash.bytes != existing.hash { reasons[position] = .hash }
            case .password:
                if let reason = formatReason(HashFormat(existing.hash)) {
                    reasons[position] = reason
                } else {
                    toVerify.append(position)
                }
            }
        }
        let snapshot = current
        let verified = parallelMap(toVerify) { position -> Bool in
            guard case .password(let password) = desired[position].credential, let existing = snapshot[position] else {
                return false
            }
            return Verifier().verify(password, against: existing.hash) == .match
        }
        for (slot, position) in toVerify.enumerated() where !verified[slot] { reasons[position] = .password }

        for (position, user) in desired.enumerated() {
            let existing = current[position]
            plan.expectations.append((user.user.bytes, existing?.hash))
            guard let existing else {
                result.added.append(user.user)
                plan.toHash.append(user)
                continue
            }
            if let reason = reasons[position] {
                result.changed.append(Result.Change(user: user.user, reason: reason))
                plan.toHash.append(user)
            } else if existing.lines > 1, let hash = try? PasswordHash(existing.hash) {
                result.changed.append(Result.Change(user: user.user, reason: .duplicates))
                plan.kept.append((user.user, hash))
                plan.dedupeUsers.insert(user.user.bytes)
            } else if let hash = try? PasswordHash(existing.hash) {
                result.unchanged.append(user.user)
                plan.kept.append((user.user, hash))
            }
        }
        result.removed = others
        return (plan, result)
    }

    /// Why a line of `format` is not one this reconciler writes; nil if it is.
    func formatReason(_ format: HashFormat) -> ChangeReason? {
        guard let family = HashFamily(format), family == HashFamily(hasher.algorithm) else { return .algorithm }
        switch format {
        case .bcrypt(_, let cost): return cost == hasher.cost ? nil : .cost
        case .sha512(let rounds), .sha256(let rounds): return rounds == hasher.rounds ? nil : .cost
        default: return nil
        }
    }
}
