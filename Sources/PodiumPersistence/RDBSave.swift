import NIOCore
import PodiumCommands
import PodiumKeyspace
import PodiumRDB

/// Writes a point-in-time view of the data set as an RDB file (PodiumRDB's `RDBFileWriter`): `SAVE`, `BGSAVE`,
/// and the AOF base file with `aof-use-rdb-preamble yes`.
enum RDBSave {
    struct Result {
        var keys = 0
        var bytes = 0
        /// Hash fields whose TTL RDB 10/11 cannot hold: they are written without it (and logged).
        var fieldTTLsDropped = 0
    }

    /// The AUX fields Podium writes (Valkey's `rdbSaveInfoAuxFields`): `redis-ver` is the version Podium
    /// reports, so tools that read it see what INFO says.
    static func auxFields(aofBase: Bool) -> [(String, String)] {
        [
            ("redis-ver", ConnectionCommands.redisVersion),
            ("redis-bits", "64"),
            ("ctime", String(unixSeconds())),
            ("used-mem", String(Dispatcher.allocatedBytes)),
            ("aof-base", aofBase ? "1" : "0"),
        ]
    }

    /// Serializes `functions` (library codes) and `snapshots` into `fd` (created by the caller). Keys that had
    /// expired at `now` are left out. `progress` is called every 1,024 keys with the count so far, `cancelled`
    /// polled as often (and at every key with `rdb-key-save-delay`).
    static func write(
        _ snapshots: [DatabaseSnapshot], functions: [ByteBuffer], now: Int64, options: RDBFileWriter.Options,
        fd: Int32, path: String, incrementalFsync: Bool, keyDelayMicroseconds: Int = 0,
        progress: (Int) -> Void = { _ in }, cancelled: () -> Bool
    ) throws -> Result {
        var result = Result()
        var sinceSync = 0
        var writer = RDBFileWriter(options: options) { bytes in
            let (_, error) = FileIO.writeAll(fd, bytes, path: path)
            if let error { throw error }
            sinceSync += bytes.count
            if incrementalFsync, sinceSync >= AOFRewrite.incrementalSyncBytes {
                try FileIO.sync(fd, path: path)
                sinceSync = 0
            }
        }
        try writer.writeHeader()
        for code in functions { try code.withUnsafeReadableBytes { try writer.writeFunction($0) } }
        for snapshot in snapshots where snapshot.keyCount > 0 {
            try writer.beginDatabase(snapshot.id, keys: snapshot.keyCount, expires: snapshot.expiresCount)
            try snapshot.forEach { entry in
                if entry.expireAt >= 0, entry.expireAt < now { return }
                var value = entry.value
                if case .hash(var hash) = value, hash.hasVolatileFields {
                    // Fields whose time has passed are left out (RDB 10/11 cannot say they expire, so they would
                    // come back for good); a hash left empty is left out whole. The copy is the view's to change.
                    _ = hash.removeExpiredFields(now: now)
                    if hash.count == 0 { return }
                    result.fieldTTLsDropped += hash.fieldExpiryTimes.count
                    value = .hash(hash)
                }
                try entry.key.withUnsafeBytes { key in
                    try writer.writeKey(key, value: value, expireAt: entry.expireAt, lastAccess: entry.lastAccess)
                }
                result.keys += 1
                if keyDelayMicroseconds > 0 {
                    // rdb-key-save-delay (tests): a slow save, checked for cancellation at every key.
                    Sleep.microseconds(keyDelayMicroseconds)
                    if cancelled() { throw AOFRewrite.Cancelled() }
                }
                if result.keys & 1023 == 0 {
                    progress(result.keys)
                    if cancelled() { throw AOFRewrite.Cancelled() }
                }
            }
        }
        try writer.finish()
        result.bytes = writer.written
        return result
    }
}
