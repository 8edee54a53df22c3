import PodiumCommands
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// docs/commands.md is generated from the command table; this fails when someone changes the table without
/// running scripts/gen-docs.
@Suite struct CommandDocsTests {
    static func repositoryFile(_ relative: String) -> String {
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)  // Tests/PodiumCommandsTests/CommandDocsTests.swift
        return components.joined(separator: "/") + "/" + relative
    }

    static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func committedCommandsDocumentMatchesTheTable() throws {
        let committed = try #require(Self.read(Self.repositoryFile("docs/commands.md")))
        #expect(committed == CommandDocs.markdown(), "docs/commands.md is stale: run scripts/gen-docs")
    }

    @Test func everyCommandIsListed() {
        let doc = CommandDocs.markdown()
        for spec in CommandTable.shared.commands where spec.subcommandList.isEmpty {
            #expect(doc.contains("| `\(spec.name.uppercased())` |"), "\(spec.name) missing from docs")
        }
    }
}
