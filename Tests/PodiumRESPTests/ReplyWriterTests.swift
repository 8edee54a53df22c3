import NIOCore
import PodiumRESP
import Testing

/// Exact bytes of every reply kind, in RESP2 and in RESP3.
@Suite struct ReplyWriterTests {
    /// Runs `body` on a fresh writer speaking `proto` and returns what it wrote.
    static func written(_ proto: ProtocolVersion = .resp2, _ body: (inout ReplyWriter) -> Void) -> String {
        var writer = ReplyWriter(buffer: ByteBuffer(), proto: proto)
        body(&writer)
        return String(decoding: writer.buffer.readableBytesView, as: UTF8.self)
    }

    static func both(_ body: (inout ReplyWriter) -> Void) -> (resp2: String, resp3: String) {
        (written(.resp2, body), written(.resp3, body))
    }

    @Suite struct Scalars {
        @Test func simpleStringsAndErrors() {
            for proto in [ProtocolVersion.resp2, .resp3] {
                #expect(written(proto) { $0.ok() } == "+OK\r\n")
                #expect(written(proto) { $0.simple("PONG") } == "+PONG\r\n")
                #expect(written(proto) { $0.error("ERR syntax error") } == "-ERR syntax error\r\n")
                #expect(written(proto) { $0.error("WRONGTYPE x") } == "-WRONGTYPE x\r\n")
            }
        }

        @Test func integers() {
            #expect(written { $0.integer(0) } == ":0\r\n")
            #expect(written { $0.integer(7) } == ":7\r\n")
            #expect(written { $0.integer(-1) } == ":-1\r\n")
            #expect(written { $0.integer(1_234_567_890) } == ":1234567890\r\n")
            #expect(written { $0.integer(Int.max) } == ":9223372036854775807\r\n")
            #expect(written { $0.integer(Int.min) } == ":-9223372036854775808\r\n")
            #expect(written(.resp3) { $0.integer(42) } == ":42\r\n")
        }

        @Test func bulkStrings() {
            #expect(written { $0.bulk("hello") } == "$5\r\nhello\r\n")
            #expect(written { $0.bulk("") } == "$0\r\n\r\n")
            #expect(written { $0.bulk([UInt8]("a\r\nb".utf8)) } == "$4\r\na\r\nb\r\n")
            #expect(written { $0.bulk(ByteBuffer(string: "buffer")) } == "$6\r\nbuffer\r\n")
            #expect(written { w in [UInt8]("raw".utf8).withUnsafeBytes { w.bulk($0) } } == "$3\r\nraw\r\n")
            #expect(written { $0.bulkDecimal(-12) } == "$3\r\n-12\r\n")
            #expect(written(.resp3) { $0.bulk("x") } == "$1\r\nx\r\n")
        }

        @Test func binaryBulkKeepsEveryByte() {
            var writer = ReplyWriter(buffer: ByteBuffer())
            writer.bulk([0x00, 0xFF, 0x0D, 0x0A])
            #expect(
                Array(writer.buffer.readableBytesView) == Array("$4\r\n".utf8) + [0x00, 0xFF, 0x0D, 0x0A] + [
                    0x0D, 0x0A,
                ])
        }

        @Test func nulls() {
            #expect(both { $0.null() } == ("$-1\r\n", "_\r\n"))
            #expect(both { $0.nullArray() } == ("*-1\r\n", "_\r\n"))
        }

        @Test func booleans() {
            #expect(both { $0.boolean(true) } == (":1\r\n", "#t\r\n"))
            #expect(both { $0.boolean(false) } == (":0\r\n", "#f\r\n"))
        }

        @Test func doubles() {
            #expect(both { $0.double(formatted: "3.14") } == ("$4\r\n3.14\r\n", ",3.14\r\n"))
            #expect(both { $0.double(formatted: "inf") } == ("$3\r\ninf\r\n", ",inf\r\n"))
            #expect(both { $0.double(formatted: "-0.5") } == ("$4\r\n-0.5\r\n", ",-0.5\r\n"))
        }

        @Test func verbatimStrings() {
            #expect(both { $0.verbatim("hello world") } == ("$11\r\nhello world\r\n", "=15\r\ntxt:hello world\r\n"))
            #expect(both { $0.verbatim("") } == ("$0\r\n\r\n", "=4\r\ntxt:\r\n"))
            #expect(written(.resp3) { $0.verbatim("# x", format: "mkd") } == "=7\r\nmkd:# x\r\n")
        }
    }

    @Suite struct Aggregates {
        @Test func arrays() {
            #expect(both { $0.arrayHeader(0) } == ("*0\r\n", "*0\r\n"))
            #expect(
                both { w in
                    w.arrayHeader(2)
                    w.bulk("a")
                    w.integer(1)
                } == ("*2\r\n$1\r\na\r\n:1\r\n", "*2\r\n$1\r\na\r\n:1\r\n"))
        }

        @Test func mapsBecomeFlatArraysInRESP2() {
            let (resp2, resp3) = both { w in
                w.mapHeader(2)
                w.bulk("a")
                w.integer(1)
                w.bulk("b")
                w.null()
            }
            #expect(resp2 == "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n")
            #expect(resp3 == "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n")
            #expect(both { $0.mapHeader(0) } == ("*0\r\n", "%0\r\n"))
        }

        @Test func setsBecomeArraysInRESP2() {
            #expect(
                both { w in
                    w.setHeader(1)
                    w.simple("x")
                } == ("*1\r\n+x\r\n", "~1\r\n+x\r\n"))
        }

        @Test func pushesBecomeArraysInRESP2() {
            #expect(both { $0.pushHeader(3) } == ("*3\r\n", ">3\r\n"))
        }

        @Test func nested() {
            let (resp2, resp3) = both { w in
                w.arrayHeader(2)
                w.mapHeader(1)
                w.bulk("k")
                w.setHeader(2)
                w.boolean(true)
                w.double(formatted: "1.5")
                w.nullArray()
            }
            #expect(resp2 == "*2\r\n*2\r\n$1\r\nk\r\n*2\r\n:1\r\n$3\r\n1.5\r\n*-1\r\n")
            #expect(resp3 == "*2\r\n%1\r\n$1\r\nk\r\n~2\r\n#t\r\n,1.5\r\n_\r\n")
        }

        @Test func appendsToExistingContent() {
            var writer = ReplyWriter(buffer: ByteBuffer(string: "+first\r\n"))
            writer.ok()
            #expect(String(buffer: writer.buffer) == "+first\r\n+OK\r\n")
        }

        @Test func protocolCanChangeMidStream() {
            var writer = ReplyWriter(buffer: ByteBuffer(), proto: .resp2)
            writer.null()
            writer.proto = .resp3
            writer.null()
            #expect(String(buffer: writer.buffer) == "$-1\r\n_\r\n")
        }
    }

    @Suite struct Decimals {
        static func decimal(_ value: Int) -> String { written { $0.writeDecimal(value) } }

        @Test(arguments: [0, 1, 9, 10, 99, 100, 12345, -1, -9, -10, -12345, Int.max, Int.min, Int.max - 1, Int.min + 1])
        func matchesTheStandardLibrary(_ value: Int) {
            #expect(Self.decimal(value) == String(value))
        }

        @Test func extremes() {
            #expect(Self.decimal(0) == "0")
            #expect(Self.decimal(Int.max) == "9223372036854775807")
            #expect(Self.decimal(Int.min) == "-9223372036854775808")
        }
    }
}
