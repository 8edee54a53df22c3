import Logging
import NIOCore
import NIOPosix
import PodiumConfig
import PodiumServer
import Testing

/// The server in-process on a free port, spoken to over real TCP connections.
@Suite(.timeLimit(.minutes(1))) struct PodiumServerTests {
    @Suite struct Lifecycle {
        @Test func startsReportsItsPortAndStops() async throws {
            try await withTestServer { server, port in
                #expect(port > 0)
                #expect(server.state == .running)
            }
        }

        @Test func portZeroIsAcceptedOnTheCommandLineButNotByConfigSet() throws {
            let (configuration, _) = try PodiumConfiguration.load(configFile: nil, arguments: ["--port", "0"])
            #expect(configuration.port == 0)
            // `port` is immutable at run time, as in Redis 7.
            #expect(throws: ConfigError.self) { try PodiumConfiguration().set("port", "0") }
        }

        @Test func cancellationStopsTheServer() async throws {
            let server = try await withRunningServer { server, port, group in
                try await withConnection(port: port) { connection in
                    try await connection.check("PING", replies: "+PONG\r\n")
                }
                group.cancelAll()
                try await group.waitForAll()
                return server
            }
            #expect(server.state == .shutdown)
        }

        @Test func shutdownCommandStopsTheServer() async throws {
            let server = try await withRunningServer { server, port, group in
                try await withConnection(port: port) { connection in
                    try await connection.send(command: "SHUTDOWN", "NOSAVE")
                    // No reply: the connection just closes.
                    try await connection.expectClose(after: "")
                }
                // run() returns on its own.
                try await group.waitForAll()
                return server
            }
            #expect(server.state == .shutdown)
        }

        @Test func openConnectionsDoNotBlockStopping() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { connection in
                    try await connection.check("PING", replies: "+PONG\r\n")
                }
            }
        }

        @Test func bindFailureIsReported() async throws {
            try await withTestServer { _, port in
                let (configuration, _) = try PodiumConfiguration.load(
                    configFile: nil, arguments: ["--port", String(port), "--bind", "127.0.0.1", "--appendonly", "no"])
                let second = PodiumServer(configuration: configuration, logger: quietLogger)
                await #expect(throws: (any Error).self) { try await second.run() }
                #expect(second.state == .shutdown)
            }
        }
    }

    @Suite struct Commands {
        @Test func pingSetGet() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    try await c.check("PING", replies: "+PONG\r\n")
                    try await c.check("SET", "greeting", "hello", replies: "+OK\r\n")
                    try await c.check("GET", "greeting", replies: "$5\r\nhello\r\n")
                    try await c.check("GET", "nosuch", replies: "$-1\r\n")
                    let error = "-ERR unknown command 'nosuch', with args beginning with: \r\n"
                    try await c.check("nosuch", replies: error)
                }
            }
        }

        @Test func inlineCommands() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    try await c.send("SET k \"two words\"\r\nGET k\r\n\r\nPING\r\n")
                    let expected = "+OK\r\n$9\r\ntwo words\r\n+PONG\r\n"
                    try await c.expect(expected)
                }
            }
        }

        @Test func pipelinedCommandsAnswerInOrder() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    var request = ""
                    var expected = ""
                    for i in 0..<500 {
                        request += TestConnection.encode(["SET", "key:\(i)", "value:\(i)"])
                        request += TestConnection.encode(["INCR", "counter"])
                        expected += "+OK\r\n:\(i + 1)\r\n"
                    }
                    for i in stride(from: 0, to: 500, by: 50) {
                        request += TestConnection.encode(["GET", "key:\(i)"])
                        let value = "value:\(i)"
                        expected += "$\(value.utf8.count)\r\n\(value)\r\n"
                    }
                    try await c.send(request)
                    try await c.expect(expected)
                }
            }
        }

        @Test func requestSplitAcrossWrites() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    let request =
                        TestConnection.encode(["SET", "k", "split value"]) + TestConnection.encode(["GET", "k"])
                    var start = request.startIndex
                    while start < request.endIndex {
                        let end = request.index(start, offsetBy: 3, limitedBy: request.endIndex) ?? request.endIndex
                        try await c.send(String(request[start..<end]))
                        start = end
                    }
                    let expected = "+OK\r\n$11\r\nsplit value\r\n"
                    try await c.expect(expected)
                }
            }
        }

        @Test func largeBinaryValue() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    let value = [UInt8]((0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
                    var request =
                        Array("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$\(value.count)\r\n".utf8) + value + Array("\r\n".utf8)
                    request += Array(TestConnection.encode(["GET", "big"]).utf8)
                    try await c.send(bytes: request)
                    let expected = Array("+OK\r\n$\(value.count)\r\n".utf8) + value + Array("\r\n".utf8)
                    let received = try await c.read(count: expected.count)
                    #expect(received == expected)
                }
            }
        }

        @Test func clientsShareTheKeyspace() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { a in
                    try await withConnection(port: port) { b in
                        try await a.check("SET", "shared", "1", replies: "+OK\r\n")
                        try await b.check("INCR", "shared", replies: ":2\r\n")
                        try await a.check("GET", "shared", replies: "$1\r\n2\r\n")
                    }
                }
            }
        }

        @Test func watchSeesAnotherConnectionsWrite() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { a in
                    try await withConnection(port: port) { b in
                        try await a.check("WATCH", "w", replies: "+OK\r\n")
                        try await b.check("SET", "w", "theirs", replies: "+OK\r\n")
                        try await a.send(
                            TestConnection.encode(["MULTI"]) + TestConnection.encode(["SET", "w", "mine"])
                                + TestConnection.encode(["EXEC"]))
                        let expected = "+OK\r\n+QUEUED\r\n*-1\r\n"
                        try await a.expect(expected)
                        try await b.check("GET", "w", replies: "$6\r\ntheirs\r\n")
                    }
                }
            }
        }

        @Test func helloSwitchesTheConnectionToRESP3() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    try await c.send(command: "HELLO", "3")
                    try await c.expect("%7\r\n")
                    // Skip the rest of the HELLO map, then a missing key is RESP3 null.
                    var rest = ""
                    while !rest.hasSuffix("$7\r\nmodules\r\n*0\r\n") {
                        rest += String(decoding: try await c.read(count: 1), as: UTF8.self)
                    }
                    try await c.check("GET", "nosuch", replies: "_\r\n")
                }
            }
        }

        @Test func quitClosesAfterTheReply() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    try await c.send(
                        TestConnection.encode(["PING"]) + TestConnection.encode(["QUIT"])
                            + TestConnection.encode(["PING"]))
                    try await c.expectClose(after: "+PONG\r\n+OK\r\n")
                }
            }
        }
    }

    @Suite struct ProtocolErrors {
        /// A malformed request gets Valkey's error, then the connection closes; the server keeps serving others.
        @Test(arguments: [
            ("*1\r\n+foo\r\n", "-ERR Protocol error: expected '$', got '+'\r\n"),
            ("*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
            ("*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
            ("*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
            ("ECHO \"unterminated\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
        ])
        func malformedRequestIsAnsweredThenClosed(_ request: String, _ reply: String) async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    try await c.send(request)
                    try await c.expectClose(after: reply)
                }
                try await withConnection(port: port) { c in
                    try await c.check("PING", replies: "+PONG\r\n")
                }
            }
        }

        @Test func requestsBeforeTheErrorAreAnswered() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    try await c.send(TestConnection.encode(["SET", "before", "1"]) + "PING\r\n*x\r\n")
                    try await c.expectClose(after: "+OK\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n")
                }
                try await withConnection(port: port) { c in
                    try await c.check("GET", "before", replies: "$1\r\n1\r\n")
                }
            }
        }

        @Test func tooBigInlineRequest() async throws {
            try await withTestServer { _, port in
                try await withConnection(port: port) { c in
                    try await c.send(String(repeating: "a", count: 70 * 1024))
                    try await c.expectClose(after: "-ERR Protocol error: too big inline request\r\n")
                }
            }
        }

        @Test func configuredBulkLimit() async throws {
            try await withTestServer(arguments: ["--proto-max-bulk-len", "1mb"]) { _, port in
                try await withConnection(port: port) { c in
                    try await c.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
                    try await c.expectClose(after: "-ERR Protocol error: invalid bulk length\r\n")
                }
            }
        }
    }
}
