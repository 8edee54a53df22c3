/// A node of a large sorted set's order tree (see `SortedSetTree`): one allocation holding its entries as
/// parallel arrays.
///
/// ## Layout (tail-allocated after the header, for a node of capacity C)
/// - leaf: `scores[C]` (8 bytes each), then `slots[C]` (4 bytes): 12 bytes an entry. An entry is an element
///   of the set, (score, slot of its member record). Scores sit in the node, so a search compares scores
///   without leaving it; the member is read from its record only on a score tie.
/// - inner: `scores[C]`, `slots[C]`: the smallest element of each child (its key); `counts[C]` (4 bytes): the
///   number of elements under each child; `children[C]`: strong references. 24 bytes a child.
///
/// There are no parent or sibling links: a path-copying write (copy-on-write) replaces every node on its path,
/// and a link to a parent or a sibling would have to be copied too. Walks keep their path on the stack
/// instead (recursion, at most `SortedSetTree.maxHeight` levels).
///
/// Children are stored as strong references in the node's own memory, so `isKnownUniquelyReferenced` sees
/// their real reference counts; reads load them as `Unmanaged` (same bits), which does no reference counting.
final class TreeNode: ManagedBuffer<TreeNode.Header, UInt64> {
    struct Header {
        var count: Int32
        var capacity: Int32
        var isLeaf: Bool
    }

    /// Entries of a full leaf; the root leaf of a small tree starts smaller and doubles up to this.
    static let leafCapacity = 64
    /// Children of an inner node.
    static let innerCapacity = 64

    static func make(leaf: Bool, capacity: Int) -> TreeNode {
        let words = leaf ? (12 * capacity + 7) / 8 : 3 * capacity
        let buffer = TreeNode.create(minimumCapacity: words) { _ in
            Header(count: 0, capacity: Int32(capacity), isLeaf: leaf)
        }
        // Invariant: `create` called on a subclass returns an instance of that subclass.
        let node = unsafeDowncast(buffer, to: TreeNode.self)
        node.withUnsafeMutablePointerToElements { elements in
            let raw = UnsafeMutableRawPointer(elements)
            raw.bindMemory(to: Double.self, capacity: capacity)
            (raw + 8 * capacity).bindMemory(to: UInt32.self, capacity: leaf ? capacity : 2 * capacity)
            if !leaf { (raw + 16 * capacity).bindMemory(to: TreeNode.self, capacity: capacity) }
        }
        return node
    }

    /// A copy of this node (its children are shared, and retained).
    func copy(capacity newCapacity: Int? = nil) -> TreeNode {
        let me = NodeView(Unmanaged.passUnretained(self))
        let other = TreeNode.make(leaf: me.isLeaf, capacity: newCapacity ?? me.capacity)
        let o = NodeView(Unmanaged.passUnretained(other))
        let n = me.count
        o.scores.update(from: me.scores, count: n)
        o.slots.update(from: me.slots, count: n)
        if !me.isLeaf {
            o.counts.update(from: me.counts, count: n)
            o.children.initialize(from: me.children, count: n)
        }
        o.count = n
        return other
    }

    deinit {
        let me = NodeView(Unmanaged.passUnretained(self))
        if !me.isLeaf { me.children.deinitialize(count: me.count) }
    }
}

/// A node's storage through pointers, for walks: creating one does no reference counting, and it is valid while
/// the node is alive (the tree holds it).
struct NodeView {
    let object: Unmanaged<TreeNode>
    let header: UnsafeMutablePointer<TreeNode.Header>
    let base: UnsafeMutableRawPointer

    @inline(__always)
    init(_ object: Unmanaged<TreeNode>) {
        self.object = object
        (header, base) = object._withUnsafeGuaranteedRef { node in
            node.withUnsafeMutablePointers { h, e in (h, UnsafeMutableRawPointer(e)) }
        }
    }

    @inline(__always) var count: Int {
        get { Int(header.pointee.count) }
        nonmutating set { header.pointee.count = Int32(truncatingIfNeeded: newValue) }
    }
    @inline(__always) var capacity: Int { Int(header.pointee.capacity) }
    @inline(__always) var isLeaf: Bool { header.pointee.isLeaf }

    @inline(__always) var scores: UnsafeMutablePointer<Double> { base.assumingMemoryBound(to: Double.self) }
    @inline(__always) var slots: UnsafeMutablePointer<UInt32> {
        (base + 8 &* capacity).assumingMemoryBound(to: UInt32.self)
    }
    @inline(__always) var counts: UnsafeMutablePointer<UInt32> {
        (base + 12 &* capacity).assumingMemoryBound(to: UInt32.self)
    }
    @inline(__always) var children: UnsafeMutablePointer<TreeNode> {
        (base + 16 &* capacity).assumingMemoryBound(to: TreeNode.self)
    }

    @inline(__always) func score(_ i: Int) -> Double { scores[i] }
    @inline(__always) func slot(_ i: Int) -> Int { Int(slots[i]) }
    @inline(__always) func subtreeCount(_ i: Int) -> Int { Int(counts[i]) }

    /// Child `i`, unretained.
    @inline(__always) func child(_ i: Int) -> NodeView {
        NodeView(UnsafeRawPointer(children + i).load(as: Unmanaged<TreeNode>.self))
    }

    /// The number of elements under this node.
    var total: Int {
        if isLeaf { return count }
        var sum = 0
        for i in 0..<count { sum &+= Int(counts[i]) }
        return sum
    }

    /// The elements under children `0..<end`.
    @inline(__always) func countBefore(_ end: Int) -> Int {
        var sum = 0
        var i = 0
        while i < end {
            sum &+= Int(counts[i])
            i &+= 1
        }
        return sum
    }

    /// The node's smallest element (its first key); the node is not empty.
    @inline(__always) var minKey: (Double, UInt32) { (scores[0], slots[0]) }

    @inline(__always) func setKey(_ i: Int, _ key: (Double, UInt32)) {
        scores[i] = key.0
        slots[i] = key.1
    }

    // MARK: - Shifting entries (memmove; children move bitwise, which is a move of ownership)

    /// Opens a gap of `k` entries at `i` (entries `i..<count` move up); the count is not changed.
    func openGap(at i: Int, _ k: Int = 1) {
        let n = count - i
        guard n > 0 else { return }
        UnsafeMutableRawPointer(scores + i + k).copyMemory(from: scores + i, byteCount: n * 8)
        UnsafeMutableRawPointer(slots + i + k).copyMemory(from: slots + i, byteCount: n * 4)
        if !isLeaf {
            UnsafeMutableRawPointer(counts + i + k).copyMemory(from: counts + i, byteCount: n * 4)
            UnsafeMutableRawPointer(children + i + k).copyMemory(from: children + i, byteCount: n * 8)
        }
    }

    /// Closes the gap of `k` entries at `i` (entries `i+k..<count` move down); the count is not changed.
    func closeGap(at i: Int, _ k: Int = 1) {
        let n = count - i - k
        guard n > 0 else { return }
        UnsafeMutableRawPointer(scores + i).copyMemory(from: scores + i + k, byteCount: n * 8)
        UnsafeMutableRawPointer(slots + i).copyMemory(from: slots + i + k, byteCount: n * 4)
        if !isLeaf {
            UnsafeMutableRawPointer(counts + i).copyMemory(from: counts + i + k, byteCount: n * 4)
            UnsafeMutableRawPointer(children + i).copyMemory(from: children + i + k, byteCount: n * 8)
        }
    }

    /// Moves entries `from..<from+k` of `source` to `at..<at+k` here (the gap must be open; counts unchanged).
    func moveEntries(from source: NodeView, _ from: Int, _ k: Int, to at: Int) {
        guard k > 0 else { return }
        UnsafeMutableRawPointer(scores + at).copyMemory(from: source.scores + from, byteCount: k * 8)
        UnsafeMutableRawPointer(slots + at).copyMemory(from: source.slots + from, byteCount: k * 4)
        if !isLeaf {
            UnsafeMutableRawPointer(counts + at).copyMemory(from: source.counts + from, byteCount: k * 4)
            UnsafeMutableRawPointer(children + at).copyMemory(from: source.children + from, byteCount: k * 8)
        }
    }
}
