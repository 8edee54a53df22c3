import NIOCore
import PodiumKeyspace
import PodiumRESP

/// Per-connection state the command layer needs: selected database, protocol, MULTI queue, WATCH token, name
/// and library info, flags. The server owns one per connection and only touches it inside the command executor.
public final class ClientSession {
    /// What `CLIENT REPLY` asked for.
    public enum ReplyMode: Sendable {
        case on, off, skipNext, skipThis
    }

    public let id: Int
    public var db = 0
    public var proto: ProtocolVersion = .resp2
    public var name: Bytes?
    public var libName: String?
    public var libVersion: String?
    public var noEvict = false
    public var noTouch = false
    public var replyMode: ReplyMode = .on
    public var authenticated = true
    /// Set by QUIT and CLIENT KILL: the server closes the connection after flushing the replies so far.
    public var closeAfterReply = false
    public var isMonitor = false

    // MULTI/EXEC
    public var inMulti = false
    /// Set when a command failed to queue: EXEC then answers EXECABORT.
    public var multiError = false
    public var queued: [[ByteBuffer]] = []
    public let watch = WatchToken()
    /// (db, key, expireAt) of watched keys that had a TTL when watched.
    public var watchExpiry: [(Int, Bytes, Int64)] = []

    // Bookkeeping for CLIENT LIST / INFO.
    public let createdAt: Int64
    public var lastInteraction: Int64
    public var lastCommand = "NULL"
    public var address: String
    public var localAddress: String
    public var fd: Int

    public init(id: Int, address: String = "", localAddress: String = "", fd: Int = -1, now: Int64 = 0) {
        self.id = id
        self.address = address
        self.localAddress = localAddress
        self.fd = fd
        self.createdAt = now
        self.lastInteraction = now
    }

    /// Clears MULTI state (EXEC, DISCARD, RESET).
    public func discardTransaction() {
        inMulti = false
        multiError = false
        queued.removeAll()
    }
}
