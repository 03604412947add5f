import Logging
import ServiceLifecycle
import WarrantStore

/// Deletes what can no longer be used (expired tickets, codes, assertions, tokens past their retention, grants
/// nothing refers to), every `interval`, so the database does not grow without bound. A purge that fails (a full
/// disk) is logged and tried again at the next interval; it never stops the server.
struct PurgeService: Service {
    let store: any WarrantStore
    let interval: Duration
    let retention: Duration
    let metrics: ServerMetrics
    let logger: Logger

    func run() async throws {
        let retentionMilliseconds = retention.components.seconds.multipliedReportingOverflow(by: 1000).partialValue
        await periodically(every: interval) {
            do {
                let report = try await store.purge(now: Clock.nowMilliseconds, retention: retentionMilliseconds)
                metrics.purged(report)
                if report.total > 0 { logger.info("purged expired records", metadata: Self.metadata(report)) }
            } catch {
                metrics.purgeFailed()
                logger.error("purge failed; trying again at the next interval", metadata: ["error": "\(error)"])
            }
        }
    }

    static func metadata(_ report: PurgeReport) -> Logger.Metadata {
        [
            "tickets": "\(report.tickets)", "codes": "\(report.authorizationCodes)", "accessTokens": "\(report.accessTokens)",
            "refreshTokens": "\(report.refreshTokens)", "grants": "\(report.grants)", "assertions": "\(report.assertions)",
            "apiTokens": "\(report.apiTokens)", "tokenBatches": "\(report.tokenBatches)", "cacheChanges": "\(report.cacheChanges)",
        ]
    }
}
