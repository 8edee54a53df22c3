/// Case-insensitive glob matching of directive names for `CONFIG GET`, with Redis' `stringmatchlen` syntax:
/// `*` any run, `?` any one character, `[abc]` / `[^abc]` / `[a-z]` classes, `\x` a literal `x`.
///
/// PodiumConfig depends on nothing, so it cannot reuse the keyspace's matcher; names are short ASCII words, so a
/// small backtracking matcher over bytes is enough.
enum ConfigGlob {
    /// Whether `pattern` contains glob syntax. Redis 7 looks a pattern without any up directly, and then echoes the
    /// name as the client spelled it (`CONFIG GET TIMEOUT` answers `TIMEOUT`).
    static func hasWildcards(_ pattern: String) -> Bool {
        pattern.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    /// Whether `name` matches `pattern`, ignoring ASCII case.
    static func matches(_ pattern: String, _ name: String) -> Bool {
        match(Array(pattern.lowercased().utf8)[...], Array(name.lowercased().utf8)[...])
    }

    private static func match(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var pattern = pattern
        var text = text
        while let token = pattern.first {
            switch token {
            case UInt8(ascii: "*"):
                // Collapse runs of stars, then try every split point.
                while pattern.first == UInt8(ascii: "*") { pattern = pattern.dropFirst() }
                if pattern.isEmpty { return true }
                var rest = text
                while true {
                    if match(pattern, rest) { return true }
                    if rest.isEmpty { return false }
                    rest = rest.dropFirst()
                }
            case UInt8(ascii: "?"):
                guard !text.isEmpty else { return false }
                text = text.dropFirst()
                pattern = pattern.dropFirst()
            case UInt8(ascii: "["):
                guard let character = text.first else { return false }
                pattern = pattern.dropFirst()
                let negate = pattern.first == UInt8(ascii: "^")
                if negate { pattern = pattern.dropFirst() }
                var matched = false
                // A class runs to the next `]`, or to the end of the pattern if there is none (as in Redis).
                while let member = pattern.first, member != UInt8(ascii: "]") {
                    if member == UInt8(ascii: "\\"), pattern.count >= 2 {
                        let escaped = pattern[pattern.startIndex + 1]
                        if escaped == character { matched = true }
                        pattern = pattern.dropFirst(2)
                    } else if pattern.count >= 3, pattern[pattern.startIndex + 1] == UInt8(ascii: "-") {
                        var low = member
                        var high = pattern[pattern.startIndex + 2]
                        if low > high { swap(&low, &high) }
                        if character >= low, character <= high { matched = true }
                        pattern = pattern.dropFirst(3)
                    } else {
                        if member == character { matched = true }
                        pattern = pattern.dropFirst()
                    }
                }
                pattern = pattern.dropFirst()  // the `]`, if any
                if matched == negate { return false }
                text = text.dropFirst()
            case UInt8(ascii: "\\") where pattern.count >= 2:
                guard let character = text.first, character == pattern[pattern.startIndex + 1] else { return false }
                pattern = pattern.dropFirst(2)
                text = text.dropFirst()
            default:
                guard let character = text.first, character == token else { return false }
                pattern = pattern.dropFirst()
                text = text.dropFirst()
            }
        }
        return text.isEmpty
    }
}
