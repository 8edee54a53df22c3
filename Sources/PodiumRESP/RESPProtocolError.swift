/// A malformed request. The texts are Valkey's (`networking.c`), so clients and humans see the same words they
/// would see from Redis; the server replies `-ERR <message>` and closes the connection, as Redis does.
public struct RESPProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The reply text without the `ERR ` prefix, e.g. `Protocol error: invalid bulk length`.
    public let message: String

    private init(_ message: String) { self.message = message }

    /// A `*` line whose count is not a number, or is larger than `maxMultibulkLength`.
    public static let invalidMultibulkLength = RESPProtocolError("Protocol error: invalid multibulk length")
    /// A `$` line whose length is not a number, is negative, or is larger than `proto-max-bulk-len`.
    public static let invalidBulkLength = RESPProtocolError("Protocol error: invalid bulk length")
    /// The `*` line itself is longer than the inline limit without a line end.
    public static let tooBigMultibulkCount = RESPProtocolError("Protocol error: too big mbulk count string")
    /// A `$` line is longer than the inline limit without a line end.
    public static let tooBigBulkCount = RESPProtocolError("Protocol error: too big bulk count string")
    /// An inline request longer than the inline limit without a line end.
    public static let tooBigInlineRequest = RESPProtocolError("Protocol error: too big inline request")
    /// An inline request with an unterminated quote.
    public static let unbalancedQuotes = RESPProtocolError("Protocol error: unbalanced quotes in request")

    /// Inside a multibulk request, an element that does not start with `$`.
    public static func expectedDollar(got byte: UInt8) -> RESPProtocolError {
        // Error replies cannot carry line breaks: Valkey turns CR and LF into spaces.
        let shown = (byte == 0x0D || byte == 0x0A) ? " " : Character(Unicode.Scalar(byte))
        return RESPProtocolError("Protocol error: expected '$', got '\(shown)'")
    }

    public var description: String { message }
}
