import NIOCore
import PodiumKeyspace

/// `elasticache-serverless yes`: what an ElastiCache Serverless endpoint refuses, checked by the dispatcher on top
/// of cluster mode. docs/elasticache.md cites the AWS page behind each rule; where AWS is silent it says what was
/// chosen.
///
/// - Restricted commands (`restricted`) answer as ElastiCache answers them: `ERR unknown command 'keys', with args
///   beginning with: pattern` (the name lowercased, the first argument unquoted), from clients and from scripts.
/// - At most `maxArguments` arguments per request.
/// - EVAL and EVALSHA (and their `_RO` forms) must declare keys: `ERR Lua scripts without any input keys are not
///   supported.`
/// - Scripts, FLUSHALL and FLUSHDB are not queued in MULTI: `ERR command not supported inside transaction`, and the
///   transaction fails at EXEC.
/// - Classic Pub/Sub is served as sharded Pub/Sub: PUBLISH and SPUBLISH reach SUBSCRIBE and SSUBSCRIBE clients of
///   a channel alike, and PUBSUB's channel lists and counts show both.
/// - The read endpoint (`elasticache-read-port`, 6380 on ElastiCache) serves reads to READONLY clients; a client
///   that did not send READONLY, and every write, gets `MOVED <slot> <host>:<tls-port>`, as from a replica.
public struct ServerlessRules: Sendable {
    /// ElastiCache's restricted commands (every cache) and those its serverless caches add, as command names or
    /// `container|subcommand`.
    public static let restricted: Set<String> = [
        // Restricted on every ElastiCache cache.
        "acl|setuser", "acl|load", "acl|save", "acl|deluser", "bgrewriteaof", "bgsave", "cluster|addslots",
        "cluster|addslotsrange", "cluster|bumpepoch", "cluster|delslots", "cluster|delslotsrange",
        "cluster|failover", "cluster|flushslots", "cluster|forget", "cluster|links", "cluster|meet",
        "cluster|setslot", "config", "debug", "migrate", "psync", "replicaof", "save", "slaveof", "shutdown", "sync",
        // Restricted on serverless caches.
        "acl|log", "keys", "lastsave", "monitor", "move", "swapdb", "wait", "script|kill", "client|caching",
        "client|getredir", "client|id", "client|info", "client|kill", "client|list", "client|no-evict",
        "client|pause", "client|tracking", "client|trackinginfo", "client|unblock", "client|unpause",
        "cluster|count-failure-reports", "fcall", "fcall_ro", "function", "latency", "memory", "object", "slowlog",
        "pfdebug", "pfselftest", "psubscribe", "punsubscribe", "pubsub|numpat",
    ]

    /// The most arguments (the command name included) one request may have.
    public static let maxArguments = 3999

    public init() {}

    /// Whether ElastiCache Serverless refuses `spec` (a command or a subcommand).
    static func restricts(_ spec: CommandSpec) -> Bool {
        restricted.contains((spec.parent ?? spec).name) || (spec.parent != nil && restricted.contains(spec.fullName))
    }

    /// SCRIPT KILL and FUNCTION KILL stay allowed while a script is busy: without them nothing could stop a
    /// runaway script (ElastiCache restricts them, and stops such scripts itself).
    static func allowedWhileBusy(_ spec: CommandSpec) -> Bool {
        spec.fullName == "script|kill" || spec.fullName == "function|kill"
    }
}

extension Dispatcher {
    /// A restricted command's reply, or nil: checked as soon as the command (`spec`, a container before its
    /// subcommand is looked up, then the subcommand) is known, as for an unknown one.
    func serverlessRestriction(_ spec: CommandSpec, _ args: [ByteBuffer]) -> CommandError? {
        guard ServerlessRules.restricts(spec) else { return nil }
        if busyScript != nil, let resolved = table.resolve(args), ServerlessRules.allowedWhileBusy(resolved) {
            return nil
        }
        let first = args.count > 1 ? String(buffer: args[1]) : nil
        return .restrictedOnServerless(String(buffer: args[0]), firstArgument: first)
    }

    /// The serverless refusal of an allowed command (checked after the cluster's slot check), or nil.
    func serverlessRefusal(_ spec: CommandSpec, _ args: [ByteBuffer], _ client: ClientSession) -> CommandError? {
        let root = spec.parent ?? spec
        if spec.flags.contains(.runsScript), args.count > 2, root.name.hasPrefix("eval"),
            let numkeys = Int(String(buffer: args[2])), numkeys == 0
        {
            return .keylessScript
        }
        if client.inMulti, !inExec,
            spec.flags.contains(.runsScript) || root.name == "flushall" || root.name == "flushdb"
        {
            return .notSupportedInTransaction
        }
        if client.readEndpoint, let node = cluster, let refusal = readEndpointRefusal(spec, args, client, node) {
            return refusal
        }
        return nil
    }

    /// On the read endpoint, as on a Valkey replica: a command with keys runs only for a READONLY client and only
    /// if it reads, anything else with keys is sent to the primary endpoint (`MOVED`); a write without keys
    /// (FLUSHALL) is refused (`READONLY`). EVAL and FCALL count as writes (their `_RO` forms read).
    private func readEndpointRefusal(
        _ spec: CommandSpec, _ args: [ByteBuffer], _ client: ClientSession,
        _ node: ClusterNode
    ) -> CommandError? {
        // EXEC (its queued commands were checked as they were queued), MULTI and WATCH.
        if !spec.rootFlags.isDisjoint(with: [.runsTransaction, .notQueued]) { return nil }
        let writes = spec.flags.contains(.write) || !spec.flags.contains(.readonly)
        guard let first = spec.keyArguments(args).first, first.index < args.count else {
            return spec.flags.contains(.write) ? .readOnlyReplica : nil
        }
        if client.clusterReadOnly, !writes { return nil }
        let slot = args[first.index].withUnsafeReadableBytes { HashSlot.of($0) }
        let host = ClusterCommands.endpoint(node, client) ?? "?"
        return .moved(slot: slot, host: host, port: node.primaryTLSPort)
    }
}
