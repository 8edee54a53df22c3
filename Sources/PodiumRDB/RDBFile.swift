import PodiumKeyspace

/// What an RDB file holds, item by item, in file order (Valkey's `rdbLoadRioWithLoadingCtx`).
public enum RDBItem {
    /// An `AUX` field (`redis-ver`, `ctime`, `used-mem`, …).
    case aux(name: String, value: [UInt8])
    /// `SELECTDB`: the keys that follow belong to database `db`.
    case selectDB(Int)
    /// `RESIZEDB`: how many keys (and keys with a TTL) the current database holds.
    case resizeDB(keys: Int, expires: Int)
    /// A key, its value, its absolute expiry time (Unix ms) and its idle time in seconds, if the file has them.
    case key(db: Int, key: [UInt8], value: Value, expireAt: Int64?, idleSeconds: Int?)
    /// A function library's code (`FUNCTION2`).
    case function(code: [UInt8])
}

/// The opcodes of an RDB file (Valkey's `RDB_OPCODE_*`): every byte from 0xF4 up; a smaller byte is a value type
/// (`RDBType`).
enum RDBOpcode: UInt8 {
    case slotInfo = 0xF4
    case function2 = 0xF5
    case functionPreGA = 0xF6
    case moduleAux = 0xF7
    case idle = 0xF8
    case freq = 0xF9
    case aux = 0xFA
    case resizeDB = 0xFB
    case expireMs = 0xFC
    case expire = 0xFD
    case selectDB = 0xFE
    case eof = 0xFF
}

/// Reads RDB files: Redis 6.x/7.x and Valkey 7.2/8.x (`REDIS0009` … `REDIS0011`), and Valkey 9's `VALKEY` magic,
/// for the types Podium has. The checksum in the footer is verified unless it is zero (written with
/// `rdbchecksum no`).
public enum RDBFile {

    /// The newest versions read: RDB 11 under the `REDIS` magic, Valkey 9's 80 under `VALKEY`.
    public static let newestRedisVersion = 11

    /// The RDB version of a file's header.
    public static func version(of bytes: [UInt8]) throws(RDBError) -> Int {
        if bytes.count >= 9, bytes.starts(with: Array("REDIS".utf8)) {
            guard let v = Int(String(decoding: bytes[5..<9], as: UTF8.self)) else {
                throw .malformed("bad RDB version")
            }
            guard v >= 1, v <= newestRedisVersion else { throw .malformed("can't handle RDB format version \(v)") }
            return v
        }
        if bytes.count >= 9, bytes.starts(with: Array("VALKEY".utf8)) {
            guard let v = Int(String(decoding: bytes[6..<9], as: UTF8.self)), v >= 80, v < 100 else {
                throw .malformed("can't handle RDB format version \(String(decoding: bytes[6..<9], as: UTF8.self))")
            }
            return v
        }
        throw .malformed("wrong signature trying to load DB from file")
    }

    /// What a read found besides the items.
    public struct Summary {
        /// Offset just past the checksum: where an AOF base file's command tail starts.
        public var end = 0
        /// Keys skipped because they had expired (INFO `rdb_last_load_keys_expired`).
        public var expiredKeys = 0
        public var version = 0
        public init() {}
    }

    /// Calls `body` with each item of the file in order. `now` (Unix ms) decides which keys have expired: those
    /// are skipped, as a primary skips them. `verifyChecksum` false (`rdbchecksum no`) skips the footer's check. Throws at the first damage, naming the key it was reading.
    @discardableResult
    public static func read(
        _ bytes: [UInt8], limits: RDBLimits, now: Int64, verifyChecksum: Bool = true,
        _ body: (RDBItem) throws -> Void
    ) throws -> Summary {
        var summary = Summary()
        let version = try version(of: bytes)
        summary.version = version
        let headerLength = 9
        var reader = RDBReader(bytes, position: headerLength)
        var db = 0
        var expireAt: Int64?
        var idle: Int?
        while true {
            let opcode = try reader.byte()
            switch RDBOpcode(rawValue: opcode) {
            case .eof:
                if version >= 5 {
                    let end = reader.position
                    let stored = try reader.littleEndian(8)
                    if stored != 0, verifyChecksum {
                        let crc = bytes.withUnsafeBytes { CRC64.checksum(UnsafeRawBufferPointer(rebasing: $0[..<end])) }
                        guard crc == stored else { throw RDBError.malformed("wrong RDB checksum") }
                    }
                }
                summary.end = reader.position
                return summary
            case .selectDB:
                db = try reader.count()
                try body(.selectDB(db))
            case .resizeDB:
                let keys = try reader.count()
                let expires = try reader.count()
                try body(.resizeDB(keys: keys, expires: expires))
            case .slotInfo:
                _ = try reader.count()
                _ = try reader.count()
                _ = try reader.count()
            case .aux:
                let name = String(decoding: try reader.string(), as: UTF8.self)
                let value = try reader.string()
                try body(.aux(name: name, value: value))
            case .expireMs:
                expireAt = Int64(bitPattern: try reader.littleEndian(8))
            case .expire:
                expireAt = Int64(try reader.littleEndian(4)) * 1000
            case .idle:
                idle = try reader.count()
            case .freq:
                _ = try reader.byte()
            case .function2:
                try body(.function(code: try reader.string()))
            case .functionPreGA:
                throw RDBError.malformed("pre-GA function format not supported")
            case .moduleAux:
                throw RDBError.malformed("the file holds module data (MODULE_AUX), which Podium cannot load")
            case nil:
                let key = try reader.string()
                let value: Value
                do {
                    value = try RDBValues.read(type: opcode, from: &reader, limits: limits)
                } catch RDBError.unsupportedType(let type) {
                    throw RDBError.malformed(
                        "key '\(String(decoding: key.prefix(128), as: UTF8.self))' holds a \(typeName(type)), "
                            + "which Podium cannot load")
                } catch {
                    throw RDBError.malformed(
                        "reading key '\(String(decoding: key.prefix(128), as: UTF8.self))': \(error)")
                }
                if let at = expireAt, at <= now {
                    // Expired already: skipped, as a primary loading the file skips it.
                    summary.expiredKeys += 1
                } else {
                    try body(.key(db: db, key: key, value: value, expireAt: expireAt, idleSeconds: idle))
                }
                expireAt = nil
                idle = nil
            }
        }
    }

    /// The name of an RDB value type, for messages.
    public static func typeName(_ type: UInt8) -> String {
        switch type {
        case 6, 7: return "module value"
        case 15, 19, 21: return "stream"
        case RDBType.string: return "string"
        case RDBType.list, RDBType.listZiplist, RDBType.listQuicklist, RDBType.listQuicklist2: return "list"
        case RDBType.set, RDBType.setIntset, RDBType.setListpack: return "set"
        case RDBType.zset, RDBType.zset2, RDBType.zsetZiplist, RDBType.zsetListpack: return "sorted set"
        case RDBType.hash, RDBType.hashZipmap, RDBType.hashZiplist, RDBType.hashListpack, RDBType.hash2:
            return "hash"
        default: return "value of unknown type \(type)"
        }
    }
}
