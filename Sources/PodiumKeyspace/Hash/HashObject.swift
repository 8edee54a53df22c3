import HeapModule

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
///   most `hash-max-listpack-value` bytes, the pairs are packed one after the other into a single byte array
///   (`<len><field><len><value>…`, lengths as LEB128 varints), in insertion order. One allocation per hash, a
///   couple of bytes of overhead per pair: measured, an 8-field `user:{id}` profile took 713 bytes as an array of
///   pairs and takes about a fifth of that packed. Operations scan linearly, which for ≤ 128 short fields is as
///   fast as hashing, and the order is the one Valkey's listpack gives (HGETALL, HKEYS and HSCAN return fields
///   in insertion order; a deleted pair closes up).
/// - **hashtable**: past either limit the hash converts, once and for good (as in Valkey), to a dictionary.
///
/// ## A value, not an object
/// `HashObject` is a struct stored directly in the key's `Value`: a small hash is its key entry plus one heap
/// block (the packed array), where a class wrapper would add a second 48-byte block to every `user:{id}`.
/// Commands change a hash in place through `Database.withObject(slot:)`, which hands out the stored value
/// itself; the array stays uniquely referenced, so an overwrite of a same-length value (a counter keeping its
/// digit count) writes into the existing bytes, and any other change builds the new array at its exact size in
/// one allocation (as Valkey reallocates a listpack): growing in place would keep up to half of it as spare
/// capacity, in every one of a million small hashes.
///
/// Fields and values go in and come out as raw bytes (`UnsafeRawBufferPointer`), so the request's bytes are
/// copied once, into the hash, and a reply is written straight from the hash.
///
/// ## Field expiry (Valkey 9's `HEXPIRE` family)
/// A field can carry its own expiry time (`fieldTTL`). As in Valkey, giving a field a TTL converts the hash to
/// the hashtable encoding first. The times live beside the table, in a dictionary (field → Unix ms) plus a
/// min-heap of deadlines, so the next one to pass is O(1) to read and each expired field is O(log n) to take
/// out; a hash without volatile fields carries only a nil. The database keeps, per key, the earliest deadline
/// (`Database.trackFieldExpiry`) and removes a hash's passed fields before any command sees the key
/// (`Database.expireFields`) and in the active expiry cycle.
public struct HashObject {
    /// The pairs of the listpack encoding; empty in the hashtable encoding.
    @usableFromInline var packed: [UInt8]
    /// The hashtable encoding; nil while packed.
    @usableFromInline var table: [Bytes: Bytes]?
    /// The expiry times of volatile fields; nil while no field has one. Behind one reference (copied on write),
    /// so a hash stays 28 bytes and `Value` no larger than its largest other payload (`SetObject`): every key of
    /// every type would otherwise pay for the field TTLs of hashes.
    @usableFromInline var ttlBox: FieldTTLBox?
    /// The number of pairs in `packed`.
    @usableFromInline var packedCount: Int32

    public init() {
        packed = []
        table = nil
        ttlBox = nil
        packedCount = 0
    }

    @usableFromInline final class FieldTTLBox {
        var ttl: FieldTTL
        init(_ ttl: FieldTTL) { self.ttl = ttl }
    }

    /// The field TTLs, for reading.
    var fieldTTL: FieldTTL? { ttlBox?.ttl }

    /// Changes the field TTLs (there must be some), copying them first if another hash value shares them.
    private mutating func mutateTTL<R>(_ body: (inout FieldTTL) -> R) -> R {
        if !isKnownUniquelyReferenced(&ttlBox!) { ttlBox = FieldTTLBox(ttlBox!.ttl) }
        return body(&ttlBox!.ttl)
    }

    /// Per-field expiry times: the times themselves and a heap of deadlines. A deadline whose time no longer
    /// matches the field's (the TTL changed, or the field went) is stale and skipped; the heap is rebuilt when
    /// stale entries outnumber live ones, so it stays within twice the number of volatile fields.
    @usableFromInline struct FieldTTL {
        var times: [Bytes: Int64] = [:]
        var deadlines = Heap<Deadline>()

        struct Deadline: Comparable {
            var at: Int64
            var field: Bytes
            static func < (a: Deadline, b: Deadline) -> Bool { a.at < b.at }
            static func == (a: Deadline, b: Deadline) -> Bool { a.at == b.at && a.field == b.field }
        }

        mutating func set(_ field: Bytes, _ at: Int64) {
            if times.updateValue(at, forKey: field) == at { return }
            deadlines.insert(Deadline(at: at, field: field))
            compactIfNeeded()
        }

        /// Heap entries, stale ones included.
        var deadlineCount: Int { deadlines.count }

        mutating func compactIfNeeded() {
            guard deadlines.count > 2 * times.count + 16 else { return }
            deadlines = Heap(times.map { Deadline(at: $0.value, field: $0.key) })
        }

        /// The earliest live deadline (stale ones on top are dropped).
        mutating func next() -> Int64? {
            while let top = deadlines.min {
                if times[top.field] == top.at { return top.at }
                deadlines.removeMin()
            }
            return nil
        }
    }

    /// `OBJECT ENCODING`.
    public var encodingName: String { table == nil ? "listpack" : "hashtable" }

    public var count: Int { table?.count ?? Int(packedCount) }

    // MARK: - Packed encoding

    /// A pair's position in `packed`: where it starts, where its value's length prefix starts, where the value's
    /// bytes are, and where the pair ends.
    @usableFromInline struct Location {
        var start: Int
        var valueHeader: Int
        var value: Range<Int>
        var end: Int { value.upperBound }
    }

    @inline(__always)
    static func readLength(_ b: UnsafeRawBufferPointer, _ i: inout Int) -> Int {
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

    /// Bytes taken by the varint for `n`.
    @inline(__always)
    static func lengthSize(_ n: Int) -> Int {
        var size = 1
        var n = n >> 7
        while n != 0 {
            size += 1
            n >>= 7
        }
        return size
    }

    /// Writes the varint for `n` at `p`; returns the bytes written.
    @inline(__always)
    static func writeLength(_ n: Int, at p: UnsafeMutableRawPointer) -> Int {
        var n = n
        var i = 0
        while n >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: n) | 0x80, toByteOffset: i, as: UInt8.self)
            n >>= 7
            i += 1
        }
        p.storeBytes(of: UInt8(n), toByteOffset: i, as: UInt8.self)
        return i + 1
    }

    /// Writes `<len><bytes>` at `p`; returns the bytes written.
    @inline(__always)
    static func writeString(_ s: UnsafeRawBufferPointer, at p: UnsafeMutableRawPointer) -> Int {
        let header = writeLength(s.count, at: p)
        if s.count > 0 { (p + header).copyMemory(from: s.baseAddress!, byteCount: s.count) }
        return header + s.count
    }

    /// Finds `field` in the packed buffer.
    func locate(_ f: UnsafeRawBufferPointer) -> Location? {
        packed.withUnsafeBytes { b -> Location? in
            var i = 0
            while i < b.count {
                let start = i
                let fieldLength = HashObject.readLength(b, &i)
                let fieldStart = i
                i += fieldLength
                let valueHeader = i
                let valueLength = HashObject.readLength(b, &i)
                let valueStart = i
                i += valueLength
                if fieldLength == f.count,
                    fieldLength == 0 || memcmp(b.baseAddress! + fieldStart, f.baseAddress!, fieldLength) == 0
                {
                    return Location(start: start, valueHeader: valueHeader, value: valueStart..<i)
                }
            }
            return nil
        }
    }

    /// Replaces `range` of the packed bytes with `insertedCount` bytes written by `write`, building the new array
    /// at its exact size.
    mutating func splice(_ range: Range<Int>, insertedCount: Int, _ write: (UnsafeMutableRawPointer) -> Void) {
        let newCount = packed.count - range.count + insertedCount
        guard newCount > 0 else {
            packed = []
            return
        }
        let rebuilt = packed.withUnsafeBytes { old in
            [UInt8](unsafeUninitializedCapacity: newCount) { buffer, initialized in
                let base = UnsafeMutableRawPointer(buffer.baseAddress!)
                if range.lowerBound > 0 { base.copyMemory(from: old.baseAddress!, byteCount: range.lowerBound) }
                write(base + range.lowerBound)
                let tail = old.count - range.upperBound
                if tail > 0 {
                    (base + range.lowerBound + insertedCount).copyMemory(
                        from: old.baseAddress! + range.upperBound, byteCount: tail)
                }
                initialized = newCount
            }
        }
        packed = rebuilt
    }

    // MARK: - Reading

    /// Calls `body` with the value of `field`; nil when the field is absent.
    public func withValue<R>(_ field: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        if let table {
            guard let value = table[Bytes(raw: field)] else { return nil }
            return value.withUnsafeBytes(body)
        }
        guard let location = locate(field) else { return nil }
        return packed.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[location.value])) }
    }

    /// The value of `field` as `Bytes`.
    public func get(_ field: UnsafeRawBufferPointer) -> Bytes? { withValue(field) { Bytes(raw: $0) } }

    /// The value of `field` as `Bytes`.
    public func get(_ field: Bytes) -> Bytes? { field.withUnsafeBytes { get($0) } }

    /// Whether `field` exists.
    public func contains(_ field: UnsafeRawBufferPointer) -> Bool { withValue(field) { _ in true } ?? false }

    /// Every (field, value) pair, in the encoding's order, as raw bytes valid during the call.
    public func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        if let table {
            for (f, v) in table { f.withUnsafeBytes { fr in v.withUnsafeBytes { vr in body(fr, vr) } } }
            return
        }
        packed.withUnsafeBytes { b in
            var i = 0
            while i < b.count {
                let fieldLength = HashObject.readLength(b, &i)
                let field = UnsafeRawBufferPointer(rebasing: b[i..<(i + fieldLength)])
                i += fieldLength
                let valueLength = HashObject.readLength(b, &i)
                let value = UnsafeRawBufferPointer(rebasing: b[i..<(i + valueLength)])
                i += valueLength
                body(field, value)
            }
        }
    }

    /// The pairs as an array (HRANDFIELD, HSCAN).
    public var pairs: [(field: Bytes, value: Bytes)] {
        var out: [(field: Bytes, value: Bytes)] = []
        out.reserveCapacity(count)
        forEach { out.append((Bytes(raw: $0), Bytes(raw: $1))) }
        return out
    }

    // MARK: - Writing

    /// Sets a field. Returns true if the field is new. Converts to a hashtable when a limit is crossed. The field
    /// loses its TTL, as with HSET, unless `keepTTL` (HINCRBY, HSETEX KEEPTTL).
    @discardableResult
    public mutating func set(
        _ field: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, limits: ListpackLimits,
        keepTTL: Bool = false
    ) -> Bool {
        if table != nil {
            let key = Bytes(raw: field)
            if !keepTTL, ttlBox != nil { clearTTL(key) }
            return table!.updateValue(Bytes(raw: value), forKey: key) == nil
        }
        if field.count > limits.maxListpackValue || value.count > limits.maxListpackValue {
            convert()
            return table!.updateValue(Bytes(raw: value), forKey: Bytes(raw: field)) == nil
        }
        if let location = locate(field) {
            if location.value.count == value.count {
                // Same length (a counter keeping its digit count, a same-size value): overwrite in place.
                if value.count > 0 {
                    packed.withUnsafeMutableBytes {
                        ($0.baseAddress! + location.value.lowerBound).copyMemory(
                            from: value.baseAddress!, byteCount: value.count)
                    }
                }
                return false
            }
            let size = HashObject.lengthSize(value.count) + value.count
            splice(location.valueHeader..<location.end, insertedCount: size) { p in
                _ = HashObject.writeString(value, at: p)
            }
            return false
        }
        let size = HashObject.lengthSize(field.count) + field.count + HashObject.lengthSize(value.count) + value.count
        splice(packed.count..<packed.count, insertedCount: size) { p in
            let n = HashObject.writeString(field, at: p)
            _ = HashObject.writeString(value, at: p + n)
        }
        packedCount += 1
        if packedCount > limits.maxListpackEntries { convert() }
        return true
    }

    /// `set` for `Bytes`.
    @discardableResult
    public mutating func set(_ field: Bytes, _ value: Bytes, limits: ListpackLimits) -> Bool {
        field.withUnsafeBytes { f in value.withUnsafeBytes { v in set(f, v, limits: limits) } }
    }

    /// Removes a field (and its TTL); returns whether it existed.
    @discardableResult
    public mutating func remove(_ field: UnsafeRawBufferPointer) -> Bool {
        if table != nil {
            let key = Bytes(raw: field)
            if ttlBox != nil { clearTTL(key) }
            return table!.removeValue(forKey: key) != nil
        }
        guard let location = locate(field) else { return false }
        splice(location.start..<location.end, insertedCount: 0) { _ in }
        packedCount -= 1
        return true
    }

    /// `remove` for `Bytes`.
    @discardableResult
    public mutating func remove(_ field: Bytes) -> Bool { field.withUnsafeBytes { remove($0) } }

    // MARK: - Field expiry

    /// True when some field has a TTL.
    public var hasVolatileFields: Bool { ttlBox != nil }

    /// The number of fields with a TTL.
    public var volatileFieldCount: Int { ttlBox?.ttl.times.count ?? 0 }

    /// The expiry time (Unix ms) of `field`: nil when the field is missing, `-1` when it has no TTL.
    public func expiryTime(_ field: UnsafeRawBufferPointer) -> Int64? {
        guard contains(field) else { return nil }
        guard let ttlBox else { return -1 }
        return ttlBox.ttl.times[Bytes(raw: field)] ?? -1
    }

    /// Gives an existing field a TTL (Unix ms), converting the hash to a hashtable first as Valkey does.
    public mutating func setExpiry(_ field: UnsafeRawBufferPointer, at when: Int64) {
        if table == nil { convert() }
        if ttlBox == nil { ttlBox = FieldTTLBox(FieldTTL()) }
        let key = Bytes(raw: field)
        mutateTTL { $0.set(key, when) }
    }

    /// Removes the TTL of `field`; returns whether it had one.
    public mutating func persistField(_ field: UnsafeRawBufferPointer) -> Bool {
        guard ttlBox != nil else { return false }
        return clearTTL(Bytes(raw: field))
    }

    @discardableResult
    private mutating func clearTTL(_ field: Bytes) -> Bool {
        guard ttlBox!.ttl.times[field] != nil else { return false }
        if ttlBox!.ttl.times.count == 1 {
            ttlBox = nil
        } else {
            mutateTTL {
                $0.times.removeValue(forKey: field)
                $0.compactIfNeeded()
            }
        }
        return true
    }

    /// The earliest field expiry time, or nil when no field has a TTL (stale deadlines on top are dropped).
    public mutating func nextFieldExpiry() -> Int64? {
        guard ttlBox != nil else { return nil }
        return mutateTTL { $0.next() }
    }

    /// A lower bound of the earliest field expiry time (the top deadline, possibly stale), without changing
    /// anything; nil when no field has a TTL.
    public var fieldExpiryLowerBound: Int64? { ttlBox?.ttl.deadlines.min?.at }

    /// Removes the fields whose time has passed (`at < now`, Valkey's `entryIsExpired`), earliest first, at most
    /// `limit` of them; returns them.
    public mutating func removeExpiredFields(now: Int64, limit: Int = .max) -> [Bytes] {
        guard ttlBox != nil else { return [] }
        let removed = mutateTTL { ttl -> [Bytes] in
            var out: [Bytes] = []
            while out.count < limit, let at = ttl.next(), at < now {
                let field = ttl.deadlines.removeMin().field
                ttl.times.removeValue(forKey: field)
                out.append(field)
            }
            return out
        }
        for field in removed { table!.removeValue(forKey: field) }
        if ttlBox!.ttl.times.isEmpty { ttlBox = nil }
        return removed
    }

    /// Every (field, expiry time) pair with a TTL, for an AOF rewrite.
    public var fieldExpiryTimes: [(field: Bytes, at: Int64)] {
        ttlBox?.ttl.times.map { (field: $0.key, at: $0.value) } ?? []
    }

    /// Approximate heap memory in bytes (MEMORY USAGE): the packed array (a 32-byte header, then the bytes), or
    /// the dictionary (64 bytes a pair at a 3/4 load) plus long fields and values, plus the field TTLs (a
    /// dictionary entry and a heap entry each).
    public var approximateSize: Int {
        guard let table else { return packed.isEmpty ? 0 : (32 + packed.capacity + 15) & ~15 }
        var total = 0
        for (f, v) in table { total += Value.heapSize(of: f) + Value.heapSize(of: v) }
        if let ttl = ttlBox?.ttl { total += 48 + ttl.times.count * 48 * 4 / 3 + ttl.deadlines.count * 32 }
        return total + (table.count * 64 * 4) / 3
    }

    private mutating func convert() {
        var dict = [Bytes: Bytes](minimumCapacity: Int(packedCount))
        forEach { dict[Bytes(raw: $0)] = Bytes(raw: $1) }
        table = dict
        packed = []
        packedCount = 0
    }
}
