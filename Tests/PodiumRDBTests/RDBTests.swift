import PodiumKeyspace
import PodiumRDB
import Testing

@Suite struct ChecksumTests {
    @Test func crc64CheckValue() {
        let bytes = Array("123456789".utf8)
        #expect(bytes.withUnsafeBytes { CRC64.checksum($0) } == 0xE9C6_D914_C4B8_D9CA)
    }

    @Test func crc64EightAtATimeIsTheBytewiseCRC() {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { all in
            for _ in 0..<300 {
                let start = Int.random(in: 0..<64, using: &rng)
                let end = Int.random(in: start...all.count, using: &rng)
                let part = UnsafeRawBufferPointer(rebasing: all[start..<end])
                let seed = UInt64.random(in: 0...UInt64.max, using: &rng)
                #expect(CRC64.checksum(part, seed: seed) == CRC64.bytewiseChecksum(part, seed: seed))
            }
        }
    }

    @Test func lzfLiteralsAndBackReferences() {
        // "abcabcabc": a literal run of 3 ("abc"), then a back reference of length 6 at distance 3.
        let compressed: [UInt8] = [2, 97, 98, 99, 0x80, 2]
        #expect(LZF.decompress(compressed[...], expectedLength: 9) == Array("abcabcabc".utf8))
        #expect(LZF.decompress(compressed[...], expectedLength: 8) == nil)
        #expect(LZF.decompress([0x80, 5][...], expectedLength: 4) == nil)  // refers before the start
        #expect(LZF.decompress([5, 1][...], expectedLength: 6) == nil)  // literal run past the end
    }
}

@Suite struct PackedFormatTests {
    /// A listpack of the given entries (each encoding + data), with back-lengths and the header.
    static func listpack(_ entries: [[UInt8]], count: Int? = nil) -> [UInt8] {
        var body: [UInt8] = []
        for e in entries {
            body += e
            precondition(e.count < 128)
            body.append(UInt8(e.count))
        }
        let total = 6 + body.count + 1
        let n = count ?? entries.count
        return [UInt8(total & 0xFF), UInt8(total >> 8), 0, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + body + [0xFF]
    }

    @Test func listpackEncodings() throws {
        let lp = Self.listpack([
            [0x81, 97],  // "a"
            [0x05],  // 5
            [0xDF, 0xFF],  // -1, 13 bits
            [0xF1, 0x39, 0x30],  // 12345, 16 bits
            [0xE0, 0x02, 104, 105],  // "hi" in the 12-bit string form
            [0xF4, 0, 0, 0, 0, 0, 0, 0, 0x80],  // Int64.min
        ])
        let elements = try PackedFormats.listpack(lp)
        #expect(
            elements.map(\.array) == [
                Array("a".utf8), Array("5".utf8), Array("-1".utf8), Array("12345".utf8), Array("hi".utf8),
                Array(String(Int64.min).utf8),
            ])
    }

    @Test func damagedListpacksAreRefused() {
        var lp = Self.listpack([[0x81, 97], [0x05]])
        #expect(throws: RDBError.self) { try PackedFormats.listpack(Self.listpack([[0x81, 97]], count: 2)) }
        lp[lp.count - 2] = 9  // a wrong back-length
        #expect(throws: RDBError.self) { try PackedFormats.listpack(lp) }
        #expect(throws: RDBError.self) { try PackedFormats.listpack(Array(Self.listpack([[0x81, 97]]).dropLast())) }
        #expect(throws: RDBError.self) { try PackedFormats.listpack(Self.listpack([[0x85, 97]])) }  // string overflows
        #expect(throws: RDBError.self) { try PackedFormats.listpack(Self.listpack([[0xF5]])) }  // unknown encoding
        #expect(throws: RDBError.self) { try PackedFormats.listpack([1, 2]) }
    }

    @Test func ziplistEncodings() throws {
        // "a" (prevlen 0), then -5 as an 8-bit integer (prevlen 3), then 7 as an immediate (prevlen 3).
        let entries: [UInt8] = [0, 0x01, 97, 3, 0xFE, 0xFB, 3, 0xF8]
        let total = 10 + entries.count + 1
        let zl: [UInt8] = [UInt8(total), 0, 0, 0, 16, 0, 0, 0, 3, 0] + entries + [0xFF]
        #expect(try PackedFormats.ziplist(zl).map(\.array) == [Array("a".utf8), Array("-5".utf8), Array("7".utf8)])
        var wrongPrevlen = zl
        wrongPrevlen[13] = 2
        #expect(throws: RDBError.self) { try PackedFormats.ziplist(wrongPrevlen) }
    }

    @Test func intsets() throws {
        let set: [UInt8] = [2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0, 0x2C, 0x01]
        #expect(try PackedFormats.intset(set) == [1, 2, 300])
        var unsorted = set
        unsorted[8] = 5
        #expect(throws: RDBError.self) { try PackedFormats.intset(unsorted) }
        #expect(throws: RDBError.self) { try PackedFormats.intset(Array(set.dropLast())) }
    }
}

@Suite struct DumpPayloadTests {
    static func roundTrip(_ value: Value) throws -> Value {
        let payload = DumpPayload.encode(value, version: 11)
        #expect(DumpPayload.verify(payload))
        return try DumpPayload.decode(payload, limits: RDBLimits())
    }

    @Test func stringsKeepTheirForm() throws {
        guard case .integer(12345) = try Self.roundTrip(.integer(12345)) else {
            Issue.record("not an integer")
            return
        }
        guard case .integer(Int.min) = try Self.roundTrip(.integer(Int.min)) else {
            Issue.record("min")
            return
        }
        guard case .string(let b, _) = try Self.roundTrip(.string(Bytes("hello"), raw: false)) else {
            Issue.record("not a string")
            return
        }
        #expect(b == Bytes("hello"))
    }

    @Test func collectionsRoundTrip() throws {
        var hash = HashObject()
        for i in 0..<600 {
            hash.set(
                Bytes("f\(i)"), Bytes("v\(i)"), limits: ListpackLimits(maxListpackEntries: 512, maxListpackValue: 64))
        }
        guard case .hash(let h) = try Self.roundTrip(.hash(hash)) else {
            Issue.record("hash")
            return
        }
        #expect(h.count == 600 && h.encodingName == "hashtable")

        var zset = SortedSetObject()
        for i in 0..<10 { zset.set(Bytes("m\(i)"), Double(i) / 3, limits: ListpackLimits()) }
        guard case .sortedSet(let z) = try Self.roundTrip(.sortedSet(zset)) else {
            Issue.record("zset")
            return
        }
        var scores: [Double] = []
        z.forEach { _, score in scores.append(score) }
        #expect(scores == (0..<10).map { Double($0) / 3 } && z.encodingName == "listpack")

        var list = ListObject()
        for i in 0..<5 { Array("e\(i)".utf8).withUnsafeBytes { list.push($0, front: false, limits: ListLimits()) } }
        guard case .list(let l) = try Self.roundTrip(.list(list)) else {
            Issue.record("list")
            return
        }
        var elements: [String] = []
        l.forEach(from: 0, count: l.count, reverse: false) { elements.append(String(decoding: $0, as: UTF8.self)) }
        #expect(elements == ["e0", "e1", "e2", "e3", "e4"])

        var set = Array("1".utf8).withUnsafeBytes { SetObject(first: $0, sizeHint: 3, limits: SetLimits()) }
        for m in ["1", "2", "3"] { _ = Array(m.utf8).withUnsafeBytes { set.add($0, limits: SetLimits()) } }
        guard case .set(let s) = try Self.roundTrip(.set(set)) else {
            Issue.record("set")
            return
        }
        #expect(s.count == 3 && s.encodingName == "intset")
    }

    @Test func damagedPayloadsAreRefused() throws {
        var damaged = DumpPayload.encode(.string(Bytes("hello"), raw: false), version: 11)
        damaged[2] ^= 1
        #expect(!DumpPayload.verify(damaged))
        #expect(!DumpPayload.verify(DumpPayload.encode(.integer(1), version: 12)))
        #expect(!DumpPayload.verify([1, 2, 3]))
        // A set with a duplicate member, a sorted set with a NaN score, an empty hash, a stream: each refused.
        func payload(_ body: [UInt8]) -> [UInt8] {
            var bytes = body + [11, 0]
            let crc = bytes.withUnsafeBytes { CRC64.checksum($0) }
            for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: crc >> (8 * UInt64(i)))) }
            return bytes
        }
        for body: [UInt8] in [
            [2, 2, 1, 97, 1, 97], [5, 1, 1, 97, 0, 0, 0, 0, 0, 0, 0xF8, 0x7F], [4, 0], [15, 0],
            [0, 0xC3, 1, 0x40, 0],
        ] {
            let bytes = payload(body)
            #expect(DumpPayload.verify(bytes))
            #expect(throws: RDBError.self) { try DumpPayload.decode(bytes, limits: RDBLimits()) }
        }
    }
}

@Suite struct WritingTests {
    @Test func lzfCompressionRoundTrips() {
        var table: [Int32] = []
        var rng = SystemRandomNumberGenerator()
        let inputs: [[UInt8]] = [
            Array(String(repeating: "abc", count: 200).utf8),
            Array(repeating: 0, count: 70_000),  // long runs: back references of the longest length, over the window
            (0..<5000).map { UInt8(truncatingIfNeeded: $0 % 251) },
            (0..<3000).map { _ in UInt8.random(in: 0...3, using: &rng) },
            Array("aaaa".utf8),
        ]
        for input in inputs {
            let packed = input.withUnsafeBytes { LZF.compress($0, limit: input.count, table: &table) }
            if let packed {
                #expect(LZF.decompress(packed[...], expectedLength: input.count) == input)
            }
        }
        // The table is never cleared: entries left by longer, earlier strings (pointing past a short one's end, or
        // at bytes that differ) must never make a wrong back reference.
        for round in 0..<600 {
            let count = round % 3 == 0 ? Int.random(in: 21...40, using: &rng) : Int.random(in: 21...4000, using: &rng)
            let alphabet = UInt8.random(in: 1...8, using: &rng)
            let input = (0..<count).map { _ in UInt8.random(in: 0..<alphabet, using: &rng) }
            if let packed = input.withUnsafeBytes({ LZF.compress($0, limit: input.count, table: &table) }) {
                #expect(LZF.decompress(packed[...], expectedLength: input.count) == input)
            }
        }
        let repetitive = inputs[0]
        let packed = repetitive.withUnsafeBytes { LZF.compress($0, limit: repetitive.count - 4, table: &table) }
        #expect(packed != nil && packed!.count < 40)
        // Random bytes do not shrink: no result within the limit.
        let noise = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(noise.withUnsafeBytes { LZF.compress($0, limit: noise.count - 4, table: &table) } == nil)
    }

    /// Writes keys with `RDBFileWriter` and reads the file back with `RDBFile.read`.
    static func roundTrip(
        _ options: RDBFileWriter.Options, keys: [(String, Value, Int64)]
    ) throws
        -> (bytes: [UInt8], items: [RDBItem])
    {
        var file: [UInt8] = []
        var writer = RDBFileWriter(options: options) { file.append(contentsOf: $0) }
        try writer.writeHeader()
        try Array("#!lua name=l\nredis.register_function('f', function() return 1 end)".utf8)
            .withUnsafeBytes { try writer.writeFunction($0) }
        try writer.beginDatabase(0, keys: keys.count, expires: keys.filter { $0.2 >= 0 }.count)
        for (key, value, expireAt) in keys {
            try Array(key.utf8).withUnsafeBytes {
                try writer.writeKey($0, value: value, expireAt: expireAt, lastAccess: 0)
            }
        }
        try writer.finish()
        #expect(writer.written == file.count)
        var items: [RDBItem] = []
        let summary = try RDBFile.read(file, limits: RDBLimits(), now: 1000) { items.append($0) }
        #expect(summary.end == file.count && summary.expiredKeys == keys.filter { $0.2 >= 0 && $0.2 <= 1000 }.count)
        return (file, items)
    }

    /// A Valkey 9 file (`VALKEY080`) with a hash of type 22 (fields with and without a TTL, one past its time).
    @Test func valkey9HashesWithFieldTTLsLoad() throws {
        var file = Array("VALKEY080".utf8) + [0xFE, 0x00, RDBType.hash2, 0x01] + Array("h".utf8) + [0x03]
        func field(_ name: String, _ value: String, _ at: Int64) {
            file += [UInt8(name.utf8.count)] + Array(name.utf8) + [UInt8(value.utf8.count)] + Array(value.utf8)
            file += (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: at) >> (8 * UInt64($0))) }
        }
        field("a", "1", 9_000_000)
        field("b", "2", -1)
        field("c", "3", 500)
        file.append(0xFF)
        let crc = file.withUnsafeBytes { CRC64.checksum($0) }
        file += (0..<8).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt64($0))) }
        var items: [RDBItem] = []
        _ = try RDBFile.read(file, limits: RDBLimits(), now: 1000) { items.append($0) }
        guard items.count == 2, case .key(_, let key, .hash(let hash), _, _) = items[1] else {
            Issue.record("expected one hash, got \(items)")
            return
        }
        #expect(key == Array("h".utf8) && hash.count == 3)
        #expect(Array("a".utf8).withUnsafeBytes { hash.expiryTime($0) } == 9_000_000)
        #expect(Array("b".utf8).withUnsafeBytes { hash.expiryTime($0) } == -1)
        #expect(Array("c".utf8).withUnsafeBytes { hash.expiryTime($0) } == 500)
        // Cut inside the last expiry time: refused, naming the key.
        let cut = Array(file[..<(file.count - 12)]) + [0xFF]
        #expect(throws: (any Error).self) { try RDBFile.read(cut, limits: RDBLimits(), now: 1000) { _ in } }
    }

    @Test func filesRoundTripWithEveryOption() throws {
        let long = Value.string(Bytes(Array(String(repeating: "xyz", count: 100).utf8)), raw: true)
        let keys: [(String, Value, Int64)] = [
            ("s", .string(Bytes("hello"), raw: false), -1), ("n", .integer(-42), 5_000_000_000_000),
            ("long", long, -1), ("gone", .integer(1), 999),
        ]
        for (compression, checksum, version) in [(true, true, 11), (false, true, 10), (true, false, 11)] {
            let options = RDBFileWriter.Options(
                version: version, compression: compression, checksum: checksum,
                aux: [("redis-ver", "7.2.4")])
            let (bytes, items) = try Self.roundTrip(options, keys: keys)
            #expect(bytes.starts(with: Array("REDIS00\(version)".utf8)))
            #expect(bytes.suffix(8).allSatisfy { $0 == 0 } == !checksum)
            #expect(bytes.contains(0xC3) == compression)
            var names: [String] = []
            for item in items {
                switch item {
                case .aux(let name, let value): #expect(name == "redis-ver" && value == Array("7.2.4".utf8))
                case .function(let code): #expect(code.starts(with: Array("#!lua".utf8)))
                case .key(_, let key, let value, let expireAt, _):
                    names.append(String(decoding: key, as: UTF8.self))
                    if key == Array("long".utf8), case .string(let b, _) = value { #expect(b.count == 300) }
                    if key == Array("n".utf8) {
                        guard case .integer(-42) = value else {
                            Issue.record("n")
                            continue
                        }
                        #expect(expireAt == 5_000_000_000_000)
                    }
                default: break
                }
            }
            #expect(names == ["s", "n", "long"])  // "gone" had expired at 1000
        }
    }

    @Test func idleTimesAreWrittenWhenAsked() throws {
        var file: [UInt8] = []
        var writer = RDBFileWriter(options: RDBFileWriter.Options(idleClockSeconds: 1000)) {
            file.append(contentsOf: $0)
        }
        try writer.writeHeader()
        try writer.beginDatabase(0, keys: 1, expires: 0)
        try Array("k".utf8).withUnsafeBytes {
            try writer.writeKey($0, value: .integer(1), expireAt: -1, lastAccess: 400)
        }
        try writer.finish()
        var idle: Int?
        try RDBFile.read(file, limits: RDBLimits(), now: 0) { item in
            if case .key(_, _, _, _, let seconds) = item { idle = seconds }
        }
        #expect(idle == 600)
    }
}
