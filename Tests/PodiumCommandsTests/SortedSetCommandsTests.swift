import PodiumCommands
import PodiumKeyspace
import Testing

/// Valkey's `sorted-set` group. Expected replies are redis-server 7.0.15's, except where a test says Podium follows
/// Valkey 8 (score formatting, ZRANK WITHSCORE).
@Suite struct SortedSetCommandsTests {
    @Suite struct Add {
        @Test func addsAndUpdates() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c"]) == RESP.int(3))
            #expect(h.run(["ZADD", "z", "10", "a", "4", "d"]) == RESP.int(1))
            #expect(h.run(["ZCARD", "z"]) == RESP.int(4))
            #expect(
                h.run(["ZRANGE", "z", "0", "-1", "WITHSCORES"])
                    == RESP.bulks("b", "2", "c", "3", "d", "4", "a", "10"))
            #expect(h.run(["ZADD", "z", "10", "a"]) == RESP.int(0))
            #expect(h.run(["ZCARD", "nosuch"]) == RESP.int(0))
        }

        @Test func nxAndXX() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a"]) == RESP.int(1))
            #expect(h.run(["ZADD", "z", "NX", "5", "a", "2", "b"]) == RESP.int(1))
            #expect(h.run(["ZADD", "z", "XX", "7", "a", "3", "c"]) == RESP.int(0))
            #expect(h.run(["ZRANGE", "z", "0", "-1", "WITHSCORES"]) == RESP.bulks("b", "2", "a", "7"))
            #expect(h.run(["ZADD", "nosuch", "XX", "1", "a"]) == RESP.int(0))
            #expect(h.run(["EXISTS", "nosuch"]) == RESP.int(0))
        }

        @Test func gtAndLt() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "5", "a", "5", "b"]) == RESP.int(2))
            #expect(h.run(["ZADD", "z", "GT", "CH", "4", "a", "6", "b"]) == RESP.int(1))
            #expect(h.run(["ZADD", "z", "LT", "CH", "4", "a", "7", "b"]) == RESP.int(1))
            #expect(h.run(["ZADD", "z", "GT", "1", "new"]) == RESP.int(1))
            #expect(h.run(["ZRANGE", "z", "0", "-1", "WITHSCORES"]) == RESP.bulks("new", "1", "a", "4", "b", "6"))
            #expect(h.run(["ZADD", "z", "XX", "GT", "CH", "9", "a", "1", "b", "9", "missing"]) == RESP.int(1))
            #expect(h.run(["ZRANGE", "z", "0", "-1", "WITHSCORES"]) == RESP.bulks("new", "1", "b", "6", "a", "9"))
        }

        @Test func chCountsChangedNotUnchanged() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b"]) == RESP.int(2))
            #expect(h.run(["ZADD", "z", "CH", "1", "a", "3", "b", "4", "c"]) == RESP.int(2))
            #expect(h.run(["ZADD", "z", "ch", "1", "a", "3", "b"]) == RESP.int(0))
        }

        @Test func incrMode() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "INCR", "2.5", "a"]) == RESP.bulk("2.5"))
            #expect(h.run(["ZADD", "z", "INCR", "-1", "a"]) == RESP.bulk("1.5"))
            #expect(h.run(["ZADD", "z", "NX", "INCR", "1", "a"]) == RESP.null)
            #expect(h.run(["ZADD", "z", "XX", "INCR", "1", "nosuch"]) == RESP.null)
            #expect(h.run(["ZADD", "z", "GT", "INCR", "-5", "a"]) == RESP.null)
            #expect(h.run(["ZADD", "z", "LT", "INCR", "-5", "a"]) == RESP.bulk("-3.5"))
            #expect(h.run(["ZSCORE", "z", "a"]) == RESP.bulk("-3.5"))
        }

        @Test func flagsMaybeInAnyOrderAndCase() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "ch", "nx", "1", "a"]) == RESP.int(1))
            #expect(h.run(["ZADD", "z", "incr", "xx", "2", "a"]) == RESP.bulk("3"))
            #expect(h.run(["ZADD", "z", "Gt", "cH", "5", "a"]) == RESP.int(1))
        }

        @Test func invalidFlagCombinations() {
            let h = CommandHarness()
            #expect(
                h.run(["ZADD", "z", "NX", "XX", "1", "a"])
                    == RESP.error("ERR XX and NX options at the same time are not compatible"))
            #expect(
                h.run(["ZADD", "z", "NX", "GT", "1", "a"])
                    == RESP.error("ERR GT, LT, and/or NX options at the same time are not compatible"))
            #expect(
                h.run(["ZADD", "z", "NX", "LT", "1", "a"])
                    == RESP.error("ERR GT, LT, and/or NX options at the same time are not compatible"))
            #expect(
                h.run(["ZADD", "z", "GT", "LT", "1", "a"])
                    == RESP.error("ERR GT, LT, and/or NX options at the same time are not compatible"))
            #expect(
                h.run(["ZADD", "z", "INCR", "1", "a", "2", "b"])
                    == RESP.error("ERR INCR option supports a single increment-element pair"))
            #expect(h.run(["ZADD", "z", "1", "a", "2"]) == RESP.syntaxError)
            #expect(h.run(["ZADD", "z", "NX"]) == RESP.arity("zadd"))
            #expect(h.run(["ZADD", "z"]) == RESP.arity("zadd"))
            #expect(h.run(["EXISTS", "z"]) == RESP.int(0))
        }

        @Test func badScores() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "abc", "a"]) == RESP.notFloat)
            #expect(h.run(["ZADD", "z", "1", "a", "nan", "b"]) == RESP.notFloat)
            #expect(h.run(["ZADD", "z", "1", "a", "1x", "b"]) == RESP.notFloat)
            #expect(h.run(["ZADD", "z", " 1", "a"]) == RESP.notFloat)
            #expect(h.run(["EXISTS", "z"]) == RESP.int(0))
            #expect(h.run(["ZADD", "z", "inf", "a", "-inf", "b", "+inf", "c"]) == RESP.int(3))
            #expect(h.run(["ZRANGE", "z", "0", "-1", "WITHSCORES"]) == RESP.bulks("b", "-inf", "a", "inf", "c", "inf"))
        }

        @Test func incrementToNaNIsRefused() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "inf", "a"]) == RESP.int(1))
            #expect(
                h.run(["ZADD", "z", "INCR", "-inf", "a"])
                    == RESP.error("ERR resulting score is not a number (NaN)"))
            #expect(h.run(["ZINCRBY", "z", "-inf", "a"]) == RESP.error("ERR resulting score is not a number (NaN)"))
            #expect(h.run(["ZSCORE", "z", "a"]) == RESP.bulk("inf"))
        }

        @Test func xxWithBadLaterScoreOnMissingKey() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "nosuch", "XX", "1", "a", "nope", "b"]) == RESP.notFloat)
            #expect(h.run(["ZADD", "z", "1", "a"]) == RESP.int(1))
            #expect(h.run(["ZADD", "z", "XX", "1", "a", "nope", "b"]) == RESP.notFloat)
        }

        @Test func wrongType() {
            let h = CommandHarness()
            h.run(["SET", "s", "v"])
            #expect(h.run(["ZADD", "s", "1", "a"]) == RESP.wrongType)
            #expect(h.run(["ZINCRBY", "s", "1", "a"]) == RESP.wrongType)
            #expect(h.run(["ZSCORE", "s", "a"]) == RESP.wrongType)
            #expect(h.run(["ZCARD", "s"]) == RESP.wrongType)
            #expect(h.run(["ZRANGE", "s", "0", "-1"]) == RESP.wrongType)
            #expect(h.run(["ZRANK", "s", "a"]) == RESP.wrongType)
            #expect(h.run(["ZREM", "s", "a"]) == RESP.wrongType)
            #expect(h.run(["ZPOPMIN", "s"]) == RESP.wrongType)
            #expect(h.run(["ZCOUNT", "s", "-inf", "inf"]) == RESP.wrongType)
            #expect(h.run(["GET", "s"]) == RESP.bulk("v"))
        }
    }

    @Suite struct Increment {
        @Test func zincrby() {
            let h = CommandHarness()
            #expect(h.run(["ZINCRBY", "z", "2", "a"]) == RESP.bulk("2"))
            #expect(h.run(["ZINCRBY", "z", "1.5", "a"]) == RESP.bulk("3.5"))
            #expect(h.run(["ZINCRBY", "z", "-0.5", "a"]) == RESP.bulk("3"))
            #expect(h.run(["ZINCRBY", "z", "1", "b"]) == RESP.bulk("1"))
            #expect(h.run(["ZRANGE", "z", "0", "-1", "WITHSCORES"]) == RESP.bulks("b", "1", "a", "3"))
            #expect(h.run(["ZINCRBY", "z", "abc", "a"]) == RESP.notFloat)
            #expect(h.run(["ZINCRBY", "z", "1"]) == RESP.arity("zincrby"))
        }
    }

    @Suite struct PointReads {
        @Test func scoresAndMultipleScores() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1.5", "a", "2", "b"]) == RESP.int(2))
            #expect(h.run(["ZSCORE", "z", "a"]) == RESP.bulk("1.5"))
            #expect(h.run(["ZSCORE", "z", "nosuch"]) == RESP.null)
            #expect(h.run(["ZSCORE", "nosuch", "a"]) == RESP.null)
            #expect(
                h.run(["ZMSCORE", "z", "a", "nosuch", "b"])
                    == RESP.array(RESP.bulk("1.5"), RESP.null, RESP.bulk("2")))
            #expect(h.run(["ZMSCORE", "nosuch", "a", "b"]) == RESP.array(RESP.null, RESP.null))
            #expect(h.run(["ZMSCORE", "z"]) == RESP.arity("zmscore"))
        }

        @Test func rankAndRevRank() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c"]) == RESP.int(3))
            #expect(h.run(["ZRANK", "z", "a"]) == RESP.int(0))
            #expect(h.run(["ZRANK", "z", "c"]) == RESP.int(2))
            #expect(h.run(["ZREVRANK", "z", "a"]) == RESP.int(2))
            #expect(h.run(["ZRANK", "z", "nosuch"]) == RESP.null)
            #expect(h.run(["ZRANK", "nosuch", "a"]) == RESP.null)
        }

        @Test func tiesRankByMember() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "c", "1", "a", "1", "b", "0", "z"]) == RESP.int(4))
            #expect(h.run(["ZRANGE", "z", "0", "-1"]) == RESP.bulks("z", "a", "b", "c"))
            #expect(h.run(["ZRANK", "z", "c"]) == RESP.int(3))
            #expect(h.run(["ZREVRANK", "z", "z"]) == RESP.int(3))
        }

        /// WITHSCORE is Redis 7.2's (redis-server 7.0 has no such option): the replies are Valkey's
        /// `zrankGenericCommand`'s, a null array for a missing member or key.
        @Test func rankWithScore() {
            let h = CommandHarness()
            h.run(["ZADD", "z", "1", "a", "2.5", "b", "3", "c"])
            #expect(h.run(["ZRANK", "z", "b", "WITHSCORE"]) == RESP.array(RESP.int(1), RESP.bulk("2.5")))
            #expect(h.run(["ZREVRANK", "z", "a", "withscore"]) == RESP.array(RESP.int(2), RESP.bulk("1")))
            #expect(h.run(["ZRANK", "z", "nosuch", "WITHSCORE"]) == RESP.nullArray)
            #expect(h.run(["ZRANK", "nosuch", "a", "WITHSCORE"]) == RESP.nullArray)
            #expect(h.run(["ZRANK", "z", "a", "WITHSCORES"]) == RESP.syntaxError)
        }

        /// Valkey's `zrankGenericCommand` answers more than one argument after the member with the arity error
        /// (`c->argc > 4`), before it looks at the option; so does redis-server 7.0, whose ZRANK takes no option.
        @Test func rankWithTooManyArgumentsIsAnArityError() {
            let h = CommandHarness()
            h.run(["ZADD", "z", "1", "a"])
            #expect(h.run(["ZRANK", "z", "a", "WITHSCORE", "extra"]) == RESP.arity("zrank"))
            #expect(h.run(["ZREVRANK", "z", "a", "WITHSCORE", "extra"]) == RESP.arity("zrevrank"))
        }
    }

    @Suite struct Ranges {
        @Test func byRank() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]) == RESP.int(4))
            #expect(h.run(["ZRANGE", "z", "0", "-1"]) == RESP.bulks("a", "b", "c", "d"))
            #expect(h.run(["ZRANGE", "z", "1", "2"]) == RESP.bulks("b", "c"))
            #expect(h.run(["ZRANGE", "z", "-2", "-1"]) == RESP.bulks("c", "d"))
            #expect(h.run(["ZRANGE", "z", "-100", "1"]) == RESP.bulks("a", "b"))
            #expect(h.run(["ZRANGE", "z", "2", "100"]) == RESP.bulks("c", "d"))
            #expect(h.run(["ZRANGE", "z", "3", "1"]) == RESP.emptyArray)
            #expect(h.run(["ZRANGE", "z", "10", "20"]) == RESP.emptyArray)
            #expect(h.run(["ZRANGE", "z", "0", "0", "WITHSCORES"]) == RESP.bulks("a", "1"))
            #expect(h.run(["ZRANGE", "nosuch", "0", "-1"]) == RESP.emptyArray)
        }

        @Test func byRankReversed() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]) == RESP.int(4))
            #expect(h.run(["ZRANGE", "z", "0", "1", "REV"]) == RESP.bulks("d", "c"))
            #expect(
                h.run(["ZRANGE", "z", "0", "-1", "REV", "WITHSCORES"])
                    == RESP.bulks("d", "4", "c", "3", "b", "2", "a", "1"))
            #expect(h.run(["ZREVRANGE", "z", "0", "1", "WITHSCORES"]) == RESP.bulks("d", "4", "c", "3"))
            #expect(h.run(["ZREVRANGE", "z", "-1", "-1"]) == RESP.bulks("a"))
            #expect(h.run(["ZREVRANGE", "z", "0", "1", "WITHSCORES", "extra"]) == RESP.syntaxError)
            #expect(h.run(["ZREVRANGE", "z", "0", "1", "NOPE"]) == RESP.syntaxError)
        }

        @Test func byScore() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]) == RESP.int(4))
            #expect(h.run(["ZRANGE", "z", "2", "3", "BYSCORE"]) == RESP.bulks("b", "c"))
            #expect(h.run(["ZRANGE", "z", "(2", "3", "BYSCORE"]) == RESP.bulks("c"))
            #expect(h.run(["ZRANGE", "z", "(1", "(4", "BYSCORE", "WITHSCORES"]) == RESP.bulks("b", "2", "c", "3"))
            #expect(h.run(["ZRANGE", "z", "-inf", "+inf", "BYSCORE"]) == RESP.bulks("a", "b", "c", "d"))
            #expect(h.run(["ZRANGE", "z", "5", "+inf", "BYSCORE"]) == RESP.emptyArray)
            #expect(h.run(["ZRANGE", "z", "3", "2", "BYSCORE"]) == RESP.emptyArray)
            #expect(h.run(["ZRANGE", "z", "4", "1", "BYSCORE", "REV"]) == RESP.bulks("d", "c", "b", "a"))
            #expect(
                h.run(["ZRANGE", "z", "(4", "1", "BYSCORE", "REV", "WITHSCORES"])
                    == RESP.bulks("c", "3", "b", "2", "a", "1"))
            #expect(h.run(["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"]) == RESP.bulks("b", "c"))
            #expect(
                h.run(["ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2"]) == RESP.bulks("c", "b"))
            #expect(h.run(["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "-1"]) == RESP.bulks("b", "c", "d"))
            #expect(h.run(["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "10", "1"]) == RESP.emptyArray)
            #expect(h.run(["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"]) == RESP.emptyArray)
            #expect(h.run(["ZRANGE", "nosuch", "-inf", "+inf", "BYSCORE"]) == RESP.emptyArray)
        }

        @Test func byLex() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"]) == RESP.int(5))
            #expect(h.run(["ZRANGE", "z", "[b", "[d", "BYLEX"]) == RESP.bulks("b", "c", "d"))
            #expect(h.run(["ZRANGE", "z", "(b", "[d", "BYLEX"]) == RESP.bulks("c", "d"))
            #expect(h.run(["ZRANGE", "z", "-", "+", "BYLEX"]) == RESP.bulks("a", "b", "c", "d", "e"))
            #expect(h.run(["ZRANGE", "z", "-", "(c", "BYLEX"]) == RESP.bulks("a", "b"))
            #expect(h.run(["ZRANGE", "z", "[c", "+", "BYLEX", "LIMIT", "1", "5"]) == RESP.bulks("d", "e"))
            #expect(h.run(["ZRANGE", "z", "+", "-", "BYLEX", "REV"]) == RESP.bulks("e", "d", "c", "b", "a"))
            #expect(h.run(["ZRANGE", "z", "[d", "(a", "BYLEX", "REV", "LIMIT", "0", "2"]) == RESP.bulks("d", "c"))
            #expect(h.run(["ZRANGE", "z", "[b", "[d", "BYLEX", "REV"]) == RESP.emptyArray)
            #expect(h.run(["ZRANGE", "z", "[z", "+", "BYLEX"]) == RESP.emptyArray)
        }

        @Test func invalidRanges() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a"]) == RESP.int(1))
            #expect(h.run(["ZRANGE", "z", "a", "1"]) == RESP.notInteger)
            #expect(h.run(["ZRANGE", "z", "0", "1.5"]) == RESP.notInteger)
            #expect(h.run(["ZRANGE", "z", "x", "1", "BYSCORE"]) == RESP.error("ERR min or max is not a float"))
            #expect(h.run(["ZRANGE", "z", "(x", "1", "BYSCORE"]) == RESP.error("ERR min or max is not a float"))
            #expect(h.run(["ZRANGE", "z", "nan", "1", "BYSCORE"]) == RESP.error("ERR min or max is not a float"))
            #expect(
                h.run(["ZRANGE", "z", "a", "c", "BYLEX"])
                    == RESP.error("ERR min or max not valid string range item"))
            #expect(
                h.run(["ZRANGE", "z", "[a", "c", "BYLEX"])
                    == RESP.error("ERR min or max not valid string range item"))
            #expect(
                h.run(["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"])
                    == RESP.error(
                        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
                            + "BYLEX"))
            #expect(
                h.run(["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"])
                    == RESP.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX"))
            #expect(h.run(["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"]) == RESP.syntaxError)
            #expect(h.run(["ZRANGE", "z", "0", "1", "FOO"]) == RESP.syntaxError)
            #expect(h.run(["ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "0"]) == RESP.syntaxError)
            #expect(h.run(["ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "a", "1"]) == RESP.notInteger)
            #expect(h.run(["ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1"]) == RESP.bulks("a"))
            #expect(h.run(["ZRANGE", "z", "0"]) == RESP.arity("zrange"))
        }

        @Test func legacyScoreRanges() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]) == RESP.int(4))
            #expect(h.run(["ZRANGEBYSCORE", "z", "2", "+inf"]) == RESP.bulks("b", "c", "d"))
            #expect(h.run(["ZRANGEBYSCORE", "z", "(1", "3", "WITHSCORES"]) == RESP.bulks("b", "2", "c", "3"))
            #expect(h.run(["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2"]) == RESP.bulks("b", "c"))
            #expect(
                h.run(["ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", "3", "10"])
                    == RESP.bulks("d", "4"))
            #expect(h.run(["ZREVRANGEBYSCORE", "z", "+inf", "2"]) == RESP.bulks("d", "c", "b"))
            #expect(
                h.run(["ZREVRANGEBYSCORE", "z", "3", "(1", "WITHSCORES", "LIMIT", "0", "1"])
                    == RESP.bulks("c", "3"))
            #expect(h.run(["ZRANGEBYSCORE", "z", "2", "1"]) == RESP.emptyArray)
            #expect(h.run(["ZRANGEBYSCORE", "z", "x", "1"]) == RESP.error("ERR min or max is not a float"))
            #expect(h.run(["ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "1"]) == RESP.syntaxError)
            #expect(h.run(["ZRANGEBYSCORE", "z", "1", "2", "NOPE"]) == RESP.syntaxError)
        }

        /// The legacy lex forms take WITHSCORES as an option and then refuse it with ZRANGE BYLEX's text, before
        /// the range is parsed (`zrangeGenericCommand`); an option they do not know is a plain syntax error.
        @Test func legacyLexFormsRefuseWithScoresByName() {
            let h = CommandHarness()
            h.run(["ZADD", "t", "0", "a"])
            let refusal = RESP.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
            #expect(h.run(["ZRANGE", "t", "-", "+", "BYLEX", "WITHSCORES"]) == refusal)
            #expect(h.run(["ZRANGEBYLEX", "t", "-", "+", "WITHSCORES", "LIMIT", "0"]) == RESP.syntaxError)
            #expect(h.run(["ZRANGEBYLEX", "t", "-", "+", "NOPE"]) == RESP.syntaxError)
            #expect(h.run(["ZRANGEBYLEX", "t", "-", "+", "WITHSCORES"]) == refusal)
            #expect(h.run(["ZREVRANGEBYLEX", "t", "+", "-", "WITHSCORES"]) == refusal)
            #expect(h.run(["ZRANGEBYLEX", "t", "-", "+", "LIMIT", "0", "1", "WITHSCORES"]) == refusal)
            #expect(h.run(["ZRANGEBYLEX", "t", "x", "+", "WITHSCORES"]) == refusal)
        }

        /// Valkey walks the set in score order and compares members only: with mixed scores the result is what the
        /// walk meets, not a lexicographic sort.
        @Test func legacyLexRangesWithMixedScores() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "0", "a", "0", "b", "1", "c", "0", "d", "2", "e"]) == RESP.int(5))
            #expect(h.run(["ZRANGE", "z", "0", "-1"]) == RESP.bulks("a", "b", "d", "c", "e"))
            #expect(h.run(["ZRANGEBYLEX", "z", "-", "+"]) == RESP.bulks("a", "b", "d", "c", "e"))
            #expect(h.run(["ZRANGEBYLEX", "z", "[b", "[d"]) == RESP.bulks("b", "d", "c"))
            #expect(h.run(["ZRANGEBYLEX", "z", "(a", "+"]) == RESP.bulks("b", "d", "c", "e"))
            #expect(h.run(["ZREVRANGEBYLEX", "z", "+", "[c"]) == RESP.bulks("e", "c", "d"))
            #expect(h.run(["ZRANGEBYLEX", "z", "-", "+", "LIMIT", "1", "2"]) == RESP.bulks("b", "d"))
            #expect(h.run(["ZLEXCOUNT", "z", "[b", "[d"]) == RESP.int(3))
            #expect(h.run(["ZRANGEBYLEX", "z", "b", "d"]) == RESP.error("ERR min or max not valid string range item"))
        }

        @Test func rangeStore() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "src", "1", "a", "2", "b", "3", "c"]) == RESP.int(3))
            #expect(h.run(["ZRANGESTORE", "dst", "src", "0", "1"]) == RESP.int(2))
            #expect(h.run(["ZRANGE", "dst", "0", "-1", "WITHSCORES"]) == RESP.bulks("a", "1", "b", "2"))
            #expect(h.run(["ZRANGESTORE", "dst", "src", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1"]) == RESP.int(1))
            #expect(h.run(["ZRANGE", "dst", "0", "-1", "WITHSCORES"]) == RESP.bulks("b", "2"))
            #expect(h.run(["ZRANGESTORE", "dst", "src", "5", "10"]) == RESP.int(0))
            #expect(h.run(["EXISTS", "dst"]) == RESP.int(0))
            #expect(h.run(["ZRANGESTORE", "dst", "src", "0", "-1", "WITHSCORES"]) == RESP.syntaxError)
            #expect(h.run(["ZRANGESTORE", "src", "src", "0", "0"]) == RESP.int(1))
            #expect(h.run(["ZRANGE", "src", "0", "-1"]) == RESP.bulks("a"))
        }
    }

    @Suite struct Counting {
        @Test func zcount() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]) == RESP.int(4))
            #expect(h.run(["ZCOUNT", "z", "2", "3"]) == RESP.int(2))
            #expect(h.run(["ZCOUNT", "z", "(2", "3"]) == RESP.int(1))
            #expect(h.run(["ZCOUNT", "z", "(2", "(3"]) == RESP.int(0))
            #expect(h.run(["ZCOUNT", "z", "-inf", "+inf"]) == RESP.int(4))
            #expect(h.run(["ZCOUNT", "z", "3", "2"]) == RESP.int(0))
            #expect(h.run(["ZCOUNT", "nosuch", "0", "1"]) == RESP.int(0))
            #expect(h.run(["ZCOUNT", "z", "a", "1"]) == RESP.error("ERR min or max is not a float"))
        }

        @Test func zlexcount() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "0", "a", "0", "b", "0", "c"]) == RESP.int(3))
            #expect(h.run(["ZLEXCOUNT", "z", "-", "+"]) == RESP.int(3))
            #expect(h.run(["ZLEXCOUNT", "z", "(a", "[c"]) == RESP.int(2))
            #expect(h.run(["ZLEXCOUNT", "z", "[c", "[a"]) == RESP.int(0))
            #expect(h.run(["ZLEXCOUNT", "nosuch", "-", "+"]) == RESP.int(0))
            #expect(h.run(["ZLEXCOUNT", "z", "a", "c"]) == RESP.error("ERR min or max not valid string range item"))
        }
    }

    @Suite struct Removal {
        @Test func zrem() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c"]) == RESP.int(3))
            #expect(h.run(["ZREM", "z", "a", "nosuch", "a"]) == RESP.int(1))
            #expect(h.run(["ZREM", "z", "nosuch"]) == RESP.int(0))
            #expect(h.run(["ZREM", "nosuch", "a"]) == RESP.int(0))
            #expect(h.run(["ZREM", "z", "b", "c"]) == RESP.int(2))
            #expect(h.run(["EXISTS", "z"]) == RESP.int(0))
            #expect(h.run(["ZREM", "z"]) == RESP.arity("zrem"))
        }

        @Test func removeRanges() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]) == RESP.int(5))
            #expect(h.run(["ZREMRANGEBYRANK", "z", "0", "0"]) == RESP.int(1))
            #expect(h.run(["ZREMRANGEBYRANK", "z", "-1", "-1"]) == RESP.int(1))
            #expect(h.run(["ZRANGE", "z", "0", "-1"]) == RESP.bulks("b", "c", "d"))
            #expect(h.run(["ZREMRANGEBYSCORE", "z", "(2", "3"]) == RESP.int(1))
            #expect(h.run(["ZRANGE", "z", "0", "-1"]) == RESP.bulks("b", "d"))
            #expect(h.run(["ZREMRANGEBYSCORE", "z", "10", "20"]) == RESP.int(0))
            #expect(h.run(["ZREMRANGEBYRANK", "z", "0", "-1"]) == RESP.int(2))
            #expect(h.run(["EXISTS", "z"]) == RESP.int(0))
            #expect(h.run(["ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d"]) == RESP.int(4))
            #expect(h.run(["ZREMRANGEBYLEX", "z", "[b", "(d"]) == RESP.int(2))
            #expect(h.run(["ZRANGE", "z", "0", "-1"]) == RESP.bulks("a", "d"))
            #expect(h.run(["ZREMRANGEBYLEX", "z", "-", "+"]) == RESP.int(2))
            #expect(h.run(["EXISTS", "z"]) == RESP.int(0))
            #expect(h.run(["ZREMRANGEBYSCORE", "z", "x", "1"]) == RESP.error("ERR min or max is not a float"))
            #expect(
                h.run(["ZREMRANGEBYLEX", "z", "a", "b"])
                    == RESP.error("ERR min or max not valid string range item"))
            #expect(h.run(["ZREMRANGEBYRANK", "z", "a", "1"]) == RESP.notInteger)
            #expect(h.run(["ZREMRANGEBYRANK", "nosuch", "0", "-1"]) == RESP.int(0))
        }
    }

    @Suite struct Pop {
        @Test func popMinAndMax() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]) == RESP.int(4))
            #expect(h.run(["ZPOPMIN", "z"]) == RESP.bulks("a", "1"))
            #expect(h.run(["ZPOPMAX", "z"]) == RESP.bulks("d", "4"))
            #expect(h.run(["ZPOPMIN", "z", "0"]) == RESP.emptyArray)
            #expect(h.run(["ZPOPMIN", "z", "5"]) == RESP.bulks("b", "2", "c", "3"))
            #expect(h.run(["EXISTS", "z"]) == RESP.int(0))
            #expect(h.run(["ZPOPMIN", "z"]) == RESP.emptyArray)
            #expect(h.run(["ZPOPMAX", "nosuch", "2"]) == RESP.emptyArray)
        }

        @Test func popCountErrors() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a"]) == RESP.int(1))
            #expect(h.run(["ZPOPMAX", "z", "0", "1"]) == RESP.syntaxError)
            #expect(h.run(["ZPOPMIN", "z", "1", "2"]) == RESP.syntaxError)
            #expect(h.run(["ZPOPMIN", "z", "-1"]) == RESP.error("ERR value is out of range, must be positive"))
            #expect(h.run(["ZPOPMIN", "z", "abc"]) == RESP.error("ERR value is out of range, must be positive"))
            #expect(h.run(["ZPOPMAX", "z", "1.5"]) == RESP.error("ERR value is out of range, must be positive"))
            #expect(h.run(["ZCARD", "z"]) == RESP.int(1))
        }
    }

    @Suite struct SetOperations {
        @Test func unionStore() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "a", "1", "x", "2", "y"]) == RESP.int(2))
            #expect(h.run(["ZADD", "b", "10", "y", "20", "z"]) == RESP.int(2))
            #expect(h.run(["ZUNIONSTORE", "out", "2", "a", "b"]) == RESP.int(3))
            #expect(h.run(["ZRANGE", "out", "0", "-1", "WITHSCORES"]) == RESP.bulks("x", "1", "y", "12", "z", "20"))
            #expect(h.run(["ZUNIONSTORE", "out", "2", "a", "b", "WEIGHTS", "2", "0.5"]) == RESP.int(3))
            #expect(h.run(["ZRANGE", "out", "0", "-1", "WITHSCORES"]) == RESP.bulks("x", "2", "y", "9", "z", "10"))
            #expect(h.run(["ZUNIONSTORE", "out", "2", "a", "b", "AGGREGATE", "MIN"]) == RESP.int(3))
            #expect(h.run(["ZRANGE", "out", "0", "-1", "WITHSCORES"]) == RESP.bulks("x", "1", "y", "2", "z", "20"))
            #expect(
                h.run(["ZUNIONSTORE", "out", "2", "a", "b", "AGGREGATE", "MAX", "WEIGHTS", "1", "-1"])
                    == RESP.int(3))
            #expect(h.run(["ZRANGE", "out", "0", "-1", "WITHSCORES"]) == RESP.bulks("z", "-20", "x", "1", "y", "2"))
            #expect(h.run(["ZUNIONSTORE", "out", "2", "a", "nosuch"]) == RESP.int(2))
            #expect(h.run(["ZRANGE", "out", "0", "-1", "WITHSCORES"]) == RESP.bulks("x", "1", "y", "2"))
            #expect(h.run(["ZUNIONSTORE", "out", "2", "nosuch", "nosuch2"]) == RESP.int(0))
            #expect(h.run(["EXISTS", "out"]) == RESP.int(0))
        }

        @Test func interStore() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "a", "1", "x", "2", "y", "3", "w"]) == RESP.int(3))
            #expect(h.run(["ZADD", "b", "10", "y", "20", "z", "30", "w"]) == RESP.int(3))
            #expect(h.run(["ZINTERSTORE", "out", "2", "a", "b"]) == RESP.int(2))
            #expect(h.run(["ZRANGE", "out", "0", "-1", "WITHSCORES"]) == RESP.bulks("y", "12", "w", "33"))
            #expect(
                h.run(["ZINTERSTORE", "out", "2", "a", "b", "WEIGHTS", "3", "1", "AGGREGATE", "MAX"])
                    == RESP.int(2))
            #expect(h.run(["ZRANGE", "out", "0", "-1", "WITHSCORES"]) == RESP.bulks("y", "10", "w", "30"))
            #expect(h.run(["ZINTERSTORE", "out", "2", "a", "nosuch"]) == RESP.int(0))
            #expect(h.run(["EXISTS", "out"]) == RESP.int(0))
            #expect(h.run(["ZINTER", "2", "a", "b", "WITHSCORES"]) == RESP.bulks("y", "12", "w", "33"))
            #expect(h.run(["ZINTERCARD", "2", "a", "b"]) == RESP.int(2))
            #expect(h.run(["ZINTERCARD", "2", "a", "b", "LIMIT", "1"]) == RESP.int(1))
        }

        @Test func setsCountAsScoreOne() {
            let h = CommandHarness()
            h.run(["SADD", "s", "y", "z"])
            #expect(h.run(["ZADD", "a", "5", "y", "6", "x"]) == RESP.int(2))
            #expect(h.run(["ZUNIONSTORE", "out", "2", "a", "s"]) == RESP.int(3))
            #expect(h.run(["ZRANGE", "out", "0", "-1", "WITHSCORES"]) == RESP.bulks("z", "1", "x", "6", "y", "6"))
            #expect(h.run(["ZINTER", "2", "a", "s", "WITHSCORES"]) == RESP.bulks("y", "6"))
        }

        @Test func diff() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "a", "1", "x", "2", "y", "3", "w"]) == RESP.int(3))
            #expect(h.run(["ZADD", "b", "10", "y"]) == RESP.int(1))
            #expect(h.run(["ZDIFF", "2", "a", "b"]) == RESP.bulks("x", "w"))
            #expect(h.run(["ZDIFF", "2", "a", "b", "WITHSCORES"]) == RESP.bulks("x", "1", "w", "3"))
            #expect(h.run(["ZDIFF", "1", "a"]) == RESP.bulks("x", "y", "w"))
            #expect(h.run(["ZDIFF", "2", "nosuch", "a"]) == RESP.emptyArray)
            #expect(h.run(["ZDIFFSTORE", "out", "2", "a", "b"]) == RESP.int(2))
            #expect(h.run(["ZRANGE", "out", "0", "-1", "WITHSCORES"]) == RESP.bulks("x", "1", "w", "3"))
            #expect(h.run(["ZDIFFSTORE", "out", "2", "b", "a"]) == RESP.int(0))
            #expect(h.run(["EXISTS", "out"]) == RESP.int(0))
        }

        @Test func union() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "a", "1", "x", "2", "y"]) == RESP.int(2))
            #expect(h.run(["ZADD", "b", "3", "y"]) == RESP.int(1))
            #expect(h.run(["ZUNION", "2", "a", "b"]) == RESP.bulks("x", "y"))
            #expect(
                h.run(["ZUNION", "2", "a", "b", "WITHSCORES", "AGGREGATE", "SUM"])
                    == RESP.bulks("x", "1", "y", "5"))
            #expect(
                h.run(["ZUNION", "2", "a", "b", "WEIGHTS", "1", "2", "WITHSCORES"])
                    == RESP.bulks("x", "1", "y", "8"))
        }

        @Test func setOperationErrors() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "a", "1", "x"]) == RESP.int(1))
            h.run(["SET", "str", "v"])
            #expect(
                h.run(["ZUNIONSTORE", "out", "0", "a"])
                    == RESP.error("ERR at least 1 input key is needed for 'zunionstore' command"))
            #expect(h.run(["ZUNIONSTORE", "out", "2", "a"]) == RESP.syntaxError)
            #expect(
                h.run(["ZUNIONSTORE", "out", "-1", "a"])
                    == RESP.error("ERR at least 1 input key is needed for 'zunionstore' command"))
            #expect(h.run(["ZUNIONSTORE", "out", "x", "a"]) == RESP.notInteger)
            #expect(h.run(["ZUNIONSTORE", "out", "1", "a", "WEIGHTS"]) == RESP.syntaxError)
            #expect(
                h.run(["ZUNIONSTORE", "out", "1", "a", "WEIGHTS", "x"])
                    == RESP.error("ERR weight value is not a float"))
            #expect(h.run(["ZUNIONSTORE", "out", "1", "a", "WEIGHTS", "1", "2"]) == RESP.syntaxError)
            #expect(h.run(["ZUNIONSTORE", "out", "1", "a", "AGGREGATE", "AVG"]) == RESP.syntaxError)
            #expect(h.run(["ZUNIONSTORE", "out", "1", "a", "WITHSCORES"]) == RESP.syntaxError)
            #expect(h.run(["ZUNIONSTORE", "out", "2", "a", "str"]) == RESP.wrongType)
            #expect(
                h.run(["ZINTER", "0", "a"])
                    == RESP.error("ERR at least 1 input key is needed for 'zinter' command"))
            #expect(h.run(["ZDIFF", "0", "a"]) == RESP.error("ERR at least 1 input key is needed for 'zdiff' command"))
            #expect(h.run(["ZDIFF", "1", "a", "WEIGHTS", "1"]) == RESP.syntaxError)
            #expect(h.run(["ZUNION", "1", "a", "NOPE"]) == RESP.syntaxError)
            #expect(h.run(["EXISTS", "out"]) == RESP.int(0))
        }

        /// inf × 0 is taken as 0 and inf + -inf as 0 (Valkey's zunionInterAggregate), never NaN.
        @Test func infiniteWeightsAndNaN() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "a", "inf", "x"]) == RESP.int(1))
            #expect(h.run(["ZADD", "b", "-inf", "x"]) == RESP.int(1))
            #expect(h.run(["ZUNIONSTORE", "out", "2", "a", "b"]) == RESP.int(1))
            #expect(h.run(["ZSCORE", "out", "x"]) == RESP.bulk("0"))
            #expect(h.run(["ZUNIONSTORE", "out", "1", "a", "WEIGHTS", "0"]) == RESP.int(1))
            #expect(h.run(["ZSCORE", "out", "x"]) == RESP.bulk("0"))
        }
    }

    @Suite struct RandomAndScan {
        /// Replies that do not depend on the draw: a one-member set, empty picks and the argument errors.
        @Test func randomMemberDeterministicReplies() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "t", "1.5", "a"]) == RESP.int(1))
            #expect(h.run(["ZRANDMEMBER", "t"]) == RESP.bulk("a"))
            #expect(h.run(["ZRANDMEMBER", "t", "-3", "WITHSCORES"]) == RESP.bulks("a", "1.5", "a", "1.5", "a", "1.5"))
            #expect(h.run(["ZRANDMEMBER", "t", "5", "withscores"]) == RESP.bulks("a", "1.5"))
            #expect(h.run(["ZRANDMEMBER", "t", "0"]) == RESP.emptyArray)
            #expect(h.run(["ZRANDMEMBER", "nosuch"]) == RESP.null)
            #expect(h.run(["ZRANDMEMBER", "nosuch", "2"]) == RESP.emptyArray)
            #expect(h.run(["ZRANDMEMBER", "t", "x"]) == RESP.notInteger)
            #expect(h.run(["ZRANDMEMBER", "t", "1", "WITHSCORES", "extra"]) == RESP.syntaxError)
            #expect(h.run(["ZRANDMEMBER", "t", "1", "NOPE"]) == RESP.syntaxError)
            #expect(h.run(["ZRANDMEMBER", "t", "9223372036854775807"]) == RESP.bulks("a"))
            #expect(
                h.run(["ZRANDMEMBER", "t", "-9223372036854775807", "WITHSCORES"])
                    == RESP.error("ERR value is out of range"))
        }

        /// A positive count picks distinct members (at most all of them); a negative one may repeat and gives exactly
        /// that many. Every pick is a member, with its own score.
        @Test func randomMemberDraws() throws {
            let h = CommandHarness()
            h.keyspace.sampler = SplitMix64(seed: 11)
            let scores = (0..<10).map { ("m\($0)", String($0 * 10)) }
            h.run(["ZADD", "z"] + scores.flatMap { [$0.1, $0.0] })
            let members = Set(scores.map(\.0))
            for _ in 0..<20 {
                let one = try #require(RESPValue.parse(h.run(["ZRANDMEMBER", "z"])))
                guard case .bulk(let m) = one else {
                    Issue.record("not a bulk: \(one)")
                    continue
                }
                #expect(members.contains(m))
                let five = try #require(RESPValue.parse(h.run(["ZRANDMEMBER", "z", "5"]))?.strings)
                #expect(five.count == 5 && Set(five).count == 5 && members.isSuperset(of: five))
                let all = try #require(RESPValue.parse(h.run(["ZRANDMEMBER", "z", "50"]))?.strings)
                #expect(all.count == 10 && Set(all) == members)
                let repeated = try #require(RESPValue.parse(h.run(["ZRANDMEMBER", "z", "-30"]))?.strings)
                #expect(repeated.count == 30 && members.isSuperset(of: repeated))
                let pairs = try #require(RESPValue.parse(h.run(["ZRANDMEMBER", "z", "-4", "WITHSCORES"]))?.strings)
                #expect(pairs.count == 8)
                for i in stride(from: 0, to: pairs.count, by: 2) {
                    #expect(pairs[i + 1] == String(Int(pairs[i].dropFirst())! * 10))
                }
            }
            // Over 20 draws of 30, every member turns up.
            var seen = Set<String>()
            for _ in 0..<20 { seen.formUnion(RESPValue.parse(h.run(["ZRANDMEMBER", "z", "-30"]))?.strings ?? []) }
            #expect(seen == members)
        }

        /// Valkey's bounds on the count (`zrandmemberCommand`): within ±LONG_MAX, and with WITHSCORES within
        /// ±LONG_MAX/2.
        @Test func countBounds() {
            let h = CommandHarness()
            h.run(["ZADD", "t", "1", "a"])
            #expect(h.run(["ZRANDMEMBER", "t", "4611686018427387903", "WITHSCORES"]) == RESP.bulks("a", "1"))
            #expect(
                h.run(["ZRANDMEMBER", "t", "-4611686018427387904", "WITHSCORES"])
                    == RESP.error("ERR value is out of range"))
            #expect(
                h.run(["ZRANDMEMBER", "t", "-9223372036854775808"])
                    == RESP.error(
                        "ERR value is out of range, value must between -9223372036854775807 and "
                            + "9223372036854775807"))
            #expect(
                h.run(["ZRANDMEMBER", "t", "4611686018427387904", "WITHSCORES"])
                    == RESP.error("ERR value is out of range"))
        }

        @Test func zscanOfASmallSet() {
            let h = CommandHarness()
            #expect(h.run(["ZADD", "z", "1", "a", "2", "b", "3", "ab"]) == RESP.int(3))
            #expect(
                h.run(["ZSCAN", "z", "0"]) == RESP.array(RESP.bulk("0"), RESP.bulks("a", "1", "b", "2", "ab", "3")))
            #expect(
                h.run(["ZSCAN", "z", "0", "MATCH", "a*"])
                    == RESP.array(RESP.bulk("0"), RESP.bulks("a", "1", "ab", "3")))
            #expect(
                h.run(["ZSCAN", "z", "0", "COUNT", "100", "MATCH", "b"])
                    == RESP.array(RESP.bulk("0"), RESP.bulks("b", "2")))
            #expect(h.run(["ZSCAN", "nosuch", "0"]) == RESP.array(RESP.bulk("0"), RESP.emptyArray))
            #expect(h.run(["ZSCAN", "z", "x"]) == RESP.error("ERR invalid cursor"))
            #expect(h.run(["ZSCAN", "z", "0", "COUNT", "0"]) == RESP.syntaxError)
            #expect(h.run(["ZSCAN", "z", "0", "MATCH"]) == RESP.syntaxError)
            #expect(h.run(["ZSCAN", "z", "0", "NOPE", "1"]) == RESP.syntaxError)
        }
    }

    /// Scores print as Valkey 8 prints them (`d2string` → `fpconv_dtoa`: the shortest text that reads back, and
    /// integers within ±2^62 in full). redis-server 7.0 prints `%.17g` instead (`0.10000000000000001`,
    /// `1.2345678901234568e+17`, `1.4999999999999999e-07`); where both agree the other suites use redis-server's.
    @Suite struct ScoreFormatting {
        @Test func shortestRoundTripText() {
            let h = CommandHarness()
            h.run(["ZADD", "z", "0.1", "a", "123456789012345678", "b", "1.5e-7", "d", "1e20", "c", "-0", "m"])
            #expect(
                h.run(["ZRANGE", "z", "0", "-1", "WITHSCORES"])
                    == RESP.bulks("m", "0", "d", "1.5e-7", "a", "0.1", "b", "123456789012345680", "c", "1e+20"))
            #expect(h.run(["ZINCRBY", "z", "0.2", "a"]) == RESP.bulk("0.30000000000000004"))
            #expect(h.run(["ZMSCORE", "z", "b", "c"]) == RESP.bulks("123456789012345680", "1e+20"))
            #expect(h.run(["ZSCAN", "z", "0", "MATCH", "d"]) == RESP.array(RESP.bulk("0"), RESP.bulks("d", "1.5e-7")))
            #expect(h.run(["ZADD", "z", "INCR", "1e-7", "d"]) == RESP.bulk("2.5e-7"))
        }

        /// The listpack stores -0 as 0; the skiplist keeps -0 (redis-server 7.0.15 answers the same).
        @Test func negativeZeroByEncoding() {
            let h = CommandHarness()
            h.run(["ZADD", "packed", "-0", "m"])
            #expect(h.run(["ZSCORE", "packed", "m"]) == RESP.bulk("0"))
            h.keyspace.sortedSetLimits = ListpackLimits(maxListpackEntries: 0, maxListpackValue: 64)
            h.run(["ZADD", "tree", "-0", "m"])
            #expect(h.run(["OBJECT", "ENCODING", "tree"]) == RESP.bulk("skiplist"))
            #expect(h.run(["ZSCORE", "tree", "m"]) == RESP.bulk("-0"))
        }
    }

    /// The same commands past the listpack limits (128 members, 64-byte members), where the set is a tree.
    @Suite struct LargeSets {
        @Test func convertsAtTheLimitsAndKeepsAnswering() {
            let h = CommandHarness()
            var add = ["ZADD", "z"]
            for i in 0..<128 { add += [String(i), "m" + String(1000 + i)] }
            #expect(h.run(add) == RESP.int(128))
            #expect(h.run(["OBJECT", "ENCODING", "z"]) == RESP.bulk("listpack"))
            #expect(
                h.run(["ZADD", "z", "500", "last"], ["OBJECT", "ENCODING", "z"])
                    == RESP.int(1) + RESP.bulk("skiplist"))
            #expect(h.run(["ZRANK", "z", "m1100"], ["ZREVRANK", "z", "m1000"]) == RESP.int(100) + RESP.int(128))
            #expect(
                h.run(["ZRANGE", "z", "126", "-1", "WITHSCORES"])
                    == RESP.bulks("m1126", "126", "m1127", "127", "last", "500"))
            #expect(h.run(["ZRANGE", "z", "(125", "127", "BYSCORE"]) == RESP.bulks("m1126", "m1127"))
            #expect(h.run(["ZCOUNT", "z", "10", "(20"]) == RESP.int(10))
            #expect(h.run(["ZREMRANGEBYSCORE", "z", "0", "99"], ["ZCARD", "z"]) == RESP.int(100) + RESP.int(29))
            // Shrinking does not convert back, as in Valkey.
            #expect(h.run(["OBJECT", "ENCODING", "z"]) == RESP.bulk("skiplist"))
            #expect(h.run(["ZPOPMIN", "z", "2"]) == RESP.bulks("m1100", "100", "m1101", "101"))
            let long = String(repeating: "x", count: 65)
            #expect(
                h.run(["ZADD", "w", "1", long], ["OBJECT", "ENCODING", "w"]) == RESP.int(1) + RESP.bulk("skiplist"))
            #expect(h.run(["ZRANGE", "w", "0", "-1"]) == RESP.bulks(long))
        }
    }
}
