import PodiumKeyspace
import Testing

/// Redis `stringmatchlen` semantics (KEYS, SCAN MATCH, CONFIG GET).
@Suite struct GlobPatternTests {
    static func match(_ pattern: String, _ string: String, noCase: Bool = false) -> Bool {
        GlobPattern.matches(pattern: pattern, string, noCase: noCase)
    }

    @Suite struct Wildcards {
        @Test func star() {
            #expect(match("*", ""))
            #expect(match("*", "anything"))
            #expect(match("h*o", "hello"))
            #expect(match("h*o", "ho"))
            #expect(!match("h*o", "hellx"))
            #expect(match("*llo", "hello"))
            #expect(match("he*", "hello"))
            #expect(match("h**o", "hello"))
            #expect(match("*a*b*c*", "xxaxxbxxcxx"))
            #expect(!match("*a*b*c*", "xxaxxcxxbxx"))
        }

        @Test func questionMark() {
            #expect(match("h?llo", "hello"))
            #expect(match("h?llo", "hallo"))
            #expect(!match("h?llo", "hllo"))
            #expect(match("???", "abc"))
            #expect(!match("???", "ab"))
            #expect(!match("?", ""))
        }

        @Test func literal() {
            #expect(match("hello", "hello"))
            #expect(!match("hello", "hello!"))
            #expect(!match("hello", "hell"))
            #expect(match("", ""))
            #expect(!match("", "a"))
        }

        @Test func backtrackingIsNotExponential() {
            // Would take ages with naive recursion; the two-pointer matcher is O(pattern × string).
            let string = String(repeating: "a", count: 5000)
            #expect(!match(String(repeating: "*a", count: 50) + "b", string))
        }

        @Test func binaryBytes() {
            #expect(GlobPattern.matches(pattern: [0x00, UInt8(ascii: "*")], [0x00, 0xFF, 0x0A]))
            #expect(GlobPattern.matches(pattern: [UInt8(ascii: "?")], [0xFF]))
        }
    }

    @Suite struct Classes {
        @Test func members() {
            #expect(match("h[ae]llo", "hello"))
            #expect(match("h[ae]llo", "hallo"))
            #expect(!match("h[ae]llo", "hillo"))
        }

        @Test func ranges() {
            #expect(match("[a-c]", "b"))
            #expect(match("[a-c]", "a"))
            #expect(match("[a-c]", "c"))
            #expect(!match("[a-c]", "d"))
            #expect(match("key[0-9]", "key7"))
            #expect(!match("key[0-9]", "keyx"))
        }

        @Test func reversedRangeIsSwapped() {
            #expect(match("[c-a]", "b"))
            #expect(match("[z-a]x", "mx"))
        }

        @Test func negation() {
            #expect(match("h[^e]llo", "hallo"))
            #expect(!match("h[^e]llo", "hello"))
            #expect(match("[^a-c]", "d"))
            #expect(!match("[^a-c]", "b"))
        }

        @Test func escapesInsideAClass() {
            #expect(match("[\\]]", "]"))
            #expect(match("[\\-]", "-"))
            #expect(match("[a\\-z]", "-"))
            #expect(!match("[a\\-z]", "b"))
        }

        @Test func unterminatedClassEndsWithThePattern() {
            #expect(match("a[bc", "ab"))
            #expect(match("a[bc", "ac"))
            #expect(!match("a[bc", "ad"))
        }

        @Test func classMatchesExactlyOneByte() {
            #expect(!match("[abc]", ""))
            #expect(!match("[abc]", "ab"))
        }
    }

    @Suite struct Escapes {
        @Test func backslashMakesTheNextByteLiteral() {
            #expect(match("a\\*b", "a*b"))
            #expect(!match("a\\*b", "axb"))
            #expect(match("\\?", "?"))
            #expect(!match("\\?", "x"))
            #expect(match("\\[a]", "[a]"))
            #expect(match("\\\\", "\\"))
        }

        @Test func trailingBackslashIsLiteral() {
            #expect(match("a\\", "a\\"))
            #expect(!match("a\\", "a"))
        }
    }

    @Suite struct NoCase {
        @Test func asciiLettersFold() {
            #expect(match("HELLO", "hello", noCase: true))
            #expect(match("h*O", "HellO", noCase: true))
            #expect(match("[A-C]x", "bX", noCase: true))
            #expect(match("maxmemory*", "MAXMEMORY-POLICY", noCase: true))
            #expect(!match("HELLO", "hello"))
            #expect(!match("[A-C]", "b"))
        }
    }
}
