import NIOCore
import PodiumNumbers

/// The bytes of an append-only file, as Redis 7 and Valkey write and read them: RESP multibulk commands
/// (`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n`), and annotation lines starting with `#` (`#TS:<unix time>\r\n`
/// with `aof-timestamp-enabled`) that loaders skip. Both servers can load a file Podium writes, and the reverse.
public enum AOFFormat {
    /// Writes one command: `*<argc>\r\n` then `$<len>\r\n<bytes>\r\n` per argument (Valkey's
    /// `catAppendOnlyGenericCommand`).
    public static func writeCommand(_ args: [ByteBuffer], into out: inout ByteBuffer) {
        writeHeader(UInt8(ascii: "*"), args.count, into: &out)
        for arg in args {
            writeHeader(UInt8(ascii: "$"), arg.readableBytes, into: &out)
            var copy = arg
            out.writeBuffer(&copy)
            out.writeStaticString("\r\n")
        }
    }

    /// `*<count>\r\n` or `$<length>\r\n`.
    @inline(__always)
    public static func writeHeader(_ kind: UInt8, _ n: Int, into out: inout ByteBuffer) {
        out.writeInteger(kind)
        StrictInteger.withDecimal(n) { _ = out.writeBytes($0) }
        out.writeStaticString("\r\n")
    }

    /// One bulk string.
    @inline(__always)
    public static func writeBulk(_ bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        writeHeader(UInt8(ascii: "$"), bytes.count, into: &out)
        out.writeBytes(bytes)
        out.writeStaticString("\r\n")
    }

    /// One bulk string holding a decimal integer.
    @inline(__always)
    public static func writeBulk(decimal n: Int, into out: inout ByteBuffer) {
        StrictInteger.withDecimal(n) { writeBulk($0, into: &out) }
    }

    /// `SELECT <db>`.
    public static func writeSelect(_ db: Int, into out: inout ByteBuffer) {
        out.writeStaticString("*2\r\n$6\r\nSELECT\r\n")
        writeBulk(decimal: db, into: &out)
    }

    /// `#TS:<seconds>\r\n` (Valkey's `genAofTimestampAnnotationIfNeeded`).
    public static func writeTimestampAnnotation(_ seconds: Int64, into out: inout ByteBuffer) {
        out.writeStaticString("#TS:")
        StrictInteger.withDecimal(Int(seconds)) { _ = out.writeBytes($0) }
        out.writeStaticString("\r\n")
    }

    /// The longest header or annotation line loaders accept (Valkey's `AOF_ANNOTATION_LINE_MAX_LEN`).
    public static let maxLineLength = 1024
}

/// Reads commands out of append-only-file bytes, one at a time, remembering where each ends so a loader can
/// report the offset of damage and cut a truncated file back to its last whole command.
///
/// The grammar is the strict one `redis-check-aof` applies: a command is `*<n>` (n ≥ 1) followed by n bulk
/// strings, each `$<len>\r\n`, exactly `len` bytes, then `\r\n`; lines starting with `#` between commands are
/// annotations. Anything else is damage at a known offset. The scan works on raw bytes and only then slices the
/// arguments out of the buffer (zero-copy), so loading a log costs little more than reading it.
public struct AOFParser {
    /// What `next` found.
    public enum Item {
        /// A whole command: its arguments (slices of the input) and the offset just past it.
        case command([ByteBuffer], end: Int)
        /// An annotation line without its `#` and line end, and the offset just past it.
        case annotation(ByteBuffer, end: Int)
        /// The input ends inside an item (or is empty): more bytes are needed, or the file was cut short.
        case incomplete
    }

    /// Damage that more bytes cannot mend.
    public struct FormatError: Error, CustomStringConvertible, Sendable {
        /// Offset of the damaged item, from the start of the file.
        public let offset: Int
        public let reason: String
        public var description: String { "\(reason) at offset \(offset)" }
    }

    private enum Scan {
        case incomplete
        case annotation(start: Int, length: Int, end: Int)
        case command(end: Int)
        case damaged(offset: Int, reason: String)
    }

    /// Argument offsets and lengths of the last command scanned, relative to the reader index (reused).
    private var spans: [(offset: Int, length: Int)] = []

    public init() {}

    /// The next item at `buffer`'s reader index, without consuming it. `base` is the file offset of that index.
    public mutating func next(in buffer: ByteBuffer, base: Int) throws(FormatError) -> Item {
        let scan = buffer.withUnsafeReadableBytes { raw in scanItem(raw) }
        switch scan {
        case .incomplete:
            return .incomplete
        case .damaged(let offset, let reason):
            throw FormatError(offset: base + offset, reason: reason)
        case .annotation(let start, let length, let end):
            return .annotation(buffer.getSlice(at: buffer.readerIndex + start, length: length)!, end: base + end)
        case .command(let end):
            let r = buffer.readerIndex
            let args = spans.map { buffer.getSlice(at: r + $0.offset, length: $0.length)! }
            return .command(args, end: base + end)
        }
    }

    private mutating func scanItem(_ raw: UnsafeRawBufferPointer) -> Scan {
        guard let first = raw.first else { return .incomplete }
        if first == UInt8(ascii: "#") {
            switch lineEnd(raw, from: 0) {
            case nil:
                return raw.count > AOFFormat.maxLineLength + 2
                    ? .damaged(offset: 0, reason: "annotation line too long") : .incomplete
            case let end?:
                let hasCR = end >= 2 && raw[end - 2] == 0x0D
                return .annotation(start: 1, length: end - 1 - (hasCR ? 2 : 1), end: end)
            }
        }
        guard first == UInt8(ascii: "*") else {
            return .damaged(offset: 0, reason: "expected '*' (a command) or '#' (an annotation)")
        }
        let count: Int
        var position: Int
        switch header(raw, at: 0, kind: "argument count") {
        case .incomplete: return .incomplete
        case .damaged(let reason): return .damaged(offset: 0, reason: reason)
        case .value(let n, let after):
            guard n >= 1 else { return .damaged(offset: 0, reason: "invalid argument count \(n)") }
            count = n
            position = after
        }
        spans.removeAll(keepingCapacity: true)
        for _ in 0..<count {
            guard position < raw.count else { return .incomplete }
            guard raw[position] == UInt8(ascii: "$") else {
                return .damaged(offset: position, reason: "expected '$' (a bulk string)")
            }
            switch header(raw, at: position, kind: "bulk length") {
            case .incomplete: return .incomplete
            case .damaged(let reason): return .damaged(offset: position, reason: reason)
            case .value(let length, let payload):
                guard length >= 0 else {
                    return .damaged(offset: position, reason: "invalid bulk length \(length)")
                }
                guard payload + length + 2 <= raw.count else { return .incomplete }
                guard raw[payload + length] == 0x0D, raw[payload + length + 1] == 0x0A else {
                    return .damaged(offset: payload + length, reason: "expected \\r\\n after a bulk string")
                }
                spans.append((payload, length))
                position = payload + length + 2
            }
        }
        return .command(end: position)
    }

    private enum Header {
        case incomplete
        case damaged(String)
        case value(Int, after: Int)
    }

    /// `*<n>\r\n` or `$<n>\r\n` at `index`: the number and the index after the line.
    private func header(_ raw: UnsafeRawBufferPointer, at index: Int, kind: String) -> Header {
        guard let end = lineEnd(raw, from: index) else {
            return raw.count - index > AOFFormat.maxLineLength + 2 ? .damaged("\(kind) line too long") : .incomplete
        }
        guard end - index >= 4, raw[end - 2] == 0x0D else { return .damaged("invalid \(kind)") }
        let digits = UnsafeRawBufferPointer(rebasing: raw[(index + 1)..<(end - 2)])
        guard let n = StrictInteger.parse(digits) else { return .damaged("invalid \(kind)") }
        return .value(n, after: end)
    }

    /// The index after the first `\n` at or after `from`, looking at most one line length ahead.
    private func lineEnd(_ raw: UnsafeRawBufferPointer, from: Int) -> Int? {
        let limit = min(raw.count, from + AOFFormat.maxLineLength + 2)
        var i = from
        while i < limit {
            if raw[i] == 0x0A { return i + 1 }
            i += 1
        }
        return nil
    }
}
