import Foundation
import NotesAPI
import NotesServer
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import OpenAPIURLSession
import ServiceLifecycle
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The generated client against the generated routes, over real HTTP on 127.0.0.1: each server
/// (Hummingbird, Vapor) with each client transport (URLSession, AsyncHTTPClient).
@Suite struct RoundTripTests {
    enum Framework: String, CaseIterable, Sendable {
        case hummingbird, vapor
    }

    enum Transport: String, CaseIterable, Sendable {
        case urlSession, asyncHTTPClient

        func make() -> any ClientTransport {
            switch self {
            case .urlSession: URLSessionTransport()
            case .asyncHTTPClient: AsyncHTTPClientTransport()
            }
        }
    }

    /// Runs `body` with the base URL of a fresh notes service on `framework`, on a port the system picks.
    static func withServer(_ framework: Framework, _ body: @Sendable (URL) async throws -> Void) async throws {
        switch framework {
        case .hummingbird:
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = try HummingbirdServer.application(serving: Notebook(), port: 0) { continuation.yield($0) }
            let services = ServiceGroup(configuration: .init(services: [app], logger: app.logger))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                do {
                    try await body(URL(string: "http://127.0.0.1:\(port)")!)
                } catch {
                    await services.triggerGracefulShutdown()
                    throw error
                }
                await services.triggerGracefulShutdown()
            }
        case .vapor:
            // Not the test runner's arguments: Vapor would read them as its own commands.
            let app = try await VaporServer.application(serving: Notebook(), port: 0, environment: .init(name: "testing", arguments: ["tests"]))
            do {
                try await app.startup()
                let port = try #require(app.http.server.shared.localAddress?.port)
                try await body(URL(string: "http://127.0.0.1:\(port)")!)
            } catch {
                try await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
        }
    }

    @Test(arguments: Framework.allCases, Transport.allCases)
    func notesRoundTrip(_ framework: Framework, _ transport: Transport) async throws {
        try await Self.withServer(framework) { url in
            let ada = Client(serverURL: url, transport: transport.make(), credentials: BearerCredentials(token: "ada"))
            let bob = Client(serverURL: url, transport: transport.make(), credentials: BearerCredentials(token: "bob"))

            guard case .created(let milk) = try await ada.createNote(.init(body: NewNote(text: "Buy milk", tags: ["home"]))) else {
                Issue.record("createNote did not answer 201")
                return
            }
            #expect(milk == Note(id: 1, text: "Buy milk", tags: ["home"], colour: .yellow))
            guard case .created(let call) = try await ada.createNote(.init(body: NewNote(text: "Call Bob", colour: .blue))) else {
                Issue.record("createNote did not answer 201")
                return
            }
            #expect(call.id == 2 && call.tags == [] && call.colour == .blue)

            #expect(try await ada.getNote(.init(path: .init(noteId: 1))) == .ok(milk))
            #expect(try await ada.listNotes(.init()) == .ok(NoteList(notes: [call, milk])))
            #expect(try await ada.listNotes(.init(query: .init(tag: "home", limit: 5))) == .ok(NoteList(notes: [milk])))
            // Notes are per user: bob sees none of ada's.
            #expect(try await bob.listNotes(.init()) == .ok(NoteList(notes: [])))
            #expect(try await bob.getNote(.init(path: .init(noteId: 1))) == .notFound(Problem(code: "no_such_note", message: "There is no note 1.")))

            // The service's own check, answered with the declared 400 body.
            #expect(try await ada.createNote(.init(body: NewNote(text: "   "))) == .badRequest(Problem(code: "blank_note", message: "The note has no text.")))

            #expect(try await ada.deleteNote(.init(path: .init(noteId: 1))) == .noContent)
            #expect(try await ada.getNote(.init(path: .init(noteId: 1))) == .notFound(Problem(code: "no_such_note", message: "There is no note 1.")))
        }
    }

    /// What the generated routes refuse before the service sees it: no token (401), a body that breaks the
    /// spec's rules (400 naming each field), a parameter out of range.
    @Test(arguments: Framework.allCases)
    func theGeneratedRoutesRefuseBadCalls(_ framework: Framework) async throws {
        try await Self.withServer(framework) { url in
            let anonymous = Client(serverURL: url, transport: URLSessionTransport())
            await #expect(throws: UnexpectedResponseError.self) { try await anonymous.listNotes(.init()) }

            var request = URLRequest(url: url.appendingPathComponent("notes"))
            request.httpMethod = "POST"
            request.setValue("Bearer ada", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"text": "", "tags": ["a", "a"], "colour": "GREEN"}"#.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 400)
            let answer = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let paths = (answer?["violations"] as? [[String: Any]])?.compactMap { $0["path"] as? String }
            #expect(paths == ["/text", "/tags/1", "/colour"])

            var limit = URLRequest(url: URL(string: url.absoluteString + "/notes?limit=500")!)
            limit.setValue("Bearer ada", forHTTPHeaderField: "Authorization")
            let (_, limitResponse) = try await URLSession.shared.data(for: limit)
            #expect((limitResponse as? HTTPURLResponse)?.statusCode == 400)
        }
    }

    /// The request body may be a form as well as JSON, as the spec says.
    @Test(arguments: Framework.allCases)
    func aFormBodyIsAcceptedToo(_ framework: Framework) async throws {
        try await Self.withServer(framework) { url in
            var request = URLRequest(url: url.appendingPathComponent("notes"))
            request.httpMethod = "POST"
            request.setValue("Bearer ada", forHTTPHeaderField: "Authorization")
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data("text=Water+plants&tags=garden&tags=home&colour=BLUE".utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 201)
            #expect(try Note(jsonData: Array(data), direction: .response) == Note(id: 1, text: "Water plants", tags: ["garden", "home"], colour: .blue))
        }
    }
}
