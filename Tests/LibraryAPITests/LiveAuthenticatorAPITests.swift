import HtpasswdCore
import HtpasswdVerifier
import SystemPackage
import TestSupport
import Testing

/// A server's use of the snapshot API, public symbols only: an index read once, a live authenticator that
/// sees an edit on the next request, the hash on a bounded queue of its own threads.
@Suite("LiveAuthenticator (public API)")
struct LiveAuthenticatorAPITests {
    @Test("A server's loop: index, live reload, queue")
    func serverLoop() async throws {
        let directory = try TestSupport.temporaryDirectory("htpass-live-api")
        let path = FilePath(directory + "/htpasswd")
        let store = HtpasswdStore(path: path)
        var changes = HtpasswdChanges()
        changes.set(try PasswordHasher(algorithm: .apr1).hash("secret"), for: try UserName("alice"))
        try store.apply(changes, creation: .createIfMissing)

        let index = try AuthenticatorIndex(store: store, target: .nginx)
        #expect(index.userCount == 1)
        #expect(index.authenticate(user: "alice", password: "secret") == .granted)
        #expect(index.candidate(for: "alice").entry?.line == 1)
        #expect(index.stamp == store.stamp())

        let threads = HashingThreads(count: 2)
        defer { threads.shutdown() }
        let queue = HashingQueue(executor: threads, concurrencyLimit: threads.count, queueLimit: 16)
        let live = LiveAuthenticator(store: store)
        #expect(try await live.authenticate(user: "alice", password: "secret", on: queue) == .granted)

        var removal = HtpasswdChanges()
        removal.remove("alice")
        try store.apply(removal)
        #expect(index.authenticate(user: "alice", password: "secret") == .granted, "a snapshot does not change")
        #expect(try await live.authenticate(user: "alice", password: "secret", on: queue) == .unknownUser)
        #expect(live.readCount >= 2)
    }
}
