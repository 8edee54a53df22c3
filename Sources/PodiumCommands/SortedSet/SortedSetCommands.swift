import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `sorted_set` group: the leaderboard.
public enum SortedSetCommands: ObjectCommands {
    typealias Object = SortedSetObject

    // MARK: - Shared helpers

    /// Changes the sorted set at argument `key` in place (`CommandContext.modifyObject`).
    static func modifySet<R>(
        _ ctx: CommandContext, key: Int = 1, create: Bool, changed: (R) -> Bool = { _ in true },
        _ body: (inout SortedSetObject) throws(CommandError) -> R
    ) throws(CommandError) -> R? {
        try ctx.modifyObject(key: key, create: create, changed: changed, body)
    }

    /// A score reply: a double in RESP3, a bulk string in RESP2, formatted the way Valkey 8 formats scores.
    static func replyScore(_ ctx: inout CommandContext, _ score: Double) {
        // Integral scores (points, timestamps: most leaderboards) print as integers, which `formatDouble` would
        // also give; in RESP2 they go straight into the reply, without building a String.
        if ctx.client.proto != .resp3, score == score.rounded(.towardZero), abs(score) < 1e17,
            score != 0 || score.sign == .plus
        {
            ctx.reply.bulkDecimal(Int(score))
            return
        }
        ctx.reply.double(formatted: NumberFormat.formatDouble(score))
    }

    static func replyMember(_ ctx: inout CommandContext, _ m: Bytes) { m.withUnsafeBytes { ctx.reply.bulk($0) } }

    /// Writes the elements of ascending ranks `ranks` of `z` (visited in reverse for REV) straight from the set:
    /// flat in RESP2, pairs in RESP3 when scores are included.
    static func replyRange(
        _ ctx: inout CommandContext, _ z: SortedSetObject?, _ ranks: Range<Int>, reverse: Bool,
        withScores: Bool
    ) {
        guard let z, !ranks.isEmpty else {
            ctx.reply.arrayHeader(0)
            return
        }
        let pairs = withScores && ctx.client.proto == .resp3
        ctx.reply.arrayHeader(withScores && !pairs ? ranks.count * 2 : ranks.count)
        z.forEach(ranks: ranks, reverse: reverse) { m, s in
            if pairs { ctx.reply.arrayHeader(2) }
            ctx.reply.bulk(m)
            if withScores { replyScore(&ctx, s) }
        }
    }

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
        guard let parsed else { throw .scoreRangeNotFloat }
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
        guard let bound else { throw .lexRangeInvalid }
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
            if ctx.argIs(j, "nx") {
                flags.nx = true
            } else if ctx.argIs(j, "xx") {
                flags.xx = true
            } else if ctx.argIs(j, "ch") {
                flags.ch = true
            } else if ctx.argIs(j, "incr") {
                flags.incr = true
            } else if ctx.argIs(j, "gt") {
                flags.gt = true
            } else if ctx.argIs(j, "lt") {
                flags.lt = true
            } else {
                break
            }
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
        if flags.nx && flags.xx { throw .zaddXXWithNX }
        if (flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt) {
            throw .zaddGTLTWithNX
        }
        if flags.incr && elements > 2 { throw .zaddIncrSinglePair }
        // Every score is checked before anything changes; a single pair (the common case) is parsed only once.
        let firstScoreValue = try ctx.double(firstScore)
        for i in stride(from: firstScore + 2, to: ctx.argc, by: 2) { _ = try ctx.double(i) }
        if flags.xx, ctx.args[1].withUnsafeReadableBytes({ ctx.db.slot(raw: $0) }) == nil {
            // Valkey: a missing key with XX is left alone, even with a wrong score further on.
            if flags.incr { ctx.reply.null() } else { ctx.reply.integer(0) }
            return
        }
        let limits = ctx.keyspace.sortedSetLimits
        let args = ctx.args
        struct Outcome { var added = 0, updated = 0, processed = false, lastScore = 0.0 }
        let outcome = try modifySet(ctx, create: true, changed: { $0.added + $0.updated > 0 }) {
            (z: inout SortedSetObject) throws(CommandError) -> Outcome in
            var o = Outcome()
            for i in stride(from: firstScore, to: args.count, by: 2) {
                var score = i == firstScore ? firstScoreValue : try ctx.double(i)
                let nan: Bool = args[i + 1].withUnsafeReadableBytes { member in
                    let found = z.lookup(member)
                    if let current = found.score {
                        if flags.nx { return false }
                        if flags.incr {
                            score += current
                            if score.isNaN { return true }
                        }
                        if (flags.gt && score <= current) || (flags.lt && score >= current) { return false }
                        o.processed = true
                        o.lastScore = score
                        if score != current {
                            z.move(found, to: score)
                            o.updated += 1
                        }
                    } else {
                        if flags.xx { return false }
                        if score.isNaN { return true }
                        z.insert(member, score: score, lookup: found, limits: limits)
                        o.added += 1
                        o.processed = true
                        o.lastScore = score
                    }
                    return false
                }
                if nan { throw .scoreNaN }
            }
            return o
        }
        // `modifySet` returns nil only without `create`.
        let o = outcome ?? Outcome()
        if flags.incr {
            if o.processed { replyScore(&ctx, o.lastScore) } else { ctx.reply.null() }
        } else {
            ctx.reply.integer(flags.ch ? o.added + o.updated : o.added)
        }
        if o.added + o.updated > 0 { ctx.notify(.zset, flags.incr ? "zincr" : "zadd", arg: 1) }
    }

    // MARK: - Point reads

    /// ZSCORE key member
    static func zscore(_ ctx: inout CommandContext) throws(CommandError) {
        let z = try readObject(ctx)
        if let s = ctx.args[2].withUnsafeReadableBytes({ z?.score($0) }) {
            replyScore(&ctx, s)
        } else {
            ctx.reply.null()
        }
    }

    /// ZMSCORE key member [member ...]
    static func zmscore(_ ctx: inout CommandContext) throws(CommandError) {
        let z = try readObject(ctx)
        ctx.reply.arrayHeader(ctx.argc - 2)
        for j in 2..<ctx.argc {
            if let s = ctx.args[j].withUnsafeReadableBytes({ z?.score($0) }) {
                replyScore(&ctx, s)
            } else {
                ctx.reply.null()
            }
        }
    }

    /// ZCARD key
    static func zcard(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(try readObject(ctx)?.count ?? 0)
    }

    /// ZRANK / ZREVRANK key member [WITHSCORE]
    static func rankGeneric(_ ctx: inout CommandContext, reverse: Bool) throws(CommandError) {
        var withScore = false
        if ctx.argc == 4 {
            guard ctx.argIs(3, "withscore") else { throw .syntax }
            withScore = true
        } else if ctx.argc > 4 {
            // Valkey's zrankGenericCommand: more than one option is an arity error, not a syntax error.
            throw .wrongArity(ctx.spec.name)
        }
        let z = try readObject(ctx)
        guard let (rank, score) = ctx.args[2].withUnsafeReadableBytes({ z?.rank($0, reverse: reverse) }) else {
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
        ctx.reply.integer(try readObject(ctx)?.ranks(score: range).count ?? 0)
    }

    /// ZLEXCOUNT key min max
    static func zlexcount(_ ctx: inout CommandContext) throws(CommandError) {
        let range = try parseLexRange(ctx, min: 2, max: 3)
        ctx.reply.integer(try readObject(ctx)?.ranks(lex: range, reverse: false).count ?? 0)
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
    static func parseRange(
        _ ctx: CommandContext, kind: RangeKind, minIndex: Int, maxIndex: Int
    )
        throws(CommandError) -> ParsedRange
    {
        switch kind {
        case .rank: return .rank(try ctx.integer(minIndex), try ctx.integer(maxIndex))
        case .score: return .score(try parseScoreRange(ctx, min: minIndex, max: maxIndex))
        case .lex: return .lex(try parseLexRange(ctx, min: minIndex, max: maxIndex))
        }
    }

    /// The ascending ranks of the elements of `z` that `range` and the request's direction and LIMIT select
    /// (visited in reverse for REV).
    static func select(_ z: SortedSetObject?, _ range: ParsedRange, _ r: RangeRequest) -> Range<Int> {
        guard let z else { return 0..<0 }
        switch range {
        case .rank(var start, var end):
            let n = z.count
            if start < 0 { start = n + start }
            if end < 0 { end = n + end }
            if start < 0 { start = 0 }
            if start > end || start >= n { return 0..<0 }
            if end >= n { end = n - 1 }
            // REV counts ranks from the top.
            return r.reverse ? (n - 1 - end)..<(n - start) : start..<(end + 1)
        case .score(let scores):
            return limitRanks(z.ranks(score: scores), reverse: r.reverse, offset: r.offset, limit: r.limit)
        case .lex(let lex):
            return z.ranks(lex: lex, reverse: r.reverse, offset: r.offset, limit: r.limit)
        }
    }

    /// Parses ZRANGE-style options from `from` on (Valkey's `zrangeGenericCommand`).
    static func parseRangeOptions(
        _ ctx: CommandContext, from: Int, allowWithScores: Bool
    ) throws(CommandError)
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
            throw .limitWithoutByscoreOrBylex
        }
        if r.withScores && r.kind == .lex {
            throw .withscoresWithBylex
        }
        return r
    }

    /// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
    static func zrange(_ ctx: inout CommandContext) throws(CommandError) {
        let r = try parseRangeOptions(ctx, from: 4, allowWithScores: true)
        let swap = r.reverse && r.kind != .rank
        let range = try parseRange(ctx, kind: r.kind, minIndex: swap ? 3 : 2, maxIndex: swap ? 2 : 3)
        let z = try readObject(ctx)
        replyRange(&ctx, z, select(z, range, r), reverse: r.reverse, withScores: r.withScores)
    }

    /// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
    static func zrangestore(_ ctx: inout CommandContext) throws(CommandError) {
        let r = try parseRangeOptions(ctx, from: 5, allowWithScores: false)
        let swap = r.reverse && r.kind != .rank
        let range = try parseRange(ctx, kind: r.kind, minIndex: swap ? 4 : 3, maxIndex: swap ? 3 : 4)
        let source = try readObject(ctx, 2)
        var result = SortedSetObject()
        let limits = ctx.keyspace.sortedSetLimits
        // `source` is a copy of the value: storing over it (ZRANGESTORE k k ...) cannot disturb the walk.
        source?.forEach(ranks: select(source, range, r), reverse: r.reverse) { m, s in
            result.insertNew(m, score: s, limits: limits)
        }
        storeResult(&ctx, result, event: "zrangestore")
    }

    /// The *STORE commands' ending: the result replaces the destination (argument 1), which is deleted when the
    /// result is empty; the reply is the result's size.
    static func storeResult(_ ctx: inout CommandContext, _ result: SortedSetObject, event: StaticString) {
        let destination = ctx.key(1)
        if result.count == 0 {
            let removed = ctx.db.remove(destination)
            ctx.reply.integer(0)
            if removed { ctx.notify(.generic, "del", arg: 1) }
        } else {
            ctx.db.set(destination, .sortedSet(result))
            ctx.reply.integer(result.count)
            ctx.notify(.zset, event, arg: 1)
        }
    }

    /// A new set holding `items` (distinct members), encoded as Valkey would encode it.
    static func makeSet(_ ctx: CommandContext, _ items: [(Bytes, Double)]) -> SortedSetObject {
        var z = SortedSetObject()
        let limits = ctx.keyspace.sortedSetLimits
        for (m, s) in items { m.withUnsafeBytes { z.insertNew($0, score: s, limits: limits) } }
        return z
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
        let z = try readObject(ctx)
        replyRange(&ctx, z, select(z, range, r), reverse: true, withScores: r.withScores)
    }

    /// The legacy ZRANGEBYSCORE / ZREVRANGEBYSCORE / ZRANGEBYLEX / ZREVRANGEBYLEX options: [WITHSCORES] [LIMIT].
    static func legacyRange(_ ctx: inout CommandContext, kind: RangeKind, reverse: Bool) throws(CommandError) {
        var r = RangeRequest()
        r.kind = kind
        r.reverse = reverse
        var j = 4
        while j < ctx.argc {
            let left = ctx.argc - j - 1
            if ctx.argIs(j, "withscores") {
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
        // The lex forms take WITHSCORES as an option, then refuse it before the range is parsed (Valkey's
        // zrangeGenericCommand).
        if r.withScores, kind == .lex { throw .withscoresWithBylex }
        // The reverse forms take max before min.
        let range = try parseRange(ctx, kind: kind, minIndex: reverse ? 3 : 2, maxIndex: reverse ? 2 : 3)
        let z = try readObject(ctx)
        replyRange(&ctx, z, select(z, range, r), reverse: reverse, withScores: r.withScores)
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
        let args = ctx.args
        var emptied = false
        let removed =
            try modifySet(ctx, create: false, changed: { $0 > 0 }) { z in
                var removed = 0
                for j in 2..<args.count where args[j].withUnsafeReadableBytes({ z.remove($0) }) { removed += 1 }
                emptied = z.count == 0
                return removed
            } ?? 0
        if removed > 0 {
            ctx.notify(.zset, "zrem", arg: 1)
            if emptied { ctx.notify(.generic, "del", arg: 1) }
        }
        ctx.reply.integer(removed)
    }

    /// ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX share Valkey's `zremrangeGenericCommand`: parse the
    /// range, then look the key up, then remove.
    static func removeRange(_ ctx: inout CommandContext, kind: RangeKind) throws(CommandError) {
        let range = try parseRange(ctx, kind: kind, minIndex: 2, maxIndex: 3)
        var emptied = false
        let removed =
            try modifySet(ctx, create: false, changed: { $0 > 0 }) { z in
                let ranks = select(z, range, RangeRequest())
                z.remove(ranks: ranks)
                emptied = z.count == 0
                return ranks.count
            } ?? 0
        if removed > 0 {
            let event: StaticString =
                switch kind {
                case .rank: "zremrangebyrank"
                case .score: "zremrangebyscore"
                case .lex: "zremrangebylex"
                }
            ctx.notify(.zset, event, arg: 1)
            if emptied { ctx.notify(.generic, "del", arg: 1) }
        }
        ctx.reply.integer(removed)
    }

    /// ZREMRANGEBYRANK key start stop
    static func zremrangebyrank(_ ctx: inout CommandContext) throws(CommandError) { try removeRange(&ctx, kind: .rank) }
    /// ZREMRANGEBYSCORE key min max
    static func zremrangebyscore(_ ctx: inout CommandContext) throws(CommandError) {
        try removeRange(&ctx, kind: .score)
    }
    /// ZREMRANGEBYLEX key min max
    static func zremrangebylex(_ ctx: inout CommandContext) throws(CommandError) { try removeRange(&ctx, kind: .lex) }

    /// Removes up to `count` members from the low end (or `max`, the high end) of the sorted set at argument `key`,
    /// in the order popped, and says whether that emptied it (the key is gone then). Nil for a missing key.
    static func popEnd(
        _ ctx: CommandContext, key: Int, max: Bool, count: Int
    ) throws(CommandError)
        -> (popped: [(Bytes, Double)], emptied: Bool)?
    {
        try modifySet(ctx, key: key, create: false, changed: { !$0.popped.isEmpty }) {
            (z: inout SortedSetObject) -> (popped: [(Bytes, Double)], emptied: Bool) in
            let n = Swift.min(count, z.count)
            let ranks = max ? (z.count - n)..<z.count : 0..<n
            var popped: [(Bytes, Double)] = []
            popped.reserveCapacity(n)
            z.forEach(ranks: ranks, reverse: max) { popped.append((Bytes(raw: $0), $1)) }
            z.remove(ranks: ranks)
            return (popped, z.count == 0)
        }
    }

    /// ZPOPMIN / ZPOPMAX key [count] (Valkey's `zpopMinMaxCommand`: more than one argument after the key is a
    /// syntax error before the count is looked at).
    static func popGeneric(_ ctx: inout CommandContext, max: Bool) throws(CommandError) {
        if ctx.argc > 3 { throw .syntax }
        var count = 1
        let hasCount = ctx.argc == 3
        if hasCount {
            guard let n = ctx.integerIfValid(2), n >= 0 else {
                throw .mustBePositive
            }
            count = n
        }
        let (popped, emptied) = try popEnd(ctx, key: 1, max: max, count: count) ?? ([], false)
        if !popped.isEmpty {
            ctx.notify(.zset, max ? "zpopmax" : "zpopmin", arg: 1)
            if emptied { ctx.notify(.generic, "del", arg: 1) }
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
        let z = try readObject(ctx)
        guard let count else {
            guard let z, z.count > 0,
                let (member, _) = z.element(at: Int.random(in: 0..<z.count, using: &ctx.keyspace.sampler))
            else {
                ctx.reply.null()
                return
            }
            replyMember(&ctx, member)
            return
        }
        try RandomSelection.checkRepeatedPicks(count)
        guard let z, z.count > 0, count != 0 else {
            ctx.reply.arrayHeader(0)
            return
        }
        let chosen = RandomSelection.indices(count: count, size: z.count, using: &ctx.keyspace.sampler)
        replyElements(&ctx, chosen.compactMap { z.element(at: $0) }, withScores: withScores)
    }

    /// ZSCAN key cursor [MATCH pattern] [COUNT count] [NOSCORES]
    static func zscan(_ ctx: inout CommandContext) throws(CommandError) {
        guard let (scan, z) = try ScanArguments.begin(&ctx, read: readObject, allowNoScores: true) else { return }
        var found: [(Bytes, Double)] = []
        z.forEach { m, s in
            let member = Bytes(raw: m)
            if scan.matches(member) { found.append((member, s)) }
        }
        ScanArguments.replyHeader(&ctx, next: 0, elements: scan.noValues ? found.count : found.count * 2)
        for (m, s) in found {
            replyMember(&ctx, m)
            if !scan.noValues { ctx.reply.bulk(NumberFormat.formatDouble(s)) }
        }
    }
}
