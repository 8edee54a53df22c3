import NIOCore

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

    // MARK: - Scalars

    /// `+OK\r\n`
    @inlinable public mutating func ok() { buffer.writeStaticString("+OK\r\n") }

    /// A simple string: `+<text>\r\n`. The text must not contain CR or LF.
    @inlinable public mutating func simple(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "+"))
        buffer.writeString(text)
        buffer.writeStaticString("\r\n")
    }

    /// An error reply: `-<text>\r\n`, where the text starts with its code (`ERR`, `WRONGTYPE`, ...).
    @inlinable public mutating func error(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "-"))
        buffer.writeString(text)
        buffer.writeStaticString("\r\n")
    }

    @inlinable public mutating func integer(_ value: Int) {
        buffer.writeInteger(UInt8(ascii: ":"))
        writeDecimal(value)
        buffer.writeStaticString("\r\n")
    }

    @inlinable public mutating func bulk(_ bytes: UnsafeRawBufferPointer) {
        buffer.writeInteger(UInt8(ascii: "$"))
        writeDecimal(bytes.count)
        buffer.writeStaticString("\r\n")
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\r\n")
    }

    @inlinable public mutating func bulk(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { bulk($0) }
    }

    @inlinable public mutating func bulk(_ value: ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "$"))
        writeDecimal(value.readableBytes)
        buffer.writeStaticString("\r\n")
        buffer.writeImmutableBuffer(value)
        buffer.writeStaticString("\r\n")
    }

    @inlinable public mutating func bulk(_ text: String) {
        var text = text
        text.withUTF8 { bulk(UnsafeRawBufferPointer($0)) }
    }

    /// A bulk string holding the decimal form of `value` (what `GET` returns for a number).
    @inlinable public mutating func bulkDecimal(_ value: Int) {
        bulk(String(value))
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
        if proto == .resp3 {
            buffer.writeInteger(UInt8(ascii: ","))
            buffer.writeString(text)
            buffer.writeStaticString("\r\n")
        } else {
            bulk(text)
        }
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

    @inlinable public mutating func arrayHeader(_ count: Int) {
        buffer.writeInteger(UInt8(ascii: "*"))
        writeDecimal(count)
        buffer.writeStaticString("\r\n")
    }

    /// A map of `count` pairs: `%count` in RESP3, `*2count` in RESP2. The caller writes 2×count elements.
    @inlinable public mutating func mapHeader(_ count: Int) {
        if proto == .resp3 {
            buffer.writeInteger(UInt8(ascii: "%"))
            writeDecimal(count)
            buffer.writeStaticString("\r\n")
        } else {
            arrayHeader(count * 2)
        }
    }

    /// A set: `~count` in RESP3, an array in RESP2.
    @inlinable public mutating func setHeader(_ count: Int) {
        if proto == .resp3 {
            buffer.writeInteger(UInt8(ascii: "~"))
            writeDecimal(count)
            buffer.writeStaticString("\r\n")
        } else {
            arrayHeader(count)
        }
    }

    /// An out-of-band push (`>count`) in RESP3; an array in RESP2 (pub/sub messages, MONITOR lines are simple).
    @inlinable public mutating func pushHeader(_ count: Int) {
        if proto == .resp3 {
            buffer.writeInteger(UInt8(ascii: ">"))
            writeDecimal(count)
            buffer.writeStaticString("\r\n")
        } else {
            arrayHeader(count)
        }
    }

    // MARK: - Numbers

    /// Writes the decimal form of `value` without allocating.
    @inlinable public mutating func writeDecimal(_ value: Int) {
        if value >= 0 && value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var magnitude = value.magnitude
        // 20 digits hold UInt64.max; one more for the sign.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { scratch in
            var index = 21
            repeat {
                index -= 1
                scratch[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 {
                index -= 1
                scratch[index] = UInt8(ascii: "-")
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(scratch)[index..<21]))
        }
    }
}
