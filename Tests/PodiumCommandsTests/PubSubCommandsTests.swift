import NIOCore
import PodiumCommands
import PodiumKeyspace
import Testing

/// A harness whose dispatcher has a server, and that server.
private func harness() -> (CommandHarness, FakeServerContext) {
    let h = CommandHarness()
    let server = FakeServerContext()
    h.server = server
    return (h, server)
}

/// A `[kind, name, count]` confirmation as RESP2 writes it (name nil: the null bulk).
private func confirm(_ kind: String, _ name: String?, _ count: Int) -> String {
    RESP.array(RESP.bulk(kind), name.map(RESP.bulk) ?? RESP.null, RESP.int(count))
}

/// The same confirmation as a RESP3 push frame.
private func push(_ kind: String, _ name: String?, _ count: Int) -> String {
    ">3\r\n" + RESP.bulk(kind) + (name.map(RESP.bulk) ?? "_\r\n") + RESP.int(count)
}

/// RESP2 subscribed mode's refusal.
private func notAllowed(_ command: String) -> String {
    RESP.error(
        "ERR Can't execute '\(command)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
            + "allowed in this context")
}

/// Valkey's `pubsub` group at the dispatcher: the confirmations a client gets, RESP2 subscribed mode and PUBSUB's
/// replies. The subscriber registry is the server's (`ServerContext`); a `FakeServerContext` keeps it here as the
/// hub does, in `ClientSession.subscriptions`. Delivery to other connections is the hub's, tested with it
/// (PodiumServerTests) and end to end. Expected replies are redis-server 7.0.15's.
@Suite struct PubSubCommandsTests {
    @Suite struct Confirmations {
        /// The count is the client's channels plus patterns (its shard channels for the S-commands); a name it was
        /// not subscribed to is confirmed too, and a bare UNSUBSCRIBE with nothing left confirms a null name.
        @Test func subscribeConfirmsEachChannel() {
            let (h, _) = harness()
            #expect(h.run(["SUBSCRIBE", "a", "b"]) == confirm("subscribe", "a", 1) + confirm("subscribe", "b", 2))
            #expect(h.run(["SUBSCRIBE", "a"]) == confirm("subscribe", "a", 2))
            #expect(h.run(["PSUBSCRIBE", "p*"]) == confirm("psubscribe", "p*", 3))
            #expect(h.run(["SSUBSCRIBE", "s1"]) == confirm("ssubscribe", "s1", 1))
            #expect(
                h.run(["UNSUBSCRIBE", "b", "nosuch"])
                    == confirm("unsubscribe", "b", 2) + confirm("unsubscribe", "nosuch", 2))
            #expect(h.run(["PUNSUBSCRIBE", "p*"]) == confirm("punsubscribe", "p*", 1))
            #expect(h.run(["SUNSUBSCRIBE", "s1"]) == confirm("sunsubscribe", "s1", 0))
            #expect(h.run(["UNSUBSCRIBE"]) == confirm("unsubscribe", "a", 0))
            #expect(h.run(["UNSUBSCRIBE"]) == confirm("unsubscribe", nil, 0))
            #expect(h.run(["PUNSUBSCRIBE"]) == confirm("punsubscribe", nil, 0))
            #expect(h.run(["SUNSUBSCRIBE"]) == confirm("sunsubscribe", nil, 0))
            #expect(h.run(["GET", "k"]) == RESP.null)
        }

        @Test func bareUnsubscribeConfirmsEveryChannelCountingDown() throws {
            let (h, _) = harness()
            h.run(["SUBSCRIBE", "a", "b", "c"], ["PSUBSCRIBE", "p1", "p2"])
            let replies = try #require(RESPValue.parseAll(h.run(["UNSUBSCRIBE"])))
            // One confirmation per channel, in no set order; the count drops by one each time (patterns stay).
            #expect(replies.count == 3)
            let names = replies.compactMap { reply -> String? in
                guard case .array(let items) = reply, items.count == 3, case .bulk(let name) = items[1] else {
                    return nil
                }
                return name
            }
            #expect(Set(names) == ["a", "b", "c"])
            let counts = replies.compactMap { reply -> Int? in
                guard case .array(let items) = reply, case .integer(let n) = items[2] else { return nil }
                return n
            }
            #expect(counts == [4, 3, 2])
            #expect(
                replies.allSatisfy { reply in
                    guard case .array(let items) = reply else { return false }
                    return items.first == .bulk("unsubscribe")
                })
            #expect(h.run(["PUNSUBSCRIBE"]).hasSuffix(RESP.int(0)))
            #expect(h.client.subscriptions.isSubscribed == false)
        }

        /// SUBSCRIBE may be queued and runs in EXEC; SSUBSCRIBE is refused there (a transaction's client may not
        /// block).
        @Test func subscribeInsideMulti() {
            let (h, _) = harness()
            #expect(h.run(["MULTI"]) == RESP.ok)
            #expect(h.run(["SUBSCRIBE", "a"]) == RESP.queued)
            #expect(h.run(["SSUBSCRIBE", "s"]) == RESP.queued)
            #expect(
                h.run(["EXEC"])
                    == RESP.array(
                        confirm("subscribe", "a", 1),
                        RESP.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")))
        }

        /// Confirmations are pushes: CLIENT REPLY OFF does not hold them back (it does the other replies).
        @Test func confirmationsSurviveClientReplyOff() {
            let (h, _) = harness()
            #expect(h.run(["CLIENT", "REPLY", "OFF"]) == "")
            #expect(h.run(["SUBSCRIBE", "a"]) == confirm("subscribe", "a", 1))
            #expect(h.run(["PING"]) == "")
            #expect(h.run(["UNSUBSCRIBE", "a"]) == confirm("unsubscribe", "a", 0))
        }

        @Test func resp3ConfirmationsArePushFrames() {
            let (h, _) = harness()
            h.run(["HELLO", "3"])
            #expect(h.run(["SUBSCRIBE", "a"]) == push("subscribe", "a", 1))
            #expect(h.run(["UNSUBSCRIBE"]) == push("unsubscribe", "a", 0))
            #expect(h.run(["UNSUBSCRIBE"]) == push("unsubscribe", nil, 0))
        }

        @Test func arityErrors() {
            let (h, _) = harness()
            #expect(h.run(["SUBSCRIBE"]) == RESP.arity("subscribe"))
            #expect(h.run(["PSUBSCRIBE"]) == RESP.arity("psubscribe"))
            #expect(h.run(["SSUBSCRIBE"]) == RESP.arity("ssubscribe"))
            #expect(h.run(["PUBLISH", "a"]) == RESP.arity("publish"))
            #expect(h.run(["SPUBLISH", "a"]) == RESP.arity("spublish"))
        }
    }

    @Suite struct SubscribedMode {
        /// RESP2: only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET run; PING answers [pong, message].
        @Test func subscribedModeRefusesOtherCommands() {
            let (h, _) = harness()
            #expect(h.run(["SUBSCRIBE", "a"]) == confirm("subscribe", "a", 1))
            #expect(h.run(["GET", "k"]) == notAllowed("get"))
            #expect(h.run(["SET", "k", "v"]) == notAllowed("set"))
            #expect(h.run(["MULTI"]) == notAllowed("multi"))
            #expect(h.run(["PUBLISH", "a", "m"]) == notAllowed("publish"))
            #expect(h.run(["PUBSUB", "NUMSUB", "a"]) == notAllowed("pubsub|numsub"))
            #expect(h.run(["PING"]) == RESP.bulks("pong", ""))
            #expect(h.run(["PING", "hello"]) == RESP.bulks("pong", "hello"))
            #expect(h.run(["UNSUBSCRIBE", "a"]) == confirm("unsubscribe", "a", 0))
            #expect(h.run(["PING"]) == RESP.simple("PONG"))
            #expect(h.run(["GET", "k"]) == RESP.null)
        }

        @Test func patternSubscriptionAloneIsSubscribedMode() {
            let (h, _) = harness()
            #expect(h.run(["PSUBSCRIBE", "p*"]) == confirm("psubscribe", "p*", 1))
            #expect(h.run(["GET", "k"]) == notAllowed("get"))
            #expect(h.run(["PUNSUBSCRIBE", "p*"]) == confirm("punsubscribe", "p*", 0))
            #expect(h.run(["GET", "k"]) == RESP.null)
        }

        @Test func shardSubscriptionAloneIsSubscribedMode() {
            let (h, _) = harness()
            #expect(h.run(["SSUBSCRIBE", "s"]) == confirm("ssubscribe", "s", 1))
            #expect(h.run(["GET", "k"]) == notAllowed("get"))
            #expect(h.run(["PING"]) == RESP.bulks("pong", ""))
            #expect(h.run(["SUNSUBSCRIBE", "s"]) == confirm("sunsubscribe", "s", 0))
        }

        @Test func resetLeavesSubscribedMode() {
            let (h, _) = harness()
            #expect(h.run(["SUBSCRIBE", "a"]) == confirm("subscribe", "a", 1))
            #expect(h.run(["PSUBSCRIBE", "p"]) == confirm("psubscribe", "p", 2))
            #expect(h.run(["RESET"]) == RESP.simple("RESET"))
            #expect(h.run(["GET", "k"]) == RESP.null)
            #expect(h.run(["UNSUBSCRIBE"]) == confirm("unsubscribe", nil, 0))
        }

        /// In RESP3 the messages are push frames, so a subscribed client may run anything and PING is plain.
        @Test func resp3HasNoSubscribedMode() {
            let (h, _) = harness()
            h.run(["HELLO", "3"], ["SUBSCRIBE", "a"])
            #expect(h.run(["SET", "k", "v"], ["GET", "k"]) == RESP.ok + RESP.bulk("v"))
            #expect(h.run(["GET", "nosuch"]) == "_\r\n")
            #expect(h.run(["PING"]) == RESP.simple("PONG"))
        }

        /// Valkey counts the refused command in its commandstats (`rejectCommand`: `rejected_calls++`);
        /// redis-server 7.0.15 shows `cmdstat_get:calls=0,...,rejected_calls=1` after one refused GET.
        @Test func aRefusedCommandCountsAsRejected() {
            let (h, _) = harness()
            h.run(["SUBSCRIBE", "a"])
            #expect(h.run(["GET", "k"]) == notAllowed("get"))
            h.run(["UNSUBSCRIBE"])
            let info = h.run(["INFO", "commandstats"])
            #expect(info.contains("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"))
        }

        /// Subscribed mode is the client's: another client of the same dispatcher is not affected.
        @Test func otherClientsAreNotInSubscribedMode() {
            let (h, _) = harness()
            let other = h.makeClient()
            h.run(["SUBSCRIBE", "a"])
            #expect(h.run(["SET", "k", "v"], as: other) == RESP.ok)
            #expect(h.run(["GET", "k"]) == notAllowed("get"))
        }
    }

    @Suite struct Introspection {
        @Test func introspectionArguments() {
            let (h, _) = harness()
            #expect(h.run(["PUBSUB", "NUMSUB"]) == RESP.emptyArray)
            #expect(h.run(["PUBSUB", "NUMSUB", "nosuch"]) == RESP.array(RESP.bulk("nosuch"), RESP.int(0)))
            #expect(h.run(["PUBSUB", "NUMPAT"]) == RESP.int(0))
            #expect(h.run(["PUBSUB", "CHANNELS"]) == RESP.emptyArray)
            #expect(
                h.run(["PUBSUB", "CHANNELS", "x", "y"])
                    == RESP.error(
                        "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."))
            #expect(
                h.run(["PUBSUB", "SHARDCHANNELS", "x", "y"])
                    == RESP.error(
                        "ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP."))
            #expect(h.run(["PUBSUB", "SHARDNUMSUB", "nosuch"]) == RESP.array(RESP.bulk("nosuch"), RESP.int(0)))
            #expect(h.run(["PUBSUB", "NOPE"]) == RESP.error("ERR unknown subcommand 'NOPE'. Try PUBSUB HELP."))
            #expect(h.run(["PUBSUB"]) == RESP.arity("pubsub"))
        }

        @Test func countsAcrossClients() throws {
            let (h, _) = harness()
            let other = h.makeClient()
            h.run(["SUBSCRIBE", "news", "sport"], ["PSUBSCRIBE", "n*", "x*"])
            h.run(["SUBSCRIBE", "news"], ["PSUBSCRIBE", "n*"], ["SSUBSCRIBE", "shard"], as: other)
            let watcher = h.makeClient()
            // NUMSUB: a flat [channel, count, ...] in the order asked, patterns not counted.
            #expect(
                h.run(["PUBSUB", "NUMSUB", "news", "sport", "n*", "nosuch"], as: watcher)
                    == RESP.array(
                        RESP.bulk("news"), RESP.int(2), RESP.bulk("sport"), RESP.int(1), RESP.bulk("n*"),
                        RESP.int(0), RESP.bulk("nosuch"), RESP.int(0)))
            // NUMPAT: distinct patterns.
            #expect(h.run(["PUBSUB", "NUMPAT"], as: watcher) == RESP.int(2))
            let all = try #require(RESPValue.parse(h.run(["PUBSUB", "CHANNELS"], as: watcher))?.strings)
            #expect(Set(all) == ["news", "sport"] && all.count == 2)
            #expect(h.run(["PUBSUB", "CHANNELS", "s*"], as: watcher) == RESP.bulks("sport"))
            #expect(h.run(["PUBSUB", "SHARDCHANNELS"], as: watcher) == RESP.bulks("shard"))
            #expect(
                h.run(["PUBSUB", "SHARDNUMSUB", "shard", "news"], as: watcher)
                    == RESP.array(RESP.bulk("shard"), RESP.int(1), RESP.bulk("news"), RESP.int(0)))
            h.run(["UNSUBSCRIBE", "news"], as: other)
            #expect(h.run(["PUBSUB", "NUMSUB", "news"], as: watcher) == RESP.array(RESP.bulk("news"), RESP.int(1)))
        }

        /// PUBLISH answers the number of deliveries (a channel subscription and a matching pattern count once each);
        /// SPUBLISH reaches shard subscribers only.
        @Test func publishCountsDeliveries() {
            let (h, server) = harness()
            let subscriber = h.makeClient()
            h.run(["SUBSCRIBE", "news"], ["PSUBSCRIBE", "n*"], ["SSUBSCRIBE", "news"], as: subscriber)
            #expect(h.run(["PUBLISH", "news", "hello"]) == RESP.int(2))
            #expect(h.run(["PUBLISH", "nothing", "x"]) == RESP.int(1))
            #expect(h.run(["PUBLISH", "other", "x"]) == RESP.int(0))
            #expect(h.run(["SPUBLISH", "news", "s"]) == RESP.int(1))
            #expect(
                server.published == [
                    .init(kind: .channel, channel: "news", message: "hello"),
                    .init(kind: .channel, channel: "nothing", message: "x"),
                    .init(kind: .channel, channel: "other", message: "x"),
                    .init(kind: .shard, channel: "news", message: "s"),
                ])
        }

        /// Without a server behind the dispatcher there is nobody to deliver to.
        @Test func withoutAServerNothingIsDelivered() {
            let h = CommandHarness()
            #expect(h.run(["PUBLISH", "a", "m"]) == RESP.int(0))
            #expect(h.run(["PUBSUB", "NUMSUB", "a"]) == RESP.array(RESP.bulk("a"), RESP.int(0)))
            #expect(h.run(["PUBSUB", "CHANNELS"]) == RESP.emptyArray)
        }
    }
}
