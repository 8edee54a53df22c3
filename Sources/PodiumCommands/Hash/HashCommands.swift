import NIOCore
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `hash` group.
public enum HashCommands {
    // MARK: - Lookup helpers

    /// The hash at `key` for reading; nil when missing, `WRONGTYPE` for other types.
    static func readHash(_ ctx: CommandContext, _ i: Int = 1) throws(CommandError) -> HashObject? {
        let db = ctx.db
        guard let value = ctx.args[i].withUnsafeReadableBytes({ db.lookupRead(raw: $0) }) else { return nil }
        guard case .hash(let h) = value else { throw .wrongType }
        return h
    }

    /// The hash at `key` for writing, created when missing; `WRONGTYPE` for other types. The caller must call
    /// `ctx.db.touchModified` (through `finish`) after changing it.
    static func writeHash(_ ctx: CommandContext) throws(CommandError) -> HashObject {
        let db = ctx.db
        if let value = ctx.args[1].withUnsafeReadableBytes({ db.slot(raw: $0) }).map({ db.entry($0).value }) {
            guard case .hash(let h) = value else { throw .wrongType }
            return h
        }
        let h = HashObject()
        ctx.args[1].withUnsafeReadableBytes { db.set(raw: $0, .hash(h)) }
        return h
    }

    /// After a write: an emptied hash disappears as a key; otherwise WATCH learns the key changed.
    static func finish(_ ctx: CommandContext, _ h: HashObject) {
        let key = ctx.key(1)
        if h.count == 0 {
            ctx.db.remove(key)
        } else {
            ctx.keyspace.signalModified(db: ctx.client.db, key: key)
        }
    }

    static func reply(_ ctx: inout CommandContext, _ b: Bytes) { b.withUnsafeBytes { ctx.reply.bulk($0) } }

    // MARK: - Writes

    /// HSET key field value [field value ...]
    static func hset(_ ctx: inout CommandContext) throws(CommandError) {
        guard ctx.argc % 2 == 0 else { throw .wrongArity(ctx.spec.name) }
        let h = try writeHash(ctx)
        let limits = ctx.keyspace.hashLimits
        var added = 0
        for j in stride(from: 2, to: ctx.argc, by: 2) where h.set(ctx.bytes(j), ctx.bytes(j + 1), limits: limits) {
            added += 1
        }
        finish(ctx, h)
        if ctx.spec.name == "hmset" { ctx.reply.ok() } else { ctx.reply.integer(added) }
    }

    /// HSETNX key field value
    static func hsetnx(_ ctx: inout CommandContext) throws(CommandError) {
        let h = try writeHash(ctx)
        let field = ctx.bytes(2)
        if h.get(field) != nil {
            finish(ctx, h)
            ctx.reply.integer(0)
            return
        }
        h.set(field, ctx.bytes(3), limits: ctx.keyspace.hashLimits)
        finish(ctx, h)
        ctx.reply.integer(1)
    }

    /// HDEL key field [field ...]
    static func hdel(_ ctx: inout CommandContext) throws(CommandError) {
        guard let h = try readHashForWrite(ctx) else { ctx.reply.integer(0); return }
        var removed = 0
        for j in 2..<ctx.argc where h.remove(ctx.bytes(j)) { removed += 1 }
        if removed > 0 { finish(ctx, h) }
        ctx.reply.integer(removed)
    }

    /// The existing hash for a write that must not create it (HDEL).
    static func readHashForWrite(_ ctx: CommandContext) throws(CommandError) -> HashObject? {
        guard let value = ctx.db.lookupWrite(ctx.key(1)) else { return nil }
        guard case .hash(let h) = value else { throw .wrongType }
        return h
    }

    /// HINCRBY key field increment
    static func hincrby(_ ctx: inout CommandContext) throws(CommandError) {
        let increment = try ctx.integer(3)
        if let value = ctx.db.lookupWrite(ctx.key(1)), !(value.isHash) { throw .wrongType }
        let field = ctx.bytes(2)
        var current = 0
        if let existing = try readHashForWrite(ctx)?.get(field) {
            guard let n = existing.integerValue else { throw .custom("ERR hash value is not an integer") }
            current = n
        }
        let (result, overflow) = current.addingReportingOverflow(increment)
        if overflow { throw .overflow }
        let h = try writeHash(ctx)
        h.set(field, Bytes(decimal: result), limits: ctx.keyspace.hashLimits)
        finish(ctx, h)
        ctx.reply.integer(result)
    }

    /// HINCRBYFLOAT key field increment
    static func hincrbyfloat(_ ctx: inout CommandContext) throws(CommandError) {
        #if arch(x86_64) || arch(i386)
        guard let increment = ctx.args[3].withUnsafeReadableBytes({ NumberFormat.parseLongDouble($0) }) else {
            throw .notFloat
        }
        if increment.isInfinite { throw .custom("ERR value is NaN or Infinity") }
        if let value = ctx.db.lookupWrite(ctx.key(1)), !(value.isHash) { throw .wrongType }
        let field = ctx.bytes(2)
        var current: Float80 = 0
        if let existing = try readHashForWrite(ctx)?.get(field) {
            guard let v = existing.withUnsafeBytes({ NumberFormat.parseLongDouble($0) }) else {
                throw .custom("ERR hash value is not a float")
            }
            current = v
        }
        let result = current + increment
        if result.isNaN || result.isInfinite { throw .custom("ERR increment would produce NaN or Infinity") }
        let text = NumberFormat.humanLongDouble(result)
        let h = try writeHash(ctx)
        h.set(field, Bytes(text), limits: ctx.keyspace.hashLimits)
        finish(ctx, h)
        ctx.reply.bulk(text)
        #else
        throw .custom("ERR HINCRBYFLOAT needs long double support on this platform")
        #endif
    }

    // MARK: - Reads

    /// HGET key field
    static func hget(_ ctx: inout CommandContext) throws(CommandError) {
        if let v = try readHash(ctx)?.get(ctx.bytes(2)) { reply(&ctx, v) } else { ctx.reply.null() }
    }

    /// HMGET key field [field ...]
    static func hmget(_ ctx: inout CommandContext) throws(CommandError) {
        let h = try readHash(ctx)
        ctx.reply.arrayHeader(ctx.argc - 2)
        for j in 2..<ctx.argc {
            if let v = h?.get(ctx.bytes(j)) { reply(&ctx, v) } else { ctx.reply.null() }
        }
    }

    /// HGETALL key
    static func hgetall(_ ctx: inout CommandContext) throws(CommandError) {
        guard let h = try readHash(ctx) else { ctx.reply.mapHeader(0); return }
        ctx.reply.mapHeader(h.count)
        h.forEach { f, v in
            reply(&ctx, f)
            reply(&ctx, v)
        }
    }

    /// HKEYS key
    static func hkeys(_ ctx: inout CommandContext) throws(CommandError) {
        guard let h = try readHash(ctx) else { ctx.reply.arrayHeader(0); return }
        ctx.reply.arrayHeader(h.count)
        h.forEach { f, _ in reply(&ctx, f) }
    }

    /// HVALS key
    static func hvals(_ ctx: inout CommandContext) throws(CommandError) {
        guard let h = try readHash(ctx) else { ctx.reply.arrayHeader(0); return }
        ctx.reply.arrayHeader(h.count)
        h.forEach { _, v in reply(&ctx, v) }
    }

    /// HLEN key
    static func hlen(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(try readHash(ctx)?.count ?? 0)
    }

    /// HEXISTS key field
    static func hexists(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(try readHash(ctx)?.get(ctx.bytes(2)) != nil ? 1 : 0)
    }

    /// HSTRLEN key field
    static func hstrlen(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(try readHash(ctx)?.get(ctx.bytes(2))?.count ?? 0)
    }

    /// HRANDFIELD key [count [WITHVALUES]]
    static func hrandfield(_ ctx: inout CommandContext) throws(CommandError) {
        let (count, withValues) = try RandomSelection.parse(ctx, flag: "withvalues")
        let h = try readHash(ctx)
        guard let count else {
            guard let h, h.count > 0 else { ctx.reply.null(); return }
            let pairs = h.pairs
            reply(&ctx, pairs[Int.random(in: 0..<pairs.count, using: &ctx.keyspace.sampler)].field)
            return
        }
        try RandomSelection.checkRange(count)
        guard let h, h.count > 0, count != 0 else { ctx.reply.arrayHeader(0); return }
        let pairs = h.pairs
        let chosen = RandomSelection.indices(count: count, size: pairs.count, using: &ctx.keyspace.sampler)
        if withValues && ctx.client.proto == .resp3 {
            ctx.reply.arrayHeader(chosen.count)
            for i in chosen {
                ctx.reply.arrayHeader(2)
                reply(&ctx, pairs[i].field)
                reply(&ctx, pairs[i].value)
            }
        } else {
            ctx.reply.arrayHeader(withValues ? chosen.count * 2 : chosen.count)
            for i in chosen {
                reply(&ctx, pairs[i].field)
                if withValues { reply(&ctx, pairs[i].value) }
            }
        }
    }

    /// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]
    ///
    /// Like Valkey for listpack-encoded hashes, the whole hash is returned in one call with cursor 0 (COUNT is a
    /// hint); hashtable-encoded hashes are returned the same way, which keeps SCAN's guarantees.
    static func hscan(_ ctx: inout CommandContext) throws(CommandError) {
        // Valkey's order: cursor, then the key (missing → an empty scan, whatever the options), then options.
        var scan = ScanArguments()
        scan.cursor = try ScanArguments.cursor(ctx, at: 2)
        guard let h = try readHash(ctx) else { ScanArguments.replyEmpty(&ctx); return }
        try scan.parseOptions(ctx, from: 3, allowNoValues: true)
        var found: [(Bytes, Bytes)] = []
        h.forEach { f, v in if scan.matches(f) { found.append((f, v)) } }
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk("0")
        ctx.reply.arrayHeader(scan.noValues ? found.count : found.count * 2)
        for (f, v) in found {
            reply(&ctx, f)
            if !scan.noValues { reply(&ctx, v) }
        }
    }
}

extension Value {
    var isHash: Bool {
        if case .hash = self { return true }
        return false
    }
}
