import PodiumConfig
import PodiumText
import Testing

/// The redis.conf grammar: argument splitting, comments, line numbers and includes.
@Suite struct ConfFileParserTests {
    /// `ArgumentSplitter`, which follows Redis' `sdssplitargs`.
    @Suite struct Splitting {
        @Test func plainWordsAndWhitespace() {
            #expect(ArgumentSplitter.split("port 6379") == ["port", "6379"])
            #expect(ArgumentSplitter.split("  bind\t127.0.0.1   ::1  ") == ["bind", "127.0.0.1", "::1"])
            #expect(ArgumentSplitter.split("") == [])
            #expect(ArgumentSplitter.split("   ") == [])
        }

        @Test func doubleQuotesAndEscapes() {
            #expect(ArgumentSplitter.split(#"requirepass "a b""#) == ["requirepass", "a b"])
            #expect(ArgumentSplitter.split(#"x "\n\r\t\b\a""#) == ["x", "\n\r\t\u{08}\u{07}"])
            #expect(ArgumentSplitter.split(#"x "q\"q" "b\\s""#) == ["x", "q\"q", "b\\s"])
            #expect(ArgumentSplitter.split(#"x "\x41\x62""#) == ["x", "Ab"])
            // `\x` without two hex digits is a plain `x`, as in Redis.
            #expect(ArgumentSplitter.split(#"x "a\xZZb""#) == ["x", "axZZb"])
            // Any other escaped character stands for itself.
            #expect(ArgumentSplitter.split(#"x "\q""#) == ["x", "q"])
        }

        @Test func singleQuotesOnlyEscapeTheQuote() {
            #expect(ArgumentSplitter.split(#"x 'it\'s'"#) == ["x", "it's"])
            #expect(ArgumentSplitter.split(#"x 'a\nb'"#) == ["x", #"a\nb"#])
            #expect(ArgumentSplitter.split(#"x 'say "hi"'"#) == ["x", #"say "hi""#])
        }

        @Test func emptyQuotedArguments() {
            #expect(ArgumentSplitter.split(#"save """#) == ["save", ""])
            #expect(ArgumentSplitter.split("x '' y") == ["x", "", "y"])
        }

        @Test func quotesMayStartInsideAWord() {
            #expect(ArgumentSplitter.split(#"port 6380"x""#) == ["port", "6380x"])
        }

        @Test func unbalancedQuotesAreRejected() {
            #expect(ArgumentSplitter.split(#"bind "127.0.0.1"#) == nil)
            #expect(ArgumentSplitter.split("bind '127.0.0.1") == nil)
            // A closing quote must be followed by a space or the end of the line.
            #expect(ArgumentSplitter.split(#"dbfilename "abc"def"#) == nil)
            #expect(ArgumentSplitter.split("dbfilename 'abc'def") == nil)
        }

        @Test func quoteRoundTrips() {
            for value in ["", "a b", "q\"uote", "back\\slash", "line\nbreak", "tab\t", "\u{01}ctl", "naïve"] {
                #expect(ArgumentSplitter.split(ArgumentSplitter.quote(value)) == [value])
            }
            #expect(ArgumentSplitter.quote("a\"b") == #""a\"b""#)
        }
    }

    /// Lines, comments and line numbers.
    @Suite struct Lines {
        @Test func commentsAndBlankLinesAreSkipped() throws {
            let text = "# comment\n\n   \n  # indented comment\nport 7000\n"
            let directives = try ConfFileParser().parse(text, fileName: "t.conf")
            #expect(directives.count == 1)
            #expect(directives[0].name == "port")
            #expect(directives[0].arguments == ["7000"])
            #expect(directives[0].source == .file("t.conf", line: 5))
        }

        @Test func crlfLineEndingsWork() throws {
            let directives = try ConfFileParser().parse("port 7000\r\ntimeout 5\r\n", fileName: "t.conf")
            #expect(directives.map(\.arguments) == [["7000"], ["5"]])
            #expect(directives[1].source == .file("t.conf", line: 2))
        }

        @Test func errorsNameFileLineAndText() {
            let error = TestSupport.loadError("daemonize no\nport \"abc\"\n")
            #expect(error?.kind == .file)
            #expect(error?.line == 2)
            #expect(error?.file == "t.conf")
            #expect(error?.lineText == #"port "abc""#)
            #expect(
                error?.message == """
                    *** FATAL CONFIG FILE ERROR (Podium) ***
                    Reading the configuration file t.conf, at line 2
                    >>> 'port "abc"'
                    argument couldn't be parsed into an integer
                    """)
        }

        @Test func errorLineIsTrimmed() {
            let error = TestSupport.loadError("\n\n   port 1 2   \n")
            #expect(error?.line == 3)
            #expect(error?.lineText == "port 1 2")
            #expect(error?.reason == "wrong number of arguments")
        }

        @Test func unbalancedQuotesReportTheLine() {
            let error = TestSupport.loadError("port 6379\nbind \"127.0.0.1\n")
            #expect(error?.line == 2)
            #expect(error?.reason == "Unbalanced quotes in configuration line")
        }

        @Test func noTrailingComments() {
            #expect(TestSupport.reason("port 6379 # main port") == "wrong number of arguments")
        }

        @Test func errorsComeOutInLineOrder() {
            // A bad value on line 1 is reported before a syntax error on line 2, as Redis reads line by line.
            let error = TestSupport.loadError("port abc\nbind \"x\n")
            #expect(error?.line == 1)
        }
    }

    /// `include`.
    @Suite struct Includes {
        @Test func includedLinesApplyInPlace() throws {
            let files = ["extra.conf": "port 7001\ntimeout 9\n"]
            let (before, _) = try TestSupport.load("port 7000\ninclude extra.conf\n", files: files)
            #expect(before.port == 7001)
            #expect(before.timeout == 9)
            let (after, _) = try TestSupport.load("include extra.conf\nport 7000\n", files: files)
            #expect(after.port == 7000)
        }

        @Test func errorsInIncludedFilesNameThatFile() {
            let files = ["extra.conf": "\nport 99999\n"]
            let error = TestSupport.loadError("include extra.conf\n", files: files)
            #expect(error?.file == "extra.conf")
            #expect(error?.line == 2)
            #expect(error?.reason == "argument must be between 0 and 65535 inclusive")
        }

        @Test func missingIncludeUsesRedisWording() {
            let error = TestSupport.loadError("include /nonexistent.conf\n")
            #expect(error?.kind == .unreadableFile)
            #expect(
                error?.message == "Fatal error, can't open config file '/nonexistent.conf': No such file or directory")
        }

        @Test func recursionIsDetected() {
            let files = ["a.conf": "include b.conf\n", "b.conf": "include a.conf\n"]
            let error = TestSupport.loadError("include a.conf\n", files: files)
            #expect(error?.file == "b.conf")
            #expect(error?.reason == "include recursion: 'a.conf' is already being read")
            let selfInclude = TestSupport.loadError("include t.conf\n", files: ["t.conf": "include t.conf\n"])
            #expect(selfInclude?.reason == "include recursion: 't.conf' is already being read")
        }

        @Test func includeNeedsExactlyOnePath() {
            #expect(TestSupport.reason("include a b") == "Bad directive or wrong number of arguments")
        }

        @Test func missingConfigFileFromDisk() {
            do {
                _ = try PodiumConfiguration.load(configFile: "/nonexistent/podium.conf", arguments: [])
                Issue.record("expected an error")
            } catch {
                #expect(
                    error.message
                        == "Fatal error, can't open config file '/nonexistent/podium.conf': No such file or directory")
            }
        }
    }
}
