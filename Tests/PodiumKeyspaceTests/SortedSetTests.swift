import PodiumKeyspace
import Testing

/// The skiplist-backed sorted set against a plain sorted array, under random operations: order (score, then
/// member bytes), ranks both ways, rank/score/lex ranges, counts, and removal.
@Suite struct SortedSetTests {
    struct Reference {
        var items: [(Bytes, Double)] = []
        mutating func set(_ m: Bytes, _ s: Double) {
            items.removeAll { $0.0 == m }
            items.append((m, s))
            items.sort { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        }
        mutating func remove(_ m: Bytes) { items.removeAll { $0.0 == m } }
    }

    static func all(_ z: SortedSetObject) -> [(Bytes, Double)] {
        var out: [(Bytes, Double)] = []
        z.range(start: 0, end: z.count - 1, reverse: false) { out.append(($0, $1)) }
        return out
    }

    @Test(arguments: [1, 2, 3])
    func randomOperationsMatchAReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let z = SortedSetObject()
        var reference = Reference()
        let limits = ListpackLimits()
        for _ in 0..<3000 {
            let member = Bytes("m\(Int.random(in: 0..<300, using: &rng))")
            let score = Double(Int.random(in: -20..<20, using: &rng)) / 2
            if Int.random(in: 0..<4, using: &rng) == 0 {
                #expect(z.remove(member) == reference.items.contains { $0.0 == member })
                reference.remove(member)
            } else {
                z.set(member, score, limits: limits)
                reference.set(member, score)
            }
        }
        let items = Self.all(z)
        #expect(items.map(\.0) == reference.items.map(\.0))
        #expect(items.map(\.1) == reference.items.map(\.1))
        for (i, (m, _)) in reference.items.enumerated() {
            #expect(z.rank(m, reverse: false) == i)
            #expect(z.rank(m, reverse: true) == reference.items.count - 1 - i)
        }
        var wholeBackwards: [Bytes] = []
        z.range(start: 0, end: z.count - 1, reverse: true) { m, _ in wholeBackwards.append(m) }
        #expect(wholeBackwards == reference.items.reversed().map(\.0))
        var reversed: [Bytes] = []
        z.range(start: 2, end: 9, reverse: true) { m, _ in reversed.append(m) }
        let n = reference.items.count
        #expect(reversed == (2...9).map { reference.items[n - 1 - $0].0 })
        let range = ScoreRange(min: -3, max: 4, minExclusive: true, maxExclusive: false)
        let expected = reference.items.filter { $0.1 > -3 && $0.1 <= 4 }
        var inRange: [Bytes] = []
        z.range(score: range, reverse: false, offset: 1, limit: 5) { m, _ in inRange.append(m) }
        #expect(inRange == Array(expected.dropFirst(1).prefix(5)).map(\.0))
        #expect(z.count(score: range) == expected.count)
        var backwards: [Bytes] = []
        z.range(score: range, reverse: true) { m, _ in backwards.append(m) }
        #expect(backwards == expected.reversed().map(\.0))
    }

    /// Score moves relocate nodes with one lockstep walk for the old and the new place; the spans, ranks and
    /// backward links must come out as if the member had been removed and added again.
    @Test(arguments: [11, 12])
    func movesKeepSpansRanksAndBackwardLinks(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let z = SortedSetObject()
        var scores: [Bytes: Double] = [:]
        let limits = ListpackLimits()
        for round in 0..<20_000 {
            let member = Bytes("m\(Int.random(in: 0..<2_000, using: &rng))")
            // Mostly far moves, some ties and near moves.
            let score = round % 3 == 0 ? Double(Int.random(in: 0..<5, using: &rng)) : Double.random(in: -1e6..<1e6, using: &rng)
            z.set(member, score, limits: limits)
            scores[member] = score
        }
        let expected = scores.sorted { $0.value < $1.value || ($0.value == $1.value && $0.key < $1.key) }
        let items = Self.all(z)
        #expect(items.map(\.0) == expected.map(\.key))
        var backwards: [Bytes] = []
        z.range(start: 0, end: z.count - 1, reverse: true) { m, _ in backwards.append(m) }
        #expect(backwards == expected.reversed().map(\.key))
        for (i, pair) in expected.enumerated() where i % 7 == 0 {
            #expect(z.rank(pair.key, reverse: false) == i)
            #expect(z.element(at: i)?.0 == pair.key)
        }
    }

    /// The list's links do not own the nodes: dropping a long set releases them one by one from the index, with
    /// no recursion (a strong chain of 1,000,000 nodes overflowed the stack when released).
    @Test func droppingALongSetDoesNotRecurse() {
        var z: SortedSetObject? = SortedSetObject()
        for i in 0..<400_000 { z!.insertAbsent(Bytes("m\(i)"), Double(i), limits: ListpackLimits()) }
        #expect(z!.count == 400_000 && z!.rank("m399999", reverse: true) == 0)
        z = nil
        #expect(z == nil)
    }

    @Test func lexRangesOnEqualScores() {
        let z = SortedSetObject()
        for m in ["a", "b", "c", "d", "e"] { z.set(Bytes(m), 0, limits: ListpackLimits()) }
        var out: [String] = []
        z.range(lex: LexRange(min: .exclusive("a"), max: .inclusive("d")), reverse: false) { m, _ in
            out.append(m.description)
        }
        #expect(out == ["b", "c", "d"])
        #expect(z.count(lex: LexRange(min: .negativeInfinity, max: .exclusive("c"))) == 2)
        #expect(LexRange(min: .inclusive("d"), max: .inclusive("a")).isEmpty)
    }

    @Test func encodingNameFollowsTheListpackLimits() {
        let z = SortedSetObject()
        let limits = ListpackLimits(maxListpackEntries: 2, maxListpackValue: 4)
        z.set("a", 1, limits: limits)
        z.set("b", 2, limits: limits)
        #expect(z.encodingName == "listpack")
        z.set("c", 3, limits: limits)
        #expect(z.encodingName == "skiplist")
        let long = SortedSetObject()
        long.set("toolong", 1, limits: limits)
        #expect(long.encodingName == "skiplist")
    }

    @Test func copyIsIndependent() {
        let z = SortedSetObject()
        z.set("a", 1, limits: ListpackLimits())
        let c = z.copy()
        c.set("b", 2, limits: ListpackLimits())
        #expect(z.count == 1 && c.count == 2)
        #expect(c.rank("b", reverse: false) == 1)
    }
}

@Suite struct HashObjectTests {
    func fields(_ h: HashObject) -> [String] {
        var out: [String] = []
        h.forEach { f, v in out.append(String(decoding: f, as: UTF8.self) + "=" + String(decoding: v, as: UTF8.self)) }
        return out
    }

    @Test func listpackKeepsInsertionOrderAndConverts() {
        var h = HashObject()
        let limits = ListpackLimits(maxListpackEntries: 3, maxListpackValue: 8)
        let r1 = h.set("b", "1", limits: limits)
        #expect(r1)
        let r2 = h.set("a", "2", limits: limits)
        #expect(r2)
        let r3 = h.set("b", "3", limits: limits)
        #expect(!r3)
        #expect(fields(h) == ["b=3", "a=2"])
        #expect(h.encodingName == "listpack")
        h.set("c", "x", limits: limits)
        h.set("d", "x", limits: limits)
        #expect(h.encodingName == "hashtable")
        #expect(h.get("b") == "3" && h.count == 4)
        let removed = h.remove("a")
        #expect(removed && !h.remove("a"))
        var long = HashObject()
        long.set("f", "123456789", limits: limits)
        #expect(long.encodingName == "hashtable")
    }

    @Test func packedValuesChangeLengthInPlaceAndDeletesCloseUp() {
        var h = HashObject()
        let limits = ListpackLimits(maxListpackEntries: 128, maxListpackValue: 300)
        let big = String(repeating: "v", count: 200)  // a two-byte length prefix
        h.set("a", "1", limits: limits)
        h.set("b", Bytes(big), limits: limits)
        h.set("c", "3", limits: limits)
        h.set("a", "100", limits: limits)
        h.set("b", "2", limits: limits)
        h.set("c", Bytes(big), limits: limits)
        #expect(fields(h) == ["a=100", "b=2", "c=" + big])
        let r4 = h.remove("b")
        #expect(r4)
        #expect(fields(h) == ["a=100", "c=" + big])
        let r5 = h.set("", "", limits: limits)
        #expect(r5)
        #expect(h.get("") == "" && h.count == 3)
        let all = h.remove("a") && h.remove("c") && h.remove("")
        #expect(all)
        #expect(h.count == 0 && fields(h).isEmpty)
    }

    @Test func copiesAreIndependent() {
        var h = HashObject()
        let limits = ListpackLimits()
        h.set("a", "1", limits: limits)
        var c = h
        c.set("a", "2", limits: limits)
        c.set("b", "3", limits: limits)
        #expect(fields(h) == ["a=1"])
        #expect(fields(c) == ["a=2", "b=3"])
    }
}
