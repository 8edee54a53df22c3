/// Decimal integers as Valkey reads and writes them, shared by the RESP codec (lengths, `:` replies) and the
/// keyspace (integer-encoded strings, counters). Standard library only.
/// Valkey's `string2ll`: optional `-`, digits, no `+`, no spaces, no leading zeros, no overflow.
public enum StrictInteger {
    /// Writes the decimal form of `value` (Valkey's `ll2string`) at `p`; returns the bytes written (at most 20).
    ///
    /// Two digits per division, from a table of the 100 pairs, as Valkey's `ll2string` does: every reply's
    /// length prefixes and every integral score go through here (perf: a sixth of a `ZREVRANGE 0 9 WITHSCORES`
    /// reply's time with one digit per division).
    @inlinable public static func format(_ value: Int, at p: UnsafeMutableRawPointer) -> Int {
        let pairs: StaticString = """
            00010203040506070809101112131415161718192021222324252627282930313233343536373839\
            40414243444546474849505152535455565758596061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899
            """
        let table = UnsafeRawPointer(pairs.utf8Start)
        var magnitude = value.magnitude
        var start = 0
        if value < 0 {
            p.storeBytes(of: UInt8(ascii: "-"), as: UInt8.self)
            start = 1
        }
        let digits = decimalDigits(magnitude)
        var i = start &+ digits
        while magnitude >= 100 {
            let pair = Int(truncatingIfNeeded: magnitude % 100)
            magnitude /= 100
            i &-= 2
            p.storeBytes(
                of: table.loadUnaligned(fromByteOffset: pair &* 2, as: UInt16.self), toByteOffset: i, as: UInt16.self)
        }
        if magnitude >= 10 {
            p.storeBytes(
                of: table.loadUnaligned(fromByteOffset: Int(magnitude) &* 2, as: UInt16.self),
                toByteOffset: i &- 2, as: UInt16.self)
        } else {
            p.storeBytes(
                of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude), toByteOffset: i &- 1, as: UInt8.self)
        }
        return start &+ digits
    }

    /// The number of decimal digits of `v` (1 for 0).
    @inlinable public static func decimalDigits(_ v: UInt) -> Int {
        var n = 1
        var x = v
        while x >= 10_000 {
            x /= 10_000
            n &+= 4
        }
        if x >= 1_000 { return n &+ 3 }
        if x >= 100 { return n &+ 2 }
        if x >= 10 { return n &+ 1 }
        return n
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
