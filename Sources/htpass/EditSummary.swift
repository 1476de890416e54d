import Glibc
import HtpasswdCore

/// What `add`, `create` and `delete` say they did: a line per user on a terminal (`Adding user alice`), or
/// with `--json` the object `apply --json` prints: `{"file", "changed", "added", "updated", "removed"}`
/// (`delete` adds `"missing"`: names given that were not there, with `--missing-ok`).
enum EditSummary {
    /// The lines for a person, on standard error (``Output/done(_:)``).
    static func announce(_ outcome: EditOutcome) {
        for user in outcome.added { Output.done("Adding user \(user)") }
        for user in outcome.changed { Output.done("Updating password for \(user)") }
        for user in outcome.removed { Output.done("Deleted \(String(displaying: user))") }
        for user in outcome.missing { Output.done("No user '\(String(displaying: user))' to delete") }
    }

    /// The JSON object, on standard output.
    static func json(_ outcome: EditOutcome, file: [UInt8], missing: Bool = false) {
        if outcome.changedFile { Output.alreadyDone = "the file was changed all the same" }
        Output.write("{\"file\":" as StaticString)
        JSON.write(file)
        Output.write(",\"changed\":" + (outcome.changedFile ? "true" : "false"))
        Output.write(",\"added\":[" as StaticString)
        list(outcome.added.map(\.bytes))
        Output.write("],\"updated\":[" as StaticString)
        for (index, user) in outcome.changed.enumerated() {
            Output.write(index == 0 ? "{\"user\":" as StaticString : ",{\"user\":")
            JSON.write(user.bytes)
            Output.write(",\"reason\":\"password\"}" as StaticString)
        }
        Output.write("],\"removed\":[" as StaticString)
        list(outcome.removed)
        if missing {
            Output.write("],\"missing\":[" as StaticString)
            list(outcome.missing)
        }
        Output.line("]}")
    }

    private static func list(_ names: [[UInt8]]) {
        for (index, name) in names.enumerated() {
            if index > 0 { Output.write("," as StaticString) }
            JSON.write(name)
        }
    }
}
