import Logging

/// swift-otel's own diagnostics, passed on to warrant's logger without their metadata and at warrant's level.
/// swift-otel logs the value of every OTEL_* variable it reads, and OTEL_EXPORTER_OTLP_HEADERS holds the
/// collector's credentials (an endpoint URL may too); OTEL_LOG_LEVEL cannot lower the level either.
struct OTelDiagnostics: LogHandler {
    let logger: Logger

    /// Only the names of the variables, never their values.
    private static let keptKeys: Set<String> = ["environment_key"]
    private var kept: Logger.Metadata = [:]

    init(logger: Logger) {
        self.logger = logger
    }

    var metadata: Logger.Metadata {
        get { kept }
        set { kept = newValue.filter { Self.keptKeys.contains($0.key) } }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { kept[key] }
        set { if Self.keptKeys.contains(key) { kept[key] = newValue } }
    }

    var logLevel: Logger.Level {
        get { logger.logLevel }
        set {}
    }

    /// The event's own metadata and error are dropped too: an export error can carry the collector's URL.
    func log(event: LogEvent) {
        logger.log(
            level: event.level, "otel: \(event.message)", metadata: kept, source: event.source, file: event.file, function: event.function,
            line: event.line)
    }
}
