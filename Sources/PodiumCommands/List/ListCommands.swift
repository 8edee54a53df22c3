import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `list` group ("recent games", job queues). The blocking forms are in
/// `ListCommands+Blocking.swift`.
///
/// Each handler parses and checks its arguments in Valkey's order (which decides what error a bad call gets),
/// then changes the list in place through `Database.withObject(slot:)`: the list's buffers stay uniquely
/// referenced, so no element is copied. An emptied list disappears as a key, as in Valkey.
public enum ListCommands: ObjectCommands {
    typealias Object = ListObject

    // MARK: - Helpers (lookups: `ObjectCommands`)

    /// After elements were removed from the list at argument `i` in `slot`: an emptied list is deleted (`del`
    /// event), otherwise it may convert back to a listpack; WATCH learns of the change either way.
    static func afterRemoval(_ ctx: inout CommandContext, slot: Int, arg i: Int) {
        let db = ctx.db
        let limits = ctx.keyspace.listLimits
        let emptied = modify(db, slot: slot) { l -> Bool in
            if l.isEmpty { return true }
            l.shrinkIfSmall(limits: limits)
            return false
        }
        if emptied {
            db.remove(slot: slot)
            ctx.notify(.generic, "del", arg: i)
        } else {
            db.signalModified(slot: slot)
        }
    }

    /// Parses LEFT | RIGHT (`getListPositionFromObjectOrReply`): true for LEFT (the head).
    static func parseEnd(_ ctx: CommandContext, _ i: Int) throws(CommandError) -> Bool {
        if ctx.argIs(i, "left") { return true }
        if ctx.argIs(i, "right") { return false }
        throw .syntax
    }

    /// Writes elements `start...end` (already clamped, non-empty) as an array, head to tail or reversed.
    static func replyRange(_ ctx: inout CommandContext, _ l: ListObject, from start: Int, count: Int, reverse: Bool) {
        ctx.reply.arrayHeader(count)
        l.forEach(from: start, count: count, reverse: reverse) { ctx.reply.bulk($0) }
    }

    /// Valkey's index normalisation for LRANGE and LTRIM: the clamped range, or nil when it is empty.
    static func clampRange(start: Int, end: Int, count: Int) -> (Int, Int)? {
        var s = start < 0 ? count + start : start
        var e = end < 0 ? count + end : end
        if s < 0 { s = 0 }
        if s > e || s >= count { return nil }
        if e >= count { e = count - 1 }
        return (s, e)
    }

    /// The total size of arguments `from...` (what Valkey weighs before converting a listpack).
    static func argumentBytes(_ ctx: CommandContext, from: Int, to: Int) -> Int {
        var total = 0
        for j in from...to { total += ctx.args[j].readableBytes }
        return total
    }

    // MARK: - Push

    /// LPUSH / RPUSH / LPUSHX / RPUSHX (Valkey's `pushGenericCommand`).
    static func pushGeneric(_ ctx: inout CommandContext, front: Bool, onlyIfExists: Bool) throws(CommandError) {
        let db = ctx.db
        let limits = ctx.keyspace.listLimits
        var slot = try objectSlot(ctx)
        if slot == nil {
            if onlyIfExists {
                ctx.reply.integer(0)
                return
            }
            ctx.args[1].withUnsafeReadableBytes { db.set(raw: $0, .list(ListObject())) }
            slot = ctx.args[1].withUnsafeReadableBytes { db.slot(raw: $0) }
        }
        // Invariant: the key exists now (found, or just stored under the same command clock).
        guard let slot else { return }
        let args = ctx.args
        let addBytes = argumentBytes(ctx, from: 2, to: args.count - 1)
        let length = modify(db, slot: slot) { l -> Int in
            l.prepareToGrow(addBytes: addBytes, addCount: args.count - 2, limits: limits)
            for j in 2..<args.count {
                args[j].withUnsafeReadableBytes { l.push($0, front: front, limits: limits) }
            }
            return l.count
        }
        db.signalModified(slot: slot)
        ctx.reply.integer(length)
        ctx.notify(.list, front ? "lpush" : "rpush", arg: 1)
    }

    // MARK: - Pop

    /// LPOP / RPOP key [count] (Valkey's `popGenericCommand`).
    static func popGeneric(_ ctx: inout CommandContext, front: Bool) throws(CommandError) {
        if ctx.argc > 3 { throw .wrongArity(ctx.spec.name) }
        let hasCount = ctx.argc == 3
        var count = 0
        if hasCount {
            // Valkey's getPositiveLongFromObjectOrReply: one message for "not a number" and "negative".
            guard let n = ctx.integerIfValid(2), n >= 0 else { throw .mustBePositive }
            count = n
        }
        guard let slot = try objectSlot(ctx) else {
            if hasCount { ctx.reply.nullArray() } else { ctx.reply.null() }
            return
        }
        if hasCount && count == 0 {
            ctx.reply.arrayHeader(0)
            return
        }
        let db = ctx.db
        // The read copy of the list lives in its own scope: alive during `modify`, it would make the change copy
        // the whole quicklist (O(size) per pop).
        if !hasCount {
            do {
                let l = db.entry(slot).value.listValue
                _ = l.element(at: front ? 0 : l.count - 1) { ctx.reply.bulk($0) }
            }
            modify(db, slot: slot) { $0.removeEnds(1, front: front) }
            ctx.notify(.list, front ? "lpop" : "rpop", arg: 1)
            afterRemoval(&ctx, slot: slot, arg: 1)
            return
        }
        let n: Int
        do {
            let l = db.entry(slot).value.listValue
            n = min(count, l.count)
            replyRange(&ctx, l, from: front ? 0 : l.count - 1, count: n, reverse: !front)
        }
        modify(db, slot: slot) { $0.removeEnds(n, front: front) }
        ctx.notify(.list, front ? "lpop" : "rpop", arg: 1)
        afterRemoval(&ctx, slot: slot, arg: 1)
    }

    /// LPOP key [count]
    static func lpop(_ ctx: inout CommandContext) throws(CommandError) { try popGeneric(&ctx, front: true) }
    /// RPOP key [count]
    static func rpop(_ ctx: inout CommandContext) throws(CommandError) { try popGeneric(&ctx, front: false) }

    /// Pops up to `count` elements from the list at argument `i` (in `slot`) and replies `[key, [elements]]`:
    /// LMPOP, BLMPOP and a served BLMPOP. Recorded as LPOP / RPOP key count, as Valkey propagates it.
    static func popRangeWithKey(_ ctx: inout CommandContext, slot: Int, arg i: Int, front: Bool, count: Int) {
        let db = ctx.db
        let l = db.entry(slot).value.listValue
        let n = min(count, l.count)
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk(ctx.args[i])
        replyRange(&ctx, l, from: front ? 0 : l.count - 1, count: n, reverse: !front)
        modify(db, slot: slot) { $0.removeEnds(n, front: front) }
        ctx.notify(.list, front ? "lpop" : "rpop", arg: i)
        afterRemoval(&ctx, slot: slot, arg: i)
        if ctx.propagates {
            ctx.propagateInstead(
                CommandContext.arguments(front ? .word("LPOP") : .word("RPOP"), .arg(ctx.args[i]), .integer(n)))
        }
    }

    /// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` from argument `at` (LMPOP, BLMPOP): the key
    /// arguments, the end and the count.
    static func parseMultiPop(
        _ ctx: CommandContext, at: Int
    ) throws(CommandError) -> (keys: Range<Int>, front: Bool, count: Int) {
        let (keys, front, count) = try ctx.multiPopArguments(at: at, "left", "right")
        return (keys, front, count)
    }

    /// LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]
    static func lmpop(_ ctx: inout CommandContext) throws(CommandError) {
        let (keys, front, count) = try parseMultiPop(ctx, at: 1)
        for i in keys {
            guard let slot = try objectSlot(ctx, i) else { continue }
            popRangeWithKey(&ctx, slot: slot, arg: i, front: front, count: count)
            return
        }
        ctx.reply.nullArray()
    }

    // MARK: - Reads

    /// LLEN key
    static func llen(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(try readObject(ctx)?.count ?? 0)
    }

    /// LRANGE key start stop
    static func lrange(_ ctx: inout CommandContext) throws(CommandError) {
        let start = try ctx.integer(2)
        let end = try ctx.integer(3)
        guard let l = try readObject(ctx), let (s, e) = clampRange(start: start, end: end, count: l.count) else {
            ctx.reply.arrayHeader(0)
            return
        }
        replyRange(&ctx, l, from: s, count: e - s + 1, reverse: false)
    }

    /// LINDEX key index
    static func lindex(_ ctx: inout CommandContext) throws(CommandError) {
        guard let l = try readObject(ctx) else {
            ctx.reply.null()
            return
        }
        let index = try ctx.integer(2)
        let i = index < 0 ? l.count + index : index
        if l.element(at: i, { ctx.reply.bulk($0) }) == nil { ctx.reply.null() }
    }

    /// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
    ///
    /// `RANK -9223372036854775808` is refused as Valkey 8 does (`value is out of range`); redis-server 7.0
    /// accepts it and negates it with an overflow.
    static func lpos(_ ctx: inout CommandContext) throws(CommandError) {
        var rank = 1
        var count = -1
        var maxlen = 0
        var j = 3
        while j < ctx.argc {
            let more = j + 1 < ctx.argc
            if ctx.argIs(j, "rank"), more {
                guard let r = ctx.integerIfValid(j + 1) else { throw .notInteger }
                guard r != Int.min else { throw .outOfRange(min: -Int.max, max: Int.max) }
                if r == 0 { throw .lposRankZero }
                rank = r
            } else if ctx.argIs(j, "count"), more {
                guard let c = ctx.integerIfValid(j + 1), c >= 0 else { throw .lposCountNegative }
                count = c
            } else if ctx.argIs(j, "maxlen"), more {
                guard let m = ctx.integerIfValid(j + 1), m >= 0 else { throw .lposMaxlenNegative }
                maxlen = m
            } else {
                throw .syntax
            }
            j += 2
        }
        guard let l = try readObject(ctx) else {
            if count != -1 { ctx.reply.arrayHeader(0) } else { ctx.reply.null() }
            return
        }
        let found = ctx.args[2].withUnsafeReadableBytes { raw in
            l.positions(of: raw, rank: abs(rank), limit: count == -1 ? 1 : count, maxlen: maxlen, fromTail: rank < 0)
        }
        if count != -1 {
            ctx.reply.arrayHeader(found.count)
            for i in found { ctx.reply.integer(i) }
        } else if let first = found.first {
            ctx.reply.integer(first)
        } else {
            ctx.reply.null()
        }
    }

    // MARK: - Changes in the middle

    /// LSET key index element
    static func lset(_ ctx: inout CommandContext) throws(CommandError) {
        guard let slot = try objectSlot(ctx) else { throw .noSuchKey }
        let index = try ctx.integer(2)
        let db = ctx.db
        let limits = ctx.keyspace.listLimits
        let element = ctx.args[3]
        let done = modify(db, slot: slot) { l -> Bool in
            l.prepareToGrow(addBytes: element.readableBytes, addCount: 1, limits: limits)
            let i = index < 0 ? l.count + index : index
            guard i >= 0, i < l.count else { return false }
            element.withUnsafeReadableBytes { l.set(at: i, $0, limits: limits) }
            l.shrinkIfSmall(limits: limits)
            return true
        }
        guard done else { throw .indexOutOfRange }
        db.signalModified(slot: slot)
        ctx.reply.ok()
        ctx.notify(.list, "lset", arg: 1)
    }

    /// LINSERT key BEFORE | AFTER pivot element
    static func linsert(_ ctx: inout CommandContext) throws(CommandError) {
        guard let after = ctx.choice(2, ["after": true, "before": false]) else { throw .syntax }
        guard let slot = try objectSlot(ctx) else {
            ctx.reply.integer(0)
            return
        }
        let db = ctx.db
        let limits = ctx.keyspace.listLimits
        let (pivot, element) = (ctx.args[3], ctx.args[4])
        let length = modify(db, slot: slot) { l -> Int? in
            // Valkey converts before looking for the pivot, found or not.
            l.prepareToGrow(addBytes: element.readableBytes, addCount: 1, limits: limits)
            let inserted = pivot.withUnsafeReadableBytes { p in
                element.withUnsafeReadableBytes { e in l.insert(e, pivot: p, after: after, limits: limits) }
            }
            return inserted ? l.count : nil
        }
        guard let length else {
            ctx.reply.integer(-1)
            return
        }
        db.signalModified(slot: slot)
        ctx.notify(.list, "linsert", arg: 1)
        ctx.reply.integer(length)
    }

    /// LREM key count element
    ///
    /// A count of -9223372036854775808 is refused as Valkey 8 does; redis-server 7.0 accepts it.
    static func lrem(_ ctx: inout CommandContext) throws(CommandError) {
        let count = try ctx.integer(2)
        guard count != Int.min else { throw .outOfRange(min: -Int.max, max: Int.max) }
        guard let slot = try objectSlot(ctx) else {
            ctx.reply.integer(0)
            return
        }
        let element = ctx.args[3]
        let removed = modify(ctx.db, slot: slot) { l in
            element.withUnsafeReadableBytes { l.remove($0, limit: abs(count), fromTail: count < 0) }
        }
        if removed > 0 {
            ctx.notify(.list, "lrem", arg: 1)
            afterRemoval(&ctx, slot: slot, arg: 1)
        }
        ctx.reply.integer(removed)
    }

    /// LTRIM key start stop
    static func ltrim(_ ctx: inout CommandContext) throws(CommandError) {
        let start = try ctx.integer(2)
        let end = try ctx.integer(3)
        guard let slot = try objectSlot(ctx) else {
            ctx.reply.ok()
            return
        }
        modify(ctx.db, slot: slot) { l in
            let n = l.count
            if let (s, e) = clampRange(start: start, end: end, count: n) {
                l.removeEnds(n - e - 1, front: false)
                l.removeEnds(s, front: true)
            } else {
                l.removeEnds(n, front: true)
            }
        }
        ctx.notify(.list, "ltrim", arg: 1)
        afterRemoval(&ctx, slot: slot, arg: 1)
        ctx.reply.ok()
    }

    // MARK: - Moving between lists

    /// LMOVE source destination LEFT | RIGHT LEFT | RIGHT
    static func lmove(_ ctx: inout CommandContext) throws(CommandError) {
        let from = try parseEnd(ctx, 3)
        let to = try parseEnd(ctx, 4)
        try moveGeneric(&ctx, fromFront: from, toFront: to)
    }

    /// RPOPLPUSH source destination
    static func rpoplpush(_ ctx: inout CommandContext) throws(CommandError) {
        try moveGeneric(&ctx, fromFront: false, toFront: true)
    }

    /// Valkey's `lmoveGenericCommand`: pops from the source, pushes onto the destination (which may be the same
    /// list: a rotation), replies the element. Events: the push (`lpush`/`rpush` on the destination), then the
    /// pop on the source, then `del` if the source emptied.
    static func moveGeneric(_ ctx: inout CommandContext, fromFront: Bool, toFront: Bool) throws(CommandError) {
        guard let source = try objectSlot(ctx, 1) else {
            ctx.reply.null()
            return
        }
        let db = ctx.db
        let destination = try objectSlot(ctx, 2)
        let limits = ctx.keyspace.listLimits
        let element = modify(db, slot: source) { l in l.pop(front: fromFront) ?? Bytes.empty }
        let target: Int
        if let destination {
            target = destination
        } else {
            ctx.args[2].withUnsafeReadableBytes { db.set(raw: $0, .list(ListObject())) }
            // Invariant: just stored.
            guard let created = ctx.args[2].withUnsafeReadableBytes({ db.slot(raw: $0) }) else { return }
            target = created
        }
        modify(db, slot: target) { l in
            l.prepareToGrow(addBytes: element.count, addCount: 1, limits: limits)
            element.withUnsafeBytes { l.push($0, front: toFront, limits: limits) }
        }
        db.signalModified(slot: target)
        ctx.notify(.list, toFront ? "lpush" : "rpush", arg: 2)
        element.withUnsafeBytes { ctx.reply.bulk($0) }
        ctx.notify(.list, fromFront ? "lpop" : "rpop", arg: 1)
        afterRemoval(&ctx, slot: source, arg: 1)
    }
}

extension Value {
    /// The list payload of a value known to be a list.
    var listValue: ListObject {
        guard case .list(let l) = self else { preconditionFailure("value checked to be a list") }
        return l
    }
}
