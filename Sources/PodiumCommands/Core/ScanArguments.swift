import NIOCore
import PodiumKeyspace
import PodiumRESP

/// The arguments of SCAN, HSCAN and ZSCAN, parsed once with Valkey's rules (`scanGenericCommand`), so the three
/// commands cannot drift apart in what they accept or in their error texts.
struct ScanArguments {
    var cursor: UInt64 = 0
    /// The MATCH pattern; nil for none and for `*`.
    var pattern: [UInt8]?
    var count = 10
    /// SCAN's TYPE filter, lower-cased.
    var type: String?
    /// HSCAN's NOVALUES, ZSCAN's NOSCORES (Valkey 8).
    var noValues = false

    /// The cursor argument: an unsigned decimal number (`strtoull`-like), else `ERR invalid cursor`.
    static func cursor(_ ctx: CommandContext, at i: Int) throws(CommandError) -> UInt64 {
        let parsed = ctx.args[i].withUnsafeReadableBytes { raw -> UInt64? in
            guard raw.count > 0, raw.count <= 20 else { return nil }
            var value: UInt64 = 0
            for c in raw {
                guard c >= 48, c <= 57 else { return nil }
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(c - 48))
                if o1 || o2 { return nil }
                value = a
            }
            return value
        }
        guard let parsed else { throw .invalidCursor }
        return parsed
    }

    /// Parses `[MATCH pattern] [COUNT count]` (plus TYPE or NOVALUES where allowed) from argument `from` on.
    mutating func parseOptions(
        _ ctx: CommandContext, from: Int, allowType: Bool = false,
        allowNoValues: Bool = false, allowNoScores: Bool = false
    ) throws(CommandError) {
        var j = from
        while j < ctx.argc {
            let remaining = ctx.argc - j - 1
            if ctx.argIs(j, "count"), remaining >= 1 {
                count = try ctx.integer(j + 1)
                if count < 1 { throw .syntax }
                j += 2
            } else if ctx.argIs(j, "match"), remaining >= 1 {
                let p = ctx.bytes(j + 1).storage
                pattern = p == [UInt8(ascii: "*")] ? nil : p
                j += 2
            } else if allowType, ctx.argIs(j, "type"), remaining >= 1 {
                type = ctx.lowercased(j + 1)
                j += 2
            } else if ctx.argIs(j, "novalues") {
                // Valkey 8 names the command the option belongs to.
                guard allowNoValues else { throw .novaluesOutsideHscan }
                noValues = true
                j += 1
            } else if ctx.argIs(j, "noscores") {
                guard allowNoScores else { throw .noscoresOutsideZscan }
                noValues = true
                j += 1
            } else {
                throw .syntax
            }
        }
    }

    func matches(_ name: Bytes) -> Bool {
        guard let pattern else { return true }
        return GlobPattern.matches(pattern: pattern, name)
    }

    /// The start HSCAN, SSCAN and ZSCAN share, in Valkey's order: the cursor, then the key (a missing key is an
    /// empty scan, whatever the options), then the options. Nil when the key is missing and the reply is written.
    static func begin<Object>(
        _ ctx: inout CommandContext, read: (CommandContext, Int) throws(CommandError) -> Object?,
        allowNoValues: Bool = false, allowNoScores: Bool = false
    ) throws(CommandError) -> (ScanArguments, Object)? {
        var scan = ScanArguments()
        scan.cursor = try cursor(ctx, at: 2)
        guard let object = try read(ctx, 1) else {
            replyHeader(&ctx, next: 0, elements: 0)
            return nil
        }
        try scan.parseOptions(ctx, from: 3, allowNoValues: allowNoValues, allowNoScores: allowNoScores)
        return (scan, object)
    }

    /// `*2 $<n> <next cursor> *<elements>`: what comes before the elements of a scan's reply.
    static func replyHeader(_ ctx: inout CommandContext, next: UInt64, elements: Int) {
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk(String(next))
        ctx.reply.arrayHeader(elements)
    }
}

/// HRANDFIELD and ZRANDMEMBER: `key [count [WITHVALUES | WITHSCORES]]`, with Valkey's count rules — no count is
/// one element, a positive count that many distinct elements (at most all), a negative count that many picks
/// with repeats.
enum RandomSelection {
    /// Valkey's checks, made before the key is looked at: the count within ±LONG_MAX, and with the flag (two
    /// elements per pick) within ±LONG_MAX / 2.
    static func parse(_ ctx: CommandContext, flag: StaticString) throws(CommandError) -> (count: Int?, withFlag: Bool) {
        guard ctx.argc >= 3 else { return (nil, false) }
        let count = try ctx.integer(2)
        guard count != Int.min else { throw .outOfRange(min: -Int.max, max: Int.max) }
        if ctx.argc > 4 { throw .syntax }
        if ctx.argc == 4 {
            guard ctx.argIs(3, flag) else { throw .syntax }
            if count < -(Int.max / 2) || count > Int.max / 2 { throw .outOfRange }
            return (count, true)
        }
        return (count, false)
    }

    /// Indices into a collection of `size` elements for `count` (non-zero, `size` > 0).
    static func indices(count: Int, size: Int, using rng: inout SplitMix64) -> [Int] {
        if count < 0 { return (0..<(-count)).map { _ in Int.random(in: 0..<size, using: &rng) } }
        return Array((0..<size).shuffled(using: &rng).prefix(count))
    }

    /// Podium's limit on picks with repeats (a negative count): at most 2^25 (33,554,432) elements in one reply.
    /// Valkey has no limit and builds the reply until the client's output buffer limit closes it (none by
    /// default): `SRANDMEMBER key -9223372036854775807` would exhaust memory.
    static let maxRepeatedPicks = 1 << 25

    /// Refuses a negative count beyond `maxRepeatedPicks` with Valkey's `value is out of range`.
    static func checkRepeatedPicks(_ count: Int) throws(CommandError) {
        if count < -maxRepeatedPicks { throw .outOfRange }
    }
}
