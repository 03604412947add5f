import Metrics
import Synchronization

/// The read-mostly records every request needs (API tokens, services, clients, signing keys), kept in the
/// process so a request reads them without a database round trip.
///
/// Every write of ``SQLStore`` that changes one of them invalidates it before it returns, so the next request
/// sees the change. A read that missed stores what it read only if no invalidation happened meanwhile (the
/// generation check), so an update racing with a read cannot leave the old record cached. Only records that
/// exist are cached, so unknown keys from callers cannot fill it; each kind is a ``BoundedCache``. The cache
/// is per process; processes sharing a PostgreSQL database learn of each other's writes from the change log
/// (``SQLStore/followChanges()``).
final class RecordCache: Sendable {
    struct ClientKey: Hashable {
        var serviceApiKey: Int64
        var clientId: Int64
    }

    fileprivate struct State {
        var generation: UInt64 = 0
        var apiTokens: BoundedCache<String, APITokenRecord>
        var services: BoundedCache<Int64, ServiceRecord>
        var clients: BoundedCache<ClientKey, ClientRecord>
        var signingKeys: BoundedCache<Int64, [SigningKeyRecord]>
        /// For `/api/info`; the metrics count every kind.
        var apiTokenCounters = CacheCounters()
    }

    private let state: Mutex<State>
    private let meters: Meters

    /// - Parameters:
    ///   - limit: entries per kind.
    ///   - metrics: where hits, misses and evictions are counted, by kind.
    init(limit: Int = 4096, metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        meters = Meters(metrics)
        state = Mutex(
            State(
                apiTokens: BoundedCache(limit: limit), services: BoundedCache(limit: limit), clients: BoundedCache(limit: limit),
                signingKeys: BoundedCache(limit: limit)))
    }

    /// A cached value, or the generation to pass to ``store(_:at:)`` after reading the database.
    enum Lookup<Value> {
        case hit(Value)
        case miss(generation: UInt64)
    }

    /// How the API-token cache has done since the process started.
    var apiTokenCounters: CacheCounters { state.withLock { $0.apiTokenCounters } }
    func apiToken(_ hash: String) -> Lookup<APITokenRecord> { lookup(.apiTokens) { $0.apiTokens[hash] } }
    func service(_ apiKey: Int64) -> Lookup<ServiceRecord> { lookup(.services) { $0.services[apiKey] } }
    func client(_ key: ClientKey) -> Lookup<ClientRecord> { lookup(.clients) { $0.clients[key] } }
    func signingKeys(_ apiKey: Int64) -> Lookup<[SigningKeyRecord]> { lookup(.signingKeys) { $0.signingKeys[apiKey] } }

    func store(_ record: APITokenRecord, at generation: UInt64) {
        store(at: generation) { state in
            let isNew = state.apiTokens[record.hash] == nil
            let before = state.apiTokens.count
            state.apiTokens[record.hash] = record
            // A BoundedCache at its limit starts over.
            if isNew, state.apiTokens.count <= before {
                state.apiTokenCounters.evictions &+= Int64(before)
                meters.apiTokenEvictions.increment(by: before)
            }
        }
    }

    func store(_ record: ServiceRecord, at generation: UInt64) {
        store(at: generation) { $0.services[record.apiKey] = record }
    }

    func store(_ record: ClientRecord, at generation: UInt64) {
        let key = ClientKey(serviceApiKey: record.serviceApiKey, clientId: record.clientId)
        store(at: generation) { $0.clients[key] = record }
    }

    func store(_ keys: [SigningKeyRecord], of apiKey: Int64, at generation: UInt64) {
        store(at: generation) { $0.signingKeys[apiKey] = keys }
    }

    // MARK: Invalidation

    func invalidate(_ change: CacheChange) {
        invalidate { state in
            switch change {
            case .apiTokens: state.dropAPITokens()
            case .service(let apiKey): state.services[apiKey] = nil
            case .client(let serviceApiKey, let clientId): state.clients[ClientKey(serviceApiKey: serviceApiKey, clientId: clientId)] = nil
            case .signingKeys(let apiKey): state.signingKeys[apiKey] = nil
            case .everything(let apiKey):
                state.services[apiKey] = nil
                state.signingKeys[apiKey] = nil
                state.clients.removeAll { key, _ in key.serviceApiKey == apiKey }
                state.dropAPITokens()
            }
        }
    }

    /// Everything, for when changes may have been missed.
    func invalidateAll() {
        invalidate { state in
            state.services.removeAll()
            state.clients.removeAll()
            state.signingKeys.removeAll()
            state.dropAPITokens()
        }
    }

    // MARK: Mechanics

    private func lookup<Value>(_ kind: Kind, _ read: (State) -> Value?) -> Lookup<Value> {
        state.withLock { state in
            let value = read(state)
            if kind == .apiTokens {
                if value == nil { state.apiTokenCounters.misses &+= 1 } else { state.apiTokenCounters.hits &+= 1 }
            }
            (value == nil ? meters.misses : meters.hits)[kind.rawValue].increment()
            if let value { return .hit(value) }
            return .miss(generation: state.generation)
        }
    }

    private func store(at generation: UInt64, _ write: (inout State) -> Void) {
        state.withLock { state in
            guard state.generation == generation else { return }
            write(&state)
        }
    }

    private func invalidate(_ change: (inout State) -> Void) {
        let evicted = state.withLock { state in
            state.generation &+= 1
            let before = state.apiTokenCounters.evictions
            change(&state)
            return state.apiTokenCounters.evictions - before
        }
        if evicted > 0 { meters.apiTokenEvictions.increment(by: evicted) }
    }

    /// The kinds of record, as the metrics name them.
    enum Kind: Int, CaseIterable {
        case apiTokens, services, clients, signingKeys

        var label: String { ["api_tokens", "services", "clients", "signing_keys"][rawValue] }
    }

    /// The cache's counters in the metrics.
    private struct Meters: Sendable {
        let hits: [Counter]
        let misses: [Counter]
        let apiTokenEvictions: Counter

        init(_ metrics: any MetricsFactory) {
            hits = Kind.allCases.map { Counter(label: "warrant_cache_hits_total", dimensions: [("cache", $0.label)], factory: metrics) }
            misses = Kind.allCases.map { Counter(label: "warrant_cache_misses_total", dimensions: [("cache", $0.label)], factory: metrics) }
            apiTokenEvictions = Counter(label: "warrant_cache_evictions_total", dimensions: [("cache", "api_tokens")], factory: metrics)
        }
    }
}

extension RecordCache.State {
    fileprivate mutating func dropAPITokens() {
        apiTokenCounters.evictions &+= Int64(apiTokens.count)
        apiTokens.removeAll()
    }
}

/// A write's change to cached records: what every process must drop from its cache.
enum CacheChange: Sendable, Equatable {
    /// API tokens (any: a token's hash is not known where it is deleted by ID).
    case apiTokens
    case service(Int64)
    case client(serviceApiKey: Int64, clientId: Int64)
    case signingKeys(Int64)
    /// A service deleted: the service, its clients, keys and API tokens.
    case everything(of: Int64)
}

/// Counters of a cache since the process started.
public struct CacheCounters: Sendable, Equatable {
    public var hits: Int64 = 0
    public var misses: Int64 = 0
    /// Entries dropped: to make room, or invalidated by a change.
    public var evictions: Int64 = 0

    public init() {}
}
