import PodiumCommands
import PodiumKeyspace
import Testing

/// The ACL model through the dispatcher (no socket): categories as table facts, rule parsing and ordering, command,
/// key and channel checks, passwords, the log. The e2e suite compares the same against redis-server 7.
@Suite struct ACLTests {
    @Suite struct Categories {
        @Test func derivedFromFlagsAndGroups() {
            let table = CommandTable.shared
            func categories(_ name: String) -> [String] { table.lookup(name: name)?.aclCategories.names ?? [] }
            #expect(categories("get") == ["read", "string", "fast"])
            #expect(categories("del") == ["keyspace", "write", "slow"])
            #expect(categories("keys") == ["keyspace", "read", "slow", "dangerous"])
            #expect(categories("zadd") == ["write", "sortedset", "fast"])
            #expect(categories("config|set") == ["admin", "slow", "dangerous"])
            #expect(categories("config") == ["slow"])  // containers carry no group category
            #expect(categories("publish") == ["pubsub", "fast"])
            #expect(categories("multi") == ["fast", "transaction"])
            #expect(categories("client|list") == ["admin", "slow", "dangerous", "connection"])
            #expect(categories("acl|whoami") == ["slow"])
        }

        @Test func everyEntryIsFastOrSlow() {
            for spec in CommandTable.shared.allSpecs {
                let c = spec.aclCategories
                #expect(c.contains(.fast) != c.contains(.slow), "\(spec.fullName)")
            }
        }

        @Test func catListsTheCategoriesInRedisOrder() {
            let names = [
                "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
                "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
                "transaction", "scripting",
            ]
            #expect(CommandHarness().run(["ACL", "CAT"]) == RESP.array(names.map(RESP.bulk)))
        }
    }

    @Suite struct Rules {
        @Test func commandRulesKeepTheirOrderCompacted() {
            let harness = CommandHarness()
            #expect(
                harness.run(["ACL", "SETUSER", "u", "+@read", "-get", "+set", "+get", "-@read", "+config|get"])
                    == RESP.ok)
            let user = harness.dispatcher.acl.user(named: "u")
            #expect(user?.commandsDescription == "-@all +set +get -@read +config|get")
            // A whole-command rule drops earlier rules for its subcommands.
            harness.run(["ACL", "SETUSER", "u", "-config"])
            #expect(user?.commandsDescription == "-@all +set +get -@read -config")
            harness.run(["ACL", "SETUSER", "u", "+@all", "-keys"])
            #expect(user?.commandsDescription == "+@all -keys")
        }

        @Test func aFailingRuleChangesNothing() {
            let harness = CommandHarness()
            harness.run(["ACL", "SETUSER", "u", "on", "+get"])
            let reply = harness.run(["ACL", "SETUSER", "u", "+set", "+nosuch"])
            #expect(
                reply
                    == RESP.error(
                        "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"))
            #expect(harness.dispatcher.acl.user(named: "u")?.commandsDescription == "-@all +get")
        }

        @Test func passwordsAreSHA256AndComparedWhole() {
            let harness = CommandHarness()
            harness.run(["ACL", "SETUSER", "u", "on", ">one", ">two", "#" + String(repeating: "a", count: 64), "<one"])
            let user = harness.dispatcher.acl.user(named: "u")
            #expect(user?.passwords.count == 2)
            let client = harness.makeClient()
            #expect(
                harness.run(["AUTH", "u", "one"], as: client)
                    == RESP.error("WRONGPASS invalid username-password pair or user is disabled."))
            #expect(harness.run(["AUTH", "u", "tw"], as: client).hasPrefix("-WRONGPASS"))
            #expect(harness.run(["AUTH", "u", "two"], as: client) == RESP.ok)
            #expect(client.userName == "u")
            harness.run(["ACL", "SETUSER", "u", "off"])
            #expect(harness.run(["AUTH", "u", "two"], as: harness.makeClient()).hasPrefix("-WRONGPASS"))
        }
    }

    @Suite struct Checks {
        static func harness() -> (CommandHarness, ClientSession) {
            let harness = CommandHarness()
            harness.run([
                "ACL", "SETUSER", "u", "on", "nopass", "~k:*", "%R~r:*", "%W~w:*", "&c.*", "+@all", "-flushall",
            ])
            let client = harness.makeClient()
            harness.run(["AUTH", "u", "x"], as: client)
            return (harness, client)
        }

        @Test func commandsKeysAndChannels() {
            let (harness, client) = Self.harness()
            #expect(
                harness.run(["FLUSHALL"], as: client)
                    == RESP.error("NOPERM this user has no permissions to run the 'flushall' command"))
            let keyDenied = RESP.error(
                "NOPERM this user has no permissions to access one of the keys used as arguments")
            #expect(harness.run(["GET", "k:1"], as: client) == RESP.null)
            #expect(harness.run(["GET", "x"], as: client) == keyDenied)
            #expect(harness.run(["GET", "w:1"], as: client) == keyDenied)
            #expect(harness.run(["SET", "w:1", "v"], as: client) == RESP.ok)
            #expect(harness.run(["SET", "w:1", "v", "GET"], as: client) == keyDenied)
            #expect(harness.run(["SET", "r:1", "v"], as: client) == keyDenied)
            #expect(harness.run(["EXISTS", "r:1", "w:1"], as: client) == RESP.int(1))
            #expect(harness.run(["ZUNION", "2", "k:a", "x"], as: client) == keyDenied)
            #expect(harness.run(["PUBLISH", "c.1", "m"], as: client) == RESP.int(0))
            #expect(
                harness.run(["PUBLISH", "d", "m"], as: client)
                    == RESP.error("NOPERM this user has no permissions to access one of the channels used as arguments")
            )
        }

        /// The default user starts with everything allowed, which `check` answers without looking at the command:
        /// taking away one command, the keys or the channels must end that at once, and giving them back restores it.
        @Test func anUnrestrictedUserLosesItsShortcutWithAnyRestriction() {
            let harness = CommandHarness()
            let user = harness.dispatcher.acl.user(named: "default")
            #expect(user?.unrestricted == true)
            #expect(harness.run(["SET", "k", "v"]) == RESP.ok)
            let rules: [(take: String, give: String, denied: [String], error: String)] = [
                ("-get", "+get", ["GET", "k"], "NOPERM this user has no permissions to run the 'get' command"),
                ("-@string", "+@all", ["GET", "k"], "NOPERM this user has no permissions to run the 'get' command"),
                (
                    "resetkeys", "allkeys", ["GET", "k"],
                    "NOPERM this user has no permissions to access one of the keys used as arguments"
                ),
                (
                    "resetchannels", "allchannels", ["PUBLISH", "c", "m"],
                    "NOPERM this user has no permissions to access one of the channels used as arguments"
                ),
            ]
            for rule in rules {
                #expect(harness.run(["ACL", "SETUSER", "default", rule.take]) == RESP.ok)
                #expect(user?.unrestricted == false, "\(rule.take)")
                #expect(harness.run(rule.denied) == RESP.error(rule.error), "\(rule.take)")
                #expect(harness.run(["ACL", "SETUSER", "default", rule.give]) == RESP.ok)
                #expect(user?.unrestricted == true, "\(rule.give)")
                #expect(harness.run(rule.denied) != RESP.error(rule.error), "\(rule.give)")
            }
        }

        /// The dispatcher reads the shortcut through the client's unretained user reference: it must follow every
        /// change of the client's user (AUTH both ways) and of that user's rules.
        @Test func theShortcutFollowsTheClientsUser() {
            let (harness, client) = Self.harness()
            let denied = RESP.error("NOPERM this user has no permissions to run the 'flushall' command")
            #expect(harness.run(["FLUSHALL"], as: client) == denied)
            #expect(harness.run(["AUTH", "default", "x"], as: client) == RESP.ok)
            #expect(harness.run(["FLUSHALL"], as: client) == RESP.ok)
            #expect(harness.run(["AUTH", "u", "x"], as: client) == RESP.ok)
            #expect(harness.run(["FLUSHALL"], as: client) == denied)
            #expect(harness.run(["ACL", "SETUSER", "u", "allkeys", "allchannels", "+@all"]) == RESP.ok)
            #expect(harness.run(["FLUSHALL"], as: client) == RESP.ok)
            #expect(harness.run(["ACL", "SETUSER", "u", "-flushall"]) == RESP.ok)
            #expect(harness.run(["FLUSHALL"], as: client) == denied)
        }

        @Test func denialsAreLogged() {
            let (harness, client) = Self.harness()
            harness.run(["GET", "x"], ["GET", "x"], ["FLUSHALL"], as: client)
            let log = harness.run(["ACL", "LOG"])
            #expect(log.hasPrefix("*2\r\n"))
            #expect(log.contains("$5\r\ncount\r\n:1\r\n$6\r\nreason\r\n$7\r\ncommand\r\n"))
            #expect(log.contains("$5\r\ncount\r\n:2\r\n$6\r\nreason\r\n$3\r\nkey\r\n"))
            #expect(harness.run(["ACL", "LOG", "RESET"]) == RESP.ok)
            #expect(harness.run(["ACL", "LOG"]) == "*0\r\n")
        }

        @Test func unauthenticatedClientsGetNoauth() {
            let harness = CommandHarness()
            harness.dispatcher.acl.setRequirepass("pw")
            let client = harness.makeClient()
            client.authenticated = false
            #expect(harness.run(["GET", "k"], as: client) == RESP.error("NOAUTH Authentication required."))
            #expect(harness.run(["AUTH", "pw"], as: client) == RESP.ok)
            #expect(harness.run(["GET", "k"], as: client) == RESP.null)
        }
    }
}
