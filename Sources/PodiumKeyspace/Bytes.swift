import PodiumNumbers

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
/// `String` would normalise, validate and compare by grapheme. Ordering is `memcmp` order, which is what Redis
/// uses for lexicographic ranges and sorted-set ties.
///
/// ## Small-string storage
/// Up to 23 bytes are stored inline, in the value itself; longer strings live in an array. Most keys
/// (`user:1234`, `session:…`, `key:000000012345`) and many values (counters, scores, short JSON fields) are
/// short, and each of them would otherwise be one heap allocation and, when read, one cache miss: measured under
/// `redis-benchmark`, a key lookup spent most of its time waiting for the key's heap buffer. The representation is
/// canonical (a string of 23 bytes or fewer is always inline), so equality never has to compare across forms.
public struct Bytes: Hashable, Comparable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The two representations. `small` holds the bytes in its first three words' bytes 0…22 and the count in
    /// the last byte; unused bytes are zero.
    @usableFromInline enum Representation: Sendable {
        case small(UInt64, UInt64, UInt64)
        case large([UInt8])
    }

    @usableFromInline var representation: Representation

    /// The longest string stored inline.
    public static let inlineCapacity = 23

    @inlinable public init(raw: UnsafeRawBufferPointer) {
        if raw.count <= Bytes.inlineCapacity {
            var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &words) { dst in
                if raw.count > 0 { dst.baseAddress!.copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
                dst[23] = UInt8(raw.count)
            }
            representation = .small(words.0, words.1, words.2)
        } else {
            representation = .large(Array(raw))
        }
    }

    @inlinable public init(_ storage: [UInt8]) {
        if storage.count <= Bytes.inlineCapacity {
            self = storage.withUnsafeBytes { Bytes(raw: $0) }
        } else {
            representation = .large(storage)
        }
    }

    @inlinable public init<S: Sequence>(_ bytes: S) where S.Element == UInt8 { self.init(Array(bytes)) }
    @inlinable public init(_ string: String) { self.init(Array(string.utf8)) }
    @inlinable public init(stringLiteral value: String) { self.init(Array(value.utf8)) }
    @inlinable public init(decimal value: Int) { self = StrictInteger.withDecimal(value) { Bytes(raw: $0) } }

    public static let empty = Bytes(raw: UnsafeRawBufferPointer(start: nil, count: 0))

    @inlinable public var count: Int {
        switch representation {
        case .small(_, _, let w2): return Int(w2 >> 56)
        case .large(let a): return a.count
        }
    }

    @inlinable public var isEmpty: Bool { count == 0 }

    /// Calls `body` with the bytes, without copying.
    @inlinable public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R
    {
        switch representation {
        case .small(let w0, let w1, let w2):
            var words = (w0, w1, w2)
            let count = Int(w2 >> 56)
            return try Swift.withUnsafeBytes(of: &words) { raw throws(E) in
                try body(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
            }
        case .large(let a):
            // Array's withUnsafeBytes rethrows untyped errors: carry the typed one out in a Result.
            let result: Result<R, E> = a.withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }
            return try result.get()
        }
    }

    /// The bytes as an array. Reading allocates for inline strings; modifying works in place for long ones and
    /// re-canonicalises afterwards (`APPEND`, `SETRANGE`).
    public var storage: [UInt8] {
        get {
            switch representation {
            case .small: return withUnsafeBytes { Array($0) }
            case .large(let a): return a
            }
        }
        _modify {
            var array: [UInt8]
            switch representation {
            case .small: array = withUnsafeBytes { Array($0) }
            case .large(let a): array = a
            }
            representation = .small(0, 0, 0)  // drop our reference so `array` is unique
            defer { self = Bytes(array) }
            yield &array
        }
    }

    @inlinable public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    @inlinable public static func == (lhs: Bytes, rhs: Bytes) -> Bool {
        switch (lhs.representation, rhs.representation) {
        case (.small(let a0, let a1, let a2), .small(let b0, let b1, let b2)): return a0 == b0 && a1 == b1 && a2 == b2
        case (.large(let a), .large(let b)): return a == b
        default: return false
        }
    }

    /// `memcmp` order; a proper prefix sorts first.
    @inlinable public static func < (lhs: Bytes, rhs: Bytes) -> Bool {
        Bytes.compare(lhs, rhs) < 0
    }

    @inlinable public static func compare(_ lhs: Bytes, _ rhs: Bytes) -> Int {
        lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in
                let common = min(a.count, b.count)
                if common > 0 {
                    let r = memcmp(a.baseAddress!, b.baseAddress!, common)
                    if r != 0 { return Int(r) }
                }
                return a.count - b.count
            }
        }
    }

    /// True if the bytes equal `raw`.
    @inlinable public func equals(_ raw: UnsafeRawBufferPointer) -> Bool {
        withUnsafeBytes { stored in
            stored.count == raw.count
                && (raw.count == 0 || memcmp(stored.baseAddress!, raw.baseAddress!, raw.count) == 0)
        }
    }

    /// The bytes as text, invalid UTF-8 repaired; for logs and error messages only.
    public var description: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    /// The value as a strict 64-bit integer (Valkey's `string2ll`), or nil.
    public var integerValue: Int? {
        withUnsafeBytes { StrictInteger.parse($0) }
    }
}
