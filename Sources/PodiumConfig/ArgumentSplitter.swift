/// Splits one configuration line into arguments with the quoting rules of Redis' `sdssplitargs`, and quotes values
/// back (`sdscatrepr`) when a line has to be rebuilt from command-line arguments.
///
/// The rules, as observed on redis-server 7:
/// - Arguments are separated by whitespace (space, tab, newline, carriage return, vertical tab, form feed).
/// - A double quote starts a quoted part, even in the middle of a word (`ab"cd"` is `abcd`). Inside it `\n \r \t \b
///   \a` are control characters, `\xHH` is a byte given in hex, and a backslash before any other character yields
///   that character (so `\"` and `\\`). A `\x` not followed by two hex digits yields `x`.
/// - A single quote starts a part in which only `\'` is an escape; every other character, backslash included, is
///   literal.
/// - A closing quote must be followed by whitespace or the end of the line (`"abc"def` is an error), and a quote left
///   open is an error. Both are reported as "Unbalanced quotes in configuration line".
/// - `""` is an empty argument, which is how `save ""` clears a list.
///
/// The splitter works on UTF-8 bytes because `\xHH` can produce any byte; arguments are decoded back to `String`,
/// so a byte sequence that is not UTF-8 becomes U+FFFD. Configuration values are text in practice (paths, hosts,
/// passwords typed in an editor), so this loss is accepted rather than carrying `[UInt8]` through the whole API.
public enum ArgumentSplitter {
    /// Splits `line`; returns `nil` when quotes are unbalanced (or a closing quote is glued to the next word).
    public static func split(_ line: String) -> [String]? {
        var result: [String] = []
        let bytes = Array(line.utf8)
        var index = 0
        let count = bytes.count

        while true {
            // Skip the whitespace before the next argument.
            while index < count, isSpace(bytes[index]) { index += 1 }
            if index >= count { return result }

            var current: [UInt8] = []
            var inDoubleQuotes = false
            var inSingleQuotes = false
            var done = false

            while !done {
                if inDoubleQuotes {
                    guard index < count else { return nil }  // closing quote missing
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\"), index + 3 < count, bytes[index + 1] == UInt8(ascii: "x"),
                        let high = hexValue(bytes[index + 2]), let low = hexValue(bytes[index + 3])
                    {
                        current.append(high << 4 | low)
                        index += 4
                    } else if byte == UInt8(ascii: "\\"), index + 1 < count {
                        index += 1
                        switch bytes[index] {
                        case UInt8(ascii: "n"): current.append(10)
                        case UInt8(ascii: "r"): current.append(13)
                        case UInt8(ascii: "t"): current.append(9)
                        case UInt8(ascii: "b"): current.append(8)
                        case UInt8(ascii: "a"): current.append(7)
                        default: current.append(bytes[index])
                        }
                        index += 1
                    } else if byte == UInt8(ascii: "\"") {
                        // The closing quote must end the argument.
                        if index + 1 < count, !isSpace(bytes[index + 1]) { return nil }
                        done = true
                        index += 1
                    } else {
                        current.append(byte)
                        index += 1
                    }
                } else if inSingleQuotes {
                    guard index < count else { return nil }
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\"), index + 1 < count, bytes[index + 1] == UInt8(ascii: "'") {
                        current.append(UInt8(ascii: "'"))
                        index += 2
                    } else if byte == UInt8(ascii: "'") {
                        if index + 1 < count, !isSpace(bytes[index + 1]) { return nil }
                        done = true
                        index += 1
                    } else {
                        current.append(byte)
                        index += 1
                    }
                } else {
                    guard index < count else {
                        done = true
                        break
                    }
                    let byte = bytes[index]
                    if isSpace(byte) {
                        done = true
                    } else if byte == UInt8(ascii: "\"") {
                        inDoubleQuotes = true
                    } else if byte == UInt8(ascii: "'") {
                        inSingleQuotes = true
                    } else {
                        current.append(byte)
                    }
                    index += 1
                }
            }
            result.append(String(decoding: current, as: UTF8.self))
        }
    }

    /// Quotes `value` the way Redis' `sdscatrepr` does: in double quotes, with `\\ \" \n \r \t \a \b` escaped and
    /// any other non-printable byte written as `\xHH`. `split` reads the result back as the same single argument.
    public static func quote(_ value: String) -> String {
        var out = "\""
        for byte in value.utf8 {
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
                let digits = Array("0123456789abcdef")
                out += "\\x"
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0xF)])
            }
        }
        return out + "\""
    }

    /// `isspace` in the C locale.
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
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
