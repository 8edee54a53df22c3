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
