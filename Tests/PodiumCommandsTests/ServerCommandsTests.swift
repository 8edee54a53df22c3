import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import Testing

/// Valkey's `server` group without a server behind the dispatcher: commands that need one degrade.
@Suite struct ServerCommandsTests {
    @Test func configWithoutAServer() {
        let h = CommandHarness()
        #expect(h.run(["CONFIG", "GET", "*"]) == "*0\r\n")
        #expect(h.run(["CONFIG", "SET", "timeout", "10"]) == RESP.error("ERR CONFIG SET is not available"))
        #expect(h.run(["CONFIG", "SET", "timeout"]) == RESP.arity("config|set"))
        #expect(h.run(["CONFIG", "SET", "timeout", "10", "hz"]) == RESP.syntaxError)
        #expect(h.run(["CONFIG", "REWRITE"]) == RESP.error("ERR The server is running without a config file"))
        #expect(h.run(["CONFIG", "RESETSTAT"]) == RESP.ok)
    }

    @Test func shutdownWithoutAServer() {
        let h = CommandHarness()
        #expect(h.run(["SHUTDOWN"]) == RESP.error("ERR Errors trying to SHUTDOWN. Check logs."))
        #expect(h.run(["SHUTDOWN", "BOGUS"]) == RESP.syntaxError)
        #expect(h.run(["SHUTDOWN", "ABORT"]) == RESP.error("ERR No shutdown in progress."))
        #expect(!h.client.closeAfterReply)
    }

    @Test func time() throws {
        let h = CommandHarness()
        let reply = try #require(RESPValue.parse(h.run(["TIME"]))?.strings)
        #expect(reply.count == 2)
        #expect(reply.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) })
        #expect((Int(reply[1]) ?? -1) < 1_000_000)
    }

    @Test func infoKeyspace() {
        let h = CommandHarness()
        h.run(["SET", "a", "1"], ["SET", "b", "2", "EX", "100"], ["SELECT", "2"], ["SET", "c", "3"])
        let reply = h.run(["INFO", "keyspace"])
        #expect(reply.contains("# Keyspace\r\n"))
        #expect(reply.contains("db0:keys=2,expires=1,"))
        #expect(reply.contains("db2:keys=1,expires=0,"))
        #expect(!reply.contains("db1:"))
    }

    @Test func infoDefaultSections() throws {
        let h = CommandHarness()
        let reply = try #require(RESPValue.parse(h.run(["INFO"])))
        guard case .bulk(let text) = reply else {
            Issue.record("INFO is not a bulk string: \(reply)")
            return
        }
        for section in ["# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication", "# Keyspace"]
        {
            #expect(text.contains(section + "\r\n"), "\(section)")
        }
        #expect(!text.contains("# Commandstats"))
        #expect(text.contains("redis_version:\(ConnectionCommands.redisVersion)\r\n"))
    }

    @Test func infoStatsCountExpiredKeys() {
        let h = CommandHarness()
        h.run(["SET", "k", "v", "PX", "10"])
        h.advance(by: 20)
        h.run(["GET", "k"])
        #expect(h.run(["INFO", "stats"]).contains("expired_keys:1\r\n"))
    }

    @Test func debugSetActiveExpire() {
        let h = CommandHarness()
        // enable-debug-command no (the default), then local from a client that is not local: refused.
        let refusal = RESP.error(CommandError.debugNotAllowed.message)
        #expect(h.run(["DEBUG", "SET-ACTIVE-EXPIRE", "0"]) == refusal)
        h.dispatcher.protectedCommandAccess = .local
        #expect(h.run(["DEBUG", "SET-ACTIVE-EXPIRE", "0"]) == refusal)
        #expect(h.dispatcher.activeExpireEnabled)
        h.dispatcher.protectedCommandAccess = .yes
        #expect(h.run(["DEBUG", "SET-ACTIVE-EXPIRE", "0"]) == RESP.ok)
        #expect(!h.dispatcher.activeExpireEnabled)
        #expect(h.run(["DEBUG", "SET-ACTIVE-EXPIRE", "1"]) == RESP.ok)
        #expect(h.dispatcher.activeExpireEnabled)
        #expect(
            h.run(["DEBUG", "NOPE"])
                == RESP.error("ERR unknown subcommand or wrong number of arguments for 'NOPE'. Try DEBUG HELP."))
        #expect(
            h.run(["DEBUG", "SLEEP"])
                == RESP.error("ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP."))
        #expect(
            h.run(["DEBUG", "HELP", "x"])
                == RESP.error("ERR unknown subcommand or wrong number of arguments for 'HELP'. Try DEBUG HELP."))
    }

    @Test func lastsaveWithoutAServer() {
        let h = CommandHarness()
        #expect(h.run(["LASTSAVE"]) == RESP.int(0))
    }
}
