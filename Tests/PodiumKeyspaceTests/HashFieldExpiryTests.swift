import Testing

@testable import PodiumKeyspace

/// Hash-field TTLs: `HashObject`'s times and deadline heap against a plain dictionary under random operations,
/// and the database's bookkeeping (lazy removal on lookup, the active cycle, keys that move or are overwritten).
@Suite struct HashFieldExpiryTests {
    /// Random sets, TTL changes, persists, removals and clock steps; after each step the hash must hold exactly
    /// the reference's fields with the reference's times, and the heap must stay within its bound.
    @Test func randomOperationsAgainstAReference() {
        var rng = SeededGenerator(seed: 7)
        var h = HashObject()
        var values: [Bytes: Bytes] = [:]
        var times: [Bytes: Int64] = [:]
        var now: Int64 = 1_000
        let limits = ListpackLimits(maxListpackEntries: 8, maxListpackValue: 64)
        for step in 0..<20_000 {
            let field = Bytes("f\(Int.random(in: 0..<40, using: &rng))")
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1:
                let value = Bytes("v\(step)")
                let keep = Bool.random(using: &rng)
                field.withUnsafeBytes { f in
                    value.withUnsafeBytes { v in _ = h.set(f, v, limits: limits, keepTTL: keep) }
                }
                values[field] = value
                if !keep { times[field] = nil }
            case 2, 3, 4:
                guard values[field] != nil else { continue }
                let at = now + Int64.random(in: 1...500, using: &rng)
                field.withUnsafeBytes { h.setExpiry($0, at: at) }
                times[field] = at
            case 5:
                let had = times.removeValue(forKey: field) != nil
                #expect(field.withUnsafeBytes { h.persistField($0) } == had)
            case 6:
                let had = values.removeValue(forKey: field) != nil
                times[field] = nil
                #expect(field.withUnsafeBytes { h.remove($0) } == had)
            default:
                now += Int64.random(in: 0...60, using: &rng)
                let removed = h.removeExpiredFields(now: now)
                let expected = times.filter { $0.value < now }
                #expect(Set(removed) == Set(expected.keys))
                // Earliest first.
                #expect(removed.map { times[$0]! } == removed.map { times[$0]! }.sorted())
                for f in expected.keys {
                    values[f] = nil
                    times[f] = nil
                }
            }
            #expect(h.count == values.count)
            #expect(h.volatileFieldCount == times.count)
            #expect(h.hasVolatileFields == !times.isEmpty)
            if let ttl = h.fieldTTL { #expect(ttl.deadlineCount <= 2 * ttl.times.count + 17) }
            if step % 97 == 0 {
                for (f, v) in values {
                    #expect(h.get(f) == v)
                    #expect(f.withUnsafeBytes { h.expiryTime($0) } == (times[f] ?? -1))
                }
                var h2 = h
                #expect(h2.nextFieldExpiry() == times.values.min())
            }
        }
    }

    /// Field TTLs live behind one reference: a hash value stays within the largest other payload, so no key of
    /// any type pays for them (an entry stays 88 bytes).
    @Test func fieldTTLsDoNotGrowEveryKey() {
        #expect(MemoryLayout<HashObject>.size <= MemoryLayout<SetObject>.size)
        #expect(MemoryLayout<Database.Entry>.stride == 88)
        #expect(MemoryLayout<Database.Entry?>.stride == 88)
    }

    @Test func aTTLConvertsToAHashtable() {
        var h = HashObject()
        h.set("a", "1", limits: ListpackLimits())
        #expect(h.encodingName == "listpack")
        Bytes("a").withUnsafeBytes { h.setExpiry($0, at: 10) }
        #expect(h.encodingName == "hashtable")
        #expect(Bytes("zz").withUnsafeBytes { h.expiryTime($0) } == nil)
    }

    /// A copy is a point-in-time view: changing the TTLs of one leaves the other as it was.
    @Test func copiesAreIndependent() {
        var h = HashObject()
        h.set("a", "1", limits: ListpackLimits())
        h.set("b", "2", limits: ListpackLimits())
        Bytes("a").withUnsafeBytes { h.setExpiry($0, at: 10) }
        var copy = h
        Bytes("b").withUnsafeBytes { copy.setExpiry($0, at: 5) }
        #expect(copy.removeExpiredFields(now: 20).count == 2)
        #expect(h.count == 2)
        #expect(h.volatileFieldCount == 1)
    }

    static func hashWithTTL(_ fields: [(Bytes, Int64?)]) -> Value {
        var h = HashObject()
        for (f, at) in fields {
            h.set(f, "v", limits: ListpackLimits())
            if let at { f.withUnsafeBytes { h.setExpiry($0, at: at) } }
        }
        return .hash(h)
    }

    @Test func lookupsRemovePassedFieldsAndTheEmptiedKey() {
        let f = Fixture()
        var seen: [(Bytes, [Bytes], Bool)] = []
        f.keyspace.fieldExpiryObserver = { _, key, fields, removed in seen.append((key, fields, removed)) }
        f.db.set("h", Self.hashWithTTL([("a", f.now + 10), ("b", f.now + 20), ("c", nil)]))
        #expect(f.db.hashesWithVolatileFields == 1)
        // A field is expired once the clock has passed its time (`at < now`), as a key.
        f.advance(by: 10)
        guard case .hash(let h0)? = f.db.lookupRead("h") else {
            Issue.record("no hash")
            return
        }
        #expect(h0.count == 3)
        f.advance(by: 1)
        guard case .hash(let h1)? = f.db.lookupRead("h") else {
            Issue.record("no hash")
            return
        }
        #expect(h1.count == 2)
        #expect(seen.count == 1 && seen[0].1 == ["a"] && !seen[0].2)
        f.advance(by: 10)
        #expect(f.db.exists("h"))
        #expect(f.db.hashesWithVolatileFields == 0)
        f.db.set("g", Self.hashWithTTL([("a", f.now + 5)]))
        f.advance(by: 6)
        #expect(f.db.lookupRead("g") == nil)
        #expect(seen.last?.2 == true)
        #expect(f.keyspace.stats.expiredFields == 3)
        #expect(f.db.count == 1)
    }

    @Test func theActiveCycleRemovesFieldsWithoutLookups() {
        let f = Fixture()
        for i in 0..<100 {
            f.db.set(
                Bytes("h\(i)"), Self.hashWithTTL([("a", f.now + Int64(i % 10)), ("b", i % 2 == 0 ? nil : f.now + 50)]))
        }
        f.advance(by: 20)
        let removed = f.keyspace.activeExpireCycle(budgetNanoseconds: 500_000_000)
        #expect(removed == 100)
        #expect(f.db.count == 100)
        #expect(f.db.hashesWithVolatileFields == 50)
        f.advance(by: 40)
        #expect(f.keyspace.activeExpireCycle(budgetNanoseconds: 500_000_000) == 50)
        #expect(f.db.count == 50)
        #expect(f.db.hashesWithVolatileFields == 0)
    }

    /// The active cycle takes at most 1000 fields of one hash per pass; a lookup takes the rest at once.
    @Test func theActiveCycleCapsFieldsPerHash() {
        let f = Fixture()
        f.db.set("big", Self.hashWithTTL((0..<2500).map { (Bytes("f\($0)"), f.now + 1) }))
        f.advance(by: 5)
        #expect(f.keyspace.activeExpireCycle(budgetNanoseconds: 500_000_000) >= 1000)
        #expect(f.db.count == 1 || f.keyspace.stats.expiredFields == 2500)
        _ = f.db.lookupRead("big")
        #expect(f.keyspace.stats.expiredFields == 2500)
        #expect(f.db.count == 0)
    }

    /// A slot freed by a hash with volatile fields and reused by another key, and a key overwritten by a value
    /// without TTLs: neither is taken for the old hash.
    @Test func reusedAndOverwrittenSlotsAreForgotten() {
        let f = Fixture()
        f.db.set("h", Self.hashWithTTL([("a", f.now + 10)]))
        #expect(f.db.remove("h"))
        f.db.set("s", .fromBytes("x"))
        f.db.set("o", Self.hashWithTTL([("a", f.now + 10)]))
        f.db.set("o", .fromBytes("plain"))
        #expect(f.db.hashesWithVolatileFields == 0)
        f.advance(by: 20)
        #expect(f.string("s") == "x")
        #expect(f.string("o") == "plain")
        f.keyspace.activeExpireCycle(budgetNanoseconds: 50_000_000)
        #expect(f.db.count == 2)
    }

    /// While loading, passed fields stay (the log's own HDELs say what happened), and go once loading ends.
    @Test func nothingExpiresWhileLoading() {
        let f = Fixture()
        f.db.set("h", Self.hashWithTTL([("a", f.now + 1), ("b", nil)]))
        f.keyspace.isLoading = true
        f.advance(by: 10)
        guard case .hash(let h)? = f.db.lookupRead("h") else {
            Issue.record("no hash")
            return
        }
        #expect(h.count == 2)
        f.keyspace.isLoading = false
        guard case .hash(let h2)? = f.db.lookupRead("h") else {
            Issue.record("no hash")
            return
        }
        #expect(h2.count == 1)
    }
}
