import Logging
import PodiumConfig
import PodiumServer
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a program that embeds Podium does: load a configuration, run a server on a free loopback port, talk RESP to
/// it over a socket, and stop it.
@Test(.timeLimit(.minutes(1))) func anEmbeddedServerServesALeaderboardAndStops() async throws {
    let (configuration, _) = try PodiumConfiguration.load(
        configFile: nil, arguments: ["--bind", "127.0.0.1", "--appendonly", "no", "--save", ""])
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let server = PodiumServer(
        configuration: configuration, logger: Logger(label: "embedding"), ports: .ephemeral
    ) { bound in
        portContinuation.yield(bound.tcp ?? 0)
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { portContinuation.finish() }
            try await server.run()
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(port > 0)
        #expect(server.state == .running)

        let connection = try Connection(port: port)
        defer { connection.close() }
        let replies = try connection.send(
            [
                ["ZADD", "leaderboard:global", "120", "ann", "95", "bob", "130", "cy"],
                ["ZINCRBY", "leaderboard:global", "40", "bob"],
                ["ZREVRANGE", "leaderboard:global", "0", "1", "WITHSCORES"],
                ["ZREVRANK", "leaderboard:global", "ann"],
                ["HSET", "user:1", "name", "ann"],
                ["HGET", "user:1", "name"],
            ],
            expecting: 6)
        #expect(
            replies == [
                ":3\r\n", "$3\r\n135\r\n", "*4\r\n$3\r\nbob\r\n$3\r\n135\r\n$2\r\ncy\r\n$3\r\n130\r\n", ":2\r\n",
                ":1\r\n", "$3\r\nann\r\n",
            ])

        server.stop()
        try await group.waitForAll()
    }
    #expect(server.state == .shutdown)
}

/// A blocking RESP client over a loopback socket, just enough for the test.
final class Connection {
    let descriptor: Int32
    var received: [UInt8] = []

    enum Failure: Error {
        case socket(String)
        case closed(String)
    }

    init(port: Int) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure.socket("socket") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            closeDescriptor(descriptor)
            throw Failure.socket("connect")
        }
    }

    func close() { closeDescriptor(descriptor) }

    /// Sends `commands` as one pipeline and returns the raw text of `count` replies.
    func send(_ commands: [[String]], expecting count: Int) throws -> [String] {
        var request: [UInt8] = []
        for command in commands {
            request += Array("*\(command.count)\r\n".utf8)
            for argument in command {
                request += Array("$\(argument.utf8.count)\r\n\(argument)\r\n".utf8)
            }
        }
        let written = request.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == request.count else { throw Failure.socket("write") }
        var replies: [String] = []
        while replies.count < count {
            if let end = Self.replyLength(received) {
                replies.append(String(decoding: received[..<end], as: UTF8.self))
                received.removeFirst(end)
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure.closed(String(decoding: received, as: UTF8.self)) }
            received += chunk[..<n]
        }
        return replies
    }

    /// The length of the first whole RESP2 reply in `bytes`, or nil if it is not all there yet.
    static func replyLength(_ bytes: [UInt8], from start: Int = 0) -> Int? {
        guard start < bytes.count else { return nil }
        var lineEnd = start
        while lineEnd + 1 < bytes.count, !(bytes[lineEnd] == 13 && bytes[lineEnd + 1] == 10) { lineEnd += 1 }
        guard lineEnd + 1 < bytes.count else { return nil }
        let afterLine = lineEnd + 2
        // A line without a type byte (a bare CRLF) reads as a one-line reply, which then fails the comparison.
        let number = lineEnd > start ? Int(String(decoding: bytes[(start + 1)..<lineEnd], as: UTF8.self)) ?? -1 : -1
        switch bytes[start] {
        case UInt8(ascii: "$"):
            guard number >= 0 else { return afterLine }
            return afterLine + number + 2 <= bytes.count ? afterLine + number + 2 : nil
        case UInt8(ascii: "*"):
            var next = afterLine
            for _ in 0..<max(0, number) {
                guard let end = replyLength(bytes, from: next) else { return nil }
                next = end
            }
            return next
        default:
            return afterLine
        }
    }
}

private func closeDescriptor(_ descriptor: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #else
    _ = Darwin.close(descriptor)
    #endif
}
