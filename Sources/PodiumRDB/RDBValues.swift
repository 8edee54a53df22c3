import PodiumKeyspace

/// RDB value types (Valkey's `RDB_TYPE_*`).
public enum RDBType {
    public static let string: UInt8 = 0
    public static let list: UInt8 = 1
    public static let set: UInt8 = 2
    public static let zset: UInt8 = 3
    public static let hash: UInt8 = 4
    public static let zset2: UInt8 = 5
    public static let hashZipmap: UInt8 = 9
    public static let listZiplist: UInt8 = 10
    public static let setIntset: UInt8 = 11
    public static let zsetZiplist: UInt8 = 12
    public static let hashZiplist: UInt8 = 13
    public static let listQuicklist: UInt8 = 14
    public static let hashListpack: UInt8 = 16
    public static let zsetListpack: UInt8 = 17
    public static let listQuicklist2: UInt8 = 18
    public static let setListpack: UInt8 = 20
    /// Valkey 9's hash with field TTLs (RDB 80): n × (field, value, expiry in Unix ms as 8 bytes little-endian,
    /// -1 for a field without one).
    public static let hash2: UInt8 = 22
}

/// The encoding limits new values are built with (the `*-max-listpack-*` directives), so a loaded value has the
/// encoding Valkey would give it.
public struct RDBLimits {
    public var hash: ListpackLimits
    public var sortedSet: ListpackLimits
    public var list: ListLimits
    public var set: SetLimits

    public init(
        hash: ListpackLimits = ListpackLimits(maxListpackEntries: 512, maxListpackValue: 64),
        sortedSet: ListpackLimits = ListpackLimits(), list: ListLimits = ListLimits(),
        set: SetLimits = SetLimits()
    ) {
        self.hash = hash
        self.sortedSet = sortedSet
        self.list = list
        self.set = set
    }

    public init(_ keyspace: Keyspace) {
        self.init(
            hash: keyspace.hashLimits, sortedSet: keyspace.sortedSetLimits, list: keyspace.listLimits,
            set: keyspace.setLimits)
    }
}

/// Values to and from their RDB encoding (Valkey's `rdbSaveObject` / `rdbLoadObject`).
///
/// Podium reads every encoding Redis 2.x to Valkey 8 write for strings, lists, sets, sorted sets and hashes. It
/// writes the plain forms (`STRING`, `LIST`, `SET`, `ZSET_2`, `HASH`), which every Redis and Valkey version that
/// reads RDB 9 to 11 loads, converting small values to their compact encodings as they load. Hash field TTLs are
/// not written (RDB 11 has no form for them).
public enum RDBValues {
    // MARK: Writing

    /// Writes `value`'s type byte and encoding (a DUMP payload's body).
    public static func write(_ value: Value, into out: inout RDBWriter) {
        out.byte(type(of: value))
        writeEncoding(value, into: &out)
    }

    /// Writes a key as an RDB file holds it: the value's type byte, the key's name, the value's encoding.
    public static func write(_ value: Value, key: UnsafeRawBufferPointer, into out: inout RDBWriter) {
        out.byte(type(of: value))
        out.string(key)
        writeEncoding(value, into: &out)
    }

    /// The RDB type Podium writes `value` as.
    static func type(of value: Value) -> UInt8 {
        switch value {
        case .integer, .string: RDBType.string
        case .list: RDBType.list
        case .set: RDBType.set
        case .sortedSet: RDBType.zset2
        case .hash: RDBType.hash
        }
    }

    static func writeEncoding(_ value: Value, into out: inout RDBWriter) {
        switch value {
        case .integer(let n):
            out.integerString(n)
        case .string(let bytes, _):
            bytes.withUnsafeBytes { out.string($0) }
        case .list(let list):
            out.length(list.count)
            list.forEach(from: 0, count: list.count, reverse: false) { out.string($0) }
        case .set(let set):
            out.length(set.count)
            set.forEach { out.string($0) }
        case .sortedSet(let zset):
            out.length(zset.count)
            zset.forEach { member, score in
                out.string(member)
                out.binaryDouble(score)
            }
        case .hash(let hash):
            out.length(hash.count)
            hash.forEach { field, value in
                out.string(field)
                out.string(value)
            }
        }
    }

    // MARK: Reading

    /// Reads a value of RDB type `type`. Empty collections, duplicate members or fields and NaN scores are
    /// refused, as Valkey refuses them in a DUMP payload.
    public static func read(type: UInt8, from reader: inout RDBReader, limits: RDBLimits) throws(RDBError) -> Value {
        switch type {
        case RDBType.string:
            return try reader.string().withUnsafeBytes { Value.fromRaw($0) }
        case RDBType.list:
            return try list(strings(&reader, perItem: 1), limits)
        case RDBType.set:
            return try set(strings(&reader, perItem: 1), limits)
        case RDBType.zset, RDBType.zset2:
            let n = try reader.count()
            var pairs: [([UInt8], Double)] = []
            pairs.reserveCapacity(Self.reservation(n, bytesPerItem: 9, reader))
            for _ in 0..<n {
                let member = try reader.string()
                let score = type == RDBType.zset ? try reader.textDouble() : try reader.binaryDouble()
                pairs.append((member, score))
            }
            return try sortedSet(pairs, limits)
        case RDBType.hash:
            return try hash(strings(&reader, perItem: 2), limits)
        case RDBType.hash2:
            let n = try reader.count()
            guard n > 0 else { throw .malformed("empty hash") }
            var hash = HashObject()
            var expiring: [(field: Bytes, at: Int64)] = []
            for _ in 0..<n {
                let field = Bytes(try reader.string())
                let value = Bytes(try reader.string())
                let at = Int64(bitPattern: try reader.littleEndian(8))
                guard hash.set(field, value, limits: limits.hash) else { throw .malformed("duplicate hash field") }
                if at != -1 { expiring.append((field, at)) }
            }
            // Fields whose time has passed are loaded too (Valkey does not expire while loading); the field expiry
            // removes them once the key is stored.
            for (field, at) in expiring { field.withUnsafeBytes { hash.setExpiry($0, at: at) } }
            return .hash(hash)
        case RDBType.hashZipmap:
            return try hash(PackedFormats.zipmap(try reader.string()), limits)
        case RDBType.listZiplist:
            return try list(PackedFormats.ziplist(try reader.string()).map(\.array), limits)
        case RDBType.setIntset:
            return try set(PackedFormats.intset(try reader.string()).map { Array(String($0).utf8) }, limits)
        case RDBType.setListpack:
            return try set(PackedFormats.listpack(try reader.string()).map(\.array), limits)
        case RDBType.zsetZiplist, RDBType.zsetListpack:
            let elements = try PackedFormats.entries(try reader.string(), ziplist: type == RDBType.zsetZiplist)
            guard elements.count % 2 == 0 else { throw .malformed("odd number of sorted set entries") }
            var pairs: [([UInt8], Double)] = []
            for k in stride(from: 0, to: elements.count, by: 2) {
                let score: Double
                switch elements[k + 1] {
                case .integer(let n): score = Double(n)
                case .bytes(let text):
                    guard let d = Double(String(decoding: text, as: UTF8.self)) else { throw .malformed("bad score") }
                    score = d
                }
                pairs.append((elements[k].array, score))
            }
            return try sortedSet(pairs, limits)
        case RDBType.hashZiplist, RDBType.hashListpack:
            let elements = try PackedFormats.entries(try reader.string(), ziplist: type == RDBType.hashZiplist)
            return try hash(elements.map(\.array), limits)
        case RDBType.listQuicklist:
            let nodes = try reader.count()
            var elements: [[UInt8]] = []
            for _ in 0..<nodes {
                // An empty node is skipped, as Valkey skips it; only an empty list is refused.
                elements += try PackedFormats.ziplist(try reader.string()).map(\.array)
            }
            return try list(elements, limits)
        case RDBType.listQuicklist2:
            let nodes = try reader.count()
            var elements: [[UInt8]] = []
            for _ in 0..<nodes {
                let container = try reader.count()
                let data = try reader.string()
                switch container {
                case 1: elements.append(data)  // a plain node: one large element
                case 2:
                    elements += try PackedFormats.listpack(data).map(\.array)
                default: throw .malformed("unknown quicklist container \(container)")
                }
            }
            return try list(elements, limits)
        default:
            throw .unsupportedType(type)
        }
    }

    /// The strings of a counted run of items, `perItem` strings each (a list's elements and a set's members 1, a
    /// hash's field and value 2), with room reserved only as far as what is left of the payload can hold.
    static func strings(_ reader: inout RDBReader, perItem: Int) throws(RDBError) -> [[UInt8]] {
        let n = perItem * (try reader.count())
        var strings: [[UInt8]] = []
        strings.reserveCapacity(reservation(n, bytesPerItem: 1, reader))
        for _ in 0..<n { strings.append(try reader.string()) }
        return strings
    }

    /// How many items to reserve room for when a header claims `claimed`: no more than the bytes left can hold
    /// (each item takes at least `bytesPerItem` bytes) and never more than 65,536 up front, so a payload that
    /// lies about its count cannot make the reader allocate gigabytes before it fails.
    static func reservation(_ claimed: Int, bytesPerItem: Int, _ reader: RDBReader) -> Int {
        min(claimed, reader.remaining / bytesPerItem, 65_536)
    }

    static func list(_ elements: [[UInt8]], _ limits: RDBLimits) throws(RDBError) -> Value {
        guard !elements.isEmpty else { throw .malformed("empty list") }
        var list = ListObject()
        for element in elements {
            element.withUnsafeBytes { raw in
                list.prepareToGrow(addBytes: Listpack.entrySize(of: raw), addCount: 1, limits: limits.list)
                list.push(raw, front: false, limits: limits.list)
            }
        }
        return .list(list)
    }

    static func set(_ members: [[UInt8]], _ limits: RDBLimits) throws(RDBError) -> Value {
        guard let first = members.first else { throw .malformed("empty set") }
        var set = first.withUnsafeBytes { SetObject(first: $0, sizeHint: members.count, limits: limits.set) }
        for member in members {
            guard member.withUnsafeBytes({ set.add($0, limits: limits.set) }) else {
                throw .malformed("duplicate set member")
            }
        }
        return .set(set)
    }

    static func sortedSet(_ pairs: [([UInt8], Double)], _ limits: RDBLimits) throws(RDBError) -> Value {
        guard !pairs.isEmpty else { throw .malformed("empty sorted set") }
        var zset = SortedSetObject()
        for (member, score) in pairs {
            guard !score.isNaN else { throw .malformed("sorted set score is NaN") }
            guard zset.set(Bytes(member), score, limits: limits.sortedSet) else {
                throw .malformed("duplicate sorted set member")
            }
        }
        return .sortedSet(zset)
    }

    /// A hash from alternating fields and values.
    static func hash(_ items: [[UInt8]], _ limits: RDBLimits) throws(RDBError) -> Value {
        guard !items.isEmpty, items.count % 2 == 0 else { throw .malformed("empty or odd hash") }
        var hash = HashObject()
        for k in stride(from: 0, to: items.count, by: 2) {
            guard hash.set(Bytes(items[k]), Bytes(items[k + 1]), limits: limits.hash) else {
                throw .malformed("duplicate hash field")
            }
        }
        return .hash(hash)
    }
}

/// A DUMP payload (Valkey's `createDumpPayload`): the value's type and encoding, then the RDB version (two bytes
/// little-endian) and the CRC-64 of everything before it (eight bytes little-endian).
public enum DumpPayload {
    /// The newest RDB version Podium reads (Valkey 8's `RDB_VERSION`).
    public static let newestVersion = 11

    public static func encode(_ value: Value, version: Int, compression: Bool = false) -> [UInt8] {
        var out = RDBWriter(compression: compression)
        RDBValues.write(value, into: &out)
        out.littleEndian(UInt64(version), width: 2)
        let crc = out.bytes.withUnsafeBytes { CRC64.checksum($0) }
        out.littleEndian(crc, width: 8)
        return out.bytes
    }

    /// Whether the footer holds a version Podium reads and the right checksum (Valkey's `verifyDumpPayload`).
    public static func verify(_ payload: [UInt8]) -> Bool {
        guard payload.count >= 10 else { return false }
        let footer = payload.count - 10
        let version = Int(payload[footer]) | Int(payload[footer + 1]) << 8
        guard version <= newestVersion else { return false }
        var stored: UInt64 = 0
        for i in 0..<8 { stored |= UInt64(payload[footer + 2 + i]) << (8 * UInt64(i)) }
        let crc = payload.withUnsafeBytes {
            CRC64.checksum(UnsafeRawBufferPointer(rebasing: $0[..<(payload.count - 8)]))
        }
        return crc == stored
    }

    /// The value of a verified payload.
    public static func decode(_ payload: [UInt8], limits: RDBLimits) throws(RDBError) -> Value {
        var reader = RDBReader(payload, limit: payload.count - 10)
        let type = try reader.byte()
        return try RDBValues.read(type: type, from: &reader, limits: limits)
    }
}
