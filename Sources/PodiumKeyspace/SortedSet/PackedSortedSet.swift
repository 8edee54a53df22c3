/// The small encoding of a sorted set (Valkey's `listpack`): every element in one byte array, in order.
///
/// ## Layout
/// For n elements sorted by (score, member): `n` scores (8 bytes each), then `n` end offsets of the members
/// (4 bytes each, relative to the member area), then the member bytes back to back. 12 bytes plus the member
/// an element, one allocation per set, and the i-th element is found without a scan: ranks, ZRANGE by rank
/// and binary searches by score are O(1) and O(log n); finding a member by name is a scan, as in Valkey's
/// listpack (at most `zset-max-listpack-entries` members of at most `zset-max-listpack-value` bytes).
///
/// Every change builds the array anew at its exact size (one allocation, like Valkey's listpack realloc),
/// except a score change that keeps the element's place, which writes the 8 bytes in place.
///
/// ## Negative zero
/// Valkey stores listpack scores as text through `d2string`, which prints an integral score as an integer:
/// -0 comes back as 0. So a packed set stores -0 as 0 (ZADD k -0 m, then ZSCORE k m, prints 0), where the
/// large encoding keeps -0, as Valkey's skiplist does.
struct PackedSortedSet {
    private(set) var bytes: [UInt8] = []
    private var storedCount: Int32 = 0

    var count: Int { Int(storedCount) }

    @inline(__always) static func normalized(_ score: Double) -> Double { score == 0 ? 0 : score }

    // MARK: - Reading

    /// Calls `body` with a reader over the bytes.
    @inline(__always)
    func read<R>(_ body: (Reader) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { try body(Reader(raw: $0, count: count)) }
    }

    /// The elements, through a pointer valid during a `read` call.
    struct Reader {
        let raw: UnsafeRawBufferPointer
        let count: Int

        @inline(__always) func score(_ i: Int) -> Double {
            raw.loadUnaligned(fromByteOffset: i &* 8, as: Double.self)
        }
        @inline(__always) func end(_ i: Int) -> Int {
            Int(raw.loadUnaligned(fromByteOffset: count &* 8 &+ i &* 4, as: UInt32.self))
        }
        @inline(__always) func start(_ i: Int) -> Int { i == 0 ? 0 : end(i &- 1) }
        @inline(__always) var memberBytes: Int { count == 0 ? 0 : end(count &- 1) }
        @inline(__always) func member(_ i: Int) -> UnsafeRawBufferPointer {
            let base = count &* 12
            return UnsafeRawBufferPointer(rebasing: raw[(base &+ start(i))..<(base &+ end(i))])
        }

        /// True if element `i` sorts before (s, m).
        @inline(__always) func less(_ i: Int, _ s: Double, _ m: UnsafeRawBufferPointer) -> Bool {
            let e = score(i)
            if e != s { return e < s }
            return MemberRecords.compare(member(i), m) < 0
        }

        /// The index of `member`, or nil.
        func find(_ m: UnsafeRawBufferPointer) -> Int? {
            for i in 0..<count where MemberRecords.equal(member(i), m) { return i }
            return nil
        }

        /// The first element not before (s, m).
        func lowerBound(_ s: Double, _ m: UnsafeRawBufferPointer) -> Int {
            var lo = 0
            var hi = count
            while lo < hi {
                let mid = (lo &+ hi) &>> 1
                if less(mid, s, m) { lo = mid &+ 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// The number of elements, from the first, for which `holds` is true (true for a prefix, then false).
    func countPrefix(_ holds: (Double, UnsafeRawBufferPointer) -> Bool) -> Int {
        read { r in
            var lo = 0
            var hi = r.count
            while lo < hi {
                let mid = (lo &+ hi) &>> 1
                if holds(r.score(mid), r.member(mid)) { lo = mid &+ 1 } else { hi = mid }
            }
            return lo
        }
    }

    // MARK: - Writing

    /// Builds the array anew at its exact size: the elements except those of `removed`, plus `new` (if any)
    /// placed just before the old element `at` (`count` for the end).
    private mutating func rebuild(
        removing removed: Range<Int>, inserting new: (UnsafeRawBufferPointer, Double)?,
        at: Int
    ) {
        let newCount = count - removed.count + (new == nil ? 0 : 1)
        if newCount == 0 {
            bytes = []
            storedCount = 0
            return
        }
        let rebuilt: [UInt8] = read { r in
            let removedBytes = removed.isEmpty ? 0 : r.end(removed.upperBound - 1) - r.start(removed.lowerBound)
            let memberBytes = r.memberBytes - removedBytes + (new?.0.count ?? 0)
            let size = newCount * 12 + memberBytes
            return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                let out = UnsafeMutableRawPointer(buffer.baseAddress!)
                let members = out + newCount * 12
                var j = 0
                var written = 0
                func put(_ score: Double, _ m: UnsafeRawBufferPointer) {
                    out.storeBytes(of: score, toByteOffset: j * 8, as: Double.self)
                    if m.count > 0 { (members + written).copyMemory(from: m.baseAddress!, byteCount: m.count) }
                    written += m.count
                    out.storeBytes(of: UInt32(written), toByteOffset: newCount * 8 + j * 4, as: UInt32.self)
                    j += 1
                }
                var i = 0
                while i <= r.count {
                    if i == at, let new { put(new.1, new.0) }
                    if i == r.count { break }
                    if removed.contains(i) {
                        i = removed.upperBound
                        continue
                    }
                    put(r.score(i), r.member(i))
                    i += 1
                }
                initialized = size
            }
        }
        bytes = rebuilt
        storedCount = Int32(newCount)
    }

    /// Adds a member known to be absent.
    mutating func insert(_ member: UnsafeRawBufferPointer, score: Double) {
        let s = PackedSortedSet.normalized(score)
        let at = read { $0.lowerBound(s, member) }
        rebuild(removing: 0..<0, inserting: (member, s), at: at)
    }

    /// Removes the elements of ranks `ranks`.
    mutating func remove(ranks: Range<Int>) {
        guard !ranks.isEmpty else { return }
        rebuild(removing: ranks, inserting: nil, at: -1)
    }

    /// Gives element `i` a new score, moving it to its new place.
    mutating func move(_ i: Int, to score: Double) {
        let s = PackedSortedSet.normalized(score)
        let stays = read { r -> Bool in
            let m = r.member(i)
            let afterPrevious = i == 0 || r.less(i - 1, s, m)
            let beforeNext = i == r.count - 1 || !r.less(i + 1, s, m)
            return afterPrevious && beforeNext
        }
        if stays {
            bytes.withUnsafeMutableBytes { $0.storeBytes(of: s, toByteOffset: i * 8, as: Double.self) }
            return
        }
        let (member, at) = read { r in (Array(r.member(i)), r.lowerBound(s, r.member(i))) }
        member.withUnsafeBytes { rebuild(removing: i..<(i + 1), inserting: ($0, s), at: at) }
    }
}
