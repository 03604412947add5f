import Logging
import ServiceLifecycle
import WarrantStore

/// Keeps this process's record cache coherent with the other warrant processes on the same PostgreSQL
/// database: every `interval` it reads the database's change log and drops what others changed
/// (``SQLStore/followChanges()``). A change on any node is thus honoured everywhere within `interval` plus
/// one read. While the database cannot be read the node serves nothing that needs it anyway; the first poll
/// that succeeds catches up.
struct CacheSyncService: Service {
    let store: SQLStore
    let interval: Duration
    let logger: Logger

    /// The default interval: a change is seen by every node within about a quarter second.
    static let defaultInterval = Duration.milliseconds(250)
    /// How long a rotated signing key signs on after a rotation: four intervals, so every node publishes the
    /// new key before any node signs with it, even with a slow poll or two.
    static let keyActivationDelay = Duration.seconds(1)

    func run() async throws {
        var failing = false
        await periodically(every: interval) {
            do {
                try await store.followChanges()
                if failing { logger.notice("following the database's change log again") }
                failing = false
            } catch {
                // Once per outage, not four times a second.
                if !failing { logger.error("cannot read the database's change log; retrying", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
    }
}
