import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The bearer token a caller presented in `Authorization: Bearer …`.
public struct BearerCredentials: Hashable, Sendable {
    public var token: String

    public init(token: String) {
        self.token = token
    }
}

/// An error a handler throws to answer with a particular status and JSON body (404, 409 …).
public protocol HTTPStatusError: Error {
    var status: Int { get }
    var jsonBody: JSONValue { get }
}

/// Why a request was answered by the generated layer rather than by the handler.
public struct RequestFailure: Error, Sendable {
    public enum Kind: String, Sendable {
        case invalidRequest = "invalid_request"
        case unauthorized
        case unsupportedMediaType = "unsupported_media_type"
        case payloadTooLarge = "payload_too_large"
        case requestTimeout = "request_timeout"
        case internalError = "internal_error"

        var status: Int {
            switch self {
            case .invalidRequest: 400
            case .requestTimeout: 408
            case .unauthorized: 401
            case .unsupportedMediaType: 415
            case .payloadTooLarge: 413
            case .internalError: 500
            }
        }
    }

    public var kind: Kind
    public var message: String
    public var violations: [Violation]
    public var operationID: String
    public var status: Int { kind.status }

    public init(kind: Kind, message: String, violations: [Violation] = [], operationID: String) {
        self.kind = kind
        self.message = message
        self.violations = violations
        self.operationID = operationID
    }
}

/// How generated routes behave; the defaults suit most servers.
public struct ServerOptions: Sendable {
    /// Larger request bodies are answered with 413.
    public var maxBodyBytes: Int
    /// A smaller cap for some operations, by operation ID.
    public var maxBodyBytesByOperation: [String: Int] = [:]
    /// Caps on form bodies and query strings.
    public var formLimits: FormLimits = .standard
    /// Read JSON bodies' scalars as the types the spec asks for (see ``Violations/coercesScalars``): for
    /// servers that replace one whose clients rely on a Java binder's leniency.
    public var coercesJSONScalars = false
    /// How long a request body may take to arrive once its head has; a slower one is answered with 408.
    public var bodyTimeout: Duration = .seconds(30)
    /// The JSON body of every answer the generated layer gives itself (400, 401, 413, 415, 500).
    public var errorBody: @Sendable (RequestFailure) -> JSONValue
    /// Called with errors a handler threw that became a 500, for logging.
    public var onInternalError: @Sendable (_ error: any Error, _ operationID: String) -> Void
    /// The answer to an error a handler threw that is not an ``HTTPStatusError`` (a fault of the server's, such
    /// as its database refusing writes), when the server has a better one than a plain 500; nil keeps the 500.
    public var unexpectedErrorAnswer: @Sendable (_ error: any Error, _ operationID: String) -> (status: Int, body: JSONValue)? = { _, _ in nil }
    /// Called with every answer a route gives, before it is sent: for metrics.
    public var onAnswer: (@Sendable (ServedAnswer) -> Void)?

    public init(
        maxBodyBytes: Int = 1 << 20,
        errorBody: @escaping @Sendable (RequestFailure) -> JSONValue = ServerOptions.standardErrorBody,
        onInternalError: @escaping @Sendable (any Error, String) -> Void = { _, _ in }
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.errorBody = errorBody
        self.onInternalError = onInternalError
    }

    /// `{"error": "invalid_request", "message": "…", "violations": [{"in": "body", "path": "/claims", "message": "…"}]}`
    public static let standardErrorBody: @Sendable (RequestFailure) -> JSONValue = { failure in
        var members: [String: JSONValue] = ["error": .string(failure.kind.rawValue), "message": .string(failure.message)]
        if !failure.violations.isEmpty { members["violations"] = .array(failure.violations.map(\.jsonValue)) }
        return .object(members)
    }
}

/// Media types a request body may arrive in.
public enum RequestContentType: Sendable {
    case json
    case form

    var mediaType: String {
        switch self {
        case .json: "application/json"
        case .form: "application/x-www-form-urlencoded"
        }
    }
}

/// A request as generated routes read it: parameters and body, decoded with every problem collected.
public struct IncomingRequest: Sendable {
    public let head: HTTPRequest
    public let credentials: BearerCredentials?
    let bodyBytes: [UInt8]
    let pathParameters: [String: Substring]
    let query: [String: JSONValue]
    let operationID: String
    let formLimits: FormLimits
    var coercesJSONScalars = false

    public func path<T: JSONDecodable>(_ name: String, as type: T.Type, violations: inout Violations) -> T? {
        violations.location = .path
        violations.valuesAreText = true
        let text: String
        do {
            text = try FormEncoding.decode(component: pathParameters[name] ?? "")
        } catch {
            violations.report(error.description, at: JSONPath.root.appending(name))
            return nil
        }
        return T(json: .string(text), at: JSONPath.root.appending(name), violations: &violations)
    }

    public func query<T: JSONDecodable>(_ name: String, as type: T.Type, required: Bool, violations: inout Violations) -> T? {
        violations.location = .query
        violations.valuesAreText = true
        return required
            ? violations.required(type, name, in: query, at: .root) : violations.optional(type, name, in: query, at: .root)
    }

    /// The query parameters that `declared` (the endpoint's other query parameters) does not name, as one
    /// object: the value of a `{string: T}` query parameter; nil when there are none and it is optional.
    public func queryRest<T: JSONDecodable>(_ declared: [String], as type: T.Type, required: Bool, violations: inout Violations) -> T? {
        violations.location = .query
        violations.valuesAreText = true
        let rest = query.filter { !declared.contains($0.key) }
        if rest.isEmpty, !required { return nil }
        return T(json: .object(rest), at: .root, violations: &violations)
    }

    public func header<T: JSONDecodable>(_ name: String, as type: T.Type, required: Bool, violations: inout Violations) -> T? {
        violations.location = .header
        violations.valuesAreText = true
        var headers: [String: JSONValue] = [:]
        if let field = HTTPField.Name(name), let value = head.headerFields[field] { headers[name] = .string(value) }
        return required
            ? violations.required(type, name, in: headers, at: .root) : violations.optional(type, name, in: headers, at: .root)
    }

    /// The body decoded and validated; nil after reporting what is wrong with it.
    public func body<T: JSONDecodable & Validatable>(
        _ type: T.Type, accepting contentTypes: [RequestContentType], violations: inout Violations
    ) throws(RequestFailure) -> T? {
        violations.location = .body
        violations.direction = .request
        let contentType = try negotiate(contentTypes)
        violations.valuesAreText = contentType == .form
        violations.coercesScalars = coercesJSONScalars && contentType == .json
        let json: JSONValue
        if bodyBytes.isEmpty, contentType == .json {
            violations.report("a request body is required", at: .root)
            return nil
        }
        switch contentType {
        case .form:
            // An empty form is a form with no fields; the structure's own rules say what is missing.
            do {
                json = try FormEncoding.object(fromBytes: bodyBytes, limits: formLimits)
            } catch {
                violations.report(error.description, at: .root)
                return nil
            }
        case .json:
            do {
                json = try JSONValue(parsing: bodyBytes)
            } catch {
                violations.report(error.description, at: .root)
                return nil
            }
        }
        guard let value = T(json: json, at: .root, violations: &violations) else { return nil }
        value.validate(at: .root, violations: &violations)
        return value
    }

    private func negotiate(_ accepted: [RequestContentType]) throws(RequestFailure) -> RequestContentType {
        let header = head.headerFields[.contentType] ?? ""
        let mediaType = header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if mediaType.isEmpty, let first = accepted.first { return first }
        if let match = accepted.first(where: { $0.mediaType == mediaType }) { return match }
        if mediaType.hasSuffix("+json"), accepted.contains(.json) { return .json }
        throw RequestFailure(
            kind: .unsupportedMediaType,
            message: "Content-Type \(mediaType) is not accepted; send \(accepted.map(\.mediaType).joined(separator: " or "))",
            operationID: operationID)
    }
}

/// An answer a route gave, as ``ServerOptions/onAnswer`` sees it.
public struct ServedAnswer: Sendable {
    public var operationID: String
    public var response: OutgoingResponse
    /// From the route's start (the request's head read) to the answer, the body's arrival included.
    public var duration: Duration

    public var status: Int {
        switch response {
        case .json(let status, _), .empty(let status): status
        }
    }

    /// The JSON body, if the answer has one.
    public var body: JSONValue? {
        if case .json(_, let body) = response { body } else { nil }
    }
}

/// What a generated route answers with.
public enum OutgoingResponse: Sendable {
    case json(status: Int, JSONValue)
    case empty(status: Int)

    public static func json(_ status: Int, _ value: some JSONEncodable) -> OutgoingResponse {
        .json(status: status, MessageDirection.$encoding.withValue(.response) { value.jsonValue })
    }
}

/// The part of every route that is the same: read the body, check credentials, turn failures into answers.
public enum ServerRoute {
    public static func handle(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        requiresCredentials: Bool, options: ServerOptions,
        _ route: @Sendable (IncomingRequest) async throws -> OutgoingResponse
    ) async -> (HTTPResponse, HTTPBody?) {
        let start = ContinuousClock.now
        let response = await answer(
            request, body: body, metadata: metadata, operationID: operationID, requiresCredentials: requiresCredentials,
            options: options, route)
        if let onAnswer = options.onAnswer {
            onAnswer(ServedAnswer(operationID: operationID, response: response, duration: ContinuousClock.now - start))
        }
        return render(response)
    }

    private static func answer(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        requiresCredentials: Bool, options: ServerOptions,
        _ route: @Sendable (IncomingRequest) async throws -> OutgoingResponse
    ) async -> OutgoingResponse {
        do {
            let incoming = try await incomingRequest(
                request, body: body, metadata: metadata, operationID: operationID, requiresCredentials: requiresCredentials,
                options: options)
            return try await route(incoming)
        } catch let failure as RequestFailure {
            return .json(status: failure.status, options.errorBody(failure))
        } catch let error as any HTTPStatusError {
            return .json(status: error.status, error.jsonBody)
        } catch {
            options.onInternalError(error, operationID)
            if let answer = options.unexpectedErrorAnswer(error, operationID) { return .json(status: answer.status, answer.body) }
            let failure = RequestFailure(kind: .internalError, message: "The server failed to handle the request.", operationID: operationID)
            return .json(status: 500, options.errorBody(failure))
        }
    }

    /// The answer for a request whose parameters or body have violations.
    public static func invalid(_ violations: Violations, operationID: String) -> RequestFailure {
        let count = violations.count
        let listed = violations.list.count < count ? " The first \(violations.list.count) are listed." : ""
        return RequestFailure(
            kind: .invalidRequest, message: "The request has \(count) problem\(count == 1 ? "" : "s").\(listed)",
            violations: violations.list, operationID: operationID)
    }

    private static func incomingRequest(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        requiresCredentials: Bool, options: ServerOptions
    ) async throws -> IncomingRequest {
        let credentials = bearerCredentials(request.headerFields[.authorization])
        if requiresCredentials, credentials == nil {
            throw RequestFailure(
                kind: .unauthorized, message: "The Authorization header is missing or is not a Bearer token.",
                operationID: operationID)
        }
        let limit = options.maxBodyBytesByOperation[operationID] ?? options.maxBodyBytes
        let tooLarge = RequestFailure(
            kind: .payloadTooLarge, message: "The request body is larger than \(limit) bytes.", operationID: operationID)
        // A declared length over the cap is refused before a byte of the body is read (or a 100-continue sent).
        if let declared = request.headerFields[.contentLength].flatMap({ Int($0) }), declared > limit { throw tooLarge }
        var query: [String: JSONValue] = [:]
        if let path = request.path, let mark = path.firstIndex(of: "?") {
            do {
                if case .object(let members) = try FormEncoding.object(from: path[path.index(after: mark)...], limits: options.formLimits) {
                    query = members
                }
            } catch {
                throw RequestFailure(
                    kind: .invalidRequest, message: "The query string is malformed.",
                    violations: [Violation(location: .query, path: error.name ?? "", message: error.description)], operationID: operationID)
            }
        }
        let bytes = try await collect(body, limit: limit, timeout: options.bodyTimeout, tooLarge: tooLarge, operationID: operationID)
        return IncomingRequest(
            head: request, credentials: credentials, bodyBytes: bytes, pathParameters: metadata.pathParameters, query: query,
            operationID: operationID, formLimits: options.formLimits, coercesJSONScalars: options.coercesJSONScalars)
    }

    /// The body, up to `limit` bytes, within `timeout`: a client sending slowly does not hold a handler forever.
    /// The reading runs in a task of its own that the process-wide ``DeadlineWatch`` cancels when overdue.
    private static func collect(
        _ body: HTTPBody?, limit: Int, timeout: Duration, tooLarge: RequestFailure, operationID: String
    ) async throws -> [UInt8] {
        guard let body, body.length != .known(0) else { return [] }
        let reader = Task {
            var bytes: [UInt8] = []
            for try await chunk in body {
                guard bytes.count + chunk.count <= limit else { throw tooLarge }
                bytes.append(contentsOf: chunk)
            }
            return bytes
        }
        let expired = ExpiryFlag()
        let watch = DeadlineWatch.shared.watch(for: timeout) {
            expired.fire()
            reader.cancel()
        }
        defer { DeadlineWatch.shared.forget(watch) }
        do {
            return try await withTaskCancellationHandler { try await reader.value } onCancel: { reader.cancel() }
        } catch where expired.fired {
            throw RequestFailure(kind: .requestTimeout, message: "The request body did not arrive within \(timeout).", operationID: operationID)
        }
    }

    /// The token of an `Authorization: Bearer …` header; nil for any other header.
    public static func bearerCredentials(_ header: String?) -> BearerCredentials? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : BearerCredentials(token: token)
    }

    private static func render(_ response: OutgoingResponse) -> (HTTPResponse, HTTPBody?) {
        switch response {
        case .empty(let status):
            return (HTTPResponse(status: .init(code: status)), nil)
        case .json(let status, let value):
            let bytes = value.serialized()
            var head = HTTPResponse(status: .init(code: status))
            head.headerFields[.contentType] = "application/json"
            return (head, HTTPBody(bytes))
        }
    }
}
