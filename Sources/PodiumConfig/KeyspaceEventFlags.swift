/// The event classes selected by `notify-keyspace-events`, one flag per letter of Redis' alphabet
/// `Ag$lshzxeKEtmdn`.
///
/// Nothing is published unless `K` (keyspace channel) or `E` (keyevent channel) is set *and* at least one type
/// class is set; that check belongs to the publisher, which reads `PodiumConfiguration.notifyKeyspaceEvents`.
public struct KeyspaceEventFlags: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `K`: publish on `__keyspace@<db>__:<key>`.
    public static let keyspace = KeyspaceEventFlags(rawValue: 1 << 0)
    /// `E`: publish on `__keyevent@<db>__:<event>`.
    public static let keyevent = KeyspaceEventFlags(rawValue: 1 << 1)
    /// `g`: generic commands (DEL, EXPIRE, RENAME, …).
    public static let generic = KeyspaceEventFlags(rawValue: 1 << 2)
    /// `$`: string commands.
    public static let string = KeyspaceEventFlags(rawValue: 1 << 3)
    /// `l`: list commands.
    public static let list = KeyspaceEventFlags(rawValue: 1 << 4)
    /// `s`: set commands.
    public static let set = KeyspaceEventFlags(rawValue: 1 << 5)
    /// `h`: hash commands.
    public static let hash = KeyspaceEventFlags(rawValue: 1 << 6)
    /// `z`: sorted-set commands.
    public static let zset = KeyspaceEventFlags(rawValue: 1 << 7)
    /// `x`: a key expired.
    public static let expired = KeyspaceEventFlags(rawValue: 1 << 8)
    /// `e`: a key was evicted.
    public static let evicted = KeyspaceEventFlags(rawValue: 1 << 9)
    /// `t`: stream commands.
    public static let stream = KeyspaceEventFlags(rawValue: 1 << 10)
    /// `m`: key miss (a read of a missing key); not part of `A`.
    public static let keyMiss = KeyspaceEventFlags(rawValue: 1 << 11)
    /// `d`: module events.
    public static let module = KeyspaceEventFlags(rawValue: 1 << 12)
    /// `n`: a new key was created; not part of `A`.
    public static let newKey = KeyspaceEventFlags(rawValue: 1 << 13)

    /// `A`: alias for `g$lshzxetd` (everything but `m` and `n`).
    public static let all: KeyspaceEventFlags = [
        .generic, .string, .list, .set, .hash, .zset, .expired, .evicted, .stream, .module,
    ]

    /// Letters in the order Redis renders them when `A` does not apply.
    private static let typeLetters: [(Character, KeyspaceEventFlags)] = [
        ("g", .generic), ("$", .string), ("l", .list), ("s", .set), ("h", .hash), ("z", .zset),
        ("x", .expired), ("e", .evicted), ("t", .stream), ("d", .module),
    ]

    /// The reason Redis gives for a letter outside its alphabet.
    static let invalidReason = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

    /// Parses a class string such as `KEA` or `Ex`; `nil` if it contains a letter outside `Ag$lshzxeKEtmdn`.
    public init?(classes: String) {
        var flags: KeyspaceEventFlags = []
        for character in classes {
            switch character {
            case "A": flags.formUnion(.all)
            case "K": flags.insert(.keyspace)
            case "E": flags.insert(.keyevent)
            case "m": flags.insert(.keyMiss)
            case "n": flags.insert(.newKey)
            default:
                guard let match = Self.typeLetters.first(where: { $0.0 == character }) else { return nil }
                flags.insert(match.1)
            }
        }
        self = flags
    }

    /// The canonical class string CONFIG GET shows: `A` when every type class is on (else the letters in Redis'
    /// order), then `K`, `E`, `m`. Like redis-server 7.0, `n` is only shown when `A` does not apply (the flag itself
    /// is kept either way).
    public var classes: String {
        var out = ""
        if isSuperset(of: .all) {
            out = "A"
        } else {
            for (letter, flag) in Self.typeLetters where contains(flag) { out.append(letter) }
            if contains(.newKey) { out.append("n") }
        }
        if contains(.keyspace) { out.append("K") }
        if contains(.keyevent) { out.append("E") }
        if contains(.keyMiss) { out.append("m") }
        return out
    }
}
