/// Decimal integers as Valkey reads and writes them, shared by the RESP codec (lengths, `:` replies) and the
/// keyspace (integer-encoded strings, counters). Standard library only.
/// Valkey's `string2ll`: optional `-`, digits, no `+`, no spaces, no leading zeros, no overflow.
public enum StrictInteger {
    /// Writes the decimal form of `value` (Valkey's `ll2string`) at `p`; returns the bytes written (at most 20).
    @inlinable public static func format(_ value: Int, at p: UnsafeMutableRawPointer) -> Int {
        var magnitude = value.magnitude
        var digits = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        var start = 0
        if value < 0 {
            p.storeBytes(of: UInt8(ascii: "-"), as: UInt8.self)
            start = 1
        }
        var i = start + digits
        repeat {
            i -= 1
            p.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10), toByteOffset: i, as: UInt8.self)
            magnitude /= 10
        } while magnitude != 0
        return start + digits
    }

    /// Calls `body` with the decimal form of `value`, formatted on the stack.
    @inlinable public static func withDecimal<R>(_ value: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: 20, alignment: 1) { scratch in
            body(UnsafeRawBufferPointer(rebasing: scratch[..<format(value, at: scratch.baseAddress!)]))
        }
    }

    /// Parses a strict decimal 64-bit integer.
    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let count = bytes.count
        guard count > 0, count <= 20 else { return nil }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
            guard count > 1 else { return nil }
        }
        let first = bytes[index]
        if first == UInt8(ascii: "0") {
            return (count == index + 1 && !negative) ? 0 : nil
        }
        guard first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") else { return nil }
        var value: UInt64 = 0
        while index < count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { return nil }
            value = a
            index += 1
        }
        if negative {
            guard value <= UInt64(Int64.max) + 1 else { return nil }
            return value == UInt64(Int64.max) + 1 ? Int.min : -Int(value)
        }
        guard value <= UInt64(Int64.max) else { return nil }
        return Int(value)
    }
}
