import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import WarrantEngine
import WarrantStore

/// Fetches request objects from the URLs clients registered (RFC 9101 §5.2) with AsyncHTTPClient. Tenants
/// choose those URLs and any user can make warrant fetch one, so: only public addresses (unless the server
/// allows private ones, for development), no redirect followed, the body capped, the whole exchange within
/// the engine's time limit, few fetches at once, and each object kept a minute (OpenID Connect Core §6.2
/// lets a fragment name a version, so the whole URL is the key).
struct RequestObjectFetcher: RequestObjectFetching {
    /// One client for the process, never shut down, as `HTTPClient.shared` is; this one follows no redirect
    /// and lets idle connections go soon, as most hosts are asked rarely.
    static let client: HTTPClient = {
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.idleTimeout = .seconds(10)
        return HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(5)), connectionPool: pool))
    }()
    /// Fetches in flight in the process; more are refused at once rather than queued.
    static let inFlight = Mutex(0)
    static let maximumInFlight = 16
    static let cache = Mutex(BoundedCache<String, (body: String, until: ContinuousClock.Instant)>(limit: 1024))
    static let cacheLifetime: Duration = .seconds(60)

    let privateHostsAllowed: Bool

    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    func fetch(_ url: URL, limit: Int, timeout: Duration) async throws -> String {
        let key = url.absoluteString
        let now = ContinuousClock.now
        if let cached = Self.cache.withLock({ $0[key] }), cached.until > now { return cached.body }
        guard let host = url.host else { throw Refused(description: "no host") }
        if !privateHostsAllowed, let address = try Self.privateAddress(of: host, port: url.port ?? 443) {
            throw Refused(description: "\(host) is a private address (\(address))")
        }
        guard Self.inFlight.withLock({ count in
            guard count < Self.maximumInFlight else { return false }
            count += 1
            return true
        })
        else { throw Refused(description: "too many request objects are being fetched") }
        defer { Self.inFlight.withLock { $0 -= 1 } }
        let body = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                var request = HTTPClientRequest(url: url.absoluteString)
                request.headers.add(name: "Accept", value: "application/oauth-authz-req+jwt, application/jwt")
                // execute's deadline ends with the response head; the task group's sleep bounds the body too.
                let response = try await Self.client.execute(request, timeout: .milliseconds(timeout.milliseconds))
                guard response.status == .ok else { throw Refused(description: "HTTP \(response.status.code)") }
                let bytes = try await response.body.collect(upTo: limit)
                // A JWT is base64url and dots; anything else is refused before it becomes text.
                guard bytes.readableBytesView.allSatisfy(Self.isJWTByte) else { throw Refused(description: "not a JWT") }
                return String(buffer: bytes)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Refused(description: "no answer within \(timeout)")
            }
            defer { group.cancelAll() }
            guard let body = try await group.next() else { throw Refused(description: "no answer") }
            return body
        }
        Self.cache.withLock { $0[key] = (body, ContinuousClock.now + Self.cacheLifetime) }
        return body
    }

    static func isJWTByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: " "): true
        default: false
        }
    }

    /// The first loopback, private, link-local or unique-local address `host` resolves to, if any. (The HTTP
    /// client resolves again; a name that changes its answer in between is the residual risk.)
    static func privateAddress(of host: String, port: Int) throws -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(name, String(port), &hints, &results) == 0, let first = results else {
            throw Refused(description: "\(host) does not resolve")
        }
        defer { freeaddrinfo(results) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr, let described = privateDescription(address, family: current.pointee.ai_family) {
                return described
            }
            entry = current.pointee.ai_next
        }
        return nil
    }

    private static func privateDescription(_ address: UnsafeMutablePointer<sockaddr>, family: Int32) -> String? {
        if family == AF_INET {
            let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
            }
            let isPrivate =
                bytes[0] == 127 || bytes[0] == 10 || bytes[0] == 0 || (bytes[0] == 172 && bytes[1] & 0xF0 == 16)
                || (bytes[0] == 192 && bytes[1] == 168) || (bytes[0] == 169 && bytes[1] == 254) || (bytes[0] == 100 && bytes[1] & 0xC0 == 64)
            return isPrivate ? bytes.map(String.init).joined(separator: ".") : nil
        }
        if family == AF_INET6 {
            let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
            }
            let loopback = bytes.dropLast().allSatisfy { $0 == 0 } && bytes[15] == 1
            let unspecified = bytes.allSatisfy { $0 == 0 }
            let linkLocal = bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80
            let uniqueLocal = bytes[0] & 0xFE == 0xFC
            // An IPv4 address mapped into IPv6 is judged as IPv4.
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
            let mappedPrivate = mapped && (bytes[12] == 127 || bytes[12] == 10 || (bytes[12] == 192 && bytes[13] == 168)
                || (bytes[12] == 172 && bytes[13] & 0xF0 == 16) || (bytes[12] == 169 && bytes[13] == 254))
            return loopback || unspecified || linkLocal || uniqueLocal || mappedPrivate ? "IPv6" : nil
        }
        return nil
    }
}

extension Duration {
    /// Whole milliseconds, for NIO's TimeAmount.
    fileprivate var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
