import NotesAPI

/// The notes service: the generated `APIProtocol`, filled in. Notes are kept in memory per user, the user
/// being whoever the bearer token names (a real service would verify the token).
public actor Notebook: APIProtocol {
    private var notes: [String: [Note]] = [:]
    private var lastID: Int64 = 0

    public init() {}

    private func user(_ credentials: BearerCredentials?) -> String { credentials?.token ?? "" }

    public func createNote(_ input: Operations.CreateNote.Input) async throws -> Operations.CreateNote.Output {
        // The spec checks the length; the service also refuses a note that is only spaces.
        guard input.body.text.contains(where: { !$0.isWhitespace }) else {
            return .badRequest(Problem(code: "blank_note", message: "The note has no text."))
        }
        lastID += 1
        let note = Note(id: lastID, text: input.body.text, tags: input.body.tags, colour: input.body.colour)
        notes[user(input.credentials), default: []].insert(note, at: 0)
        return .created(note)
    }

    public func getNote(_ input: Operations.GetNote.Input) async throws -> Operations.GetNote.Output {
        guard let note = notes[user(input.credentials)]?.first(where: { $0.id == input.path.noteId }) else {
            return .notFound(Problem(code: "no_such_note", message: "There is no note \(input.path.noteId)."))
        }
        return .ok(note)
    }

    public func listNotes(_ input: Operations.ListNotes.Input) async throws -> Operations.ListNotes.Output {
        let mine = notes[user(input.credentials)] ?? []
        let tagged = input.query.tag.isEmpty ? mine : mine.filter { $0.tags.contains(input.query.tag) }
        return .ok(NoteList(notes: Array(tagged.prefix(Int(input.query.limit)))))
    }

    public func deleteNote(_ input: Operations.DeleteNote.Input) async throws -> Operations.DeleteNote.Output {
        let owner = user(input.credentials)
        guard let index = notes[owner]?.firstIndex(where: { $0.id == input.path.noteId }) else {
            return .notFound(Problem(code: "no_such_note", message: "There is no note \(input.path.noteId)."))
        }
        notes[owner]?.remove(at: index)
        return .noContent
    }
}
