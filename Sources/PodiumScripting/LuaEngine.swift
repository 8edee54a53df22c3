import CPodiumLua
import Crypto
import Logging
import NIOCore
import PodiumCommands
import PodiumKeyspace
import PodiumRESP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// EVAL and its kin with a real Lua 5.1 (Debian's), as Valkey 8 runs them: the script cache (EVAL's scripts
/// evicted beyond 500, SCRIPT LOAD's kept), shebang flags, the run of a script inside the command order, and the
/// commands it calls through `Dispatcher.callFromScript`. The interpreter side (libraries, conversions, error
/// tables) is CPodiumLua's.
///
/// Not thread-safe: only called by the dispatcher, inside the executor, like every command.
public final class LuaEngine: ScriptingEngine {
    /// Valkey's `LRU_LIST_LENGTH`: EVAL keeps at most this many scripts it compiled itself.
    static let evalCacheLimit = 500

    /// A script's SHA-1, as the key of the cache: no string to build or hash per EVALSHA.
    struct SHAKey: Hashable {
        var high: UInt64
        var middle: UInt64
        var low: UInt32

        init<D: Sequence>(digest: D) where D.Element == UInt8 {
            var bytes = [UInt8](repeating: 0, count: 20)
            var i = 0
            for b in digest where i < 20 {
                bytes[i] = b
                i += 1
            }
            high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            middle = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes[16..<20].reduce(0) { $0 << 8 | UInt32($1) }
        }

        /// 40 hexadecimal digits in either case, or nil.
        init?(hex: ByteBuffer) {
            guard hex.readableBytes == 40 else { return nil }
            var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
            let ok = hex.withUnsafeReadableBytes { raw -> Bool in
                Self.hexDigits.withUnsafeBufferPointer { digits -> Bool in
                    var bad: UInt8 = 0
                    // The hex digits `range` as one number (a digit's value, or 0x80 marking a non-digit).
                    func word(_ range: Range<Int>) -> UInt64 {
                        var value: UInt64 = 0
                        for i in range {
                            let d = digits[Int(raw[i])]
                            bad |= d
                            value = value << 4 | UInt64(d & 0x0F)
                        }
                        return value
                    }
                    words = (word(0..<16), word(16..<32), word(32..<40))
                    return bad & 0x80 == 0
                }
            }
            guard ok else { return nil }
            high = words.0
            middle = words.1
            low = UInt32(truncatingIfNeeded: words.2)
        }

        /// A hex digit's value, 0x80 for any other byte.
        static let hexDigits: [UInt8] = (0..<256).map { c -> UInt8 in
            switch c {
            case 0x30...0x39: return UInt8(c - 0x30)
            case 0x61...0x66: return UInt8(c - 0x61 + 10)
            case 0x41...0x46: return UInt8(c - 0x41 + 10)
            default: return 0x80
            }
        }
    }

    struct Script {
        /// The SHA in lower-case hex (error texts, SCRIPT LOAD's reply), and the compiled chunk's registry reference.
        var hex: String
        var ref: Int32
        var body: ByteBuffer
        var flags: ScriptFlags
        /// Compiled by EVAL (evictable) rather than SCRIPT LOAD.
        var fromEval: Bool
        var lastUse: UInt64
        /// Its last run was quick: it may run inline, on the event loop.
        var inline = false
    }

    /// How long a script may run inline, on an event loop, before it is stopped and run again from the start on
    /// the script thread (when it has not written or published yet), in milliseconds.
    static let inlineBudgetMilliseconds = 5

    unowned let dispatcher: Dispatcher
    private var state: OpaquePointer?
    /// The interpreter of functions (Valkey keeps one apart from EVAL's) and the loaded libraries.
    private var functionState: OpaquePointer?
    private var store = FunctionStore()
    /// FUNCTION LOAD stops a library that runs longer than this (Valkey's `LOAD_TIMEOUT_MS`).
    static let loadTimeoutMilliseconds = 500
    private let host: UnsafeMutablePointer<podium_lua_host>
    private var scripts: [SHAKey: Script] = [:]
    /// The SHA EVALSHA named last, as sent and parsed (the dispatcher's check and the command parse it both).
    private var lastSHAText = ByteBuffer()
    private var lastSHAKey: SHAKey?
    private var lastEvalBody = ByteBuffer()
    private var lastEvalKey: SHAKey?
    /// The function FCALL called last (its name as sent, and its key in the store), so a function called again
    /// and again costs no string building.
    private var lastFunctionName = ByteBuffer()
    private var lastFunction: FunctionStore.Function?
    private var lastFunctionGeneration = -1
    private var evalScripts = 0
    private var useClock: UInt64 = 0
    private var evicted = 0
    private var scriptsMemory = 0
    /// The client scripts' commands run as (Valkey's lua client).
    let scriptClient: ClientSession
    /// While a script runs: its rules and what it did, and who called it.
    private var run: ScriptRun?
    private var caller: ClientSession?
    /// The running script: when it started (monotonic ns), what it is, the command that runs it, whether it has
    /// run past busy-reply-threshold, and whether SCRIPT KILL / FUNCTION KILL asked it to stop.
    private var runStart: UInt64 = 0
    private var runKind = BusyScriptKind.eval
    private var runName = ""
    private var runCommand: [ByteBuffer] = []
    private var timedOut = false
    private var killed = false
    /// Set by `interrupt` when an inline run went over its budget before it changed anything.
    private var restartRequested = false
    /// Whether the count hook ran during this run.
    private var hookFired = false
    private var output = podium_lua_output()
    private var replyBuffer = ByteBuffer()
    private var argumentBuffer = ByteBuffer()
    private var argumentArray: [ByteBuffer] = []
    /// What the C side reads a command's reply (or refusal) from: stable until the next call.
    private var exchange = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
    private var blob: [UInt8] = []
    private var lengths: [Int] = []

    public init(dispatcher: Dispatcher) {
        self.dispatcher = dispatcher
        self.scriptClient = ClientSession(id: Int.max)
        scriptClient.isScript = true
        scriptClient.address = "lua"
        host = .allocate(capacity: 1)
        host.initialize(to: podium_lua_host())
        host.pointee.context = Unmanaged.passUnretained(self).toOpaque()
        host.pointee.call = luaHostCall
        host.pointee.acl_check = luaHostACLCheck
        host.pointee.format_double = luaHostFormatDouble
        host.pointee.log = luaHostLog
        host.pointee.sha1hex = luaHostSHA1
        host.pointee.set_resp = luaHostSetResp
        host.pointee.set_repl = luaHostSetRepl
        host.pointee.interrupt = luaHostInterrupt
        state = Self.makeInterpreter(host)
        functionState = Self.makeInterpreter(host, functions: true)
    }

    deinit {
        if let state { podium_lua_close(state) }
        if let functionState { podium_lua_close(functionState) }
        host.deallocate()
        exchange.deallocate()
        podium_lua_output_free(&output)
    }

    private static func makeInterpreter(
        _ host: UnsafeMutablePointer<podium_lua_host>, functions: Bool = false
    )
        -> OpaquePointer?
    {
        podium_lua_create(
            host, ConnectionCommands.redisVersion, Double(0x07_02_04), "8.0.1", Double(0x08_00_01),
            "valkey", functions ? 1 : 0)
    }

    // MARK: - ScriptingEngine

    public var figures: ScriptingFigures {
        var f = ScriptingFigures()
        f.cachedScripts = scripts.count
        f.evictedScripts = evicted
        f.interpreterMemory = state.map { Int(podium_lua_memory($0)) } ?? 0
        f.scriptsMemory = scriptsMemory
        f.functions = store.functions.count
        f.libraries = store.libraries.count
        f.functionsInterpreterMemory = functionState.map { Int(podium_lua_memory($0)) } ?? 0
        f.functionsMemory = store.memory
        return f
    }

    public func exists(sha: ByteBuffer) -> Bool {
        SHAKey(hex: sha).map { scripts[$0] != nil } ?? false
    }

    public func body(sha: ByteBuffer) -> ByteBuffer? {
        SHAKey(hex: sha).flatMap { scripts[$0]?.body }
    }

    public func flush() {
        if let state { podium_lua_close(state) }
        scripts.removeAll()
        evalScripts = 0
        scriptsMemory = 0
        state = Self.makeInterpreter(host)
    }

    public func load(_ ctx: inout CommandContext, body: ByteBuffer) throws(CommandError) -> String {
        let key = Self.key(body)
        if let index = scripts.index(forKey: key) {
            // A script EVAL compiled becomes a loaded one, which is never evicted.
            if scripts.values[index].fromEval {
                scripts.values[index].fromEval = false
                evalScripts -= 1
            }
            return scripts.values[index].hex
        }
        return try create(key: key, body: body, fromEval: false).hex
    }

    public func eval(_ ctx: inout CommandContext, bySHA: Bool, readOnly: Bool) throws(CommandError) {
        if bySHA, ctx.args[1].readableBytes != 40 { throw ScriptingCommands.noScriptError }
        let numkeys = try ctx.integer(2)
        if numkeys > ctx.argc - 3 { throw .numkeysAboveArguments }
        if numkeys < 0 { throw .numkeysNegative }
        let key: SHAKey
        if bySHA {
            guard let parsed = shaKey(hex: ctx.args[1]) else { throw ScriptingCommands.noScriptError }
            key = parsed
        } else {
            key = evalKey(ctx.args[1])
        }
        var index = scripts.index(forKey: key)
        if index == nil {
            if bySHA { throw ScriptingCommands.noScriptError }
            _ = try create(key: key, body: ctx.args[1], fromEval: true)
            index = scripts.index(forKey: key)
        }
        useClock += 1
        scripts.values[index!].lastUse = useClock
        let script = scripts.values[index!]
        let flags = script.flags
        let newRun = try prepare(flags: flags, readOnly: readOnly, numkeys: numkeys, ctx: &ctx)
        ctx.preventPropagation()
        // Fed to MONITOR before the commands it runs (EVAL skips the dispatcher's feed).
        dispatcher.monitorFeed?(ctx.client, ctx.args)
        let quick = execute(
            state: state, ref: script.ref, funcname: script.hex, functionMode: false, run: newRun,
            numkeys: numkeys, ctx: &ctx)
        if quick != script.inline, let index = scripts.index(forKey: key) {
            scripts.values[index].inline = quick ?? false
        }
        if quick == nil { throw .restartOnScriptThread }
    }

    public func runsInline(_ args: [ByteBuffer], spec: CommandSpec) -> Bool {
        guard args.count >= 2 else { return false }
        switch spec.name {
        case "eval", "eval_ro":
            return scripts[evalKey(args[1])]?.inline ?? false
        case "evalsha", "evalsha_ro":
            return shaKey(hex: args[1]).flatMap { scripts[$0]?.inline } ?? false
        default:
            return function(named: args[1])?.inline ?? false
        }
    }

    // MARK: - Functions

    public func fcall(_ ctx: inout CommandContext, readOnly: Bool) throws(CommandError) {
        dispatcher.monitorFeed?(ctx.client, ctx.args)
        guard let function = function(named: ctx.args[1]) else { throw CommandError.functionNotFound }
        guard let numkeys = ctx.integerIfValid(2) else {
            throw CommandError.functionBadNumberOfKeys
        }
        if numkeys > ctx.argc - 3 { throw .numkeysAboveArguments }
        if numkeys < 0 { throw .numkeysNegative }
        let newRun = try prepare(flags: function.flags, readOnly: readOnly, numkeys: numkeys, ctx: &ctx)
        ctx.preventPropagation()
        let quick = execute(
            state: functionState, ref: function.ref, funcname: function.name,
            functionMode: true, run: newRun, numkeys: numkeys, ctx: &ctx)
        if quick != function.inline { store.setInline(quick ?? false, function: function.name) }
        if quick == nil { throw .restartOnScriptThread }
    }

    public func loadLibrary(
        _ ctx: inout CommandContext, code: ByteBuffer, replace: Bool
    ) throws(CommandError)
        -> String
    {
        guard let functionState else { throw .scriptCompile("no interpreter") }
        // A library replayed from the AOF has no time limit (Valkey's mustObeyClient).
        let timeout = ctx.client.replaysLog ? 0 : Self.loadTimeoutMilliseconds
        return try store.create(code, replace: replace, timeoutMilliseconds: timeout, state: functionState)
    }

    public func deleteLibrary(_ name: String) -> Bool {
        guard let functionState else { return false }
        return store.delete(name, state: functionState)
    }

    public func flushLibraries() {
        guard let functionState else { return }
        store.removeAll(state: functionState)
        podium_lua_collect(functionState)
    }

    public var libraries: [FunctionLibraryInfo] {
        store.order.map { name in
            let library = store.libraries[name]!
            return FunctionLibraryInfo(
                name: name, code: library.code,
                functions: library.functions.map { f in
                    let function = store.function(key: FunctionStore.key(f))!
                    return FunctionLibraryInfo.Function(
                        name: f, description: function.description,
                        flags: ScriptFlags.names.filter { function.flags.contains($0.1) }.map(\.0))
                })
        }
    }

    public func restoreLibraries(
        _ codes: [ByteBuffer], policy: FunctionRestorePolicy, readError: CommandError?
    )
        throws(CommandError)
    {
        guard let functionState else { return }
        var restored = FunctionStore()
        do throws(CommandError) {
            for code in codes {
                _ = try restored.create(code, replace: false, timeoutMilliseconds: 0, state: functionState)
            }
            if let readError { throw readError }
            if policy == .flush {
                store.removeAll(state: functionState)
            }
            try store.join(&restored, replace: policy == .replace, state: functionState)
        } catch {
            restored.removeAll(state: functionState)
            throw error
        }
    }

    // MARK: - Compiling

    private func create(key: SHAKey, body: ByteBuffer, fromEval: Bool) throws(CommandError) -> Script {
        let (flags, shebangLength) = try ScriptFlags.parseShebang(body)
        guard let state else { throw .scriptCompile("no interpreter") }
        var failure: UnsafeMutablePointer<CChar>?
        var ref: Int32 = 0
        let status = body.withUnsafeReadableBytes { raw in
            podium_lua_compile(
                state, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, shebangLength,
                &ref, &failure)
        }
        if status != 0 {
            let message = failure.map { String(cString: $0) } ?? "unknown error"
            free(failure)
            throw .scriptCompile(message)
        }
        if fromEval {
            if evalScripts >= Self.evalCacheLimit { evictOldestEvalScript() }
            evalScripts += 1
        }
        useClock += 1
        // A copy of the body: the argument is a slice of the receive buffer.
        var copy = ByteBuffer()
        copy.writeImmutableBuffer(body)
        let script = Script(
            hex: Self.sha1(body), ref: ref, body: copy, flags: flags, fromEval: fromEval,
            lastUse: useClock)
        scripts[key] = script
        scriptsMemory += body.readableBytes + 40
        return script
    }

    /// EVAL's script body → its key, remembering the last body (the dispatcher's check and the command both ask).
    private func evalKey(_ body: ByteBuffer) -> SHAKey {
        if let key = lastEvalKey, body == lastEvalBody { return key }
        let key = Self.key(body)
        lastEvalBody = ByteBuffer()
        lastEvalBody.writeImmutableBuffer(body)
        lastEvalKey = key
        return key
    }

    private func shaKey(hex: ByteBuffer) -> SHAKey? {
        if let key = lastSHAKey, hex == lastSHAText { return key }
        guard let key = SHAKey(hex: hex) else { return nil }
        lastSHAText = ByteBuffer()
        lastSHAText.writeImmutableBuffer(hex)
        lastSHAKey = key
        return key
    }

    static func key(_ body: ByteBuffer) -> SHAKey {
        body.withUnsafeReadableBytes { SHAKey(digest: Insecure.SHA1.hash(data: $0)) }
    }

    /// The function FCALL names (case-insensitively), through a one-entry cache of the last one (valid while the
    /// store has not changed): a function called again and again costs one comparison of its name.
    private func function(named name: ByteBuffer) -> FunctionStore.Function? {
        if let cached = lastFunction, lastFunctionGeneration == store.generation, name == lastFunctionName {
            return cached
        }
        let key = FunctionStore.key(String(buffer: name))
        guard let f = store.function(key: key) else { return nil }
        lastFunctionName = ByteBuffer()
        lastFunctionName.writeImmutableBuffer(name)
        lastFunction = f
        lastFunctionGeneration = store.generation
        return f
    }

    /// Valkey evicts the least recently used of EVAL's scripts once it holds 500 (SCRIPT LOAD's stay).
    private func evictOldestEvalScript() {
        guard let oldest = scripts.filter({ $0.value.fromEval }).min(by: { $0.value.lastUse < $1.value.lastUse })
        else { return }
        if let state { podium_lua_unref(state, oldest.value.ref) }
        scriptsMemory -= oldest.value.body.readableBytes + 40
        scripts[oldest.key] = nil
        evalScripts -= 1
        evicted += 1
    }

    // MARK: - Running

    /// Valkey's `scriptPrepareForRun`: what a script's flags refuse before it starts, and the rules of its run.
    private func prepare(
        flags: ScriptFlags, readOnly: Bool, numkeys: Int, ctx: inout CommandContext
    )
        throws(CommandError)
        -> ScriptRun
    {
        let outOfMemory = dispatcher.isOutOfMemory
        if !flags.contains(.compatibility) {
            if flags.contains(.noCluster), dispatcher.cluster != nil { throw .scriptNoCluster }
            if !flags.contains(.noWrites) {
                if !ctx.client.replaysLog, let reason = dispatcher.propagator?.writeRefusal() {
                    throw .scriptDiskError(reason)
                }
                if readOnly { throw .scriptWriteFromReadOnlyCommand }
            }
            if outOfMemory, !flags.contains(.allowOOM), !flags.contains(.noWrites), !ctx.client.replaysLog {
                throw .scriptOutOfMemory
            }
        }
        let scriptReadOnly = readOnly || (!flags.contains(.compatibility) && flags.contains(.noWrites))
        let allowOOM = !flags.contains(.compatibility) && flags.contains(.allowOOM)
        let crossSlot = flags.contains(.compatibility) || flags.contains(.allowCrossSlotKeys)
        var slot: Int?
        // The declared keys share a slot (the dispatcher's cluster check); the script's commands must keep to it.
        if dispatcher.cluster != nil, numkeys > 0 {
            slot = ctx.args[3].withUnsafeReadableBytes { HashSlot.of($0) }
        }
        return ScriptRun(
            readOnly: scriptReadOnly, allowOOM: allowOOM, allowCrossSlot: crossSlot,
            outOfMemoryAtStart: outOfMemory, slot: slot)
    }

    /// Runs a script. Returns whether it was quick (under `inlineBudgetMilliseconds`: it may run inline next
    /// time), or nil when it ran inline too long before changing anything and was stopped to run again on the
    /// script thread (`Dispatcher.restartOnScriptThread` is set; nothing was answered).
    private func execute(
        state: OpaquePointer?, ref: Int32, funcname: String, functionMode: Bool,
        run newRun: ScriptRun, numkeys: Int, ctx: inout CommandContext
    ) -> Bool? {
        guard let state else { return false }
        let client = ctx.client
        scriptClient.db = client.db
        scriptClient.proto = .resp2
        scriptClient.user = client.user
        scriptClient.recordsWrites = true
        scriptClient.replaysLog = client.replaysLog
        run = newRun
        caller = client
        dispatcher.scriptCaller = client
        // The command's start, as the dispatcher measured it (no clock reading of its own).
        runStart = dispatcher.commandStart
        hookFired = false
        runKind = functionMode ? .function : .eval
        runName = funcname
        runCommand = ctx.args
        timedOut = false
        killed = false
        restartRequested = false
        defer {
            run = nil
            caller = nil
            dispatcher.scriptCaller = nil
            runCommand = []
            if timedOut {
                timedOut = false
                dispatcher.busyScript = nil
                dispatcher.longScriptHost?.scriptEndedBusy()
            }
        }
        // Keys then arguments, back to back (the C side makes the KEYS and ARGV tables of them).
        blob.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        for i in 3..<ctx.argc {
            ctx.args[i].withUnsafeReadableBytes { blob.append(contentsOf: $0) }
            lengths.append(ctx.args[i].readableBytes)
        }
        let proto: Int32 = client.proto == .resp3 ? 3 : 2
        _ = blob.withUnsafeBufferPointer { bytes in
            lengths.withUnsafeBufferPointer { sizes in
                podium_lua_run(
                    state, ref, funcname, functionMode ? 1 : 0,
                    UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self),
                    sizes.baseAddress, Int32(numkeys), Int32(ctx.argc - 3 - numkeys), proto, &output)
            }
        }
        if restartRequested {
            restartRequested = false
            dispatcher.restartOnScriptThread = true
            return nil
        }
        // Quick: under the inline budget (and the busy threshold, if lower), never busy.
        let budget = UInt64(min(Self.inlineBudgetMilliseconds, max(0, dispatcher.busyReplyThreshold))) * 1_000_000
        // A run the hook never interrupted executed fewer than 100,000 instructions: quick, no clock needed.
        let quick = !timedOut && (!hookFired || SystemClock.monotonicNanoseconds() &- runStart < budget)
        if let data = output.data, output.length > 0 {
            ctx.reply.buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: output.length))
            // A script that answers an error is a failed call of EVAL / FCALL (Valkey's failed_calls).
            if output.is_error != 0 { dispatcher.stats[ctx.spec.statsIndex].failedCalls += 1 }
            if output.is_error != 0, output.error_counted == 0 {
                let text = String(
                    decoding: UnsafeRawBufferPointer(start: data + 1, count: max(0, output.length - 3)),
                    as: UTF8.self)
                dispatcher.countErrorReply(text)
            }
        }
        return quick
    }

    // MARK: - Host callbacks (called from C while a script runs)

    fileprivate func callFromLua(
        _ argc: Int, _ argv: UnsafePointer<UnsafePointer<CChar>?>,
        _ sizes: UnsafePointer<Int>, _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>,
        _ outLength: UnsafeMutablePointer<Int>
    ) -> Int32 {
        // The C side only calls while a script runs.
        guard var current = run, let caller else {
            return publish("server.call outside a script", out, outLength, refused: true)
        }
        // A script asked to stop (killed, or stopped to run again elsewhere) whose error was caught runs no more
        // commands: a write now would happen twice, or after SCRIPT KILL.
        if restartRequested || killed {
            return publish("Script killed by user with SCRIPT KILL...", out, outLength, refused: true)
        }
        let args = arguments(argc, argv, sizes)
        replyBuffer.clear()
        let refusal = dispatcher.callFromScript(
            args, run: &current, client: scriptClient, caller: caller,
            reply: &replyBuffer)
        run = current
        if let refusal {
            var text = refusal.message
            // Valkey's shared error objects keep their code ("-OOM …", "-MISCONF …"); its own texts get ERR.
            switch refusal {
            case .outOfMemory, .diskWriteError: text = "-" + text
            default: break
            }
            return publish(text, out, outLength, refused: true)
        }
        let count = replyBuffer.readableBytes
        ensureExchange(count)
        replyBuffer.withUnsafeReadableBytes { exchange.copyMemory(from: $0) }
        out.pointee = UnsafePointer(exchange.baseAddress!.assumingMemoryBound(to: CChar.self))
        outLength.pointee = count
        return 0
    }

    fileprivate func aclCheck(
        _ argc: Int, _ argv: UnsafePointer<UnsafePointer<CChar>?>,
        _ sizes: UnsafePointer<Int>
    ) -> Int32 {
        guard let caller else { return -1 }
        switch dispatcher.aclAllowsFromScript(arguments(argc, argv, sizes), caller: caller) {
        case nil: return -1
        case true?: return 1
        case false?: return 0
        }
    }

    // MARK: - Busy scripts

    /// Every 100,000 instructions (Valkey's `scriptInterrupt`): past busy-reply-threshold the script becomes busy
    /// and from then on serves what waits for the lock each time; returns true to stop it (SCRIPT KILL).
    fileprivate func interrupt() -> Bool {
        guard let run else { return false }
        hookFired = true
        // Once asked to stop, it stays stopped (a pcall or a coroutine that caught the error goes no further).
        if restartRequested || killed { return true }
        if !timedOut {
            let elapsed = Int((SystemClock.monotonicNanoseconds() &- runStart) / 1_000_000)
            // Inline, on an event loop, a script may not run long: stopped before it changed anything, it runs
            // again from the start on the script thread (the event loop's other clients wait meanwhile). One
            // that already wrote or published carries on here.
            if dispatcher.scriptsMayMove, !run.wroteData, !run.published,
                elapsed >= min(Self.inlineBudgetMilliseconds, dispatcher.busyReplyThreshold)
            {
                restartRequested = true
                return true
            }
            if elapsed < dispatcher.busyReplyThreshold { return false }
            dispatcher.logger.warning(
                "Slow script detected: still in execution after \(elapsed) milliseconds. You can try killing the script using the \(runKind == .eval ? "SCRIPT KILL" : "FUNCTION KILL") command. Script name is: \(runName)."
            )
            timedOut = true
            dispatcher.busyScript = runKind
            dispatcher.longScriptHost?.scriptBecameBusy()
        }
        if let host = dispatcher.longScriptHost {
            dispatcher.whileScriptIsBusy { host.serveWhileBusy() }
        }
        return killed
    }

    public func kill(eval: Bool) throws(CommandError) {
        // Only a busy script can be asked: nothing else runs while a script runs.
        guard let run, timedOut else { throw .scriptKillNotBusy }
        if caller?.replaysLog == true {
            throw .scriptFromPrimaryUnkillable
        }
        if run.wroteData { throw .scriptUnkillable }
        if eval, runKind != .eval { throw .busyScript(eval: false) }
        if !eval, runKind == .eval { throw .busyScript(eval: true) }
        killed = true
    }

    public func stopForShutdown() {
        if run != nil, timedOut { killed = true }
    }

    public var running: RunningScriptInfo? {
        guard run != nil, timedOut else { return nil }
        return RunningScriptInfo(
            name: runName, command: runCommand,
            durationMilliseconds: Int((SystemClock.monotonicNanoseconds() &- runStart) / 1_000_000),
            kind: runKind)
    }

    fileprivate func setResp(_ resp: Int32) { scriptClient.proto = resp == 3 ? .resp3 : .resp2 }

    fileprivate func setRepl(_ flags: Int32) { scriptClient.recordsWrites = flags & 1 != 0 }

    fileprivate func log(_ level: Int32, _ text: String) {
        let levels: [Logger.Level] = [.debug, .info, .notice, .warning]
        dispatcher.logger.log(level: levels[Int(max(0, min(3, level)))], "\(text)")
    }

    private func arguments(
        _ argc: Int, _ argv: UnsafePointer<UnsafePointer<CChar>?>,
        _ sizes: UnsafePointer<Int>
    ) -> [ByteBuffer] {
        // The previous call's arguments go first (they are slices of argumentBuffer, which is then unique again
        // and reused in place); the array is unique again too (the previous command is done with its copy), so it
        // keeps its capacity instead of being allocated per call.
        argumentArray.removeAll(keepingCapacity: true)
        // One buffer for all of them, sliced: a command keeps what it stores by copying it.
        argumentBuffer.clear()
        var total = 0
        for i in 0..<argc { total += sizes[i] }
        argumentBuffer.reserveCapacity(total)
        for i in 0..<argc {
            argumentBuffer.writeBytes(UnsafeRawBufferPointer(start: argv[i], count: sizes[i]))
        }
        var offset = argumentBuffer.readerIndex
        for i in 0..<argc {
            argumentArray.append(argumentBuffer.getSlice(at: offset, length: sizes[i])!)
            offset += sizes[i]
        }
        return argumentArray
    }

    private func ensureExchange(_ count: Int) {
        guard count > exchange.count else { return }
        exchange.deallocate()
        exchange = .allocate(byteCount: max(count, exchange.count * 2), alignment: 1)
    }

    private func publish(
        _ text: String, _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>,
        _ outLength: UnsafeMutablePointer<Int>, refused: Bool
    ) -> Int32 {
        let bytes = Array(text.utf8)
        ensureExchange(bytes.count)
        bytes.withUnsafeBytes { exchange.copyMemory(from: $0) }
        out.pointee = UnsafePointer(exchange.baseAddress!.assumingMemoryBound(to: CChar.self))
        outLength.pointee = bytes.count
        return refused ? 1 : 0
    }

    static func sha1(_ body: ByteBuffer) -> String {
        body.withUnsafeReadableBytes { NumberFormat.hex(Insecure.SHA1.hash(data: $0)) }
    }
}

// MARK: - C entry points

private func engine(_ context: UnsafeMutableRawPointer?) -> LuaEngine {
    Unmanaged<LuaEngine>.fromOpaque(context!).takeUnretainedValue()
}

private let luaHostCall:
    @convention(c) (
        UnsafeMutableRawPointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int>?,
        UnsafeMutablePointer<UnsafePointer<CChar>?>?, UnsafeMutablePointer<Int>?
    ) -> Int32 = { context, argc, argv, sizes, out, outLength in
        engine(context).callFromLua(Int(argc), argv!, sizes!, out!, outLength!)
    }

private let luaHostACLCheck:
    @convention(c) (
        UnsafeMutableRawPointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int>?
    ) -> Int32 = { context, argc, argv, sizes in
        engine(context).aclCheck(Int(argc), argv!, sizes!)
    }

private let luaHostFormatDouble: @convention(c) (Double, UnsafeMutablePointer<CChar>?) -> Int = { value, buffer in
    let text = Array(NumberFormat.formatDouble(value).utf8.prefix(39))
    text.withUnsafeBytes { UnsafeMutableRawPointer(buffer!).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    buffer![text.count] = 0
    return text.count
}

private let luaHostLog: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, Int) -> Void = {
    context, level, text, length in
    let message = String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
    engine(context).log(level, message)
}

private let luaHostSHA1: @convention(c) (UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?) -> Void = {
    data, length, out in
    let digest = Insecure.SHA1.hash(data: UnsafeRawBufferPointer(start: data, count: length))
    let text = Array(NumberFormat.hex(digest).utf8)
    text.withUnsafeBytes { UnsafeMutableRawPointer(out!).copyMemory(from: $0.baseAddress!, byteCount: 40) }
    out![40] = 0
}

private let luaHostSetResp: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void = { context, resp in
    engine(context).setResp(resp)
}

private let luaHostSetRepl: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void = { context, flags in
    engine(context).setRepl(flags)
}

private let luaHostInterrupt: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { context in
    engine(context).interrupt() ? 1 : 0
}
