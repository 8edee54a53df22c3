import NIOCore
import NIOEmbedded
import NIOTestUtils
import PodiumNumbers
import PodiumRESP
import PodiumText
import Testing

/// The request decoder against Valkey's `processMultibulkBuffer` / `processInlineBuffer` rules.
///
/// Valid forms go through `ByteToMessageDecoderVerifier`, which replays each input drip-fed one byte at a time and
/// all inputs in one buffer, so partial reads and pipelining are covered for every case. Malformed forms must throw
/// Valkey's exact `Protocol error: …` text.
@Suite struct RESPRequestDecoderTests {
    // MARK: - Helpers

    /// An argument vector from strings.
    static func request(_ args: String...) -> [ByteBuffer] { args.map { ByteBuffer(string: $0) } }

    /// `*N\r\n$len\r\narg\r\n…` for `args`.
    static func multibulk(_ args: [[UInt8]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("*\(args.count)\r\n")
        for arg in args {
            buffer.writeString("$\(arg.count)\r\n")
            buffer.writeBytes(arg)
            buffer.writeString("\r\n")
        }
        return buffer
    }

    static func multibulk(_ args: String...) -> ByteBuffer { multibulk(args.map { Array($0.utf8) }) }

    static func verify(_ pairs: [(String, [[ByteBuffer]])]) throws {
        try verify(pairs.map { (ByteBuffer(string: $0.0), $0.1) })
    }

    static func verify(_ pairs: [(ByteBuffer, [[ByteBuffer]])]) throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { RESPRequestDecoder() }
    }

    /// Feeds `input` through a processor in one piece; returns what was decoded before the error and the error.
    static func decodeUntilError(
        _ input: ByteBuffer, limits: RESPLimits = .default
    ) -> (decoded: [[ByteBuffer]], error: (any Error)?) {
        let processor = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder(limits: limits))
        var decoded: [[ByteBuffer]] = []
        do {
            try processor.process(buffer: input) { decoded.append($0) }
            return (decoded, nil)
        } catch {
            return (decoded, error)
        }
    }

    static func decodeUntilError(
        _ input: String, limits: RESPLimits = .default
    ) -> (decoded: [[ByteBuffer]], error: (any Error)?) {
        decodeUntilError(ByteBuffer(string: input), limits: limits)
    }

    static let seventyKB = 70 * 1024

    // MARK: - Multibulk

    @Suite struct Multibulk {
        @Test func singleCommand() throws {
            try verify([("*1\r\n$4\r\nPING\r\n", [request("PING")])])
            try verify([("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n", [request("SET", "k", "hello")])])
        }

        @Test func severalCommandsInOneBuffer() throws {
            let input = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n*1\r\n$4\r\nPING\r\n"
            try verify([(input, [request("GET", "a"), request("GET", "b"), request("PING")])])
        }

        @Test func consecutiveRequestsAsSeparateReads() throws {
            try verify([
                ("*1\r\n$4\r\nPING\r\n", [request("PING")]),
                ("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", [request("ECHO", "hi")]),
                ("*2\r\n$3\r\nDEL\r\n$0\r\n\r\n", [request("DEL", "")]),
            ])
        }

        @Test func emptyAndNegativeCountsAreSkipped() throws {
            try verify([
                ("*0\r\n", []),
                ("*-1\r\n", []),
                ("*0\r\n*1\r\n$4\r\nPING\r\n", [request("PING")]),
            ])
        }

        @Test func emptyArgument() throws {
            try verify([("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n", [request("SET", "", "")])])
        }

        @Test func binaryPayloadsKeepEveryByte() throws {
            let value: [UInt8] = [0x00, 0x0D, 0x0A, 0xFF, 0x24, 0x2A, 0x0D, 0x0A, 0x00]
            let input = multibulk([Array("SET".utf8), [0x00, 0x0A], value])
            try verify([
                (input, [[ByteBuffer(string: "SET"), ByteBuffer(bytes: [0x00, 0x0A]), ByteBuffer(bytes: value)]])
            ])
        }

        @Test func bulkOfAFewKilobytes() throws {
            // Kept small: the verifier drip-feeds every byte through a channel.
            let value = [UInt8]((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            try verify([
                (
                    multibulk([Array("SET".utf8), Array("k".utf8), value]),
                    [[ByteBuffer(string: "SET"), ByteBuffer(string: "k"), ByteBuffer(bytes: value)]]
                )
            ])
        }

        @Test func bulkLongerThanTheInlineLimitDripFed() throws {
            // A payload is not a header line: its length is not bounded by the 64 KB inline limit.
            let value = [UInt8](repeating: UInt8(ascii: "x"), count: seventyKB)
            let input = multibulk([Array("SET".utf8), Array("k".utf8), value])
            let processor = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder())
            var decoded: [[ByteBuffer]] = []
            for byte in input.readableBytesView {
                try processor.process(buffer: ByteBuffer(bytes: [byte])) { decoded.append($0) }
            }
            #expect(decoded == [[ByteBuffer(string: "SET"), ByteBuffer(string: "k"), ByteBuffer(bytes: value)]])
        }

        @Test func oneMegabyteValueInOneRead() throws {
            let value = [UInt8]((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0) })
            let (decoded, error) = decodeUntilError(multibulk([Array("SET".utf8), Array("k".utf8), value]))
            #expect(error == nil)
            #expect(decoded == [[ByteBuffer(string: "SET"), ByteBuffer(string: "k"), ByteBuffer(bytes: value)]])
        }

        @Test func manyArguments() throws {
            let args = (0..<1000).map { "v\($0)" }
            let input = multibulk(args.map { Array($0.utf8) })
            try verify([(input, [args.map { ByteBuffer(string: $0) }])])
        }

        /// Valkey skips the two bytes after a payload without looking at them.
        @Test func bytesAfterThePayloadAreNotInspected() throws {
            let (decoded, error) = decodeUntilError("*1\r\n$4\r\nPINGXY*1\r\n$4\r\nPING\r\n")
            #expect(error == nil)
            #expect(decoded == [request("PING"), request("PING")])
        }

        @Test func liveLimitsApplyFromTheNextRequest() throws {
            let live = RESPLiveLimits(RESPLimits(maxBulkLength: 8))
            var decoder = RESPRequestDecoder(liveLimits: live)
            var buffer = ByteBuffer(string: "*1\r\n$6\r\nPINGXX\r\n")
            #expect(try decoder.decode(buffer: &buffer) == request("PINGXX"))
            // CONFIG SET proto-max-bulk-len lowered it while the connection was open.
            live.limits.maxBulkLength = 4
            buffer = ByteBuffer(string: "*1\r\n$6\r\nPINGXX\r\n")
            #expect(throws: RESPProtocolError.self) { try decoder.decode(buffer: &buffer) }
        }

        @Test func bulkAtExactlyTheLimitIsAccepted() throws {
            var decoder = RESPRequestDecoder(limits: RESPLimits(maxBulkLength: 4))
            var buffer = ByteBuffer(string: "*1\r\n$4\r\nPING\r\n")
            #expect(try decoder.decode(buffer: &buffer) == request("PING"))
            #expect(buffer.readableBytes == 0)
        }

        @Test func argumentsAreSlicesOfTheInput() throws {
            var decoder = RESPRequestDecoder()
            var buffer = ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
            let args = try #require(try decoder.decode(buffer: &buffer))
            #expect(args == request("GET", "key"))
            #expect(buffer.readableBytes == 0)
            #expect(try decoder.decode(buffer: &buffer) == nil)
        }
    }

    // MARK: - Inline

    @Suite struct Inline {
        @Test func wordsSeparatedBySpaces() throws {
            try verify([
                ("PING\r\n", [request("PING")]),
                ("SET k v\r\n", [request("SET", "k", "v")]),
                ("  GET   k  \r\n", [request("GET", "k")]),
                ("GET k\n", [request("GET", "k")]),
                ("ECHO a\tb\r\n", [request("ECHO", "a", "b")]),
            ])
        }

        @Test func emptyLinesAreSkipped() throws {
            try verify([
                ("\r\n", []),
                ("\n", []),
                ("   \r\n", []),
                ("\r\n\r\nPING\r\n", [request("PING")]),
            ])
        }

        @Test func doubleQuotesWithEscapes() throws {
            try verify([
                ("SET k \"hello world\"\r\n", [request("SET", "k", "hello world")]),
                ("ECHO \"a\\nb\\r\\tc\"\r\n", [request("ECHO", "a\nb\r\tc")]),
                ("ECHO \"\\\"quoted\\\" \\\\ back\"\r\n", [request("ECHO", "\"quoted\" \\ back")]),
                ("ECHO \"\\a\\b\"\r\n", [request("ECHO", "\u{07}\u{08}")]),
                // Any other escaped character is itself.
                ("ECHO \"\\q\"\r\n", [request("ECHO", "q")]),
                ("ECHO \"\"\r\n", [request("ECHO", "")]),
            ])
        }

        @Test func hexEscapes() throws {
            try verify([
                ("ECHO \"\\x41\\x62\"\r\n", [request("ECHO", "Ab")]),
                ("ECHO \"\\x00\\xff\"\r\n", [[ByteBuffer(string: "ECHO"), ByteBuffer(bytes: [0x00, 0xFF])]]),
                // Not two hex digits: the backslash escapes the `x`.
                ("ECHO \"\\xZZ\"\r\n", [request("ECHO", "xZZ")]),
            ])
        }

        @Test func singleQuotes() throws {
            try verify([
                ("ECHO 'hello world'\r\n", [request("ECHO", "hello world")]),
                ("ECHO 'it\\'s'\r\n", [request("ECHO", "it's")]),
                // Only \' is an escape inside single quotes.
                ("ECHO 'a\\nb'\r\n", [request("ECHO", "a\\nb")]),
            ])
        }

        @Test func aQuoteInsideAWordOpensAQuotedPart() throws {
            try verify([("ECHO ab\"c d\"\r\n", [request("ECHO", "abc d")])])
        }

        @Test func inlineAndMultibulkInterleaved() throws {
            try verify([
                ("PING\r\n", [request("PING")]),
                ("*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n", [request("ECHO", "x")]),
                ("ECHO y\r\n", [request("ECHO", "y")]),
            ])
        }

        @Test func inlineAtExactlyTheLimitWaits() throws {
            var decoder = RESPRequestDecoder()
            var buffer = ByteBuffer(repeating: UInt8(ascii: "a"), count: 64 * 1024)
            #expect(try decoder.decode(buffer: &buffer) == nil)
            buffer.writeString("\r\n")
            let args = try #require(try decoder.decode(buffer: &buffer))
            #expect(args.count == 1)
            #expect(args[0].readableBytes == 64 * 1024)
        }
    }

    // MARK: - Splitter

    @Suite struct Splitter {
        static func split(_ line: String) -> [String]? {
            ArgumentSplitter.split(Array(line.utf8)).map { $0.map { String(decoding: $0, as: UTF8.self) } }
        }

        @Test func plainWords() {
            #expect(Self.split("") == [])
            #expect(Self.split("   ") == [])
            #expect(Self.split("a b  c") == ["a", "b", "c"])
        }

        @Test func unbalancedQuotes() {
            #expect(Self.split("\"abc") == nil)
            #expect(Self.split("'abc") == nil)
            // A closing quote must be followed by a space or the end.
            #expect(Self.split("\"abc\"def") == nil)
            #expect(Self.split("'abc'def") == nil)
            // A trailing backslash inside quotes leaves the quote open.
            #expect(Self.split("\"abc\\\"") == nil)
        }
    }

    // MARK: - Malformed requests

    @Suite struct Malformed {
        /// Each malformed input and Valkey's reply text for it.
        static let cases: [(input: String, error: RESPProtocolError)] = [
            ("*1\r\n+foo\r\n", .expectedDollar(got: UInt8(ascii: "+"))),
            ("*2\r\n$3\r\nGET\r\n:1\r\n", .expectedDollar(got: UInt8(ascii: ":"))),
            // A line break cannot appear in the reply: Valkey shows it as a space.
            ("*1\r\n\r\n", .expectedDollar(got: 0x0D)),
            ("*1\r\n\nfoo\r\n", .expectedDollar(got: 0x0A)),
            ("*abc\r\n", .invalidMultibulkLength),
            ("*\r\n", .invalidMultibulkLength),
            ("*+1\r\n", .invalidMultibulkLength),
            ("*01\r\n", .invalidMultibulkLength),
            ("*3000000000\r\n", .invalidMultibulkLength),
            ("*99999999999999999999999\r\n", .invalidMultibulkLength),
            ("*1\r\n$-5\r\n", .invalidBulkLength),
            ("*1\r\n$-1\r\n", .invalidBulkLength),
            ("*1\r\n$abc\r\n", .invalidBulkLength),
            ("*1\r\n$\r\n", .invalidBulkLength),
            ("*1\r\n$536870913\r\n", .invalidBulkLength),
            ("ECHO \"abc\r\n", .unbalancedQuotes),
            ("ECHO 'abc\r\n", .unbalancedQuotes),
            ("ECHO \"abc\"def\r\n", .unbalancedQuotes),
        ]

        @Test(arguments: 0..<cases.count)
        func throughAProcessor(_ index: Int) throws {
            let (input, expected) = Self.cases[index]
            let (decoded, error) = decodeUntilError(input)
            #expect(decoded.isEmpty)
            #expect(error as? RESPProtocolError == expected, "input \(input.debugDescription)")
        }

        @Test(arguments: 0..<cases.count)
        func throughAChannel(_ index: Int) throws {
            let (input, expected) = Self.cases[index]
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder()))
            #expect(throws: expected) { try channel.writeInbound(ByteBuffer(string: input)) }
            #expect(try channel.readInbound(as: [ByteBuffer].self) == nil)
            _ = try? channel.finish()
        }

        @Test func errorTexts() {
            #expect(
                RESPProtocolError.expectedDollar(got: UInt8(ascii: "+")).message
                    == "Protocol error: expected '$', got '+'")
            #expect(RESPProtocolError.expectedDollar(got: 0x0D).message == "Protocol error: expected '$', got ' '")
            #expect(RESPProtocolError.expectedDollar(got: 0x0A).message == "Protocol error: expected '$', got ' '")
            #expect(RESPProtocolError.invalidMultibulkLength.message == "Protocol error: invalid multibulk length")
            #expect(RESPProtocolError.invalidBulkLength.message == "Protocol error: invalid bulk length")
            #expect(RESPProtocolError.tooBigInlineRequest.message == "Protocol error: too big inline request")
            #expect(RESPProtocolError.tooBigMultibulkCount.message == "Protocol error: too big mbulk count string")
            #expect(RESPProtocolError.tooBigBulkCount.message == "Protocol error: too big bulk count string")
            #expect(RESPProtocolError.unbalancedQuotes.message == "Protocol error: unbalanced quotes in request")
        }

        @Test func tooBigInlineRequest() {
            let input = ByteBuffer(repeating: UInt8(ascii: "a"), count: seventyKB)
            #expect(decodeUntilError(input).error as? RESPProtocolError == .tooBigInlineRequest)
        }

        @Test func tooBigMultibulkCountString() {
            var input = ByteBuffer(string: "*")
            input.writeRepeatingByte(UInt8(ascii: "1"), count: seventyKB)
            #expect(decodeUntilError(input).error as? RESPProtocolError == .tooBigMultibulkCount)
        }

        @Test func tooBigBulkCountString() {
            var input = ByteBuffer(string: "*1\r\n$")
            input.writeRepeatingByte(UInt8(ascii: "1"), count: seventyKB)
            #expect(decodeUntilError(input).error as? RESPProtocolError == .tooBigBulkCount)
        }

        @Test func oversizedHeadersThroughAChannel() throws {
            var inline = ByteBuffer()
            inline.writeRepeatingByte(UInt8(ascii: "a"), count: seventyKB)
            var mbulk = ByteBuffer(string: "*")
            mbulk.writeRepeatingByte(UInt8(ascii: "1"), count: seventyKB)
            var bulk = ByteBuffer(string: "*1\r\n$")
            bulk.writeRepeatingByte(UInt8(ascii: "1"), count: seventyKB)
            for (input, expected) in [
                (inline, RESPProtocolError.tooBigInlineRequest), (mbulk, .tooBigMultibulkCount),
                (bulk, .tooBigBulkCount),
            ] {
                let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder()))
                #expect(throws: expected) { try channel.writeInbound(input) }
                _ = try? channel.finish()
            }
        }

        @Test func configuredBulkLimit() {
            let limits = RESPLimits(maxBulkLength: 10)
            #expect(decodeUntilError("*1\r\n$10\r\n0123456789\r\n", limits: limits).error == nil)
            #expect(decodeUntilError("*1\r\n$11\r\n", limits: limits).error as? RESPProtocolError == .invalidBulkLength)
        }

        @Test func configuredMultibulkLimit() {
            let limits = RESPLimits(maxMultibulkLength: 2)
            #expect(decodeUntilError("*2\r\n$1\r\na\r\n$1\r\nb\r\n", limits: limits).error == nil)
            #expect(decodeUntilError("*3\r\n", limits: limits).error as? RESPProtocolError == .invalidMultibulkLength)
        }

        @Test func configuredInlineLimit() {
            let limits = RESPLimits(maxInlineLength: 16)
            #expect(decodeUntilError(String(repeating: "a", count: 16), limits: limits).error == nil)
            #expect(
                decodeUntilError(String(repeating: "a", count: 17), limits: limits).error as? RESPProtocolError
                    == .tooBigInlineRequest)
        }

        /// Valkey answers the requests it parsed before the malformed one; so must the decoder emit them.
        @Test func requestsBeforeTheErrorAreStillDecoded() {
            let (decoded, error) = decodeUntilError("PING\r\n*1\r\n$4\r\nECHO\r\n*1\r\n+foo\r\n")
            #expect(decoded == [request("PING"), request("ECHO")])
            #expect(error as? RESPProtocolError == .expectedDollar(got: UInt8(ascii: "+")))
        }

        @Test func requestsBeforeTheErrorReachTheNextHandler() throws {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder()))
            #expect(throws: RESPProtocolError.invalidMultibulkLength) {
                try channel.writeInbound(ByteBuffer(string: "PING\r\n*x\r\n"))
            }
            #expect(try channel.readInbound(as: [ByteBuffer].self) == request("PING"))
            _ = try? channel.finish()
        }
    }

    // MARK: - Resource use

    @Suite struct Progress {
        /// A client that announces the largest allowed bulk and sends nothing costs no memory.
        @Test func announcedBulkIsNotAllocated() throws {
            var decoder = RESPRequestDecoder()
            var buffer = ByteBuffer(string: "*1\r\n$536870912\r\n")
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(buffer.readableBytes == "*1\r\n$536870912\r\n".utf8.count)
            #expect(buffer.capacity < 1024)
            // Some of the payload arrives: still nothing decoded, nothing reserved beyond what arrived.
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: 1000)
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(buffer.capacity < 4096)
        }

        @Test func announcedBulkThroughAProcessorIsNotAllocated() throws {
            let processor = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder())
            var decoded = 0
            try processor.process(buffer: ByteBuffer(string: "*2\r\n$3\r\nSET\r\n$536870912\r\n")) { _ in decoded += 1 }
            #expect(decoded == 0)
            #expect(processor.unprocessedBytes < 64)
        }

        @Test func dripFedRequestDecodesTheSame() throws {
            let value: [UInt8] = Array("a\r\nb\0c".utf8) + [0xFF]
            var whole = multibulk([Array("SET".utf8), Array("key".utf8), value])
            whole.writeString("GET \"key\"\r\n")
            let expected: [[ByteBuffer]] = [
                [ByteBuffer(string: "SET"), ByteBuffer(string: "key"), ByteBuffer(bytes: value)],
                request("GET", "key"),
            ]

            let inOne = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder())
            var fromOne: [[ByteBuffer]] = []
            try inOne.process(buffer: whole) { fromOne.append($0) }

            let dripped = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder())
            var fromDrip: [[ByteBuffer]] = []
            for byte in whole.readableBytesView {
                try dripped.process(buffer: ByteBuffer(bytes: [byte])) { fromDrip.append($0) }
            }
            #expect(fromOne == expected)
            #expect(fromDrip == expected)
            #expect(dripped.unprocessedBytes == 0)
        }

        @Test func partialRequestIsNotConsumed() throws {
            var decoder = RESPRequestDecoder()
            var buffer = ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$3\r\nke")
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(buffer.readerIndex == 0)
            buffer.writeString("y\r\n")
            #expect(try decoder.decode(buffer: &buffer) == request("GET", "key"))
        }

        /// Decodes `input` in one read, or a byte per read; returns the requests and the error text, if any.
        static func decode(_ input: [UInt8], dripped: Bool, limits: RESPLimits) -> ([[ByteBuffer]], String?) {
            let processor = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder(limits: limits))
            var decoded: [[ByteBuffer]] = []
            do {
                if dripped {
                    for byte in input {
                        try processor.process(buffer: ByteBuffer(bytes: [byte])) { decoded.append($0) }
                    }
                } else {
                    try processor.process(buffer: ByteBuffer(bytes: input)) { decoded.append($0) }
                }
                return (decoded, nil)
            } catch {
                return (decoded, "\(error)")
            }
        }

        /// A request that arrives whole is framed in one pass; one that arrives a byte at a time goes through the
        /// resumable framing. Random streams of well-formed and damaged requests (a wrong or missing `$`, lengths
        /// out of range or not numbers, counts of zero, negative or past the limit, short payloads) must give the
        /// same requests and the same error either way.
        @Test func wholeAndDripFedStreamsAgree() {
            var rng = SystemRandomNumberGenerator()
            let limits = RESPLimits(maxBulkLength: 40, maxMultibulkLength: 6, maxInlineLength: 64)
            let numbers = ["0", "1", "3", "-1", "-0", "007", "x", "", "41", "40", "6", "7", "9223372036854775808"]
            for _ in 0..<3000 {
                var input: [UInt8] = []
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let args = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                        (0..<Int.random(in: 0...6, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    }
                    let damage = Int.random(in: 0..<12, using: &rng)
                    let count = damage == 0 ? numbers.randomElement(using: &rng)! : "\(args.count)"
                    input += Array("*\(count)\r\n".utf8)
                    for (i, arg) in args.enumerated() {
                        let hit = damage != 0 && i == damage % 4
                        let dollar: [UInt8] = hit && damage % 3 == 0 ? [UInt8(ascii: "#")] : [UInt8(ascii: "$")]
                        let length = hit && damage % 3 == 1 ? numbers.randomElement(using: &rng)! : "\(arg.count)"
                        input += dollar + Array("\(length)\r\n".utf8) + arg + Array("\r\n".utf8)
                    }
                    if Int.random(in: 0..<8, using: &rng) == 0 { input.removeLast(Int.random(in: 1...3, using: &rng)) }
                }
                let whole = Self.decode(input, dripped: false, limits: limits)
                let drip = Self.decode(input, dripped: true, limits: limits)
                #expect(whole.0 == drip.0, "\(input)")
                #expect(whole.1 == drip.1, "\(input)")
            }
        }
    }

    // MARK: - Integers

    @Suite struct Integers {
        static func parse(_ text: String) -> Int? {
            Array(text.utf8).withUnsafeBytes { StrictInteger.parse($0) }
        }

        /// `format` against the standard library's decimal text, around every power of ten and at the ends.
        @Test func formatMatchesTheDecimalText() {
            var values: [Int] = [0, 1, -1, 9, 10, 99, 100, 101, Int.max, Int.min, Int.max - 1, Int.min + 1]
            var power = 1
            for _ in 0..<18 {
                power *= 10
                values += [power - 1, power, power + 1, -power + 1, -power, -power - 1, power / 2 + 7]
            }
            for v in values {
                let text = withUnsafeTemporaryAllocation(byteCount: 20, alignment: 1) { scratch in
                    String(
                        decoding: UnsafeRawBufferPointer(
                            rebasing: scratch[..<StrictInteger.format(v, at: scratch.baseAddress!)]),
                        as: UTF8.self)
                }
                #expect(text == String(v))
            }
        }

        @Test func strictDecimal() {
            #expect(Self.parse("0") == 0)
            #expect(Self.parse("42") == 42)
            #expect(Self.parse("-42") == -42)
            #expect(Self.parse("9223372036854775807") == Int.max)
            #expect(Self.parse("-9223372036854775808") == Int.min)
        }

        @Test func rejectsWhatString2llRejects() {
            for text in [
                "", "-", "+1", "01", "-0", " 1", "1 ", "1a", "9223372036854775808", "-9223372036854775809",
                "123456789012345678901",
            ] {
                #expect(Self.parse(text) == nil, "\(text.debugDescription)")
            }
        }
    }
}
