import NIOCore
import PodiumCommands
import PodiumKeyspace
import Testing

/// Lookup → subcommand → arity → handler, and the command table the dispatcher is driven by.
@Suite struct DispatcherTests {
    /// `execute(batch:outputLimit:)`: what output back-pressure relies on.
    @Suite struct Batches {
        @Test func aBatchStopsOnceItsRepliesReachTheLimit() {
            let h = CommandHarness()
            h.run(["SET", "k", String(repeating: "v", count: 100)])
            let get = ["GET", "k"].map { ByteBuffer(string: $0) }
            var output = ByteBuffer()
            let batch = Array(repeating: get, count: 10)
            // Each reply is 108 bytes ($100, CRLF, 100 bytes, CRLF): the third passes 300, so three run and seven wait.
            #expect(h.dispatcher.execute(batch: batch, client: h.client, output: &output, outputLimit: 300) == 3)
            #expect(output.readableBytes == 3 * 108)
            #expect(h.dispatcher.execute(batch: batch[3...], client: h.client, output: &output) == 7)
            #expect(output.readableBytes == 10 * 108)
        }

        @Test func quitEndsTheBatch() {
            let h = CommandHarness()
            var output = ByteBuffer()
            let batch = [["PING"], ["QUIT"], ["PING"]].map { $0.map { ByteBuffer(string: $0) } }
            #expect(h.dispatcher.execute(batch: batch, client: h.client, output: &output) == 2)
        }
    }

    @Suite struct Lookup {
        @Test func namesIgnoreCase() {
            let h = CommandHarness()
            #expect(
                h.run(["SET", "k", "v"], ["get", "k"], ["GeT", "k"]) == RESP.ok + RESP.bulk("v") + RESP.bulk("v"))
        }

        @Test func unknownCommandListsItsArguments() {
            let h = CommandHarness()
            #expect(
                h.run(["foo", "a", "b"]) == RESP.error("ERR unknown command 'foo', with args beginning with: 'a' 'b' "))
            #expect(h.run(["FOO"]) == RESP.error("ERR unknown command 'FOO', with args beginning with: "))
        }

        @Test func unknownCommandTextIsClipped() {
            let h = CommandHarness()
            let long = String(repeating: "x", count: 200)
            let clipped = String(repeating: "x", count: 128)
            #expect(h.run([long]) == RESP.error("ERR unknown command '\(clipped)', with args beginning with: "))
            // Line breaks cannot appear in an error reply: Redis maps each CR and LF to a space.
            #expect(
                h.run(["a\nb", "c\rd"]) == RESP.error("ERR unknown command 'a b', with args beginning with: 'c d' "))
        }

        /// Regression: "\r\n" is one `Character` in Swift, so a replacement by characters missed it and the error
        /// reply carried a raw CRLF, which ends the reply early and desynchronises the client.
        @Test func unknownCommandErrorHasNoCRLF() {
            let h = CommandHarness()
            #expect(
                h.run(["a\r\nb", "c\r\nd"])
                    == RESP.error("ERR unknown command 'a  b', with args beginning with: 'c  d' "))
        }

        /// Regression: user text echoed in other error replies once kept its CR/LF too. Redis maps both to spaces
        /// in every formatted error (`addReplyErrorFormat`), because a line break inside `-ERR …` breaks the
        /// protocol.
        @Test func echoedArgumentsInErrorsHaveNoLineBreaks() {
            let h = CommandHarness()
            h.run(["SET", "k", "v"])
            #expect(h.run(["EXPIRE", "k", "10", "a\nb"]) == RESP.error("ERR Unsupported option a b"))
            #expect(h.run(["HELLO", "3", "x\ry"]) == RESP.error("ERR Syntax error in HELLO option 'x y'"))
            #expect(h.run(["CLIENT", "SETINFO", "x\r\ny", "v"]) == RESP.error("ERR Unrecognized option 'x  y'"))
        }

        /// Redis stops listing arguments once the list reaches 128 bytes, and cuts the last one to fit
        /// (`for (i=1; i < argc && sdslen(args) < 128; i++) sdscatprintf(args, "'%.*s' ", 128-sdslen(args), argv[i])`).
        @Test func unknownCommandArgumentListStopsAt128Bytes() {
            let h = CommandHarness()
            let ten = String(repeating: "a", count: 10)
            // Each argument adds 13 bytes: ten of them reach 130, so the eleventh is not shown.
            #expect(
                h.runBatch([["nosuch"] + Array(repeating: ten, count: 20)])
                    == RESP.error(
                        "ERR unknown command 'nosuch', with args beginning with: "
                            + String(repeating: "'\(ten)' ", count: 10)))
            // The second argument only gets the 25 bytes left after the first one's 103.
            let hundredA = String(repeating: "a", count: 100)
            let hundredB = String(repeating: "b", count: 100)
            #expect(
                h.run(["nosuch", hundredA, hundredB])
                    == RESP.error(
                        "ERR unknown command 'nosuch', with args beginning with: '\(hundredA)' '\(String(repeating: "b", count: 25))' "
                    ))
        }

        @Test func emptyBatchWritesNothing() {
            let h = CommandHarness()
            #expect(h.runBatch([]) == "")
        }

        @Test func errorsAreCounted() {
            let h = CommandHarness()
            h.run(["nosuch"], ["GET"], ["PING"])
            #expect(h.dispatcher.totalErrorReplies == 2)
            #expect(h.dispatcher.errorCounts["ERR"] == 2)
        }
    }

    @Suite struct Arity {
        @Test func fixedArity() {
            let h = CommandHarness()
            #expect(h.run(["GET"]) == RESP.arity("get"))
            #expect(h.run(["GET", "a", "b"]) == RESP.arity("get"))
            #expect(h.run(["ECHO"]) == RESP.arity("echo"))
        }

        @Test func minimumArity() {
            let h = CommandHarness()
            #expect(h.run(["SET", "k"]) == RESP.arity("set"))
            #expect(h.run(["DEL"]) == RESP.arity("del"))
            #expect(h.run(["MSET", "a"]) == RESP.arity("mset"))
        }

        @Test func handlerLevelArity() {
            let h = CommandHarness()
            #expect(h.run(["PING", "a", "b"]) == RESP.arity("ping"))
            #expect(h.run(["MSET", "a", "1", "b"]) == RESP.arity("mset"))
            #expect(h.run(["MSETNX", "a", "1", "b"]) == RESP.arity("msetnx"))
        }

        @Test func containerAlone() {
            let h = CommandHarness()
            #expect(h.run(["CLIENT"]) == RESP.arity("client"))
            #expect(h.run(["CONFIG"]) == RESP.arity("config"))
            #expect(h.run(["OBJECT"]) == RESP.arity("object"))
        }

        @Test func subcommandArityUsesTheFullName() {
            let h = CommandHarness()
            #expect(h.run(["CONFIG", "GET"]) == RESP.arity("config|get"))
            #expect(h.run(["client", "id", "extra"]) == RESP.arity("client|id"))
            #expect(h.run(["OBJECT", "ENCODING"]) == RESP.arity("object|encoding"))
        }

        /// Every entry of the table rejects an argument count its arity forbids, before its handler runs.
        @Test(
            arguments: CommandTable.shared.commands.flatMap { spec in
                spec.subcommandList.isEmpty ? [spec] : spec.subcommandList
            }.map(\.name))
        func everyCommandChecksItsArity(_ name: String) throws {
            let spec = try #require(CommandTable.shared.lookup(name: name))
            let prefix = name.split(separator: "|").map(String.init)
            let badCount = spec.arity > 0 ? spec.arity + 1 : -spec.arity - 1
            guard badCount >= prefix.count else { return }  // e.g. arity -1: every count is fine
            let args = prefix + Array(repeating: "x", count: badCount - prefix.count)
            let h = CommandHarness()
            #expect(h.runBatch([args]) == RESP.arity(name), "\(args)")
        }
    }

    @Suite struct Subcommands {
        @Test func unknownSubcommand() {
            let h = CommandHarness()
            #expect(h.run(["CONFIG", "FOO"]) == RESP.error("ERR unknown subcommand 'FOO'. Try CONFIG HELP."))
            #expect(h.run(["client", "bar", "baz"]) == RESP.error("ERR unknown subcommand 'bar'. Try CLIENT HELP."))
            #expect(h.run(["OBJECT", "nope", "k"]) == RESP.error("ERR unknown subcommand 'nope'. Try OBJECT HELP."))
        }

        @Test func subcommandNamesIgnoreCase() {
            let h = CommandHarness()
            #expect(h.run(["client", "ID"]) == RESP.int(1))
            #expect(h.run(["CLIENT", "id"]) == RESP.int(1))
        }

        @Test func helpListsSubcommands() {
            let h = CommandHarness()
            let reply = h.run(["CLIENT", "HELP"])
            #expect(reply.hasPrefix("*"))
            #expect(reply.contains("+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"))
            #expect(reply.hasSuffix("+HELP\r\n+    Print this help.\r\n"))
        }
    }

    // MARK: - The table

    @Suite struct Table {
        static var allSpecs: [CommandSpec] {
            CommandTable.shared.commands.flatMap { [$0] + $0.subcommandList }
        }

        @Test func commandCountMatchesTheTable() {
            let h = CommandHarness()
            #expect(h.run(["COMMAND", "COUNT"]) == RESP.int(CommandTable.shared.commands.count))
        }

        @Test func everyEntryHasAHandlerOrSubcommands() {
            for spec in CommandTable.shared.commands {
                #expect(spec.handler != nil || !spec.subcommandList.isEmpty, "\(spec.name)")
                for sub in spec.subcommandList {
                    #expect(sub.handler != nil, "\(sub.name)")
                    #expect(sub.subcommandList.isEmpty, "\(sub.name) nests subcommands")
                }
            }
        }

        @Test func namesAreLowercaseAndUnique() {
            var seen = Set<String>()
            for spec in Self.allSpecs {
                #expect(spec.name == spec.name.lowercased(), "\(spec.name)")
                #expect(!spec.name.isEmpty)
                #expect(!spec.name.contains(" "), "\(spec.name)")
                #expect(seen.insert(spec.name).inserted, "duplicate \(spec.name)")
            }
        }

        @Test func subcommandsAreNamedAfterTheirContainer() {
            for spec in CommandTable.shared.commands {
                #expect(!spec.name.contains("|"), "\(spec.name)")
                for sub in spec.subcommandList {
                    #expect(sub.name.hasPrefix(spec.name + "|"), "\(sub.name)")
                    #expect(sub.parent === spec)
                    #expect(sub.group == spec.group, "\(sub.name)")
                    // A subcommand counts the container's name: it needs at least two arguments.
                    #expect(sub.arity >= 2 || sub.arity <= -2, "\(sub.name)")
                }
            }
        }

        @Test func arityIsNeverZero() {
            for spec in Self.allSpecs { #expect(spec.arity != 0, "\(spec.name)") }
        }

        @Test func readonlyAndWriteAreExclusive() {
            for spec in Self.allSpecs {
                #expect(!(spec.flags.contains(.readonly) && spec.flags.contains(.write)), "\(spec.name)")
            }
        }

        @Test func keyPositionsFitTheArity() {
            for spec in Self.allSpecs where spec.keys.first > 0 {
                #expect(spec.keys.step > 0, "\(spec.name)")
                let minimum = abs(spec.arity)
                // SUNSUBSCRIBE (arity -1) takes zero or more keys, as in Redis: keys that run to the end may be absent.
                let optionalKeys = spec.arity < 0 && spec.keys.last < 0 && spec.keys.first == minimum
                #expect(
                    spec.keys.first < minimum || optionalKeys,
                    "\(spec.name): first key beyond the minimum argument count")
            }
        }

        @Test func everyEntryIsFoundByName() throws {
            for spec in Self.allSpecs {
                let found = try #require(CommandTable.shared.lookup(name: spec.name.uppercased()), "\(spec.name)")
                #expect(found === spec)
            }
            #expect(CommandTable.shared.lookup(ByteBuffer(string: "SeT")) === CommandTable.shared.lookup(name: "set"))
            #expect(CommandTable.shared.lookup(name: "nosuch") == nil)
            #expect(CommandTable.shared.lookup(ByteBuffer()) == nil)
        }

        @Test func commandListNamesEveryCommand() {
            let h = CommandHarness()
            let names = CommandTable.shared.commands.map(\.name)
            #expect(h.run(["COMMAND", "LIST"]) == RESP.array(names.map(RESP.bulk)))
        }

        @Test func commandInfoHeader() {
            let h = CommandHarness()
            let reply = h.run(["COMMAND", "INFO", "get"])
            // name, arity, flags (a set, an array in RESP2), first key, last key, step, ...
            #expect(reply.hasPrefix("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"))
            #expect(h.run(["COMMAND", "INFO", "nosuch"]) == "*1\r\n" + RESP.null)
        }

        @Test func commandGetkeys() {
            let h = CommandHarness()
            #expect(h.run(["COMMAND", "GETKEYS", "SET", "k", "v"]) == RESP.bulks("k"))
            #expect(h.run(["COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"]) == RESP.bulks("a", "b"))
            #expect(h.run(["COMMAND", "GETKEYS", "DEL", "a", "b", "c"]) == RESP.bulks("a", "b", "c"))
            #expect(h.run(["COMMAND", "GETKEYS", "nosuch", "x"]) == RESP.error("ERR Invalid command specified"))
            #expect(
                h.run(["COMMAND", "GETKEYS", "GET"])
                    == RESP.error("ERR Invalid number of arguments specified for command"))
            #expect(h.run(["COMMAND", "GETKEYS", "PING", "x"]) == RESP.error("ERR The command has no key arguments"))
        }
    }
}
