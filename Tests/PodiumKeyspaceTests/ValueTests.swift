import PodiumKeyspace
import Testing

@Suite struct ValueTests {
    /// Valkey's `tryObjectEncoding`: canonical integers of up to 20 bytes are `int`, other strings up to 44 bytes
    /// `embstr`, longer ones `raw`.
    @Suite struct Encodings {
        @Test(arguments: ["0", "1", "-1", "10", "12345", "9223372036854775807", "-9223372036854775808"])
        func canonicalIntegers(_ text: String) {
            let value = Value.fromBytes(Bytes(text))
            #expect(value.encodingName == "int")
            guard case .integer(let n) = value else {
                Issue.record("\(text) not stored as an integer")
                return
            }
            #expect(String(n) == text)
            #expect(value.stringBytes == Bytes(text))
        }

        @Test(arguments: [
            "", "a", "01", "-0", "+1", " 1", "1 ", "1.5", "1e3", "0x10", "9223372036854775808",
            "-9223372036854775809",
        ])
        func nonCanonicalNumbersStayStrings(_ text: String) {
            let value = Value.fromBytes(Bytes(text))
            #expect(value.encodingName == "embstr")
            #expect(value.stringBytes == Bytes(text))
        }

        @Test func embstrUpTo44Bytes() {
            #expect(Value.fromBytes(Bytes(String(repeating: "x", count: 44))).encodingName == "embstr")
            #expect(Value.fromBytes(Bytes(String(repeating: "x", count: 45))).encodingName == "raw")
        }

        @Test func grownInPlaceIsRaw() {
            #expect(Value.string("short", raw: true).encodingName == "raw")
        }

        @Test func typeAndBytes() {
            #expect(Value.integer(42).typeName == "string")
            #expect(Value.fromBytes("abc").typeName == "string")
            #expect(Value.integer(-7).stringBytes == "-7")
            #expect(Value.integer(1).isString)
        }
    }

    @Suite struct BytesTests {
        @Test func integerValueIsStrict() {
            #expect(Bytes("42").integerValue == 42)
            #expect(Bytes("-42").integerValue == -42)
            #expect(Bytes("042").integerValue == nil)
            #expect(Bytes("4 2").integerValue == nil)
            #expect(Bytes("").integerValue == nil)
            #expect(Bytes("9223372036854775808").integerValue == nil)
        }

        @Test func memcmpOrder() {
            #expect(Bytes("a") < Bytes("b"))
            #expect(Bytes("a") < Bytes("aa"))
            #expect(Bytes("") < Bytes("a"))
            #expect(!(Bytes("b") < Bytes("a")))
            // Bytes compare unsigned: 0xFF sorts after ASCII.
            #expect(Bytes([0x7F]) < Bytes([0xFF]))
            #expect(Bytes.compare("abc", "abc") == 0)
        }

        @Test func binarySafeEqualityAndHashing() {
            let a = Bytes([0x00, 0x01])
            let b = Bytes([0x00, 0x01])
            let c = Bytes([0x00, 0x02])
            #expect(a == b)
            #expect(a != c)
            #expect(Set([a, b, c]).count == 2)
            #expect(Bytes([0x00]) != Bytes.empty)
        }

        @Test func initialisers() {
            #expect(Bytes(decimal: -15) == "-15")
            #expect(Bytes("héllo").count == 6)
            #expect(Bytes.empty.isEmpty)
            #expect(Bytes([0x61, 0x62]).description == "ab")
        }
    }
}
