import NIOCore
import PodiumKeyspace
import PodiumRESP

/// This node as a cluster of one (`cluster-enabled yes`): it owns all 16384 slots, so a client that routes by
/// slot always lands here, and what a real cluster refuses (keys of one request in different slots, SELECT of
/// another database) is refused the same way (`Dispatcher.clusterRefusal`).
///
/// The announced address is, by default, the address the client connected to (its local end of the
/// connection) and the port of the listener it used (the TLS port for a TLS client, as Valkey reports TLS ports
/// to TLS clients): a cluster client then reconnects exactly where it already is. `cluster-announce-*` override
/// it, as in Valkey.
public struct ClusterNode: Sendable {
    /// 40 hex characters, kept in `cluster-config-file` so that it survives restarts.
    public var id: String
    /// The shard's id (Valkey 7.2), kept beside the node id.
    public var shardID: String
    public var announceIP = ""
    public var announcePort = 0
    public var announceTLSPort = 0
    public var announceBusPort = 0
    public var announceHostname = ""
    /// `cluster-preferred-endpoint-type`: `ip`, `hostname` or `unknown-endpoint`.
    public var preferredEndpointType = "ip"
    /// The ports the listeners are bound to (0: none), and `cluster-port` (0: port + 10000).
    public var tcpPort = 0
    public var tlsPort = 0
    public var busPort = 0
    /// ElastiCache Serverless mode: the read endpoint's bound port (0: none), shown as this node's replica.
    public var readPort = 0

    /// The id the read endpoint shows as the replica's: the node id with every hex digit complemented, so it is as
    /// stable as the node id and never equal to it.
    public var replicaID: String {
        String(
            id.map { c in
                guard let v = c.hexDigitValue else { return c }
                return Character(String(15 - v, radix: 16))
            })
    }

    /// The TLS port of the primary endpoint (where the read endpoint sends writes).
    var primaryTLSPort: Int { announceTLSPort != 0 ? announceTLSPort : tlsPort }

    public init(id: String, shardID: String) {
        self.id = id
        self.shardID = shardID
    }

    /// The IP a client is told to use: `cluster-announce-ip`, else the local address of its connection.
    func ip(for client: ClientSession) -> String {
        if !announceIP.isEmpty { return announceIP }
        return ClusterNode.host(ofAddress: client.localAddress)
    }

    /// The client port: the TLS one for a TLS client (`cluster-announce-tls-port` or the bound TLS port), the
    /// plain one otherwise (`cluster-announce-port` or the bound port).
    func port(for client: ClientSession) -> Int {
        if client.overTLS { return announceTLSPort != 0 ? announceTLSPort : tlsPort }
        return announcePort != 0 ? announcePort : tcpPort
    }

    /// The cluster bus port Valkey would show (`@cport`): `cluster-announce-bus-port`, `cluster-port`, or the
    /// plain port + 10000. Nothing listens there: a node of one talks to no other.
    var shownBusPort: Int {
        if announceBusPort != 0 { return announceBusPort }
        if busPort != 0 { return busPort }
        let base = tcpPort != 0 ? tcpPort : tlsPort
        return base + 10000
    }

    /// `127.0.0.1` of `127.0.0.1:6379`, `::1` of `[::1]:6379`.
    static func host(ofAddress address: String) -> String {
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            return String(address[address.index(after: address.startIndex)..<close])
        }
        if let colon = address.lastIndex(of: ":") { return String(address[..<colon]) }
        return address
    }

    /// A fresh node or shard id: 40 random hex characters, as Valkey's `getRandomHexChars`.
    public static func randomID() -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<40).map { _ in "0123456789abcdef".randomElement(using: &rng)! })
    }
}

/// Handlers of Valkey's `cluster` group for a node of one.
public enum ClusterCommands {
    static func node(_ ctx: CommandContext) throws(CommandError) -> ClusterNode {
        guard let node = ctx.dispatcher.cluster else { throw .clusterDisabled }
        return node
    }

    /// CLUSTER INFO
    static func info(_ ctx: inout CommandContext) throws(CommandError) {
        // The read endpoint of the serverless mode is a known node (the replica), not a shard of its own.
        let known = try node(ctx).readPort != 0 ? 2 : 1
        let lines = [
            "cluster_state:ok", "cluster_slots_assigned:16384", "cluster_slots_ok:16384", "cluster_slots_pfail:0",
            "cluster_slots_fail:0", "cluster_known_nodes:\(known)", "cluster_size:1", "cluster_current_epoch:0",
            "cluster_my_epoch:0", "cluster_stats_messages_sent:0", "cluster_stats_messages_received:0",
            "total_cluster_links_buffer_limit_exceeded:0",
        ]
        ctx.reply.verbatim(lines.joined(separator: "\r\n") + "\r\n")
    }

    /// CLUSTER MYID
    static func myid(_ ctx: inout CommandContext) throws(CommandError) {
        let n = try node(ctx)
        ctx.reply.bulk(ctx.client.readEndpoint ? n.replicaID : n.id)
    }

    /// CLUSTER MYSHARDID
    static func myshardid(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.bulk(try node(ctx).shardID)
    }

    /// CLUSTER NODES: one line, `myself,master`, all slots.
    static func nodes(_ ctx: inout CommandContext) throws(CommandError) {
        let n = try node(ctx)
        var line = "\(n.id) \(n.ip(for: ctx.client)):\(n.port(for: ctx.client))@\(n.shownBusPort)"
        if !n.announceHostname.isEmpty { line += ",\(n.announceHostname)" }
        let onReplica = ctx.client.readEndpoint
        line += onReplica ? " master - 0 0 0 connected 0-16383\n" : " myself,master - 0 0 0 connected 0-16383\n"
        // ElastiCache Serverless' read endpoint, as the replica of the one shard.
        if n.readPort != 0 {
            line += "\(n.replicaID) \(n.ip(for: ctx.client)):\(n.readPort)@\(n.shownBusPort)"
            if !n.announceHostname.isEmpty { line += ",\(n.announceHostname)" }
            line += onReplica ? " myself,slave \(n.id) 0 0 0 connected\n" : " slave \(n.id) 0 0 0 connected\n"
        }
        ctx.reply.verbatim(line)
    }

    /// The preferred endpoint (CLUSTER SLOTS' first element, CLUSTER SHARDS' `endpoint`): the IP, the hostname
    /// (`?` when none is set, as Valkey), or nil for `unknown-endpoint`.
    static func endpoint(_ n: ClusterNode, _ client: ClientSession) -> String? {
        switch n.preferredEndpointType {
        case "hostname": return n.announceHostname.isEmpty ? "?" : n.announceHostname
        case "unknown-endpoint": return nil
        default: return n.ip(for: client)
        }
    }

    /// CLUSTER SLOTS: `[[0, 16383, [endpoint, port, id, {extra networking}]]]`.
    static func slots(_ ctx: inout CommandContext) throws(CommandError) {
        let n = try node(ctx)
        ctx.reply.arrayHeader(1)
        ctx.reply.arrayHeader(n.readPort != 0 ? 4 : 3)
        ctx.reply.integer(0)
        ctx.reply.integer(HashSlot.count - 1)
        slotsNode(&ctx, n, port: n.port(for: ctx.client), id: n.id)
        if n.readPort != 0 { slotsNode(&ctx, n, port: n.readPort, id: n.replicaID) }
    }

    /// One node of CLUSTER SLOTS: `[endpoint, port, id, {extra networking}]`.
    static func slotsNode(_ ctx: inout CommandContext, _ n: ClusterNode, port: Int, id: String) {
        ctx.reply.arrayHeader(4)
        if let endpoint = endpoint(n, ctx.client) { ctx.reply.bulk(endpoint) } else { ctx.reply.null() }
        ctx.reply.integer(port)
        ctx.reply.bulk(id)
        // The networking the endpoint does not already say (Valkey's addNodeToNodeReply).
        var extra: [(String, String)] = []
        if n.preferredEndpointType != "ip" { extra.append(("ip", n.ip(for: ctx.client))) }
        if n.preferredEndpointType != "hostname", !n.announceHostname.isEmpty {
            extra.append(("hostname", n.announceHostname))
        }
        ctx.reply.mapHeader(extra.count)
        for (k, v) in extra {
            ctx.reply.bulk(k)
            ctx.reply.bulk(v)
        }
    }

    /// CLUSTER SHARDS: one shard, all slots, this node.
    static func shards(_ ctx: inout CommandContext) throws(CommandError) {
        let n = try node(ctx)
        ctx.reply.arrayHeader(1)
        ctx.reply.mapHeader(2)
        ctx.reply.bulk("slots")
        ctx.reply.arrayHeader(2)
        ctx.reply.integer(0)
        ctx.reply.integer(HashSlot.count - 1)
        ctx.reply.bulk("nodes")
        ctx.reply.arrayHeader(n.readPort != 0 ? 2 : 1)
        let tcp = n.announcePort != 0 ? n.announcePort : n.tcpPort
        shardsNode(&ctx, n, id: n.id, tcp: tcp, tls: n.primaryTLSPort, role: "master")
        if n.readPort != 0 { shardsNode(&ctx, n, id: n.replicaID, tcp: 0, tls: n.readPort, role: "replica") }
    }

    /// One node of CLUSTER SHARDS.
    static func shardsNode(
        _ ctx: inout CommandContext, _ n: ClusterNode, id: String, tcp: Int, tls: Int,
        role: String
    ) {
        var fields: [(String, ReplyField)] = [("id", .text(id))]
        if tcp != 0 { fields.append(("port", .number(tcp))) }
        if tls != 0 { fields.append(("tls-port", .number(tls))) }
        fields.append(("ip", .text(n.ip(for: ctx.client))))
        fields.append(("endpoint", endpoint(n, ctx.client).map { .text($0) } ?? .text("?")))
        if !n.announceHostname.isEmpty { fields.append(("hostname", .text(n.announceHostname))) }
        fields += [("role", .text(role)), ("replication-offset", .number(0)), ("health", .text("online"))]
        ctx.reply.mapHeader(fields.count)
        for (k, v) in fields {
            ctx.reply.bulk(k)
            switch v {
            case .text(let t): ctx.reply.bulk(t)
            case .number(let i): ctx.reply.integer(i)
            }
        }
    }

    enum ReplyField {
        case text(String)
        case number(Int)
    }

    /// CLUSTER KEYSLOT key
    static func keyslot(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try node(ctx)
        ctx.reply.integer(ctx.args[2].withUnsafeReadableBytes { HashSlot.of($0) })
    }

    /// CLUSTER COUNTKEYSINSLOT slot
    static func countkeysinslot(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try node(ctx)
        let slot = try ctx.integer(2)
        guard slot >= 0, slot < HashSlot.count else { throw .invalidSlot }
        ctx.reply.integer(ctx.keyspace[0].keysInSlot(slot))
    }

    /// CLUSTER GETKEYSINSLOT slot count
    static func getkeysinslot(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try node(ctx)
        let slot = try ctx.integer(2)
        let count = try ctx.integer(3)
        guard slot >= 0, slot < HashSlot.count, count >= 0 else { throw .invalidSlotOrCount }
        let keys = ctx.keyspace[0].keys(inSlot: slot, max: count)
        ctx.reply.arrayHeader(keys.count)
        for k in keys { k.withUnsafeBytes { ctx.reply.bulk($0) } }
    }

    /// CLUSTER LINKS: a node of one has no links.
    static func links(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try node(ctx)
        ctx.reply.arrayHeader(0)
    }

    /// CLUSTER HELP
    static func help(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try node(ctx)
        HelpText.reply(
            &ctx, command: "CLUSTER",
            lines: [
                "COUNTKEYSINSLOT <slot>", "    Return the number of keys in <slot>.",
                "GETKEYSINSLOT <slot> <count>", "    Return key names stored by current node in a slot.",
                "INFO", "    Return information about the cluster.",
                "KEYSLOT <key>", "    Return the hash slot for <key>.",
                "LINKS", "    Return information about all network links between this node and its peers.",
                "MYID", "    Return the node id.",
                "MYSHARDID", "    Return the node's shard id.",
                "NODES", "    Return cluster configuration seen by node.",
                "SHARDS", "    Return information about slot range mappings and the nodes associated with them.",
                "SLOTS", "    Return information about slots range mappings.",
            ])
    }

    /// READONLY / READWRITE: accepted (a node of one is its own primary, so reads are served either way).
    static func readonly(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try node(ctx)
        ctx.client.clusterReadOnly = true
        ctx.reply.ok()
    }

    static func readwrite(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try node(ctx)
        ctx.client.clusterReadOnly = false
        ctx.reply.ok()
    }

    /// ASKING: accepted (no slot is ever migrating).
    static func asking(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try node(ctx)
        ctx.reply.ok()
    }
}

// MARK: - The slot check

extension Dispatcher {
    /// Valkey's `getNodeByQuery` for a node that owns every slot: nil when the command may run, else the error.
    /// Every key of the command (for EXEC, of every queued command), and the shard channels of SPUBLISH /
    /// SSUBSCRIBE / SUNSUBSCRIBE, must hash to one slot. A command with at most one key is never refused, and
    /// costs nothing here.
    func clusterRefusal(_ spec: CommandSpec, _ args: [ByteBuffer], _ client: ClientSession) -> CommandError? {
        if spec.rootFlags.contains(.runsTransaction) {
            guard client.inMulti else { return nil }
            var slot: Int?
            for queued in client.queued {
                guard let queuedSpec = table.resolve(queued) else { continue }
                if !Self.sameSlot(queuedSpec, queued, &slot) { return .crossSlot }
            }
            return nil
        }
        guard spec.mayNameSeveralKeys else { return nil }
        var slot: Int?
        return Self.sameSlot(spec, args, &slot) ? nil : .crossSlot
    }

    /// Whether every key (and shard channel) of `args` hashes to `slot` (set from the first one when nil).
    static func sameSlot(_ spec: CommandSpec, _ args: [ByteBuffer], _ slot: inout Int?) -> Bool {
        var indices = spec.keyArguments(args).map(\.index)
        if let shard = spec.shardChannelArguments { indices += shard.indices(argc: args.count) }
        for i in indices where i < args.count {
            let s = args[i].withUnsafeReadableBytes { HashSlot.of($0) }
            if let slot, slot != s { return false }
            slot = s
        }
        return true
    }
}
