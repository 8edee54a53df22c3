import NIOCore
import PodiumCommands
import PodiumKeyspace
import Testing

/// Records what the dispatcher propagates, unit by unit.
private final class RecordingPropagator: CommandPropagator {
    var units: [(commands: [[String]], atomic: Bool)] = []
    var refusal: String?

    func propagate(_ commands: [PropagatedCommand], atomic: Bool) {
        units.append((commands.map { c in ["db\(c.db)"] + c.args.map { String(buffer: $0) } }, atomic))
    }

    func writeRefusal() -> String? { refusal }

    /// Every propagated command, flattened, with its database first.
    var flat: [[String]] { units.flatMap(\.commands) }
}

/// What reaches the AOF for each command: Valkey 7's `call()` / `propagatePendingCommands()` rules.
@Suite struct PropagationTests {
    private func harness() -> (CommandHarness, RecordingPropagator) {
        let h = CommandHarness()
        let p = RecordingPropagator()
        h.dispatcher.propagator = p
        return (h, p)
    }

    @Test func writesAreRecordedAsSentAndReadsOrNoOpsNot() {
        let (h, p) = harness()
        h.run(
            ["SET", "a", "1"], ["GET", "a"], ["DEL", "missing"], ["SET", "a", "2", "NX"], ["EXPIRE", "nope", "5"],
            ["HSET", "h", "f", "v"], ["ZADD", "z", "1", "m"], ["PERSIST", "a"], ["EXISTS", "a"])
        #expect(
            p.flat == [["db0", "SET", "a", "1"], ["db0", "HSET", "h", "f", "v"], ["db0", "ZADD", "z", "1", "m"]])
        #expect(p.units.allSatisfy { !$0.atomic })
    }

    @Test func relativeExpiriesBecomeAbsolute() {
        let (h, p) = harness()
        let now = h.now
        h.run(
            ["SET", "k", "v", "EX", "10"], ["SETEX", "s", "5", "v"], ["PSETEX", "ps", "700", "v"],
            ["EXPIRE", "k", "20", "GT"], ["PEXPIRE", "s", "100"], ["EXPIREAT", "ps", "\(now / 1000 + 30)"],
            ["SET", "k2", "v", "PXAT", "\(now + 5)"])
        #expect(
            p.flat == [
                ["db0", "SET", "k", "v", "PXAT", "\(now + 10_000)"],
                ["db0", "SET", "s", "v", "PXAT", "\(now + 5000)"],
                ["db0", "SET", "ps", "v", "PXAT", "\(now + 700)"],
                ["db0", "PEXPIREAT", "k", "\(now + 20_000)", "GT"],
                ["db0", "PEXPIREAT", "s", "\(now + 100)"],
                ["db0", "PEXPIREAT", "ps", "\((now / 1000 + 30) * 1000)"],
                ["db0", "SET", "k2", "v", "PXAT", "\(now + 5)"],
            ])
    }

    @Test func aTimeAlreadyPastIsADel() {
        let (h, p) = harness()
        h.run(["SET", "k", "v"], ["EXPIRE", "k", "-1"], ["SET", "g", "v"], ["GETEX", "g", "PXAT", "1"])
        #expect(
            p.flat == [
                ["db0", "SET", "k", "v"], ["db0", "DEL", "k"], ["db0", "SET", "g", "v"], ["db0", "DEL", "g"],
            ])
    }

    @Test func floatIncrementsAreRecordedAsTheirResult() {
        let (h, p) = harness()
        h.run(["INCRBYFLOAT", "f", "0.1"], ["INCRBYFLOAT", "f", "0.2"], ["HINCRBYFLOAT", "h", "x", "2.5e1"])
        #expect(
            p.flat == [
                ["db0", "SET", "f", "0.1", "KEEPTTL"], ["db0", "SET", "f", "0.3", "KEEPTTL"],
                ["db0", "HSET", "h", "x", "25"],
            ])
    }

    @Test func getVariantsAreRecordedAsTheirEffect() {
        let (h, p) = harness()
        h.run(
            ["SET", "a", "1", "EX", "100"], ["GETSET", "a", "2"], ["SET", "a", "3", "GET"], ["GETDEL", "a"],
            ["GETDEL", "a"], ["SET", "b", "1", "EX", "5"], ["GETEX", "b", "PERSIST"], ["GETEX", "b"])
        #expect(
            Array(p.flat.dropFirst()) == [
                ["db0", "SET", "a", "2"], ["db0", "SET", "a", "3"], ["db0", "DEL", "a"], p.flat[4],
                ["db0", "PERSIST", "b"],
            ])
        #expect(p.flat[4].prefix(3) == ["db0", "SET", "b"])
    }

    @Test func execIsOneAtomicUnitAndEmptyTransactionsNothing() {
        let (h, p) = harness()
        h.run(["MULTI"], ["SET", "a", "1"], ["GET", "a"], ["INCR", "a"], ["EXEC"])
        #expect(p.units.count == 1)
        #expect(p.units[0].atomic)
        #expect(p.units[0].commands == [["db0", "SET", "a", "1"], ["db0", "INCR", "a"]])
        h.run(["MULTI"], ["GET", "a"], ["EXEC"])
        h.run(["MULTI"], ["INCR", "a"], ["EXEC"])
        #expect(p.units.count == 2)
        #expect(!p.units[1].atomic)  // one write: no MULTI needed around it
    }

    @Test func selectTravelsWithEachCommand() {
        let (h, p) = harness()
        h.run(["SET", "a", "1"], ["SELECT", "3"], ["SET", "b", "2"], ["SWAPDB", "3", "4"], ["MOVE", "b", "0"])
        #expect(
            p.flat == [
                ["db0", "SET", "a", "1"], ["db3", "SET", "b", "2"], ["db3", "SWAPDB", "3", "4"],
            ])
    }

    @Test func lazilyExpiredKeysAreDeletedFirst() {
        let (h, p) = harness()
        h.run(["SET", "k", "v", "PX", "10"], ["SET", "j", "v", "PX", "10"])
        p.units.removeAll()
        h.advance(by: 50)
        h.run(["GET", "k"])
        h.run(["SET", "j", "new"])
        #expect(p.units.count == 2)
        #expect(p.units[0].commands == [["db0", "DEL", "k"]])
        #expect(!p.units[0].atomic)
        // A write that found its key expired: the DEL and the write replay together.
        #expect(p.units[1].commands == [["db0", "DEL", "j"], ["db0", "SET", "j", "new"]])
        #expect(p.units[1].atomic)
    }

    @Test func flushesAreAlwaysRecorded() {
        let (h, p) = harness()
        h.run(["FLUSHALL"], ["FLUSHDB", "ASYNC"])
        #expect(p.flat == [["db0", "FLUSHALL"], ["db0", "FLUSHDB", "ASYNC"]])
    }

    @Test func aDiskErrorRefusesWritesAndPingButNotReads() {
        let (h, p) = harness()
        h.run(["SET", "a", "1"])
        p.refusal = "No space left on device"
        let misconf = RESP.error("MISCONF Errors writing to the AOF file: No space left on device")
        #expect(h.run(["SET", "b", "1"]) == misconf)
        #expect(h.run(["PING"]) == misconf)
        #expect(h.run(["GET", "a"]) == RESP.bulk("1"))
        #expect(
            h.run(["MULTI"], ["SET", "c", "1"], ["EXEC"]) == RESP.ok + misconf
                + RESP.error("EXECABORT Transaction discarded because of previous errors."))
        #expect(h.run(["MULTI"], ["GET", "a"], ["EXEC"]) == RESP.ok + RESP.queued + RESP.array(RESP.bulk("1")))
        p.refusal = nil
        #expect(h.run(["SET", "b", "1"]) == RESP.ok)
    }

    @Test func whileLoadingOnlyLoadingCommandsRun() {
        let (h, _) = harness()
        h.keyspace.isLoading = true
        let loading = RESP.error("LOADING Podium is loading the dataset in memory")
        #expect(h.run(["GET", "a"]) == loading)
        #expect(h.run(["PING"]) == loading)
        #expect(h.run(["SELECT", "1"]) == RESP.ok)
        #expect(
            h.run(["MULTI"], ["GET", "a"], ["EXEC"], as: h.client) == RESP.ok + loading
                + RESP.error("EXECABORT Transaction discarded because of previous errors."))
        let loader = h.makeClient()
        loader.replaysLog = true
        #expect(h.run(["SET", "a", "1"], as: loader) == RESP.ok)
        h.keyspace.isLoading = false
        #expect(h.run(["SELECT", "0"], ["GET", "a"]) == RESP.ok + RESP.bulk("1"))
    }

    @Test func nothingExpiresWhileLoading() {
        let (h, _) = harness()
        let loader = h.makeClient()
        loader.replaysLog = true
        h.keyspace.isLoading = true
        // A log replayed after its TTLs passed: the key lives until loading ends, so later commands see it.
        h.run(["SET", "k", "1", "PXAT", "\(h.now - 1000)"], ["INCR", "k"], ["EXPIRE", "j", "-1"], as: loader)
        #expect(h.keyspace[0].count == 1)
        h.keyspace.isLoading = false
        #expect(h.run(["GET", "k"]) == RESP.null)
    }
}
