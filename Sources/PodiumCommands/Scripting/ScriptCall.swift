import NIOCore
import PodiumKeyspace
import PodiumRESP

/// What one script run may do and has done, kept by the engine across the commands the script calls (Valkey's
/// `scriptRunCtx` flags).
public struct ScriptRun {
    /// EVAL_RO / EVALSHA_RO / FCALL_RO, or a script flagged `no-writes`: write commands are refused.
    public var readOnly: Bool
    /// `allow-oom`: deny-oom commands run even over maxmemory.
    public var allowOOM: Bool
    /// No shebang (Valkey's compatibility mode) or `allow-cross-slot-keys`: in cluster mode, successive commands
    /// may touch keys of different slots.
    public var allowCrossSlot: Bool
    /// Over maxmemory when the script started (Valkey's `pre_command_oom_state`).
    public var outOfMemoryAtStart: Bool
    /// A write command ran (Valkey's `SCRIPT_WRITE_DIRTY`): from then on nothing refuses a write for the state
    /// of the server, the script cannot be stopped half-way.
    public var wroteData = false
    /// A command with effects outside the data ran (PUBLISH): the script cannot be run again from the start.
    public var published = false
    /// The slot the script's commands use (cluster mode).
    public var slot: Int?

    public init(readOnly: Bool, allowOOM: Bool, allowCrossSlot: Bool, outOfMemoryAtStart: Bool, slot: Int?) {
        self.readOnly = readOnly
        self.allowOOM = allowOOM
        self.allowCrossSlot = allowCrossSlot
        self.outOfMemoryAtStart = outOfMemoryAtStart
        self.slot = slot
    }
}

/// Which kind of script is busy (SCRIPT KILL stops an EVAL script, FUNCTION KILL a function).
public enum BusyScriptKind: Sendable {
    case eval, function
}

/// What the server does for a script that runs past `busy-reply-threshold` (its executor, PodiumServer). Called
/// by the engine on the script's thread, which holds the executor lock.
public protocol LongScriptHost: AnyObject {
    /// The script has just become busy: from now on others' work is handed to it.
    func scriptBecameBusy()
    /// Runs the work handed over meanwhile (a batch of requests each refused with BUSY unless allowed, a new
    /// connection, a closed one): Valkey's `processEventsWhileBlocked`, every 100,000 instructions.
    func serveWhileBusy()
    /// The busy script ended.
    func scriptEndedBusy()
}

/// FUNCTION STATS' `running_script`.
public struct RunningScriptInfo {
    public var name: String
    public var command: [ByteBuffer]
    public var durationMilliseconds: Int
    public var kind: BusyScriptKind

    public init(name: String, command: [ByteBuffer], durationMilliseconds: Int, kind: BusyScriptKind) {
        self.name = name
        self.command = command
        self.durationMilliseconds = durationMilliseconds
        self.kind = kind
    }
}

extension Dispatcher {
    /// Runs `body` (the work served while a script is busy) with the state of the script's own command set
    /// aside: its EXEC, its pending propagation and pushes, its key-touch mode, its clock of the last command, so
    /// that the commands served meanwhile neither see nor disturb them.
    public func whileScriptIsBusy(_ body: () -> Void) {
        let saved = (inExec, keyspace.noTouch, lastCommandEnd, pendingEvents, pendingPropagation)
        let batchState = (scriptsMayMove, stoppedBeforeScript, restartOnScriptThread)
        var pushes = ByteBuffer()
        swap(&pushes, &selfPushes)
        inExec = false
        keyspace.noTouch = false
        pendingEvents = []
        pendingPropagation = []
        body()
        (inExec, keyspace.noTouch, lastCommandEnd, pendingEvents, pendingPropagation) = saved
        (scriptsMayMove, stoppedBeforeScript, restartOnScriptThread) = batchState
        swap(&pushes, &selfPushes)
    }

    /// Whether the server is over maxmemory now (Valkey's `pre_command_oom_state` as a script starts).
    public var isOutOfMemory: Bool {
        maxMemory > 0 && memoryProbe() > maxMemory
    }

    static let noReply = ByteBuffer()

    /// Runs one command a script called (Valkey's `scriptCall`): the checks a script's command passes (known,
    /// arity, allowed from scripts, the caller's ACL, read-only scripts, disk errors and memory before the first
    /// write, cluster slots), then the command itself through `call`, its reply written to `reply` in `client`'s
    /// protocol. Returns nil, or the refusal (its text becomes the Lua error).
    public func callFromScript(
        _ args: [ByteBuffer], run: inout ScriptRun, client: ClientSession, caller: ClientSession,
        reply: inout ByteBuffer
    ) -> CommandError? {
        var spec: CommandSpec?
        let refusal = checkScriptCall(args, run: &run, caller: caller, spec: &spec)
        if let refusal {
            // Counted as Valkey's scriptCall counts them (afterErrorReply, a rejected call of the command); the
            // script's error then is not counted again.
            switch refusal {
            case .outOfMemory, .diskWriteError, .bgsaveError: countErrorReply(refusal.message)
            default: countErrorReply("ERR " + refusal.message)  // Valkey's own texts get the ERR code
            }
            if let spec { stats[spec.statsIndex].rejectedCalls += 1 }
            return refusal
        }
        guard let spec else { return .scriptUnknownCommand }
        // The context starts with a shared empty buffer (no allocation) and borrows `reply` for the call.
        var ctx = CommandContext(
            dispatcher: self, client: client, reply: ReplyWriter(buffer: Self.noReply, proto: client.proto), spec: spec)
        swap(&ctx.reply.buffer, &reply)
        ctx.args = args
        call(spec, &ctx)
        swap(&ctx.reply.buffer, &reply)
        return nil
    }

    /// The checks of `callFromScript`; sets `spec` once the command is known.
    private func checkScriptCall(
        _ args: [ByteBuffer], run: inout ScriptRun, caller: ClientSession,
        spec found: inout CommandSpec?
    ) -> CommandError? {
        guard let first = args.first, var spec = table.lookup(first) else { return .scriptUnknownCommand }
        if !spec.subcommands.isEmpty {
            // A container's arity is checked first (Valkey's lookupCommand finds no subcommand without one).
            guard args.count >= 2 else { return .scriptWrongArity }
            guard let sub = spec.subcommands[String(buffer: args[1]).lowercased()] else { return .scriptUnknownCommand }
            spec = sub
        }
        if serverlessMode, ServerlessRules.restricts(spec) { return .scriptUnknownCommand }
        found = spec
        guard spec.acceptsArgumentCount(args.count) else { return .scriptWrongArity }
        if spec.flags.contains(.noscript) { return .scriptNotAllowed }
        let user = acl.user(of: caller)
        if let denial = user.check(spec, args) {
            let reason = recordDenial(denial, spec: spec, args: args, user: user, client: caller, context: .lua)
            return .scriptACL(.noPermission(reason, command: spec.fullName))
        }
        let writes = spec.flags.contains(.write)
        if run.readOnly, writes { return .scriptWriteInReadOnly }
        if writes, !run.wroteData, !caller.replaysLog {
            if bgsaveErrorRefusesWrites { return .bgsaveError }
            if let propagator, let reason = propagator.writeRefusal() { return .diskWriteError(reason) }
        }
        if !run.allowOOM, maxMemory > 0, !caller.replaysLog, !run.wroteData, run.outOfMemoryAtStart,
            spec.flags.contains(.denyOOM)
        {
            return .outOfMemory(exec: false)
        }
        if writes { run.wroteData = true }
        if spec.flags.contains(.pubsub) { run.published = true }
        if cluster != nil, !caller.replaysLog {
            var slot: Int?
            if !Self.sameSlot(spec, args, &slot) { return .scriptCrossSlotCommand(spec.fullName) }
            if let slot, !run.allowCrossSlot {
                if let previous = run.slot, previous != slot { return .scriptCrossSlot }
                run.slot = slot
            }
        }
        return nil
    }

    /// server.acl_check_cmd: whether the caller's user may run `args`; nil for an unknown command.
    public func aclAllowsFromScript(_ args: [ByteBuffer], caller: ClientSession) -> Bool? {
        guard let spec = table.resolve(args) else { return nil }
        if !spec.subcommands.isEmpty { return nil }
        return acl.user(of: caller).check(spec, args) == nil
    }

    /// Counts an error reply the way `replyError` does, for errors the engine writes itself (a script's error
    /// result).
    public func countErrorReply(_ text: String) {
        totalErrorReplies += 1
        let code = text.prefix(while: { $0 != " " })
        errorCounts[String(code), default: 0] += 1
    }
}
