import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import Testing

/// What `Dispatcher.memoryProbe` reports in these tests: a fixed figure, or so many bytes per key in the keyspace
/// (so evicting a key brings the figure down), and how often the dispatcher asked.
private final class MemoryMeter: @unchecked Sendable {
    var bytes = 0
    var bytesPerKey: Int?
    weak var keyspace: Keyspace?
    private(set) var reads = 0

    func read() -> Int {
        reads += 1
        if let perKey = bytesPerKey, let keyspace { return keyspace.totalKeys * perKey }
        return bytes
    }
}

/// A harness whose dispatcher measures memory with `meter`. `maxMemory` is left at 0 (no checks) so that a test
/// can fill the keyspace first.
private func harness(_ policy: EvictionPolicy, _ meter: MemoryMeter) -> CommandHarness {
    let h = CommandHarness()
    meter.keyspace = h.keyspace
    h.dispatcher.memoryProbe = { meter.read() }
    h.dispatcher.evictionPolicy = policy
    // Seeded, and more samples than keys: which keys an approximate policy picks is the same on every run.
    h.keyspace.sampler = SplitMix64(seed: 3)
    h.dispatcher.evictionSamples = 64
    return h
}

private let oom = RESP.error("OOM command not allowed when used memory > 'maxmemory'.")
private let execAbortOOM = RESP.error(
    "EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.")

/// `maxmemory` at the dispatcher (Valkey's `performEvictions` and the `denyoom` refusal in `processCommand`),
/// with the memory figure under the test's control. Replies and the choice of refused commands are what
/// redis-server 7.0.15 does over `CONFIG SET maxmemory 1`; how many keys go is Podium's loop against the probe.
@Suite struct EvictionCommandsTests {
    @Suite struct NoEviction {
        /// Over the limit, `denyoom` commands are refused; reads, deletions, EXPIRE and PING still run.
        @Test func refusesWritesThatMayGrowMemory() {
            let meter = MemoryMeter()
            let h = harness(.noEviction, meter)
            h.run(
                ["SET", "k", "v"], ["SET", "k2", "v"], ["ZADD", "z", "1", "a"], ["HSET", "h", "f", "v"],
                ["SADD", "s", "a", "b"], ["RPUSH", "l", "a"])
            meter.bytes = 2000
            h.dispatcher.maxMemory = 1000
            #expect(h.run(["SET", "x", "1"]) == oom)
            #expect(h.run(["GET", "k"]) == RESP.bulk("v"))
            #expect(h.run(["INCR", "n"]) == oom)
            #expect(h.run(["ZADD", "z", "2", "b"]) == oom)
            #expect(h.run(["LPUSH", "l", "b"]) == oom)
            #expect(h.run(["HSET", "h", "g", "v"]) == oom)
            #expect(h.run(["SADD", "s", "c"]) == oom)
            #expect(h.run(["APPEND", "k", "x"]) == oom)
            #expect(h.run(["SETRANGE", "k", "0", "x"]) == oom)
            #expect(h.run(["SETEX", "k", "10", "v"]) == oom)
            #expect(h.run(["MSET", "k", "v"]) == oom)
            #expect(h.run(["EXPIRE", "k2", "10"]) == RESP.int(1))
            #expect(h.run(["PING"]) == RESP.simple("PONG"))
            #expect(h.run(["HDEL", "h", "f"]) == RESP.int(1))
            #expect(h.run(["ZREM", "z", "a"]) == RESP.int(1))
            #expect(h.run(["SREM", "s", "a"]) == RESP.int(1))
            #expect(h.run(["DEL", "k"]) == RESP.int(1))
            #expect(h.run(["EXISTS", "x"]) == RESP.int(0))
            #expect(h.dispatcher.evictedKeys == 0)
            #expect(h.dispatcher.errorCounts["OOM"] == 10)
            // Every command measured (the figure never was well below the limit).
            #expect(meter.reads == 18)
            // Back under the limit, writes run again.
            meter.bytes = 990
            #expect(h.run(["SET", "x", "1"], ["DBSIZE"]) == RESP.ok + RESP.int(4))
        }

        /// Valkey counts a refused command in its commandstats (`rejectCommand`: `rejected_calls++`); redis-server
        /// 7.0.15 shows `cmdstat_set:calls=0,...,rejected_calls=1` after one refused SET.
        @Test func aRefusedCommandCountsAsRejected() {
            let meter = MemoryMeter()
            let h = harness(.noEviction, meter)
            meter.bytes = 2000
            h.dispatcher.maxMemory = 1000
            #expect(h.run(["SET", "x", "1"]) == oom)
            h.dispatcher.maxMemory = 0
            let info = h.run(["INFO", "commandstats"])
            #expect(info.contains("cmdstat_set:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"))
        }

        /// No limit, no measuring.
        @Test func noLimitNeverMeasures() {
            let meter = MemoryMeter()
            let h = harness(.noEviction, meter)
            meter.bytes = .max
            #expect(h.run(["SET", "k", "v"], ["GET", "k"]) == RESP.ok + RESP.bulk("v"))
            #expect(meter.reads == 0)
        }
    }

    @Suite struct AllKeys {
        /// Before the command runs, keys go until the figure is at or under the limit; then the command runs.
        @Test(arguments: [EvictionPolicy.allKeysLRU, .allKeysLFU, .allKeysRandom])
        func evictUntilUnderTheLimit(_ policy: EvictionPolicy) {
            let meter = MemoryMeter()
            let h = harness(policy, meter)
            h.runBatch((0..<10).map { ["SET", "k\($0)", "v"] })
            meter.bytesPerKey = 100
            h.dispatcher.maxMemory = 750
            #expect(h.run(["SET", "new", "v"]) == RESP.ok)
            // 10 keys (1000 bytes) down to 7, then the SET's own.
            #expect(h.dispatcher.evictedKeys == 3)
            #expect(h.keyspace.totalKeys == 8)
            // The next command evicts again first (800 bytes), whatever it is.
            h.run(["PING"])
            #expect(h.dispatcher.evictedKeys == 4 && h.keyspace.totalKeys == 7)
        }

        /// allkeys-lru takes the keys idle longest (with more samples than keys, exactly those).
        @Test func lruKeepsTheRecentlyUsedKeys() {
            let meter = MemoryMeter()
            let h = harness(.allKeysLRU, meter)
            h.runBatch((0..<10).map { ["SET", "k\($0)", "v"] })
            h.advance(by: 5000)
            h.runBatch((5..<10).map { ["GET", "k\($0)"] })
            h.advance(by: 5000)
            meter.bytesPerKey = 100
            h.dispatcher.maxMemory = 500
            #expect(h.run(["EXISTS", "k0", "k1", "k2", "k3", "k4"]) == RESP.int(0))
            #expect(h.run(["EXISTS", "k5", "k6", "k7", "k8", "k9"]) == RESP.int(5))
            #expect(h.dispatcher.evictedKeys == 5)
        }

        /// Keys of every database are candidates.
        @Test func evictsFromEveryDatabase() {
            let meter = MemoryMeter()
            let h = harness(.allKeysRandom, meter)
            h.run(["SET", "a", "v"], ["SELECT", "3"], ["SET", "b", "v"], ["SELECT", "0"])
            meter.bytesPerKey = 100
            h.dispatcher.maxMemory = 50
            #expect(h.run(["GET", "a"]) == RESP.null)
            #expect(h.keyspace.totalKeys == 0 && h.dispatcher.evictedKeys == 2)
        }

        /// Each evicted key raises the `evicted` keyspace event (class `e`).
        @Test func evictionsArePublished() {
            let meter = MemoryMeter()
            let h = harness(.allKeysRandom, meter)
            let server = FakeServerContext()
            h.server = server
            h.dispatcher.keyspaceEvents = KeyspaceEventFlags(classes: "Ee")!
            h.run(["SET", "a", "v"], ["SET", "b", "v"])
            meter.bytesPerKey = 100
            h.dispatcher.maxMemory = 150
            h.run(["PING"])
            let evicted = server.published.filter { $0.channel == "__keyevent@0__:evicted" }
            #expect(evicted.count == 1)
            #expect(evicted.allSatisfy { $0.message == "a" || $0.message == "b" })
            #expect(h.keyspace.totalKeys == 1)
        }
    }

    @Suite struct Volatile {
        /// volatile-* policies evict only keys with a TTL; with none left, `denyoom` commands are refused and the
        /// keys without a TTL stay.
        @Test(arguments: [EvictionPolicy.volatileLRU, .volatileLFU, .volatileRandom, .volatileTTL])
        func evictOnlyKeysWithATTL(_ policy: EvictionPolicy) {
            let meter = MemoryMeter()
            let h = harness(policy, meter)
            h.runBatch((0..<10).map { ["SET", "p\($0)", "v"] } + (0..<3).map { ["SET", "t\($0)", "v", "EX", "100"] })
            meter.bytesPerKey = 100
            h.dispatcher.maxMemory = 1000
            // 13 keys: the three with a TTL go, which brings the figure to the limit.
            #expect(h.run(["GET", "p0"]) == RESP.bulk("v"))
            #expect(h.dispatcher.evictedKeys == 3)
            #expect(h.run(["EXISTS", "t0", "t1", "t2"]) == RESP.int(0))
            #expect(h.run(["SET", "new", "v"]) == RESP.ok)  // 1000 is not over 1000
            // 1100 bytes and nothing with a TTL: refused, nothing evicted.
            #expect(h.run(["SET", "other", "v"]) == oom)
            #expect(h.run(["GET", "p1"]) == RESP.bulk("v"))
            #expect(h.keyspace.totalKeys == 11 && h.dispatcher.evictedKeys == 3)
            // Deleting makes room.
            #expect(h.run(["DEL", "new"], ["SET", "other", "v"]) == RESP.int(1) + RESP.ok)
        }

        @Test func volatileTTLTakesTheSoonestToExpire() {
            let meter = MemoryMeter()
            let h = harness(.volatileTTL, meter)
            h.run(
                ["SET", "late", "v", "EX", "300"], ["SET", "soon", "v", "EX", "10"], ["SET", "mid", "v", "EX", "100"])
            h.run(["SET", "persistent", "v"])
            meter.bytesPerKey = 100
            h.dispatcher.maxMemory = 300
            #expect(h.run(["EXISTS", "soon"], ["EXISTS", "mid", "late", "persistent"]) == RESP.int(0) + RESP.int(3))
            h.dispatcher.maxMemory = 200
            #expect(h.run(["EXISTS", "mid"], ["EXISTS", "late", "persistent"]) == RESP.int(0) + RESP.int(2))
        }
    }

    /// Inside MULTI, and EXEC (redis-server 7.0.15's replies).
    @Suite struct Transactions {
        /// Over the limit every command but EXEC, DISCARD, QUIT and RESET is refused at queue time (queueing takes
        /// memory too), which spoils the transaction.
        @Test func queueingIsRefusedOverTheLimit() {
            let meter = MemoryMeter()
            let h = harness(.noEviction, meter)
            h.run(["SET", "k", "v"])
            meter.bytes = 2000
            h.dispatcher.maxMemory = 1000
            #expect(h.run(["MULTI"]) == RESP.ok)
            #expect(h.run(["GET", "k"]) == oom)
            #expect(h.run(["SET", "x", "1"]) == oom)
            #expect(h.run(["EXEC"]) == RESP.error("EXECABORT Transaction discarded because of previous errors."))
            #expect(h.run(["MULTI"], ["DISCARD"]) == RESP.ok + RESP.ok)
            #expect(h.run(["GET", "x"]) == RESP.null)
        }

        /// A transaction queued under the limit: EXEC is refused (and the transaction discarded) when it holds a
        /// `denyoom` command and the server is over the limit by then; one of reads only runs.
        @Test func execOfAWriteOverTheLimitIsAborted() {
            let meter = MemoryMeter()
            let h = harness(.noEviction, meter)
            h.run(["SET", "k", "v"])
            // Near the limit, so that every command measures (well below, 15 would not).
            meter.bytes = 950
            h.dispatcher.maxMemory = 1000
            #expect(h.run(["MULTI"], ["SET", "q", "1"], ["GET", "k"]) == RESP.ok + RESP.queued + RESP.queued)
            meter.bytes = 2000
            #expect(h.run(["EXEC"]) == execAbortOOM)
            #expect(h.client.inMulti == false)
            #expect(h.run(["GET", "q"]) == RESP.null)
            meter.bytes = 950
            #expect(h.run(["MULTI"], ["GET", "k"]) == RESP.ok + RESP.queued)
            meter.bytes = 2000
            #expect(h.run(["EXEC"]) == RESP.array(RESP.bulk("v")))
        }

        /// A write refused at queue time spoils the transaction, but EXEC over the limit answers the OOM abort
        /// first (Valkey checks memory before EXEC looks at the transaction's errors).
        @Test func execOverTheLimitAnswersTheOOMAbortFirst() {
            let meter = MemoryMeter()
            let h = harness(.noEviction, meter)
            meter.bytes = 950
            h.dispatcher.maxMemory = 1000
            #expect(h.run(["MULTI"], ["SET", "q", "1"]) == RESP.ok + RESP.queued)
            meter.bytes = 2000
            #expect(h.run(["SET", "q2", "1"]) == oom)
            #expect(h.run(["EXEC"]) == execAbortOOM)
            #expect(h.run(["EXISTS", "q", "q2"]) == RESP.int(0))
        }

        /// The commands EXEC runs are not checked again one by one: the command after EXEC evicts.
        @Test func execRunsItsCommandsWithoutEvictingBetweenThem() {
            let meter = MemoryMeter()
            let h = harness(.allKeysRandom, meter)
            h.run(["SET", "x", "1"], ["SET", "y", "1"])
            meter.bytesPerKey = 100
            // 200 bytes: under 210 but not an eighth below it, so every command measures.
            h.dispatcher.maxMemory = 210
            #expect(
                h.run(["MULTI"], ["SET", "a", "1"], ["SET", "b", "1"], ["SET", "c", "1"], ["SET", "d", "1"])
                    == RESP.ok + RESP.queued + RESP.queued + RESP.queued + RESP.queued)
            #expect(h.run(["EXEC"]) == RESP.array(RESP.ok, RESP.ok, RESP.ok, RESP.ok))
            #expect(h.keyspace.totalKeys == 6 && h.dispatcher.evictedKeys == 0)
            h.run(["PING"])
            #expect(h.keyspace.totalKeys == 2 && h.dispatcher.evictedKeys == 4)
        }
    }

    /// `memoryChecksSkippedWhenWellBelow`: after a measurement more than an eighth below the limit, the next 15
    /// commands run without measuring; near or over the limit every command measures.
    @Suite struct MeasurementSkipping {
        @Test func wellBelowTheLimitOneCommandInSixteenMeasures() {
            let meter = MemoryMeter()
            let h = harness(.noEviction, meter)
            meter.bytes = 100
            h.dispatcher.maxMemory = 1000
            h.runBatch(Array(repeating: ["PING"], count: 16))
            #expect(meter.reads == 1)
            h.run(["PING"])
            #expect(meter.reads == 2)
            h.runBatch(Array(repeating: ["PING"], count: 15))
            #expect(meter.reads == 2)
            // Near the limit (not more than an eighth below): the next measurement stops the skipping.
            meter.bytes = 900
            h.runBatch(Array(repeating: ["PING"], count: 4))
            #expect(meter.reads == 6)
        }

        /// While skipping, a write runs even if memory has grown past the limit meanwhile: the 16th command after
        /// the measurement notices.
        @Test func aSkippedCheckIsCaughtUpWithinSixteenCommands() {
            let meter = MemoryMeter()
            let h = harness(.noEviction, meter)
            meter.bytes = 100
            h.dispatcher.maxMemory = 1000
            #expect(h.run(["SET", "a", "1"]) == RESP.ok)
            meter.bytes = 5000
            #expect(
                h.runBatch(Array(repeating: ["SET", "a", "1"], count: 15)) == String(repeating: RESP.ok, count: 15))
            #expect(h.run(["SET", "a", "1"]) == oom)
        }

        /// Setting `maxmemory` ends the skipping: the next command measures against the new limit.
        @Test func changingTheLimitMeasuresAtOnce() {
            let meter = MemoryMeter()
            let h = harness(.noEviction, meter)
            meter.bytes = 100
            h.dispatcher.maxMemory = 1000
            h.run(["PING"])
            #expect(meter.reads == 1)
            h.dispatcher.maxMemory = 50
            #expect(h.run(["SET", "a", "1"]) == oom)
            #expect(meter.reads == 2)
        }
    }
}
