import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SORT and SORT_RO (Valkey's `sort.c`), on lists, sets and sorted sets.
///
/// - Numeric by default: each element (or its BY value) must parse whole with `strtod`, else "One or more
///   scores can't be converted into double"; equal scores order by the elements' bytes. ALPHA compares bytes (as
///   C strings, `strcoll` in the C locale); with STORE, or with BY, the whole binary values.
/// - `BY pattern` replaces the first `*` with the element to name a key (a string, or with `->field` a hash
///   field); a missing one weighs 0 (or sorts first with ALPHA). A BY pattern without `*` means "do not sort":
///   a list or sorted set keeps its order (reversed with DESC) and LIMIT only cuts it; a set is then sorted
///   ALPHA anyway when the result is stored, as Valkey does so that a replay gives the same list.
/// - `GET pattern` (repeatable) returns the pattern's value for each element (`#`: the element itself), nil
///   when missing (an empty string in a stored result).
/// - `STORE destination` writes the result as a list (deleting the destination when it is empty) and replies
///   its length.
extension KeyCommands {
    /// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]
    static func sort(_ ctx: inout CommandContext) throws(CommandError) { try sortGeneric(&ctx, readOnly: false) }

    /// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]
    static func sortRO(_ ctx: inout CommandContext) throws(CommandError) { try sortGeneric(&ctx, readOnly: true) }

    struct SortItem {
        var element: Bytes
        var score: Double = 0
        var by: Bytes?
    }

    static func sortGeneric(_ ctx: inout CommandContext, readOnly: Bool) throws(CommandError) {
        var desc = false
        var alpha = false
        var limitStart = 0
        var limitCount = -1
        var store: Int?
        var by: Bytes?
        var dontSort = false
        var gets: [Bytes] = []
        let user = ctx.dispatcher.acl.user(of: ctx.client)
        let fullKeyAccess = user.hasUnrestrictedKeyAccess(.read)
        var j = 2
        while j < ctx.argc {
            let left = ctx.argc - j - 1
            if ctx.argIs(j, "asc") {
                desc = false
            } else if ctx.argIs(j, "desc") {
                desc = true
            } else if ctx.argIs(j, "alpha") {
                alpha = true
            } else if ctx.argIs(j, "limit"), left >= 2 {
                limitStart = try ctx.integer(j + 1)
                limitCount = try ctx.integer(j + 2)
                j += 2
            } else if !readOnly, ctx.argIs(j, "store"), left >= 1 {
                store = j + 1
                j += 1
            } else if ctx.argIs(j, "by"), left >= 1 {
                let pattern = ctx.bytes(j + 1)
                by = pattern
                // As Valkey: once any BY pattern lacks a `*` the result is not sorted, even if a later BY has one.
                if !pattern.withUnsafeBytes({ $0.contains(UInt8(ascii: "*")) }) {
                    dontSort = true
                } else if !fullKeyAccess {
                    throw .sortOptionDenied("BY")
                }
                j += 1
            } else if ctx.argIs(j, "get"), left >= 1 {
                guard fullKeyAccess else { throw .sortOptionDenied("GET") }
                gets.append(ctx.bytes(j + 1))
                j += 1
            } else {
                throw .syntax
            }
            j += 1
        }
        let db = ctx.db
        let value = ctx.args[1].withUnsafeReadableBytes { db.lookupRead(raw: $0) }
        var kind = 0  // 0: missing (an empty list), 1: list, 2: set, 3: sorted set
        switch value {
        case nil: kind = 0
        case .list?: kind = 1
        case .set?: kind = 2
        case .sortedSet?: kind = 3
        default: throw .wrongType
        }
        // Valkey converts a sorted set it sorts to a skiplist, for good (even SORT_RO; the object is copied first
        // when a point-in-time view shares it).
        if case .sortedSet(let z)? = value, !z.isSkiplist {
            _ = try SortedSetCommands.modifySet(ctx, create: false, changed: { _ in false }) { $0.convertToSkiplist() }
        }
        if dontSort, kind == 2, store != nil || ctx.client.isScript {
            // A set's order is arbitrary: stored results (and a script's) are sorted so that a replay gives the
            // same list.
            dontSort = false
            alpha = true
            by = nil
        }
        var total = 0
        switch value {
        case .list(let l)?: total = l.count
        case .set(let s)?: total = s.count
        case .sortedSet(let z)?: total = z.count
        default: total = 0
        }
        var start = min(max(limitStart, 0), total)
        let count = min(max(limitCount, -1), total)
        var end = count < 0 ? total - 1 : start + count - 1
        if start >= total {
            start = total - 1
            end = total - 2
        }
        if end >= total { end = total - 1 }

        // The elements; for an unsorted list or sorted set, only the LIMIT window, in order (reversed for DESC).
        var items: [SortItem] = []
        let window = (kind == 1 || kind == 3) && dontSort
        switch value {
        case .list(let l)?:
            if window {
                if end >= start {
                    let n = end - start + 1
                    l.forEach(from: desc ? total - start - 1 : start, count: n, reverse: desc) {
                        items.append(SortItem(element: Bytes(raw: $0)))
                    }
                    end -= start
                    start = 0
                }
            } else {
                items.reserveCapacity(total)
                l.forEach(from: 0, count: total, reverse: false) { items.append(SortItem(element: Bytes(raw: $0))) }
            }
        case .set(let s)?:
            items.reserveCapacity(total)
            s.forEach { items.append(SortItem(element: Bytes(raw: $0))) }
        case .sortedSet(let z)?:
            if window {
                if end >= start {
                    // Ranks start...end counted from the top when DESC (ZREVRANGE's order).
                    let ranks = desc ? (total - 1 - end)..<(total - start) : start..<(end + 1)
                    z.forEach(ranks: ranks, reverse: desc) { m, _ in items.append(SortItem(element: Bytes(raw: m))) }
                    end -= start
                    start = 0
                }
            } else {
                items.reserveCapacity(total)
                z.forEach { m, _ in items.append(SortItem(element: Bytes(raw: m))) }
            }
        default: break
        }

        if !dontSort {
            var conversionError = false
            for k in items.indices {
                let weight: Bytes?
                if let by {
                    weight = lookupByPattern(db, by, items[k].element)
                    guard weight != nil else { continue }
                } else {
                    weight = items[k].element
                }
                if alpha {
                    if by != nil { items[k].by = weight }
                } else if let weight {
                    if let score = weight.withUnsafeBytes({ sortScore($0) }) {
                        items[k].score = score
                    } else {
                        conversionError = true
                    }
                }
            }
            if conversionError { throw .sortScoreNotDouble }
            let binary = store != nil
            items.sort { a, b in
                var cmp: Int
                if !alpha {
                    cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : Bytes.compare(a.element, b.element)
                } else if by != nil {
                    switch (a.by, b.by) {
                    case (nil, nil): cmp = 0
                    case (nil, _): cmp = -1
                    case (_, nil): cmp = 1
                    case (let x?, let y?): cmp = binary ? Bytes.compare(x, y) : collate(x, y)
                    }
                } else {
                    cmp = binary ? Bytes.compare(a.element, b.element) : collate(a.element, b.element)
                }
                return desc ? cmp > 0 : cmp < 0
            }
        }

        let selected = end >= start ? Array(items[start...end]) : []
        if let store {
            var list = ListObject()
            var outputs: [Bytes] = []
            for item in selected {
                if gets.isEmpty {
                    outputs.append(item.element)
                } else {
                    for pattern in gets { outputs.append(lookupByPattern(db, pattern, item.element) ?? Bytes.empty) }
                }
            }
            let limits = ctx.keyspace.listLimits
            list.prepareToGrow(addBytes: outputs.reduce(0) { $0 + $1.count }, addCount: outputs.count, limits: limits)
            for o in outputs { o.withUnsafeBytes { list.push($0, front: false, limits: limits) } }
            if !outputs.isEmpty {
                ctx.args[store].withUnsafeReadableBytes { db.set(raw: $0, .list(list)) }
                ctx.notify(.list, "sortstore", arg: store)
            } else if ctx.args[store].withUnsafeReadableBytes({ db.remove(raw: $0) }) {
                ctx.notify(.generic, "del", arg: store)
            }
            ctx.reply.integer(outputs.count)
            return
        }
        ctx.reply.arrayHeader(gets.isEmpty ? selected.count : selected.count * gets.count)
        for item in selected {
            if gets.isEmpty {
                item.element.withUnsafeBytes { ctx.reply.bulk($0) }
                continue
            }
            for pattern in gets {
                if let v = lookupByPattern(db, pattern, item.element) {
                    v.withUnsafeBytes { ctx.reply.bulk($0) }
                } else {
                    ctx.reply.null()
                }
            }
        }
    }

    /// Valkey's `lookupKeyByPattern`: `#` is the element; else the first `*` is replaced by the element and the
    /// key read (a string, or with `->field` after the `*` a hash field); nil when missing or of another type,
    /// or when the pattern has no `*`.
    static func lookupByPattern(_ db: Database, _ pattern: Bytes, _ element: Bytes) -> Bytes? {
        pattern.withUnsafeBytes { p -> Bytes? in
            if p.count == 1, p[0] == UInt8(ascii: "#") { return element }
            guard let star = p.firstIndex(of: UInt8(ascii: "*")) else { return nil }
            var fieldStart: Int?
            var k = star + 1
            while k + 1 < p.count {
                if p[k] == UInt8(ascii: "-"), p[k + 1] == UInt8(ascii: ">"), k + 2 < p.count {
                    fieldStart = k + 2
                    break
                }
                k += 1
            }
            let postfixEnd = fieldStart.map { $0 - 2 } ?? p.count
            var key: [UInt8] = Array(p[0..<star])
            element.withUnsafeBytes { key.append(contentsOf: $0) }
            key.append(contentsOf: p[(star + 1)..<postfixEnd])
            guard let value = key.withUnsafeBytes({ db.lookupRead(raw: $0) }) else { return nil }
            if let fieldStart {
                guard case .hash(let h) = value else { return nil }
                return h.get(UnsafeRawBufferPointer(rebasing: p[fieldStart...]))
            }
            return value.stringBytes
        }
    }

    /// The number SORT sorts by: the whole text must parse with `strtod` (an empty string is 0; leading spaces,
    /// hex and `inf` are accepted), no NaN, no overflow.
    static func sortScore(_ raw: UnsafeRawBufferPointer) -> Double? {
        if raw.contains(0) { return nil }
        return NumberFormat.withCString(raw) { text, textEnd -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtod(text, &end)
            guard end == textEnd, errno != ERANGE, !value.isNaN else { return nil }
            return value
        }
    }

    /// `strcoll` in the C locale: bytes compared as unsigned, up to the first NUL of each.
    static func collate(_ a: Bytes, _ b: Bytes) -> Int {
        a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                let xs = x.firstIndex(of: 0) ?? x.count
                let ys = y.firstIndex(of: 0) ?? y.count
                let common = min(xs, ys)
                if common > 0 {
                    let r = memcmp(x.baseAddress!, y.baseAddress!, common)
                    if r != 0 { return Int(r) }
                }
                return xs - ys
            }
        }
    }
}
