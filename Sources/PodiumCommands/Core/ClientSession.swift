import NIOCore
import PodiumKeyspace
import PodiumRESP

/// Per-connection state the command layer needs: selected database, protocol, MULTI queue, WATCH token, name
/// and library info, flags. The server owns one per connection and only touches it inside the command executor.
public final class ClientSession {
    /// What `CLIENT REPLY` asked for.
    public enum ReplyMode: Sendable {
        case on, off, skipNext, skipThis
    }

    public let id: Int
    @exclusivity(unchecked) public var db = 0
    @exclusivity(unchecked) public var proto: ProtocolVersion = .resp2
    @exclusivity(unchecked) public var name: Bytes?
    @exclusivity(unchecked) public var libName: String?
    @exclusivity(unchecked) public var libVersion: String?
    @exclusivity(unchecked) public var noEvict = false
    @exclusivity(unchecked) public var noTouch = false
    @exclusivity(unchecked) public var replyMode: ReplyMode = .on
    @exclusivity(unchecked) public var authenticated = true
    /// The connection's buffers as the server measures them (CLIENT LIST `qbuf`, `omem`); nil outside a server.
    @exclusivity(unchecked) public var buffers: (any ClientBufferFigures)?
    /// The ACL user this connection runs as; nil for the default user.
    @exclusivity(unchecked) public var user: ACLUser? {
        didSet { userReference = user.map { Unmanaged.passUnretained($0) } }
    }
    /// `user` unretained, for the per-command ACL shortcut (`AccessControl.allowsEverything`): `user` keeps it alive.
    @exclusivity(unchecked) @usableFromInline var userReference: Unmanaged<ACLUser>?
    /// The user name CLIENT LIST and CLIENT INFO show.
    public var userName: String { user?.name ?? "default" }
    /// Set by QUIT and CLIENT KILL: the server closes the connection after flushing the replies so far.
    @exclusivity(unchecked) public var closeAfterReply = false
    @exclusivity(unchecked) public var isMonitor = false
    /// The client that replays the AOF at start-up (Valkey's `CLIENT_ID_AOF`): it runs while the dataset is
    /// loading, skips maxmemory and disk-error checks, and what it runs is not propagated again.
    @exclusivity(unchecked) public var replaysLog = false
    /// The client a script's commands run as (Valkey's `CLIENT_SCRIPT`): it never blocks (BLPOP answers at once).
    @exclusivity(unchecked) public var isScript = false
    /// False while a script has turned its writes' recording off (`server.set_repl(server.REPL_NONE)`).
    @exclusivity(unchecked) public var recordsWrites = true

    // MULTI/EXEC
    @exclusivity(unchecked) public var inMulti = false
    /// Set when a command failed to queue: EXEC then answers EXECABORT.
    @exclusivity(unchecked) public var multiError = false
    @exclusivity(unchecked) public var queued: [[ByteBuffer]] = []
    public let watch = WatchToken()
    /// (db, key, expireAt) of watched keys that had a TTL when watched.
    @exclusivity(unchecked) public var watchExpiry: [(Int, Bytes, Int64)] = []

    /// Set while the client is blocked (BLPOP ...): what it waits for and the command to run again.
    @exclusivity(unchecked) public internal(set) var blocked: BlockedState?
    /// While a blocked client's command runs again after an unblock: its first blocking, whose deadline a new
    /// block keeps.
    @exclusivity(unchecked) var reprocessing: BlockedState?

    /// The channels, patterns and shard channels this client is subscribed to. The server's Pub/Sub hub keeps
    /// these in step with its own channel → subscribers index; the command layer only reads them.
    @exclusivity(unchecked) public var subscriptions = PubSubSubscriptions()

    // Bookkeeping for CLIENT LIST / INFO.
    public let createdAt: Int64
    @exclusivity(unchecked) public var lastInteraction: Int64
    @exclusivity(unchecked) public var lastCommand = "NULL"
    @exclusivity(unchecked) public var address: String
    @exclusivity(unchecked) public var localAddress: String
    /// True for a loopback or unix-socket client (`enable-protected-configs local`, protected mode).
    @exclusivity(unchecked) public var isLocal = false
    /// True for a connection to the TLS port (cluster replies announce the TLS port to it).
    @exclusivity(unchecked) public var overTLS = false
    /// READONLY / READWRITE (cluster mode).
    @exclusivity(unchecked) public var clusterReadOnly = false
    /// A connection to the ElastiCache Serverless read endpoint (`elasticache-read-port`).
    @exclusivity(unchecked) public var readEndpoint = false
    @exclusivity(unchecked) public var fd: Int

    public init(id: Int, address: String = "", localAddress: String = "", fd: Int = -1, now: Int64 = 0) {
        self.id = id
        self.address = address
        self.localAddress = localAddress
        self.fd = fd
        self.createdAt = now
        self.lastInteraction = now
    }

    /// Clears MULTI state (EXEC, DISCARD, RESET).
    public func discardTransaction() {
        inMulti = false
        multiError = false
        queued.removeAll()
    }
}

/// What one client is subscribed to (Valkey's `c->pubsub_channels`, `pubsub_patterns`, `pubsubshard_channels`).
public struct PubSubSubscriptions: Sendable {
    public var channels = Set<Bytes>()
    public var patterns = Set<Bytes>()
    public var shardChannels = Set<Bytes>()

    public init() {}

    /// The count SUBSCRIBE, PSUBSCRIBE and their UNSUBSCRIBEs report: channels plus patterns.
    public var count: Int { channels.count + patterns.count }
    /// The count SSUBSCRIBE and SUNSUBSCRIBE report.
    public var shardCount: Int { shardChannels.count }
    /// True while the client has any subscription: a RESP2 client is then in subscribed mode (`flags=P`).
    public var isSubscribed: Bool { !channels.isEmpty || !patterns.isEmpty || !shardChannels.isEmpty }

    /// The set of one kind.
    public subscript(kind: PubSubKind) -> Set<Bytes> {
        get {
            switch kind {
            case .channel: return channels
            case .pattern: return patterns
            case .shard: return shardChannels
            }
        }
        _modify {
            switch kind {
            case .channel: yield &channels
            case .pattern: yield &patterns
            case .shard: yield &shardChannels
            }
        }
    }

    /// The count a confirmation of `kind` carries.
    public func count(for kind: PubSubKind) -> Int { kind == .shard ? shardCount : count }
}

/// The three Pub/Sub namespaces. Shard channels are separate from ordinary ones (SPUBLISH reaches only
/// SSUBSCRIBE subscribers), and patterns only match ordinary channels.
public enum PubSubKind: Sendable {
    case channel, pattern, shard
}

/// What a connection holds in memory besides its commands' data, measured by the server (which owns the sockets)
/// and read by CLIENT LIST and client-output-buffer-limit checks from any thread.
public protocol ClientBufferFigures: AnyObject, Sendable {
    /// Bytes received and not yet parsed into a complete request (CLIENT LIST `qbuf`).
    var queryBufferBytes: Int { get }
    /// Reply bytes produced and not yet taken by the client's socket, Pub/Sub and MONITOR frames included
    /// (CLIENT LIST `omem`).
    var outputBytes: Int { get }
    /// Writes of replies still held (CLIENT LIST `oll`): each is one batch of replies or of pushed frames.
    var outputWrites: Int { get }
}
