import Logging
import NIOCore
import NIOPosix
import PodiumConfig
import PodiumRESP
import PodiumTLS

/// How the pipeline of an accepted connection is built.
///
/// There is exactly one RESP pipeline (`RESPConnectionInitializer`). Other transports are decorators: the TLS
/// initializer adds its own handlers in front and then calls the initializer it wraps, so a TLS connection runs the
/// same `ConnectionHandler` as a plain one and nothing of the RESP set-up is written twice.
protocol ConnectionInitializer: Sendable {
    /// Adds this layer's handlers to a freshly accepted channel. Called on the channel's event loop, before the
    /// channel becomes active.
    func initialize(_ channel: any Channel) throws
}

/// The RESP pipeline: one `ConnectionHandler` per connection (it reads the limits in force from the core).
/// `readEndpoint`: the listener is ElastiCache Serverless' read endpoint (its connections are marked so).
struct RESPConnectionInitializer: ConnectionInitializer {
    let core: ServerCore
    var readEndpoint = false

    func initialize(_ channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandler(ConnectionHandler(server: core, readEndpoint: readEndpoint))
    }
}

/// The plain port: the RESP pipeline behind a guard that closes, with a log line, a client starting a TLS handshake
/// here (a TLS client pointed at the plain port would otherwise get protocol errors for its handshake bytes).
struct PlainConnectionInitializer: ConnectionInitializer {
    let inner: any ConnectionInitializer
    let logger: Logger

    func initialize(_ channel: any Channel) throws {
        try TLSContextStore.configurePlainPort(channel, logger: logger)
        try inner.initialize(channel)
    }
}

/// The TLS port: the TLS handlers (guard, NIOSSL, handshake timeout) in front of the RESP pipeline it wraps. Each
/// connection takes the context current when it is accepted, so a CONFIG SET reload applies to new connections only.
struct TLSConnectionInitializer: ConnectionInitializer {
    let contexts: TLSContextStore
    let inner: any ConnectionInitializer

    func initialize(_ channel: any Channel) throws {
        try contexts.configure(channel)
        try inner.initialize(channel)
    }
}

/// Which port a listener serves (log metadata).
enum ListenerKind: String, CustomStringConvertible {
    case tcp, tls
    var description: String { rawValue }
}

/// Listening sockets with the server's socket options (`tcp-backlog`, `tcp-keepalive`, read sizes); what an accepted
/// connection gets is up to the initializer passed to `bind`.
struct ListenerFactory {
    let group: any EventLoopGroup
    let backlog: Int
    let keepalive: Bool

    /// Binds `host:port` (0: a port the OS picks) and sets up each accepted channel with `initializer`.
    func bind(host: String, port: Int, initializer: any ConnectionInitializer) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: keepalive ? 1 : 0)
            // At most 4 reads of at most 16 KB per connection per event-loop turn (Valkey reads 16 KB per client per
            // iteration): a client mass-inserting with `redis-cli --pipe` runs a few thousand commands at a time,
            // so other clients wait a millisecond or two behind it, not tens.
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 16384)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try initializer.initialize(channel) }
            }
            .bind(host: host, port: port).get()
    }

    /// Binds `port` on every `bind` address, as Valkey's `listenToPort`: an address marked optional (`-::1`) that
    /// cannot be bound is skipped; any other failure closes what was bound and throws. With port 0 the first
    /// listener gets a port from the OS and the others bind that same port. Returns the listeners and the port.
    func bind(
        _ addresses: [BindAddress], port: Int, kind: ListenerKind, initializer: any ConnectionInitializer,
        logger: Logger
    )
        async throws -> (listeners: [any Channel], port: Int)
    {
        var listeners: [any Channel] = []
        var port = port
        for address in addresses {
            do {
                let channel = try await bind(host: address.host, port: port, initializer: initializer)
                if port == 0, let bound = channel.localAddress?.port { port = bound }
                listeners.append(channel)
            } catch {
                if address.isOptional {
                    logger.debug("optional bind address unavailable", metadata: ["podium.address": "\(address.host)"])
                    continue
                }
                logger.warning(
                    "could not create server listening socket",
                    metadata: [
                        "podium.listener": "\(kind)", "podium.address": "\(address.host):\(port)",
                        "podium.error": "\(error)",
                    ])
                for listener in listeners { try? await listener.close() }
                throw error
            }
        }
        return (listeners, port)
    }
}
