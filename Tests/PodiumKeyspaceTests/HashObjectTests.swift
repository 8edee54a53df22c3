import Testing

@testable import PodiumKeyspace

/// The hash value: listpack order and conversion, in-place length changes, copies.
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
