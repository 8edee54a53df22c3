/// The key → slot index of a `Database`: an open-addressing hash table (linear probing, backward-shift deletion)
/// that stores, per bucket, 32 bits of the key's hash next to the slot number.
///
/// ## Why not `Dictionary<Bytes, Int>`
/// Measured under `redis-benchmark -P 32`, the standard dictionary spent a fifth of the server's time probing:
/// it keeps no hash bits per bucket, so every probe dereferences a key's heap buffer (a cache miss) just to
/// compare lengths. Here a probe compares the stored hash bits first and touches the key only on a match, and a
/// lookup needs no `Bytes` at all: callers hash the raw argument bytes straight out of the receive buffer, so a
/// GET allocates nothing. Growing rehashes from the stored bits without touching any key.
///
/// The hash is Swift's `Hasher` (SipHash, randomly seeded per process), so clients cannot aim collisions at it.
///
/// The buckets are a buffer this value owns (it is not copyable, and frees them when it goes): a lookup reads
/// them straight through a pointer. An array kept in the database would be retained and released around every
/// lookup, because a closure-taking access of a class's stored property has to keep the buffer alive.
struct KeyIndex: ~Copyable {
    /// `mask + 1` buckets; 0 = empty, otherwise `hash32 << 32 | (slot + 1)`.
    private var buckets: UnsafeMutablePointer<UInt64>
    private(set) var count = 0
    private var mask: Int

    init() {
        buckets = Self.allocate(16)
        mask = 15
    }

    deinit { buckets.deallocate() }

    private static func allocate(_ capacity: Int) -> UnsafeMutablePointer<UInt64> {
        let b = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        b.initialize(repeating: 0, count: capacity)
        return b
    }

    @inline(__always)
    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt32 {
        var hasher = Hasher()
        hasher.combine(bytes: raw)
        return UInt32(truncatingIfNeeded: hasher.finalize())
    }

    /// The slot whose key satisfies `isKey`, among buckets tagged `hash`.
    @inline(__always)
    func find(hash: UInt32, _ isKey: (Int) -> Bool) -> Int? {
        var bucket = Int(hash) & mask
        let tag = UInt64(hash) << 32
        let b = buckets
        while true {
            let entry = b[bucket]
            if entry == 0 { return nil }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let slot = Int(entry & 0xFFFF_FFFF) - 1
                if isKey(slot) { return slot }
            }
            bucket = (bucket + 1) & mask
        }
    }

    /// Adds a key known to be absent.
    mutating func insert(hash: UInt32, slot: Int) {
        // Grow at 7/8 full: the stored hash bits keep long runs cheap (a probe touches no key), and a smaller
        // bucket array stays in cache.
        if (count + 1) * 8 > (mask + 1) * 7 { grow() }
        place(UInt64(hash) << 32 | UInt64(slot + 1))
        count += 1
    }

    private mutating func place(_ entry: UInt64) {
        var bucket = Int(entry >> 32) & mask
        while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
        buckets[bucket] = entry
    }

    private mutating func grow() {
        let old = buckets
        let oldCount = mask + 1
        buckets = Self.allocate(oldCount * 2)
        mask = oldCount * 2 - 1
        for i in 0..<oldCount where old[i] != 0 { place(old[i]) }
        old.deallocate()
    }

    /// Removes the entry for `slot` (tagged `hash`), shifting later entries of the run back so lookups never
    /// need tombstones.
    mutating func remove(hash: UInt32, slot: Int) {
        let target = UInt64(hash) << 32 | UInt64(slot + 1)
        let mask = self.mask
        let b = buckets
        var hole = Int(hash) & mask
        while b[hole] != target {
            // Invariant: the entry is present (callers remove only keys they found).
            hole = (hole + 1) & mask
        }
        var next = (hole + 1) & mask
        while b[next] != 0 {
            let home = Int(b[next] >> 32) & mask
            // Move the entry back if its home is not cyclically within (hole, next].
            let distanceFromHome = (next - home) & mask
            let distanceFromHole = (next - hole) & mask
            if distanceFromHome >= distanceFromHole {
                b[hole] = b[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        b[hole] = 0
        count -= 1
    }

    mutating func removeAll() {
        buckets.deallocate()
        buckets = Self.allocate(16)
        mask = 15
        count = 0
    }
}
