import PodiumCommands
import PodiumKeyspace
import PodiumRESP
import Testing

/// Valkey's `connection` group and the per-connection state it changes.
@Suite struct ConnectionCommandsTests {
    @Suite struct Basics {
        @Test func pingAndEcho() {
            let h = CommandHarness()
            #expect(h.run(["PING"]) == RESP.simple("PONG"))
            #expect(h.run(["PING", "hello world"]) == RESP.bulk("hello world"))
            #expect(h.run(["ECHO", "x"]) == RESP.bulk("x"))
            #expect(h.run(["ECHO", ""]) == RESP.bulk(""))
        }

        @Test func quitAnswersThenStopsTheBatch() {
            let h = CommandHarness()
            #expect(h.run(["PING"], ["QUIT"], ["PING"]) == RESP.simple("PONG") + RESP.ok)
            #expect(h.client.closeAfterReply)
        }

        @Test func clientNames() {
            let h = CommandHarness()
            #expect(h.run(["CLIENT", "GETNAME"]) == RESP.null)
            #expect(
                h.run(["CLIENT", "SETNAME", "worker-1"], ["CLIENT", "GETNAME"]) == RESP.ok + RESP.bulk("worker-1"))
            #expect(
                h.run(["CLIENT", "SETNAME", "a b"])
                    == RESP.error("ERR Client names cannot contain spaces, newlines or special characters."))
            #expect(h.run(["CLIENT", "SETNAME", ""], ["CLIENT", "GETNAME"]) == RESP.ok + RESP.null)
        }

        @Test func clientID() {
            let h = CommandHarness()
            let other = h.makeClient()
            #expect(h.run(["CLIENT", "ID"]) == RESP.int(h.client.id))
            #expect(h.run(["CLIENT", "ID"], as: other) == RESP.int(other.id))
            #expect(h.client.id != other.id)
        }

        @Test func clientSetinfo() {
            let h = CommandHarness()
            #expect(
                h.run(["CLIENT", "SETINFO", "LIB-NAME", "redis-py"], ["CLIENT", "SETINFO", "lib-ver", "5.0"]) == RESP.ok
                    + RESP.ok)
            #expect(h.client.libName == "redis-py")
            #expect(h.client.libVersion == "5.0")
            #expect(h.run(["CLIENT", "SETINFO", "FOO", "x"]) == RESP.error("ERR Unrecognized option 'FOO'"))
        }

        @Test func clientInfoWithoutAServer() {
            let h = CommandHarness()
            let reply = h.run(["CLIENT", "INFO"])
            #expect(reply.hasPrefix("$"))
            #expect(reply.contains("id=\(h.client.id) "))
            #expect(reply.contains(" db=0 "))
            #expect(reply.contains(" resp=2 "))
            let list = h.run(["CLIENT", "LIST"])
            #expect(list.contains("id=\(h.client.id) "))
        }

        @Test func authWithoutAPassword() {
            let h = CommandHarness()
            #expect(
                h.run(["AUTH", "secret"])
                    == RESP.error(
                        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
                    ))
            #expect(h.run(["AUTH", "default", "anything"]) == RESP.ok)
            #expect(
                h.run(["AUTH", "alice", "x"])
                    == RESP.error("WRONGPASS invalid username-password pair or user is disabled."))
            #expect(h.run(["AUTH", "a", "b", "c"]) == RESP.syntaxError)
        }
    }

    @Suite struct ClientReply {
        @Test func offSilencesUntilOn() {
            let h = CommandHarness()
            #expect(h.run(["CLIENT", "REPLY", "OFF"], ["SET", "k", "v"], ["GET", "k"], ["NOSUCH"]) == "")
            #expect(h.run(["GET", "k"]) == "")
            #expect(h.run(["CLIENT", "REPLY", "ON"], ["GET", "k"]) == RESP.ok + RESP.bulk("v"))
        }

        @Test func commandsStillRunWhileOff() {
            let h = CommandHarness()
            h.run(["CLIENT", "REPLY", "OFF"], ["INCR", "n"], ["INCR", "n"], ["CLIENT", "REPLY", "ON"])
            #expect(h.run(["GET", "n"]) == RESP.bulk("2"))
        }

        @Test func skipSilencesExactlyTheNextCommand() {
            let h = CommandHarness()
            #expect(h.run(["CLIENT", "REPLY", "SKIP"], ["PING", "a"], ["PING", "b"]) == RESP.bulk("b"))
            // Across batches too.
            #expect(h.run(["CLIENT", "REPLY", "SKIP"]) == "")
            #expect(h.run(["PING", "c"]) == "")
            #expect(h.run(["PING", "d"]) == RESP.bulk("d"))
        }

        @Test func skipWhileOffStaysOff() {
            let h = CommandHarness()
            #expect(h.run(["CLIENT", "REPLY", "OFF"], ["CLIENT", "REPLY", "SKIP"], ["PING"], ["PING"]) == "")
            #expect(h.run(["CLIENT", "REPLY", "ON"], ["PING"]) == RESP.ok + RESP.simple("PONG"))
        }

        @Test func badArgument() {
            let h = CommandHarness()
            #expect(h.run(["CLIENT", "REPLY", "MAYBE"]) == RESP.syntaxError)
            #expect(h.run(["PING"]) == RESP.simple("PONG"))
        }
    }

    @Suite struct Hello {
        static func helloReply(_ proto: Int, id: Int, resp3: Bool) -> String {
            let header = resp3 ? "%7\r\n" : "*14\r\n"
            return header + RESP.bulk("server") + RESP.bulk("redis")
                + RESP.bulk("version") + RESP.bulk(ConnectionCommands.redisVersion)
                + RESP.bulk("proto") + RESP.int(proto)
                + RESP.bulk("id") + RESP.int(id)
                + RESP.bulk("mode") + RESP.bulk("standalone")
                + RESP.bulk("role") + RESP.bulk("master")
                + RESP.bulk("modules") + "*0\r\n"
        }

        @Test func helloWithoutArgumentsKeepsRESP2() {
            let h = CommandHarness()
            #expect(h.run(["HELLO"]) == Self.helloReply(2, id: h.client.id, resp3: false))
            #expect(h.client.proto == .resp2)
        }

        @Test func hello3SwitchesRepliesToRESP3() {
            let h = CommandHarness()
            #expect(
                h.run(["HELLO", "3"], ["GET", "nosuch"]) == Self.helloReply(3, id: h.client.id, resp3: true) + "_\r\n")
            #expect(h.client.proto == .resp3)
            #expect(h.run(["HELLO"]) == Self.helloReply(3, id: h.client.id, resp3: true))
            // Maps, booleans and nulls are RESP3 now.
            #expect(h.run(["CONFIG", "GET", "nothing"]) == "%0\r\n")
            #expect(h.run(["MULTI"], ["EXEC"]) == RESP.ok + "*0\r\n")
            #expect(
                h.run(["HELLO", "2"], ["GET", "nosuch"]) == Self.helloReply(2, id: h.client.id, resp3: false)
                    + RESP.null)
        }

        @Test func resp3NullArrayForAnAbortedExec() {
            let h = CommandHarness()
            let other = h.makeClient()
            h.run(["HELLO", "3"], ["WATCH", "k"])
            h.run(["SET", "k", "v"], as: other)
            #expect(h.run(["MULTI"], ["PING"], ["EXEC"]) == RESP.ok + RESP.queued + "_\r\n")
        }

        @Test func setnameOption() {
            let h = CommandHarness()
            h.run(["HELLO", "3", "SETNAME", "conn"])
            #expect(h.run(["CLIENT", "GETNAME"]) == RESP.bulk("conn"))
        }

        @Test func errors() {
            let h = CommandHarness()
            #expect(h.run(["HELLO", "4"]) == RESP.error("NOPROTO unsupported protocol version"))
            #expect(h.run(["HELLO", "1"]) == RESP.error("NOPROTO unsupported protocol version"))
            #expect(h.run(["HELLO", "three"]) == RESP.error("ERR Protocol version is not an integer or out of range"))
            #expect(h.run(["HELLO", "3", "FOO"]) == RESP.error("ERR Syntax error in HELLO option 'FOO'"))
            #expect(h.client.proto == .resp2)
        }

        @Test func resetGoesBackToRESP2() {
            let h = CommandHarness()
            h.run(["HELLO", "3"], ["SELECT", "4"], ["CLIENT", "SETNAME", "x"], ["MULTI"])
            #expect(h.run(["RESET"]) == RESP.simple("RESET"))
            #expect(h.client.proto == .resp2)
            #expect(h.client.db == 0)
            #expect(h.client.name == nil)
            #expect(!h.client.inMulti)
            #expect(h.run(["GET", "nosuch"]) == RESP.null)
        }
    }
}
