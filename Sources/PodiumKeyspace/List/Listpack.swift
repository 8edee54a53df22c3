import PodiumNumbers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Entries packed one after the other in a byte array, in the layout of Valkey's listpack (one entry:
/// `<encoding><data><backlen>`), for list nodes and small sets.
///
/// ## Why this exact layout
/// - **Size.** A short string costs its bytes plus two (one encoding byte, one back-length byte); an integer
///   written as text (`"123456"`) is stored as a binary integer of 1 to 9 bytes. A million 11-byte list elements
///   take 13 MB, what Valkey takes, where an array of `Bytes` would take 32 MB.
/// - **Both directions.** The back-length at the end of each entry gives the entry's size, so a walk can start at
///   either end: RPOP and `LRANGE -10 -1` never scan a node from its start.
/// - **Valkey's conversion points.** Valkey decides when a list stops being one listpack, and when a quicklist
///   node is full, from the listpack's byte size. With the same entry sizes, `OBJECT ENCODING` and node splits
///   follow Valkey's thresholds exactly: a node's listpack size is `bytes.count + 7` (Valkey's 6-byte header and
///   1-byte terminator, which Podium does not store).
///
/// Encodings (the first byte): `0xxxxxxx` 7-bit unsigned integer; `10xxxxxx` string of up to 63 bytes;
/// `110xxxxx` + 1 byte: 13-bit signed integer; `1110xxxx` + 1 byte: string of up to 4095 bytes; `0xF0` + 4-byte
/// length: longer string; `0xF1`…`0xF4`: 16-, 24-, 32-, 64-bit signed integers, little-endian. A string is stored
/// as an integer exactly when it is a canonical decimal integer (Valkey's `string2ll`), so reading it back
/// prints the same bytes.
public enum Listpack {
    /// Valkey's listpack header (total bytes, element count) and terminator, not stored by Podium.
    public static let overhead = 7

    /// How one element will be stored: as an integer, or as its bytes.
    @usableFromInline enum Encoded {
        case integer(Int)
        case string(UnsafeRawBufferPointer)
    }

    @inline(__always)
    static func classify(_ raw: UnsafeRawBufferPointer) -> Encoded {
        if raw.count <= 20, raw.count > 0, let n = StrictInteger.parse(raw) { return .integer(n) }
        return .string(raw)
    }

    /// Bytes of the encoding byte(s) plus data for an integer.
    @inline(__always)
    static func integerBodySize(_ v: Int) -> Int {
        if v >= 0 && v <= 127 { return 1 }
        if v >= -4096 && v <= 4095 { return 2 }
        if v >= -32768 && v <= 32767 { return 3 }
        if v >= -8_388_608 && v <= 8_388_607 { return 4 }
        if v >= -2_147_483_648 && v <= 2_147_483_647 { return 5 }
        return 9
    }

    @inline(__always)
    static func stringBodySize(_ n: Int) -> Int {
        if n < 64 { return 1 + n }
        if n < 4096 { return 2 + n }
        return 5 + n
    }

    @inline(__always)
    static func backlenSize(_ l: Int) -> Int {
        if l <= 127 { return 1 }
        if l < 16383 { return 2 }
        if l < 2_097_151 { return 3 }
        if l < 268_435_455 { return 4 }
        return 5
    }

    /// The stored size of one element.
    @inline(__always)
    static func entrySize(_ e: Encoded) -> Int {
        let body: Int
        switch e {
        case .integer(let v): body = integerBodySize(v)
        case .string(let s): body = stringBodySize(s.count)
        }
        return body + backlenSize(body)
    }

    /// The stored size of `raw` as one element.
    public static func entrySize(of raw: UnsafeRawBufferPointer) -> Int { entrySize(classify(raw)) }

    /// Writes one element at `p`; returns the bytes written (`entrySize`).
    @inline(__always)
    static func write(_ e: Encoded, at p: UnsafeMutableRawPointer) -> Int {
        var body = 0
        switch e {
        case .integer(let v):
            let size = integerBodySize(v)
            let u = UInt64(bitPattern: Int64(v))
            switch size {
            case 1:
                p.storeBytes(of: UInt8(v), as: UInt8.self)
            case 2:
                let t = u & 0x1FFF
                p.storeBytes(of: UInt8(0xC0 | (t >> 8)), as: UInt8.self)
                p.storeBytes(of: UInt8(t & 0xFF), toByteOffset: 1, as: UInt8.self)
            default:
                let tag: UInt8 = size == 3 ? 0xF1 : size == 4 ? 0xF2 : size == 5 ? 0xF3 : 0xF4
                p.storeBytes(of: tag, as: UInt8.self)
                for i in 0..<(size - 1) {
                    p.storeBytes(
                        of: UInt8(truncatingIfNeeded: u >> (8 * UInt64(i))), toByteOffset: 1 + i, as: UInt8.self)
                }
            }
            body = size
        case .string(let s):
            let n = s.count
            var header = 0
            if n < 64 {
                p.storeBytes(of: UInt8(0x80 | n), as: UInt8.self)
                header = 1
            } else if n < 4096 {
                p.storeBytes(of: UInt8(0xE0 | (n >> 8)), as: UInt8.self)
                p.storeBytes(of: UInt8(n & 0xFF), toByteOffset: 1, as: UInt8.self)
                header = 2
            } else {
                p.storeBytes(of: UInt8(0xF0), as: UInt8.self)
                for i in 0..<4 {
                    p.storeBytes(of: UInt8(truncatingIfNeeded: n >> (8 * i)), toByteOffset: 1 + i, as: UInt8.self)
                }
                header = 5
            }
            if n > 0 { (p + header).copyMemory(from: s.baseAddress!, byteCount: n) }
            body = header + n
        }
        // The back-length: the body size, 7 bits a byte, read from the entry's last byte backwards (a set high
        // bit means another byte precedes).
        let bl = backlenSize(body)
        var l = body
        for i in stride(from: bl - 1, through: 0, by: -1) {
            var byte = UInt8(l & 127)
            if i != 0 { byte |= 128 }
            p.storeBytes(of: byte, toByteOffset: body + i, as: UInt8.self)
            l >>= 7
        }
        return body + bl
    }

    // MARK: - Reading

    /// The body size (encoding + data) of the entry starting at `i`.
    @inline(__always)
    static func bodySize(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int {
        let c = b[i]
        if c < 0x80 { return 1 }
        if c < 0xC0 { return 1 + Int(c & 0x3F) }
        if c < 0xE0 { return 2 }
        if c < 0xF0 { return 2 + (Int(c & 0x0F) << 8 | Int(b[i + 1])) }
        switch c {
        case 0xF0:
            let n = Int(b[i + 1]) | Int(b[i + 2]) << 8 | Int(b[i + 3]) << 16 | Int(b[i + 4]) << 24
            return 5 + n
        case 0xF1: return 3
        case 0xF2: return 4
        case 0xF3: return 5
        default: return 9
        }
    }

    /// Where the entry after the one at `i` starts.
    @inline(__always)
    public static func next(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int {
        let body = bodySize(b, i)
        return i + body + backlenSize(body)
    }

    /// Where the entry that ends at `end` (exclusive) starts.
    @inline(__always)
    public static func previous(_ b: UnsafeRawBufferPointer, before end: Int) -> Int {
        var p = end - 1
        var value = 0
        var shift = 0
        var size = 0
        while true {
            let byte = b[p]
            value |= Int(byte & 127) << shift
            size += 1
            if byte & 128 == 0 { break }
            shift += 7
            p -= 1
        }
        return end - size - value
    }

    /// The element at `i`: its bytes if it is a string, else its integer value.
    @usableFromInline enum Element {
        case integer(Int)
        case bytes(UnsafeRawBufferPointer)
    }

    @inline(__always)
    static func element(_ b: UnsafeRawBufferPointer, _ i: Int) -> Element {
        let c = b[i]
        if c < 0x80 { return .integer(Int(c)) }
        if c < 0xC0 { return .bytes(UnsafeRawBufferPointer(rebasing: b[(i + 1)..<(i + 1 + Int(c & 0x3F))])) }
        if c < 0xE0 {
            let t = Int(c & 0x1F) << 8 | Int(b[i + 1])
            return .integer(t >= 4096 ? t - 8192 : t)
        }
        if c < 0xF0 {
            let n = Int(c & 0x0F) << 8 | Int(b[i + 1])
            return .bytes(UnsafeRawBufferPointer(rebasing: b[(i + 2)..<(i + 2 + n)]))
        }
        if c == 0xF0 {
            let n = Int(b[i + 1]) | Int(b[i + 2]) << 8 | Int(b[i + 3]) << 16 | Int(b[i + 4]) << 24
            return .bytes(UnsafeRawBufferPointer(rebasing: b[(i + 5)..<(i + 5 + n)]))
        }
        let width = c == 0xF1 ? 2 : c == 0xF2 ? 3 : c == 0xF3 ? 4 : 8
        var u: UInt64 = 0
        for k in 0..<width { u |= UInt64(b[i + 1 + k]) << (8 * UInt64(k)) }
        // Sign-extend from `width` bytes.
        let shift = UInt64(64 - 8 * width)
        return .integer(Int(Int64(bitPattern: u << shift) >> Int64(shift)))
    }

    /// Calls `body` with the element at `i` as bytes (integers printed in decimal into a stack buffer).
    @inline(__always)
    public static func withElement<R>(_ b: UnsafeRawBufferPointer, _ i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R
    {
        switch element(b, i) {
        case .bytes(let s): return body(s)
        case .integer(let v): return StrictInteger.withDecimal(v, body)
        }
    }

    /// The element at `i` as `Bytes`.
    public static func bytes(_ b: UnsafeRawBufferPointer, _ i: Int) -> Bytes { withElement(b, i) { Bytes(raw: $0) } }

    /// True if the element at `i` equals `probe`.
    @inline(__always)
    public static func equals(_ b: UnsafeRawBufferPointer, _ i: Int, _ probe: Probe) -> Bool {
        switch element(b, i) {
        case .integer(let v): return probe.integer == v
        case .bytes(let s):
            guard probe.integer == nil, s.count == probe.raw.count else { return false }
            return s.count == 0 || memcmp(s.baseAddress!, probe.raw.baseAddress!, s.count) == 0
        }
    }

    /// An element to search for, classified once: a canonical integer only ever matches an integer entry, and
    /// other bytes only a string entry.
    public struct Probe {
        public let raw: UnsafeRawBufferPointer
        @usableFromInline let integer: Int?
        public init(_ raw: UnsafeRawBufferPointer) {
            self.raw = raw
            if case .integer(let n) = Listpack.classify(raw) { integer = n } else { integer = nil }
        }
    }
}
