#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Number parsing and formatting with Valkey's rules, shared by every command that takes or prints numbers.
public enum NumberFormat {
    /// Valkey's `string2d`/`getDoubleFromObject`: the whole string must parse with `strtod`, no leading space,
    /// no NaN; `inf`, `+inf`, `-inf` are accepted.
    public static func parseDouble(_ raw: UnsafeRawBufferPointer) -> Double? {
        guard raw.count > 0, raw.count < 256 else { return nil }
        let first = raw[0]
        if first == 0x20 || (first >= 0x09 && first <= 0x0D) { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: raw.count + 1) { buf -> Double? in
            for i in 0..<raw.count { buf[i] = CChar(bitPattern: raw[i]) }
            buf[raw.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtod(buf.baseAddress!, &end)
            guard let end, end - buf.baseAddress! == raw.count else { return nil }
            if value.isNaN { return nil }
            if errno == ERANGE, value.isFinite, value != 0 { return nil }
            if errno == ERANGE, value.isInfinite { return nil }
            return value
        }
    }

    /// A score-range bound the way Valkey's `zslParseRange` reads it: plain `strtod` over the whole text, so an
    /// empty string is 0, leading spaces and hex are accepted, overflow gives ±inf; only trailing garbage and NaN
    /// are rejected.
    public static func parseRangeDouble(_ raw: UnsafeRawBufferPointer) -> Double? {
        guard raw.count < 256 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: raw.count + 1) { buf -> Double? in
            for i in 0..<raw.count { buf[i] = CChar(bitPattern: raw[i]) }
            buf[raw.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buf.baseAddress!, &end)
            guard let end, end - buf.baseAddress! == raw.count, !value.isNaN else { return nil }
            return value
        }
    }

    #if arch(x86_64) || arch(i386)
    /// Valkey's `string2ld` for INCRBYFLOAT: `strtold` over the whole string, no spaces, no NaN.
    public static func parseLongDouble(_ raw: UnsafeRawBufferPointer) -> Float80? {
        guard raw.count > 0, raw.count < 5120 else { return nil }
        let first = raw[0]
        if first == 0x20 || (first >= 0x09 && first <= 0x0D) { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: raw.count + 1) { buf -> Float80? in
            for i in 0..<raw.count { buf[i] = CChar(bitPattern: raw[i]) }
            buf[raw.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtold(buf.baseAddress!, &end)
            guard let end, end - buf.baseAddress! == raw.count else { return nil }
            if value.isNaN || errno == ERANGE { return nil }
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
        var text = String(cString: buffer)
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
