import Hummingbird
import NotesServer

// notes-server [hummingbird|vapor] [port]: the same service on either framework.
let arguments = CommandLine.arguments.dropFirst()
let framework = arguments.first ?? "hummingbird"
let port = arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
switch framework {
case "hummingbird":
    try await HummingbirdServer.application(serving: Notebook(), port: port) { port in print("notes on Hummingbird at http://127.0.0.1:\(port)") }
        .runService()
case "vapor":
    // Vapor reads its own arguments (serve, --hostname …) from the environment: none are passed on.
    let app = try await VaporServer.application(serving: Notebook(), port: port, environment: .init(name: "production", arguments: ["notes-server"]))
    try await app.execute()
    try await app.asyncShutdown()
default:
    print("usage: notes-server [hummingbird|vapor] [port]")
}
