import PodiumNumbers

/// A value stored under a key.
///
/// Strings have two representations, as in Valkey: a string that is a canonical 64-bit integer (what `SET k 10`
/// and `INCR` produce) is kept as `.integer` so counters never re-parse, and everything else as bytes. `raw`
/// records that a string was grown in place (APPEND, SETRANGE), which is when Valkey reports `raw` instead of
/// `embstr` for short strings.
public enum Value {
    case integer(Int)
    case string(Bytes, raw: Bool)
    case hash(HashObject)
    case sortedSet(SortedSetObject)
    case list(ListObject)
    case set(SetObject)

    /// Builds a string value the way Valkey's `tryObjectEncoding` would store it.
    @inlinable public static func fromBytes(_ bytes: Bytes) -> Value {
        bytes.withUnsafeBytes { fromRaw($0) }
    }

    /// `fromBytes` for raw bytes: integers are recognised before anything is allocated.
    @inlinable public static func fromRaw(_ raw: UnsafeRawBufferPointer) -> Value {
        if raw.count <= 20, let n = StrictInteger.parse(raw) { return .integer(n) }
        return .string(Bytes(raw: raw), raw: false)
    }

    /// The `TYPE` name.
    public var typeName: String {
        switch self {
        case .integer, .string: return "string"
        case .hash: return "hash"
        case .sortedSet: return "zset"
        case .list: return "list"
        case .set: return "set"
        }
    }

    /// The `OBJECT ENCODING` name.
    public var encodingName: String {
        switch self {
        case .integer: return "int"
        case .string(let b, let raw): return (raw || b.count > 44) ? "raw" : "embstr"
        case .hash(let h): return h.encodingName
        case .sortedSet(let z): return z.encodingName
        case .list(let l): return l.encodingName
        case .set(let s): return s.encodingName
        }
    }

    /// True for string values.
    public var isString: Bool {
        switch self {
        case .integer, .string: return true
        case .hash, .sortedSet, .list, .set: return false
        }
    }

    /// True for a hash with a field that has a TTL.
    @inlinable public var hasVolatileFields: Bool {
        if case .hash(let h) = self { return h.hasVolatileFields }
        return false
    }

    /// The bytes of a string value (integers rendered in decimal); nil for other types.
    public var stringBytes: Bytes? {
        switch self {
        case .integer(let n): return Bytes(decimal: n)
        case .string(let b, _): return b
        case .hash, .sortedSet, .list, .set: return nil
        }
    }

    /// An estimate of the heap memory this value uses beyond its slot, for `MEMORY USAGE`: inline strings
    /// (23 bytes or fewer) cost nothing extra, longer ones their bytes plus an array header, rounded up to the
    /// allocator's 16-byte granularity.
    public var approximateSize: Int {
        switch self {
        case .integer: return 0
        case .string(let b, _): return Value.heapSize(of: b)
        case .hash(let h): return h.approximateSize
        case .sortedSet(let z): return z.approximateSize
        case .list(let l): return l.approximateSize
        case .set(let s): return s.approximateSize
        }
    }

    /// Heap bytes of a `Bytes` (0 when stored inline).
    public static func heapSize(of b: Bytes) -> Int {
        b.count <= Bytes.inlineCapacity ? 0 : (32 + b.count + 15) & ~15
    }
}

/// When a small hash or sorted set stops being a listpack, as Valkey decides it: past `maxListpackEntries`
/// elements or with an element longer than `maxListpackValue` bytes (`hash-max-listpack-*`,
/// `zset-max-listpack-*`). Defaults: Valkey's zset values; `Keyspace.hashLimits` starts at Valkey's hash values.
public struct ListpackLimits: Sendable {
    public var maxListpackEntries: Int
    public var maxListpackValue: Int
    public init(maxListpackEntries: Int = 128, maxListpackValue: Int = 64) {
        self.maxListpackEntries = maxListpackEntries
        self.maxListpackValue = maxListpackValue
    }
}

/// A data type's object as it sits in a `Value` (a list, a set, a hash, a sorted set): how to find it in a value
/// and how to store it back. The commands read, look up for writing and change objects in place through this
/// one fact per type (`Database.withObject(slot:)`, `CommandContext.readValue(_:as:)`).
public protocol StoredObject {
    /// The object in `value`, or nil when the value holds another type.
    static func extract(_ value: Value) -> Self?
    /// The value holding this object.
    var stored: Value { get }
}

extension ListObject: StoredObject {
    @inlinable public static func extract(_ value: Value) -> Self? { if case .list(let l) = value { l } else { nil } }
    @inlinable public var stored: Value { .list(self) }
}

extension SetObject: StoredObject {
    @inlinable public static func extract(_ value: Value) -> Self? { if case .set(let s) = value { s } else { nil } }
    @inlinable public var stored: Value { .set(self) }
}

extension HashObject: StoredObject {
    @inlinable public static func extract(_ value: Value) -> Self? { if case .hash(let h) = value { h } else { nil } }
    @inlinable public var stored: Value { .hash(self) }
}

extension SortedSetObject: StoredObject {
    @inlinable public static func extract(_ value: Value) -> Self? {
        if case .sortedSet(let z) = value { z } else { nil }
    }
    @inlinable public var stored: Value { .sortedSet(self) }
}
