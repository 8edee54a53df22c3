import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRDB
import PodiumRESP

/// DUMP and RESTORE (Valkey's `cluster.c`): a key's value in the RDB encoding with the RDB version and a CRC-64
/// (PodiumRDB's `DumpPayload`), so payloads move between Podium, Redis and Valkey. The version written is
/// `rdb-version` (11, or 10 for Redis 7.0).
enum DumpRestoreCommands {
    /// DUMP key
    static func dump(_ ctx: inout CommandContext) throws(CommandError) {
        guard let value = ctx.db.lookupRead(ctx.key(1)) else {
            ctx.reply.null()
            return
        }
        let payload = DumpPayload.encode(
            value, version: ctx.dispatcher.rdbVersion, compression: ctx.dispatcher.rdbCompression)
        payload.withUnsafeBytes { ctx.reply.bulk($0) }
    }

    /// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
    static func restore(_ ctx: inout CommandContext) throws(CommandError) {
        var replace = false
        var absoluteTTL = false
        var idle: Int?
        var frequency: Int?
        var j = 4
        while j < ctx.argc {
            let more = ctx.argc - j - 1
            if ctx.argIs(j, "replace") {
                replace = true
            } else if ctx.argIs(j, "absttl") {
                absoluteTTL = true
            } else if ctx.argIs(j, "idletime"), more >= 1, frequency == nil {
                let n = try ctx.integer(j + 1)
                guard n >= 0 else { throw .restoreIdletimeNegative }
                idle = n
                j += 1
            } else if ctx.argIs(j, "freq"), more >= 1, idle == nil {
                let n = try ctx.integer(j + 1)
                guard n >= 0, n <= 255 else { throw .restoreFreqOutOfRange }
                frequency = n
                j += 1
            } else {
                throw .syntax
            }
            j += 1
        }
        let key = ctx.key(1)
        if !replace, ctx.db.lookupWrite(key) != nil { throw .busyKey }
        var ttl = try ctx.integer(2)
        guard ttl >= 0 else { throw .restoreTTLNegative }
        let payload = Array(ctx.args[3].readableBytesView)
        guard DumpPayload.verify(payload) else { throw .badDumpPayload }
        let value: Value
        do {
            value = try DumpPayload.decode(payload, limits: RDBLimits(ctx.keyspace))
        } catch {
            throw .badDataFormat
        }
        let deleted = replace && ctx.db.remove(key)
        var overflowed = false
        if ttl > 0, !absoluteTTL {
            // A deadline past Int64.max wraps negative in Valkey, which then counts the key as expired.
            (ttl, overflowed) = ttl.addingReportingOverflow(Int(ctx.keyspace.now))
        }
        if overflowed || (ttl > 0 && ttl <= Int(ctx.keyspace.now) && !ctx.client.replaysLog) {
            // Already expired: nothing is created (a replaced key is deleted, and recorded as a DEL).
            if deleted {
                ctx.propagateInstead([ByteBuffer(string: "DEL"), ctx.args[1]])
                ctx.notify(.generic, "del", arg: 1)
            }
            ctx.reply.ok()
            return
        }
        ctx.db.set(key, value, expireAt: ttl > 0 ? Int64(ttl) : nil)
        if ttl > 0, !absoluteTTL {
            // Recorded with the absolute time, so a replay gives the same deadline.
            var args = ctx.args
            args[2] = ByteBuffer(string: String(ttl))
            args.append(ByteBuffer(string: "ABSTTL"))
            ctx.propagateInstead(args)
        }
        // FREQ needs an LFU policy, which Podium does not have; as Valkey under an LRU policy, it is accepted and
        // not kept.
        if let idle { ctx.db.setIdleTime(key, seconds: idle) }
        _ = frequency
        ctx.notify(.generic, "restore", arg: 1)
        ctx.reply.ok()
    }
}
