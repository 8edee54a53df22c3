import PodiumText

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One directive as written: its name, its arguments after unquoting, and where it came from.
public struct ConfDirective: Hashable, Sendable {
    /// Where a directive was written, for error messages and warnings.
    public enum Source: Hashable, Sendable {
        /// A configuration file (as named by the user; `stdin` for `-`) and a 1-based line number.
        case file(String, line: Int)
        /// The command line, with the 1-based index of the `--name` argument.
        case commandLine(argument: Int)
    }

    /// The directive name as written (case preserved; lookups ignore case).
    public var name: String
    /// The arguments after the name, unquoted.
    public var arguments: [String]
    /// Where it was written.
    public var source: Source
    /// The text shown after `>>>` in errors: the trimmed file line, or the line rebuilt from argv.
    public var text: String

    public init(name: String, arguments: [String], source: Source, text: String) {
        self.name = name
        self.arguments = arguments
        self.source = source
        self.text = text
    }

    /// `file:line` or `command line argument N`, for warnings.
    public var location: String {
        switch source {
        case .file(let file, let line): return "\(file):\(line)"
        case .commandLine(let argument): return "command line argument \(argument)"
        }
    }

    /// Wraps a reason into the fatal error block for this directive's location.
    func error(_ reason: String) -> ConfigError {
        switch source {
        case .file(let file, let line): return .fileLine(file: file, line: line, text: text, reason: reason)
        case .commandLine(let argument): return .commandLine(argument: argument, text: text, reason: reason)
        }
    }
}

/// Reads redis.conf-format text into directives.
///
/// The grammar, as redis-server 7 reads it:
/// - One directive per line; each line is trimmed of spaces, tabs, `\r` and `\n` first, so CRLF files work.
/// - Blank lines and lines whose first non-blank character is `#` are skipped. There are no trailing comments:
///   `port 6379 # main` is `port` with three arguments, and fails.
/// - Arguments are split by `ArgumentSplitter` (double and single quotes, escapes).
/// - `include <path>` reads another file at that point, so its directives override earlier lines and are
///   overridden by later ones. A relative path is relative to the current working directory, as in Redis. Redis
///   recurses without a guard; Podium reports a file that includes itself (directly or not) at the `include` line.
///
/// Directive names are not checked here; `PodiumConfiguration` does that while applying them, so errors come out
/// in line order whatever their kind.
public struct ConfFileParser {
    /// Reads a file's text by path; throws `ConfigError.unreadableFile`. Injected so tests need no disk.
    public typealias FileReader = (String) throws(ConfigError) -> String

    /// How `include` reads files.
    public var readFile: FileReader
    /// How deep includes may nest before the parser gives up (a guard besides the cycle check, for paths that
    /// differ in spelling but not in content).
    public var maximumIncludeDepth = 16

    /// Creates a parser; by default includes are read from disk.
    public init(readFile: @escaping FileReader = ConfFileParser.readFromDisk) {
        self.readFile = readFile
    }

    /// Calls `body` with each directive of `contents` in order, expanding `include` lines in place. Stops at the
    /// first error, from the syntax or from `body`.
    public func forEachDirective(
        in contents: String, fileName: String, _ body: (ConfDirective) throws(ConfigError) -> Void
    ) throws(ConfigError) {
        try walk(contents, fileName: fileName, includeStack: [Self.identity(of: fileName)], body)
    }

    /// All directives of `contents`, includes expanded.
    public func parse(_ contents: String, fileName: String) throws(ConfigError) -> [ConfDirective] {
        var directives: [ConfDirective] = []
        try forEachDirective(in: contents, fileName: fileName) { directives.append($0) }
        return directives
    }

    private func walk(
        _ contents: String, fileName: String, includeStack: [String],
        _ body: (ConfDirective) throws(ConfigError) -> Void
    ) throws(ConfigError) {
        var lineNumber = 0
        // Split on scalars, not Characters: "\r\n" is a single Character and would hide the line break.
        for rawLine in contents.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Self.trim(rawLine)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let source = ConfDirective.Source.file(fileName, line: lineNumber)
            guard let words = ArgumentSplitter.split(line) else {
                throw ConfigError.fileLine(
                    file: fileName, line: lineNumber, text: line, reason: ConfigReason.unbalancedQuotes)
            }
            guard let name = words.first else { continue }
            let directive = ConfDirective(name: name, arguments: Array(words.dropFirst()), source: source, text: line)

            if name.lowercased() == "include", directive.arguments.count == 1 {
                let path = directive.arguments[0]
                let identity = Self.identity(of: path)
                if includeStack.contains(identity) {
                    throw directive.error("include recursion: '\(path)' is already being read")
                }
                guard includeStack.count < maximumIncludeDepth else {
                    throw directive.error("includes nested more than \(maximumIncludeDepth) deep")
                }
                let included = try readFile(path)
                try walk(included, fileName: path, includeStack: includeStack + [identity], body)
                continue
            }
            try body(directive)
        }
    }

    /// Trims what Redis' `sdstrim(line, " \t\r\n")` trims.
    static func trim(_ line: Substring.UnicodeScalarView) -> String {
        let isTrimmed: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        var slice = line[...]
        while let first = slice.first, isTrimmed(first) { slice.removeFirst() }
        while let last = slice.last, isTrimmed(last) { slice.removeLast() }
        return String(Substring(slice))
    }

    /// What identifies a file for the include-cycle check: its resolved absolute path when it exists, else the name
    /// as given (test contents, `stdin`).
    static func identity(of path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    // MARK: - Reading files

    /// Reads a whole file, or standard input for `-`. Errors use redis-server's wording:
    /// `Fatal error, can't open config file '<path>': <strerror>`.
    public static func readFromDisk(_ path: String) throws(ConfigError) -> String {
        if path == "-" { return readStandardInput() }
        guard let file = fopen(path, "r") else {
            throw ConfigError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { bytes.append(contentsOf: buffer[..<count]) }
            if count < buffer.count {
                if ferror(file) != 0 {
                    throw ConfigError.unreadable(file: path, reason: String(cString: strerror(errno)))
                }
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads standard input to the end (`podium-server -` reads its configuration from stdin, like redis-server).
    static func readStandardInput() -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
