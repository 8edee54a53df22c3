import NIOCore
import PodiumCommands
import PodiumKeyspace

/// The smallest server a command test needs: a Pub/Sub registry that does what the server's hub does to the
/// client (`ClientSession.subscriptions`) and counts as the hub counts, and a record of what was published.
/// Everything else answers as a server with nothing configured.
final class FakeServerContext: ServerContext {
    struct Publication: Equatable {
        var kind: PubSubKind
        var channel: String
        var message: String
    }

    private(set) var published: [Publication] = []
    private var subscribers: [PubSubKind: [Bytes: [Int: ClientSession]]] = [:]

    func subscribe(_ client: ClientSession, _ kind: PubSubKind, _ name: Bytes) -> Bool {
        guard client.subscriptions[kind].insert(name).inserted else { return false }
        subscribers[kind, default: [:]][name, default: [:]][client.id] = client
        return true
    }

    func unsubscribe(_ client: ClientSession, _ kind: PubSubKind, _ name: Bytes) -> Bool {
        guard client.subscriptions[kind].remove(name) != nil else { return false }
        subscribers[kind]?[name]?[client.id] = nil
        if subscribers[kind]?[name]?.isEmpty == true { subscribers[kind]?[name] = nil }
        return true
    }

    func unsubscribeAll(_ client: ClientSession) {
        for kind in [PubSubKind.channel, .pattern, .shard] {
            for name in client.subscriptions[kind] { _ = unsubscribe(client, kind, name) }
        }
    }

    func publish(
        _ kind: PubSubKind, channel: ByteBuffer, message: ByteBuffer, publisher: ClientSession?,
        output: inout ByteBuffer
    ) -> Int {
        published.append(Publication(kind: kind, channel: String(buffer: channel), message: String(buffer: message)))
        let name = Bytes(Array(channel.readableBytesView))
        var receivers = subscribers[kind]?[name]?.count ?? 0
        if kind == .channel {
            for (pattern, clients) in subscribers[.pattern] ?? [:]
            where GlobPattern.matches(pattern: pattern.withUnsafeBytes { Array($0) }, name) {
                receivers += clients.count
            }
        }
        return receivers
    }

    func pubsubChannels(_ kind: PubSubKind, matching pattern: [UInt8]?) -> [Bytes] {
        let names = Array((subscribers[kind == .shard ? .shard : .channel] ?? [:]).keys)
        guard let pattern else { return names }
        return names.filter { GlobPattern.matches(pattern: pattern, $0) }
    }

    func pubsubSubscriberCount(_ kind: PubSubKind, _ channel: Bytes) -> Int { subscribers[kind]?[channel]?.count ?? 0 }
    func pubsubPatternCount() -> Int { subscribers[.pattern]?.count ?? 0 }

    func configGet(patterns: [String]) -> [(String, String)] { [] }
    func configSet(pairs: [(String, String)], client: ClientSession) throws(CommandError) {}
    func configValue(_ name: String) -> String? { nil }
    func resetStats() {}
    func configRewrite() throws(CommandError) {}
    func clients() -> [ClientSession] { [] }
    func kill(client: ClientSession) {}
    func addMonitor(_ client: ClientSession) {}
    func unblocked(_ client: ClientSession, reply: ByteBuffer) {}
    func shutdown(save: Bool?, force: Bool) throws(CommandError) {}
    func rewriteAppendOnlyFile(inTransaction: Bool) throws(CommandError) -> String { "" }
    func save() throws(CommandError) {}
    func backgroundSave(schedule: Bool, inTransaction: Bool) throws(CommandError) -> String { "" }
    func cancelBackgroundSave() throws(CommandError) -> String { "" }
    func flushedAll() {}
    func debugReload(save: Bool, flush: Bool, merge: Bool) throws(CommandError) {}
    var lastSave: Int64 { 0 }
    var info: ServerInfo { ServerInfo() }
}
