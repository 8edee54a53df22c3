import Crypto
import NIOCore
import PodiumKeyspace

/// Why an ACL rule (`ACL SETUSER`, a `user` directive, an aclfile line) was refused: Valkey's texts
/// (`ACLSetUserStringError`).
public enum ACLRuleError: Error, Equatable, Sendable {
    case unknownCommandOrCategory
    case syntax
    case patternAfterAllKeys
    case channelAfterAllChannels
    case passwordNotFound
    case badPasswordHash
    case duplicateUser
    case firstArgOfSubcommand

    public var message: String {
        switch self {
        case .unknownCommandOrCategory: return "Unknown command or category name in ACL"
        case .syntax: return "Syntax error"
        case .patternAfterAllKeys:
            return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
                + "effect. Try 'resetkeys' to start with an empty list of patterns"
        case .channelAfterAllChannels:
            return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have "
                + "any effect. Try 'resetchannels' to start with an empty list of channels"
        case .passwordNotFound: return "The password you are trying to remove from the user does not exist"
        case .badPasswordHash:
            return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
        case .duplicateUser: return "Duplicate user found. A user can only be defined once in config files"
        case .firstArgOfSubcommand: return "Allowing first-arg of a subcommand is not supported"
        }
    }
}

/// One ACL user: whether it is enabled, its passwords (SHA-256, hex, as Valkey stores them), the commands it may
/// run, the keys and channels it may touch. Valkey's root selector; the additional selectors of Redis 7 (`(…)`
/// rules) are not supported.
///
/// Commands are a bitmap over the command table (`CommandSpec.statsIndex`, containers and subcommands alike), set by
/// the rules in order, exactly as Valkey does; the rules themselves are also kept, in order and compacted
/// (`commandRules`), which is what `ACL GETUSER` and `ACL LIST` show (Valkey 8 and Redis 7.2 do this; Redis 7.0
/// reconstructs a description from the bitmap instead).
///
/// Like everything in the command layer, users are only touched with the executor lock held.
public final class ACLUser {
    public let name: String
    public private(set) var enabled = false
    public private(set) var nopass = false
    /// `sanitize-payload` / `skip-sanitize-payload`: shown for fidelity; Podium has no RESTORE to sanitize.
    public private(set) var skipSanitizePayload = false
    /// Hex SHA-256 digests, in the order they were added.
    public private(set) var passwords: [String] = []

    /// Allowed commands, one bit per table entry.
    private var allowed: [UInt64]
    /// Set only by `+@all` / `allcommands` (cleared by `-@all`): commands added to Podium later would be allowed too.
    /// `ACL LIST` starts the command rules with `+@all` when it is set, else with `-@all`.
    public private(set) var futureCommands = false
    /// First arguments allowed for a command whose bit is not set (`+select|0`), by table index.
    private var firstArgs: [Int: [String]] = [:]
    /// The command rules in order, lower case (`+@read`, `-keys`, `+config|get`), each command or category once.
    public private(set) var commandRules: [String] = []

    public private(set) var allKeys = false
    /// Key patterns with what they allow (`~p`: both, `%R~p`: read, `%W~p`: write).
    public private(set) var keyPatterns: [(pattern: [UInt8], access: KeyAccess)] = []
    public private(set) var allChannels = false
    public private(set) var channelPatterns: [[UInt8]] = []

    /// A new user: off, no password, no commands, no keys, channels as `acl-pubsub-default` says.
    init(name: String, table: CommandTable, allChannelsByDefault: Bool) {
        self.name = name
        self.allowed = Array(repeating: 0, count: table.allSpecs.count / 64 + 1)
        self.allChannels = allChannelsByDefault
    }

    /// A user with the same name and rules (ACL SETUSER tries its rules on a copy).
    func copy(table: CommandTable) -> ACLUser {
        let user = ACLUser(name: name, table: table, allChannelsByDefault: false)
        user.assign(from: self)
        return user
    }

    /// Takes every rule of `other` (the name stays): how a user changes while connections point at it.
    func assign(from other: ACLUser) {
        enabled = other.enabled
        nopass = other.nopass
        skipSanitizePayload = other.skipSanitizePayload
        passwords = other.passwords
        allowed = other.allowed
        futureCommands = other.futureCommands
        firstArgs = other.firstArgs
        commandRules = other.commandRules
        allKeys = other.allKeys
        keyPatterns = other.keyPatterns
        allChannels = other.allChannels
        channelPatterns = other.channelPatterns
    }

    // MARK: - Rules

    /// Applies one rule, Valkey's `ACLSetUser`. On error nothing has changed.
    func apply(_ rule: String, table: CommandTable, allChannelsByDefault: Bool) throws(ACLRuleError) {
        if rule.isEmpty { return }
        let lowered = rule.lowercased()
        let bytes = Array(rule.utf8)
        switch lowered {
        case "on": enabled = true
        case "off": enabled = false
        case "skip-sanitize-payload": skipSanitizePayload = true
        case "sanitize-payload": skipSanitizePayload = false
        case "nopass":
            nopass = true
            passwords.removeAll()
        case "resetpass":
            nopass = false
            passwords.removeAll()
        case "reset":
            nopass = false
            passwords.removeAll()
            allKeys = false
            keyPatterns.removeAll()
            allChannels = allChannelsByDefault
            channelPatterns.removeAll()
            enabled = false
            skipSanitizePayload = false
            setAllCommands(false)
        case "allkeys", "~*":
            allKeys = true
            keyPatterns.removeAll()
        case "resetkeys":
            allKeys = false
            keyPatterns.removeAll()
        case "allchannels", "&*":
            allChannels = true
            channelPatterns.removeAll()
        case "resetchannels":
            allChannels = false
            channelPatterns.removeAll()
        case "allcommands", "+@all": setAllCommands(true)
        case "nocommands", "-@all": setAllCommands(false)
        case "clearselectors": break  // no selectors besides the root one
        default:
            try applyPrefixed(rule, bytes: bytes, table: table)
        }
    }

    /// The SHA-256 hex digest a password rule names: of the cleartext after `>` / `<`, or the digest itself after
    /// `#` / `!` (`rest`), which must be 64 lower-case hex digits.
    private static func digest(_ bytes: [UInt8], cleartext: Bool, rest: String) throws(ACLRuleError) -> String {
        if cleartext { return hash(Array(bytes.dropFirst())) }
        guard isValidHash(rest) else { throw .badPasswordHash }
        return rest
    }

    private func applyPrefixed(_ rule: String, bytes: [UInt8], table: CommandTable) throws(ACLRuleError) {
        let rest = String(rule.dropFirst())
        switch bytes[0] {
        case UInt8(ascii: ">"), UInt8(ascii: "#"):
            let digest = try Self.digest(bytes, cleartext: bytes[0] == UInt8(ascii: ">"), rest: rest)
            if !passwords.contains(digest) { passwords.append(digest) }
            nopass = false
        case UInt8(ascii: "<"), UInt8(ascii: "!"):
            let digest = try Self.digest(bytes, cleartext: bytes[0] == UInt8(ascii: "<"), rest: rest)
            guard let index = passwords.firstIndex(of: digest) else { throw .passwordNotFound }
            passwords.remove(at: index)
        case UInt8(ascii: "~"), UInt8(ascii: "%"):
            guard !allKeys else { throw .patternAfterAllKeys }
            var access: KeyAccess = [.read, .write]
            var offset = 1
            if bytes[0] == UInt8(ascii: "%") {
                access = []
                // Valkey reads permission letters up to `~`; without one, the pattern is empty (`%R` is valid).
                while offset < bytes.count {
                    let c = bytes[offset]
                    if c == UInt8(ascii: "R") || c == UInt8(ascii: "r"), !access.contains(.read) {
                        access.insert(.read)
                    } else if c == UInt8(ascii: "W") || c == UInt8(ascii: "w"), !access.contains(.write) {
                        access.insert(.write)
                    } else if c == UInt8(ascii: "~") {
                        offset += 1
                        break
                    } else {
                        throw .syntax
                    }
                    offset += 1
                }
            }
            let pattern = offset < bytes.count ? Array(bytes[offset...]) : []
            guard !ACLCommands.hasSpaces(pattern) else { throw .syntax }
            if let index = keyPatterns.firstIndex(where: { $0.pattern == pattern }) {
                keyPatterns[index].access.formUnion(access)
            } else {
                keyPatterns.append((pattern, access))
            }
        case UInt8(ascii: "&"):
            guard !allChannels else { throw .channelAfterAllChannels }
            let pattern = Array(bytes.dropFirst())
            guard !ACLCommands.hasSpaces(pattern) else { throw .syntax }
            if !channelPatterns.contains(pattern) { channelPatterns.append(pattern) }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let allow = bytes[0] == UInt8(ascii: "+")
            if rest.hasPrefix("@") {
                guard let category = ACLCategories(name: String(rest.dropFirst())) else {
                    throw .unknownCommandOrCategory
                }
                updateRules(rest.lowercased(), allow: allow)
                for spec in table.allSpecs where spec.aclCategories.contains(category) { change(spec, allow: allow) }
            } else if allow, let bar = rest.lastIndex(of: "|") {
                try allowWithFirstArgument(rest, bar: bar, table: table)
            } else {
                guard let spec = table.lookup(name: rest) else { throw .unknownCommandOrCategory }
                updateRules(spec.fullName, allow: allow)
                change(spec, allow: allow)
            }
        default:
            throw .syntax
        }
    }

    /// `+command|subcommand`, or the deprecated `+command|first-argument` of a command without subcommands.
    private func allowWithFirstArgument(_ text: String, bar: String.Index, table: CommandTable) throws(ACLRuleError) {
        let commandName = String(text[..<bar])
        let argument = String(text[text.index(after: bar)...])
        guard let spec = table.lookup(name: commandName), spec.parent == nil else {
            if table.lookup(name: commandName) != nil { throw .firstArgOfSubcommand }
            throw .unknownCommandOrCategory
        }
        guard !argument.isEmpty else { throw .syntax }
        if !spec.subcommands.isEmpty {
            guard let sub = table.lookup(name: text) else { throw .unknownCommandOrCategory }
            updateRules(sub.fullName, allow: true)
            change(sub, allow: true)
        } else {
            guard !argument.contains("|") else { throw .firstArgOfSubcommand }
            updateRules(text.lowercased(), allow: true)
            var list = firstArgs[spec.statsIndex] ?? []
            if !list.contains(argument.lowercased()) { list.append(argument.lowercased()) }
            firstArgs[spec.statsIndex] = list
        }
    }

    /// Valkey's `ACLUpdateCommandRules`: drop earlier rules for the same command or category (and, for a whole
    /// command, for its subcommands), then append this one.
    private func updateRules(_ name: String, allow: Bool) {
        let lowered = name.lowercased()
        commandRules.removeAll { rule in
            let existing = rule.dropFirst()
            return existing == lowered || existing.hasPrefix(lowered + "|")
        }
        commandRules.append((allow ? "+" : "-") + lowered)
    }

    private func setAllCommands(_ allow: Bool) {
        for i in allowed.indices { allowed[i] = allow ? ~0 : 0 }
        futureCommands = allow
        firstArgs.removeAll()
        commandRules.removeAll()
    }

    /// Valkey's `ACLChangeSelectorPerm`: a command and all its subcommands; first arguments are forgotten.
    private func change(_ spec: CommandSpec, allow: Bool) {
        setBit(spec.statsIndex, allow)
        firstArgs[spec.statsIndex] = nil
        for sub in spec.subcommandList {
            setBit(sub.statsIndex, allow)
            firstArgs[sub.statsIndex] = nil
        }
    }

    private func setBit(_ index: Int, _ value: Bool) {
        let word = index / 64
        let bit = UInt64(1) << UInt64(index % 64)
        if value { allowed[word] |= bit } else { allowed[word] &= ~bit }
    }

    private func bit(_ index: Int) -> Bool { allowed[index / 64] & (UInt64(1) << UInt64(index % 64)) != 0 }

    // MARK: - Checks

    /// Valkey's `ACLSelectorCheckCmd`: command, then keys, then channels. `spec` is the entry being run (the
    /// subcommand for a container). Returns the denial and the argument it concerns.
    func check(_ spec: CommandSpec, _ args: [ByteBuffer]) -> ACLDenial? {
        if !spec.flags.contains(.noAuth), !bit(spec.statsIndex) {
            let argumentIndex = spec.parent == nil ? 1 : 2
            guard let allowedArgs = firstArgs[spec.statsIndex], argumentIndex < args.count,
                allowedArgs.contains(String(buffer: args[argumentIndex]).lowercased())
            else { return .command }
        }
        if !allKeys {
            for (index, access) in spec.keyArguments(args) where !mayAccess(key: args[index], access) {
                return .key(argument: index)
            }
        }
        if !allChannels, let channels = spec.channelArguments {
            for index in channels.indices(argc: args.count)
            where !mayUse(channel: args[index], pattern: channels.pattern) {
                return .channel(argument: index)
            }
        }
        return nil
    }

    /// Valkey's `ACLSelectorHasUnrestrictedKeyAccess`: `allkeys`, or a `*` pattern with at least `access` (SORT's
    /// BY and GET read keys that no key spec names, so only such a user may use them).
    func hasUnrestrictedKeyAccess(_ access: KeyAccess) -> Bool {
        allKeys || keyPatterns.contains { $0.pattern == [UInt8(ascii: "*")] && $0.access.isSuperset(of: access) }
    }

    /// Whether a pattern with at least `access` matches `key` (Valkey's `ACLSelectorCheckKey`).
    func mayAccess(key: ByteBuffer, _ access: KeyAccess) -> Bool {
        if allKeys { return true }
        return key.withUnsafeReadableBytes { raw in
            keyPatterns.contains { entry in
                entry.access.isSuperset(of: access) && GlobPattern.matches(pattern: entry.pattern, raw: raw)
            }
        }
    }

    /// Valkey's `ACLCheckChannelAgainstList`: a channel must match one of the patterns; a pattern (PSUBSCRIBE) must
    /// be one of them literally.
    func mayUse(channel: ByteBuffer, pattern: Bool) -> Bool {
        if allChannels { return true }
        return channel.withUnsafeReadableBytes { raw in
            channelPatterns.contains { allowed in
                pattern ? allowed.elementsEqual(raw) : GlobPattern.matches(pattern: allowed, raw: raw)
            }
        }
    }

    /// Whether this user may still use every channel and pattern in `subscriptions` (after a change of its rules).
    func mayKeep(_ subscriptions: PubSubSubscriptions) -> Bool {
        if allChannels { return true }
        func allowed(_ name: Bytes, pattern: Bool) -> Bool {
            name.withUnsafeBytes { raw in
                channelPatterns.contains { entry in
                    pattern ? entry.elementsEqual(raw) : GlobPattern.matches(pattern: entry, raw: raw)
                }
            }
        }
        return subscriptions.channels.allSatisfy { allowed($0, pattern: false) }
            && subscriptions.shardChannels.allSatisfy { allowed($0, pattern: false) }
            && subscriptions.patterns.allSatisfy { allowed($0, pattern: true) }
    }

    // MARK: - Passwords

    /// Whether `password` opens this user: on, and `nopass` or one of its passwords (compared as SHA-256 digests,
    /// in constant time, so the time taken tells nothing about how much of a password was right).
    func accepts(password: [UInt8]) -> Bool {
        guard enabled else { return false }
        if nopass { return true }
        let digest = Array(Self.hash(password).utf8)
        var matched = false
        for stored in passwords {
            let candidate = Array(stored.utf8)
            guard candidate.count == digest.count else { continue }
            var difference: UInt8 = 0
            for i in 0..<digest.count { difference |= candidate[i] ^ digest[i] }
            matched = matched || difference == 0
        }
        return matched
    }

    /// The hex SHA-256 of a password (Valkey's `ACLHashPassword`).
    static func hash(_ password: [UInt8]) -> String {
        NumberFormat.hex(SHA256.hash(data: password))
    }

    /// `#hash` rules take exactly 64 lower-case hex digits.
    static func isValidHash(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    // MARK: - Description

    /// The flags in Valkey's order (`on`/`off`, `nopass`, `skip-sanitize-payload`/`sanitize-payload`).
    public var flagNames: [String] {
        [enabled ? "on" : "off"] + (nopass ? ["nopass"] : []) + [
            skipSanitizePayload ? "skip-sanitize-payload" : "sanitize-payload"
        ]
    }

    /// The command rules as ACL GETUSER shows them: `+@all` or `-@all`, then the kept rules.
    public var commandsDescription: String {
        ([futureCommands ? "+@all" : "-@all"] + commandRules).joined(separator: " ")
    }

    /// The key patterns as ACL GETUSER shows them (`~*`, or `%R~a ~b`).
    public var keysDescription: String {
        if allKeys { return "~*" }
        return keyPatterns.map { entry in
            let prefix: String
            switch entry.access {
            case [.read, .write]: prefix = "~"
            case .read: prefix = "%R~"
            case .write: prefix = "%W~"
            default: prefix = "%~"
            }
            return prefix + String(decoding: entry.pattern, as: UTF8.self)
        }.joined(separator: " ")
    }

    /// The channel patterns as ACL GETUSER shows them (`&*`, or `&a &b`).
    public var channelsDescription: String {
        if allChannels { return "&*" }
        return channelPatterns.map { "&" + String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }

    /// The whole user as a rule list (`ACL LIST`, `ACL SAVE`; Valkey's `ACLDescribeUser`): flags, `#`hashes, key
    /// patterns (none, `~*` or the list), `&*` or `resetchannels` and the channel patterns, then the command rules.
    public var description: String {
        var parts = flagNames + passwords.map { "#" + $0 }
        if allKeys || !keyPatterns.isEmpty { parts.append(keysDescription) }
        if allChannels {
            parts.append("&*")
        } else {
            parts.append("resetchannels")
            parts += channelPatterns.map { "&" + String(decoding: $0, as: UTF8.self) }
        }
        parts.append(commandsDescription)
        return parts.joined(separator: " ")
    }
}

/// Why the ACL refused a command (Valkey's `ACL_DENIED_*`), with the argument concerned.
enum ACLDenial: Equatable {
    case command
    case key(argument: Int)
    case channel(argument: Int)
}
