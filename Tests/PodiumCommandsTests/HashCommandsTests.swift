import PodiumCommands
import PodiumKeyspace
import Testing

/// Valkey's `hash` group. Expected replies are redis-server 7.0.15's, except where a test says it follows Valkey
/// (HSCAN NOVALUES, field TTLs).
@Suite struct HashCommandsTests {
    @Suite struct SetAndGet {
        @Test func hsetHgetHmget() {
            let h = CommandHarness()
            #expect(h.run(["HSET", "h", "f1", "v1", "f2", "v2"]) == RESP.int(2))
            #expect(h.run(["HSET", "h", "f1", "new", "f3", "v3"]) == RESP.int(1))
            #expect(h.run(["HGET", "h", "f1"]) == RESP.bulk("new"))
            #expect(h.run(["HGET", "h", "nosuch"]) == RESP.null)
            #expect(h.run(["HGET", "nosuch", "f1"]) == RESP.null)
            #expect(
                h.run(["HMGET", "h", "f1", "nosuch", "f3"])
                    == RESP.array(RESP.bulk("new"), RESP.null, RESP.bulk("v3")))
            #expect(h.run(["HMGET", "nosuch", "a", "b"]) == RESP.array(RESP.null, RESP.null))
            #expect(h.run(["HLEN", "h"]) == RESP.int(3))
            #expect(h.run(["HLEN", "nosuch"]) == RESP.int(0))
        }

        @Test func hmsetRepliesOK() {
            let h = CommandHarness()
            #expect(h.run(["HMSET", "h", "a", "1", "b", "2"]) == RESP.ok)
            #expect(h.run(["HMSET", "h", "a", "3"]) == RESP.ok)
            #expect(h.run(["HGETALL", "h"]) == RESP.bulks("a", "3", "b", "2"))
            #expect(h.run(["HMSET", "h", "a"]) == RESP.arity("hmset"))
            #expect(h.run(["HSET", "h", "a"]) == RESP.arity("hset"))
            #expect(h.run(["HSET", "h", "a", "1", "b"]) == RESP.arity("hset"))
        }

        @Test func hsetnx() {
            let h = CommandHarness()
            #expect(h.run(["HSETNX", "h", "f", "v"]) == RESP.int(1))
            #expect(h.run(["HSETNX", "h", "f", "other"]) == RESP.int(0))
            #expect(h.run(["HGET", "h", "f"]) == RESP.bulk("v"))
            #expect(h.run(["HSETNX", "h", "g", "w"]) == RESP.int(1))
            #expect(h.run(["HLEN", "h"]) == RESP.int(2))
        }

        @Test func getallKeysValsKeepInsertionOrder() {
            let h = CommandHarness()
            #expect(h.run(["HSET", "h", "z", "1", "a", "2", "m", "3"]) == RESP.int(3))
            #expect(h.run(["HGETALL", "h"]) == RESP.bulks("z", "1", "a", "2", "m", "3"))
            #expect(h.run(["HKEYS", "h"]) == RESP.bulks("z", "a", "m"))
            #expect(h.run(["HVALS", "h"]) == RESP.bulks("1", "2", "3"))
            #expect(h.run(["HSET", "h", "a", "20"]) == RESP.int(0))
            #expect(h.run(["HGETALL", "h"]) == RESP.bulks("z", "1", "a", "20", "m", "3"))
            #expect(h.run(["HGETALL", "nosuch"]) == RESP.emptyArray)
            #expect(h.run(["HKEYS", "nosuch"]) == RESP.emptyArray)
            #expect(h.run(["HVALS", "nosuch"]) == RESP.emptyArray)
        }

        @Test func existsAndStrlen() {
            let h = CommandHarness()
            #expect(h.run(["HSET", "h", "f", "hello", "e", ""]) == RESP.int(2))
            #expect(h.run(["HEXISTS", "h", "f"]) == RESP.int(1))
            #expect(h.run(["HEXISTS", "h", "nosuch"]) == RESP.int(0))
            #expect(h.run(["HEXISTS", "nosuch", "f"]) == RESP.int(0))
            #expect(h.run(["HSTRLEN", "h", "f"]) == RESP.int(5))
            #expect(h.run(["HSTRLEN", "h", "e"]) == RESP.int(0))
            #expect(h.run(["HSTRLEN", "h", "nosuch"]) == RESP.int(0))
            #expect(h.run(["HSTRLEN", "nosuch", "f"]) == RESP.int(0))
        }

        @Test func integerValuesStayTheirText() {
            let h = CommandHarness()
            #expect(h.run(["HSET", "h", "n", "0123", "m", "12", "big", "9223372036854775807"]) == RESP.int(3))
            #expect(h.run(["HGET", "h", "n"]) == RESP.bulk("0123"))
            #expect(h.run(["HSTRLEN", "h", "big"]) == RESP.int(19))
            #expect(h.run(["HINCRBY", "h", "m", "1"]) == RESP.int(13))
            #expect(h.run(["HINCRBY", "h", "n", "1"]) == RESP.error("ERR hash value is not an integer"))
        }
    }

    @Suite struct Deletion {
        @Test func hdel() {
            let h = CommandHarness()
            #expect(h.run(["HSET", "h", "a", "1", "b", "2", "c", "3"]) == RESP.int(3))
            #expect(h.run(["HDEL", "h", "a", "nosuch", "a"]) == RESP.int(1))
            #expect(h.run(["HDEL", "h", "nosuch"]) == RESP.int(0))
            #expect(h.run(["HDEL", "nosuch", "a"]) == RESP.int(0))
            #expect(h.run(["HLEN", "h"]) == RESP.int(2))
            #expect(h.run(["HDEL", "h", "b", "c"]) == RESP.int(2))
            #expect(h.run(["EXISTS", "h"]) == RESP.int(0))
            #expect(h.run(["HDEL", "h"]) == RESP.arity("hdel"))
        }
    }

    @Suite struct Increments {
        @Test func hincrby() {
            let h = CommandHarness()
            #expect(h.run(["HINCRBY", "h", "n", "5"]) == RESP.int(5))
            #expect(h.run(["HINCRBY", "h", "n", "-7"]) == RESP.int(-2))
            #expect(h.run(["HINCRBY", "h", "n", "0"]) == RESP.int(-2))
            #expect(h.run(["HGET", "h", "n"]) == RESP.bulk("-2"))
            #expect(h.run(["HINCRBY", "h", "n", "x"]) == RESP.notInteger)
            #expect(h.run(["HINCRBY", "h", "n", "1.5"]) == RESP.notInteger)
            #expect(h.run(["HINCRBY", "h", "n", "9223372036854775808"]) == RESP.notInteger)
        }

        @Test func hincrbyOverflowAndNotAnInteger() {
            let h = CommandHarness()
            #expect(
                h.run([
                    "HSET", "h", "max", "9223372036854775807", "min", "-9223372036854775808", "s", "abc",
                    "f", "1.5", "sp", " 1", "e", "",
                ])
                    == RESP.int(6))
            #expect(h.run(["HINCRBY", "h", "max", "1"]) == RESP.error("ERR increment or decrement would overflow"))
            #expect(h.run(["HINCRBY", "h", "min", "-1"]) == RESP.error("ERR increment or decrement would overflow"))
            #expect(h.run(["HINCRBY", "h", "max", "-1"]) == RESP.int(9_223_372_036_854_775_806))
            #expect(h.run(["HINCRBY", "h", "s", "1"]) == RESP.error("ERR hash value is not an integer"))
            #expect(h.run(["HINCRBY", "h", "f", "1"]) == RESP.error("ERR hash value is not an integer"))
            #expect(h.run(["HINCRBY", "h", "sp", "1"]) == RESP.error("ERR hash value is not an integer"))
            #expect(h.run(["HINCRBY", "h", "e", "1"]) == RESP.error("ERR hash value is not an integer"))
            #expect(h.run(["HGET", "h", "max"]) == RESP.bulk("9223372036854775806"))
        }

        @Test func hincrbyfloat() {
            let h = CommandHarness()
            #expect(h.run(["HINCRBYFLOAT", "h", "f", "1.5"]) == RESP.bulk("1.5"))
            #expect(h.run(["HINCRBYFLOAT", "h", "f", "0.25"]) == RESP.bulk("1.75"))
            #expect(h.run(["HINCRBYFLOAT", "h", "f", "-1.75"]) == RESP.bulk("0"))
            #expect(h.run(["HINCRBYFLOAT", "h", "i", "10"]) == RESP.bulk("10"))
            #expect(h.run(["HINCRBYFLOAT", "h", "e", "5.0e3"]) == RESP.bulk("5000"))
            #expect(h.run(["HGET", "h", "e"]) == RESP.bulk("5000"))
            #expect(h.run(["HSET", "h", "n", "3"]) == RESP.int(1))
            #expect(h.run(["HINCRBYFLOAT", "h", "n", "0.5"]) == RESP.bulk("3.5"))
            #expect(h.run(["HINCRBYFLOAT", "h", "n", "1e20"]) == RESP.bulk("100000000000000000000"))
            #expect(h.run(["HINCRBYFLOAT", "h", "n", "0.1"]) == RESP.bulk("100000000000000000000"))
            #expect(h.run(["HSET", "h", "y", "10"]) == RESP.int(1))
            #expect(h.run(["HINCRBYFLOAT", "h", "y", "1.0e-5"]) == RESP.bulk("10.00001"))
        }

        @Test func hincrbyfloatErrorsAndLongDoubleRange() {
            let h = CommandHarness()
            // 1e308 + 1e308 in long double: no overflow, printed in full (`%.17Lf`, trailing zeros trimmed).
            let twoE308 =
                "199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253"
                + "843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326"
                + "219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711"
                + "514636284849020905456510092687857156096"
            #expect(h.run(["HSET", "h", "s", "abc", "big", "1e308", "n", "1"]) == RESP.int(3))
            #expect(h.run(["HINCRBYFLOAT", "h", "s", "1"]) == RESP.error("ERR hash value is not a float"))
            #expect(h.run(["HINCRBYFLOAT", "h", "n", "x"]) == RESP.notFloat)
            #expect(h.run(["HINCRBYFLOAT", "h", "n", "nan"]) == RESP.notFloat)
            #expect(h.run(["HINCRBYFLOAT", "h", "n", "inf"]) == RESP.error("ERR value is NaN or Infinity"))
            #expect(h.run(["HINCRBYFLOAT", "h", "n", "-inf"]) == RESP.error("ERR value is NaN or Infinity"))
            #expect(
                h.run(["HINCRBYFLOAT", "h", "big", "1e308"])
                    == RESP.bulk(twoE308))
            #expect(h.run(["HINCRBYFLOAT", "h", "n", ""]) == RESP.notFloat)
            #expect(h.run(["HGET", "h", "n"]) == RESP.bulk("1"))
            #expect(
                h.run(["HGET", "h", "big"])
                    == RESP.bulk(twoE308))
        }
    }

    @Suite struct Arity {
        @Test func arityErrors() {
            let h = CommandHarness()
            #expect(h.run(["HSET", "h"]) == RESP.arity("hset"))
            #expect(h.run(["HGET", "h"]) == RESP.arity("hget"))
            #expect(h.run(["HGET", "h", "a", "b"]) == RESP.arity("hget"))
            #expect(h.run(["HMGET", "h"]) == RESP.arity("hmget"))
            #expect(h.run(["HDEL", "h"]) == RESP.arity("hdel"))
            #expect(h.run(["HLEN"]) == RESP.arity("hlen"))
            #expect(h.run(["HLEN", "h", "x"]) == RESP.arity("hlen"))
            #expect(h.run(["HEXISTS", "h"]) == RESP.arity("hexists"))
            #expect(h.run(["HSTRLEN", "h"]) == RESP.arity("hstrlen"))
            #expect(h.run(["HINCRBY", "h", "f"]) == RESP.arity("hincrby"))
            #expect(h.run(["HINCRBYFLOAT", "h", "f"]) == RESP.arity("hincrbyfloat"))
            #expect(h.run(["HSETNX", "h", "f"]) == RESP.arity("hsetnx"))
            #expect(h.run(["HGETALL"]) == RESP.arity("hgetall"))
            #expect(h.run(["HKEYS", "h", "x"]) == RESP.arity("hkeys"))
            #expect(h.run(["HRANDFIELD"]) == RESP.arity("hrandfield"))
            #expect(h.run(["HSCAN", "h"]) == RESP.arity("hscan"))
        }
    }

    @Suite struct Random {
        /// Replies that do not depend on the draw: a one-field hash, empty picks and the argument errors.
        @Test func randomFieldDeterministicReplies() {
            let h = CommandHarness()
            #expect(h.run(["HSET", "h", "f", "v"]) == RESP.int(1))
            #expect(h.run(["HRANDFIELD", "h"]) == RESP.bulk("f"))
            #expect(h.run(["HRANDFIELD", "h", "1"]) == RESP.bulks("f"))
            #expect(h.run(["HRANDFIELD", "h", "3", "WITHVALUES"]) == RESP.bulks("f", "v"))
            #expect(h.run(["HRANDFIELD", "h", "-3"]) == RESP.bulks("f", "f", "f"))
            #expect(h.run(["HRANDFIELD", "h", "-2", "withvalues"]) == RESP.bulks("f", "v", "f", "v"))
            #expect(h.run(["HRANDFIELD", "h", "0"]) == RESP.emptyArray)
            #expect(h.run(["HRANDFIELD", "h", "0", "WITHVALUES"]) == RESP.emptyArray)
            #expect(h.run(["HRANDFIELD", "nosuch"]) == RESP.null)
            #expect(h.run(["HRANDFIELD", "nosuch", "3"]) == RESP.emptyArray)
            #expect(h.run(["HRANDFIELD", "h", "x"]) == RESP.notInteger)
            #expect(h.run(["HRANDFIELD", "h", "1", "NOPE"]) == RESP.syntaxError)
            #expect(h.run(["HRANDFIELD", "h", "1", "WITHVALUES", "extra"]) == RESP.syntaxError)
            #expect(
                h.run(["HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"])
                    == RESP.error("ERR value is out of range"))
        }

        /// Valkey's bounds on the count (`hrandfieldCommand`): within ±LONG_MAX, and with WITHVALUES within
        /// ±LONG_MAX/2.
        @Test func countBounds() {
            let h = CommandHarness()
            h.run(["HSET", "h", "f", "v"])
            #expect(h.run(["HRANDFIELD", "h", "4611686018427387903", "WITHVALUES"]) == RESP.bulks("f", "v"))
            #expect(
                h.run(["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"])
                    == RESP.error("ERR value is out of range"))
            #expect(
                h.run(["HRANDFIELD", "h", "-9223372036854775808"])
                    == RESP.error(
                        "ERR value is out of range, value must between -9223372036854775807 and "
                            + "9223372036854775807"))
            #expect(
                h.run(["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"])
                    == RESP.error("ERR value is out of range"))
        }

        /// A positive count picks distinct fields (at most all of them); a negative one may repeat and gives exactly
        /// that many. Every pick is a field, WITHVALUES with its own value.
        @Test func randomFieldDraws() throws {
            let h = CommandHarness()
            h.keyspace.sampler = SplitMix64(seed: 5)
            h.run(["HSET", "h"] + (0..<10).flatMap { ["f\($0)", "v\($0)"] })
            let fields = Set((0..<10).map { "f\($0)" })
            for _ in 0..<20 {
                let one = try #require(RESPValue.parse(h.run(["HRANDFIELD", "h"])))
                guard case .bulk(let f) = one else {
                    Issue.record("not a bulk: \(one)")
                    continue
                }
                #expect(fields.contains(f))
                let four = try #require(RESPValue.parse(h.run(["HRANDFIELD", "h", "4"]))?.strings)
                #expect(four.count == 4 && Set(four).count == 4 && fields.isSuperset(of: four))
                let all = try #require(RESPValue.parse(h.run(["HRANDFIELD", "h", "11", "WITHVALUES"]))?.strings)
                #expect(all.count == 20)
                #expect(Set(stride(from: 0, to: all.count, by: 2).map { all[$0] }) == fields)
                let repeated = try #require(RESPValue.parse(h.run(["HRANDFIELD", "h", "-25", "WITHVALUES"]))?.strings)
                #expect(repeated.count == 50)
                for i in stride(from: 0, to: repeated.count, by: 2) {
                    #expect(fields.contains(repeated[i]) && repeated[i + 1] == "v" + String(repeated[i].dropFirst()))
                }
            }
        }
    }

    @Suite struct Scan {
        @Test func hscanOfASmallHash() {
            let h = CommandHarness()
            #expect(h.run(["HSET", "h", "a", "1", "b", "2", "ab", "3"]) == RESP.int(3))
            #expect(
                h.run(["HSCAN", "h", "0"]) == RESP.array(RESP.bulk("0"), RESP.bulks("a", "1", "b", "2", "ab", "3")))
            #expect(
                h.run(["HSCAN", "h", "0", "MATCH", "a*"])
                    == RESP.array(RESP.bulk("0"), RESP.bulks("a", "1", "ab", "3")))
            #expect(
                h.run(["HSCAN", "h", "0", "COUNT", "1"])
                    == RESP.array(RESP.bulk("0"), RESP.bulks("a", "1", "b", "2", "ab", "3")))
            #expect(h.run(["HSCAN", "h", "0", "MATCH", "nomatch"]) == RESP.array(RESP.bulk("0"), RESP.emptyArray))
            #expect(h.run(["HSCAN", "nosuch", "0"]) == RESP.array(RESP.bulk("0"), RESP.emptyArray))
            #expect(h.run(["HSCAN", "h", "x"]) == RESP.error("ERR invalid cursor"))
            #expect(h.run(["HSCAN", "h", "0", "COUNT", "0"]) == RESP.syntaxError)
            #expect(h.run(["HSCAN", "h", "0", "COUNT", "x"]) == RESP.notInteger)
            #expect(h.run(["HSCAN", "h", "0", "MATCH"]) == RESP.syntaxError)
            #expect(h.run(["HSCAN", "h", "0", "FOO", "bar"]) == RESP.syntaxError)
        }

        /// NOVALUES is Valkey 8's (redis-server 7.0 has none): the fields alone.
        @Test func hscanNoValues() {
            let h = CommandHarness()
            h.run(["HSET", "h", "a", "1", "b", "2"])
            #expect(h.run(["HSCAN", "h", "0", "NOVALUES"]) == RESP.array(RESP.bulk("0"), RESP.bulks("a", "b")))
            #expect(
                h.run(["HSCAN", "h", "0", "MATCH", "b", "NOVALUES"]) == RESP.array(RESP.bulk("0"), RESP.bulks("b")))
        }
    }

    @Suite struct WrongType {
        @Test func otherTypesAreRefused() {
            let h = CommandHarness()
            h.run(["SET", "s", "v"])
            h.run(["ZADD", "z", "1", "a"])
            #expect(h.run(["HSET", "s", "f", "v"]) == RESP.wrongType)
            #expect(h.run(["HGET", "s", "f"]) == RESP.wrongType)
            #expect(h.run(["HMGET", "s", "f"]) == RESP.wrongType)
            #expect(h.run(["HGETALL", "z"]) == RESP.wrongType)
            #expect(h.run(["HDEL", "s", "f"]) == RESP.wrongType)
            #expect(h.run(["HLEN", "z"]) == RESP.wrongType)
            #expect(h.run(["HEXISTS", "s", "f"]) == RESP.wrongType)
            #expect(h.run(["HSTRLEN", "s", "f"]) == RESP.wrongType)
            #expect(h.run(["HINCRBY", "s", "f", "1"]) == RESP.wrongType)
            #expect(h.run(["HINCRBYFLOAT", "s", "f", "1"]) == RESP.wrongType)
            #expect(h.run(["HSETNX", "s", "f", "v"]) == RESP.wrongType)
            #expect(h.run(["HKEYS", "s"]) == RESP.wrongType)
            #expect(h.run(["HVALS", "s"]) == RESP.wrongType)
            #expect(h.run(["HRANDFIELD", "s"]) == RESP.wrongType)
            #expect(h.run(["HSCAN", "s", "0"]) == RESP.wrongType)
            #expect(h.run(["GET", "s"]) == RESP.bulk("v"))
        }
    }

    /// Field TTLs (Valkey 9; redis-server 7.0 has none): the per-field codes of Valkey's t_hash.c, on the harness'
    /// manual clock. The object-level rules are HashFieldExpiryTests'.
    @Suite struct FieldExpiry {
        @Test func expireReportAndExpire() throws {
            let h = CommandHarness()
            h.run(["HSET", "h", "f1", "v1", "f2", "v2", "f3", "v3"])
            // 1 set, -2 no such field.
            #expect(
                h.run(["HEXPIRE", "h", "100", "FIELDS", "2", "f1", "nosuch"])
                    == RESP.array(RESP.int(1), RESP.int(-2)))
            #expect(h.run(["HPEXPIRE", "h", "1600", "FIELDS", "1", "f2"]) == RESP.array(RESP.int(1)))
            // HTTL rounds to the nearest second.
            #expect(
                h.run(["HTTL", "h", "FIELDS", "4", "f1", "f2", "f3", "nosuch"])
                    == RESP.array(RESP.int(100), RESP.int(2), RESP.int(-1), RESP.int(-2)))
            #expect(h.run(["HPTTL", "h", "FIELDS", "1", "f2"]) == RESP.array(RESP.int(1600)))
            let at = Int(h.now) + 100_000
            #expect(h.run(["HPEXPIRETIME", "h", "FIELDS", "1", "f1"]) == RESP.array(RESP.int(at)))
            #expect(h.run(["HEXPIRETIME", "h", "FIELDS", "1", "f1"]) == RESP.array(RESP.int((at + 500) / 1000)))
            h.advance(by: 1601)
            #expect(
                h.run(["HGET", "h", "f2"], ["HLEN", "h"], ["HEXISTS", "h", "f2"])
                    == RESP.null + RESP.int(2) + RESP.int(0))
            #expect(h.run(["HTTL", "h", "FIELDS", "1", "f2"]) == RESP.array(RESP.int(-2)))
            // A hash with field TTLs is a hashtable: no set order.
            let pairs = try #require(RESPValue.parse(h.run(["HGETALL", "h"]))?.strings)
            let fields: [String: String] = Dictionary(
                uniqueKeysWithValues: stride(from: 0, to: pairs.count - 1, by: 2).map { (pairs[$0], pairs[$0 + 1]) })
            #expect(pairs.count == 4 && fields == ["f1": "v1", "f3": "v3"])
            h.advance(by: 98_400)
            #expect(h.run(["HGET", "h", "f1"], ["HKEYS", "h"]) == RESP.null + RESP.bulks("f3"))
        }

        @Test func conditions() {
            let h = CommandHarness()
            h.run(["HSET", "h", "a", "1"])
            // No TTL: XX and GT are not met, NX and LT are (no TTL counts as infinite).
            #expect(h.run(["HEXPIRE", "h", "100", "XX", "FIELDS", "1", "a"]) == RESP.array(RESP.int(0)))
            #expect(h.run(["HEXPIRE", "h", "100", "GT", "FIELDS", "1", "a"]) == RESP.array(RESP.int(0)))
            #expect(h.run(["HEXPIRE", "h", "100", "NX", "FIELDS", "1", "a"]) == RESP.array(RESP.int(1)))
            #expect(h.run(["HEXPIRE", "h", "200", "NX", "FIELDS", "1", "a"]) == RESP.array(RESP.int(0)))
            #expect(h.run(["HEXPIRE", "h", "50", "GT", "FIELDS", "1", "a"]) == RESP.array(RESP.int(0)))
            #expect(h.run(["HEXPIRE", "h", "200", "GT", "FIELDS", "1", "a"]) == RESP.array(RESP.int(1)))
            #expect(h.run(["HEXPIRE", "h", "300", "LT", "FIELDS", "1", "a"]) == RESP.array(RESP.int(0)))
            #expect(h.run(["HEXPIRE", "h", "150", "XX", "FIELDS", "1", "a"]) == RESP.array(RESP.int(1)))
            #expect(h.run(["HTTL", "h", "FIELDS", "1", "a"]) == RESP.array(RESP.int(150)))
        }

        @Test func persistAndImmediateDeletion() {
            let h = CommandHarness()
            h.run(["HSET", "h", "a", "1", "b", "2"], ["HEXPIRE", "h", "100", "FIELDS", "1", "a"])
            // 1 persisted, -1 had no TTL, -2 no such field.
            #expect(
                h.run(["HPERSIST", "h", "FIELDS", "3", "a", "b", "nosuch"])
                    == RESP.array(RESP.int(1), RESP.int(-1), RESP.int(-2)))
            #expect(h.run(["HTTL", "h", "FIELDS", "1", "a"]) == RESP.array(RESP.int(-1)))
            // A time already past deletes the field (2); the last field takes the key with it.
            #expect(h.run(["HEXPIRE", "h", "0", "FIELDS", "1", "a"]) == RESP.array(RESP.int(2)))
            #expect(h.run(["HPEXPIREAT", "h", "1", "FIELDS", "1", "b"]) == RESP.array(RESP.int(2)))
            #expect(h.run(["EXISTS", "h"]) == RESP.int(0))
            // A missing key: -2 for every field.
            #expect(h.run(["HEXPIRE", "h", "10", "FIELDS", "2", "a", "b"]) == RESP.array(RESP.int(-2), RESP.int(-2)))
            #expect(h.run(["HTTL", "h", "FIELDS", "1", "a"]) == RESP.array(RESP.int(-2)))
        }

        /// HSET gives a field a new value without its TTL; HINCRBY keeps the TTL.
        @Test func writesAndTheTTL() {
            let h = CommandHarness()
            h.run(["HSET", "h", "a", "1", "n", "1"], ["HEXPIRE", "h", "100", "FIELDS", "2", "a", "n"])
            #expect(
                h.run(["HSET", "h", "a", "2"], ["HTTL", "h", "FIELDS", "1", "a"])
                    == RESP.int(0) + RESP.array(RESP.int(-1)))
            #expect(
                h.run(["HINCRBY", "h", "n", "1"], ["HTTL", "h", "FIELDS", "1", "n"])
                    == RESP.int(2) + RESP.array(RESP.int(100)))
        }

        @Test func argumentErrors() {
            let h = CommandHarness()
            h.run(["HSET", "h", "a", "1"])
            let numfields = RESP.error("ERR numfields should be greater than 0 and match the provided number of fields")
            #expect(h.run(["HEXPIRE", "h", "10", "FIELDS", "2", "a"]) == numfields)
            #expect(h.run(["HEXPIRE", "h", "10", "FIELDS", "0", "a"]) == numfields)
            #expect(h.run(["HEXPIRE", "h", "10", "a", "b", "c"]) == numfields)  // no FIELDS
            #expect(h.run(["HEXPIRE", "h", "10", "a"]) == RESP.arity("hexpire"))
            #expect(h.run(["HEXPIRE", "h", "x", "FIELDS", "1", "a"]) == RESP.notInteger)
            #expect(h.run(["HPERSIST", "h", "FIELDS", "2", "a"]) == numfields)
            #expect(h.run(["HTTL", "h", "FIELDS", "2", "a"]) == RESP.syntaxError)
            #expect(h.run(["SET", "s", "v"], ["HTTL", "s", "FIELDS", "1", "a"]) == RESP.ok + RESP.wrongType)
        }
    }
}
