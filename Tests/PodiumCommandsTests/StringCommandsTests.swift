import PodiumCommands
import PodiumKeyspace
import Testing

/// Valkey's `string` group.
@Suite struct StringCommandsTests {
    @Suite struct SetFamily {
        @Test func plainSetAndGet() {
            let h = CommandHarness()
            #expect(h.run(["GET", "k"]) == RESP.null)
            #expect(h.run(["SET", "k", "hello"], ["GET", "k"]) == RESP.ok + RESP.bulk("hello"))
            #expect(h.run(["SET", "k", ""], ["GET", "k"]) == RESP.ok + RESP.bulk(""))
        }

        @Test func binaryValuesRoundTrip() {
            let h = CommandHarness()
            let value: [UInt8] = [0x00, 0x0D, 0x0A, 0xFF]
            let out = h.runBytes([[Array("SET".utf8), [0x00], value], [Array("GET".utf8), [0x00]]])
            #expect(out == Array("+OK\r\n$4\r\n".utf8) + value + Array("\r\n".utf8))
        }

        @Test func nxAndXX() {
            let h = CommandHarness()
            #expect(h.run(["SET", "k", "1", "XX"]) == RESP.null)
            #expect(h.run(["SET", "k", "1", "NX"]) == RESP.ok)
            #expect(h.run(["SET", "k", "2", "NX"]) == RESP.null)
            #expect(h.run(["SET", "k", "3", "xx"]) == RESP.ok)
            #expect(h.run(["GET", "k"]) == RESP.bulk("3"))
        }

        @Test func getReturnsTheOldValue() {
            let h = CommandHarness()
            #expect(h.run(["SET", "k", "1", "GET"]) == RESP.null)
            #expect(h.run(["SET", "k", "2", "GET"]) == RESP.bulk("1"))
            #expect(h.run(["SET", "k", "3", "NX", "GET"]) == RESP.bulk("2"))
            #expect(h.run(["GET", "k"]) == RESP.bulk("2"))
            #expect(h.run(["SET", "n", "1", "XX", "GET"]) == RESP.null)
            #expect(h.run(["EXISTS", "n"]) == RESP.int(0))
        }

        @Test func relativeExpiry() {
            let h = CommandHarness()
            #expect(h.run(["SET", "a", "v", "EX", "10"], ["PTTL", "a"]) == RESP.ok + RESP.int(10_000))
            #expect(h.run(["SET", "b", "v", "PX", "1500"], ["PTTL", "b"]) == RESP.ok + RESP.int(1500))
            h.advance(by: 1501)
            #expect(h.run(["GET", "b"], ["GET", "a"]) == RESP.null + RESP.bulk("v"))
        }

        @Test func absoluteExpiry() {
            let h = CommandHarness()
            let seconds = Int(h.now / 1000) + 100
            #expect(
                h.run(["SET", "a", "v", "EXAT", String(seconds)], ["PEXPIRETIME", "a"]) == RESP.ok
                    + RESP.int(seconds * 1000))
            let ms = Int(h.now) + 2500
            #expect(h.run(["SET", "b", "v", "PXAT", String(ms)], ["PEXPIRETIME", "b"]) == RESP.ok + RESP.int(ms))
            // An absolute time already past: the SET succeeds and the key is gone.
            #expect(
                h.run(["SET", "c", "v", "PXAT", String(Int(h.now) - 1)], ["EXISTS", "c"]) == RESP.ok + RESP.int(0))
        }

        @Test func keepTTL() {
            let h = CommandHarness()
            h.run(["SET", "k", "1", "EX", "100"])
            #expect(h.run(["SET", "k", "2", "KEEPTTL"], ["TTL", "k"]) == RESP.ok + RESP.int(100))
            #expect(h.run(["SET", "k", "3"], ["TTL", "k"]) == RESP.ok + RESP.int(-1))
        }

        @Test(arguments: [
            ["SET", "k", "v", "NX", "XX"],
            ["SET", "k", "v", "XX", "NX"],
            ["SET", "k", "v", "EX", "10", "PX", "100"],
            ["SET", "k", "v", "PX", "10", "EXAT", "100"],
            ["SET", "k", "v", "KEEPTTL", "EX", "10"],
            ["SET", "k", "v", "EX", "10", "KEEPTTL"],
            ["SET", "k", "v", "EX"],
            ["SET", "k", "v", "FOO"],
            ["SET", "k", "v", "PERSIST"],
            ["SET", "k", "v", "NX", "FOO"],
        ])
        func syntaxErrors(_ command: [String]) {
            let h = CommandHarness()
            #expect(h.run(command) == RESP.syntaxError)
            #expect(h.run(["EXISTS", "k"]) == RESP.int(0))
        }

        @Test func expireOptionsMayRepeatTheSameUnit() {
            let h = CommandHarness()
            #expect(h.run(["SET", "k", "v", "EX", "10", "EX", "20"], ["TTL", "k"]) == RESP.ok + RESP.int(20))
        }

        @Test func invalidExpireTimes() {
            let h = CommandHarness()
            let invalid = RESP.error("ERR invalid expire time in 'set' command")
            #expect(h.run(["SET", "k", "v", "EX", "0"]) == invalid)
            #expect(h.run(["SET", "k", "v", "EX", "-5"]) == invalid)
            #expect(h.run(["SET", "k", "v", "PX", "0"]) == invalid)
            #expect(h.run(["SET", "k", "v", "EXAT", "0"]) == invalid)
            #expect(h.run(["SET", "k", "v", "EX", "9223372036854775807"]) == invalid)
            #expect(h.run(["SET", "k", "v", "PX", "9223372036854775807"]) == invalid)
            #expect(h.run(["SET", "k", "v", "EX", "ten"]) == RESP.notInteger)
            #expect(h.run(["EXISTS", "k"]) == RESP.int(0))
        }

        @Test func setnxSetexPsetex() {
            let h = CommandHarness()
            #expect(
                h.run(["SETNX", "k", "1"], ["SETNX", "k", "2"], ["GET", "k"]) == RESP.int(1) + RESP.int(0)
                    + RESP.bulk("1"))
            #expect(h.run(["SETEX", "a", "10", "v"], ["TTL", "a"]) == RESP.ok + RESP.int(10))
            #expect(h.run(["PSETEX", "b", "1234", "v"], ["PTTL", "b"]) == RESP.ok + RESP.int(1234))
            #expect(h.run(["SETEX", "c", "0", "v"]) == RESP.error("ERR invalid expire time in 'setex' command"))
            #expect(h.run(["PSETEX", "c", "-1", "v"]) == RESP.error("ERR invalid expire time in 'psetex' command"))
            #expect(h.run(["SETEX", "c", "x", "v"]) == RESP.notInteger)
        }
    }

    @Suite struct GetFamily {
        @Test func getdelGetset() {
            let h = CommandHarness()
            h.run(["SET", "k", "1"])
            #expect(h.run(["GETSET", "k", "2"], ["GET", "k"]) == RESP.bulk("1") + RESP.bulk("2"))
            #expect(h.run(["GETSET", "new", "x"]) == RESP.null)
            #expect(
                h.run(["GETDEL", "k"], ["GETDEL", "k"], ["EXISTS", "k"]) == RESP.bulk("2") + RESP.null + RESP.int(0))
        }

        @Test func getexChangesTheTTL() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            #expect(h.run(["GETEX", "k", "EX", "50"], ["TTL", "k"]) == RESP.bulk("v") + RESP.int(50))
            #expect(h.run(["GETEX", "k", "PERSIST"], ["TTL", "k"]) == RESP.bulk("v") + RESP.int(-1))
            #expect(h.run(["GETEX", "k"], ["TTL", "k"]) == RESP.bulk("v") + RESP.int(-1))
            #expect(h.run(["GETEX", "missing", "EX", "10"]) == RESP.null)
            #expect(h.run(["GETEX", "k", "PERSIST", "EX", "10"]) == RESP.syntaxError)
            #expect(h.run(["GETEX", "k", "KEEPTTL"]) == RESP.syntaxError)
            #expect(h.run(["GETEX", "k", "EX", "0"]) == RESP.error("ERR invalid expire time in 'getex' command"))
        }

        @Test func mgetMsetMsetnx() {
            let h = CommandHarness()
            #expect(h.run(["MSET", "a", "1", "b", "2"]) == RESP.ok)
            #expect(h.run(["MGET", "a", "nosuch", "b"]) == RESP.array(RESP.bulk("1"), RESP.null, RESP.bulk("2")))
            #expect(h.run(["MSETNX", "b", "x", "c", "3"]) == RESP.int(0))
            #expect(h.run(["EXISTS", "c"]) == RESP.int(0))
            #expect(h.run(["MSETNX", "c", "3", "d", "4"]) == RESP.int(1))
            #expect(h.run(["MGET", "c", "d"]) == RESP.bulks("3", "4"))
        }
    }

    @Suite struct Counters {
        @Test func incrementAndDecrement() {
            let h = CommandHarness()
            #expect(h.run(["INCR", "n"], ["INCR", "n"], ["DECR", "n"]) == RESP.int(1) + RESP.int(2) + RESP.int(1))
            #expect(
                h.run(["INCRBY", "n", "10"], ["DECRBY", "n", "5"], ["GET", "n"]) == RESP.int(11) + RESP.int(6)
                    + RESP.bulk("6"))
            #expect(h.run(["INCRBY", "n", "-10"]) == RESP.int(-4))
            #expect(h.run(["DECR", "fresh"]) == RESP.int(-1))
        }

        @Test func keepsTheTTL() {
            let h = CommandHarness()
            h.run(["SET", "n", "1", "EX", "100"])
            #expect(h.run(["INCR", "n"], ["TTL", "n"]) == RESP.int(2) + RESP.int(100))
        }

        @Test func notAnInteger() {
            let h = CommandHarness()
            h.run(["MSET", "s", "abc", "sp", " 1", "f", "1.5", "z", "01"])
            for key in ["s", "sp", "f", "z"] { #expect(h.run(["INCR", key]) == RESP.notInteger, "\(key)") }
            #expect(h.run(["INCRBY", "n", "abc"]) == RESP.notInteger)
            #expect(h.run(["INCRBY", "n", "1.0"]) == RESP.notInteger)
            #expect(h.run(["DECRBY", "n", "99999999999999999999"]) == RESP.notInteger)
        }

        @Test func overflow() {
            let h = CommandHarness()
            let overflow = RESP.error("ERR increment or decrement would overflow")
            h.run(["SET", "max", "9223372036854775807"], ["SET", "min", "-9223372036854775808"])
            #expect(h.run(["INCR", "max"]) == overflow)
            #expect(h.run(["INCRBY", "max", "1"]) == overflow)
            #expect(h.run(["DECR", "min"]) == overflow)
            #expect(h.run(["INCRBY", "min", "-1"]) == overflow)
            #expect(
                h.run(["GET", "max"], ["GET", "min"]) == RESP.bulk("9223372036854775807")
                    + RESP.bulk("-9223372036854775808"))
            #expect(h.run(["DECRBY", "n", "-9223372036854775808"]) == RESP.error("ERR decrement would overflow"))
            #expect(h.run(["INCRBY", "zero", "-9223372036854775808"]) == RESP.int(Int.min))
        }

        @Test func incrbyfloatIsDecimal() {
            let h = CommandHarness()
            #expect(h.run(["SET", "f", "0.1"], ["INCRBYFLOAT", "f", "0.2"]) == RESP.ok + RESP.bulk("0.3"))
            #expect(h.run(["GET", "f"]) == RESP.bulk("0.3"))
        }

        /// The examples of the INCRBYFLOAT documentation.
        @Test func incrbyfloatDocumentedExamples() {
            let h = CommandHarness()
            h.run(["SET", "mykey", "10.50"])
            #expect(h.run(["INCRBYFLOAT", "mykey", "0.1"]) == RESP.bulk("10.6"))
            #expect(h.run(["INCRBYFLOAT", "mykey", "-5"]) == RESP.bulk("5.6"))
            h.run(["SET", "mykey", "5.0e3"])
            #expect(h.run(["INCRBYFLOAT", "mykey", "2.0e2"]) == RESP.bulk("5200"))
        }

        @Test func incrbyfloatEdges() {
            let h = CommandHarness()
            #expect(h.run(["INCRBYFLOAT", "new", "1.5"]) == RESP.bulk("1.5"))
            #expect(h.run(["INCRBYFLOAT", "new", "-1.5"]) == RESP.bulk("0"))
            h.run(["SET", "i", "3"])
            #expect(h.run(["INCRBYFLOAT", "i", "1"]) == RESP.bulk("4"))
            #expect(h.run(["INCRBYFLOAT", "i", "abc"]) == RESP.notFloat)
            h.run(["SET", "s", "abc"])
            #expect(h.run(["INCRBYFLOAT", "s", "1"]) == RESP.notFloat)
            #expect(h.run(["INCRBYFLOAT", "i", "inf"]) == RESP.error("ERR increment would produce NaN or Infinity"))
            #expect(h.run(["GET", "i"]) == RESP.bulk("4"))
        }
    }

    @Suite struct ByteOperations {
        @Test func appendAndStrlen() {
            let h = CommandHarness()
            #expect(
                h.run(["APPEND", "k", "Hello"], ["APPEND", "k", " World"], ["GET", "k"])
                    == RESP.int(5) + RESP.int(11) + RESP.bulk("Hello World"))
            #expect(h.run(["STRLEN", "k"], ["STRLEN", "missing"]) == RESP.int(11) + RESP.int(0))
            h.run(["SET", "n", "123"])
            #expect(
                h.run(["STRLEN", "n"], ["APPEND", "n", "4"], ["GET", "n"]) == RESP.int(3) + RESP.int(4)
                    + RESP.bulk("1234"))
            #expect(h.run(["OBJECT", "ENCODING", "n"]) == RESP.bulk("raw"))
        }

        @Test func getrange() {
            let h = CommandHarness()
            h.run(["SET", "k", "This is a string"])
            #expect(h.run(["GETRANGE", "k", "0", "3"]) == RESP.bulk("This"))
            #expect(h.run(["GETRANGE", "k", "-3", "-1"]) == RESP.bulk("ing"))
            #expect(h.run(["GETRANGE", "k", "0", "-1"]) == RESP.bulk("This is a string"))
            #expect(h.run(["GETRANGE", "k", "10", "100"]) == RESP.bulk("string"))
            #expect(h.run(["GETRANGE", "k", "5", "3"]) == RESP.bulk(""))
            #expect(h.run(["GETRANGE", "k", "-1", "-5"]) == RESP.bulk(""))
            #expect(h.run(["GETRANGE", "missing", "0", "-1"]) == RESP.bulk(""))
            #expect(h.run(["GETRANGE", "k", "0", "9223372036854775807"]) == RESP.bulk("This is a string"))
            #expect(h.run(["GETRANGE", "k", "-9223372036854775808", "1"]) == RESP.bulk("Th"))
            #expect(h.run(["GETRANGE", "k", "a", "1"]) == RESP.notInteger)
        }

        @Test func setrange() {
            let h = CommandHarness()
            h.run(["SET", "k", "Hello World"])
            #expect(h.run(["SETRANGE", "k", "6", "Redis"], ["GET", "k"]) == RESP.int(11) + RESP.bulk("Hello Redis"))
            #expect(h.run(["SETRANGE", "pad", "3", "x"], ["GET", "pad"]) == RESP.int(4) + RESP.bulk("\0\0\0x"))
            #expect(h.run(["SETRANGE", "none", "5", ""], ["EXISTS", "none"]) == RESP.int(0) + RESP.int(0))
            #expect(h.run(["SETRANGE", "k", "-1", "x"]) == RESP.error("ERR offset is out of range"))
        }

        @Test func resultsLongerThanProtoMaxBulkLenAreRefused() {
            let h = CommandHarness()
            let tooLong = RESP.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
            #expect(h.run(["SETRANGE", "k", "536870912", "x"]) == tooLong)
            #expect(h.run(["EXISTS", "k"]) == RESP.int(0))
            h.dispatcher.protoMaxBulkLength = 8
            h.run(["SET", "a", "12345"])
            #expect(h.run(["APPEND", "a", "6789"]) == tooLong)
            #expect(h.run(["APPEND", "a", "678"]) == RESP.int(8))
        }

        /// Regression: `offset + value length` once overflowed in SETRANGE and trapped; Redis answers the
        /// proto-max-bulk-len error (its `checkStringLength` guards the addition). Runs in a child process so that
        /// a crash fails the test instead of the run.
        @Test func setrangeNearIntMaxIsRefusedNotACrash() async {
            await #expect(processExitsWith: .success) {
                let h = CommandHarness()
                let reply = h.run(["SETRANGE", "k", "9223372036854775807", "x"])
                precondition(reply == RESP.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"), reply)
            }
        }
    }

    @Suite struct Encoding {
        @Test func objectEncodingFollowsTheValue() {
            let h = CommandHarness()
            h.run(
                ["SET", "int", "12345"], ["SET", "emb", "hello"], ["SET", "raw", String(repeating: "x", count: 45)],
                ["SET", "lead", "012"])
            #expect(h.run(["OBJECT", "ENCODING", "int"]) == RESP.bulk("int"))
            #expect(h.run(["OBJECT", "ENCODING", "emb"]) == RESP.bulk("embstr"))
            #expect(h.run(["OBJECT", "ENCODING", "raw"]) == RESP.bulk("raw"))
            #expect(h.run(["OBJECT", "ENCODING", "lead"]) == RESP.bulk("embstr"))
            #expect(h.run(["OBJECT", "ENCODING", "missing"]) == RESP.null)
            #expect(h.run(["INCR", "int"], ["OBJECT", "ENCODING", "int"]) == RESP.int(12346) + RESP.bulk("int"))
        }
    }
}
