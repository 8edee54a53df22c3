import PodiumConfig
import Testing

/// Validation and rendering of every value type, with redis-server 7's reason texts (verified against 7.0.15).
@Suite struct ConfigValueTests {
    @Suite struct Booleans {
        @Test func yesAndNoInAnyCase() throws {
            #expect(try TestSupport.load("protected-mode no").0.protectedMode == false)
            #expect(try TestSupport.load("protected-mode YES").0.protectedMode == true)
            #expect(try TestSupport.load("protected-mode No").0.get("protected-mode") == ["protected-mode", "no"])
        }

        @Test func anythingElseIsRejected() {
            for bad in ["maybe", "1", "true", "", "y"] {
                #expect(TestSupport.reason("protected-mode \"\(bad)\"") == "argument must be 'yes' or 'no'")
            }
        }
    }

    @Suite struct Integers {
        @Test func strictDecimal() throws {
            #expect(try TestSupport.load("timeout 0").0.timeout == 0)
            #expect(try TestSupport.load("timeout 300").0.timeout == 300)
            #expect(try TestSupport.load("slowlog-log-slower-than -1").0.slowlogLogSlowerThan == -1)
        }

        @Test func malformedIntegers() {
            // Redis' string2ll: no "+", no spaces, no leading zeros, no "-0", 64-bit range.
            for bad in ["abc", "+5", " 5", "5 ", "05", "-0", "1.5", "1k", "", "99999999999999999999"] {
                #expect(
                    TestSupport.reason("timeout \"\(bad)\"") == "argument couldn't be parsed into an integer",
                    "\(bad)")
            }
        }

        @Test func ranges() {
            #expect(TestSupport.reason("port 70000") == "argument must be between 0 and 65535 inclusive")
            #expect(TestSupport.reason("port -1") == "argument must be between 0 and 65535 inclusive")
            #expect(TestSupport.reason("databases 0") == "argument must be between 1 and 2147483647 inclusive")
            #expect(TestSupport.reason("io-threads 0") == "argument must be between 1 and 128 inclusive")
            #expect(TestSupport.reason("io-threads 129") == "argument must be between 1 and 128 inclusive")
            #expect(TestSupport.reason("active-expire-effort 11") == "argument must be between 1 and 10 inclusive")
            #expect(TestSupport.reason("maxclients 0") == "argument must be between 1 and 4294967295 inclusive")
            #expect(TestSupport.reason("timeout 2147483648") == "argument must be between 0 and 2147483647 inclusive")
            #expect(
                TestSupport.reason("slowlog-log-slower-than -5")
                    == "argument must be between -1 and 9223372036854775807 inclusive")
        }

        @Test func hzIsClampedLikeRedis() throws {
            #expect(try TestSupport.load("hz 0").0.hz == 1)
            #expect(try TestSupport.load("hz 1000").0.get("hz") == ["hz", "500"])
            #expect(TestSupport.reason("hz -1") == "argument must be between 0 and 2147483647 inclusive")
        }
    }

    @Suite struct MemorySizes {
        @Test(arguments: [
            ("0", 0), ("1", 1), ("1b", 1), ("05", 5),
            ("1k", 1000), ("1K", 1000), ("1kb", 1024), ("1KB", 1024), ("2Kb", 2048),
            ("1m", 1_000_000), ("1mb", 1_048_576), ("3MB", 3_145_728),
            ("1g", 1_000_000_000), ("1gb", 1_073_741_824), ("1gB", 1_073_741_824),
        ])
        func units(text: String, bytes: Int) throws {
            let (configuration, _) = try TestSupport.load("maxmemory \(text)")
            #expect(configuration.maxmemory == bytes)
            #expect(configuration.get("maxmemory") == ["maxmemory", String(bytes)])
        }

        @Test func malformedSizes() {
            for bad in ["10zz", "-5", "+5", " 5", "1.5m", "0x10", "k", "", "1 kb", "99999999999999999999"] {
                #expect(TestSupport.reason("maxmemory \"\(bad)\"") == "argument must be a memory value", "\(bad)")
            }
        }

        @Test func boundsAreInBytes() {
            #expect(
                TestSupport.reason("proto-max-bulk-len 100")
                    == "argument must be between 1048576 and 9223372036854775807 inclusive")
            #expect(
                TestSupport.reason("client-query-buffer-limit 1048575")
                    == "argument must be between 1048576 and 9223372036854775807 inclusive")
            // Well-formed but above Int.max: a range error, as Redis reports it.
            #expect(
                TestSupport.reason("maxmemory 18446744073709551615")
                    == "argument must be between 0 and 9223372036854775807 inclusive")
        }

        @Test func getShowsPlainBytes() {
            let configuration = PodiumConfiguration()
            #expect(configuration.get("proto-max-bulk-len") == ["proto-max-bulk-len", "536870912"])
            #expect(configuration.get("client-query-buffer-limit") == ["client-query-buffer-limit", "1073741824"])
            #expect(configuration.get("maxmemory") == ["maxmemory", "0"])
            #expect(configuration.protoMaxBulkLen == 512 * 1024 * 1024)
            #expect(configuration.clientQueryBufferLimit == 1024 * 1024 * 1024)
        }
    }

    @Suite struct Enumerations {
        @Test func caseInsensitiveAndShownLowercase() throws {
            let (configuration, _) = try TestSupport.load(
                "loglevel WARNING\nappendfsync Always\nmaxmemory-policy ALLKEYS-LRU")
            #expect(configuration.logLevel == .warning)
            #expect(configuration.appendfsync == .always)
            #expect(configuration.get("maxmemory-policy") == ["maxmemory-policy", "allkeys-lru"])
        }

        @Test func errorListsTheChoices() {
            #expect(
                TestSupport.reason("loglevel loud")
                    == "argument(s) must be one of the following: debug, verbose, notice, warning, nothing")
            #expect(
                TestSupport.reason("appendfsync foo")
                    == "argument(s) must be one of the following: everysec, always, no")
            #expect(
                TestSupport.reason("maxmemory-policy foo")
                    == "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
                    + "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
        }

        @Test func nothingTurnsLoggingOff() throws {
            #expect(try TestSupport.load("loglevel nothing").0.logLevel == .nothing)
            #expect(LogLevel.debug < LogLevel.notice)
        }
    }

    @Suite struct Strings {
        @Test func anySingleArgument() throws {
            let (configuration, _) = try TestSupport.load(#"requirepass "s3cret with space""# + "\nlogfile \"\"")
            #expect(configuration.requirepass == "s3cret with space")
            #expect(configuration.logfile == "")
            #expect(try TestSupport.load("requirepass \"\"").0.requirepass == nil)
        }

        @Test func exactlyOneArgument() {
            #expect(TestSupport.reason("requirepass a b") == "wrong number of arguments")
            #expect(TestSupport.reason("requirepass") == "wrong number of arguments")
        }

        @Test func directoryMustExist() throws {
            #expect(TestSupport.reason("dir /nonexistent-podium-dir") == "No such file or directory")
            #expect(TestSupport.reason("dir /dev/null") == "Not a directory")
            let (configuration, _) = try TestSupport.load("dir /tmp")
            #expect(configuration.dir.hasPrefix("/"))
            #expect(configuration.dir.hasSuffix("tmp"))
        }

        @Test func dirIsShownAbsolute() {
            #expect(PodiumConfiguration().dir.hasPrefix("/"))
        }
    }

    @Suite struct Lists {
        @Test func bindTakesSeveralAddresses() throws {
            let (configuration, _) = try TestSupport.load("bind 127.0.0.1 -::1 10.0.0.1")
            #expect(configuration.bind == ["127.0.0.1", "-::1", "10.0.0.1"])
            #expect(
                configuration.bindAddresses == [
                    BindAddress(host: "127.0.0.1", isOptional: false),
                    BindAddress(host: "::1", isOptional: true),
                    BindAddress(host: "10.0.0.1", isOptional: false),
                ])
            #expect(configuration.get("bind") == ["bind", "127.0.0.1 -::1 10.0.0.1"])
        }

        @Test func aSingleQuotedListIsSplit() throws {
            #expect(try TestSupport.load(#"bind "127.0.0.1 ::1""#).0.bind == ["127.0.0.1", "::1"])
        }

        @Test func atMostSixteenBindAddresses() {
            let many = (1...17).map(String.init).joined(separator: " ")
            #expect(TestSupport.reason("bind \(many)") == "Too many bind addresses specified.")
        }

        @Test func saveLinesAddUpWithinALoad() throws {
            let (configuration, _) = try TestSupport.load("save 900 1\nsave 300 10\n")
            #expect(configuration.get("save") == ["save", "900 1 300 10"])
            let (cleared, _) = try TestSupport.load("save 900 1\nsave \"\"\n")
            #expect(cleared.get("save") == ["save", ""])
            let (restarted, _) = try TestSupport.load("save \"\"\nsave 60 5\n")
            #expect(restarted.get("save") == ["save", "60 5"])
        }

        @Test func saveValidation() {
            for bad in ["900", "900 1 300", "abc 1", "0 1", "1 -1"] {
                #expect(TestSupport.reason("save \(bad)") == "Invalid save parameters", "\(bad)")
            }
        }

        @Test func clientOutputBufferLimitUpdatesNamedClasses() throws {
            let (configuration, _) = try TestSupport.load("client-output-buffer-limit pubsub 1mb 2mb 3")
            #expect(
                configuration.get("client-output-buffer-limit") == [
                    "client-output-buffer-limit",
                    "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 3",
                ])
            #expect(
                configuration.clientOutputBufferLimit(for: .pubsub)
                    == OutputBufferLimit(hard: 1 << 20, soft: 2 << 20, softSeconds: 3))
            #expect(configuration.clientOutputBufferLimit(for: .replica).softSeconds == 60)
            let (viaSlave, _) = try TestSupport.load("client-output-buffer-limit slave 1 2 3")
            #expect(
                viaSlave.clientOutputBufferLimit(for: .replica) == OutputBufferLimit(hard: 1, soft: 2, softSeconds: 3))
        }

        @Test func clientOutputBufferLimitErrors() {
            #expect(
                TestSupport.reason("client-output-buffer-limit normal 1 2")
                    == "Wrong number of arguments in buffer limit configuration.")
            #expect(
                TestSupport.reason("client-output-buffer-limit foo 1 2 3")
                    == "Invalid client class specified in buffer limit configuration.")
            #expect(
                TestSupport.reason("client-output-buffer-limit normal 1 2 -3")
                    == "Error in hard, soft or soft_seconds setting in buffer limit configuration.")
        }

        @Test func oomScoreAdjValues() {
            #expect(TestSupport.reason("oom-score-adj-values 1 2") == "wrong number of arguments")
            #expect(
                TestSupport.reason("oom-score-adj-values 1 2 3000")
                    == "Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
        }

        @Test func percentilesRenderLikePrintf() throws {
            let (configuration, _) = try TestSupport.load(
                "latency-tracking-info-percentiles 50.0 99.00 33.333333333 1e1")
            #expect(configuration.value(of: "latency-tracking-info-percentiles") == "50 99 33.333333 10")
            #expect(
                TestSupport.reason("latency-tracking-info-percentiles 50 abc")
                    == "Invalid latency-tracking-info-percentiles parameters")
        }
    }

    @Suite struct SpecialValues {
        @Test func keyspaceEventsAreCanonical() throws {
            let cases: [(String, String)] = [
                ("KEA", "AKE"), ("Eg", "gE"), ("K$lshzxetd", "$lshzxetdK"), ("Kgm", "gKm"), ("g$lshzxetdKE", "AKE"),
                ("Ex", "xE"), ("gg", "g"), ("KA", "AK"), ("", ""),
            ]
            for (input, shown) in cases {
                let (configuration, _) = try TestSupport.load("notify-keyspace-events \"\(input)\"")
                #expect(configuration.value(of: "notify-keyspace-events") == shown, "\(input)")
            }
            let (configuration, _) = try TestSupport.load("notify-keyspace-events Ex")
            #expect(configuration.notifyKeyspaceEvents == [.keyevent, .expired])
        }

        @Test func keyspaceEventsKeepNewKeyFlagBehindA() throws {
            // Redis 7.0 hides `n` when `A` is shown; the flag itself is kept.
            let (configuration, _) = try TestSupport.load("notify-keyspace-events KEAn")
            #expect(configuration.value(of: "notify-keyspace-events") == "AKE")
            #expect(configuration.notifyKeyspaceEvents.contains(.newKey))
        }

        @Test func keyspaceEventsRejectUnknownLetters() {
            #expect(
                TestSupport.reason("notify-keyspace-events Q")
                    == "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
        }

        @Test func octalPermissions() throws {
            #expect(try TestSupport.load("unixsocketperm 700").0.value(of: "unixsocketperm") == "700")
            #expect(TestSupport.reason("unixsocketperm 800") == "argument couldn't be parsed as an octal number")
            #expect(TestSupport.reason("unixsocketperm 7777") == "argument must be between 0 and 777 inclusive")
        }

        @Test func memoryOrPercent() throws {
            #expect(try TestSupport.load("maxmemory-clients 10%").0.value(of: "maxmemory-clients") == "10%")
            #expect(try TestSupport.load("maxmemory-clients 1mb").0.value(of: "maxmemory-clients") == "1048576")
            #expect(TestSupport.reason("maxmemory-clients 101%") == "percentage argument must be less or equal to 100")
            #expect(TestSupport.reason("maxmemory-clients zz") == "argument must be a memory or percent value")
        }

        @Test func procTitleTemplate() {
            #expect(TestSupport.reason(#"proc-title-template "{title} {listen-addr}""#) == nil)
            #expect(
                TestSupport.reason(#"proc-title-template "{foo}""#)
                    == "template format is invalid or contains unknown variables")
            #expect(
                TestSupport.reason(#"proc-title-template """#)
                    == "template format is invalid or contains unknown variables")
        }
    }

    @Suite struct Aliases {
        @Test func oldNamesSetTheSameValue() throws {
            let (configuration, _) = try TestSupport.load("hash-max-ziplist-entries 100\nzset-max-ziplist-value 32")
            #expect(configuration.hashMaxListpackEntries == 100)
            #expect(configuration.zsetMaxListpackValue == 32)
            #expect(configuration.get("hash-max-listpack-entries") == ["hash-max-listpack-entries", "100"])
            #expect(configuration.get("hash-max-ziplist-entries") == ["hash-max-ziplist-entries", "100"])
        }

        @Test func laterLineWinsAcrossAliases() throws {
            let (configuration, _) = try TestSupport.load("hash-max-listpack-entries 1\nhash-max-ziplist-entries 2")
            #expect(configuration.hashMaxListpackEntries == 2)
            let (busy, _) = try TestSupport.load("lua-time-limit 100")
            #expect(busy.value(of: "busy-reply-threshold") == "100")
        }

        @Test func directiveNamesIgnoreCase() throws {
            #expect(try TestSupport.load("PORT 7000").0.port == 7000)
            #expect(TestSupport.reason("PORT abc") == "argument couldn't be parsed into an integer")
        }
    }
}
