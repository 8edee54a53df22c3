import PodiumKeyspace

/// Writes an RDB file as a stream (Valkey's `rdbSaveRio`): the `REDIS00vv` header, the AUX fields, the function
/// libraries, then per database `SELECTDB`, `RESIZEDB` and its keys, then `EOF` and the CRC-64 of everything before
/// it (zero with `rdbchecksum no`, which every reader accepts as "not computed").
///
/// Bytes gather in a buffer that goes to `sink` each time it passes `flushBytes` (and at the end); the checksum
/// is computed over each flushed piece, so a file of any size needs one buffer of about a megabyte, plus the
/// largest single value.
public struct RDBFileWriter {
    public struct Options {
        /// 10 (Redis 7.0) or 11 (Redis 7.2, Valkey 7.2 to 9). Podium writes the same value encodings for both.
        public var version: Int
        public var compression: Bool
        public var checksum: Bool
        /// AUX fields written after the header, in order.
        public var aux: [(String, String)]
        /// Set when idle times are written (an LRU `maxmemory-policy`, as Valkey does): the clock, in seconds,
        /// that `Database.Entry.lastAccess` is measured by.
        public var idleClockSeconds: UInt32?

        public init(
            version: Int = 11, compression: Bool = true, checksum: Bool = true, aux: [(String, String)] = [],
            idleClockSeconds: UInt32? = nil
        ) {
            self.version = version
            self.compression = compression
            self.checksum = checksum
            self.aux = aux
            self.idleClockSeconds = idleClockSeconds
        }
    }

    public static let flushBytes = 1024 * 1024

    private var out: RDBWriter
    private let options: Options
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private var crc: UInt64 = 0
    /// Bytes handed to the sink so far.
    public private(set) var written = 0

    public init(options: Options, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.options = options
        self.sink = sink
        out = RDBWriter(compression: options.compression)
        out.bytes.reserveCapacity(Self.flushBytes + 64 * 1024)
    }

    /// The magic, the version and the AUX fields.
    public mutating func writeHeader() throws {
        let magic =
            "REDIS" + String(repeating: "0", count: max(0, 4 - String(options.version).count))
            + String(options.version)
        out.bytes.append(contentsOf: Array(magic.utf8))
        for (name, value) in options.aux {
            out.byte(RDBOpcode.aux.rawValue)
            out.string(Array(name.utf8))
            out.string(Array(value.utf8))
        }
    }

    /// One function library (`FUNCTION2`: its code, as `FUNCTION LOAD` takes it).
    public mutating func writeFunction(_ code: UnsafeRawBufferPointer) throws {
        out.byte(RDBOpcode.function2.rawValue)
        // Valkey stores library code as a plain string: never integer-encoded or compressed.
        out.length(code.count)
        out.bytes.append(contentsOf: code)
        try flushIfFull()
    }

    /// `SELECTDB` and `RESIZEDB` for a database holding `keys` keys, `expires` of them with a TTL.
    public mutating func beginDatabase(_ id: Int, keys: Int, expires: Int) throws {
        out.byte(RDBOpcode.selectDB.rawValue)
        out.length(id)
        out.byte(RDBOpcode.resizeDB.rawValue)
        out.length(keys)
        out.length(expires)
    }

    /// One key: its expiry time (Unix ms, or a negative number for none), its idle time when the options ask for
    /// it, its type, name and value.
    public mutating func writeKey(
        _ key: UnsafeRawBufferPointer, value: Value, expireAt: Int64, lastAccess: UInt32
    )
        throws
    {
        if expireAt >= 0 {
            out.byte(RDBOpcode.expireMs.rawValue)
            out.littleEndian(UInt64(bitPattern: expireAt), width: 8)
        }
        if let clock = options.idleClockSeconds {
            out.byte(RDBOpcode.idle.rawValue)
            out.length(Int(clock &- min(clock, lastAccess)))
        }
        RDBValues.write(value, key: key, into: &out)
        try flushIfFull()
    }

    /// `EOF` and the checksum; everything goes to the sink.
    public mutating func finish() throws {
        out.byte(RDBOpcode.eof.rawValue)
        try flush()
        var footer = RDBWriter()
        footer.littleEndian(options.checksum ? crc : 0, width: 8)
        try footer.bytes.withUnsafeBytes { try sink($0) }
        written += 8
    }

    private mutating func flushIfFull() throws {
        if out.bytes.count >= Self.flushBytes { try flush() }
    }

    private mutating func flush() throws {
        guard !out.bytes.isEmpty else { return }
        let checksum = options.checksum
        var crc = crc
        try out.bytes.withUnsafeBytes { bytes in
            if checksum { crc = CRC64.checksum(bytes, seed: crc) }
            try sink(bytes)
        }
        self.crc = crc
        written += out.bytes.count
        out.bytes.removeAll(keepingCapacity: true)
    }
}
