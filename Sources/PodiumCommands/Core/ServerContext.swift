import PodiumKeyspace

/// What the command layer asks of the server it runs in: configuration, the client registry, shutdown, and the
/// figures INFO reports. PodiumServer implements it; unit tests use a small fake.
public protocol ServerContext: AnyObject {
    /// `CONFIG GET`: name/value pairs of every parameter whose name matches one of the glob patterns.
    func configGet(patterns: [String]) -> [(String, String)]
    /// `CONFIG SET`: applies every pair or none. Throws the exact error reply.
    func configSet(pairs: [(String, String)]) throws(CommandError)
    /// One parameter's current value, or nil.
    func configValue(_ name: String) -> String?
    /// `CONFIG RESETSTAT`.
    func resetStats()
    /// `CONFIG REWRITE`.
    func configRewrite() throws(CommandError)

    /// All connected clients.
    func clients() -> [ClientSession]
    /// Marks a client to be closed after its current reply (CLIENT KILL).
    func kill(client: ClientSession)
    /// Starts sending every executed command to `client` (MONITOR).
    func addMonitor(_ client: ClientSession)

    /// Stops the server (SHUTDOWN). The current connection gets no reply if this succeeds.
    func shutdown(save: Bool?) throws(CommandError)

    /// Server-wide figures for INFO.
    var info: ServerInfo { get }
}

/// Figures only the server knows, for INFO.
public struct ServerInfo: Sendable {
    public var version = "7.2.4"
    public var processID = 0
    public var runID = ""
    public var tcpPort = 6379
    public var startTimeMicros: Int64 = 0
    public var configFile = ""
    public var executable = ""
    public var eventLoops = 1
    public var connectedClients = 0
    public var maxClients = 10000
    public var totalConnectionsReceived = 0
    public var totalCommandsProcessed = 0
    public var rejectedConnections = 0
    public var netInputBytes = 0
    public var netOutputBytes = 0
    public var usedMemoryRSS = 0
    public var peakMemoryRSS = 0
    public var hz = 10
    public var aofEnabled = false
    public var lastSaveTime: Int64 = 0
    public var totalErrorReplies = 0
    public var evictedKeys = 0
    public var errorStats: [String: Int] = [:]
    public init() {}
}
