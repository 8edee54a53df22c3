import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `generic` group: keys, TTLs, iteration, databases.
public enum KeyCommands {
    // MARK: - Existence and deletion

    /// DEL key [key ...]
    static func del(_ ctx: inout CommandContext) throws(CommandError) {
        let db = ctx.db
        var removed = 0
        for i in 1..<ctx.argc where ctx.args[i].withUnsafeReadableBytes({ db.remove(raw: $0) }) {
            removed += 1
            ctx.notify(.generic, "del", arg: i)
        }
        ctx.reply.integer(removed)
    }

    /// UNLINK key [key ...] — values are freed when their last reference goes, so this is DEL.
    static func unlink(_ ctx: inout CommandContext) throws(CommandError) { try del(&ctx) }

    /// EXISTS key [key ...] — a key named twice counts twice.
    static func exists(_ ctx: inout CommandContext) throws(CommandError) {
        let db = ctx.db
        var count = 0
        for i in 1..<ctx.argc where ctx.args[i].withUnsafeReadableBytes({ db.lookupRead(raw: $0) }) != nil {
            count += 1
        }
        ctx.reply.integer(count)
    }

    /// TOUCH key [key ...]
    static func touch(_ ctx: inout CommandContext) throws(CommandError) {
        let db = ctx.db
        var count = 0
        for i in 1..<ctx.argc {
            if db.touch(ctx.key(i)) { count += 1 } else { ctx.notify(.keyMiss, "keymiss", arg: i) }
        }
        ctx.reply.integer(count)
    }

    /// TYPE key
    static func type(_ ctx: inout CommandContext) throws(CommandError) {
        let type = ctx.db.lookupWrite(ctx.key(1))?.typeName
        if type == nil { ctx.notify(.keyMiss, "keymiss", arg: 1) }  // Valkey looks the key up as a read
        ctx.reply.simple(type ?? "none")
    }

    // MARK: - Expiry

    /// The NX | XX | GT | LT options of the expire commands (Valkey's `parseExtendedExpireArgumentsOrReply`),
    /// shared by EXPIRE and the hash-field HEXPIRE family.
    struct ExpireCondition {
        var nx = false, xx = false, gt = false, lt = false

        /// Parses the options in `range`.
        init(_ ctx: CommandContext, _ range: Range<Int>) throws(CommandError) {
            for j in range {
                guard let option = ctx.choice(j, ["nx": \Self.nx, "xx": \.xx, "gt": \.gt, "lt": \.lt]) else {
                    throw .unsupportedOption(ctx.string(j))
                }
                self[keyPath: option] = true
            }
            if nx && (xx || gt || lt) {
                throw .expireNXWithOthers
            }
            if gt && lt { throw .expireGTWithLT }
        }

        /// Whether a new time `when` may replace `current` (-1: none, which counts as infinite).
        func allows(_ when: Int64, current: Int64) -> Bool {
            let hasTTL = current >= 0
            if nx && hasTTL { return false }
            if xx && !hasTTL { return false }
            if gt && (!hasTTL || when <= current) { return false }
            if lt && hasTTL && when >= current { return false }
            return true
        }
    }

    /// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT share Valkey's `expireGenericCommand`.
    static func expireGeneric(_ ctx: inout CommandContext, relative: Bool, seconds: Bool) throws(CommandError) {
        let condition = try ExpireCondition(ctx, 3..<max(3, ctx.argc))
        var when = try ctx.integer(2)
        let name = ctx.spec.name
        if seconds {
            if when > Int.max / 1000 || when < Int.min / 1000 { throw .invalidExpireTime(name) }
            when *= 1000
        }
        let base = relative ? Int(ctx.keyspace.now) : 0
        if when > Int.max - base { throw .invalidExpireTime(name) }
        when += base
        let key = ctx.key(1)
        let db = ctx.db
        guard let current = db.expireTime(key), condition.allows(Int64(when), current: current) else {
            ctx.reply.integer(0)
            return
        }
        // A time already past deletes the key: Valkey then raises `del`, not `expire`.
        let deletes = ctx.keyspace.isAlreadyExpired(Int64(when))
        _ = db.setExpire(key, at: Int64(when))
        if ctx.propagates {
            propagateExpiry(&ctx, deletes: deletes, at: Int64(when), options: Array(ctx.args.dropFirst(3)))
        }
        if deletes {
            ctx.notify(.generic, "del", arg: 1)
            ctx.reply.integer(1)
        } else {
            ctx.reply.integer(1)
            ctx.notify(.generic, "expire", arg: 1)
        }
    }

    /// Records an expiry as Valkey propagates it: `DEL key` when the time had passed (the key is gone), else
    /// `PEXPIREAT key <ms>` followed by the command's NX/XX/GT/LT options.
    static func propagateExpiry(_ ctx: inout CommandContext, deletes: Bool, at when: Int64, options: [ByteBuffer]) {
        if deletes {
            ctx.propagateInstead(CommandContext.arguments(.word("DEL"), .arg(ctx.args[1])))
        } else {
            ctx.propagateInstead(
                CommandContext.arguments(.word("PEXPIREAT"), .arg(ctx.args[1]), .integer(when)) + options)
        }
    }

    /// TTL / PTTL / EXPIRETIME / PEXPIRETIME share Valkey's `ttlGenericCommand`: -2 missing, -1 no TTL, seconds
    /// rounded to nearest.
    static func ttlGeneric(_ ctx: inout CommandContext, milliseconds: Bool, absolute: Bool) {
        guard let expireAt = ctx.db.expireTime(ctx.key(1)) else {
            ctx.notify(.keyMiss, "keymiss", arg: 1)
            ctx.reply.integer(-2)
            return
        }
        if expireAt < 0 {
            ctx.reply.integer(-1)
            return
        }
        var ttl = absolute ? Int(expireAt) : Int(expireAt - ctx.keyspace.now)
        if ttl < 0 { ttl = 0 }
        // (ttl + 500) / 1000 without overflowing near Int.max (PEXPIREAT k 9223372036854775807).
        ctx.reply.integer(milliseconds ? ttl : ttl / 1000 + (ttl % 1000 >= 500 ? 1 : 0))
    }

    /// TTL key
    static func ttl(_ ctx: inout CommandContext) throws(CommandError) {
        ttlGeneric(&ctx, milliseconds: false, absolute: false)
    }
    /// PTTL key
    static func pttl(_ ctx: inout CommandContext) throws(CommandError) {
        ttlGeneric(&ctx, milliseconds: true, absolute: false)
    }
    /// EXPIRETIME key
    static func expiretime(_ ctx: inout CommandContext) throws(CommandError) {
        ttlGeneric(&ctx, milliseconds: false, absolute: true)
    }
    /// PEXPIRETIME key
    static func pexpiretime(_ ctx: inout CommandContext) throws(CommandError) {
        ttlGeneric(&ctx, milliseconds: true, absolute: true)
    }

    /// PERSIST key
    static func persist(_ ctx: inout CommandContext) throws(CommandError) {
        let persisted = ctx.db.persist(ctx.key(1))
        if persisted { ctx.notify(.generic, "persist", arg: 1) }
        ctx.reply.integer(persisted ? 1 : 0)
    }

    // MARK: - Renaming and copying

    /// RENAME key newkey / RENAMENX key newkey
    static func renameGeneric(_ ctx: inout CommandContext, nx: Bool) throws(CommandError) {
        let key = ctx.key(1)
        let newKey = ctx.key(2)
        let db = ctx.db
        guard db.exists(key) else { throw .noSuchKey }
        if key == newKey {
            if nx { ctx.reply.integer(0) } else { ctx.reply.ok() }
            return
        }
        if nx, db.exists(newKey) {
            ctx.reply.integer(0)
            return
        }
        // Invariant: `key` exists (checked above, same command time), so take returns an entry.
        guard let entry = db.take(key) else { throw .noSuchKey }
        // Valkey deletes an existing destination and adds the key anew (so a `new` event fires either way).
        db.remove(newKey)
        db.set(newKey, entry.value, expireAt: entry.expireAt >= 0 ? entry.expireAt : nil)
        ctx.notify(.generic, "rename_from", arg: 1)
        ctx.notify(.generic, "rename_to", arg: 2)
        if nx { ctx.reply.integer(1) } else { ctx.reply.ok() }
    }

    /// RENAME key newkey
    static func rename(_ ctx: inout CommandContext) throws(CommandError) { try renameGeneric(&ctx, nx: false) }
    /// RENAMENX key newkey
    static func renamenx(_ ctx: inout CommandContext) throws(CommandError) { try renameGeneric(&ctx, nx: true) }

    /// COPY source destination [DB destination-db] [REPLACE]
    static func copy(_ ctx: inout CommandContext) throws(CommandError) {
        var replace = false
        var targetDB = ctx.client.db
        var j = 3
        while j < ctx.argc {
            if ctx.argIs(j, "replace") {
                replace = true
            } else if ctx.argIs(j, "db"), j + 1 < ctx.argc {
                let id = try ctx.integer(j + 1)
                guard id >= 0, id < ctx.keyspace.databases.count else { throw .dbIndexOutOfRange }
                targetDB = id
                j += 1
            } else {
                throw .syntax
            }
            j += 1
        }
        if ctx.dispatcher.cluster != nil, ctx.client.db != 0 || targetDB != 0 { throw .copyDBInCluster }
        let key = ctx.key(1)
        let newKey = ctx.key(2)
        if targetDB == ctx.client.db && key == newKey {
            throw .sameSourceAndDestination
        }
        guard let slot = ctx.db.slot(of: key) else {
            ctx.notify(.keyMiss, "keymiss", arg: 1)
            ctx.reply.integer(0)
            return
        }
        let entry = ctx.db.entry(slot)
        let target = ctx.keyspace[targetDB]
        if target.exists(newKey) {
            guard replace else {
                ctx.reply.integer(0)
                return
            }
            target.remove(newKey)
        }
        target.set(newKey, entry.value.deepCopy(), expireAt: entry.expireAt >= 0 ? entry.expireAt : nil)
        ctx.notify(.generic, "copy_to", key: newKey, db: targetDB)
        ctx.reply.integer(1)
    }

    // MARK: - Iteration

    /// KEYS pattern
    static func keys(_ ctx: inout CommandContext) throws(CommandError) {
        let pattern = ctx.bytes(1).storage
        let matchAll = pattern == [UInt8(ascii: "*")]
        var found: [Bytes] = []
        ctx.db.allEntries { entry in
            if matchAll || GlobPattern.matches(pattern: pattern, entry.key) { found.append(entry.key) }
        }
        ctx.reply.arrayHeader(found.count)
        for key in found { key.withUnsafeBytes { ctx.reply.bulk($0) } }
    }

    /// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
    static func scan(_ ctx: inout CommandContext) throws(CommandError) {
        var scan = ScanArguments()
        scan.cursor = try ScanArguments.cursor(ctx, at: 1)
        try scan.parseOptions(ctx, from: 2, allowType: true)
        var found: [Bytes] = []
        let start = scan.cursor > UInt64(Int.max) ? Int.max : Int(scan.cursor)
        let next = ctx.db.scan(cursor: start, count: scan.count) { entry in
            guard scan.matches(entry.key) else { return }
            if let type = scan.type, entry.value.typeName != type { return }
            found.append(entry.key)
        }
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk(String(next))
        ctx.reply.arrayHeader(found.count)
        for key in found { key.withUnsafeBytes { ctx.reply.bulk($0) } }
    }

    /// RANDOMKEY
    static func randomkey(_ ctx: inout CommandContext) throws(CommandError) {
        if let key = ctx.db.randomKey(using: &ctx.keyspace.sampler) {
            key.withUnsafeBytes { ctx.reply.bulk($0) }
        } else {
            ctx.reply.null()
        }
    }

    // MARK: - OBJECT

    /// OBJECT ENCODING key
    static func objectEncoding(_ ctx: inout CommandContext) throws(CommandError) {
        guard let value = ctx.db.lookupWrite(ctx.key(2)) else {
            ctx.reply.null()
            return
        }
        ctx.reply.bulk(value.encodingName)
    }

    /// OBJECT FREQ key — only meaningful with an LFU eviction policy, which Podium does not have.
    static func objectFreq(_ ctx: inout CommandContext) throws(CommandError) {
        guard ctx.db.lookupWrite(ctx.key(2)) != nil else {
            ctx.reply.null()
            return
        }
        throw .lfuNotSelected
    }

    /// OBJECT IDLETIME key
    static func objectIdletime(_ ctx: inout CommandContext) throws(CommandError) {
        let db = ctx.db
        guard let slot = db.slot(of: ctx.key(2)) else {
            ctx.reply.null()
            return
        }
        let idle = Int(ctx.keyspace.nowSeconds) - Int(db.entry(slot).lastAccess)
        ctx.reply.integer(max(0, idle))
    }

    /// OBJECT REFCOUNT key — Valkey shares the integers 0..9999 (refcount INT_MAX); everything else is 1.
    static func objectRefcount(_ ctx: inout CommandContext) throws(CommandError) {
        guard let value = ctx.db.lookupWrite(ctx.key(2)) else {
            ctx.reply.null()
            return
        }
        if case .integer(let n) = value, n >= 0, n < 10000 {
            ctx.reply.integer(Int(Int32.max))
        } else {
            ctx.reply.integer(1)
        }
    }

    /// OBJECT HELP
    static func objectHelp(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(
            &ctx, command: "OBJECT",
            lines: [
                "ENCODING <key>", "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>", "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>", "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>", "    Return the number of references of the value associated with the specified",
                "    <key>.",
            ])
    }

    // MARK: - Databases

    /// DBSIZE
    static func dbsize(_ ctx: inout CommandContext) throws(CommandError) { ctx.reply.integer(ctx.db.count) }

    /// SELECT index
    static func select(_ ctx: inout CommandContext) throws(CommandError) {
        let id = try ctx.integer(1)
        if ctx.dispatcher.cluster != nil, id != 0 { throw .selectInCluster }
        guard id >= 0, id < ctx.keyspace.databases.count else { throw .dbIndexOutOfRange }
        ctx.client.db = id
        ctx.reply.ok()
    }

    /// SWAPDB index1 index2
    static func swapdb(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.dispatcher.cluster != nil { throw .swapdbInCluster }
        guard let a = ctx.integerIfValid(1) else { throw .invalidFirstDB }
        guard let b = ctx.integerIfValid(2) else { throw .invalidSecondDB }
        let n = ctx.keyspace.databases.count
        guard a >= 0, a < n, b >= 0, b < n else { throw .dbIndexOutOfRange }
        ctx.keyspace.swap(a, b)
        ctx.reply.ok()
    }

    /// FLUSHDB [ASYNC | SYNC]
    static func flushdb(_ ctx: inout CommandContext) throws(CommandError) {
        try parseFlushMode(ctx)
        ctx.db.removeAll()
        // Written even when the database was empty already, as Valkey does.
        ctx.forcePropagation()
        ctx.reply.ok()
    }

    /// FLUSHALL [ASYNC | SYNC]
    static func flushall(_ ctx: inout CommandContext) throws(CommandError) {
        try parseFlushMode(ctx)
        ctx.keyspace.removeAll()
        if !ctx.client.replaysLog { ctx.server?.flushedAll() }
        ctx.forcePropagation()
        ctx.reply.ok()
    }

    static func parseFlushMode(_ ctx: CommandContext) throws(CommandError) {
        if ctx.argc > 2 { throw .syntax }
        if ctx.argc == 2, !ctx.argIs(1, "async"), !ctx.argIs(1, "sync") { throw .syntax }
    }
}

extension Value {
    /// A copy that shares nothing mutable with the original (COPY). Strings are values already; collections are
    /// objects mutated in place, so they are duplicated.
    func deepCopy() -> Value {
        switch self {
        case .integer, .string: return self
        case .hash, .list, .set: return self  // values: the copy shares the buffers until either side changes
        case .sortedSet(let z): return .sortedSet(z)  // a value too: O(1), copy-on-write from here
        }
    }
}

// MARK: - WAIT

extension KeyCommands {
    /// WAIT numreplicas timeout
    ///
    /// Podium has no replicas, so no write is ever acknowledged: `WAIT 0 ...` answers 0 at once; a client asking
    /// for one or more replicas blocks until its timeout (milliseconds, 0: forever) or CLIENT UNBLOCK, then
    /// answers 0, as Valkey does with no replica connected. Inside MULTI it answers 0 at once.
    static func wait(_ ctx: inout CommandContext) throws(CommandError) {
        let wanted = try ctx.integer(1)
        guard let ms = ctx.integerIfValid(2) else { throw .timeoutNotInteger }
        if ms < 0 { throw .timeoutNegative }
        let now = ctx.keyspace.now
        if ms > 0, Int64(ms) > Int64.max - now { throw .timeoutOutOfRange }
        if wanted <= 0 || !ctx.mayBlock {
            ctx.reply.integer(0)
            return
        }
        ctx.block(keys: [], type: .replicas, deadline: ms == 0 ? 0 : now + Int64(ms))
    }
}

// MARK: - MOVE

extension KeyCommands {
    /// MOVE key db
    static func move(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.dispatcher.cluster != nil { throw .moveInCluster }
        guard let target = ctx.integerIfValid(2), target >= Int(Int32.min), target <= Int(Int32.max) else {
            throw .notInteger
        }
        guard target >= 0, target < ctx.keyspace.databases.count else { throw .dbIndexOutOfRange }
        if target == ctx.client.db { throw .sameSourceAndDestination }
        let db = ctx.db
        guard let slot = ctx.args[1].withUnsafeReadableBytes({ db.slot(raw: $0) }) else {
            ctx.reply.integer(0)
            return
        }
        let destination = ctx.keyspace[target]
        if ctx.args[1].withUnsafeReadableBytes({ destination.slot(raw: $0) }) != nil {
            ctx.reply.integer(0)
            return
        }
        let entry = db.entry(slot)
        // The value moves as it is (a value type: no copy); a new key in the target, with the same TTL.
        ctx.args[1].withUnsafeReadableBytes {
            destination.set(raw: $0, entry.value, expireAt: entry.expireAt >= 0 ? entry.expireAt : nil)
        }
        db.remove(slot: slot)
        ctx.notify(.generic, "move_from", arg: 1)
        ctx.notify(.generic, "move_to", key: entry.key, db: target)
        ctx.reply.integer(1)
    }
}
