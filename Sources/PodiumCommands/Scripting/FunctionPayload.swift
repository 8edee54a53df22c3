import NIOCore

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
    public static func decode(_ payload: ByteBuffer) throws(CommandError) -> (codes: [ByteBuffer], error: CommandError?) {
        let bytes = Array(payload.readableBytesView)
        guard bytes.count >= 10 else { throw .functionPayloadInvalid }
        let footer = bytes.count - 10
        let version = Int(bytes[footer]) | Int(bytes[footer + 1]) << 8
        guard version <= rdbVersion else { throw .functionPayloadInvalid }
        var stored: UInt64 = 0
        for i in 0..<8 { stored |= UInt64(bytes[footer + 2 + i]) << (8 * i) }
        let crc = bytes.withUnsafeBytes { CRC64.checksum(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 8)])) }
        guard crc == stored else { throw .functionPayloadInvalid }
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
        if length < 1 << 6 {
            out.writeInteger(UInt8(length))
        } else if length < 1 << 14 {
            out.writeInteger(UInt8(0x40 | (length >> 8)))
            out.writeInteger(UInt8(length & 0xFF))
        } else if length <= Int(UInt32.max) {
            out.writeInteger(UInt8(0x80))
            out.writeInteger(UInt32(length), endianness: .big)
        } else {
            out.writeInteger(UInt8(0x81))
            out.writeInteger(UInt64(length), endianness: .big)
        }
    }

    /// An RDB length, or for the special encodings (11xxxxxx) the encoding with `encoded` set.
    static func readLength(_ bytes: [UInt8], _ position: inout Int, limit: Int) -> (value: Int, encoded: Bool)? {
        guard position < limit else { return nil }
        let first = bytes[position]
        position += 1
        switch first >> 6 {
        case 0: return (Int(first & 0x3F), false)
        case 1:
            guard position < limit else { return nil }
            let value = Int(first & 0x3F) << 8 | Int(bytes[position])
            position += 1
            return (value, false)
        case 3: return (Int(first & 0x3F), true)
        default:
            let width = first == 0x80 ? 4 : first == 0x81 ? 8 : 0
            guard width > 0, position + width <= limit else { return nil }
            var value: UInt64 = 0
            for i in 0..<width { value = value << 8 | UInt64(bytes[position + i]) }
            position += width
            guard value <= UInt64(Int.max) else { return nil }
            return (Int(value), false)
        }
    }

    static func readString(_ bytes: [UInt8], _ position: inout Int, limit: Int) -> [UInt8]? {
        guard let (length, encoded) = readLength(bytes, &position, limit: limit) else { return nil }
        if !encoded {
            guard length <= limit - position else { return nil }
            defer { position += length }
            return Array(bytes[position..<position + length])
        }
        switch length {
        case 0, 1, 2:
            // Integers, little-endian and signed, written as their decimal text.
            let width = 1 << length
            guard position + width <= limit else { return nil }
            var value: Int64 = 0
            for i in 0..<width { value |= Int64(bytes[position + i]) << (8 * i) }
            let shift = 64 - 8 * width
            value = (value << shift) >> shift
            position += width
            return Array(String(value).utf8)
        case 3:
            guard let (compressed, _) = readLength(bytes, &position, limit: limit),
                  let (expanded, _) = readLength(bytes, &position, limit: limit),
                  compressed <= limit - position, expanded <= 512 * 1024 * 1024
            else { return nil }
            defer { position += compressed }
            return LZF.decompress(bytes[position..<position + compressed], expectedLength: expanded)
        default:
            return nil
        }
    }
}

/// Redis' and Valkey's CRC-64 (Jones polynomial, reflected, initial value 0): the checksum of RDB files and of
/// DUMP payloads. The check value of "123456789" is 0xe9c6d914c4b8d9ca.
public enum CRC64 {
    static let table: [UInt64] = (0..<256).map { i -> UInt64 in
        var crc = UInt64(i)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x95AC_9329_AC4B_C9B5 : crc >> 1 }
        return crc
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var crc = seed
        table.withUnsafeBufferPointer { t in
            for byte in bytes { crc = t[Int((crc ^ UInt64(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc
    }
}

/// LZF decompression (liblzf's format, which Redis and Valkey use for RDB strings).
public enum LZF {
    public static func decompress(_ input: ArraySlice<UInt8>, expectedLength: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(expectedLength)
        var i = input.startIndex
        while i < input.endIndex {
            let control = Int(input[i])
            i += 1
            if control < 32 {
                // A literal run of control + 1 bytes.
                let count = control + 1
                guard i + count <= input.endIndex, out.count + count <= expectedLength else { return nil }
                out.append(contentsOf: input[i..<i + count])
                i += count
            } else {
                // A back reference: length (3 bits, 7 means one more byte) + 2, offset 13 bits + 1.
                var length = control >> 5
                if length == 7 {
                    guard i < input.endIndex else { return nil }
                    length += Int(input[i])
                    i += 1
                }
                guard i < input.endIndex else { return nil }
                let back = ((control & 0x1F) << 8 | Int(input[i])) + 1
                i += 1
                length += 2
                guard back <= out.count, out.count + length <= expectedLength else { return nil }
                let start = out.count - back
                for k in 0..<length { out.append(out[start + k]) }
            }
        }
        return out.count == expectedLength ? out : nil
    }
}
