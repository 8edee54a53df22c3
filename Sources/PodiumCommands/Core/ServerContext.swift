import NIOCore
import PodiumKeyspace

/// What the command layer asks of the server it runs in: configuration, the client registry, shutdown, and the
/// figures INFO reports. PodiumServer implements it; unit tests use a small fake.
public protocol ServerContext: AnyObject {
    /// `CONFIG GET`: name/value pairs of every parameter whose name matches one of the glob patterns.
    func configGet(patterns: [String]) -> [(String, String)]
    /// `CONFIG SET`: applies every pair or none. Throws the exact error reply. `client` sent it (whether it may
    /// change protected directives depends on where it connects from).
    func configSet(pairs: [(String, String)], client: ClientSession) throws(CommandError)
    /// One parameter's current value, or nil.
    func configValue(_ name: String) -> String?
    /// `CONFIG RESETSTAT`.
    func resetStats()
    /// `CONFIG REWRITE`.
    func configRewrite() throws(CommandError)

    /// All connected clients.
    func clients() -> [ClientSession]
    /// Marks a client to be closed after its current reply (CLIENT KILL).
    func kill(client: ClientSession)
    /// Starts sending every executed command to `client` (MONITOR).
    func addMonitor(_ client: ClientSession)

    // MARK: Pub/Sub (the hub lives in the server; every call is made with the executor lock held)

    /// Adds `client` to the subscribers of `name` (a channel, pattern or shard channel) and to
    /// `client.subscriptions`. Returns false if it was already subscribed.
    func subscribe(_ client: ClientSession, _ kind: PubSubKind, _ name: Bytes) -> Bool
    /// Removes `client` from the subscribers of `name`. Returns false if it was not subscribed.
    func unsubscribe(_ client: ClientSession, _ kind: PubSubKind, _ name: Bytes) -> Bool
    /// Drops every subscription of `client` without replying (RESET).
    func unsubscribeAll(_ client: ClientSession)
    /// Sends `message` to every subscriber of `channel` (`.channel` or `.shard`), and for `.channel` to every
    /// subscriber of a matching pattern, once per subscription; returns the number of deliveries (PUBLISH's
    /// reply). Any handler may call it: it never blocks, and each message is encoded once per protocol, not once
    /// per subscriber. When `publisher` is itself a subscriber its frame goes into `output` (ahead of the
    /// command's reply, as in Redis); other subscribers get theirs through their own connection, in call order.
    func publish(
        _ kind: PubSubKind, channel: ByteBuffer, message: ByteBuffer, publisher: ClientSession?,
        output: inout ByteBuffer
    ) -> Int
    /// PUBSUB CHANNELS / SHARDCHANNELS: channels with at least one subscriber, optionally matching a glob.
    func pubsubChannels(_ kind: PubSubKind, matching pattern: [UInt8]?) -> [Bytes]
    /// PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel (pattern subscriptions excluded).
    func pubsubSubscriberCount(_ kind: PubSubKind, _ channel: Bytes) -> Int
    /// PUBSUB NUMPAT: distinct patterns with at least one subscriber.
    func pubsubPatternCount() -> Int

    /// A blocked client was unblocked (served, timed out, CLIENT UNBLOCK): `reply` is the answer to its blocking
    /// command. The server sends it, then runs what the client sent meanwhile, on the client's own event loop.
    /// Called with the executor lock held.
    func unblocked(_ client: ClientSession, reply: ByteBuffer)

    /// Stops the server (SHUTDOWN). The current connection gets no reply if this succeeds.
    func shutdown(save: Bool?, force: Bool) throws(CommandError)

    /// BGREWRITEAOF: starts rewriting the append-only file from a point-in-time view of the data; returns the
    /// status text to reply. `inTransaction`: called from EXEC (or a script), where it can only be scheduled.
    func rewriteAppendOnlyFile(inTransaction: Bool) throws(CommandError) -> String

    /// SAVE: writes the RDB file now (the lock is held throughout). Throws `ERR` when it fails.
    func save() throws(CommandError)
    /// BGSAVE [SCHEDULE]: starts writing the RDB file from a point-in-time view; returns the status text.
    /// `inTransaction`: from EXEC or a script, where it is only scheduled.
    func backgroundSave(schedule: Bool, inTransaction: Bool) throws(CommandError) -> String
    /// BGSAVE CANCEL: returns the status text.
    func cancelBackgroundSave() throws(CommandError) -> String
    /// FLUSHALL ran: a running background save is stopped and, with `save` rules, the empty data set saved (as
    /// Valkey's `flushAllDataAndResetRDB`).
    func flushedAll()
    /// DEBUG RELOAD: saves the RDB file (unless `save` is false), empties the data set and the function libraries
    /// (unless `flush` is false), and loads the file back; `merge` replaces keys and libraries that exist already
    /// instead of failing. Throws the error to reply.
    func debugReload(save: Bool, flush: Bool, merge: Bool) throws(CommandError)
    /// LASTSAVE: Unix seconds of the last successful save (the start time until one succeeds).
    var lastSave: Int64 { get }

    /// Server-wide figures for INFO.
    var info: ServerInfo { get }
}

/// What INFO `persistence` says of a background job, a BGSAVE (`rdb_bgsave_*`, `rdb_saves`) or an AOF rewrite
/// (`aof_rewrite_*`, `aof_rewrites`): whether one runs and since when, how the last one ended and how long it
/// took, how many were started. The job's owner keeps one and changes it under the executor lock.
public struct BackgroundJobInfo: Sendable {
    public var inProgress = false
    /// Unix seconds at the start of the running (or last) job.
    public var startTime: Int64 = 0
    public var lastOK = true
    public var lastSeconds = -1
    /// Seconds the running job has taken (-1 when none runs), as of the copy given to INFO.
    public var currentSeconds = -1
    public var started = 0
    public var consecutiveFailures = 0
    public init() {}

    public mutating func start(at now: Int64) {
        inProgress = true
        startTime = now
        started += 1
    }

    /// The job stopped (however it ended: `record(ok:)` says how).
    public mutating func stop(at now: Int64) {
        inProgress = false
        lastSeconds = Int(now - startTime)
    }

    public mutating func record(ok: Bool) {
        lastOK = ok
        consecutiveFailures = ok ? 0 : consecutiveFailures + 1
    }

    /// A copy for INFO, with `currentSeconds` as of `now`.
    public func figures(at now: Int64) -> BackgroundJobInfo {
        var copy = self
        copy.currentSeconds = inProgress ? Int(now - startTime) : -1
        return copy
    }
}

/// INFO `rdb_*` figures (SnapshotFile).
public struct SnapshotInfo: Sendable {
    /// The background save (its `started` counts SAVE too, as Valkey's `rdb_saves` does).
    public var job = BackgroundJobInfo()
    public var lastSaveTime: Int64 = 0
    public var keysProcessed = 0
    public var keysTotal = 0
    public var lastLoadKeysLoaded = 0
    public var lastLoadKeysExpired = 0
    public init() {}
}

/// INFO `persistence` figures of the append-only file (Valkey's names in the comments of `ServerCommands+Info`).
public struct PersistenceInfo: Sendable {
    public var aofEnabled = false
    public var rewrite = BackgroundJobInfo()
    public var rewriteScheduled = false
    public var lastWriteOK = true
    /// Bytes in the base and incremental files.
    public var currentSize = 0
    /// `currentSize` after the last rewrite (what `auto-aof-rewrite-percentage` compares against).
    public var baseSize = 0
    /// Bytes propagated and not yet written.
    public var bufferLength = 0
    public var pendingFsync = 0
    public var delayedFsync = 0
    /// Set while the data set loads.
    public var loading: LoadingInfo?
    /// The RDB snapshots' figures.
    public var rdb = SnapshotInfo()
    public init() {}
}

/// INFO `loading_*` figures.
public struct LoadingInfo: Sendable {
    public var startTime: Int64 = 0
    public var totalBytes = 0
    public var loadedBytes = 0
    public init() {}
}

/// Figures only the server knows, for INFO.
public struct ServerInfo: Sendable {
    public var version = "7.2.4"
    public var processID = 0
    public var runID = ""
    public var tcpPort = 6379
    public var startTimeMicros: Int64 = 0
    public var configFile = ""
    public var executable = ""
    public var eventLoops = 1
    public var connectedClients = 0
    public var maxClients = 10000
    public var totalConnectionsReceived = 0
    public var totalCommandsProcessed = 0
    public var rejectedConnections = 0
    public var netInputBytes = 0
    public var netOutputBytes = 0
    /// Resident memory as last sampled by the server's cron, and the highest sample.
    public var usedMemoryRSS = 0
    public var peakMemoryRSS = 0
    /// CPU time used by the process, in microseconds.
    public var cpuUserMicros = 0
    public var cpuSystemMicros = 0
    /// `uname`'s system, release and machine (INFO `os`).
    public var osName = ""
    /// The machine's memory in bytes.
    public var totalSystemMemory = 0
    public var hz = 10
    public var persistence = PersistenceInfo()
    public var totalErrorReplies = 0
    public var evictedKeys = 0
    /// Bytes the allocator has handed out (0 where it cannot tell: then RSS is reported).
    public var usedMemory = 0
    public var errorStats: [String: Int] = [:]
    /// Channels / patterns / shard channels with at least one subscriber (INFO stats).
    public var pubsubChannels = 0
    public var pubsubPatterns = 0
    public var pubsubShardChannels = 0
    /// Clients closed for overcoming `client-output-buffer-limit` (INFO stats).
    public var outputBufferLimitDisconnections = 0
    public init() {}
}
