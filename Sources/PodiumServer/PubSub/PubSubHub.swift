import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// The Pub/Sub hub: who is subscribed to what, and fan-out of published messages (Valkey's `pubsub.c`).
///
/// **Ownership and threading.** `ServerCore` owns one hub. Like the keyspace it has no lock of its own: every
/// call is made with the executor lock held (PUBLISH and SUBSCRIBE are commands; connection teardown and RESET
/// take the lock too). That is also what lets any command handler publish — keyspace notifications will call
/// `ServerContext.publish` from inside handlers and the expiry cycle, which all run under the lock.
///
/// **Index.** Three maps from name to the subscribers keyed by client id: ordinary channels, shard channels,
/// and patterns (each pattern keeps its bytes for matching). Each client's own sets live in
/// `ClientSession.subscriptions`; the hub updates both sides together.
///
/// **Delivery.** A publish encodes each frame once per protocol in use among the receivers (a `message` frame,
/// and one `pmessage` frame per matching pattern), then hands the same buffer to every subscriber's
/// `PushOutlet`, which shares it rather than copying when its queue is empty. The publisher itself, when it is a
/// subscriber (RESP3), gets its frames in its own reply buffer ahead of PUBLISH's reply, as in Redis. A client
/// subscribed to a channel and to a matching pattern receives both a `message` and a `pmessage`.
///
/// **Limits.** Outlets enforce `client-output-buffer-limit pubsub`; when one goes over, `onOverLimit` closes that
/// connection (the server logs and counts it) and the publish carries on with the other subscribers.
final class PubSubHub {
    struct Subscriber {
        let session: ClientSession
        let outlet: PushOutlet
    }

    /// A subscriber as a publish reads it: unretained references (kept alive by the `Subscriber` at the same
    /// position). A publish reads every subscriber's protocol and queue, and a retain and release on each of
    /// 1,000 scattered objects per message was 15% of a 1,000-subscriber fan-out (perf).
    struct Target {
        let session: Unmanaged<ClientSession>
        let outlet: Unmanaged<PushOutlet>

        init(_ subscriber: Subscriber) {
            session = .passUnretained(subscriber.session)
            outlet = .passUnretained(subscriber.outlet)
        }

        var proto: ProtocolVersion { session._withUnsafeGuaranteedRef { $0.proto } }
    }

    /// The subscribers of one name, in arrays (a publish walks them without hashing, reading `targets` in place)
    /// with a client id → position map for removal.
    struct SubscriberList {
        private(set) var items: ContiguousArray<Subscriber> = []
        private(set) var targets: ContiguousArray<Target> = []
        private var positions: [Int: Int] = [:]

        var count: Int { items.count }
        var isEmpty: Bool { items.isEmpty }

        mutating func insert(_ subscriber: Subscriber) {
            positions[subscriber.session.id] = items.count
            items.append(subscriber)
            targets.append(Target(subscriber))
        }

        /// Swap-removes the subscriber with client id `id`.
        mutating func remove(id: Int) {
            guard let position = positions.removeValue(forKey: id) else { return }
            let last = items.removeLast()
            let lastTarget = targets.removeLast()
            if position < items.count {
                items[position] = last
                targets[position] = lastTarget
                positions[last.session.id] = position
            }
        }
    }

    struct PatternEntry {
        let pattern: [UInt8]
        var subscribers = SubscriberList()
    }

    @exclusivity(unchecked) private(set) var channels: [Bytes: SubscriberList] = [:]
    @exclusivity(unchecked) private(set) var shardChannels: [Bytes: SubscriberList] = [:]
    @exclusivity(unchecked) private(set) var patterns: [Bytes: PatternEntry] = [:]

    /// `client-output-buffer-limit pubsub`.
    @exclusivity(unchecked) var limit: OutputBufferLimit
    /// Called (under the executor lock) when a subscriber's outlet goes over the limit.
    @exclusivity(unchecked) var onOverLimit: (Subscriber) -> Void = { _ in }
    private let allocator = ByteBufferAllocator()

    init(limit: OutputBufferLimit) {
        self.limit = limit
    }

    // MARK: - Subscriptions

    /// Subscribes; false if `session` already was subscribed to `name` (no change, as in Valkey).
    func subscribe(_ session: ClientSession, outlet: PushOutlet, _ kind: PubSubKind, _ name: Bytes) -> Bool {
        guard session.subscriptions[kind].insert(name).inserted else { return false }
        let subscriber = Subscriber(session: session, outlet: outlet)
        switch kind {
        case .channel: channels[name, default: SubscriberList()].insert(subscriber)
        case .shard: shardChannels[name, default: SubscriberList()].insert(subscriber)
        case .pattern:
            patterns[name, default: PatternEntry(pattern: name.withUnsafeBytes { Array($0) })]
                .subscribers.insert(subscriber)
        }
        return true
    }

    /// Unsubscribes; false if `session` was not subscribed to `name`. A name left without subscribers is removed.
    func unsubscribe(_ session: ClientSession, _ kind: PubSubKind, _ name: Bytes) -> Bool {
        guard session.subscriptions[kind].remove(name) != nil else { return false }
        switch kind {
        case .channel: Self.remove(session.id, from: &channels, name)
        case .shard: Self.remove(session.id, from: &shardChannels, name)
        case .pattern:
            patterns[name]?.subscribers.remove(id: session.id)
            if patterns[name]?.subscribers.isEmpty == true { patterns[name] = nil }
        }
        return true
    }

    private static func remove(_ id: Int, from map: inout [Bytes: SubscriberList], _ name: Bytes) {
        map[name]?.remove(id: id)
        if map[name]?.isEmpty == true { map[name] = nil }
    }

    /// Drops every subscription of `session` (RESET, disconnect).
    func unsubscribeAll(_ session: ClientSession) {
        guard session.subscriptions.isSubscribed else { return }
        for kind in [PubSubKind.channel, .pattern, .shard] {
            for name in session.subscriptions[kind] { _ = unsubscribe(session, kind, name) }
        }
    }

    // MARK: - Introspection (PUBSUB, INFO)

    func channelNames(_ kind: PubSubKind, matching pattern: [UInt8]?) -> [Bytes] {
        let names: Dictionary<Bytes, SubscriberList>.Keys
        switch kind {
        case .channel, .pattern: names = channels.keys
        case .shard: names = shardChannels.keys
        }
        guard let pattern else { return Array(names) }
        return names.filter { GlobPattern.matches(pattern: pattern, $0) }
    }

    func subscriberCount(_ kind: PubSubKind, _ channel: Bytes) -> Int {
        switch kind {
        case .channel: return channels[channel]?.count ?? 0
        case .shard: return shardChannels[channel]?.count ?? 0
        case .pattern: return patterns[channel]?.subscribers.count ?? 0
        }
    }

    var channelCount: Int { channels.count }
    var patternCount: Int { patterns.count }
    var shardChannelCount: Int { shardChannels.count }

    // MARK: - Publishing

    /// The frame for one message, encoded at most once per protocol.
    private struct FrameCache {
        var resp2: ByteBuffer?
        var resp3: ByteBuffer?
    }

    /// Delivers `message` to the subscribers of `channel` (and of matching patterns, for `.channel`); returns the
    /// number of deliveries. See `ServerContext.publish`.
    func publish(
        _ kind: PubSubKind, channel: ByteBuffer, message: ByteBuffer, publisher: ClientSession?,
        output: inout ByteBuffer
    ) -> Int {
        let name = channel.withUnsafeReadableBytes { Bytes(raw: $0) }
        let now = SystemClock.monotonicNanoseconds()
        var receivers = 0
        // Headers, type word and CRLFs of a `message` frame fit in 64 bytes.
        let size = 64 + channel.readableBytes + message.readableBytes
        let subscribers = kind == .shard ? shardChannels[name] : channels[name]
        if let subscribers {
            var cache = FrameCache()
            let word: StaticString = kind == .shard ? "smessage" : "message"
            subscribers.targets.withUnsafeBufferPointer { list in
                for i in list.indices {
                    let frame = self.frame(&cache, list[i].proto, size: size) { writer in
                        writer.pushHeader(3)
                        word.withUTF8Buffer { writer.bulk(UnsafeRawBufferPointer($0)) }
                        writer.bulk(channel)
                        writer.bulk(message)
                    }
                    if deliver(list[i], frame, publisher: publisher, output: &output, now: now) {
                        onOverLimit(subscribers.items[i])
                    }
                }
            }
            receivers += subscribers.count
        }
        if kind == .channel, !patterns.isEmpty {
            for entry in patterns.values {
                let matched = channel.withUnsafeReadableBytes { GlobPattern.matches(pattern: entry.pattern, raw: $0) }
                guard matched else { continue }
                var cache = FrameCache()
                entry.subscribers.targets.withUnsafeBufferPointer { list in
                    for i in list.indices {
                        let frame = self.frame(&cache, list[i].proto, size: size + entry.pattern.count + 16) {
                            writer in
                            writer.pushHeader(4)
                            writer.bulk("pmessage")
                            entry.pattern.withUnsafeBytes { writer.bulk($0) }
                            writer.bulk(channel)
                            writer.bulk(message)
                        }
                        if deliver(list[i], frame, publisher: publisher, output: &output, now: now) {
                            onOverLimit(entry.subscribers.items[i])
                        }
                    }
                }
                receivers += entry.subscribers.count
            }
        }
        return receivers
    }

    private func frame(
        _ cache: inout FrameCache, _ proto: ProtocolVersion, size: Int,
        _ encode: (inout ReplyWriter) -> Void
    ) -> ByteBuffer {
        if proto == .resp3, let frame = cache.resp3 { return frame }
        if proto == .resp2, let frame = cache.resp2 { return frame }
        var writer = ReplyWriter(buffer: allocator.buffer(capacity: size), proto: proto)
        encode(&writer)
        if proto == .resp3 { cache.resp3 = writer.buffer } else { cache.resp2 = writer.buffer }
        return writer.buffer
    }

    /// Queues `frame` for one subscriber (or, for the publisher itself, writes it to `output`); true if that took
    /// the subscriber over its output-buffer limit.
    private func deliver(
        _ target: Target, _ frame: ByteBuffer, publisher: ClientSession?,
        output: inout ByteBuffer, now: UInt64
    ) -> Bool {
        if let publisher, target.session.toOpaque() == Unmanaged.passUnretained(publisher).toOpaque() {
            output.writeImmutableBuffer(frame)
            return false
        }
        let limit = self.limit
        return target.outlet._withUnsafeGuaranteedRef { $0.enqueue(frame, limit: limit, now: now) } == .overLimit
    }
}
