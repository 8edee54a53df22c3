/// Validating decoders of the packed structures RDB files and DUMP payloads carry inside strings: Valkey's
/// listpack, the older ziplist and zipmap, and the intset. Each returns the elements in order, as bytes (integers
/// as their decimal text), or throws on any inconsistency: these bytes come from outside.
public enum PackedFormats {
    /// One element of a packed structure.
    public enum Element: Equatable {
        case bytes(ArraySlice<UInt8>)
        case integer(Int64)

        public var array: [UInt8] {
            switch self {
            case .bytes(let b): return Array(b)
            case .integer(let n): return Array(String(n).utf8)
            }
        }
    }

    /// The unsigned little-endian integer of `width` bytes at `from`: the packed formats' sizes, counts and
    /// integers are all stored this way.
    @inline(__always)
    static func littleEndian(_ bytes: [UInt8], _ from: Int, _ width: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<width { v |= UInt64(bytes[from + k]) << (8 * UInt64(k)) }
        return v
    }

    /// The header listpacks and ziplists share: at least `minimumSize` bytes, a total size (u32 LE at 0) that is
    /// the size of `bytes`, the 0xFF end byte; returns the declared entry count (u16 LE at `countAt`).
    static func checkedHeader(
        _ bytes: [UInt8], _ kind: String, minimumSize: Int, countAt: Int
    ) throws(RDBError)
        -> Int
    {
        guard bytes.count >= minimumSize else { throw .malformed("\(kind) too short") }
        guard Int(littleEndian(bytes, 0, 4)) == bytes.count, bytes[bytes.count - 1] == 0xFF else {
            throw .malformed("\(kind) header mismatch")
        }
        return Int(littleEndian(bytes, countAt, 2))
    }

    // MARK: - Listpack

    /// The entries of a ziplist (RDB types before 7.0) or of a listpack (the same types since).
    static func entries(_ packed: [UInt8], ziplist isZiplist: Bool) throws(RDBError) -> [Element] {
        isZiplist ? try ziplist(packed) : try listpack(packed)
    }

    /// `<total bytes: u32 LE><count: u16 LE><entries><0xFF>`; each entry `<encoding><data><backlen>`.
    public static func listpack(_ lp: [UInt8]) throws(RDBError) -> [Element] {
        let declared = try checkedHeader(lp, "listpack", minimumSize: 7, countAt: 4)
        var out: [Element] = []
        var i = 6
        let end = lp.count - 1
        func need(_ n: Int) throws(RDBError) {
            guard n >= 0, i + n <= end else { throw .malformed("listpack entry overflows") }
        }
        func signed(_ raw: UInt64, bits: Int) -> Int64 {
            let shift = Int64(64 - bits)
            return Int64(bitPattern: raw << UInt64(shift)) >> shift
        }
        while i < end {
            let start = i
            let b = lp[i]
            let element: Element
            if b & 0x80 == 0 {
                element = .integer(Int64(b & 0x7F))
                i += 1
            } else if b & 0xC0 == 0x80 {
                let n = Int(b & 0x3F)
                try need(1 + n)
                element = .bytes(lp[(i + 1)..<(i + 1 + n)])
                i += 1 + n
            } else if b & 0xE0 == 0xC0 {
                try need(2)
                element = .integer(signed(UInt64(b & 0x1F) << 8 | UInt64(lp[i + 1]), bits: 13))
                i += 2
            } else if b & 0xF0 == 0xE0 {
                try need(2)
                let n = Int(b & 0x0F) << 8 | Int(lp[i + 1])
                try need(2 + n)
                element = .bytes(lp[(i + 2)..<(i + 2 + n)])
                i += 2 + n
            } else {
                switch b {
                case 0xF0:
                    try need(5)
                    let n = Int(littleEndian(lp, i + 1, 4))
                    try need(5 + n)
                    element = .bytes(lp[(i + 5)..<(i + 5 + n)])
                    i += 5 + n
                case 0xF1, 0xF2, 0xF3, 0xF4:
                    let width = [2, 3, 4, 8][Int(b - 0xF1)]
                    try need(1 + width)
                    element = .integer(signed(littleEndian(lp, i + 1, width), bits: width * 8))
                    i += 1 + width
                default:
                    throw .malformed("unknown listpack encoding \(b)")
                }
            }
            // The back-length: the entry's size, 7 bits per byte, most significant byte first, read backwards.
            let size = i - start
            let backlen = size <= 127 ? 1 : size < 16383 ? 2 : size < 2_097_151 ? 3 : size < 268_435_455 ? 4 : 5
            try need(backlen)
            var decoded = 0
            var shift = 0
            for k in stride(from: i + backlen - 1, through: i, by: -1) {
                decoded |= Int(lp[k] & 0x7F) << shift
                shift += 7
            }
            guard decoded == size else { throw .malformed("listpack back-length mismatch") }
            i += backlen
            out.append(element)
        }
        // 65535 means "count it" (more entries than 16 bits hold).
        guard declared == 65535 || declared == out.count else { throw .malformed("listpack count mismatch") }
        return out
    }

    // MARK: - Ziplist

    /// `<zlbytes: u32 LE><zltail: u32 LE><zllen: u16 LE><entries><0xFF>`; each entry `<prevlen><encoding><data>`.
    public static func ziplist(_ zl: [UInt8]) throws(RDBError) -> [Element] {
        let declared = try checkedHeader(zl, "ziplist", minimumSize: 11, countAt: 8)
        var out: [Element] = []
        var i = 10
        let end = zl.count - 1
        var previous = 0
        func need(_ n: Int) throws(RDBError) {
            guard n >= 0, i + n <= end else { throw .malformed("ziplist entry overflows") }
        }
        while i < end {
            let start = i
            try need(1)
            var prevlen = Int(zl[i])
            if prevlen == 254 {
                try need(5)
                prevlen = Int(littleEndian(zl, i + 1, 4))
                i += 5
            } else {
                i += 1
            }
            guard prevlen == previous else { throw .malformed("ziplist prevlen mismatch") }
            try need(1)
            let b = zl[i]
            let element: Element
            switch b >> 6 {
            case 0:
                let n = Int(b & 0x3F)
                try need(1 + n)
                element = .bytes(zl[(i + 1)..<(i + 1 + n)])
                i += 1 + n
            case 1:
                try need(2)
                let n = Int(b & 0x3F) << 8 | Int(zl[i + 1])
                try need(2 + n)
                element = .bytes(zl[(i + 2)..<(i + 2 + n)])
                i += 2 + n
            case 2:
                guard b == 0x80 else { throw .malformed("unknown ziplist encoding \(b)") }
                try need(5)
                let n = Int(zl[i + 1]) << 24 | Int(zl[i + 2]) << 16 | Int(zl[i + 3]) << 8 | Int(zl[i + 4])
                try need(5 + n)
                element = .bytes(zl[(i + 5)..<(i + 5 + n)])
                i += 5 + n
            default:
                let width: Int
                switch b {
                case 0xC0: width = 2
                case 0xD0: width = 4
                case 0xE0: width = 8
                case 0xF0: width = 3
                case 0xFE: width = 1
                default:
                    guard b >= 0xF1, b <= 0xFD else { throw .malformed("unknown ziplist encoding \(b)") }
                    width = 0
                }
                try need(1 + width)
                if width == 0 {
                    element = .integer(Int64(b & 0x0F) - 1)
                } else {
                    let shift = UInt64(64 - 8 * width)
                    element = .integer(Int64(bitPattern: littleEndian(zl, i + 1, width) << shift) >> Int64(shift))
                }
                i += 1 + width
            }
            previous = i - start
            out.append(element)
        }
        guard declared == 65535 || declared == out.count else { throw .malformed("ziplist count mismatch") }
        return out
    }

    // MARK: - Intset

    /// `<encoding: u32 LE (2, 4 or 8)><length: u32 LE><values LE, ascending>`.
    public static func intset(_ bytes: [UInt8]) throws(RDBError) -> [Int64] {
        guard bytes.count >= 8 else { throw .malformed("intset too short") }
        let width = Int(littleEndian(bytes, 0, 4))
        let count = Int(littleEndian(bytes, 4, 4))
        guard width == 2 || width == 4 || width == 8, bytes.count == 8 + count * width else {
            throw .malformed("intset header mismatch")
        }
        var out: [Int64] = []
        out.reserveCapacity(count)
        for k in 0..<count {
            var raw: UInt64 = 0
            for j in 0..<width { raw |= UInt64(bytes[8 + k * width + j]) << (8 * UInt64(j)) }
            let shift = UInt64(64 - 8 * width)
            let value = Int64(bitPattern: raw << shift) >> Int64(shift)
            if let last = out.last, last >= value { throw .malformed("intset not sorted") }
            out.append(value)
        }
        return out
    }

    // MARK: - Zipmap

    /// Redis 2.x's hash encoding: `<count byte><len><key><len><free byte><value><free bytes>…<0xFF>`.
    public static func zipmap(_ zm: [UInt8]) throws(RDBError) -> [[UInt8]] {
        guard !zm.isEmpty else { throw .malformed("zipmap too short") }
        var out: [[UInt8]] = []
        var i = 1
        func length() throws(RDBError) -> Int {
            guard i < zm.count else { throw .malformed("zipmap truncated") }
            let b = zm[i]
            if b < 254 {
                i += 1
                return Int(b)
            }
            guard b == 254, i + 5 <= zm.count else { throw .malformed("zipmap bad length") }
            let n = Int(littleEndian(zm, i + 1, 4))
            i += 5
            return n
        }
        while true {
            guard i < zm.count else { throw .malformed("zipmap truncated") }
            if zm[i] == 0xFF { break }
            let keyLength = try length()
            guard i + keyLength <= zm.count else { throw .malformed("zipmap truncated") }
            out.append(Array(zm[i..<i + keyLength]))
            i += keyLength
            let valueLength = try length()
            guard i < zm.count else { throw .malformed("zipmap truncated") }
            let free = Int(zm[i])
            i += 1
            guard i + valueLength + free <= zm.count else { throw .malformed("zipmap truncated") }
            out.append(Array(zm[i..<i + valueLength]))
            i += valueLength + free
        }
        guard i == zm.count - 1 else { throw .malformed("zipmap trailing bytes") }
        return out
    }
}
