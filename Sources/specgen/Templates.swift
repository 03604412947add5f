import ArgumentParser
import Foundation
import SpecGen

struct Templates: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the built-in templates.",
        subcommands: [Export.self, List.self]
    )

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the built-in templates to a folder, to start your own from.",
            discussion: """
                Pass the folder to --templates afterwards: each file there replaces the built-in template of \
                the same name, and the rest stay built in, so you may delete the ones you do not change. \
                Files that already exist with other contents are kept unless --force is given.
                """
        )

        @Argument(help: "The folder to write to (created if needed).")
        var directory: String

        @Flag(name: .long, help: "Overwrite files that exist with other contents.")
        var force = false

        func run() throws {
            let (written, kept) = try BuiltinTemplates.export(to: directory, overwrite: force)
            for name in written { print("wrote \(directory)/\(name)") }
            for name in kept {
                FileHandle.standardError.write(Data("kept \(directory)/\(name): it differs from the built-in (--force overwrites)\n".utf8))
            }
            print("specgen: \(BuiltinTemplates.names.count) built-in templates; \(written.count) written, \(kept.count) kept")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built-in templates by name.")

        func run() {
            for name in BuiltinTemplates.names { print("\(name).mustache") }
        }
    }
}
