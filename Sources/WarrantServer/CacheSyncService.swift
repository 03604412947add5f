import Logging
import ServiceLifecycle
import WarrantStore

/// Keeps this process's record cache coherent with the other warrant processes on the same PostgreSQL
/// database: every `interval` it reads the database's change log and drops what others changed
/// (``SQLStore/followChanges()``). A change on any node is thus honoured everywhere within `interval` plus
/// one read. A poll that fails drops the whole cache, so a node cut off from the database serves nothing
/// stale; the first poll that succeeds catches up.
public struct CacheSyncService: Service {
    let store: SQLStore
    let interval: Duration
    let metrics: ServerMetrics
    let logger: Logger

    /// The default interval: a change is seen by every node within about a quarter second.
    static let defaultInterval = Duration.milliseconds(250)
    /// How long a rotated signing key signs on after a rotation: an interval and the longest a poll may take
    /// (the database timeout), and some margin, so every node publishes the new key before any signs with it.
    public static func keyActivationDelay(databaseTimeout: Duration) -> Duration {
        defaultInterval * 2 + databaseTimeout + .milliseconds(500)
    }

    public func run() async throws {
        var failing = false
        await periodically(every: interval) {
            do {
                try await store.followChanges()
                metrics.cacheSynced(failed: false)
                if failing { logger.notice("following the database's change log again") }
                failing = false
            } catch {
                // Changes may have been missed: nothing cached is served until the log can be read again (requests
                // read the database, or fail as it does).
                store.dropCache()
                metrics.cacheSynced(failed: true)
                // Once per outage, not four times a second.
                if !failing { logger.error("cannot read the database's change log; retrying", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
    }
}
