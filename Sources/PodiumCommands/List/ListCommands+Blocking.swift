import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH (Valkey's `blockingPopGenericCommand`, `blmoveGenericCommand`).
///
/// When a key has elements they behave as their non-blocking forms and are recorded in the AOF as those
/// (`LPOP key`, `LPOP key count`, `LMOVE ...`), as Valkey propagates them: a log never holds a command that could
/// block while it loads. When every key is missing the client blocks (Core/Blocking.swift); inside MULTI, or
/// while the log replays, it answers at once as if it had timed out.
extension ListCommands {
    /// BLPOP key [key ...] timeout
    static func blpop(_ ctx: inout CommandContext) throws(CommandError) {
        try blockingPop(&ctx, front: true, keys: 1..<(ctx.argc - 1), timeoutArg: ctx.argc - 1, count: nil)
    }

    /// BRPOP key [key ...] timeout
    static func brpop(_ ctx: inout CommandContext) throws(CommandError) {
        try blockingPop(&ctx, front: false, keys: 1..<(ctx.argc - 1), timeoutArg: ctx.argc - 1, count: nil)
    }

    /// BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]
    static func blmpop(_ ctx: inout CommandContext) throws(CommandError) {
        let (keys, front, count) = try parseMultiPop(ctx, at: 2)
        try blockingPop(&ctx, front: front, keys: keys, timeoutArg: 1, count: count)
    }

    /// The pop of BLPOP / BRPOP (`count` nil: replies `[key, element]`) and BLMPOP (`[key, [elements]]`).
    static func blockingPop(
        _ ctx: inout CommandContext, front: Bool, keys: Range<Int>, timeoutArg: Int,
        count: Int?
    ) throws(CommandError) {
        let deadline = try ctx.blockingTimeout(timeoutArg)
        for i in keys {
            guard let slot = try objectSlot(ctx, i) else { continue }
            let db = ctx.db
            if let count {
                popRangeWithKey(&ctx, slot: slot, arg: i, front: front, count: count)
                return
            }
            ctx.reply.arrayHeader(2)
            ctx.reply.bulk(ctx.args[i])
            do {  // the read copy must be gone before `modify` (see popGeneric)
                let l = db.entry(slot).value.listValue
                _ = l.element(at: front ? 0 : l.count - 1) { ctx.reply.bulk($0) }
            }
            modify(db, slot: slot) { $0.removeEnds(1, front: front) }
            ctx.notify(.list, front ? "lpop" : "rpop", arg: i)
            afterRemoval(&ctx, slot: slot, arg: i)
            if ctx.propagates {
                ctx.propagateInstead(CommandContext.arguments(front ? .word("LPOP") : .word("RPOP"), .arg(ctx.args[i])))
            }
            return
        }
        guard ctx.mayBlock else {
            ctx.reply.nullArray()
            return
        }
        ctx.block(keys: Array(keys), type: .list, deadline: deadline)
    }

    /// BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout
    static func blmove(_ ctx: inout CommandContext) throws(CommandError) {
        let from = try parseEnd(ctx, 3)
        let to = try parseEnd(ctx, 4)
        let deadline = try ctx.blockingTimeout(5)
        try blockingMove(&ctx, fromFront: from, toFront: to, deadline: deadline)
    }

    /// BRPOPLPUSH source destination timeout
    static func brpoplpush(_ ctx: inout CommandContext) throws(CommandError) {
        let deadline = try ctx.blockingTimeout(3)
        try blockingMove(&ctx, fromFront: false, toFront: true, deadline: deadline, recordedAsRPOPLPUSH: true)
    }

    /// Valkey's `blmoveGenericCommand`: LMOVE when the source has elements (recorded as LMOVE, or as RPOPLPUSH
    /// for BRPOPLPUSH), else block on the source.
    static func blockingMove(
        _ ctx: inout CommandContext, fromFront: Bool, toFront: Bool, deadline: Int64,
        recordedAsRPOPLPUSH: Bool = false
    ) throws(CommandError) {
        guard try objectSlot(ctx, 1) != nil else {
            if ctx.mayBlock { ctx.block(keys: [1], type: .list, deadline: deadline) } else { ctx.reply.null() }
            return
        }
        try moveGeneric(&ctx, fromFront: fromFront, toFront: toFront)
        guard ctx.propagates else { return }
        if recordedAsRPOPLPUSH {
            ctx.propagateInstead(CommandContext.arguments(.word("RPOPLPUSH"), .arg(ctx.args[1]), .arg(ctx.args[2])))
        } else {
            ctx.propagateInstead(
                CommandContext.arguments(
                    .word("LMOVE"), .arg(ctx.args[1]), .arg(ctx.args[2]), .arg(ctx.args[3]), .arg(ctx.args[4])))
        }
    }
}
