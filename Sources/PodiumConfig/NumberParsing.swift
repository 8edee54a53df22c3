import PodiumNumbers

/// The number formats redis.conf accepts, parsed as strictly as redis-server 7 does.
///
/// Integers follow Redis' `string2ll`: an optional `-`, then digits with no leading zero (except `0` itself), no `+`,
/// no spaces, no `-0`, and the value must fit in 64 bits. Redis answers all of those with "argument couldn't be
/// parsed into an integer", so `timeout 05` and `timeout +5` are errors, as they are in Redis.
///
/// Memory sizes follow Redis' `memtoull`: digits (leading zeros allowed), then an optional unit, case-insensitive:
///
/// | unit        | multiplier   |
/// |-------------|--------------|
/// | (none), `b` | 1            |
/// | `k`         | 1000         |
/// | `kb`        | 1024         |
/// | `m`         | 1000²        |
/// | `mb`        | 1024²        |
/// | `g`         | 1000³        |
/// | `gb`        | 1024³        |
///
/// Two deliberate differences from Redis 7.0: an empty number (`""`, `kb`) is rejected instead of read as 0, and a
/// product that overflows 64 bits is rejected instead of wrapping around.
enum NumberParsing {
    /// Parses a strict decimal integer (Redis `string2ll`, shared with the codec and the keyspace).
    static func integer(_ text: String) -> Int? {
        Array(text.utf8).withUnsafeBytes { StrictInteger.parse($0) }
    }

    /// The outcome of parsing a memory size.
    enum MemoryResult: Equatable {
        /// A size in bytes that fits in `Int`.
        case bytes(Int)
        /// A well-formed size above `Int.max` bytes (reported as out of range, as Redis does).
        case tooLarge
        /// Not a memory size at all.
        case invalid
    }

    /// Parses a memory size with an optional unit (Redis `memtoull`).
    static func memory(_ text: String) -> MemoryResult {
        let bytes = Array(text.utf8)
        var digitCount = 0
        while digitCount < bytes.count, bytes[digitCount] >= UInt8(ascii: "0"), bytes[digitCount] <= UInt8(ascii: "9") {
            digitCount += 1
        }
        guard digitCount > 0 else { return .invalid }
        let unit = String(decoding: bytes[digitCount...], as: UTF8.self).lowercased()
        let multiplier: UInt64
        switch unit {
        case "", "b": multiplier = 1
        case "k": multiplier = 1000
        case "kb": multiplier = 1024
        case "m": multiplier = 1000 * 1000
        case "mb": multiplier = 1024 * 1024
        case "g": multiplier = 1000 * 1000 * 1000
        case "gb": multiplier = 1024 * 1024 * 1024
        default: return .invalid
        }
        var value: UInt64 = 0
        for byte in bytes[..<digitCount] {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return .invalid }
            value = sum
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return .invalid }
        guard product <= UInt64(Int.max) else { return .tooLarge }
        return .bytes(Int(product))
    }

    /// Parses an octal number such as `700` (for `unixsocketperm`); no sign, no prefix.
    static func octal(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 20 else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Renders a floating-point value like C's `%f` with trailing zeros (and a trailing point) removed, which is
    /// how Redis prints `latency-tracking-info-percentiles` (`99.9`, `50`, `33.333333`).
    static func renderDecimal(_ value: Double) -> String {
        let scaled = (value * 1_000_000).rounded()
        let whole = Int(scaled / 1_000_000)
        var fraction = Int(scaled) - whole * 1_000_000
        if fraction < 0 { fraction = -fraction }
        if fraction == 0 { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
