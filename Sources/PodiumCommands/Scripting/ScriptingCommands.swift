import NIOCore
import PodiumKeyspace
import PodiumRESP

/// What runs scripts (PodiumScripting's Lua engine). The command layer holds the table rows of EVAL, SCRIPT and
/// their kin and hands them here; without an engine installed they answer as unknown commands would be refused
/// (an in-process dispatcher built without the server).
public protocol ScriptingEngine: AnyObject {
    /// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO.
    func eval(_ ctx: inout CommandContext, bySHA: Bool, readOnly: Bool) throws(CommandError)
    /// SCRIPT LOAD body: the SHA, or the compile error.
    func load(_ ctx: inout CommandContext, body: ByteBuffer) throws(CommandError) -> String
    /// SCRIPT EXISTS: whether a script with this SHA (any case) is cached.
    func exists(sha: ByteBuffer) -> Bool
    /// SCRIPT FLUSH: forgets every cached script (and starts a fresh interpreter).
    func flush()
    /// SCRIPT SHOW: the body of a cached script.
    func body(sha: ByteBuffer) -> ByteBuffer?
    /// The figures INFO shows: cached scripts, scripts evicted from the EVAL cache, the interpreter's memory and
    /// the cache's.
    var figures: ScriptingFigures { get }

    /// Whether this EVAL / EVALSHA / FCALL (and their _RO forms) may run inline, on the connection's event loop:
    /// its script has run before and quickly. Otherwise the server runs it on its script thread, where it may
    /// run as long as it takes while the event loops answer BUSY.
    func runsInline(_ args: [ByteBuffer], spec: CommandSpec) -> Bool
    /// SCRIPT KILL (`eval`) and FUNCTION KILL: stops the busy script, or refuses as Valkey's `scriptKill` does.
    func kill(eval: Bool) throws(CommandError)
    /// SHUTDOWN NOSAVE during a busy script: stops it whatever it wrote.
    func stopForShutdown()
    /// The script that is running (only ever seen by commands run while it is busy).
    var running: RunningScriptInfo? { get }
    /// FCALL, FCALL_RO.
    func fcall(_ ctx: inout CommandContext, readOnly: Bool) throws(CommandError)
    /// FUNCTION LOAD: the library's name, or Valkey's refusal.
    func loadLibrary(_ ctx: inout CommandContext, code: ByteBuffer, replace: Bool) throws(CommandError) -> String
    /// FUNCTION DELETE: false when no library has that name.
    func deleteLibrary(_ name: String) -> Bool
    /// FUNCTION FLUSH.
    func flushLibraries()
    /// FUNCTION LIST, FUNCTION DUMP: the libraries in the order they were loaded.
    var libraries: [FunctionLibraryInfo] { get }
    /// FUNCTION RESTORE: the libraries of a payload (their codes), added by `policy`; `readError` is what stopped
    /// the reading of the payload after them (thrown once they compiled).
    func restoreLibraries(
        _ codes: [ByteBuffer], policy: FunctionRestorePolicy, readError: CommandError?)
        throws(CommandError)
}

/// What FUNCTION LIST shows of a library.
public struct FunctionLibraryInfo {
    public struct Function {
        public var name: String
        public var description: ByteBuffer?
        /// Valkey's flag names, in its order.
        public var flags: [String]
        public init(name: String, description: ByteBuffer?, flags: [String]) {
            self.name = name
            self.description = description
            self.flags = flags
        }
    }

    public var name: String
    public var code: ByteBuffer
    public var functions: [Function]

    public init(name: String, code: ByteBuffer, functions: [Function]) {
        self.name = name
        self.code = code
        self.functions = functions
    }
}

/// FUNCTION RESTORE's policies.
public enum FunctionRestorePolicy: Sendable {
    /// Add the libraries; refuse if one exists already (the default).
    case append
    /// Add them, replacing libraries of the same name.
    case replace
    /// Remove every library first.
    case flush
}

public struct ScriptingFigures: Sendable {
    public var cachedScripts = 0
    public var evictedScripts = 0
    public var interpreterMemory = 0
    public var scriptsMemory = 0
    public var functions = 0
    public var libraries = 0
    /// The function interpreter's memory, and the function store's.
    public var functionsInterpreterMemory = 0
    public var functionsMemory = 0
    public init() {}
}

/// Handlers of Valkey's `scripting` group: argument checks here, the rest in the engine.
public enum ScriptingCommands {
    static func engine(_ ctx: CommandContext) throws(CommandError) -> any ScriptingEngine {
        guard let engine = ctx.dispatcher.scripting else {
            throw .unknownCommand(name: ctx.string(0), args: (1..<ctx.argc).map { ctx.string($0) })
        }
        return engine
    }

    static func eval(_ ctx: inout CommandContext) throws(CommandError) {
        try engine(ctx).eval(&ctx, bySHA: false, readOnly: false)
    }

    static func evalRO(_ ctx: inout CommandContext) throws(CommandError) {
        try engine(ctx).eval(&ctx, bySHA: false, readOnly: true)
    }

    static func evalsha(_ ctx: inout CommandContext) throws(CommandError) {
        try engine(ctx).eval(&ctx, bySHA: true, readOnly: false)
    }

    static func evalshaRO(_ ctx: inout CommandContext) throws(CommandError) {
        try engine(ctx).eval(&ctx, bySHA: true, readOnly: true)
    }

    /// SCRIPT LOAD script
    static func scriptLoad(_ ctx: inout CommandContext) throws(CommandError) {
        let sha = try engine(ctx).load(&ctx, body: ctx.args[2])
        ctx.reply.bulk(sha)
    }

    /// SCRIPT EXISTS sha1 [sha1 ...]
    static func scriptExists(_ ctx: inout CommandContext) throws(CommandError) {
        let engine = try engine(ctx)
        ctx.reply.arrayHeader(ctx.argc - 2)
        for i in 2..<ctx.argc { ctx.reply.integer(engine.exists(sha: ctx.args[i]) ? 1 : 0) }
    }

    /// SCRIPT FLUSH [ASYNC | SYNC]
    static func scriptFlush(_ ctx: inout CommandContext) throws(CommandError) {
        let engine = try engine(ctx)
        if ctx.argc == 3, !(ctx.argIs(2, "sync") || ctx.argIs(2, "async")) { throw .scriptFlushOption }
        if ctx.argc > 3 { throw .scriptFlushOption }
        engine.flush()
        ctx.reply.ok()
    }

    /// SCRIPT KILL: stops a busy EVAL script that has not written.
    static func scriptKill(_ ctx: inout CommandContext) throws(CommandError) {
        try engine(ctx).kill(eval: true)
        ctx.reply.ok()
    }

    /// SCRIPT SHOW sha1
    static func scriptShow(_ ctx: inout CommandContext) throws(CommandError) {
        guard let body = try engine(ctx).body(sha: ctx.args[2]) else { throw .noScript }
        ctx.reply.bulk(body)
    }

    static func scriptHelp(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(
            &ctx, command: "SCRIPT",
            lines: [
                "DEBUG (YES|SYNC|NO)",
                "    Set the debug mode for subsequent scripts executed.",
                "EXISTS <sha1> [<sha1> ...]",
                "    Return information about the existence of the scripts in the script cache.",
                "FLUSH [ASYNC|SYNC]",
                "    Flush the Lua scripts cache. Very dangerous on replicas.",
                "    When called without the optional mode argument, the behavior is determined",
                "     by the lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                "    * ASYNC: Asynchronously flush the scripts cache.",
                "    * SYNC: Synchronously flush the scripts cache.",
                "KILL",
                "    Kill the currently executing Lua script.",
                "LOAD <script>",
                "    Load a script into the scripts cache without executing it.",
                "SHOW <sha1>",
                "    Show a script from the scripts cache.",
            ])
    }

    static func fcall(_ ctx: inout CommandContext) throws(CommandError) {
        try engine(ctx).fcall(&ctx, readOnly: false)
    }

    static func fcallRO(_ ctx: inout CommandContext) throws(CommandError) {
        try engine(ctx).fcall(&ctx, readOnly: true)
    }

    /// FUNCTION LOAD [REPLACE] function-code
    static func functionLoad(_ ctx: inout CommandContext) throws(CommandError) {
        let engine = try engine(ctx)
        var replace = false
        var i = 2
        while i < ctx.argc - 1 {
            guard ctx.argIs(i, "replace") else { throw .functionUnknownOption(ctx.string(i)) }
            replace = true
            i += 1
        }
        if i >= ctx.argc { throw .functionCodeMissing }
        let name = try engine.loadLibrary(&ctx, code: ctx.args[i], replace: replace)
        ctx.forcePropagation()
        ctx.reply.bulk(name)
    }

    /// FUNCTION DELETE library-name
    static func functionDelete(_ ctx: inout CommandContext) throws(CommandError) {
        guard try engine(ctx).deleteLibrary(ctx.string(2)) else { throw .functionLibraryNotFound }
        ctx.forcePropagation()
        ctx.reply.ok()
    }

    /// FUNCTION FLUSH [ASYNC | SYNC]
    static func functionFlush(_ ctx: inout CommandContext) throws(CommandError) {
        let engine = try engine(ctx)
        if ctx.argc > 3 { throw .subcommandSyntax(sub: ctx.string(1), command: "function") }
        if ctx.argc == 3, !(ctx.argIs(2, "sync") || ctx.argIs(2, "async")) { throw .functionFlushOption }
        engine.flushLibraries()
        ctx.forcePropagation()
        ctx.reply.ok()
    }

    /// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
    static func functionList(_ ctx: inout CommandContext) throws(CommandError) {
        let engine = try engine(ctx)
        var withCode = false
        var pattern: ByteBuffer?
        var i = 2
        while i < ctx.argc {
            if !withCode, ctx.argIs(i, "withcode") {
                withCode = true
            } else if pattern == nil, ctx.argIs(i, "libraryname") {
                guard i + 1 < ctx.argc else { throw .functionLibraryNameMissing }
                pattern = ctx.args[i + 1]
                i += 1
            } else {
                throw .functionUnknownArgument(ctx.string(i))
            }
            i += 1
        }
        var libraries = engine.libraries
        if let pattern {
            let glob = Array(pattern.readableBytesView)
            libraries = libraries.filter { GlobPattern.matches(pattern: glob, Array($0.name.utf8), noCase: true) }
        }
        ctx.reply.arrayHeader(libraries.count)
        for library in libraries {
            ctx.reply.mapHeader(withCode ? 4 : 3)
            ctx.reply.bulk("library_name")
            ctx.reply.bulk(library.name)
            ctx.reply.bulk("engine")
            ctx.reply.bulk("LUA")
            ctx.reply.bulk("functions")
            ctx.reply.arrayHeader(library.functions.count)
            for function in library.functions {
                ctx.reply.mapHeader(3)
                ctx.reply.bulk("name")
                ctx.reply.bulk(function.name)
                ctx.reply.bulk("description")
                if let description = function.description { ctx.reply.bulk(description) } else { ctx.reply.null() }
                ctx.reply.bulk("flags")
                ctx.reply.setHeader(function.flags.count)
                for flag in function.flags { ctx.reply.simple(flag) }
            }
            if withCode {
                ctx.reply.bulk("library_code")
                ctx.reply.bulk(library.code)
            }
        }
    }

    /// FUNCTION DUMP: the libraries as Valkey's payload (FunctionPayload).
    static func functionDump(_ ctx: inout CommandContext) throws(CommandError) {
        let engine = try engine(ctx)
        ctx.reply.bulk(FunctionPayload.encode(engine.libraries.map(\.code)))
    }

    /// FUNCTION RESTORE serialized-value [FLUSH | APPEND | REPLACE]
    static func functionRestore(_ ctx: inout CommandContext) throws(CommandError) {
        let engine = try engine(ctx)
        if ctx.argc > 4 { throw .subcommandSyntax(sub: ctx.string(1), command: "function") }
        var policy = FunctionRestorePolicy.append
        if ctx.argc == 4 {
            guard
                let named = ctx.choice(
                    3, ["append": FunctionRestorePolicy.append, "replace": .replace, "flush": .flush])
            else { throw .functionRestorePolicy }
            policy = named
        }
        let (codes, readError) = try FunctionPayload.decode(ctx.args[2])
        try engine.restoreLibraries(codes, policy: policy, readError: readError)
        ctx.forcePropagation()
        ctx.reply.ok()
    }

    /// FUNCTION STATS: the busy function (a busy EVAL script makes it BUSY), and the engine's counts.
    static func functionStats(_ ctx: inout CommandContext) throws(CommandError) {
        let engine = try engine(ctx)
        let running = engine.running
        if running?.kind == .eval { throw .busyScript(eval: true) }
        let figures = engine.figures
        ctx.reply.mapHeader(2)
        ctx.reply.bulk("running_script")
        if let running {
            ctx.reply.mapHeader(3)
            ctx.reply.bulk("name")
            ctx.reply.bulk(running.name)
            ctx.reply.bulk("command")
            ctx.reply.arrayHeader(running.command.count)
            for arg in running.command { ctx.reply.bulk(arg) }
            ctx.reply.bulk("duration_ms")
            ctx.reply.integer(running.durationMilliseconds)
        } else {
            ctx.reply.null()
        }
        ctx.reply.bulk("engines")
        ctx.reply.mapHeader(1)
        ctx.reply.bulk("LUA")
        ctx.reply.mapHeader(2)
        ctx.reply.bulk("libraries_count")
        ctx.reply.integer(figures.libraries)
        ctx.reply.bulk("functions_count")
        ctx.reply.integer(figures.functions)
    }

    /// FUNCTION KILL: stops a busy function that has not written.
    static func functionKill(_ ctx: inout CommandContext) throws(CommandError) {
        try engine(ctx).kill(eval: false)
        ctx.reply.ok()
    }

    static func functionHelp(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(
            &ctx, command: "FUNCTION",
            lines: [
                "LOAD [REPLACE] <FUNCTION CODE>",
                "    Create a new library with the given library name and code.",
                "DELETE <LIBRARY NAME>",
                "    Delete the given library.",
                "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
                "    Return general information on all the libraries:",
                "    * Library name",
                "    * The engine used to run the Library",
                "    * Functions list",
                "    * Library code (if WITHCODE is given)",
                "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
                "STATS",
                "    Return information about the current function running:",
                "    * Function name",
                "    * Command used to run the function",
                "    * Duration in MS that the function is running",
                "    If no function is running, return nil",
                "    In addition, returns a list of available engines.",
                "KILL",
                "    Kill the current running function.",
                "FLUSH [ASYNC|SYNC]",
                "    Delete all the libraries.",
                "    When called without the optional mode argument, the behavior is determined by the",
                "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                "    * ASYNC: Asynchronously flush the libraries.",
                "    * SYNC: Synchronously flush the libraries.",
                "DUMP",
                "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
                "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
                "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
                "    control how to handle existing libraries (default APPEND):",
                "    * FLUSH: delete all existing libraries.",
                "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
                "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
                "      libraries with the new libraries (notice that even on this option there is a chance of failure",
                "      in case of functions name collision with another library).",
            ])
    }

    /// The NOSCRIPT error, for the engine.
    public static var noScriptError: CommandError { .noScript }
}
