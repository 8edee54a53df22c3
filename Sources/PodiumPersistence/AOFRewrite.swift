import NIOCore
import PodiumCommands
import PodiumKeyspace

/// Writes a data set as the shortest log that rebuilds it (Valkey's `rewriteAppendOnlyFileRio`): per database a
/// `SELECT`, then per key the commands that create its value, at most 64 elements per command
/// (`AOF_REWRITE_ITEMS_PER_CMD`), and a `PEXPIREAT` for a key with a TTL. Redis 7 and Valkey load the result.
///
/// A new value type adds one case to `writeValue` and its own function below; nothing else changes.
enum AOFRewrite {
    /// Elements per variadic command.
    static let itemsPerCommand = 64
    /// With `aof-rewrite-incremental-fsync`, fsync every 4 MB written (Valkey's `REDIS_AUTOSYNC_BYTES`), so the
    /// kernel never holds a huge dirty backlog that would stall the AOF's own fsyncs.
    static let incrementalSyncBytes = 4 * 1024 * 1024
    /// The buffer is written out each time it passes this size.
    static let flushBytes = 1024 * 1024

    struct Result {
        var keys = 0
        var bytes = 0
    }

    struct Cancelled: Error {}

    /// Serializes `snapshots` into the file `fd` (already created). Keys that had expired when the view was taken
    /// (`now`) are left out. `cancelled` is polled every 1,024 keys.
    static func write(
        _ snapshots: [DatabaseSnapshot], now: Int64, fd: Int32, path: String, incrementalFsync: Bool,
        timestamp: Int64?, keyDelayMicroseconds: Int = 0, cancelled: () -> Bool
    ) throws -> Result {
        var out = ByteBuffer()
        out.reserveCapacity(flushBytes + 64 * 1024)
        var result = Result()
        var sinceSync = 0
        func flush() throws {
            guard out.readableBytes > 0 else { return }
            let (n, error) = out.withUnsafeReadableBytes { FileIO.writeAll(fd, $0, path: path) }
            if let error { throw error }
            result.bytes += n
            sinceSync += n
            out.clear()
            if incrementalFsync, sinceSync >= incrementalSyncBytes {
                try FileIO.sync(fd, path: path)
                sinceSync = 0
            }
        }
        if let timestamp { AOFFormat.writeTimestampAnnotation(timestamp, into: &out) }
        for snapshot in snapshots where snapshot.keyCount > 0 {
            AOFFormat.writeSelect(snapshot.id, into: &out)
            try snapshot.forEach { entry in
                if entry.expireAt >= 0, entry.expireAt < now { return }
                entry.key.withUnsafeBytes { key in
                    writeValue(entry.value, key: key, into: &out)
                    if entry.expireAt >= 0 {
                        out.writeStaticString("*3\r\n$9\r\nPEXPIREAT\r\n")
                        AOFFormat.writeBulk(key, into: &out)
                        AOFFormat.writeBulk(decimal: Int(entry.expireAt), into: &out)
                    }
                }
                result.keys += 1
                if keyDelayMicroseconds > 0 {
                    // rdb-key-save-delay (tests): a slow rewrite, checked for cancellation at every key.
                    Sleep.microseconds(keyDelayMicroseconds)
                    if cancelled() { throw Cancelled() }
                }
                if result.keys & 1023 == 0, cancelled() { throw Cancelled() }
                if out.readableBytes >= flushBytes { try flush() }
            }
        }
        try flush()
        return result
    }

    /// The commands that recreate one value under `key`.
    static func writeValue(_ value: Value, key: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        switch value {
        case .integer(let n):
            out.writeStaticString("*3\r\n$3\r\nSET\r\n")
            AOFFormat.writeBulk(key, into: &out)
            AOFFormat.writeBulk(decimal: n, into: &out)
        case .string(let bytes, _):
            out.writeStaticString("*3\r\n$3\r\nSET\r\n")
            AOFFormat.writeBulk(key, into: &out)
            bytes.withUnsafeBytes { AOFFormat.writeBulk($0, into: &out) }
        case .hash(let hash):
            writeHash(hash, key: key, into: &out)
        case .sortedSet(let set):
            writeSortedSet(set, key: key, into: &out)
        }
    }

    /// `HMSET key field value …` (what Valkey writes), 64 pairs per command.
    static func writeHash(_ hash: HashObject, key: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        var remaining = hash.count
        var inCommand = 0
        hash.forEach { field, value in
            if inCommand == 0 {
                let pairs = min(remaining, itemsPerCommand)
                AOFFormat.writeHeader(UInt8(ascii: "*"), 2 + 2 * pairs, into: &out)
                out.writeStaticString("$5\r\nHMSET\r\n")
                AOFFormat.writeBulk(key, into: &out)
            }
            AOFFormat.writeBulk(field, into: &out)
            AOFFormat.writeBulk(value, into: &out)
            remaining -= 1
            inCommand += 1
            if inCommand == itemsPerCommand { inCommand = 0 }
        }
    }

    /// `ZADD key score member …` in score order, 64 pairs per command; scores in the shortest form that reads
    /// back as the same double.
    static func writeSortedSet(_ set: SortedSetObject, key: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        var remaining = set.count
        var inCommand = 0
        guard remaining > 0 else { return }
        set.range(start: 0, end: remaining - 1, reverse: false) { member, score in
            if inCommand == 0 {
                let pairs = min(remaining, itemsPerCommand)
                AOFFormat.writeHeader(UInt8(ascii: "*"), 2 + 2 * pairs, into: &out)
                out.writeStaticString("$4\r\nZADD\r\n")
                AOFFormat.writeBulk(key, into: &out)
            }
            let text = NumberFormat.formatDouble(score)
            var scoreText = text
            scoreText.withUTF8 { AOFFormat.writeBulk(UnsafeRawBufferPointer($0), into: &out) }
            member.withUnsafeBytes { AOFFormat.writeBulk($0, into: &out) }
            remaining -= 1
            inCommand += 1
            if inCommand == itemsPerCommand { inCommand = 0 }
        }
    }
}
