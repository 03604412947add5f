import Metrics
import Prometheus
import SpecRuntime
import WarrantStore

/// The process's metrics, in Prometheus's text format at `/metrics`. Every label value comes from warrant's own
/// vocabulary (operation IDs, statuses, actions, grant types, record kinds), never from a request, so no caller
/// can grow the set of series; none names an organization, a service or a client.
///
/// Each server has its own registry, so several in one process (the tests) count apart; libraries that use
/// the global swift-metrics system are not included.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Where the store and the routes create their metrics.
    let factory: PrometheusMetricsFactory

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // From a cached read to a slow database write, and the database timeout's range.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    /// Counts an answer of the API: by operation, status and Authlete `action`, its latency, and the tokens it
    /// issued.
    func served(_ answer: ServedAnswer) {
        let operation = answer.operationID
        let action = answer.body?["action"]?.stringValue ?? ""
        Counter(
            label: "warrant_requests_total", dimensions: [("operation", operation), ("status", "\(answer.status)"), ("action", action)],
            factory: factory
        ).increment()
        Metrics.Timer(label: "warrant_request_duration_seconds", dimensions: [("operation", operation)], factory: factory)
            .record(duration: answer.duration)
        if action == "OK", let body = answer.body, body["accessToken"]?.stringValue?.isEmpty == false {
            let grantType = body["grantType"]?.stringValue ?? Self.impliedGrantType[operation] ?? "UNKNOWN"
            Counter(label: "warrant_tokens_issued_total", dimensions: [("grant_type", grantType)], factory: factory).increment()
        }
    }

    /// The grant of operations whose answer does not name it.
    private static let impliedGrantType = ["authorizationIssue": "IMPLICIT", "tokenIssue": "PASSWORD"]

    /// Counts a request no route took.
    func unrouted(status: Int) {
        Counter(
            label: "warrant_requests_total", dimensions: [("operation", "none"), ("status", "\(status)"), ("action", "")], factory: factory
        ).increment()
    }

    func purged(_ report: PurgeReport) {
        let kinds = [
            ("tickets", report.tickets), ("authorization_codes", report.authorizationCodes), ("access_tokens", report.accessTokens),
            ("refresh_tokens", report.refreshTokens), ("grants", report.grants), ("assertions", report.assertions),
            ("api_tokens", report.apiTokens), ("token_batches", report.tokenBatches), ("cache_changes", report.cacheChanges),
        ]
        for (kind, count) in kinds {
            // Every kind appears from the first purge on, so a dashboard's rate() has a start.
            Counter(label: "warrant_purged_records_total", dimensions: [("kind", kind)], factory: factory).increment(by: max(0, count))
        }
        Counter(label: "warrant_purges_total", dimensions: [("outcome", "done")], factory: factory).increment()
    }

    func purgeFailed() {
        Counter(label: "warrant_purges_total", dimensions: [("outcome", "failed")], factory: factory).increment()
    }

    /// A poll of the change log other nodes write, and whether it failed (and so dropped the cache).
    func cacheSynced(failed: Bool) {
        Counter(label: "warrant_cache_sync_polls_total", dimensions: [("outcome", failed ? "failed" : "done")], factory: factory)
            .increment()
    }

    /// The metrics in the Prometheus text format.
    func exposition() -> [UInt8] { registry.emitToBuffer() }
}
