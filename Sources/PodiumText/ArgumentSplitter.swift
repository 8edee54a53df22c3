/// Splits a line into arguments with the quoting rules of Valkey's `sdssplitargs`, and quotes bytes back
/// (`sdscatrepr`). One implementation for every layer that reads such lines: inline requests (the RESP codec),
/// redis.conf lines and command-line directives (the configuration), the AOF manifest, script shebangs, and the
/// MONITOR feed's quoting.
///
/// The rules, as observed on redis-server 7:
/// - Arguments are separated by whitespace (`isspace` in the C locale: space, tab, newline, carriage return,
///   vertical tab, form feed).
/// - A double quote starts a quoted part, even in the middle of a word (`ab"cd"` is `abcd`). Inside it `\n \r \t \b
///   \a` are control characters, `\xHH` is a byte given in hex, and a backslash before any other character yields
///   that character (so `\"` and `\\`). A `\x` not followed by two hex digits yields `x`.
/// - A single quote starts a part in which only `\'` is an escape; every other character, backslash included, is
///   literal.
/// - A closing quote must be followed by whitespace or the end of the line (`"abc"def` is an error), and a quote left
///   open is an error (`nil`).
/// - `""` is an empty argument, which is how `save ""` clears a list.
public enum ArgumentSplitter {
    /// Splits `line`; returns `nil` when quotes are unbalanced (or a closing quote is glued to the next word).
    public static func split(_ line: [UInt8]) -> [[UInt8]]? {
        var result: [[UInt8]] = []
        var index = 0
        let count = line.count
        while true {
            // Skip the whitespace before the next argument.
            while index < count, isSpace(line[index]) { index += 1 }
            if index >= count { return result }

            var current: [UInt8] = []
            // The quote the current part is inside (`"` or `'`); 0 outside quotes.
            var quote: UInt8 = 0
            var done = false
            while !done {
                if quote != 0 {
                    guard index < count else { return nil }  // closing quote missing
                    let byte = line[index]
                    let doubleQuoted = quote == UInt8(ascii: "\"")
                    if doubleQuoted, byte == UInt8(ascii: "\\"), index + 3 < count,
                        line[index + 1] == UInt8(ascii: "x"),
                        let high = hexValue(line[index + 2]), let low = hexValue(line[index + 3])
                    {
                        current.append(high << 4 | low)
                        index += 4
                    } else if doubleQuoted, byte == UInt8(ascii: "\\"), index + 1 < count {
                        index += 1
                        switch line[index] {
                        case UInt8(ascii: "n"): current.append(10)
                        case UInt8(ascii: "r"): current.append(13)
                        case UInt8(ascii: "t"): current.append(9)
                        case UInt8(ascii: "b"): current.append(8)
                        case UInt8(ascii: "a"): current.append(7)
                        default: current.append(line[index])
                        }
                        index += 1
                    } else if !doubleQuoted, byte == UInt8(ascii: "\\"), index + 1 < count,
                        line[index + 1] == UInt8(ascii: "'")
                    {
                        current.append(UInt8(ascii: "'"))
                        index += 2
                    } else if byte == quote {
                        // The closing quote must end the argument.
                        if index + 1 < count, !isSpace(line[index + 1]) { return nil }
                        done = true
                        index += 1
                    } else {
                        current.append(byte)
                        index += 1
                    }
                } else {
                    guard index < count else { break }
                    let byte = line[index]
                    if isSpace(byte) {
                        done = true
                    } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                        quote = byte
                    } else {
                        current.append(byte)
                    }
                    index += 1
                }
            }
            result.append(current)
        }
    }

    /// Splits a line of text. `\xHH` can produce any byte; arguments are decoded back to `String`, so a byte
    /// sequence that is not UTF-8 becomes U+FFFD. Configuration values are text in practice (paths, hosts, passwords
    /// typed in an editor), so this loss is accepted rather than carrying `[UInt8]` through the configuration's API.
    public static func split(_ line: String) -> [String]? {
        split(Array(line.utf8))?.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends `bytes` quoted the way Valkey's `sdscatrepr` does: in double quotes, with `\\ \" \n \r \t \a \b`
    /// escaped and any other non-printable byte written as `\xHH`. `split` reads the result back as the same single
    /// argument.
    public static func appendQuoted(_ bytes: some Sequence<UInt8>, to out: inout String) {
        out += "\""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\""): out += "\\\""
            case 10: out += "\\n"
            case 13: out += "\\r"
            case 9: out += "\\t"
            case 7: out += "\\a"
            case 8: out += "\\b"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "\\x"
                out.unicodeScalars.append(hexDigit(byte >> 4))
                out.unicodeScalars.append(hexDigit(byte & 0xF))
            }
        }
        out += "\""
    }

    /// `value` quoted as `sdscatrepr` does (see `appendQuoted`).
    public static func quote(_ value: String) -> String {
        var out = ""
        appendQuoted(value.utf8, to: &out)
        return out
    }

    /// `isspace` in the C locale.
    public static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    private static func hexDigit(_ value: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
