import Logging
import NIOCore
import PodiumKeyspace
import PodiumRESP

/// Runs commands: lookup → subcommand → arity → MULTI queueing → handler → statistics, in Valkey's order
/// (`processCommand`). It is not thread-safe: the server calls it from one place at a time, which is what gives
/// every client the same single global order of commands.
public final class Dispatcher {
    public let keyspace: Keyspace
    public weak var server: (any ServerContext)?
    public let table: CommandTable
    public var logger: Logger

    /// Commands processed (INFO stats `total_commands_processed`).
    public var totalCommands = 0
    /// Error replies sent (INFO stats `total_error_replies`), and their counts by error code (errorstats).
    public var totalErrorReplies = 0
    public var errorCounts: [String: Int] = [:]
    /// INFO commandstats, indexed by `CommandSpec.statsIndex`.
    public var stats: [CommandStats]
    /// Called with every executed command when MONITOR clients exist.
    public var monitorFeed: ((ClientSession, [ByteBuffer]) -> Void)?
    /// The maximum bulk length CONFIG allows for values that commands build (SETRANGE, APPEND).
    public var protoMaxBulkLength = 512 * 1024 * 1024
    /// True while EXEC runs its queued commands: the clock stays frozen and nothing is queued.
    var inExec = false
    /// When the previous command finished (monotonic ns): the next command's start time.
    var lastCommandEnd: UInt64 = 0
    /// DEBUG SET-ACTIVE-EXPIRE: whether the server runs the active expiry cycle.
    public var activeExpireEnabled = true
    /// `notify-keyspace-events` as a bit mask (`KeyspaceEventFlags`), zero unless something is published; set
    /// through `keyspaceEvents` (KeyspaceNotifier.swift).
    @usableFromInline var notifyMask = 0
    /// Keyspace events raised by the keyspace itself (expiry, new key, key miss) not yet published.
    var pendingEvents: [PendingKeyspaceEvent] = []
    /// `maxmemory` in bytes (0: no limit), `maxmemory-policy` and `maxmemory-samples` (Eviction.swift).
    public var maxMemory = 0 { didSet { memoryChecksToSkip = 0 } }
    /// Commands that may still run without measuring memory: set while use is well below `maxMemory`
    /// (Dispatcher+Eviction.swift).
    var memoryChecksToSkip = 0
    public var evictionPolicy = EvictionPolicy.noEviction
    public var evictionSamples = 5
    /// Keys evicted since start (INFO `evicted_keys`).
    public internal(set) var evictedKeys = 0
    /// Where writes are recorded (the AOF), or nil (Propagation.swift).
    public var propagator: (any CommandPropagator)? {
        didSet { installKeyspaceObservers() }
    }
    /// Writes of the execution unit in progress, not yet handed to the propagator.
    var pendingPropagation: [PropagatedCommand] = []
    /// Blocked clients by key, in the order they blocked (Blocking.swift).
    var blockedOn: [DatabaseKey: [ClientSession]] = [:]
    /// Clients blocked without keys (WAIT), by id.
    var waitingClients: [Int: ClientSession] = [:]
    /// Clients blocked now (INFO `blocked_clients`).
    public internal(set) var blockedClientCount = 0
    var blockGenerations = 0
    /// True while blocked clients are being served (serving never nests).
    var servingBlocked = false

    public init(keyspace: Keyspace, table: CommandTable = .shared, logger: Logger = Logger(label: "podium.commands")) {
        self.keyspace = keyspace
        self.table = table
        self.logger = logger
        self.stats = Array(repeating: CommandStats(), count: table.allSpecs.count)
    }

    /// Executes a batch of requests from one client, appending the replies to `output`. The caller holds the
    /// executor for the whole batch, so the batch is atomic with respect to other clients, like a Redis event
    /// loop iteration. Returns how many requests ran: fewer than the batch when one blocked the client (BLPOP),
    /// in which case the caller keeps the rest until the client is unblocked.
    @discardableResult
    public func execute(batch: ArraySlice<[ByteBuffer]>, client: ClientSession, output: inout ByteBuffer) -> Int {
        var ctx = CommandContext(
            dispatcher: self, client: client, reply: ReplyWriter(buffer: ByteBuffer(), proto: client.proto),
            spec: table.placeholder)
        swap(&ctx.reply.buffer, &output)
        // One clock reading per batch: commands decoded from one read run within microseconds of each other, and
        // Valkey too reads the clock once per command *call*, not per key access.
        keyspace.refreshClock()
        lastCommandEnd = SystemClock.monotonicNanoseconds()
        var executed = 0
        for args in batch {
            execute(args, &ctx)
            executed += 1
            if client.closeAfterReply || client.blocked != nil { break }
        }
        swap(&ctx.reply.buffer, &output)
        return executed
    }

    /// `execute(batch:)` for a whole array.
    @discardableResult
    public func execute(batch: [[ByteBuffer]], client: ClientSession, output: inout ByteBuffer) -> Int {
        execute(batch: batch[...], client: client, output: &output)
    }

    /// Executes one request into `ctx.reply`.
    public func execute(_ args: [ByteBuffer], _ ctx: inout CommandContext) {
        let client = ctx.client
        let mark = ctx.reply.buffer.writerIndex
        ctx.reply.proto = client.proto
        ctx.args = args
        ctx.replyIsPush = false
        dispatch(&ctx)
        // One command (or EXEC with its commands) is one unit of the log.
        if !pendingPropagation.isEmpty { flushPropagation() }
        // CLIENT REPLY OFF / SKIP: drop what this command wrote (but not Pub/Sub confirmations: pushes).
        switch client.replyMode {
        case .on: break
        case .off: if !ctx.replyIsPush { ctx.reply.buffer.moveWriterIndex(to: mark) }
        case .skipThis:
            if !ctx.replyIsPush { ctx.reply.buffer.moveWriterIndex(to: mark) }
            client.replyMode = .on
        case .skipNext: client.replyMode = .skipThis
        }
        // Clients blocked on keys this command (or EXEC) created are served now, after it.
        if !keyspace.readyKeys.isEmpty { serveBlockedClients() }
    }

    func dispatch(_ ctx: inout CommandContext) {
        let client = ctx.client
        guard let first = ctx.args.first else { return }
        guard var spec = table.lookup(first) else {
            reject(&ctx, .unknownCommand(name: ctx.string(0), args: (1..<ctx.argc).map { ctx.string($0) }))
            return
        }
        if !spec.subcommands.isEmpty, ctx.argc >= 2 {
            let subName = ctx.lowercased(1)
            guard let sub = spec.subcommands[subName] else {
                reject(&ctx, .unknownSubcommand(sub: ctx.string(1), command: spec.name))
                return
            }
            spec = sub
        }
        ctx.spec = spec
        guard spec.acceptsArgumentCount(ctx.argc) else {
            stats[spec.statsIndex].rejectedCalls += 1
            reject(&ctx, .wrongArity(spec.name))
            return
        }
        // Valkey checks authentication after existence and arity, so even an unauthenticated client learns
        // about typos.
        if !client.authenticated, !spec.flags.contains(.noAuth) {
            reject(&ctx, .custom("NOAUTH Authentication required."))
            return
        }
        // maxmemory (Valkey checks it after authentication): evict first; a command that may grow memory is
        // refused while the server stays over the limit.
        // EXEC runs its queued commands through here too; they were admitted when queued and EXEC as a whole was
        // checked, so neither the memory check nor the subscribed-mode check applies to them (as in Valkey).
        if maxMemory > 0, !inExec, !client.replaysLog, !performEvictions(&ctx), deniedWhenOutOfMemory(spec, client) {
            reject(&ctx, .outOfMemory(exec: (spec.parent ?? spec).name == "exec"))
            if (spec.parent ?? spec).name == "exec" {
                client.discardTransaction()
                unwatchAll(client)
            }
            return
        }
        // Writes (and PING, so that a client notices) are refused while the AOF cannot be written (Valkey's
        // `writeCommandsDeniedByDiskError`, checked after maxmemory).
        if let propagator, !inExec, !client.replaysLog, refusedOnDiskError(spec, client),
            let reason = propagator.writeRefusal()
        {
            rejectBeforeRun(&ctx, .diskWriteError(reason))
            return
        }
        // RESP2 subscribed mode (Valkey checks it after authentication, before MULTI queueing). In RESP3 the
        // messages are push frames, so every command keeps working on the connection.
        if client.proto == .resp2, !inExec, client.subscriptions.isSubscribed,
            !(spec.parent ?? spec).allowedWhileSubscribed
        {
            reject(&ctx, .notAllowedWhileSubscribed(spec.fullName))
            return
        }
        // While the dataset loads only commands flagged `loading` run (INFO, SELECT, CONFIG, ...), as in Valkey.
        if keyspace.isLoading, !client.replaysLog, !spec.flags.contains(.loading) {
            rejectBeforeRun(&ctx, .loading)
            return
        }
        if client.inMulti {
            let root = spec.parent ?? spec
            let passesThrough = root.name == "exec" || root.name == "discard" || root.name == "multi"
                || root.name == "watch" || root.name == "quit" || root.name == "reset"
            if !passesThrough {
                if spec.flags.contains(.noMulti) {
                    stats[spec.statsIndex].rejectedCalls += 1
                    reject(&ctx, .notAllowedInTransaction)
                    return
                }
                client.queued.append(ctx.args)
                ctx.reply.simple("QUEUED")
                return
            }
        }
        call(spec, &ctx)
    }

    /// Runs a handler with statistics; used directly by EXEC for queued commands.
    func call(_ spec: CommandSpec, _ ctx: inout CommandContext) {
        guard let handler = spec.handler else {
            reject(&ctx, .unknownSubcommand(sub: ctx.argc > 1 ? ctx.string(1) : "", command: spec.name))
            return
        }
        let client = ctx.client
        keyspace.noTouch = client.noTouch
        if let feed = monitorFeed, !spec.flags.contains(.skipMonitor) { feed(client, ctx.args) }
        client.lastCommand = spec.name
        // Commands of a batch run back to back, so one clock reading per command suffices: each starts where
        // the previous one ended (the dispatcher's own few instructions are charged to the next command).
        let start = lastCommandEnd
        let dirtyBefore = keyspace.dirty
        ctx.propagation = PropagationRequest()
        do {
            try handler(&ctx)
        } catch {
            stats[spec.statsIndex].failedCalls += 1
            replyError(&ctx, error)
        }
        // A command that changed data is recorded (Valkey's `call()`); EXEC is not, its commands are.
        if propagator != nil, !client.replaysLog, !ctx.propagation.prevented,
            keyspace.dirty != dirtyBefore || ctx.propagation.forced
        {
            pendingPropagation.append(
                PropagatedCommand(db: client.db, args: ctx.propagation.replacement ?? ctx.args))
        }
        // Events the keyspace raised that no later event of the handler published (a lazily expired key, a
        // read that missed).
        if !pendingEvents.isEmpty { flushKeyspaceEvents(publisher: client, output: &ctx.reply.buffer) }
        stats[spec.statsIndex].calls += 1
        let end = SystemClock.monotonicNanoseconds()
        lastCommandEnd = end
        stats[spec.statsIndex].nanoseconds &+= end &- start
        totalCommands += 1
        client.lastInteraction = keyspace.now
    }

    /// Valkey's `rejectCommand` for the checks that may also refuse EXEC: EXEC then answers EXECABORT with the
    /// reason and discards the transaction; any other command is rejected as by `reject`.
    func rejectBeforeRun(_ ctx: inout CommandContext, _ error: CommandError) {
        if (ctx.spec.parent ?? ctx.spec).name == "exec", ctx.client.inMulti {
            ctx.client.discardTransaction()
            unwatchAll(ctx.client)
            replyError(&ctx, .execAbort(error))
        } else {
            reject(&ctx, error)
        }
    }

    /// Rejects a command before execution; inside MULTI this also aborts the transaction (EXECABORT).
    func reject(_ ctx: inout CommandContext, _ error: CommandError) {
        if ctx.client.inMulti { ctx.client.multiError = true }
        replyError(&ctx, error)
    }

    func replyError(_ ctx: inout CommandContext, _ error: CommandError) {
        var text = error.message
        // An error reply is one line: Valkey turns any CR or LF (from echoed user input) into a space.
        if text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
            text = String(decoding: text.utf8.map { $0 == 0x0D || $0 == 0x0A ? 0x20 : $0 }, as: UTF8.self)
        }
        ctx.reply.error(text)
        totalErrorReplies += 1
        let code = text.prefix(while: { $0 != " " })
        errorCounts[String(code), default: 0] += 1
    }

    public func resetStats() {
        stats = Array(repeating: CommandStats(), count: table.allSpecs.count)
        totalErrorReplies = 0
        errorCounts = [:]
        totalCommands = 0
    }
}
