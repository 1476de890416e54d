import Foundation
import TestSupport

/// What each real server answered to the corpus in this run: asked once per target, shared by the tests.
///
/// Every case (but the slow ones) is asked twice in a row; a server that answers the same request differently is unstable and
/// fails `realAnswersAreStable`. Set `HTPASS_CONSUMER_REPORT=DIR` to keep each target's answers as JSON.
final class RealAnswers: @unchecked Sendable {
    struct Answers: Sendable {
        var target: String
        /// Case id → HTTP status (the first answer).
        var status: [String: Int]
        /// Cases whose second answer differed from the first.
        var unstable: [(id: String, first: Int, second: Int)]
        var files: Int
        var seconds: Double
    }

    static let shared = RealAnswers()
    private let lock = NSLock()
    private var locks: [String: NSLock] = [:]
    private var results: [String: Result<Answers, any Error>] = [:]

    /// The real answers of `target` to the corpus (computed on first use).
    func answers(_ target: String, corpus: Corpus) throws -> Answers {
        lock.lock()
        let targetLock = locks[target] ?? NSLock()
        locks[target] = targetLock
        lock.unlock()

        targetLock.lock()
        defer { targetLock.unlock() }
        lock.lock()
        let known = results[target]
        lock.unlock()
        if let known { return try known.get() }
        let result = Result { try Self.ask(target, corpus: corpus) }
        lock.lock()
        results[target] = result
        lock.unlock()
        return try result.get()
    }

    private static func ask(_ target: String, corpus: Corpus) throws -> Answers {
        let started = Date()
        let groups = corpus.byFile()
        let sandbox = try TestSupport.temporaryDirectory("htpass-corpus-\(target)")
        let userFile = sandbox + "/htpasswd"
        guard let first = groups.first else { throw Corpus.CorpusError(description: "an empty corpus") }
        try TestSupport.writeBytes(try TestSupport.readBytes(Corpus.path(of: first.file)), to: userFile)
        var status: [String: Int] = [:]
        var unstable: [(String, Int, Int)] = []
        try Consumers.with(target, userFile: userFile) { server in
            for (file, cases) in groups {
                try server.serve(try TestSupport.readBytes(Corpus.path(of: file)))
                for item in cases {
                    let answer = try server.status(user: item.user, password: item.password)
                    status[item.id] = answer
                    // The slow cases (bcrypt cost 17 and up) take up to a minute a request: asked once.
                    if !item.slow {
                        let again = try server.status(user: item.user, password: item.password)
                        if again != answer { unstable.append((item.id, answer, again)) }
                    }
                }
            }
        }
        let answers = Answers(
            target: target, status: status, unstable: unstable, files: groups.count,
            seconds: Date().timeIntervalSince(started))
        var counts: [Int: Int] = [:]
        for code in status.values { counts[code, default: 0] += 1 }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value)×\($0.key)" }.joined(separator: " ")
        print(
            "real \(target): \(status.count) cases in \(groups.count) files: \(summary); "
                + String(format: "%.1f s", answers.seconds))
        try? report(answers, corpus: corpus)
        return answers
    }

    /// Writes `DIR/real-TARGET.json` when `HTPASS_CONSUMER_REPORT=DIR` is set.
    private static func report(_ answers: Answers, corpus: Corpus) throws {
        guard let directory = ProcessInfo.processInfo.environment["HTPASS_CONSUMER_REPORT"], !directory.isEmpty
        else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var rows: [[String: Any]] = []
        for item in corpus.cases {
            guard let code = answers.status[item.id] else { continue }
            rows.append([
                "id": item.id, "file": item.file, "user": Escaped(item.user).description, "kind": item.kind,
                "line": item.line as Any, "about": item.about, "status": code,
            ])
        }
        let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: directory + "/real-\(answers.target).json"))
    }
}

/// How a real answer reads as a verdict.
enum RealVerdict: String, Sendable {
    /// 200: the user gets in.
    case allowed
    /// 401: wrong password, unknown user, or an entry the server cannot verify.
    case refused
    /// Anything else: the server refuses the whole file (Traefik leaves the route out: 404; the registry
    /// answers 400; a server that cannot read the file answers 500).
    case fileRefused

    init(status: Int) {
        switch status {
        case 200: self = .allowed
        case 401: self = .refused
        default: self = .fileRefused
        }
    }

    /// The `htpass verify --as` exit statuses that agree with this verdict.
    var agreeingExits: Set<Int32> {
        switch self {
        case .allowed: [0]
        case .refused: [1, 3, 6]
        case .fileRefused: [4]
        }
    }
}
