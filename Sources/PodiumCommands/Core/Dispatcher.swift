import Logging
import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// Runs commands: lookup → subcommand → arity → MULTI queueing → handler → statistics, in Valkey's order
/// (`processCommand`). It is not thread-safe: the server calls it from one place at a time, which is what gives
/// every client the same single global order of commands.
public final class Dispatcher {
    public let keyspace: Keyspace
    public weak var server: (any ServerContext)?
    public let table: CommandTable
    /// Users, the ACL LOG and the aclfile.
    public let acl: AccessControl
    @exclusivity(unchecked) public var logger: Logger

    /// Commands processed (INFO stats `total_commands_processed`).
    @exclusivity(unchecked) public var totalCommands = 0
    /// Error replies sent (INFO stats `total_error_replies`), and their counts by error code (errorstats).
    @exclusivity(unchecked) public var totalErrorReplies = 0
    @exclusivity(unchecked) public var errorCounts: [String: Int] = [:]
    /// INFO commandstats, indexed by `CommandSpec.statsIndex`.
    @exclusivity(unchecked) public var stats: [CommandStats]
    /// Called with every executed command when MONITOR clients exist.
    @exclusivity(unchecked) public var monitorFeed: ((ClientSession, [ByteBuffer]) -> Void)?
    /// `rdb-version`: the RDB version DUMP writes in its payloads.
    @exclusivity(unchecked) public var rdbVersion = 11
    /// `rdbcompression`: DUMP payloads LZF-compress strings over 20 bytes, as RDB files do.
    @exclusivity(unchecked) public var rdbCompression = true
    /// Set by the server while the last background save failed and `stop-writes-on-bgsave-error` applies: write
    /// commands (and PING) get `-MISCONF` (checked before the AOF's own refusal, as in Valkey).
    @exclusivity(unchecked) public var bgsaveErrorRefusesWrites = false
    /// The maximum bulk length CONFIG allows for values that commands build (SETRANGE, APPEND).
    @exclusivity(unchecked) public var protoMaxBulkLength = 512 * 1024 * 1024
    /// True while EXEC runs its queued commands: the clock stays frozen and nothing is queued.
    @exclusivity(unchecked) var inExec = false
    /// When the previous command finished (monotonic ns): the next command's start time.
    @exclusivity(unchecked) var lastCommandEnd: UInt64 = 0
    /// When the running command started (monotonic ns; read by a handler before it calls other commands).
    public var commandStart: UInt64 { lastCommandEnd }
    /// DEBUG SET-ACTIVE-EXPIRE: whether the server runs the active expiry cycle.
    @exclusivity(unchecked) public var activeExpireEnabled = true
    /// `enable-debug-command`: who may run the commands flagged `protected` (DEBUG).
    @exclusivity(unchecked) public var protectedCommandAccess = ProtectedAccess.no
    /// `notify-keyspace-events` as a bit mask (`KeyspaceEventFlags`), zero unless something is published; set
    /// through `keyspaceEvents` (KeyspaceNotifier.swift).
    @exclusivity(unchecked) @usableFromInline var notifyMask = 0
    /// Keyspace events raised by the keyspace itself (expiry, new key, key miss) not yet published.
    @exclusivity(unchecked) var pendingEvents: [PendingKeyspaceEvent] = []
    /// Runs EVAL, SCRIPT and their kin (PodiumScripting's Lua engine); nil: those commands are unknown.
    @exclusivity(unchecked) public var scripting: (any ScriptingEngine)?
    /// Set while a script has run past `busy-reply-threshold` (whether it is an EVAL script or a function):
    /// requests run meanwhile (`LongScriptHost.serveWhileBusy`) get BUSY unless their command may run during a
    /// busy script (`allowBusy`), and nothing they do may disturb the script's unit: the clock stays, no
    /// eviction, no propagation, no serving of blocked clients.
    @exclusivity(unchecked) public var busyScript: BusyScriptKind?
    /// What the server does while a script is busy (the server's executor); nil: nothing is served meanwhile.
    @exclusivity(unchecked) public var longScriptHost: (any LongScriptHost)?
    /// `busy-reply-threshold` (alias `lua-time-limit`), in milliseconds.
    @exclusivity(unchecked) public var busyReplyThreshold = 5000
    /// Set by `execute(batch:deferScripts:)` when it stopped before a request that runs a script.
    @exclusivity(unchecked) public internal(set) var stoppedBeforeScript = false
    /// True while a batch runs that may hand scripts to the script thread (`execute(batch:deferScripts:)` with
    /// `deferScripts`, on an event loop): only then may a script run inline be stopped to run again there.
    @exclusivity(unchecked) public internal(set) var scriptsMayMove = false
    /// Set by the engine when a script it ran inline took too long and has to run again on the script thread:
    /// the request counts as not executed (no reply, no statistics) and the batch stops before it.
    @exclusivity(unchecked) public var restartOnScriptThread = false
    /// This node as a cluster of one (`cluster-enabled yes`), nil otherwise.
    @exclusivity(unchecked) public var cluster: ClusterNode?
    /// `elasticache-serverless yes`: ElastiCache Serverless' restrictions apply (Serverless.swift).
    @exclusivity(unchecked) public var serverlessMode = false
    /// Push frames published to the client whose command is running (see `executeArguments`): written after its
    /// reply.
    @exclusivity(unchecked) public var selfPushes = ByteBuffer()
    /// While a script runs: the client that called it. What the script's commands publish to that client
    /// follows the script's reply, as for the client's own commands (Valkey's pushes to its current client).
    @exclusivity(unchecked) public var scriptCaller: ClientSession?

    /// The client whose own pushes go to `selfPushes` for a command run by `client`: the script's caller for a
    /// command a script runs.
    @inline(__always)
    func pushOwner(_ client: ClientSession) -> ClientSession {
        client.isScript ? (scriptCaller ?? client) : client
    }
    /// `maxmemory` in bytes (0: no limit), `maxmemory-policy` and `maxmemory-samples` (Eviction.swift).
    @exclusivity(unchecked) public var maxMemory = 0 { didSet { memoryChecksToSkip = 0 } }
    /// Commands that may still run without measuring memory: set while use is well below `maxMemory`
    /// (Dispatcher+Eviction.swift).
    @exclusivity(unchecked) var memoryChecksToSkip = 0
    /// How many bytes the process holds, as `maxmemory` compares them: the C allocator's figure
    /// (`Dispatcher.allocatedBytes`) unless a test puts its own probe here.
    @exclusivity(unchecked) public var memoryProbe: @Sendable () -> Int = { Dispatcher.allocatedBytes }
    @exclusivity(unchecked) public var evictionPolicy = EvictionPolicy.noEviction
    @exclusivity(unchecked) public var evictionSamples = 5
    /// Keys evicted since start (INFO `evicted_keys`).
    @exclusivity(unchecked) public internal(set) var evictedKeys = 0
    /// Where writes are recorded (the AOF), or nil (Propagation.swift).
    @exclusivity(unchecked) public var propagator: (any CommandPropagator)? {
        didSet { installKeyspaceObservers() }
    }
    /// Writes of the execution unit in progress, not yet handed to the propagator.
    @exclusivity(unchecked) var pendingPropagation: [PropagatedCommand] = []
    /// Blocked clients by key, in the order they blocked (Blocking.swift).
    @exclusivity(unchecked) var blockedOn: [DatabaseKey: [ClientSession]] = [:]
    /// Clients blocked without keys (WAIT), by id.
    @exclusivity(unchecked) var waitingClients: [Int: ClientSession] = [:]
    /// Clients blocked now (INFO `blocked_clients`).
    @exclusivity(unchecked) public internal(set) var blockedClientCount = 0
    @exclusivity(unchecked) var blockGenerations = 0
    /// True while blocked clients are being served (serving never nests).
    @exclusivity(unchecked) var servingBlocked = false

    public init(keyspace: Keyspace, table: CommandTable = .shared, logger: Logger = Logger(label: "podium.commands")) {
        self.keyspace = keyspace
        self.table = table
        self.acl = AccessControl(table: table)
        self.logger = logger
        self.stats = Array(repeating: CommandStats(), count: table.allSpecs.count)
    }

    /// Executes a batch of requests from one client, appending the replies to `output`. The caller holds the
    /// executor for the whole batch, so the batch is atomic with respect to other clients, like a Redis event
    /// loop iteration.
    ///
    /// Stops early after a command that blocked the client (BLPOP): the caller keeps the rest until the client is
    /// unblocked. With `outputLimit`, stops after the command whose replies took `output` to that many bytes or
    /// more: the connection writes what it has and runs the rest once the client has read enough (output
    /// back-pressure). Returns how many requests ran (all of them, or up to and including the one that closed the
    /// connection, blocked the client or filled the output).
    ///
    /// Not generic on purpose: called from another module, a generic batch was not specialized, and its witness
    /// calls and metadata lookups took about 2% of the server's time under unpipelined SETs (perf).
    ///
    /// With `deferScripts`, stops before a request that would run a script (EVAL, FCALL, EXEC of a transaction
    /// with one) and sets `stoppedBeforeScript`: the server runs the rest of the batch on its script thread.
    @discardableResult
    public func execute(
        batch: ArraySlice<[ByteBuffer]>, client: ClientSession, output: inout ByteBuffer,
        outputLimit: Int = .max, deferScripts: Bool = false
    ) -> Int {
        var ctx = CommandContext(
            dispatcher: self, client: client, reply: ReplyWriter(buffer: ByteBuffer(), proto: client.proto),
            spec: table.placeholder)
        swap(&ctx.reply.buffer, &output)
        // One clock reading per batch: commands decoded from one read run within microseconds of each other
        // (Valkey reads it once per command call, never per key access).
        // While a script is busy, its clock stands.
        if busyScript == nil { keyspace.refreshClock() }
        lastCommandEnd = SystemClock.monotonicNanoseconds()
        var executed = 0
        stoppedBeforeScript = false
        scriptsMayMove = deferScripts
        defer { scriptsMayMove = false }
        for index in batch.indices {
            // Stored straight into the context: a loop variable would be one more copy (a retain and a release).
            ctx.args = batch[index]
            if deferScripts, runsScript(ctx.args, client) {
                stoppedBeforeScript = true
                break
            }
            executeArguments(&ctx)
            if restartOnScriptThread {
                restartOnScriptThread = false
                stoppedBeforeScript = true
                break
            }
            executed += 1
            if client.closeAfterReply || client.blocked != nil || ctx.reply.buffer.readableBytes >= outputLimit {
                break
            }
        }
        swap(&ctx.reply.buffer, &output)
        return executed
    }

    /// `execute(batch:)` for a whole array.
    @discardableResult
    public func execute(
        batch: [[ByteBuffer]], client: ClientSession, output: inout ByteBuffer,
        outputLimit: Int = .max
    ) -> Int {
        execute(batch: batch[...], client: client, output: &output, outputLimit: outputLimit)
    }

    /// Whether `args` would run a script now: EVAL, FCALL and their kin outside MULTI, or EXEC of a transaction
    /// that queued one. Cheap for every other command (one byte compared).
    @inline(__always)
    func runsScript(_ args: [ByteBuffer], _ client: ClientSession) -> Bool {
        // While a script is busy, a script request is answered BUSY at once instead.
        guard busyScript == nil, let first = args.first, let c = first.getInteger(at: first.readerIndex, as: UInt8.self)
        else {
            return false
        }
        switch c | 0x20 {
        case UInt8(ascii: "e"), UInt8(ascii: "f"):
            guard let spec = table.lookup(first) else { return false }
            if spec.flags.contains(.runsScript) {
                // Scripts known to be quick run inline, on the event loop (see `ScriptingEngine.runsInline`).
                return !client.inMulti && !(scripting?.runsInline(args, spec: spec) ?? false)
            }
            guard spec.flags.contains(.runsTransaction), client.inMulti else { return false }
            return client.queued.contains { queued in
                queued.first.flatMap { table.lookup($0) }?.flags.contains(.runsScript) == true
            }
        default:
            return false
        }
    }

    /// Executes the request in `ctx.args` into `ctx.reply`.
    func executeArguments(_ ctx: inout CommandContext) {
        let client = ctx.client
        let mark = ctx.reply.buffer.writerIndex
        ctx.reply.proto = client.proto
        ctx.replyIsPush = false
        dispatch(&ctx)
        if restartOnScriptThread {
            // The script stopped before it changed anything: nothing was answered; what its reads expired is
            // recorded and published to others. What it would have pushed to its own client is dropped (it has no
            // reply yet to follow; the run again publishes what it finds again).
            ctx.reply.buffer.moveWriterIndex(to: mark)
            if !pendingEvents.isEmpty { flushKeyspaceEvents(publisher: client, output: &selfPushes) }
            selfPushes.clear()
            if !pendingPropagation.isEmpty { flushPropagation() }
            return
        }
        // Served while a script is busy: the script's unit is not over; leave its effects alone.
        if busyScript != nil {
            applyReplyMode(client, &ctx, mark: mark)
            return
        }
        // One command (or EXEC with its commands) is one unit of the log.
        if !pendingPropagation.isEmpty { flushPropagation() }
        applyReplyMode(client, &ctx, mark: mark)
        // What the command published to its own client (PUBLISH to a channel it subscribes to, its keyspace
        // events) follows the reply, EXEC's whole reply for its commands, and is kept under CLIENT REPLY OFF:
        // Valkey 8's `pending_push_messages` (Redis 7.2), one rule for every command.
        if selfPushes.readableBytes > 0 {
            ctx.reply.buffer.writeBuffer(&selfPushes)
            selfPushes.clear()
        }
        // Clients blocked on keys this command (or EXEC) created are served now, after it.
        if !keyspace.readyKeys.isEmpty { serveBlockedClients() }
    }

    /// CLIENT REPLY OFF / SKIP: drops what this command wrote (but not Pub/Sub confirmations: pushes). A command
    /// that blocked the client has not replied yet: its reply (served, timed out) applies the mode then.
    @inline(__always)
    func applyReplyMode(_ client: ClientSession, _ ctx: inout CommandContext, mark: Int) {
        switch client.blocked == nil ? client.replyMode : .on {
        case .on: break
        case .off: if !ctx.replyIsPush { ctx.reply.buffer.moveWriterIndex(to: mark) }
        case .skipThis:
            if !ctx.replyIsPush { ctx.reply.buffer.moveWriterIndex(to: mark) }
            client.replyMode = .on
        case .skipNext: client.replyMode = .skipThis
        }
    }

    func dispatch(_ ctx: inout CommandContext) {
        let client = ctx.client
        guard let first = ctx.args.first else { return }
        if serverlessMode, ctx.argc > ServerlessRules.maxArguments, !client.replaysLog {
            reject(&ctx, .tooManyArguments)
            return
        }
        guard var spec = table.lookup(first) else {
            // ElastiCache Serverless words it as for its restricted commands.
            reject(
                &ctx,
                serverlessMode && !client.replaysLog
                    ? .restrictedOnServerless(ctx.string(0), firstArgument: ctx.argc > 1 ? ctx.string(1) : nil)
                    : .unknownCommand(name: ctx.string(0), args: (1..<ctx.argc).map { ctx.string($0) }))
            return
        }
        // ElastiCache Serverless refuses a restricted container (CONFIG, FUNCTION) before its subcommands.
        if serverlessMode, !client.replaysLog, let restriction = serverlessRestriction(spec, ctx.args) {
            reject(&ctx, restriction)
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
        if serverlessMode, spec.parent != nil, !client.replaysLog,
            let restriction = serverlessRestriction(spec, ctx.args)
        {
            rejectCall(&ctx, restriction)
            return
        }
        guard spec.acceptsArgumentCount(ctx.argc) else {
            rejectCall(&ctx, .wrongArity(spec.name))
            return
        }
        // Valkey's CMD_PROTECTED check comes right after the arity, before authentication.
        if spec.flags.contains(.protected), !protectedCommandAccess.allows(localClient: client.isLocal) {
            rejectCall(&ctx, .debugNotAllowed)
            return
        }
        // Valkey checks authentication after existence and arity, so even an unauthenticated client learns
        // about typos.
        if !client.authenticated, !acl.defaultUserIsOpen, !spec.flags.contains(.noAuth) {
            rejectCall(&ctx, .noAuth)
            return
        }
        // Valkey refuses a no-multi command inside MULTI before it looks at the ACL.
        if client.inMulti, !inExec, spec.flags.contains(.noMulti), !Self.passesThroughMulti(spec) {
            rejectCall(&ctx, .notAllowedInTransaction)
            return
        }
        // The ACL: command, keys, channels (AccessControl.swift). EXEC's queued commands are checked again, in
        // case the user's rules changed since they were queued.
        if !acl.allowsEverything(client) {
            let user = acl.user(of: client)
            if let denial = user.check(spec, ctx.args) {
                denyByACL(&ctx, denial, user: user)
                return
            }
        }
        // Cluster mode (Valkey checks it right after the ACL): keys of one request must share a slot. A queued
        // command is refused and spoils its transaction; EXEC of one whose commands span slots is discarded.
        if cluster != nil, !client.replaysLog, let refusal = clusterRefusal(spec, ctx.args, client) {
            if spec.rootFlags.contains(.runsTransaction) {
                stats[spec.statsIndex].rejectedCalls += 1
                client.discardTransaction()
                unwatchAll(client)
                replyError(&ctx, refusal)
            } else {
                rejectCall(&ctx, refusal)
            }
            return
        }
        if serverlessMode, !client.replaysLog, let refusal = serverlessRefusal(spec, ctx.args, client) {
            rejectCall(&ctx, refusal)
            return
        }
        // maxmemory (Valkey checks it after authentication): evict first; a command that may grow memory is
        // refused while the server stays over the limit.
        // EXEC runs its queued commands through here too; they were admitted when queued and EXEC as a whole was
        // checked, so neither the memory check nor the subscribed-mode check applies to them (as in Valkey).
        if maxMemory > 0, !inExec, !client.replaysLog, busyScript == nil, !performEvictions(&ctx),
            deniedWhenOutOfMemory(spec, client)
        {
            let exec = spec.rootFlags.contains(.runsTransaction)
            rejectCall(&ctx, .outOfMemory(exec: exec))
            if exec {
                client.discardTransaction()
                unwatchAll(client)
            }
            return
        }
        // Writes (and PING, so that a client notices) are refused while the AOF cannot be written (Valkey's
        // `writeCommandsDeniedByDiskError`, checked after maxmemory).
        if propagator != nil || bgsaveErrorRefusesWrites, !inExec, !client.replaysLog, refusedOnDiskError(spec, client)
        {
            if bgsaveErrorRefusesWrites {
                rejectBeforeRun(&ctx, .bgsaveError)
                return
            }
            if let reason = propagator?.writeRefusal() {
                rejectBeforeRun(&ctx, .diskWriteError(reason))
                return
            }
        }
        // RESP2 subscribed mode (Valkey checks it after authentication, before MULTI queueing). In RESP3 the
        // messages are push frames, so every command keeps working on the connection.
        if client.proto == .resp2, !inExec, client.subscriptions.isSubscribed,
            !spec.rootFlags.contains(.allowedWhileSubscribed)
        {
            rejectBeforeRun(&ctx, .notAllowedWhileSubscribed(spec.fullName))
            return
        }
        // While the dataset loads only commands flagged `loading` run (INFO, SELECT, CONFIG, ...), as in Valkey.
        if keyspace.isLoading, !client.replaysLog, !spec.flags.contains(.loading) {
            rejectBeforeRun(&ctx, .loading)
            return
        }
        // A script has run past busy-reply-threshold: only what may run meanwhile does (Valkey checks it last,
        // before MULTI queueing).
        if let busy = busyScript, !spec.flags.contains(.allowBusy) {
            rejectBeforeRun(&ctx, .busyScript(eval: busy == .eval))
            return
        }
        if client.inMulti, !Self.passesThroughMulti(spec) {
            client.queued.append(ctx.args)
            ctx.reply.simple("QUEUED")
            return
        }
        call(spec, &ctx)
    }

    /// The arguments MONITOR may show: secrets become `(redacted)`, as Valkey's `redactClientCommandArgument` does
    /// for ACL SETUSER's rules, HELLO's AUTH credentials and CONFIG SET of a sensitive directive (`requirepass`,
    /// `tls-key-file-pass`, …). AUTH itself is not shown at all (`skipMonitor`).
    static func redacted(_ spec: CommandSpec, _ args: [ByteBuffer]) -> [ByteBuffer] {
        var hidden: [Int] = []
        switch spec.fullName {
        case "acl|setuser": hidden = Array(2..<args.count)
        case "hello":
            if let auth = args.indices.dropFirst(2).first(where: { String(buffer: args[$0]).lowercased() == "auth" }) {
                hidden = Array((auth + 1)..<min(args.count, auth + 3))
            }
        case "config|set":
            for i in stride(from: 2, to: args.count - 1, by: 2)
            where ConfigTable.entry(named: String(buffer: args[i]))?.flags.contains(.sensitive) == true {
                hidden.append(i + 1)
            }
        default: return args
        }
        var out = args
        for i in hidden { out[i] = ByteBuffer(string: "(redacted)") }
        return out
    }

    /// Commands a client in MULTI runs at once instead of queueing (flags `endsTransaction` and `notQueued`).
    static func passesThroughMulti(_ spec: CommandSpec) -> Bool {
        !spec.rootFlags.isDisjoint(with: [.endsTransaction, .notQueued])
    }

    /// Refuses a command the ACL denies: Valkey's NOPERM texts (Redis 7.0's wording), an ACL LOG entry (context
    /// `multi` inside a transaction), and in EXEC the text that says the rules changed since the command was queued.
    func denyByACL(_ ctx: inout CommandContext, _ denial: ACLDenial, user: ACLUser) {
        let client = ctx.client
        let reason = recordDenial(
            denial, spec: ctx.spec, args: ctx.args, user: user, client: client,
            context: client.inMulti || inExec ? .multi : .toplevel)
        rejectBeforeRun(&ctx, inExec ? .noPermissionInExec(reason) : .noPermission(reason, command: ctx.spec.fullName))
    }

    /// Writes an ACL LOG entry for a denial (the command's full name, or the refused key or channel) and returns
    /// its reason; shared by the dispatcher and the commands scripts call.
    func recordDenial(
        _ denial: ACLDenial, spec: CommandSpec, args: [ByteBuffer], user: ACLUser, client: ClientSession,
        context: ACLLogEntry.Context
    ) -> ACLLogEntry.Reason {
        let reason: ACLLogEntry.Reason
        let object: String
        switch denial {
        case .command:
            reason = .command
            object = spec.fullName
        case .key(let argument):
            reason = .key
            object = String(buffer: args[argument])
        case .channel(let argument):
            reason = .channel
            object = String(buffer: args[argument])
        }
        acl.record(
            reason, context: context, object: object, username: user.name,
            clientInfo: ClientCommands.describe(client, now: keyspace.now), now: keyspace.now)
        return reason
    }

    /// Runs a handler with statistics; used directly by EXEC for queued commands.
    func call(_ spec: CommandSpec, _ ctx: inout CommandContext) {
        guard let handler = spec.handler else {
            reject(&ctx, .unknownSubcommand(sub: ctx.argc > 1 ? ctx.string(1) : "", command: spec.name))
            return
        }
        let client = ctx.client
        keyspace.noTouch = client.noTouch
        if let feed = monitorFeed, !spec.flags.contains(.skipMonitor) { feed(client, Self.redacted(spec, ctx.args)) }
        // Compared first: a pipeline of one command then stores nothing (a String store retains and releases).
        if client.lastCommand != spec.name { client.lastCommand = spec.name }
        // Commands of a batch run back to back, so one clock reading per command suffices: each starts where
        // the previous one ended (the dispatcher's own few instructions are charged to the next command).
        let start = lastCommandEnd
        let dirtyBefore = keyspace.dirty
        ctx.propagation = PropagationRequest()
        do {
            try handler(&ctx)
        } catch {
            if restartOnScriptThread { return }
            stats[spec.statsIndex].failedCalls += 1
            replyError(&ctx, error)
        }
        // A command that changed data is recorded (Valkey's `call()`); EXEC is not, its commands are.
        if propagator != nil, !client.replaysLog, client.recordsWrites, !ctx.propagation.prevented,
            keyspace.dirty != dirtyBefore || ctx.propagation.forced
        {
            pendingPropagation.append(
                PropagatedCommand(db: client.db, args: ctx.propagation.replacement ?? ctx.args))
        }
        // Events the keyspace raised that no later event of the handler published (a lazily expired key, a
        // read that missed).
        if !pendingEvents.isEmpty { flushKeyspaceEvents(publisher: pushOwner(client), output: &selfPushes) }
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
        // Valkey's execCommandAbort runs whether or not the client is in MULTI.
        if ctx.spec.rootFlags.contains(.runsTransaction) {
            stats[ctx.spec.statsIndex].rejectedCalls += 1
            ctx.client.discardTransaction()
            unwatchAll(ctx.client)
            replyError(&ctx, .execAbort(error))
        } else {
            rejectCall(&ctx, error)
        }
    }

    /// Valkey's `rejectCommand` for a command the table knows (`ctx.spec`): a rejected call in INFO commandstats,
    /// then the error as by `reject`. Unknown commands and subcommands are not counted (Valkey has no command
    /// to count them on).
    func rejectCall(_ ctx: inout CommandContext, _ error: CommandError) {
        stats[ctx.spec.statsIndex].rejectedCalls += 1
        reject(&ctx, error)
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
