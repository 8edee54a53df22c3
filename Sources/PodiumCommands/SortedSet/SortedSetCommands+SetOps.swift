import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

extension SortedSetCommands {
    enum SetOperation { case union, inter, diff }
    enum Aggregate { case sum, min, max }

    /// Valkey's `zunionInterDiffGenericCommand`, shared by ZUNION[STORE], ZINTER[STORE], ZDIFF[STORE] and
    /// ZINTERCARD. `numkeysIndex` is where `numkeys` is; `store` says whether argument 1 is the destination.
    static func setOperation(
        _ ctx: inout CommandContext, _ op: SetOperation, numkeysIndex: Int, store: Bool,
        cardinalityOnly: Bool = false
    ) throws(CommandError) {
        let setCount = try ctx.integer(numkeysIndex)
        if setCount < 1 { throw .noInputKeys(ctx.spec.name) }
        if setCount > ctx.argc - numkeysIndex - 1 { throw .syntax }
        var sources: [SortedSetObject?] = []
        var j = numkeysIndex + 1
        for _ in 0..<setCount {
            if let value = ctx.db.lookupRead(ctx.key(j)) {
                switch value {
                case .sortedSet(let z): sources.append(z)
                // A plain set is an input whose every member has score 1, as in Valkey.
                case .set(let s): sources.append(scoredOne(s))
                default: throw .wrongType
                }
            } else {
                sources.append(nil)
            }
            j += 1
        }
        var weights = Array(repeating: 1.0, count: setCount)
        var aggregate = Aggregate.sum
        var withScores = false
        var limit = 0
        var remaining = ctx.argc - j
        while remaining > 0 {
            if op != .diff, !cardinalityOnly, remaining >= setCount + 1, ctx.argIs(j, "weights") {
                j += 1
                remaining -= 1
                for i in 0..<setCount {
                    guard let w = ctx.args[j].withUnsafeReadableBytes({ NumberFormat.parseDouble($0) }) else {
                        throw .weightNotFloat
                    }
                    weights[i] = w
                    j += 1
                    remaining -= 1
                }
            } else if op != .diff, !cardinalityOnly, remaining >= 2, ctx.argIs(j, "aggregate") {
                j += 1
                guard let named = ctx.choice(j, ["sum": Aggregate.sum, "min": .min, "max": .max]) else { throw .syntax }
                aggregate = named
                j += 1
                remaining -= 2
            } else if remaining >= 1, !store, !cardinalityOnly, ctx.argIs(j, "withscores") {
                withScores = true
                j += 1
                remaining -= 1
            } else if cardinalityOnly, remaining >= 2, ctx.argIs(j, "limit") {
                // Valkey's getPositiveLongFromObjectOrReply: one message for "not a number" and "negative".
                guard let l = ctx.integerIfValid(j + 1), l >= 0 else { throw .limitNegative }
                limit = l
                j += 2
                remaining -= 2
            } else {
                throw .syntax
            }
        }

        func combine(_ a: Double, _ b: Double) -> Double {
            switch aggregate {
            case .sum:
                let s = a + b
                return s.isNaN ? 0 : s  // inf + -inf: Valkey stores 0
            case .min: return Swift.min(a, b)
            case .max: return Swift.max(a, b)
            }
        }
        func weighted(_ score: Double, _ i: Int) -> Double {
            let v = score * weights[i]
            return v.isNaN ? 0 : v
        }

        var result: [Bytes: Double] = [:]
        switch op {
        case .union:
            for (i, z) in sources.enumerated() {
                guard let z else { continue }
                z.forEach { raw, s in
                    let m = Bytes(raw: raw)
                    let v = weighted(s, i)
                    if let old = result[m] { result[m] = combine(old, v) } else { result[m] = v }
                }
            }
        case .inter:
            if sources.contains(where: { $0 == nil }) { break }
            let order = sources.indices.sorted { sources[$0]!.count < sources[$1]!.count }
            let smallest = order[0]
            var found = 0
            sources[smallest]!.forEach { m, s in
                if cardinalityOnly, limit > 0, found >= limit { return }
                var value = weighted(s, smallest)
                for i in order.dropFirst() {
                    guard let other = sources[i]!.score(m) else { return }
                    value = combine(value, weighted(other, i))
                }
                result[Bytes(raw: m)] = value
                found += 1
            }
        case .diff:
            guard let first = sources[0] else { break }
            first.forEach { m, s in
                for other in sources.dropFirst() where other?.score(m) != nil { return }
                result[Bytes(raw: m)] = s
            }
        }

        if cardinalityOnly {
            ctx.reply.integer(limit > 0 ? Swift.min(result.count, limit) : result.count)
            return
        }
        let items = result.map { ($0.key, $0.value) }.sorted { a, b in
            a.1 < b.1 || (a.1 == b.1 && Bytes.compare(a.0, b.0) < 0)
        }
        if store {
            let event: StaticString =
                switch op {
                case .union: "zunionstore"
                case .inter: "zinterstore"
                case .diff: "zdiffstore"
                }
            storeResult(&ctx, makeSet(ctx, items), event: event)
        } else {
            replyElements(&ctx, items, withScores: withScores)
        }
    }

    /// A plain set as a sorted set whose members all score 1 (a temporary input of the set operations).
    static func scoredOne(_ s: SetObject) -> SortedSetObject {
        var z = SortedSetObject()
        let limits = ListpackLimits()
        s.forEach { z.set(Bytes(raw: $0), 1, limits: limits) }
        return z
    }

}
