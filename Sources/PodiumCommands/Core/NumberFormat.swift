#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Number parsing and formatting with Valkey's rules, shared by every command that takes or prints numbers.
public enum NumberFormat {
    /// Lowercase hex of bytes (SHA digests: script SHAs, ACL password hashes, DEBUG DIGEST).
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Runs `body` with the bytes as a NUL-terminated C string (on the stack) and the address of its end: the
    /// common step of every `strtod`-style parse, which must consume the whole argument.
    @inline(__always)
    static func withCString<R>(
        _ raw: UnsafeRawBufferPointer,
        _ body: (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<CChar>) -> R?
    ) -> R? {
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
        // Valkey's `string2d` takes any length; the bound only limits the NUL-terminated copy `strtod` needs (the
        // longest plain spelling of DBL_MAX, which Redis' zset tests send, is over 300 characters).
        // Valkey rejects overflow (±HUGE_VAL) and underflow to zero; a denormal result is accepted.
        parseWhole(raw, strtod) { value, error in !value.isNaN && !(error == ERANGE && (value.isInfinite || value == 0))
        }
    }

    /// What `string2d` and `string2ld` share: not empty, no leading space, `parse` (`strtod` or `strtold`, with
    /// `errno` cleared first) consumes the whole text, and `accept` takes the value with the `errno` it left.
    @inline(__always)
    static func parseWhole<T: FloatingPoint>(
        _ raw: UnsafeRawBufferPointer,
        _ parse: (UnsafePointer<CChar>, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T,
        accept: (T, Int32) -> Bool
    ) -> T? {
        guard raw.count > 0, raw.count < 5120, !startsWithSpace(raw) else { return nil }
        return withCString(raw) { text, textEnd -> T? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = parse(text, &end)
            return end == textEnd && accept(value, errno) ? value : nil
        }
    }

    /// A score-range bound the way Valkey's `zslParseRange` reads it: plain `strtod` over the whole text, so an
    /// empty string is 0, leading spaces and hex are accepted, overflow gives ±inf; only trailing garbage and NaN
    /// are rejected.
    public static func parseRangeDouble(_ raw: UnsafeRawBufferPointer) -> Double? {
        guard raw.count < 5120 else { return nil }
        return withCString(raw) { text, textEnd -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(text, &end)
            return end == textEnd && !value.isNaN ? value : nil
        }
    }

    #if arch(x86_64) || arch(i386)
    /// Valkey's `string2ld` for INCRBYFLOAT: `strtold` over the whole string, no spaces, no NaN.
    public static func parseLongDouble(_ raw: UnsafeRawBufferPointer) -> Float80? {
        parseWhole(raw, strtold) { value, error in !value.isNaN && error != ERANGE }
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
        var text = buffer.withUnsafeBufferPointer {
            String(decoding: UnsafeRawBufferPointer($0)[..<length], as: UTF8.self)
        }
        if written > 0, text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        if text == "-0" { text = "0" }
        return text
    }
    #endif

    /// Formats a double as Valkey 8's `d2string` does (scores, RESP3 doubles, Lua numbers given to commands):
    /// `nan`, `inf`, `-inf`, `0` / `-0`; an integral value within ±2^62 as an integer (`double2ll`, so
    /// 123456789012345678 prints as `123456789012345680`); anything else in the shortest digits that read back
    /// (Swift's, which are what Valkey's grisu finds), laid out as `fpconv_dtoa`'s `emit_digits` lays them out:
    /// `0.00001`, `1.5e-7`, `1e+20`.
    public static func formatDouble(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        if value >= -4.611686018427388e18, value <= 4.611686018427388e18, value == value.rounded(.towardZero) {
            return String(Int64(value))
        }
        // The shortest digits and their decimal exponent: value = ±digits × 10^k.
        let text = Array(value.magnitude.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(of: UInt8(ascii: "e")) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var seenPoint = false
        for c in mantissa {
            if c == UInt8(ascii: ".") {
                seenPoint = true
            } else {
                digits.append(c)
                if seenPoint { fractionDigits += 1 }
            }
        }
        var k = exponent - fractionDigits
        while digits.count > 1, digits.first == UInt8(ascii: "0") { digits.removeFirst() }
        while digits.count > 1, digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            k += 1
        }
        return emitDigits(digits, k: k, negative: value < 0)
    }

    /// fpconv_dtoa's `emit_digits`: plain integer, plain decimal, or scientific with an unpadded exponent.
    static func emitDigits(_ digits: [UInt8], k: Int, negative: Bool) -> String {
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        var ndigits = digits.count
        let exp = abs(k + ndigits - 1)
        if k >= 0, exp < ndigits + 7 {
            out += digits
            out += [UInt8](repeating: UInt8(ascii: "0"), count: k)
            return String(decoding: out, as: UTF8.self)
        }
        if k < 0, k > -7 || exp < 4 {
            let offset = ndigits - abs(k)
            if offset <= 0 {
                out += Array("0.".utf8)
                out += [UInt8](repeating: UInt8(ascii: "0"), count: -offset)
                out += digits
            } else {
                out += digits[..<offset]
                out.append(UInt8(ascii: "."))
                out += digits[offset...]
            }
            return String(decoding: out, as: UTF8.self)
        }
        ndigits = min(ndigits, 18 - (negative ? 1 : 0))
        out.append(digits[0])
        if ndigits > 1 {
            out.append(UInt8(ascii: "."))
            out += digits[1..<ndigits]
        }
        out.append(UInt8(ascii: "e"))
        out.append(k + ndigits - 1 < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        out += Array(String(exp).utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
