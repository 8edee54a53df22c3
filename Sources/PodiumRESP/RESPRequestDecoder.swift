import NIOCore
import PodiumNumbers
import PodiumText

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes client requests: RESP multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline commands (`GET k\r\n`,
/// what a human types into `nc`). Each request comes out as its argument vector, zero-copy slices of the receive
/// buffer.
///
/// ## Why it keeps progress state
/// A request can arrive in many reads (a 100 MB `SET` value, or a 100k-command pipeline cut at arbitrary points).
/// The decoder never consumes a partial request: it remembers how far it has validated (`State.multibulk`) and
/// the offsets of the arguments it has already framed, so the next read resumes where it stopped instead of
/// re-parsing from the start. Nothing is consumed (and so nothing is sliced) until the whole request is present,
/// which keeps the cumulation buffer uniquely referenced: NIO can append to it without copying.
///
/// ## Why limits are checked before waiting
/// A client announcing `$536870912` gets nothing allocated for it: the bytes accumulate only as they arrive, and
/// the announcement itself is rejected with Valkey's error if it exceeds `proto-max-bulk-len`. Header lines and
/// inline requests longer than 64 KB without a line end are rejected the same way Valkey rejects them.
///
/// The rules (and the quirks) follow Valkey's `processMultibulkBuffer` / `processInlineBuffer`:
/// - a request starting with `*` is multibulk, anything else is inline;
/// - `*0` and negative counts are empty requests and are skipped silently;
/// - the two bytes after a bulk payload are not inspected;
/// - an empty inline line is skipped.
public struct RESPRequestDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = [ByteBuffer]

    /// Where the decoder is within the request at the front of the buffer.
    enum State {
        /// At the start of a request.
        case idle
        /// Framing a multibulk request: `remaining` arguments are still missing, and everything before `offset`
        /// (relative to the reader index) has been validated; `spans` holds the framed arguments.
        case multibulk(remaining: Int, offset: Int)
    }

    public var limits: RESPLimits
    /// Where the limits in force live, when they may change while the connection is open (`CONFIG SET
    /// proto-max-bulk-len`): read at the start of every `decode`, so a new value applies from the next request on.
    public var liveLimits: RESPLiveLimits?
    private var state: State = .idle
    /// Offsets (relative to the reader index) and lengths of the arguments framed so far. Reused across requests.
    private var spans: [(offset: Int, length: Int)] = []

    public init(limits: RESPLimits = .default) {
        self.limits = limits
        self.spans.reserveCapacity(8)
    }

    /// A decoder that follows `liveLimits` (the owner updates it; the decoder only reads it).
    public init(liveLimits: RESPLiveLimits) {
        self.init(limits: liveLimits.limits)
        self.liveLimits = liveLimits
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> [ByteBuffer]? {
        if let liveLimits { limits = liveLimits.limits }
        while true {
            switch state {
            case .idle:
                // First, so the usual request costs one look at the buffer's bytes (each is an access check).
                if let args = decodeWhole(&buffer) { return args }
                guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
                if first == UInt8(ascii: "*") {
                    guard let header = try parseMultibulkHeader(buffer) else { return nil }
                    if header.count <= 0 {
                        // Valkey treats `*0` and `*-1` as an empty request: skip it.
                        buffer.moveReaderIndex(forwardBy: header.lineLength)
                        continue
                    }
                    spans.removeAll(keepingCapacity: true)
                    state = .multibulk(remaining: header.count, offset: header.lineLength)
                } else {
                    switch try decodeInline(&buffer) {
                    case .needMoreData: return nil
                    case .empty: continue
                    case .request(let args): return args
                    }
                }
            case .multibulk(var remaining, var offset):
                defer { if case .multibulk = state { state = .multibulk(remaining: remaining, offset: offset) } }
                while remaining > 0 {
                    guard let span = try frameBulk(buffer, at: offset) else { return nil }
                    spans.append((span.dataOffset, span.length))
                    offset = span.dataOffset + span.length + 2
                    remaining -= 1
                }
                var args: [ByteBuffer] = []
                args.reserveCapacity(spans.count)
                let base = buffer.readerIndex
                for span in spans {
                    // Invariant: frameBulk only returns spans whose bytes are all readable.
                    args.append(buffer.getSlice(at: base + span.offset, length: span.length)!)
                }
                buffer.moveReaderIndex(forwardBy: offset)
                state = .idle
                return args
            }
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> [ByteBuffer]? {
        try decode(buffer: &buffer)
    }

    // MARK: - Multibulk framing

    /// The most arguments `decodeWhole` frames; a longer request goes through the resumable framing (its spans
    /// array grows there, and one pass saves nothing worth having at that size).
    static let wholeRequestMaxArguments = 1024

    /// The common case in one pass over the bytes: a well-formed multibulk request (`*` first) that is already whole
    /// in the buffer, within the limits. Frames it, slices its arguments and consumes it. Returns nil (consuming nothing)
    /// for anything else (a partial request, a count or length out of range, a missing `$`, an empty request),
    /// which the framing below then handles: there every error and every partial state is decided, and for a
    /// request this accepts it gives the same arguments.
    private mutating func decodeWhole(_ buffer: inout ByteBuffer) -> [ByteBuffer]? {
        let limits = self.limits
        let framed = buffer.withUnsafeReadableBytes { raw -> (count: Int, end: Int)? in
            let n = raw.count
            guard n > 0, raw[0] == UInt8(ascii: "*") else { return nil }
            // The first `\r` at or after `from` such that a byte follows it (Valkey does not check that it is
            // `\n`), and the integer between `from` and it.
            func line(_ from: Int) -> (value: Int, next: Int)? {
                var cr = from
                while cr < n, raw[cr] != UInt8(ascii: "\r") { cr += 1 }
                guard cr + 1 < n else { return nil }
                guard let value = StrictInteger.parse(UnsafeRawBufferPointer(rebasing: raw[from..<cr])) else {
                    return nil
                }
                return (value, cr + 2)
            }
            guard let header = line(1), header.value > 0, header.value <= limits.maxMultibulkLength,
                header.value <= Self.wholeRequestMaxArguments
            else { return nil }
            var offset = header.next
            self.spans.removeAll(keepingCapacity: true)
            for _ in 0..<header.value {
                guard offset < n, raw[offset] == UInt8(ascii: "$"), let bulk = line(offset + 1), bulk.value >= 0,
                    bulk.value <= limits.maxBulkLength, n - bulk.next >= bulk.value + 2
                else { return nil }
                self.spans.append((bulk.next, bulk.value))
                offset = bulk.next + bulk.value + 2
            }
            return (header.value, offset)
        }
        guard let framed else { return nil }
        var args: [ByteBuffer] = []
        args.reserveCapacity(framed.count)
        let base = buffer.readerIndex
        for span in self.spans {
            // Invariant: every span framed above lies within the readable bytes.
            args.append(buffer.getSlice(at: base + span.offset, length: span.length)!)
        }
        buffer.moveReaderIndex(forwardBy: framed.end)
        return args
    }

    /// Parses `*<count>\r\n` at the reader index. Returns nil when the line end has not arrived yet.
    private func parseMultibulkHeader(_ buffer: ByteBuffer) throws(RESPProtocolError) -> (count: Int, lineLength: Int)?
    {
        guard let cr = Self.firstIndex(of: UInt8(ascii: "\r"), in: buffer, from: 0) else {
            if buffer.readableBytes > limits.maxInlineLength { throw .tooBigMultibulkCount }
            return nil
        }
        // Valkey waits for the byte after `\r` and does not check that it is `\n`.
        guard cr + 1 < buffer.readableBytes else { return nil }
        guard let count = Self.parseInteger(buffer, from: 1, to: cr), count <= limits.maxMultibulkLength else {
            throw .invalidMultibulkLength
        }
        return (count, cr + 2)
    }

    /// Frames `$<len>\r\n<payload>\r\n` starting at `offset`. Returns nil until the whole bulk is readable.
    private func frameBulk(
        _ buffer: ByteBuffer, at offset: Int
    ) throws(RESPProtocolError) -> (dataOffset: Int, length: Int)? {
        guard offset < buffer.readableBytes else { return nil }
        guard let cr = Self.firstIndex(of: UInt8(ascii: "\r"), in: buffer, from: offset) else {
            if buffer.readableBytes - offset > limits.maxInlineLength { throw .tooBigBulkCount }
            return nil
        }
        let first = buffer.getInteger(at: buffer.readerIndex + offset, as: UInt8.self)!
        guard first == UInt8(ascii: "$") else { throw .expectedDollar(got: first) }
        guard cr + 1 < buffer.readableBytes else { return nil }
        guard let length = Self.parseInteger(buffer, from: offset + 1, to: cr), length >= 0,
            length <= limits.maxBulkLength
        else { throw .invalidBulkLength }
        let dataOffset = cr + 2
        guard buffer.readableBytes - dataOffset >= length + 2 else { return nil }
        return (dataOffset, length)
    }

    // MARK: - Inline requests

    enum InlineResult {
        case needMoreData
        case empty
        case request([ByteBuffer])
    }

    private func decodeInline(_ buffer: inout ByteBuffer) throws(RESPProtocolError) -> InlineResult {
        guard let newline = Self.firstIndex(of: UInt8(ascii: "\n"), in: buffer, from: 0) else {
            if buffer.readableBytes > limits.maxInlineLength { throw .tooBigInlineRequest }
            return .needMoreData
        }
        var lineEnd = newline
        if lineEnd > 0, buffer.getInteger(at: buffer.readerIndex + lineEnd - 1, as: UInt8.self) == UInt8(ascii: "\r") {
            lineEnd -= 1
        }
        let line = buffer.getBytes(at: buffer.readerIndex, length: lineEnd) ?? []
        buffer.moveReaderIndex(forwardBy: newline + 1)
        guard let words = ArgumentSplitter.split(line) else { throw .unbalancedQuotes }
        if words.isEmpty { return .empty }
        return .request(words.map { ByteBuffer(bytes: $0) })
    }

    // MARK: - Helpers

    /// The offset (relative to the reader index) of the first `byte` at or after `from`.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in buffer: ByteBuffer, from: Int) -> Int? {
        buffer.withUnsafeReadableBytes { raw -> Int? in
            guard from < raw.count, let base = raw.baseAddress else { return nil }
            guard let hit = memchr(base + from, Int32(byte), raw.count - from) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
    }

    /// Parses a decimal integer the way Valkey's `string2ll` does: optional `-`, no `+`, no leading zeros, no
    /// spaces, no overflow. Offsets are relative to the reader index; `to` is exclusive.
    static func parseInteger(_ buffer: ByteBuffer, from: Int, to: Int) -> Int? {
        buffer.withUnsafeReadableBytes { raw in
            StrictInteger.parse(UnsafeRawBufferPointer(rebasing: raw[from..<to]))
        }
    }
}
