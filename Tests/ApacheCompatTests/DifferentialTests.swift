import Foundation
import TestSupport
import Testing

/// `htpass htpasswd` against Apache's htpasswd, case by case: every difference must be a listed deviation.
@Suite("Apache htpasswd, differentially")
struct DifferentialTests {
    @Test("The corpus holds every case its source writes, as many as the README says, and shows every deviation")
    func corpusCoversTheList() throws {
        let corpus = Corpus.all
        // Every `c(...)` and `Case(bytes: ...)` written in Corpus.swift is one case (less the `func c(` that
        // makes them): a list left out of `Corpus.all` would be missed.
        let source = String(
            decoding: try TestSupport.readBytes(TestSupport.packageRoot + "/Tests/ApacheCompatTests/Corpus.swift"),
            as: UTF8.self)
        let written = source.matches(of: /(?:^|[^A-Za-z0-9_])c\(|Case\(bytes:/.anchorsMatchLineEndings()).count - 1
        #expect(written > 0)
        #expect(corpus.count == written, "Corpus.all has \(corpus.count) cases, Corpus.swift writes \(written)")
        // The documents say how many.
        for (document, claim) in [
            ("README.md", /runs both on (\d+) command lines/),
            ("Docs/apache-compat.md", /ApacheCompatTests`: (\d+) invocations/),
        ] {
            let text = String(
                decoding: try TestSupport.readBytes(TestSupport.packageRoot + "/" + document), as: UTF8.self)
            let claimed = text.firstMatch(of: claim).flatMap { Int($0.1) }
            #expect(
                claimed == corpus.count,
                "\(document) should say \(corpus.count) (it says \(claimed.map(String.init) ?? "nothing"))")
        }
        let shown = Set(corpus.compactMap(\.deviation?.id))
        for deviation in Deviation.all {
            #expect(shown.contains(deviation.id), "no corpus case shows the deviation \(deviation.id)")
        }
        #expect(Set(Deviation.all.map(\.id)).count == Deviation.all.count)
    }

    @Test("Every invocation agrees with Apache's htpasswd, or differs only as a listed deviation")
    func corpus() throws {
        let programs = try Runner.Programs()
        let checker = HashChecker(programs: programs)
        var agreements = 0
        var deviations: [String: Int] = [:]
        var warnings = 0
        var failures: [String] = []

        // HTPASS_APACHE_CASES=TEXT runs only the cases whose description contains TEXT, when debugging.
        let filter = ProcessInfo.processInfo.environment["HTPASS_APACHE_CASES"] ?? ""
        let cases = Corpus.all.filter { filter.isEmpty || "\($0)".contains(filter) }
        try #require(!cases.isEmpty, "HTPASS_APACHE_CASES='\(filter)' selects none of the \(Corpus.all.count) cases")
        for testCase in cases {
            let apache = try Runner.apache.run(testCase, programs)
            var outcome: [String] = []
            for runner in [Runner.link, Runner.subcommand] {
                let ours = try runner.run(testCase, programs)
                if MessageKinds.classify(ours.stderr).argumentWarning { warnings += 1 }
                let comparison = Comparison(testCase: testCase, checker: checker)
                let differences = try comparison.differences(apache, ours)
                if let deviation = testCase.deviation {
                    let expected = testCase.deviationStatus ?? deviation.status ?? apache.status
                    if ours.status != expected {
                        outcome.append(
                            "\(runner.rawValue): deviation \(deviation.id) exits \(expected), htpass exited \(ours.status)"
                        )
                    }
                    if differences.isEmpty {
                        outcome.append(
                            "\(runner.rawValue): marked as deviation \(deviation.id), but agrees with Apache")
                    }
                } else if !differences.isEmpty {
                    outcome.append(
                        "\(runner.rawValue): not a listed deviation:\n    " + differences.joined(separator: "\n    "))
                }
                if !outcome.isEmpty {
                    outcome.append(Self.show("apache", apache) + "\n" + Self.show(runner.rawValue, ours))
                }
            }
            if outcome.isEmpty {
                if let deviation = testCase.deviation {
                    deviations[deviation.id, default: 0] += 1
                } else {
                    agreements += 1
                }
            } else {
                failures.append("\(testCase)\n  " + outcome.joined(separator: "\n  "))
            }
        }

        var report = "Apache htpasswd differential: \(cases.count) invocations (each run by Apache, by the "
        report += "htpasswd link and by 'htpass htpasswd'), \(agreements) agreements, "
        report += "\(deviations.values.reduce(0, +)) deviations"
        for deviation in Deviation.all { report += "\n  \(deviation.id): \(deviations[deviation.id] ?? 0)" }
        report += "\n  -b warning printed in \(warnings) runs"
        if !failures.isEmpty { report += "\n\(failures.count) failing invocations" }
        print(report)
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
    }

    /// One run, for a failure message: status, both streams and the file.
    static func show(_ name: String, _ result: Runner.Result) -> String {
        func text(_ bytes: [UInt8]?) -> String {
            guard let bytes else { return "(none)" }
            return String(decoding: bytes.prefix(1500), as: UTF8.self).debugDescription
        }
        return "\(name): status \(result.status)\n      stdout \(text(result.stdout))\n      stderr "
            + "\(text(result.stderr))\n      file \(text(result.file))"
            + (result.otherNames.isEmpty ? "" : "\n      other files \(result.otherNames)")
    }
}
