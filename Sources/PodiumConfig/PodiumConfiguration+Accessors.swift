/// Levels of `loglevel`, from most to least verbose. `nothing` (Redis 7.2) turns logging off.
public enum LogLevel: String, CaseIterable, Comparable, Sendable {
    case debug, verbose, notice, warning, nothing

    /// Position from most (0) to least verbose.
    private var rank: Int {
        switch self {
        case .debug: 0
        case .verbose: 1
        case .notice: 2
        case .warning: 3
        case .nothing: 4
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// `tls-auth-clients`: `yes` requires a client certificate signed by a configured CA, `optional` verifies one if the
/// client presents it, `no` asks for none.
public enum TLSClientAuthentication: String, CaseIterable, Sendable {
    case no, yes, optional
}

/// `appendfsync`: when the AOF is flushed to disk.
public enum AppendFsync: String, CaseIterable, Sendable {
    case always, everysec, no
}

/// One `bind` address. A leading `-` in the configuration marks it optional: if the address is unavailable (no
/// IPv6 on the host, say) the server skips it instead of failing to start. This is how the default
/// `bind 127.0.0.1 -::1` works on hosts without IPv6.
public struct BindAddress: Hashable, Sendable {
    /// The host to listen on, without the `-` prefix (`*` means every IPv4 address, `::*` every IPv6 address).
    public var host: String
    /// Whether failing to bind this address is tolerated.
    public var isOptional: Bool

    public init(host: String, isOptional: Bool) {
        self.host = host
        self.isOptional = isOptional
    }

    /// Reads a `bind` word such as `-::1`.
    public init(parsing word: String) {
        if word.hasPrefix("-") {
            self.init(host: String(word.dropFirst()), isOptional: true)
        } else {
            self.init(host: word, isOptional: false)
        }
    }
}

// MARK: - Typed accessors
//
// One per directive Podium acts on (plus the not-yet-active ones that will be wired next), so server code reads
// `configuration.protoMaxBulkLen` rather than parsing strings. Values were validated when set, so these never fail.

extension PodiumConfiguration {
    private enum Slots {
        static let bind = Slot.of("bind")
        static let protectedMode = Slot.of("protected-mode")
        static let port = Slot.of("port")
        static let tcpBacklog = Slot.of("tcp-backlog")
        static let timeout = Slot.of("timeout")
        static let tcpKeepalive = Slot.of("tcp-keepalive")
        static let tlsPort = Slot.of("tls-port")
        static let tlsCertFile = Slot.of("tls-cert-file")
        static let tlsKeyFile = Slot.of("tls-key-file")
        static let tlsKeyFilePass = Slot.of("tls-key-file-pass")
        static let tlsCACertFile = Slot.of("tls-ca-cert-file")
        static let tlsCACertDir = Slot.of("tls-ca-cert-dir")
        static let tlsAuthClients = Slot.of("tls-auth-clients")
        static let tlsProtocols = Slot.of("tls-protocols")
        static let tlsCiphers = Slot.of("tls-ciphers")
        static let tlsSessionCaching = Slot.of("tls-session-caching")
        static let tlsHandshakeTimeout = Slot.of("tls-handshake-timeout")
        static let pidfile = Slot.of("pidfile")
        static let loglevel = Slot.of("loglevel")
        static let logfile = Slot.of("logfile")
        static let databases = Slot.of("databases")
        static let requirepass = Slot.of("requirepass")
        static let maxclients = Slot.of("maxclients")
        static let aclfile = Slot.of("aclfile")
        static let acllogMaxLen = Slot.of("acllog-max-len")
        static let aclPubsubDefault = Slot.of("acl-pubsub-default")
        static let ioThreads = Slot.of("io-threads")
        static let hz = Slot.of("hz")
        static let protoMaxBulkLen = Slot.of("proto-max-bulk-len")
        static let clientQueryBufferLimit = Slot.of("client-query-buffer-limit")
        static let hashMaxListpackEntries = Slot.of("hash-max-listpack-entries")
        static let hashMaxListpackValue = Slot.of("hash-max-listpack-value")
        static let zsetMaxListpackEntries = Slot.of("zset-max-listpack-entries")
        static let zsetMaxListpackValue = Slot.of("zset-max-listpack-value")
        static let listMaxListpackSize = Slot.of("list-max-listpack-size")
        static let listCompressDepth = Slot.of("list-compress-depth")
        static let setMaxIntsetEntries = Slot.of("set-max-intset-entries")
        static let setMaxListpackEntries = Slot.of("set-max-listpack-entries")
        static let setMaxListpackValue = Slot.of("set-max-listpack-value")
        static let activeExpireEffort = Slot.of("active-expire-effort")
        static let notifyKeyspaceEvents = Slot.of("notify-keyspace-events")
        static let appendonly = Slot.of("appendonly")
        static let appendfilename = Slot.of("appendfilename")
        static let appenddirname = Slot.of("appenddirname")
        static let appendfsync = Slot.of("appendfsync")
        static let noAppendfsyncOnRewrite = Slot.of("no-appendfsync-on-rewrite")
        static let autoAofRewritePercentage = Slot.of("auto-aof-rewrite-percentage")
        static let autoAofRewriteMinSize = Slot.of("auto-aof-rewrite-min-size")
        static let aofLoadTruncated = Slot.of("aof-load-truncated")
        static let aofTimestampEnabled = Slot.of("aof-timestamp-enabled")
        static let aofRewriteIncrementalFsync = Slot.of("aof-rewrite-incremental-fsync")
        static let aofDisableAutoGC = Slot.of("aof-disable-auto-gc")
        static let rdbKeySaveDelay = Slot.of("rdb-key-save-delay")
        static let keyLoadDelay = Slot.of("key-load-delay")
        static let maxmemory = Slot.of("maxmemory")
        static let maxmemoryPolicy = Slot.of("maxmemory-policy")
        static let enableProtectedConfigs = Slot.of("enable-protected-configs")
        static let enableDebugCommand = Slot.of("enable-debug-command")
        static let maxmemorySamples = Slot.of("maxmemory-samples")
        static let busyReplyThreshold = Slot.of("busy-reply-threshold")
        static let clientOutputBufferLimit = Slot.of("client-output-buffer-limit")
        static let slowlogLogSlowerThan = Slot.of("slowlog-log-slower-than")
        static let slowlogMaxLen = Slot.of("slowlog-max-len")
        static let latencyMonitorThreshold = Slot.of("latency-monitor-threshold")
        static let daemonize = Slot.of("daemonize")
        static let clusterEnabled = Slot.of("cluster-enabled")
        static let clusterConfigFile = Slot.of("cluster-config-file")
        static let clusterPort = Slot.of("cluster-port")
        static let clusterAnnounceIP = Slot.of("cluster-announce-ip")
        static let clusterAnnouncePort = Slot.of("cluster-announce-port")
        static let clusterAnnounceTLSPort = Slot.of("cluster-announce-tls-port")
        static let clusterAnnounceBusPort = Slot.of("cluster-announce-bus-port")
        static let clusterAnnounceHostname = Slot.of("cluster-announce-hostname")
        static let clusterPreferredEndpointType = Slot.of("cluster-preferred-endpoint-type")
        static let rdbVersion = Slot.of("rdb-version")
        static let dbfilename = Slot.of("dbfilename")
        static let save = Slot.of("save")
        static let stopWritesOnBgsaveError = Slot.of("stop-writes-on-bgsave-error")
        static let rdbcompression = Slot.of("rdbcompression")
        static let rdbchecksum = Slot.of("rdbchecksum")
        static let rdbSaveIncrementalFsync = Slot.of("rdb-save-incremental-fsync")
        static let aofUseRdbPreamble = Slot.of("aof-use-rdb-preamble")
        static let elasticacheServerless = Slot.of("elasticache-serverless")
        static let elasticacheReadPort = Slot.of("elasticache-read-port")
    }

    /// `dbfilename`: the RDB file in `dir` that SAVE and BGSAVE write, loaded at start-up when there is no AOF.
    public var dbfilename: String { string(Slots.dbfilename) }
    /// `save`: the automatic snapshot rules, in order.
    public var saveRules: [(seconds: Int, changes: Int)] {
        let words = list(Slots.save).compactMap { Int($0) }
        return stride(from: 0, to: words.count - 1, by: 2).map { (words[$0], words[$0 + 1]) }
    }
    /// `stop-writes-on-bgsave-error`: refuse writes while the last background save failed (and a rule is set).
    public var stopWritesOnBgsaveError: Bool { bool(Slots.stopWritesOnBgsaveError) }
    /// `rdbcompression`: LZF-compress strings over 20 bytes in RDB output (files and DUMP payloads).
    public var rdbcompression: Bool { bool(Slots.rdbcompression) }
    /// `rdbchecksum`: write the CRC-64 footer of RDB files (0 when off) and check it on load.
    public var rdbchecksum: Bool { bool(Slots.rdbchecksum) }
    /// `rdb-save-incremental-fsync`: fsync every 4 MB while an RDB file is written.
    public var rdbSaveIncrementalFsync: Bool { bool(Slots.rdbSaveIncrementalFsync) }
    /// `aof-use-rdb-preamble`: AOF rewrites write the base file in the RDB format.
    public var aofUseRdbPreamble: Bool { bool(Slots.aofUseRdbPreamble) }
    /// `rdb-version`: the RDB version of what Podium writes (DUMP payloads): 11, or 10 for Redis 7.0.
    public var rdbVersion: Int { integer(Slots.rdbVersion) }

    // MARK: ElastiCache Serverless mode

    /// `elasticache-serverless`: behave as an ElastiCache Serverless endpoint (ServerlessProfile.swift).
    public var elasticacheServerless: Bool { bool(Slots.elasticacheServerless) }
    /// `elasticache-read-port`: the TLS port of the read endpoint in serverless mode (0: none).
    public var elasticacheReadPort: Int { integer(Slots.elasticacheReadPort) }

    // MARK: Cluster (a node of one)

    /// `cluster-enabled`: present this server as a cluster whose one node owns all 16384 slots.
    public var clusterEnabled: Bool { bool(Slots.clusterEnabled) }
    /// `cluster-config-file`: where the node id is kept, relative to `dir`.
    public var clusterConfigFile: String { string(Slots.clusterConfigFile) }
    /// `cluster-port`: the bus port CLUSTER NODES shows (0: port + 10000).
    public var clusterPort: Int { integer(Slots.clusterPort) }
    public var clusterAnnounceIP: String { string(Slots.clusterAnnounceIP) }
    public var clusterAnnouncePort: Int { integer(Slots.clusterAnnouncePort) }
    public var clusterAnnounceTLSPort: Int { integer(Slots.clusterAnnounceTLSPort) }
    public var clusterAnnounceBusPort: Int { integer(Slots.clusterAnnounceBusPort) }
    public var clusterAnnounceHostname: String { string(Slots.clusterAnnounceHostname) }
    /// `cluster-preferred-endpoint-type`: `ip`, `hostname` or `unknown-endpoint`.
    public var clusterPreferredEndpointType: String { string(Slots.clusterPreferredEndpointType) }

    // MARK: Network

    /// `bind` as written, `-` prefixes included (`["127.0.0.1", "-::1"]`). Empty means no TCP listener.
    public var bind: [String] { list(Slots.bind) }
    /// `bind` parsed into hosts and their optional flag.
    public var bindAddresses: [BindAddress] { bind.map(BindAddress.init(parsing:)) }
    /// `protected-mode`: while on and no password is set, only loopback clients may run commands.
    public var protectedMode: Bool { bool(Slots.protectedMode) }
    /// `port`: the plain TCP port; 0 means no plain listener (serve TLS only), as in Redis. In-process servers that
    /// want a free port ask `PodiumServer` for `.ephemeral` ports instead.
    public var port: Int { integer(Slots.port) }
    /// `tcp-backlog`: the `listen()` backlog.
    public var tcpBacklog: Int { integer(Slots.tcpBacklog) }
    /// `timeout`: close a client idle for this many seconds; 0 never.
    public var timeout: Int { integer(Slots.timeout) }
    /// `tcp-keepalive`: seconds between TCP keepalive probes; 0 disables them.
    public var tcpKeepalive: Int { integer(Slots.tcpKeepalive) }

    // MARK: TLS

    /// `tls-port`: the TLS port; 0 (the default) means no TLS listener.
    public var tlsPort: Int { integer(Slots.tlsPort) }
    /// `tls-cert-file`: the server certificate (PEM, optionally followed by its chain).
    public var tlsCertFile: String { string(Slots.tlsCertFile) }
    /// `tls-key-file`: the server certificate's private key (PEM).
    public var tlsKeyFile: String { string(Slots.tlsKeyFile) }
    /// `tls-key-file-pass`: the passphrase of an encrypted `tls-key-file`; empty for none.
    public var tlsKeyFilePass: String { string(Slots.tlsKeyFilePass) }
    /// `tls-ca-cert-file`: CA certificates (PEM) that client certificates are verified against.
    public var tlsCACertFile: String { string(Slots.tlsCACertFile) }
    /// `tls-ca-cert-dir`: a directory of CA certificates in `c_rehash` layout, for the same purpose.
    public var tlsCACertDir: String { string(Slots.tlsCACertDir) }
    /// `tls-auth-clients`: whether TLS clients must present a certificate.
    public var tlsAuthClients: TLSClientAuthentication {
        TLSClientAuthentication(rawValue: string(Slots.tlsAuthClients)) ?? .yes
    }
    /// `tls-protocols` as written (`"TLSv1.2 TLSv1.3"`); empty means TLS 1.2 and 1.3.
    public var tlsProtocols: String { string(Slots.tlsProtocols) }
    /// `tls-ciphers`: the TLS 1.2 (and older) cipher list in OpenSSL syntax; empty means the library's default.
    public var tlsCiphers: String { string(Slots.tlsCiphers) }
    /// `tls-session-caching`: whether clients may resume earlier TLS sessions.
    public var tlsSessionCaching: Bool { bool(Slots.tlsSessionCaching) }
    /// `tls-handshake-timeout` in milliseconds (Podium's own directive).
    public var tlsHandshakeTimeout: Int { integer(Slots.tlsHandshakeTimeout) }

    // MARK: General

    /// `pidfile`, or `nil` when empty (no pid file is written).
    public var pidfile: String? { nonEmptyString(Slots.pidfile) }
    /// `loglevel`.
    public var logLevel: LogLevel { LogLevel(rawValue: string(Slots.loglevel)) ?? .notice }
    /// `logfile`; empty means standard output.
    public var logfile: String { string(Slots.logfile) }
    /// `databases`: how many numbered databases SELECT can reach.
    public var databases: Int { integer(Slots.databases) }
    /// `dir`: the working directory, as an absolute path once loaded. The server `chdir`s here at startup; AOF files
    /// are written relative to it.
    public var dir: String { string(Slot.dir) }
    /// `daemonize` as written. Podium never daemonizes; the loader warns when this is set.
    public var daemonize: Bool { bool(Slots.daemonize) }

    // MARK: Security, clients, threads

    /// `requirepass`, or `nil` when empty (no AUTH needed).
    public var requirepass: String? { nonEmptyString(Slots.requirepass) }
    /// `aclfile`: the file of ACL users (`ACL LOAD`, `ACL SAVE`); empty for none.
    public var aclfile: String { string(Slots.aclfile) }
    /// `acllog-max-len`: entries ACL LOG keeps.
    public var acllogMaxLen: Int { integer(Slots.acllogMaxLen) }
    /// `acl-pubsub-default allchannels`: new users may use every channel (the default, `resetchannels`, none).
    public var aclPubsubDefaultAllChannels: Bool { string(Slots.aclPubsubDefault) == "allchannels" }
    /// `maxclients`: connections beyond this are refused with `ERR max number of clients reached`.
    public var maxclients: Int { integer(Slots.maxclients) }
    /// `io-threads`: the number of event loops serving connections (1...128).
    public var ioThreads: Int { integer(Slots.ioThreads) }

    // MARK: Limits, encodings, background tasks

    /// `hz`: background task frequency, already clamped to 1...500 as Redis does.
    public var hz: Int { integer(Slots.hz) }
    /// `proto-max-bulk-len`: the largest bulk string a request may carry, in bytes.
    public var protoMaxBulkLen: Int { integer(Slots.protoMaxBulkLen) }
    /// `client-query-buffer-limit`: the most unparsed input a client may accumulate, in bytes.
    public var clientQueryBufferLimit: Int { integer(Slots.clientQueryBufferLimit) }
    /// `hash-max-listpack-entries`: above this many fields a hash reports the `hashtable` encoding.
    public var hashMaxListpackEntries: Int { integer(Slots.hashMaxListpackEntries) }
    /// `hash-max-listpack-value`: a field or value longer than this (bytes) makes a hash a `hashtable`.
    public var hashMaxListpackValue: Int { integer(Slots.hashMaxListpackValue) }
    /// `zset-max-listpack-entries`: above this many members a sorted set reports the `skiplist` encoding.
    public var zsetMaxListpackEntries: Int { integer(Slots.zsetMaxListpackEntries) }
    /// `zset-max-listpack-value`: a member longer than this (bytes) makes a sorted set a `skiplist`.
    public var zsetMaxListpackValue: Int { integer(Slots.zsetMaxListpackValue) }
    /// `list-max-listpack-size`: a list node's limit, in entries (positive) or as a byte class (-1: 4 KB ...
    /// -5: 64 KB).
    public var listMaxListpackSize: Int { integer(Slots.listMaxListpackSize) }
    /// `list-compress-depth`: accepted and reported; Podium does not compress list nodes.
    public var listCompressDepth: Int { integer(Slots.listCompressDepth) }
    /// `set-max-intset-entries`: a set of integers reports `intset` up to this many members.
    public var setMaxIntsetEntries: Int { integer(Slots.setMaxIntsetEntries) }
    /// `set-max-listpack-entries`: a small set of strings reports `listpack` up to this many members.
    public var setMaxListpackEntries: Int { integer(Slots.setMaxListpackEntries) }
    /// `set-max-listpack-value`: a member longer than this (bytes) makes a set a `hashtable`.
    public var setMaxListpackValue: Int { integer(Slots.setMaxListpackValue) }
    /// `active-expire-effort` (1...10): how hard the active expiry cycle works.
    public var activeExpireEffort: Int { integer(Slots.activeExpireEffort) }
    /// `notify-keyspace-events`, parsed.
    public var notifyKeyspaceEvents: KeyspaceEventFlags {
        KeyspaceEventFlags(rawValue: integer(Slots.notifyKeyspaceEvents))
    }

    // MARK: Append only file

    /// `appendonly`.
    public var appendonly: Bool { bool(Slots.appendonly) }
    /// `appendfilename`: the AOF base name.
    public var appendfilename: String { string(Slots.appendfilename) }
    /// `appenddirname`: the directory, inside `dir`, holding AOF files.
    public var appenddirname: String { string(Slots.appenddirname) }
    /// `appendfsync`.
    public var appendfsync: AppendFsync { AppendFsync(rawValue: string(Slots.appendfsync)) ?? .everysec }
    /// `no-appendfsync-on-rewrite`: no fsync while a rewrite runs.
    public var noAppendfsyncOnRewrite: Bool { bool(Slots.noAppendfsyncOnRewrite) }
    /// `auto-aof-rewrite-percentage`: growth since the last rewrite that starts one (0: never).
    public var autoAofRewritePercentage: Int { integer(Slots.autoAofRewritePercentage) }
    /// `auto-aof-rewrite-min-size` in bytes: no automatic rewrite below it.
    public var autoAofRewriteMinSize: Int { integer(Slots.autoAofRewriteMinSize) }
    /// `aof-load-truncated`: load a file cut short (dropping its incomplete end) instead of refusing to start.
    public var aofLoadTruncated: Bool { bool(Slots.aofLoadTruncated) }
    /// `aof-timestamp-enabled`: `#TS:` annotations in the AOF.
    public var aofTimestampEnabled: Bool { bool(Slots.aofTimestampEnabled) }
    /// `aof-rewrite-incremental-fsync`: fsync a rewrite's file every 4 MB.
    public var aofRewriteIncrementalFsync: Bool { bool(Slots.aofRewriteIncrementalFsync) }
    /// `aof-disable-auto-gc`: keep history files after a rewrite (they are listed in the manifest).
    public var aofDisableAutoGC: Bool { bool(Slots.aofDisableAutoGC) }
    /// `rdb-key-save-delay` (hidden, for tests): microseconds a rewrite sleeps after each key.
    public var rdbKeySaveDelay: Int { integer(Slots.rdbKeySaveDelay) }
    /// `key-load-delay` (hidden, for tests): microseconds loading sleeps after each command.
    public var keyLoadDelay: Int { integer(Slots.keyLoadDelay) }

    /// `enable-protected-configs`: who may change `dir` and `dbfilename` with CONFIG SET.
    public var enableProtectedConfigs: ProtectedAccess { ProtectedAccess(string(Slots.enableProtectedConfigs)) }
    /// `enable-debug-command`: who may run DEBUG.
    public var enableDebugCommand: ProtectedAccess { ProtectedAccess(string(Slots.enableDebugCommand)) }

    // MARK: Not yet acted on (stored for the features to come)

    /// `maxmemory` in bytes; 0 means no limit.
    public var maxmemory: Int { integer(Slots.maxmemory) }
    /// `maxmemory-policy` (`noeviction`, `allkeys-lru`, …).
    public var maxmemoryPolicy: String { string(Slots.maxmemoryPolicy) }
    /// `maxmemory-samples`: keys sampled per database for each eviction.
    public var maxmemorySamples: Int { integer(Slots.maxmemorySamples) }
    /// `busy-reply-threshold` (alias `lua-time-limit`): milliseconds a script runs before it becomes busy (other
    /// clients get BUSY, SCRIPT KILL may stop it).
    public var busyReplyThreshold: Int { integer(Slots.busyReplyThreshold) }
    /// `client-output-buffer-limit` for one class of clients.
    public func clientOutputBufferLimit(for clientClass: ClientClass) -> OutputBufferLimit {
        let limits = ClientOutputBufferLimits(words: list(Slots.clientOutputBufferLimit))
        return limits.limits[clientClass] ?? OutputBufferLimit(hard: 0, soft: 0, softSeconds: 0)
    }
    /// `slowlog-log-slower-than` in microseconds; -1 disables the slow log, 0 logs every command.
    public var slowlogLogSlowerThan: Int { integer(Slots.slowlogLogSlowerThan) }
    /// `slowlog-max-len`.
    public var slowlogMaxLen: Int { integer(Slots.slowlogMaxLen) }
    /// `latency-monitor-threshold` in milliseconds; 0 disables the monitor.
    public var latencyMonitorThreshold: Int { integer(Slots.latencyMonitorThreshold) }
}

/// Who may take a protected action (`enable-protected-configs`, `enable-debug-command`; Valkey's
/// `allowProtectedAction`): nobody, every client, or loopback and unix-socket clients only.
public enum ProtectedAccess: Sendable {
    case no, yes, local

    init(_ text: String) {
        switch text {
        case "yes": self = .yes
        case "local": self = .local
        default: self = .no
        }
    }

    public func allows(localClient: Bool) -> Bool {
        switch self {
        case .no: return false
        case .yes: return true
        case .local: return localClient
        }
    }
}
