import PodiumKeyspace
import PodiumRDB

extension Fuzzing {
    // MARK: - RDB reader

    /// Small encoding limits, so the fuzzer reaches every conversion (listpack to hashtable, intset to listpack…)
    /// with little data.
    static var rdbLimits: RDBLimits {
        RDBLimits(
            hash: ListpackLimits(maxListpackEntries: 4, maxListpackValue: 8),
            sortedSet: ListpackLimits(maxListpackEntries: 4, maxListpackValue: 8),
            list: ListLimits(fill: 4, compressDepth: 0),
            set: SetLimits(maxIntsetEntries: 4, maxListpackEntries: 4, maxListpackValue: 8))
    }

    /// The RDB reader on arbitrary bytes. The first byte chooses what the rest is:
    /// - even: the body of an RDB file after a `REDIS0011` header (a zero checksum is accepted, so the fuzzer gets
    ///   past the footer),
    /// - odd: one value, type byte first, as a DUMP payload's body holds it.
    /// Reading must end in a value or an error, never a crash or a trap. Every value read is then written with
    /// `RDBFileWriter` (compressed or not, the data picks) and read back: it must come back with the same contents,
    /// key, TTL and database.
    public static func rdb(_ data: [UInt8]) throws(Violation) {
        guard let mode = data.first else { return }
        let body = Array(data.dropFirst())
        if mode & 1 == 1 {
            var reader = RDBReader(body)
            guard let type = try? reader.byte(),
                let value = try? RDBValues.read(type: type, from: &reader, limits: rdbLimits)
            else { return }
            try roundTrip([(0, Array("k".utf8), value, nil)], compression: mode & 2 == 2)
            return
        }
        var keys: [(Int, [UInt8], Value, Int64?)] = []
        let file = Array("REDIS0011".utf8) + body
        do {
            try RDBFile.read(file, limits: rdbLimits, now: 0) { item in
                if case .key(let db, let key, let value, let expireAt, _) = item {
                    keys.append((db, key, value, expireAt))
                }
            }
        } catch {
            return
        }
        try roundTrip(keys, compression: mode & 2 == 2)
    }

    private static func roundTrip(_ keys: [(Int, [UInt8], Value, Int64?)], compression: Bool) throws(Violation) {
        var file: [UInt8] = []
        do {
            var writer = RDBFileWriter(options: RDBFileWriter.Options(compression: compression)) {
                file.append(contentsOf: $0)
            }
            try writer.writeHeader()
            var current = -1
            for (db, key, value, expireAt) in keys {
                if db != current {
                    try writer.beginDatabase(db, keys: 1, expires: 0)
                    current = db
                }
                try key.withUnsafeBytes {
                    try writer.writeKey($0, value: value, expireAt: expireAt ?? -1, lastAccess: 0)
                }
            }
            try writer.finish()
        } catch {
            throw Violation(description: "rdb: writing failed: \(error)")
        }
        var again: [(Int, [UInt8], Value, Int64?)] = []
        do {
            try RDBFile.read(file, limits: rdbLimits, now: Int64.min) { item in
                if case .key(let db, let key, let value, let expireAt, _) = item {
                    again.append((db, key, value, expireAt))
                }
            }
        } catch {
            throw Violation(description: "rdb: what was written does not read back: \(error)")
        }
        guard again.count == keys.count else {
            throw Violation(description: "rdb: \(keys.count) keys written, \(again.count) read back")
        }
        for (a, b) in zip(keys, again) {
            let (before, after) = (contents(a.2), contents(b.2))
            guard a.0 == b.0, a.1 == b.1, (a.3 ?? -1) == (b.3 ?? -1), before == after else {
                let at =
                    zip(before, after).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(before.count, after.count)
                throw Violation(
                    description: "rdb: key \(a.1) changed in a round trip: \(before.count) items, then "
                        + "\(after.count); item \(at): \(before.dropFirst(at).first ?? []) became \(after.dropFirst(at).first ?? [])"
                )
            }
        }
    }

    /// A value's contents in a canonical form: its type, then its elements (sets and hashes sorted, since their
    /// order depends on the encoding).
    static func contents(_ value: Value) -> [[UInt8]] {
        var out: [[UInt8]] = []
        switch value {
        case .integer(let n):
            out = [[0], Array(String(n).utf8)]
        case .string(let bytes, _):
            out = [[0], bytes.withUnsafeBytes { Array($0) }]
        case .list(let list):
            out = [[1]]
            list.forEach(from: 0, count: list.count, reverse: false) { out.append(Array($0)) }
        case .set(let set):
            var members: [[UInt8]] = []
            set.forEach { members.append(Array($0)) }
            out = [[2]] + members.sorted { $0.lexicographicallyPrecedes($1) }
        case .sortedSet(let zset):
            out = [[3]]
            zset.forEach { member, score in
                out.append(Array(member))
                // -0 and 0 are one score (a listpack keeps 0 as an integer; replies print both as 0, as Redis').
                out.append(withUnsafeBytes(of: (score == 0 ? 0 : score).bitPattern) { Array($0) })
            }
        case .hash(let hash):
            var pairs: [[UInt8]] = []
            hash.forEach { field, value in pairs.append(Array(field) + [0xFF] + Array(value)) }
            out = [[4]] + pairs.sorted { $0.lexicographicallyPrecedes($1) }
        }
        return out
    }
}
