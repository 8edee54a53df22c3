/// Limits the request decoder enforces. They mirror Valkey's names and defaults so a `redis.conf` means the same
/// thing here. None of them is ever allocated up front: a client that *announces* a 512 MB bulk costs nothing until
/// the bytes actually arrive.
public struct RESPLimits: Sendable, Hashable {
    /// `proto-max-bulk-len`: the largest bulk string a request may carry (Valkey default 512 MB).
    public var maxBulkLength: Int
    /// The largest element count of one multibulk request. Valkey accepts up to `INT_MAX`.
    public var maxMultibulkLength: Int
    /// `PROTO_INLINE_MAX_SIZE`: the longest inline request, and the longest `*`/`$` header line (64 KB).
    public var maxInlineLength: Int

    public init(
        maxBulkLength: Int = 512 * 1024 * 1024,
        maxMultibulkLength: Int = Int(Int32.max),
        maxInlineLength: Int = 64 * 1024
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxMultibulkLength = maxMultibulkLength
        self.maxInlineLength = maxInlineLength
    }

    public static let `default` = RESPLimits()
}

/// The limits one connection's decoder applies, changeable while it runs. The decoder lives inside NIO's
/// `NIOSingleStepByteToMessageProcessor`, out of reach, so it holds this reference instead and reads it at every
/// `decode`; the connection handler writes it (on the same event loop) when the server's configuration changed.
/// Not thread-safe: owned by one event loop.
public final class RESPLiveLimits {
    @exclusivity(unchecked) public var limits: RESPLimits
    public init(_ limits: RESPLimits) { self.limits = limits }
}
