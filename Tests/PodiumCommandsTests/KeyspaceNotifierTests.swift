import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import Testing

/// A server that only records what is published.
private final class RecordingServer: ServerContext {
    var published: [(String, String)] = []

    func publish(
        _ kind: PubSubKind, channel: ByteBuffer, message: ByteBuffer, publisher: ClientSession?,
        output: inout ByteBuffer
    ) -> Int {
        published.append((String(buffer: channel), String(buffer: message)))
        return 0
    }

    func configGet(patterns: [String]) -> [(String, String)] { [] }
    func configSet(pairs: [(String, String)], client: ClientSession) throws(CommandError) {}
    func configValue(_ name: String) -> String? { nil }
    func resetStats() {}
    func configRewrite() throws(CommandError) {}
    func clients() -> [ClientSession] { [] }
    func kill(client: ClientSession) {}
    func addMonitor(_ client: ClientSession) {}
    func subscribe(_ client: ClientSession, _ kind: PubSubKind, _ name: Bytes) -> Bool { false }
    func unsubscribe(_ client: ClientSession, _ kind: PubSubKind, _ name: Bytes) -> Bool { false }
    func unsubscribeAll(_ client: ClientSession) {}
    func pubsubChannels(_ kind: PubSubKind, matching pattern: [UInt8]?) -> [Bytes] { [] }
    func pubsubSubscriberCount(_ kind: PubSubKind, _ channel: Bytes) -> Int { 0 }
    func pubsubPatternCount() -> Int { 0 }
    func shutdown(save: Bool?, force: Bool) throws(CommandError) {}
    func unblocked(_ client: ClientSession, reply: ByteBuffer) {}
    func rewriteAppendOnlyFile(inTransaction: Bool) throws(CommandError) -> String { "" }
    func save() throws(CommandError) {}
    func backgroundSave(schedule: Bool, inTransaction: Bool) throws(CommandError) -> String { "" }
    func cancelBackgroundSave() throws(CommandError) -> String { "" }
    func flushedAll() {}
    var lastSave: Int64 { 0 }
    func debugReload(save: Bool, flush: Bool, merge: Bool) throws(CommandError) {}
    var info: ServerInfo { ServerInfo() }
}

/// Keyspace notifications at the dispatcher: which flags publish, what the keyspace raises itself, and order.
@Suite struct KeyspaceNotifierTests {
    private func harness(_ flags: String) -> (CommandHarness, RecordingServer) {
        let h = CommandHarness()
        let server = RecordingServer()
        h.dispatcher.server = server
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
            server.published.map { "\($0.0) \($0.1)" } == [
                "__keyspace@7__:k set", "__keyevent@7__:set k",
            ])
        let (h2, only) = harness("Eh")
        h2.run(["SET", "k", "v"], ["HSET", "h", "f", "v"])
        #expect(only.published.map { "\($0.0) \($0.1)" } == ["__keyevent@0__:hset h"])
    }

    @Test func expiredNewAndKeymissComeFromTheKeyspaceInOrder() {
        let (h, server) = harness("Exnm")
        h.run(["SET", "k", "v", "PX", "10"], ["GET", "nosuch"])
        h.advance(by: 20)
        h.run(["SET", "k", "w"])  // finds k expired, then creates it anew
        #expect(
            server.published.map { "\($0.0) \($0.1)" } == [
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
            Set(server.published.map { "\($0.0) \($0.1)" }) == [
                "__keyspace@0__:a expired", "__keyspace@2__:b expired",
            ])
    }

    @Test func eventsInsideExecFireAsEachCommandRuns() {
        let (h, server) = harness("E$g")
        h.run(["MULTI"], ["SET", "t", "1"], ["INCR", "t"], ["DEL", "t"])
        #expect(server.published.isEmpty)
        h.run(["EXEC"])
        #expect(
            server.published.map { "\($0.0) \($0.1)" } == [
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
