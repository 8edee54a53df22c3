import PodiumKeyspace
import Testing

/// Sets in all three encodings against Swift's `Set` under random operations, large hashtable sets (many
/// segment splits), SSCAN's guarantee, random members, and point-in-time copies.
@Suite struct SetTests {
    static func withRaw<R>(_ s: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        Array(s.utf8).withUnsafeBytes(body)
    }

    static func contents(_ s: SetObject) -> Set<String> {
        var out = Set<String>()
        s.forEach { out.insert(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    @Test(arguments: [(1, 512, 128), (2, 4, 8), (3, 0, 0), (4, 512, 128)])
    func randomOperationsMatchASwiftSet(seed: UInt64, intsetEntries: Int, listpackEntries: Int) {
        var rng = SplitMix64(seed: seed)
        let limits = SetLimits(maxIntsetEntries: intsetEntries, maxListpackEntries: listpackEntries)
        let pool = (0..<300).map { i -> String in
            switch i % 4 {
            case 0: return String(i)
            case 1: return "-\(i)"
            case 2: return "m\(i)"
            default: return String(repeating: "x", count: i % 90)
            }
        }
        var s = SetObject(encoding: "intset")
        var model = Set<String>()
        for step in 0..<6000 {
            let m = pool[Int.random(in: 0..<(step < 3000 ? 40 : pool.count), using: &rng)]
            if Int.random(in: 0..<3, using: &rng) == 0 {
                #expect(Self.withRaw(m) { s.remove($0) } == (model.remove(m) != nil))
            } else {
                #expect(Self.withRaw(m) { s.add($0, limits: limits) } == model.insert(m).inserted)
            }
            #expect(s.count == model.count)
            #expect(Self.withRaw(pool[step % pool.count]) { s.contains($0) } == model.contains(pool[step % pool.count]))
        }
        #expect(Self.contents(s) == model)
    }

    @Test func largeTableSplitsAndKeepsEveryMember() {
        let limits = SetLimits()
        var s = SetObject(encoding: "hashtable")
        for i in 0..<50_000 { Self.withRaw("member:\(i)") { _ = s.add($0, limits: limits) } }
        #expect(s.count == 50_000)
        for i in stride(from: 0, to: 50_000, by: 2) { Self.withRaw("member:\(i)") { _ = s.remove($0) } }
        #expect(s.count == 25_000)
        for i in 0..<50_000 {
            #expect(Self.withRaw("member:\(i)") { s.contains($0) } == (i % 2 == 1))
        }
        #expect(Self.contents(s).count == 25_000)
    }

    @Test func scanVisitsEveryMemberDespiteSplits() {
        let limits = SetLimits()
        var s = SetObject(encoding: "hashtable")
        for i in 0..<3000 { Self.withRaw("a\(i)") { _ = s.add($0, limits: limits) } }
        var seen = Set<String>()
        var cursor: UInt64 = 0
        var round = 0
        repeat {
            cursor = s.scan(cursor: cursor, count: 10) { seen.insert(String(decoding: $0, as: UTF8.self)) }
            // Growth during the scan splits segments.
            for j in 0..<500 { Self.withRaw("b\(round)-\(j)") { _ = s.add($0, limits: limits) } }
            round += 1
        } while cursor != 0 && round < 10_000
        #expect(cursor == 0)
        #expect((0..<3000).allSatisfy { seen.contains("a\($0)") })
    }

    @Test func randomMembersComeFromTheSet() {
        let limits = SetLimits()
        for encoding in ["intset", "listpack", "hashtable"] {
            var s = SetObject(encoding: encoding)
            for i in 0..<100 { Self.withRaw(String(i)) { _ = s.add($0, limits: limits) } }
            var rng = SplitMix64(seed: 9)
            var seen = Set<String>()
            for _ in 0..<5000 { seen.insert(String(decoding: s.randomMember(using: &rng).storage, as: UTF8.self)) }
            #expect(seen == Set((0..<100).map(String.init)), "\(encoding)")
            var popped = Set<String>()
            while !s.isEmpty { popped.insert(String(decoding: s.popRandom(using: &rng).storage, as: UTF8.self)) }
            #expect(popped.count == 100)
        }
    }

    /// A hashtable of many segments (split as it grew): picks stay uniform against the slot bound, every member
    /// turns up, and popping empties the set.
    @Test func randomMembersOfAManySegmentTable() {
        let limits = SetLimits()
        var s = SetObject(encoding: "hashtable")
        for i in 0..<20_000 { Self.withRaw("m\(i)") { _ = s.add($0, limits: limits) } }
        var rng = SplitMix64(seed: 3)
        var hits = [Int](repeating: 0, count: 20_000)
        for _ in 0..<400_000 {
            let m = String(decoding: s.randomMember(using: &rng).storage, as: UTF8.self)
            hits[Int(m.dropFirst())!] += 1
        }
        // 20 expected per member: none missing, none wildly over-picked.
        #expect(hits.min()! > 0)
        #expect(hits.max()! < 60)
        var popped = 0
        while !s.isEmpty {
            _ = s.popRandom(using: &rng)
            popped += 1
        }
        #expect(popped == 20_000)
    }

    /// A many-segment table under random adds, removals and pops against a Swift `Set`: removals shift probe
    /// chains back by the slots' tags (no member is hashed again), pops remove the slot they picked, and a copy
    /// taken halfway stays whole.
    @Test func popsAndRemovalsOfAManySegmentTableMatchASwiftSet() {
        let limits = SetLimits()
        var rng = SplitMix64(seed: 11)
        var s = SetObject(encoding: "hashtable")
        var model = Set<String>()
        var snapshot: SetObject?
        var snapshotModel = Set<String>()
        for step in 0..<80_000 {
            let m = "p\(Int.random(in: 0..<30_000, using: &rng))"
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:
                #expect(Self.withRaw(m) { s.remove($0) } == (model.remove(m) != nil))
            case 1 where !s.isEmpty:
                let popped = String(decoding: s.popRandom(using: &rng).storage, as: UTF8.self)
                #expect(model.remove(popped) != nil)
            default:
                #expect(Self.withRaw(m) { s.add($0, limits: limits) } == model.insert(m).inserted)
            }
            #expect(s.count == model.count)
            if step == 40_000 {
                snapshot = s
                snapshotModel = model
            }
        }
        for i in 0..<30_000 { #expect(Self.withRaw("p\(i)") { s.contains($0) } == model.contains("p\(i)")) }
        #expect(Self.contents(s) == model)
        #expect(Self.contents(snapshot!) == snapshotModel)
        while !s.isEmpty {
            #expect(model.remove(String(decoding: s.popRandom(using: &rng).storage, as: UTF8.self)) != nil)
        }
        #expect(model.isEmpty)
    }

    @Test func aCopyIsAPointInTimeView() {
        let limits = SetLimits()
        var live = SetObject(encoding: "hashtable")
        for i in 0..<5000 { Self.withRaw("k\(i)") { _ = live.add($0, limits: limits) } }
        let snapshot = live
        for i in 0..<2500 { Self.withRaw("k\(i)") { _ = live.remove($0) } }
        Self.withRaw("new") { _ = live.add($0, limits: limits) }
        #expect(snapshot.count == 5000)
        #expect(Self.contents(snapshot) == Set((0..<5000).map { "k\($0)" }))
        #expect(live.count == 2501)
    }

    @Test func encodingsFollowValkey() {
        let limits = SetLimits()
        var s = Self.withRaw("1") { SetObject(first: $0, sizeHint: 3, limits: limits) }
        for m in ["1", "2", "3"] { Self.withRaw(m) { _ = s.add($0, limits: limits) } }
        #expect(s.encodingName == "intset")
        Self.withRaw("x") { _ = s.add($0, limits: limits) }
        #expect(s.encodingName == "listpack")
        Self.withRaw(String(repeating: "y", count: 65)) { _ = s.add($0, limits: limits) }
        #expect(s.encodingName == "hashtable")
        // Valkey's setTypeCreate weighs the size hint: 600 integers start as a hashtable.
        #expect(Self.withRaw("1") { SetObject(first: $0, sizeHint: 600, limits: limits) }.encodingName == "hashtable")
        #expect(Self.withRaw("a") { SetObject(first: $0, sizeHint: 10, limits: limits) }.encodingName == "listpack")
    }
}
