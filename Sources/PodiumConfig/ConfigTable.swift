/// Every configuration directive Podium knows, in one table (Valkey's `static_configs[]`, written for Podium).
///
/// The table lists all directives of redis-server 7.0 (every name `CONFIG GET *` returns there), so an existing
/// redis.conf, such as Debian's `/etc/redis/redis.conf`, loads. A directive's `support` says what Podium does
/// with it:
/// - `.active` directives come first: Podium acts on them.
/// - `.notYetActive` ones (SLOWLOG, the LATENCY monitor) are stored and shown, but the feature is still to come.
/// - `.defaultOnly` ones (cluster, replication, unix socket) accept only their default, because pretending
///   to be a cluster node or a replica would mislead clients.
/// - `.ignored` ones are accepted for compatibility and have no effect.
///
/// Everything not `.active` produces one warning line when a configuration file or the command line sets it.
/// The order here is the order of `conf/podium.conf` and of `CONFIG GET *`; a test checks the two agree.
///
/// Types, ranges, defaults, aliases and mutability were taken from redis-server 7.0.15's behaviour (CONFIG GET,
/// CONFIG SET and start-up errors), with these deliberate differences, each documented at its entry:
/// - `bind` defaults to `127.0.0.1 -::1` (loopback only) and `save` to `""` (no automatic RDB snapshots: the AOF
///   already persists the data).
/// - `appendonly` defaults to `yes` (data survives a restart out of the box).
/// - `bind`, `port` and `tls-port` are immutable: the listeners are not rebuilt at run time.
/// - `tls-handshake-timeout` is Podium's own directive.
/// - `loglevel` also accepts `nothing` (Redis 7.2).
public enum ConfigTable {
    /// `INT_MAX` of C, the upper bound of Redis' `int` directives.
    private static let intMax = Int(Int32.max)
    /// `UINT_MAX` of C.
    private static let uintMax = Int(UInt32.max)
    /// `LLONG_MAX` of C.
    private static let llMax = Int.max

    private static let yesNo = "yes or no"
    private static let noRDBDetail = "podium always validates RDB payloads and has no replicas to sync files for"
    private static let noReplication = "podium does not support replication"
    private static let noCluster = "podium is a cluster of one node: there are no other nodes, replicas or failovers"
    private static let noOutgoingTLS = "podium makes no outgoing connections (no replication, no cluster bus)"

    /// The table. See the type's documentation for the order and the meaning of `support`.
    public static let entries: [ConfigEntry] = [
        // MARK: - Network (active)
        ConfigEntry("bind", .bindAddresses, default: "127.0.0.1 -::1", flags: .immutable, support: .active),
        ConfigEntry("protected-mode", .bool, default: "yes", support: .active),
        ConfigEntry("port", .integer(min: 0, max: 65535), default: "6379", flags: .immutable, support: .active),
        ConfigEntry("tcp-backlog", .integer(min: 0, max: intMax), default: "511", flags: .immutable, support: .active),
        ConfigEntry("timeout", .integer(min: 0, max: intMax), default: "0", support: .active),
        ConfigEntry("tcp-keepalive", .integer(min: 0, max: intMax), default: "300", support: .active),

        // MARK: - TLS (active; PodiumTLS builds the server context from these, see docs/tls.md)
        // Like `port`, `tls-port` is immutable; 0 (the default) means no TLS listener.
        ConfigEntry("tls-port", .integer(min: 0, max: 65535), default: "0", flags: .immutable, support: .active),
        ConfigEntry("tls-cert-file", .string, default: "", support: .active, applies: .tlsContext),
        ConfigEntry("tls-key-file", .string, default: "", support: .active, applies: .tlsContext),
        ConfigEntry(
            "tls-key-file-pass", .string, default: "", flags: .sensitive, support: .active, applies: .tlsContext),
        ConfigEntry("tls-ca-cert-file", .string, default: "", support: .active, applies: .tlsContext),
        ConfigEntry("tls-ca-cert-dir", .string, default: "", support: .active, applies: .tlsContext),
        ConfigEntry(
            "tls-auth-clients", .enumeration(["no", "yes", "optional"]), default: "yes", support: .active,
            applies: .tlsContext),
        ConfigEntry("tls-protocols", .string, default: "", support: .active, applies: .tlsContext),
        ConfigEntry("tls-ciphers", .string, default: "", support: .active, applies: .tlsContext),
        ConfigEntry("tls-session-caching", .bool, default: "yes", support: .active, applies: .tlsContext),
        // Podium's own (Redis has no handshake timeout): a TLS connection that has not completed its handshake this
        // many milliseconds after it was accepted is closed, so a client that connects and stalls holds nothing.
        ConfigEntry(
            "tls-handshake-timeout", .integer(min: 1, max: intMax), default: "10000", support: .active,
            applies: .tlsContext),

        // MARK: - General (active)
        ConfigEntry("pidfile", .string, default: "", flags: .immutable, support: .active),
        ConfigEntry(
            "loglevel", .enumeration(["debug", "verbose", "notice", "warning", "nothing"]), default: "notice",
            support: .active),
        ConfigEntry("logfile", .string, default: "", flags: .immutable, support: .active),
        ConfigEntry("databases", .integer(min: 1, max: intMax), default: "16", flags: .immutable, support: .active),
        ConfigEntry("dir", .directory, default: "./", flags: .protected, support: .active, applies: .workingDirectory),
        ConfigEntry(
            "enable-protected-configs", .enumeration(["no", "yes", "local"]), default: "no", flags: .immutable,
            support: .active),
        ConfigEntry(
            "enable-debug-command", .enumeration(["no", "yes", "local"]), default: "no", flags: .immutable,
            support: .active),

        // MARK: - Security, clients, threads (active)
        ConfigEntry("requirepass", .string, default: "", flags: .sensitive, support: .active, applies: .requirepass),
        // ACL users (`user` lines are handled by the loader, not the table: they repeat and CONFIG GET never shows
        // them, as in Valkey).
        ConfigEntry("aclfile", .string, default: "", flags: .immutable, support: .active),
        ConfigEntry(
            "acllog-max-len", .integer(min: 0, max: llMax), default: "128", support: .active, applies: .aclSettings),
        ConfigEntry(
            "acl-pubsub-default", .enumeration(["allchannels", "resetchannels"]), default: "resetchannels",
            support: .active, applies: .aclSettings),
        ConfigEntry("maxclients", .integer(min: 1, max: uintMax), default: "10000", support: .active),
        ConfigEntry("io-threads", .integer(min: 1, max: 128), default: "1", flags: .immutable, support: .active),

        // MARK: - Limits, encodings, background tasks, events (active)
        ConfigEntry("hz", .integer(min: 0, max: intMax), default: "10", support: .active, clampedTo: 1...500),
        ConfigEntry(
            "proto-max-bulk-len", .memory(min: 1 << 20, max: llMax), default: "512mb", support: .active,
            applies: .bulkLength),
        ConfigEntry(
            "client-query-buffer-limit", .memory(min: 1 << 20, max: llMax), default: "1gb", support: .active,
            applies: .connectionLimits),
        ConfigEntry(
            "hash-max-listpack-entries", aliases: ["hash-max-ziplist-entries"], .integer(min: 0, max: llMax),
            default: "512", support: .active, applies: .encodingLimits),
        ConfigEntry(
            "hash-max-listpack-value", aliases: ["hash-max-ziplist-value"], .memory(min: 0, max: llMax),
            default: "64", support: .active, applies: .encodingLimits),
        ConfigEntry(
            "zset-max-listpack-entries", aliases: ["zset-max-ziplist-entries"], .integer(min: 0, max: llMax),
            default: "128", support: .active, applies: .encodingLimits),
        ConfigEntry(
            "zset-max-listpack-value", aliases: ["zset-max-ziplist-value"], .memory(min: 0, max: llMax),
            default: "64", support: .active, applies: .encodingLimits),
        ConfigEntry(
            "list-max-listpack-size", aliases: ["list-max-ziplist-size"],
            .integer(min: Int(Int32.min), max: intMax), default: "-2", support: .active, applies: .encodingLimits),
        // Accepted and reported; list nodes are never compressed.
        ConfigEntry(
            "list-compress-depth", .integer(min: 0, max: intMax), default: "0", support: .active,
            applies: .encodingLimits),
        ConfigEntry(
            "set-max-intset-entries", .integer(min: 0, max: llMax), default: "512", support: .active,
            applies: .encodingLimits),
        ConfigEntry(
            "set-max-listpack-entries", .integer(min: 0, max: llMax), default: "128", support: .active,
            applies: .encodingLimits),
        ConfigEntry(
            "set-max-listpack-value", .integer(min: 0, max: llMax), default: "64", support: .active,
            applies: .encodingLimits),
        ConfigEntry("active-expire-effort", .integer(min: 1, max: 10), default: "1", support: .active),
        ConfigEntry(
            "notify-keyspace-events", .keyspaceEvents, default: "\"\"", support: .active, applies: .keyspaceEvents),
        // Enforced for the pubsub class (subscribers' queued messages); normal clients' replies are not limited yet,
        // and Podium has no replicas.
        ConfigEntry(
            "client-output-buffer-limit", .clientOutputBufferLimits,
            default: "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60", support: .active,
            applies: .outputBufferLimits),

        // Memory limit and eviction (allocator bytes; the LFU policies evict like the LRU ones, see Eviction.swift).
        ConfigEntry("maxmemory", .memory(min: 0, max: llMax), default: "0", support: .active, applies: .maxmemory),
        ConfigEntry(
            "maxmemory-policy",
            .enumeration([
                "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu",
                "allkeys-random", "noeviction",
            ]), default: "noeviction", support: .active, applies: .maxmemory),
        ConfigEntry(
            "maxmemory-samples", .integer(min: 1, max: intMax), default: "5", support: .active, applies: .maxmemory),

        // MARK: - Append only file (active; docs/persistence.md). Podium's default is appendonly yes.
        ConfigEntry("appendonly", .bool, default: "yes", support: .active, applies: .appendonly),
        ConfigEntry(
            "appendfilename", .baseName(name: "appendfilename", noun: "filename"), default: "appendonly.aof",
            flags: .immutable,
            support: .active),
        ConfigEntry(
            "appenddirname", .baseName(name: "appenddirname", noun: "dirname"), default: "appendonlydir",
            flags: .immutable,
            support: .active),
        ConfigEntry(
            "appendfsync", .enumeration(["everysec", "always", "no"]), default: "everysec", support: .active,
            applies: .appendOnlyWriter),
        ConfigEntry("no-appendfsync-on-rewrite", .bool, default: "no", support: .active),
        ConfigEntry("auto-aof-rewrite-percentage", .integer(min: 0, max: intMax), default: "100", support: .active),
        ConfigEntry("auto-aof-rewrite-min-size", .memory(min: 0, max: llMax), default: "64mb", support: .active),
        ConfigEntry("aof-load-truncated", .bool, default: "yes", support: .active),
        ConfigEntry("aof-timestamp-enabled", .bool, default: "no", support: .active, applies: .appendOnlyWriter),
        ConfigEntry("aof-rewrite-incremental-fsync", .bool, default: "yes", support: .active),
        ConfigEntry("aof-disable-auto-gc", .bool, default: "no", support: .active),

        // Test knobs (hidden from CONFIG GET globs, as in Redis): microseconds to sleep per key a rewrite writes, and
        // per command (key) a load replays, so tests can catch a server in the middle of either.
        ConfigEntry(
            "rdb-key-save-delay", .integer(min: Int(Int32.min), max: intMax), default: "0", flags: .hidden,
            support: .active),
        ConfigEntry(
            "key-load-delay", .integer(min: Int(Int32.min), max: intMax), default: "0", flags: .hidden,
            support: .active),

        // MARK: - Cluster: a node of one that owns every slot (ClusterCommands.swift, docs/cluster.md)
        ConfigEntry("cluster-enabled", .bool, default: "no", flags: .immutable, support: .active),
        // The node id (and shard id) live here, in `dir`, so they survive restarts.
        ConfigEntry("cluster-config-file", .string, default: "nodes.conf", flags: .immutable, support: .active),
        // Only shown (CLUSTER NODES' @cport): a node of one has no cluster bus to listen on.
        ConfigEntry("cluster-port", .integer(min: 0, max: 65535), default: "0", flags: .immutable, support: .active),
        ConfigEntry("cluster-announce-hostname", .string, default: "", support: .active, applies: .clusterAnnounce),
        ConfigEntry(
            "cluster-preferred-endpoint-type", .enumeration(["ip", "hostname", "unknown-endpoint"]), default: "ip",
            support: .active, applies: .clusterAnnounce),
        ConfigEntry("cluster-announce-ip", .string, default: "", support: .active, applies: .clusterAnnounce),
        ConfigEntry(
            "cluster-announce-port", .integer(min: 0, max: 65535), default: "0", support: .active,
            applies: .clusterAnnounce),
        ConfigEntry(
            "cluster-announce-tls-port", .integer(min: 0, max: 65535), default: "0", support: .active,
            applies: .clusterAnnounce),
        ConfigEntry(
            "cluster-announce-bus-port", .integer(min: 0, max: 65535), default: "0", support: .active,
            applies: .clusterAnnounce),

        // MARK: - RDB snapshots and payloads (SnapshotFile, RDBLoader, DUMP / RESTORE; docs/persistence.md)
        // The RDB version Podium writes: 11 (Redis 7.2+, every Valkey) or 10 (Redis 7.0, which refuses 11).
        ConfigEntry("rdb-version", .integer(min: 10, max: 11), default: "11", support: .active, applies: .rdbVersion),
        // SAVE / BGSAVE write it; start-up reads it when there is no AOF.
        ConfigEntry(
            "dbfilename", .baseName(name: "dbfilename", noun: "filename"), default: "dump.rdb", flags: .protected,
            support: .active),
        // `save <seconds> <changes>` rules. Podium's default is "" (no automatic snapshots): its data is already
        // persisted by the AOF (appendonly yes), so a second copy is written only when asked for.
        ConfigEntry("save", .saveParameters, default: "\"\"", support: .active, applies: .snapshotRules),
        ConfigEntry("stop-writes-on-bgsave-error", .bool, default: "yes", support: .active, applies: .snapshotRules),
        ConfigEntry("rdbcompression", .bool, default: "yes", support: .active, applies: .rdbCompression),
        ConfigEntry("rdbchecksum", .bool, default: "yes", flags: .immutable, support: .active),
        ConfigEntry("rdb-save-incremental-fsync", .bool, default: "yes", support: .active),
        // The AOF base file written by a rewrite is an RDB file (`<appendfilename>.<n>.base.rdb`), as Valkey's.
        ConfigEntry("aof-use-rdb-preamble", .bool, default: "yes", support: .active),

        // MARK: - ElastiCache Serverless mode (ServerlessProfile.swift, docs/elasticache.md)
        // Behave as an ElastiCache Serverless endpoint: cluster mode, TLS only, ElastiCache's restricted commands
        // and limits. The read endpoint (port 6380 on ElastiCache) serves READONLY clients; 0: none.
        ConfigEntry("elasticache-serverless", .bool, default: "no", flags: .immutable, support: .active),
        ConfigEntry(
            "elasticache-read-port", .integer(min: 0, max: 65535), default: "6380", flags: .immutable,
            support: .active),

        // MARK: - Scripting (docs/scripting.md)
        ConfigEntry(
            "busy-reply-threshold", aliases: ["lua-time-limit"], .integer(min: 0, max: llMax), default: "5000",
            support: .active, applies: .busyReplyThreshold),

        // MARK: - Memory, output buffers, diagnostics (SLOWLOG and LATENCY: not yet active)
        ConfigEntry(
            "slowlog-log-slower-than", .integer(min: -1, max: llMax), default: "10000",
            support: .notYetActive("SLOWLOG is not implemented yet")),
        ConfigEntry(
            "slowlog-max-len", .integer(min: 0, max: llMax), default: "128",
            support: .notYetActive("SLOWLOG is not implemented yet")),
        ConfigEntry(
            "latency-monitor-threshold", .integer(min: 0, max: llMax), default: "0",
            support: .notYetActive("the LATENCY monitor is not implemented yet")),

        // MARK: - Features Podium does not have (default only)
        ConfigEntry(
            "replicaof", aliases: ["slaveof"], .replicaOf, default: "\"\"", flags: .immutable,
            support: .defaultOnly(noReplication)),
        ConfigEntry(
            "unixsocket", .string, default: "", flags: .immutable,
            support: .defaultOnly("podium does not listen on unix domain sockets yet")),

        // MARK: - Ignored: network
        ConfigEntry("unixsocketperm", .octal(max: 0o777), default: "0", flags: .immutable, support: .ignored(nil)),
        ConfigEntry(
            "socket-mark-id", .integer(min: 0, max: uintMax), default: "0", flags: .immutable, support: .ignored(nil)),
        ConfigEntry("bind-source-addr", .string, default: "", support: .ignored(noReplication)),

        // MARK: - Ignored: TLS
        // Outgoing TLS (replication, cluster bus) and settings swift-nio-ssl (BoringSSL) gives a server no control of.
        ConfigEntry("tls-client-cert-file", .string, default: "", support: .ignored(noOutgoingTLS)),
        ConfigEntry("tls-client-key-file", .string, default: "", support: .ignored(noOutgoingTLS)),
        ConfigEntry(
            "tls-client-key-file-pass", .string, default: "", flags: .sensitive, support: .ignored(noOutgoingTLS)),
        ConfigEntry(
            "tls-dh-params-file", .string, default: "",
            support: .ignored("BoringSSL has no finite-field Diffie-Hellman suites; key exchange is always ECDHE")),
        ConfigEntry("tls-replication", .bool, default: "no", support: .ignored(noReplication)),
        ConfigEntry("tls-cluster", .bool, default: "no", support: .ignored(noCluster)),
        ConfigEntry(
            "tls-ciphersuites", .string, default: "",
            support: .ignored(
                "BoringSSL does not let a server choose its TLS 1.3 cipher suites: TLS_AES_128_GCM_SHA256, "
                    + "TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 are always offered; use tls-protocols "
                    + "and tls-ciphers to restrict TLS")),
        ConfigEntry(
            "tls-prefer-server-ciphers", .bool, default: "no",
            support: .ignored("BoringSSL picks the TLS 1.2 cipher by the client's preference")),
        ConfigEntry(
            "tls-session-cache-size", .integer(min: 0, max: intMax), default: "20480",
            support: .ignored("BoringSSL's server cache size applies (20480 sessions, the same as this default)")),
        ConfigEntry(
            "tls-session-cache-timeout", .integer(min: 0, max: intMax), default: "300",
            support: .ignored(
                "BoringSSL's session lifetimes apply (2 hours for TLS 1.2 sessions, 2 days for TLS 1.3 tickets)")),

        // MARK: - Ignored: general
        ConfigEntry(
            "daemonize", .bool, default: "no", flags: .immutable,
            support: .ignored("podium always runs in the foreground; use systemd or another supervisor")),
        ConfigEntry(
            "supervised", .enumeration(["upstart", "systemd", "auto", "no"]), default: "no", flags: .immutable,
            support: .ignored(nil)),
        ConfigEntry(
            "syslog-enabled", .bool, default: "no", flags: .immutable,
            support: .ignored("podium logs to stdout or to logfile")),
        ConfigEntry("syslog-ident", .string, default: "redis", flags: .immutable, support: .ignored(nil)),
        ConfigEntry(
            "syslog-facility",
            .enumeration(["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"]),
            default: "local0", flags: .immutable, support: .ignored(nil)),
        ConfigEntry("crash-log-enabled", .bool, default: "yes", support: .ignored(nil)),
        ConfigEntry("crash-memcheck-enabled", .bool, default: "yes", support: .ignored(nil)),
        ConfigEntry("always-show-logo", .bool, default: "no", flags: .immutable, support: .ignored(nil)),
        ConfigEntry("set-proc-title", .bool, default: "yes", flags: .immutable, support: .ignored(nil)),
        ConfigEntry(
            "proc-title-template", .procTitleTemplate, default: "\"{title} {listen-addr} {server-mode}\"",
            support: .ignored(nil)),
        ConfigEntry(
            "enable-module-command", .enumeration(["no", "yes", "local"]), default: "no", flags: .immutable,
            support: .ignored("podium does not load modules")),
        ConfigEntry("ignore-warnings", .string, default: "", support: .ignored(nil)),

        // MARK: - Ignored: RDB details (Podium always validates payloads; there are no replicas' sync files)
        ConfigEntry(
            "sanitize-dump-payload", .enumeration(["no", "yes", "clients"]), default: "no",
            support: .ignored(noRDBDetail)),
        ConfigEntry("rdb-del-sync-files", .bool, default: "no", support: .ignored(noRDBDetail)),

        // MARK: - Ignored: replication
        ConfigEntry("masterauth", .string, default: "", flags: .sensitive, support: .ignored(noReplication)),
        ConfigEntry("masteruser", .string, default: "", support: .ignored(noReplication)),
        ConfigEntry(
            "replica-serve-stale-data", aliases: ["slave-serve-stale-data"], .bool, default: "yes",
            support: .ignored(noReplication)),
        ConfigEntry(
            "replica-read-only", aliases: ["slave-read-only"], .bool, default: "yes", support: .ignored(noReplication)),
        ConfigEntry("repl-diskless-sync", .bool, default: "yes", support: .ignored(noReplication)),
        ConfigEntry(
            "repl-diskless-sync-delay", .integer(min: 0, max: intMax), default: "5", support: .ignored(noReplication)),
        ConfigEntry(
            "repl-diskless-sync-max-replicas", .integer(min: 0, max: intMax), default: "0",
            support: .ignored(noReplication)),
        ConfigEntry(
            "repl-diskless-load", .enumeration(["disabled", "on-empty-db", "swapdb"]), default: "disabled",
            support: .ignored(noReplication)),
        ConfigEntry(
            "repl-ping-replica-period", aliases: ["repl-ping-slave-period"], .integer(min: 1, max: intMax),
            default: "10", support: .ignored(noReplication)),
        ConfigEntry("repl-timeout", .integer(min: 1, max: intMax), default: "60", support: .ignored(noReplication)),
        ConfigEntry("repl-disable-tcp-nodelay", .bool, default: "no", support: .ignored(noReplication)),
        ConfigEntry("repl-backlog-size", .memory(min: 1, max: llMax), default: "1mb", support: .ignored(noReplication)),
        ConfigEntry(
            "repl-backlog-ttl", .integer(min: 0, max: llMax), default: "3600", support: .ignored(noReplication)),
        ConfigEntry(
            "replica-priority", aliases: ["slave-priority"], .integer(min: 0, max: intMax), default: "100",
            support: .ignored(noReplication)),
        ConfigEntry(
            "propagation-error-behavior", .enumeration(["ignore", "panic", "panic-on-replicas"]), default: "ignore",
            support: .ignored(noReplication)),
        ConfigEntry("replica-ignore-disk-write-errors", .bool, default: "no", support: .ignored(noReplication)),
        ConfigEntry("replica-announced", .bool, default: "yes", support: .ignored(noReplication)),
        ConfigEntry(
            "min-replicas-to-write", aliases: ["min-slaves-to-write"], .integer(min: 0, max: intMax), default: "0",
            support: .ignored(noReplication)),
        ConfigEntry(
            "min-replicas-max-lag", aliases: ["min-slaves-max-lag"], .integer(min: 0, max: intMax), default: "10",
            support: .ignored(noReplication)),
        ConfigEntry(
            "replica-announce-ip", aliases: ["slave-announce-ip"], .string, default: "",
            support: .ignored(noReplication)),
        ConfigEntry(
            "replica-announce-port", aliases: ["slave-announce-port"], .integer(min: 0, max: 65535), default: "0",
            support: .ignored(noReplication)),
        ConfigEntry(
            "replica-ignore-maxmemory", aliases: ["slave-ignore-maxmemory"], .bool, default: "yes",
            support: .ignored(noReplication)),
        ConfigEntry(
            "replica-lazy-flush", aliases: ["slave-lazy-flush"], .bool, default: "no",
            support: .ignored(noReplication)),

        // MARK: - Ignored: security, tracking
        ConfigEntry(
            "tracking-table-max-keys", .integer(min: 0, max: llMax), default: "1000000", support: .ignored(nil)),

        // MARK: - Ignored: memory management
        ConfigEntry("maxmemory-eviction-tenacity", .integer(min: 0, max: 100), default: "10", support: .ignored(nil)),
        ConfigEntry("maxmemory-clients", .memoryOrPercent, default: "0", support: .ignored(nil)),
        ConfigEntry("lazyfree-lazy-eviction", .bool, default: "no", support: .ignored(nil)),
        ConfigEntry("lazyfree-lazy-expire", .bool, default: "no", support: .ignored(nil)),
        ConfigEntry("lazyfree-lazy-server-del", .bool, default: "no", support: .ignored(nil)),
        ConfigEntry("lazyfree-lazy-user-del", .bool, default: "no", support: .ignored(nil)),
        ConfigEntry("lazyfree-lazy-user-flush", .bool, default: "no", support: .ignored(nil)),
        ConfigEntry("activedefrag", .bool, default: "no", support: .ignored(nil)),
        ConfigEntry(
            "active-defrag-ignore-bytes", .memory(min: 1, max: llMax), default: "100mb", support: .ignored(nil)),
        ConfigEntry(
            "active-defrag-threshold-lower", .integer(min: 0, max: 1000), default: "10", support: .ignored(nil)),
        ConfigEntry(
            "active-defrag-threshold-upper", .integer(min: 0, max: 1000), default: "100", support: .ignored(nil)),
        ConfigEntry("active-defrag-cycle-min", .integer(min: 1, max: 99), default: "1", support: .ignored(nil)),
        ConfigEntry("active-defrag-cycle-max", .integer(min: 1, max: 99), default: "25", support: .ignored(nil)),
        ConfigEntry(
            "active-defrag-max-scan-fields", .integer(min: 1, max: llMax), default: "1000", support: .ignored(nil)),
        ConfigEntry("jemalloc-bg-thread", .bool, default: "yes", support: .ignored(nil)),

        // MARK: - Ignored: threads, kernel, shutdown
        ConfigEntry("io-threads-do-reads", .bool, default: "no", flags: .immutable, support: .ignored(nil)),
        ConfigEntry(
            "oom-score-adj", .enumeration(["no", "yes", "relative", "absolute"]), default: "no", support: .ignored(nil)),
        ConfigEntry("oom-score-adj-values", .oomScoreAdjValues, default: "0 200 800", support: .ignored(nil)),
        ConfigEntry("disable-thp", .bool, default: "yes", flags: .immutable, support: .ignored(nil)),
        ConfigEntry("shutdown-timeout", .integer(min: 0, max: intMax), default: "10", support: .ignored(nil)),
        ConfigEntry(
            "shutdown-on-sigint", .enumeration(["default", "save", "nosave", "now", "force"]), default: "default",
            support: .ignored(nil)),
        ConfigEntry(
            "shutdown-on-sigterm", .enumeration(["default", "save", "nosave", "now", "force"]), default: "default",
            support: .ignored(nil)),

        // MARK: - Ignored: cluster (what a node of one has no use for)
        ConfigEntry(
            "cluster-node-timeout", .integer(min: 0, max: llMax), default: "15000", support: .ignored(noCluster)),
        ConfigEntry(
            "cluster-replica-validity-factor", aliases: ["cluster-slave-validity-factor"],
            .integer(min: 0, max: intMax), default: "10", support: .ignored(noCluster)),
        ConfigEntry(
            "cluster-migration-barrier", .integer(min: 0, max: intMax), default: "1", support: .ignored(noCluster)),
        ConfigEntry("cluster-allow-replica-migration", .bool, default: "yes", support: .ignored(noCluster)),
        ConfigEntry("cluster-require-full-coverage", .bool, default: "yes", support: .ignored(noCluster)),
        ConfigEntry(
            "cluster-replica-no-failover", aliases: ["cluster-slave-no-failover"], .bool, default: "no",
            support: .ignored(noCluster)),
        ConfigEntry("cluster-allow-reads-when-down", .bool, default: "no", support: .ignored(noCluster)),
        ConfigEntry("cluster-allow-pubsubshard-when-down", .bool, default: "yes", support: .ignored(noCluster)),
        ConfigEntry(
            "cluster-link-sendbuf-limit", .memory(min: 0, max: llMax), default: "0", support: .ignored(noCluster)),

        // MARK: - Ignored: latency tracking
        ConfigEntry("latency-tracking", .bool, default: "yes", support: .ignored(nil)),
        ConfigEntry("latency-tracking-info-percentiles", .percentiles, default: "50 99 99.9", support: .ignored(nil)),

        // MARK: - Ignored: advanced
        ConfigEntry("hll-sparse-max-bytes", .memory(min: 0, max: llMax), default: "3000", support: .ignored(nil)),
        ConfigEntry("stream-node-max-bytes", .memory(min: 0, max: llMax), default: "4096", support: .ignored(nil)),
        ConfigEntry("stream-node-max-entries", .integer(min: 0, max: llMax), default: "100", support: .ignored(nil)),
        ConfigEntry("activerehashing", .bool, default: "yes", support: .ignored(nil)),
        ConfigEntry("dynamic-hz", .bool, default: "yes", support: .ignored(nil)),
        ConfigEntry("lfu-log-factor", .integer(min: 0, max: intMax), default: "10", support: .ignored(nil)),
        ConfigEntry("lfu-decay-time", .integer(min: 0, max: intMax), default: "1", support: .ignored(nil)),

        // MARK: - Ignored: CPU affinity
        ConfigEntry("server_cpulist", .string, default: "", flags: .immutable, support: .ignored(nil)),
        ConfigEntry("bio_cpulist", .string, default: "", flags: .immutable, support: .ignored(nil)),
        ConfigEntry("aof_rewrite_cpulist", .string, default: "", flags: .immutable, support: .ignored(nil)),
        ConfigEntry("bgsave_cpulist", .string, default: "", flags: .immutable, support: .ignored(nil)),
    ]

    /// Directives redis-server 7 still accepts and silently drops (`deprecated_configs[]` there). Podium accepts them
    /// with a warning. They take exactly one argument and are not shown by CONFIG GET.
    public static let deprecatedDirectives: Set<String> = [
        "list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands",
    ]

    /// Index into `entries` by lowercase name, aliases included.
    static let indexByName: [String: Int] = {
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() {
            for name in entry.allNames { index[name] = position }
        }
        return index
    }()

    /// The position of a directive in `entries`, by name or alias, case-insensitively.
    public static func index(of name: String) -> Int? {
        indexByName[name.lowercased()]
    }

    /// The entry for a directive, by name or alias, case-insensitively.
    public static func entry(named name: String) -> ConfigEntry? {
        index(of: name).map { entries[$0] }
    }

    /// Every name CONFIG GET knows, in table order, each alias right after its canonical name.
    public static var allNames: [String] { entries.flatMap(\.allNames) }
}
