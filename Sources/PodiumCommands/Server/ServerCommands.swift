import NIOCore
import PodiumKeyspace
import PodiumRESP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Handlers of Valkey's `server` group.
public enum ServerCommands {
    /// TIME
    static func time(_ ctx: inout CommandContext) throws(CommandError) {
        let us = SystemClock.nowMicroseconds()
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk(String(us / 1_000_000))
        ctx.reply.bulk(String(us % 1_000_000))
    }

    /// LASTSAVE: the last successful RDB save, or the start time (Valkey counts the data as saved at start).
    static func lastsave(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(Int(ctx.server?.lastSave ?? 0))
    }

    /// SAVE: the RDB file, written now with the server stopped.
    static func save(_ ctx: inout CommandContext) throws(CommandError) {
        guard let server = ctx.server else { throw .noServer }
        try server.save()
        ctx.reply.ok()
    }

    /// BGSAVE [SCHEDULE | CANCEL]: inside EXEC or a script the save is only scheduled, as in Valkey.
    static func bgsave(_ ctx: inout CommandContext) throws(CommandError) {
        guard let server = ctx.server else { throw .noServer }
        var schedule = false
        if ctx.argc > 1 {
            if ctx.argc == 2, ctx.argIs(1, "schedule") {
                schedule = true
            } else if ctx.argc == 2, ctx.argIs(1, "cancel") {
                ctx.reply.simple(try server.cancelBackgroundSave())
                return
            } else {
                throw .syntax
            }
        }
        let inTransaction = ctx.dispatcher.inExec
        ctx.reply.simple(try server.backgroundSave(schedule: schedule, inTransaction: inTransaction))
    }

    /// BGREWRITEAOF — inside EXEC the rewrite is only scheduled (it would see half a transaction), as in Valkey.
    static func bgrewriteaof(_ ctx: inout CommandContext) throws(CommandError) {
        guard let server = ctx.server else { throw .noServer }
        ctx.reply.simple(try server.rewriteAppendOnlyFile(inTransaction: ctx.dispatcher.inExec))
    }

    /// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
    static func shutdown(_ ctx: inout CommandContext) throws(CommandError) {
        var save: Bool?
        var force = false
        for j in 1..<max(1, ctx.argc) {
            if ctx.argIs(j, "nosave") {
                save = false
            } else if ctx.argIs(j, "save") {
                save = true
            } else if ctx.argIs(j, "force") {
                force = true
            } else if ctx.argIs(j, "now") {
            } else if ctx.argIs(j, "abort") {
                throw .noShutdownInProgress
            } else {
                throw .syntax
            }
        }
        guard let server = ctx.server else { throw .shutdownFailed }
        // While a script is busy only SHUTDOWN NOSAVE is allowed (Valkey); here it stops the script first (its
        // thread holds the executor lock the shutdown needs), keeping what the script wrote so far.
        if let busy = ctx.dispatcher.busyScript {
            guard save == false else { throw .busyScript(eval: busy == .eval) }
            ctx.dispatcher.scripting?.stopForShutdown()
        }
        try server.shutdown(save: save, force: force)
        ctx.client.closeAfterReply = true
    }

    /// MONITOR
    static func monitor(_ ctx: inout CommandContext) throws(CommandError) {
        guard !ctx.client.isMonitor else { return }
        ctx.client.isMonitor = true
        ctx.server?.addMonitor(ctx.client)
        ctx.reply.ok()
    }

    /// DEBUG subcommand ...: the row of `CommandTable.debugSubcommands` named by the first argument. An unknown name
    /// or a wrong argument count gets Valkey's `addReplySubcommandSyntaxError` text.
    static func debug(_ ctx: inout CommandContext) throws(CommandError) {
        let name = ctx.lowercased(1)
        guard let sub = CommandTable.debugSubcommands.first(where: { $0.name == name }),
            CommandSpec.arity(sub.arity, accepts: ctx.argc)
        else {
            throw .subcommandSyntax(sub: ctx.string(1), command: "debug")
        }
        try sub.handler(&ctx)
    }

    /// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]
    static func debugReload(_ ctx: inout CommandContext) throws(CommandError) {
        struct Options { var save = true, flush = true, merge = false }
        var options = Options()
        for j in 2..<ctx.argc {
            guard
                let (option, value) = ctx.choice(
                    j, ["merge": (\Options.merge, true), "noflush": (\.flush, false), "nosave": (\.save, false)])
            else { throw .debugReloadOption }
            options[keyPath: option] = value
        }
        guard let server = ctx.server else { throw .err }
        try server.debugReload(save: options.save, flush: options.flush, merge: options.merge)
        // Not written to the AOF (Valkey propagates nothing either): what it loads is what was saved.
        ctx.preventPropagation()
        ctx.reply.ok()
    }

    /// DEBUG DIGEST
    static func debugDigest(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.simple(NumberFormat.hex(DatasetDigest.dataset(ctx.keyspace)))
    }

    /// DEBUG DIGEST-VALUE key [key ...]
    static func debugDigestValue(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.arrayHeader(ctx.argc - 2)
        for j in 2..<ctx.argc {
            var digest = DatasetDigest.Digest(repeating: 0, count: 20)
            if let slot = ctx.db.slot(of: ctx.key(j)) {
                let entry = ctx.db.entry(slot)
                DatasetDigest.addValue(entry.value, hasTTL: entry.expireAt >= 0, into: &digest)
            }
            ctx.reply.simple(NumberFormat.hex(digest))
        }
    }

    /// DEBUG SLEEP seconds
    static func debugSleep(_ ctx: inout CommandContext) throws(CommandError) {
        let seconds = try ctx.double(2)
        // Like Valkey, this blocks the whole server: it runs inside the executor.
        if seconds > 0 { usleep(UInt32(min(seconds, 3600) * 1_000_000)) }
        ctx.reply.ok()
    }

    /// DEBUG SET-ACTIVE-EXPIRE 0|1
    static func debugSetActiveExpire(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.dispatcher.activeExpireEnabled = (try ctx.integer(2)) != 0
        ctx.reply.ok()
    }

    /// DEBUG HELP: the help lines of every row.
    static func debugHelp(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(&ctx, command: "DEBUG", lines: CommandTable.debugSubcommands.flatMap(\.help))
    }

    // MARK: - CONFIG

    /// CONFIG GET parameter [parameter ...]
    static func configGet(_ ctx: inout CommandContext) throws(CommandError) {
        let patterns = (2..<ctx.argc).map { ctx.string($0) }
        let pairs = ctx.server?.configGet(patterns: patterns) ?? []
        ctx.reply.mapHeader(pairs.count)
        for (name, value) in pairs {
            ctx.reply.bulk(name)
            ctx.reply.bulk(value)
        }
    }

    /// CONFIG SET parameter value [parameter value ...]
    static func configSet(_ ctx: inout CommandContext) throws(CommandError) {
        guard ctx.argc % 2 == 0 else { throw .syntax }
        var pairs: [(String, String)] = []
        for j in stride(from: 2, to: ctx.argc, by: 2) { pairs.append((ctx.string(j), ctx.string(j + 1))) }
        guard let server = ctx.server else { throw .configSetUnavailable }
        try server.configSet(pairs: pairs, client: ctx.client)
        // A lower maxmemory evicts at once, as Valkey's `updateMaxmemory` starts evicting (its `evicted` events
        // come before the next command), not only when the next command arrives.
        if ctx.dispatcher.maxMemory > 0, pairs.contains(where: { $0.0.lowercased() == "maxmemory" }) {
            _ = ctx.dispatcher.performEvictions(&ctx)
        }
        ctx.reply.ok()
    }

    /// CONFIG RESETSTAT
    static func configResetstat(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.dispatcher.resetStats()
        ctx.keyspace.stats = Keyspace.Stats()
        ctx.server?.resetStats()
        ctx.reply.ok()
    }

    /// CONFIG REWRITE
    static func configRewrite(_ ctx: inout CommandContext) throws(CommandError) {
        guard let server = ctx.server else { throw .noConfigFile }
        try server.configRewrite()
        ctx.reply.ok()
    }

    /// CONFIG HELP
    static func configHelp(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(
            &ctx, command: "CONFIG",
            lines: [
                "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
                "RESETSTAT", "    Reset statistics reported by the INFO command.",
                "REWRITE", "    Rewrite the configuration file.",
            ])
    }

    // MARK: - COMMAND

    /// The ACL categories of a command (COMMAND INFO's 7th element), a fact of its table entry.
    static func categories(_ spec: CommandSpec) -> [String] { spec.aclCategories.names.map { "@" + $0 } }

    static func writeInfo(_ ctx: inout CommandContext, _ spec: CommandSpec) {
        ctx.reply.arrayHeader(10)
        ctx.reply.bulk(spec.name)
        ctx.reply.integer(spec.arity)
        var flags = spec.flags.names
        // Valkey's CMD_MOVABLE_KEYS: keys found by a count or a keyword, not by (first, last, step) alone.
        if spec.hasMovableKeys { flags.append("movablekeys") }
        ctx.reply.setHeader(flags.count)
        for f in flags { ctx.reply.simple(f) }
        ctx.reply.integer(spec.keys.first)
        ctx.reply.integer(spec.keys.last)
        ctx.reply.integer(spec.keys.step)
        let cats = categories(spec)
        ctx.reply.setHeader(cats.count)
        for c in cats { ctx.reply.simple(c) }
        ctx.reply.setHeader(0)  // tips
        writeKeySpecs(&ctx, spec)
        ctx.reply.arrayHeader(spec.subcommandList.count)
        for sub in spec.subcommandList { writeInfo(&ctx, sub) }
    }

    /// COMMAND INFO's key specifications, from the table's `keySpecs` (the facts ACL key permissions and
    /// COMMAND GETKEYS use): `begin_search` / `find_keys` as Valkey writes them (`index` + `range`, `index` +
    /// `keynum` for a count, `unknown` for SORT's STORE and BY/GET patterns), and flags from the access: `RO` /
    /// `OW` / `RW` with `ACCESS` for a read and `UPDATE` for a write (Podium does not tell an insert or a delete
    /// from an update).
    static func writeKeySpecs(_ ctx: inout CommandContext, _ spec: CommandSpec) {
        func flags(_ names: [String]) {
            ctx.reply.bulk("flags")
            ctx.reply.setHeader(names.count)
            for f in names { ctx.reply.simple(f) }
        }
        /// One `begin_search` or `find_keys` entry: `{type, spec: {field: integer, ...}}`.
        func search(_ part: String, _ type: String, _ fields: KeyValuePairs<String, Int> = [:]) {
            ctx.reply.bulk(part)
            ctx.reply.mapHeader(2)
            ctx.reply.bulk("type")
            ctx.reply.bulk(type)
            ctx.reply.bulk("spec")
            ctx.reply.mapHeader(fields.count)
            for (name, value) in fields {
                ctx.reply.bulk(name)
                ctx.reply.integer(value)
            }
        }
        func index(_ i: Int) { search("begin_search", "index", ["index": i]) }
        func range(lastKey: Int, step: Int) {
            search("find_keys", "range", ["lastkey": lastKey, "keystep": step, "limit": 0])
        }
        let shard = spec.shardChannelArguments
        ctx.reply.arrayHeader(spec.keySpecs.count + (shard == nil ? 0 : 1))
        // Shard channels are given as a `NOT_KEY` range spec, as Valkey does, so cluster clients route SPUBLISH.
        if let shard {
            ctx.reply.mapHeader(3)
            flags(["NOT_KEY"])
            index(shard.first)
            range(lastKey: shard.count < 0 ? -1 : shard.count - 1, step: 1)
        }
        for keySpec in spec.keySpecs {
            ctx.reply.mapHeader(3)
            let read = keySpec.access.contains(.read)
            let write = keySpec.access.contains(.write)
            var names = [read && write ? "RW" : write ? "OW" : "RO"]
            if read { names.append("ACCESS") }
            if write { names.append("UPDATE") }
            flags(names)
            switch keySpec.search {
            case .range(let first, let last, let step):
                index(first)
                range(lastKey: last < 0 ? last : last - first, step: step)
            case .counted(let at):
                index(at)
                search("find_keys", "keynum", ["keynumidx": 0, "firstkey": 1, "keystep": 1])
            case .sortStore, .unknown:
                search("begin_search", "unknown")
                search("find_keys", "unknown")
            }
        }
    }

    /// COMMAND
    static func command(_ ctx: inout CommandContext) throws(CommandError) {
        let all = ctx.dispatcher.table.commands
        ctx.reply.arrayHeader(all.count)
        for spec in all { writeInfo(&ctx, spec) }
    }

    /// COMMAND COUNT
    static func commandCount(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(ctx.dispatcher.table.commands.count)
    }

    /// COMMAND LIST
    static func commandList(_ ctx: inout CommandContext) throws(CommandError) {
        let all = ctx.dispatcher.table.commands
        ctx.reply.arrayHeader(all.count)
        for spec in all { ctx.reply.bulk(spec.name) }
    }

    /// COMMAND INFO [command-name ...]
    static func commandInfo(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc == 2 {
            try command(&ctx)
            return
        }
        ctx.reply.arrayHeader(ctx.argc - 2)
        for j in 2..<ctx.argc {
            if let spec = ctx.dispatcher.table.lookup(name: ctx.string(j)) {
                writeInfo(&ctx, spec)
            } else {
                ctx.reply.null()
            }
        }
    }

    /// One `name: value` entry of a map of strings (COMMAND DOCS).
    static func bulkPair(_ ctx: inout CommandContext, _ name: String, _ value: String) {
        ctx.reply.bulk(name)
        ctx.reply.bulk(value)
    }

    static func writeDocs(_ ctx: inout CommandContext, _ spec: CommandSpec) {
        ctx.reply.bulk(spec.name)
        let hasSubs = !spec.subcommandList.isEmpty
        let hasComplexity = !spec.complexity.isEmpty
        let arguments = CommandArgument.parse(spec.syntax)
        ctx.reply.mapHeader(3 + (hasSubs ? 1 : 0) + (hasComplexity ? 1 : 0) + (arguments.isEmpty ? 0 : 1))
        bulkPair(&ctx, "summary", spec.summary)
        bulkPair(&ctx, "since", spec.since)
        bulkPair(&ctx, "group", spec.group.rawValue)
        if hasComplexity {
            bulkPair(&ctx, "complexity", spec.complexity)
        }
        if !arguments.isEmpty {
            ctx.reply.bulk("arguments")
            writeArguments(&ctx, arguments, keyIndex: 0)
        }
        if hasSubs {
            ctx.reply.bulk("subcommands")
            ctx.reply.mapHeader(spec.subcommandList.count)
            for sub in spec.subcommandList { writeDocs(&ctx, sub) }
        }
    }

    static func writeArguments(_ ctx: inout CommandContext, _ arguments: [CommandArgument], keyIndex: Int) {
        var keyIndex = keyIndex
        ctx.reply.arrayHeader(arguments.count)
        for arg in arguments {
            var flags: [String] = []
            if arg.optional { flags.append("optional") }
            if arg.multiple { flags.append("multiple") }
            let isKey = arg.kind == .key
            let count =
                2 + (isKey ? 1 : 0) + (arg.token != nil ? 1 : 0) + (flags.isEmpty ? 0 : 1)
                + (arg.arguments.isEmpty ? 0 : 1)
            ctx.reply.mapHeader(count)
            bulkPair(&ctx, "name", arg.name)
            bulkPair(&ctx, "type", arg.kind.rawValue)
            if isKey {
                ctx.reply.bulk("key_spec_index")
                ctx.reply.integer(keyIndex)
                keyIndex += 1
            }
            if let token = arg.token {
                bulkPair(&ctx, "token", token)
            }
            if !flags.isEmpty {
                ctx.reply.bulk("flags")
                ctx.reply.arrayHeader(flags.count)
                for f in flags { ctx.reply.simple(f) }
            }
            if !arg.arguments.isEmpty {
                ctx.reply.bulk("arguments")
                writeArguments(&ctx, arg.arguments, keyIndex: keyIndex)
            }
        }
    }

    /// COMMAND DOCS [command-name ...]
    static func commandDocs(_ ctx: inout CommandContext) throws(CommandError) {
        var specs: [CommandSpec] = []
        if ctx.argc == 2 {
            specs = ctx.dispatcher.table.commands
        } else {
            for j in 2..<ctx.argc { if let s = ctx.dispatcher.table.lookup(name: ctx.string(j)) { specs.append(s) } }
        }
        ctx.reply.mapHeader(specs.count)
        for spec in specs { writeDocs(&ctx, spec) }
    }

    /// COMMAND GETKEYS command [arg ...]
    static func commandGetkeys(_ ctx: inout CommandContext) throws(CommandError) {
        // The subcommand's keys for a container (OBJECT ENCODING key), as Valkey's lookupCommand finds it.
        let command = Array(ctx.args[2...])
        guard let spec = ctx.dispatcher.table.resolve(command),
            spec.subcommands.isEmpty || command.count < 2
        else { throw .getkeysUnknownCommand }
        let argc = ctx.argc - 2
        guard spec.acceptsArgumentCount(argc) else { throw .getkeysArity }
        let indices = try movableKeys(ctx, command: spec.name, at: 2) ?? spec.keyArguments(command).map(\.index)
        if indices.isEmpty, Self.scriptCommands.contains(spec.name) {
            // Valkey's no-mandatory-keys commands: no keys is an empty answer.
            ctx.reply.arrayHeader(0)
            return
        }
        guard !indices.isEmpty else { throw .getkeysNoKeys }
        ctx.reply.arrayHeader(indices.count)
        for i in indices { ctx.reply.bulk(ctx.args[i + 2]) }
    }

    /// The keys of a command whose keys move (Valkey's `getkeys_proc`s: `sortGetKeys`, `zunionInterDiffGetKeys`,
    /// `lmpopGetKeys` ...), as indices relative to the command's name at argument `at`; nil for a command whose
    /// keys the table's (first, last, step) describes.
    /// EVAL and FCALL and their kin: keys after a count, none mandatory.
    static let scriptCommands: Set<String> = ["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"]

    static func movableKeys(_ ctx: CommandContext, command: String, at base: Int) throws(CommandError) -> [Int]? {
        let argc = ctx.argc - base
        /// `numkeys` at `n` (relative), the keys after it, and `first` before them (a destination) when given.
        func numkeys(_ n: Int, first: Int? = nil) throws(CommandError) -> [Int] {
            guard let count = ctx.integerIfValid(base + n), count > 0, count <= argc - n - 1 else {
                throw .getkeysInvalidArguments
            }
            return (first.map { [$0] } ?? []) + Array((n + 1)...(n + count))
        }
        switch command {
        case "sort":
            // The key, then the last STORE destination (Valkey's `sortGetKeys`).
            return [1] + (KeySpec.sortStoreIndex(ctx.args[base...]).map { [$0 - base] } ?? [])
        case "zunionstore", "zinterstore", "zdiffstore": return try numkeys(2, first: 1)
        case "zunion", "zinter", "zdiff", "zintercard", "sintercard", "lmpop", "zmpop": return try numkeys(1)
        case "blmpop", "bzmpop": return try numkeys(2)
        case _ where scriptCommands.contains(command):
            // numkeys at 2; a bad or zero count gives no keys (Valkey's genericGetKeys).
            guard let count = ctx.integerIfValid(base + 2), count > 0, count <= argc - 3 else { return [] }
            return Array(3...(2 + count))
        default: return nil
        }
    }

    /// COMMAND HELP
    static func commandHelp(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(
            &ctx, command: "COMMAND",
            lines: [
                "(no subcommand)", "    Return details about all commands.",
                "COUNT", "    Return the total number of commands in this server.",
                "LIST", "    Return a list of all commands in this server.",
                "INFO [<command-name> ...]", "    Return details about multiple commands.",
                "DOCS [<command-name> ...]", "    Return documentation details about multiple commands.",
                "GETKEYS <full-command>", "    Return the keys from a full command.",
            ])
    }
}

extension ServerCommands {
    /// MEMORY USAGE key [SAMPLES count] — bytes used by the key and its value: the slot (88 bytes), its share of
    /// the index, the key's heap bytes when longer than 23 bytes, and the value's estimate.
    static func memoryUsage(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 {
            guard ctx.argc == 5, ctx.argIs(3, "samples") else { throw .syntax }
            _ = try ctx.integer(4)
        }
        let key = ctx.key(2)
        guard let value = ctx.db.lookupWrite(key) else {
            ctx.reply.null()
            return
        }
        ctx.reply.integer(88 + 10 + Value.heapSize(of: key) + value.approximateSize)
    }

    /// MEMORY HELP
    static func memoryHelp(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(
            &ctx, command: "MEMORY",
            lines: [
                "USAGE <key> [SAMPLES <count>]",
                "    Return memory in bytes used by <key> and its value. Nested values are",
                "    sampled up to <count> times (default: 5, 0 means sample all).",
            ])
    }
}
