import NIOCore
import PodiumNumbers

/// Command flags, named after Valkey's `CMD_*` flags (server.h) and reported by `COMMAND INFO` the same way.
///
/// - `write`: may modify the keyspace.
/// - `readonly`: only reads keys.
/// - `denyOOM`: may grow memory; refused when over `maxmemory` (once eviction exists).
/// - `admin`: administrative (CONFIG, DEBUG, SHUTDOWN, MONITOR, CLIENT KILL).
/// - `pubsub`: a Pub/Sub command.
/// - `noscript`: not allowed from scripts.
/// - `loading`: allowed while the dataset loads.
/// - `stale`: allowed on a replica with stale data.
/// - `fast`: O(1) or O(log N); never delays the server.
/// - `noAuth`: allowed before AUTH.
/// - `noMulti`: refused inside MULTI (`Command not allowed inside a transaction`).
/// - `skipMonitor`: not shown to MONITOR clients (AUTH, HELLO with credentials).
/// - `skipSlowlog`: not recorded in the slow log.
/// - `allowBusy`: allowed while a script is busy.
/// - `blocking`: may block the client (BLPOP, BZPOPMIN, WAIT); inside MULTI it answers at once instead.
/// - `protected`: only where `enable-debug-command` allows it (DEBUG; hidden from COMMAND INFO, as in Valkey).
public struct CommandFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let write = CommandFlags(rawValue: 1 << 0)
    public static let readonly = CommandFlags(rawValue: 1 << 1)
    public static let denyOOM = CommandFlags(rawValue: 1 << 2)
    public static let admin = CommandFlags(rawValue: 1 << 3)
    public static let pubsub = CommandFlags(rawValue: 1 << 4)
    public static let noscript = CommandFlags(rawValue: 1 << 5)
    public static let loading = CommandFlags(rawValue: 1 << 6)
    public static let stale = CommandFlags(rawValue: 1 << 7)
    public static let fast = CommandFlags(rawValue: 1 << 8)
    public static let noAuth = CommandFlags(rawValue: 1 << 9)
    public static let noMulti = CommandFlags(rawValue: 1 << 10)
    public static let skipMonitor = CommandFlags(rawValue: 1 << 11)
    public static let skipSlowlog = CommandFlags(rawValue: 1 << 12)
    public static let allowBusy = CommandFlags(rawValue: 1 << 13)
    public static let blocking = CommandFlags(rawValue: 1 << 14)
    /// Runs a script (EVAL, FCALL and their kin): the server runs it on its script thread, so that the event
    /// loops stay free while it runs (Podium's own flag; COMMAND INFO does not show it).
    public static let runsScript = CommandFlags(rawValue: 1 << 15)
    public static let protected = CommandFlags(rawValue: 1 << 16)

    // Podium's own flags (COMMAND INFO does not show them): what the dispatcher must know about a few commands,
    // which Valkey's `processCommand` knows by comparing command procedures.

    /// Runs the queued transaction (EXEC): the checks that refuse it also discard the transaction, and it is
    /// refused when what it queued would be (writes on a disk error, `denyoom` commands over maxmemory).
    public static let runsTransaction = CommandFlags(rawValue: 1 << 17)
    /// Ends a transaction (EXEC, DISCARD, QUIT, RESET): inside MULTI it runs at once instead of being queued, and
    /// it is still allowed there when the server is over maxmemory.
    public static let endsTransaction = CommandFlags(rawValue: 1 << 18)
    /// Inside MULTI it answers at once instead of being queued (MULTI and WATCH, which refuse themselves there).
    public static let notQueued = CommandFlags(rawValue: 1 << 19)
    /// A RESP2 client in subscribed mode may send it: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET.
    public static let allowedWhileSubscribed = CommandFlags(rawValue: 1 << 20)
    /// Refused like a write while the AOF or an RDB save is failing, though it writes nothing (PING, so that a
    /// client notices: Valkey's `writeCommandsDeniedByDiskError` check).
    public static let refusedOnDiskError = CommandFlags(rawValue: 1 << 21)

    /// The names `COMMAND INFO` prints, in Valkey's order.
    public var names: [String] {
        var out: [String] = []
        let table: [(CommandFlags, String)] = [
            (.write, "write"), (.readonly, "readonly"), (.denyOOM, "denyoom"), (.admin, "admin"),
            (.pubsub, "pubsub"), (.noscript, "noscript"), (.blocking, "blocking"), (.loading, "loading"),
            (.stale, "stale"),
            (.skipMonitor, "skip_monitor"), (.skipSlowlog, "skip_slowlog"), (.fast, "fast"), (.noAuth, "no_auth"),
            (.allowBusy, "allow_busy"), (.noMulti, "no_multi"),
        ]
        for (flag, name) in table where contains(flag) { out.append(name) }
        return out
    }
}

/// Where the keys are in the argument vector: Valkey's legacy (first, last, step) triple. `last` negative counts
/// from the end (-1 = the last argument). (0, 0, 0) means no keys.
public struct KeyPositions: Sendable {
    public var first: Int
    public var last: Int
    public var step: Int
    public static let none = KeyPositions(first: 0, last: 0, step: 0)
    public static let one = KeyPositions(first: 1, last: 1, step: 1)
    public static let all = KeyPositions(first: 1, last: -1, step: 1)

    /// The indices of the keys in a concrete argument vector of length `argc`.
    public func indices(argc: Int) -> [Int] {
        guard first > 0, step > 0 else { return [] }
        let lastIndex = last < 0 ? argc + last : min(last, argc - 1)
        guard first <= lastIndex else { return [] }
        return Array(stride(from: first, through: lastIndex, by: step))
    }
}

/// What a command does with a key, for ACL key permissions (`%R~`, `%W~`): `read` where Valkey's key spec says
/// ACCESS (the value is read or returned), `write` where it says INSERT, DELETE or UPDATE. EXISTS or TYPE need
/// neither: any pattern that matches the key allows them.
public struct KeyAccess: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = KeyAccess(rawValue: 1 << 0)
    public static let write = KeyAccess(rawValue: 1 << 1)
}

/// Where some of a command's keys are and what the command does with them (Valkey's key specs, reduced to what
/// Podium's commands need). A command's `keySpecs` default to one range spec from its `keys` triple, with the
/// access its flags suggest (`readonly` → read, `write` → write); entries whose keys differ (RENAME's source and
/// destination), follow a count (ZUNION's `numkeys`) or whose access differs from the default name them.
public struct KeySpec: Sendable {
    public enum Search: Sendable {
        /// Keys from `first` to `last` (negative: from the end) every `step` arguments.
        case range(first: Int, last: Int, step: Int)
        /// A count at `index`, then that many keys right after it (ZUNION `numkeys key ...`).
        case counted(index: Int)
        /// SORT's STORE destination (`sortStoreIndex`).
        case sortStore
        /// Keys no rule finds (Valkey's `unknown` spec: SORT's BY and GET patterns name keys by their contents).
        /// Matches no argument; it makes the command `movablekeys`.
        case unknown
    }

    public let search: Search
    public let access: KeyAccess
    /// An argument (lower case) whose presence after the key adds read access (SET … GET).
    public let readIfArgument: String?

    public init(_ search: Search, _ access: KeyAccess, readIfArgument: String? = nil) {
        self.search = search
        self.access = access
        self.readIfArgument = readIfArgument
    }

    public static func range(_ first: Int, _ last: Int, step: Int = 1, _ access: KeyAccess) -> KeySpec {
        KeySpec(.range(first: first, last: last, step: step), access)
    }

    public static func counted(at index: Int, _ access: KeyAccess) -> KeySpec {
        KeySpec(.counted(index: index), access)
    }

    /// The index in `args` (whose first element is SORT's name) of SORT's destination, as Valkey's `sortGetKeys`:
    /// the argument after the *last* STORE, where LIMIT skips two arguments and GET and BY one.
    static func sortStoreIndex(_ args: ArraySlice<ByteBuffer>) -> Int? {
        let base = args.startIndex
        func word(_ i: Int, _ w: String) -> Bool { String(buffer: args[base + i]).lowercased() == w }
        var store: Int?
        var i = 2
        while i < args.count {
            if word(i, "limit") {
                i += 2
            } else if word(i, "store"), i + 1 < args.count {
                store = i + 1
            } else if word(i, "get") || word(i, "by") {
                i += 1
            }
            i += 1
        }
        return store.map { base + $0 }
    }

    /// The key arguments of a concrete argument vector, with their access. A count that is not a valid number (the
    /// command will refuse it) or that runs past the arguments yields the keys that are there.
    func keys(in args: [ByteBuffer]) -> [(index: Int, access: KeyAccess)] {
        var access = self.access
        switch search {
        case .range(let first, let last, let step):
            let indices = KeyPositions(first: first, last: last, step: step).indices(argc: args.count)
            if let word = readIfArgument, let lastKey = indices.last,
                args[(lastKey + 1)...].contains(where: { String(buffer: $0).lowercased() == word })
            {
                access.insert(.read)
            }
            return indices.map { ($0, access) }
        case .counted(let index):
            guard index < args.count, let count = args[index].withUnsafeReadableBytes(StrictInteger.parse), count > 0
            else { return [] }
            let end = min(args.count, index + 1 + count)
            return (index + 1..<end).map { ($0, access) }
        case .sortStore:
            return Self.sortStoreIndex(args[...]).map { [($0, access)] } ?? []
        case .unknown:
            return []
        }
    }
}

/// Where a Pub/Sub command's channels are, for ACL channel permissions (Valkey's `commands_with_channels`): SUBSCRIBE
/// and SSUBSCRIBE name channels, PSUBSCRIBE patterns (which must be allowed literally), PUBLISH and SPUBLISH one
/// channel. The unsubscribe commands are not checked.
public struct ChannelArguments: Sendable {
    public let first: Int
    /// How many arguments from `first`; -1 for all the rest.
    public let count: Int
    public let pattern: Bool

    public init(first: Int, count: Int, pattern: Bool = false) {
        self.first = first
        self.count = count
        self.pattern = pattern
    }

    public static let all = ChannelArguments(first: 1, count: -1)
    public static let allPatterns = ChannelArguments(first: 1, count: -1, pattern: true)
    public static let one = ChannelArguments(first: 1, count: 1)

    func indices(argc: Int) -> Range<Int> {
        let end = count < 0 ? argc : min(argc, first + count)
        return first < end ? first..<end : first..<first
    }
}

/// Valkey's command groups (the `group` field of its command JSON), which also name our handler enums.
public enum CommandGroup: String, Sendable, CaseIterable {
    case generic, string, hash, list, set, bitmap
    case sortedSet = "sorted_set"
    case pubsub, transactions, connection, server, cluster, scripting
}

/// Per-command statistics for INFO commandstats, kept by each dispatcher (so two servers in one process do not
/// mix their figures).
public struct CommandStats: Sendable {
    public var calls = 0
    /// Time spent executing, in nanoseconds (INFO reports microseconds).
    public var nanoseconds: UInt64 = 0
    public var rejectedCalls = 0
    public var failedCalls = 0
    public init() {}
}

/// A handler runs one command: it reads `ctx.args`, works on `ctx.db`, and writes its reply into `ctx.reply`.
public typealias CommandHandler = (inout CommandContext) throws(CommandError) -> Void

/// One entry of the command table. A class so a subcommand can point at its parent.
public final class CommandSpec: @unchecked Sendable {
    /// Lower-case name; for subcommands the container's name and the subcommand's, `config|get`.
    public let name: String
    /// Valkey arity: the argument count including the command name; negative means "at least -arity".
    public let arity: Int
    public let flags: CommandFlags
    public let keys: KeyPositions
    public let group: CommandGroup
    /// The Redis version that introduced the command (COMMAND DOCS).
    public let since: String
    /// One-line summary (COMMAND DOCS, docs/commands.md).
    public let summary: String
    /// Time complexity as Valkey documents it (COMMAND DOCS).
    public let complexity: String
    /// The syntax after the command name, for docs/commands.md.
    public let syntax: String
    public let handler: CommandHandler?
    /// Subcommands by lower-case name, for container commands (CONFIG, CLIENT, COMMAND, OBJECT, ...).
    public let subcommands: [String: CommandSpec]
    /// Subcommands in declaration order.
    public let subcommandList: [CommandSpec]
    public weak var parent: CommandSpec?

    /// The ACL categories of this entry (`ACLCategories.derived`): flags, group and `acl:` extras.
    public let aclCategories: ACLCategories
    /// Where the keys are and what is done with them (ACL key permissions).
    public let keySpecs: [KeySpec]
    /// Where the channels are (Pub/Sub commands; ACL channel permissions).
    public let channelArguments: ChannelArguments?
    /// Where the shard channels are (SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE): in cluster mode they must hash to one
    /// slot, as keys do (Valkey gives them `NOT_KEY` key specs).
    public let shardChannelArguments: ChannelArguments?
    /// True when an argument vector may name keys (or shard channels) in more than one slot: several key specs, a
    /// range wider than one argument, a count, or shard channels. Only these are slot-checked in cluster mode.
    public let mayNameSeveralKeys: Bool

    /// This entry's slot in each dispatcher's statistics array; assigned when the table is built.
    @exclusivity(unchecked) public internal(set) var statsIndex = 0

    public init(
        _ name: String, arity: Int, flags: CommandFlags, keys: KeyPositions = .none, group: CommandGroup,
        since: String, summary: String, complexity: String = "", syntax: String = "", handler: CommandHandler? = nil,
        subcommands: [CommandSpec] = [], acl: ACLCategories = [], keyAccess: KeyAccess? = nil,
        keySpecs: [KeySpec]? = nil, channels: ChannelArguments? = nil, shardChannels: ChannelArguments? = nil
    ) {
        self.name = name
        self.arity = arity
        self.flags = flags
        self.keys = keys
        self.group = group
        self.since = since
        self.summary = summary
        self.complexity = complexity
        self.syntax = syntax
        self.handler = handler
        self.aclCategories = ACLCategories.derived(
            flags: flags, group: group, isContainer: !subcommands.isEmpty, explicit: acl)
        if let keySpecs {
            self.keySpecs = keySpecs
        } else if keys.first > 0 {
            let access = keyAccess ?? (flags.contains(.write) ? .write : flags.contains(.readonly) ? .read : [])
            self.keySpecs = [.range(keys.first, keys.last, step: keys.step, access)]
        } else {
            self.keySpecs = []
        }
        self.channelArguments = channels
        self.shardChannelArguments = shardChannels
        self.mayNameSeveralKeys =
            shardChannels != nil || self.keySpecs.count > 1
            || self.keySpecs.contains { spec in
                if case .range(let first, let last, _) = spec.search { return last < 0 || last > first }
                return true
            }
        self.subcommandList = subcommands
        var map: [String: CommandSpec] = [:]
        for sub in subcommands {
            let short = sub.name.split(separator: "|").last.map(String.init) ?? sub.name
            map[short] = sub
        }
        self.subcommands = map
        for sub in subcommands { sub.parent = self }
    }

    /// The flags of the command itself (a subcommand's container): the transaction and subscribed-mode flags.
    public var rootFlags: CommandFlags { (parent ?? self).flags }

    /// The name as Valkey prints it in errors and stats (`config|get`).
    public var fullName: String { name }

    /// Every key argument of `args` (this command's argument vector) with what the command does with it.
    public func keyArguments(_ args: [ByteBuffer]) -> [(index: Int, access: KeyAccess)] {
        keySpecs.flatMap { $0.keys(in: args) }
    }

    /// Whether some keys are found by a count (`numkeys`) or a keyword (SORT's STORE): COMMAND's `movablekeys`.
    public var hasMovableKeys: Bool {
        keySpecs.contains {
            switch $0.search {
            case .range: return false
            case .counted, .sortStore, .unknown: return true
            }
        }
    }

    /// Valkey's arity rule (`commandCheckArity`).
    @inlinable public func acceptsArgumentCount(_ argc: Int) -> Bool { Self.arity(arity, accepts: argc) }

    /// Whether `argc` arguments (the name included) satisfy `arity`: exactly `arity`, or at least `-arity` when
    /// it is negative. Shared with DEBUG's subcommand rows.
    @inlinable public static func arity(_ arity: Int, accepts argc: Int) -> Bool {
        (arity > 0 && arity == argc) || (arity < 0 && argc >= -arity)
    }

}
