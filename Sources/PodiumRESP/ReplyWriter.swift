import NIOCore
import PodiumNumbers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The protocol a connection speaks, chosen with `HELLO 2|3`.
public enum ProtocolVersion: Int, Sendable {
    case resp2 = 2
    case resp3 = 3
}

/// Writes replies straight into a connection's outbound buffer.
///
/// Handlers always describe the RESP3 shape (map, set, double, boolean, null); the writer downgrades for RESP2
/// clients exactly as Valkey does: a map becomes a flat array of 2N elements, a set an array, a double a bulk
/// string, a boolean the integer 1 or 0, and null becomes `$-1` (or `*-1` for a null array).
public struct ReplyWriter {
    public var buffer: ByteBuffer
    public var proto: ProtocolVersion

    public init(buffer: ByteBuffer, proto: ProtocolVersion = .resp2) {
        self.buffer = buffer
        self.proto = proto
    }

    // MARK: - Encoding primitives
    //
    // Every reply element is written with one `writeWithUnsafeMutableBytes`: NIO's ByteBuffer checks uniqueness
    // and (in its own module) exclusivity on every write, and a bulk string written as five small writes
    // (`$`, length, CRLF, bytes, CRLF) spent more time in those checks than in copying (measured with perf on
    // HGETALL: 12% of the server's time).

    /// `<type><n>\r\n`, then, with a payload, `<payload>\r\n`: a header, or a whole bulk string.
    @inlinable mutating func frame(_ type: UInt8, _ n: Int, payload: UnsafeRawBufferPointer? = nil) {
        let payloadSize = payload.map { $0.count + 2 } ?? 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 24 + payloadSize) { out in
            let p = out.baseAddress!
            p.storeBytes(of: type, as: UInt8.self)
            var i = 1 + StrictInteger.format(n, at: p + 1)
            p.storeBytes(of: 0x0A0D as UInt16, toByteOffset: i, as: UInt16.self)  // CR LF (little-endian)
            i += 2
            if let payload {
                if payload.count > 0 { (p + i).copyMemory(from: payload.baseAddress!, byteCount: payload.count) }
                i += payload.count
                p.storeBytes(of: 0x0A0D as UInt16, toByteOffset: i, as: UInt16.self)
                i += 2
            }
            return i
        }
    }

    /// `<type><text>\r\n` (simple strings, errors, RESP3 doubles).
    @inlinable mutating func line(_ type: UInt8, _ text: String) {
        var text = text
        _ = text.withUTF8 { utf8 in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: utf8.count + 3) { out in
                let p = out.baseAddress!
                p.storeBytes(of: type, as: UInt8.self)
                if utf8.count > 0 { (p + 1).copyMemory(from: utf8.baseAddress!, byteCount: utf8.count) }
                p.storeBytes(of: 0x0A0D as UInt16, toByteOffset: utf8.count + 1, as: UInt16.self)
                return utf8.count + 3
            }
        }
    }

    // MARK: - Scalars

    /// `+OK\r\n`
    @inlinable public mutating func ok() { buffer.writeStaticString("+OK\r\n") }

    /// A simple string: `+<text>\r\n`. The text must not contain CR or LF.
    @inlinable public mutating func simple(_ text: String) { line(UInt8(ascii: "+"), text) }

    /// An error reply: `-<text>\r\n`, where the text starts with its code (`ERR`, `WRONGTYPE`, ...).
    @inlinable public mutating func error(_ text: String) { line(UInt8(ascii: "-"), text) }

    @inlinable public mutating func integer(_ value: Int) { frame(UInt8(ascii: ":"), value) }

    @inlinable public mutating func bulk(_ bytes: UnsafeRawBufferPointer) {
        frame(UInt8(ascii: "$"), bytes.count, payload: bytes)
    }

    @inlinable public mutating func bulk(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { bulk($0) }
    }

    @inlinable public mutating func bulk(_ value: ByteBuffer) {
        value.withUnsafeReadableBytes { bulk($0) }
    }

    @inlinable public mutating func bulk(_ text: String) {
        var text = text
        text.withUTF8 { bulk(UnsafeRawBufferPointer($0)) }
    }

    /// A bulk string holding the decimal form of `value` (what `GET` returns for a number).
    @inlinable public mutating func bulkDecimal(_ value: Int) {
        withUnsafeTemporaryAllocation(byteCount: 20, alignment: 1) { scratch in
            let n = StrictInteger.format(value, at: scratch.baseAddress!)
            bulk(UnsafeRawBufferPointer(rebasing: scratch[..<n]))
        }
    }

    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    @inlinable public mutating func null() {
        if proto == .resp3 { buffer.writeStaticString("_\r\n") } else { buffer.writeStaticString("$-1\r\n") }
    }

    /// The null array: `*-1` in RESP2, `_` in RESP3 (EXEC aborted by WATCH, ...).
    @inlinable public mutating func nullArray() {
        if proto == .resp3 { buffer.writeStaticString("_\r\n") } else { buffer.writeStaticString("*-1\r\n") }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    @inlinable public mutating func boolean(_ value: Bool) {
        if proto == .resp3 {
            buffer.writeStaticString(value ? "#t\r\n" : "#f\r\n")
        } else {
            buffer.writeStaticString(value ? ":1\r\n" : ":0\r\n")
        }
    }

    /// A double already formatted by the caller (Valkey formats differ per command): `,<text>` in RESP3, a bulk
    /// string in RESP2.
    @inlinable public mutating func double(formatted text: String) {
        if proto == .resp3 { line(UInt8(ascii: ","), text) } else { bulk(text) }
    }

    /// A verbatim string (`=<len>\r\ntxt:<text>`) in RESP3; a bulk string in RESP2. Used by INFO, CLIENT LIST.
    @inlinable public mutating func verbatim(_ text: String, format: StaticString = "txt") {
        if proto == .resp3 {
            var text = text
            text.withUTF8 { utf8 in
                buffer.writeInteger(UInt8(ascii: "="))
                writeDecimal(utf8.count + 4)
                buffer.writeStaticString("\r\n")
                buffer.writeStaticString(format)
                buffer.writeInteger(UInt8(ascii: ":"))
                buffer.writeBytes(UnsafeRawBufferPointer(utf8))
                buffer.writeStaticString("\r\n")
            }
        } else {
            bulk(text)
        }
    }

    // MARK: - Aggregates

    @inlinable public mutating func arrayHeader(_ count: Int) { frame(UInt8(ascii: "*"), count) }

    /// A map of `count` pairs: `%count` in RESP3, `*2count` in RESP2. The caller writes 2×count elements.
    @inlinable public mutating func mapHeader(_ count: Int) {
        if proto == .resp3 {
            frame(UInt8(ascii: "%"), count)
        } else {
            arrayHeader(count * 2)
        }
    }

    /// A set: `~count` in RESP3, an array in RESP2.
    @inlinable public mutating func setHeader(_ count: Int) {
        if proto == .resp3 {
            frame(UInt8(ascii: "~"), count)
        } else {
            arrayHeader(count)
        }
    }

    /// An out-of-band push (`>count`) in RESP3; an array in RESP2 (pub/sub messages, MONITOR lines are simple).
    @inlinable public mutating func pushHeader(_ count: Int) {
        if proto == .resp3 {
            frame(UInt8(ascii: ">"), count)
        } else {
            arrayHeader(count)
        }
    }

    // MARK: - Numbers

    /// Writes the decimal form of `value` without allocating.
    @inlinable public mutating func writeDecimal(_ value: Int) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 20) {
            StrictInteger.format(value, at: $0.baseAddress!)
        }
    }
}
