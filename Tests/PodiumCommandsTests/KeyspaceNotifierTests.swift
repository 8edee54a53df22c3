import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import Testing

/// Keyspace notifications at the dispatcher: which flags publish, what the keyspace raises itself, and order.
@Suite struct KeyspaceNotifierTests {
    private func harness(_ flags: String) -> (CommandHarness, FakeServerContext) {
        let h = CommandHarness()
        let server = FakeServerContext()
        h.server = server
        h.dispatcher.keyspaceEvents = KeyspaceEventFlags(classes: flags)!
        return (h, server)
    }

    @Test func nothingWithoutAChannelKindOrAClass() {
        for flags in ["", "A", "Ax", "n", "m", "K", "E", "KE"] {
            let (h, server) = harness(flags)
            h.run(["SET", "k", "v", "PX", "10"], ["HSET", "h", "f", "v"], ["GET", "nosuch"])
            h.advance(by: 20)
            h.run(["GET", "k"])
            #expect(server.published.isEmpty, "\(flags)")
            #expect(h.dispatcher.keyspaceEvents == [], "\(flags)")
            #expect(
                h.keyspace.expiryObserver == nil && h.keyspace.newKeyObserver == nil
                    && h.keyspace.keyMissObserver == nil)
        }
    }

    @Test func keyspaceAndKeyeventChannels() {
        let (h, server) = harness("KEA")
        h.run(["SELECT", "7"], ["SET", "k", "v"])
        #expect(
            server.published.map { "\($0.channel) \($0.message)" } == [
                "__keyspace@7__:k set", "__keyevent@7__:set k",
            ])
        let (h2, only) = harness("Eh")
        h2.run(["SET", "k", "v"], ["HSET", "h", "f", "v"])
        #expect(only.published.map { "\($0.channel) \($0.message)" } == ["__keyevent@0__:hset h"])
    }

    @Test func expiredNewAndKeymissComeFromTheKeyspaceInOrder() {
        let (h, server) = harness("Exnm")
        h.run(["SET", "k", "v", "PX", "10"], ["GET", "nosuch"])
        h.advance(by: 20)
        h.run(["SET", "k", "w"])  // finds k expired, then creates it anew
        #expect(
            server.published.map { "\($0.channel) \($0.message)" } == [
                "__keyevent@0__:new k", "__keyevent@0__:keymiss nosuch",
                "__keyevent@0__:expired k", "__keyevent@0__:new k",
            ])
    }

    @Test func activeExpiryIsPublishedWhenFlushed() {
        let (h, server) = harness("Kx")
        h.run(["SET", "a", "1", "PX", "10"], ["SELECT", "2"], ["SET", "b", "1", "PX", "10"])
        h.advance(by: 20)
        h.keyspace.activeExpireCycle(budgetNanoseconds: 1_000_000_000)
        #expect(server.published.isEmpty)
        #expect(!h.dispatcher.pendingKeyspaceEventsIsEmpty)
        var scratch = ByteBuffer()
        h.dispatcher.flushKeyspaceEvents(publisher: nil, output: &scratch)
        #expect(
            Set(server.published.map { "\($0.channel) \($0.message)" }) == [
                "__keyspace@0__:a expired", "__keyspace@2__:b expired",
            ])
    }

    @Test func eventsInsideExecFireAsEachCommandRuns() {
        let (h, server) = harness("E$g")
        h.run(["MULTI"], ["SET", "t", "1"], ["INCR", "t"], ["DEL", "t"])
        #expect(server.published.isEmpty)
        h.run(["EXEC"])
        #expect(
            server.published.map { "\($0.channel) \($0.message)" } == [
                "__keyevent@0__:set t", "__keyevent@0__:incrby t", "__keyevent@0__:del t",
            ])
    }

    @Test func turningOffRemovesTheObservers() {
        let (h, server) = harness("KEAnm")
        #expect(
            h.keyspace.expiryObserver != nil && h.keyspace.newKeyObserver != nil
                && h.keyspace.keyMissObserver != nil)
        h.dispatcher.keyspaceEvents = []
        #expect(
            h.keyspace.expiryObserver == nil && h.keyspace.newKeyObserver == nil
                && h.keyspace.keyMissObserver == nil)
        h.run(["SET", "k", "v"], ["GET", "nosuch"])
        #expect(server.published.isEmpty)
    }
}
