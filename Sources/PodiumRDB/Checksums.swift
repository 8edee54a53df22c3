/// Redis' and Valkey's CRC-64 (Jones polynomial, reflected, initial value 0): the checksum of RDB files and of
/// DUMP payloads. The check value of "123456789" is 0xe9c6d914c4b8d9ca.
///
/// Computed eight bytes at a time ("slicing by 8", as Valkey's `crcspeed`): eight tables of 256 entries, where
/// table k advances a byte's contribution by k more bytes; the bytes that do not fill a word go one at a time.
public enum CRC64 {
    static let table: [UInt64] = (0..<256).map { i -> UInt64 in
        var crc = UInt64(i)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x95AC_9329_AC4B_C9B5 : crc >> 1 }
        return crc
    }

    /// `slices[k * 256 + i]`: the CRC of byte i followed by k zero bytes.
    static let slices: [UInt64] = {
        var out = table + [UInt64](repeating: 0, count: 7 * 256)
        for k in 1..<8 {
            for i in 0..<256 {
                let previous = out[(k - 1) * 256 + i]
                out[k * 256 + i] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return out
    }()

    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var crc = seed
        slices.withUnsafeBufferPointer { t in
            var i = 0
            let count = bytes.count
            while i + 8 <= count {
                crc ^= UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                crc =
                    t[7 * 256 + Int(crc & 0xFF)] ^ t[6 * 256 + Int((crc >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((crc >> 16) & 0xFF)] ^ t[4 * 256 + Int((crc >> 24) & 0xFF)]
                    ^ t[3 * 256 + Int((crc >> 32) & 0xFF)] ^ t[2 * 256 + Int((crc >> 40) & 0xFF)]
                    ^ t[256 + Int((crc >> 48) & 0xFF)] ^ t[Int(crc >> 56)]
                i += 8
            }
            while i < count {
                crc = t[Int((crc ^ UInt64(bytes[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return crc
    }

    /// One byte at a time (the definition; tests compare the fast form with it).
    public static func bytewiseChecksum(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var crc = seed
        table.withUnsafeBufferPointer { t in
            for byte in bytes { crc = t[Int((crc ^ UInt64(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc
    }
}

/// LZF decompression (liblzf's format, which Redis and Valkey use for RDB strings).
public enum LZF {
    /// The expanded bytes, or nil when `input` is not a valid LZF stream of exactly `expectedLength` bytes.
    public static func decompress(_ input: ArraySlice<UInt8>, expectedLength: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(expectedLength)
        var i = input.startIndex
        while i < input.endIndex {
            let control = Int(input[i])
            i += 1
            if control < 32 {
                // A literal run of control + 1 bytes.
                let count = control + 1
                guard i + count <= input.endIndex, out.count + count <= expectedLength else { return nil }
                out.append(contentsOf: input[i..<i + count])
                i += count
            } else {
                // A back reference: length (3 bits, 7 means one more byte) + 2, offset 13 bits + 1.
                var length = control >> 5
                if length == 7 {
                    guard i < input.endIndex else { return nil }
                    length += Int(input[i])
                    i += 1
                }
                guard i < input.endIndex else { return nil }
                let back = ((control & 0x1F) << 8 | Int(input[i])) + 1
                i += 1
                length += 2
                guard back <= out.count, out.count + length <= expectedLength else { return nil }
                let start = out.count - back
                for k in 0..<length { out.append(out[start + k]) }
            }
        }
        return out.count == expectedLength ? out : nil
    }
}

extension LZF {
    /// Bytes looked back at most (13-bit offsets).
    static let window = 1 << 13
    /// Longest back reference (3 bits, then one more byte, plus 2).
    static let longestMatch = 264
    static let hashBits = 14

    /// Compresses `input` in liblzf's format (which `decompress`, Redis and Valkey read). Returns nil when the
    /// result would be longer than `limit` bytes: the caller then stores the bytes as they are, as Valkey's
    /// `rdbSaveLzfStringObject` does when compression saves fewer than 4 bytes. `table` is scratch space the
    /// caller may keep between calls (one allocation per writer, not per string). It is never cleared, as liblzf
    /// never clears its own: an entry left by an earlier string is only a hint, used when it points before the
    /// current position and the bytes there match. Short strings use a table sized to them (a DUMP of one value
    /// allocates little), up to 2^14 entries.
    public static func compress(_ input: UnsafeRawBufferPointer, limit: Int, table: inout [Int32]) -> [UInt8]? {
        let n = input.count
        // Positions are kept as Int32: a string of 2 GiB or more is stored as it is.
        guard n >= 4, limit > 0, n <= Int(Int32.max) else { return nil }
        let bits = min(hashBits, max(8, Int.bitWidth - n.leadingZeroBitCount))
        if table.count < 1 << bits { table = [Int32](repeating: -1, count: 1 << bits) }
        var out = [UInt8]()
        out.reserveCapacity(min(limit, n))
        var literalStart = 0
        var ip = 0
        func emitLiterals(upTo end: Int, _ out: inout [UInt8]) {
            var start = literalStart
            while start < end {
                let count = min(32, end - start)
                out.append(UInt8(count - 1))
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[start..<start + count]))
                start += count
            }
            literalStart = end
        }
        return table.withUnsafeMutableBufferPointer { table -> [UInt8]? in
            while ip + 2 < n {
                let h = (Int(input[ip]) << 16 | Int(input[ip + 1]) << 8 | Int(input[ip + 2])) &* 2_654_435_761
                let slot = (h >> (32 - bits)) & ((1 << bits) - 1)
                let ref = Int(table[slot])
                table[slot] = Int32(ip)
                if ref >= 0, ref < ip, ip - ref - 1 < window, input[ref] == input[ip], input[ref + 1] == input[ip + 1],
                    input[ref + 2] == input[ip + 2]
                {
                    let longest = min(longestMatch, n - ip)
                    var length = 3
                    while length < longest, input[ref + length] == input[ip + length] { length += 1 }
                    emitLiterals(upTo: ip, &out)
                    let offset = ip - ref - 1
                    let stored = length - 2
                    if stored < 7 {
                        out.append(UInt8(stored << 5 | offset >> 8))
                    } else {
                        out.append(UInt8(7 << 5 | offset >> 8))
                        out.append(UInt8(stored - 7))
                    }
                    out.append(UInt8(offset & 0xFF))
                    ip += length
                    literalStart = ip
                } else {
                    ip += 1
                }
                if out.count > limit { return nil }
            }
            emitLiterals(upTo: n, &out)
            return out.count <= limit ? out : nil
        }
    }
}
