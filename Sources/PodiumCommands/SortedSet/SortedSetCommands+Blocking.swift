import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// ZMPOP, BZPOPMIN, BZPOPMAX, BZMPOP (Valkey's `genericZpopCommand` and `blockingGenericZpopCommand`).
///
/// A served pop is recorded in the AOF as `ZPOPMIN key` / `ZPOPMAX key [count]`, as Valkey propagates it; with
/// every key missing the client blocks (Core/Blocking.swift), or inside MULTI answers a null array at once.
extension SortedSetCommands {
    /// Pops up to `count` members from the lowest (or `max`, highest) end of the sorted set at argument `i` and
    /// replies: `[key, member, score]` (`nested` false, one member) or `[key, [[member, score], ...]]`. Returns
    /// false, having done nothing, when the key is missing; throws WRONGTYPE for another type.
    static func popWithKey(_ ctx: inout CommandContext, arg i: Int, max: Bool, count: Int,
                           nested: Bool) throws(CommandError) -> Bool {
        var emptied = false
        guard let popped: [(Bytes, Double)] = try modifySet(ctx, key: i, create: false, {
            (z: inout SortedSetObject) -> [(Bytes, Double)] in
            let n = Swift.min(count, z.count)
            let ranks = max ? (z.count - n)..<z.count : 0..<n
            var popped: [(Bytes, Double)] = []
            popped.reserveCapacity(n)
            z.forEach(ranks: ranks, reverse: max) { popped.append((Bytes(raw: $0), $1)) }
            z.remove(ranks: ranks)
            emptied = z.count == 0
            return popped
        }) else { return false }
        let n = popped.count
        // The events before the reply: a RESP3 client subscribed to its own events gets them ahead of it.
        ctx.notify(.zset, max ? "zpopmax" : "zpopmin", arg: i)
        if emptied { ctx.notify(.generic, "del", arg: i) }
        ctx.reply.arrayHeader(nested ? 2 : 1 + 2 * n)
        ctx.reply.bulk(ctx.args[i])
        if nested { ctx.reply.arrayHeader(n) }
        for (member, score) in popped {
            if nested { ctx.reply.arrayHeader(2) }
            replyMember(&ctx, member)
            replyScore(&ctx, score)
        }
        guard ctx.propagates else { return true }
        if nested {
            ctx.propagateInstead(CommandContext.arguments(
                max ? .word("ZPOPMAX") : .word("ZPOPMIN"), .arg(ctx.args[i]), .integer(n)))
        } else {
            ctx.propagateInstead(CommandContext.arguments(max ? .word("ZPOPMAX") : .word("ZPOPMIN"), .arg(ctx.args[i])))
        }
        return true
    }

    /// Parses `numkeys key [key ...] MIN | MAX [COUNT count]` from argument `at` (ZMPOP, BZMPOP).
    static func parseMultiPop(_ ctx: CommandContext, at: Int) throws(CommandError) -> (keys: Range<Int>, max: Bool, count: Int) {
        guard let numkeys = ctx.integerIfValid(at), numkeys >= 1 else { throw .numkeysNotPositive }
        guard numkeys < ctx.argc, at + numkeys + 1 < ctx.argc else { throw .syntax }
        let whereIndex = at + numkeys + 1
        let max: Bool
        if ctx.argIs(whereIndex, "min") { max = false } else if ctx.argIs(whereIndex, "max") { max = true } else {
            throw .syntax
        }
        var count = -1
        var j = whereIndex + 1
        while j < ctx.argc {
            if count == -1, ctx.argIs(j, "count"), j + 1 < ctx.argc {
                guard let n = ctx.integerIfValid(j + 1), n >= 1 else { throw .countNotPositive }
                count = n
                j += 2
            } else {
                throw .syntax
            }
        }
        return ((at + 1)..<whereIndex, max, count == -1 ? 1 : count)
    }

    /// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
    static func zmpop(_ ctx: inout CommandContext) throws(CommandError) {
        let (keys, max, count) = try parseMultiPop(ctx, at: 1)
        for i in keys {
            if try popWithKey(&ctx, arg: i, max: max, count: count, nested: true) { return }
        }
        ctx.reply.nullArray()
    }

    /// BZPOPMIN key [key ...] timeout
    static func bzpopmin(_ ctx: inout CommandContext) throws(CommandError) {
        try blockingPop(&ctx, keys: 1..<(ctx.argc - 1), timeoutArg: ctx.argc - 1, max: false, count: nil)
    }

    /// BZPOPMAX key [key ...] timeout
    static func bzpopmax(_ ctx: inout CommandContext) throws(CommandError) {
        try blockingPop(&ctx, keys: 1..<(ctx.argc - 1), timeoutArg: ctx.argc - 1, max: true, count: nil)
    }

    /// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
    static func bzmpop(_ ctx: inout CommandContext) throws(CommandError) {
        let (keys, max, count) = try parseMultiPop(ctx, at: 2)
        try blockingPop(&ctx, keys: keys, timeoutArg: 1, max: max, count: count)
    }

    static func blockingPop(_ ctx: inout CommandContext, keys: Range<Int>, timeoutArg: Int, max: Bool,
                            count: Int?) throws(CommandError) {
        let deadline = try ctx.blockingTimeout(timeoutArg)
        for i in keys {
            if try popWithKey(&ctx, arg: i, max: max, count: count ?? 1, nested: count != nil) { return }
        }
        guard ctx.mayBlock else { ctx.reply.nullArray(); return }
        ctx.block(keys: Array(keys), type: .sortedSet, deadline: deadline)
    }
}
