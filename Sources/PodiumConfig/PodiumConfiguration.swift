#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's current configuration: one value per `ConfigTable` entry, loaded from a redis.conf-style file and
/// the command line, read by CONFIG GET and changed by CONFIG SET.
///
/// It is a class because the server shares one instance between the command layer (CONFIG SET) and the parts that
/// act on values (listeners, logging, the expiry cycle). It is deliberately not `Sendable` and has no lock: the server
/// guards it the same way it guards the keyspace, and `onChange` lets it push new values where they are needed.
///
/// Typed accessors (`port`, `bind`, `protoMaxBulkLen`, …) exist for every directive Podium acts on; everything else
/// is reachable through `get(_:)` and `value(of:)`.
public final class PodiumConfiguration {
    /// Current values, indexed like `ConfigTable.entries`.
    var values: [ConfigValue]

    /// The `user` directives of the configuration file and the command line, in order (ACL users).
    public private(set) var userDirectives: [ConfDirective] = []

    /// Called with the canonical name of each directive after a successful `set`, once all of a multi-pair CONFIG SET
    /// has been applied (so a hook never sees a half-applied change).
    public var onChange: ((ConfigEntry) -> Void)?

    /// A configuration with every directive at its default, `dir` resolved to the current directory.
    public init() {
        values = ConfigTable.entries.map(\.defaultValue)
        resolveDirectory()
    }

    // MARK: - Loading

    /// Loads a configuration file (or the given contents) and then command-line directives on top of the defaults.
    ///
    /// - Parameters:
    ///   - configFile: the file named on the command line, `-` for standard input, or `nil` for none. Used for error
    ///     messages even when `fileContents` is given.
    ///   - fileContents: the file's text, for tests; when `nil` the file is read from disk.
    ///   - arguments: the `--directive value …` arguments that followed the file; they override it. Numbered from 2
    ///     in error messages when a file was named (argv position), else from 1.
    ///   - readFile: how `include` (and `configFile` when `fileContents` is `nil`) is read; tests inject one.
    /// - Returns: the configuration and one warning line per accepted-but-not-acted-on directive that was set.
    /// - Throws: `ConfigError` with redis-server's fatal-error text; nothing is partially applied.
    public static func load(
        configFile: String?, fileContents: String? = nil, arguments: [String],
        readFile: @escaping ConfFileParser.FileReader = ConfFileParser.readFromDisk
    ) throws(ConfigError) -> (PodiumConfiguration, warnings: [String]) {
        let directives = try CommandLineDirectives.parseDirectives(
            arguments, firstArgumentNumber: configFile == nil ? 1 : 2)
        return try load(configFile: configFile, fileContents: fileContents, directives: directives, readFile: readFile)
    }

    /// Loads from a whole command line (without the program name): `[config-file | -] [--directive value …]…`.
    /// This is what `podium-server` calls with its passthrough arguments.
    public static func load(
        commandLine: [String], readFile: @escaping ConfFileParser.FileReader = ConfFileParser.readFromDisk
    ) throws(ConfigError) -> (PodiumConfiguration, warnings: [String]) {
        let parsed = try CommandLineDirectives.parse(commandLine)
        return try load(
            configFile: parsed.configFile, fileContents: nil, directives: parsed.directives, readFile: readFile)
    }

    private static func load(
        configFile: String?, fileContents: String?, directives: [ConfDirective],
        readFile: @escaping ConfFileParser.FileReader
    ) throws(ConfigError) -> (PodiumConfiguration, warnings: [String]) {
        let configuration = PodiumConfiguration()
        var loader = Loader(configuration: configuration)
        if configFile != nil || fileContents != nil {
            let name = configFile == "-" ? "stdin" : (configFile ?? "<config>")
            let contents: String
            if let fileContents {
                contents = fileContents
            } else if let configFile {
                contents = try readFile(configFile)
            } else {
                contents = ""
            }
            let parser = ConfFileParser(readFile: readFile)
            try parser.forEachDirective(in: contents, fileName: name) { directive throws(ConfigError) in
                try loader.apply(directive)
            }
        }
        for directive in directives {
            try loader.apply(directive)
        }
        configuration.resolveDirectory()
        var warnings = loader.warnings
        if configuration.elasticacheServerless {
            warnings += configuration.applyServerlessProfile(explicit: loader.seen)
        }
        return (configuration, warnings: warnings)
    }

    /// Applies directives during one load, remembering which were set (for `save` accumulation and for warnings).
    private struct Loader {
        let configuration: PodiumConfiguration
        var seen: Set<Int> = []
        var warnedDeprecated: Set<String> = []
        var warnings: [String] = []

        init(configuration: PodiumConfiguration) { self.configuration = configuration }

        mutating func apply(_ directive: ConfDirective) throws(ConfigError) {
            let lowered = directive.name.lowercased()
            if lowered == "user" {
                // `user <name> <rules>…` lines accumulate; the ACL applies them once loading is done (Valkey keeps
                // them aside the same way and CONFIG GET never shows them).
                guard !directive.arguments.isEmpty else { throw directive.error(ConfigReason.badDirective) }
                configuration.userDirectives.append(directive)
                return
            }
            guard let slot = ConfigTable.index(of: lowered) else {
                if ConfigTable.deprecatedDirectives.contains(lowered), directive.arguments.count == 1 {
                    if warnedDeprecated.insert(lowered).inserted {
                        warnings.append("\(directive.location): '\(lowered)' is deprecated and ignored")
                    }
                    return
                }
                throw directive.error(ConfigReason.badDirective)
            }
            let entry = ConfigTable.entries[slot]
            let value: ConfigValue
            do {
                value = try entry.parse(
                    directive.arguments, current: configuration.values[slot], accumulate: seen.contains(slot))
            } catch {
                throw directive.error(error.reason)
            }
            if case .defaultOnly(let note) = entry.support, value != entry.defaultValue {
                throw directive.error(PodiumConfiguration.defaultOnlyReason(entry, note: note))
            }
            configuration.values[slot] = value
            if seen.insert(slot).inserted, let warning = PodiumConfiguration.warning(for: entry, directive: directive) {
                warnings.append(warning)
            }
        }
    }

    /// The warning for setting a directive Podium does not act on, or `nil` for active ones.
    private static func warning(for entry: ConfigEntry, directive: ConfDirective) -> String? {
        let name = directive.name.lowercased()
        switch entry.support {
        case .active, .defaultOnly:
            return nil
        case .notYetActive(let note):
            return "\(directive.location): '\(name)' is accepted but not acted on yet — \(note)"
        case .ignored(let note):
            let base = "\(directive.location): '\(name)' is accepted for compatibility and ignored"
            return note.map { "\(base) — \($0)" } ?? base
        }
    }

    /// Why a `.defaultOnly` directive was refused.
    private static func defaultOnlyReason(_ entry: ConfigEntry, note: String) -> String {
        let shown = entry.defaultText.isEmpty || entry.defaultText == "\"\"" ? "\"\"" : "'\(entry.defaultText)'"
        return "\(note); only the default \(shown) is accepted"
    }

    /// Replaces `dir` by its absolute path, as redis-server shows it after `chdir`. Loading has checked it exists;
    /// if it vanished since, the value is kept as written and the server's `chdir` reports the problem.
    private func resolveDirectory() {
        let slot = Slot.dir
        guard case .string(let path) = values[slot], let resolved = realpath(path, nil) else { return }
        defer { free(resolved) }
        values[slot] = .string(String(cString: resolved))
    }

    // MARK: - CONFIG GET

    /// The rendered value of one directive by exact name or alias (case-insensitive), or `nil` if unknown.
    public func value(of name: String) -> String? {
        guard let slot = ConfigTable.index(of: name) else { return nil }
        return ConfigTable.entries[slot].render(values[slot])
    }

    /// The CONFIG GET reply for one argument, flattened as `[name, value, name, value, …]`, or `nil` when nothing
    /// matches.
    ///
    /// A pattern without `*`, `?` or `[` is a direct lookup and echoes the name as given (`CONFIG GET TIMEOUT` gives
    /// `TIMEOUT 0`, as in Redis 7); a glob lists every matching canonical name and alias in table order.
    public func get(_ pattern: String) -> [String]? {
        let pairs = get(patterns: [pattern])
        return pairs.isEmpty ? nil : pairs.flatMap { [$0.name, $0.value] }
    }

    /// The CONFIG GET reply for several arguments (Redis 7 accepts many): each directive appears once, under the
    /// first spelling that matched it.
    public func get(patterns: [String]) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var emitted: Set<String> = []
        for pattern in patterns {
            if !ConfigGlob.hasWildcards(pattern) {
                guard let slot = ConfigTable.index(of: pattern) else { continue }
                // Aliases are separate rows in Redis 7.0, so deduplicate by the spelling's table name.
                if emitted.insert(pattern.lowercased()).inserted {
                    result.append((pattern, ConfigTable.entries[slot].render(values[slot])))
                }
                continue
            }
            for (slot, entry) in ConfigTable.entries.enumerated() where !entry.flags.contains(.hidden) {
                for name in entry.allNames where ConfigGlob.matches(pattern, name) {
                    if emitted.insert(name).inserted {
                        result.append((name, entry.render(values[slot])))
                    }
                }
            }
        }
        return result
    }

    /// Every directive and alias with its rendered value, in table order (what `CONFIG GET *` returns; Redis 7 lists
    /// aliases too). Aliases follow their canonical name and show the same value.
    public func allParameters() -> [(name: String, value: String)] {
        ConfigTable.entries.enumerated().filter { !$0.element.flags.contains(.hidden) }.flatMap { slot, entry in
            let rendered = entry.render(values[slot])
            return entry.allNames.map { (name: $0, value: rendered) }
        }
    }

    // MARK: - CONFIG SET

    /// CONFIG SET of one directive; see `set(pairs:)`.
    public func set(_ name: String, _ value: String) throws(ConfigError) {
        try set(pairs: [(name, value)])
    }

    /// CONFIG SET of several directives at once, all or nothing, with redis-server 7's checks and reply texts:
    /// 1. In order, each name must exist (`ERR Unknown option or number of arguments for CONFIG SET - 'foo'`), be
    ///    neither immutable nor protected, and not repeat an earlier one (`duplicate parameter`; an alias of an
    ///    earlier name counts as a repeat, which Redis 7.0 misses but is ambiguous).
    /// 2. Then, in order, each value must be valid
    ///    (`ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an
    ///    integer`).
    /// 3. Only then are all values stored, and `onChange` is called with each entry (its `applies` says what to update).
    /// Names in errors are echoed as the client spelled them. Values of multi-argument directives (`bind`, `save`)
    /// are split with the configuration-file quoting rules.
    /// `allowProtected`: the client may change protected directives (`enable-protected-configs`).
    public func set(pairs: [(String, String)], allowProtected: Bool = false) throws(ConfigError) {
        var slots: [Int] = []
        for (name, _) in pairs {
            guard let slot = ConfigTable.index(of: name) else { throw .unknownSetOption(name) }
            let entry = ConfigTable.entries[slot]
            if entry.flags.contains(.immutable) { throw .setFailed(name, reason: ConfigReason.immutable) }
            if entry.flags.contains(.protected), !allowProtected {
                throw .setFailed(name, reason: ConfigReason.protected)
            }
            if slots.contains(slot) { throw .setFailed(name, reason: ConfigReason.duplicate) }
            slots.append(slot)
        }

        var newValues: [ConfigValue] = []
        for ((name, text), slot) in zip(pairs, slots) {
            let entry = ConfigTable.entries[slot]
            let value: ConfigValue
            do {
                value = try entry.parse([text], current: values[slot], accumulate: false)
            } catch {
                throw .setFailed(name, reason: error.reason)
            }
            if case .defaultOnly(let note) = entry.support, value != entry.defaultValue {
                throw .setFailed(name, reason: Self.defaultOnlyReason(entry, note: note))
            }
            newValues.append(value)
        }

        for (slot, value) in zip(slots, newValues) {
            values[slot] = value
        }
        // A relative `dir` is taken from the working directory, which is the old `dir` (the server `chdir`s to
        // each new one in `onChange`, as Valkey's CONFIG SET does).
        if slots.contains(Slot.dir) { resolveDirectory() }
        if let onChange {
            for slot in slots { onChange(ConfigTable.entries[slot]) }
        }
    }

    // MARK: - Raw typed reads

    /// Positions of the directives with typed accessors. Invariant: every name here is a literal of
    /// `ConfigTable.entries` (the accessor tests read each one).
    enum Slot {
        static func of(_ name: String) -> Int {
            guard let slot = ConfigTable.index(of: name) else { preconditionFailure("no config entry '\(name)'") }
            return slot
        }
        static let dir = of("dir")
    }

    /// The stored value at `slot`.
    func rawValue(_ slot: Int) -> ConfigValue { values[slot] }

    func integer(_ slot: Int) -> Int {
        if case .integer(let value) = values[slot] { return value }
        return 0
    }

    func bool(_ slot: Int) -> Bool {
        if case .bool(let value) = values[slot] { return value }
        return false
    }

    func string(_ slot: Int) -> String {
        if case .string(let value) = values[slot] { return value }
        return ConfigTable.entries[slot].render(values[slot])
    }

    /// The string, or nil when it is empty (`pidfile`, `requirepass`: empty means none).
    func nonEmptyString(_ slot: Int) -> String? {
        let value = string(slot)
        return value.isEmpty ? nil : value
    }

    func list(_ slot: Int) -> [String] {
        if case .list(let value) = values[slot] { return value }
        return []
    }
}
