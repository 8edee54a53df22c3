/// A sorted set value (`ZADD leaderboard:global 1200 player:7`).
///
/// ## Structure (Valkey's dict + skiplist)
/// - `index` maps member → skiplist node (which holds the score): ZSCORE, ZMSCORE and membership in O(1). The
///   index owns the nodes; the list's links do not.
/// - `list` orders (score, member) with spans: ZRANK in O(log N), ranges in O(log N + M).
///
/// ## Encoding name
/// Valkey keeps small sorted sets in a listpack and reports `listpack` until the set exceeds
/// `zset-max-listpack-entries` members or a member longer than `zset-max-listpack-value`; then `skiplist`, for
/// good. Podium always uses the skiplist (the behaviour is identical) and tracks which name Valkey would give.
public final class SortedSetObject {
    var index = MemberIndex()
    var list = SkipList()
    var converted = false
    /// The snapshot epoch this object belongs to (`Keyspace.snapshotEpoch`): a write while a newer view is alive
    /// copies it first (`Database.lookupWrite`).
    public var epoch: UInt64 = 0

    public init() {}

    public var count: Int { index.count }
    public var encodingName: String { converted ? "skiplist" : "listpack" }

    public func score(_ member: Bytes) -> Double? { index.node(member)?.score }

    /// Inserts or moves a member. Returns true if it was new.
    @discardableResult
    public func set(_ member: Bytes, _ score: Double, limits: ListpackLimits) -> Bool {
        if let found = find(member) {
            move(found, to: score)
            return false
        }
        insertAbsent(member, score, limits: limits)
        return true
    }

    /// A member found by `find`, for a read-then-write with one index lookup (ZADD, ZINCRBY). Valid until the
    /// set changes otherwise.
    public struct Member {
        fileprivate let node: SkipListNode
        public var score: Double { node.score }
    }

    /// The member's handle, or nil.
    public func find(_ member: Bytes) -> Member? { index.node(member).map { Member(node: $0) } }

    /// Moves a member found by `find` to a new score.
    public func move(_ member: Member, to score: Double) {
        let score = stored(score)
        let old = member.node.score
        if old != score || (old == 0 && score == 0 && old.sign != score.sign) {
            list.updateScore(member.node, to: score)
        }
    }

    /// Adds a member that `find` did not find.
    public func insertAbsent(_ member: Bytes, _ score: Double, limits: ListpackLimits) {
        // Valkey converts before the insert that would not fit, so that member's score is kept as given.
        if !converted, index.count + 1 > limits.maxListpackEntries || member.count > limits.maxListpackValue {
            converted = true
        }
        index.insert(list.insert(score: stored(score), member: member))
    }

    /// Valkey's `zsetConvert(..., OBJ_ENCODING_SKIPLIST)`, which SORT does to any sorted set it reads: from
    /// then on OBJECT ENCODING answers `skiplist` and scores are kept as given (`-0`).
    public func convertToSkiplist() { converted = true }

    /// True once Valkey would keep this set in a skiplist.
    public var isSkiplist: Bool { converted }

    /// The score as Valkey keeps it: a listpack stores an integral score as an integer, so `-0` becomes `0`
    /// there (ZSCORE then answers `0`); a skiplist keeps the double as it is (`-0`).
    @inline(__always) func stored(_ score: Double) -> Double {
        !converted && score == 0 ? 0 : score
    }

    @discardableResult
    public func remove(_ member: Bytes) -> Bool {
        guard let node = index.remove(member) else { return false }
        list.remove(score: node.score, member: member)
        return true
    }

    /// 0-based rank, ascending or descending.
    public func rank(_ member: Bytes, reverse: Bool) -> Int? {
        guard let score = index.node(member)?.score, let r = list.rank(score: score, member: member) else {
            return nil
        }
        return reverse ? count - r : r - 1
    }

    /// Members with 0-based ranks `start...end` (already clamped), in ascending or descending order.
    public func range(start: Int, end: Int, reverse: Bool, _ body: (Bytes, Double) -> Void) {
        guard start <= end, start >= 0, end < count else { return }
        var n = end - start + 1
        if reverse {
            var node = list.node(atRank: count - start)
            while n > 0, let x = node { body(x.member, x.score); node = x.previous; n -= 1 }
        } else {
            var node = list.node(atRank: start + 1)
            while n > 0, let x = node { body(x.member, x.score); node = x.next; n -= 1 }
        }
    }

    /// The element at 0-based ascending rank `index`, in O(log N).
    public func element(at index: Int) -> (Bytes, Double)? {
        list.node(atRank: index + 1).map { ($0.member, $0.score) }
    }

    /// Members with scores in `range`, skipping `offset` and returning at most `limit` (negative: all).
    public func range(score range: ScoreRange, reverse: Bool, offset: Int = 0, limit: Int = -1,
                      _ body: (Bytes, Double) -> Void) {
        walk(range, reverse: reverse, offset: offset, limit: limit, body)
    }

    /// Members in the lexicographic range (defined when all scores are equal, as in Valkey).
    ///
    /// With mixed scores Valkey's answer follows its encoding, and Podium's follows the same rules:
    /// - while Valkey would keep the set in a listpack (`!converted`), its `zzlFirstInLexRange` /
    ///   `zzlLastInLexRange` walk: nothing unless the last member (in score order) satisfies the minimum and the
    ///   first satisfies the maximum; then from the first member from the front that satisfies the minimum (from
    ///   the back: the maximum), if it also satisfies the other bound, on while members stay within the far one.
    ///   Deterministic, and identical to Valkey's (differential test against redis-server 7);
    /// - beyond, a skiplist descent by member (`zslFirstInLexRange`), after the same emptiness check: consistent
    ///   for a given set, though Valkey's own answer there depends on its skiplist's random levels.
    public func range(lex range: LexRange, reverse: Bool, offset: Int = 0, limit: Int = -1,
                      _ body: (Bytes, Double) -> Void) {
        guard let start = lexStart(range, reverse: reverse) else { return }
        var node: SkipListNode? = start
        var skip = offset
        while skip > 0, let x = node {
            node = reverse ? x.previous : x.next
            skip -= 1
        }
        var left = limit
        while left != 0, let x = node {
            guard reverse ? range.aboveMin(x.member) : range.belowMax(x.member) else { break }
            body(x.member, x.score)
            node = reverse ? x.previous : x.next
            if left > 0 { left -= 1 }
        }
    }

    /// Where a lex range walk starts (see `range(lex:)`), or nil for an empty answer.
    private func lexStart(_ range: LexRange, reverse: Bool) -> SkipListNode? {
        guard !range.isEmpty, let head = list.first, let tail = list.tail,
            range.aboveMin(tail.member), range.belowMax(head.member)
        else { return nil }
        if converted { return reverse ? list.last(in: range) : list.first(in: range) }
        var node: SkipListNode? = reverse ? tail : head
        while let x = node {
            if reverse ? range.belowMax(x.member) : range.aboveMin(x.member) {
                return (reverse ? range.aboveMin(x.member) : range.belowMax(x.member)) ? x : nil
            }
            node = reverse ? x.previous : x.next
        }
        return nil
    }

    /// Number of members with scores in `range`, in O(log N) through ranks.
    public func count(score range: ScoreRange) -> Int { count(in: range) }

    /// Number of members in the lexicographic range. While Valkey would keep the set in a listpack this is its
    /// `zsetLexCount` walk: from the first member (in score order) that satisfies the minimum, as long as members
    /// satisfy the maximum — so with mixed scores it counts exactly what ZRANGEBYLEX returns, as Valkey does.
    /// Beyond (a skiplist), it is O(log N) through the ranks of the first and last members in range, which is
    /// exact when all scores are equal (the only case Valkey defines) and never negative otherwise.
    public func count(lex range: LexRange) -> Int {
        if converted { return max(0, count(in: range)) }
        var n = 0
        self.range(lex: range, reverse: false) { _, _ in n += 1 }
        return n
    }

    private func walk<I: SkipListInterval>(_ interval: I, reverse: Bool, offset: Int, limit: Int,
                                           _ body: (Bytes, Double) -> Void) {
        guard !interval.isEmpty else { return }
        var node = reverse ? list.last(in: interval) : list.first(in: interval)
        var skip = offset
        while skip > 0, let x = node {
            node = reverse ? x.previous : x.next
            skip -= 1
        }
        var left = limit
        while left != 0, let x = node {
            guard reverse ? interval.aboveMin(NodeRef.passUnretained(x)) : interval.belowMax(NodeRef.passUnretained(x)) else { break }
            body(x.member, x.score)
            node = reverse ? x.previous : x.next
            if left > 0 { left -= 1 }
        }
    }

    private func count<I: SkipListInterval>(in interval: I) -> Int {
        guard !interval.isEmpty, let first = list.first(in: interval), let last = list.last(in: interval),
            let r1 = list.rank(score: first.score, member: first.member),
            let r2 = list.rank(score: last.score, member: last.member)
        else { return 0 }
        return r2 - r1 + 1
    }

    /// The first or last member (ZPOPMIN / ZPOPMAX).
    public var first: (Bytes, Double)? { list.first.map { ($0.member, $0.score) } }
    public var last: (Bytes, Double)? { list.tail.map { ($0.member, $0.score) } }

    public func copy() -> SortedSetObject {
        let other = SortedSetObject()
        other.converted = converted
        var node = list.first
        while let x = node {
            other.index.insert(other.list.insert(score: x.score, member: x.member))
            node = x.next
        }
        return other
    }

    /// Approximate memory use in bytes (MEMORY USAGE): per member a skiplist node with its levels (about 96 on
    /// average) and an index bucket (12 bytes at a load between 7/16 and 7/8), plus long member names.
    public var approximateSize: Int {
        var total = 64 + 32 * 16 + count * (96 + 18)
        index.forEach { total += Value.heapSize(of: $0.member) }
        return total
    }
}
