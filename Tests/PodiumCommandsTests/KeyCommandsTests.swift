import PodiumCommands
import PodiumKeyspace
import Testing

/// Valkey's `generic` group: keys, TTLs, iteration, databases.
@Suite struct KeyCommandsTests {
    @Suite struct Existence {
        @Test func delExistsTouchType() {
            let h = CommandHarness()
            h.run(["MSET", "a", "1", "b", "2"])
            #expect(h.run(["EXISTS", "a", "a", "b", "nosuch"]) == RESP.int(3))
            #expect(h.run(["TOUCH", "a", "nosuch"]) == RESP.int(1))
            #expect(h.run(["TYPE", "a"], ["TYPE", "nosuch"]) == RESP.simple("string") + RESP.simple("none"))
            #expect(h.run(["DEL", "a", "a", "nosuch"]) == RESP.int(1))
            #expect(h.run(["UNLINK", "b"], ["DBSIZE"]) == RESP.int(1) + RESP.int(0))
        }
    }

    @Suite struct Expire {
        @Test func setsAndReports() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            #expect(
                h.run(["EXPIRE", "k", "100"], ["TTL", "k"], ["PTTL", "k"]) == RESP.int(1) + RESP.int(100)
                    + RESP.int(100_000))
            #expect(h.run(["PEXPIRE", "k", "1500"], ["PTTL", "k"]) == RESP.int(1) + RESP.int(1500))
            #expect(h.run(["EXPIRE", "nosuch", "100"]) == RESP.int(0))
        }

        @Test func absoluteTimes() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            let at = Int(h.now / 1000) + 60
            #expect(h.run(["EXPIREAT", "k", String(at)], ["EXPIRETIME", "k"]) == RESP.int(1) + RESP.int(at))
            #expect(h.run(["PEXPIRETIME", "k"]) == RESP.int(at * 1000))
            let atMs = Int(h.now) + 1234
            #expect(
                h.run(["PEXPIREAT", "k", String(atMs)], ["PEXPIRETIME", "k"], ["EXPIRETIME", "k"])
                    == RESP.int(1) + RESP.int(atMs) + RESP.int(atMs / 1000))
        }

        @Test func ttlOfMissingAndPersistentKeys() {
            let h = CommandHarness()
            h.run(["SET", "p", "v"])
            for command in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
                #expect(h.run([command, "p"]) == RESP.int(-1), "\(command)")
                #expect(h.run([command, "nosuch"]) == RESP.int(-2), "\(command)")
            }
        }

        /// TTL rounds to the nearest second: `(ms + 500) / 1000`.
        @Test(arguments: [(1500, 2), (1499, 1), (500, 1), (499, 0), (1, 0), (10_000, 10), (9_501, 10), (9_499, 9)])
        func ttlRounding(_ milliseconds: Int, _ seconds: Int) {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "PX", String(milliseconds)])
            #expect(h.run(["TTL", "k"]) == RESP.int(seconds))
        }

        @Test func ttlCountsDownWithTheClock() {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "EX", "10"])
            h.advance(by: 2_400)
            #expect(h.run(["PTTL", "k"], ["TTL", "k"]) == RESP.int(7_600) + RESP.int(8))
            h.advance(by: 7_599)
            #expect(h.run(["PTTL", "k"], ["TTL", "k"]) == RESP.int(1) + RESP.int(0))
            h.advance(by: 2)
            #expect(h.run(["PTTL", "k"], ["GET", "k"]) == RESP.int(-2) + RESP.null)
        }

        @Test func ttlNearTheEndOfTime() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            #expect(h.run(["PEXPIREAT", "k", "9223372036854775807"]) == RESP.int(1))
            let ms = Int.max - Int(h.now)
            #expect(h.run(["PTTL", "k"], ["TTL", "k"]) == RESP.int(ms) + RESP.int((ms + 500) / 1000))
        }

        @Test func pastTimesDelete() {
            let h = CommandHarness()
            h.run(["MSET", "a", "1", "b", "2", "c", "3", "d", "4"])
            #expect(h.run(["EXPIRE", "a", "-1"]) == RESP.int(1))
            #expect(h.run(["EXPIRE", "b", "0"]) == RESP.int(1))
            #expect(h.run(["PEXPIREAT", "c", String(Int(h.now))]) == RESP.int(1))
            #expect(h.run(["EXPIREAT", "d", "1"]) == RESP.int(1))
            #expect(h.run(["EXISTS", "a", "b", "c", "d"], ["DBSIZE"]) == RESP.int(0) + RESP.int(0))
        }

        @Test func lazyExpiry() {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "PX", "100"])
            h.advance(by: 99)
            #expect(h.run(["GET", "k"]) == RESP.bulk("v"))
            h.advance(by: 2)
            // DBSIZE counts a logically expired key until something touches it, as in Redis.
            #expect(h.run(["DBSIZE"], ["GET", "k"], ["DBSIZE"]) == RESP.int(1) + RESP.null + RESP.int(0))
        }

        @Test func nx() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            #expect(h.run(["EXPIRE", "k", "100", "NX"]) == RESP.int(1))
            #expect(h.run(["EXPIRE", "k", "200", "NX"], ["TTL", "k"]) == RESP.int(0) + RESP.int(100))
        }

        @Test func xx() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            #expect(h.run(["EXPIRE", "k", "100", "XX"], ["TTL", "k"]) == RESP.int(0) + RESP.int(-1))
            h.run(["EXPIRE", "k", "100"])
            #expect(h.run(["EXPIRE", "k", "200", "xx"], ["TTL", "k"]) == RESP.int(1) + RESP.int(200))
        }

        @Test func gt() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            // No TTL counts as infinite: nothing is greater.
            #expect(h.run(["EXPIRE", "k", "100", "GT"], ["TTL", "k"]) == RESP.int(0) + RESP.int(-1))
            h.run(["EXPIRE", "k", "100"])
            #expect(h.run(["EXPIRE", "k", "50", "GT"], ["TTL", "k"]) == RESP.int(0) + RESP.int(100))
            #expect(h.run(["EXPIRE", "k", "100", "GT"]) == RESP.int(0))
            #expect(h.run(["EXPIRE", "k", "200", "GT"], ["TTL", "k"]) == RESP.int(1) + RESP.int(200))
        }

        @Test func lt() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            // No TTL counts as infinite: anything is less.
            #expect(h.run(["EXPIRE", "k", "200", "LT"], ["TTL", "k"]) == RESP.int(1) + RESP.int(200))
            #expect(h.run(["EXPIRE", "k", "300", "LT"], ["TTL", "k"]) == RESP.int(0) + RESP.int(200))
            #expect(h.run(["EXPIRE", "k", "200", "LT"]) == RESP.int(0))
            #expect(h.run(["EXPIRE", "k", "100", "lt"], ["TTL", "k"]) == RESP.int(1) + RESP.int(100))
        }

        @Test func gtAndXXTogether() {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "EX", "100"])
            #expect(h.run(["EXPIRE", "k", "200", "XX", "GT"], ["TTL", "k"]) == RESP.int(1) + RESP.int(200))
        }

        @Test func optionErrors() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            let nxConflict = RESP.error("ERR NX and XX, GT or LT options at the same time are not compatible")
            #expect(h.run(["EXPIRE", "k", "10", "NX", "XX"]) == nxConflict)
            #expect(h.run(["EXPIRE", "k", "10", "NX", "GT"]) == nxConflict)
            #expect(h.run(["EXPIRE", "k", "10", "LT", "NX"]) == nxConflict)
            #expect(
                h.run(["EXPIRE", "k", "10", "GT", "LT"])
                    == RESP.error("ERR GT and LT options at the same time are not compatible"))
            #expect(h.run(["EXPIRE", "k", "10", "FOO"]) == RESP.error("ERR Unsupported option FOO"))
            // Options are checked before the time.
            #expect(h.run(["EXPIRE", "k", "soon", "FOO"]) == RESP.error("ERR Unsupported option FOO"))
            #expect(h.run(["EXPIRE", "k", "soon"]) == RESP.notInteger)
            #expect(h.run(["TTL", "k"]) == RESP.int(-1))
        }

        @Test func invalidExpireTimes() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            #expect(
                h.run(["EXPIRE", "k", "9223372036854775807"])
                    == RESP.error("ERR invalid expire time in 'expire' command"))
            #expect(
                h.run(["EXPIRE", "k", "-9223372036854775808"])
                    == RESP.error("ERR invalid expire time in 'expire' command"))
            #expect(
                h.run(["PEXPIRE", "k", "9223372036854775807"])
                    == RESP.error("ERR invalid expire time in 'pexpire' command"))
            #expect(
                h.run(["EXPIREAT", "k", "9223372036854775807"])
                    == RESP.error("ERR invalid expire time in 'expireat' command"))
            #expect(h.run(["TTL", "k"]) == RESP.int(-1))
        }

        @Test func persist() {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "EX", "100"], ["SET", "p", "v"])
            #expect(
                h.run(["PERSIST", "k"], ["PERSIST", "k"], ["TTL", "k"]) == RESP.int(1) + RESP.int(0) + RESP.int(-1))
            #expect(h.run(["PERSIST", "p"], ["PERSIST", "nosuch"]) == RESP.int(0) + RESP.int(0))
        }
    }

    @Suite struct RenameAndCopy {
        @Test func renameKeepsValueAndTTL() {
            let h = CommandHarness()
            h.run(["SET", "a", "v", "EX", "100"], ["SET", "b", "old"])
            #expect(
                h.run(["RENAME", "a", "b"], ["GET", "b"], ["TTL", "b"], ["EXISTS", "a"])
                    == RESP.ok + RESP.bulk("v") + RESP.int(100) + RESP.int(0))
            #expect(h.run(["RENAME", "nosuch", "x"]) == RESP.error("ERR no such key"))
            #expect(h.run(["RENAME", "b", "b"]) == RESP.ok)
        }

        @Test func renameDropsTheDestinationTTL() {
            let h = CommandHarness()
            h.run(["SET", "a", "v"], ["SET", "b", "w", "EX", "100"])
            #expect(h.run(["RENAME", "a", "b"], ["TTL", "b"]) == RESP.ok + RESP.int(-1))
        }

        @Test func renamenx() {
            let h = CommandHarness()
            h.run(["MSET", "a", "1", "b", "2"])
            #expect(h.run(["RENAMENX", "a", "b"]) == RESP.int(0))
            #expect(h.run(["RENAMENX", "a", "c"], ["GET", "c"]) == RESP.int(1) + RESP.bulk("1"))
            #expect(h.run(["RENAMENX", "nosuch", "d"]) == RESP.error("ERR no such key"))
        }

        @Test func copy() {
            let h = CommandHarness()
            h.run(["SET", "a", "v", "EX", "100"], ["SET", "b", "other"])
            #expect(
                h.run(["COPY", "a", "c"], ["GET", "c"], ["TTL", "c"]) == RESP.int(1) + RESP.bulk("v") + RESP.int(100))
            #expect(h.run(["COPY", "a", "b"], ["GET", "b"]) == RESP.int(0) + RESP.bulk("other"))
            #expect(h.run(["COPY", "a", "b", "REPLACE"], ["GET", "b"]) == RESP.int(1) + RESP.bulk("v"))
            #expect(h.run(["COPY", "nosuch", "x"]) == RESP.int(0))
            #expect(h.run(["COPY", "a", "a"]) == RESP.error("ERR source and destination objects are the same"))
            #expect(
                h.run(["COPY", "a", "a", "DB", "1"], ["SELECT", "1"], ["GET", "a"], ["SELECT", "0"])
                    == RESP.int(1) + RESP.ok + RESP.bulk("v") + RESP.ok)
            #expect(h.run(["COPY", "a", "x", "DB", "16"]) == RESP.error("ERR DB index is out of range"))
            #expect(h.run(["COPY", "a", "x", "FOO"]) == RESP.syntaxError)
        }
    }

    @Suite struct Iteration {
        @Test func keysMatchesAPattern() throws {
            let h = CommandHarness()
            h.run(["MSET", "user:1", "a", "user:2", "b", "item:1", "c"])
            let all = try #require(RESPValue.parse(h.run(["KEYS", "*"]))?.strings)
            #expect(Swift.Set(all) == ["user:1", "user:2", "item:1"])
            let users = try #require(RESPValue.parse(h.run(["KEYS", "user:*"]))?.strings)
            #expect(Swift.Set(users) == ["user:1", "user:2"])
            #expect(h.run(["KEYS", "nomatch*"]) == "*0\r\n")
            #expect(h.run(["KEYS", "item:[0-9]"]) == RESP.bulks("item:1"))
        }

        @Test func keysSkipsExpired() {
            let h = CommandHarness()
            h.run(["SET", "live", "v"], ["SET", "dead", "v", "PX", "10"])
            h.advance(by: 11)
            #expect(h.run(["KEYS", "*"]) == RESP.bulks("live"))
        }

        /// Walks SCAN to the end and returns the keys and the number of calls.
        static func scanAll(_ h: CommandHarness, _ options: [String] = []) throws -> (keys: [String], calls: Int) {
            var cursor = "0"
            var keys: [String] = []
            var calls = 0
            repeat {
                let reply = try #require(RESPValue.parse(h.runBatch([["SCAN", cursor] + options])))
                guard case .array(let parts) = reply, parts.count == 2, case .bulk(let next) = parts[0],
                    let batch = parts[1].strings
                else {
                    Issue.record("malformed SCAN reply \(reply)")
                    return (keys, calls)
                }
                keys += batch
                cursor = next
                calls += 1
            } while cursor != "0" && calls < 10_000
            return (keys, calls)
        }

        @Test func scanVisitsEveryKey() throws {
            let h = CommandHarness()
            h.runBatch((0..<100).map { ["SET", "k\($0)", "v"] })
            let (keys, calls) = try Self.scanAll(h)
            #expect(Swift.Set(keys).count == 100)
            #expect(calls >= 10)
            let (counted, fewerCalls) = try Self.scanAll(h, ["COUNT", "1000"])
            #expect(Swift.Set(counted).count == 100)
            #expect(fewerCalls == 1)
        }

        @Test func scanMatchAndType() throws {
            let h = CommandHarness()
            h.runBatch((0..<30).map { ["SET", $0 % 3 == 0 ? "a:\($0)" : "b:\($0)", "v"] })
            let (matched, _) = try Self.scanAll(h, ["MATCH", "a:*", "COUNT", "7"])
            #expect(Swift.Set(matched) == Swift.Set((0..<30).filter { $0 % 3 == 0 }.map { "a:\($0)" }))
            #expect(try Self.scanAll(h, ["TYPE", "string"]).keys.count == 30)
            #expect(try Self.scanAll(h, ["TYPE", "hash"]).keys.isEmpty)
        }

        @Test func scanErrors() {
            let h = CommandHarness()
            #expect(h.run(["SCAN", "abc"]) == RESP.error("ERR invalid cursor"))
            #expect(h.run(["SCAN", "-1"]) == RESP.error("ERR invalid cursor"))
            #expect(h.run(["SCAN", "0", "COUNT", "0"]) == RESP.syntaxError)
            #expect(h.run(["SCAN", "0", "COUNT", "x"]) == RESP.notInteger)
            #expect(h.run(["SCAN", "0", "FOO"]) == RESP.syntaxError)
            #expect(h.run(["SCAN", "0", "MATCH"]) == RESP.syntaxError)
        }

        @Test func scanOfAnEmptyDatabase() {
            let h = CommandHarness()
            #expect(h.run(["SCAN", "0"]) == RESP.array(RESP.bulk("0"), "*0\r\n"))
        }

        @Test func randomkey() {
            let h = CommandHarness()
            #expect(h.run(["RANDOMKEY"]) == RESP.null)
            h.run(["SET", "only", "v"])
            #expect(h.run(["RANDOMKEY"]) == RESP.bulk("only"))
        }
    }

    @Suite struct Databases {
        @Test func selectIsPerClient() {
            let h = CommandHarness()
            let other = h.makeClient()
            #expect(h.run(["SELECT", "1"], ["SET", "k", "one"]) == RESP.ok + RESP.ok)
            #expect(h.run(["GET", "k"], as: other) == RESP.null)
            #expect(h.run(["SELECT", "1"], ["GET", "k"], as: other) == RESP.ok + RESP.bulk("one"))
            #expect(h.run(["SELECT", "16"]) == RESP.error("ERR DB index is out of range"))
            #expect(h.run(["SELECT", "-1"]) == RESP.error("ERR DB index is out of range"))
        }

        @Test func dbsizeAndFlush() {
            let h = CommandHarness()
            h.run(["MSET", "a", "1", "b", "2"], ["SELECT", "1"], ["SET", "c", "3"])
            #expect(h.run(["DBSIZE"]) == RESP.int(1))
            #expect(
                h.run(["FLUSHDB"], ["DBSIZE"], ["SELECT", "0"], ["DBSIZE"]) == RESP.ok + RESP.int(0) + RESP.ok
                    + RESP.int(2))
            #expect(h.run(["FLUSHALL", "ASYNC"], ["DBSIZE"]) == RESP.ok + RESP.int(0))
            #expect(h.run(["FLUSHDB", "SYNC"]) == RESP.ok)
            #expect(h.run(["FLUSHDB", "FOO"]) == RESP.syntaxError)
            #expect(h.run(["FLUSHALL", "SYNC", "ASYNC"]) == RESP.syntaxError)
        }

        @Test func swapdb() {
            let h = CommandHarness()
            h.run(["SET", "k", "zero"], ["SELECT", "1"], ["SET", "k", "one"], ["SELECT", "0"])
            #expect(h.run(["SWAPDB", "0", "1"], ["GET", "k"]) == RESP.ok + RESP.bulk("one"))
            #expect(h.run(["SWAPDB", "0", "x"]) == RESP.error("ERR invalid second DB index"))
            #expect(h.run(["SWAPDB", "x", "0"]) == RESP.error("ERR invalid first DB index"))
            #expect(h.run(["SWAPDB", "0", "16"]) == RESP.error("ERR DB index is out of range"))
        }
    }

    @Suite struct Object {
        @Test func idletimeFollowsTheClock() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            h.advance(by: 10_000)
            #expect(h.run(["OBJECT", "IDLETIME", "k"]) == RESP.int(10))
            h.run(["GET", "k"])
            #expect(h.run(["OBJECT", "IDLETIME", "k"]) == RESP.int(0))
            #expect(h.run(["OBJECT", "IDLETIME", "nosuch"]) == RESP.null)
        }

        @Test func noTouchClientsLeaveTheAccessTime() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            h.advance(by: 5_000)
            #expect(
                h.run(["CLIENT", "NO-TOUCH", "ON"], ["GET", "k"], ["OBJECT", "IDLETIME", "k"])
                    == RESP.ok + RESP.bulk("v") + RESP.int(5))
        }

        @Test func refcount() {
            let h = CommandHarness()
            h.run(["SET", "small", "100"], ["SET", "big", "100000"], ["SET", "s", "abc"])
            #expect(h.run(["OBJECT", "REFCOUNT", "small"]) == RESP.int(Int(Int32.max)))
            #expect(h.run(["OBJECT", "REFCOUNT", "big"]) == RESP.int(1))
            #expect(h.run(["OBJECT", "REFCOUNT", "s"]) == RESP.int(1))
        }
    }
}
