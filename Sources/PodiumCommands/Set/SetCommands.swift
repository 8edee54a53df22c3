import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `set` group (friends, achievements, "who played today").
///
/// Argument checks, the order of lookups (which decides what error a bad call gets), keyspace events and the
/// encodings of the sets the commands build follow Valkey's `t_set.c`. Sets change in place through
/// `Database.withObject(slot:)`; an emptied set disappears as a key.
public enum SetCommands: ObjectCommands {
    typealias Object = SetObject

    // MARK: - Helpers (lookups: `ObjectCommands`)

    /// Writes a set reply (a RESP3 set, a RESP2 array) of every member of `s`.
    static func replyMembers(_ ctx: inout CommandContext, _ s: SetObject) {
        ctx.reply.setHeader(s.count)
        s.forEach { ctx.reply.bulk($0) }
    }

    // MARK: - Writes

    /// SADD key member [member ...]
    static func sadd(_ ctx: inout CommandContext) throws(CommandError) {
        let db = ctx.db
        let limits = ctx.keyspace.setLimits
        let args = ctx.args
        let hint = args.count - 2
        var slot = try objectSlot(ctx)
        if slot == nil {
            let fresh = args[2].withUnsafeReadableBytes { SetObject(first: $0, sizeHint: hint, limits: limits) }
            args[1].withUnsafeReadableBytes { db.set(raw: $0, .set(fresh)) }
            slot = args[1].withUnsafeReadableBytes { db.slot(raw: $0) }
        }
        // Invariant: the key exists now (found, or just stored under the same command clock).
        guard let slot else { return }
        let added = modify(db, slot: slot) { s -> Int in
            s.prepareToGrow(sizeHint: hint, limits: limits)
            var added = 0
            for j in 2..<args.count where args[j].withUnsafeReadableBytes({ s.add($0, limits: limits) }) { added += 1 }
            return added
        }
        if added > 0 {
            db.signalModified(slot: slot)
            ctx.notify(.set, "sadd", arg: 1)
        }
        ctx.reply.integer(added)
    }

    /// SREM key member [member ...]
    static func srem(_ ctx: inout CommandContext) throws(CommandError) {
        guard let slot = try objectSlot(ctx) else {
            ctx.reply.integer(0)
            return
        }
        let db = ctx.db
        let args = ctx.args
        let (removed, emptied) = modify(db, slot: slot) { s -> (Int, Bool) in
            var removed = 0
            for j in 2..<args.count where args[j].withUnsafeReadableBytes({ s.remove($0) }) {
                removed += 1
                if s.isEmpty { break }
            }
            return (removed, s.isEmpty)
        }
        if removed > 0 {
            if emptied { db.remove(slot: slot) } else { db.signalModified(slot: slot) }
            ctx.notify(.set, "srem", arg: 1)
            if emptied { ctx.notify(.generic, "del", arg: 1) }
        }
        ctx.reply.integer(removed)
    }

    /// SMOVE source destination member
    static func smove(_ ctx: inout CommandContext) throws(CommandError) {
        let db = ctx.db
        // A missing source answers 0 before any type check; then both keys must be sets.
        guard ctx.args[1].withUnsafeReadableBytes({ db.slot(raw: $0) }) != nil else {
            ctx.reply.integer(0)
            return
        }
        guard let source = try objectSlot(ctx, 1) else {
            ctx.reply.integer(0)
            return
        }
        let destination = try objectSlot(ctx, 2)
        let member = ctx.args[3]
        if destination == source {
            let found = member.withUnsafeReadableBytes { db.entry(source).value.setValue.contains($0) }
            ctx.reply.integer(found ? 1 : 0)
            return
        }
        let (removed, emptied) = modify(db, slot: source) { s -> (Bool, Bool) in
            let removed = member.withUnsafeReadableBytes { s.remove($0) }
            return (removed, s.isEmpty)
        }
        guard removed else {
            ctx.reply.integer(0)
            return
        }
        ctx.notify(.set, "srem", arg: 1)
        if emptied {
            db.remove(slot: source)
            ctx.notify(.generic, "del", arg: 1)
        } else {
            db.signalModified(slot: source)
        }
        let limits = ctx.keyspace.setLimits
        let target: Int
        if let destination {
            target = destination
        } else {
            let fresh = member.withUnsafeReadableBytes { SetObject(first: $0, sizeHint: 1, limits: limits) }
            ctx.args[2].withUnsafeReadableBytes { db.set(raw: $0, .set(fresh)) }
            // Invariant: just stored.
            guard let created = ctx.args[2].withUnsafeReadableBytes({ db.slot(raw: $0) }) else { return }
            target = created
        }
        let added = modify(db, slot: target) { s in member.withUnsafeReadableBytes { s.add($0, limits: limits) } }
        if added {
            db.signalModified(slot: target)
            ctx.notify(.set, "sadd", arg: 2)
        }
        ctx.reply.integer(1)
    }

    // MARK: - Reads

    /// SISMEMBER key member
    static func sismember(_ ctx: inout CommandContext) throws(CommandError) {
        guard let s = try readObject(ctx) else {
            ctx.reply.integer(0)
            return
        }
        ctx.reply.integer(ctx.args[2].withUnsafeReadableBytes { s.contains($0) } ? 1 : 0)
    }

    /// SMISMEMBER key member [member ...]
    static func smismember(_ ctx: inout CommandContext) throws(CommandError) {
        let s = try readObject(ctx)
        ctx.reply.arrayHeader(ctx.argc - 2)
        for j in 2..<ctx.argc {
            let found = ctx.args[j].withUnsafeReadableBytes { s?.contains($0) ?? false }
            ctx.reply.integer(found ? 1 : 0)
        }
    }

    /// SCARD key
    static func scard(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(try readObject(ctx)?.count ?? 0)
    }

    /// SMEMBERS key
    static func smembers(_ ctx: inout CommandContext) throws(CommandError) {
        guard let s = try readObject(ctx) else {
            ctx.reply.setHeader(0)
            return
        }
        replyMembers(&ctx, s)
    }

    /// SSCAN key cursor [MATCH pattern] [COUNT count]
    ///
    /// intset- and listpack-encoded sets are returned whole with cursor 0, as Valkey does; hashtable-encoded
    /// sets are walked a segment at a time (`MemberTable.scan`), so a member present for the whole iteration is
    /// returned at least once.
    static func sscan(_ ctx: inout CommandContext) throws(CommandError) {
        guard let (scan, s) = try ScanArguments.begin(&ctx, read: readObject) else { return }
        var found: [Bytes] = []
        let next = s.scan(cursor: scan.cursor, count: scan.count) { m in
            let member = Bytes(raw: m)
            if scan.matches(member) { found.append(member) }
        }
        ScanArguments.replyHeader(&ctx, next: next, elements: found.count)
        for m in found { m.withUnsafeBytes { ctx.reply.bulk($0) } }
    }

    // MARK: - Random members

    /// SRANDMEMBER key [count]
    static func srandmember(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 { throw .syntax }
        guard ctx.argc == 3 else {
            guard let s = try readObject(ctx) else {
                ctx.reply.null()
                return
            }
            s.randomMember(using: &ctx.keyspace.sampler) { ctx.reply.bulk($0) }
            return
        }
        guard let count = ctx.integerIfValid(2) else { throw .notInteger }
        guard count != Int.min else { throw .outOfRange(min: -Int.max, max: Int.max) }
        try RandomSelection.checkRepeatedPicks(count)
        guard let s = try readObject(ctx), count != 0 else {
            ctx.reply.arrayHeader(0)
            return
        }
        if count < 0 {
            ctx.reply.arrayHeader(-count)
            for _ in 0..<(-count) { s.randomMember(using: &ctx.keyspace.sampler) { ctx.reply.bulk($0) } }
            return
        }
        if count >= s.count {
            ctx.reply.arrayHeader(s.count)
            s.forEach { ctx.reply.bulk($0) }
            return
        }
        let chosen = distinctSample(s, count, using: &ctx.keyspace.sampler)
        ctx.reply.arrayHeader(chosen.count)
        for m in chosen { m.withUnsafeBytes { ctx.reply.bulk($0) } }
    }

    /// `count` distinct random members of `s` (count < s.count): by elimination from a copy when the sample is
    /// most of the set, by repeated picks otherwise (Valkey's cases 3 and 4).
    static func distinctSample(_ s: SetObject, _ count: Int, using rng: inout SplitMix64) -> [Bytes] {
        if count * 3 > s.count {
            var all = s.members
            all.shuffle(using: &rng)
            return Array(all.prefix(count))
        }
        var chosen = Set<Bytes>(minimumCapacity: count)
        while chosen.count < count { chosen.insert(s.randomMember(using: &rng)) }
        return Array(chosen)
    }

    /// SPOP key [count]
    static func spop(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 { throw .syntax }
        if ctx.argc == 3 {
            try spopWithCount(&ctx)
            return
        }
        guard let slot = try objectSlot(ctx) else {
            ctx.reply.null()
            return
        }
        let db = ctx.db
        let (member, emptied) = modify(db, slot: slot) { s -> (Bytes, Bool) in
            (s.popRandom(using: &ctx.keyspace.sampler), s.isEmpty)
        }
        ctx.notify(.set, "spop", arg: 1)
        // AOF: SPOP is not deterministic; it replays as the SREM of what was popped.
        if ctx.propagates {
            ctx.propagateInstead(CommandContext.arguments(.word("SREM"), .arg(ctx.args[1]), .bytes(member)))
        }
        member.withUnsafeBytes { ctx.reply.bulk($0) }
        if emptied {
            db.remove(slot: slot)
            ctx.notify(.generic, "del", arg: 1)
        } else {
            db.signalModified(slot: slot)
        }
    }

    /// SPOP key count (Valkey's `spopWithCountCommand`).
    static func spopWithCount(_ ctx: inout CommandContext) throws(CommandError) {
        guard let count = ctx.integerIfValid(2), count >= 0 else { throw .mustBePositive }
        guard let slot = try objectSlot(ctx) else {
            ctx.reply.setHeader(0)
            return
        }
        if count == 0 {
            ctx.reply.setHeader(0)
            return
        }
        let db = ctx.db
        let size = db.entry(slot).value.setValue.count
        ctx.notify(.set, "spop", arg: 1)
        if count >= size {
            // The whole set, in the order of a union into a fresh set (ascending for an intset).
            let s = db.entry(slot).value.setValue
            let whole = s.encodingName == "intset" ? s : union([s], store: false, limits: ctx.keyspace.setLimits)
            replyMembers(&ctx, whole)
            db.remove(slot: slot)
            ctx.notify(.generic, "del", arg: 1)
            if ctx.propagates { ctx.propagateInstead(CommandContext.arguments(.word("DEL"), .arg(ctx.args[1]))) }
            return
        }
        let limits = ctx.keyspace.setLimits
        let remaining = size - count
        var popped: [Bytes] = []
        popped.reserveCapacity(count)
        if remaining * 5 > count {
            modify(db, slot: slot) { s in
                for _ in 0..<count { popped.append(s.popRandom(using: &ctx.keyspace.sampler)) }
            }
        } else {
            // Most of the set goes: pick the members that stay into a new set (an intset if the set was one, else
            // a listpack that converts as it grows, as Valkey builds it), and return all the others.
            let s = db.entry(slot).value.setValue
            let keep = Set(distinctSample(s, remaining, using: &ctx.keyspace.sampler))
            var kept = SetObject(encoding: s.encodingName == "intset" ? "intset" : "listpack")
            for m in keep { m.withUnsafeBytes { _ = kept.add($0, limits: limits) } }
            s.forEach { m in
                let member = Bytes(raw: m)
                if !keep.contains(member) { popped.append(member) }
            }
            db.withValue(slot: slot) { (value: inout Value) in value = .set(kept) }
        }
        ctx.reply.setHeader(popped.count)
        for m in popped { m.withUnsafeBytes { ctx.reply.bulk($0) } }
        db.signalModified(slot: slot)
        // AOF: the SREMs of what was popped, in batches of 1024 members (as Valkey propagates them).
        if ctx.propagates {
            var start = 0
            while start < popped.count {
                let end = min(start + 1024, popped.count)
                var argv = CommandContext.arguments(.word("SREM"), .arg(ctx.args[1]))
                for m in popped[start..<end] { argv.append(PropagationArgument.bytes(m).buffer) }
                ctx.alsoPropagate(argv)
                start = end
            }
            ctx.preventPropagation()
        }
    }

    // MARK: - Set algebra

    /// Looks up the sets named by arguments `keys` (missing keys are nil), `WRONGTYPE` for any other type.
    static func sources(_ ctx: CommandContext, _ keys: Range<Int>) throws(CommandError) -> [SetObject?] {
        var out: [SetObject?] = []
        out.reserveCapacity(keys.count)
        for i in keys { out.append(try readObject(ctx, i)) }
        return out
    }

    /// Valkey's union: every member of every set, into a set that starts as an intset when storing or when all
    /// inputs are intsets (else a hashtable), converting as members arrive.
    static func union(_ sets: [SetObject?], store: Bool, limits: SetLimits) -> SetObject {
        let allIntsets = sets.allSatisfy { $0 == nil || $0!.encodingName == "intset" }
        var result = SetObject(encoding: store || allIntsets ? "intset" : "hashtable")
        for s in sets {
            s?.forEach { _ = result.add($0, limits: limits) }
        }
        return result
    }

    /// Valkey's difference: the members of the first set in none of the others. Like Valkey it picks between
    /// testing each member of the first set against the others (cheaper when the first set is small) and adding
    /// the first set then removing the others' members; the choice shows in the encoding of a stored result
    /// (members added then removed may have converted it), so it is made by Valkey's rule.
    static func difference(_ sets: [SetObject?], store: Bool, limits: SetLimits, sameSet: Bool) -> SetObject {
        let allIntsets = sets.allSatisfy { $0 == nil || $0!.encodingName == "intset" }
        var result = SetObject(encoding: store || allIntsets ? "intset" : "hashtable")
        guard let first = sets[0], !sameSet else { return result }
        var oneWork = 0
        var twoWork = 0
        for s in sets where s != nil {
            oneWork += first.count
            twoWork += s!.count
        }
        if oneWork / 2 <= twoWork {
            // Subtracting the largest sets first finds shared members soonest.
            let others = sets.dropFirst().compactMap { $0 }.sorted { $0.count > $1.count }
            first.forEach { m in
                for other in others where other.contains(m) { return }
                _ = result.add(m, limits: limits)
            }
        } else {
            first.forEach { _ = result.add($0, limits: limits) }
            for other in sets.dropFirst() {
                guard let other, result.count > 0 else { continue }
                other.forEach { _ = result.remove($0) }
            }
        }
        return result
    }

    /// True when a key among arguments `keys` after the first names the first one (SDIFF of a set with itself).
    static func repeatsFirst(_ ctx: CommandContext, _ keys: Range<Int>) -> Bool {
        let first = ctx.args[keys.lowerBound]
        return keys.dropFirst().contains { ctx.args[$0] == first }
    }

    /// Valkey's intersection, from the smallest set: nil when an input is missing (the result is empty).
    /// Stored results start as an intset (if the smallest is one) or a listpack, and end as an intset when
    /// every member is an integer.
    static func intersection(_ sets: [SetObject?], store: Bool, limit: Int = 0, limits: SetLimits) -> (SetObject, Int)?
    {
        guard sets.allSatisfy({ $0 != nil }) else { return nil }
        let ordered = sets.map { $0! }.sorted { $0.count < $1.count }
        let smallest = ordered[0]
        var result = SetObject(
            encoding: store ? (smallest.encodingName == "intset" ? "intset" : "listpack") : "hashtable")
        var cardinality = 0
        smallest.forEach { m in
            if limit > 0, cardinality >= limit { return }
            for other in ordered.dropFirst() where !other.contains(m) { return }
            cardinality += 1
            _ = result.add(m, limits: limits)
        }
        if store { result.convertToIntsetIfPossible(limits: limits) }
        return (result, cardinality)
    }

    /// Stores `result` at argument 1 (or deletes the destination when `result` is empty), replies its size and
    /// raises `event` (SINTERSTORE, SUNIONSTORE, SDIFFSTORE).
    static func store(_ ctx: inout CommandContext, _ result: SetObject, event: StaticString) {
        let db = ctx.db
        if result.count > 0 {
            ctx.args[1].withUnsafeReadableBytes { db.set(raw: $0, .set(result)) }
            ctx.reply.integer(result.count)
            ctx.notify(.set, event, arg: 1)
        } else {
            ctx.reply.integer(0)
            if ctx.args[1].withUnsafeReadableBytes({ db.remove(raw: $0) }) { ctx.notify(.generic, "del", arg: 1) }
        }
    }

    /// SINTER key [key ...]
    static func sinter(_ ctx: inout CommandContext) throws(CommandError) {
        let sets = try sources(ctx, 1..<ctx.argc)
        guard let (result, _) = intersection(sets, store: false, limits: ctx.keyspace.setLimits) else {
            ctx.reply.setHeader(0)
            return
        }
        replyMembers(&ctx, result)
    }

    /// SINTERSTORE destination key [key ...]
    static func sinterstore(_ ctx: inout CommandContext) throws(CommandError) {
        let sets = try sources(ctx, 2..<ctx.argc)
        guard let (result, _) = intersection(sets, store: true, limits: ctx.keyspace.setLimits) else {
            // An empty input: the destination goes.
            let db = ctx.db
            if ctx.args[1].withUnsafeReadableBytes({ db.remove(raw: $0) }) { ctx.notify(.generic, "del", arg: 1) }
            ctx.reply.integer(0)
            return
        }
        store(&ctx, result, event: "sinterstore")
    }

    /// SINTERCARD numkeys key [key ...] [LIMIT limit]
    static func sintercard(_ ctx: inout CommandContext) throws(CommandError) {
        guard let numkeys = ctx.integerIfValid(1), numkeys >= 1 else { throw .numkeysNotPositive }
        guard numkeys <= ctx.argc - 2 else { throw .numkeysAboveArguments }
        var limit = 0
        var j = 2 + numkeys
        while j < ctx.argc {
            guard ctx.argIs(j, "limit"), j + 1 < ctx.argc else { throw .syntax }
            guard let l = ctx.integerIfValid(j + 1), l >= 0 else { throw .limitNegative }
            limit = l
            j += 2
        }
        let sets = try sources(ctx, 2..<(2 + numkeys))
        let (_, cardinality) =
            intersection(sets, store: false, limit: limit, limits: ctx.keyspace.setLimits) ?? (
                SetObject(encoding: "intset"), 0
            )
        ctx.reply.integer(cardinality)
    }

    /// SUNION key [key ...]
    static func sunion(_ ctx: inout CommandContext) throws(CommandError) {
        let sets = try sources(ctx, 1..<ctx.argc)
        replyMembers(&ctx, union(sets, store: false, limits: ctx.keyspace.setLimits))
    }

    /// SUNIONSTORE destination key [key ...]
    static func sunionstore(_ ctx: inout CommandContext) throws(CommandError) {
        let sets = try sources(ctx, 2..<ctx.argc)
        store(&ctx, union(sets, store: true, limits: ctx.keyspace.setLimits), event: "sunionstore")
    }

    /// SDIFF key [key ...]
    static func sdiff(_ ctx: inout CommandContext) throws(CommandError) {
        let sets = try sources(ctx, 1..<ctx.argc)
        let same = repeatsFirst(ctx, 1..<ctx.argc) && sets[0] != nil
        replyMembers(&ctx, difference(sets, store: false, limits: ctx.keyspace.setLimits, sameSet: same))
    }

    /// SDIFFSTORE destination key [key ...]
    static func sdiffstore(_ ctx: inout CommandContext) throws(CommandError) {
        let sets = try sources(ctx, 2..<ctx.argc)
        let same = repeatsFirst(ctx, 2..<ctx.argc) && sets[0] != nil
        store(&ctx, difference(sets, store: true, limits: ctx.keyspace.setLimits, sameSet: same), event: "sdiffstore")
    }
}

extension Value {
    /// The set payload of a value known to be a set.
    var setValue: SetObject {
        guard case .set(let s) = self else { preconditionFailure("value checked to be a set") }
        return s
    }
}
