/// An error from reading configuration: a bad directive in a file or on the command line, an unreadable file,
/// or a rejected `CONFIG SET`.
///
/// `message` is the complete text to show, already in Redis' wording, so callers never reassemble it:
/// - load errors (`kind == .file` or `.commandLine`) carry Redis' multi-line fatal block, which the executable
///   prints to stderr before exiting:
///   ```
///   *** FATAL CONFIG FILE ERROR (Podium) ***
///   Reading the configuration file podium.conf, at line 2
///   >>> 'port "abc"'
///   argument couldn't be parsed into an integer
///   ```
/// - `CONFIG SET` errors (`kind == .configSet`) carry the exact error reply redis-server 7 sends, including the
///   `ERR` prefix, e.g. `ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config`.
///   The command layer writes it as a RESP error (`-` + message) as is.
///
/// `reason` is the last line alone ("argument couldn't be parsed into an integer"), for logs and tests.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the error came from; decides how `message` is laid out.
    public enum Kind: Hashable, Sendable {
        /// A configuration file (or an included one, or stdin) could not be read.
        case unreadableFile
        /// A line of a configuration file was rejected.
        case file
        /// A `--directive` on the command line was rejected.
        case commandLine
        /// `CONFIG SET` was rejected; `message` is the reply text.
        case configSet
    }

    /// Where the error came from.
    public let kind: Kind
    /// The complete text to show (see the type's documentation).
    public let message: String
    /// The bare reason, without location or prefix.
    public let reason: String
    /// The file (as named by the user, `stdin` for `-`) for `.file` and `.unreadableFile` errors.
    public let file: String?
    /// The 1-based line number for `.file` errors; the 1-based argument index for `.commandLine` errors.
    public let line: Int?
    /// The offending line (trimmed) or the directive rebuilt from the command line.
    public let lineText: String?

    /// Creates an error with every field given; prefer the static factories, which lay out `message`.
    public init(kind: Kind, message: String, reason: String, file: String?, line: Int?, lineText: String?) {
        self.kind = kind
        self.message = message
        self.reason = reason
        self.file = file
        self.line = line
        self.lineText = lineText
    }

    public var description: String { message }

    // MARK: - Factories

    /// The banner line Redis prints first; the version is replaced by the server name.
    static let banner = "*** FATAL CONFIG FILE ERROR (Podium) ***"

    /// A rejected configuration-file line, laid out like Redis' `loadServerConfigFromString` error block, with the
    /// file name added so included files can be told apart.
    static func fileLine(file: String, line: Int, text: String, reason: String) -> ConfigError {
        ConfigError(
            kind: .file,
            message: "\(banner)\nReading the configuration file \(file), at line \(line)\n>>> '\(text)'\n\(reason)",
            reason: reason, file: file, line: line, lineText: text)
    }

    /// A rejected command-line directive. Redis appends argv to the file text and reports a line number past the end
    /// of the file; naming the argument is clearer and keeps the rest of the block identical.
    static func commandLine(argument: Int, text: String, reason: String) -> ConfigError {
        ConfigError(
            kind: .commandLine,
            message: "\(banner)\nReading the command line, at argument \(argument)\n>>> '\(text)'\n\(reason)",
            reason: reason, file: nil, line: argument, lineText: text)
    }

    /// A file that could not be opened or read, in redis-server's wording.
    static func unreadable(file: String, reason: String) -> ConfigError {
        ConfigError(
            kind: .unreadableFile,
            message: "Fatal error, can't open config file '\(file)': \(reason)",
            reason: reason, file: file, line: nil, lineText: nil)
    }

    /// `ERR Unknown option or number of arguments for CONFIG SET - '<name>'` (name as the client spelled it).
    static func unknownSetOption(_ name: String) -> ConfigError {
        let message = "ERR Unknown option or number of arguments for CONFIG SET - '\(name)'"
        return ConfigError(kind: .configSet, message: message, reason: message, file: nil, line: nil, lineText: nil)
    }

    /// `ERR CONFIG SET failed (possibly related to argument '<name>') - <reason>` (name as the client spelled it).
    static func setFailed(_ name: String, reason: String) -> ConfigError {
        ConfigError(
            kind: .configSet,
            message: "ERR CONFIG SET failed (possibly related to argument '\(name)') - \(reason)",
            reason: reason, file: nil, line: nil, lineText: nil)
    }
}

/// A value was rejected by its directive's type; carries only Redis' reason text. The caller adds the location
/// (file line, argument, or CONFIG SET name) when turning it into a `ConfigError`.
struct ConfigValueError: Error, Equatable {
    let reason: String

    init(_ reason: String) { self.reason = reason }

    /// Reason texts shared by several types, verbatim from redis-server 7.
    static let notAnInteger = ConfigValueError("argument couldn't be parsed into an integer")
    static let notAMemoryValue = ConfigValueError("argument must be a memory value")
    static let notABool = ConfigValueError("argument must be 'yes' or 'no'")
    static let wrongArgumentCount = ConfigValueError("wrong number of arguments")

    static func outOfRange(_ min: Int, _ max: Int) -> ConfigValueError {
        ConfigValueError("argument must be between \(min) and \(max) inclusive")
    }
}

/// Reason texts used outside a single value's validation.
enum ConfigReason {
    static let badDirective = "Bad directive or wrong number of arguments"
    static let unbalancedQuotes = "Unbalanced quotes in configuration line"
    static let immutable = "can't set immutable config"
    static let protected = "can't set protected config"
    static let duplicate = "duplicate parameter"
}
