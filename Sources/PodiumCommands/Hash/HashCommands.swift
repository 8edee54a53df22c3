import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumNumbers
import PodiumRESP

/// Handlers of Valkey's `hash` group.
public enum HashCommands: ObjectCommands {
    typealias Object = HashObject

    // MARK: - Lookup helpers

    /// Changes the hash at argument 1 in place (`CommandContext.modifyObject`).
    static func modifyHash<R>(
        _ ctx: CommandContext, create: Bool, changed: (R) -> Bool = { _ in true },
        _ body: (inout HashObject) throws(CommandError) -> R
    ) throws(CommandError) -> R? {
        try ctx.modifyObject(key: 1, create: create, changed: changed, body)
    }

    static func reply(_ ctx: inout CommandContext, _ b: Bytes) { b.withUnsafeBytes { ctx.reply.bulk($0) } }

    // MARK: - Writes

    /// HSET key field value [field value ...]
    static func hset(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(try setFields(&ctx))
    }

    /// HMSET key field value [field value ...]: HSET that answers OK.
    static func hmset(_ ctx: inout CommandContext) throws(CommandError) {
        _ = try setFields(&ctx)
        ctx.reply.ok()
    }

    /// HSET's work: sets the pairs and returns how many fields were added (raising `hset`, as Valkey does for
    /// HMSET too).
    private static func setFields(_ ctx: inout CommandContext) throws(CommandError) -> Int {
        guard ctx.argc % 2 == 0 else { throw .wrongArity(ctx.spec.name) }
        let limits = ctx.keyspace.hashLimits
        let args = ctx.args
        let added = try modifyHash(ctx, create: true) { h in
            var added = 0
            for j in stride(from: 2, to: args.count, by: 2) {
                args[j].withUnsafeReadableBytes { f in
                    args[j + 1].withUnsafeReadableBytes { v in if h.set(f, v, limits: limits) { added += 1 } }
                }
            }
            return added
        }
        ctx.notify(.hash, "hset", arg: 1)
        return added ?? 0
    }

    /// HSETNX key field value
    static func hsetnx(_ ctx: inout CommandContext) throws(CommandError) {
        let limits = ctx.keyspace.hashLimits
        let (field, value) = (ctx.args[2], ctx.args[3])
        let added = try modifyHash(ctx, create: true, changed: { $0 }) { h in
            field.withUnsafeReadableBytes { f in
                if h.contains(f) { return false }
                value.withUnsafeReadableBytes { v in _ = h.set(f, v, limits: limits) }
                return true
            }
        }
        ctx.reply.integer(added == true ? 1 : 0)
        if added == true { ctx.notify(.hash, "hset", arg: 1) }
    }

    /// HDEL key field [field ...]
    static func hdel(_ ctx: inout CommandContext) throws(CommandError) {
        let args = ctx.args
        let removed = try modifyHash(ctx, create: false, changed: { $0 > 0 }) { h in
            var removed = 0
            for j in 2..<args.count where args[j].withUnsafeReadableBytes({ h.remove($0) }) { removed += 1 }
            return removed
        }
        if let removed, removed > 0, ctx.notifies([.hash, .generic]) {
            ctx.notify(.hash, "hdel", arg: 1)
            // The hash went away with its last field.
            let db = ctx.db
            if ctx.args[1].withUnsafeReadableBytes({ db.slot(raw: $0) }) == nil { ctx.notify(.generic, "del", arg: 1) }
        }
        ctx.reply.integer(removed ?? 0)
    }

    /// HINCRBY key field increment
    static func hincrby(_ ctx: inout CommandContext) throws(CommandError) {
        let increment = try ctx.integer(3)
        let limits = ctx.keyspace.hashLimits
        let field = ctx.args[2]
        let result = try modifyHash(ctx, create: true) { h throws(CommandError) -> Int in
            try field.withRawBytes { f throws(CommandError) -> Int in
                var current = 0
                if let parsed = h.withValue(f, { StrictInteger.parse($0) }) {
                    guard let n = parsed else { throw .hashValueNotInteger }
                    current = n
                }
                let (result, overflow) = current.addingReportingOverflow(increment)
                if overflow { throw .overflow }
                StrictInteger.withDecimal(result) { _ = h.set(f, $0, limits: limits, keepTTL: true) }
                return result
            }
        }
        ctx.reply.integer(result!)
        ctx.notify(.hash, "hincrby", arg: 1)
    }

    /// HINCRBYFLOAT key field increment
    static func hincrbyfloat(_ ctx: inout CommandContext) throws(CommandError) {
        #if arch(x86_64) || arch(i386)
        guard let increment = ctx.args[3].withUnsafeReadableBytes({ NumberFormat.parseLongDouble($0) }) else {
            throw .notFloat
        }
        if increment.isInfinite { throw .valueNaNOrInfinity }
        let limits = ctx.keyspace.hashLimits
        let field = ctx.args[2]
        var fieldExpiry: Int64 = -1
        let text = try modifyHash(ctx, create: true) { h throws(CommandError) -> String in
            try field.withRawBytes { f throws(CommandError) -> String in
                fieldExpiry = h.expiryTime(f) ?? -1
                var current: Float80 = 0
                if let parsed = h.withValue(f, { NumberFormat.parseLongDouble($0) }) {
                    guard let v = parsed else { throw .hashValueNotFloat }
                    current = v
                }
                let result = current + increment
                if result.isNaN || result.isInfinite {
                    throw .incrementNaNOrInfinity
                }
                let text = NumberFormat.humanLongDouble(result)
                _ = Array(text.utf8).withUnsafeBytes { h.set(f, $0, limits: limits, keepTTL: true) }
                return text
            }
        }
        ctx.reply.bulk(text!)
        ctx.notify(.hash, "hincrbyfloat", arg: 1)
        // Recorded as an HSET of the result (Valkey), so that replay cannot round differently; a field with a TTL
        // as an HSETEX that keeps it.
        if ctx.propagates, let text {
            if fieldExpiry >= 0 {
                ctx.propagateInstead(
                    CommandContext.arguments(
                        .word("HSETEX"), .arg(ctx.args[1]), .word("PXAT"), .integer(fieldExpiry), .word("FIELDS"),
                        .integer(1), .arg(ctx.args[2]), .text(text)))
            } else {
                ctx.propagateInstead(
                    CommandContext.arguments(.word("HSET"), .arg(ctx.args[1]), .arg(ctx.args[2]), .text(text)))
            }
        }
        #else
        throw .hincrbyfloatUnsupported
        #endif
    }

    // MARK: - Reads

    /// Replies the value of `field` in `h`, or null.
    static func replyValue(_ ctx: inout CommandContext, _ h: HashObject?, field: ByteBuffer) {
        let found: Void? = field.withUnsafeReadableBytes { f in h?.withValue(f) { ctx.reply.bulk($0) } }
        if found == nil { ctx.reply.null() }
    }

    /// HGET key field
    static func hget(_ ctx: inout CommandContext) throws(CommandError) {
        replyValue(&ctx, try readObject(ctx), field: ctx.args[2])
    }

    /// HMGET key field [field ...]
    static func hmget(_ ctx: inout CommandContext) throws(CommandError) {
        let h = try readObject(ctx)
        ctx.reply.arrayHeader(ctx.argc - 2)
        for j in 2..<ctx.argc { replyValue(&ctx, h, field: ctx.args[j]) }
    }

    /// HGETALL key
    static func hgetall(_ ctx: inout CommandContext) throws(CommandError) {
        guard let h = try readObject(ctx) else {
            ctx.reply.mapHeader(0)
            return
        }
        ctx.reply.mapHeader(h.count)
        h.forEach { f, v in
            ctx.reply.bulk(f)
            ctx.reply.bulk(v)
        }
    }

    /// HKEYS key
    static func hkeys(_ ctx: inout CommandContext) throws(CommandError) { try replyHalves(&ctx, fields: true) }

    /// HVALS key
    static func hvals(_ ctx: inout CommandContext) throws(CommandError) { try replyHalves(&ctx, fields: false) }

    /// Every field (HKEYS) or every value (HVALS) of the hash, in its order; an empty array for a missing key.
    private static func replyHalves(_ ctx: inout CommandContext, fields: Bool) throws(CommandError) {
        guard let h = try readObject(ctx) else {
            ctx.reply.arrayHeader(0)
            return
        }
        ctx.reply.arrayHeader(h.count)
        h.forEach { f, v in ctx.reply.bulk(fields ? f : v) }
    }

    /// HLEN key
    static func hlen(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(try readObject(ctx)?.count ?? 0)
    }

    /// HEXISTS key field
    static func hexists(_ ctx: inout CommandContext) throws(CommandError) {
        let h = try readObject(ctx)
        ctx.reply.integer(ctx.args[2].withUnsafeReadableBytes { h?.contains($0) ?? false } ? 1 : 0)
    }

    /// HSTRLEN key field
    static func hstrlen(_ ctx: inout CommandContext) throws(CommandError) {
        let h = try readObject(ctx)
        ctx.reply.integer(ctx.args[2].withUnsafeReadableBytes { f in h?.withValue(f) { $0.count } } ?? 0)
    }

    /// HRANDFIELD key [count [WITHVALUES]]
    static func hrandfield(_ ctx: inout CommandContext) throws(CommandError) {
        let (count, withValues) = try RandomSelection.parse(ctx, flag: "withvalues")
        let h = try readObject(ctx)
        guard let count else {
            guard let h, h.count > 0 else {
                ctx.reply.null()
                return
            }
            let pairs = h.pairs
            reply(&ctx, pairs[Int.random(in: 0..<pairs.count, using: &ctx.keyspace.sampler)].field)
            return
        }
        try RandomSelection.checkRepeatedPicks(count)
        guard let h, h.count > 0, count != 0 else {
            ctx.reply.arrayHeader(0)
            return
        }
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
        guard let (scan, h) = try ScanArguments.begin(&ctx, read: readObject, allowNoValues: true) else { return }
        var found: [(Bytes, Bytes)] = []
        for (f, v) in h.pairs where scan.matches(f) { found.append((f, v)) }
        ScanArguments.replyHeader(&ctx, next: 0, elements: scan.noValues ? found.count : found.count * 2)
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
