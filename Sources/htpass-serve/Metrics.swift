import Synchronization

/// The counters of `/metrics`, in Prometheus's text format.
final class Metrics: Sendable {
    /// The upper bounds of the hash-duration histogram's buckets, in seconds: from SHA-1 and apr1 (well under a
    /// millisecond) to bcrypt at high costs (seconds).
    static let hashBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    private let state = Mutex(State())

    private struct State {
        var decisions = [Outcome: Int]()
        var cacheHits = 0
        var cacheMisses = 0
        var hashCounts = [Int](repeating: 0, count: Metrics.hashBuckets.count)
        var hashCount = 0
        var hashSum = 0.0
    }

    func count(_ outcome: Outcome) {
        state.withLock { $0.decisions[outcome, default: 0] += 1 }
    }

    func countCacheHit() { state.withLock { $0.cacheHits += 1 } }

    func countCacheMiss() { state.withLock { $0.cacheMisses += 1 } }

    /// Notes a hash computation of `seconds`.
    func observeHash(seconds: Double) {
        state.withLock { state in
            for (index, bound) in Self.hashBuckets.enumerated() where seconds <= bound { state.hashCounts[index] += 1 }
            state.hashCount += 1
            state.hashSum += seconds
        }
    }

    /// The text of `/metrics`, with the file's reload count and the hash queue's length read now.
    func render(
        reloads: Int, queueLength: Int, running: Int, cacheEntries: Int, hashes: Int,
        audit: (written: Int, pending: Int, dropped: Int)
    ) -> String {
        var text = """
            # HELP htpass_serve_decisions_total Decisions of /auth by result.
            # TYPE htpass_serve_decisions_total counter

            """
        let state = state.withLock { $0 }
        for outcome in Outcome.allCases {
            text += "htpass_serve_decisions_total{result=\"\(outcome.rawValue)\"} \(state.decisions[outcome] ?? 0)\n"
        }
        text += """
            # HELP htpass_serve_cache_hits_total Credentials let in from the success cache, without a hash.
            # TYPE htpass_serve_cache_hits_total counter
            htpass_serve_cache_hits_total \(state.cacheHits)
            # HELP htpass_serve_cache_misses_total Credentials checked by a hash.
            # TYPE htpass_serve_cache_misses_total counter
            htpass_serve_cache_misses_total \(state.cacheMisses)
            # HELP htpass_serve_cache_entries Entries in the success cache.
            # TYPE htpass_serve_cache_entries gauge
            htpass_serve_cache_entries \(cacheEntries)
            # HELP htpass_serve_hash_seconds Time of each password check (one hash), in seconds.
            # TYPE htpass_serve_hash_seconds histogram

            """
        for (index, bound) in Self.hashBuckets.enumerated() {
            text += "htpass_serve_hash_seconds_bucket{le=\"\(bound)\"} \(state.hashCounts[index])\n"
        }
        text += """
            htpass_serve_hash_seconds_bucket{le="+Inf"} \(state.hashCount)
            htpass_serve_hash_seconds_sum \(state.hashSum)
            htpass_serve_hash_seconds_count \(state.hashCount)
            # HELP htpass_serve_file_reloads_total Readings of the htpasswd file, the first one included.
            # TYPE htpass_serve_file_reloads_total counter
            htpass_serve_file_reloads_total \(reloads)
            # HELP htpass_serve_hash_queue_length Password checks waiting for a hashing thread.
            # TYPE htpass_serve_hash_queue_length gauge
            htpass_serve_hash_queue_length \(queueLength)
            # HELP htpass_serve_hashes_running Password checks running on the hashing threads.
            # TYPE htpass_serve_hashes_running gauge
            htpass_serve_hashes_running \(running)
            # HELP htpass_serve_hashes_total Password hashes computed (the stand-in hash of unknown users included).
            # TYPE htpass_serve_hashes_total counter
            htpass_serve_hashes_total \(hashes)
            # HELP htpass_serve_audit_lines_total Audit lines written.
            # TYPE htpass_serve_audit_lines_total counter
            htpass_serve_audit_lines_total \(audit.written)
            # HELP htpass_serve_audit_lines_pending Audit lines waiting for the audit log's writer.
            # TYPE htpass_serve_audit_lines_pending gauge
            htpass_serve_audit_lines_pending \(audit.pending)
            # HELP htpass_serve_audit_lines_dropped_total Audit lines dropped: the log's destination did not keep up.
            # TYPE htpass_serve_audit_lines_dropped_total counter
            htpass_serve_audit_lines_dropped_total \(audit.dropped)

            """
        return text
    }
}
