/// Splits an inline request line into words with the rules of Valkey's `sdssplitargs`, so what works typed into
/// `redis-cli`-less telnet sessions against Redis works here:
/// - words are separated by spaces, tabs, `\r`, `\n`;
/// - `"double quotes"` understand `\n \r \t \b \a \\ \"` and `\xHH`; any other `\c` is `c`;
/// - `'single quotes'` understand only `\'`;
/// - a closing quote must be followed by a separator or the end of the line;
/// - a quote inside a word opens a quoted part of that word (`ab"c d"` is one word, `abc d`).
/// Returns nil for unbalanced quotes.
public enum InlineSplitter {
    public static func split(_ line: [UInt8]) -> [[UInt8]]? {
        var words: [[UInt8]] = []
        var i = 0
        let n = line.count
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C }
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        while true {
            while i < n, isSpace(line[i]) { i += 1 }
            if i >= n { return words }
            var current: [UInt8] = []
            var inDouble = false
            var inSingle = false
            var done = false
            while !done {
                if inDouble {
                    guard i < n else { return nil }
                    let c = line[i]
                    if c == UInt8(ascii: "\\"), i + 3 < n, line[i + 1] == UInt8(ascii: "x"),
                        let h = hexValue(line[i + 2]), let l = hexValue(line[i + 3])
                    {
                        current.append(h << 4 | l)
                        i += 3
                    } else if c == UInt8(ascii: "\\"), i + 1 < n {
                        i += 1
                        switch line[i] {
                        case UInt8(ascii: "n"): current.append(0x0A)
                        case UInt8(ascii: "r"): current.append(0x0D)
                        case UInt8(ascii: "t"): current.append(0x09)
                        case UInt8(ascii: "b"): current.append(0x08)
                        case UInt8(ascii: "a"): current.append(0x07)
                        default: current.append(line[i])
                        }
                    } else if c == UInt8(ascii: "\"") {
                        // The closing quote must be followed by a space or the end.
                        if i + 1 < n, !isSpace(line[i + 1]) { return nil }
                        done = true
                    } else {
                        current.append(c)
                    }
                } else if inSingle {
                    guard i < n else { return nil }
                    let c = line[i]
                    if c == UInt8(ascii: "\\"), i + 1 < n, line[i + 1] == UInt8(ascii: "'") {
                        i += 1
                        current.append(UInt8(ascii: "'"))
                    } else if c == UInt8(ascii: "'") {
                        if i + 1 < n, !isSpace(line[i + 1]) { return nil }
                        done = true
                    } else {
                        current.append(c)
                    }
                } else {
                    if i >= n { done = true; break }
                    let c = line[i]
                    if isSpace(c) {
                        done = true
                    } else if c == UInt8(ascii: "\"") {
                        inDouble = true
                    } else if c == UInt8(ascii: "'") {
                        inSingle = true
                    } else {
                        current.append(c)
                    }
                }
                if i < n { i += 1 }
            }
            words.append(current)
        }
    }
}
