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
    static func popWithKey(
        _ ctx: inout CommandContext, arg i: Int, max: Bool, count: Int,
        nested: Bool
    ) throws(CommandError) -> Bool {
        guard let (popped, emptied) = try popEnd(ctx, key: i, max: max, count: count) else { return false }
        let n = popped.count
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
            ctx.propagateInstead(
                CommandContext.arguments(
                    max ? .word("ZPOPMAX") : .word("ZPOPMIN"), .arg(ctx.args[i]), .integer(n)))
        } else {
            ctx.propagateInstead(CommandContext.arguments(max ? .word("ZPOPMAX") : .word("ZPOPMIN"), .arg(ctx.args[i])))
        }
        return true
    }

    /// Parses `numkeys key [key ...] MIN | MAX [COUNT count]` from argument `at` (ZMPOP, BZMPOP).
    static func parseMultiPop(
        _ ctx: CommandContext, at: Int
    ) throws(CommandError) -> (keys: Range<Int>, max: Bool, count: Int) {
        let (keys, min, count) = try ctx.multiPopArguments(at: at, "min", "max")
        return (keys, !min, count)
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

    static func blockingPop(
        _ ctx: inout CommandContext, keys: Range<Int>, timeoutArg: Int, max: Bool,
        count: Int?
    ) throws(CommandError) {
        let deadline = try ctx.blockingTimeout(timeoutArg)
        for i in keys {
            if try popWithKey(&ctx, arg: i, max: max, count: count ?? 1, nested: count != nil) { return }
        }
        guard ctx.mayBlock else {
            ctx.reply.nullArray()
            return
        }
        ctx.block(keys: Array(keys), type: .sortedSet, deadline: deadline)
    }
}
