import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import PodiumPersistence
import PodiumRESP
import PodiumTLS
import ServiceLifecycle

/// A Podium server: the library product. Run it as a `Service` (inside a `ServiceGroup`, as `podium-server`
/// does) or directly with `run()`; it stops on graceful shutdown, on task cancellation, or on `SHUTDOWN`.
///
/// ```swift
/// let (config, _) = try PodiumConfiguration.load(configFile: nil, arguments: ["--bind", "127.0.0.1"])
/// // .ephemeral: bind free ports the OS picks instead of 6379 (what an in-process test wants).
/// let server = PodiumServer(configuration: config, logger: logger, ports: .ephemeral) { ports in
///     print("listening on \(ports.tcp ?? 0)")
/// }
/// try await server.run()
/// ```
///
/// ## Ports
/// As in Redis, `port` is the plain TCP port and `tls-port` the TLS port; 0 means "no such listener", so `port 0`
/// with a `tls-port` serves TLS only, and a configuration with neither refuses to start. `ports: .ephemeral` keeps
/// that choice of listeners but binds each enabled one to a free port the OS picks; `onServerRunning` reports them.
///
/// ## States
/// `initial` → `starting` (binding) → `running` → `shuttingDown` (closing listeners and clients) → `shutdown`.
public final class PodiumServer: Service, @unchecked Sendable {
    /// The lifecycle state, logged at trace level on every change.
    public enum State: Sendable {
        case initial, starting, running, shuttingDown, shutdown
    }

    private let configuration: PodiumConfiguration
    private let configFile: String
    private let logger: Logger
    private let ports: PortAssignment
    private let onServerRunning: (@Sendable (BoundPorts) async -> Void)?
    private let stateBox = NIOLockedValueBox(State.initial)
    private let stopStream: AsyncStream<Void>
    private let stopContinuation: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - configuration: the loaded configuration (defaults if you just create one).
    ///   - configFile: the path shown by INFO `config_file`, empty if none.
    ///   - logger: where the server logs; the library never bootstraps the logging system.
    ///   - ports: `.configured` binds `port` and `tls-port` as they are; `.ephemeral` binds each enabled listener to
    ///     a free port instead.
    ///   - onServerRunning: called once with the bound ports when the server accepts connections.
    public init(
        configuration: PodiumConfiguration, configFile: String = "", logger: Logger,
        ports: PortAssignment = .configured,
        onServerRunning: (@Sendable (BoundPorts) async -> Void)? = nil
    ) {
        self.configuration = configuration
        self.configFile = configFile
        self.logger = logger
        self.ports = ports
        self.onServerRunning = onServerRunning
        (stopStream, stopContinuation) = AsyncStream<Void>.makeStream()
    }

    public var state: State { stateBox.withLockedValue { $0 } }

    private func transition(to state: State) {
        stateBox.withLockedValue { $0 = state }
        logger.trace("server state changed", metadata: ["podium.state": "\(state)"])
    }

    /// Asks a running server to stop (what SHUTDOWN does).
    public func stop() { stopContinuation.yield() }

    public func run() async throws {
        transition(to: .starting)
        let continuation = stopContinuation
        let core = ServerCore(
            configuration: configuration, configFile: configFile, logger: logger,
            shutdownRequested: { continuation.yield() })
        let threads = max(1, configuration.ioThreads)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let resp = RESPConnectionInitializer(core: core)
        let factory = ListenerFactory(
            group: group, backlog: configuration.tcpBacklog,
            keepalive: configuration.tcpKeepalive > 0)

        var listeners: [any Channel] = []
        let bound: BoundPorts
        do {
            try core.startAccessControl()
            try core.startCluster()
            bound = try await bindListeners(core: core, factory: factory, resp: resp, into: &listeners)
        } catch {
            for listener in listeners { try? await listener.close() }
            try? await group.shutdownGracefully()
            transition(to: .shutdown)
            throw error
        }
        core.boundPort = bound.tcp ?? 0
        core.boundTLSPort = bound.tls ?? 0
        core.boundReadPort = bound.read ?? 0
        core.clusterPortsBound()

        // The data set loads while the listeners already accept: clients get -LOADING (and INFO loading:1) until
        // it is in memory, as with Valkey.
        do {
            try await core.startPersistence()
        } catch {
            logger.warning("fatal error loading the dataset, exiting", metadata: ["podium.error": "\(error)"])
            for l in listeners { try? await l.close() }
            core.closeAllConnections()
            try? await group.shutdownGracefully()
            transition(to: .shutdown)
            throw error
        }

        // Active expiry, client timeouts and the resident-memory sample run on their own thread (Valkey's
        // serverCron). Every 1000/hz ms it expires keys in slices of at most 1 ms under the executor lock, up to a
        // quarter of the period, pausing 200 µs between slices so the connections' event loops take the lock in
        // between: a client waits behind at most one slice, about a millisecond, even while a million keys expire
        // (docs/benchmarks.md).
        let hz = max(1, configuration.hz)
        let periodMs = Int64(1000 / hz)
        let cronGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let cronLoop = cronGroup.next()
        @Sendable func expirySlice(until deadline: UInt64) {
            // Skipped while a script is busy (its keys do not expire under it).
            let keepGoing =
                core.executor.withExclusiveAccessUnlessBusy { () -> Bool in
                    guard core.executor.dispatcher.activeExpireEnabled, !core.executor.keyspace.isLoading else {
                        return false
                    }
                    let removed = core.executor.keyspace.activeExpireCycle(
                        budgetNanoseconds: 1_000_000, effort: core.configuration.activeExpireEffort)
                    // `expired` keyspace events of the keys this slice removed (no client: nobody's reply to precede).
                    if !core.executor.dispatcher.pendingKeyspaceEventsIsEmpty {
                        var scratch = ByteBuffer()
                        core.executor.dispatcher.flushKeyspaceEvents(publisher: nil, output: &scratch)
                    }
                    // Each expired key is a DEL of its own in the AOF (a hash's expired fields an HDEL).
                    core.executor.dispatcher.flushPropagation(asOneUnit: false)
                    _ = core.persistence.commit()
                    return removed > 0
                } ?? false
            if keepGoing, SystemClock.monotonicNanoseconds() < deadline {
                cronLoop.scheduleTask(in: .microseconds(200)) { expirySlice(until: deadline) }
            }
        }
        core.sampleProcessFigures()
        let expiryTask = cronLoop.scheduleRepeatedTask(
            initialDelay: .milliseconds(periodMs),
            delay: .milliseconds(periodMs)
        ) { _ in
            core.sampleProcessFigures()
            core.closeIdleClients()
            core.persistenceCron()
            expirySlice(until: SystemClock.monotonicNanoseconds() + UInt64(periodMs) * 250_000)
        }

        transition(to: .running)
        if let port = bound.tcp {
            logger.notice("ready to accept connections tcp", metadata: ["podium.port": "\(port)"])
        }
        if let port = bound.tls {
            logger.notice("ready to accept connections tls", metadata: ["podium.port": "\(port)"])
        }
        if let port = bound.read {
            logger.notice(
                "ready to accept connections tls (elasticache read endpoint)", metadata: ["podium.port": "\(port)"])
        }
        await onServerRunning?(bound)

        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                for await _ in stopStream { break }
            } onCancel: {
                continuation.yield()
            }
        } onGracefulShutdown: {
            continuation.yield()
        }

        transition(to: .shuttingDown)
        expiryTask.cancel()
        try? await cronGroup.shutdownGracefully()
        for l in listeners { try? await l.close() }
        core.closeAllConnections()
        try? await group.shutdownGracefully()
        // Not awaited: a script still running (SHUTDOWN NOSAVE during a busy script) must not hold the exit.
        core.scriptThread.shutdownGracefully { _ in }
        // With `save` rules, the RDB file is written unless SHUTDOWN already did (or was told NOSAVE).
        core.finalSnapshot()
        // Everything executed is written and fsynced before the process ends (also for SHUTDOWN NOSAVE).
        core.persistence.shutdown()
        transition(to: .shutdown)
        logger.notice("podium is now ready to exit, bye bye...")
    }

    /// Binds the plain listener (unless `port` is 0) and the TLS listener (unless `tls-port` is 0) on every bind
    /// address. The TLS context is built first, so bad certificates stop the start before anything listens.
    private func bindListeners(
        core: ServerCore, factory: ListenerFactory, resp: RESPConnectionInitializer,
        into listeners: inout [any Channel]
    ) async throws -> BoundPorts {
        let wantsPlain = configuration.port != 0
        let wantsTLS = configuration.tlsPort != 0
        guard wantsPlain || wantsTLS else {
            logger.warning("configured to not listen anywhere, exiting")
            throw PodiumServerError.notListening
        }
        var bound = BoundPorts(tcp: nil, tls: nil)
        if wantsPlain {
            let plain = PlainConnectionInitializer(inner: resp, logger: logger)
            let (channels, port) = try await factory.bind(
                configuration.bindAddresses, port: ports == .ephemeral ? 0 : configuration.port, kind: .tcp,
                initializer: plain, logger: logger)
            listeners += channels
            if !channels.isEmpty { bound.tcp = port }
        }
        if wantsTLS {
            let contexts: TLSContextStore
            do {
                contexts = try TLSContextStore(configuration: configuration, logger: logger)
            } catch {
                logger.warning("failed to configure tls", metadata: ["podium.error": "\(error.message)"])
                throw error
            }
            core.tlsContexts = contexts
            let (channels, port) = try await factory.bind(
                configuration.bindAddresses, port: ports == .ephemeral ? 0 : configuration.tlsPort, kind: .tls,
                initializer: TLSConnectionInitializer(contexts: contexts, inner: resp), logger: logger)
            listeners += channels
            if !channels.isEmpty { bound.tls = port }
            // ElastiCache Serverless' read endpoint: the same TLS pipeline on a second port, its connections
            // marked as the read endpoint's.
            if configuration.elasticacheServerless, configuration.elasticacheReadPort != 0 {
                var reader = resp
                reader.readEndpoint = true
                let (readChannels, readPort) = try await factory.bind(
                    configuration.bindAddresses, port: ports == .ephemeral ? 0 : configuration.elasticacheReadPort,
                    kind: .tls, initializer: TLSConnectionInitializer(contexts: contexts, inner: reader), logger: logger
                )
                listeners += readChannels
                if !readChannels.isEmpty { bound.read = readPort }
            }
        }
        return bound
    }
}

extension PodiumServer {
    /// How the listeners' port numbers are chosen.
    public enum PortAssignment: Sendable {
        /// `port` and `tls-port` as configured (0: no such listener).
        case configured
        /// Every listener the configuration enables (a non-zero `port` or `tls-port`) binds a free port the OS
        /// picks. For servers started in-process by tests and tools.
        case ephemeral
    }

    /// The ports a running server listens on; `nil` for a listener that is not enabled.
    public struct BoundPorts: Sendable, Equatable {
        public var tcp: Int?
        public var tls: Int?
        /// The ElastiCache Serverless read endpoint (`elasticache-read-port`), TLS.
        public var read: Int?

        public init(tcp: Int?, tls: Int?, read: Int? = nil) {
            self.tcp = tcp
            self.tls = tls
            self.read = read
        }
    }
}

/// Why a server could not start (besides socket and TLS errors, which are passed on as they are).
public enum PodiumServerError: Error, CustomStringConvertible {
    /// Both `port` and `tls-port` are 0 (Redis: "Configured to not listen anywhere, exiting.").
    case notListening
    /// An `elasticache-serverless` configuration ElastiCache could not have (`PodiumConfiguration.serverlessConflict`).
    case serverless(String)

    public var description: String {
        switch self {
        case .notListening: return "configured to not listen anywhere (port 0 and no tls-port)"
        case .serverless(let reason): return reason
        }
    }
}
