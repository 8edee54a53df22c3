import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `sorted_set` group: the leaderboard.
public enum SortedSetCommands {
    // MARK: - Shared helpers

    static func readSet(_ ctx: CommandContext, _ i: Int = 1) throws(CommandError) -> SortedSetObject? {
        let db = ctx.db
        guard let value = ctx.args[i].withUnsafeReadableBytes({ db.lookupRead(raw: $0) }) else { return nil }
        guard case .sortedSet(let z) = value else { throw .wrongType }
        return z
    }

    static func readSetForWrite(_ ctx: CommandContext, _ i: Int = 1) throws(CommandError) -> SortedSetObject? {
        guard let value = ctx.db.lookupWrite(ctx.key(i)) else { return nil }
        guard case .sortedSet(let z) = value else { throw .wrongType }
        return z
    }

    /// After a write: an emptied set disappears; otherwise WATCH learns of the change.
    static func finish(_ ctx: CommandContext, _ z: SortedSetObject, key: Int = 1) {
        let k = ctx.key(key)
        if z.count == 0 { ctx.db.remove(k) } else { ctx.keyspace.signalModified(db: ctx.client.db, key: k) }
    }

    /// A score reply: a double in RESP3, a bulk string in RESP2, formatted the way Valkey 8 formats scores.
    static func replyScore(_ ctx: inout CommandContext, _ score: Double) {
        ctx.reply.double(formatted: NumberFormat.formatDouble(score))
    }

    static func replyMember(_ ctx: inout CommandContext, _ m: Bytes) { m.withUnsafeBytes { ctx.reply.bulk($0) } }

    /// Writes (member, score) results: flat in RESP2, pairs in RESP3 when scores are included.
    static func replyElements(_ ctx: inout CommandContext, _ items: [(Bytes, Double)], withScores: Bool) {
        if withScores && ctx.client.proto == .resp3 {
            ctx.reply.arrayHeader(items.count)
            for (m, s) in items {
                ctx.reply.arrayHeader(2)
                replyMember(&ctx, m)
                replyScore(&ctx, s)
            }
        } else {
            ctx.reply.arrayHeader(withScores ? items.count * 2 : items.count)
            for (m, s) in items {
                replyMember(&ctx, m)
                if withScores { replyScore(&ctx, s) }
            }
        }
    }

    /// Valkey's `zslParseRange` bound: `(` for exclusive, then a float (`inf`, `-inf` allowed, NaN not).
    static func parseScoreBound(_ ctx: CommandContext, _ i: Int) throws(CommandError) -> (Double, Bool) {
        let parsed = ctx.args[i].withUnsafeReadableBytes { raw -> (Double, Bool)? in
            if raw.first == UInt8(ascii: "(") {
                guard let d = NumberFormat.parseRangeDouble(UnsafeRawBufferPointer(rebasing: raw.dropFirst())) else {
                    return nil
                }
                return (d, true)
            }
            guard let d = NumberFormat.parseRangeDouble(raw) else { return nil }
            return (d, false)
        }
        guard let parsed else { throw .custom("ERR min or max is not a float") }
        return parsed
    }

    static func parseScoreRange(_ ctx: CommandContext, min: Int, max: Int) throws(CommandError) -> ScoreRange {
        let (lo, loEx) = try parseScoreBound(ctx, min)
        let (hi, hiEx) = try parseScoreBound(ctx, max)
        return ScoreRange(min: lo, max: hi, minExclusive: loEx, maxExclusive: hiEx)
    }

    /// Valkey's `zslParseLexRangeItem`: `-`, `+`, `[member`, `(member`.
    static func parseLexBound(_ ctx: CommandContext, _ i: Int) throws(CommandError) -> LexRange.Bound {
        let bound = ctx.args[i].withUnsafeReadableBytes { raw -> LexRange.Bound? in
            guard let first = raw.first else { return nil }
            switch first {
            case UInt8(ascii: "+"): return raw.count == 1 ? .positiveInfinity : nil
            case UInt8(ascii: "-"): return raw.count == 1 ? .negativeInfinity : nil
            case UInt8(ascii: "["): return .inclusive(Bytes(raw: UnsafeRawBufferPointer(rebasing: raw.dropFirst())))
            case UInt8(ascii: "("): return .exclusive(Bytes(raw: UnsafeRawBufferPointer(rebasing: raw.dropFirst())))
            default: return nil
            }
        }
        guard let bound else { throw .custom("ERR min or max not valid string range item") }
        return bound
    }

    static func parseLexRange(_ ctx: CommandContext, min: Int, max: Int) throws(CommandError) -> LexRange {
        LexRange(min: try parseLexBound(ctx, min), max: try parseLexBound(ctx, max))
    }

    // MARK: - ZADD / ZINCRBY

    struct AddFlags {
        var nx = false, xx = false, gt = false, lt = false, ch = false, incr = false
    }

    /// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
    static func zadd(_ ctx: inout CommandContext) throws(CommandError) {
        var flags = AddFlags()
        var j = 2
        while j < ctx.argc {
            if ctx.argIs(j, "nx") { flags.nx = true }
            else if ctx.argIs(j, "xx") { flags.xx = true }
            else if ctx.argIs(j, "ch") { flags.ch = true }
            else if ctx.argIs(j, "incr") { flags.incr = true }
            else if ctx.argIs(j, "gt") { flags.gt = true }
            else if ctx.argIs(j, "lt") { flags.lt = true }
            else { break }
            j += 1
        }
        try zaddGeneric(&ctx, flags: flags, firstScore: j)
    }

    /// ZINCRBY key increment member
    static func zincrby(_ ctx: inout CommandContext) throws(CommandError) {
        var flags = AddFlags()
        flags.incr = true
        try zaddGeneric(&ctx, flags: flags, firstScore: 2)
    }

    /// Valkey's `zaddGenericCommand`: validate everything, then apply.
    static func zaddGeneric(_ ctx: inout CommandContext, flags: AddFlags, firstScore: Int) throws(CommandError) {
        let elements = ctx.argc - firstScore
        if elements == 0 || elements % 2 != 0 { throw .syntax }
        if flags.nx && flags.xx { throw .custom("ERR XX and NX options at the same time are not compatible") }
        if (flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt) {
            throw .custom("ERR GT, LT, and/or NX options at the same time are not compatible")
        }
        if flags.incr && elements > 2 { throw .custom("ERR INCR option supports a single increment-element pair") }
        // Every score is checked before anything changes; a single pair (the common case) is parsed only once.
        let firstScoreValue = try ctx.double(firstScore)
        for i in stride(from: firstScore + 2, to: ctx.argc, by: 2) { _ = try ctx.double(i) }
        let existing = try readSetForWrite(ctx)
        if existing == nil && flags.xx {
            if flags.incr { ctx.reply.null() } else { ctx.reply.integer(0) }
            return
        }
        let z: SortedSetObject
        if let existing {
            z = existing
        } else {
            z = SortedSetObject()
            ctx.db.set(ctx.key(1), .sortedSet(z))
        }
        let limits = ctx.keyspace.sortedSetLimits
        var added = 0
        var updated = 0
        var processed = false
        var lastScore = 0.0
        for i in stride(from: firstScore, to: ctx.argc, by: 2) {
            let member = ctx.bytes(i + 1)
            var score = i == firstScore ? firstScoreValue : try ctx.double(i)
            if let found = z.find(member) {
                let current = found.score
                if flags.nx { continue }
                if flags.incr {
                    score += current
                    if score.isNaN {
                        finish(ctx, z)
                        throw .custom("ERR resulting score is not a number (NaN)")
                    }
                }
                if (flags.gt && score <= current) || (flags.lt && score >= current) { continue }
                processed = true
                lastScore = score
                if score != current {
                    z.move(found, to: score)
                    updated += 1
                }
            } else {
                if flags.xx { continue }
                if score.isNaN {
                    finish(ctx, z)
                    throw .custom("ERR resulting score is not a number (NaN)")
                }
                z.insertAbsent(member, score, limits: limits)
                added += 1
                processed = true
                lastScore = score
            }
        }
        finish(ctx, z)
        // Valkey 7.0 replies before raising `zadd` / `zincr` (a `new` event comes before the reply).
        ctx.raisePendingEvents()
        if flags.incr {
            if processed { replyScore(&ctx, lastScore) } else { ctx.reply.null() }
        } else {
            ctx.reply.integer(flags.ch ? added + updated : added)
        }
        if added + updated > 0 { ctx.notify(.zset, flags.incr ? "zincr" : "zadd", arg: 1) }
    }

    // MARK: - Point reads

    /// ZSCORE key member
    static func zscore(_ ctx: inout CommandContext) throws(CommandError) {
        if let s = try readSet(ctx)?.score(ctx.bytes(2)) { replyScore(&ctx, s) } else { ctx.reply.null() }
    }

    /// ZMSCORE key member [member ...]
    static func zmscore(_ ctx: inout CommandContext) throws(CommandError) {
        let z = try readSet(ctx)
        ctx.reply.arrayHeader(ctx.argc - 2)
        for j in 2..<ctx.argc {
            if let s = z?.score(ctx.bytes(j)) { replyScore(&ctx, s) } else { ctx.reply.null() }
        }
    }

    /// ZCARD key
    static func zcard(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(try readSet(ctx)?.count ?? 0)
    }

    /// ZRANK / ZREVRANK key member [WITHSCORE]
    static func rankGeneric(_ ctx: inout CommandContext, reverse: Bool) throws(CommandError) {
        var withScore = false
        if ctx.argc == 4 {
            guard ctx.argIs(3, "withscore") else { throw .syntax }
            withScore = true
        } else if ctx.argc > 4 {
            throw .syntax
        }
        let z = try readSet(ctx)
        let member = ctx.bytes(2)
        guard let z, let rank = z.rank(member, reverse: reverse), let score = z.score(member) else {
            if withScore { ctx.reply.nullArray() } else { ctx.reply.null() }
            return
        }
        if withScore {
            ctx.reply.arrayHeader(2)
            ctx.reply.integer(rank)
            replyScore(&ctx, score)
        } else {
            ctx.reply.integer(rank)
        }
    }

    /// ZRANK key member [WITHSCORE]
    static func zrank(_ ctx: inout CommandContext) throws(CommandError) { try rankGeneric(&ctx, reverse: false) }
    /// ZREVRANK key member [WITHSCORE]
    static func zrevrank(_ ctx: inout CommandContext) throws(CommandError) { try rankGeneric(&ctx, reverse: true) }

    /// ZCOUNT key min max
    static func zcount(_ ctx: inout CommandContext) throws(CommandError) {
        let range = try parseScoreRange(ctx, min: 2, max: 3)
        ctx.reply.integer(try readSet(ctx)?.count(score: range) ?? 0)
    }

    /// ZLEXCOUNT key min max
    static func zlexcount(_ ctx: inout CommandContext) throws(CommandError) {
        let range = try parseLexRange(ctx, min: 2, max: 3)
        ctx.reply.integer(try readSet(ctx)?.count(lex: range) ?? 0)
    }

    // MARK: - Ranges

    enum RangeKind { case rank, score, lex }

    /// A parsed range request, shared by ZRANGE, ZRANGESTORE and the legacy range commands.
    struct RangeRequest {
        var kind = RangeKind.rank
        var reverse = false
        var withScores = false
        var offset = 0
        var limit = -1
        var hasLimit = false
    }

    /// A range argument pair, parsed (Valkey parses the range before it looks the key up).
    enum ParsedRange {
        case rank(Int, Int)
        case score(ScoreRange)
        case lex(LexRange)
    }

    /// Parses the bounds at `minIndex`/`maxIndex` (already swapped for REV score/lex ranges) as `kind` says.
    static func parseRange(_ ctx: CommandContext, kind: RangeKind, minIndex: Int, maxIndex: Int)
        throws(CommandError) -> ParsedRange
    {
        switch kind {
        case .rank: return .rank(try ctx.integer(minIndex), try ctx.integer(maxIndex))
        case .score: return .score(try parseScoreRange(ctx, min: minIndex, max: maxIndex))
        case .lex: return .lex(try parseLexRange(ctx, min: minIndex, max: maxIndex))
        }
    }

    /// The elements of `z` that `range` and the request's direction and LIMIT select.
    static func collect(_ z: SortedSetObject?, _ range: ParsedRange, _ r: RangeRequest) -> [(Bytes, Double)] {
        guard let z else { return [] }
        var out: [(Bytes, Double)] = []
        switch range {
        case .rank(var start, var end):
            let n = z.count
            if start < 0 { start = n + start }
            if end < 0 { end = n + end }
            if start < 0 { start = 0 }
            if start > end || start >= n { return [] }
            if end >= n { end = n - 1 }
            z.range(start: start, end: end, reverse: r.reverse) { out.append(($0, $1)) }
        case .score(let scores):
            if r.offset < 0 { return [] }
            z.range(score: scores, reverse: r.reverse, offset: r.offset, limit: r.limit) { out.append(($0, $1)) }
        case .lex(let lex):
            if r.offset < 0 { return [] }
            z.range(lex: lex, reverse: r.reverse, offset: r.offset, limit: r.limit) { out.append(($0, $1)) }
        }
        return out
    }

    /// Parses ZRANGE-style options from `from` on (Valkey's `zrangeGenericCommand`).
    static func parseRangeOptions(_ ctx: CommandContext, from: Int, allowWithScores: Bool) throws(CommandError)
        -> RangeRequest
    {
        var r = RangeRequest()
        var j = from
        var explicitKind = false
        while j < ctx.argc {
            let left = ctx.argc - j - 1
            if allowWithScores, ctx.argIs(j, "withscores") {
                r.withScores = true
            } else if ctx.argIs(j, "limit"), left >= 2 {
                r.offset = try ctx.integer(j + 1)
                r.limit = try ctx.integer(j + 2)
                r.hasLimit = true
                j += 2
            } else if !explicitKind, ctx.argIs(j, "byscore") {
                r.kind = .score
                explicitKind = true
            } else if !explicitKind, ctx.argIs(j, "bylex") {
                r.kind = .lex
                explicitKind = true
            } else if ctx.argIs(j, "rev") {
                r.reverse = true
            } else {
                throw .syntax
            }
            j += 1
        }
        // Valkey checks only the count: `LIMIT <any> -1` (no limit) is accepted, and ignored, with ranks.
        if r.limit != -1 && r.kind == .rank {
            throw .custom("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
        }
        if r.withScores && r.kind == .lex {
            throw .custom("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
        }
        return r
    }

    /// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
    static func zrange(_ ctx: inout CommandContext) throws(CommandError) {
        let r = try parseRangeOptions(ctx, from: 4, allowWithScores: true)
        let swap = r.reverse && r.kind != .rank
        let range = try parseRange(ctx, kind: r.kind, minIndex: swap ? 3 : 2, maxIndex: swap ? 2 : 3)
        replyElements(&ctx, collect(try readSet(ctx), range, r), withScores: r.withScores)
    }

    /// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
    static func zrangestore(_ ctx: inout CommandContext) throws(CommandError) {
        let r = try parseRangeOptions(ctx, from: 5, allowWithScores: false)
        let swap = r.reverse && r.kind != .rank
        let range = try parseRange(ctx, kind: r.kind, minIndex: swap ? 4 : 3, maxIndex: swap ? 3 : 4)
        storeResult(&ctx, collect(try readSet(ctx, 2), range, r), event: "zrangestore")
    }

    /// The *STORE commands' ending: the result replaces the destination (argument 1), which is deleted when the
    /// result is empty; the reply is the result's size.
    static func storeResult(_ ctx: inout CommandContext, _ items: [(Bytes, Double)], event: StaticString) {
        // Valkey 7.0 replies before raising the event (a `new` event comes before the reply).
        let destination = ctx.key(1)
        if items.isEmpty {
            let removed = ctx.db.remove(destination)
            ctx.reply.integer(0)
            if removed { ctx.notify(.generic, "del", arg: 1) }
        } else {
            let z = SortedSetObject()
            let limits = ctx.keyspace.sortedSetLimits
            for (m, s) in items { z.set(m, s, limits: limits) }
            ctx.db.set(destination, .sortedSet(z))
            ctx.raisePendingEvents()
            ctx.reply.integer(items.count)
            ctx.notify(.zset, event, arg: 1)
        }
    }

    /// ZREVRANGE key start stop [WITHSCORES]
    static func zrevrange(_ ctx: inout CommandContext) throws(CommandError) {
        var r = RangeRequest()
        r.reverse = true
        if ctx.argc == 5 {
            guard ctx.argIs(4, "withscores") else { throw .syntax }
            r.withScores = true
        } else if ctx.argc > 5 {
            throw .syntax
        }
        let range = try parseRange(ctx, kind: .rank, minIndex: 2, maxIndex: 3)
        replyElements(&ctx, collect(try readSet(ctx), range, r), withScores: r.withScores)
    }

    /// The legacy ZRANGEBYSCORE / ZREVRANGEBYSCORE / ZRANGEBYLEX / ZREVRANGEBYLEX options: [WITHSCORES] [LIMIT].
    static func legacyRange(_ ctx: inout CommandContext, kind: RangeKind, reverse: Bool) throws(CommandError) {
        var r = RangeRequest()
        r.kind = kind
        r.reverse = reverse
        var j = 4
        while j < ctx.argc {
            let left = ctx.argc - j - 1
            if kind == .score, ctx.argIs(j, "withscores") {
                r.withScores = true
            } else if ctx.argIs(j, "limit"), left >= 2 {
                r.offset = try ctx.integer(j + 1)
                r.limit = try ctx.integer(j + 2)
                j += 2
            } else {
                throw .syntax
            }
            j += 1
        }
        // The reverse forms take max before min.
        let range = try parseRange(ctx, kind: kind, minIndex: reverse ? 3 : 2, maxIndex: reverse ? 2 : 3)
        replyElements(&ctx, collect(try readSet(ctx), range, r), withScores: r.withScores)
    }

    /// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
    static func zrangebyscore(_ ctx: inout CommandContext) throws(CommandError) {
        try legacyRange(&ctx, kind: .score, reverse: false)
    }
    /// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
    static func zrevrangebyscore(_ ctx: inout CommandContext) throws(CommandError) {
        try legacyRange(&ctx, kind: .score, reverse: true)
    }
    /// ZRANGEBYLEX key min max [LIMIT offset count]
    static func zrangebylex(_ ctx: inout CommandContext) throws(CommandError) {
        try legacyRange(&ctx, kind: .lex, reverse: false)
    }
    /// ZREVRANGEBYLEX key max min [LIMIT offset count]
    static func zrevrangebylex(_ ctx: inout CommandContext) throws(CommandError) {
        try legacyRange(&ctx, kind: .lex, reverse: true)
    }

    // MARK: - Removal

    /// ZREM key member [member ...]
    static func zrem(_ ctx: inout CommandContext) throws(CommandError) {
        guard let z = try readSetForWrite(ctx) else { ctx.reply.integer(0); return }
        var removed = 0
        for j in 2..<ctx.argc where z.remove(ctx.bytes(j)) { removed += 1 }
        if removed > 0 {
            finish(ctx, z)
            ctx.notify(.zset, "zrem", arg: 1)
            if z.count == 0 { ctx.notify(.generic, "del", arg: 1) }
        }
        ctx.reply.integer(removed)
    }

    /// ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX share Valkey's `zremrangeGenericCommand`: parse the
    /// range, then look the key up, then remove.
    static func removeRange(_ ctx: inout CommandContext, kind: RangeKind) throws(CommandError) {
        let range = try parseRange(ctx, kind: kind, minIndex: 2, maxIndex: 3)
        guard let z = try readSetForWrite(ctx) else { ctx.reply.integer(0); return }
        let victims = collect(z, range, RangeRequest())
        for (m, _) in victims { z.remove(m) }
        if !victims.isEmpty {
            finish(ctx, z)
            let event: StaticString = switch kind {
            case .rank: "zremrangebyrank"
            case .score: "zremrangebyscore"
            case .lex: "zremrangebylex"
            }
            ctx.notify(.zset, event, arg: 1)
            if z.count == 0 { ctx.notify(.generic, "del", arg: 1) }
        }
        ctx.reply.integer(victims.count)
    }

    /// ZREMRANGEBYRANK key start stop
    static func zremrangebyrank(_ ctx: inout CommandContext) throws(CommandError) { try removeRange(&ctx, kind: .rank) }
    /// ZREMRANGEBYSCORE key min max
    static func zremrangebyscore(_ ctx: inout CommandContext) throws(CommandError) { try removeRange(&ctx, kind: .score) }
    /// ZREMRANGEBYLEX key min max
    static func zremrangebylex(_ ctx: inout CommandContext) throws(CommandError) { try removeRange(&ctx, kind: .lex) }

    /// ZPOPMIN / ZPOPMAX key [count]
    static func popGeneric(_ ctx: inout CommandContext, max: Bool) throws(CommandError) {
        // Arity is -2, but only `key [count]` is valid (Valkey: syntax error before anything else).
        if ctx.argc > 3 { throw .syntax }
        var count = 1
        let hasCount = ctx.argc == 3
        if hasCount {
            guard let n = ctx.integerIfValid(2), n >= 0 else {
                throw .custom("ERR value is out of range, must be positive")
            }
            count = n
        }
        guard let z = try readSetForWrite(ctx) else { ctx.reply.arrayHeader(0); return }
        var popped: [(Bytes, Double)] = []
        while popped.count < count, let element = max ? z.last : z.first {
            z.remove(element.0)
            popped.append(element)
        }
        if !popped.isEmpty {
            finish(ctx, z)
            ctx.notify(.zset, max ? "zpopmax" : "zpopmin", arg: 1)
            if z.count == 0 { ctx.notify(.generic, "del", arg: 1) }
        }
        if hasCount {
            replyElements(&ctx, popped, withScores: true)
        } else {
            ctx.reply.arrayHeader(popped.count * 2)
            for (m, s) in popped {
                replyMember(&ctx, m)
                replyScore(&ctx, s)
            }
        }
    }

    /// ZPOPMIN key [count]
    static func zpopmin(_ ctx: inout CommandContext) throws(CommandError) { try popGeneric(&ctx, max: false) }
    /// ZPOPMAX key [count]
    static func zpopmax(_ ctx: inout CommandContext) throws(CommandError) { try popGeneric(&ctx, max: true) }

    // MARK: - Random and scan

    /// ZRANDMEMBER key [count [WITHSCORES]] — each pick is a rank lookup, O(log N), not a copy of the set.
    static func zrandmember(_ ctx: inout CommandContext) throws(CommandError) {
        let (count, withScores) = try RandomSelection.parse(ctx, flag: "withscores")
        let z = try readSet(ctx)
        guard let count else {
            guard let z, z.count > 0,
                let (member, _) = z.element(at: Int.random(in: 0..<z.count, using: &ctx.keyspace.sampler))
            else { ctx.reply.null(); return }
            replyMember(&ctx, member)
            return
        }
        try RandomSelection.checkRange(count)
        guard let z, z.count > 0, count != 0 else { ctx.reply.arrayHeader(0); return }
        let chosen = RandomSelection.indices(count: count, size: z.count, using: &ctx.keyspace.sampler)
        replyElements(&ctx, chosen.compactMap { z.element(at: $0) }, withScores: withScores)
    }

    /// ZSCAN key cursor [MATCH pattern] [COUNT count] [NOSCORES]
    static func zscan(_ ctx: inout CommandContext) throws(CommandError) {
        var scan = ScanArguments()
        scan.cursor = try ScanArguments.cursor(ctx, at: 2)
        guard let z = try readSet(ctx) else { ScanArguments.replyEmpty(&ctx); return }
        try scan.parseOptions(ctx, from: 3, allowNoScores: true)
        var found: [(Bytes, Double)] = []
        z.range(start: 0, end: z.count - 1, reverse: false) { m, s in if scan.matches(m) { found.append((m, s)) } }
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk("0")
        ctx.reply.arrayHeader(scan.noValues ? found.count : found.count * 2)
        for (m, s) in found {
            replyMember(&ctx, m)
            if !scan.noValues { ctx.reply.bulk(NumberFormat.formatDouble(s)) }
        }
    }
}
