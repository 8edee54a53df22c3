/// The ordered half of a sorted set: a skiplist whose links carry spans, so the rank of a member and the member
/// at a rank are found in O(log N) (Pugh's skiplist with William Pugh's "span" extension, the structure Valkey's
/// `t_zset.c` uses). Ordering is by score, then by member bytes (`memcmp`), exactly as Valkey orders ties.
///
/// A node holds its levels in the same allocation (`ManagedBuffer` tail allocation): one heap object and one
/// cache miss per node visited, where a separate levels array cost a second allocation (about 50 bytes a member)
/// and a second miss on every step of a rank walk.
///
/// ## Ownership: links are unmanaged
/// Nodes are owned by the sorted set's member index (the list's header node by the list), never by the links,
/// which are `Unmanaged` references. A walk moves from node to node without reference counting: with strong
/// links every step was an atomic retain and release on the node just reached, the very cache line the walk was
/// waiting for (perf attributed half of ZADD's time at `-P 32` to `swift_retain`). Dropping a long list also no
/// longer releases it recursively, node by node.
final class SkipListNode: ManagedBuffer<SkipListNode.Header, SkipListNode.Level> {
    struct Level {
        var forward: NodeRef?
        var span: Int
    }

    /// What a walk reads first comes first: the score, then right after this 24-byte header the levels, so the
    /// score and the low levels of a node usually share a cache line. The member, read only on a score tie, is
    /// stored after the levels (`memberSlots` more tail elements), where a member in the header put the levels
    /// 32 bytes further on, a second cache line for most steps of a walk.
    struct Header {
        var score: Double
        /// The previous node at level 0; removal repairs the successor's backward link before the node goes.
        var backward: NodeRef?
        var levelCount: Int
    }

    /// Tail elements that hold the member after the levels.
    static let memberSlots = (MemoryLayout<Bytes>.stride + MemoryLayout<Level>.stride - 1) / MemoryLayout<Level>.stride

    static func make(level: Int, score: Double, member: Bytes) -> SkipListNode {
        let buffer = SkipListNode.create(minimumCapacity: level + memberSlots) { _ in
            Header(score: score, backward: nil, levelCount: level)
        }
        // Invariant: `create` called on a subclass returns an instance of that subclass.
        let node = unsafeDowncast(buffer, to: SkipListNode.self)
        node.levels.initialize(repeating: Level(forward: nil, span: 0), count: level)
        UnsafeMutableRawPointer(node.levels + level).bindMemory(to: Bytes.self, capacity: 1).initialize(to: member)
        return node
    }

    deinit {
        memberPointer.deinitialize(count: 1)
        _ = withUnsafeMutablePointers { header, elements in elements.deinitialize(count: header.pointee.levelCount) }
    }

    /// The levels, in place. The tail allocation lives as long as the node, and callers hold the node while they
    /// use the pointer, which is what makes returning it from the closure sound.
    @inline(__always) var levels: UnsafeMutablePointer<Level> { withUnsafeMutablePointerToElements { $0 } }
    @inline(__always) var levelCount: Int { header.levelCount }
    /// The member, after the levels (bound to `Bytes` by `make`).
    @inline(__always) var memberPointer: UnsafeMutablePointer<Bytes> {
        UnsafeMutableRawPointer(levels + header.levelCount).assumingMemoryBound(to: Bytes.self)
    }
    @inline(__always) var member: Bytes {
        get { memberPointer.pointee }
        set { memberPointer.pointee = newValue }
    }
    @inline(__always) var score: Double {
        get { header.score }
        set { header.score = newValue }
    }
    /// The next node in order, or nil at the end.
    @inline(__always) var next: SkipListNode? { levels[0].forward?.takeUnretainedValue() }
    /// The previous node in order, or nil at the start.
    @inline(__always) var previous: SkipListNode? { header.backward?.takeUnretainedValue() }
}

/// An unretained node reference, for links and walks.
typealias NodeRef = Unmanaged<SkipListNode>

extension Unmanaged where Instance == SkipListNode {
    @inline(__always) var score: Double { _withUnsafeGuaranteedRef { $0.score } }
    @inline(__always) var levels: UnsafeMutablePointer<SkipListNode.Level> { _withUnsafeGuaranteedRef { $0.levels } }
    @inline(__always) var backward: NodeRef? {
        get { _withUnsafeGuaranteedRef { $0.header.backward } }
        nonmutating set { _withUnsafeGuaranteedRef { $0.header.backward = newValue } }
    }
    /// `memcmp` order of this node's member against `member`.
    @inline(__always) func compareMember(_ member: Bytes) -> Int {
        _withUnsafeGuaranteedRef { Bytes.compare($0.memberPointer.pointee, member) }
    }
    @inline(__always) func isSameNode(_ other: NodeRef) -> Bool { toOpaque() == other.toOpaque() }
}

/// The list does not own its nodes (see `SkipListNode`): whoever inserts a node keeps it alive until it is
/// removed.
struct SkipList {
    static let maxLevel = 32
    /// Valkey's ZSKIPLIST_P: each level is kept with probability 1/4.
    static let branching: UInt64 = 4

    let header = SkipListNode.make(level: SkipList.maxLevel, score: 0, member: .empty)
    var tailRef: NodeRef?
    var level = 1
    var count = 0
    var rng = SplitMix64(seed: UInt64.random(in: .min ... .max))

    var headerRef: NodeRef { NodeRef.passUnretained(header) }
    var tail: SkipListNode? { tailRef?.takeUnretainedValue() }
    var first: SkipListNode? { header.next }

    /// True if (s1, m1) sorts before (s2, m2).
    @inline(__always)
    static func less(_ s1: Double, _ m1: Bytes, _ s2: Double, _ m2: Bytes) -> Bool {
        s1 < s2 || (s1 == s2 && Bytes.compare(m1, m2) < 0)
    }

    /// True if `node` sorts before (score, member). The member is read only on a score tie.
    @inline(__always)
    static func before(_ node: NodeRef, _ score: Double, _ member: Bytes) -> Bool {
        let s = node.score
        if s != score { return s < score }
        return node.compareMember(member) < 0
    }

    /// True if `node` sorts before or at (score, member).
    @inline(__always)
    static func beforeOrAt(_ node: NodeRef, _ score: Double, _ member: Bytes) -> Bool {
        let s = node.score
        if s != score { return s < score }
        return node.compareMember(member) <= 0
    }

    mutating func randomLevel() -> Int {
        var level = 1
        while level < SkipList.maxLevel, rng.next() % SkipList.branching == 0 { level += 1 }
        return level
    }

    /// Inserts a member known to be absent. The caller must keep the returned node alive until it is removed.
    @discardableResult
    mutating func insert(score: Double, member: Bytes) -> SkipListNode {
        let node = SkipListNode.make(level: randomLevel(), score: score, member: member)
        link(NodeRef.passUnretained(node))
        return node
    }

    /// Moves a member to a new score (Valkey's `zslUpdateScore`): in place when its neighbours still bracket the
    /// new score, otherwise unlinked and linked again at its new place, keeping the same node (no allocation, no
    /// index update).
    ///
    /// Finding the old place (to unlink) and the new one (to link) are two walks from the top, each a chain of
    /// cache misses where every step needs the node the previous step loaded. They are independent, so they run
    /// in lockstep, one step of each in turn: the processor then has a miss of each walk in flight at once,
    /// where one walk after the other waits for every miss alone (measured with perf: ZADD of random scores
    /// spent 55% of its time waiting in the two walks).
    mutating func updateScore(_ node: SkipListNode, to newScore: Double) {
        let previous = node.previous
        let next = node.next
        let stillAfterPrevious = previous.map { SkipList.less($0.score, $0.member, newScore, node.member) } ?? true
        let stillBeforeNext = next.map { SkipList.less(newScore, node.member, $0.score, $0.member) } ?? true
        if stillAfterPrevious && stillBeforeNext {
            node.score = newScore
            return
        }
        relocate(NodeRef.passUnretained(node), to: newScore)
    }

    /// Unlinks `node` and links it again at `newScore`'s place, finding both places in one lockstep walk.
    ///
    /// Walk A finds the node's predecessors (what `remove` finds). Walk B finds the predecessors of the new place
    /// in the list *as it will be without the node*: it never stops on the node (it steps over it), and its ranks
    /// leave the node out (one less once B has passed the node's old place).
    private mutating func relocate(_ node: NodeRef, to newScore: Double) {
        let (oldScore, member) = node._withUnsafeGuaranteedRef { ($0.score, $0.member) }
        let header = headerRef
        let nodeLevels = node.levels
        withUnsafeTemporaryAllocation(of: NodeRef.self, capacity: SkipList.maxLevel) { oldPlace in
            withUnsafeTemporaryAllocation(of: NodeRef.self, capacity: SkipList.maxLevel) { newPlace in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: SkipList.maxLevel) { rank in
                    var a = header
                    var b = header
                    var rankB = 0
                    var passedOldPlace = false
                    for i in stride(from: level - 1, through: 0, by: -1) {
                        var aDone = false
                        var bDone = false
                        while !(aDone && bDone) {
                            if !aDone {
                                if let next = a.levels[i].forward, SkipList.before(next, oldScore, member) {
                                    a = next
                                } else {
                                    aDone = true
                                }
                            }
                            if !bDone {
                                if let next = b.levels[i].forward {
                                    if next.isSameNode(node) {
                                        // Step over the node, or stop before it: after the unlink, b's link here
                                        // leads to the node's successor.
                                        if let after = nodeLevels[i].forward, SkipList.before(after, newScore, member) {
                                            rankB += b.levels[i].span + nodeLevels[i].span
                                            b = after
                                            if !passedOldPlace {
                                                passedOldPlace = true
                                                rankB -= 1
                                            }
                                        } else {
                                            bDone = true
                                        }
                                    } else if SkipList.before(next, newScore, member) {
                                        rankB += b.levels[i].span
                                        b = next
                                        if !passedOldPlace, !SkipList.before(next, oldScore, member) {
                                            // A link spanning the node's old place (at a level above the node's).
                                            passedOldPlace = true
                                            rankB -= 1
                                        }
                                    } else {
                                        bDone = true
                                    }
                                } else {
                                    bDone = true
                                }
                            }
                        }
                        oldPlace[i] = a
                        newPlace[i] = b
                        rank[i] = rankB
                    }
                    unlink(node, predecessors: oldPlace)
                    node._withUnsafeGuaranteedRef { $0.score = newScore }
                    link(node, predecessors: newPlace, ranks: rank)
                }
            }
        }
    }

    /// Links a node that is not in the list, at the position its (score, member) calls for.
    ///
    /// The per-level `update`/`rank` scratch arrays live on the stack.
    private mutating func link(_ node: NodeRef) {
        let (score, member) = node._withUnsafeGuaranteedRef { ($0.score, $0.member) }
        let header = headerRef
        withUnsafeTemporaryAllocation(of: NodeRef.self, capacity: SkipList.maxLevel) { update in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: SkipList.maxLevel) { rank in
                var x = header
                for i in stride(from: level - 1, through: 0, by: -1) {
                    rank[i] = i == level - 1 ? 0 : rank[i + 1]
                    while let next = x.levels[i].forward, SkipList.before(next, score, member) {
                        rank[i] += x.levels[i].span
                        x = next
                    }
                    update[i] = x
                }
                link(node, predecessors: update, ranks: rank)
            }
        }
    }

    /// Links `node` after `update[i]` on each level `i` below the list's level, where `rank[i]` is the rank of
    /// `update[i]` (Valkey's `zslInsert` after its walk). Levels the node adds above the list's level get the
    /// header as predecessor.
    private mutating func link(
        _ node: NodeRef, predecessors update: UnsafeMutableBufferPointer<NodeRef>,
        ranks rank: UnsafeMutableBufferPointer<Int>
    ) {
        let header = headerRef
        let newLevel = node._withUnsafeGuaranteedRef { $0.levelCount }
        if newLevel > level {
            for i in level..<newLevel {
                rank[i] = 0
                update[i] = header
                header.levels[i].span = count
            }
            level = newLevel
        }
        let levels = node.levels
        for i in 0..<newLevel {
            let u = update[i].levels
            levels[i].forward = u[i].forward
            u[i].forward = node
            levels[i].span = u[i].span - (rank[0] - rank[i])
            u[i].span = (rank[0] - rank[i]) + 1
        }
        for i in newLevel..<level { update[i].levels[i].span += 1 }
        node.backward = update[0].isSameNode(header) ? nil : update[0]
        if let next = levels[0].forward { next.backward = node } else { tailRef = node }
        count += 1
    }

    /// Removes (score, member); returns whether it was present. The caller still holds the node.
    @discardableResult
    mutating func remove(score: Double, member: Bytes) -> Bool {
        let header = headerRef
        return withUnsafeTemporaryAllocation(of: NodeRef.self, capacity: SkipList.maxLevel) { update in
            var x = header
            for i in stride(from: level - 1, through: 0, by: -1) {
                while let next = x.levels[i].forward, SkipList.before(next, score, member) { x = next }
                update[i] = x
            }
            guard let target = x.levels[0].forward, target.score == score, target.compareMember(member) == 0 else {
                return false
            }
            unlink(target, predecessors: update)
            return true
        }
    }

    /// Unlinks `target`, whose predecessor on each level is `update[i]` (Valkey's `zslDeleteNode`).
    private mutating func unlink(_ target: NodeRef, predecessors update: UnsafeMutableBufferPointer<NodeRef>) {
        let targetLevels = target.levels
        for i in 0..<level {
            let u = update[i].levels
            if let forward = u[i].forward, forward.isSameNode(target) {
                u[i].span += targetLevels[i].span - 1
                u[i].forward = targetLevels[i].forward
            } else {
                u[i].span -= 1
            }
        }
        if let next = targetLevels[0].forward { next.backward = target.backward } else { tailRef = target.backward }
        while level > 1, headerRef.levels[level - 1].forward == nil { level -= 1 }
        count -= 1
    }

    /// The 1-based rank of (score, member), or nil.
    func rank(score: Double, member: Bytes) -> Int? {
        var rank = 0
        let header = headerRef
        var x = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let next = x.levels[i].forward, SkipList.beforeOrAt(next, score, member) {
                rank += x.levels[i].span
                x = next
            }
            if !x.isSameNode(header), x.score == score, x.compareMember(member) == 0 { return rank }
        }
        return nil
    }

    /// The node at 1-based `rank`, or nil.
    func node(atRank rank: Int) -> SkipListNode? {
        guard rank >= 1, rank <= count else { return nil }
        var traversed = 0
        var x = headerRef
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let next = x.levels[i].forward, traversed + x.levels[i].span <= rank {
                traversed += x.levels[i].span
                x = next
            }
            if traversed == rank { return x.takeUnretainedValue() }
        }
        return nil
    }

    /// The first node inside `interval`, or nil.
    func first<I: SkipListInterval>(in interval: I) -> SkipListNode? {
        var x = headerRef
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let next = x.levels[i].forward, !interval.aboveMin(next) { x = next }
        }
        guard let first = x.levels[0].forward, interval.belowMax(first) else { return nil }
        return first.takeUnretainedValue()
    }

    /// The last node inside `interval`, or nil.
    func last<I: SkipListInterval>(in interval: I) -> SkipListNode? {
        let header = headerRef
        var x = header
        for i in stride(from: level - 1, through: 0, by: -1) {
            while let next = x.levels[i].forward, interval.belowMax(next) { x = next }
        }
        guard !x.isSameNode(header), interval.aboveMin(x) else { return nil }
        return x.takeUnretainedValue()
    }
}

/// An interval of the list's order, by score or by member: what range walks and counts need to know.
protocol SkipListInterval {
    /// True if `node` is not below the interval's lower bound.
    func aboveMin(_ node: NodeRef) -> Bool
    /// True if `node` is not above the interval's upper bound.
    func belowMax(_ node: NodeRef) -> Bool
    /// True if nothing can be inside.
    var isEmpty: Bool { get }
}

extension ScoreRange: SkipListInterval {
    func aboveMin(_ node: NodeRef) -> Bool { aboveMin(node.score) }
    func belowMax(_ node: NodeRef) -> Bool { belowMax(node.score) }
}

extension LexRange: SkipListInterval {
    func aboveMin(_ node: NodeRef) -> Bool { node._withUnsafeGuaranteedRef { aboveMin($0.member) } }
    func belowMax(_ node: NodeRef) -> Bool { node._withUnsafeGuaranteedRef { belowMax($0.member) } }
}

/// A score interval with Valkey's `(` exclusive bounds.
public struct ScoreRange: Sendable {
    public var min: Double
    public var max: Double
    public var minExclusive: Bool
    public var maxExclusive: Bool
    public init(min: Double, max: Double, minExclusive: Bool = false, maxExclusive: Bool = false) {
        self.min = min
        self.max = max
        self.minExclusive = minExclusive
        self.maxExclusive = maxExclusive
    }
    @inline(__always) func aboveMin(_ v: Double) -> Bool { minExclusive ? v > min : v >= min }
    @inline(__always) func belowMax(_ v: Double) -> Bool { maxExclusive ? v < max : v <= max }
    /// True if no score can be inside.
    public var isEmpty: Bool { min > max || (min == max && (minExclusive || maxExclusive)) }
}

/// A lexicographic interval: `-`/`+` (unbounded) or `[x` / `(x`.
public struct LexRange: Sendable {
    public enum Bound: Sendable {
        case negativeInfinity, positiveInfinity
        case inclusive(Bytes), exclusive(Bytes)
    }
    public var min: Bound
    public var max: Bound
    public init(min: Bound, max: Bound) {
        self.min = min
        self.max = max
    }
    func aboveMin(_ m: Bytes) -> Bool {
        switch min {
        case .negativeInfinity: return true
        case .positiveInfinity: return false
        case .inclusive(let b): return Bytes.compare(m, b) >= 0
        case .exclusive(let b): return Bytes.compare(m, b) > 0
        }
    }
    func belowMax(_ m: Bytes) -> Bool {
        switch max {
        case .negativeInfinity: return false
        case .positiveInfinity: return true
        case .inclusive(let b): return Bytes.compare(m, b) <= 0
        case .exclusive(let b): return Bytes.compare(m, b) < 0
        }
    }
    /// Valkey's `zslIsInLexRange` emptiness test.
    public var isEmpty: Bool {
        switch (min, max) {
        case (.positiveInfinity, _), (_, .negativeInfinity): return true
        case (.negativeInfinity, _), (_, .positiveInfinity): return false
        case (.inclusive(let a), .inclusive(let b)): return Bytes.compare(a, b) > 0
        case (.inclusive(let a), .exclusive(let b)), (.exclusive(let a), .inclusive(let b)),
            (.exclusive(let a), .exclusive(let b)):
            return Bytes.compare(a, b) >= 0
        }
    }
}
