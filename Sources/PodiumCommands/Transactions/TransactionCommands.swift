import NIOCore
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `transactions` group. Queueing itself happens in the dispatcher (a command that fails to
/// queue flags the transaction, and EXEC then answers EXECABORT).
public enum TransactionCommands {
    /// MULTI
    static func multi(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.client.inMulti { throw .nestedMulti }
        ctx.client.inMulti = true
        ctx.client.multiError = false
        ctx.client.queued.removeAll()
        ctx.reply.ok()
    }

    /// EXEC — runs the queued commands back to back, with the clock frozen, inside the batch the executor is
    /// already running, so no other client's command can come in between.
    static func exec(_ ctx: inout CommandContext) throws(CommandError) {
        let client = ctx.client
        guard client.inMulti else { throw .execWithoutMulti }
        if client.multiError {
            client.discardTransaction()
            ctx.dispatcher.unwatchAll(client)
            throw .execAbortPreviousErrors
        }
        if client.watch.dirty || ctx.dispatcher.watchedKeyExpired(client) {
            client.discardTransaction()
            ctx.dispatcher.unwatchAll(client)
            ctx.reply.nullArray()
            return
        }
        let queued = client.queued
        client.discardTransaction()
        ctx.dispatcher.unwatchAll(client)
        ctx.reply.arrayHeader(queued.count)
        let execSpec = ctx.spec
        ctx.dispatcher.inExec = true
        defer { ctx.dispatcher.inExec = false }
        for args in queued {
            ctx.args = args
            ctx.dispatcher.dispatch(&ctx)
        }
        ctx.spec = execSpec
        // CLIENT LIST's cmd= shows EXEC, not the last command it ran (as in Valkey).
        client.lastCommand = "exec"
        // EXEC itself is never written: its commands' writes were collected above, and the whole unit goes to
        // the log as one MULTI … EXEC block.
        ctx.preventPropagation()
    }

    /// DISCARD
    static func discard(_ ctx: inout CommandContext) throws(CommandError) {
        guard ctx.client.inMulti else { throw .discardWithoutMulti }
        ctx.client.discardTransaction()
        ctx.dispatcher.unwatchAll(ctx.client)
        ctx.reply.ok()
    }

    /// WATCH key [key ...]
    static func watch(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.client.inMulti { throw .watchInMulti }
        for i in 1..<ctx.argc {
            let key = ctx.key(i)
            ctx.dispatcher.recordWatch(ctx.client, key: key)
        }
        ctx.reply.ok()
    }

    /// UNWATCH
    static func unwatch(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.dispatcher.unwatchAll(ctx.client)
        ctx.reply.ok()
    }
}

extension Dispatcher {
    /// WATCH remembers, per key, whether it was live with a TTL: Valkey 7 fails EXEC when a watched key expires
    /// in between, even though nobody wrote it.
    func recordWatch(_ client: ClientSession, key: Bytes) {
        let db = keyspace[client.db]
        keyspace.watch(db: client.db, key: key, token: client.watch)
        if let expireAt = db.expireTime(key), expireAt >= 0 {
            client.watchExpiry.append((client.db, key, expireAt))
        }
    }

    /// True when a key that was live at WATCH time has logically expired since (Valkey: `now > when`).
    func watchedKeyExpired(_ client: ClientSession) -> Bool {
        keyspace.refreshClock()
        return client.watchExpiry.contains { $0.2 < keyspace.now }
    }

    /// Forgets every WATCH of a client (EXEC, DISCARD, UNWATCH, RESET, disconnect).
    public func unwatchAll(_ client: ClientSession) {
        keyspace.unwatchAll(token: client.watch)
        client.watchExpiry.removeAll()
    }
}
