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
@dynamicMemberLookup
public final class ACLUser {
    public let name: String
    /// Everything the rules set (all but the name), read as `user.enabled`, `user.passwords`, … One value, so a
    /// user takes another's rules in one assignment.
    private(set) var rules: Rules {
        didSet {
            unrestricted = rules.allKeys && rules.allChannels && rules.allowed.allSatisfy { $0 == ~0 }
        }
    }
    /// Every command, key and channel is allowed (`allcommands allkeys allchannels`, the default user out of the
    /// box): `check` has nothing to look at, which keeps the check off every command's path.
    @exclusivity(unchecked) public private(set) var unrestricted = false

    public struct Rules {
        public var enabled = false
        public var nopass = false
        /// `sanitize-payload` / `skip-sanitize-payload`: shown for fidelity; Podium has no RESTORE to sanitize.
        public var skipSanitizePayload = false
        /// Hex SHA-256 digests, in the order they were added.
        public var passwords: [String] = []

        /// Allowed commands, one bit per table entry.
        var allowed: [UInt64]
        /// Set only by `+@all` / `allcommands` (cleared by `-@all`): commands added to Podium later would be allowed too.
        /// `ACL LIST` starts the command rules with `+@all` when it is set, else with `-@all`.
        public var futureCommands = false
        /// First arguments allowed for a command whose bit is not set (`+select|0`), by table index.
        var firstArgs: [Int: [String]] = [:]
        /// The command rules in order, lower case (`+@read`, `-keys`, `+config|get`), each command or category once.
        public var commandRules: [String] = []

        public var allKeys = false
        /// Key patterns with what they allow (`~p`: both, `%R~p`: read, `%W~p`: write).
        public var keyPatterns: [(pattern: [UInt8], access: KeyAccess)] = []
        public var allChannels = false
        public var channelPatterns: [[UInt8]] = []
    }

    public subscript<T>(dynamicMember path: KeyPath<Rules, T>) -> T { rules[keyPath: path] }

    /// A new user: off, no password, no commands, no keys, channels as `acl-pubsub-default` says.
    init(name: String, table: CommandTable, allChannelsByDefault: Bool) {
        self.name = name
        self.rules = Rules(
            allowed: Array(repeating: 0, count: table.allSpecs.count / 64 + 1), allChannels: allChannelsByDefault)
    }

    /// A user with the same name and rules (ACL SETUSER tries its rules on a copy).
    func copy(table: CommandTable) -> ACLUser {
        let user = ACLUser(name: name, table: table, allChannelsByDefault: false)
        user.assign(from: self)
        return user
    }

    /// Takes every rule of `other` (the name stays): how a user changes while connections point at it.
    func assign(from other: ACLUser) { rules = other.rules }

    // MARK: - Rules

    /// Applies one rule, Valkey's `ACLSetUser`. On error nothing has changed.
    func apply(_ rule: String, table: CommandTable, allChannelsByDefault: Bool) throws(ACLRuleError) {
        if rule.isEmpty { return }
        let lowered = rule.lowercased()
        let bytes = Array(rule.utf8)
        switch lowered {
        case "on": rules.enabled = true
        case "off": rules.enabled = false
        case "skip-sanitize-payload": rules.skipSanitizePayload = true
        case "sanitize-payload": rules.skipSanitizePayload = false
        case "nopass", "resetpass":
            rules.nopass = lowered == "nopass"
            rules.passwords.removeAll()
        case "reset":
            // Valkey's `resetpass resetkeys resetchannels` (channels as acl-pubsub-default), `off`, `-@all`.
            rules.nopass = false
            rules.passwords.removeAll()
            setAllKeys(false)
            setAllChannels(allChannelsByDefault)
            rules.enabled = false
            rules.skipSanitizePayload = false
            setAllCommands(false)
        case "allkeys", "~*", "resetkeys": setAllKeys(lowered != "resetkeys")
        case "allchannels", "&*", "resetchannels": setAllChannels(lowered != "resetchannels")
        case "allcommands", "+@all": setAllCommands(true)
        case "nocommands", "-@all": setAllCommands(false)
        case "clearselectors": break  // no selectors besides the root one
        default:
            try applyPrefixed(rule, bytes: bytes, table: table)
        }
    }

    /// `allkeys` / `resetkeys`: every key or none, and no patterns.
    private func setAllKeys(_ all: Bool) {
        rules.allKeys = all
        rules.keyPatterns.removeAll()
    }

    /// `allchannels` / `resetchannels`: every channel or none, and no patterns.
    private func setAllChannels(_ all: Bool) {
        rules.allChannels = all
        rules.channelPatterns.removeAll()
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
            if !rules.passwords.contains(digest) { rules.passwords.append(digest) }
            rules.nopass = false
        case UInt8(ascii: "<"), UInt8(ascii: "!"):
            let digest = try Self.digest(bytes, cleartext: bytes[0] == UInt8(ascii: "<"), rest: rest)
            guard let index = rules.passwords.firstIndex(of: digest) else { throw .passwordNotFound }
            rules.passwords.remove(at: index)
        case UInt8(ascii: "~"), UInt8(ascii: "%"):
            guard !rules.allKeys else { throw .patternAfterAllKeys }
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
            if let index = rules.keyPatterns.firstIndex(where: { $0.pattern == pattern }) {
                rules.keyPatterns[index].access.formUnion(access)
            } else {
                rules.keyPatterns.append((pattern, access))
            }
        case UInt8(ascii: "&"):
            guard !rules.allChannels else { throw .channelAfterAllChannels }
            let pattern = Array(bytes.dropFirst())
            guard !ACLCommands.hasSpaces(pattern) else { throw .syntax }
            if !rules.channelPatterns.contains(pattern) { rules.channelPatterns.append(pattern) }
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
            var list = rules.firstArgs[spec.statsIndex] ?? []
            if !list.contains(argument.lowercased()) { list.append(argument.lowercased()) }
            rules.firstArgs[spec.statsIndex] = list
        }
    }

    /// Valkey's `ACLUpdateCommandRules`: drop earlier rules for the same command or category (and, for a whole
    /// command, for its subcommands), then append this one.
    private func updateRules(_ name: String, allow: Bool) {
        let lowered = name.lowercased()
        rules.commandRules.removeAll { rule in
            let existing = rule.dropFirst()
            return existing == lowered || existing.hasPrefix(lowered + "|")
        }
        rules.commandRules.append((allow ? "+" : "-") + lowered)
    }

    private func setAllCommands(_ allow: Bool) {
        for i in rules.allowed.indices { rules.allowed[i] = allow ? ~0 : 0 }
        rules.futureCommands = allow
        rules.firstArgs.removeAll()
        rules.commandRules.removeAll()
    }

    /// Valkey's `ACLChangeSelectorPerm`: a command and all its subcommands; first arguments are forgotten.
    private func change(_ spec: CommandSpec, allow: Bool) {
        setBit(spec.statsIndex, allow)
        rules.firstArgs[spec.statsIndex] = nil
        for sub in spec.subcommandList {
            setBit(sub.statsIndex, allow)
            rules.firstArgs[sub.statsIndex] = nil
        }
    }

    private func setBit(_ index: Int, _ value: Bool) {
        let word = index / 64
        let bit = UInt64(1) << UInt64(index % 64)
        if value { rules.allowed[word] |= bit } else { rules.allowed[word] &= ~bit }
    }

    private func bit(_ index: Int) -> Bool { rules.allowed[index / 64] & (UInt64(1) << UInt64(index % 64)) != 0 }

    // MARK: - Checks

    /// Valkey's `ACLSelectorCheckCmd`: command, then keys, then channels. `spec` is the entry being run (the
    /// subcommand for a container). Returns the denial and the argument it concerns.
    func check(_ spec: CommandSpec, _ args: [ByteBuffer]) -> ACLDenial? {
        if unrestricted { return nil }
        if !spec.flags.contains(.noAuth), !bit(spec.statsIndex) {
            let argumentIndex = spec.parent == nil ? 1 : 2
            guard let allowedArgs = rules.firstArgs[spec.statsIndex], argumentIndex < args.count,
                allowedArgs.contains(String(buffer: args[argumentIndex]).lowercased())
            else { return .command }
        }
        if !rules.allKeys {
            for (index, access) in spec.keyArguments(args) where !mayAccess(key: args[index], access) {
                return .key(argument: index)
            }
        }
        if !rules.allChannels, let channels = spec.channelArguments {
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
        rules.allKeys
            || rules.keyPatterns.contains { $0.pattern == [UInt8(ascii: "*")] && $0.access.isSuperset(of: access) }
    }

    /// Whether a pattern with at least `access` matches `key` (Valkey's `ACLSelectorCheckKey`).
    func mayAccess(key: ByteBuffer, _ access: KeyAccess) -> Bool {
        if rules.allKeys { return true }
        return key.withUnsafeReadableBytes { raw in
            rules.keyPatterns.contains { entry in
                entry.access.isSuperset(of: access) && GlobPattern.matches(pattern: entry.pattern, raw: raw)
            }
        }
    }

    /// Valkey's `ACLCheckChannelAgainstList`: a channel must match one of the patterns; a pattern (PSUBSCRIBE) must
    /// be one of them literally.
    func mayUse(channel: ByteBuffer, pattern: Bool) -> Bool {
        if rules.allChannels { return true }
        return channel.withUnsafeReadableBytes { raw in
            rules.channelPatterns.contains { allowed in
                pattern ? allowed.elementsEqual(raw) : GlobPattern.matches(pattern: allowed, raw: raw)
            }
        }
    }

    /// Whether this user may still use every channel and pattern in `subscriptions` (after a change of its rules).
    func mayKeep(_ subscriptions: PubSubSubscriptions) -> Bool {
        if rules.allChannels { return true }
        func allowed(_ name: Bytes, pattern: Bool) -> Bool {
            name.withUnsafeBytes { raw in
                rules.channelPatterns.contains { entry in
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
        guard rules.enabled else { return false }
        if rules.nopass { return true }
        let digest = Array(Self.hash(password).utf8)
        var matched = false
        for stored in rules.passwords {
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
        [rules.enabled ? "on" : "off"] + (rules.nopass ? ["nopass"] : []) + [
            rules.skipSanitizePayload ? "skip-sanitize-payload" : "sanitize-payload"
        ]
    }

    /// The command rules as ACL GETUSER shows them: `+@all` or `-@all`, then the kept rules.
    public var commandsDescription: String {
        ([rules.futureCommands ? "+@all" : "-@all"] + rules.commandRules).joined(separator: " ")
    }

    /// The key patterns as ACL GETUSER shows them (`~*`, or `%R~a ~b`).
    public var keysDescription: String {
        if rules.allKeys { return "~*" }
        return rules.keyPatterns.map { entry in
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
        if rules.allChannels { return "&*" }
        return rules.channelPatterns.map { "&" + String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }

    /// The whole user as a rule list (`ACL LIST`, `ACL SAVE`; Valkey's `ACLDescribeUser`): flags, `#`hashes, key
    /// patterns (none, `~*` or the list), `&*` or `resetchannels` and the channel patterns, then the command rules.
    public var description: String {
        var parts = flagNames + rules.passwords.map { "#" + $0 }
        if rules.allKeys || !rules.keyPatterns.isEmpty { parts.append(keysDescription) }
        if rules.allChannels {
            parts.append("&*")
        } else {
            parts.append("resetchannels")
            parts += rules.channelPatterns.map { "&" + String(decoding: $0, as: UTF8.self) }
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
