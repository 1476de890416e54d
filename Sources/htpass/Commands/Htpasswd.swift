import ArgumentParser
import HtpasswdCore

extension Htpass {
    /// `htpass htpasswd ARGS...`: Apache htpasswd's command line.
    ///
    /// ``Htpass/runAndExit(_:)`` hands these command lines to ``ApacheCompat`` before argument-parser sees them;
    /// this command exists so that help, the man page and the completions describe the interface.
    struct Htpasswd: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "htpasswd",
            abstract: "Apache htpasswd's command line (-c, -n, -b, -i, -B, -D, -v...), without its traps.",
            discussion: """
                Runs Apache htpasswd 2.4's command lines unchanged: the same flags parsed the same way (bundled \
                flags such as -Bbn, -C 4 or -C4, the last algorithm flag wins, one of -c -n -v -D), the same \
                default (apr1 MD5; bcrypt cost 5 with -B), the same messages on standard error and the same exit \
                statuses. The same happens when htpass is run under the name htpasswd (a symbolic or hard link; \
                'make install WITH_HTPASSWD_LINK=1' installs one).

                The edits are htpass's: locked, atomic and durable, keeping mode, owner and every other line. \
                Where Apache's htpasswd would store something no server can use, htpass refuses instead: no \
                password (no terminal and empty standard input, or -i with nothing), -r outside 1000 to \
                999999999 (Apache writes '*0'), bcrypt passwords over 72 bytes and -d passwords over 8 (Apache \
                truncates them), -p plain text, user names with control characters. It also edits files Apache \
                cannot (lines of \(HtpasswdFile.apacheRecordLimit + 1) bytes or more, no final newline, CRLF) and accepts passwords up to 4096 \
                bytes. -b works, with a warning (HTPASS_QUIET_ARGV=1 hides it).

                EXAMPLES:
                  htpass htpasswd -c /etc/nginx/htpasswd admin      # prompts twice
                  htpass htpasswd -bcB /etc/nginx/htpasswd alice "$PW"
                  printf '%s' "$PW" | htpass htpasswd -i /etc/nginx/htpasswd bob
                  htpass htpasswd -nbB user pw                      # prints user:hash
                  htpass htpasswd -D /etc/nginx/htpasswd bob
                  htpass htpasswd -vb /etc/nginx/htpasswd alice "$PW"

                EXIT STATUS (Apache's):
                  0  success
                  1  file problem: missing without -c, unreadable, unwritable, cannot be created or edited
                  2  usage error, bad -C/-r value, no password to read, -r out of range
                  3  -v: wrong password or no such user; the two prompts differ; bcrypt cost outside 4 to 17
                  5  file name, user name, password or record too long; password the algorithm would truncate
                  6  user name not allowed (':', control characters...)
                  7  a line that is not 'user:hash', a comment or blank; -v of an empty hash
                  10 -p (plain text) refused

                See Docs/apache-compat.md for every flag and every difference from Apache.
                """)

        @Argument(
            parsing: .captureForPassthrough,
            help: ArgumentHelp("Apache htpasswd's flags and arguments.", valueName: "htpasswd-arguments"))
        var arguments: [String] = []

        func run() throws {
            ApacheCompat.runAndExit(arguments: arguments.map { Array($0.utf8) }, program: Array("htpass htpasswd".utf8))
        }
    }
}

extension Htpass.Htpasswd: FileCommand {
    static var fileUse: FileUse { .none }
}
