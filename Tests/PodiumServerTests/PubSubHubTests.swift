import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import PodiumRESP
import Testing

@testable import PodiumServer

/// The hub's bookkeeping and fan-out without sockets: outlets with no channel keep their frames for inspection.
@Suite struct PubSubHubTests {
    static let noLimit = OutputBufferLimit(hard: 0, soft: 0, softSeconds: 0)

    final class Client {
        let session: ClientSession
        let outlet = PushOutlet(channel: nil)
        init(_ id: Int, proto: ProtocolVersion = .resp2) {
            session = ClientSession(id: id)
            session.proto = proto
        }
        /// Everything queued for this client so far, as text.
        func received() -> String { String(buffer: outlet.takePending()) }
    }

    func publish(
        _ hub: PubSubHub, _ channel: String, _ message: String, kind: PubSubKind = .channel,
        from publisher: ClientSession? = nil
    ) -> (Int, String) {
        var output = ByteBuffer()
        let n = hub.publish(
            kind, channel: ByteBuffer(string: channel), message: ByteBuffer(string: message),
            publisher: publisher, output: &output)
        return (n, String(buffer: output))
    }

    @Test func subscribeCountsAndUnsubscribeRemovesEmptyChannels() {
        let hub = PubSubHub(limit: Self.noLimit)
        let a = Client(1)
        let b = Client(2)
        #expect(hub.subscribe(a.session, outlet: a.outlet, .channel, "news"))
        #expect(!hub.subscribe(a.session, outlet: a.outlet, .channel, "news"))
        #expect(hub.subscribe(b.session, outlet: b.outlet, .channel, "news"))
        #expect(hub.subscribe(a.session, outlet: a.outlet, .pattern, "n*"))
        #expect(hub.subscribe(a.session, outlet: a.outlet, .shard, "s1"))
        #expect(a.session.subscriptions.count == 2)
        #expect(a.session.subscriptions.shardCount == 1)
        #expect(hub.subscriberCount(.channel, "news") == 2)
        #expect(hub.subscriberCount(.shard, "s1") == 1)
        #expect(hub.subscriberCount(.channel, "s1") == 0)
        #expect(hub.channelCount == 1 && hub.patternCount == 1 && hub.shardChannelCount == 1)

        #expect(hub.unsubscribe(a.session, .channel, "news"))
        #expect(!hub.unsubscribe(a.session, .channel, "news"))
        #expect(hub.subscriberCount(.channel, "news") == 1)
        #expect(hub.unsubscribe(b.session, .channel, "news"))
        #expect(hub.channelCount == 0)
        #expect(hub.channelNames(.channel, matching: nil).isEmpty)

        hub.unsubscribeAll(a.session)
        #expect(!a.session.subscriptions.isSubscribed)
        #expect(hub.patternCount == 0 && hub.shardChannelCount == 0)
    }

    @Test func channelNamesFilterWithTheKeysGlob() {
        let hub = PubSubHub(limit: Self.noLimit)
        let a = Client(1)
        for name in ["news.tech", "news.art", "sport", "h[x]"] {
            _ = hub.subscribe(a.session, outlet: a.outlet, .channel, Bytes(name))
        }
        _ = hub.subscribe(a.session, outlet: a.outlet, .shard, "news.shard")
        let names = { (p: String?) in
            Set(hub.channelNames(.channel, matching: p.map { Array($0.utf8) }).map(\.description))
        }
        #expect(names(nil) == ["news.tech", "news.art", "sport", "h[x]"])
        #expect(names("news.*") == ["news.tech", "news.art"])
        #expect(names("news.[a-b]rt") == ["news.art"])
        #expect(names("h\\[x\\]") == ["h[x]"])
        #expect(hub.channelNames(.shard, matching: Array("news.*".utf8)).map(\.description) == ["news.shard"])
        // NUMPAT counts distinct patterns, not subscriptions.
        let b = Client(2)
        _ = hub.subscribe(a.session, outlet: a.outlet, .pattern, "n*")
        _ = hub.subscribe(b.session, outlet: b.outlet, .pattern, "n*")
        #expect(hub.patternCount == 1)
    }

    @Test func publishReachesChannelAndPatternSubscribersOncePerSubscription() {
        let hub = PubSubHub(limit: Self.noLimit)
        let a = Client(1)
        let b = Client(2, proto: .resp3)
        let c = Client(3)
        _ = hub.subscribe(a.session, outlet: a.outlet, .channel, "news")
        _ = hub.subscribe(a.session, outlet: a.outlet, .pattern, "n*")
        _ = hub.subscribe(b.session, outlet: b.outlet, .pattern, "n*")
        _ = hub.subscribe(c.session, outlet: c.outlet, .channel, "other")
        let (n, selfOutput) = publish(hub, "news", "hi")
        #expect(n == 3)
        #expect(selfOutput.isEmpty)
        #expect(
            a.received() == "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
                + "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n")
        #expect(b.received() == ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n")
        #expect(c.received() == "")
        #expect(publish(hub, "nothing-here", "x").0 == 2)  // n* matches, for a and for b
        #expect(publish(hub, "zzz", "x").0 == 0)
    }

    @Test func messagesKeepPublishOrderAndShardChannelsAreSeparate() {
        let hub = PubSubHub(limit: Self.noLimit)
        let a = Client(1)
        _ = hub.subscribe(a.session, outlet: a.outlet, .channel, "c")
        _ = hub.subscribe(a.session, outlet: a.outlet, .shard, "c")
        for i in 0..<100 { _ = publish(hub, "c", "m\(i)") }
        #expect(publish(hub, "c", "s", kind: .shard).0 == 1)
        let text = a.received()
        let expected =
            (0..<100).map { i in "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$\(String(i).count + 1)\r\nm\(i)\r\n" }
            .joined() + "*3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$1\r\ns\r\n"
        #expect(text == expected)
    }

    @Test func aPublisherThatSubscribesGetsItsFramesInItsOwnOutput() {
        let hub = PubSubHub(limit: Self.noLimit)
        let a = Client(1, proto: .resp3)
        _ = hub.subscribe(a.session, outlet: a.outlet, .channel, "c")
        let (n, output) = publish(hub, "c", "x", from: a.session)
        #expect(n == 1)
        #expect(output == ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nx\r\n")
        #expect(a.received() == "")
    }

    @Test func theHardLimitClosesOnlyTheSlowSubscriber() {
        let hub = PubSubHub(limit: OutputBufferLimit(hard: 1000, soft: 0, softSeconds: 0))
        var closed: [Int] = []
        hub.onOverLimit = { closed.append($0.session.id) }
        let slow = Client(1)
        let fast = Client(2)
        _ = hub.subscribe(slow.session, outlet: slow.outlet, .channel, "c")
        _ = hub.subscribe(fast.session, outlet: fast.outlet, .channel, "c")
        let payload = String(repeating: "x", count: 100)
        var fastBytes = 0
        for _ in 0..<20 {
            _ = publish(hub, "c", payload)
            fastBytes += fast.outlet.takePending().readableBytes  // the fast one reads everything
        }
        #expect(closed == [1])
        #expect(slow.outlet.closed)
        #expect(!fast.outlet.closed)
        #expect(fastBytes == 20 * (payload.count + 32))  // "*3 $7 message $1 c $100 …" framing is 32 bytes
        #expect(slow.outlet.takePending().readableBytes == 0)  // dropped, not kept
    }

    @Test func theSoftLimitNeedsToBeExceededForItsSeconds() {
        let outlet = PushOutlet(channel: nil)
        let limit = OutputBufferLimit(hard: 0, soft: 10, softSeconds: 1)
        let frame = ByteBuffer(string: "0123456789ab")
        #expect(outlet.enqueue(frame, limit: limit, now: 0) == .queued)  // over soft: the clock starts
        #expect(outlet.enqueue(frame, limit: limit, now: 900_000_000) == .queued)
        _ = outlet.takePending()
        #expect(outlet.enqueue(ByteBuffer(string: "x"), limit: limit, now: 1_500_000_000) == .queued)  // back under
        #expect(outlet.enqueue(frame, limit: limit, now: 1_600_000_000) == .queued)  // over again: restarts
        #expect(outlet.enqueue(frame, limit: limit, now: 2_500_000_000) == .queued)
        #expect(outlet.enqueue(frame, limit: limit, now: 2_700_000_000) == .overLimit)
        #expect(outlet.enqueue(frame, limit: limit, now: 2_800_000_000) == .closed)
    }
}
