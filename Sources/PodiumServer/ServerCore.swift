import Logging
import NIOConcurrencyHelpers
import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import PodiumPersistence
import PodiumRESP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's shared state: configuration, executor, client registry, statistics. It is the `ServerContext`
/// the command layer talks to. Every mutable field is only touched with the executor's lock held, except the
/// byte counters, which are atomics-free approximations updated on event loops (INFO figures, not invariants).
final class ServerCore: ServerContext, @unchecked Sendable {
    let configuration: PodiumConfiguration
    let executor: CommandExecutor
    let logger: Logger
    let startTimeMicros = SystemClock.nowMicroseconds()
    let runID: String
    var configFile: String
    var boundPort = 0
    /// Asked to stop (SHUTDOWN); the service watches this.
    let shutdownRequested: @Sendable () -> Void

    private struct Connection {
        let session: ClientSession
        let channel: any Channel
        /// Where the Pub/Sub hub queues this connection's messages.
        let outlet: PushOutlet
        /// Asks the connection, on its own event loop, to send its unblocked reply and go on (set by the handler).
        var resume: (@Sendable () -> Void)?
    }
    /// Replies of unblocked clients, waiting for their connection's resume task (by client id).
    private var unblockedReplies: [Int: ByteBuffer] = [:]
    private var connections: [Int: Connection] = [:]
    private var monitors: [Int: Connection] = [:]
    private var nextClientID = 1
    private var totalConnections = 0
    private var rejectedConnections = 0
    private let counters = NIOLockedValueBox((input: 0, output: 0))
    private var peakRSS = 0
    /// Subscriptions and message fan-out; touched only under the executor lock.
    let hub: PubSubHub
    /// Clients closed for overcoming their output buffer limit (INFO `client_output_buffer_limit_disconnections`).
    private var outputBufferLimitDisconnections = 0
    /// The append-only file: installed on the dispatcher as its propagator once started (`startPersistence`).
    let persistence: AppendOnlyFile

    init(configuration: PodiumConfiguration, configFile: String, logger: Logger,
         shutdownRequested: @escaping @Sendable () -> Void) {
        self.configuration = configuration
        self.configFile = configFile
        self.logger = logger
        self.shutdownRequested = shutdownRequested
        let keyspace = Keyspace(databases: configuration.databases)
        let dispatcher = Dispatcher(keyspace: keyspace, logger: logger)
        dispatcher.protoMaxBulkLength = configuration.protoMaxBulkLen
        Self.applyListpackLimits(configuration, to: keyspace)
        // With appendonly yes the data set is loaded first: until then clients get -LOADING, from the very first
        // connection (startPersistence ends it).
        keyspace.isLoading = configuration.appendonly
        let executor = CommandExecutor(keyspace: keyspace, dispatcher: dispatcher)
        self.executor = executor
        self.persistence = AppendOnlyFile(configuration: configuration, logger: logger,
                                          exclusive: { body in executor.withExclusiveAccess(body) })
        self.hub = PubSubHub(limit: configuration.clientOutputBufferLimit(for: .pubsub))
        var rng = SystemRandomNumberGenerator()
        self.runID = (0..<40).map { _ in String("0123456789abcdef".randomElement(using: &rng)!) }.joined()
        dispatcher.server = self
        dispatcher.keyspaceEvents = configuration.notifyKeyspaceEvents
        Self.applyMaxmemory(configuration, to: dispatcher)
        hub.onOverLimit = { [unowned self] subscriber in self.closeOverLimit(subscriber) }
        configuration.onChange = { [weak self] name in self?.configurationChanged(name) }
    }

    // MARK: - Execution

    /// Executes a batch. Returns the bytes of Pub/Sub frames drained into `output` ahead of the replies (the
    /// caller reports them to the outlet as written once `output` has been written), and the AOF offset the
    /// replies must wait for before they are sent (`whenDurable`: with `appendfsync always`, everything the batch
    /// wrote or could have read must be on disk first).
    func execute(batch: ArraySlice<[ByteBuffer]>, session: ClientSession, outlet: PushOutlet?, output: inout ByteBuffer)
        -> BatchResult
    {
        var result = BatchResult()
        executor.withExclusiveAccess {
            // An unblocked client's reply to its blocking command goes first.
            if var reply = unblockedReplies.removeValue(forKey: session.id) { output.writeBuffer(&reply) }
            // Messages published to this client before this batch go out ahead of its replies. Only a subscribed
            // client can have any: frames are queued only while subscribed, and whatever was queued before an
            // UNSUBSCRIBE was drained at the start of that batch.
            if let outlet, session.subscriptions.isSubscribed { result.drained = outlet.drain(into: &output) }
            if !batch.isEmpty {
                result.executed = executor.dispatcher.execute(batch: batch, client: session, output: &output)
            }
            if let state = session.blocked { result.blocked = (state.deadline, state.generation) }
            // The batch's writes go to the AOF writer in execution order, once per batch.
            result.durableOffset = persistence.commit()
        }
        return result
    }

    /// What running a batch did.
    struct BatchResult {
        /// Bytes of Pub/Sub frames drained into the output ahead of the replies.
        var drained = 0
        /// Where the AOF must be durable before the replies go out (0: no wait).
        var durableOffset: UInt64 = 0
        /// Requests that ran (fewer than the batch when one blocked the client).
        var executed = 0
        /// Set when the client is blocked at the end: its deadline (ms, 0 for none) and blocking generation.
        var blocked: (deadline: Int64, generation: Int)?
    }

    /// Installs the connection's resume callback (see `Connection.resume`).
    func setResume(_ session: ClientSession, _ resume: @escaping @Sendable () -> Void) {
        executor.withExclusiveAccess { connections[session.id]?.resume = resume }
    }

    /// The timer of a blocked client fired: if it is still blocked by the same command and its deadline has
    /// passed, it gets the timeout reply. Returns the deadline to wait for instead when the timer fired early.
    func blockTimerFired(_ session: ClientSession, generation: Int) -> Int64? {
        executor.withExclusiveAccess {
            guard let state = session.blocked, state.generation == generation else { return nil }
            executor.keyspace.refreshClock()
            if state.deadline > executor.keyspace.now { return state.deadline }
            if let reply = executor.dispatcher.blockTimedOut(session, generation: generation) {
                unblocked(session, reply: reply)
            }
            return nil
        }
    }

    /// Milliseconds from now (the command clock) to `deadline`.
    func milliseconds(until deadline: Int64) -> Int64 {
        max(0, deadline - executor.keyspace.clock.nowMilliseconds())
    }

    /// Loads the data set and opens the AOF (start-up, before the cron starts). Blocking: runs on a thread of
    /// its own while the event loops already answer `-LOADING`.
    func startPersistence() async throws {
        let persistence = persistence
        let dispatcher = executor.dispatcher
        defer { executor.withExclusiveAccess { executor.keyspace.isLoading = false } }
        try await persistence.startOnThread(dispatcher: dispatcher)
    }

    /// The periodic persistence work (automatic and scheduled rewrites), under the lock.
    func persistenceCron() {
        executor.withExclusiveAccess { persistence.cron(keyspace: executor.keyspace) }
    }

    func countInput(_ n: Int) { counters.withLockedValue { $0.input &+= n } }
    func countOutput(_ n: Int) { counters.withLockedValue { $0.output &+= n } }

    // MARK: - Clients

    /// Registers a new connection; nil when `maxclients` is reached.
    func register(channel: any Channel) -> (ClientSession, PushOutlet)? {
        executor.withExclusiveAccess {
            guard connections.count < configuration.maxclients else {
                rejectedConnections += 1
                return nil
            }
            let id = nextClientID
            nextClientID += 1
            totalConnections += 1
            let session = ClientSession(
                id: id, address: Self.describe(channel.remoteAddress), localAddress: Self.describe(channel.localAddress),
                fd: id + 7, now: executor.keyspace.clock.nowMilliseconds())
            session.authenticated = (configuration.requirepass ?? "").isEmpty
            let outlet = PushOutlet(channel: channel)
            connections[id] = Connection(session: session, channel: channel, outlet: outlet)
            return (session, outlet)
        }
    }

    func unregister(_ session: ClientSession) {
        executor.withExclusiveAccess {
            executor.dispatcher.unwatchAll(session)
            executor.dispatcher.forgetBlocked(session)
            unblockedReplies[session.id] = nil
            hub.unsubscribeAll(session)
            connections[session.id] = nil
            monitors[session.id] = nil
            if monitors.isEmpty { executor.dispatcher.monitorFeed = nil }
        }
    }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "" }
        switch address {
        case .v4: return "\(address.ipAddress ?? ""):\(address.port ?? 0)"
        case .v6: return "[\(address.ipAddress ?? "")]:\(address.port ?? 0)"
        case .unixDomainSocket: return address.pathname ?? ""
        }
    }

    /// `timeout`: closes clients idle for longer than the configured number of seconds (0 = never), as Valkey's
    /// `clientsCronHandleTimeout`. MONITOR clients are exempt. Runs from the periodic server task.
    func closeIdleClients() {
        let timeout = configuration.timeout
        guard timeout > 0 else { return }
        let now = executor.keyspace.clock.nowMilliseconds()
        let idle = executor.withExclusiveAccess {
            connections.values.filter { !$0.session.isMonitor && now - $0.session.lastInteraction > Int64(timeout) * 1000 }
        }
        for connection in idle {
            logger.debug("closing idle client", metadata: ["podium.client": "\(connection.session.id)"])
            connection.channel.close(promise: nil)
        }
    }

    /// Protected mode (Valkey's default): with no password set, only loopback clients may talk to the server.
    func refusesUnprotectedRemote(_ channel: any Channel) -> Bool {
        guard configuration.protectedMode, (configuration.requirepass ?? "").isEmpty,
              let address = channel.remoteAddress else { return false }
        switch address {
        case .unixDomainSocket: return false
        case .v4: return !(address.ipAddress ?? "").hasPrefix("127.")
        case .v6:
            let ip = address.ipAddress ?? ""
            return ip != "::1" && !ip.hasPrefix("::ffff:127.")
        }
    }

    static let protectedModeMessage = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

    /// Closes every client connection (shutdown).
    func closeAllConnections() {
        let channels = executor.withExclusiveAccess { connections.values.map(\.channel) }
        for channel in channels { channel.close(promise: nil) }
    }

    // MARK: - ServerContext

    func clients() -> [ClientSession] { connections.values.map(\.session) }

    func kill(client: ClientSession) {
        client.closeAfterReply = true
        if let connection = connections[client.id] {
            // Close from the connection's own event loop; a client killing itself is closed after its reply.
            let channel = connection.channel
            channel.eventLoop.execute { channel.close(promise: nil) }
        }
    }

    func addMonitor(_ client: ClientSession) {
        guard let connection = connections[client.id] else { return }
        monitors[client.id] = connection
        executor.dispatcher.monitorFeed = { [weak self] session, args in self?.feedMonitors(session, args) }
    }

    /// Sends one MONITOR line (`+<time> [<db> <addr>] "cmd" "arg"`) to every monitor.
    private func feedMonitors(_ session: ClientSession, _ args: [ByteBuffer]) {
        let us = SystemClock.nowMicroseconds()
        var line = "+\(us / 1_000_000).\(String(format6(us % 1_000_000))) [\(session.db) \(session.address)]"
        for arg in args {
            line += " \""
            arg.withUnsafeReadableBytes { raw in
                for c in raw {
                    switch c {
                    case UInt8(ascii: "\\"): line += "\\\\"
                    case UInt8(ascii: "\""): line += "\\\""
                    case 0x0A: line += "\\n"
                    case 0x0D: line += "\\r"
                    case 0x09: line += "\\t"
                    case 0x07: line += "\\a"
                    case 0x08: line += "\\b"
                    case 0x20...0x7E: line.unicodeScalars.append(Unicode.Scalar(c))
                    default:
                        let hex = String(c, radix: 16)
                        line += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                    }
                }
            }
            line += "\""
        }
        line += "\r\n"
        for (_, monitor) in monitors where monitor.session !== session {
            var buffer = monitor.channel.allocator.buffer(capacity: line.utf8.count)
            buffer.writeString(line)
            monitor.channel.writeAndFlush(buffer, promise: nil)
        }
    }

    private func format6(_ n: Int64) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    // MARK: Pub/Sub

    func subscribe(_ client: ClientSession, _ kind: PubSubKind, _ name: Bytes) -> Bool {
        guard let connection = connections[client.id] else { return false }
        return hub.subscribe(client, outlet: connection.outlet, kind, name)
    }

    func unsubscribe(_ client: ClientSession, _ kind: PubSubKind, _ name: Bytes) -> Bool {
        hub.unsubscribe(client, kind, name)
    }

    func unsubscribeAll(_ client: ClientSession) { hub.unsubscribeAll(client) }

    func publish(_ kind: PubSubKind, channel: ByteBuffer, message: ByteBuffer, publisher: ClientSession?,
                 output: inout ByteBuffer) -> Int {
        hub.publish(kind, channel: channel, message: message, publisher: publisher, output: &output)
    }

    func pubsubChannels(_ kind: PubSubKind, matching pattern: [UInt8]?) -> [Bytes] {
        hub.channelNames(kind, matching: pattern)
    }

    func pubsubSubscriberCount(_ kind: PubSubKind, _ channel: Bytes) -> Int { hub.subscriberCount(kind, channel) }

    func pubsubPatternCount() -> Int { hub.patternCount }

    /// A subscriber overcame `client-output-buffer-limit pubsub` (under the executor lock): its outlet already
    /// dropped what it held; close the connection (on its own event loop) and count it, as Valkey's
    /// `closeClientOnOutputBufferLimitReached` does.
    private func closeOverLimit(_ subscriber: PubSubHub.Subscriber) {
        outputBufferLimitDisconnections += 1
        logger.warning(
            "client scheduled to be closed asap for overcoming of output buffer limits",
            metadata: ["podium.client": "\(subscriber.session.id)", "podium.address": "\(subscriber.session.address)",
                       "podium.class": "pubsub"])
        // Closing is deferred to an event-loop task: closing inline would run channelInactive, which takes the
        // executor lock this publish is holding (on the same thread when the loops coincide).
        guard let channel = subscriber.outlet.channel else { return }
        channel.eventLoop.execute { channel.close(promise: nil) }
    }

    func rewriteAppendOnlyFile(inTransaction: Bool) throws(CommandError) -> String {
        switch try persistence.startRewrite(keyspace: executor.keyspace, deferred: inTransaction) {
        case .started: return "Background append only file rewriting started"
        case .scheduled: return "Background append only file rewriting scheduled"
        }
    }

    func unblocked(_ client: ClientSession, reply: ByteBuffer) {
        guard let connection = connections[client.id] else { return }
        var reply = reply
        unblockedReplies[client.id, default: ByteBuffer()].writeBuffer(&reply)
        connection.resume?()
    }

    func shutdown(save: Bool?) throws(CommandError) {
        logger.notice("user requested shutdown...")
        shutdownRequested()
    }

    func configGet(patterns: [String]) -> [(String, String)] {
        configuration.get(patterns: patterns).map { ($0.name, $0.value) }
    }

    func configSet(pairs: [(String, String)]) throws(CommandError) {
        do {
            try configuration.set(pairs: pairs)
        } catch {
            throw .custom(error.message)
        }
    }

    func configValue(_ name: String) -> String? { configuration.value(of: name) }

    func resetStats() {
        totalConnections = 0
        rejectedConnections = 0
        counters.withLockedValue { $0 = (0, 0) }
        outputBufferLimitDisconnections = 0
    }

    func configRewrite() throws(CommandError) {
        if configFile.isEmpty { throw .custom("ERR The server is running without a config file") }
        throw .custom("ERR Rewriting config file: CONFIG REWRITE is not supported by Podium yet")
    }

    var info: ServerInfo {
        var info = ServerInfo()
        info.version = ConnectionCommands.redisVersion
        info.processID = Int(getpid())
        info.runID = runID
        info.tcpPort = boundPort
        info.startTimeMicros = startTimeMicros
        info.configFile = configFile
        info.executable = CommandLine.arguments.first ?? ""
        info.eventLoops = configuration.ioThreads
        info.connectedClients = connections.count
        info.maxClients = configuration.maxclients
        info.totalConnectionsReceived = totalConnections
        info.rejectedConnections = rejectedConnections
        let (input, output) = counters.withLockedValue { ($0.input, $0.output) }
        info.netInputBytes = input
        info.netOutputBytes = output
        let rss = Self.residentSetSize()
        peakRSS = max(peakRSS, rss)
        info.usedMemoryRSS = rss
        info.usedMemory = Dispatcher.allocatedBytes
        info.evictedKeys = executor.dispatcher.evictedKeys
        info.peakMemoryRSS = peakRSS
        info.hz = configuration.hz
        info.persistence = persistence.info
        info.lastSaveTime = startTimeMicros / 1_000_000
        info.pubsubChannels = hub.channelCount
        info.pubsubPatterns = hub.patternCount
        info.pubsubShardChannels = hub.shardChannelCount
        info.outputBufferLimitDisconnections = outputBufferLimitDisconnections
        return info
    }

    /// Resident set size from /proc/self/statm (Linux); 0 elsewhere.
    static func residentSetSize() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0
        var resident = 0
        guard withUnsafeMutablePointer(to: &size, { s in
            withUnsafeMutablePointer(to: &resident) { r in
                withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
            }
        }) == 2 else { return 0 }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    // MARK: - Configuration changes

    private static func applyListpackLimits(_ configuration: PodiumConfiguration, to keyspace: Keyspace) {
        keyspace.hashLimits = ListpackLimits(maxListpackEntries: configuration.hashMaxListpackEntries,
                                             maxListpackValue: configuration.hashMaxListpackValue)
        keyspace.sortedSetLimits = ListpackLimits(maxListpackEntries: configuration.zsetMaxListpackEntries,
                                                  maxListpackValue: configuration.zsetMaxListpackValue)
        keyspace.listLimits = ListLimits(fill: configuration.listMaxListpackSize,
                                         compressDepth: configuration.listCompressDepth)
        keyspace.setLimits = SetLimits(maxIntsetEntries: configuration.setMaxIntsetEntries,
                                       maxListpackEntries: configuration.setMaxListpackEntries,
                                       maxListpackValue: configuration.setMaxListpackValue)
    }

    private static func applyMaxmemory(_ configuration: PodiumConfiguration, to dispatcher: Dispatcher) {
        dispatcher.maxMemory = configuration.maxmemory
        dispatcher.evictionPolicy = EvictionPolicy(rawValue: configuration.maxmemoryPolicy) ?? .noEviction
        dispatcher.evictionSamples = configuration.maxmemorySamples
    }

    private func configurationChanged(_ name: String) {
        switch name {
        case "proto-max-bulk-len": executor.dispatcher.protoMaxBulkLength = configuration.protoMaxBulkLen
        case "hash-max-listpack-entries", "hash-max-listpack-value", "hash-max-ziplist-entries", "hash-max-ziplist-value",
            "zset-max-listpack-entries", "zset-max-listpack-value", "zset-max-ziplist-entries", "zset-max-ziplist-value",
            "list-max-listpack-size", "list-max-ziplist-size", "list-compress-depth", "set-max-intset-entries",
            "set-max-listpack-entries", "set-max-listpack-value":
            Self.applyListpackLimits(configuration, to: executor.keyspace)
        case "notify-keyspace-events": executor.dispatcher.keyspaceEvents = configuration.notifyKeyspaceEvents
        case "maxmemory", "maxmemory-policy", "maxmemory-samples": Self.applyMaxmemory(configuration, to: executor.dispatcher)
        case "client-output-buffer-limit": hub.limit = configuration.clientOutputBufferLimit(for: .pubsub)
        case "appendonly":
            if configuration.appendonly {
                persistence.enable(dispatcher: executor.dispatcher)
            } else {
                persistence.disable(dispatcher: executor.dispatcher)
            }
        case "appendfsync", "aof-timestamp-enabled": persistence.configurationChanged()
        default: break
        }
    }
}
