/// A sorted set value (`ZADD leaderboard:global 1200 player:7`).
///
/// ## Two encodings, as in Valkey
/// - **listpack** (`PackedSortedSet`): while the set has at most `zset-max-listpack-entries` members of at
///   most `zset-max-listpack-value` bytes, every element is packed, in order, into one byte array.
/// - **skiplist** (`SortedSetTree`): past either limit the set converts, once and for good, to an
///   order-statistic B+tree with a member index (Valkey converts to its dict + skiplist at the same points; the
///   name `skiplist` is what `OBJECT ENCODING` reports, as Valkey does, whatever the structure).
///
/// ## A value
/// `SortedSetObject` is a struct with value semantics: a copy taken at time T (an AOF rewrite's snapshot of a
/// database, `COPY`) keeps showing the set as it was at T, whatever is done later to either copy, and taking
/// it is O(1). The packed array is a copy-on-write array (at most a few KB); the tree shares its nodes, record
/// chunks and index pages and copies only what a write touches (see `SortedSetTree`). Commands change a set in
/// place through `Database.withObject(slot:)` (take the payload out of the value, change it, put it back), so a
/// set that nothing else shares is never copied.
///
/// ## Order
/// By score, then by the member's bytes (`memcmp`), exactly as Valkey orders ties; -0 and 0 are the same
/// score (the listpack stores -0 as 0, the tree keeps it, as Valkey's two encodings do). NaN is never stored
/// (the commands refuse it).
public struct SortedSetObject {
    enum Storage {
        case packed(PackedSortedSet)
        case tree(SortedSetTree)
    }

    var storage: Storage
    /// Times a shared tree was cloned at a write (added to `copiesMade`).
    private var treeClones = 0

    public init() { storage = .packed(PackedSortedSet()) }

    public var count: Int {
        switch storage {
        case .packed(let p): return p.count
        case .tree(let t): return t.count
        }
    }

    /// `OBJECT ENCODING`.
    public var encodingName: String {
        if case .packed = storage { return "listpack" }
        return "skiplist"
    }

    /// Approximate heap memory in bytes (MEMORY USAGE).
    public var approximateSize: Int {
        switch storage {
        case .packed(let p): return p.bytes.isEmpty ? 0 : (32 + p.bytes.count + 15) & ~15
        case .tree(let t): return t.approximateSize
        }
    }

    /// Test hook for the copy-on-write guarantees: the tree nodes, record chunks, index pages and whole trees
    /// this value copied because another copy shared them. Zero for a set that was never shared.
    public var copiesMade: Int {
        if case .tree(let t) = storage { return treeClones + t.copies }
        return treeClones
    }

    /// Changes the tree in place, cloning it first if another copy of the value shares it. Callers must not
    /// hold a binding of the tree (`case .tree(let t)`) across the call: it would count as a second reference.
    @inline(__always) @discardableResult
    private mutating func withTree<R>(_ body: (SortedSetTree) -> R) -> R {
        guard case .tree(var tree) = storage else { preconditionFailure("not a tree") }
        storage = .packed(PackedSortedSet())  // drop our second reference, so `tree` alone holds it
        if !isKnownUniquelyReferenced(&tree) {
            tree = tree.clone()
            treeClones += 1
        }
        defer { storage = .tree(tree) }
        return body(tree)
    }

    /// Changes the packed array in place.
    @inline(__always)
    private mutating func withPacked<R>(_ body: (inout PackedSortedSet) -> R) -> R {
        guard case .packed(var packed) = storage else { preconditionFailure("not packed") }
        storage = .packed(PackedSortedSet())
        defer { storage = .packed(packed) }
        return body(&packed)
    }

    // MARK: - Members

    /// Where a member is, found once for a read-then-write (ZADD, ZINCRBY). Valid until the set changes.
    public struct Lookup {
        /// The member's score, nil if it is not in the set.
        public let score: Double?
        /// Packed: the element's index; tree: its slot.
        let position: Int
        /// The member's hash (tree only).
        let hash: UInt64
    }

    /// Finds `member`.
    @inline(__always)
    public func lookup(_ member: UnsafeRawBufferPointer) -> Lookup {
        switch storage {
        case .packed(let p):
            guard let i = p.read({ $0.find(member) }) else { return Lookup(score: nil, position: -1, hash: 0) }
            return Lookup(score: p.read { $0.score(i) }, position: i, hash: 0)
        case .tree(let t):
            let hash = MemberHash.of(member)
            guard let slot = t.find(member, hash: hash) else { return Lookup(score: nil, position: -1, hash: hash) }
            return Lookup(score: t.score(slot), position: slot, hash: hash)
        }
    }

    public func score(_ member: UnsafeRawBufferPointer) -> Double? { lookup(member).score }
    public func score(_ member: Bytes) -> Double? { member.withUnsafeBytes { score($0) } }
    public func contains(_ member: Bytes) -> Bool { score(member) != nil }

    /// Adds `member`, which `lookup` found absent, converting to the large encoding first if the set would pass
    /// a listpack limit.
    public mutating func insert(
        _ member: UnsafeRawBufferPointer, score: Double, lookup: Lookup,
        limits: ListpackLimits
    ) {
        if case .packed = storage {
            if count + 1 > limits.maxListpackEntries || member.count > limits.maxListpackValue {
                convertToTree()
                withTree { $0.insert(member, hash: MemberHash.of(member), score: score) }
                return
            }
            withPacked { $0.insert(member, score: score) }
            return
        }
        withTree { $0.insert(member, hash: lookup.hash, score: score) }
    }

    /// Adds a member known to be absent (building a result set from distinct members).
    public mutating func insertNew(_ member: UnsafeRawBufferPointer, score: Double, limits: ListpackLimits) {
        let hash: UInt64
        if case .tree = storage { hash = MemberHash.of(member) } else { hash = 0 }
        insert(member, score: score, lookup: Lookup(score: nil, position: -1, hash: hash), limits: limits)
    }

    /// Gives the member `lookup` found a new score.
    public mutating func move(_ lookup: Lookup, to score: Double) {
        switch storage {
        case .packed: withPacked { $0.move(lookup.position, to: score) }
        case .tree: withTree { $0.move(slot: lookup.position, to: score) }
        }
    }

    /// Inserts or moves a member. Returns true if it was new.
    @discardableResult
    public mutating func set(_ member: Bytes, _ score: Double, limits: ListpackLimits) -> Bool {
        member.withUnsafeBytes { m in
            let found = lookup(m)
            if let current = found.score {
                if current != score { move(found, to: score) }
                return false
            }
            insert(m, score: score, lookup: found, limits: limits)
            return true
        }
    }

    /// Removes a member; returns whether it was there.
    @discardableResult
    public mutating func remove(_ member: UnsafeRawBufferPointer) -> Bool {
        let found = lookup(member)
        guard found.score != nil else { return false }
        switch storage {
        case .packed: withPacked { $0.remove(ranks: found.position..<(found.position + 1)) }
        case .tree: withTree { $0.remove(slot: found.position, hash: found.hash) }
        }
        return true
    }

    @discardableResult
    public mutating func remove(_ member: Bytes) -> Bool { member.withUnsafeBytes { remove($0) } }

    /// Removes the elements of 0-based ascending ranks `ranks` (within `0..<count`).
    public mutating func remove(ranks: Range<Int>) {
        guard !ranks.isEmpty else { return }
        switch storage {
        case .packed:
            withPacked { $0.remove(ranks: ranks) }
        case .tree:
            // No binding of the tree here: a second reference would make it look shared to `withTree`.
            if ranks.count == count {
                storage = .tree(SortedSetTree())
                return
            }
            withTree { t in
                for _ in ranks {
                    let slot = t.slot(atRank: ranks.lowerBound)
                    let hash = t.records.withMember(slot) { MemberHash.of($0) }
                    t.remove(slot: slot, hash: hash)
                }
            }
        }
    }

    /// Valkey's `zsetConvert(..., OBJ_ENCODING_SKIPLIST)`, which SORT does to any sorted set it reads: from then
    /// on OBJECT ENCODING answers `skiplist` and scores are kept as given (`-0`).
    public mutating func convertToSkiplist() { convertToTree() }

    /// True once the set is in its large encoding (`OBJECT ENCODING` answers `skiplist`).
    public var isSkiplist: Bool {
        if case .tree = storage { return true }
        return false
    }

    private mutating func convertToTree() {
        guard case .packed(let p) = storage else { return }
        let tree = SortedSetTree()
        p.read { r in
            for i in 0..<r.count {
                let m = r.member(i)
                tree.insert(m, hash: MemberHash.of(m), score: r.score(i))
            }
        }
        storage = .tree(tree)
    }

    // MARK: - Ranks

    /// The 0-based rank of `member` (ascending, or descending with `reverse`) and its score, or nil.
    public func rank(_ member: UnsafeRawBufferPointer, reverse: Bool) -> (rank: Int, score: Double)? {
        let found = lookup(member)
        guard let score = found.score else { return nil }
        let r: Int
        switch storage {
        case .packed: r = found.position
        case .tree(let t): r = t.rank(slot: found.position)
        }
        return (reverse ? count - 1 - r : r, score)
    }

    public func rank(_ member: Bytes, reverse: Bool) -> Int? {
        member.withUnsafeBytes { rank($0, reverse: reverse)?.rank }
    }

    /// Calls `body(member, score)` for the elements of ascending ranks `ranks` (within `0..<count`), in
    /// ascending order or, with `reverse`, descending. The member bytes are valid during the call.
    public func forEach(ranks: Range<Int>, reverse: Bool = false, _ body: (UnsafeRawBufferPointer, Double) -> Void) {
        guard !ranks.isEmpty else { return }
        switch storage {
        case .packed(let p):
            p.read { r in
                if reverse {
                    for i in ranks.reversed() { body(r.member(i), r.score(i)) }
                } else {
                    for i in ranks { body(r.member(i), r.score(i)) }
                }
            }
        case .tree(let t):
            t.forEachMember(ranks: ranks, reverse: reverse, body)
        }
    }

    /// Every element in ascending order (what an AOF rewrite or a save reads).
    public func forEach(_ body: (UnsafeRawBufferPointer, Double) -> Void) { forEach(ranks: 0..<count, body) }

    /// The element at 0-based ascending rank `rank`, or nil.
    public func element(at rank: Int) -> (Bytes, Double)? {
        guard rank >= 0, rank < count else { return nil }
        var out: (Bytes, Double)?
        forEach(ranks: rank..<(rank + 1)) { out = (Bytes(raw: $0), $1) }
        return out
    }

    /// The first (lowest) and last (highest) elements.
    public var first: (Bytes, Double)? { element(at: 0) }
    public var last: (Bytes, Double)? { element(at: count - 1) }

    /// The number of elements, from the first, for which `holds(score, member)` is true: a prefix of the order.
    private func countPrefix(_ holds: (Double, UnsafeRawBufferPointer) -> Bool) -> Int {
        switch storage {
        case .packed(let p): return p.countPrefix(holds)
        case .tree(let t):
            // Unretained in the closure: a captured class reference is retained around every call.
            let tree = Unmanaged.passUnretained(t)
            return t.countPrefix { score, slot in
                tree._withUnsafeGuaranteedRef { $0.withMember(slot) { holds(score, $0) } }
            }
        }
    }

    /// The ascending ranks of the elements with scores in `range`, in O(log N).
    public func ranks(score range: ScoreRange) -> Range<Int> {
        guard !range.isEmpty, count > 0 else { return 0..<0 }
        let lo = countPrefix { s, _ in !range.aboveMin(s) }
        let hi = countPrefix { s, _ in range.belowMax(s) }
        return lo..<Swift.max(lo, hi)
    }

    /// The ascending ranks of the elements a lexicographic range request selects, after `offset` and `limit`
    /// (negative: no limit), walking forward or, with `reverse`, backward.
    ///
    /// Lex ranges are meant for sets whose scores are all equal; Valkey leaves the answer on mixed scores
    /// unspecified. For a listpack its answer is deterministic, and scripts rely on it: a walk in score order
    /// from the first element that is not below the minimum (`zzlFirstInLexRange`; backward: from the last
    /// that is not above the maximum), nothing when that element is outside the other bound or when the last
    /// element is below the minimum or the first above the maximum (`zzlIsInLexRange`), then `offset` elements
    /// skipped unchecked and elements taken while they are not above the maximum (backward: not below the
    /// minimum). Podium gives that answer at every size, on both encodings: its skiplist counterpart depends on
    /// the skiplist's random levels. When the first and last scores are equal (all are), the walk is a pair of
    /// binary searches, O(log N); with mixed scores it is linear in the distance walked.
    public func ranks(lex range: LexRange, reverse: Bool, offset: Int = 0, limit: Int = -1) -> Range<Int> {
        let n = count
        let none = 0..<0
        guard !range.isEmpty, n > 0, offset >= 0, limit != 0 else { return none }
        guard let (firstMember, firstScore) = first, let (lastMember, lastScore) = last,
            range.aboveMin(lastMember), range.belowMax(firstMember)
        else { return none }
        if firstScore == lastScore {
            let lo = countPrefix { _, m in !range.aboveMin(m) }
            let hi = countPrefix { _, m in range.belowMax(m) }
            return limitRanks(lo..<Swift.max(lo, hi), reverse: reverse, offset: offset, limit: limit)
        }
        if !reverse {
            // The first element not below the minimum exists (the last one is not below it).
            var start = -1
            var startInRange = false
            walk(from: 0, reverse: false) { r, m in
                guard range.aboveMin(m) else { return true }
                (start, startInRange) = (r, range.belowMax(m))
                return false
            }
            let from = start + offset
            guard startInRange, from < n else { return none }
            var end = from
            walk(from: from, reverse: false) { r, m in
                guard end - from != limit, range.belowMax(m) else { return false }
                end = r + 1
                return true
            }
            return from..<end
        }
        // The last element not above the maximum exists (the first one is not above it).
        var start = -1
        var startInRange = false
        walk(from: n - 1, reverse: true) { r, m in
            guard range.belowMax(m) else { return true }
            (start, startInRange) = (r, range.aboveMin(m))
            return false
        }
        let from = start - offset
        guard startInRange, from >= 0 else { return none }
        var low = from + 1
        walk(from: from, reverse: true) { r, m in
            guard from + 1 - low != limit, range.aboveMin(m) else { return false }
            low = r
            return true
        }
        return low..<(from + 1)
    }

    /// Calls `body(rank, member)` from ascending rank `start`, forward or backward, until it returns false.
    private func walk(from start: Int, reverse: Bool, _ body: (Int, UnsafeRawBufferPointer) -> Bool) {
        guard start >= 0, start < count else { return }
        switch storage {
        case .packed(let p):
            p.read { r in
                var i = start
                while i >= 0, i < r.count {
                    if !body(i, r.member(i)) { return }
                    i += reverse ? -1 : 1
                }
            }
        case .tree(let t):
            var r = start
            let tree = Unmanaged.passUnretained(t)
            t.walk(from: start, reverse: reverse) { _, slot in
                let go = tree._withUnsafeGuaranteedRef { $0.withMember(slot) { body(r, $0) } }
                r += reverse ? -1 : 1
                return go
            }
        }
    }
}
