import PodiumKeyspace
import Testing

/// A deterministic generator (SplitMix64), so random sampling in tests is reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A keyspace on a manual clock: time only moves when a test says so.
struct Fixture {
    let clock = ManualClock()
    let keyspace: Keyspace
    var db: Database { keyspace[0] }

    init(databases: Int = 16) {
        keyspace = Keyspace(databases: databases, clock: clock)
    }

    /// Moves the clock and makes the keyspace see it (the dispatcher does this once per batch).
    func advance(by milliseconds: Int64) {
        clock.advance(by: milliseconds)
        keyspace.refreshClock()
    }

    var now: Int64 { keyspace.now }

    func string(_ key: Bytes) -> String? {
        db.lookupRead(key)?.stringBytes.map(\.description)
    }
}

@Suite struct KeyspaceTests {
    // MARK: - Basic storage

    @Suite struct Storage {
        @Test func setGetRemove() {
            let f = Fixture()
            #expect(f.db.count == 0)
            f.db.set("k", .fromBytes("v"))
            #expect(f.string("k") == "v")
            #expect(f.db.exists("k"))
            #expect(f.db.count == 1)
            #expect(f.db.remove("k"))
            #expect(!f.db.remove("k"))
            #expect(f.db.lookupRead("k") == nil)
            #expect(f.db.count == 0)
        }

        @Test func overwriteKeepsOneEntry() {
            let f = Fixture()
            f.db.set("k", .fromBytes("1"))
            f.db.set("k", .fromBytes("2"))
            #expect(f.db.count == 1)
            #expect(f.string("k") == "2")
        }

        @Test func take() throws {
            let f = Fixture()
            f.db.set("k", .fromBytes("v"), expireAt: f.now + 5000)
            let entry = try #require(f.db.take("k"))
            #expect(entry.key == "k")
            #expect(entry.expireAt == f.now + 5000)
            #expect(!f.db.exists("k"))
            #expect(f.db.volatileCount == 0)
            #expect(f.db.take("k") == nil)
        }

        @Test func databasesAreIndependent() {
            let f = Fixture(databases: 4)
            f.keyspace[0].set("k", .fromBytes("zero"))
            f.keyspace[3].set("k", .fromBytes("three"))
            #expect(f.keyspace[0].lookupRead("k")?.stringBytes == "zero")
            #expect(f.keyspace[3].lookupRead("k")?.stringBytes == "three")
            #expect(f.keyspace[1].lookupRead("k") == nil)
            #expect(f.keyspace.totalKeys == 2)
            #expect(f.keyspace.databases.count == 4)
        }

        @Test func swapExchangesContentsAndRenumbers() {
            let f = Fixture(databases: 2)
            f.keyspace[0].set("a", .fromBytes("1"))
            f.keyspace[1].set("b", .fromBytes("2"))
            f.keyspace.swap(0, 1)
            #expect(f.keyspace[0].exists("b"))
            #expect(f.keyspace[1].exists("a"))
            #expect(f.keyspace[0].id == 0)
            #expect(f.keyspace[1].id == 1)
        }

        @Test func flushAll() {
            let f = Fixture(databases: 3)
            for i in 0..<3 { f.keyspace[i].set("k", .fromBytes("v"), expireAt: f.now + 1000) }
            f.keyspace.removeAll()
            #expect(f.keyspace.totalKeys == 0)
            #expect(f.keyspace.databases.allSatisfy { $0.volatileCount == 0 })
        }

        @Test func hitAndMissStatistics() {
            let f = Fixture()
            f.db.set("k", .fromBytes("v"))
            _ = f.db.lookupRead("k")
            _ = f.db.lookupRead("k")
            _ = f.db.lookupRead("missing")
            _ = f.db.lookupWrite("k")
            #expect(f.keyspace.stats.keyspaceHits == 2)
            #expect(f.keyspace.stats.keyspaceMisses == 1)
        }
    }

    // MARK: - Expiry

    @Suite struct Expiry {
        @Test func lazyOnAccess() {
            let f = Fixture()
            f.db.set("k", .fromBytes("v"), expireAt: f.now + 1000)
            f.advance(by: 999)
            #expect(f.string("k") == "v")
            f.advance(by: 2)
            // The key is still stored (DBSIZE counts it) until something looks at it.
            #expect(f.db.count == 1)
            #expect(f.db.lookupRead("k") == nil)
            #expect(f.db.count == 0)
            #expect(f.db.volatileCount == 0)
            #expect(f.keyspace.stats.expiredKeys == 1)
        }

        @Test func theClockIsFrozenUntilRefreshed() {
            let f = Fixture()
            f.db.set("k", .fromBytes("v"), expireAt: f.now + 10)
            f.clock.advance(by: 100)
            // A command sees one instant: without refreshClock the key is still live.
            #expect(f.db.exists("k"))
            f.keyspace.refreshClock()
            #expect(!f.db.exists("k"))
        }

        @Test func everyLookupExpires() {
            let f = Fixture()
            for name in ["a", "b", "c", "d", "e"] {
                f.db.set(Bytes(name), .fromBytes("v"), expireAt: f.now + 1)
            }
            f.advance(by: 2)
            #expect(f.db.lookupWrite("a") == nil)
            #expect(!f.db.exists("b"))
            #expect(f.db.expireTime("c") == nil)
            #expect(!f.db.remove("d"))
            #expect(!f.db.touch("e"))
            #expect(f.db.count == 0)
            #expect(f.keyspace.stats.expiredKeys == 5)
        }

        @Test func expiryObserverSeesExpiredKeys() {
            let f = Fixture()
            var seen: [(Int, Bytes)] = []
            f.keyspace.expiryObserver = { seen.append(($0, $1)) }
            f.db.set("k", .fromBytes("v"), expireAt: f.now + 1)
            f.advance(by: 5)
            _ = f.db.lookupRead("k")
            #expect(seen.count == 1)
            #expect(seen.first?.0 == 0)
            #expect(seen.first?.1 == "k")
        }

        @Test func setExpireInThePastDeletes() {
            let f = Fixture()
            f.db.set("k", .fromBytes("v"))
            #expect(f.db.setExpire("k", at: f.now))
            #expect(!f.db.exists("k"))
            #expect(!f.db.setExpire("missing", at: f.now + 1000))
        }

        @Test func expireTime() {
            let f = Fixture()
            f.db.set("p", .fromBytes("v"))
            f.db.set("v", .fromBytes("v"), expireAt: f.now + 5000)
            #expect(f.db.expireTime("p") == Database.Entry.persistent)
            #expect(f.db.expireTime("v") == f.now + 5000)
            #expect(f.db.expireTime("missing") == nil)
        }

        @Test func activeCycleReclaimsTenThousandKeys() {
            let f = Fixture()
            for i in 0..<10_000 {
                f.db.set(Bytes("volatile:\(i)"), .fromBytes("v"), expireAt: f.now + 1000)
            }
            for i in 0..<100 {
                f.db.set(Bytes("later:\(i)"), .fromBytes("v"), expireAt: f.now + 1_000_000)
                f.db.set(Bytes("persistent:\(i)"), .fromBytes("v"))
            }
            #expect(f.db.volatileCount == 10_100)
            f.clock.advance(by: 2000)  // activeExpireCycle refreshes the clock itself

            var cycles = 0
            var removed = 0
            while f.db.count > 200, cycles < 100_000 {
                removed += f.keyspace.activeExpireCycle(budgetNanoseconds: 1_000_000)
                cycles += 1
            }
            #expect(f.db.count == 200)
            #expect(removed == 10_000)
            #expect(f.db.volatileCount == 100)
            #expect(f.keyspace.stats.expiredKeys == 10_000)
            #expect(f.db.exists("later:0"))
            #expect(f.db.exists("persistent:99"))
        }

        @Test func activeCycleLeavesLiveKeys() {
            let f = Fixture()
            for i in 0..<500 { f.db.set(Bytes("k\(i)"), .fromBytes("v"), expireAt: f.now + 60_000) }
            #expect(f.keyspace.activeExpireCycle(budgetNanoseconds: 1_000_000) == 0)
            #expect(f.db.count == 500)
            #expect(f.keyspace.stats.expiredKeys == 0)
        }

        @Test func activeCycleCoversEveryDatabase() {
            let f = Fixture(databases: 4)
            for db in 0..<4 {
                for i in 0..<50 { f.keyspace[db].set(Bytes("k\(i)"), .fromBytes("v"), expireAt: f.now + 10) }
            }
            f.clock.advance(by: 11)
            var cycles = 0
            while f.keyspace.totalKeys > 0, cycles < 10_000 {
                f.keyspace.activeExpireCycle(budgetNanoseconds: 1_000_000)
                cycles += 1
            }
            #expect(f.keyspace.totalKeys == 0)
        }
    }

    // MARK: - Volatile bookkeeping

    @Suite struct Volatile {
        @Test func countFollowsTTLs() {
            let f = Fixture()
            f.db.set("a", .fromBytes("1"), expireAt: f.now + 1000)
            f.db.set("b", .fromBytes("2"), expireAt: f.now + 1000)
            f.db.set("c", .fromBytes("3"))
            #expect(f.db.volatileCount == 2)

            // Setting a TTL twice does not list the key twice.
            #expect(f.db.setExpire("a", at: f.now + 2000))
            #expect(f.db.volatileCount == 2)

            #expect(f.db.persist("a"))
            #expect(!f.db.persist("a"))
            #expect(!f.db.persist("c"))
            #expect(f.db.volatileCount == 1)

            #expect(f.db.setExpire("c", at: f.now + 1000))
            #expect(f.db.volatileCount == 2)

            f.db.remove("b")
            #expect(f.db.volatileCount == 1)
            #expect(f.db.expireTime("c") == f.now + 1000)
        }

        @Test func overwriteDropsTheTTLUnlessKept() {
            let f = Fixture()
            f.db.set("k", .fromBytes("1"), expireAt: f.now + 1000)
            f.db.set("k", .fromBytes("2"), keepTTL: true)
            #expect(f.db.expireTime("k") == f.now + 1000)
            #expect(f.db.volatileCount == 1)
            f.db.set("k", .fromBytes("3"))
            #expect(f.db.expireTime("k") == Database.Entry.persistent)
            #expect(f.db.volatileCount == 0)
            f.db.set("k", .fromBytes("4"), expireAt: f.now + 500)
            #expect(f.db.expireTime("k") == f.now + 500)
        }

        @Test func updateKeepsTheTTL() throws {
            let f = Fixture()
            f.db.set("k", .fromBytes("1"), expireAt: f.now + 1000)
            let slot = try #require(f.db.slot(of: "k"))
            f.db.update(slot: slot, .integer(2))
            #expect(f.db.expireTime("k") == f.now + 1000)
            #expect(f.db.lookupRead("k")?.stringBytes == "2")
        }

        /// Swap-removal in the middle of the volatile list must keep every other key findable.
        @Test func manyKeysRemovedInRandomOrder() {
            let f = Fixture()
            var rng = SeededGenerator(seed: 7)
            var live = Set<Int>()
            var persisted = 0
            for i in 0..<1000 {
                f.db.set(Bytes("k\(i)"), .fromBytes("v"), expireAt: f.now + Int64(1000 + i))
                live.insert(i)
            }
            for i in (0..<1000).shuffled(using: &rng).prefix(600) {
                if i % 2 == 0 {
                    #expect(f.db.persist(Bytes("k\(i)")))
                    persisted += 1
                } else {
                    f.db.remove(Bytes("k\(i)"))
                }
                live.remove(i)
            }
            #expect(f.db.volatileCount == live.count)
            for i in live { #expect(f.db.expireTime(Bytes("k\(i)")) == f.now + Int64(1000 + i)) }
            // Expire everything still volatile through the active cycle; persisted keys stay.
            f.clock.advance(by: 10_000)
            var cycles = 0
            while f.db.volatileCount > 0, cycles < 10_000 {
                f.keyspace.activeExpireCycle(budgetNanoseconds: 1_000_000)
                cycles += 1
            }
            #expect(f.db.volatileCount == 0)
            #expect(f.db.count == persisted)
        }
    }

    // MARK: - SCAN

    @Suite struct Scan {
        static func fullScan(_ db: Database, count: Int = 10) -> [Bytes] {
            var keys: [Bytes] = []
            var cursor = 0
            repeat {
                cursor = db.scan(cursor: cursor, count: count) { keys.append($0.key) }
            } while cursor != 0
            return keys
        }

        @Test func emptyDatabase() {
            let f = Fixture()
            var visited = 0
            #expect(f.db.scan(cursor: 0, count: 10) { _ in visited += 1 } == 0)
            #expect(visited == 0)
        }

        @Test func visitsEveryKeyOnce() {
            let f = Fixture()
            for i in 0..<1000 { f.db.set(Bytes("k\(i)"), .fromBytes("v")) }
            let keys = Self.fullScan(f.db, count: 7)
            #expect(keys.count == 1000)
            #expect(Set(keys).count == 1000)
        }

        @Test func countBoundsTheWork() {
            let f = Fixture()
            for i in 0..<100 { f.db.set(Bytes("k\(i)"), .fromBytes("v")) }
            var visited = 0
            let next = f.db.scan(cursor: 0, count: 10) { _ in visited += 1 }
            #expect(visited == 10)
            #expect(next != 0)
        }

        @Test func skipsAndRemovesExpiredKeys() {
            let f = Fixture()
            for i in 0..<10 { f.db.set(Bytes("live\(i)"), .fromBytes("v")) }
            for i in 0..<10 { f.db.set(Bytes("dead\(i)"), .fromBytes("v"), expireAt: f.now + 1) }
            f.advance(by: 2)
            let keys = Self.fullScan(f.db)
            #expect(Set(keys) == Set((0..<10).map { Bytes("live\($0)") }))
            #expect(f.db.count == 10)
        }

        /// The SCAN guarantee: a key present for the whole iteration is returned, however many other keys are
        /// added and removed between the calls.
        @Test func keysPresentThroughoutAreReturned() {
            let f = Fixture()
            var rng = SeededGenerator(seed: 42)
            let stable = (0..<500).map { Bytes("stable:\($0)") }
            var transient: [Bytes] = []
            var nextTransient = 0
            func addTransient(_ n: Int) {
                for _ in 0..<n {
                    let key = Bytes("transient:\(nextTransient)")
                    nextTransient += 1
                    f.db.set(key, .fromBytes("t"))
                    transient.append(key)
                }
            }
            // Interleave stable and transient keys so removals leave holes among the stable ones.
            for key in stable {
                f.db.set(key, .fromBytes("s"))
                addTransient(2)
            }

            var seen = Set<Bytes>()
            var cursor = 0
            var calls = 0
            repeat {
                cursor = f.db.scan(cursor: cursor, count: 25) { seen.insert($0.key) }
                calls += 1
                // Between calls: remove some transient keys and add new ones (which may reuse freed slots).
                transient.shuffle(using: &rng)
                for key in transient.suffix(15) { f.db.remove(key) }
                transient.removeLast(min(15, transient.count))
                addTransient(20)
            } while cursor != 0 && calls < 10_000

            #expect(cursor == 0)
            let missing = stable.filter { !seen.contains($0) }
            #expect(missing.isEmpty, "stable keys not returned: \(missing.prefix(5))")
        }

        @Test func cursorPastTheEndFinishes() {
            let f = Fixture()
            for i in 0..<5 { f.db.set(Bytes("k\(i)"), .fromBytes("v")) }
            var visited = 0
            #expect(f.db.scan(cursor: 1_000_000, count: 10) { _ in visited += 1 } == 0)
            #expect(visited == 0)
        }

        @Test func allEntries() {
            let f = Fixture()
            for i in 0..<50 { f.db.set(Bytes("k\(i)"), .fromBytes("v")) }
            var keys: [Bytes] = []
            f.db.allEntries { keys.append($0.key) }
            #expect(Set(keys).count == 50)
        }
    }

    // MARK: - RANDOMKEY

    @Suite struct RandomKey {
        @Test func emptyDatabase() {
            let f = Fixture()
            var rng = SeededGenerator(seed: 1)
            #expect(f.db.randomKey(using: &rng) == nil)
        }

        @Test func returnsAnExistingKey() throws {
            let f = Fixture()
            let keys = Set((0..<20).map { Bytes("k\($0)") })
            for key in keys { f.db.set(key, .fromBytes("v")) }
            var rng = SeededGenerator(seed: 2)
            var seen = Set<Bytes>()
            for _ in 0..<200 {
                let key = try #require(f.db.randomKey(using: &rng))
                #expect(keys.contains(key))
                seen.insert(key)
            }
            // 200 draws from 20 keys spread over many of them (deterministic for this seed).
            #expect(seen.count > 10)
        }

        @Test func sparseSlotsStillAnswer() throws {
            let f = Fixture()
            for i in 0..<10_000 { f.db.set(Bytes("k\(i)"), .fromBytes("v")) }
            for i in 0..<10_000 where i != 4321 { f.db.remove(Bytes("k\(i)")) }
            var rng = SeededGenerator(seed: 3)
            for _ in 0..<5 { #expect(f.db.randomKey(using: &rng) == "k4321") }
        }

        @Test func expiredKeysAreNotReturned() {
            let f = Fixture()
            for i in 0..<50 { f.db.set(Bytes("dead\(i)"), .fromBytes("v"), expireAt: f.now + 1) }
            f.db.set("live", .fromBytes("v"))
            f.advance(by: 2)
            var rng = SeededGenerator(seed: 4)
            for _ in 0..<20 { #expect(f.db.randomKey(using: &rng) == "live") }
        }

        @Test func allKeysExpired() {
            let f = Fixture()
            for i in 0..<50 { f.db.set(Bytes("dead\(i)"), .fromBytes("v"), expireAt: f.now + 1) }
            f.advance(by: 2)
            var rng = SeededGenerator(seed: 5)
            #expect(f.db.randomKey(using: &rng) == nil)
            #expect(f.db.count == 0)
        }
    }

    // MARK: - WATCH

    @Suite struct Watch {
        @Test func cleanUntilTheKeyChanges() {
            let f = Fixture()
            let token = WatchToken()
            f.keyspace.watch(db: 0, key: "k", token: token)
            #expect(token.isWatching)
            #expect(token.watchedKeyCount == 1)
            f.db.set("other", .fromBytes("v"))
            _ = f.db.lookupRead("k")
            #expect(!token.dirty)
            f.db.set("k", .fromBytes("v"))
            #expect(token.dirty)
        }

        @Test func watchingTwiceRegistersOnce() {
            let f = Fixture()
            let token = WatchToken()
            f.keyspace.watch(db: 0, key: "k", token: token)
            f.keyspace.watch(db: 0, key: "k", token: token)
            #expect(token.watchedKeyCount == 1)
        }

        @Test func otherDatabaseDoesNotTouch() {
            let f = Fixture()
            let token = WatchToken()
            f.keyspace.watch(db: 0, key: "k", token: token)
            f.keyspace[1].set("k", .fromBytes("v"))
            #expect(!token.dirty)
        }

        @Test(arguments: ["set", "remove", "expire", "setExpire", "persist", "update", "mutate", "take"])
        func mutationsTouch(_ mutation: String) throws {
            let f = Fixture()
            f.db.set("k", .fromBytes("v"), expireAt: f.now + 1000)
            let token = WatchToken()
            f.keyspace.watch(db: 0, key: "k", token: token)
            switch mutation {
            case "set": f.db.set("k", .fromBytes("w"))
            case "remove": f.db.remove("k")
            case "expire":
                f.advance(by: 1001)
                _ = f.db.lookupRead("k")
            case "setExpire": _ = f.db.setExpire("k", at: f.now + 5000)
            case "persist": _ = f.db.persist("k")
            case "update": f.db.update(slot: try #require(f.db.slot(of: "k")), .integer(1))
            case "mutate": f.db.mutate(slot: try #require(f.db.slot(of: "k"))) { $0 = .integer(1) }
            case "take": _ = f.db.take("k")
            default: Issue.record("unknown mutation \(mutation)")
            }
            #expect(token.dirty, "\(mutation) did not touch the watched key")
        }

        @Test func activeExpiryTouches() {
            let f = Fixture()
            f.db.set("k", .fromBytes("v"), expireAt: f.now + 10)
            let token = WatchToken()
            f.keyspace.watch(db: 0, key: "k", token: token)
            f.clock.advance(by: 11)
            var cycles = 0
            while f.db.count > 0, cycles < 1000 {
                f.keyspace.activeExpireCycle(budgetNanoseconds: 1_000_000)
                cycles += 1
            }
            #expect(token.dirty)
        }

        @Test func flushTouchesOnlyExistingKeys() {
            let f = Fixture()
            f.db.set("present", .fromBytes("v"))
            let watchesPresent = WatchToken()
            let watchesAbsent = WatchToken()
            f.keyspace.watch(db: 0, key: "present", token: watchesPresent)
            f.keyspace.watch(db: 0, key: "absent", token: watchesAbsent)
            f.db.removeAll()
            #expect(watchesPresent.dirty)
            #expect(!watchesAbsent.dirty)
        }

        @Test func flushAllTouches() {
            let f = Fixture()
            f.keyspace[5].set("k", .fromBytes("v"))
            let token = WatchToken()
            f.keyspace.watch(db: 5, key: "k", token: token)
            f.keyspace.removeAll()
            #expect(token.dirty)
        }

        @Test func swapTouchesKeysInEitherDatabase() {
            let f = Fixture()
            f.keyspace[1].set("k", .fromBytes("v"))
            let inZero = WatchToken()
            let inOne = WatchToken()
            let unrelated = WatchToken()
            f.keyspace.watch(db: 0, key: "k", token: inZero)  // absent in 0, present in 1: swapped in
            f.keyspace.watch(db: 1, key: "k", token: inOne)  // swapped away
            f.keyspace.watch(db: 2, key: "k", token: unrelated)
            f.keyspace.swap(0, 1)
            #expect(inZero.dirty)
            #expect(inOne.dirty)
            #expect(!unrelated.dirty)
        }

        @Test func swapWithItselfIsANoOp() {
            let f = Fixture()
            f.db.set("k", .fromBytes("v"))
            let token = WatchToken()
            f.keyspace.watch(db: 0, key: "k", token: token)
            f.keyspace.swap(0, 0)
            #expect(!token.dirty)
        }

        @Test func unwatchAllForgetsAndCleans() {
            let f = Fixture()
            let token = WatchToken()
            let other = WatchToken()
            f.keyspace.watch(db: 0, key: "k", token: token)
            f.keyspace.watch(db: 0, key: "k", token: other)
            f.db.set("k", .fromBytes("v"))
            #expect(token.dirty)
            f.keyspace.unwatchAll(token: token)
            #expect(!token.dirty)
            #expect(!token.isWatching)
            f.db.set("k", .fromBytes("w"))
            #expect(!token.dirty)
            #expect(other.dirty)
        }
    }
}
