#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A binary-safe byte string: keys, string values, hash fields, sorted-set members.
///
/// Keys and values are bytes, never `String`: Redis data is arbitrary octets (`\0`, `\r\n`, invalid UTF-8), and
/// `String` would normalise, validate and compare by grapheme. Hashing feeds the whole buffer to the hasher in
/// one call (an `Array`'s own `hash(into:)` combines element by element), and ordering is `memcmp` order, which
/// is what Redis uses for lexicographic ranges and sorted-set ties.
public struct Bytes: Hashable, Comparable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var storage: [UInt8]

    @inlinable public init(_ storage: [UInt8]) { self.storage = storage }
    @inlinable public init<S: Sequence>(_ bytes: S) where S.Element == UInt8 { self.storage = Array(bytes) }
    @inlinable public init(_ string: String) { self.storage = Array(string.utf8) }
    @inlinable public init(stringLiteral value: String) { self.storage = Array(value.utf8) }
    @inlinable public init(raw: UnsafeRawBufferPointer) { self.storage = Array(raw) }
    @inlinable public init(decimal value: Int) { self.storage = Array(String(value).utf8) }

    public static let empty = Bytes([UInt8]())

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    @inlinable public func hash(into hasher: inout Hasher) {
        storage.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    @inlinable public static func == (lhs: Bytes, rhs: Bytes) -> Bool {
        lhs.storage == rhs.storage
    }

    /// `memcmp` order; a proper prefix sorts first.
    @inlinable public static func < (lhs: Bytes, rhs: Bytes) -> Bool {
        Bytes.compare(lhs, rhs) < 0
    }

    @inlinable public static func compare(_ lhs: Bytes, _ rhs: Bytes) -> Int {
        lhs.storage.withUnsafeBytes { a in
            rhs.storage.withUnsafeBytes { b in
                let common = min(a.count, b.count)
                if common > 0 {
                    let r = memcmp(a.baseAddress!, b.baseAddress!, common)
                    if r != 0 { return Int(r) }
                }
                return a.count - b.count
            }
        }
    }

    /// The bytes as text, invalid UTF-8 repaired; for logs and error messages only.
    public var description: String { String(decoding: storage, as: UTF8.self) }

    /// The value as a strict 64-bit integer (Valkey's `string2ll`), or nil.
    public var integerValue: Int? {
        storage.withUnsafeBytes { StrictInteger.parse($0) }
    }
}

/// Valkey's `string2ll`: optional `-`, digits, no `+`, no spaces, no leading zeros, no overflow.
public enum StrictInteger {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let count = bytes.count
        guard count > 0, count <= 20 else { return nil }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
            guard count > 1 else { return nil }
        }
        let first = bytes[index]
        if first == UInt8(ascii: "0") {
            return (count == index + 1 && !negative) ? 0 : nil
        }
        guard first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") else { return nil }
        var value: UInt64 = 0
        while index < count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { return nil }
            value = a
            index += 1
        }
        if negative {
            guard value <= UInt64(Int64.max) + 1 else { return nil }
            return value == UInt64(Int64.max) + 1 ? Int.min : -Int(value)
        }
        guard value <= UInt64(Int64.max) else { return nil }
        return Int(value)
    }
}
