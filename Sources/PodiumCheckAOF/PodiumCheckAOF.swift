import ArgumentParser
import PodiumPersistence

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `podium-check-aof`: checks an append-only file, or every file of an AOF directory's manifest, and with `--fix`
/// truncates a damaged last file to its last whole command (what redis-check-aof does). Exit status 0 when
/// everything is valid (or was fixed), 1 otherwise.
@main
struct PodiumCheckAOF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podium-check-aof",
        abstract: "Check (and repair) a Podium, Redis 7 or Valkey append-only file.",
        discussion: """
            PATH is an AOF file or an AOF manifest (appendonlydir/appendonly.aof.manifest), whose base and \
            incremental files are checked in order. Only the last file can be repaired: a crash cuts a log at its \
            end, damage anywhere else needs a backup.
            """)

    @Argument(help: "The .aof file or the .manifest file to check.")
    var path: String

    @Flag(help: "Truncate the last file to its last valid command (asks first, unless --yes).")
    var fix = false

    @Flag(name: .shortAndLong, help: "With --fix, do not ask.")
    var yes = false

    mutating func run() throws {
        let files: [String]
        do { files = try AOFCheck.files(of: path) } catch {
            print(error.message)
            throw ExitCode(1)
        }
        if files.isEmpty {
            print("The manifest \(path) names no file: nothing to check")
            return
        }
        if files.count > 1 || path.hasSuffix(".manifest") { print("Start checking Multi Part AOF") }
        for (i, file) in files.enumerated() {
            let isLast = i == files.count - 1
            let result: AOFCheckResult
            do { result = try AOFCheck.check(path: file) } catch {
                print("Cannot check \(file): \(error.reason)")
                throw ExitCode(1)
            }
            if result.isRDB {
                print("The AOF \(file) starts with an RDB preamble.")
                if result.validUpTo == 0, let problem = result.problem {
                    print("RDB preamble of AOF file is not sane, aborting: \(problem)")
                    throw ExitCode(1)
                }
                print("RDB preamble is OK (\(result.preambleKeys) keys), proceeding with AOF tail...")
            }
            print(
                "AOF analyzed: filename=\(file), size=\(result.size), ok_up_to=\(result.validUpTo), "
                    + "commands=\(result.commands), diff=\(result.size - result.validUpTo)")
            guard let problem = result.problem else {
                print("AOF \(file) is valid")
                continue
            }
            print("AOF \(file) is not valid: \(problem)")
            guard isLast else {
                print("Only the last file of an AOF can be repaired; restore \(file) from a backup.")
                throw ExitCode(1)
            }
            guard fix else {
                print("Use the --fix option to try fixing it.")
                throw ExitCode(1)
            }
            print(
                "This will shrink the AOF \(file) from \(result.size) bytes, with \(result.size - result.validUpTo) "
                    + "bytes, to \(result.validUpTo) bytes")
            if !yes {
                print("Continue? [y/N]: ", terminator: "")
                guard let answer = readLine(), answer.lowercased().hasPrefix("y") else {
                    print("Aborting...")
                    throw ExitCode(1)
                }
            }
            do { try FileIO.truncateFile(file, to: result.validUpTo) } catch {
                print("Failed to truncate AOF \(file): \(error.reason)")
                throw ExitCode(1)
            }
            print("Successfully truncated AOF \(file)")
        }
    }
}
