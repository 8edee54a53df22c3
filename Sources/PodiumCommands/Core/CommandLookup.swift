import NIOCore

/// The command table plus a lookup that needs no allocation: commands are bucketed by name length and first
/// letter, then compared ignoring ASCII case, so `GET` / `get` / `Get` cost a handful of byte compares and no
/// lower-cased copy.
public final class CommandTable: @unchecked Sendable {
    public let commands: [CommandSpec]
    /// Candidates by (length, lower-cased first byte): a flat array indexed directly, no hashing.
    @exclusivity(unchecked) private var buckets: [[(name: [UInt8], spec: CommandSpec)]] = Array(
        repeating: [], count: CommandTable.maxNameLength << 8)
    static let maxNameLength = 32
    /// A spec that is never looked up, used to initialise contexts.
    let placeholder = CommandSpec("", arity: 0, flags: [], group: .server, since: "", summary: "")

    public init(_ commands: [CommandSpec]) {
        self.commands = commands
        for spec in commands {
            for entry in [spec] + spec.subcommandList {
                entry.statsIndex = allSpecs.count
                allSpecs.append(entry)
            }
        }
        for spec in commands {
            let name = Array(spec.name.utf8)
            precondition(name.count > 0 && name.count < Self.maxNameLength, "command names are 1...31 bytes")
            buckets[Self.bucket(length: name.count, first: name[0])].append((name, spec))
        }
    }

    /// The table of every command Podium implements.
    public static let shared = CommandTable(CommandTable.all)

    @inline(__always)
    static func bucket(length: Int, first: UInt8) -> Int {
        var c = first
        if c >= 65 && c <= 90 { c += 32 }
        return length << 8 | Int(c)
    }

    /// The command named by `name` (any case), or nil.
    public func lookup(_ name: ByteBuffer) -> CommandSpec? {
        name.withUnsafeReadableBytes { raw -> CommandSpec? in
            guard raw.count > 0, raw.count < Self.maxNameLength else { return nil }
            let candidates = buckets[Self.bucket(length: raw.count, first: raw[0])]
            outer: for candidate in candidates {
                for j in 1..<raw.count {
                    var c = raw[j]
                    if c >= 65 && c <= 90 { c += 32 }
                    if c != candidate.name[j] { continue outer }
                }
                return candidate.spec
            }
            return nil
        }
    }

    /// The entry an argument vector runs: the subcommand of a container when the second argument names one, the
    /// container itself otherwise (ACL DRYRUN, the cluster slot check of EXEC's queued commands). Nil for an
    /// unknown command.
    public func resolve(_ args: [ByteBuffer]) -> CommandSpec? {
        guard let first = args.first, let spec = lookup(first) else { return nil }
        guard !spec.subcommands.isEmpty, args.count >= 2 else { return spec }
        return spec.subcommands[String(buffer: args[1]).lowercased()] ?? spec
    }

    /// Lookup by name string (COMMAND INFO, tests).
    public func lookup(name: String) -> CommandSpec? {
        let lower = name.lowercased()
        if let bar = lower.firstIndex(of: "|") {
            let parent = String(lower[..<bar])
            let sub = String(lower[lower.index(after: bar)...])
            return lookup(ByteBuffer(string: parent))?.subcommands[sub]
        }
        return lookup(ByteBuffer(string: lower))
    }

    /// Every entry, subcommands included, in statistics-index order.
    @exclusivity(unchecked) public private(set) var allSpecs: [CommandSpec] = []
}
