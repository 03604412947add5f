import Foundation
import HTTPTypes
import OpenAPIRuntime

/// A request the generated client builds, before it goes through middlewares to the transport.
public struct ClientRequest: Sendable {
    public var method: HTTPRequest.Method
    public var path: String
    public var query: [(name: String, value: String)] = []
    public var headers = HTTPFields()
    public var body: [UInt8]?

    public init(method: HTTPRequest.Method, path: String) {
        self.method = method
        self.path = path
    }

    public mutating func addQuery(_ name: String, _ value: (some TextEncodable)?) {
        if let value { query.append((name, value.textValue)) }
    }

    public mutating func addQuery(_ name: String, _ values: [some TextEncodable]?) {
        for value in values ?? [] { query.append((name, value.textValue)) }
    }

    /// The pairs of a `{string: T}` query parameter, sorted by name; names another parameter declares are left out.
    public mutating func addQueryPairs(_ declared: [String], _ pairs: [String: some TextEncodable]?) {
        for (name, value) in (pairs ?? [:]).sorted(by: { $0.key < $1.key }) where !declared.contains(name) {
            query.append((name, value.textValue))
        }
    }

    public mutating func addHeader(_ name: String, _ value: (some TextEncodable)?) {
        if let value, let field = HTTPField.Name(name) { headers[field] = value.textValue }
    }

    public mutating func setCredentials(_ credentials: BearerCredentials?) {
        if let credentials { headers[.authorization] = "Bearer \(credentials.token)" }
    }

    public mutating func setJSONBody(_ value: some JSONEncodable) {
        headers[.contentType] = "application/json"
        body = MessageDirection.$encoding.withValue(.request) { value.jsonValue }.serialized()
    }
}

/// A response as the generated client reads it.
public struct ClientResponse: Sendable {
    public var status: Int
    public var headers: HTTPFields
    public var body: [UInt8]
    let operationID: String

    public func decode<T: JSONDecodable>(_ type: T.Type) throws -> T {
        do {
            return try T(jsonData: body, direction: .response)
        } catch let error as ValidationError {
            throw ResponseDecodingError(operationID: operationID, status: status, violations: error.violations)
        }
    }

    public func unexpected() -> UnexpectedResponseError {
        UnexpectedResponseError(operationID: operationID, status: status, body: body)
    }
}

/// The server answered with a status the spec does not list for the operation (a 400 for a bad request, a 401 …).
public struct UnexpectedResponseError: Error, Sendable, CustomStringConvertible {
    public var operationID: String
    public var status: Int
    public var body: [UInt8]

    /// The body as JSON, when it is JSON (the generated server's error bodies are).
    public var jsonBody: JSONValue? { try? JSONValue(parsing: body) }

    public var description: String {
        "\(operationID): unexpected status \(status): \(String(decoding: body.prefix(2000), as: UTF8.self))"
    }
}

/// The server's answer did not fit the response structure the spec describes.
public struct ResponseDecodingError: Error, Sendable, CustomStringConvertible {
    public var operationID: String
    public var status: Int
    public var violations: [Violation]

    public var description: String {
        "\(operationID): the \(status) response does not fit the spec: " + violations.map(\.description).joined(separator: "; ")
    }
}

/// Sends generated client requests through middlewares and a transport.
public enum ClientRuntime {
    /// Responses larger than this are refused rather than held in memory.
    public static let maxResponseBytes = 64 << 20

    public static func send(
        _ request: ClientRequest, operationID: String, serverURL: URL, transport: any ClientTransport,
        middlewares: [any ClientMiddleware]
    ) async throws -> ClientResponse {
        var path = request.path
        if !request.query.isEmpty { path += "?" + FormEncoding.encode(request.query) }
        let head = HTTPRequest(method: request.method, scheme: nil, authority: nil, path: path, headerFields: request.headers)
        let body = request.body.map { HTTPBody($0) }
        var next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?) = {
            try await transport.send($0, body: $1, baseURL: $2, operationID: operationID)
        }
        for middleware in middlewares.reversed() {
            let following = next
            next = { try await middleware.intercept($0, body: $1, baseURL: $2, operationID: operationID, next: following) }
        }
        let (response, responseBody) = try await next(head, body, serverURL)
        var bytes: [UInt8] = []
        if let responseBody { bytes = try await [UInt8](collecting: responseBody, upTo: maxResponseBytes) }
        return ClientResponse(status: response.status.code, headers: response.headerFields, body: bytes, operationID: operationID)
    }
}
