import PodiumKeyspace
import Testing

/// `Keyspace.evictOne`: which key each `maxmemory-policy` picks.
@Suite struct KeyspaceEvictionTests {
    @Test func noEvictionAndEmptyKeyspacesEvictNothing() {
        let f = Fixture()
        #expect(f.keyspace.evictOne(policy: .allKeysRandom, samples: 5) == nil)
        f.db.set("k", .fromBytes("v"))
        #expect(f.keyspace.evictOne(policy: .noEviction, samples: 5) == nil)
        #expect(f.keyspace.evictOne(policy: .volatileRandom, samples: 5) == nil)  // no key has a TTL
        #expect(f.db.count == 1)
    }

    @Test func volatilePoliciesOnlyTakeKeysWithATTL() {
        let f = Fixture()
        for i in 0..<20 { f.db.set(Bytes("p\(i)"), .fromBytes("v")) }
        for i in 0..<5 { f.db.set(Bytes("t\(i)"), .fromBytes("v"), expireAt: f.now + 1000 + Int64(i)) }
        for policy in [EvictionPolicy.volatileRandom, .volatileLRU, .volatileTTL, .volatileLFU]
        where f.db.volatileCount > 0 {
            let victim = f.keyspace.evictOne(policy: policy, samples: 5)
            #expect(victim?.key.description.hasPrefix("t") == true)
        }
        #expect(f.db.count == 21)
    }

    @Test func volatileTTLTakesTheSoonestToExpireOfTheSample() {
        let f = Fixture()
        for i in 0..<8 { f.db.set(Bytes("t\(i)"), .fromBytes("v"), expireAt: f.now + 1000 * Int64(i + 1)) }
        // With more samples than keys (sampling with replacement, 64 draws of 8), the soonest is found.
        let victim = f.keyspace.evictOne(policy: .volatileTTL, samples: 64)
        #expect(victim?.key == "t0" && victim?.db == 0)
        #expect(!f.db.exists("t0") && f.db.count == 7)
    }

    @Test func lruTakesTheKeyIdleLongest() {
        let f = Fixture()
        for i in 0..<8 { f.db.set(Bytes("old\(i)"), .fromBytes("v")) }
        f.advance(by: 5000)
        for i in 0..<8 { _ = f.db.lookupRead(Bytes("old\(i)")) }  // touched: now recent
        f.db.set("idle", .fromBytes("v"))
        f.advance(by: 5000)
        for i in 0..<8 { _ = f.db.lookupRead(Bytes("old\(i)")) }
        let victim = f.keyspace.evictOne(policy: .allKeysLRU, samples: 64)
        #expect(victim?.key == "idle")
    }

    @Test func randomPoliciesTakeTheDatabasesInTurn() {
        let f = Fixture(databases: 3)
        f.keyspace[0].set("a", .fromBytes("v"))
        f.keyspace[2].set("b", .fromBytes("v"))
        let first = f.keyspace.evictOne(policy: .allKeysRandom, samples: 5)
        let second = f.keyspace.evictOne(policy: .allKeysRandom, samples: 5)
        #expect(Set([first?.db, second?.db]) == Set([0, 2]))
        #expect(f.keyspace.evictOne(policy: .allKeysRandom, samples: 5) == nil)
    }
}
