import PodiumText

/// The manifest of an AOF directory (Redis 7 / Valkey layout, `appendonlydir/appendonly.aof.manifest`): which
/// files make up the data set, in order. One line per file, `file <name> seq <n> type <b|h|i>`:
///
/// ```
/// file appendonly.aof.2.base.aof seq 2 type b
/// file appendonly.aof.3.incr.aof seq 3 type h
/// file appendonly.aof.4.incr.aof seq 4 type i
/// ```
///
/// - the **base** (at most one, first): the data set as of the last rewrite;
/// - **incremental** files: every write since, in order (more than one while a rewrite runs, or after one failed);
/// - **history** files: the previous base and incrementals after a rewrite, deleted right after.
///
/// Loading reads the base and then the incrementals. Parsing follows Valkey's `aofLoadManifestFromFile`, error
/// texts included, so a manifest either server wrote reads here and the reverse.
public struct AOFManifest: Equatable, Sendable {
    public enum FileType: Character, Sendable {
        case base = "b"
        case history = "h"
        case incremental = "i"
    }

    public struct File: Equatable, Sendable {
        public var name: String
        public var sequence: Int
        public var type: FileType
    }

    public var base: File?
    public var history: [File] = []
    public var incrementals: [File] = []
    /// The highest sequence numbers given out, so new names never repeat one.
    public var baseSequence = 0
    public var incrementalSequence = 0

    public init() {}

    /// A damaged manifest, with Valkey's texts ("Invalid AOF manifest file format", ...).
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let line: Int
        public let text: String
        public let reason: String
        public var description: String {
            line > 0 ? "reading the manifest file, at line \(line) ('\(text)'): \(reason)" : reason
        }
    }

    /// The longest line Valkey reads (`MANIFEST_MAX_LINE`).
    static let maxLine = 1024

    /// Reads a manifest file's contents.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> AOFManifest {
        var manifest = AOFManifest()
        var lineNumber = 0
        var maxIncremental = 0
        var start = 0
        if bytes.isEmpty { throw ParseError(line: 0, text: "", reason: "Found an empty AOF manifest") }
        while start < bytes.count {
            lineNumber += 1
            let newline = bytes[start...].firstIndex(of: 0x0A)
            if bytes[start] == UInt8(ascii: "#") {
                start = (newline ?? bytes.count - 1) + 1
                continue
            }
            // Every line ends with a newline within the limit (a last line without one is "too long" to Valkey).
            guard let newline, newline - start <= maxLine else {
                let text = String(decoding: bytes[start..<min(bytes.count, start + maxLine)], as: UTF8.self)
                throw ParseError(line: lineNumber, text: text, reason: "The AOF manifest file contains too long line")
            }
            defer { start = newline + 1 }
            let text = String(decoding: bytes[start..<newline], as: UTF8.self)
                .trimmingCharacters(in: " \t\r\n")
            guard !text.isEmpty, let words = ArgumentSplitter.split(text), words.count >= 6, words.count % 2 == 0 else {
                throw ParseError(line: lineNumber, text: text, reason: "Invalid AOF manifest file format")
            }
            var name: String?
            var sequence = 0
            var type: Character?
            for i in stride(from: 0, to: words.count, by: 2) {
                switch words[i].lowercased() {
                case "file":
                    name = words[i + 1]
                    if words[i + 1].contains("/") {
                        throw ParseError(line: lineNumber, text: text, reason: "File can't be a path, just a filename")
                    }
                case "seq": sequence = Self.atoll(words[i + 1])
                case "type": type = words[i + 1].first
                default: break  // Valkey ignores unknown keys, for forward compatibility
                }
            }
            guard let name, !name.isEmpty, sequence != 0, let type else {
                throw ParseError(line: lineNumber, text: text, reason: "Invalid AOF manifest file format")
            }
            switch FileType(rawValue: type) {
            case .base:
                if manifest.base != nil {
                    throw ParseError(line: lineNumber, text: text, reason: "Found duplicate base file information")
                }
                manifest.base = File(name: name, sequence: sequence, type: .base)
                manifest.baseSequence = sequence
            case .history:
                manifest.history.append(File(name: name, sequence: sequence, type: .history))
            case .incremental:
                if sequence <= maxIncremental {
                    throw ParseError(line: lineNumber, text: text, reason: "Found a non-monotonic sequence number")
                }
                manifest.incrementals.append(File(name: name, sequence: sequence, type: .incremental))
                manifest.incrementalSequence = sequence
                maxIncremental = sequence
            case nil:
                throw ParseError(line: lineNumber, text: text, reason: "Unknown AOF file type")
            }
        }
        if lineNumber == 0 { throw ParseError(line: 0, text: "", reason: "Found an empty AOF manifest") }
        return manifest
    }

    /// The manifest's text: the base first, then history, then incremental files (Valkey's
    /// `getAofManifestAsString`).
    public func render() -> [UInt8] {
        var out = ""
        for file in [base].compactMap({ $0 }) + history + incrementals {
            let name =
                file.name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x27 && $0 != 0x5C })
                ? file.name : ArgumentSplitter.quote(file.name)
            out += "file \(name) seq \(file.sequence) type \(file.type.rawValue)\n"
        }
        return Array(out.utf8)
    }

    /// True when the manifest names no data file.
    public var isEmpty: Bool { base == nil && incrementals.isEmpty }

    /// The files to load, in order: the base, then the incremental files.
    public var filesToLoad: [File] { [base].compactMap { $0 } + incrementals }

    // MARK: - Naming (Valkey's rules: `<appendfilename>.<seq>.base.aof`, `<appendfilename>.<seq>.incr.aof`)

    /// Makes a new base file (`suffix`: `aof`, or `rdb` for an RDB base); the old one becomes history. Returns its name.
    public mutating func newBase(prefix: String, suffix: String = "aof") -> String {
        if var old = base {
            old.type = .history
            history.insert(old, at: 0)
        }
        baseSequence += 1
        let name = "\(prefix).\(baseSequence).base.\(suffix)"
        base = File(name: name, sequence: baseSequence, type: .base)
        return name
    }

    /// Adds a new incremental file at the end. Returns its name.
    @discardableResult
    public mutating func newIncremental(prefix: String) -> String {
        incrementalSequence += 1
        let name = "\(prefix).\(incrementalSequence).incr.aof"
        incrementals.append(File(name: name, sequence: incrementalSequence, type: .incremental))
        return name
    }

    /// After a rewrite: every incremental file before the last `keepingLast` becomes history (their writes are in
    /// the new base).
    public mutating func markRewrittenIncrementalsAsHistory(keepingLast: Int) {
        let rewritten = incrementals.count - keepingLast
        guard rewritten > 0 else { return }
        for var file in incrementals.prefix(rewritten).reversed() {
            file.type = .history
            history.insert(file, at: 0)
        }
        incrementals.removeFirst(rewritten)
    }

    /// C's `atoll`: leading blanks, an optional sign, digits; 0 when there are none.
    static func atoll(_ text: String) -> Int {
        var bytes = Substring(text).utf8.drop { $0 == 0x20 || $0 == 0x09 }
        var negative = false
        if let c = bytes.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            negative = c == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var n = 0
        for c in bytes {
            guard c >= 0x30 && c <= 0x39 else { break }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(c - 0x30))
            if o1 || o2 { return negative ? Int.min : Int.max }
            n = a
        }
        return negative ? -n : n
    }
}

extension String {
    /// The string without leading and trailing characters from `set` (no Foundation in this target).
    func trimmingCharacters(in set: String) -> String {
        let drop = Set(set.unicodeScalars)
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, drop.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, drop.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
