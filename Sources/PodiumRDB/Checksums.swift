/// Redis' and Valkey's CRC-64 (Jones polynomial, reflected, initial value 0): the checksum of RDB files and of
/// DUMP payloads. The check value of "123456789" is 0xe9c6d914c4b8d9ca.
public enum CRC64 {
    static let table: [UInt64] = (0..<256).map { i -> UInt64 in
        var crc = UInt64(i)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x95AC_9329_AC4B_C9B5 : crc >> 1 }
        return crc
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
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
