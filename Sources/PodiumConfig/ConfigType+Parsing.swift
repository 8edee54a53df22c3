#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Parsing and rendering values
//
// One `parse` for every way a value arrives (file line, `--directive`, CONFIG SET), so the three paths accept and
// reject exactly the same inputs, with redis-server 7's reason texts.

extension ConfigType {
    /// Validates `arguments` (already split for multi-argument types) and returns the value to store.
    ///
    /// - Parameters:
    ///   - current: the value before this directive, for types that update part of it
    ///     (`client-output-buffer-limit` changes only the classes it names).
    ///   - accumulate: `true` when an earlier directive of the same load already set this one; `save` lines then
    ///     add up instead of replacing, as in Redis (`save 900 1` in the file plus `--save 60 10` gives
    ///     `900 1 60 10`).
    func parse(_ arguments: [String], current: ConfigValue, accumulate: Bool) throws(ConfigValueError) -> ConfigValue {
        if !takesMultipleArguments, arguments.count != 1 { throw .wrongArgumentCount }
        switch self {
        case .bool:
            switch arguments[0].lowercased() {
            case "yes": return .bool(true)
            case "no": return .bool(false)
            default: throw .notABool
            }

        case .integer(let min, let max):
            guard let value = NumberParsing.integer(arguments[0]) else { throw .notAnInteger }
            guard value >= min, value <= max else { throw .outOfRange(min, max) }
            return .integer(value)

        case .memory(let min, let max):
            switch NumberParsing.memory(arguments[0]) {
            case .invalid: throw .notAMemoryValue
            case .tooLarge: throw .outOfRange(min, max)
            case .bytes(let value):
                guard value >= min, value <= max else { throw .outOfRange(min, max) }
                return .integer(value)
            }

        case .enumeration(let allowed):
            let lowered = arguments[0].lowercased()
            guard allowed.contains(lowered) else {
                throw ConfigValueError(
                    "argument(s) must be one of the following: \(allowed.joined(separator: ", "))")
            }
            return .string(lowered)

        case .string:
            return .string(arguments[0])

        case .baseName(let name, let noun):
            let value = arguments[0]
            if value.isEmpty { throw ConfigValueError("\(name) can't be empty") }
            if value.contains("/") || value.contains("\\") {
                throw ConfigValueError("\(name) can't be a path, just a \(noun)")
            }
            return .string(value)

        case .directory:
            try Self.checkDirectory(arguments[0])
            return .string(arguments[0])

        case .bindAddresses:
            // `bind ""` (one empty argument) means no addresses, like an empty CONFIG SET value.
            let addresses = arguments == [""] ? [] : arguments
            guard addresses.count <= 16 else { throw ConfigValueError("Too many bind addresses specified.") }
            return .list(addresses)

        case .saveParameters:
            return .list(try Self.parseSave(arguments, current: current, accumulate: accumulate))

        case .keyspaceEvents:
            guard let flags = KeyspaceEventFlags(classes: arguments[0]) else {
                throw ConfigValueError(KeyspaceEventFlags.invalidReason)
            }
            return .integer(flags.rawValue)

        case .clientOutputBufferLimits:
            return .list(try ClientOutputBufferLimits.parse(arguments, current: current).words)

        case .oomScoreAdjValues:
            guard arguments.count == 3 else { throw .wrongArgumentCount }
            var values: [String] = []
            for argument in arguments {
                guard let value = NumberParsing.integer(argument), (-2000...2000).contains(value) else {
                    throw ConfigValueError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
                }
                values.append(String(value))
            }
            return .list(values)

        case .percentiles:
            let values = arguments == [""] ? [] : arguments
            var rendered: [String] = []
            for argument in values {
                guard let value = Double(argument), !value.isNaN else {
                    throw ConfigValueError("Invalid latency-tracking-info-percentiles parameters")
                }
                guard value >= 0, value <= 100 else {
                    throw ConfigValueError(
                        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
                }
                rendered.append(NumberParsing.renderDecimal(value))
            }
            return .list(rendered)

        case .octal(let max):
            guard let value = NumberParsing.octal(arguments[0]) else {
                throw ConfigValueError("argument couldn't be parsed as an octal number")
            }
            guard value <= max else {
                throw ConfigValueError("argument must be between 0 and \(String(max, radix: 8)) inclusive")
            }
            return .integer(value)

        case .memoryOrPercent:
            let text = arguments[0]
            if text.hasSuffix("%") {
                guard let percent = NumberParsing.integer(String(text.dropLast())), percent >= 0 else {
                    throw ConfigValueError("argument must be a memory or percent value")
                }
                guard percent <= 100 else { throw ConfigValueError("percentage argument must be less or equal to 100") }
                return .string("\(percent)%")
            }
            guard case .bytes(let value) = NumberParsing.memory(text) else {
                throw ConfigValueError("argument must be a memory or percent value")
            }
            return .string(String(value))

        case .replicaOf:
            if arguments == [""] { return .list([]) }
            guard arguments.count == 2 else { throw .wrongArgumentCount }
            if arguments[0].lowercased() == "no", arguments[1].lowercased() == "one" { return .list([]) }
            guard let port = NumberParsing.integer(arguments[1]), (0...65535).contains(port) else {
                throw ConfigValueError("Invalid master port")
            }
            return .list([arguments[0], String(port)])

        case .procTitleTemplate:
            guard Self.isValidProcTitleTemplate(arguments[0]) else {
                throw ConfigValueError("template format is invalid or contains unknown variables")
            }
            return .string(arguments[0])
        }
    }

    /// Renders a stored value the way CONFIG GET shows it: bools as `yes`/`no`, memory as plain bytes, lists
    /// space-joined, octal in octal, keyspace events canonically.
    func render(_ value: ConfigValue) -> String {
        switch (self, value) {
        case (.octal, .integer(let number)):
            return String(number, radix: 8)
        case (.keyspaceEvents, .integer(let raw)):
            return KeyspaceEventFlags(rawValue: raw).classes
        case (_, .bool(let flag)):
            return flag ? "yes" : "no"
        case (_, .integer(let number)):
            return String(number)
        case (_, .string(let text)):
            return text
        case (_, .list(let words)):
            return words.joined(separator: " ")
        }
    }

    // MARK: Helpers

    /// `save` rules: an even number of integers, seconds ≥ 1 and changes ≥ 0; a lone `""` clears.
    private static func parseSave(
        _ arguments: [String], current: ConfigValue, accumulate: Bool
    ) throws(ConfigValueError)
        -> [String]
    {
        let words = arguments == [""] ? [] : arguments
        guard words.count % 2 == 0 else { throw ConfigValueError("Invalid save parameters") }
        var normalized: [String] = []
        for (position, word) in words.enumerated() {
            guard let value = NumberParsing.integer(word), value >= (position % 2 == 0 ? 1 : 0) else {
                throw ConfigValueError("Invalid save parameters")
            }
            normalized.append(String(value))
        }
        if accumulate, !words.isEmpty, case .list(let existing) = current {
            return existing + normalized
        }
        return normalized
    }

    /// Checks that `path` names an existing directory; the reason is the system's error text, as in Redis (which
    /// reports `chdir`'s `strerror`).
    private static func checkDirectory(_ path: String) throws(ConfigValueError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConfigValueError(String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ConfigValueError(String(cString: strerror(ENOTDIR)))
        }
    }

    /// Variables redis-server 7 accepts in `proc-title-template`.
    private static let procTitleVariables: Set<String> = [
        "title", "listen-addr", "server-mode", "port", "tls-port", "unixsocket", "config-file",
    ]

    /// A template is non-empty, and every `{…}` names a known variable; `{{` and `}}` are literal braces.
    private static func isValidProcTitleTemplate(_ template: String) -> Bool {
        guard !template.isEmpty else { return false }
        var characters = template[...]
        while let character = characters.popFirst() {
            if character == "{" {
                if characters.first == "{" {
                    characters.removeFirst()
                    continue
                }
                guard let close = characters.firstIndex(of: "}") else { return false }
                guard procTitleVariables.contains(String(characters[..<close])) else { return false }
                characters = characters[characters.index(after: close)...]
            } else if character == "}" {
                guard characters.first == "}" else { return false }
                characters.removeFirst()
            }
        }
        return true
    }
}

// MARK: - client-output-buffer-limit

/// The limit for one class of client output buffers: disconnect at `hard` bytes, or after `softSeconds` seconds
/// continuously above `soft` bytes. Zero disables a limit.
public struct OutputBufferLimit: Hashable, Sendable {
    public var hard: Int
    public var soft: Int
    public var softSeconds: Int

    public init(hard: Int, soft: Int, softSeconds: Int) {
        self.hard = hard
        self.soft = soft
        self.softSeconds = softSeconds
    }
}

/// The client classes `client-output-buffer-limit` distinguishes.
public enum ClientClass: String, CaseIterable, Hashable, Sendable {
    case normal
    /// Written `replica` or `slave`; CONFIG GET prints `slave`, as redis-server 7.0 does.
    case replica
    case pubsub

    /// The word CONFIG GET uses.
    var renderedName: String { self == .replica ? "slave" : rawValue }
}

/// The three limits of `client-output-buffer-limit`, parsed from and rendered to the directive's words.
struct ClientOutputBufferLimits: Equatable {
    var limits: [ClientClass: OutputBufferLimit]

    /// Redis' compiled-in limits, used when a stored value is missing (never for the shipped table).
    static let fallback = ClientOutputBufferLimits(limits: [
        .normal: OutputBufferLimit(hard: 0, soft: 0, softSeconds: 0),
        .replica: OutputBufferLimit(hard: 256 << 20, soft: 64 << 20, softSeconds: 60),
        .pubsub: OutputBufferLimit(hard: 32 << 20, soft: 8 << 20, softSeconds: 60),
    ])

    /// Reads the stored words (`normal 0 0 0 slave … pubsub …`).
    init(words: [String]) {
        var limits = Self.fallback.limits
        var index = 0
        while index + 3 < words.count {
            if let clientClass = Self.clientClass(words[index]),
                let hard = Int(words[index + 1]), let soft = Int(words[index + 2]), let seconds = Int(words[index + 3])
            {
                limits[clientClass] = OutputBufferLimit(hard: hard, soft: soft, softSeconds: seconds)
            }
            index += 4
        }
        self.limits = limits
    }

    init(limits: [ClientClass: OutputBufferLimit]) { self.limits = limits }

    /// The stored (and rendered) words, in Redis' class order.
    var words: [String] {
        ClientClass.allCases.flatMap { clientClass -> [String] in
            let limit = limits[clientClass] ?? OutputBufferLimit(hard: 0, soft: 0, softSeconds: 0)
            return [clientClass.renderedName, String(limit.hard), String(limit.soft), String(limit.softSeconds)]
        }
    }

    static func clientClass(_ word: String) -> ClientClass? {
        switch word.lowercased() {
        case "normal": return .normal
        case "replica", "slave": return .replica
        case "pubsub": return .pubsub
        default: return nil
        }
    }

    /// Applies `<class> <hard> <soft> <soft-seconds>` groups on top of `current`, validating all groups first so a
    /// bad one changes nothing. Reason texts are redis-server 7's.
    static func parse(_ arguments: [String], current: ConfigValue) throws(ConfigValueError) -> ClientOutputBufferLimits
    {
        guard !arguments.isEmpty, arguments.count % 4 == 0 else {
            throw ConfigValueError("Wrong number of arguments in buffer limit configuration.")
        }
        var result: ClientOutputBufferLimits
        if case .list(let words) = current {
            result = ClientOutputBufferLimits(words: words)
        } else {
            result = .fallback
        }
        var index = 0
        while index < arguments.count {
            guard let clientClass = clientClass(arguments[index]) else {
                throw ConfigValueError("Invalid client class specified in buffer limit configuration.")
            }
            guard case .bytes(let hard) = NumberParsing.memory(arguments[index + 1]),
                case .bytes(let soft) = NumberParsing.memory(arguments[index + 2]),
                let seconds = NumberParsing.integer(arguments[index + 3]), seconds >= 0
            else {
                throw ConfigValueError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
            }
            result.limits[clientClass] = OutputBufferLimit(hard: hard, soft: soft, softSeconds: seconds)
            index += 4
        }
        return result
    }
}
