/// Cluster hash slots (Valkey's `keyHashSlot`): CRC16 (XMODEM, polynomial 0x1021, initial value 0) of the key, or
/// of its hash tag, modulo 16384. The hash tag is the part between the first `{` and the first `}` after it,
/// when that part is not empty: `{user:1}:profile` and `{user:1}:sessions` share a slot.
public enum HashSlot {
    /// The number of slots.
    public static let count = 16384

    /// The slot of `key`.
    @inlinable public static func of(_ key: UnsafeRawBufferPointer) -> Int {
        let n = key.count
        var start = 0
        while start < n, key[start] != UInt8(ascii: "{") { start += 1 }
        if start < n {
            var end = start + 1
            while end < n, key[end] != UInt8(ascii: "}") { end += 1 }
            // `{}` or no closing brace: the whole key.
            if end < n, end > start + 1 {
                return Int(crc16(UnsafeRawBufferPointer(rebasing: key[(start + 1)..<end])) & 0x3FFF)
            }
        }
        return Int(crc16(key) & 0x3FFF)
    }

    /// The slot of `key`.
    public static func of(_ key: Bytes) -> Int { key.withUnsafeBytes { of($0) } }

    /// CRC16-CCITT (XMODEM), table-driven as Valkey's crc16.c.
    @inlinable public static func crc16(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var crc: UInt16 = 0
        table.withUnsafeBufferPointer { t in
            for b in bytes {
                crc = (crc << 8) ^ t[Int((crc >> 8) ^ UInt16(b)) & 0xFF]
            }
        }
        return crc
    }

    @usableFromInline static let table: [UInt16] = (0..<256).map { i -> UInt16 in
        var crc = UInt16(i) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
