/// The large encoding of a sorted set (Valkey's `skiplist` encoding): an order-statistic B+tree of
/// (score, member) plus a member → slot hash index, both referring to member records by slot.
///
/// ## The three parts
/// - `records` (`MemberRecords`): score and bytes of each member, at a stable slot. Member bytes are stored
///   once, here.
/// - `index` (`MemberIndex`): member → slot. ZSCORE is a hash probe and a record read.
/// - the tree (`root`, `TreeNode`): a B+tree ordered by (score, member bytes `memcmp`), Valkey's order, where
///   -0 and 0 are equal scores (IEEE comparison) and NaN is never stored. Leaves hold (score, slot) entries;
///   inner nodes hold each child's smallest element and its element count. The counts make rank queries
///   (ZRANK, ZRANGE by rank, counts of score ranges) O(log N): a descent adds up the counts of the children to
///   its left. Every inner key is exactly the smallest element of its child, so a key always names a live
///   slot (a removal that changes a child's minimum updates the key on its way back up).
///
/// Per member, at a million members: the record (32 bytes: 8 of score, 24 of inline member), the leaf entry
/// (12 bytes at 50–100% fill), the index bucket (4 bytes at 44–88% load), and about 0.4 bytes of inner node.
///
/// ## Point-in-time copies
/// `SortedSetObject` holds this class; a copy of the value shares it, and the first write through either copy
/// clones it (`clone()`, O(1): it copies the root reference and two small tables of chunk references). From
/// then on each write copies what it touches and is shared: the nodes on its path (path copying with
/// `isKnownUniquelyReferenced`: O(log N) nodes), one record chunk and one index page. When nothing shares the
/// structure, nothing is ever copied: `copies` counts every copy (the test hook).
final class SortedSetTree {
    /// Height limit of the recursive walks: at 64 entries a node and at least a third of that in every node but
    /// the root, 2^32 elements need fewer than 8 levels.
    static let maxHeight = 16

    @exclusivity(unchecked) var root: TreeNode
    /// Levels below the root (0: the root is a leaf).
    @exclusivity(unchecked) var height = 0
    @exclusivity(unchecked) var records = MemberRecords()
    @exclusivity(unchecked) var index = MemberIndex()
    /// Nodes copied because they were shared.
    private(set) var nodeCopies = 0
    private(set) var leafNodes = 1
    private(set) var innerNodes = 0

    var count: Int { index.count }

    /// Node, chunk and page copies made because a copy of the set shared them (the copy-on-write test hook).
    var copies: Int { nodeCopies + records.copies + index.copies }

    init() {
        root = TreeNode.make(leaf: true, capacity: 8)
    }

    private init(copying other: SortedSetTree) {
        root = other.root
        height = other.height
        records = other.records
        index = other.index
        nodeCopies = other.nodeCopies
        leafNodes = other.leafNodes
        innerNodes = other.innerNodes
    }

    /// A tree sharing everything with this one (O(1)); the first write to either copies what it changes.
    func clone() -> SortedSetTree { SortedSetTree(copying: self) }

    /// Approximate heap bytes (MEMORY USAGE).
    var approximateSize: Int {
        96 + records.capacity * 32 + records.longBytes + index.capacity * 4
            + leafNodes * (48 + 12 * TreeNode.leafCapacity) + innerNodes * (48 + 24 * TreeNode.innerCapacity)
    }

    // MARK: - Order

    /// True if the element (score `es`, member in `eslot`) sorts before (s, m).
    @inline(__always)
    func less(_ es: Double, _ eslot: Int, _ s: Double, _ m: UnsafeRawBufferPointer) -> Bool {
        if es != s { return es < s }
        return records.compareMember(eslot, m) < 0
    }

    /// The entries of `node` with a score below `s`, and those with score `s`.
    ///
    /// A linear scan, not a binary search: its loads do not depend on one another, so the processor has the
    /// cache misses of a node's score lines in flight together, where each step of a binary search waits for
    /// the line the previous step chose (perf: two thirds of ZREVRANK's descent went to those waits).
    @inline(__always)
    func scanScores(_ node: NodeView, _ s: Double) -> (below: Int, equal: Int) {
        let scores = node.scores
        var below = 0
        var equal = 0
        for i in 0..<node.count {
            let v = scores[i]
            below &+= v < s ? 1 : 0
            equal &+= v == s ? 1 : 0
        }
        return (below, equal)
    }

    /// Among the entries `ties` of `node` (all with the key's score), the first whose member is after `m`
    /// (`orEqual`) or not before it. `known` is the slot of `m` when `m` is in the set: that entry compares
    /// equal without reading its member.
    @inline(__always)
    func searchTies(
        _ node: NodeView, _ ties: Range<Int>, _ m: UnsafeRawBufferPointer, known: Int,
        orEqual: Bool
    ) -> Int {
        var lo = ties.lowerBound
        var hi = ties.upperBound
        while lo < hi {
            let mid = (lo &+ hi) &>> 1
            let slot = node.slot(mid)
            let c = slot == known ? 0 : records.compareMember(slot, m)
            if c < 0 || (orEqual && c == 0) { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    /// The first entry of `node` that is not before (s, m).
    @inline(__always)
    func lowerBound(_ node: NodeView, _ s: Double, _ m: UnsafeRawBufferPointer, known: Int = -1) -> Int {
        let (below, equal) = scanScores(node, s)
        if equal == 0 { return below }
        return searchTies(node, below..<(below &+ equal), m, known: known, orEqual: false)
    }

    /// The child of an inner node whose key range holds (s, m): the last child whose key is at or before it
    /// (the first child when (s, m) is before every key).
    @inline(__always)
    func childIndex(_ node: NodeView, _ s: Double, _ m: UnsafeRawBufferPointer, known: Int = -1) -> Int {
        let (below, equal) = scanScores(node, s)
        let atOrBefore = equal == 0 ? below : searchTies(node, below..<(below &+ equal), m, known: known, orEqual: true)
        return atOrBefore > 0 ? atOrBefore &- 1 : 0
    }

    // MARK: - Members

    /// Calls `body` with the member bytes of the live `slot` (valid during the call). Readers go through the
    /// tree rather than through a copy of `records`: copying that struct costs a retain and a release.
    @inline(__always)
    func withMember<R>(_ slot: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R { body(records.member(slot)) }

    /// The score of the live `slot`.
    @inline(__always)
    func score(_ slot: Int) -> Double { records.score(slot) }

    /// The slot of `member`, or nil.
    @inline(__always)
    func find(_ member: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        index.find(member, hash: hash, in: records)
    }

    /// Adds a member that is not in the set; returns its slot.
    @discardableResult
    func insert(_ member: UnsafeRawBufferPointer, hash: UInt64, score: Double) -> Int {
        let slot = records.allocate(member, score: score)
        index.insert(slot, hash: hash, records: records)
        treeInsert(score, slot, member)
        return slot
    }

    /// Removes the member in `slot` (`hash` is its hash).
    func remove(slot: Int, hash: UInt64) {
        let score = records.score(slot)
        records.withMember(slot) { treeRemove(score, slot, $0) }
        index.remove(slot, hash: hash)
        records.free(slot)
    }

    /// Gives the member in `slot` a new score.
    func move(slot: Int, to newScore: Double) {
        let old = records.score(slot)
        records.setScore(slot, newScore)
        records.withMember(slot) { m in
            makeRootUnique()
            if case .removed = remove(from: NodeView(Unmanaged.passUnretained(root)), old, slot, m, moveTo: newScore) {
                collapseRoot()
                treeInsert(newScore, slot, m)
            }
        }
    }

    // MARK: - Reading the order

    /// The 0-based rank of the member in `slot`.
    func rank(slot: Int) -> Int {
        let s = records.score(slot)
        return records.withMember(slot) { m in
            var node = NodeView(Unmanaged.passUnretained(root))
            var r = 0
            while !node.isLeaf {
                let c = childIndex(node, s, m, known: slot)
                r &+= node.countBefore(c)
                node = node.child(c)
            }
            return r &+ lowerBound(node, s, m, known: slot)
        }
    }

    /// The slot at 0-based rank `rank` (0 ≤ rank < count).
    func slot(atRank rank: Int) -> Int {
        var node = NodeView(Unmanaged.passUnretained(root))
        var r = rank
        while !node.isLeaf {
            var i = 0
            while r >= node.subtreeCount(i) {
                r &-= node.subtreeCount(i)
                i &+= 1
            }
            node = node.child(i)
        }
        return node.slot(r)
    }

    /// The number of elements, from the first, for which `holds(score, slot)` is true, where `holds` is true
    /// for a prefix of the order and false after it (a bound of a score range, or of a lex range when all
    /// scores are equal).
    func countPrefix(_ holds: (Double, Int) -> Bool) -> Int {
        var node = NodeView(Unmanaged.passUnretained(root))
        var total = 0
        while true {
            var lo = 0
            var hi = node.count
            while lo < hi {
                let mid = (lo &+ hi) &>> 1
                if holds(node.score(mid), node.slot(mid)) { lo = mid &+ 1 } else { hi = mid }
            }
            if node.isLeaf { return total &+ lo }
            if lo == 0 { return total }
            total &+= node.countBefore(lo &- 1)
            node = node.child(lo &- 1)
        }
    }

    /// Calls `body(member, score)` for the elements of ranks `ranks`, ascending or descending (the member bytes
    /// are valid during the call). The leaf loop reads the member itself: a closure that captured the tree to
    /// read it would have the tree retained and released around every call.
    func forEachMember(ranks: Range<Int>, reverse: Bool, _ body: (UnsafeRawBufferPointer, Double) -> Void) {
        guard !ranks.isEmpty else { return }
        visitMembers(NodeView(Unmanaged.passUnretained(root)), ranks.lowerBound, ranks.upperBound, reverse, body)
    }

    private func visitMembers(
        _ node: NodeView, _ lo: Int, _ hi: Int, _ reverse: Bool,
        _ body: (UnsafeRawBufferPointer, Double) -> Void
    ) {
        if node.isLeaf {
            if reverse {
                var i = hi &- 1
                while i >= lo {
                    body(records.member(node.slot(i)), node.score(i))
                    i &-= 1
                }
            } else {
                var i = lo
                while i < hi {
                    body(records.member(node.slot(i)), node.score(i))
                    i &+= 1
                }
            }
            return
        }
        if reverse {
            var base = node.total
            var i = node.count &- 1
            while i >= 0, base > lo {
                let c = node.subtreeCount(i)
                base &-= c
                let a = Swift.max(lo &- base, 0)
                let b = Swift.min(hi &- base, c)
                if a < b { visitMembers(node.child(i), a, b, true, body) }
                i &-= 1
            }
        } else {
            var base = 0
            var i = 0
            while i < node.count, base < hi {
                let c = node.subtreeCount(i)
                let a = Swift.max(lo &- base, 0)
                let b = Swift.min(hi &- base, c)
                if a < b { visitMembers(node.child(i), a, b, false, body) }
                base &+= c
                i &+= 1
            }
        }
    }

    /// Calls `body(score, slot)` for the elements from rank `start` on, ascending or descending, until it
    /// returns false or the set ends.
    func walk(from start: Int, reverse: Bool, _ body: (Double, Int) -> Bool) {
        guard start >= 0, start < count else { return }
        _ = walk(NodeView(Unmanaged.passUnretained(root)), start, reverse, body)
    }

    /// Walks the subtree from its rank `start`; returns false once `body` has.
    private func walk(_ node: NodeView, _ start: Int, _ reverse: Bool, _ body: (Double, Int) -> Bool) -> Bool {
        if node.isLeaf {
            if reverse {
                var i = start
                while i >= 0 {
                    if !body(node.score(i), node.slot(i)) { return false }
                    i &-= 1
                }
            } else {
                var i = start
                while i < node.count {
                    if !body(node.score(i), node.slot(i)) { return false }
                    i &+= 1
                }
            }
            return true
        }
        var base = 0
        var i = 0
        while start >= base &+ node.subtreeCount(i) {
            base &+= node.subtreeCount(i)
            i &+= 1
        }
        if !walk(node.child(i), start &- base, reverse, body) { return false }
        if reverse {
            i &-= 1
            while i >= 0 {
                if !walk(node.child(i), node.subtreeCount(i) &- 1, true, body) { return false }
                i &-= 1
            }
        } else {
            i &+= 1
            while i < node.count {
                if !walk(node.child(i), 0, false, body) { return false }
                i &+= 1
            }
        }
        return true
    }

    // MARK: - Path copying

    @inline(__always)
    private func makeRootUnique() {
        if !isKnownUniquelyReferenced(&root) {
            root = root.copy()
            nodeCopies += 1
        }
    }

    /// Child `i` of `node` (itself uniquely referenced), first copied if something else shares it.
    @inline(__always)
    private func uniqueChild(_ node: NodeView, _ i: Int) -> NodeView {
        if !isKnownUniquelyReferenced(&node.children[i]) {
            node.children[i] = node.children[i].copy()
            nodeCopies += 1
        }
        return node.child(i)
    }

    // MARK: - Insertion

    private func treeInsert(_ s: Double, _ slot: Int, _ m: UnsafeRawBufferPointer) {
        makeRootUnique()
        var r = NodeView(Unmanaged.passUnretained(root))
        if r.isLeaf, r.count == r.capacity, r.capacity < TreeNode.leafCapacity {
            // The root leaf of a small tree grows before it splits.
            root = root.copy(capacity: Swift.min(r.capacity * 2, TreeNode.leafCapacity))
            r = NodeView(Unmanaged.passUnretained(root))
        }
        guard let right = insert(into: r, s, slot, m) else { return }
        let newRoot = TreeNode.make(leaf: false, capacity: TreeNode.innerCapacity)
        let n = NodeView(Unmanaged.passUnretained(newRoot))
        let rightView = NodeView(Unmanaged.passUnretained(right))
        n.children.initialize(to: root)
        (n.children + 1).initialize(to: right)
        n.setKey(0, r.minKey)
        n.setKey(1, rightView.minKey)
        n.counts[0] = UInt32(r.total)
        n.counts[1] = UInt32(rightView.total)
        n.count = 2
        root = newRoot
        height += 1
        innerNodes += 1
    }

    /// Splits the full `node` before an insertion at `pos`: its tail moves to a new right sibling. Returns the
    /// sibling, a view of it, how many entries `node` kept, and whether the insertion goes into `node` (it goes left
    /// unless the split left no room there: it went past the end).
    private func split(
        _ node: NodeView, insertingAt pos: Int
    )
        -> (right: TreeNode, view: NodeView, keep: Int, left: Bool)
    {
        let right = TreeNode.make(
            leaf: node.isLeaf, capacity: node.isLeaf ? TreeNode.leafCapacity : TreeNode.innerCapacity)
        if node.isLeaf { leafNodes += 1 } else { innerNodes += 1 }
        let r = NodeView(Unmanaged.passUnretained(right))
        let n = node.count
        let keep = SortedSetTree.splitPoint(insertingAt: pos, count: n)
        r.moveEntries(from: node, keep, n - keep, to: 0)
        r.count = n - keep
        node.count = keep
        return (right, r, keep, pos < keep || (pos == keep && keep < n))
    }

    /// Inserts (s, slot) into the subtree `node` (uniquely referenced, not full unless it is a full leaf or inner
    /// node that may split); returns the new right sibling when `node` split.
    private func insert(into node: NodeView, _ s: Double, _ slot: Int, _ m: UnsafeRawBufferPointer) -> TreeNode? {
        if node.isLeaf {
            let pos = lowerBound(node, s, m, known: slot)
            if node.count < node.capacity {
                node.openGap(at: pos)
                node.setKey(pos, (s, UInt32(truncatingIfNeeded: slot)))
                node.count += 1
                return nil
            }
            let (right, r, keep, left) = split(node, insertingAt: pos)
            let target = left ? node : r
            let at = left ? pos : pos - keep
            target.openGap(at: at)
            target.setKey(at, (s, UInt32(truncatingIfNeeded: slot)))
            target.count += 1
            return right
        }
        let c = childIndex(node, s, m, known: slot)
        let child = uniqueChild(node, c)
        guard let split = insert(into: child, s, slot, m) else {
            node.counts[c] &+= 1
            node.setKey(c, child.minKey)
            return nil
        }
        let splitView = NodeView(Unmanaged.passUnretained(split))
        node.counts[c] = UInt32(child.total)
        node.setKey(c, child.minKey)
        let pos = c + 1
        let key = splitView.minKey
        let total = UInt32(splitView.total)
        if node.count < node.capacity {
            insertChild(node, at: pos, split, key: key, count: total)
            return nil
        }
        let (right, r, keep, left) = self.split(node, insertingAt: pos)
        if left {
            insertChild(node, at: pos, split, key: key, count: total)
        } else {
            insertChild(r, at: pos - keep, split, key: key, count: total)
        }
        return right
    }

    /// Where a full node splits when an entry goes in at `pos`: in the middle, except that an entry going past
    /// the end (or before the start) gets a node of its own, so that ascending (or descending) insertions leave
    /// full nodes behind them instead of half-full ones.
    @inline(__always)
    static func splitPoint(insertingAt pos: Int, count n: Int) -> Int {
        if pos == n { return n }
        if pos == 0 { return 0 }
        return n / 2
    }

    private func insertChild(_ node: NodeView, at i: Int, _ child: TreeNode, key: (Double, UInt32), count: UInt32) {
        node.openGap(at: i)
        (node.children + i).initialize(to: child)
        node.setKey(i, key)
        node.counts[i] = count
        node.count += 1
    }

    // MARK: - Removal

    enum RemoveResult {
        /// The element was removed; `underflow` says the node is now below its minimum fill.
        case removed(underflow: Bool)
        /// The element was given its new score in place, in the same leaf (a `move`).
        case movedInPlace
    }

    private static let minLeaf = TreeNode.leafCapacity / 3
    private static let minInner = TreeNode.innerCapacity / 3

    private func treeRemove(_ s: Double, _ slot: Int, _ m: UnsafeRawBufferPointer) {
        makeRootUnique()
        _ = remove(from: NodeView(Unmanaged.passUnretained(root)), s, slot, m, moveTo: nil)
        collapseRoot()
    }

    /// After a removal: a root with one child gives way to it; an emptied inner root becomes an empty leaf.
    private func collapseRoot() {
        while height > 0 {
            let r = NodeView(Unmanaged.passUnretained(root))
            if r.count > 1 { return }
            if r.count == 0 {
                root = TreeNode.make(leaf: true, capacity: 8)
                height = 0
                innerNodes = 0
                leafNodes = 1
                return
            }
            root = r.children[0]
            height -= 1
            innerNodes -= 1
        }
    }

    /// Removes (s, slot) from the subtree `node` (uniquely referenced). With `moveTo`, the element is to get
    /// that score instead: done in place when it stays within its leaf (`movedInPlace`), otherwise removed
    /// (the caller inserts it again).
    private func remove(
        from node: NodeView, _ s: Double, _ slot: Int, _ m: UnsafeRawBufferPointer,
        moveTo newScore: Double?
    ) -> RemoveResult {
        if node.isLeaf {
            let pos = lowerBound(node, s, m, known: slot)
            if let newScore, moveInLeaf(node, from: pos, s, to: newScore, slot, m) { return .movedInPlace }
            node.closeGap(at: pos)
            node.count -= 1
            return .removed(underflow: node.count < SortedSetTree.minLeaf)
        }
        let c = childIndex(node, s, m, known: slot)
        let child = uniqueChild(node, c)
        switch remove(from: child, s, slot, m, moveTo: newScore) {
        case .movedInPlace:
            node.setKey(c, child.minKey)
            return .movedInPlace
        case .removed(let underflow):
            node.counts[c] &-= 1
            if child.count > 0 { node.setKey(c, child.minKey) }
            if underflow { rebalance(node, c) }
            return .removed(underflow: node.count < SortedSetTree.minInner)
        }
    }

    /// Gives the entry at `pos` (score `s`) the score `newScore` inside this leaf, if its new place is still in
    /// the leaf's key range: between two remaining entries of the leaf, or at an end of the leaf that it
    /// already occupied when it moves inward. Otherwise returns false and changes nothing.
    private func moveInLeaf(
        _ node: NodeView, from pos: Int, _ s: Double, to newScore: Double, _ slot: Int,
        _ m: UnsafeRawBufferPointer
    ) -> Bool {
        let n = node.count
        let q = lowerBound(node, newScore, m, known: slot)
        let p = q > pos ? q - 1 : q  // the new place among the other n - 1 entries
        if height > 0 {
            let lowOK = p > 0 || (pos == 0 && newScore >= s)
            let highOK = p < n - 1 || (pos == n - 1 && newScore <= s)
            guard lowOK && highOK else { return false }
        }
        if p > pos {
            UnsafeMutableRawPointer(node.scores + pos).copyMemory(from: node.scores + pos + 1, byteCount: (p - pos) * 8)
            UnsafeMutableRawPointer(node.slots + pos).copyMemory(from: node.slots + pos + 1, byteCount: (p - pos) * 4)
        } else if p < pos {
            UnsafeMutableRawPointer(node.scores + p + 1).copyMemory(from: node.scores + p, byteCount: (pos - p) * 8)
            UnsafeMutableRawPointer(node.slots + p + 1).copyMemory(from: node.slots + p, byteCount: (pos - p) * 4)
        }
        node.setKey(p, (newScore, UInt32(truncatingIfNeeded: slot)))
        return true
    }

    /// Child `c` of `node` fell below its minimum fill: merge it with a neighbour, or even out the two.
    private func rebalance(_ node: NodeView, _ c: Int) {
        if node.count < 2 {
            if node.child(c).count == 0 {
                removeChild(node, at: c)
            }
            return
        }
        let i = c + 1 < node.count ? c : c - 1
        let a = uniqueChild(node, i)
        let b = uniqueChild(node, i + 1)
        if a.count + b.count <= a.capacity {
            a.moveEntries(from: b, 0, b.count, to: a.count)
            a.count += b.count
            b.count = 0
            node.counts[i] &+= node.counts[i + 1]
            removeChild(node, at: i + 1)
            if a.count > 0 { node.setKey(i, a.minKey) }
            return
        }
        let target = (a.count + b.count) / 2
        if a.count < target {
            let k = target - a.count
            a.moveEntries(from: b, 0, k, to: a.count)
            a.count += k
            b.closeGap(at: 0, k)
            b.count -= k
        } else {
            let k = a.count - target
            b.openGap(at: 0, k)
            b.moveEntries(from: a, target, k, to: 0)
            b.count += k
            a.count = target
        }
        let total = Int(node.counts[i]) + Int(node.counts[i + 1])
        let aTotal = a.total
        node.counts[i] = UInt32(aTotal)
        node.counts[i + 1] = UInt32(total - aTotal)
        node.setKey(i, a.minKey)
        node.setKey(i + 1, b.minKey)
    }

    private func removeChild(_ node: NodeView, at i: Int) {
        if node.child(i).isLeaf { leafNodes -= 1 } else { innerNodes -= 1 }
        (node.children + i).deinitialize(count: 1)
        node.closeGap(at: i)
        node.count -= 1
    }
}

// MARK: - Invariants (tests)

extension SortedSetTree {
    /// Every structural invariant, checked the slow way; the problems found (empty when sound). For tests.
    func problems() -> [String] {
        var out: [String] = []
        var leaves = 0
        var inners = 0
        var seen = Set<Int>()
        var previous: (Double, Int)?
        func check(_ node: NodeView, depth: Int, isRoot: Bool) -> Int {
            if node.count == 0 && !isRoot { out.append("empty non-root node at depth \(depth)") }
            if node.count > node.capacity { out.append("node over capacity") }
            if node.isLeaf {
                leaves += 1
                if depth != height { out.append("leaf at depth \(depth), height \(height)") }
                for i in 0..<node.count {
                    let slot = node.slot(i)
                    if !seen.insert(slot).inserted { out.append("slot \(slot) twice") }
                    if records.score(slot).bitPattern != node.score(i).bitPattern {
                        out.append("slot \(slot): record score \(records.score(slot)), leaf \(node.score(i))")
                    }
                    if let (ps, pslot) = previous {
                        let ordered = records.withMember(slot) { less(ps, pslot, node.score(i), $0) }
                        if !ordered { out.append("out of order at slot \(slot)") }
                    }
                    previous = (node.score(i), slot)
                }
                return node.count
            }
            inners += 1
            var total = 0
            for i in 0..<node.count {
                let child = node.child(i)
                let n = check(child, depth: depth + 1, isRoot: false)
                if n != node.subtreeCount(i) { out.append("count \(node.subtreeCount(i)) for a child of \(n)") }
                if child.count > 0,
                    child.minKey.0.bitPattern != node.score(i).bitPattern || child.minKey.1 != node.slots[i]
                {
                    out.append("key \(i) is not the child's minimum")
                }
                total += n
            }
            return total
        }
        let total = check(NodeView(Unmanaged.passUnretained(root)), depth: 0, isRoot: true)
        if total != count { out.append("tree holds \(total), index \(count)") }
        if leaves != leafNodes || inners != innerNodes {
            out.append("node counts \(leafNodes)/\(innerNodes), actual \(leaves)/\(inners)")
        }
        for slot in 0..<records.highWater where records.isLive(slot) {
            if !seen.contains(slot) { out.append("live slot \(slot) not in the tree") }
            let found = records.withMember(slot) { find($0, hash: MemberHash.of($0)) }
            if found != slot { out.append("index finds \(String(describing: found)) for slot \(slot)") }
        }
        return out
    }
}

extension SortedSetObject {
    /// The tree's invariant violations (empty for a packed set or a sound tree). For tests.
    func treeProblems() -> [String] {
        if case .tree(let t) = storage { return t.problems() }
        return []
    }
}
