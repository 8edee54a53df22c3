/// Redis' ACL command categories (`ACL CAT`, `+@category` rules), in Redis' order, which is also the order
/// `COMMAND INFO` lists a command's categories in.
///
/// A command's categories are facts of its table entry (`CommandSpec.aclCategories`), derived as Valkey derives
/// them: from the flags (`write` → @write, `readonly` → @read, `admin` → @admin and @dangerous, `pubsub` → @pubsub,
/// `fast` → @fast and otherwise @slow, `blocking` → @blocking), from the group (a data-type group gives its type:
/// `string` → @string, `sorted_set` → @sortedset, …; `generic` → @keyspace; `transactions` → @transaction;
/// `connection` → @connection), plus the few an entry names itself (`acl:`, e.g. @dangerous on KEYS). A container
/// command (CONFIG, CLIENT, OBJECT, …) takes no group category: in Valkey only its subcommands carry one.
public struct ACLCategories: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let keyspace = ACLCategories(rawValue: 1 << 0)
    public static let read = ACLCategories(rawValue: 1 << 1)
    public static let write = ACLCategories(rawValue: 1 << 2)
    public static let set = ACLCategories(rawValue: 1 << 3)
    public static let sortedset = ACLCategories(rawValue: 1 << 4)
    public static let list = ACLCategories(rawValue: 1 << 5)
    public static let hash = ACLCategories(rawValue: 1 << 6)
    public static let string = ACLCategories(rawValue: 1 << 7)
    public static let bitmap = ACLCategories(rawValue: 1 << 8)
    public static let hyperloglog = ACLCategories(rawValue: 1 << 9)
    public static let geo = ACLCategories(rawValue: 1 << 10)
    public static let stream = ACLCategories(rawValue: 1 << 11)
    public static let pubsub = ACLCategories(rawValue: 1 << 12)
    public static let admin = ACLCategories(rawValue: 1 << 13)
    public static let fast = ACLCategories(rawValue: 1 << 14)
    public static let slow = ACLCategories(rawValue: 1 << 15)
    public static let blocking = ACLCategories(rawValue: 1 << 16)
    public static let dangerous = ACLCategories(rawValue: 1 << 17)
    public static let connection = ACLCategories(rawValue: 1 << 18)
    public static let transaction = ACLCategories(rawValue: 1 << 19)
    public static let scripting = ACLCategories(rawValue: 1 << 20)

    /// Every category with its name, in Redis' order (`ACL CAT`).
    public static let named: [(category: ACLCategories, name: String)] = [
        (.keyspace, "keyspace"), (.read, "read"), (.write, "write"), (.set, "set"), (.sortedset, "sortedset"),
        (.list, "list"), (.hash, "hash"), (.string, "string"), (.bitmap, "bitmap"), (.hyperloglog, "hyperloglog"),
        (.geo, "geo"), (.stream, "stream"), (.pubsub, "pubsub"), (.admin, "admin"), (.fast, "fast"), (.slow, "slow"),
        (.blocking, "blocking"), (.dangerous, "dangerous"), (.connection, "connection"),
        (.transaction, "transaction"), (.scripting, "scripting"),
    ]

    /// The category called `name` (case-insensitive, without the `@`), or nil.
    public init?(name: String) {
        let lowered = name.lowercased()
        guard let found = Self.named.first(where: { $0.name == lowered }) else { return nil }
        self = found.category
    }

    /// The names of the categories in this set, in Redis' order.
    public var names: [String] { Self.named.filter { contains($0.category) }.map(\.name) }

    /// The category a command group stands for, by the group's Valkey name (so groups added later, `list`, `set`,
    /// `stream`, … map without a change here).
    static func forGroup(_ group: String) -> ACLCategories {
        switch group {
        case "generic": return .keyspace
        case "string": return .string
        case "hash": return .hash
        case "list": return .list
        case "set": return .set
        case "sorted_set": return .sortedset
        case "bitmap": return .bitmap
        case "hyperloglog": return .hyperloglog
        case "geo": return .geo
        case "stream": return .stream
        case "transactions": return .transaction
        case "connection": return .connection
        case "scripting": return .scripting
        default: return []  // pubsub (from the flag), server
        }
    }

    /// The categories a command group stands for (`forGroup`).
    static let groupLike: ACLCategories = [
        .keyspace, .string, .hash, .list, .set, .sortedset, .bitmap, .hyperloglog,
        .geo, .stream, .transaction, .connection, .scripting,
    ]

    /// Valkey's `setImplicitACLCategories` plus the group's category (unless `explicit` names one of that kind).
    static func derived(
        flags: CommandFlags, group: CommandGroup, isContainer: Bool, explicit: ACLCategories
    )
        -> ACLCategories
    {
        var categories = explicit
        // Explicit group-like categories replace the group's (SORT, in `generic`, is @set @sortedset @list; WAIT
        // is @connection).
        if !isContainer, explicit.isDisjoint(with: groupLike) { categories.formUnion(forGroup(group.rawValue)) }
        if flags.contains(.write) { categories.insert(.write) }
        if flags.contains(.readonly), !categories.contains(.scripting) { categories.insert(.read) }
        if flags.contains(.admin) { categories.formUnion([.admin, .dangerous]) }
        if flags.contains(.pubsub) { categories.insert(.pubsub) }
        if flags.contains(.fast) { categories.insert(.fast) }
        // By name, so the flag the blocking commands bring along maps without a change here.
        if flags.names.contains("blocking") { categories.insert(.blocking) }
        if !categories.contains(.fast) { categories.insert(.slow) }
        return categories
    }
}
