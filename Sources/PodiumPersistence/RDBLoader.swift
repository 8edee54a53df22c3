import Logging
import NIOCore
import PodiumCommands
import PodiumKeyspace
import PodiumRDB

/// Loads an RDB file (`dir/dbfilename`) into the keyspace at start-up, when there is no AOF to load
/// (PodiumRDB's `RDBFile` reads it): keys in slices of 1,024 under the executor lock, so clients connected
/// meanwhile get `-LOADING`; function libraries through `FUNCTION LOAD` as the replaying client; keys that have
/// expired are skipped.
struct RDBLoader {
    let dispatcher: Dispatcher
    let exclusive: (() -> Void) -> Void
    let logger: Logger
    /// `rdbchecksum`: whether the footer's CRC-64 is checked.
    var verifyChecksum = true

    static let keysPerSlice = 1024

    /// What a load did.
    struct Outcome {
        var keys = 0
        var expired = 0
        /// Offset just past the RDB data (an AOF base file's command tail starts there).
        var end = 0
    }

    /// Loads `path`.
    func load(path: String, name: String) throws(PersistenceError) -> Outcome {
        let bytes: [UInt8]
        do { bytes = try FileIO.readAll(path) } catch {
            throw PersistenceError("Fatal error loading the DB, check server logs. Can't read \(name): \(error.reason)")
        }
        return try load(bytes: bytes, name: name)
    }

    /// Loads the RDB data at the start of `bytes`.
    func load(bytes: [UInt8], name: String) throws(PersistenceError) -> Outcome {
        let client = ClientSession(id: -1)
        client.replaysLog = true
        var limits = RDBLimits()
        var now: Int64 = 0
        var databases = 16
        exclusive {
            limits = RDBLimits(dispatcher.keyspace)
            now = dispatcher.keyspace.now
            databases = dispatcher.keyspace.databases.count
        }
        var pending: [(db: Int, key: [UInt8], value: Value, expireAt: Int64?, idle: Int?)] = []
        var loaded = 0
        var summary = RDBFile.Summary()
        func flush() {
            guard !pending.isEmpty else { return }
            exclusive {
                for item in pending {
                    let db = dispatcher.keyspace[item.db]
                    let key = Bytes(item.key)
                    db.set(key, item.value, expireAt: item.expireAt)
                    if let idle = item.idle { db.setIdleTime(key, seconds: idle) }
                }
            }
            loaded += pending.count
            pending.removeAll(keepingCapacity: true)
        }
        do {
            summary = try RDBFile.read(bytes, limits: limits, now: now, verifyChecksum: verifyChecksum) { item in
                switch item {
                case .aux(let field, let value):
                    if field == "redis-ver" || field == "valkey-ver" {
                        logger.notice("loading RDB produced by version \(String(decoding: value, as: UTF8.self))")
                    }
                case .selectDB(let db):
                    guard db < databases else {
                        throw RDBError.malformed("FATAL: Data file was created with a Redis server configured to "
                            + "handle more than \(databases) databases. Exiting")
                    }
                case .resizeDB:
                    break
                case .function(let code):
                    flush()
                    var output = ByteBuffer()
                    var failed = false
                    exclusive {
                        let args = [ByteBuffer(string: "FUNCTION"), ByteBuffer(string: "LOAD"), ByteBuffer(bytes: code)]
                        dispatcher.execute(batch: [args], client: client, output: &output)
                        failed = output.readableBytesView.first == UInt8(ascii: "-")
                    }
                    if failed {
                        throw RDBError.malformed("a function library did not load: \(String(buffer: output))")
                    }
                case .key(let db, let key, let value, let expireAt, let idle):
                    pending.append((db, key, value, expireAt, idle))
                    if pending.count >= Self.keysPerSlice { flush() }
                }
            }
            flush()
        } catch {
            throw PersistenceError("Fatal error loading the RDB file \(name): \(error)")
        }
        return Outcome(keys: loaded, expired: summary.expiredKeys, end: summary.end)
    }
}
