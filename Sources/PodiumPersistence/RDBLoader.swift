import Logging
import NIOCore
import PodiumCommands
import PodiumKeyspace
import PodiumRDB

/// Loads an RDB file (`dir/dbfilename`) into the keyspace at start-up, when there is no AOF to load
/// (PodiumRDB's `RDBFile` reads it), and the file `DEBUG RELOAD` reads back: keys in slices of 1,024 under the
/// executor lock, so clients connected meanwhile get `-LOADING`; function libraries through the scripting
/// engine; keys that have expired are skipped.
struct RDBLoader {
    let dispatcher: Dispatcher
    /// Runs its body under the executor lock (the identity when the caller holds it already: DEBUG RELOAD).
    let exclusive: (() -> Void) -> Void
    let logger: Logger
    /// `rdbchecksum`: whether the footer's CRC-64 is checked.
    var verifyChecksum = true
    /// Whether a key or function library that exists already is replaced (`DEBUG RELOAD MERGE`, Valkey's
    /// `RDBFLAGS_ALLOW_DUP`). Without it such a key or library fails the load; keys are only looked up when the
    /// keyspace held keys as the load started (at start-up it is empty, and a key a file holds twice keeps its
    /// last value).
    var allowDuplicates = false
    /// Whether keys whose expiry time has passed are left out (a plain RDB file, as a primary loads one). An AOF
    /// base keeps them, as Valkey's `RDBFLAGS_AOF_PREAMBLE` load does: the commands after it may still touch them
    /// (a PERSIST written before the time passed), and the expiry removes them, with a DEL, once loaded.
    var skipsExpiredKeys = true

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
        var limits = RDBLimits()
        var now: Int64 = 0
        var databases = 16
        var checkKeys = false
        exclusive {
            limits = RDBLimits(dispatcher.keyspace)
            now = skipsExpiredKeys ? dispatcher.keyspace.now : Int64.min
            databases = dispatcher.keyspace.databases.count
            checkKeys = !allowDuplicates && dispatcher.keyspace.totalKeys > 0
        }
        var pending: [(db: Int, key: [UInt8], value: Value, expireAt: Int64?, idle: Int?)] = []
        var loaded = 0
        var summary = RDBFile.Summary()
        func flush() throws(RDBError) {
            guard !pending.isEmpty else { return }
            var duplicate: (db: Int, key: [UInt8])?
            exclusive {
                for item in pending {
                    let db = dispatcher.keyspace[item.db]
                    let key = Bytes(item.key)
                    if checkKeys, db.exists(key) {
                        duplicate = (item.db, item.key)
                        return
                    }
                    db.set(key, item.value, expireAt: item.expireAt)
                    if let idle = item.idle { db.setIdleTime(key, seconds: idle) }
                    loaded += 1
                }
            }
            pending.removeAll(keepingCapacity: true)
            if let duplicate {
                throw .malformed(
                    "RDB has duplicated key '\(String(decoding: duplicate.key, as: UTF8.self))' in DB "
                        + "\(duplicate.db)")
            }
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
                        throw RDBError.malformed(
                            "FATAL: Data file was created with a Redis server configured to "
                                + "handle more than \(databases) databases. Exiting")
                    }
                case .resizeDB:
                    break
                case .function(let code):
                    try flush()
                    var failure: String?
                    exclusive {
                        guard let scripting = dispatcher.scripting else {
                            failure = "scripting is not available"
                            return
                        }
                        do throws(CommandError) {
                            try scripting.restoreLibraries(
                                [ByteBuffer(bytes: code)],
                                policy: allowDuplicates ? .replace : .append, readError: nil)
                        } catch {
                            failure = error.message
                        }
                    }
                    if let failure { throw RDBError.malformed("a function library did not load: \(failure)") }
                case .key(let db, let key, let value, let expireAt, let idle):
                    pending.append((db, key, value, expireAt, idle))
                    if pending.count >= Self.keysPerSlice { try flush() }
                }
            }
            try flush()
        } catch {
            throw PersistenceError("Fatal error loading the RDB file \(name): \(error)")
        }
        return Outcome(keys: loaded, expired: summary.expiredKeys, end: summary.end)
    }
}
