import PodiumCommands
import PodiumKeyspace
import Testing

/// MULTI / EXEC / DISCARD / WATCH, with two clients where another connection's writes matter.
@Suite struct TransactionCommandsTests {
    @Suite struct MultiExec {
        @Test func queuesThenRunsInOrder() {
            let h = CommandHarness()
            #expect(
                h.run(["MULTI"], ["SET", "k", "1"], ["INCR", "k"], ["GET", "k"], ["EXEC"])
                    == RESP.ok + RESP.queued + RESP.queued + RESP.queued
                    + RESP.array(RESP.ok, RESP.int(2), RESP.bulk("2")))
        }

        @Test func nothingRunsBeforeExec() {
            let h = CommandHarness()
            let other = h.makeClient()
            h.run(["MULTI"], ["SET", "k", "v"])
            #expect(h.run(["GET", "k"], as: other) == RESP.null)
            h.run(["EXEC"])
            #expect(h.run(["GET", "k"], as: other) == RESP.bulk("v"))
        }

        @Test func emptyTransaction() {
            let h = CommandHarness()
            #expect(h.run(["MULTI"], ["EXEC"]) == RESP.ok + "*0\r\n")
        }

        @Test func runtimeErrorsDoNotAbort() {
            let h = CommandHarness()
            #expect(
                h.run(["MULTI"], ["SET", "k", "abc"], ["INCR", "k"], ["SET", "j", "1"], ["EXEC"])
                    == RESP.ok + RESP.queued + RESP.queued + RESP.queued
                    + RESP.array(RESP.ok, RESP.notInteger, RESP.ok))
            #expect(h.run(["GET", "j"]) == RESP.bulk("1"))
        }

        @Test func unknownCommandAbortsWithEXECABORT() {
            let h = CommandHarness()
            #expect(
                h.run(["MULTI"], ["SET", "k", "v"], ["NOSUCH", "x"], ["EXEC"])
                    == RESP.ok + RESP.queued
                    + RESP.error("ERR unknown command 'NOSUCH', with args beginning with: 'x' ")
                    + RESP.error("EXECABORT Transaction discarded because of previous errors."))
            #expect(h.run(["EXISTS", "k"]) == RESP.int(0))
            #expect(h.client.inMulti == false)
        }

        @Test func arityErrorAbortsWithEXECABORT() {
            let h = CommandHarness()
            #expect(
                h.run(["MULTI"], ["SET", "k"], ["EXEC"])
                    == RESP.ok + RESP.arity("set")
                    + RESP.error("EXECABORT Transaction discarded because of previous errors."))
        }

        @Test func unknownSubcommandAbortsWithEXECABORT() {
            let h = CommandHarness()
            #expect(
                h.run(["MULTI"], ["CONFIG", "NOPE"], ["EXEC"])
                    == RESP.ok + RESP.error("ERR unknown subcommand 'NOPE'. Try CONFIG HELP.")
                    + RESP.error("EXECABORT Transaction discarded because of previous errors."))
        }

        @Test func noMultiCommandsAreRefused() {
            let h = CommandHarness()
            #expect(
                h.run(["MULTI"], ["SHUTDOWN"], ["EXEC"])
                    == RESP.ok + RESP.error("ERR Command not allowed inside a transaction")
                    + RESP.error("EXECABORT Transaction discarded because of previous errors."))
        }

        @Test func misuse() {
            let h = CommandHarness()
            #expect(h.run(["EXEC"]) == RESP.error("ERR EXEC without MULTI"))
            #expect(h.run(["DISCARD"]) == RESP.error("ERR DISCARD without MULTI"))
            // A nested MULTI is an error but does not abort the transaction.
            #expect(
                h.run(["MULTI"], ["MULTI"], ["PING"], ["EXEC"])
                    == RESP.ok + RESP.error("ERR MULTI calls can not be nested") + RESP.queued
                    + RESP.array(RESP.simple("PONG")))
        }

        @Test func discard() {
            let h = CommandHarness()
            #expect(
                h.run(["MULTI"], ["SET", "k", "v"], ["DISCARD"], ["EXISTS", "k"])
                    == RESP.ok + RESP.queued + RESP.ok + RESP.int(0))
            #expect(h.run(["EXEC"]) == RESP.error("ERR EXEC without MULTI"))
        }

        @Test func transactionSpansBatches() {
            let h = CommandHarness()
            #expect(h.run(["MULTI"]) == RESP.ok)
            #expect(h.run(["INCR", "n"]) == RESP.queued)
            #expect(h.run(["INCR", "n"]) == RESP.queued)
            #expect(h.run(["EXEC"]) == RESP.array(RESP.int(1), RESP.int(2)))
        }

        @Test func execRunsWithOneFrozenClock() {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "PX", "100"])
            h.run(["MULTI"], ["PTTL", "k"], ["PTTL", "k"])
            h.advance(by: 40)
            #expect(h.run(["EXEC"]) == RESP.array(RESP.int(60), RESP.int(60)))
        }

        @Test func selectInsideMultiAffectsLaterQueuedCommands() {
            let h = CommandHarness()
            #expect(
                h.run(["MULTI"], ["SELECT", "2"], ["SET", "k", "v"], ["EXEC"])
                    == RESP.ok + RESP.queued + RESP.queued + RESP.array(RESP.ok, RESP.ok))
            #expect(h.client.db == 2)
            #expect(h.keyspace[2].exists("k"))
        }
    }

    @Suite struct Watch {
        @Test func anotherClientsWriteAbortsExec() {
            let h = CommandHarness()
            let a = h.makeClient()
            let b = h.makeClient()
            h.run(["SET", "k", "0"], as: a)
            #expect(h.run(["WATCH", "k"], as: a) == RESP.ok)
            #expect(h.run(["SET", "k", "changed"], as: b) == RESP.ok)
            #expect(h.run(["MULTI"], ["SET", "k", "mine"], ["EXEC"], as: a) == RESP.ok + RESP.queued + RESP.nullArray)
            #expect(h.run(["GET", "k"], as: a) == RESP.bulk("changed"))
        }

        @Test func untouchedWatchLetsExecRun() {
            let h = CommandHarness()
            let a = h.makeClient()
            let b = h.makeClient()
            h.run(["WATCH", "k", "j"], as: a)
            h.run(["SET", "other", "x"], ["GET", "k"], as: b)
            #expect(
                h.run(["MULTI"], ["SET", "k", "mine"], ["EXEC"], as: a)
                    == RESP.ok + RESP.queued + RESP.array(RESP.ok))
        }

        @Test(arguments: [
            ["DEL", "k"], ["EXPIRE", "k", "100"], ["PERSIST", "k"], ["INCR", "k"], ["APPEND", "k", "x"],
            ["RENAME", "k", "k2"], ["FLUSHDB"], ["FLUSHALL"], ["SWAPDB", "0", "1"], ["GETDEL", "k"],
            ["SETRANGE", "k", "0", "x"],
        ])
        func everyWriteTouches(_ write: [String]) {
            let h = CommandHarness()
            let a = h.makeClient()
            let b = h.makeClient()
            h.run(["SET", "k", "1", "EX", "1000"], as: b)
            h.run(["WATCH", "k"], as: a)
            h.runBatch([write], as: b)
            #expect(h.run(["MULTI"], ["PING"], ["EXEC"], as: a) == RESP.ok + RESP.queued + RESP.nullArray, "\(write)")
        }

        @Test func ownWritesBeforeMultiAlsoTouch() {
            let h = CommandHarness()
            #expect(
                h.run(["WATCH", "k"], ["SET", "k", "1"], ["MULTI"], ["PING"], ["EXEC"])
                    == RESP.ok + RESP.ok + RESP.ok + RESP.queued + RESP.nullArray)
        }

        @Test func watchingAMissingKeyThatGetsCreated() {
            let h = CommandHarness()
            let a = h.makeClient()
            let b = h.makeClient()
            h.run(["WATCH", "k"], as: a)
            h.run(["SET", "k", "v"], as: b)
            #expect(h.run(["MULTI"], ["PING"], ["EXEC"], as: a) == RESP.ok + RESP.queued + RESP.nullArray)
        }

        @Test func watchedKeyThatExpiresAbortsExec() {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "PX", "100"])
            h.run(["WATCH", "k"])
            h.advance(by: 200)
            #expect(h.run(["MULTI"], ["PING"], ["EXEC"]) == RESP.ok + RESP.queued + RESP.nullArray)
        }

        @Test func otherDatabaseIsNotWatched() {
            let h = CommandHarness()
            let a = h.makeClient()
            let b = h.makeClient()
            h.run(["WATCH", "k"], as: a)
            h.run(["SELECT", "3"], ["SET", "k", "v"], as: b)
            #expect(
                h.run(["MULTI"], ["PING"], ["EXEC"], as: a) == RESP.ok + RESP.queued + RESP.array(RESP.simple("PONG")))
        }

        @Test func unwatchForgets() {
            let h = CommandHarness()
            let a = h.makeClient()
            let b = h.makeClient()
            h.run(["WATCH", "k"], ["UNWATCH"], as: a)
            h.run(["SET", "k", "v"], as: b)
            #expect(
                h.run(["MULTI"], ["PING"], ["EXEC"], as: a) == RESP.ok + RESP.queued + RESP.array(RESP.simple("PONG")))
        }

        @Test func execForgetsTheWatches() {
            let h = CommandHarness()
            let a = h.makeClient()
            let b = h.makeClient()
            h.run(["WATCH", "k"], ["MULTI"], ["PING"], ["EXEC"], as: a)
            h.run(["SET", "k", "v"], as: b)
            #expect(
                h.run(["MULTI"], ["PING"], ["EXEC"], as: a) == RESP.ok + RESP.queued + RESP.array(RESP.simple("PONG")))
            #expect(!a.watch.isWatching)
        }

        @Test func watchInsideMultiIsRefused() {
            let h = CommandHarness()
            #expect(
                h.run(["MULTI"], ["WATCH", "k"], ["PING"], ["EXEC"])
                    == RESP.ok + RESP.error("ERR WATCH inside MULTI is not allowed") + RESP.queued
                    + RESP.array(RESP.simple("PONG")))
        }

        /// Regression: DISCARD once forgot the watches but not the TTLs remembered at WATCH time, so a later
        /// transaction failed once that old key's TTL passed, though nothing was watched any more. Redis
        /// (`isWatchedKeyExpired` only looks at keys still watched) runs it.
        @Test func discardForgetsWatchedTTLs() {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "PX", "100"])
            #expect(h.run(["WATCH", "k"], ["MULTI"], ["DISCARD"]) == RESP.ok + RESP.ok + RESP.ok)
            h.advance(by: 200)
            #expect(h.run(["MULTI"], ["PING"], ["EXEC"]) == RESP.ok + RESP.queued + RESP.array(RESP.simple("PONG")))
        }

        /// Regression: the same leak through an aborted EXEC (a dirty watch) failed the next, unwatched one.
        @Test func abortedExecForgetsWatchedTTLs() {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "PX", "100"])
            h.run(["WATCH", "k"], ["SET", "k", "w", "PX", "100"])
            #expect(h.run(["MULTI"], ["PING"], ["EXEC"]) == RESP.ok + RESP.queued + RESP.nullArray)
            h.advance(by: 200)
            #expect(h.run(["MULTI"], ["PING"], ["EXEC"]) == RESP.ok + RESP.queued + RESP.array(RESP.simple("PONG")))
        }

        /// Regression: the same leak through EXECABORT.
        @Test func execabortForgetsWatchedTTLs() {
            let h = CommandHarness()
            h.run(["SET", "k", "v", "PX", "100"])
            h.run(["WATCH", "k"], ["MULTI"], ["NOSUCH"], ["EXEC"])
            h.advance(by: 200)
            #expect(h.run(["MULTI"], ["PING"], ["EXEC"]) == RESP.ok + RESP.queued + RESP.array(RESP.simple("PONG")))
        }
    }
}
