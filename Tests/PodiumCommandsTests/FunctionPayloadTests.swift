import NIOCore
import PodiumCommands
import Testing

/// FUNCTION DUMP's payload: a payload Valkey 8.0.1 wrote (LZF-compressed code), and Podium's own.
@Suite struct FunctionPayloadTests {
    /// `FUNCTION DUMP` of Valkey 8.0.1 after loading this library (its code LZF-compressed).
    @Test func readsValkeysCompressedPayload() throws {
        let code =
            "#!lua name=lib1\nredis.register_function(\"fa\", function() return \"abcabcabcabcabcabcabcabcabcabc\" end)"
        let dump: [UInt8] = [
            245, 195, 64, 75, 64, 101, 31, 35, 33, 108, 117, 97, 32, 110, 97, 109, 101, 61, 108, 105, 98, 49, 10, 114,
            101, 100, 105, 115, 46, 114, 101, 103, 105, 115, 116, 101, 114, 95, 102, 13, 117, 110, 99, 116, 105, 111,
            110, 40, 34, 102, 97, 34, 44, 32, 224, 0, 14, 12, 41, 32, 114, 101, 116, 117, 114, 110, 32, 34, 97, 98, 99,
            224, 18, 2, 5, 34, 32, 101, 110, 100, 41, 11, 0, 240, 42, 43, 215, 215, 101, 97, 52,
        ]
        let (codes, error) = try FunctionPayload.decode(ByteBuffer(bytes: dump))
        #expect(error == nil)
        #expect(codes.map { String(buffer: $0) } == [code])
    }

    @Test func roundTripsAndRefusesCorruption() throws {
        let codes = ["#!lua name=a\nreturn 1", String(repeating: "x", count: 20000)].map { ByteBuffer(string: $0) }
        let payload = FunctionPayload.encode(codes)
        #expect(try FunctionPayload.decode(payload).codes == codes)
        var bytes = Array(payload.readableBytesView)
        bytes[3] ^= 1
        #expect(throws: CommandError.self) { try FunctionPayload.decode(ByteBuffer(bytes: bytes)) }
        // A newer RDB version than Podium knows is refused like a bad checksum.
        var newer = Array(payload.readableBytesView)
        newer[newer.count - 10] = 12
        #expect(throws: CommandError.self) { try FunctionPayload.decode(ByteBuffer(bytes: newer)) }
    }
}
