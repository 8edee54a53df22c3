import DequeModule

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `list-max-listpack-size` (Valkey's `fill`) and `list-compress-depth`, as the keyspace applies them.
///
/// A negative fill limits a node by bytes (-1: 4 KB, -2: 8 KB, -3: 16 KB, -4: 32 KB, -5 and below: 64 KB); a
/// positive one by entries (and then by 8 KB as a safety limit, as in Valkey). The compress depth is accepted
/// and reported but not acted on: nodes are never compressed.
public struct ListLimits: Sendable {
    public var fill: Int
    public var compressDepth: Int

    public init(fill: Int = -2, compressDepth: Int = 0) {
        self.fill = fill
        self.compressDepth = compressDepth
    }

    /// Valkey's `SIZE_SAFETY_LIMIT`: the largest multi-element node when the fill counts entries.
    static let safetyLimit = 8192

    /// The byte limit of a node (nil when the fill counts entries).
    var sizeLimit: Int? {
        guard fill < 0 else { return nil }
        let levels = [4096, 8192, 16384, 32768, 65536]
        return levels[min(-fill - 1, levels.count - 1)]
    }

    /// The entry limit of a node (nil when the fill counts bytes).
    var countLimit: Int? { fill >= 0 ? max(fill, 1) : nil }

    /// Valkey's `quicklistNodeExceedsLimit`: would a node (or a listpack) of `size` listpack bytes holding
    /// `count` entries be over the limit?
    func exceeds(size: Int, count: Int) -> Bool {
        if let limit = sizeLimit { return size > limit }
        if size > ListLimits.safetyLimit { return true }
        return count > countLimit!
    }

    /// Valkey's `isLargeElement`: an element of `size` bytes gets a node of its own.
    func isLarge(_ size: Int) -> Bool {
        if let limit = sizeLimit { return size > limit }
        return size > ListLimits.safetyLimit
    }

    /// The most bytes a node's buffer is given ahead of need (a full node never carries more spare capacity).
    var nodeCapacity: Int { (sizeLimit ?? ListLimits.safetyLimit) - Listpack.overhead }
}

/// One node of a list: up to a limit of packed entries (`Listpack`), or one large element alone (`plain`, as
/// Valkey's plain nodes). A value: copying a node shares its buffer until one side changes.
@usableFromInline struct ListNode {
    @usableFromInline var bytes: [UInt8]
    @usableFromInline var count: Int32
    @usableFromInline var plain: Bool

    @usableFromInline init() {
        bytes = []
        count = 0
        plain = false
    }

    /// The size Valkey's listpack holding these entries would have (its header and terminator included).
    var listpackSize: Int { bytes.count + Listpack.overhead }

    /// Makes room for `extra` more bytes, growing geometrically but never beyond `cap` ahead of need, so a full
    /// node carries no more than its limit.
    mutating func reserve(_ extra: Int, cap: Int) {
        let needed = bytes.count + extra
        guard needed > bytes.capacity else { return }
        bytes.reserveCapacity(Swift.max(needed, Swift.min(bytes.capacity * 2, cap)))
    }

    /// Inserts one encoded element at byte `offset`.
    mutating func insert(_ e: Listpack.Encoded, at offset: Int, cap: Int) {
        let size = Listpack.entrySize(e)
        reserve(size, cap: cap)
        let old = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: size))
        bytes.withUnsafeMutableBytes { b in
            let base = b.baseAddress!
            if old > offset { memmove(base + offset + size, base + offset, old - offset) }
            _ = Listpack.write(e, at: base + offset)
        }
        count += 1
    }

    /// Removes the entries in the byte range `range`, which hold `entries` elements.
    mutating func remove(_ range: Range<Int>, entries: Int) {
        if range.count == bytes.count {
            bytes = []
        } else {
            bytes.removeSubrange(range)
            // Give memory back when most of a large buffer is unused (after LTRIM or many pops).
            if bytes.capacity > 512, bytes.capacity > 4 * bytes.count { bytes = Array(bytes) }
        }
        count -= Int32(entries)
    }

    /// Byte offset of entry `index` (0-based), walking from the nearer end.
    func offset(of index: Int) -> Int {
        bytes.withUnsafeBytes { b in
            if index <= Int(count) / 2 {
                var i = 0
                for _ in 0..<index { i = Listpack.next(b, i) }
                return i
            }
            var i = b.count
            for _ in 0..<(Int(count) - index) { i = Listpack.previous(b, before: i) }
            return i
        }
    }

    /// The node split at byte `offset` into the entries before it and from it on; `before` entries precede.
    func split(at offset: Int, before: Int) -> (ListNode, ListNode) {
        var left = ListNode()
        left.bytes = Array(bytes[0..<offset])
        left.count = Int32(before)
        var right = ListNode()
        right.bytes = Array(bytes[offset...])
        right.count = count - Int32(before)
        return (left, right)
    }
}

/// A list value (`RPUSH recent:games 42`): Valkey's quicklist of listpacks.
///
/// ## Structure
/// - **listpack encoding**: a small list is one node held inline (`.single`): one heap block per list.
/// - **quicklist encoding**: past `list-max-listpack-size` the list becomes a deque of nodes (`.nodes`), each a
///   packed buffer of up to the limit; a push at either end touches only the end node, or opens a new one, so
///   pushes and pops are O(1) at both ends (plus a move of at most one node's bytes, as Valkey's listpack
///   insertion). A read at an index walks node counts, then at most half a node.
/// - **Conversions** follow Valkey (`listTypeTryConversion`): before elements are added the list converts when
///   the listpack would exceed the limit; after elements are removed, a quicklist of one packed node converts
///   back when it is within half the limit. `OBJECT ENCODING` therefore answers as Valkey would.
///
/// ## A value
/// `ListObject` is a struct; its nodes are values and the deque is copy-on-write. A copy (a point-in-time view
/// for AOF rewrite) costs one reference; a later write to the live list copies the deque's array of node
/// references (16 bytes a node) and the one node it changes, never the elements of the others. Commands change
/// a list in place through `Database.withObject(slot:)`, where its buffers stay uniquely referenced.
public struct ListObject {
    @usableFromInline enum Storage {
        case single(ListNode)
        case nodes(Deque<ListNode>)
    }

    @usableFromInline var storage: Storage
    /// Elements in the list.
    public private(set) var count: Int

    public init() {
        storage = .single(ListNode())
        count = 0
    }

    /// `OBJECT ENCODING`.
    public var encodingName: String {
        if case .single = storage { return "listpack" }
        return "quicklist"
    }

    public var isEmpty: Bool { count == 0 }

    // MARK: - Node access

    var nodeCount: Int {
        switch storage {
        case .single: return 1
        case .nodes(let d): return d.count
        }
    }

    func node(_ i: Int) -> ListNode {
        switch storage {
        case .single(let n): return n
        case .nodes(let d): return d[i]
        }
    }

    /// Changes node `i` in place (its buffer stays uniquely referenced).
    ///
    /// (`if case` / `guard case` statements, not a `switch storage`: a switch keeps its subject alive for its whole
    /// body, so the bound payload had a second reference and every change copied the whole deque — O(nodes) per
    /// push or pop.)
    mutating func modifyNode<R>(_ i: Int, _ body: (inout ListNode) -> R) -> R {
        if case .single(var n) = storage {
            storage = .single(ListNode())
            defer { storage = .single(n) }
            return body(&n)
        }
        guard case .nodes(var d) = storage else { preconditionFailure("storage is single or nodes") }
        storage = .single(ListNode())
        defer { storage = .nodes(d) }
        return body(&d[i])
    }

    /// Changes the deque in place (quicklist encoding only).
    @discardableResult
    mutating func modifyNodes<R>(_ body: (inout Deque<ListNode>) -> R) -> R {
        guard case .nodes(var d) = storage else { preconditionFailure("list is not a quicklist") }
        storage = .single(ListNode())
        defer { storage = .nodes(d) }
        return body(&d)
    }

    /// The node holding element `index` (0 ≤ index < count) and the element's position in it.
    func locate(_ index: Int) -> (node: Int, inNode: Int) {
        switch storage {
        case .single: return (0, index)
        case .nodes(let d):
            if index < count / 2 {
                var i = index
                var n = 0
                while i >= Int(d[n].count) {
                    i -= Int(d[n].count)
                    n += 1
                }
                return (n, i)
            }
            var fromEnd = count - 1 - index
            var n = d.count - 1
            while fromEnd >= Int(d[n].count) {
                fromEnd -= Int(d[n].count)
                n -= 1
            }
            return (n, Int(d[n].count) - 1 - fromEnd)
        }
    }

    // MARK: - Conversions

    /// Valkey's `listTypeTryConversionAppend`: before adding `addCount` elements of `addBytes` bytes in all, a
    /// listpack that would exceed the limit becomes a quicklist (its one node the first node).
    public mutating func prepareToGrow(addBytes: Int, addCount: Int, limits: ListLimits) {
        guard case .single(let n) = storage else { return }
        if limits.exceeds(size: n.listpackSize + addBytes, count: count + addCount) {
            storage = .single(ListNode())
            storage = .nodes(n.count > 0 ? [n] : [])
        }
    }

    /// Valkey's shrinking conversion: a quicklist of one packed node within half the limit becomes a listpack
    /// (half the entry count for a positive fill, whatever the node's bytes: Valkey applies no safety limit here).
    public mutating func shrinkIfSmall(limits: ListLimits) {
        guard case .nodes(let d) = storage, d.count == 1, !d[0].plain else { return }
        let n = d[0]
        if let limit = limits.sizeLimit, n.listpackSize > limit / 2 { return }
        if let limit = limits.countLimit, count > limit / 2 { return }
        storage = .single(n)
    }

    // MARK: - Push and pop

    /// Adds an element at the head (`front`) or tail. Call `prepareToGrow` for the batch first.
    public mutating func push(_ raw: UnsafeRawBufferPointer, front: Bool, limits: ListLimits) {
        let e = Listpack.classify(raw)
        count += 1
        if case .single = storage {
            modifyNode(0) { n in n.insert(e, at: front ? 0 : n.bytes.count, cap: limits.nodeCapacity) }
            return
        }
        let size = raw.count
        modifyNodes { d in
            if limits.isLarge(size) {
                var node = ListNode()
                node.plain = true
                node.insert(e, at: 0, cap: 0)
                if front { d.prepend(node) } else { d.append(node) }
                return
            }
            let end = front ? 0 : d.count - 1
            if !d.isEmpty, Self.allowsInsert(d[end], size, limits) {
                d[end].insert(e, at: front ? 0 : d[end].bytes.count, cap: limits.nodeCapacity)
                return
            }
            var node = ListNode()
            node.insert(e, at: 0, cap: limits.nodeCapacity)
            if front { d.prepend(node) } else { d.append(node) }
        }
    }

    /// Valkey's `_quicklistNodeAllowInsert`: room for one more element of `size` bytes (estimated generously).
    static func allowsInsert(_ n: ListNode, _ size: Int, _ limits: ListLimits) -> Bool {
        if n.plain || limits.isLarge(size) { return false }
        return !limits.exceeds(size: n.listpackSize + size + 8, count: Int(n.count) + 1)
    }

    /// Removes `n` elements from the head or the tail (n ≤ count).
    public mutating func removeEnds(_ n: Int, front: Bool) {
        guard n > 0 else { return }
        var left = n
        while left > 0 {
            let index = front ? 0 : nodeCount - 1
            let nodeEntries = Int(node(index).count)
            if left >= nodeEntries, case .nodes = storage {
                modifyNodes { d in if front { _ = d.removeFirst() } else { _ = d.removeLast() } }
                left -= nodeEntries
                count -= nodeEntries
                continue
            }
            let take = Swift.min(left, nodeEntries)
            modifyNode(index) { node in
                let range: Range<Int>
                if front {
                    let end = node.offset(of: take)
                    range = 0..<end
                } else {
                    let start = node.offset(of: Int(node.count) - take)
                    range = start..<node.bytes.count
                }
                node.remove(range, entries: take)
            }
            left -= take
            count -= take
        }
    }

    /// Removes and returns the head or tail element.
    public mutating func pop(front: Bool) -> Bytes? {
        guard count > 0 else { return nil }
        let value = element(at: front ? 0 : count - 1) { Bytes(raw: $0) }
        removeEnds(1, front: front)
        return value
    }

    // MARK: - Reading

    /// Calls `body` with element `index` (0-based; nil when out of range).
    public func element<R>(at index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard index >= 0, index < count else { return nil }
        let (n, i) = locate(index)
        let node = node(n)
        let offset = node.offset(of: i)
        return node.bytes.withUnsafeBytes { Listpack.withElement($0, offset, body) }
    }

    /// Visits elements from `start` (0-based, valid) towards the tail, or towards the head when `reverse`, until
    /// `body` returns false or the list ends. `body` gets the element's index, the node's bytes and the
    /// element's offset in them.
    func visit(
        from start: Int, reverse: Bool,
        _ body: (Int, UnsafeRawBufferPointer, Int) -> Bool
    ) {
        guard start >= 0, start < count else { return }
        var (n, i) = locate(start)
        var index = start
        var offset = node(n).offset(of: i)
        while true {
            let node = node(n)
            let keepGoing = node.bytes.withUnsafeBytes { b -> Bool in
                if reverse {
                    while true {
                        if !body(index, b, offset) { return false }
                        index -= 1
                        if i == 0 { return true }
                        i -= 1
                        offset = Listpack.previous(b, before: offset)
                    }
                } else {
                    while true {
                        if !body(index, b, offset) { return false }
                        index += 1
                        i += 1
                        if i == Int(node.count) { return true }
                        offset = Listpack.next(b, offset)
                    }
                }
            }
            if !keepGoing { return }
            if reverse {
                if n == 0 { return }
                n -= 1
                let previous = self.node(n)
                i = Int(previous.count) - 1
                offset = previous.bytes.withUnsafeBytes { Listpack.previous($0, before: $0.count) }
            } else {
                n += 1
                if n == nodeCount { return }
                i = 0
                offset = 0
            }
        }
    }

    /// Calls `body` with `n` elements from `start` (0-based, valid) towards the tail, or towards the head.
    public func forEach(from start: Int, count n: Int, reverse: Bool, _ body: (UnsafeRawBufferPointer) -> Void) {
        var left = n
        guard left > 0 else { return }
        visit(from: start, reverse: reverse) { _, b, offset in
            Listpack.withElement(b, offset, body)
            left -= 1
            return left > 0
        }
    }

    /// Every element, head to tail, as `Bytes` (SORT, COPY checks, tests).
    public var elements: [Bytes] {
        var out: [Bytes] = []
        out.reserveCapacity(count)
        forEach(from: 0, count: count, reverse: false) { out.append(Bytes(raw: $0)) }
        return out
    }

    /// LPOS: indexes of matches of `raw`, skipping the first `rank - 1` matches (from the tail when `fromTail`),
    /// at most `limit` of them (0: all), looking at no more than `maxlen` elements (0: all).
    public func positions(of raw: UnsafeRawBufferPointer, rank: Int, limit: Int, maxlen: Int, fromTail: Bool) -> [Int] {
        let probe = Listpack.Probe(raw)
        var found: [Int] = []
        var matches = 0
        var looked = 0
        visit(from: fromTail ? count - 1 : 0, reverse: fromTail) { index, b, offset in
            if maxlen > 0, looked >= maxlen { return false }
            looked += 1
            if Listpack.equals(b, offset, probe) {
                matches += 1
                if matches >= rank {
                    found.append(index)
                    if limit > 0, found.count >= limit { return false }
                }
            }
            return true
        }
        return found
    }

    // MARK: - Changes in the middle

    /// A plain node holding one large element.
    static func plainNode(_ e: Listpack.Encoded) -> ListNode {
        var node = ListNode()
        node.plain = true
        node.insert(e, at: 0, cap: 0)
        return node
    }

    /// A packed node holding one element.
    static func packedNode(_ e: Listpack.Encoded, limits: ListLimits) -> ListNode {
        var node = ListNode()
        node.insert(e, at: 0, cap: limits.nodeCapacity)
        return node
    }

    /// LSET: replaces element `index` (valid). Call `prepareToGrow(addBytes: raw.count, addCount: 1)` first and
    /// `shrinkIfSmall` after, as Valkey does. Node handling follows Valkey's `quicklistReplaceEntry`: a packed
    /// node takes the new element in place; a large element gets a plain node of its own, the node it replaces
    /// an element of being split there; a plain node given a small element becomes a packed node.
    public mutating func set(at index: Int, _ raw: UnsafeRawBufferPointer, limits: ListLimits) {
        let (n, i) = locate(index)
        let e = Listpack.classify(raw)
        let large = limits.isLarge(raw.count)
        let old = node(n)
        if case .single = storage {
            modifyNode(0) { Self.replace(&$0, entry: i, with: e, cap: limits.nodeCapacity) }
            return
        }
        if !old.plain && !large {
            modifyNode(n) { Self.replace(&$0, entry: i, with: e, cap: limits.nodeCapacity) }
            return
        }
        if old.plain {
            if large {
                modifyNodes { d in d[n] = Self.plainNode(e) }
            } else if n + 1 < nodeCount, Self.allowsInsert(node(n + 1), raw.count, limits) {
                // Valkey inserts after the plain node (the next node's head, when it has room), then drops it.
                modifyNodes { d in
                    d[n + 1].insert(e, at: 0, cap: limits.nodeCapacity)
                    d.remove(at: n)
                }
            } else {
                modifyNodes { d in d[n] = Self.packedNode(e, limits: limits) }
            }
            return
        }
        // A packed node and a large element: [node up to the entry] [plain] [the rest], then the replaced entry
        // (the last of the first part) goes.
        let start = old.offset(of: i)
        let end = old.bytes.withUnsafeBytes { Listpack.next($0, start) }
        var left = ListNode()
        left.bytes = Array(old.bytes[0..<start])
        left.count = Int32(i)
        var right = ListNode()
        right.bytes = Array(old.bytes[end...])
        right.count = old.count - Int32(i) - 1
        modifyNodes { d in
            var at = n
            d.remove(at: n)
            if left.count > 0 {
                d.insert(left, at: at)
                at += 1
            }
            let plain = at
            d.insert(Self.plainNode(e), at: at)
            at += 1
            if right.count > 0 { d.insert(right, at: at) }
            if left.count > 0 { Self.mergeAround(&d, plain, limits: limits) }
        }
    }

    /// Replaces entry `i` of a node with `e`, in place.
    static func replace(_ node: inout ListNode, entry i: Int, with e: Listpack.Encoded, cap: Int) {
        let start = node.offset(of: i)
        let end = node.bytes.withUnsafeBytes { Listpack.next($0, start) }
        node.remove(start..<end, entries: 1)
        node.insert(e, at: start, cap: cap)
    }

    /// LINSERT: inserts `raw` before or after the first element equal to `pivot`. Returns false when the pivot
    /// is not in the list. Call `prepareToGrow` first.
    ///
    /// In a quicklist, where the element goes follows Valkey's `_quicklistInsert`: into the pivot's node while it
    /// has room; else at the head of the next node (or the tail of the previous one) when the pivot is at the
    /// node's edge and that node has room, else into a new node there; else the node is split at the pivot and
    /// the neighbours merged where they fit. A large element gets a plain node of its own.
    public mutating func insert(
        _ raw: UnsafeRawBufferPointer, pivot: UnsafeRawBufferPointer, after: Bool,
        limits: ListLimits
    ) -> Bool {
        let probe = Listpack.Probe(pivot)
        var target: Int?
        visit(from: 0, reverse: false) { index, b, offset in
            if Listpack.equals(b, offset, probe) {
                target = index
                return false
            }
            return true
        }
        guard let pivotIndex = target else { return false }
        let (n, i) = locate(pivotIndex)
        let e = Listpack.classify(raw)
        count += 1
        let node = node(n)
        let pivotOffset = node.offset(of: i)
        let pivotEnd = node.bytes.withUnsafeBytes { Listpack.next($0, pivotOffset) }
        if case .single = storage {
            modifyNode(0) { $0.insert(e, at: after ? pivotEnd : pivotOffset, cap: limits.nodeCapacity) }
            return true
        }
        let size = raw.count
        let full = !Self.allowsInsert(node, size, limits)
        let atTail = after && i == Int(node.count) - 1
        let atHead = !after && i == 0
        let nodes = nodeCount
        let availableNext = atTail && n + 1 < nodes && Self.allowsInsert(self.node(n + 1), size, limits)
        let availablePrevious = atHead && n > 0 && Self.allowsInsert(self.node(n - 1), size, limits)
        if limits.isLarge(size) {
            if node.plain || atTail || atHead {
                modifyNodes { $0.insert(Self.plainNode(e), at: after ? n + 1 : n) }
            } else {
                let cut = after ? pivotEnd : pivotOffset
                let (left, right) = node.split(at: cut, before: after ? i + 1 : i)
                modifyNodes { d in
                    d[n] = left
                    d.insert(Self.plainNode(e), at: n + 1)
                    d.insert(right, at: n + 2)
                }
            }
            return true
        }
        if !full {
            modifyNode(n) { $0.insert(e, at: after ? pivotEnd : pivotOffset, cap: limits.nodeCapacity) }
        } else if atTail && availableNext {
            modifyNode(n + 1) { $0.insert(e, at: 0, cap: limits.nodeCapacity) }
        } else if atHead && availablePrevious {
            modifyNode(n - 1) { $0.insert(e, at: $0.bytes.count, cap: limits.nodeCapacity) }
        } else if atTail || atHead {
            modifyNodes { $0.insert(Self.packedNode(e, limits: limits), at: after ? n + 1 : n) }
        } else {
            // Split at the pivot: after, the pivot's node keeps up to the pivot and the new node (the rest) gets
            // the element at its head; before, the node keeps from the pivot on and the new node (what preceded)
            // gets it at its tail.
            let cut = after ? pivotEnd : pivotOffset
            var (left, right) = node.split(at: cut, before: after ? i + 1 : i)
            if after {
                right.insert(e, at: 0, cap: limits.nodeCapacity)
            } else {
                left.insert(e, at: left.bytes.count, cap: limits.nodeCapacity)
            }
            modifyNodes { d in
                d[n] = left
                d.insert(right, at: n + 1)
                // Valkey merges around the pivot's node: the right part after, the left part before.
                Self.mergeAround(&d, after ? n : n + 1, limits: limits)
            }
        }
        return true
    }

    /// Valkey's `_quicklistNodeAllowMerge`: two packed nodes whose entries fit one node.
    static func allowsMerge(_ a: ListNode, _ b: ListNode, _ limits: ListLimits) -> Bool {
        if a.plain || b.plain { return false }
        return !limits.exceeds(size: a.listpackSize + b.listpackSize - Listpack.overhead, count: Int(a.count + b.count))
    }

    /// Merges node `i + 1` into node `i`.
    static func merge(_ d: inout Deque<ListNode>, _ i: Int) {
        let next = d.remove(at: i + 1)
        d[i].bytes.append(contentsOf: next.bytes)
        d[i].count += next.count
    }

    /// Valkey's `_quicklistMergeNodes` around node `center`: the two nodes before it, the two after it, then the
    /// center with its previous node, then the result with its next node, each where they fit one node.
    static func mergeAround(_ d: inout Deque<ListNode>, _ center: Int, limits: ListLimits) {
        var center = center
        if center >= 2, allowsMerge(d[center - 1], d[center - 2], limits) {
            merge(&d, center - 2)
            center -= 1
        }
        if center + 2 < d.count, allowsMerge(d[center + 1], d[center + 2], limits) {
            merge(&d, center + 1)
        }
        var target = center
        if center >= 1, allowsMerge(d[center], d[center - 1], limits) {
            merge(&d, center - 1)
            target = center - 1
        }
        if target + 1 < d.count, allowsMerge(d[target], d[target + 1], limits) {
            merge(&d, target)
        }
    }

    /// LREM: removes up to `limit` elements equal to `raw` (0: all), scanning from the tail when `fromTail`.
    /// Returns how many were removed.
    public mutating func remove(_ raw: UnsafeRawBufferPointer, limit: Int, fromTail: Bool) -> Int {
        let probe = Listpack.Probe(raw)
        var removed = 0
        var n = fromTail ? nodeCount - 1 : 0
        while n >= 0, n < nodeCount, limit == 0 || removed < limit {
            // The byte ranges of the matching entries of this node, in scan order.
            var ranges: [Range<Int>] = []
            let node = node(n)
            node.bytes.withUnsafeBytes { b in
                if fromTail {
                    var end = b.count
                    while end > 0, limit == 0 || removed + ranges.count < limit {
                        let start = Listpack.previous(b, before: end)
                        if Listpack.equals(b, start, probe) { ranges.append(start..<end) }
                        end = start
                    }
                } else {
                    var start = 0
                    while start < b.count, limit == 0 || removed + ranges.count < limit {
                        let end = Listpack.next(b, start)
                        if Listpack.equals(b, start, probe) { ranges.append(start..<end) }
                        start = end
                    }
                }
            }
            if ranges.isEmpty {
                n += fromTail ? -1 : 1
                continue
            }
            removed += ranges.count
            count -= ranges.count
            if ranges.count == Int(node.count), case .nodes = storage {
                modifyNodes { _ = $0.remove(at: n) }
                if !fromTail { continue }  // the next node moved into position n
                n -= 1
                continue
            }
            if fromTail { ranges.reverse() }
            modifyNode(n) { node in
                // Rebuild the node without the matches, in one pass.
                var kept: [UInt8] = []
                kept.reserveCapacity(node.bytes.count)
                var position = 0
                for r in ranges {
                    kept.append(contentsOf: node.bytes[position..<r.lowerBound])
                    position = r.upperBound
                }
                kept.append(contentsOf: node.bytes[position...])
                node.bytes = kept
                node.count -= Int32(ranges.count)
            }
            n += fromTail ? -1 : 1
        }
        return removed
    }

    /// Removes `n` elements starting at `start` (0-based, the range within the list).
    public mutating func removeRange(start: Int, count n: Int) {
        guard n > 0 else { return }
        if start == 0 {
            removeEnds(n, front: true)
            return
        }
        if start + n == count {
            removeEnds(n, front: false)
            return
        }
        var left = n
        var (node, i) = locate(start)
        while left > 0 {
            let entries = Int(self.node(node).count)
            let take = Swift.min(left, entries - i)
            if take == entries, case .nodes = storage {
                modifyNodes { _ = $0.remove(at: node) }
            } else {
                modifyNode(node) { nd in
                    let from = nd.offset(of: i)
                    let to = i + take == entries ? nd.bytes.count : nd.offset(of: i + take)
                    nd.remove(from..<to, entries: take)
                }
                node += 1
            }
            left -= take
            count -= take
            i = 0
        }
    }

    // MARK: - Memory

    /// Approximate heap memory in bytes (MEMORY USAGE): each node's buffer (a 32-byte array header plus its
    /// capacity, rounded to 16) and, for a quicklist, the deque's 16 bytes a node.
    public var approximateSize: Int {
        func nodeSize(_ n: ListNode) -> Int { n.bytes.capacity == 0 ? 0 : (32 + n.bytes.capacity + 15) & ~15 }
        switch storage {
        case .single(let n): return nodeSize(n)
        case .nodes(let d):
            var total = 48 + d.count * 16
            for n in d { total += nodeSize(n) }
            return total
        }
    }
}
