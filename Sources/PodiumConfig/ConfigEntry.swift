import PodiumText

/// A directive's current value, already validated and normalised by its `ConfigType`.
///
/// Four shapes are enough because the type, not the value, knows how to read and print it: memory sizes and
/// integers are both `.integer` (bytes for memory), enumerations are their canonical lowercase `.string`, and
/// multi-word values (`bind`, `save`, `client-output-buffer-limit`) are `.list` of canonical words.
public enum ConfigValue: Hashable, Sendable {
    case bool(Bool)
    case integer(Int)
    case string(String)
    case list([String])
}

/// How a directive's arguments are validated, stored and rendered. Each case names the Redis type it mirrors and
/// the error text redis-server 7 gives for a bad value.
public enum ConfigType: Hashable, Sendable {
    /// `yes` / `no`, case-insensitive. Error: "argument must be 'yes' or 'no'".
    case bool
    /// A strict decimal integer within the range. Errors: "argument couldn't be parsed into an integer",
    /// "argument must be between <min> and <max> inclusive".
    case integer(min: Int, max: Int)
    /// A byte count with an optional unit (`1k 1kb 1m 1mb 1g 1gb`); CONFIG GET prints plain bytes.
    /// Errors: "argument must be a memory value", then the range error with the bounds in bytes.
    case memory(min: Int, max: Int)
    /// One of the listed words, case-insensitive; stored and printed in lowercase as listed.
    /// Error: "argument(s) must be one of the following: a, b, c".
    case enumeration([String])
    /// Any single argument, empty allowed.
    case string
    /// A file or directory name without a path (`dbfilename`, `appendfilename`, `appenddirname`), as Valkey checks
    /// them. Errors: "<name> can't be empty", "<name> can't be a path, just a <noun>".
    case baseName(name: String, noun: String)
    /// An existing directory (`dir`). Podium stores it as an absolute path once loading finishes, so CONFIG GET
    /// shows what Redis shows after its `chdir`.
    case directory
    /// `bind`: up to 16 addresses, each optionally prefixed with `-` ("skip if unavailable").
    /// Error: "Too many bind addresses specified."
    case bindAddresses
    /// `save`: pairs of `<seconds> <changes>`; `save ""` clears. Consecutive `save` lines while loading add up.
    /// Error: "Invalid save parameters".
    case saveParameters
    /// `notify-keyspace-events`: letters from `Ag$lshzxeKEtmdn`, printed canonically (`KEA` → `AKE`).
    case keyspaceEvents
    /// `client-output-buffer-limit <class> <hard> <soft> <soft-seconds>`…; each directive updates only the classes
    /// it names.
    case clientOutputBufferLimits
    /// `oom-score-adj-values`: exactly three integers in -2000...2000.
    case oomScoreAdjValues
    /// `latency-tracking-info-percentiles`: decimals in 0...100.
    case percentiles
    /// An octal number up to `max` (`unixsocketperm`), printed in octal.
    case octal(max: Int)
    /// A memory size or a percentage such as `10%` (`maxmemory-clients`).
    case memoryOrPercent
    /// `replicaof <host> <port>` or `replicaof no one`.
    case replicaOf
    /// `proc-title-template`: text with `{title}`-style variables.
    case procTitleTemplate

    /// Whether the directive takes several arguments. Redis calls these `MULTI_ARG_CONFIG`: a single non-empty
    /// argument is split again with the quoting rules, so `bind "127.0.0.1 ::1"` and `CONFIG SET bind "a b"` give
    /// two addresses. Every other directive takes exactly one argument.
    public var takesMultipleArguments: Bool {
        switch self {
        case .bindAddresses, .saveParameters, .clientOutputBufferLimits, .oomScoreAdjValues, .percentiles, .replicaOf:
            return true
        default:
            return false
        }
    }
}

/// Per-directive flags, mirroring Redis' `IMMUTABLE_CONFIG`, `PROTECTED_CONFIG` and `SENSITIVE_CONFIG`.
public struct ConfigFlags: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Only settable at startup; CONFIG SET answers "can't set immutable config".
    public static let immutable = ConfigFlags(rawValue: 1 << 0)
    /// Changing it at run time is a security risk (`dir`, `dbfilename`): CONFIG SET answers "can't set protected
    /// config" unless `enable-protected-configs` allows the client (its default `no` allows nobody), as in Valkey.
    public static let protected = ConfigFlags(rawValue: 1 << 1)
    /// Holds a secret (`requirepass`, `masterauth`); whoever logs commands (SLOWLOG, MONITOR) should redact the
    /// value of a CONFIG SET naming it.
    public static let sensitive = ConfigFlags(rawValue: 1 << 2)
    /// Left out of `CONFIG GET` globs (an exact name still reads it), as Redis' `HIDDEN_CONFIG`: test knobs.
    public static let hidden = ConfigFlags(rawValue: 1 << 3)
}

/// What Podium does with a directive. Redis configuration files carry many settings for features Podium does not
/// have (replication, RDB, cluster, TLS…); accepting them lets an existing redis.conf start, while the warnings
/// keep anyone from believing they take effect.
public enum ConfigSupport: Hashable, Sendable {
    /// Podium acts on the value.
    case active
    /// Stored and shown by CONFIG GET/SET, but the feature behind it is not built yet; a warning says so. The note
    /// explains what is missing.
    case notYetActive(String)
    /// Accepted for compatibility and ignored, with a warning. The note, if any, explains further.
    case ignored(String?)
    /// Only the default value is accepted; any other value is an error with this explanation, because silently
    /// ignoring it would be wrong (a cluster node, a TLS port or a replica that is none of those).
    case defaultOnly(String)
}

/// What a change of a directive at run time must update beyond its stored value: Valkey's `apply` functions of
/// `static_configs[]`, named here and carried out by the server (`ServerCore.apply`). Directives whose users read
/// the configuration each time they need it (`timeout`, `hz`, …) have none.
public enum ConfigEffect: Hashable, Sendable {
    /// `dir`: the working directory follows it.
    case workingDirectory
    /// `proto-max-bulk-len`: the dispatcher's string limit and every connection's decoder.
    case bulkLength
    /// `client-query-buffer-limit`: every connection's input limit.
    case connectionLimits
    /// The `*-max-listpack-*`, `list-compress-depth` and `set-max-intset-entries` encoding thresholds.
    case encodingLimits
    /// `notify-keyspace-events`.
    case keyspaceEvents
    /// `busy-reply-threshold`.
    case busyReplyThreshold
    /// `rdb-version`.
    case rdbVersion
    /// `rdbcompression`.
    case rdbCompression
    /// `save` and `stop-writes-on-bgsave-error`: whether a failed BGSAVE refuses writes.
    case snapshotRules
    /// `maxmemory`, `maxmemory-policy`, `maxmemory-samples`.
    case maxmemory
    /// `client-output-buffer-limit`: the Pub/Sub hub, MONITOR and every connection.
    case outputBufferLimits
    /// `appendonly`: the AOF is turned on (with a rewrite) or off.
    case appendonly
    /// `appendfsync`, `aof-timestamp-enabled`: the AOF writer's settings.
    case appendOnlyWriter
    /// `requirepass`: the default user's passwords.
    case requirepass
    /// `acllog-max-len`, `acl-pubsub-default`.
    case aclSettings
    /// `cluster-announce-*`, `cluster-preferred-endpoint-type`: what CLUSTER SLOTS / SHARDS and redirections say.
    case clusterAnnounce
    /// The `tls-*` directives a TLS context is built from: the context is rebuilt, and if that fails the whole
    /// CONFIG SET is undone (Valkey's `applyTlsCfg`).
    case tlsContext
}

/// One directive of the configuration table: its name and aliases, type, default, flags and what Podium does with
/// it. Modelled on an entry of Valkey's `static_configs[]`; the same entry drives file parsing, command-line
/// overrides, CONFIG GET and CONFIG SET, so these can never disagree.
public struct ConfigEntry: Sendable {
    /// The canonical name, lowercase (`hash-max-listpack-entries`).
    public let name: String
    /// Other names accepted everywhere and listed by CONFIG GET (`hash-max-ziplist-entries`).
    public let aliases: [String]
    /// How values are validated, stored and rendered.
    public let type: ConfigType
    /// The default, written as it would appear in a configuration file after the directive name (quoted where
    /// needed; an empty text means the empty string).
    public let defaultText: String
    /// Mutability and sensitivity.
    public let flags: ConfigFlags
    /// What Podium does with the value.
    public let support: ConfigSupport
    /// What a change at run time updates (nil: nothing beyond the value).
    public let applies: ConfigEffect?
    /// Values outside this range are accepted but stored clamped to it (`hz` is kept in 1...500, as in Redis, so
    /// CONFIG GET shows the value in effect).
    public let clampedTo: ClosedRange<Int>?
    /// The default, parsed. Table construction parses `defaultText` through the same path as user input, so a
    /// default that does not validate is caught by the table test rather than shipped.
    public let defaultValue: ConfigValue

    /// Creates an entry; `defaultText` must be valid for `type` (checked by `ConfigTableTests`).
    init(
        _ name: String, aliases: [String] = [], _ type: ConfigType, default defaultText: String,
        flags: ConfigFlags = [], support: ConfigSupport, clampedTo: ClosedRange<Int>? = nil,
        applies: ConfigEffect? = nil
    ) {
        self.name = name
        self.aliases = aliases
        self.type = type
        self.defaultText = defaultText
        self.flags = flags
        self.support = support
        self.clampedTo = clampedTo
        self.applies = applies
        // Invariant: defaults are written by us and covered by a test; an invalid one falls back to an empty string
        // so that the test, not a crash at startup, reports it.
        self.defaultValue = (try? Self.parseDefault(defaultText, type: type, clampedTo: clampedTo)) ?? .string("")
    }

    /// Parses a default written as configuration-file arguments; an empty text is the empty string.
    private static func parseDefault(
        _ text: String, type: ConfigType, clampedTo: ClosedRange<Int>?
    ) throws(ConfigValueError)
        -> ConfigValue
    {
        guard let arguments = text.isEmpty ? [""] : ArgumentSplitter.split(text) else {
            throw ConfigValueError(ConfigReason.unbalancedQuotes)
        }
        return clamp(try type.parse(arguments, current: .string(""), accumulate: false), to: clampedTo)
    }

    /// Whether `defaultText` parses (always true for the shipped table; tested).
    public var defaultIsValid: Bool {
        (try? Self.parseDefault(defaultText, type: type, clampedTo: clampedTo)) != nil
    }

    /// Applies `clampedTo` to an integer value.
    static func clamp(_ value: ConfigValue, to range: ClosedRange<Int>?) -> ConfigValue {
        guard let range, case .integer(let number) = value else { return value }
        return .integer(Swift.min(Swift.max(number, range.lowerBound), range.upperBound))
    }

    /// Parses the arguments of one directive (from a file, the command line or CONFIG SET) into the value to store.
    /// A single non-empty argument of a multi-argument type is split again with the quoting rules first, as Redis
    /// does, so `--bind "127.0.0.1 ::1"` and `CONFIG SET save "900 1 300 10"` work.
    func parse(_ arguments: [String], current: ConfigValue, accumulate: Bool) throws(ConfigValueError) -> ConfigValue {
        var arguments = arguments
        if type.takesMultipleArguments, arguments.count == 1, !arguments[0].isEmpty {
            guard let split = ArgumentSplitter.split(arguments[0]) else {
                throw ConfigValueError(ConfigReason.unbalancedQuotes)
            }
            arguments = split
        }
        return Self.clamp(try type.parse(arguments, current: current, accumulate: accumulate), to: clampedTo)
    }

    /// CONFIG GET's rendering of `value`.
    public func render(_ value: ConfigValue) -> String { type.render(value) }

    /// All names, canonical first.
    public var allNames: [String] { [name] + aliases }
}
