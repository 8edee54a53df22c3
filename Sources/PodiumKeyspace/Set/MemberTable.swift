#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The hashtable encoding of a set: members packed into segments (extendible hashing), each a value.
///
/// ## Why segments of packed bytes
/// - **Memory.** A member is stored once, in a segment's byte arena (`<varint length><bytes>`), and found through
///   an open-addressing table of 8-byte slots (24 hash bits and a 40-bit arena offset, linear probing at most
///   7/8 full). The 24 bits are the hash's lowest, which also choose the member's home slot, so moving entries
///   (a removal's backward shift, a resize, a compaction) never hashes a member again. A 13-byte member costs about 14 bytes plus 12 of slots, where Valkey's dict pays a 24-byte entry,
///   a separately allocated string and an 8-byte bucket.
/// - **Point-in-time views.** `MemberTable` is a struct of arrays: a copy is two references. After a copy, a
///   write to the live table copies the directory (4 bytes per entry) and the segment array (a few words per
///   segment), then the one segment it changes (at most `maxSegment` members), never the whole set.
/// - **Growth without a pause.** A segment over `maxSegment` members splits in two by the next hash bit (the
///   directory doubles when needed, which is small): growing never rehashes the whole set at once.
///
/// Hashes come from Swift's `Hasher` (SipHash with a per-process random seed), 64 bits: the top bits choose the
/// segment (through the directory), the low 24 bits are the slot's tag and, masked, its home slot (a segment
/// has at most a few thousand slots, far below 2^24).
///
/// Deleted members leave their bytes in the arena; a segment whose arena is more than half garbage is compacted.
struct MemberTable {
    /// Members per segment before it splits.
    static let maxSegment = 2048

    struct Segment {
        /// Members, `<varint length><bytes>` each, in insertion order (with holes left by removals).
        var arena: [UInt8] = []
        /// 0: empty; else tag << 40 | (arena offset + 1).
        var slots: [UInt64] = []
        var count = 0
        /// Bytes of removed members still in the arena.
        var garbage = 0
        /// How many top hash bits all members of this segment share.
        var depth = 0

        static let offsetMask: UInt64 = (1 << 40) - 1

        /// The tag stored in the slot's top 24 bits: the hash's low 24 bits.
        @inline(__always) static func tag(_ h: UInt64) -> UInt64 { h << 40 }

        /// The home slot of the entry `v` (a slot's value) in a table of `mask + 1` slots, from its tag.
        @inline(__always) static func home(_ v: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: v >> 40) & mask }

        /// The member at arena offset `o`.
        @inline(__always)
        static func member(_ arena: UnsafeRawBufferPointer, _ o: Int) -> UnsafeRawBufferPointer {
            var i = o
            let n = readLength(arena, &i)
            return UnsafeRawBufferPointer(rebasing: arena[i..<(i + n)])
        }

        /// The member lengths in the arena are the hash fields' varints (`HashObject.readLength`).
        @inline(__always)
        static func readLength(_ b: UnsafeRawBufferPointer, _ i: inout Int) -> Int { HashObject.readLength(b, &i) }

        /// The slot holding `raw` (hash `h`), or nil.
        func find(_ raw: UnsafeRawBufferPointer, _ h: UInt64) -> Int? {
            guard !slots.isEmpty else { return nil }
            let mask = slots.count - 1
            let tag = Segment.tag(h)
            return slots.withUnsafeBufferPointer { s in
                arena.withUnsafeBytes { a in
                    var i = Int(truncatingIfNeeded: h) & mask
                    while true {
                        let v = s[i]
                        if v == 0 { return nil }
                        if v & ~Segment.offsetMask == tag {
                            let m = Segment.member(a, Int(v & Segment.offsetMask) - 1)
                            if m.count == raw.count,
                                m.count == 0 || memcmp(m.baseAddress!, raw.baseAddress!, m.count) == 0
                            {
                                return i
                            }
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }

        /// Adds `raw` (hash `h`), known to be absent.
        mutating func insert(_ raw: UnsafeRawBufferPointer, _ h: UInt64) {
            if (count + 1) * 8 > slots.count * 7 { resize(Swift.max(8, slots.count * 2)) }
            insertNoGrow(raw, h)
        }

        /// Puts the entry `v` (tag and arena offset) at its home slot or the first free one after it.
        mutating func place(_ v: UInt64) {
            let mask = slots.count - 1
            var i = Segment.home(v, mask)
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = v
        }

        /// Removes the member in slot `i` (backward-shift deletion keeps probe chains intact).
        mutating func remove(slot i: Int) {
            let offset = Int(slots[i] & Segment.offsetMask) - 1
            garbage += arena.withUnsafeBytes { a in
                var j = offset
                let n = Segment.readLength(a, &j)
                return j - offset + n
            }
            let mask = slots.count - 1
            var hole = i
            var j = (i + 1) & mask
            slots.withUnsafeMutableBufferPointer { s in
                while s[j] != 0 {
                    // Where would the entry at j like to be? Its tag says.
                    let home = Segment.home(s[j], mask)
                    // Move it into the hole if the hole lies on its probe path (cyclically between home and j).
                    let distanceToHole = (hole - home) & mask
                    let distanceToJ = (j - home) & mask
                    if distanceToHole < distanceToJ {
                        s[hole] = s[j]
                        hole = j
                    }
                    j = (j + 1) & mask
                }
                s[hole] = 0
            }
            count -= 1
            if count == 0 {
                arena = []
                slots = []
                garbage = 0
            } else if garbage > 256, garbage * 2 > arena.count {
                compact()
            }
            // Under an eighth full: halve (and more) the slots, so that random picks (SPOP draining a set) keep
            // finding members instead of probing empty slots.
            if count > 0, slots.count > 8, count * 8 < slots.count {
                var capacity = 8
                while capacity < count * 2 { capacity *= 2 }
                resize(capacity)
            }
        }

        /// Rebuilds the arena without garbage, and the slots at `capacity` (a power of two).
        mutating func resize(_ capacity: Int) {
            let old = slots
            slots = Array(repeating: 0, count: capacity)
            for v in old where v != 0 { place(v) }
        }

        mutating func compact() {
            var fresh = Segment()
            fresh.depth = depth
            fresh.slots = Array(repeating: 0, count: slots.count)
            fresh.arena.reserveCapacity(arena.count - garbage)
            arena.withUnsafeBytes { a in
                for v in slots where v != 0 {
                    fresh.insertNoGrow(Segment.member(a, Int(v & Segment.offsetMask) - 1), tag: v & ~Segment.offsetMask)
                }
            }
            self = fresh
        }

        /// `insert` into a table known to have room.
        mutating func insertNoGrow(_ raw: UnsafeRawBufferPointer, _ h: UInt64) {
            insertNoGrow(raw, tag: Segment.tag(h))
        }

        /// `insertNoGrow` of a member whose tag (`Segment.tag`) is known.
        mutating func insertNoGrow(_ raw: UnsafeRawBufferPointer, tag: UInt64) {
            let offset = arena.count
            var n = raw.count
            while n >= 0x80 {
                arena.append(UInt8(truncatingIfNeeded: n) | 0x80)
                n >>= 7
            }
            arena.append(UInt8(n))
            arena.append(contentsOf: raw)
            place(tag | UInt64(offset + 1))
            count += 1
        }

        /// Every member, in slot order.
        func forEach(_ body: (UnsafeRawBufferPointer) -> Void) {
            arena.withUnsafeBytes { a in
                for v in slots where v != 0 { body(Segment.member(a, Int(v & Segment.offsetMask) - 1)) }
            }
        }

        /// The member in slot `i`, if any.
        func member<R>(inSlot i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
            let v = slots[i]
            if v == 0 { return nil }
            return arena.withUnsafeBytes { body(Segment.member($0, Int(v & Segment.offsetMask) - 1)) }
        }
    }

    /// Segment number for each value of the top `globalDepth` hash bits.
    var directory: [Int32] = [0]
    var segments: [Segment] = [Segment()]
    private(set) var count = 0
    /// How many top hash bits index the directory (at most 32). 32 bits, with `slotBound`, so the table stays
    /// 32 bytes and a set value no larger than before (`Value`, and so every key's entry, would grow).
    var globalDepth: Int32 = 0
    /// At least the slot count of every segment (the largest when it was last recomputed): the bound
    /// `randomMember` samples slots against, kept so that a pick does not look at every segment (4,000 of them in
    /// a 4M-member set, which made SPOP O(segments)).
    private(set) var slotBoundStorage: Int32 = 0
    var slotBound: Int {
        get { Int(slotBoundStorage) }
        set { slotBoundStorage = Int32(newValue) }
    }

    init() {}

    @inline(__always)
    func segmentIndex(_ h: UInt64) -> Int {
        globalDepth == 0 ? Int(directory[0]) : Int(directory[Int(h >> UInt64(64 - globalDepth))])
    }

    func contains(_ raw: UnsafeRawBufferPointer) -> Bool {
        let h = MemberHash.of(raw)
        let s = segmentIndex(h)
        // Through the buffer: `segments[s].find` copied the segment (two retains and releases per lookup).
        return segments.withUnsafeBufferPointer { $0[s].find(raw, h) != nil }
    }

    /// Adds a member; returns false when it was already there.
    mutating func insert(_ raw: UnsafeRawBufferPointer) -> Bool {
        let h = MemberHash.of(raw)
        var s = segmentIndex(h)
        if segments[s].find(raw, h) != nil { return false }
        if segments[s].count >= MemberTable.maxSegment {
            split(s)
            s = segmentIndex(h)
        }
        segments[s].insert(raw, h)
        slotBound = Swift.max(slotBound, segments[s].slots.count)
        count += 1
        return true
    }

    /// Removes a member; returns whether it was there.
    mutating func remove(_ raw: UnsafeRawBufferPointer) -> Bool {
        let h = MemberHash.of(raw)
        let s = segmentIndex(h)
        guard let slot = segments[s].find(raw, h) else { return false }
        remove(segment: s, slot: slot)
        return true
    }

    /// Removes the member in slot `slot` of segment `s`.
    mutating func remove(segment s: Int, slot: Int) {
        let before = segments[s].slots.count
        segments[s].remove(slot: slot)
        count -= 1
        // The largest segment shrank: the bound comes down with it (rarely: a segment shrinks a few times at most).
        if before == slotBound, segments[s].slots.count < before {
            slotBound = segments.reduce(0) { Swift.max($0, $1.slots.count) }
        }
    }

    /// Splits segment `s` by the next hash bit: its members with that bit set move to a new segment.
    mutating func split(_ s: Int) {
        let depth = segments[s].depth
        if depth == Int(globalDepth) {
            // Double the directory: each entry splits into two pointing at the same segment.
            var doubled = [Int32](repeating: 0, count: directory.count * 2)
            for (i, v) in directory.enumerated() {
                doubled[2 * i] = v
                doubled[2 * i + 1] = v
            }
            directory = doubled
            globalDepth += 1
        }
        let bit = UInt64(63 - depth)
        // One pass hashes every member and sizes the two halves, so each is built at its exact size.
        var hashes: [UInt64] = []
        hashes.reserveCapacity(segments[s].count)
        var highCount = 0
        var highBytes = 0
        var lowBytes = 0
        segments[s].forEach { m in
            let h = MemberHash.of(m)
            hashes.append(h)
            let size = m.count + (m.count < 128 ? 1 : 3)
            if (h >> bit) & 1 == 1 {
                highCount += 1
                highBytes += size
            } else {
                lowBytes += size
            }
        }
        func fresh(_ members: Int, _ bytes: Int) -> Segment {
            var segment = Segment()
            segment.depth = depth + 1
            var capacity = 8
            while capacity * 7 < (members + 1) * 8 { capacity *= 2 }
            segment.slots = Array(repeating: 0, count: capacity)
            segment.arena.reserveCapacity(bytes)
            return segment
        }
        var low = fresh(hashes.count - highCount, lowBytes)
        var high = fresh(highCount, highBytes)
        var k = 0
        segments[s].forEach { m in
            let h = hashes[k]
            k += 1
            if (h >> bit) & 1 == 1 { high.insertNoGrow(m, h) } else { low.insertNoGrow(m, h) }
        }
        slotBound = Swift.max(slotBound, low.slots.count, high.slots.count)
        segments[s] = low
        let newIndex = Int32(segments.count)
        segments.append(high)
        // Directory entries of the old segment whose next bit is set now point at the new one.
        let shift = Int(globalDepth) - depth - 1
        for i in directory.indices where directory[i] == Int32(s) && (i >> shift) & 1 == 1 {
            directory[i] = newIndex
        }
    }

    /// Every member, segment by segment.
    func forEach(_ body: (UnsafeRawBufferPointer) -> Void) {
        for segment in segments { segment.forEach(body) }
    }

    /// A uniformly random member (the table is not empty): a random slot of a random segment, accepted in
    /// proportion to the segment's slot count (against `slotBound`, at least every segment's), so every member
    /// is equally likely. O(1) expected while segments stay reasonably full.
    func randomMember<R>(using rng: inout SplitMix64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let (s, i) = randomSlot(using: &rng)
        return segments[s].member(inSlot: i, body)!
    }

    /// The segment and slot of a uniformly random member (`randomMember`).
    func randomSlot(using rng: inout SplitMix64) -> (segment: Int, slot: Int) {
        let largest = slotBound
        return segments.withUnsafeBufferPointer { segments in
            while true {
                let s = Int.random(in: 0..<segments.count, using: &rng)
                let slots = segments[s].slots
                guard !slots.isEmpty else { continue }
                let i = Int.random(in: 0..<largest, using: &rng)
                if i < slots.count, slots[i] != 0 { return (s, i) }
            }
        }
    }

    /// Removes and returns a uniformly random member (the table is not empty): SPOP, without hashing the member
    /// to find it again.
    mutating func popRandom(using rng: inout SplitMix64) -> Bytes {
        let (s, i) = randomSlot(using: &rng)
        let member = segments.withUnsafeBufferPointer { $0[s].member(inSlot: i) { Bytes(raw: $0) }! }
        remove(segment: s, slot: i)
        return member
    }

    // MARK: - Scanning

    /// SSCAN: visits whole segments from hash prefix `cursor` (the top 32 bits) until at least `count` members
    /// have been seen; returns the next cursor, 0 at the end. Splits only refine a segment's prefix range, so a
    /// member present for the whole scan is returned at least once.
    func scan(cursor: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> UInt64 {
        var position = cursor
        var seen = 0
        let span: UInt64 = 1 << 32
        while position < span, seen < count {
            let h = position << 32
            let s = segmentIndex(h)
            let segment = segments[s]
            segment.forEach(body)
            seen += segment.count
            // The segment covers the prefixes sharing its top `depth` bits.
            let width: UInt64 = segment.depth >= 32 ? 1 : span >> UInt64(segment.depth)
            position = (position / width + 1) * width
        }
        return position >= span ? 0 : position
    }

    /// Heap bytes: arenas and slot arrays (with their headers), the directory and the segment array.
    var approximateSize: Int {
        var total = 32 + directory.count * 4 + 32 + segments.count * MemoryLayout<Segment>.stride
        for s in segments {
            if s.arena.capacity > 0 { total += 32 + s.arena.capacity }
            if s.slots.capacity > 0 { total += 32 + s.slots.capacity * 8 }
        }
        return total
    }
}
