import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `string` group.
public enum StringCommands {
    // MARK: - Shared parsing

    /// Which command is parsing the SET-style options: SET accepts NX/XX/GET/KEEPTTL, GETEX accepts PERSIST.
    enum ExtendedMode { case set, getex }

    struct ExtendedOptions {
        var nx = false
        var xx = false
        var get = false
        var keepTTL = false
        var persist = false
        /// Index of IFEQ's comparison value (Valkey 8.1).
        var ifeq: Int?
        /// Index of the EX/PX/EXAT/PXAT argument's value, and which unit.
        var expireIndex: Int?
        var expireKind: UInt8 = 0  // 1 EX, 2 PX, 3 EXAT, 4 PXAT
    }

    /// `ExtendedOptions.expireKind` of an EX / PX / EXAT / PXAT argument (1 to 4), or 0 for anything else.
    @inline(__always)
    static func expiryKeyword(_ ctx: CommandContext, _ j: Int) -> UInt8 {
        if ctx.argIs(j, "ex") { return 1 }
        if ctx.argIs(j, "px") { return 2 }
        if ctx.argIs(j, "exat") { return 3 }
        if ctx.argIs(j, "pxat") { return 4 }
        return 0
    }

    /// Valkey's `parseExtendedStringArgumentsOrReply`: each option is accepted only if it does not conflict with
    /// one seen before; anything else is `ERR syntax error`.
    static func parseExtended(
        _ ctx: CommandContext, from start: Int, mode: ExtendedMode
    ) throws(CommandError)
        -> ExtendedOptions
    {
        var o = ExtendedOptions()
        var j = start
        while j < ctx.argc {
            let hasNext = j + 1 < ctx.argc
            let noExpiry = o.expireKind == 0
            if mode == .set, ctx.argIs(j, "nx"), !o.xx, o.ifeq == nil {
                o.nx = true
            } else if mode == .set, ctx.argIs(j, "xx"), !o.nx, o.ifeq == nil {
                o.xx = true
            } else if mode == .set, ctx.argIs(j, "ifeq"), !o.nx, !o.xx, hasNext {
                o.ifeq = j + 1
                j += 1
            } else if mode == .set, ctx.argIs(j, "get") {
                o.get = true
            } else if mode == .set, ctx.argIs(j, "keepttl"), !o.persist, noExpiry {
                o.keepTTL = true
            } else if mode == .getex, ctx.argIs(j, "persist"), noExpiry, !o.keepTTL {
                o.persist = true
            } else if case let kind = expiryKeyword(ctx, j), kind != 0, !o.keepTTL, !o.persist,
                o.expireKind == 0 || o.expireKind == kind, hasNext
            {
                o.expireKind = kind
                o.expireIndex = j + 1
                j += 1
            } else {
                throw .syntax
            }
            j += 1
        }
        return o
    }

    /// Valkey's `getExpireMillisecondsOrReply`: the absolute expiry in ms for an EX/PX/EXAT/PXAT value.
    static func expireMilliseconds(
        _ ctx: CommandContext, index: Int, kind: UInt8, command: String
    )
        throws(CommandError) -> Int64
    {
        let raw = try ctx.integer(index)
        let seconds = kind == 1 || kind == 3
        if raw <= 0 || (seconds && raw > Int.max / 1000) { throw .invalidExpireTime(command) }
        var ms = seconds ? raw * 1000 : raw
        if kind == 1 || kind == 2 {
            let (sum, overflow) = ms.addingReportingOverflow(Int(ctx.keyspace.now))
            if overflow { throw .invalidExpireTime(command) }
            ms = sum
        }
        if ms <= 0 { throw .invalidExpireTime(command) }
        return Int64(ms)
    }

    /// The string value of a key for a read, `WRONGTYPE` for other types, nil when missing.
    @inline(__always)
    static func readString(_ ctx: CommandContext, _ key: Bytes) throws(CommandError) -> Value? {
        guard let value = ctx.db.lookupRead(key) else { return nil }
        guard value.isString else { throw .wrongType }
        return value
    }

    @inline(__always)
    static func replyValue(_ ctx: inout CommandContext, _ value: Value) {
        switch value {
        case .integer(let n): ctx.reply.bulkDecimal(n)
        case .string(let b, _): b.withUnsafeBytes { ctx.reply.bulk($0) }
        default: ctx.reply.null()  // callers check the type first
        }
    }

    // MARK: - SET family

    /// SET key value [NX | XX | IFEQ comparison-value] [GET] [EX seconds | PX milliseconds |
    /// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
    ///
    /// IFEQ (Valkey 8.1): set only if the key holds a string equal to the comparison value; a missing key or
    /// another value aborts (nil, or with GET the old value), another type is WRONGTYPE. NX, XX and IFEQ exclude
    /// each other (syntax error).
    static func set(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc == 3 {
            // The common case, without option parsing: the key is copied only if it is new.
            let value = ctx.value(2)
            let db = ctx.db
            ctx.args[1].withUnsafeReadableBytes { db.set(raw: $0, value) }
            ctx.notify(.string, "set", arg: 1)
            ctx.reply.ok()
            return
        }
        let o = try parseExtended(ctx, from: 3, mode: .set)
        var expireAt: Int64?
        if let index = o.expireIndex {
            expireAt = try expireMilliseconds(ctx, index: index, kind: o.expireKind, command: "set")
        }
        let key = ctx.key(1)
        let db = ctx.db
        if o.get {
            // SET ... GET replies with the old value, and refuses a non-string before changing anything.
            if let old = try readString(ctx, key) { replyValue(&ctx, old) } else { ctx.reply.null() }
        }
        let found = db.exists(key)
        if (o.nx && found) || (o.xx && !found) {
            if !o.get { ctx.reply.null() }
            return
        }
        if let ifeq = o.ifeq {
            guard let current = db.lookupWrite(key) else {
                if !o.get { ctx.reply.null() }
                return
            }
            guard let bytes = current.stringBytes else { throw .wrongType }
            if Bytes.compare(bytes, ctx.bytes(ifeq)) != 0 {
                if !o.get { ctx.reply.null() }
                return
            }
        }
        db.set(key, ctx.value(2), keepTTL: o.keepTTL, expireAt: expireAt)
        ctx.notify(.string, "set", arg: 1)
        if let expireAt {
            ctx.notify(.generic, "expire", arg: 1)
            // Recorded as SET key value PXAT <ms> (Valkey): the replay must not depend on when it runs.
            if ctx.propagates { propagateSetPXAT(&ctx, expireAt: expireAt, valueIndex: 2) }
        } else if o.ifeq != nil, ctx.propagates {
            // The condition held: recorded as the plain SET it amounted to.
            ctx.propagateInstead(
                o.keepTTL
                    ? CommandContext.arguments(.word("SET"), .arg(ctx.args[1]), .arg(ctx.args[2]), .word("KEEPTTL"))
                    : CommandContext.arguments(.word("SET"), .arg(ctx.args[1]), .arg(ctx.args[2])))
        } else if o.get, ctx.propagates {
            // Recorded without GET (Valkey), which is a read.
            ctx.propagateInstead((0..<ctx.argc).filter { $0 < 3 || !ctx.argIs($0, "get") }.map { ctx.args[$0] })
        }
        if !o.get { ctx.reply.ok() }
    }

    /// Records a write of argument `valueIndex` under argument 1 with an absolute expiry: `SET key value PXAT ms`.
    static func propagateSetPXAT(_ ctx: inout CommandContext, expireAt: Int64, valueIndex: Int) {
        ctx.propagateInstead(
            CommandContext.arguments(
                .word("SET"), .arg(ctx.args[1]), .arg(ctx.args[valueIndex]), .word("PXAT"), .integer(expireAt)))
    }

    /// SETNX key value
    static func setnx(_ ctx: inout CommandContext) throws(CommandError) {
        let key = ctx.key(1)
        if ctx.db.exists(key) {
            ctx.reply.integer(0)
        } else {
            ctx.db.set(key, ctx.value(2))
            ctx.notify(.string, "set", arg: 1)
            ctx.reply.integer(1)
        }
    }

    /// SETEX key seconds value
    static func setex(_ ctx: inout CommandContext) throws(CommandError) {
        try setWithExpiry(&ctx, kind: 1, command: "setex")
    }

    /// PSETEX key milliseconds value
    static func psetex(_ ctx: inout CommandContext) throws(CommandError) {
        try setWithExpiry(&ctx, kind: 2, command: "psetex")
    }

    /// SETEX and PSETEX (`kind` as `expireMilliseconds` takes it: 1 seconds, 2 milliseconds): the value with its
    /// expiry, propagated as SET ... PXAT so replicas and the AOF get the absolute time.
    static func setWithExpiry(_ ctx: inout CommandContext, kind: UInt8, command: String) throws(CommandError) {
        let at = try expireMilliseconds(ctx, index: 2, kind: kind, command: command)
        ctx.db.set(ctx.key(1), ctx.value(3), expireAt: at)
        ctx.notify(.string, "set", arg: 1)
        ctx.notify(.generic, "expire", arg: 1)
        if ctx.propagates { propagateSetPXAT(&ctx, expireAt: at, valueIndex: 3) }
        ctx.reply.ok()
    }

    /// GET key
    static func get(_ ctx: inout CommandContext) throws(CommandError) {
        let db = ctx.db
        guard let value = ctx.args[1].withUnsafeReadableBytes({ db.lookupRead(raw: $0) }) else {
            ctx.reply.null()
            return
        }
        guard value.isString else { throw .wrongType }
        replyValue(&ctx, value)
    }

    /// GETDEL key
    static func getdel(_ ctx: inout CommandContext) throws(CommandError) {
        let key = ctx.key(1)
        guard let value = try readString(ctx, key) else {
            ctx.reply.null()
            return
        }
        replyValue(&ctx, value)
        if ctx.db.remove(key) {
            ctx.notify(.generic, "del", arg: 1)
            if ctx.propagates { ctx.propagateInstead(CommandContext.arguments(.word("DEL"), .arg(ctx.args[1]))) }
        }
    }

    /// GETSET key value
    static func getset(_ ctx: inout CommandContext) throws(CommandError) {
        let key = ctx.key(1)
        if let old = try readString(ctx, key) { replyValue(&ctx, old) } else { ctx.reply.null() }
        ctx.db.set(key, ctx.value(2))
        ctx.notify(.string, "set", arg: 1)
        if ctx.propagates {
            ctx.propagateInstead(CommandContext.arguments(.word("SET"), .arg(ctx.args[1]), .arg(ctx.args[2])))
        }
    }

    /// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
    static func getex(_ ctx: inout CommandContext) throws(CommandError) {
        // Valkey's order: options syntax, then the key (missing → null, wrong type), then the expiry value.
        let o = try parseExtended(ctx, from: 2, mode: .getex)
        let key = ctx.key(1)
        guard let value = try readString(ctx, key) else {
            ctx.reply.null()
            return
        }
        var expireAt: Int64?
        if let index = o.expireIndex {
            expireAt = try expireMilliseconds(ctx, index: index, kind: o.expireKind, command: "getex")
        }
        replyValue(&ctx, value)
        if let expireAt {
            // A time already past deletes the key (Valkey: only EXAT/PXAT can be in the past).
            let deletes = ctx.keyspace.isAlreadyExpired(expireAt)
            _ = ctx.db.setExpire(key, at: expireAt)
            ctx.notify(.generic, deletes ? "del" : "expire", arg: 1)
            // Recorded as DEL or PEXPIREAT (Valkey): GETEX itself is never written.
            if ctx.propagates { KeyCommands.propagateExpiry(&ctx, deletes: deletes, at: expireAt, options: []) }
        } else if o.persist {
            if ctx.db.persist(key) {
                ctx.notify(.generic, "persist", arg: 1)
                if ctx.propagates {
                    ctx.propagateInstead(CommandContext.arguments(.word("PERSIST"), .arg(ctx.args[1])))
                }
            }
        }
    }

    /// MGET key [key ...]
    static func mget(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.arrayHeader(ctx.argc - 1)
        let db = ctx.db
        for i in 1..<ctx.argc {
            if let value = ctx.args[i].withUnsafeReadableBytes({ db.lookupRead(raw: $0) }), value.isString {
                replyValue(&ctx, value)
            } else {
                ctx.reply.null()
            }
        }
    }

    /// MSET key value [key value ...]
    static func mset(_ ctx: inout CommandContext) throws(CommandError) {
        guard ctx.argc % 2 == 1 else { throw .wrongArity(ctx.spec.name) }
        let db = ctx.db
        for i in stride(from: 1, to: ctx.argc, by: 2) {
            let value = ctx.value(i + 1)
            ctx.args[i].withUnsafeReadableBytes { db.set(raw: $0, value) }
            ctx.notify(.string, "set", arg: i)
        }
        ctx.reply.ok()
    }

    /// MSETNX key value [key value ...]
    static func msetnx(_ ctx: inout CommandContext) throws(CommandError) {
        guard ctx.argc % 2 == 1 else { throw .wrongArity(ctx.spec.name) }
        let db = ctx.db
        for i in stride(from: 1, to: ctx.argc, by: 2) where db.exists(ctx.key(i)) {
            ctx.reply.integer(0)
            return
        }
        for i in stride(from: 1, to: ctx.argc, by: 2) {
            db.set(ctx.key(i), ctx.value(i + 1))
            ctx.notify(.string, "set", arg: i)
        }
        ctx.reply.integer(1)
    }

    // MARK: - Counters

    /// INCR / DECR / INCRBY / DECRBY share this: the stored value must be a strict 64-bit integer.
    static func incrementGeneric(_ ctx: inout CommandContext, by delta: Int) throws(CommandError) {
        let db = ctx.db
        if let slot = ctx.args[1].withUnsafeReadableBytes({ db.slot(raw: $0) }) {
            let current: Int
            switch db.entry(slot).value {
            case .integer(let n): current = n
            case .string(let b, _):
                guard let n = b.integerValue else { throw .notInteger }
                current = n
            default: throw .wrongType
            }
            let (result, overflow) = current.addingReportingOverflow(delta)
            if overflow { throw .overflow }
            db.update(slot: slot, .integer(result))
            ctx.notify(.string, "incrby", arg: 1)
            ctx.reply.integer(result)
        } else {
            ctx.args[1].withUnsafeReadableBytes { db.set(raw: $0, .integer(delta)) }
            ctx.notify(.string, "incrby", arg: 1)
            ctx.reply.integer(delta)
        }
    }

    /// INCR key
    static func incr(_ ctx: inout CommandContext) throws(CommandError) { try incrementGeneric(&ctx, by: 1) }
    /// DECR key
    static func decr(_ ctx: inout CommandContext) throws(CommandError) { try incrementGeneric(&ctx, by: -1) }
    /// INCRBY key increment
    static func incrby(_ ctx: inout CommandContext) throws(CommandError) {
        try incrementGeneric(&ctx, by: try ctx.integer(2))
    }
    /// DECRBY key decrement
    static func decrby(_ ctx: inout CommandContext) throws(CommandError) {
        let n = try ctx.integer(2)
        if n == Int.min { throw .decrementOverflow }
        try incrementGeneric(&ctx, by: -n)
    }

    /// INCRBYFLOAT key increment. Computed in `long double` and printed without exponent, as Valkey does, so
    /// `0.1 + 0.2` is `0.3` here too.
    static func incrbyfloat(_ ctx: inout CommandContext) throws(CommandError) {
        #if arch(x86_64) || arch(i386)
        let key = ctx.key(1)
        let db = ctx.db
        var current: Float80 = 0
        let slot = db.slot(of: key)
        if let slot {
            switch db.entry(slot).value {
            case .integer(let n): current = Float80(n)
            case .string(let b, _):
                guard let v = b.withUnsafeBytes({ NumberFormat.parseLongDouble($0) }) else {
                    throw .notFloat
                }
                current = v
            default: throw .wrongType
            }
        }
        guard let increment = ctx.args[2].withUnsafeReadableBytes({ NumberFormat.parseLongDouble($0) }) else {
            throw .notFloat
        }
        let result = current + increment
        if result.isNaN || result.isInfinite { throw .incrementNaNOrInfinity }
        let text = NumberFormat.humanLongDouble(result)
        let value = Value.string(Bytes(text), raw: false)
        if let slot { db.update(slot: slot, value) } else { db.set(key, value) }
        ctx.notify(.string, "incrbyfloat", arg: 1)
        // Recorded as a SET of the result (Valkey), so that replay cannot round differently.
        if ctx.propagates {
            ctx.propagateInstead(
                CommandContext.arguments(.word("SET"), .arg(ctx.args[1]), .text(text), .word("KEEPTTL")))
        }
        ctx.reply.bulk(text)
        #else
        throw .incrbyfloatUnsupported
        #endif
    }

    // MARK: - Byte operations

    /// APPEND key value
    static func append(_ ctx: inout CommandContext) throws(CommandError) {
        let key = ctx.key(1)
        let db = ctx.db
        let suffix = ctx.args[2]
        guard let slot = db.slot(of: key) else {
            let value = ctx.bytes(2)
            db.set(key, .string(value, raw: false))
            ctx.notify(.string, "append", arg: 1)
            ctx.reply.integer(value.count)
            return
        }
        guard db.entry(slot).value.isString else { throw .wrongType }
        let currentLength = db.entry(slot).value.stringBytes?.count ?? 0
        if currentLength + suffix.readableBytes > ctx.dispatcher.protoMaxBulkLength { throw .stringTooLong }
        let newLength = db.mutate(slot: slot) { value -> Int in
            var bytes: Bytes
            switch value {
            case .integer(let n): bytes = Bytes(decimal: n)
            case .string(let b, _): bytes = b
            default: return 0  // unreachable: the type was checked above
            }
            value = .integer(0)  // drop the second reference so the append happens in place
            suffix.withUnsafeReadableBytes { bytes.storage.append(contentsOf: $0) }
            let count = bytes.count
            value = .string(bytes, raw: true)
            return count
        }
        ctx.notify(.string, "append", arg: 1)
        ctx.reply.integer(newLength)
    }

    /// STRLEN key
    static func strlen(_ ctx: inout CommandContext) throws(CommandError) {
        guard let value = try readString(ctx, ctx.key(1)) else {
            ctx.reply.integer(0)
            return
        }
        switch value {
        case .integer(let n): ctx.reply.integer(String(n).utf8.count)
        case .string(let b, _): ctx.reply.integer(b.count)
        default: throw .wrongType
        }
    }

    /// GETRANGE key start end
    static func getrange(_ ctx: inout CommandContext) throws(CommandError) {
        var start = try ctx.integer(2)
        var end = try ctx.integer(3)
        guard let value = try readString(ctx, ctx.key(1)), let bytes = value.stringBytes else {
            ctx.reply.bulk([UInt8]())
            return
        }
        if start < 0, end < 0, start > end {
            ctx.reply.bulk([UInt8]())
            return
        }
        let length = bytes.count
        if start < 0 { start = length + start }
        if end < 0 { end = length + end }
        if start < 0 { start = 0 }
        if end < 0 { end = 0 }
        if end >= length { end = length - 1 }
        if start > end || length == 0 {
            ctx.reply.bulk([UInt8]())
            return
        }
        bytes.withUnsafeBytes { ctx.reply.bulk(UnsafeRawBufferPointer(rebasing: $0[start...end])) }
    }

    /// SETRANGE key offset value
    static func setrange(_ ctx: inout CommandContext) throws(CommandError) {
        let offset = try ctx.integer(2)
        if offset < 0 { throw .offsetOutOfRange }
        let key = ctx.key(1)
        let db = ctx.db
        let patch = ctx.args[3]
        let slot = db.slot(of: key)
        if let slot, !db.entry(slot).value.isString { throw .wrongType }
        if patch.readableBytes == 0 {
            // Nothing to write: report the current length without creating the key.
            ctx.reply.integer(slot.flatMap { db.entry($0).value.stringBytes?.count } ?? 0)
            return
        }
        // Compared as a subtraction: `offset + length` overflows for offsets near Int.max.
        if offset > ctx.dispatcher.protoMaxBulkLength - patch.readableBytes { throw .stringTooLong }
        func apply(_ bytes: inout Bytes) {
            let needed = offset + patch.readableBytes
            if bytes.count < needed { bytes.storage.append(contentsOf: repeatElement(0, count: needed - bytes.count)) }
            patch.withUnsafeReadableBytes { src in
                bytes.storage.withUnsafeMutableBytes { dst in
                    UnsafeMutableRawBufferPointer(rebasing: dst[offset..<(offset + src.count)]).copyMemory(from: src)
                }
            }
        }
        guard let slot else {
            var bytes = Bytes.empty
            apply(&bytes)
            db.set(key, .string(bytes, raw: true))
            ctx.notify(.string, "setrange", arg: 1)
            ctx.reply.integer(bytes.count)
            return
        }
        let length = db.mutate(slot: slot) { value -> Int in
            var bytes = value.stringBytes ?? .empty
            value = .integer(0)
            apply(&bytes)
            let count = bytes.count
            value = .string(bytes, raw: true)
            return count
        }
        ctx.notify(.string, "setrange", arg: 1)
        ctx.reply.integer(length)
    }
}

// MARK: - LCS

extension StringCommands {
    /// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
    ///
    /// Valkey's dynamic programme over a table of (len1 + 1) x (len2 + 1) 32-bit cells, refused beyond
    /// `proto-max-bulk-len` bytes of table ("Insufficient memory, transient memory for LCS exceeds
    /// proto-max-bulk-len"), so no request can make the server allocate more than that.
    static func lcs(_ ctx: inout CommandContext) throws(CommandError) {
        let db = ctx.db
        let va = ctx.args[1].withUnsafeReadableBytes { db.lookupRead(raw: $0) }
        let vb = ctx.args[2].withUnsafeReadableBytes { db.lookupRead(raw: $0) }
        if (va != nil && !va!.isString) || (vb != nil && !vb!.isString) {
            throw .lcsNotStrings
        }
        var getLen = false
        var getIdx = false
        var withMatchLen = false
        var minMatchLen = 0
        var j = 3
        while j < ctx.argc {
            if ctx.argIs(j, "idx") {
                getIdx = true
            } else if ctx.argIs(j, "len") {
                getLen = true
            } else if ctx.argIs(j, "withmatchlen") {
                withMatchLen = true
            } else if ctx.argIs(j, "minmatchlen"), j + 1 < ctx.argc {
                minMatchLen = max(0, try ctx.integer(j + 1))
                j += 1
            } else {
                throw .syntax
            }
            j += 1
        }
        if getLen && getIdx { throw .lcsLenWithIdx }
        let a = va?.stringBytes?.storage ?? []
        let b = vb?.stringBytes?.storage ?? []
        let (rows, cols) = (a.count + 1, b.count + 1)
        let (cells, overflow) = rows.multipliedReportingOverflow(by: cols)
        if overflow || cells > ctx.dispatcher.protoMaxBulkLength / 4 {
            throw .lcsTooLarge
        }
        var table = [UInt32](repeating: 0, count: cells)
        for i in 1..<rows {
            for k in 1..<cols {
                table[i * cols + k] =
                    a[i - 1] == b[k - 1]
                    ? table[(i - 1) * cols + k - 1] + 1
                    : max(table[(i - 1) * cols + k], table[i * cols + k - 1])
            }
        }
        let length = Int(table[rows * cols - 1])
        if getLen && !getIdx {
            ctx.reply.integer(length)
            return
        }
        // Walk back from the end, collecting the string and (for IDX) the matching ranges, as Valkey does.
        var result = [UInt8](repeating: 0, count: length)
        var ranges: [(Int, Int, Int, Int)] = []
        var idx = length
        var (i, k) = (a.count, b.count)
        var aStart = a.count
        var aEnd = 0
        var bStart = 0
        var bEnd = 0
        while i > 0 && k > 0 {
            var emit = false
            if a[i - 1] == b[k - 1] {
                result[idx - 1] = a[i - 1]
                if aStart == a.count {
                    (aStart, aEnd, bStart, bEnd) = (i - 1, i - 1, k - 1, k - 1)
                } else if aStart == i && bStart == k {
                    aStart -= 1
                    bStart -= 1
                } else {
                    emit = true
                }
                if aStart == 0 || bStart == 0 { emit = true }
                idx -= 1
                i -= 1
                k -= 1
            } else {
                if table[(i - 1) * cols + k] > table[i * cols + k - 1] { i -= 1 } else { k -= 1 }
                if aStart != a.count { emit = true }
            }
            if emit {
                let matchLength = aEnd - aStart + 1
                if minMatchLen == 0 || matchLength >= minMatchLen { ranges.append((aStart, aEnd, bStart, bEnd)) }
                aStart = a.count
            }
        }
        guard getIdx else {
            ctx.reply.bulk(result)
            return
        }
        ctx.reply.mapHeader(2)
        ctx.reply.bulk("matches")
        ctx.reply.arrayHeader(ranges.count)
        for (s1, e1, s2, e2) in ranges {
            ctx.reply.arrayHeader(withMatchLen ? 3 : 2)
            ctx.reply.arrayHeader(2)
            ctx.reply.integer(s1)
            ctx.reply.integer(e1)
            ctx.reply.arrayHeader(2)
            ctx.reply.integer(s2)
            ctx.reply.integer(e2)
            if withMatchLen { ctx.reply.integer(e1 - s1 + 1) }
        }
        ctx.reply.bulk("len")
        ctx.reply.integer(length)
    }
}

// MARK: - DELIFEQ

extension StringCommands {
    /// DELIFEQ key value
    ///
    /// Valkey 9.0: deletes the key if it holds a string equal to `value` (1), else leaves it (0); another type is
    /// WRONGTYPE. Recorded in the AOF as DEL key; raises the `del` event.
    static func delifeq(_ ctx: inout CommandContext) throws(CommandError) {
        let key = ctx.key(1)
        guard let current = ctx.db.lookupWrite(key) else {
            ctx.reply.integer(0)
            return
        }
        guard let bytes = current.stringBytes else { throw .wrongType }
        guard Bytes.compare(bytes, ctx.bytes(2)) == 0 else {
            ctx.reply.integer(0)
            return
        }
        ctx.db.remove(key)
        ctx.notify(.generic, "del", arg: 1)
        if ctx.propagates { ctx.propagateInstead(CommandContext.arguments(.word("DEL"), .arg(ctx.args[1]))) }
        ctx.reply.integer(1)
    }
}
