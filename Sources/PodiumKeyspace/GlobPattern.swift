/// Redis glob matching (`stringmatchlen`), used by KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE and PUBSUB CHANNELS, so every
/// place that takes a pattern agrees:
/// - `*` any run of bytes, `?` any one byte;
/// - `[abc]`, `[a-z]` (a reversed range is swapped), `[^x]` negation, `\` escapes inside a class;
/// - `\x` matches `x` literally;
/// - an unterminated `[` class ends at the end of the pattern.
///
/// The matcher is the classic two-pointer algorithm with backtracking to the last `*` only, so it runs in
/// O(pattern × string) in the worst case instead of exponential time (the reason Valkey added a nesting guard).
public enum GlobPattern {
    public static func matches(pattern: [UInt8], _ string: [UInt8], noCase: Bool = false) -> Bool {
        pattern.withUnsafeBufferPointer { p in
            string.withUnsafeBufferPointer { s in matches(p, s, noCase: noCase) }
        }
    }

    /// Matches a key's bytes in place.
    public static func matches(pattern: [UInt8], _ key: Bytes, noCase: Bool = false) -> Bool {
        pattern.withUnsafeBufferPointer { p in
            key.withUnsafeBytes { raw in matches(p, raw.assumingMemoryBound(to: UInt8.self), noCase: noCase) }
        }
    }

    /// Matches bytes in place (a Pub/Sub channel name from the request buffer).
    public static func matches(pattern: [UInt8], raw string: UnsafeRawBufferPointer, noCase: Bool = false) -> Bool {
        pattern.withUnsafeBufferPointer { p in matches(p, string.assumingMemoryBound(to: UInt8.self), noCase: noCase) }
    }

    public static func matches(pattern: String, _ string: String, noCase: Bool = false) -> Bool {
        matches(pattern: Array(pattern.utf8), Array(string.utf8), noCase: noCase)
    }

    @inline(__always)
    static func fold(_ c: UInt8, _ noCase: Bool) -> UInt8 {
        (noCase && c >= 65 && c <= 90) ? c + 32 : c
    }

    /// Matches one pattern element at `pi` against byte `c`. Returns the index after the element, or nil if the
    /// element does not match. The element at `pi` is never `*`.
    static func matchOne(_ p: UnsafeBufferPointer<UInt8>, _ pi: Int, _ c: UInt8, noCase: Bool) -> Int? {
        switch p[pi] {
        case UInt8(ascii: "?"):
            return pi + 1
        case UInt8(ascii: "["):
            var i = pi + 1
            var negate = false
            if i < p.count, p[i] == UInt8(ascii: "^") {
                negate = true
                i += 1
            }
            var matched = false
            while i < p.count, p[i] != UInt8(ascii: "]") {
                if p[i] == UInt8(ascii: "\\"), i + 1 < p.count {
                    i += 1
                    if fold(p[i], noCase) == fold(c, noCase) { matched = true }
                    i += 1
                } else if i + 2 < p.count, p[i + 1] == UInt8(ascii: "-") {
                    var lo = fold(p[i], noCase)
                    var hi = fold(p[i + 2], noCase)
                    if lo > hi { swap(&lo, &hi) }
                    let f = fold(c, noCase)
                    if f >= lo && f <= hi { matched = true }
                    i += 3
                } else {
                    if fold(p[i], noCase) == fold(c, noCase) { matched = true }
                    i += 1
                }
            }
            // Skip the closing bracket if there is one; an unterminated class ends with the pattern.
            if i < p.count { i += 1 }
            return matched != negate ? i : nil
        case UInt8(ascii: "\\") where pi + 1 < p.count:
            return fold(p[pi + 1], noCase) == fold(c, noCase) ? pi + 2 : nil
        default:
            return fold(p[pi], noCase) == fold(c, noCase) ? pi + 1 : nil
        }
    }

    static func matches(_ p: UnsafeBufferPointer<UInt8>, _ s: UnsafeBufferPointer<UInt8>, noCase: Bool) -> Bool {
        var pi = 0
        var si = 0
        var starP = -1
        var starS = 0
        while si < s.count {
            if pi < p.count, p[pi] == UInt8(ascii: "*") {
                while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
                if pi == p.count { return true }
                starP = pi
                starS = si
                continue
            }
            if pi < p.count, let next = matchOne(p, pi, s[si], noCase: noCase) {
                pi = next
                si += 1
                continue
            }
            guard starP >= 0 else { return false }
            starS += 1
            si = starS
            pi = starP
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
