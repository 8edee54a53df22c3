import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PodiumConfig
import PodiumServer
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the test helpers themselves.
enum TestServerError: Error {
    case serverDidNotStart
    case connectionClosed(received: String)
}

/// A logger that drops everything, so test output stays readable.
let quietLogger = Logger(label: "podium.test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Starts an in-process server on free loopback ports and runs `body` with it, the ports it bound and the task group
/// whose task runs `run()`: `body` decides how the server stops (cancel the group, send SHUTDOWN, call `stop()`) and
/// waits for the group. The server is asked for `.ephemeral` ports: every listener the arguments enable (the plain
/// port unless `--port 0`, the TLS port when `--tls-port` is non-zero) binds a free port. Extra `--directive value`
/// arguments are applied after `--bind 127.0.0.1 --appendonly no` (these servers keep nothing on disk; the e2e suite
/// tests persistence with real processes).
func withRunningServerPorts<R: Sendable>(
    arguments: [String] = [],
    _ body: (PodiumServer, PodiumServer.BoundPorts, inout ThrowingTaskGroup<Void, any Error>) async throws -> R
) async throws -> R {
    let (configuration, _) = try PodiumConfiguration.load(
        configFile: nil, arguments: ["--bind", "127.0.0.1", "--appendonly", "no"] + arguments)
    let (ports, portContinuation) = AsyncStream<PodiumServer.BoundPorts>.makeStream()
    let server = PodiumServer(configuration: configuration, logger: quietLogger, ports: .ephemeral) { bound in
        portContinuation.yield(bound)
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            // Finishing the stream when run() ends means a server that fails to start does not hang the test.
            defer { portContinuation.finish() }
            try await server.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            try await group.waitForAll()
            throw TestServerError.serverDidNotStart
        }
        return try await body(server, bound, &group)
    }
}

/// `withRunningServerPorts` for tests of the plain port: `body` gets its number.
func withRunningServer<R: Sendable>(
    arguments: [String] = [],
    _ body: (PodiumServer, Int, inout ThrowingTaskGroup<Void, any Error>) async throws -> R
) async throws -> R {
    try await withRunningServerPorts(arguments: arguments) { server, ports, group in
        try await body(server, ports.tcp ?? 0, &group)
    }
}

/// `withRunningServerPorts` for tests that only talk to the server: after `body` (even when it throws) the server is
/// stopped with `stop()`, and must reach `.shutdown`.
func withTestServerPorts<R: Sendable>(
    arguments: [String] = [],
    _ body: (PodiumServer, PodiumServer.BoundPorts) async throws -> R
) async throws -> R {
    try await withRunningServerPorts(arguments: arguments) { server, ports, group in
        let result: Result<R, any Error>
        do {
            result = .success(try await body(server, ports))
        } catch {
            result = .failure(error)
        }
        server.stop()
        try await group.waitForAll()
        #expect(server.state == .shutdown)
        return try result.get()
    }
}

/// `withTestServerPorts` for tests of the plain port.
func withTestServer<R: Sendable>(
    arguments: [String] = [],
    _ body: (PodiumServer, Int) async throws -> R
) async throws -> R {
    try await withTestServerPorts(arguments: arguments) { server, ports in try await body(server, ports.tcp ?? 0) }
}

/// A raw RESP connection to a test server: send bytes, read exact replies, see the close.
struct TestConnection {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending = ByteBuffer()

    fileprivate init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Sends raw bytes as they are.
    func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    func send(bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Sends one command as a multibulk request.
    func send(command args: String...) async throws {
        try await send(Self.encode(args))
    }

    static func encode(_ args: [String]) -> String {
        "*\(args.count)\r\n" + args.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    /// Reads exactly `count` bytes.
    mutating func read(count: Int) async throws -> [UInt8] {
        while pending.readableBytes < count {
            guard var next = try await inbound.next() else {
                throw TestServerError.connectionClosed(received: String(buffer: pending))
            }
            pending.writeBuffer(&next)
        }
        return pending.readBytes(length: count) ?? []
    }

    /// Reads as many bytes as `expected` has and returns them as text, to compare with `expected`.
    mutating func read(matching expected: String) async throws -> String {
        String(decoding: try await read(count: expected.utf8.count), as: UTF8.self)
    }

    /// Reads the next reply bytes and expects them to be `expected`.
    mutating func expect(_ expected: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let received = try await read(matching: expected)
        #expect(received == expected, sourceLocation: sourceLocation)
    }

    /// Sends a command and expects `reply` back.
    mutating func check(
        _ args: String..., replies reply: String, sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws
    {
        try await send(Self.encode(args))
        try await expect(reply, sourceLocation: sourceLocation)
    }

    /// Expects `expected`, then the server closing the connection.
    mutating func expectClose(after expected: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let received = try await readUntilClosed()
        #expect(received == expected, sourceLocation: sourceLocation)
    }

    /// Reads until the server closes the connection; returns whatever arrived meanwhile.
    mutating func readUntilClosed() async throws -> String {
        do {
            while var next = try await inbound.next() { pending.writeBuffer(&next) }
        } catch let error as ChannelError where error == .inputClosed || error == .eof {
        } catch let error as IOError where error.errnoCode == ECONNRESET {
            // The server may reset rather than close if it had unread input.
        }
        return pending.readString(length: pending.readableBytes) ?? ""
    }
}

/// Connects to the test server on `port`, runs `body`, then closes the connection. With `tls`, the connection is a
/// TLS client of that configuration (server name `localhost`).
func withConnection<R: Sendable>(
    port: Int, tls: TLSConfiguration? = nil, _ body: (inout TestConnection) async throws -> R
) async throws -> R {
    let context = try tls.map { try NIOSSLContext(configuration: $0) }
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                if let context {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                }
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    return try await channel.executeThenClose { inbound, outbound in
        var connection = TestConnection(inbound: inbound, outbound: outbound)
        return try await body(&connection)
    }
}
