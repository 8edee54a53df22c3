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
}

public struct ScriptingFigures: Sendable {
    public var cachedScripts = 0
    public var evictedScripts = 0
    public var interpreterMemory = 0
    public var scriptsMemory = 0
    public init() {}
}

extension CommandError {
    /// Valkey 8's text (Redis 7.0 adds " Please use EVAL.").
    static let noScript = CommandError.custom("NOSCRIPT No matching script.")
    public static let numkeysAboveArguments = CommandError.custom("ERR Number of keys can't be greater than number of args")
    public static let numkeysNegative = CommandError.custom("ERR Number of keys can't be negative")
    static let scriptFlushOption = CommandError.custom("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    static let functionFlushOption = CommandError.custom("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    static let functionLibraryNameMissing = CommandError.custom("ERR library name argument was not given")
    static func functionUnknownArgument(_ argument: String) -> CommandError { .custom("ERR Unknown argument \(argument)") }
    static let scriptKillNotBusy = CommandError.custom("NOTBUSY No scripts in execution right now.")
    public static func scriptCompile(_ message: String) -> CommandError {
        .custom("ERR Error compiling script (new function): \(message)")
    }
    public static func scriptShebang(_ message: String) -> CommandError { .custom("ERR \(message)") }
    public static let scriptWriteFromReadOnlyCommand = CommandError.custom(
        "ERR Can not execute a script with write flag using *_ro command.")
    public static let scriptNoCluster = CommandError.custom("ERR Can not run script on cluster, 'no-cluster' flag is set.")
    public static let scriptOutOfMemory = CommandError.custom(
        "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'")
    public static func scriptDiskError(_ reason: String) -> CommandError {
        .custom("MISCONF Errors writing to the AOF file: \(reason)")
    }
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

    /// SCRIPT KILL: scripts run to their end inside the command order here, so none is ever running when
    /// another command is read.
    static func scriptKill(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try engine(ctx)
        throw .scriptKillNotBusy
    }

    /// SCRIPT SHOW sha1
    static func scriptShow(_ ctx: inout CommandContext) throws(CommandError) {
        guard let body = try engine(ctx).body(sha: ctx.args[2]) else { throw .noScript }
        ctx.reply.bulk(body)
    }

    static func scriptHelp(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(&ctx, command: "SCRIPT", lines: [
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

    /// FUNCTION FLUSH [ASYNC | SYNC]. Functions cannot be loaded yet (FUNCTION LOAD is not implemented), so
    /// there is never a library to remove: the reply is Valkey's for an empty function store. Redis' own test
    /// suite sends it before every test file in external mode.
    static func functionFlush(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 { throw .subcommandSyntax(sub: ctx.string(1), command: "function") }
        if ctx.argc == 3, !(ctx.argIs(2, "sync") || ctx.argIs(2, "async")) { throw .functionFlushOption }
        ctx.reply.ok()
    }

    /// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: no library can exist yet (see functionFlush), so the
    /// reply is always empty; the arguments are checked as Valkey checks them.
    static func functionList(_ ctx: inout CommandContext) throws(CommandError) {
        var withCode = false
        var libraryName = false
        var i = 2
        while i < ctx.argc {
            if !withCode, ctx.argIs(i, "withcode") {
                withCode = true
            } else if !libraryName, ctx.argIs(i, "libraryname") {
                guard i + 1 < ctx.argc else { throw .functionLibraryNameMissing }
                libraryName = true
                i += 1
            } else {
                throw .functionUnknownArgument(ctx.string(i))
            }
            i += 1
        }
        ctx.reply.arrayHeader(0)
    }

    /// The NOSCRIPT error, for the engine.
    public static var noScriptError: CommandError { .noScript }
}

extension CommandTable {
    // MARK: - Scripting (the engine: PodiumScripting)
    static let scripting: [CommandSpec] = [
        CommandSpec("eval", arity: -3, flags: [.noscript, .skipMonitor, .stale], group: .scripting, since: "2.6.0",
                    summary: "Executes a server-side Lua script.",
                    complexity: "Depends on the script that is executed.",
                    syntax: "script numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.eval,
                    keySpecs: [.counted(at: 2, .write)]),
        CommandSpec("eval_ro", arity: -3, flags: [.noscript, .skipMonitor, .stale, .readonly], group: .scripting,
                    since: "7.0.0", summary: "Executes a read-only server-side Lua script.",
                    complexity: "Depends on the script that is executed.",
                    syntax: "script numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.evalRO,
                    keySpecs: [.counted(at: 2, .read)]),
        CommandSpec("evalsha", arity: -3, flags: [.noscript, .skipMonitor, .stale], group: .scripting, since: "2.6.0",
                    summary: "Executes a server-side Lua script by SHA1 digest.",
                    complexity: "Depends on the script that is executed.",
                    syntax: "sha1 numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.evalsha,
                    keySpecs: [.counted(at: 2, .write)]),
        CommandSpec("evalsha_ro", arity: -3, flags: [.noscript, .skipMonitor, .stale, .readonly], group: .scripting,
                    since: "7.0.0", summary: "Executes a read-only server-side Lua script by SHA1 digest.",
                    complexity: "Depends on the script that is executed.",
                    syntax: "sha1 numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.evalshaRO,
                    keySpecs: [.counted(at: 2, .read)]),
        CommandSpec("function", arity: -2, flags: [], group: .scripting, since: "7.0.0",
                    summary: "A container for function commands.", complexity: "Depends on subcommand.",
                    subcommands: [
            CommandSpec("function|flush", arity: -2, flags: [.noscript, .write], group: .scripting, since: "7.0.0",
                        summary: "Deletes all libraries and functions (none can be loaded yet: FUNCTION LOAD is not implemented).",
                        complexity: "O(N) where N is the number of functions deleted", syntax: "[ASYNC | SYNC]",
                        handler: ScriptingCommands.functionFlush),
            CommandSpec("function|list", arity: -2, flags: [.noscript], group: .scripting, since: "7.0.0",
                        summary: "Returns information about all libraries (always none yet: FUNCTION LOAD is not implemented).",
                        complexity: "O(N) where N is the number of functions",
                        syntax: "[LIBRARYNAME library-name-pattern] [WITHCODE]", handler: ScriptingCommands.functionList),
        ]),
        CommandSpec("script", arity: -2, flags: [], group: .scripting, since: "2.6.0",
                    summary: "A container for Lua scripts management commands.", complexity: "Depends on subcommand.",
                    subcommands: [
            CommandSpec("script|exists", arity: -3, flags: [.noscript], group: .scripting, since: "2.6.0",
                        summary: "Determines whether server-side Lua scripts exist in the script cache.",
                        complexity: "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
                        syntax: "sha1 [sha1 ...]", handler: ScriptingCommands.scriptExists),
            CommandSpec("script|flush", arity: -2, flags: [.noscript], group: .scripting, since: "2.6.0",
                        summary: "Removes all server-side Lua scripts from the script cache.",
                        complexity: "O(N) with N being the number of scripts in cache", syntax: "[ASYNC | SYNC]",
                        handler: ScriptingCommands.scriptFlush),
            CommandSpec("script|help", arity: 2, flags: [.loading, .stale], group: .scripting, since: "5.0.0",
                        summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                        handler: ScriptingCommands.scriptHelp),
            CommandSpec("script|kill", arity: 2, flags: [.noscript, .allowBusy], group: .scripting, since: "2.6.0",
                        summary: "Terminates a server-side Lua script during execution.", complexity: "O(1)",
                        handler: ScriptingCommands.scriptKill),
            CommandSpec("script|load", arity: 3, flags: [.noscript, .stale], group: .scripting, since: "2.6.0",
                        summary: "Loads a server-side Lua script to the script cache.",
                        complexity: "O(N) with N being the length in bytes of the script body.", syntax: "script",
                        handler: ScriptingCommands.scriptLoad),
            CommandSpec("script|show", arity: 3, flags: [.noscript], group: .scripting, since: "8.0.0",
                        summary: "Show server-side Lua script in the script cache.",
                        complexity: "O(1).", syntax: "sha1", handler: ScriptingCommands.scriptShow),
        ]),
    ]
}
