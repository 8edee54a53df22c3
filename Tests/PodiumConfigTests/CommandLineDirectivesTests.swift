import PodiumConfig
import Testing

/// redis-server's argv rules (checked against redis-server 7.0.15) and the override order file → command line.
@Suite struct CommandLineDirectivesTests {
    @Suite struct ConfigFileArgument {
        @Test func firstArgumentIsTheFileUnlessItStartsWithADash() throws {
            #expect(try CommandLineDirectives.parse(["/etc/podium.conf"]).configFile == "/etc/podium.conf")
            #expect(try CommandLineDirectives.parse(["--port", "1"]).configFile == nil)
            #expect(try CommandLineDirectives.parse([]).configFile == nil)
            #expect(try CommandLineDirectives.parse([]).directives.isEmpty)
        }

        @Test func aLoneDashMeansStandardInput() throws {
            let parsed = try CommandLineDirectives.parse(["-", "--port", "7000"])
            #expect(parsed.configFile == "-")
            #expect(parsed.directives.map(\.name) == ["port"])
        }
    }

    @Suite struct Directives {
        private func directives(_ arguments: [String]) throws -> [[String]] {
            try CommandLineDirectives.parse(arguments).directives.map { [$0.name] + $0.arguments }
        }

        @Test func valuesFollowTheirName() throws {
            #expect(
                try directives(["podium.conf", "--port", "7000", "--bind", "127.0.0.1", "::1"]) == [
                    ["port", "7000"], ["bind", "127.0.0.1", "::1"],
                ])
        }

        @Test func nameAndValueInOneArgument() throws {
            #expect(
                try directives(["--port 7000", "--bind 127.0.0.1 ::1"]) == [
                    ["port", "7000"], ["bind", "127.0.0.1", "::1"],
                ])
            // After an inline value the next `--x` starts a new directive.
            #expect(
                try directives(["--bind 127.0.0.1", "::1", "--port", "1"]) == [
                    ["bind", "127.0.0.1", "::1"], ["port", "1"],
                ])
        }

        @Test func aValueMayStartWithTwoDashesRightAfterABareName() throws {
            #expect(try directives(["--requirepass", "--secret"]) == [["requirepass", "--secret"]])
            #expect(try directives(["--dbfilename", "--port", "7000"]) == [["dbfilename", "--port", "7000"]])
        }

        @Test func bareSaveMeansNoSnapshots() throws {
            #expect(try directives(["--save"]) == [["save", ""]])
            #expect(try directives(["--save", "--port", "1"]) == [["save", ""], ["port", "1"]])
            #expect(try directives(["--save", ""]) == [["save", ""]])
            #expect(try directives(["--save", "60", "10"]) == [["save", "60", "10"]])
        }

        @Test func valuesKeepSpacesAndQuotes() throws {
            #expect(try directives(["--requirepass", "a b"]) == [["requirepass", "a b"]])
            #expect(try directives(["--requirepass", "x\"y"]) == [["requirepass", "x\"y"]])
        }

        @Test func positionsCountFromTheFirstArgument() throws {
            let parsed = try CommandLineDirectives.parse(["podium.conf", "--port", "1", "--timeout", "2"])
            #expect(parsed.directives.map(\.source) == [.commandLine(argument: 2), .commandLine(argument: 4)])
        }
    }

    @Suite struct Errors {
        private func error(_ commandLine: [String]) -> ConfigError? {
            do {
                _ = try PodiumConfiguration.load(commandLine: commandLine, readFile: TestSupport.reader(["t.conf": ""]))
                return nil
            } catch {
                return error
            }
        }

        @Test func tooManyValues() {
            let error = error(["t.conf", "--port", "1", "2"])
            #expect(error?.kind == .commandLine)
            #expect(
                error?.message == """
                    *** FATAL CONFIG FILE ERROR (Podium) ***
                    Reading the command line, at argument 2
                    >>> 'port "1" "2"'
                    wrong number of arguments
                    """)
        }

        @Test func missingValue() {
            #expect(error(["--port"])?.reason == "wrong number of arguments")
            #expect(error(["--dbfilename", "a b", "c"])?.lineText == #"dbfilename "a b" "c""#)
        }

        @Test func strayArgumentsAreABadDirective() {
            let stray = error(["t.conf", "extra"])
            #expect(stray?.reason == "Bad directive or wrong number of arguments")
            #expect(stray?.lineText == #""extra""#)
            // A config file given after directives is just another value.
            #expect(error(["--port", "7000", "t.conf"])?.reason == "wrong number of arguments")
        }

        @Test func unknownDirective() {
            #expect(error(["--no-such-thing", "1"])?.reason == "Bad directive or wrong number of arguments")
            #expect(error(["--"])?.reason == "Bad directive or wrong number of arguments")
        }

        @Test func badValue() {
            let error = error(["--port", "abc"])
            #expect(error?.line == 1)
            #expect(error?.reason == "argument couldn't be parsed into an integer")
        }
    }

    @Suite struct OverrideOrder {
        @Test func commandLineOverridesTheFile() throws {
            let (configuration, _) = try TestSupport.load("port 7000\ntimeout 5\n", arguments: ["--port", "7001"])
            #expect(configuration.port == 7001)
            #expect(configuration.timeout == 5)
        }

        @Test func laterDirectivesWin() throws {
            let (configuration, _) = try TestSupport.load(
                "port 7000\nport 7002\n", arguments: ["--timeout", "1", "--timeout", "2"])
            #expect(configuration.port == 7002)
            #expect(configuration.timeout == 2)
        }

        @Test func saveFromTheCommandLineAddsToTheFile() throws {
            // redis-server 7: `save 900 1` in the file plus `--save 60 10` gives "900 1 60 10"; `--save` alone clears.
            let (added, _) = try TestSupport.load("save 900 1\n", arguments: ["--save", "60", "10"])
            #expect(added.value(of: "save") == "900 1 60 10")
            let (cleared, _) = try TestSupport.load("save 900 1\n", arguments: ["--save"])
            #expect(cleared.value(of: "save") == "")
        }

        @Test func bindFromTheCommandLineReplacesTheFile() throws {
            let (configuration, _) = try TestSupport.load("bind 10.0.0.1\n", arguments: ["--bind", "127.0.0.1", "::1"])
            #expect(configuration.bind == ["127.0.0.1", "::1"])
            let (quoted, _) = try TestSupport.load("", arguments: ["--bind", "127.0.0.1 ::1"])
            #expect(quoted.bind == ["127.0.0.1", "::1"])
        }

        @Test func loadWholeCommandLineFromDisk() throws {
            let files = ["t.conf": "port 7000\nrequirepass fromfile\n"]
            let (configuration, _) = try PodiumConfiguration.load(
                commandLine: ["t.conf", "--requirepass", "--secret"], readFile: TestSupport.reader(files))
            #expect(configuration.port == 7000)
            #expect(configuration.requirepass == "--secret")
        }

        @Test func noFileAtAll() throws {
            let (configuration, warnings) = try PodiumConfiguration.load(configFile: nil, arguments: ["--port", "0"])
            #expect(configuration.port == 0)
            #expect(warnings.isEmpty)
        }
    }
}
