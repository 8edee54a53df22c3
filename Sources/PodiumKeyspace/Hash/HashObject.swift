/// A hash value (`HSET user:1 name ada score 10`).
///
/// ## Two encodings, as in Valkey
/// - **listpack**: while the hash has at most `hash-max-listpack-entries` fields and every field and value is at
///   most `hash-max-listpack-value` bytes, fields are kept in an array in insertion order. Operations are linear,
///   which for ≤ 128 short fields is faster than hashing, and the order is the one Valkey's listpack gives
///   (HGETALL, HKEYS, HSCAN return fields in insertion order, a deleted field's slot closes up).
/// - **hashtable**: past either limit the hash converts, once and for good (as in Valkey), to a dictionary.
///
/// The object is a class so commands mutate it in place; COPY makes an independent copy with `copy()`.
public final class HashObject {
    @usableFromInline var fields: [(field: Bytes, value: Bytes)]
    @usableFromInline var table: [Bytes: Bytes]?

    public init() { fields = [] }

    /// `OBJECT ENCODING`.
    public var encodingName: String { table == nil ? "listpack" : "hashtable" }

    public var count: Int { table?.count ?? fields.count }

    public func get(_ field: Bytes) -> Bytes? {
        if let table { return table[field] }
        for pair in fields where pair.field == field { return pair.value }
        return nil
    }

    /// Sets a field. Returns true if the field is new. Converts to a hashtable when a limit is crossed.
    @discardableResult
    public func set(_ field: Bytes, _ value: Bytes, limits: HashLimits) -> Bool {
        if table != nil { return table!.updateValue(value, forKey: field) == nil }
        if let i = fields.firstIndex(where: { $0.field == field }) {
            fields[i].value = value
            if value.count > limits.maxListpackValue { convert() }
            return false
        }
        fields.append((field, value))
        if fields.count > limits.maxListpackEntries || field.count > limits.maxListpackValue
            || value.count > limits.maxListpackValue
        {
            convert()
        }
        return true
    }

    /// Removes a field; returns whether it existed.
    @discardableResult
    public func remove(_ field: Bytes) -> Bool {
        if table != nil { return table!.removeValue(forKey: field) != nil }
        guard let i = fields.firstIndex(where: { $0.field == field }) else { return false }
        fields.remove(at: i)
        return true
    }

    /// Every (field, value) pair, in the encoding's order.
    public func forEach(_ body: (Bytes, Bytes) -> Void) {
        if let table {
            for (f, v) in table { body(f, v) }
        } else {
            for pair in fields { body(pair.field, pair.value) }
        }
    }

    /// The pairs as an array (HRANDFIELD, HSCAN).
    public var pairs: [(field: Bytes, value: Bytes)] {
        if let table { return table.map { ($0.key, $0.value) } }
        return fields
    }

    /// An independent copy with the same encoding (COPY).
    public func copy() -> HashObject {
        let other = HashObject()
        other.fields = fields
        other.table = table
        return other
    }

    /// Approximate memory use in bytes (MEMORY USAGE): the object, the pair array (64 bytes a pair) or the
    /// dictionary (64 bytes a pair at a 3/4 load), plus long fields and values.
    public var approximateSize: Int {
        var total = 48 + 32
        forEach { f, v in total += Value.heapSize(of: f) + Value.heapSize(of: v) }
        return total + (table == nil ? fields.capacity * 64 : (count * 64 * 4) / 3)
    }

    private func convert() {
        var dict = [Bytes: Bytes](minimumCapacity: fields.count)
        for pair in fields { dict[pair.field] = pair.value }
        table = dict
        fields = []
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
