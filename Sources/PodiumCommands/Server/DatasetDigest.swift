import Crypto
import PodiumKeyspace

/// DEBUG DIGEST and DEBUG DIGEST-VALUE: Valkey's SHA-1 digest of the data set (`computeDatasetDigest` and
/// `xorObjectDigest` in its debug.c). Unordered things (keys, set members, hash fields, sorted-set members) are
/// combined by XOR, so the digest does not depend on the order Podium stores them in; a list's elements are mixed
/// in order. Tests compare the digest before and after a reload, a rewrite or a restart: equal digests mean equal
/// data (types, contents, scores, and whether each key has a TTL).
enum DatasetDigest {
    typealias Digest = [UInt8]

    static func sha1(_ bytes: UnsafeRawBufferPointer) -> Insecure.SHA1Digest {
        var hasher = Insecure.SHA1()
        hasher.update(bufferPointer: bytes)
        return hasher.finalize()
    }

    /// `digest ^= SHA1(bytes)`.
    static func xor(_ digest: inout Digest, _ bytes: UnsafeRawBufferPointer) {
        let hash = sha1(bytes)
        var j = 0
        for byte in hash {
            digest[j] ^= byte
            j += 1
        }
    }

    /// `digest = SHA1(digest ^ SHA1(bytes))`: order matters.
    static func mix(_ digest: inout Digest, _ bytes: UnsafeRawBufferPointer) {
        xor(&digest, bytes)
        digest = Array(digest.withUnsafeBytes { sha1($0) })
    }

    static func mix(_ digest: inout Digest, _ text: String) {
        var text = text
        text.withUTF8 { mix(&digest, UnsafeRawBufferPointer($0)) }
    }

    static func xor(_ digest: inout Digest, _ other: Digest) {
        other.withUnsafeBytes { xor(&digest, $0) }
    }

    /// Valkey's `OBJ_*` type numbers.
    static func typeNumber(_ value: Value) -> UInt32 {
        switch value {
        case .integer, .string: return 0
        case .list: return 1
        case .set: return 2
        case .sortedSet: return 3
        case .hash: return 4
        }
    }

    /// The digest of one value, mixed into `digest` (`xorObjectDigest`).
    static func addValue(_ value: Value, hasTTL: Bool, into digest: inout Digest) {
        var type = typeNumber(value).bigEndian
        withUnsafeBytes(of: &type) { mix(&digest, $0) }
        switch value {
        case .integer(let n):
            mix(&digest, String(n))
        case .string(let bytes, _):
            bytes.withUnsafeBytes { mix(&digest, $0) }
        case .list(let list):
            list.forEach(from: 0, count: list.count, reverse: false) { mix(&digest, $0) }
        case .set(let set):
            set.forEach { xor(&digest, $0) }
        case .sortedSet(let zset):
            zset.forEach { member, score in
                var element = Digest(repeating: 0, count: 20)
                mix(&element, member)
                mix(&element, NumberFormat.formatDouble(score))
                xor(&digest, element)
            }
        case .hash(let hash):
            hash.forEach { field, fieldValue in
                var element = Digest(repeating: 0, count: 20)
                mix(&element, field)
                mix(&element, fieldValue)
                xor(&digest, element)
            }
        }
        if hasTTL {
            var marker = "!!expire!!"
            marker.withUTF8 { xor(&digest, UnsafeRawBufferPointer($0)) }
        }
    }

    /// Every database's keys (including those whose time has passed but that are still stored, as Valkey).
    static func dataset(_ keyspace: Keyspace) -> Digest {
        var final = Digest(repeating: 0, count: 20)
        let snapshots = keyspace.beginSnapshot()
        defer { keyspace.endSnapshot() }
        for snapshot in snapshots where snapshot.keyCount > 0 {
            var id = UInt32(snapshot.id).bigEndian
            withUnsafeBytes(of: &id) { mix(&final, $0) }
            snapshot.forEach { entry in
                var digest = Digest(repeating: 0, count: 20)
                entry.key.withUnsafeBytes { mix(&digest, $0) }
                addValue(entry.value, hasTTL: entry.expireAt >= 0, into: &digest)
                xor(&final, digest)
            }
        }
        return final
    }
}
