#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A hash value (`HSET user:1 name ada score 10`).
///
/// ## Two encodings, as in Valkey
/// - **listpack**: while the hash has at most `hash-max-listpack-entries` fields and every field and value is at
///   most `hash-max-listpack-value` bytes, the pairs are packed one after the other into a single byte buffer
///   (`<len><field><len><value>…`, lengths as LEB128 varints), in insertion order. One allocation per hash, a
///   couple of bytes of overhead per pair: measured, an 8-field `user:{id}` profile took 713 bytes as an array of
///   pairs and takes about a fifth of that packed. Operations scan linearly, which for ≤ 128 short fields is as
///   fast as hashing, and the order is the one Valkey's listpack gives (HGETALL, HKEYS and HSCAN return fields
///   in insertion order; a deleted pair closes up).
/// - **hashtable**: past either limit the hash converts, once and for good (as in Valkey), to a dictionary.
///
/// The object is a class so commands mutate it in place; COPY makes an independent copy with `copy()`.
public final class HashObject {
    @usableFromInline var packed: [UInt8] = []
    @usableFromInline var packedCount = 0
    @usableFromInline var table: [Bytes: Bytes]?

    public init() {}

    /// `OBJECT ENCODING`.
    public var encodingName: String { table == nil ? "listpack" : "hashtable" }

    public var count: Int { table?.count ?? packedCount }

    // MARK: - Packed encoding

    /// A pair's position in `packed`: where it starts, where its value's bytes are, where it ends.
    struct Location {
        var start: Int
        var value: Range<Int>
        var end: Int
    }

    @inline(__always)
    static func readLength(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int {
        var value = 0
        var shift = 0
        while true {
            let byte = b[i]
            i += 1
            value |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    static func appendLength(_ n: Int, to out: inout [UInt8]) {
        var n = n
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
    }

    /// Finds `field` in the packed buffer.
    func locate(_ field: Bytes) -> Location? {
        field.withUnsafeBytes { f in
            packed.withUnsafeBufferPointer { b -> Location? in
                var i = 0
                while i < b.count {
                    let start = i
                    let fieldLength = HashObject.readLength(b, &i)
                    let fieldStart = i
                    i += fieldLength
                    let valueLength = HashObject.readLength(b, &i)
                    let valueStart = i
                    i += valueLength
                    if fieldLength == f.count,
                        fieldLength == 0 || memcmp(b.baseAddress! + fieldStart, f.baseAddress!, fieldLength) == 0
                    {
                        return Location(start: start, value: valueStart..<(valueStart + valueLength), end: i)
                    }
                }
                return nil
            }
        }
    }

    func packedValue(_ range: Range<Int>) -> Bytes {
        packed.withUnsafeBytes { Bytes(raw: UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    static func encodePair(_ field: Bytes, _ value: Bytes, into out: inout [UInt8]) {
        appendLength(field.count, to: &out)
        field.withUnsafeBytes { out.append(contentsOf: $0) }
        appendLength(value.count, to: &out)
        value.withUnsafeBytes { out.append(contentsOf: $0) }
    }

    // MARK: - API

    public func get(_ field: Bytes) -> Bytes? {
        if let table { return table[field] }
        guard let location = locate(field) else { return nil }
        return packedValue(location.value)
    }

    /// Sets a field. Returns true if the field is new. Converts to a hashtable when a limit is crossed.
    @discardableResult
    public func set(_ field: Bytes, _ value: Bytes, limits: HashLimits) -> Bool {
        if table != nil { return table!.updateValue(value, forKey: field) == nil }
        if field.count > limits.maxListpackValue || value.count > limits.maxListpackValue {
            convert()
            return table!.updateValue(value, forKey: field) == nil
        }
        // The buffer is rebuilt at its exact size on every change (as Valkey reallocates a listpack): growing it in
        // place would keep up to half of it as spare capacity, in every one of a million small hashes.
        var pair: [UInt8] = []
        HashObject.encodePair(field, value, into: &pair)
        if let location = locate(field) {
            if location.end - location.start == pair.count {
                // Same encoded length (a counter keeping its digit count, a same-size value): overwrite in place.
                packed.withUnsafeMutableBufferPointer { b in
                    for (i, byte) in pair.enumerated() { b[location.start + i] = byte }
                }
                return false
            }
            var rebuilt: [UInt8] = []
            rebuilt.reserveCapacity(packed.count - (location.end - location.start) + pair.count)
            rebuilt.append(contentsOf: packed[..<location.start])
            rebuilt.append(contentsOf: pair)
            rebuilt.append(contentsOf: packed[location.end...])
            packed = rebuilt
            return false
        }
        var rebuilt: [UInt8] = []
        rebuilt.reserveCapacity(packed.count + pair.count)
        rebuilt.append(contentsOf: packed)
        rebuilt.append(contentsOf: pair)
        packed = rebuilt
        packedCount += 1
        if packedCount > limits.maxListpackEntries { convert() }
        return true
    }

    /// Removes a field; returns whether it existed.
    @discardableResult
    public func remove(_ field: Bytes) -> Bool {
        if table != nil { return table!.removeValue(forKey: field) != nil }
        guard let location = locate(field) else { return false }
        var rebuilt: [UInt8] = []
        rebuilt.reserveCapacity(packed.count - (location.end - location.start))
        rebuilt.append(contentsOf: packed[..<location.start])
        rebuilt.append(contentsOf: packed[location.end...])
        packed = rebuilt
        packedCount -= 1
        return true
    }

    /// Every (field, value) pair, in the encoding's order.
    public func forEach(_ body: (Bytes, Bytes) -> Void) {
        if let table {
            for (f, v) in table { body(f, v) }
            return
        }
        packed.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                let fieldLength = HashObject.readLength(b, &i)
                let field = Bytes(raw: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[i..<(i + fieldLength)])))
                i += fieldLength
                let valueLength = HashObject.readLength(b, &i)
                let value = Bytes(raw: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[i..<(i + valueLength)])))
                i += valueLength
                body(field, value)
            }
        }
    }

    /// The pairs as an array (HRANDFIELD, HSCAN).
    public var pairs: [(field: Bytes, value: Bytes)] {
        var out: [(field: Bytes, value: Bytes)] = []
        out.reserveCapacity(count)
        forEach { out.append(($0, $1)) }
        return out
    }

    /// An independent copy with the same encoding (COPY).
    public func copy() -> HashObject {
        let other = HashObject()
        other.packed = packed
        other.packedCount = packedCount
        other.table = table
        return other
    }

    /// Approximate memory use in bytes (MEMORY USAGE): the object, then the packed buffer, or the dictionary
    /// (64 bytes a pair at a 3/4 load) plus long fields and values.
    public var approximateSize: Int {
        guard table != nil else { return 48 + ((32 + packed.capacity + 15) & ~15) }
        var total = 48
        forEach { f, v in total += Value.heapSize(of: f) + Value.heapSize(of: v) }
        return total + (count * 64 * 4) / 3
    }

    private func convert() {
        var dict = [Bytes: Bytes](minimumCapacity: packedCount)
        forEach { dict[$0] = $1 }
        table = dict
        packed = []
        packedCount = 0
    }
}

/// `hash-max-listpack-entries` / `hash-max-listpack-value`.
public struct HashLimits: Sendable {
    public var maxListpackEntries: Int
    public var maxListpackValue: Int
    public init(maxListpackEntries: Int = 128, maxListpackValue: Int = 64) {
        self.maxListpackEntries = maxListpackEntries
        self.maxListpackValue = maxListpackValue
    }
}
