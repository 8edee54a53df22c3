import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

// MARK: - Hash field expiry (Valkey 9.0: HEXPIRE … HPEXPIRETIME, HPERSIST, HGETEX, HSETEX; 9.1: HGETDEL)
//
// Semantics, replies and error texts follow Valkey's t_hash.c (`hexpireGenericCommand`, `hpersistCommand`,
// `httlGenericCommand`, `hgetexCommand`, `hsetexCommand`, `hgetdelCommand`); redis-server 7 has none of these
// commands, so the e2e tests check Valkey's documented behaviour instead of a differential run. Propagation
// follows Valkey too: fields given a time already past become an HDEL, relative
// times an absolute HPEXPIREAT / HSETEX … PXAT.

extension HashCommands {
    /// Per-field result codes of HEXPIRE and HPERSIST (Valkey's `expiryModificationResult`).
    enum FieldExpiryResult: Int {
        case noField = -2
        case noTTL = -1
        case conditionNotMet = 0
        case done = 1
        case deleted = 2
    }

    /// The index of the `FIELDS` token at or after `from` (Valkey scans up to the last-but-one argument), or nil.
    /// The arguments between `from` and it are options, which Valkey parses before the count that follows it.
    static func fieldsToken(_ ctx: CommandContext, from: Int) -> Int? {
        var i = from
        while i < ctx.argc - 1 {
            if ctx.argIs(i, "fields") { return i }
            i += 1
        }
        return nil
    }

    /// The count after the `FIELDS` token at `token` (nil token: 0), checked against the arguments that follow
    /// (`perField` each): the range of the first field's index, or `numFieldsMismatch`.
    static func fieldsCount(
        _ ctx: CommandContext, token: Int?, perField: Int = 1
    ) throws(CommandError) -> (first: Int, count: Int) {
        guard let token else { throw .numFieldsMismatch }
        let count = try ctx.integer(token + 1)
        let first = token + 2
        guard count > 0, count <= Int.max / perField, count * perField == ctx.argc - first else {
            throw .numFieldsMismatch
        }
        return (first, count)
    }

    /// Valkey's `convertExpireArgumentToUnixTime`: argument `i` as a Unix time in ms, `base` added (0 for the
    /// *AT forms). Negative values are allowed (they are in the past); overflow is `invalid expire time`.
    static func fieldExpireTime(
        _ ctx: CommandContext, _ i: Int, base: Int64, seconds: Bool
    ) throws(CommandError) -> Int64 {
        var when = try ctx.integer(i)
        // Valkey 9: a negative time is an error (EXPIRE allows one; the field commands do not).
        if when < 0 { throw .invalidExpireTime(ctx.spec.name) }
        if seconds {
            if when > Int.max / 1000 || when < Int.min / 1000 { throw .invalidExpireTime(ctx.spec.name) }
            when *= 1000
        }
        if when > Int.max - Int(base) { throw .invalidExpireTime(ctx.spec.name) }
        return Int64(when + Int(base))
    }

    /// `modifyHash` without creating the key (which tracks the hash's next field deadline and removes an emptied
    /// hash), for the field-expiry commands: a missing key gives `body` an empty hash, which is dropped (every
    /// body finds no field in it). Returns the result and whether the key went.
    static func modifyVolatile<R>(
        _ ctx: CommandContext, changed: (R) -> Bool, _ body: (inout HashObject) throws(CommandError) -> R
    ) throws(CommandError) -> (R, removed: Bool) {
        guard let result = try modifyHash(ctx, create: false, changed: changed, body) else {
            var none = HashObject()
            return (try body(&none), false)
        }
        let db = ctx.db
        return (result, ctx.args[1].withUnsafeReadableBytes { db.slot(raw: $0) } == nil)
    }

    /// HEXPIRE / HPEXPIRE / HEXPIREAT / HPEXPIREAT key time [NX | XX | GT | LT] FIELDS numfields field ...
    static func hexpireGeneric(_ ctx: inout CommandContext, relative: Bool, seconds: Bool) throws(CommandError) {
        let token = fieldsToken(ctx, from: 3)
        let condition = try KeyCommands.ExpireCondition(ctx, 3..<(token ?? 3))
        let block = try fieldsCount(ctx, token: token)
        let when = try fieldExpireTime(ctx, 2, base: relative ? ctx.keyspace.now : 0, seconds: seconds)
        let pastAlready = ctx.keyspace.isAlreadyExpired(when)
        let args = ctx.args
        let (results, removed) = try modifyVolatile(ctx, changed: { r in r.contains { $0 == .done || $0 == .deleted } })
        {
            (h: inout HashObject) -> [FieldExpiryResult] in
            var results: [FieldExpiryResult] = []
            results.reserveCapacity(block.count)
            for j in block.first..<args.count {
                let r = args[j].withUnsafeReadableBytes { f -> FieldExpiryResult in
                    guard let current = h.expiryTime(f) else { return .noField }
                    guard condition.allows(when, current: current) else { return .conditionNotMet }
                    if pastAlready {
                        h.remove(f)
                        return .deleted
                    }
                    h.setExpiry(f, at: when)
                    return .done
                }
                results.append(r)
            }
            return results
        }
        let deleted = results.indices.filter { results[$0] == .deleted }
        let updated = results.contains(.done)
        if !deleted.isEmpty {
            ctx.keyspace.stats.expiredFields += deleted.count
            if ctx.propagates {
                ctx.propagateInstead(
                    CommandContext.arguments(.word("HDEL"), .arg(args[1])) + deleted.map { args[block.first + $0] })
            }
            ctx.notify(.hash, "hexpired", arg: 1)
        } else if updated {
            if ctx.propagates {
                var rewritten = Array(args)
                rewritten[0] = PropagationArgument.word("HPEXPIREAT").buffer
                rewritten[2] = PropagationArgument.integer(when).buffer
                ctx.propagateInstead(rewritten)
            }
            ctx.notify(.hash, "hexpire", arg: 1)
        }
        if removed { ctx.notify(.generic, "del", arg: 1) }
        ctx.reply.arrayHeader(results.count)
        for r in results { ctx.reply.integer(r.rawValue) }
    }

    /// The fields of `HPERSIST`, `HTTL`, ...: `key FIELDS numfields field ...`, the count at argument 3 (Valkey
    /// does not check the word at argument 2). `mismatch` is the error for a count that does not match.
    static func fixedFields(_ ctx: CommandContext, mismatch: CommandError) throws(CommandError) -> Range<Int> {
        let count = try ctx.integer(3)
        guard count != 0, count == ctx.argc - 4 else { throw mismatch }
        return 4..<ctx.argc
    }

    /// HPERSIST key FIELDS numfields field ...
    static func hpersist(_ ctx: inout CommandContext) throws(CommandError) {
        let fields = try fixedFields(ctx, mismatch: .numFieldsMismatch)
        let args = ctx.args
        let (results, _) = try modifyVolatile(ctx, changed: { $0.contains(.done) }) {
            (h: inout HashObject) -> [FieldExpiryResult] in
            fields.map { j in
                args[j].withUnsafeReadableBytes { f -> FieldExpiryResult in
                    guard h.contains(f) else { return .noField }
                    return h.persistField(f) ? .done : .noTTL
                }
            }
        }
        if results.contains(.done) { ctx.notify(.hash, "hpersist", arg: 1) }
        ctx.reply.arrayHeader(results.count)
        for r in results { ctx.reply.integer(r.rawValue) }
    }

    /// HTTL / HPTTL / HEXPIRETIME / HPEXPIRETIME key FIELDS numfields field ...
    static func httlGeneric(_ ctx: inout CommandContext, relative: Bool, milliseconds: Bool) throws(CommandError) {
        let fields = try fixedFields(ctx, mismatch: .syntax)
        let h = try readObject(ctx)
        let base = relative ? ctx.keyspace.now : 0
        ctx.reply.arrayHeader(fields.count)
        for j in fields {
            let at = ctx.args[j].withUnsafeReadableBytes { f in h?.expiryTime(f) }
            guard let at else {
                ctx.reply.integer(-2)
                continue
            }
            guard at >= 0 else {
                ctx.reply.integer(-1)
                continue
            }
            let left = max(at - base, 0)
            // Rounded to the nearest second, without the overflow of `(left + 500) / 1000` at Int64.max.
            ctx.reply.integer(Int(milliseconds ? left : left / 1000 + (left % 1000 >= 500 ? 1 : 0)))
        }
    }

    /// The expiry options of HSETEX / HGETEX (Valkey's `parseExtendedCommandArgumentsOrReply` for hashes), in
    /// `range`. A repeated option is allowed (the last value wins); clashing ones, an option of the other
    /// command, or an option missing its value are a syntax error.
    struct FieldSetOptions {
        enum Time { case ex, px, exat, pxat }
        var nx = false, xx = false, fnx = false, fxx = false, keepTTL = false, persist = false
        var time: Time?
        var timeIndex = 0

        init(_ ctx: CommandContext, _ range: Range<Int>, forSet: Bool) throws(CommandError) {
            var j = range.lowerBound
            while j < range.upperBound {
                let hasNext = j + 1 < range.upperBound
                func timeOption(_ t: Time) -> Bool {
                    guard !keepTTL, !persist, time == nil || time == t, hasNext else { return false }
                    time = t
                    timeIndex = j + 1
                    return true
                }
                if forSet && ctx.argIs(j, "nx") && !xx {
                    nx = true
                } else if forSet && ctx.argIs(j, "xx") && !nx {
                    xx = true
                } else if forSet && ctx.argIs(j, "fnx") && !fxx {
                    fnx = true
                } else if forSet && ctx.argIs(j, "fxx") && !fnx {
                    fxx = true
                } else if forSet && ctx.argIs(j, "keepttl") && time == nil {
                    keepTTL = true
                } else if !forSet && ctx.argIs(j, "persist") && time == nil {
                    persist = true
                } else if ctx.argIs(j, "ex") && timeOption(.ex) {
                    j += 1
                } else if ctx.argIs(j, "px") && timeOption(.px) {
                    j += 1
                } else if ctx.argIs(j, "exat") && timeOption(.exat) {
                    j += 1
                } else if ctx.argIs(j, "pxat") && timeOption(.pxat) {
                    j += 1
                } else {
                    throw .syntax
                }
                j += 1
            }
        }

        /// The expiry as a Unix time in ms, or nil without a time option.
        func when(_ ctx: CommandContext) throws(CommandError) -> Int64? {
            guard let time else { return nil }
            switch time {
            case .ex: return try fieldExpireTime(ctx, timeIndex, base: ctx.keyspace.now, seconds: true)
            case .px: return try fieldExpireTime(ctx, timeIndex, base: ctx.keyspace.now, seconds: false)
            case .exat: return try fieldExpireTime(ctx, timeIndex, base: 0, seconds: true)
            case .pxat: return try fieldExpireTime(ctx, timeIndex, base: 0, seconds: false)
            }
        }
    }

    /// HGETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
    ///   FIELDS numfields field ...
    static func hgetex(_ ctx: inout CommandContext) throws(CommandError) {
        let token = fieldsToken(ctx, from: 2)
        let options = try FieldSetOptions(ctx, 2..<(token ?? 2), forSet: false)
        let block = try fieldsCount(ctx, token: token)
        // Valkey looks the key up (type check) before it reads the time.
        let db = ctx.db
        if let value = ctx.args[1].withUnsafeReadableBytes({ db.lookupRead(raw: $0) }), !value.isHash {
            throw .wrongType
        }
        let when = try options.when(ctx)
        let expireNow = when.map { ctx.keyspace.isAlreadyExpired($0) } ?? false
        let args = ctx.args
        let changing = when != nil || options.persist
        var values: [Bytes?] = []
        values.reserveCapacity(block.count)
        let (changed, removed) = try modifyVolatile(ctx, changed: { !$0.isEmpty }) { (h: inout HashObject) -> [Int] in
            var changed: [Int] = []
            for j in block.first..<args.count {
                args[j].withUnsafeReadableBytes { f in
                    values.append(h.get(f))
                    guard changing else { return }
                    if expireNow {
                        if h.remove(f) { changed.append(j) }
                    } else if let when {
                        if h.contains(f) {
                            h.setExpiry(f, at: when)
                            changed.append(j)
                        }
                    } else if h.persistField(f) {
                        changed.append(j)
                    }
                }
            }
            return changed
        }
        if !changed.isEmpty {
            let fields = changed.map { args[$0] }
            if expireNow {
                ctx.keyspace.stats.expiredFields += changed.count
                if ctx.propagates {
                    ctx.propagateInstead(CommandContext.arguments(.word("HDEL"), .arg(args[1])) + fields)
                }
                ctx.notify(.hash, "hexpired", arg: 1)
            } else if let when {
                if ctx.propagates {
                    ctx.propagateInstead(
                        CommandContext.arguments(
                            .word("HPEXPIREAT"), .arg(args[1]), .integer(when), .word("FIELDS"), .integer(fields.count))
                            + fields)
                }
                ctx.notify(.hash, "hexpire", arg: 1)
            } else {
                if ctx.propagates {
                    ctx.propagateInstead(
                        CommandContext.arguments(
                            .word("HPERSIST"), .arg(args[1]), .word("FIELDS"), .integer(fields.count)) + fields)
                }
                ctx.notify(.hash, "hpersist", arg: 1)
            }
            if removed { ctx.notify(.generic, "del", arg: 1) }
        }
        ctx.reply.arrayHeader(values.count)
        for v in values {
            if let v { reply(&ctx, v) } else { ctx.reply.null() }
        }
    }

    /// HSETEX key [NX | XX] [FNX | FXX] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
    ///   PXAT unix-time-milliseconds | KEEPTTL] FIELDS numfields field value ...
    ///
    /// Replies 1 when every field was set (or, with a time already past, deleted), else 0. One difference from
    /// Valkey: a key that did not exist is not left behind as an empty hash when a time already past deletes
    /// nothing.
    static func hsetex(_ ctx: inout CommandContext) throws(CommandError) {
        let token = fieldsToken(ctx, from: 2)
        let options = try FieldSetOptions(ctx, 2..<(token ?? 2), forSet: true)
        let block = try fieldsCount(ctx, token: token, perField: 2)
        let args = ctx.args
        // Looked at in a function of its own so that no reference to the stored hash outlives the checks (it is
        // changed in place below).
        func precheck() throws(CommandError) -> (exists: Bool, fieldsHold: Bool) {
            let db = ctx.db
            guard let slot = args[1].withUnsafeReadableBytes({ db.slot(raw: $0) }) else {
                return (false, !options.fxx)
            }
            guard case .hash(let h) = db.entry(slot).value else { throw .wrongType }
            guard options.fnx || options.fxx else { return (true, true) }
            for j in stride(from: block.first, to: args.count, by: 2) {
                let present = args[j].withUnsafeReadableBytes { h.contains($0) }
                if (options.fnx && present) || (options.fxx && !present) { return (true, false) }
            }
            return (true, true)
        }
        let (exists, fieldsHold) = try precheck()
        if (options.nx && exists) || (options.xx && !exists) {
            ctx.reply.integer(0)
            return
        }
        let when = options.keepTTL ? nil : try options.when(ctx)
        let expireNow = when.map { ctx.keyspace.isAlreadyExpired($0) } ?? false
        guard fieldsHold else {
            ctx.reply.integer(0)
            return
        }
        let limits = ctx.keyspace.hashLimits
        var changes: [Int] = []
        var removed = false
        if !exists {
            if !expireNow {
                var h = HashObject()
                for j in stride(from: block.first, to: args.count, by: 2) {
                    args[j].withUnsafeReadableBytes { f in
                        args[j + 1].withUnsafeReadableBytes { v in _ = h.set(f, v, limits: limits) }
                        if let when { h.setExpiry(f, at: when) }
                    }
                    changes.append(j)
                }
                let db = ctx.db
                args[1].withUnsafeReadableBytes { db.set(raw: $0, .hash(h)) }
            }
        } else {
            (changes, removed) = try modifyVolatile(ctx, changed: { !$0.isEmpty }) { (h: inout HashObject) -> [Int] in
                var changes: [Int] = []
                for j in stride(from: block.first, to: args.count, by: 2) {
                    args[j].withUnsafeReadableBytes { f in
                        if expireNow {
                            if h.remove(f) { changes.append(j) }
                            return
                        }
                        args[j + 1].withUnsafeReadableBytes { v in
                            _ = h.set(f, v, limits: limits, keepTTL: options.keepTTL)
                        }
                        if let when { h.setExpiry(f, at: when) }
                        changes.append(j)
                    }
                }
                return changes
            }
        }
        if !changes.isEmpty {
            if expireNow {
                ctx.keyspace.stats.expiredFields += changes.count
                if ctx.propagates {
                    ctx.propagateInstead(
                        CommandContext.arguments(.word("HDEL"), .arg(args[1])) + changes.map { args[$0] })
                }
                ctx.notify(.hash, "hexpired", arg: 1)
            } else {
                if ctx.propagates, options.nx || options.xx || options.fnx || options.fxx || when != nil {
                    var rewritten = CommandContext.arguments(.word("HSETEX"), .arg(args[1]))
                    if let when { rewritten += CommandContext.arguments(.word("PXAT"), .integer(when)) }
                    if options.keepTTL { rewritten += CommandContext.arguments(.word("KEEPTTL")) }
                    rewritten += Array(args[(block.first - 2)...])
                    ctx.propagateInstead(rewritten)
                }
                ctx.notify(.hash, "hset", arg: 1)
                if when != nil { ctx.notify(.hash, "hexpire", arg: 1) }
            }
            if removed { ctx.notify(.generic, "del", arg: 1) }
        }
        ctx.reply.integer(changes.count == block.count ? 1 : 0)
    }

    /// HGETDEL key FIELDS numfields field ...
    static func hgetdel(_ ctx: inout CommandContext) throws(CommandError) {
        let fields = try fixedFields(ctx, mismatch: .numFieldsMismatch)
        let args = ctx.args
        var values: [Bytes?] = []
        values.reserveCapacity(fields.count)
        let (deleted, removed) = try modifyVolatile(ctx, changed: { !$0.isEmpty }) { (h: inout HashObject) -> [Int] in
            var deleted: [Int] = []
            for j in fields {
                args[j].withUnsafeReadableBytes { f in
                    let value = h.get(f)
                    values.append(value)
                    if value != nil, h.remove(f) { deleted.append(j) }
                }
            }
            return deleted
        }
        if !deleted.isEmpty {
            // Recorded as the HDEL of what went, which any Valkey or Redis replays.
            if ctx.propagates {
                ctx.propagateInstead(CommandContext.arguments(.word("HDEL"), .arg(args[1])) + deleted.map { args[$0] })
            }
            ctx.notify(.hash, "hdel", arg: 1)
            if removed { ctx.notify(.generic, "del", arg: 1) }
        }
        ctx.reply.arrayHeader(values.count)
        for v in values {
            if let v { reply(&ctx, v) } else { ctx.reply.null() }
        }
    }
}
