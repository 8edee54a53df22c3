import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import PodiumPersistence
import PodiumRESP
import PodiumScripting
import PodiumTLS
import PodiumText
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's shared state: configuration, executor, client registry, statistics. It is the `ServerContext`
/// the command layer talks to. Every mutable field is only touched with the executor's lock held, except the
/// byte counters, which have a small lock of their own (`counters`: event loops add to them outside the
/// executor's lock), and the connection limits (`liveConnectionLimits`).
final class ServerCore: ServerContext, @unchecked Sendable {
    let configuration: PodiumConfiguration
    let executor: CommandExecutor
    let logger: Logger
    let startTimeMicros = SystemClock.nowMicroseconds()
    let runID: String
    @exclusivity(unchecked) var configFile: String
    @exclusivity(unchecked) var boundPort = 0
    @exclusivity(unchecked) var boundTLSPort = 0
    /// The ElastiCache Serverless read endpoint's port (0: none; `elasticache-read-port`).
    @exclusivity(unchecked) var boundReadPort = 0
    /// The TLS listener's contexts, when `tls-port` is set; CONFIG SET of a `tls-*` directive reloads them.
    @exclusivity(unchecked) var tlsContexts: TLSContextStore?
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
    @exclusivity(unchecked) private var unblockedReplies: [Int: ByteBuffer] = [:]
    @exclusivity(unchecked) private var connections: [Int: Connection] = [:]
    @exclusivity(unchecked) private var monitors: [Int: Connection] = [:]
    @exclusivity(unchecked) private var nextClientID = 1
    @exclusivity(unchecked) private var totalConnections = 0
    @exclusivity(unchecked) private var rejectedConnections = 0
    private let counters = NIOLockedValueBox((input: 0, output: 0))
    /// Resident memory as the cron last sampled it, and the highest sample (`sampleProcessFigures`).
    private let residentMemory = NIOLockedValueBox((current: 0, peak: 0))
    /// Subscriptions and message fan-out; touched only under the executor lock.
    let hub: PubSubHub
    /// Clients closed for overcoming their output buffer limit (INFO `client_output_buffer_limit_disconnections`).
    @exclusivity(unchecked) private var outputBufferLimitDisconnections = 0
    /// The append-only file: installed on the dispatcher as its propagator once started (`startPersistence`).
    let persistence: AppendOnlyFile
    /// RDB snapshots (SAVE, BGSAVE, `save` rules); one background job at a time with the AOF rewrite.
    let snapshots: SnapshotFile
    /// Set once SHUTDOWN has saved (or was told not to), so the shutdown sequence does not save again.
    @exclusivity(unchecked) private var shutdownSaveDone = false
    /// Where scripts run (see `runOnScriptThread`).
    let scriptThread = NIOThreadPool(numberOfThreads: 1)
    /// The per-connection limits in force, read by every connection's event loop at each read (CONFIG SET changes
    /// them under the executor lock; `generation` tells a connection its copy is stale).
    private let liveConnectionLimits: NIOLockedValueBox<ConnectionLimits>
    private let limitsGeneration = Atomic<Int>(0)
    /// What MONITOR frames count against: `client-output-buffer-limit normal` when it is set, else the `pubsub`
    /// limit (a monitor is a push stream like a subscriber; it cannot be slowed down, only cut off).
    @exclusivity(unchecked) private var monitorLimit: OutputBufferLimit

    init(
        configuration: PodiumConfiguration, configFile: String, logger: Logger,
        shutdownRequested: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.configFile = configFile
        self.logger = logger
        self.shutdownRequested = shutdownRequested
        let keyspace = Keyspace(databases: configuration.databases)
        let dispatcher = Dispatcher(keyspace: keyspace, logger: logger)
        dispatcher.protoMaxBulkLength = configuration.protoMaxBulkLen
        dispatcher.protectedCommandAccess = configuration.enableDebugCommand
        Self.applyListpackLimits(configuration, to: keyspace)
        // With appendonly yes the data set is loaded first: until then clients get -LOADING, from the very first
        // connection (startPersistence ends it).
        keyspace.isLoading = configuration.appendonly
        let executor = CommandExecutor(keyspace: keyspace, dispatcher: dispatcher)
        self.executor = executor
        self.persistence = AppendOnlyFile(
            configuration: configuration, logger: logger,
            exclusive: { body in executor.withExclusiveAccess(body) })
        self.snapshots = SnapshotFile(
            configuration: configuration, logger: logger,
            exclusive: { body in executor.withExclusiveAccess(body) })
        self.hub = PubSubHub(limit: configuration.clientOutputBufferLimit(for: .pubsub))
        self.liveConnectionLimits = NIOLockedValueBox(ConnectionLimits(configuration, generation: 0))
        self.monitorLimit = Self.monitorLimit(configuration)
        var rng = SystemRandomNumberGenerator()
        self.runID = (0..<40).map { _ in String("0123456789abcdef".randomElement(using: &rng)!) }.joined()
        dispatcher.server = self
        let scripting = LuaEngine(dispatcher: dispatcher)
        dispatcher.scripting = scripting
        dispatcher.longScriptHost = BusyScriptHost(executor: executor)
        dispatcher.busyReplyThreshold = configuration.busyReplyThreshold
        dispatcher.rdbVersion = configuration.rdbVersion
        scriptThread.start()
        persistence.functionLibraries = { [unowned scripting] in scripting.libraries.map(\.code) }
        snapshots.functionLibraries = persistence.functionLibraries
        let (aof, rdb) = (persistence, snapshots)
        persistence.otherJobActive = { [unowned rdb] in rdb.inProgress }
        snapshots.otherJobActive = { [unowned aof] in aof.isRewriting }
        persistence.rdbLoaded = { [unowned rdb] keys, expired in rdb.loaded(keys: keys, expired: expired) }
        snapshots.statusChanged = { [unowned rdb, unowned dispatcher] in
            dispatcher.bgsaveErrorRefusesWrites = rdb.refusesWrites
        }
        dispatcher.rdbCompression = configuration.rdbcompression
        dispatcher.keyspaceEvents = configuration.notifyKeyspaceEvents
        Self.applyMaxmemory(configuration, to: dispatcher)
        Self.applyACLSettings(configuration, to: dispatcher.acl)
        dispatcher.acl.setRequirepass(configuration.requirepass ?? "")
        hub.onOverLimit = { [unowned self] subscriber in self.closeOverLimit(subscriber) }
        configuration.onChange = { [weak self] entry in if let effect = entry.applies { self?.apply(effect) } }
    }

    // MARK: - Execution

    /// Executes a batch. Returns the bytes of Pub/Sub frames drained into `output` ahead of the replies (the
    /// caller reports them to the outlet as written once `output` has been written), and the AOF offset the
    /// replies must wait for before they are sent (`whenDurable`: with `appendfsync always`, everything the batch
    /// wrote or could have read must be on disk first).
    ///
    /// The batch stops early once its replies reach `outputLimit` bytes or a command blocks the client
    /// (`executed` says how many requests ran).
    ///
    /// With `deferScripts` (on an event loop), the batch also stops before a request that runs a script
    /// (`stoppedBeforeScript`) unless the script is known to be quick, or when one run inline took too long
    /// (it is run again): the caller runs the rest on the script thread (`runOnScriptThread`), passing
    /// `onlyIfRegistered`.
    func execute(
        batch: ArraySlice<[ByteBuffer]>, session: ClientSession, outlet: PushOutlet?,
        output: inout ByteBuffer, outputLimit: Int = .max, deferScripts: Bool = false,
        onlyIfRegistered: Bool = false
    ) -> BatchResult {
        var result = BatchResult()
        executor.withExclusiveAccessOrWhileBusy {
            // The script thread's part of a batch: the connection may have closed since (nothing runs for it then).
            if onlyIfRegistered, connections[session.id] == nil {
                result.executed = batch.count
                return
            }
            // An unblocked client's reply to its blocking command goes first.
            if var reply = unblockedReplies.removeValue(forKey: session.id) { output.writeBuffer(&reply) }
            // Messages published to this client (or MONITOR lines) before this batch go out ahead of its replies.
            // Only a subscribed client or a monitor can have any: frames are queued only while subscribed, and
            // whatever was queued before an UNSUBSCRIBE was drained at the start of that batch.
            if let outlet, session.subscriptions.isSubscribed || session.isMonitor {
                result.drained = outlet.drain(into: &output)
            }
            if !batch.isEmpty {
                result.executed = executor.dispatcher.execute(
                    batch: batch, client: session, output: &output,
                    outputLimit: outputLimit, deferScripts: deferScripts)
                result.stoppedBeforeScript = executor.dispatcher.stoppedBeforeScript
            }
            if let state = session.blocked { result.blocked = (state.deadline, state.generation) }
            // The batch's writes go to the AOF writer in execution order, once per batch.
            result.durableOffset = persistence.commit()
            result.pushClient = session.subscriptions.isSubscribed || session.isMonitor
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
        /// Whether the client is subscribed or a monitor after the batch (which output limit applies).
        var pushClient = false
        /// Set when the client is blocked at the end: its deadline (ms, 0 for none) and blocking generation.
        var blocked: (deadline: Int64, generation: Int)?
        /// The batch stopped before a request that runs a script (see `execute`).
        var stoppedBeforeScript = false
    }

    /// Runs `work` on the script thread: the rest of a batch that runs a script, so that however long the script
    /// runs, no event loop waits for it (see `CommandExecutor`).
    func runOnScriptThread(_ work: @escaping @Sendable () -> Void) {
        scriptThread.submit { _ in work() }
    }

    /// Installs the connection's resume callback (see `Connection.resume`).
    func setResume(_ session: ClientSession, _ resume: @escaping @Sendable () -> Void) {
        executor.withExclusiveAccessOrWhileBusy { connections[session.id]?.resume = resume }
    }

    /// The timer of a blocked client fired: if it is still blocked by the same command and its deadline has
    /// passed, it gets the timeout reply. Returns the deadline to wait for instead when the timer fired early.
    func blockTimerFired(_ session: ClientSession, generation: Int) -> Int64? {
        // While a script is busy its clock stands and nobody is served: try again a little later.
        let retry = executor.keyspace.clock.nowMilliseconds() + 10
        return executor.withExclusiveAccessUnlessBusy { () -> Int64? in
            guard let state = session.blocked, state.generation == generation else { return nil }
            executor.keyspace.refreshClock()
            if state.deadline > executor.keyspace.now { return state.deadline }
            if let reply = executor.dispatcher.blockTimedOut(session, generation: generation) {
                unblocked(session, reply: reply)
            }
            return nil
        } ?? retry
    }

    /// Milliseconds from now (the command clock) to `deadline`.
    func milliseconds(until deadline: Int64) -> Int64 {
        max(0, deadline - executor.keyspace.clock.nowMilliseconds())
    }

    /// The per-connection limits in force (one lock; connections compare `generation` to their copy).
    var connectionLimits: ConnectionLimits { liveConnectionLimits.withLockedValue { $0 } }

    /// The generation of `connectionLimits`, read without the lock: a connection checks it on every read and
    /// copies the limits only when it changed.
    var connectionLimitsGeneration: Int { limitsGeneration.load(ordering: .acquiring) }

    /// Loads the data set and opens the AOF (start-up, before the cron starts). Blocking: runs on a thread of
    /// its own while the event loops already answer `-LOADING`.
    func startPersistence() async throws {
        let persistence = persistence
        let dispatcher = executor.dispatcher
        // A failed start leaves the keyspace loading: the process is about to exit with the error.
        try await persistence.startOnThread(dispatcher: dispatcher)
        executor.withExclusiveAccess { executor.keyspace.isLoading = false }
    }

    /// The periodic persistence work (automatic and scheduled rewrites), under the lock.
    func persistenceCron() {
        _ = executor.withExclusiveAccessUnlessBusy {
            snapshots.cron(keyspace: executor.keyspace)
            persistence.cron(keyspace: executor.keyspace)
        }
    }

    /// The shutdown sequence's last save (a signal, or SHUTDOWN from a path that did not save): with `save`
    /// rules, the data set is written before the process ends, as Valkey does. Call without the lock.
    func finalSnapshot() {
        executor.withExclusiveAccess {
            snapshots.abortBackgroundSave()
            guard !shutdownSaveDone, !configuration.saveRules.isEmpty, !executor.keyspace.isLoading else { return }
            shutdownSaveDone = true
            logger.notice("Saving the final RDB snapshot before exiting.")
            if !snapshots.saveNow(keyspace: executor.keyspace) {
                logger.warning("Error trying to save the DB. Exit anyway.")
            }
        }
    }

    func countInput(_ n: Int) { counters.withLockedValue { $0.input &+= n } }
    func countOutput(_ n: Int) { counters.withLockedValue { $0.output &+= n } }

    // MARK: - Clients

    /// What `register` decided about a new connection.
    enum Registration {
        case registered(ClientSession, PushOutlet)
        /// Refused with this reply (protected mode, maxclients); the connection is closed after it.
        case refused(String)
    }

    /// Registers a new connection, under the executor lock, so protected mode, the default user and `maxclients`
    /// are read consistently with CONFIG SET and ACL SETUSER (Valkey's `clientAcceptHandler` order: protected
    /// mode, then the client limit).
    func register(channel: any Channel, readEndpoint: Bool = false) -> Registration {
        executor.withExclusiveAccessOrWhileBusy {
            let acl = executor.dispatcher.acl
            if configuration.protectedMode, acl.defaultUser.nopass, Self.isRemote(channel.remoteAddress) {
                logger.warning(
                    "connection refused by protected mode",
                    metadata: ["podium.address": "\(Self.describe(channel.remoteAddress))"])
                return .refused(Self.protectedModeMessage)
            }
            guard connections.count < configuration.maxclients else {
                rejectedConnections += 1
                return .refused("-ERR max number of clients reached\r\n")
            }
            let id = nextClientID
            nextClientID += 1
            totalConnections += 1
            let session = ClientSession(
                id: id, address: Self.describe(channel.remoteAddress),
                localAddress: Self.describe(channel.localAddress),
                fd: id + 7, now: executor.keyspace.clock.nowMilliseconds())
            // Valkey's createClient: authenticated when the default user needs no password.
            session.authenticated = acl.defaultUserIsOpen
            session.readEndpoint = readEndpoint
            // A peer whose address is unknown is not local (Valkey's `connIsLocal` fails there).
            session.isLocal = channel.remoteAddress != nil && !Self.isRemote(channel.remoteAddress)
            session.overTLS = readEndpoint || (boundTLSPort != 0 && channel.localAddress?.port == boundTLSPort)
            let outlet = PushOutlet(channel: channel)
            session.buffers = outlet
            connections[id] = Connection(session: session, channel: channel, outlet: outlet)
            return .registered(session, outlet)
        }
    }

    func unregister(_ session: ClientSession) {
        executor.withExclusiveAccessOrWhileBusy {
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
    /// `clientsCronHandleTimeout`. MONITOR clients, subscribers and blocked clients are exempt. Runs from the periodic server task.
    /// The directive is read under the lock, like everything CONFIG SET changes.
    func closeIdleClients() {
        let now = executor.keyspace.clock.nowMilliseconds()
        let idle: [Connection] =
            executor.withExclusiveAccessUnlessBusy {
                let timeout = configuration.timeout
                guard timeout > 0 else { return [] }
                return connections.values.filter {
                    !$0.session.isMonitor && !$0.session.subscriptions.isSubscribed && $0.session.blocked == nil
                        && now - $0.session.lastInteraction > Int64(timeout) * 1000
                }
            } ?? []
        for connection in idle {
            logger.debug("closing idle client", metadata: ["podium.client": "\(connection.session.id)"])
            connection.channel.close(promise: nil)
        }
    }

    /// Protected mode (Valkey's default): while the default user has no password, only loopback clients (and unix
    /// sockets) may talk to the server.
    static func isRemote(_ address: SocketAddress?) -> Bool {
        guard let address else { return false }
        switch address {
        case .unixDomainSocket: return false
        case .v4: return !(address.ipAddress ?? "").hasPrefix("127.")
        case .v6:
            let ip = address.ipAddress ?? ""
            return ip != "::1" && !ip.hasPrefix("::ffff:127.")
        }
    }

    static let protectedModeMessage =
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

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
            line += " "
            arg.withUnsafeReadableBytes { ArgumentSplitter.appendQuoted($0, to: &line) }
        }
        line += "\r\n"
        // Through each monitor's outlet, like Pub/Sub frames: coalesced per event-loop turn and bounded by
        // `monitorLimit`, so a monitor that does not read is disconnected instead of growing the server.
        var frame = ByteBufferAllocator().buffer(capacity: line.utf8.count)
        frame.writeString(line)
        let now = SystemClock.monotonicNanoseconds()
        for (_, monitor) in monitors where monitor.session !== session {
            if monitor.outlet.enqueue(frame, limit: monitorLimit, now: now) == .overLimit {
                closeForOutputLimit(monitor.session, channel: monitor.channel, clientClass: "normal")
            }
        }
    }

    /// A client overcame its `client-output-buffer-limit` (under the executor lock): count it and close the
    /// connection from its own event loop, as Valkey's `closeClientOnOutputBufferLimitReached` does.
    func closeForOutputLimit(_ session: ClientSession, channel: (any Channel)?, clientClass: String) {
        outputBufferLimitDisconnections += 1
        logger.warning(
            "client scheduled to be closed asap for overcoming of output buffer limits",
            metadata: [
                "podium.client": "\(session.id)", "podium.address": "\(session.address)",
                "podium.class": "\(clientClass)",
            ])
        // Closing is deferred to an event-loop task: closing inline would run channelInactive, which takes the
        // executor lock held here (on the same thread when the loops coincide).
        guard let channel else { return }
        channel.eventLoop.execute { channel.close(promise: nil) }
    }

    /// The same, for a connection handler that found its replies over the limit (takes the lock).
    func closeForOutputLimit(_ session: ClientSession, channel: any Channel, pushClient: Bool) {
        executor.withExclusiveAccessOrWhileBusy {
            closeForOutputLimit(session, channel: channel, clientClass: pushClient ? "pubsub" : "normal")
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

    func publish(
        _ kind: PubSubKind, channel: ByteBuffer, message: ByteBuffer, publisher: ClientSession?,
        output: inout ByteBuffer
    ) -> Int {
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
        closeForOutputLimit(subscriber.session, channel: subscriber.outlet.channel, clientClass: "pubsub")
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

    func shutdown(save: Bool?, force: Bool) throws(CommandError) {
        logger.notice("user requested shutdown...")
        snapshots.abortBackgroundSave()
        // A save while loading would overwrite the file with half the data: never (Valkey's prepareForShutdown).
        if save ?? !configuration.saveRules.isEmpty, !executor.keyspace.isLoading {
            logger.notice("Saving the final RDB snapshot before exiting.")
            if !snapshots.saveNow(keyspace: executor.keyspace) {
                guard force else {
                    logger.warning("Error trying to save the DB, can't exit.")
                    throw .shutdownFailed
                }
                logger.warning("Error trying to save the DB. Exit anyway.")
            }
        }
        shutdownSaveDone = true
        shutdownRequested()
    }

    func save() throws(CommandError) {
        try snapshots.save(keyspace: executor.keyspace)
    }

    func backgroundSave(schedule: Bool, inTransaction: Bool) throws(CommandError) -> String {
        switch try snapshots.backgroundSave(
            keyspace: executor.keyspace, schedule: schedule, inTransaction: inTransaction)
        {
        case .started: return "Background saving started"
        case .scheduled: return "Background saving scheduled"
        }
    }

    func cancelBackgroundSave() throws(CommandError) -> String {
        try snapshots.cancelBackgroundSave()
    }

    func flushedAll() {
        snapshots.abortBackgroundSave()
        if !configuration.saveRules.isEmpty { snapshots.saveNow(keyspace: executor.keyspace) }
    }

    var lastSave: Int64 { snapshots.lastSave }

    func debugReload(save: Bool, flush: Bool, merge: Bool) throws(CommandError) {
        try snapshots.debugReload(dispatcher: executor.dispatcher, save: save, flush: flush, merge: merge)
    }

    func configGet(patterns: [String]) -> [(String, String)] {
        configuration.get(patterns: patterns).map { ($0.name, $0.value) }
    }

    func configSet(pairs: [(String, String)], client: ClientSession) throws(CommandError) {
        // The TLS directives among the pairs; if the new certificates do not load, every value of this CONFIG SET is
        // restored (Valkey restores its whole backup when an apply function fails).
        let tlsNames = pairs.compactMap { name, _ in
            ConfigTable.entry(named: name)?.applies == .tlsContext ? name : nil
        }
        let previous =
            tlsNames.isEmpty ? [] : pairs.compactMap { name, _ in configuration.value(of: name).map { (name, $0) } }
        do {
            try configuration.set(
                pairs: pairs,
                allowProtected: configuration.enableProtectedConfigs.allows(localClient: client.isLocal))
        } catch {
            throw .config(error)
        }
        guard let tls = tlsContexts, let first = tlsNames.first else { return }
        do {
            try tls.reload(from: configuration)
        } catch {
            // As Valkey's applyTlsCfg: the old context stays in use and the old values come back.
            logger.warning(
                "failed applying new tls configuration, restoring previous settings",
                metadata: ["podium.config": "\(first)", "podium.error": "\(error.message)"])
            try? configuration.set(pairs: previous, allowProtected: true)
            throw .tlsReloadFailed(argument: first)
        }
        logger.notice("tls configuration reloaded", metadata: ["podium.config": "\(first)"])
    }

    func configValue(_ name: String) -> String? { configuration.value(of: name) }

    func resetStats() {
        totalConnections = 0
        rejectedConnections = 0
        counters.withLockedValue { $0 = (0, 0) }
        outputBufferLimitDisconnections = 0
    }

    func configRewrite() throws(CommandError) {
        if configFile.isEmpty { throw .noConfigFile }
        throw .configRewriteUnsupported
    }

    var info: ServerInfo {
        var info = ServerInfo()
        info.version = ConnectionCommands.redisVersion
        info.processID = Int(getpid())
        info.runID = runID
        // As Redis: the TLS port when there is no plain port.
        info.tcpPort = boundPort != 0 ? boundPort : boundTLSPort
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
        (info.usedMemoryRSS, info.peakMemoryRSS) = residentMemory.withLockedValue { ($0.current, $0.peak) }
        info.usedMemory = Dispatcher.allocatedBytes
        (info.cpuUserMicros, info.cpuSystemMicros) = ProcessFigures.cpuTime()
        info.osName = ProcessFigures.osName
        info.totalSystemMemory = ProcessFigures.totalSystemMemory
        info.evictedKeys = executor.dispatcher.evictedKeys
        info.hz = configuration.hz
        info.persistence = persistence.info
        info.persistence.rdb = snapshots.info
        info.pubsubChannels = hub.channelCount
        info.pubsubPatterns = hub.patternCount
        info.pubsubShardChannels = hub.shardChannelCount
        info.outputBufferLimitDisconnections = outputBufferLimitDisconnections
        return info
    }

    /// Samples the process figures that are slow to read (resident memory). Called by the cron on its own thread,
    /// never with the executor lock held, and once at start-up.
    func sampleProcessFigures() {
        let rss = ProcessFigures.residentSetSize()
        residentMemory.withLockedValue { $0 = (rss, max($0.peak, rss)) }
    }

    // MARK: - Configuration changes

    private static func applyListpackLimits(_ configuration: PodiumConfiguration, to keyspace: Keyspace) {
        keyspace.hashLimits = ListpackLimits(
            maxListpackEntries: configuration.hashMaxListpackEntries,
            maxListpackValue: configuration.hashMaxListpackValue)
        keyspace.sortedSetLimits = ListpackLimits(
            maxListpackEntries: configuration.zsetMaxListpackEntries,
            maxListpackValue: configuration.zsetMaxListpackValue)
        keyspace.listLimits = ListLimits(
            fill: configuration.listMaxListpackSize,
            compressDepth: configuration.listCompressDepth)
        keyspace.setLimits = SetLimits(
            maxIntsetEntries: configuration.setMaxIntsetEntries,
            maxListpackEntries: configuration.setMaxListpackEntries,
            maxListpackValue: configuration.setMaxListpackValue)
    }

    private static func applyMaxmemory(_ configuration: PodiumConfiguration, to dispatcher: Dispatcher) {
        dispatcher.maxMemory = configuration.maxmemory
        dispatcher.evictionPolicy = EvictionPolicy(rawValue: configuration.maxmemoryPolicy) ?? .noEviction
        dispatcher.evictionSamples = configuration.maxmemorySamples
    }

    /// Carries out what a CONFIG SET changed (the entry's `applies`), under the executor lock. `tlsContext` is done
    /// by `configSet` itself, which can still undo the change.
    private func apply(_ effect: ConfigEffect) {
        switch effect {
        case .workingDirectory:
            // CONFIG SET checked that it exists; files named by relative paths follow it, as in Valkey.
            if chdir(configuration.dir) != 0 {
                logger.warning("can't chdir to the new dir", metadata: ["podium.dir": "\(configuration.dir)"])
            }
        case .bulkLength:
            executor.dispatcher.protoMaxBulkLength = configuration.protoMaxBulkLen
            refreshConnectionLimits()
        case .connectionLimits: refreshConnectionLimits()
        case .encodingLimits: Self.applyListpackLimits(configuration, to: executor.keyspace)
        case .keyspaceEvents: executor.dispatcher.keyspaceEvents = configuration.notifyKeyspaceEvents
        case .busyReplyThreshold: executor.dispatcher.busyReplyThreshold = configuration.busyReplyThreshold
        case .rdbVersion: executor.dispatcher.rdbVersion = configuration.rdbVersion
        case .rdbCompression: executor.dispatcher.rdbCompression = configuration.rdbcompression
        case .snapshotRules: executor.dispatcher.bgsaveErrorRefusesWrites = snapshots.refusesWrites
        case .maxmemory: Self.applyMaxmemory(configuration, to: executor.dispatcher)
        case .outputBufferLimits:
            hub.limit = configuration.clientOutputBufferLimit(for: .pubsub)
            monitorLimit = Self.monitorLimit(configuration)
            refreshConnectionLimits()
        case .appendonly:
            if configuration.appendonly {
                persistence.enable(dispatcher: executor.dispatcher)
            } else {
                persistence.disable(dispatcher: executor.dispatcher)
            }
        case .appendOnlyWriter: persistence.configurationChanged()
        // CONFIG SET requirepass replaces the default user's passwords (Valkey's updateRequirePass).
        case .requirepass: executor.dispatcher.acl.setRequirepass(configuration.requirepass ?? "")
        case .aclSettings: Self.applyACLSettings(configuration, to: executor.dispatcher.acl)
        case .clusterAnnounce:
            if executor.dispatcher.cluster != nil {
                ClusterConfigFile.applyAnnounce(configuration, to: &executor.dispatcher.cluster!)
            }
        case .tlsContext: break
        }
    }

    /// Publishes the connection limits after a CONFIG SET (under the executor lock); every connection picks them
    /// up at its next read.
    private func refreshConnectionLimits() {
        let configuration = configuration
        let generation = liveConnectionLimits.withLockedValue {
            $0 = ConnectionLimits(configuration, generation: $0.generation + 1)
            return $0.generation
        }
        limitsGeneration.store(generation, ordering: .releasing)
    }

    private static func monitorLimit(_ configuration: PodiumConfiguration) -> OutputBufferLimit {
        let normal = configuration.clientOutputBufferLimit(for: .normal)
        return normal.hard > 0 || normal.soft > 0 ? normal : configuration.clientOutputBufferLimit(for: .pubsub)
    }

    private static func applyACLSettings(_ configuration: PodiumConfiguration, to acl: AccessControl) {
        acl.logMaxLength = configuration.acllogMaxLen
        acl.pubsubDefaultAllChannels = configuration.aclPubsubDefaultAllChannels
    }

    /// `cluster-enabled yes`: this node (its id from `cluster-config-file`, created on first start), keys counted
    /// per slot in database 0. Called before the listeners bind; `clusterPortsBound` completes it.
    func startCluster() throws {
        guard configuration.clusterEnabled else { return }
        if let conflict = configuration.serverlessConflict {
            logger.warning("cannot start in elasticache-serverless mode", metadata: ["podium.error": "\(conflict)"])
            throw PodiumServerError.serverless(conflict)
        }
        do {
            var node = try ClusterConfigFile.loadOrCreate(configuration)
            ClusterConfigFile.applyAnnounce(configuration, to: &node)
            executor.withExclusiveAccess {
                executor.dispatcher.cluster = node
                executor.dispatcher.serverlessMode = configuration.elasticacheServerless
                executor.keyspace[0].countKeysPerSlot()
            }
            logger.info("cluster mode: this node owns all 16384 slots", metadata: ["podium.node": "\(node.id)"])
        } catch {
            logger.warning(
                "failed reading or writing the cluster config file",
                metadata: ["podium.error": "\(error)"])
            throw error
        }
    }

    /// The ports clients are told about (unless `cluster-announce-*` say otherwise).
    func clusterPortsBound() {
        executor.withExclusiveAccess {
            executor.dispatcher.cluster?.tcpPort = boundPort
            executor.dispatcher.cluster?.tlsPort = boundTLSPort
            executor.dispatcher.cluster?.readPort = boundReadPort
        }
    }

    /// The users of `user` directives or the aclfile (after requirepass, which a `user default` line overrides, as
    /// in Valkey). Called before anything listens; an error stops the start.
    func startAccessControl() throws {
        do {
            try executor.withExclusiveAccess {
                try executor.dispatcher.acl.load(
                    userDirectives: configuration.userDirectives,
                    aclFile: configuration.aclfile)
            }
        } catch {
            logger.warning("failed loading acl users", metadata: ["podium.error": "\(error)"])
            throw error
        }
    }
}

/// The limits a connection applies to its own input and output, as CONFIG SET leaves them.
struct ConnectionLimits: Sendable {
    /// Bumped by every change, so a connection only copies the limits when they changed.
    let generation: Int
    /// `proto-max-bulk-len` and the decoder's fixed limits.
    let resp: RESPLimits
    /// `client-query-buffer-limit`: unparsed input beyond this closes the connection.
    let queryBuffer: Int
    /// `client-output-buffer-limit normal` and `pubsub` (replies of a subscribed client count against the latter).
    let normalOutput: OutputBufferLimit
    let pubsubOutput: OutputBufferLimit

    init(_ configuration: PodiumConfiguration, generation: Int) {
        self.generation = generation
        self.resp = RESPLimits(maxBulkLength: configuration.protoMaxBulkLen)
        self.queryBuffer = configuration.clientQueryBufferLimit
        self.normalOutput = configuration.clientOutputBufferLimit(for: .normal)
        self.pubsubOutput = configuration.clientOutputBufferLimit(for: .pubsub)
    }
}

/// The executor's busy protocol as the engine sees it (see `CommandExecutor`).
final class BusyScriptHost: LongScriptHost {
    unowned let executor: CommandExecutor

    init(executor: CommandExecutor) { self.executor = executor }

    func scriptBecameBusy() { executor.beginBusy() }
    func serveWhileBusy() { executor.serveWaiting() }
    func scriptEndedBusy() { executor.endBusy() }
}
