#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Number parsing and formatting with Valkey's rules, shared by every command that takes or prints numbers.
public enum NumberFormat {
    /// Runs `body` with the bytes as a NUL-terminated C string (on the stack) and the address of its end: the
    /// common step of every `strtod`-style parse, which must consume the whole argument.
    @inline(__always)
    static func withCString<R>(_ raw: UnsafeRawBufferPointer,
                               _ body: (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<CChar>) -> R?) -> R? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: raw.count + 1) { buf -> R? in
            for i in 0..<raw.count { buf[i] = CChar(bitPattern: raw[i]) }
            buf[raw.count] = 0
            return body(buf.baseAddress!, buf.baseAddress! + raw.count)
        }
    }

    /// True if `raw` starts with white space, which Valkey's `string2d`/`string2ld` reject.
    @inline(__always)
    static func startsWithSpace(_ raw: UnsafeRawBufferPointer) -> Bool {
        let first = raw[0]
        return first == 0x20 || (first >= 0x09 && first <= 0x0D)
    }

    /// Valkey's `string2d`/`getDoubleFromObject`: the whole string must parse with `strtod`, no leading space,
    /// no NaN; `inf`, `+inf`, `-inf` are accepted.
    public static func parseDouble(_ raw: UnsafeRawBufferPointer) -> Double? {
        // No length limit (Valkey has none here): `ZADD k 1797693134862315708...(309 digits) m` is DBL_MAX.
        guard raw.count > 0, !startsWithSpace(raw) else { return nil }
        return withCString(raw) { text, textEnd -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtod(text, &end)
            guard end == textEnd, !value.isNaN else { return nil }
            // Valkey rejects overflow (±HUGE_VAL) and underflow to zero; a denormal result is accepted.
            if errno == ERANGE, value.isInfinite || value == 0 { return nil }
            return value
        }
    }

    /// A score-range bound the way Valkey's `zslParseRange` reads it: plain `strtod` over the whole text, so an
    /// empty string is 0, leading spaces and hex are accepted, overflow gives ±inf; only trailing garbage and NaN
    /// are rejected.
    public static func parseRangeDouble(_ raw: UnsafeRawBufferPointer) -> Double? {
        withCString(raw) { text, textEnd -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(text, &end)
            return end == textEnd && !value.isNaN ? value : nil
        }
    }

    #if arch(x86_64) || arch(i386)
    /// Valkey's `string2ld` for INCRBYFLOAT: `strtold` over the whole string, no spaces, no NaN.
    public static func parseLongDouble(_ raw: UnsafeRawBufferPointer) -> Float80? {
        guard raw.count > 0, raw.count < 5120, !startsWithSpace(raw) else { return nil }
        return withCString(raw) { text, textEnd -> Float80? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtold(text, &end)
            guard end == textEnd, !value.isNaN, errno != ERANGE else { return nil }
            return value
        }
    }

    /// Valkey's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf` with trailing zeros (and a trailing dot) removed, so
    /// INCRBYFLOAT never prints an exponent. `-0` prints as `0`.
    public static func humanLongDouble(_ value: Float80) -> String {
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        var buffer = [CChar](repeating: 0, count: 5200)
        let written = withVaList([value]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress!, 5200, "%.17Lf", args) }
        }
        let length = max(0, min(Int(written), buffer.count - 1))
        var text = buffer.withUnsafeBufferPointer { String(decoding: UnsafeRawBufferPointer($0)[..<length], as: UTF8.self) }
        if written > 0, text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        if text == "-0" { text = "0" }
        return text
    }
    #endif

    /// Formats a double the way Valkey 8 replies with scores: the shortest text that round-trips (`1.1`, not
    /// `1.1000000000000001`), integral values without exponent below 2^53... as `%.17g` would pick, `inf`,
    /// `-inf`.
    public static func formatDouble(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value.isNaN { return "nan" }
        if value == value.rounded(), abs(value) < 1e17 {
            // Integral: print without exponent or fraction, like %.17g does for these magnitudes.
            if value == 0 { return value.sign == .minus ? "-0" : "0" }
            return String(Int64(value))
        }
        // Swift's description is the shortest round-trip form; convert its exponent style to C's (1e+20).
        var text = value.description
        if let e = text.firstIndex(where: { $0 == "e" }) {
            var mantissa = String(text[..<e])
            var exponent = String(text[text.index(after: e)...])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            var sign = "+"
            if exponent.hasPrefix("-") { sign = "-"; exponent.removeFirst() } else if exponent.hasPrefix("+") { exponent.removeFirst() }
            if exponent.count < 2 { exponent = "0" + exponent }
            text = mantissa + "e" + sign + exponent
        }
        return text
    }
}
