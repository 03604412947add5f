import Synchronization
import WarrantAPI
import WarrantStore

/// Stored service and client documents, decoded once: decoding a service's JSON on every request cost more
/// than the rest of a token request.
///
/// An entry is used only while the stored document is the same text it was decoded from, so it can never
/// be stale: an update gives the record a new document, which is decoded anew. (The store hands out the same
/// string while its record stays cached, so the comparison is usually a pointer check.) Bounded: each kind
/// starts over when it holds ``limit`` entries.
final class DocumentCache: Sendable {
    private struct Entry<Model> {
        var document: String
        var model: Model
    }

    private struct ClientKey: Hashable {
        var serviceApiKey: Int64
        var clientId: Int64
    }

    let limit: Int
    private let services = Mutex<[Int64: Entry<Service>]>([:])
    private let clients = Mutex<[ClientKey: Entry<OAuthClient>]>([:])

    init(limit: Int = 4096) {
        self.limit = limit
    }

    /// The service's metadata as stored (without the record's columns filled in).
    func service(_ record: ServiceRecord) throws -> Service {
        if let entry = services.withLock({ $0[record.apiKey] }), entry.document == record.document { return entry.model }
        let model = try Service(jsonData: Array(record.document.utf8))
        services.withLock { Self.keep(Entry(document: record.document, model: model), for: record.apiKey, in: &$0, limit: limit) }
        return model
    }

    /// The client's metadata as stored (without the record's columns filled in).
    func client(_ record: ClientRecord) throws -> OAuthClient {
        let key = ClientKey(serviceApiKey: record.serviceApiKey, clientId: record.clientId)
        if let entry = clients.withLock({ $0[key] }), entry.document == record.document { return entry.model }
        let model = try OAuthClient(jsonData: Array(record.document.utf8))
        clients.withLock { Self.keep(Entry(document: record.document, model: model), for: key, in: &$0, limit: limit) }
        return model
    }

    private static func keep<Key: Hashable, Model>(_ entry: Entry<Model>, for key: Key, in entries: inout [Key: Entry<Model>], limit: Int) {
        if entries.count >= limit, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
        entries[key] = entry
    }
}
