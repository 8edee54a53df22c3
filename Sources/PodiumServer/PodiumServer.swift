import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import PodiumRESP
import ServiceLifecycle

/// A Podium server: the library product. Run it as a `Service` (inside a `ServiceGroup`, as `podium-server`
/// does) or directly with `run()`; it stops on graceful shutdown, on task cancellation, or on `SHUTDOWN`.
///
/// ```swift
/// let (config, _) = try PodiumConfiguration.load(configFile: nil, arguments: ["--port", "0"])  // 0: any free port
/// let server = PodiumServer(configuration: config, logger: logger) { port in print("listening on \(port)") }
/// try await server.run()
/// ```
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
    private let onServerRunning: (@Sendable (Int) async -> Void)?
    private let stateBox = NIOLockedValueBox(State.initial)
    private let stopStream: AsyncStream<Void>
    private let stopContinuation: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - configuration: the loaded configuration (defaults if you just create one).
    ///   - configFile: the path shown by INFO `config_file`, empty if none.
    ///   - logger: where the server logs; the library never bootstraps the logging system.
    ///   - onServerRunning: called once with the bound TCP port when the server accepts connections.
    public init(configuration: PodiumConfiguration, configFile: String = "", logger: Logger,
                onServerRunning: (@Sendable (Int) async -> Void)? = nil) {
        self.configuration = configuration
        self.configFile = configFile
        self.logger = logger
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
        let core = ServerCore(configuration: configuration, configFile: configFile, logger: logger,
                              shutdownRequested: { continuation.yield() })
        let threads = max(1, configuration.ioThreads)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let resp = RESPConnectionInitializer(
            core: core, limits: RESPLimits(maxBulkLength: configuration.protoMaxBulkLen),
            queryBufferLimit: configuration.clientQueryBufferLimit)
        let factory = ListenerFactory(group: group, backlog: configuration.tcpBacklog,
                                      keepalive: configuration.tcpKeepalive > 0)

        let listeners: [any Channel]
        let port: Int
        do {
            (listeners, port) = try await factory.bind(configuration.bindAddresses, port: configuration.port,
                                                       initializer: resp, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            transition(to: .shutdown)
            throw error
        }
        core.boundPort = port

        // Active expiry and client timeouts run on their own thread (Valkey's serverCron). Every 1000/hz ms it
        // expires keys in slices of at most 1 ms under the executor lock, up to a quarter of the period, pausing
        // 200 µs between slices so the connections' event loops take the lock in between: a client waits behind
        // at most one slice, about a millisecond, even while a million keys expire (docs/benchmarks.md).
        let hz = max(1, configuration.hz)
        let periodMs = Int64(1000 / hz)
        let cronGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let cronLoop = cronGroup.next()
        @Sendable func expirySlice(until deadline: UInt64) {
            let keepGoing = core.executor.withExclusiveAccess { () -> Bool in
                guard core.executor.dispatcher.activeExpireEnabled else { return false }
                let before = core.executor.keyspace.stats.expiredKeys
                core.executor.keyspace.activeExpireCycle(
                    budgetNanoseconds: 1_000_000, effort: core.configuration.activeExpireEffort)
                // `expired` keyspace events of the keys this slice removed (no client: nobody's reply to precede).
                if !core.executor.dispatcher.pendingKeyspaceEventsIsEmpty {
                    var scratch = ByteBuffer()
                    core.executor.dispatcher.flushKeyspaceEvents(publisher: nil, output: &scratch)
                }
                return core.executor.keyspace.stats.expiredKeys - before > 0
            }
            if keepGoing, SystemClock.monotonicNanoseconds() < deadline {
                cronLoop.scheduleTask(in: .microseconds(200)) { expirySlice(until: deadline) }
            }
        }
        let expiryTask = cronLoop.scheduleRepeatedTask(initialDelay: .milliseconds(periodMs),
                                                       delay: .milliseconds(periodMs)) { _ in
            core.closeIdleClients()
            expirySlice(until: SystemClock.monotonicNanoseconds() + UInt64(periodMs) * 250_000)
        }

        transition(to: .running)
        logger.notice("ready to accept connections tcp", metadata: ["podium.port": "\(port)"])
        await onServerRunning?(port)

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
        transition(to: .shutdown)
        logger.notice("podium is now ready to exit, bye bye...")
    }
}
