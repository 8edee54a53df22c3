/// The member → slot half of a large sorted set: ZSCORE, ZMSCORE, membership and the first step of ZRANK,
/// ZADD and ZREM in O(1).
///
/// ## Layout
/// Open addressing with linear probing over 32-bit buckets, `2^capacityBits` of them, at most 7/8 full. A bucket
/// holds the member's slot plus one (the low `capacityBits` bits) and, in the remaining high bits, a tag taken
/// from the member's hash, so a probe dereferences a record only when the tag matches (1 in 2,048 mismatches
/// still do at a million members, where 11 tag bits remain). 0 is an empty bucket, `tombstone` a removed
/// one. Slots never reach `2^capacityBits - 1` (the records hand out slots below the largest size the set has
/// had, and the table never shrinks), so the slot field is never all ones and a bucket is never a tombstone by
/// accident.
///
/// Removal leaves a tombstone (or an empty bucket when the next one is empty): a backward-shift deletion would
/// need the home bucket of each following entry, i.e. its full hash, which the bucket does not keep. When
/// tombstones and members together pass 7/8, the table is rebuilt, twice as large if the members alone fill more
/// than 7/16 of it. A rebuild hashes every member again, walking the records in slot order.
///
/// 4 bytes a bucket is 8 MB for a million members (2^21 buckets), where a bucket holding a full hash next to
/// the slot would take twice that.
///
/// ## Pages
/// The buckets live in 16 KB pages of a `ChunkTable`, so the first write after a point-in-time copy of the set
/// copies one page, not the table.
struct MemberIndex {
    static let pageShift = 12
    static let tombstone: UInt32 = .max
    static let minimumBits = 4

    private var pages = ChunkTable<IndexPage>()
    /// log2 of the bucket count; 0 while there is no table.
    private(set) var capacityBits = 0
    /// Members in the table.
    private(set) var count = 0
    /// Members plus tombstones.
    private var used = 0

    var copies: Int { pages.copies }
    var capacity: Int { capacityBits == 0 ? 0 : 1 << capacityBits }

    @inline(__always)
    private func bucket(_ b: Int) -> UInt32 {
        pages.chunk(b &>> Self.pageShift)._withUnsafeGuaranteedRef { $0.buckets[b & ((1 << Self.pageShift) - 1)] }
    }

    @inline(__always)
    private mutating func setBucket(_ b: Int, _ value: UInt32) {
        pages.uniqueChunk(b &>> Self.pageShift)._withUnsafeGuaranteedRef {
            $0.buckets[b & ((1 << Self.pageShift) - 1)] = value
        }
    }

    @inline(__always)
    private func tag(_ hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash &>> 32) &>> UInt32(capacityBits) }

    @inline(__always)
    private func encode(_ slot: Int, _ hash: UInt64) -> UInt32 {
        (tag(hash) &<< UInt32(capacityBits)) | UInt32(truncatingIfNeeded: slot &+ 1)
    }

    /// The slot of `member`, or nil.
    @inline(__always)
    func find(_ member: UnsafeRawBufferPointer, hash: UInt64, in records: borrowing MemberRecords) -> Int? {
        guard capacityBits > 0 else { return nil }
        let mask = capacity &- 1
        let bits = UInt32(capacityBits)
        let slotMask = (UInt32(1) &<< bits) &- 1
        let wanted = tag(hash)
        var b = Int(truncatingIfNeeded: hash) & mask
        while true {
            let v = bucket(b)
            if v == 0 { return nil }
            if v != Self.tombstone, v &>> bits == wanted {
                let slot = Int(v & slotMask) &- 1
                if MemberRecords.equal(records.member(slot), member) { return slot }
            }
            b = (b &+ 1) & mask
        }
    }

    /// Adds the slot of a member that is not in the table. The slot is already live in `records`, so a rebuild
    /// on the way places it with the others.
    mutating func insert(_ slot: Int, hash: UInt64, records: MemberRecords) {
        if capacityBits == 0 {
            rebuild(bits: Self.minimumBits, records: records)
        } else if (used + 1) * 8 > capacity * 7 {
            rebuild(bits: (count + 1) * 16 > capacity * 7 ? capacityBits + 1 : capacityBits, records: records)
        } else {
            place(slot, hash: hash)
        }
    }

    private mutating func place(_ slot: Int, hash: UInt64) {
        let mask = capacity &- 1
        var b = Int(truncatingIfNeeded: hash) & mask
        while true {
            let v = bucket(b)
            if v == 0 || v == Self.tombstone {
                if v == 0 { used += 1 }
                setBucket(b, encode(slot, hash))
                count += 1
                return
            }
            b = (b &+ 1) & mask
        }
    }

    /// The bucket holding exactly `slot`, or nil.
    private func find(slot: Int, hash: UInt64) -> Int? {
        guard capacityBits > 0 else { return nil }
        let mask = capacity &- 1
        let wanted = encode(slot, hash)
        var b = Int(truncatingIfNeeded: hash) & mask
        while true {
            let v = bucket(b)
            if v == 0 { return nil }
            if v == wanted { return b }
            b = (b &+ 1) & mask
        }
    }

    /// Removes the slot of a member in the table.
    mutating func remove(_ slot: Int, hash: UInt64) {
        guard let b = find(slot: slot, hash: hash) else { return }
        if bucket((b &+ 1) & (capacity &- 1)) == 0 {
            setBucket(b, 0)
            used -= 1
        } else {
            setBucket(b, Self.tombstone)
        }
        count -= 1
    }

    /// A new table of `2^bits` buckets holding every live slot of `records`.
    private mutating func rebuild(bits: Int, records: MemberRecords) {
        // Built in place: a second reference to the new table would make its pages look shared.
        pages = ChunkTable()
        let size = 1 << bits
        let pageSize = Swift.min(size, 1 << Self.pageShift)
        for _ in 0..<(size / pageSize) { pages.append(IndexPage.make(capacity: pageSize)) }
        capacityBits = bits
        count = 0
        used = 0
        for slot in 0..<records.highWater where records.isLive(slot) {
            place(slot, hash: records.withMember(slot) { MemberHash.of($0) })
        }
    }
}

/// A page of index buckets, zero-filled (empty) when made.
final class IndexPage: ManagedBuffer<Int, UInt32>, CopyableChunk {
    static func make(capacity: Int) -> IndexPage {
        let buffer = IndexPage.create(minimumCapacity: capacity) { _ in capacity }
        // Invariant: `create` called on a subclass returns an instance of that subclass.
        let page = unsafeDowncast(buffer, to: IndexPage.self)
        page.buckets.initialize(repeating: 0, count: capacity)
        return page
    }

    @inline(__always) var buckets: UnsafeMutablePointer<UInt32> { withUnsafeMutablePointerToElements { $0 } }

    func clone() -> Self {
        let other = IndexPage.make(capacity: header)
        other.buckets.update(from: buckets, count: header)
        // Invariant: `make` returns an IndexPage, which is `Self` (the class is final).
        return unsafeDowncast(other, to: Self.self)
    }
}
