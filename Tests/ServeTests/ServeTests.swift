import Foundation
import Glibc
import TestSupport
import Testing

/// htpass-serve as a process, asked with curl (and a raw socket for bytes curl would not send).
@Suite("htpass-serve")
struct ServeTests {
    static let challenge = "Basic realm=\"Restricted\", charset=\"UTF-8\""

    @Test("Right, wrong, unknown user, no header: 200 with X-Remote-User, or 401 with the challenge")
    func basicDecisions() throws {
        let file = try Files.make([("alice", "alice-pw"), ("bob", "bob:pw")])
        let server = try ServeProcess(file: file)
        let right = try HTTP.auth(server, user: "alice", password: "alice-pw")
        #expect(right.status == 200)
        #expect(right.headers["x-remote-user"] == "alice")
        // The password is everything after the first colon.
        #expect(try HTTP.auth(server, user: "bob", password: "bob:pw").status == 200)
        // Any method, any path under /auth, a body ignored.
        let post = try HTTP.curl(
            server.baseURL + "/auth/some/path?x=1", ["-u", "alice:alice-pw", "-X", "POST", "--data", "ignored"])
        #expect(post.status == 200)
        for (user, password) in [("alice", "wrong"), ("alice", "alice-pW"), ("carol", "alice-pw"), ("", "alice-pw")] {
            let answer = try HTTP.auth(server, user: user, password: password)
            #expect(answer.status == 401, "\(user):\(password)")
            #expect(answer.headers["www-authenticate"] == Self.challenge)
            #expect(answer.headers["x-remote-user"] == nil)
        }
        let none = try HTTP.curl(server.baseURL + "/auth")
        #expect(none.status == 401)
        #expect(none.headers["www-authenticate"] == Self.challenge)
        #expect(try HTTP.curl(server.baseURL + "/healthz").status == 200)
        #expect(try HTTP.curl(server.baseURL + "/other").status == 404)
        #expect(server.stop() == 0)
    }

    /// Malformed `Authorization` headers, as bytes on the wire.
    static let malformed: [(String, [UInt8])] = [
        ("no colon", Array("Basic \(Data("alicealice-pw".utf8).base64EncodedString())".utf8)),
        ("bad base64", Array("Basic YWxpY2U6YWxpY2UtcHc*".utf8)),
        ("unpadded base64", Array("Basic YWxpY2U6YWxpY2UtcH".utf8)),
        ("empty user", Array(HTTP.basic([], Array("alice-pw".utf8)).utf8)),
        ("scheme only", Array("Basic".utf8)),
        ("scheme and space", Array("Basic ".utf8)),
        ("another scheme", Array("Bearer \(Data("alice:alice-pw".utf8).base64EncodedString())".utf8)),
        ("invalid UTF-8 in the header", [0x42, 0x61, 0x73, 0x69, 0x63, 0x20, 0xFF, 0xFE, 0x80, 0x3D]),
        ("invalid UTF-8 in the user", Array(HTTP.basic([0xFF, 0xC3, 0x28], Array("alice-pw".utf8)).utf8)),
        ("64 KB header", Array("Basic ".utf8) + [UInt8](repeating: UInt8(ascii: "Q"), count: 64 * 1024)),
        (
            "64 KB of credentials",
            Array(HTTP.basic(Array("alice".utf8), [UInt8](repeating: 0x41, count: 48 * 1024)).utf8)
        ),
    ]

    @Test("Malformed headers: never 200, never a crash", arguments: 0..<malformed.count)
    func malformedHeaders(index: Int) throws {
        let (name, value) = Self.malformed[index]
        let file = try Files.make([("alice", "alice-pw")])
        let server = try ServeProcess(file: file)
        let request =
            Array("GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: ".utf8) + value
            + Array("\r\n\r\n".utf8)
        let answer = try HTTP.raw(port: server.port, request)
        #expect(answer.status != 200, "\(name)")
        #expect((400..<500).contains(answer.status), "\(name): \(answer.status)")
        #expect(server.process.isRunning, "\(name): \(server.stderrText)")
        #expect(try HTTP.auth(server, user: "alice", password: "alice-pw").status == 200, "still serving after \(name)")
        #expect(server.stop() == 0)
    }

    @Test(
        "A request that does not keep its connection alive has it closed after the answer: HTTP/1.0, Connection: Close")
    func http10Closes() throws {
        let file = try Files.make([("alice", "alice-pw")])
        let server = try ServeProcess(file: file)
        func ask(_ password: String, version: String = "1.0", _ extra: String = "") throws -> HTTP.Answer {
            let request =
                "GET /auth HTTP/\(version)\r\nHost: x\r\n\(extra)Authorization: "
                + HTTP.basic(Array("alice".utf8), Array(password.utf8)) + "\r\n\r\n"
            // The answer comes at once; a connection still open 30 s later was kept.
            return try HTTP.raw(port: server.port, Array(request.utf8), timeout: 30)
        }
        // HTTP/1.0 without Connection: a hash, the same credential again (from the cache), a wrong password.
        for (password, status) in [("alice-pw", 200), ("alice-pw", 200), ("wrong", 401)] {
            let answer = try ask(password)
            #expect(answer.status == status)
            #expect(answer.closedByServer, "HTTP/1.0 \(status): the server kept the connection open")
        }
        let asked = try HTTP.raw(port: server.port, Array("GET /auth HTTP/1.0\r\n\r\n".utf8), timeout: 30)
        #expect(asked.status == 401)
        #expect(asked.closedByServer)
        // HTTP/1.1 asking to close, spelled as a client may spell it (Hummingbird compares "close" exactly).
        for connection in ["close", "Close", "close, TE"] {
            let closing = try ask("alice-pw", version: "1.1", "Connection: \(connection)\r\n")
            #expect(closing.status == 200 && closing.closedByServer, "Connection: \(connection)")
        }
        // HTTP/1.0 asking to keep the connection: kept (the read ends by the timeout, not by a close).
        let kept = try HTTP.oneByOne(
            port: server.port,
            [
                "GET /auth HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                "GET /auth HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            ])
        #expect(kept.map(\.status) == [401, 401])
        #expect(server.stop() == 0)
    }

    @Test(
        "A client that pipelines requests and never reads the answers: the server stops reading, answers pile up nowhere"
    )
    func pipelinedWithoutReading() throws {
        let file = try Files.make([("alice", "alice-pw")])
        usleep(2_100_000)  // old enough that answers without credentials are made on the event loop
        let server = try ServeProcess(file: file, ["--idle-timeout", "2"])
        let fd = try HTTP.connected(port: server.port, timeout: 5)
        defer { close(fd) }
        // A small receive buffer that does not grow (no autotuning): what the kernel holds of the answers is
        // bounded, so the answers made beyond it are the ones the server keeps in memory.
        var size: CInt = 65536
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
        // 400,000 requests without credentials (13.6 MB), sent by a thread that blocks once the server stops
        // reading; their 401 answers (about 90 MB) are never read.
        let request = Array("GET /auth HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let batch = [UInt8]((0..<1000).flatMap { _ in request })
        let sender = Thread {
            for _ in 0..<400 {
                var offset = 0
                while offset < batch.count {
                    let written = batch[offset...].withUnsafeBytes {
                        send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                    }
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
        sender.start()
        // The answers made, until their number stops growing for 2 s.
        func answered() throws -> Int {
            let metrics = try HTTP.curl(server.baseURL + "/metrics").body
            let line = metrics.split(separator: "\n").first {
                $0.hasPrefix("htpass_serve_decisions_total{result=\"bad_request\"}")
            }
            return Int(line?.split(separator: " ").last ?? "") ?? -1
        }
        var counts = [try answered()]
        while counts.count < 4 || counts.suffix(5).count(where: { $0 == counts.last }) < 5 {
            usleep(500_000)
            counts.append(try answered())
            if counts.last! >= 100_000 || counts.count > 240 { break }
        }
        shutdown(fd, Int32(SHUT_RDWR))
        // Bounded by the kernel's buffers (64 KB here, up to 4 MB on the server's side) and SwiftNIO's
        // high-water mark (64 KB): about 20,000 answers. Without the bound: all 400,000.
        #expect(counts.last! < 100_000, "answers made for a client that reads none: \(counts)")
        #expect(counts.last! > 0)
        #expect(server.process.isRunning)
        #expect(try HTTP.auth(server, user: "alice", password: "alice-pw").status == 200)
        // The stalled connection (an answer waiting for room that never comes) is closed after --idle-timeout,
        // so SIGTERM's drain ends.
        #expect(server.stop() == 0)
    }

    @Test("A connection without a request, or with a header never finished, is closed after --idle-timeout")
    func idleTimeout() throws {
        let file = try Files.make([("alice", "alice-pw")])
        let server = try ServeProcess(file: file, ["--idle-timeout", "1"])
        // Idle from the start; idle after an answer; a header trickled and never finished.
        let idle = try HTTP.connected(port: server.port, timeout: 30)
        defer { close(idle) }
        let answered = try HTTP.connected(port: server.port, timeout: 30)
        defer { close(answered) }
        let trickled = try HTTP.connected(port: server.port, timeout: 30)
        defer { close(trickled) }
        let request = Array("GET /auth HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(answered, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let begun = Array("GET /auth HTTP/1.1\r\n".utf8)
        _ = begun.withUnsafeBytes { send(trickled, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        for byte in Array("Host: x\r\n".utf8) {
            usleep(200_000)
            _ = withUnsafeBytes(of: byte) { send(trickled, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
        }
        // Each read ends with the server's close (0), never with the 30 s timeout (-1).
        var buffer = [UInt8](repeating: 0, count: 4096)
        for (name, fd) in [("idle", idle), ("answered", answered), ("trickled", trickled)] {
            var total = 0
            var last = 0
            repeat {
                last = recv(fd, &buffer, buffer.count, 0)
                if last > 0 { total += last }
            } while last > 0 || (last < 0 && errno == EINTR)
            #expect(last == 0, "\(name): the connection was not closed")
            #expect((name == "answered") == (total > 0), "\(name): \(total) bytes")
        }
        // A connection in use stays: requests one by one, more than the timeout apart in all.
        let fd = try HTTP.connected(port: server.port, timeout: 30)
        defer { close(fd) }
        for _ in 0..<4 {
            usleep(600_000)
            #expect(
                request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == request.count)
            #expect(recv(fd, &buffer, buffer.count, 0) > 0)
        }
        #expect(server.stop() == 0)
    }

    @Test("Every answer has a Date header, those answered on the event loop (cache hits, no credentials) too")
    func dateHeader() throws {
        let file = try Files.make([("alice", "alice-pw")])
        // Old enough that its stamp is trusted: cache hits are then answered on the event loop.
        usleep(2_100_000)
        let server = try ServeProcess(file: file)
        let authorization = HTTP.basic(Array("alice".utf8), Array("alice-pw".utf8))
        // One by one on one connection: a hash (the responder), a cache hit and a 401 without credentials
        // (both on the event loop), then one that asks to close (the responder).
        let answers = try HTTP.oneByOne(
            port: server.port,
            [
                "GET /auth HTTP/1.1\r\nHost: x\r\nAuthorization: \(authorization)\r\n\r\n",
                "GET /auth HTTP/1.1\r\nHost: x\r\nAuthorization: \(authorization)\r\n\r\n",
                "GET /auth HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: \(authorization)\r\n\r\n",
            ])
        #expect(answers.map(\.status) == [200, 200, 401, 200])
        let imfFixdate =
            /(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) ([A-Z][a-z]{2}) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT/
        for (index, answer) in answers.enumerated() {
            let date = answer.headers["date"]
            #expect(date.map { $0.wholeMatch(of: imfFixdate) != nil } == true, "answer \(index + 1): \(answer)")
            // The time it says is now (within a minute: the day, the month and the hour are right).
            if let date, let match = date.wholeMatch(of: imfFixdate) {
                let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                var parts = tm()
                parts.tm_mday = Int32(match.2)!
                parts.tm_mon = Int32(months.firstIndex(of: String(match.3))!)
                parts.tm_year = Int32(match.4)! - 1900
                parts.tm_hour = Int32(match.5)!
                parts.tm_min = Int32(match.6)!
                parts.tm_sec = Int32(match.7)!
                var seconds = timegm(&parts)
                #expect(abs(seconds - time(nil)) < 60, "answer \(index + 1): \(date)")
                var weekday = tm()
                gmtime_r(&seconds, &weekday)
                let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
                #expect(days[Int(weekday.tm_wday)] == String(match.1), "answer \(index + 1): \(date)")
            }
        }
        #expect(try HTTP.curl(server.baseURL + "/metrics").body.contains("htpass_serve_cache_hits_total 2\n"))
        #expect(server.stop() == 0)
    }

    @Test(
        "A deleted or re-keyed user is refused on the very next request, cached or not",
        arguments: ["rename", "in-place"])
    func editsWithCachedCredential(writeMode: String) throws {
        let file = try Files.make([("alice", "alice-pw"), ("bob", "bob-pw")])
        // Old enough that only an edit can change the file's stamp.
        usleep(2_100_000)
        let server = try ServeProcess(file: file)
        #expect(try HTTP.auth(server, user: "alice", password: "alice-pw").status == 200)
        #expect(try HTTP.auth(server, user: "bob", password: "bob-pw").status == 200)
        #expect(try HTTP.auth(server, user: "alice", password: "alice-pw").status == 200)
        #expect(try HTTP.auth(server, user: "bob", password: "bob-pw").status == 200)
        #expect(try server.metric("htpass_serve_cache_hits_total") == 2)
        let reloads = try server.metric("htpass_serve_file_reloads_total")
        let inode = try TestSupport.inode(file)

        try Files.delete(file, "alice", writeMode: writeMode)
        #expect((try TestSupport.inode(file) == inode) == (writeMode == "in-place"))
        let deleted = try HTTP.auth(server, user: "alice", password: "alice-pw")
        #expect(deleted.status == 401)
        #expect(try server.metric("htpass_serve_file_reloads_total") > reloads)

        try Files.add(file, "bob", "bob-new", writeMode: writeMode)
        #expect(try HTTP.auth(server, user: "bob", password: "bob-pw").status == 401)
        #expect(try HTTP.auth(server, user: "bob", password: "bob-new").status == 200)
        let lines = try server.auditLines()
        let results = lines.map { line in
            "\(line["user"] as? String ?? "-") \(line["result"] as? String ?? "-") \(line["cached"] as? Bool ?? false)"
        }
        #expect(
            results == [
                "alice granted false", "bob granted false", "alice granted true", "bob granted true",
                "alice unknown_user false", "bob denied false", "bob granted false",
            ])
        #expect(server.stop() == 0)
    }

    @Test("A file missing, a directory, or unreadable gives 503; readable again, it serves")
    func fileProblems() throws {
        let directory = try TestSupport.temporaryDirectory("htpass-serve-problems")
        chmod(directory, 0o755)
        let missing = try ServeProcess(file: directory + "/missing")
        #expect(try HTTP.auth(missing, user: "alice", password: "x").status == 503)
        #expect(try HTTP.curl(missing.baseURL + "/auth").status == 401, "no credentials: 401 before the file")
        let source = try Files.make([("alice", "alice-pw")])
        #expect(rename(source, directory + "/missing") == 0)
        #expect(try HTTP.auth(missing, user: "alice", password: "alice-pw").status == 200)
        missing.stop()

        mkdir(directory + "/dir", 0o755)
        let isDirectory = try ServeProcess(file: directory + "/dir")
        #expect(try HTTP.auth(isDirectory, user: "alice", password: "x").status == 503)
        #expect(try isDirectory.metric("htpass_serve_decisions_total{result=\"unavailable\"}") == 1)
        isDirectory.stop()

        // Unreadable: root's file, mode 0600, and the server run as nobody.
        try #require(geteuid() == 0, "this test runs htpass-serve as nobody with setpriv: it needs root, as CI has")
        let binaryDirectory = try TestSupport.temporaryDirectory("htpass-serve-bin")
        chmod(binaryDirectory, 0o755)
        let binary = binaryDirectory + "/htpass-serve"
        try FileManager.default.copyItem(atPath: ServeProcess.binary, toPath: binary)
        let unreadable = directory + "/unreadable"
        try FileManager.default.copyItem(atPath: directory + "/missing", toPath: unreadable)
        chmod(unreadable, 0o600)
        let asNobody = try ServeProcess(
            file: unreadable, prefix: ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"],
            binary: binary)
        #expect(try HTTP.auth(asNobody, user: "alice", password: "alice-pw").status == 503)
        chmod(unreadable, 0o644)
        #expect(try HTTP.auth(asNobody, user: "alice", password: "alice-pw").status == 200)
        #expect(asNobody.stop() == 0)
    }

    @Test("X-Forwarded-For and X-Real-IP count only from a trusted proxy")
    func forwardedAddresses() throws {
        let file = try Files.make([("alice", "alice-pw")])
        // Loopback is trusted by default.
        let trusting = try ServeProcess(file: file)
        _ = try HTTP.auth(
            trusting, user: "alice", password: "alice-pw", ["-H", "X-Forwarded-For: 198.51.100.7, 127.0.0.1"])
        _ = try HTTP.auth(trusting, user: "alice", password: "alice-pw", ["-H", "X-Real-IP: 203.0.113.9"])
        _ = try HTTP.auth(trusting, user: "alice", password: "alice-pw", ["-H", "X-Real-IP: not-an-address"])
        #expect(
            try trusting.auditLines().map { $0["client"] as? String } == ["198.51.100.7", "203.0.113.9", "127.0.0.1"])
        trusting.stop()
        // Only 10.0.0.0/8 trusted: the loopback peer's headers are ignored.
        let strict = try ServeProcess(file: file, ["--trusted-proxy", "10.0.0.0/8"])
        _ = try HTTP.auth(strict, user: "alice", password: "alice-pw", ["-H", "X-Forwarded-For: 198.51.100.7"])
        _ = try HTTP.auth(strict, user: "alice", password: "alice-pw", ["-H", "X-Real-IP: 203.0.113.9"])
        #expect(try strict.auditLines().map { $0["client"] as? String } == ["127.0.0.1", "127.0.0.1"])
        strict.stop()
    }

    @Test("Throttling: 429 without a hash past the limit; a cached credential still passes")
    func throttling() throws {
        let file = try Files.make([("alice", "alice-pw"), ("bob", "bob-pw"), ("carol", "carol-pw")])
        let server = try ServeProcess(file: file, ["--max-failures", "3", "--failure-window", "60"])
        func ask(_ user: String, _ password: String, from client: String) throws -> HTTP.Answer {
            try HTTP.auth(server, user: user, password: password, ["-H", "X-Real-IP: \(client)"])
        }
        #expect(try ask("alice", "alice-pw", from: "198.51.100.2").status == 200)
        for _ in 0..<3 { #expect(try ask("alice", "guess", from: "203.0.113.1").status == 401) }
        let hashes = try server.metric("htpass_serve_hash_seconds_count")
        let throttled = try ask("alice", "guess", from: "203.0.113.1")
        #expect(throttled.status == 429)
        #expect(Int(throttled.headers["retry-after"] ?? "") ?? 0 >= 59)
        #expect(try server.metric("htpass_serve_hash_seconds_count") == hashes, "a 429 costs no hash")
        // alice's name is blocked from everywhere, but her cached credential passes.
        #expect(try ask("alice", "alice-pw", from: "198.51.100.2").status == 200)
        #expect(try ask("alice", "alice-pw", from: "198.51.100.99").status == 200)
        #expect(try ask("alice", "other-guess", from: "198.51.100.50").status == 429)
        // The guessing client is blocked for other users too; others are not.
        #expect(try ask("bob", "bob-pw", from: "203.0.113.1").status == 429)
        #expect(try ask("bob", "bob-pw", from: "198.51.100.3").status == 200)
        // Unknown names are counted as known ones are, from any client.
        for client in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
            #expect(try ask("nobody", "x", from: client).status == 401)
        }
        #expect(try ask("nobody", "x", from: "192.0.2.4").status == 429)
        #expect(try server.metric("htpass_serve_decisions_total{result=\"throttled\"}") == 4)
        #expect(try server.metric("htpass_serve_hash_seconds_count") == hashes + 4)
        server.stop()
    }

    @Test("Throttling backs off exponentially")
    func backoff() throws {
        let file = try Files.make([("alice", "alice-pw")])
        let server = try ServeProcess(file: file, ["--max-failures", "2", "--failure-window", "4"])
        for _ in 0..<2 { #expect(try HTTP.auth(server, user: "alice", password: "x").status == 401) }
        let first = try HTTP.auth(server, user: "alice", password: "x")
        #expect(first.status == 429)
        #expect(["3", "4"].contains(first.headers["retry-after"] ?? ""))
        usleep(4_100_000)
        for _ in 0..<2 { #expect(try HTTP.auth(server, user: "alice", password: "x").status == 401) }
        let second = try HTTP.auth(server, user: "alice", password: "x")
        #expect(second.status == 429)
        #expect(["7", "8"].contains(second.headers["retry-after"] ?? ""), "twice the first block")
        server.stop()
    }

    @Test("An unknown user costs one hash, as a wrong password does")
    func unknownUserCostsAHash() throws {
        let file = try Files.make([("alice", "alice-pw"), ("bob", "bob-pw")], algorithm: "bcrypt", cost: 8)
        let server = try ServeProcess(file: file, ["--max-failures", "0"])
        #expect(try HTTP.auth(server, user: "alice", password: "wrong").status == 401)
        #expect(try server.metric("htpass_serve_hash_seconds_count") == 1)
        for _ in 0..<3 { #expect(try HTTP.auth(server, user: "nobody-\(UUID())", password: "wrong").status == 401) }
        #expect(try server.metric("htpass_serve_hash_seconds_count") == 4)
        // Every one a real bcrypt computation at cost 8 (milliseconds), none a shortcut (microseconds).
        #expect(try server.metric("htpass_serve_hash_seconds_bucket{le=\"0.001\"}") == 0)
        #expect(try server.metric("htpass_serve_decisions_total{result=\"unknown_user\"}") == 3)
        #expect(try server.metric("htpass_serve_decisions_total{result=\"denied\"}") == 1)
        server.stop()
    }

    @Test("Hashes per outcome: cache hit 0, throttled 0, no credentials 0, wrong password 1, unknown user 1")
    func hashesPerOutcome() throws {
        let file = try Files.make([("alice", "alice-pw")], algorithm: "bcrypt", cost: 4)
        let server = try ServeProcess(file: file, ["--max-failures", "2", "--failure-window", "60"])
        /// The hashes the process computed for one request (htpass_serve_hashes_total counts every
        /// computation, on any thread), and the request's status.
        func hashes(_ user: String?, _ password: String, from client: String) throws -> (Int, Int) {
            let before = try server.metric("htpass_serve_hashes_total")
            let status =
                if let user {
                    try HTTP.auth(server, user: user, password: password, ["-H", "X-Real-IP: \(client)"]).status
                } else {
                    try HTTP.curl(server.baseURL + "/auth", ["-H", "X-Real-IP: \(client)"]).status
                }
            return (status, Int(try server.metric("htpass_serve_hashes_total") - before))
        }
        #expect(try hashes("alice", "alice-pw", from: "198.51.100.1") == (200, 1), "first: a hash")
        #expect(try hashes("alice", "alice-pw", from: "198.51.100.1") == (200, 0), "cache hit")
        #expect(try hashes(nil, "", from: "198.51.100.1") == (401, 0), "no credentials")
        #expect(try hashes("alice", "wrong", from: "203.0.113.1") == (401, 1), "wrong password")
        #expect(try hashes("nobody", "x", from: "203.0.113.2") == (401, 1), "unknown user: the stand-in hash")
        #expect(try hashes("alice", "wrong", from: "203.0.113.3") == (401, 1), "alice's second failure")
        #expect(try hashes("alice", "wrong", from: "203.0.113.4") == (429, 0), "throttled")
        #expect(try hashes("alice", "alice-pw", from: "203.0.113.4") == (200, 0), "throttled, but cached")
        #expect(try server.metric("htpass_serve_hash_seconds_count") == 4, "every hash timed")
        server.stop()
    }

    @Test("Without /proc (a mount namespace hiding it) the server keeps serving: no trap")
    func withoutProc() throws {
        // unshare(1) needs CAP_SYS_ADMIN; the static binary in a chroot is PackagingTests' case.
        try #require(getuid() == 0, "needs root for a mount namespace")
        let file = try Files.make([("alice", "alice-pw")], algorithm: "bcrypt", cost: 4)
        let binary = ServeProcess.binary
        let server = try ServeProcess(
            file: file, ["--cache-size", "0"],
            prefix: ["unshare", "--mount", "--fork", "--kill-child=SIGTERM", "sh", "-c"],
            binary: "mount -t tmpfs none /proc && exec \"$0\" \"$@\"", prefixArguments: [binary])
        // libdispatch looked at its threads in /proc once a second, and trapped when it could not: requests that
        // hop between threads for several seconds.
        for _ in 0..<40 {
            #expect(try HTTP.auth(server, user: "alice", password: "alice-pw").status == 200)
            usleep(100_000)
        }
        #expect(server.process.isRunning, "\(server.stderrText)")
        server.stop()
    }

    @Test("Past --max-queue waiting hashes the answer is 503")
    func queueLimit() throws {
        // --max-queue 0: a request that finds the one hashing thread busy is refused. The first request's hash
        // (bcrypt cost 17, made once: seconds) is still running when the second arrives, seconds later.
        let file = try Self.slowFile()
        let server = try ServeProcess(file: file, ["--hash-threads", "1", "--max-queue", "0", "--cache-size", "0"])
        let statuses = try Self.concurrently(2) { index in
            if index == 0 {
                return try HTTP.rawAuth(port: server.port, user: "alice", password: "alice-pw").status
            }
            usleep(3_000_000)
            let answer = try HTTP.rawAuth(port: server.port, user: "alice", password: "alice-pw")
            #expect(answer.headers["retry-after"] == "1")
            return answer.status
        }
        #expect(statuses == [200, 503])
        #expect(try server.metric("htpass_serve_hash_queue_length") == 0)
        #expect(try server.metric("htpass_serve_hashes_running") == 0)
        #expect(try server.metric("htpass_serve_decisions_total{result=\"unavailable\"}") == 1)
        server.stop()
    }

    /// A file whose one user, alice (`alice-pw`), has a bcrypt hash of cost 17: seconds per check (made
    /// once, here, so that no test waits for its making).
    static func slowFile() throws -> String {
        let directory = try TestSupport.temporaryDirectory("htpass-serve-slow")
        chmod(directory, 0o755)
        let path = directory + "/htpasswd"
        let line = "alice:$2y$17$IJ5Fv0Qt1WLnTbOKJxUkre6M4jFhG7A/lmkx0DY0uexuKjtxotgFO\n"
        try TestSupport.writeBytes(Array(line.utf8), to: path)
        return path
    }

    @Test("SIGTERM lets the requests in flight finish, then stops")
    func sigtermDrains() throws {
        let file = try Self.slowFile()
        let server = try ServeProcess(file: file, ["--hash-threads", "2", "--cache-size", "0"])
        let pid = server.process.processIdentifier
        let statuses = try Self.concurrently(3) { index in
            if index == 0 {
                // Once both others are in flight: both hashing, for seconds more.
                usleep(3_000_000)
                kill(pid, SIGTERM)
                return 0
            }
            return try HTTP.rawAuth(port: server.port, user: "alice", password: "alice-pw").status
        }
        #expect(statuses == [0, 200, 200])
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0, "\(server.stderrText)")
        #expect(try server.auditLines().count == 2)
    }

    @Test("The audit log: one JSON line per decision, escaped, never a password or hash; reopened on SIGHUP")
    func auditLog() throws {
        let file = try Files.make([("alice", "alice-pw"), ("quo\"te", "pw2")])
        let server = try ServeProcess(file: file)
        _ = try HTTP.auth(server, user: "alice", password: "alice-pw")
        _ = try HTTP.auth(server, user: "alice", password: "alice-pw")
        _ = try HTTP.auth(server, user: "alice", password: "wrong-pw")
        _ = try HTTP.auth(server, user: "quo\"te", password: "pw2")
        let weird: [UInt8] = [0x6E, 0x0A, 0xFF, 0x22]
        _ = try HTTP.raw(
            port: server.port,
            Array(
                "GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: \(HTTP.basic(weird, Array("p".utf8)))\r\n\r\n"
                    .utf8))
        _ = try HTTP.curl(server.baseURL + "/auth")
        let lines = try server.auditLines()
        #expect(lines.count == 6)
        #expect(
            lines.map { $0["result"] as? String } == [
                "granted", "granted", "denied", "granted", "unknown_user", "bad_request",
            ])
        #expect(lines.map { $0["status"] as? Int } == [200, 200, 401, 200, 401, 401])
        #expect(lines.map { $0["cached"] as? Bool } == [false, true, false, false, false, false])
        #expect(lines[3]["user"] as? String == "quo\"te")
        #expect(lines[4]["user"] as? String == "n\\x0A\\xFF\"")
        #expect(lines[5]["user"] is NSNull)
        for line in lines {
            #expect(line["client"] as? String == "127.0.0.1")
            #expect((line["latency_ms"] as? Double ?? -1) >= 0)
            #expect((line["time"] as? String)?.hasSuffix("Z") == true)
        }
        let text = try String(contentsOfFile: server.auditPath, encoding: .utf8)
        let hashes = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ":")[1]
        }
        for secret in ["alice-pw", "wrong-pw", "pw2"] + hashes.map(String.init) {
            #expect(!text.contains(secret), "the audit log holds \(secret)")
        }
        // logrotate's move, then SIGHUP: the next line goes to a new file.
        #expect(rename(server.auditPath, server.auditPath + ".1") == 0)
        kill(server.process.processIdentifier, SIGHUP)
        usleep(300_000)
        _ = try HTTP.auth(server, user: "alice", password: "alice-pw")
        #expect(try server.auditLines().count == 1)
        #expect(try String(contentsOfFile: server.auditPath + ".1", encoding: .utf8).split(separator: "\n").count == 6)
        // A link planted where the log goes: the reopen refuses it and keeps the log it has; nothing reaches
        // the file the link names.
        let victim = server.directory + "/victim"
        try TestSupport.writeBytes(Array("root's\n".utf8), to: victim)
        #expect(rename(server.auditPath, server.auditPath + ".2") == 0)
        #expect(symlink(victim, server.auditPath) == 0)
        kill(server.process.processIdentifier, SIGHUP)
        usleep(300_000)
        _ = try HTTP.auth(server, user: "alice", password: "alice-pw")
        #expect(try TestSupport.readBytes(victim) == Array("root's\n".utf8))
        #expect(try String(contentsOfFile: server.auditPath + ".2", encoding: .utf8).split(separator: "\n").count == 2)
        #expect(server.process.isRunning)
        server.stop()
    }

    @Test("The audit log cuts a long user name at 256 bytes, and says so with the name's length")
    func auditLongName() throws {
        let file = try Files.make([("alice", "alice-pw")])
        let server = try ServeProcess(file: file)
        let long = String(repeating: "a", count: 1000)
        #expect(try HTTP.auth(server, user: long, password: "pw").status == 401)
        let lines = try server.auditLines()
        #expect(lines.count == 1)
        #expect(lines.first?["user"] as? String == String(repeating: "a", count: 256))
        #expect(lines.first?["user_bytes"] as? Int == 1000)
        server.stop()
    }

    @Test("The audit log on a full file system: lost lines counted, said once on stderr, and named in the log")
    func auditLogFull() throws {
        try #require(getuid() == 0, "needs root to mount a small tmpfs")
        let file = try Files.make([("alice", "alice-pw")])
        let server = try ServeProcess(file: file, ["--max-failures", "0"])
        // The log's path bind-mounted to a file on a 16 KiB tmpfs, then reopened (SIGHUP).
        let small = server.directory + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: false)
        #expect(try TestSupport.run("mount", ["-t", "tmpfs", "-o", "size=16k", "none", small]).status == 0)
        defer { _ = try? TestSupport.run("umount", ["-l", small]) }
        try TestSupport.writeBytes([], to: small + "/audit.log")
        #expect(try TestSupport.run("mount", ["--bind", small + "/audit.log", server.auditPath]).status == 0)
        defer { _ = try? TestSupport.run("umount", ["-l", server.auditPath]) }
        kill(server.process.processIdentifier, SIGHUP)
        usleep(300_000)
        // 100 lines of about 400 bytes: more than twice 16 KiB.
        let name = String(repeating: "b", count: 256)
        for _ in 0..<100 {
            #expect(try HTTP.auth(server, user: name, password: "pw").status == 401)
            usleep(5_000)
        }
        for _ in 0..<300 where (try? server.metric("htpass_serve_audit_lines_pending")) ?? 1 > 0 { usleep(10_000) }
        let written = try server.metric("htpass_serve_audit_lines_total")
        let dropped = try server.metric("htpass_serve_audit_lines_dropped_total")
        #expect(dropped > 0 && written + dropped == 100, "written \(written), dropped \(dropped)")
        let errors = server.stderrText
        #expect(errors.components(separatedBy: "cannot write the audit log").count == 2, "\(errors)")
        #expect(errors.contains("No space left on device"), "\(errors)")
        // Room again: the next line starts on a line of its own, after one that names the lost lines.
        #expect(truncate(server.auditPath, 0) == 0)
        #expect(try HTTP.auth(server, user: "alice", password: "wrong").status == 401)
        let lines = try server.auditLines()
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?["dropped"] as? Int == Int(dropped))
        #expect(lines.last?["result"] as? String == "denied")
        #expect(server.process.isRunning)
        server.stop()
    }

    @Test("The metrics: Prometheus text with every decision, the cache, hash durations, reloads and the queue")
    func metrics() throws {
        let file = try Files.make([("alice", "alice-pw")])
        let server = try ServeProcess(file: file)
        _ = try HTTP.auth(server, user: "alice", password: "alice-pw")
        _ = try HTTP.auth(server, user: "alice", password: "alice-pw")
        _ = try HTTP.auth(server, user: "alice", password: "nope")
        _ = try HTTP.auth(server, user: "zed", password: "nope")
        _ = try HTTP.curl(server.baseURL + "/auth")
        let answer = try HTTP.curl(server.baseURL + "/metrics")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let expected: [String: Double] = [
            "htpass_serve_decisions_total{result=\"granted\"}": 2,
            "htpass_serve_decisions_total{result=\"denied\"}": 1,
            "htpass_serve_decisions_total{result=\"unknown_user\"}": 1,
            "htpass_serve_decisions_total{result=\"throttled\"}": 0,
            "htpass_serve_decisions_total{result=\"unavailable\"}": 0,
            "htpass_serve_decisions_total{result=\"bad_request\"}": 1,
            "htpass_serve_cache_hits_total": 1,
            "htpass_serve_cache_misses_total": 3,
            "htpass_serve_hash_seconds_count": 3,
            "htpass_serve_hash_seconds_bucket{le=\"+Inf\"}": 3,
            "htpass_serve_hash_queue_length": 0,
            "htpass_serve_hashes_total": 3,
            "htpass_serve_audit_lines_dropped_total": 0,
        ]
        for (name, value) in expected { #expect(try server.metric(name) == value, "\(name)") }
        #expect(try server.metric("htpass_serve_file_reloads_total") >= 1)
        #expect(answer.body.contains("# TYPE htpass_serve_hash_seconds histogram"))
        #expect(answer.body.contains("# TYPE htpass_serve_hash_queue_length gauge"))
        server.stop()
    }

    @Test("A unix socket: 0660, the group given; its peer is a trusted proxy")
    func unixSocket() throws {
        let file = try Files.make([("alice", "alice-pw")])
        let socketDirectory = try TestSupport.temporaryDirectory("htpass-serve-sock")
        let path = socketDirectory + "/auth.sock"
        let server = try ServeProcess(
            file: file, ["--socket-group", "nogroup"], listen: ["--listen", "unix:" + path])
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(info.st_gid == getgrnam("nogroup").pointee.gr_gid)
        let answer = try HTTP.curl(
            "http://localhost/auth", ["--unix-socket", path, "-u", "alice:alice-pw", "-H", "X-Real-IP: 203.0.113.5"])
        #expect(answer.status == 200)
        #expect(try server.auditLines().first?["client"] as? String == "203.0.113.5")
        server.stop()
    }

    @Test("htpass serve runs htpass-serve from its own directory, or says it is missing")
    func htpassServe() throws {
        let help = try TestSupport.htpass(["serve", "--help"])
        #expect(help.status == 0)
        #expect(help.stdoutText.contains("htpass-serve"))
        let file = try Files.make([("alice", "alice-pw")])
        let server = try ServeProcess(file: file, binary: TestSupport.htpassBinary, prefixArguments: ["serve"])
        #expect(try HTTP.auth(server, user: "alice", password: "alice-pw").status == 200)
        server.stop()
        let alone = try TestSupport.temporaryDirectory("htpass-alone")
        try FileManager.default.copyItem(atPath: TestSupport.htpassBinary, toPath: alone + "/htpass")
        let missing = try TestSupport.run(alone + "/htpass", ["serve", file])
        #expect(missing.status == 4)
        #expect(missing.stderrText.contains("htpass-serve is not installed next to htpass"))
    }

    /// Runs `body` on `count` threads at once (a thread each, whatever the number of processors) and
    /// returns their results in order.
    static func concurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let results = ResultBox<T>(count: count)
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                results.set(index, Result { try body(index) })
                group.leave()
            }
            thread.start()
        }
        group.wait()
        return try results.values.map { try $0!.get() }
    }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<T, any Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }
    var values: [Result<T, any Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
