import ArgumentParser
import PodiumKeyspace
import PodiumRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `podium-check-rdb`: checks an RDB file (or an AOF base file with an RDB preamble) the way redis-check-rdb does,
/// every value decoded and validated and the checksum verified, and prints what it holds: the AUX fields, the
/// keys per database and type, TTLs, function libraries. Exit status 0 when the file is sound, 1 otherwise.
@main
struct PodiumCheckRDB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podium-check-rdb",
        abstract: "Check a Podium, Redis (RDB 1 to 11) or Valkey (up to 8, and 9's VALKEY080) RDB file.",
        discussion: """
            FILE is a dump.rdb, an ElastiCache backup exported to S3, or an AOF base file (*.base.rdb). Nothing is \
            changed: a damaged file is reported with the key being read and the reason.
            """)

    @Argument(help: "The RDB file to check.")
    var file: String

    mutating func run() throws {
        print("[info] Checking RDB file \(file)")
        guard let bytes = Self.read(file) else {
            print("--- RDB ERROR DETECTED ---")
            print("[fatal] Cannot open \(file): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        var version = 0
        do { version = try RDBFile.version(of: bytes) } catch {
            Self.fail(error, size: bytes.count)
        }
        print("[info] RDB version \(version), \(bytes.count) bytes")
        let now = Int64(time(nil)) * 1000
        var keys = 0
        var expires = 0
        var alreadyExpired = 0
        var functions = 0
        var perDatabase: [Int: [String: Int]] = [:]
        do {
            let summary = try RDBFile.read(bytes, limits: RDBLimits(), now: Int64.min) { item in
                switch item {
                case .aux(let name, let value):
                    print("AUX FIELD \(name) = '\(String(decoding: value, as: UTF8.self))'")
                case .selectDB(let db):
                    print("Selecting DB ID \(db)")
                case .resizeDB(let k, let e):
                    print("RESIZEDB: \(k) keys, \(e) with a TTL")
                case .function:
                    functions += 1
                case .key(let db, _, let value, let expireAt, _):
                    keys += 1
                    if let at = expireAt {
                        expires += 1
                        if at <= now { alreadyExpired += 1 }
                    }
                    perDatabase[db, default: [:]][Self.typeName(value), default: 0] += 1
                }
            }
            if version >= 5 {
                let stored = bytes[(summary.end - 8)..<summary.end].allSatisfy { $0 == 0 }
                print(stored ? "Checksum not computed (rdbchecksum no): not verified" : "Checksum OK")
            }
            if summary.end < bytes.count {
                print("[info] \(bytes.count - summary.end) bytes follow the RDB data (an AOF preamble's command tail)")
            }
        } catch {
            Self.fail(error, size: bytes.count)
        }
        print("\\o/ RDB looks OK! \\o/")
        print("[info] \(keys) keys read")
        print("[info] \(expires) expires")
        print("[info] \(alreadyExpired) already expired")
        print("[info] \(functions) function libraries")
        for db in perDatabase.keys.sorted() {
            let types = perDatabase[db]!.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            print("[info] db\(db): " + types.joined(separator: ", "))
        }
    }

    static func typeName(_ value: Value) -> String {
        switch value {
        case .integer, .string: "string"
        case .list: "list"
        case .set: "set"
        case .sortedSet: "zset"
        case .hash: "hash"
        }
    }

    static func fail(_ error: any Error, size: Int) -> Never {
        print("--- RDB ERROR DETECTED ---")
        print("[fatal] \(error)")
        print("[info] The file (\(size) bytes) is damaged or holds a type Podium cannot load.")
        Glibc.exit(1)
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        return ferror(f) == 0 ? bytes : nil
    }
}
