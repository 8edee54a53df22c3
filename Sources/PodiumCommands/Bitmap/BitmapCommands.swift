import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumNumbers
import PodiumRESP

/// Handlers of Valkey's `bitmap` group ("daily actives" as one bit per user id), following Valkey's `bitops.c`:
/// the same argument checks in the same order, the same range rules (BYTE and BIT units, negative indexes), and
/// BITFIELD's overflow arithmetic (WRAP, SAT, FAIL).
///
/// Bitmaps are strings. A write changes the string's bytes in place (`Database.withValue`: a long string's array
/// stays uniquely referenced, so setting one bit of a 125 KB bitmap copies nothing) and grows it with zero bytes
/// up to the bit it addresses; offsets are limited to `proto-max-bulk-len` bytes, as in Valkey.
public enum BitmapCommands {
    // MARK: - Shared helpers

    /// Valkey's `getBitOffsetFromArgument`: a non-negative integer whose byte is within `proto-max-bulk-len`;
    /// with `hashBits` (BITFIELD), `#n` means n times the field width.
    static func bitOffset(_ ctx: CommandContext, _ i: Int, hashBits: Int = 0) throws(CommandError) -> Int {
        let parsed = ctx.args[i].withUnsafeReadableBytes { raw -> Int? in
            if hashBits > 0, raw.first == UInt8(ascii: "#") {
                guard let n = StrictInteger.parse(UnsafeRawBufferPointer(rebasing: raw.dropFirst())) else { return nil }
                let (product, overflow) = n.multipliedReportingOverflow(by: hashBits)
                return overflow ? -1 : product
            }
            return StrictInteger.parse(raw)
        }
        guard let offset = parsed, offset >= 0, offset >> 3 < ctx.dispatcher.protoMaxBulkLength else {
            throw .bitOffsetOutOfRange
        }
        return offset
    }

    /// The string at argument `i` for reading, as bytes (integers in decimal); nil when missing.
    static func readBytes(_ ctx: CommandContext, _ i: Int = 1) throws(CommandError) -> Bytes? {
        try ctx.readValue(i) { $0.stringBytes }
    }

    /// Valkey's `lookupStringForBitCommand` + a change: makes the string at argument 1 at least `minBytes` long
    /// (created, or padded with zeros) and gives `body` its bytes to change in place. Returns `body`'s result
    /// and whether the string was created or grew (Valkey's `dirty`), and whether it was created (the creation
    /// already counted as a change: `Database.set`).
    static func modifyBits<R>(
        _ ctx: CommandContext, minBytes: Int,
        _ body: (UnsafeMutableRawBufferPointer) -> R
    ) throws(CommandError) -> (R, Bool, Bool) {
        let db = ctx.db
        guard let slot = ctx.args[1].withUnsafeReadableBytes({ db.slot(raw: $0) }) else {
            var bytes = [UInt8](repeating: 0, count: minBytes)
            let result = bytes.withUnsafeMutableBytes(body)
            ctx.args[1].withUnsafeReadableBytes { db.set(raw: $0, .string(Bytes(bytes), raw: true)) }
            return (result, true, true)
        }
        guard db.entry(slot).value.isString else { throw .wrongType }
        return db.withValue(slot: slot) { (value: inout Value) -> (R, Bool, Bool) in
            var bytes: Bytes
            switch value {
            case .integer(let n): bytes = Bytes(decimal: n)
            case .string(let b, _): bytes = b
            default: preconditionFailure("checked to be a string")
            }
            // The array is now referenced by `bytes` alone, so the change below does not copy it.
            value = .integer(0)
            var grew = false
            let result = { (storage: inout [UInt8]) -> R in
                if storage.count < minBytes {
                    storage.append(contentsOf: repeatElement(0, count: minBytes - storage.count))
                    grew = true
                }
                return storage.withUnsafeMutableBytes(body)
            }(&bytes.storage)
            value = .string(bytes, raw: true)
            return (result, grew, false)
        }
    }

    /// Set bits in `bytes` (a fast popcount over words).
    static func popcount(_ b: UnsafeRawBufferPointer) -> Int {
        var count = 0
        var i = 0
        let n = b.count
        while i + 8 <= n {
            count += b.loadUnaligned(fromByteOffset: i, as: UInt64.self).nonzeroBitCount
            i += 8
        }
        while i < n {
            count += b[i].nonzeroBitCount
            i += 1
        }
        return count
    }

    /// Valkey's `serverBitpos`: the position of the first bit equal to `bit` in `b`; for a clear bit not found,
    /// the position just past the end (the string is padded with zeros); for a set bit not found, -1.
    static func firstBit(_ b: UnsafeRawBufferPointer, _ bit: Int) -> Int {
        for i in 0..<b.count {
            let byte = bit == 1 ? b[i] : ~b[i]
            if byte != 0 { return i * 8 + byte.leadingZeroBitCount }
        }
        return bit == 1 ? -1 : b.count * 8
    }

    /// BITCOUNT and BITPOS ranges: `start` / `end` normalised over `length` bytes (or bits), as Valkey does.
    /// Returns nil for an empty range; otherwise byte indexes and the masks of the edge bytes' bits outside a
    /// BIT range.
    static func normalise(start: Int, end: Int, length: Int, bits: Bool) -> (Int, Int, UInt8, UInt8)? {
        let total = bits ? length << 3 : length
        var s = start < 0 ? total + start : start
        var e = end < 0 ? total + end : end
        if s < 0 { s = 0 }
        if e < 0 { e = 0 }
        if e >= total { e = total - 1 }
        guard s <= e else { return nil }
        if !bits { return (s, e, 0, 0) }
        let firstMask = UInt8(truncatingIfNeeded: ~((1 << (8 - (s & 7))) - 1) & 0xFF)
        let lastMask = UInt8(truncatingIfNeeded: (1 << (7 - (e & 7))) - 1)
        return (s >> 3, e >> 3, firstMask, lastMask)
    }

    /// The unit argument BYTE | BIT at `i`: true for BIT.
    static func unit(_ ctx: CommandContext, _ i: Int) throws(CommandError) -> Bool {
        if ctx.argIs(i, "bit") { return true }
        if ctx.argIs(i, "byte") { return false }
        throw .syntax
    }

    // MARK: - SETBIT / GETBIT

    /// SETBIT key offset value
    static func setbit(_ ctx: inout CommandContext) throws(CommandError) {
        let offset = try bitOffset(ctx, 2)
        guard let on = ctx.integerIfValid(3) else { throw .bitValueOutOfRange }
        guard on & ~1 == 0 else { throw .bitValueOutOfRange }
        let byte = offset >> 3
        let shift = 7 - (offset & 7)
        let (old, grew, created) = try modifyBits(ctx, minBytes: byte + 1) { b -> Int in
            let value = Int(b[byte])
            let bit = (value >> shift) & 1
            if bit != on { b[byte] = UInt8(truncatingIfNeeded: (value & ~(1 << shift)) | (on << shift)) }
            return bit
        }
        if grew || old != on {
            let db = ctx.db
            if !created, let slot = ctx.args[1].withUnsafeReadableBytes({ db.slot(raw: $0) }) {
                db.signalModified(slot: slot)
            }
            ctx.notify(.string, "setbit", arg: 1)
        }
        ctx.reply.integer(old)
    }

    /// GETBIT key offset
    static func getbit(_ ctx: inout CommandContext) throws(CommandError) {
        let offset = try bitOffset(ctx, 2)
        guard let bytes = try readBytes(ctx) else {
            ctx.reply.integer(0)
            return
        }
        let byte = offset >> 3
        let bit = bytes.withUnsafeBytes { b in byte < b.count ? (Int(b[byte]) >> (7 - (offset & 7))) & 1 : 0 }
        ctx.reply.integer(bit)
    }

    // MARK: - BITCOUNT / BITPOS

    /// BITCOUNT key [start end [BYTE | BIT]]
    ///
    /// `BITCOUNT key start` (no end) counts to the end of the string, as Valkey 8 does; redis-server 7.0 answers
    /// a syntax error.
    static func bitcount(_ ctx: inout CommandContext) throws(CommandError) {
        guard ctx.argc <= 5 else { throw .syntax }
        var start = 0
        var end = -1
        var bits = false
        if ctx.argc >= 3 {
            start = try ctx.integer(2)
            if ctx.argc == 5 { bits = try unit(ctx, 4) }
            if ctx.argc >= 4 { end = try ctx.integer(3) }
        }
        guard let bytes = try readBytes(ctx) else {
            ctx.reply.integer(0)
            return
        }
        if ctx.argc >= 4, start < 0, end < 0, start > end {
            ctx.reply.integer(0)
            return
        }
        let count = bytes.withUnsafeBytes { b -> Int in
            let e = ctx.argc >= 4 ? end : (bits ? (b.count << 3) - 1 : b.count - 1)
            guard let (s, last, firstMask, lastMask) = normalise(start: start, end: e, length: b.count, bits: bits)
            else {
                return 0
            }
            var count = popcount(UnsafeRawBufferPointer(rebasing: b[s...last]))
            // Bits of the edge bytes outside a BIT range.
            if firstMask != 0 { count -= (b[s] & firstMask).nonzeroBitCount }
            if lastMask != 0 { count -= (b[last] & lastMask).nonzeroBitCount }
            return count
        }
        ctx.reply.integer(count)
    }

    /// BITPOS key bit [start [end [BYTE | BIT]]]
    static func bitpos(_ ctx: inout CommandContext) throws(CommandError) {
        guard let bit = ctx.integerIfValid(2) else { throw .notInteger }
        guard bit == 0 || bit == 1 else { throw .bitArgument }
        guard ctx.argc <= 6 else { throw .syntax }
        var start = 0
        var end = -1
        var bits = false
        let endGiven = ctx.argc >= 5
        if ctx.argc >= 4 {
            start = try ctx.integer(3)
            if ctx.argc == 6 { bits = try unit(ctx, 5) }
            if endGiven { end = try ctx.integer(4) }
        }
        guard let bytes = try readBytes(ctx) else {
            ctx.reply.integer(bit == 1 ? -1 : 0)
            return
        }
        let position = bytes.withUnsafeBytes { b -> Int in
            let e = endGiven ? end : (bits ? (b.count << 3) - 1 : b.count - 1)
            guard let (s, last, firstMask, lastMask) = normalise(start: start, end: e, length: b.count, bits: bits)
            else {
                return -1
            }
            // Copy the range, forcing the bits outside a BIT range to the opposite of what is sought.
            var range = Array(b[s...last])
            if firstMask != 0 { range[0] = bit == 1 ? range[0] & ~firstMask : range[0] | firstMask }
            if lastMask != 0 {
                let k = range.count - 1
                range[k] = bit == 1 ? range[k] & ~lastMask : range[k] | lastMask
            }
            let found = range.withUnsafeBytes { firstBit($0, bit) }
            // With an explicit end, a clear bit is not looked for past the range.
            if endGiven, bit == 0, found == range.count * 8 { return -1 }
            return found == -1 ? -1 : found + s * 8
        }
        ctx.reply.integer(position)
    }

    // MARK: - BITOP

    /// BITOP AND | OR | XOR | NOT destkey key [key ...]
    static func bitop(_ ctx: inout CommandContext) throws(CommandError) {
        enum Op { case and, or, xor, not }
        guard let op = ctx.choice(1, ["and": Op.and, "or": .or, "xor": .xor, "not": .not]) else { throw .syntax }
        if op == .not, ctx.argc != 4 { throw .bitopNotSingleSource }
        var sources: [Bytes?] = []
        for i in 3..<ctx.argc { sources.append(try readBytes(ctx, i)) }
        let maxLength = sources.reduce(0) { max($0, $1?.count ?? 0) }
        var result = [UInt8](repeating: 0, count: maxLength)
        if maxLength > 0 {
            result.withUnsafeMutableBytes { out in
                for (n, source) in sources.enumerated() {
                    (source ?? Bytes.empty).withUnsafeBytes { b in
                        for i in 0..<maxLength {
                            let v: UInt8 = i < b.count ? b[i] : 0
                            switch op {
                            case .not: out[i] = ~v
                            case .and: out[i] = n == 0 ? v : out[i] & v
                            case .or: out[i] |= v
                            case .xor: out[i] ^= v
                            }
                        }
                    }
                }
            }
        }
        let db = ctx.db
        if maxLength > 0 {
            ctx.args[2].withUnsafeReadableBytes { db.set(raw: $0, .string(Bytes(result), raw: true)) }
            ctx.notify(.string, "set", arg: 2)
        } else if ctx.args[2].withUnsafeReadableBytes({ db.remove(raw: $0) }) {
            ctx.notify(.generic, "del", arg: 2)
        }
        ctx.reply.integer(maxLength)
    }

    // MARK: - BITFIELD

    enum Overflow { case wrap, sat, fail }

    struct FieldOp {
        enum Kind { case get, set, incrby }
        var kind: Kind
        var signed: Bool
        var bits: Int
        var offset: Int
        var value: Int
        var overflow: Overflow
    }

    /// BITFIELD key [GET encoding offset | [OVERFLOW WRAP | SAT | FAIL] SET encoding offset value |
    /// INCRBY encoding offset increment ...]
    static func bitfield(_ ctx: inout CommandContext) throws(CommandError) {
        try bitfieldGeneric(&ctx, readOnly: false)
    }

    /// BITFIELD_RO key [GET encoding offset ...]
    static func bitfieldRO(_ ctx: inout CommandContext) throws(CommandError) {
        try bitfieldGeneric(&ctx, readOnly: true)
    }

    static func bitfieldGeneric(_ ctx: inout CommandContext, readOnly: Bool) throws(CommandError) {
        var ops: [FieldOp] = []
        var overflow = Overflow.wrap
        var writes = false
        var highestBit = 0
        var j = 2
        while j < ctx.argc {
            let remaining = ctx.argc - j - 1
            let kind: FieldOp.Kind
            if ctx.argIs(j, "get"), remaining >= 2 {
                kind = .get
            } else if ctx.argIs(j, "set"), remaining >= 3 {
                kind = .set
            } else if ctx.argIs(j, "incrby"), remaining >= 3 {
                kind = .incrby
            } else if ctx.argIs(j, "overflow"), remaining >= 1 {
                guard let named = ctx.choice(j + 1, ["wrap": Overflow.wrap, "sat": .sat, "fail": .fail]) else {
                    throw .bitfieldOverflowType
                }
                overflow = named
                j += 2
                continue
            } else {
                throw .syntax
            }
            let (signed, bits) = try fieldType(ctx, j + 1)
            let offset = try bitOffset(ctx, j + 2, hashBits: bits)
            var value = 0
            if kind != .get {
                writes = true
                highestBit = max(highestBit, offset + bits - 1)
                value = try ctx.integer(j + 3)
            }
            ops.append(
                FieldOp(kind: kind, signed: signed, bits: bits, offset: offset, value: value, overflow: overflow))
            j += kind == .get ? 3 : 4
        }
        if writes, readOnly { throw .bitfieldReadOnly }
        if !writes {
            let bytes = try readBytes(ctx) ?? Bytes.empty
            ctx.reply.arrayHeader(ops.count)
            bytes.withUnsafeBytes { b in
                for op in ops { ctx.reply.integer(readField(b, op)) }
            }
            return
        }
        var replies: [Int?] = []
        var changes = 0
        var applied = 0
        let (_, grew, created) = try modifyBits(ctx, minBytes: (highestBit >> 3) + 1) { b in
            for op in ops {
                if op.kind == .get {
                    replies.append(readField(UnsafeRawBufferPointer(b), op))
                    continue
                }
                let old = UInt64(bitPattern: Int64(readField(UnsafeRawBufferPointer(b), op)))
                guard let (new, reply) = applyField(old, op) else {
                    replies.append(nil)
                    continue
                }
                replies.append(reply)
                writeField(b, op, new)
                applied += 1
                if new != old { changes += 1 }
            }
        }
        // Valkey counts every applied write as a change when the string was created or grew.
        if grew { changes = applied }
        ctx.reply.arrayHeader(replies.count)
        for r in replies {
            if let r { ctx.reply.integer(r) } else { ctx.reply.null() }
        }
        if changes > 0 {
            // Valkey adds each change to `server.dirty` (INFO rdb_changes_since_last_save); creating the key, or
            // signalling it modified, counted one of them.
            let db = ctx.db
            if !created, let slot = ctx.args[1].withUnsafeReadableBytes({ db.slot(raw: $0) }) {
                db.signalModified(slot: slot)
            }
            ctx.keyspace.dirty &+= changes - 1
            ctx.notify(.string, "setbit", arg: 1)
        }
    }

    /// Valkey's `getBitfieldTypeFromArgument`: i1…i64, u1…u63.
    static func fieldType(_ ctx: CommandContext, _ i: Int) throws(CommandError) -> (Bool, Int) {
        let parsed = ctx.args[i].withUnsafeReadableBytes { raw -> (Bool, Int)? in
            guard let first = raw.first, first == UInt8(ascii: "i") || first == UInt8(ascii: "u") else { return nil }
            let signed = first == UInt8(ascii: "i")
            guard let bits = StrictInteger.parse(UnsafeRawBufferPointer(rebasing: raw.dropFirst())), bits >= 1,
                bits <= (signed ? 64 : 63)
            else { return nil }
            return (signed, bits)
        }
        guard let parsed else {
            throw .bitfieldType
        }
        return parsed
    }

    /// The field's value (sign-extended when signed); bits past the end of the string read as zero.
    static func readField(_ b: UnsafeRawBufferPointer, _ op: FieldOp) -> Int {
        var value: UInt64 = 0
        var offset = op.offset
        for _ in 0..<op.bits {
            let byte = offset >> 3
            let bit: UInt64 = byte < b.count ? UInt64((b[byte] >> UInt8(7 - (offset & 7))) & 1) : 0
            value = (value << 1) | bit
            offset += 1
        }
        if op.signed, op.bits < 64, value & (1 << UInt64(op.bits - 1)) != 0 { value |= UInt64.max << UInt64(op.bits) }
        return Int(Int64(bitPattern: value))
    }

    static func writeField(_ b: UnsafeMutableRawBufferPointer, _ op: FieldOp, _ value: UInt64) {
        var offset = op.offset
        for k in stride(from: op.bits - 1, through: 0, by: -1) {
            let byte = offset >> 3
            let shift = UInt8(7 - (offset & 7))
            let bit = UInt8((value >> UInt64(k)) & 1)
            b[byte] = (b[byte] & ~(1 << shift)) | (bit << shift)
            offset += 1
        }
    }

    /// SET / INCRBY of one field: the new bits and the reply (SET: the old value; INCRBY: the new value), or nil
    /// when OVERFLOW FAIL refuses (Valkey's `checkSignedBitfieldOverflow` / `checkUnsignedBitfieldOverflow`).
    static func applyField(_ old: UInt64, _ op: FieldOp) -> (UInt64, Int)? {
        let bits = UInt64(op.bits)
        if op.signed {
            let oldValue = Int64(bitPattern: old)
            let base = op.kind == .incrby ? oldValue : Int64(op.value)
            let incr = op.kind == .incrby ? Int64(op.value) : 0
            let max: Int64 = bits == 64 ? Int64.max : (Int64(1) << (bits - 1)) - 1
            let min = -max - 1
            let maxIncr = Int64(bitPattern: UInt64(bitPattern: max) &- UInt64(bitPattern: base))
            let minIncr = min &- base
            var result = base &+ incr
            if base > max || (bits != 64 && incr > maxIncr) || (base >= 0 && incr > 0 && incr > maxIncr) {
                switch op.overflow {
                case .fail: return nil
                case .sat: result = max
                case .wrap: result = wrapSigned(base, incr, bits)
                }
            } else if base < min || (bits != 64 && incr < minIncr) || (base < 0 && incr < 0 && incr < minIncr) {
                switch op.overflow {
                case .fail: return nil
                case .sat: result = min
                case .wrap: result = wrapSigned(base, incr, bits)
                }
            }
            let stored = UInt64(bitPattern: result) & (bits == 64 ? UInt64.max : (1 << bits) - 1)
            return (stored, op.kind == .incrby ? Int(result) : Int(oldValue))
        }
        let base: UInt64 = op.kind == .incrby ? old : UInt64(bitPattern: Int64(op.value))
        let incr: Int64 = op.kind == .incrby ? Int64(op.value) : 0
        let max: UInt64 = (1 << bits) - 1
        let maxIncr = Int64(bitPattern: max &- base)
        let minIncr = Int64(bitPattern: 0 &- base)
        var result = base &+ UInt64(bitPattern: incr)
        if base > max || (incr > 0 && incr > maxIncr) {
            switch op.overflow {
            case .fail: return nil
            case .sat: result = max
            case .wrap: result = (base &+ UInt64(bitPattern: incr)) & max
            }
        } else if incr < 0 && incr < minIncr {
            switch op.overflow {
            case .fail: return nil
            case .sat: result = 0
            case .wrap: result = (base &+ UInt64(bitPattern: incr)) & max
            }
        }
        return (result & max, op.kind == .incrby ? Int(result & max) : Int(old))
    }

    /// Two's-complement wrap of `value + incr` to `bits` bits, sign-extended.
    static func wrapSigned(_ value: Int64, _ incr: Int64, _ bits: UInt64) -> Int64 {
        var c = UInt64(bitPattern: value) &+ UInt64(bitPattern: incr)
        if bits < 64 {
            let mask = UInt64.max << bits
            if c & (1 << (bits - 1)) != 0 { c |= mask } else { c &= ~mask }
        }
        return Int64(bitPattern: c)
    }
}
