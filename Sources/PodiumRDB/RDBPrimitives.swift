import PodiumNumbers

/// Why RDB bytes could not be read. Every read is bounds-checked: damaged input gives one of these, never a crash.
public enum RDBError: Error, Equatable, CustomStringConvertible {
    /// The bytes end inside a value.
    case truncated
    /// A length, an encoding or a packed structure that no writer produces.
    case malformed(String)
    /// A value type Podium does not have (streams, modules) or does not know.
    case unsupportedType(UInt8)

    public var description: String {
        switch self {
        case .truncated: return "unexpected end of data"
        case .malformed(let what): return what
        case .unsupportedType(let type): return "unsupported value type \(type)"
        }
    }
}

/// Reads RDB primitives (Valkey's `rdbLoadLen`, `rdbGenericLoadStringObject`, `rdbLoadDoubleValue`, …) from a
/// byte array, keeping its position.
public struct RDBReader {
    public let bytes: [UInt8]
    public var position: Int
    /// Reads stop here (a DUMP payload's footer is not part of its value).
    public let limit: Int
    /// The largest string a read may expand to (LZF): `proto-max-bulk-len`'s default.
    public static let maxStringLength = 512 * 1024 * 1024

    public init(_ bytes: [UInt8], position: Int = 0, limit: Int? = nil) {
        self.bytes = bytes
        self.position = position
        self.limit = min(limit ?? bytes.count, bytes.count)
    }

    public var remaining: Int { limit - position }

    public mutating func byte() throws(RDBError) -> UInt8 {
        guard position < limit else { throw .truncated }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func take(_ n: Int) throws(RDBError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw .truncated }
        defer { position += n }
        return bytes[position..<position + n]
    }

    /// A little-endian unsigned integer of `width` bytes.
    public mutating func littleEndian(_ width: Int) throws(RDBError) -> UInt64 {
        let slice = try take(width)
        var value: UInt64 = 0
        for (i, b) in slice.enumerated() { value |= UInt64(b) << (8 * i) }
        return value
    }

    /// An RDB length; for the special string encodings (`11xxxxxx`) the encoding number with `encoded` set.
    public mutating func length() throws(RDBError) -> (value: Int, encoded: Bool) {
        let first = try byte()
        switch first >> 6 {
        case 0: return (Int(first & 0x3F), false)
        case 1: return (Int(first & 0x3F) << 8 | Int(try byte()), false)
        case 3: return (Int(first & 0x3F), true)
        default:
            let width: Int
            switch first {
            case 0x80: width = 4
            case 0x81: width = 8
            default: throw .malformed("unknown length encoding \(first)")
            }
            var value: UInt64 = 0
            for b in try take(width) { value = value << 8 | UInt64(b) }
            guard value <= UInt64(Int32.max) * 1024 else { throw .malformed("length \(value) out of range") }
            return (Int(value), false)
        }
    }

    /// A plain length (no special encoding).
    public mutating func count() throws(RDBError) -> Int {
        let (value, encoded) = try length()
        guard !encoded else { throw .malformed("an encoded string where a length was expected") }
        return value
    }

    /// An RDB string: raw, integer-encoded (written as decimal text) or LZF-compressed.
    public mutating func string() throws(RDBError) -> [UInt8] {
        let (length, encoded) = try length()
        guard encoded else { return Array(try take(length)) }
        switch length {
        case 0, 1, 2:
            let width = 1 << length
            let raw = try littleEndian(width)
            let shift = UInt64(64 - 8 * width)
            let value = Int64(bitPattern: raw << shift) >> Int64(shift)
            return Array(String(value).utf8)
        case 3:
            let compressed = try count()
            let expanded = try count()
            // LZF expands at most about 88-fold (a 3-byte back reference copies 264 bytes): a larger claim is damage,
            // and must not make the reader reserve that much memory.
            guard expanded > 0, expanded <= Self.maxStringLength, expanded <= compressed &* 132 &+ 64 else {
                throw .malformed("bad LZF length")
            }
            guard let out = LZF.decompress(try take(compressed), expectedLength: expanded) else {
                throw .malformed("invalid LZF data")
            }
            return out
        default:
            throw .malformed("unknown string encoding \(length)")
        }
    }

    /// A score of the old `ZSET` type: a length byte (253 NaN, 254 +inf, 255 -inf) then the number as text.
    public mutating func textDouble() throws(RDBError) -> Double {
        let length = try byte()
        switch length {
        case 253: return .nan
        case 254: return .infinity
        case 255: return -.infinity
        default:
            let text = String(decoding: try take(Int(length)), as: UTF8.self)
            guard let value = Double(text) else { throw .malformed("bad score '\(text)'") }
            return value
        }
    }

    /// An 8-byte little-endian IEEE double (`ZSET_2`).
    public mutating func binaryDouble() throws(RDBError) -> Double {
        Double(bitPattern: try littleEndian(8))
    }
}

/// Writes RDB primitives into a byte array.
public struct RDBWriter {
    public var bytes: [UInt8] = []
    /// `rdbcompression`: strings over 20 bytes are stored LZF-compressed when that saves at least 4 bytes (Valkey's
    /// `rdbSaveRawString`).
    public var compression: Bool
    private var lzfTable: [Int32] = []

    public init(compression: Bool = false) {
        self.compression = compression
    }

    public mutating func byte(_ b: UInt8) { bytes.append(b) }

    public mutating func littleEndian(_ value: UInt64, width: Int) {
        for i in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    public mutating func length(_ n: Int) {
        if n < 1 << 6 {
            bytes.append(UInt8(n))
        } else if n < 1 << 14 {
            bytes.append(UInt8(0x40 | (n >> 8)))
            bytes.append(UInt8(n & 0xFF))
        } else if n <= Int(UInt32.max) {
            bytes.append(0x80)
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: n >> shift)) }
        } else {
            bytes.append(0x81)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: n >> shift)) }
        }
    }

    /// A string; a canonical decimal integer that fits 32 bits is integer-encoded, as Valkey's
    /// `rdbTryIntegerEncoding` does.
    public mutating func string(_ raw: UnsafeRawBufferPointer) {
        if raw.count <= 11, let n = StrictInteger.parse(raw), let encoded = Self.integerEncoding(n) {
            bytes.append(contentsOf: encoded)
            return
        }
        if compression, raw.count > 20, let packed = LZF.compress(raw, limit: raw.count - 4, table: &lzfTable) {
            bytes.append(0xC3)
            length(packed.count)
            length(raw.count)
            bytes.append(contentsOf: packed)
            return
        }
        length(raw.count)
        bytes.append(contentsOf: raw)
    }

    public mutating func string(_ array: [UInt8]) {
        array.withUnsafeBytes { string($0) }
    }

    /// An integer as an integer-encoded string.
    public mutating func integerString(_ n: Int) {
        if let encoded = Self.integerEncoding(n) {
            bytes.append(contentsOf: encoded)
        } else {
            let text = Array(String(n).utf8)
            length(text.count)
            bytes.append(contentsOf: text)
        }
    }

    static func integerEncoding(_ n: Int) -> [UInt8]? {
        if n >= Int(Int8.min), n <= Int(Int8.max) { return [0xC0, UInt8(truncatingIfNeeded: n)] }
        if n >= Int(Int16.min), n <= Int(Int16.max) {
            return [0xC1, UInt8(truncatingIfNeeded: n), UInt8(truncatingIfNeeded: n >> 8)]
        }
        if n >= Int(Int32.min), n <= Int(Int32.max) {
            return [0xC2] + (0..<4).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) }
        }
        return nil
    }

    public mutating func binaryDouble(_ value: Double) {
        littleEndian(value.bitPattern, width: 8)
    }
}
