import Testing

@testable import PodiumKeyspace

/// The sorted set (listpack array and B+tree) against a plain sorted array, under random operations: order
/// (score, then member bytes), ranks both ways, rank/score/lex ranges, counts, removal, and the tree's
/// structural invariants after every batch.
@Suite struct SortedSetTests {
    /// A sorted array of (member, score): the specification.
    struct Reference {
        var items: [(Bytes, Double)] = []
        mutating func set(_ m: Bytes, _ s: Double) {
            items.removeAll { $0.0 == m }
            items.append((m, s))
            items.sort { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        }
        mutating func remove(_ m: Bytes) { items.removeAll { $0.0 == m } }
    }

    static func all(_ z: SortedSetObject, reverse: Bool = false) -> [(Bytes, Double)] {
        var out: [(Bytes, Double)] = []
        z.forEach(ranks: 0..<z.count, reverse: reverse) { out.append((Bytes(raw: $0), $1)) }
        return out
    }

    static func members(_ z: SortedSetObject, _ ranks: Range<Int>, reverse: Bool = false) -> [Bytes] {
        var out: [Bytes] = []
        z.forEach(ranks: ranks, reverse: reverse) { m, _ in out.append(Bytes(raw: m)) }
        return out
    }

    /// Always packed, packed then a tree (Valkey's defaults), and always a tree.
    static let limitChoices = [
        ListpackLimits(maxListpackEntries: 100_000, maxListpackValue: 100_000),
        ListpackLimits(),
        ListpackLimits(maxListpackEntries: 0, maxListpackValue: 64),
    ]

    func compare(_ z: SortedSetObject, _ reference: Reference) {
        #expect(z.treeProblems() == [])
        #expect(z.count == reference.items.count)
        let items = Self.all(z)
        #expect(items.map(\.0) == reference.items.map(\.0))
        #expect(items.map(\.1) == reference.items.map(\.1))
        #expect(Self.all(z, reverse: true).map(\.0) == reference.items.reversed().map(\.0))
    }

    @Test(arguments: [1, 2, 3], [0, 1, 2])
    func randomOperationsMatchAReference(seed: UInt64, limitChoice: Int) {
        var rng = SplitMix64(seed: seed)
        var z = SortedSetObject()
        var reference = Reference()
        let limits = Self.limitChoices[limitChoice]
        // A member space of 3,000 with 8,000 operations: the tree gets three levels and every kind of split,
        // merge and redistribution; scores collide often (ties order by member).
        for round in 0..<8_000 {
            let member = Bytes("m\(Int.random(in: 0..<3_000, using: &rng))")
            let score = Double(Int.random(in: -200..<200, using: &rng)) / 2
            switch Int.random(in: 0..<8, using: &rng) {
            case 0, 1:
                #expect(z.remove(member) == reference.items.contains { $0.0 == member })
                reference.remove(member)
            default:
                z.set(member, score, limits: limits)
                reference.set(member, score)
            }
            if round % 4_000 == 3_999 { compare(z, reference) }
        }
        compare(z, reference)
        let n = reference.items.count
        for (i, (m, s)) in reference.items.enumerated() where i % 5 == 0 {
            #expect(z.rank(m, reverse: false) == i)
            #expect(z.rank(m, reverse: true) == n - 1 - i)
            #expect(z.score(m) == s)
            #expect(z.element(at: i)?.0 == m)
        }
        #expect(z.rank("absent", reverse: false) == nil && z.score("absent") == nil)
        #expect(Self.members(z, 2..<10, reverse: true) == (2..<10).reversed().map { reference.items[$0].0 })
        for (lo, hi, loEx, hiEx) in [
            (-3.0, 4.0, true, false), (-100.0, 100.0, false, false), (5.0, 5.0, false, false),
            (-Double.infinity, 0, false, true), (7, 2, false, false),
        ] {
            let range = ScoreRange(min: lo, max: hi, minExclusive: loEx, maxExclusive: hiEx)
            let expected = reference.items.enumerated().filter { range.aboveMin($0.1.1) && range.belowMax($0.1.1) }
            let ranks = z.ranks(score: range)
            #expect(ranks.count == expected.count)
            if let first = expected.first { #expect(ranks.lowerBound == first.offset) }
            let limited = limitRanks(ranks, reverse: true, offset: 1, limit: 5)
            #expect(
                Self.members(z, limited, reverse: true) == Array(expected.reversed().dropFirst(1).prefix(5)).map(\.1.0))
        }
        // Remove rank ranges, then everything.
        z.remove(ranks: 10..<40)
        reference.items.removeSubrange(10..<40)
        compare(z, reference)
        z.remove(ranks: 0..<z.count)
        #expect(z.count == 0)
    }

    /// Score moves: in place when the member stays in its leaf (the ZINCRBY case), or removed and inserted again.
    @Test(arguments: [11, 12])
    func movesKeepTheOrderAndTheCounts(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var z = SortedSetObject()
        var scores: [Bytes: Double] = [:]
        let limits = ListpackLimits()
        for i in 0..<5_000 {
            z.set(Bytes("m\(i)"), Double(i), limits: limits)
            scores[Bytes("m\(i)")] = Double(i)
        }
        for round in 0..<20_000 {
            let member = Bytes("m\(Int.random(in: 0..<5_000, using: &rng))")
            // Mostly small increments (ZINCRBY), some far moves and ties.
            let score: Double
            switch round % 4 {
            case 0: score = Double.random(in: -1e6..<1e6, using: &rng)
            case 1: score = Double(Int.random(in: 0..<5, using: &rng))
            default: score = scores[member]! + Double(Int.random(in: -3...3, using: &rng))
            }
            z.set(member, score, limits: limits)
            scores[member] = score
        }
        var reference = Reference()
        reference.items = scores.map { ($0.key, $0.value) }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        compare(z, reference)
        for (i, pair) in reference.items.enumerated() where i % 7 == 0 {
            #expect(z.rank(pair.0, reverse: false) == i)
        }
    }

    /// Members longer than the 23 bytes a record holds in place live in their own blocks; they survive moves,
    /// removal and slot reuse.
    @Test func longMembers() {
        var z = SortedSetObject()
        var reference = Reference()
        let limits = ListpackLimits()
        for i in 0..<2_000 {
            let m = Bytes("user:550e8400-e29b-41d4-a716-\(i)-" + String(repeating: "x", count: i % 90))
            z.set(m, Double(i % 17), limits: limits)
            reference.set(m, Double(i % 17))
        }
        for i in stride(from: 0, to: 2_000, by: 3) {
            let m = Bytes("user:550e8400-e29b-41d4-a716-\(i)-" + String(repeating: "x", count: i % 90))
            z.remove(m)
            reference.remove(m)
        }
        for i in 0..<500 {
            let m = Bytes("again:\(i)-" + String(repeating: "y", count: i % 40))
            z.set(m, -Double(i), limits: limits)
            reference.set(m, -Double(i))
        }
        compare(z, reference)
        #expect(z.approximateSize > 2_000 * 32)
    }

    /// Emptying a copy of a large set leaves the original whole; dropping the original then frees its tree and
    /// nodes (a deep tree is released without trouble), while the emptied copy stays usable.
    @Test func droppingALargeSetAndRemovingEverything() throws {
        var z: SortedSetObject? = SortedSetObject()
        for i in 0..<100_000 { z!.set(Bytes("m\(i)"), Double(i), limits: ListpackLimits()) }
        #expect(z!.count == 100_000 && z!.rank("m99999", reverse: true) == 0)
        #expect(z!.treeProblems() == [])
        var drained = z!
        for i in 0..<100_000 { drained.remove(Bytes("m\(i)")) }
        #expect(drained.count == 0 && drained.treeProblems() == [])
        #expect(drained.copiesMade > 0)
        // The original is untouched by the copy's removals.
        #expect(z!.count == 100_000 && z!.score("m4242") == 4242 && z!.rank("m0", reverse: false) == 0)
        #expect(z!.treeProblems() == [])
        weak var tree: SortedSetTree?
        weak var root: TreeNode?
        do {
            guard case .tree(let t) = z!.storage else {
                Issue.record("100,000 members should be a tree")
                return
            }
            tree = t
            root = t.root
        }
        #expect(tree != nil && root != nil)
        z = nil
        #expect(tree == nil, "the dropped set's tree is still referenced")
        #expect(root == nil, "the dropped set's root node is still referenced")
        drained.set("again", 1, limits: ListpackLimits())
        #expect(drained.count == 1 && drained.rank("again", reverse: false) == 0 && drained.treeProblems() == [])
    }

    @Test func encodingNameFollowsTheListpackLimits() {
        var z = SortedSetObject()
        let limits = ListpackLimits(maxListpackEntries: 2, maxListpackValue: 4)
        z.set("a", 1, limits: limits)
        z.set("b", 2, limits: limits)
        #expect(z.encodingName == "listpack")
        z.set("c", 3, limits: limits)
        #expect(z.encodingName == "skiplist")
        z.remove("c")
        z.remove("b")
        #expect(z.encodingName == "skiplist")  // for good, as in Valkey
        var long = SortedSetObject()
        long.set("toolong", 1, limits: limits)
        #expect(long.encodingName == "skiplist")
        var none = SortedSetObject()
        none.set("a", 1, limits: ListpackLimits(maxListpackEntries: 0, maxListpackValue: 64))
        #expect(none.encodingName == "skiplist")
    }

    /// Valkey's listpack stores -0 as 0 (its scores go through `d2string`); its skiplist keeps -0.
    @Test func negativeZero() {
        var packed = SortedSetObject()
        packed.set("m", -0.0, limits: ListpackLimits())
        #expect(packed.score("m")?.sign == .plus)
        var tree = SortedSetObject()
        tree.set("m", -0.0, limits: ListpackLimits(maxListpackEntries: 0, maxListpackValue: 64))
        #expect(tree.score("m")?.sign == .minus)
        // -0 and 0 are one score: ties order by member.
        tree.set("a", 0.0, limits: ListpackLimits())
        #expect(Self.all(tree).map(\.0) == ["a", "m"])
        #expect(tree.ranks(score: ScoreRange(min: 0, max: 0)).count == 2)
    }

    // MARK: - Lexicographic walks

    /// Valkey's listpack walk, written out on an array (t_zset.c: zzlIsInLexRange, zzlFirstInLexRange,
    /// zzlLastInLexRange and genericZrangebylexCommand's offset and limit loops).
    static func listpackWalk(
        _ items: [(Bytes, Double)], _ range: LexRange, reverse: Bool, offset: Int, limit: Int
    ) -> [Bytes] {
        guard !range.isEmpty, let first = items.first, let last = items.last,
            range.aboveMin(last.0), range.belowMax(first.0)
        else { return [] }
        var out: [Bytes] = []
        var left = limit
        if !reverse {
            guard var i = items.firstIndex(where: { range.aboveMin($0.0) }), range.belowMax(items[i].0) else {
                return []
            }
            var skip = offset
            while i < items.count, skip != 0 {
                i += 1
                skip -= 1
            }
            while i < items.count, left != 0, range.belowMax(items[i].0) {
                out.append(items[i].0)
                i += 1
                left -= 1
            }
        } else {
            guard var i = items.lastIndex(where: { range.belowMax($0.0) }), range.aboveMin(items[i].0) else {
                return []
            }
            var skip = offset
            while i >= 0, skip != 0 {
                i -= 1
                skip -= 1
            }
            while i >= 0, left != 0, range.aboveMin(items[i].0) {
                out.append(items[i].0)
                i -= 1
                left -= 1
            }
        }
        return out
    }

    static let lexBounds: [LexRange.Bound] = [
        .negativeInfinity, .positiveInfinity, .inclusive("a"), .exclusive("a"), .inclusive("c"), .exclusive("c"),
        .inclusive("e"), .exclusive("f"), .inclusive(""), .inclusive("zz"),
    ]

    /// Mixed scores, both encodings, every bound pair, both directions, with offsets and limits: the answer is
    /// the listpack walk's at every size.
    @Test(arguments: [21, 22, 23, 24])
    func lexRangesFollowTheListpackWalk(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for limits in [ListpackLimits(), ListpackLimits(maxListpackEntries: 0, maxListpackValue: 64)] {
            for size in [1, 3, 7, 40, 200] {
                var z = SortedSetObject()
                var reference = Reference()
                let letters = "abcdefgh".map { String($0) }
                for _ in 0..<size {
                    let m = Bytes(
                        letters[Int.random(in: 0..<8, using: &rng)] + "\(Int.random(in: 0..<50, using: &rng))")
                    let s = Double(Int.random(in: 0..<(seed == 24 ? 1 : 4), using: &rng))
                    z.set(m, s, limits: limits)
                    reference.set(m, s)
                }
                for lo in Self.lexBounds {
                    for hi in Self.lexBounds {
                        let range = LexRange(min: lo, max: hi)
                        for (offset, limit) in [(0, -1), (1, 2), (3, -1), (-1, 5), (0, 0)] {
                            for reverse in [false, true] {
                                let expected = Self.listpackWalk(
                                    reference.items, range, reverse: reverse,
                                    offset: offset, limit: limit)
                                let ranks = z.ranks(lex: range, reverse: reverse, offset: offset, limit: limit)
                                #expect(
                                    Self.members(z, ranks, reverse: reverse) == expected,
                                    "size \(size) \(range) \(reverse) \(offset) \(limit)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func lexRangesOnEqualScores() {
        var z = SortedSetObject()
        for m in ["a", "b", "c", "d", "e"] { z.set(Bytes(m), 0, limits: ListpackLimits()) }
        #expect(
            Self.members(z, z.ranks(lex: LexRange(min: .exclusive("a"), max: .inclusive("d")), reverse: false))
                == ["b", "c", "d"])
        #expect(z.ranks(lex: LexRange(min: .negativeInfinity, max: .exclusive("c")), reverse: false).count == 2)
        #expect(LexRange(min: .inclusive("d"), max: .inclusive("a")).isEmpty)
    }

    // MARK: - Point-in-time copies

    /// Applies a heavy mixed workload: inserts, moves near and far, removals, rank-range removals.
    static func churn(_ z: inout SortedSetObject, seed: UInt64, rounds: Int, space: Int) {
        var rng = SplitMix64(seed: seed)
        let limits = ListpackLimits()
        for round in 0..<rounds {
            let m = Bytes("p\(Int.random(in: 0..<space, using: &rng))-" + String(repeating: "z", count: round % 30))
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1: z.remove(m)
            case 2 where z.count > 20:
                let start = Int.random(in: 0..<(z.count - 10), using: &rng)
                z.remove(ranks: start..<(start + 3))
            default: z.set(m, Double(Int.random(in: -1_000..<1_000, using: &rng)), limits: limits)
            }
        }
    }

    /// A copy taken at time T keeps showing the set as it was at T while the original is changed heavily (and
    /// the other way round), on both encodings.
    @Test(arguments: [50, 5_000, 40_000])
    func aCopyKeepsItsPointInTime(size: Int) {
        var z = SortedSetObject()
        let limits = ListpackLimits()
        for i in 0..<size { z.set(Bytes("p\(i)-"), Double(i % 1_000), limits: limits) }
        let snapshot = z
        let before = Self.all(snapshot)
        Self.churn(&z, seed: UInt64(size), rounds: 15_000, space: size * 2)
        #expect(Self.all(snapshot).map(\.0) == before.map(\.0))
        #expect(Self.all(snapshot).map(\.1) == before.map(\.1))
        #expect(snapshot.count == size && snapshot.treeProblems() == [] && z.treeProblems() == [])
        for (i, (m, s)) in before.enumerated() where i % 97 == 0 {
            #expect(snapshot.score(m) == s && snapshot.rank(m, reverse: false) == i)
        }
        // The other direction: change the copy, the original stays.
        var copy = z
        let live = Self.all(z)
        Self.churn(&copy, seed: 99, rounds: 5_000, space: size * 2)
        #expect(Self.all(z).map(\.0) == live.map(\.0))
    }

    /// Long members (own blocks) in a small tree whose first record chunk is still growing when the copy is
    /// taken: the growth and the removals of the original must leave the copy's members intact.
    @Test(arguments: [3, 20, 1_500])
    func aCopyKeepsLongMembersWhileTheOriginalGrows(size: Int) {
        let limits = ListpackLimits(maxListpackEntries: 0, maxListpackValue: 64)
        var z = SortedSetObject()
        func member(_ i: Int) -> Bytes { Bytes("long-member-\(i)-" + String(repeating: "q", count: 30 + i % 50)) }
        for i in 0..<size { z.set(member(i), Double(i), limits: limits) }
        let snapshot = z
        let before = Self.all(snapshot)
        for i in 0..<size where i % 2 == 0 { z.remove(member(i)) }
        for i in size..<(size + 3_000) { z.set(member(i), Double(-i), limits: limits) }
        #expect(Self.all(snapshot).map(\.0) == before.map(\.0))
        #expect(snapshot.treeProblems() == [] && z.treeProblems() == [])
        #expect(z.count == size / 2 + 3_000)
    }

    /// A write after a copy pays O(log N) node copies, one record chunk and one index page (each with its
    /// group of chunk references), never a copy of the whole set.
    @Test func aWriteAfterACopyCopiesOnlyItsPath() {
        var z = SortedSetObject()
        let limits = ListpackLimits()
        for i in 0..<100_000 { z.set(Bytes("p\(i)"), Double(i), limits: limits) }
        #expect(z.copiesMade == 0)
        let snapshot = z
        z.set("p77", -5, limits: limits)
        let first = z.copiesMade
        // One tree clone, a path of at most `maxHeight` nodes, a record chunk + its group, an index page + its group.
        #expect(first >= 3 && first <= 1 + SortedSetTree.maxHeight + 4)
        // The same path again: nothing more is shared.
        z.set("p77", -6, limits: limits)
        #expect(z.copiesMade == first)
        #expect(snapshot.score("p77") == 77 && snapshot.rank("p77", reverse: false) == 77)
    }

    /// With no copy around, nothing is ever copied, whatever the workload (the hash commands' in-place rule).
    @Test func noCopyWithoutASnapshot() {
        var z = SortedSetObject()
        let limits = ListpackLimits()
        for i in 0..<40_000 { z.set(Bytes("p\(i)-"), Double(i), limits: limits) }
        Self.churn(&z, seed: 5, rounds: 30_000, space: 80_000)
        #expect(z.copiesMade == 0)
        #expect(z.treeProblems() == [])
    }
}
