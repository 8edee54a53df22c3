import NIOCore
import PodiumRDB

/// The payload of FUNCTION DUMP and FUNCTION RESTORE, as Valkey 8 writes it: per library the RDB opcode
/// `FUNCTION2` (245) and the library's code as an RDB string, then the RDB version (11, two bytes little-endian)
/// and the CRC-64 (Jones) of everything before it, eight bytes little-endian.
///
/// Podium writes the code uncompressed (Valkey LZF-compresses strings over 20 bytes when `rdbcompression` is on:
/// both forms are valid and both servers read either); it reads plain, integer-encoded and LZF-compressed
/// strings.
public enum FunctionPayload {
    static let opcodeFunction: UInt8 = 245
    static let opcodeFunctionPreGA: UInt8 = 246
    /// The RDB version Podium writes and the newest it reads (Valkey 8's `RDB_VERSION`).
    public static let rdbVersion = 11

    public static func encode(_ codes: [ByteBuffer]) -> ByteBuffer {
        var out = ByteBuffer()
        for code in codes {
            out.writeInteger(opcodeFunction)
            writeLength(code.readableBytes, into: &out)
            out.writeImmutableBuffer(code)
        }
        out.writeInteger(UInt16(rdbVersion), endianness: .little)
        let crc = out.withUnsafeReadableBytes { CRC64.checksum($0) }
        out.writeInteger(crc, endianness: .little)
        return out
    }

    /// The libraries' codes, in order, and the error that stopped the reading (Valkey reports it after the
    /// libraries before it were compiled, so a compile error of an earlier one comes first).
    public static func decode(_ payload: ByteBuffer) throws(CommandError) -> (codes: [ByteBuffer], error: CommandError?)
    {
        let bytes = Array(payload.readableBytesView)
        guard bytes.count >= 10 else { throw .badDumpPayload }
        let footer = bytes.count - 10
        let version = Int(bytes[footer]) | Int(bytes[footer + 1]) << 8
        guard version <= rdbVersion else { throw .badDumpPayload }
        var stored: UInt64 = 0
        for i in 0..<8 { stored |= UInt64(bytes[footer + 2 + i]) << (8 * i) }
        let crc = bytes.withUnsafeBytes { CRC64.checksum(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 8)])) }
        guard crc == stored else { throw .badDumpPayload }
        var codes: [ByteBuffer] = []
        var position = 0
        while footer - position > 0 {
            let type = bytes[position]
            position += 1
            if type == opcodeFunctionPreGA { return (codes, .functionPayload("Pre-GA function format not supported")) }
            if type != opcodeFunction { return (codes, .functionPayload("given type is not a function")) }
            guard let code = readString(bytes, &position, limit: footer) else {
                return (codes, .functionPayload("Failed loading library payload"))
            }
            codes.append(ByteBuffer(bytes: code))
        }
        return (codes, nil)
    }

    // MARK: - RDB strings

    static func writeLength(_ length: Int, into out: inout ByteBuffer) {
        var writer = RDBWriter()
        writer.length(length)
        out.writeBytes(writer.bytes)
    }

    static func readString(_ bytes: [UInt8], _ position: inout Int, limit: Int) -> [UInt8]? {
        var reader = RDBReader(bytes, position: position, limit: limit)
        guard let string = try? reader.string() else { return nil }
        position = reader.position
        return string
    }
}
