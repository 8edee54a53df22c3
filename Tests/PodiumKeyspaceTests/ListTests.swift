import PodiumKeyspace
import Testing

/// The quicklist against a plain array under random operations (every fill class, so lists span many nodes and
/// plain nodes), the packed entry format, and point-in-time copies.
@Suite struct ListTests {
    static func withRaw<R>(_ s: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        Array(s.utf8).withUnsafeBytes(body)
    }

    static func contents(_ l: ListObject) -> [String] {
        var out: [String] = []
        l.forEach(from: 0, count: l.count, reverse: false) { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    static let elements = [
        "a", "b", "0", "7", "-1", "4095", "-4097", "123456789", "9223372036854775807", "01", "",
        String(repeating: "x", count: 200), String(repeating: "y", count: 5000),
        String(repeating: "z", count: 70000),
    ]

    @Test(arguments: [(1, -2), (2, 3), (3, 1), (4, -1), (5, 0), (6, -5), (7, 128)])
    func randomOperationsMatchAnArray(seed: UInt64, fill: Int) {
        var rng = SplitMix64(seed: seed)
        let limits = ListLimits(fill: fill)
        var l = ListObject()
        var model: [String] = []
        func pick() -> String { Self.elements[Int.random(in: 0..<Self.elements.count, using: &rng)] }
        for step in 0..<3000 {
            switch Int.random(in: 0..<11, using: &rng) {
            case 0, 1, 2:
                let front = Bool.random(using: &rng)
                let batch = (0..<Int.random(in: 1...4, using: &rng)).map { _ in pick() }
                l.prepareToGrow(addBytes: batch.reduce(0) { $0 + $1.utf8.count }, addCount: batch.count, limits: limits)
                for e in batch {
                    Self.withRaw(e) { l.push($0, front: front, limits: limits) }
                    if front { model.insert(e, at: 0) } else { model.append(e) }
                }
            case 3:
                let n = min(Int.random(in: 0...3, using: &rng), model.count)
                let front = Bool.random(using: &rng)
                l.removeEnds(n, front: front)
                if front { model.removeFirst(n) } else { model.removeLast(n) }
            case 4 where !model.isEmpty:
                let i = Int.random(in: 0..<model.count, using: &rng)
                let e = pick()
                l.prepareToGrow(addBytes: e.utf8.count, addCount: 1, limits: limits)
                Self.withRaw(e) { l.set(at: i, $0, limits: limits) }
                model[i] = e
            case 5:
                let pivot = pick()
                let e = pick()
                let after = Bool.random(using: &rng)
                l.prepareToGrow(addBytes: e.utf8.count, addCount: 1, limits: limits)
                let found = Self.withRaw(pivot) { p in
                    Self.withRaw(e) { l.insert($0, pivot: p, after: after, limits: limits) }
                }
                if let i = model.firstIndex(of: pivot) {
                    #expect(found)
                    model.insert(e, at: after ? i + 1 : i)
                } else {
                    #expect(!found)
                }
            case 6:
                let e = pick()
                let limit = Int.random(in: 0...2, using: &rng)
                let fromTail = Bool.random(using: &rng)
                let removed = Self.withRaw(e) { l.remove($0, limit: limit, fromTail: fromTail) }
                var expected = 0
                var indexes = Array(model.indices.filter { model[$0] == e })
                if fromTail { indexes.reverse() }
                if limit > 0 { indexes = Array(indexes.prefix(limit)) }
                for i in indexes.sorted(by: >) {
                    model.remove(at: i)
                    expected += 1
                }
                #expect(removed == expected)
            case 7 where !model.isEmpty:
                let start = Int.random(in: 0..<model.count, using: &rng)
                let n = Int.random(in: 0...(model.count - start), using: &rng)
                l.removeRange(start: start, count: n)
                model.removeSubrange(start..<(start + n))
            case 8 where !model.isEmpty:
                let e = pick()
                let rank = Int.random(in: 1...2, using: &rng)
                let fromTail = Bool.random(using: &rng)
                let found = Self.withRaw(e) { l.positions(of: $0, rank: rank, limit: 0, maxlen: 0, fromTail: fromTail) }
                var expected = model.indices.filter { model[$0] == e }
                if fromTail { expected.reverse() }
                #expect(found == Array(expected.dropFirst(rank - 1)))
            case 9 where !model.isEmpty:
                let i = Int.random(in: 0..<model.count, using: &rng)
                #expect(l.element(at: i) { String(decoding: $0, as: UTF8.self) } == model[i])
                let n = Int.random(in: 1...(i + 1), using: &rng)
                var got: [String] = []
                l.forEach(from: i, count: n, reverse: true) { got.append(String(decoding: $0, as: UTF8.self)) }
                #expect(got == Array(model[(i - n + 1)...i].reversed()))
            default:
                l.shrinkIfSmall(limits: limits)
            }
            #expect(l.count == model.count, "step \(step)")
            if step % 100 == 0 { #expect(Self.contents(l) == model, "step \(step)") }
        }
        #expect(Self.contents(l) == model)
    }

    @Test func integersAndStringsRoundTrip() {
        let values = [
            "0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767", "-32768", "32768",
            "8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648",
            "9223372036854775807", "-9223372036854775808", "-0", "+1", "00", "1e3",
            String(repeating: "s", count: 63), String(repeating: "s", count: 64),
            String(repeating: "t", count: 4095), String(repeating: "t", count: 4096),
        ]
        var l = ListObject()
        let limits = ListLimits(fill: -5)
        for v in values { Self.withRaw(v) { l.push($0, front: false, limits: limits) } }
        #expect(Self.contents(l) == values)
        var reversed: [String] = []
        l.forEach(from: l.count - 1, count: l.count, reverse: true) {
            reversed.append(String(decoding: $0, as: UTF8.self))
        }
        #expect(reversed == values.reversed())
        // Canonical integers take the integer encodings: "4095" is 2 bytes + a back-length byte.
        #expect(Self.withRaw("4095") { Listpack.entrySize(of: $0) } == 3)
        #expect(Self.withRaw("-0") { Listpack.entrySize(of: $0) } == 4)
    }

    @Test func aCopyIsAPointInTimeView() {
        let limits = ListLimits(fill: 3)
        var live = ListObject()
        for i in 0..<30 { Self.withRaw("e\(i)") { live.push($0, front: false, limits: limits) } }
        let snapshot = live
        Self.withRaw("head") { live.push($0, front: true, limits: limits) }
        live.removeEnds(5, front: false)
        Self.withRaw("X") { live.set(at: 10, $0, limits: limits) }
        _ = Self.withRaw("e3") { live.remove($0, limit: 0, fromTail: false) }
        #expect(Self.contents(snapshot) == (0..<30).map { "e\($0)" })
        #expect(live.count == 25)
    }

    @Test func encodingFollowsTheFill() {
        let limits = ListLimits(fill: 4)
        var l = ListObject()
        l.prepareToGrow(addBytes: 4, addCount: 4, limits: limits)
        for e in ["1", "2", "3", "4"] { Self.withRaw(e) { l.push($0, front: false, limits: limits) } }
        #expect(l.encodingName == "listpack")
        l.prepareToGrow(addBytes: 1, addCount: 1, limits: limits)
        Self.withRaw("5") { l.push($0, front: false, limits: limits) }
        #expect(l.encodingName == "quicklist")
        // Two nodes ([1 2 3 4] [5]): popping three from the head leaves two nodes, still a quicklist, as in
        // Valkey; from the tail it leaves one node of two entries, half the fill: a listpack again.
        var other = l
        other.removeEnds(3, front: true)
        other.shrinkIfSmall(limits: limits)
        #expect(other.encodingName == "quicklist")
        l.removeEnds(3, front: false)
        l.shrinkIfSmall(limits: limits)
        #expect(l.encodingName == "listpack")
    }
}
