import PodiumConfig
import Testing

/// `PodiumConfiguration`: defaults, warnings, CONFIG GET and CONFIG SET (texts verified against redis-server 7.0.15).
@Suite struct PodiumConfigurationTests {
    @Suite struct Defaults {
        @Test func servableOutOfTheBox() {
            let configuration = PodiumConfiguration()
            #expect(configuration.bind == ["127.0.0.1", "-::1"])
            #expect(configuration.port == 6379)
            #expect(configuration.protectedMode)
            #expect(configuration.logfile == "")
            #expect(configuration.ioThreads == 1)
            #expect(configuration.databases == 16)
            #expect(configuration.tcpBacklog == 511)
            #expect(configuration.timeout == 0)
            #expect(configuration.tcpKeepalive == 300)
            #expect(configuration.maxclients == 10000)
            #expect(configuration.logLevel == .notice)
            #expect(configuration.pidfile == nil)
            #expect(configuration.requirepass == nil)
            #expect(configuration.hz == 10)
            #expect(configuration.hashMaxListpackEntries == 512)
            #expect(configuration.hashMaxListpackValue == 64)
            #expect(configuration.zsetMaxListpackEntries == 128)
            #expect(configuration.zsetMaxListpackValue == 64)
            #expect(configuration.activeExpireEffort == 1)
            #expect(configuration.notifyKeyspaceEvents == [])
            #expect(configuration.appendonly == true)  // Podium's default: data survives a restart
            #expect(configuration.appendfilename == "appendonly.aof")
            #expect(configuration.appenddirname == "appendonlydir")
            #expect(configuration.appendfsync == .everysec)
            #expect(configuration.maxmemory == 0)
            #expect(configuration.maxmemoryPolicy == "noeviction")
            #expect(configuration.slowlogLogSlowerThan == 10000)
            #expect(configuration.slowlogMaxLen == 128)
            #expect(configuration.latencyMonitorThreshold == 0)
            #expect(configuration.daemonize == false)
            #expect(
                configuration.clientOutputBufferLimit(for: .normal)
                    == OutputBufferLimit(hard: 0, soft: 0, softSeconds: 0))
            #expect(
                configuration.clientOutputBufferLimit(for: .pubsub)
                    == OutputBufferLimit(hard: 32 << 20, soft: 8 << 20, softSeconds: 60))
        }

        @Test func getRendersLikeRedis() {
            let configuration = PodiumConfiguration()
            #expect(configuration.value(of: "bind") == "127.0.0.1 -::1")
            #expect(configuration.value(of: "save") == "")
            #expect(
                configuration.value(of: "client-output-buffer-limit")
                    == "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
            #expect(configuration.value(of: "oom-score-adj-values") == "0 200 800")
            #expect(configuration.value(of: "latency-tracking-info-percentiles") == "50 99 99.9")
            #expect(configuration.value(of: "proc-title-template") == "{title} {listen-addr} {server-mode}")
            #expect(configuration.value(of: "replicaof") == "")
            #expect(configuration.value(of: "unixsocketperm") == "0")
            #expect(configuration.value(of: "daemonize") == "no")
            #expect(configuration.value(of: "no-such-thing") == nil)
        }
    }

    @Suite struct Warnings {
        @Test func activeDirectivesAreSilent() throws {
            let (_, warnings) = try TestSupport.load("port 7000\nbind 127.0.0.1\nloglevel debug\n")
            #expect(warnings.isEmpty)
        }

        @Test func oneLinePerIgnoredDirective() throws {
            let text = "lazyfree-lazy-eviction no\nlazyfree-lazy-eviction yes\nsave 900 1\nslowlog-max-len 10\n"
            let (_, warnings) = try TestSupport.load(text, arguments: ["--rdb-del-sync-files", "no"])
            #expect(
                warnings == [
                    "t.conf:1: 'lazyfree-lazy-eviction' is accepted for compatibility and ignored",
                    "t.conf:4: 'slowlog-max-len' is accepted but not acted on yet — SLOWLOG is not implemented yet",
                    "command line argument 2: 'rdb-del-sync-files' is accepted for compatibility and ignored — podium "
                        + "always validates RDB payloads and has no replicas to sync files for",
                ])
        }

        @Test func serverlessProfileFixesWhatElastiCacheFixes() throws {
            let (configuration, warnings) = try TestSupport.load(
                "elasticache-serverless yes\nmaxmemory-policy allkeys-lru\nport 7000\n",
                arguments: ["--tls-cert-file", "s.crt", "--tls-key-file", "s.key"])
            #expect(configuration.clusterEnabled)
            #expect(configuration.port == 0)
            #expect(configuration.tlsPort == PodiumConfiguration.serverlessTLSPort)
            #expect(configuration.maxclients == 65000)
            #expect(configuration.value(of: "maxmemory-policy") == "volatile-lru")
            #expect(configuration.value(of: "notify-keyspace-events") == "")
            #expect(configuration.serverlessConflict == nil)
            // Only the explicit values that changed are reported.
            #expect(
                warnings == [
                    "elasticache-serverless: 'port 7000' replaced by '0' (a serverless endpoint is reached over TLS only)",
                    "elasticache-serverless: 'maxmemory-policy allkeys-lru' replaced by 'volatile-lru' (the policy of "
                        + "every serverless cache)",
                ])
            let (withPassword, _) = try TestSupport.load(
                "elasticache-serverless yes\nrequirepass x\ntls-cert-file s.crt\ntls-key-file s.key\n")
            #expect(withPassword.serverlessConflict?.contains("RBAC users") == true)
            let (withoutCertificate, _) = try TestSupport.load("elasticache-serverless yes\n")
            #expect(withoutCertificate.serverlessConflict?.contains("TLS only") == true)
            // Without the directive nothing changes.
            let (plain, _) = try TestSupport.load("maxmemory-policy allkeys-lru\n")
            #expect(!plain.clusterEnabled && plain.port == 6379 && plain.tlsPort == 0)
        }

        @Test func daemonizeYesIsAcceptedWithAWarning() throws {
            let (configuration, warnings) = try TestSupport.load("daemonize yes\n")
            #expect(configuration.daemonize)
            #expect(warnings.count == 1)
            #expect(warnings[0].contains("podium always runs in the foreground"))
        }

        @Test func deprecatedDirectivesAreAcceptedLikeRedis() throws {
            let (configuration, warnings) = try TestSupport.load("list-max-ziplist-entries 512\n")
            #expect(warnings == ["t.conf:1: 'list-max-ziplist-entries' is deprecated and ignored"])
            #expect(configuration.get("list-max-ziplist-entries") == nil)
        }

        @Test func unsupportedFeaturesOnlyAcceptTheirDefault() throws {
            #expect(
                TestSupport.reason("replicaof 10.0.0.1 6379")
                    == "podium does not support replication; only the default \"\" is accepted")
            let (_, warnings) = try TestSupport.load("cluster-enabled no\nreplicaof no one\n")
            #expect(warnings.isEmpty)
        }

        @Test func unknownDirective() {
            let error = TestSupport.loadError("foo bar\n")
            #expect(
                error?.message == """
                    *** FATAL CONFIG FILE ERROR (Podium) ***
                    Reading the configuration file t.conf, at line 1
                    >>> 'foo bar'
                    Bad directive or wrong number of arguments
                    """)
            #expect(TestSupport.reason("rename-command CONFIG \"\"") == "Bad directive or wrong number of arguments")
        }
    }

    @Suite struct ConfigGet {
        @Test func exactNamesEchoTheSpelling() {
            let configuration = PodiumConfiguration()
            #expect(configuration.get("TIMEOUT") == ["TIMEOUT", "0"])
            #expect(configuration.get("nosuch") == nil)
        }

        @Test func globsListCanonicalNamesAndAliases() {
            let configuration = PodiumConfiguration()
            #expect(
                configuration.get("HASH-max-*") == [
                    "hash-max-listpack-entries", "512", "hash-max-ziplist-entries", "512",
                    "hash-max-listpack-value", "64", "hash-max-ziplist-value", "64",
                ])
            #expect(configuration.get("por?") == ["port", "6379"])
            #expect(configuration.get("[pq]ort") == ["port", "6379"])
            #expect(configuration.get("zzz*") == nil)
        }

        @Test func severalPatternsListEachDirectiveOnce() {
            let configuration = PodiumConfiguration()
            let pairs = configuration.get(patterns: ["timeout", "time*", "TIMEOUT"])
            #expect(pairs.map(\.name) == ["timeout"])
            let aliases = configuration.get(patterns: ["hash-max-ziplist-entries", "hash-max-listpack-entries"])
            #expect(aliases.map(\.name) == ["hash-max-ziplist-entries", "hash-max-listpack-entries"])
        }

        @Test func allParametersIncludesAliasesInTableOrder() {
            let all = PodiumConfiguration().allParameters()
            // Hidden test knobs (rdb-key-save-delay, key-load-delay) are left out, as in Redis.
            let visible = ConfigTable.entries.filter { !$0.flags.contains(.hidden) }.flatMap(\.allNames)
            #expect(all.count == visible.count)
            // What redis-server 7.0 lists for CONFIG GET * (192), plus Valkey 8's set-max-listpack-entries and
            // set-max-listpack-value, plus Podium's own tls-handshake-timeout, elasticache-serverless,
            // elasticache-read-port and rdb-version.
            #expect(all.count == 192 + 2 + 4)
            #expect(Array(all.prefix(2).map(\.name)) == ["bind", "protected-mode"])
            let names = all.map(\.name)
            if let canonical = names.firstIndex(of: "hash-max-listpack-entries") {
                #expect(names[canonical + 1] == "hash-max-ziplist-entries")
            }
            #expect(Set(names).count == names.count)
            #expect(PodiumConfiguration().get("*")?.count == 2 * all.count)
        }
    }

    @Suite struct ConfigSet {
        @Test func setsAndNotifies() throws {
            let configuration = PodiumConfiguration()
            var changed: [String] = []
            configuration.onChange = { changed.append($0.name) }
            try configuration.set("maxmemory", "3mb")
            try configuration.set("Timeout", "5")
            try configuration.set("hash-max-ziplist-entries", "100")
            #expect(configuration.maxmemory == 3 * 1024 * 1024)
            #expect(configuration.timeout == 5)
            #expect(configuration.hashMaxListpackEntries == 100)
            #expect(changed == ["maxmemory", "timeout", "hash-max-listpack-entries"])
        }

        @Test func unknownOption() {
            #expect(
                TestSupport.setError(PodiumConfiguration(), [("foo", "bar")])
                    == "ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        }

        @Test func immutableAndProtected() {
            let configuration = PodiumConfiguration()
            for name in ["port", "bind", "daemonize", "databases", "io-threads", "logfile", "pidfile", "tcp-backlog"] {
                #expect(
                    TestSupport.setError(configuration, [(name, "1")])
                        == "ERR CONFIG SET failed (possibly related to argument '\(name)') - can't set immutable config"
                )
            }
            for name in ["dir", "dbfilename"] {
                #expect(
                    TestSupport.setError(configuration, [(name, "x")])
                        == "ERR CONFIG SET failed (possibly related to argument '\(name)') - can't set protected config"
                )
            }
        }

        @Test func badValues() {
            let configuration = PodiumConfiguration()
            let cases: [(String, String, String)] = [
                ("timeout", "abc", "argument couldn't be parsed into an integer"),
                ("timeout", "-1", "argument must be between 0 and 2147483647 inclusive"),
                ("maxmemory", "10zz", "argument must be a memory value"),
                ("maxmemory", "1.5m", "argument must be a memory value"),
                ("protected-mode", "maybe", "argument must be 'yes' or 'no'"),
                ("active-expire-effort", "0", "argument must be between 1 and 10 inclusive"),
                ("proto-max-bulk-len", "1048575", "argument must be between 1048576 and 9223372036854775807 inclusive"),
                ("save", "900 1 300", "Invalid save parameters"),
                ("oom-score-adj-values", "1 2", "wrong number of arguments"),
                (
                    "client-output-buffer-limit", "normal 1 2",
                    "Wrong number of arguments in buffer limit configuration."
                ),
            ]
            for (name, value, reason) in cases {
                #expect(
                    TestSupport.setError(configuration, [(name, value)])
                        == "ERR CONFIG SET failed (possibly related to argument '\(name)') - \(reason)")
            }
            #expect(configuration.timeout == 0)
        }

        @Test func multiArgumentValuesAreSplit() throws {
            let configuration = PodiumConfiguration()
            try configuration.set("save", "900 1 300 10")
            #expect(configuration.value(of: "save") == "900 1 300 10")
            try configuration.set("save", "100 1")  // CONFIG SET replaces rather than adds
            #expect(configuration.value(of: "save") == "100 1")
            try configuration.set("save", "")
            #expect(configuration.value(of: "save") == "")
            try configuration.set("client-output-buffer-limit", "pubsub 1mb 2mb 3")
            #expect(
                configuration.clientOutputBufferLimit(for: .pubsub)
                    == OutputBufferLimit(hard: 1 << 20, soft: 2 << 20, softSeconds: 3))
            #expect(configuration.clientOutputBufferLimit(for: .replica).hard == 256 << 20)
        }

        @Test func hzIsClamped() throws {
            let configuration = PodiumConfiguration()
            try configuration.set("hz", "0")
            #expect(configuration.hz == 1)
            try configuration.set("hz", "501")
            #expect(configuration.value(of: "hz") == "500")
        }

        @Test func keyspaceEventsAreShownCanonically() throws {
            let configuration = PodiumConfiguration()
            try configuration.set("notify-keyspace-events", "KEA")
            #expect(configuration.value(of: "notify-keyspace-events") == "AKE")
        }

        @Test func unsupportedFeaturesCannotBeSetAtRunTime() {
            #expect(
                TestSupport.setError(PodiumConfiguration(), [("unixsocket", "/tmp/p.sock")])
                    == "ERR CONFIG SET failed (possibly related to argument 'unixsocket') - can't set immutable config")
        }

        @Test func tlsDirectives() throws {
            let (configuration, warnings) = try TestSupport.load(
                """
                tls-port 6380
                tls-cert-file /etc/podium/server.crt
                tls-key-file /etc/podium/server.key
                tls-auth-clients optional
                tls-protocols "TLSv1.2 TLSv1.3"
                tls-session-caching no
                tls-handshake-timeout 2500
                """)
            #expect(warnings.isEmpty)
            #expect(configuration.tlsPort == 6380)
            #expect(configuration.tlsCertFile == "/etc/podium/server.crt")
            #expect(configuration.tlsKeyFile == "/etc/podium/server.key")
            #expect(configuration.tlsAuthClients == .optional)
            #expect(configuration.tlsProtocols == "TLSv1.2 TLSv1.3")
            #expect(!configuration.tlsSessionCaching)
            #expect(configuration.tlsHandshakeTimeout == 2500)
            // Immutable like `port`; the certificate files can change at run time (the server reloads them).
            #expect(
                TestSupport.setError(configuration, [("tls-port", "6381")])?.hasSuffix("can't set immutable config")
                    == true)
            try configuration.set("tls-cert-file", "/other.crt")
            #expect(configuration.tlsCertFile == "/other.crt")
            // What BoringSSL cannot do is accepted with a warning.
            let (_, ignored) = try TestSupport.load("tls-ciphersuites TLS_AES_256_GCM_SHA384\n")
            #expect(
                ignored.count == 1
                    && ignored[0].contains("'tls-ciphersuites' is accepted for compatibility and ignored"))
        }
    }

    @Suite struct AtomicMultiSet {
        @Test func allPairsApplyTogether() throws {
            let configuration = PodiumConfiguration()
            var changed: [String] = []
            configuration.onChange = { entry in
                // The hook runs after every pair is stored.
                #expect(configuration.maxmemory == 3 << 20)
                #expect(configuration.timeout == 5)
                changed.append(entry.name)
            }
            try configuration.set(pairs: [("maxmemory", "3mb"), ("timeout", "5")])
            #expect(changed == ["maxmemory", "timeout"])
        }

        @Test func aBadValueChangesNothing() {
            let configuration = PodiumConfiguration()
            var called = false
            configuration.onChange = { _ in called = true }
            #expect(
                TestSupport.setError(configuration, [("maxmemory", "1mb"), ("timeout", "abc")])
                    == "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"
            )
            #expect(configuration.maxmemory == 0)
            #expect(!called)
        }

        @Test func namesAreCheckedBeforeValues() {
            let configuration = PodiumConfiguration()
            // redis-server 7: the unknown name wins over the earlier bad value, immutability over a later bad value.
            #expect(
                TestSupport.setError(configuration, [("timeout", "abc"), ("foo", "1")])
                    == "ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
            #expect(
                TestSupport.setError(configuration, [("timeout", "abc"), ("daemonize", "yes")])
                    == "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")
            #expect(
                TestSupport.setError(configuration, [("timeout", "1"), ("maxmemory", "1mb"), ("daemonize", "no")])
                    == "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")
            #expect(configuration.timeout == 0)
        }

        @Test func firstBadValueIsReported() {
            #expect(
                TestSupport.setError(PodiumConfiguration(), [("loglevel", "foo"), ("timeout", "abc")])
                    == "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of "
                    + "the following: debug, verbose, notice, warning, nothing")
        }

        @Test func duplicatesAreRejected() {
            let configuration = PodiumConfiguration()
            #expect(
                TestSupport.setError(configuration, [("maxmemory", "1mb"), ("maxmemory", "2mb")])
                    == "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter")
            #expect(
                TestSupport.setError(configuration, [("Timeout", "5"), ("TIMEOUT", "6")])
                    == "ERR CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate parameter")
            #expect(
                TestSupport.setError(configuration, [("timeout", "1"), ("timeout", "2"), ("foo", "1")])
                    == "ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter")
            // An alias of an earlier name is a duplicate too (Redis 7.0 lets it through; the result is ambiguous).
            #expect(
                TestSupport.setError(
                    configuration, [("hash-max-ziplist-entries", "1"), ("hash-max-listpack-entries", "2")])
                    == "ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - duplicate parameter"
            )
        }

        @Test func emptyIsANoOp() throws {
            let configuration = PodiumConfiguration()
            try configuration.set(pairs: [])
            #expect(configuration.timeout == 0)
        }
    }
}
