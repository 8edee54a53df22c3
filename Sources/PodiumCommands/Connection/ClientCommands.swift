import NIOCore
import PodiumKeyspace
import PodiumRESP

/// The CLIENT container command.
public enum ClientCommands {
    /// Valkey allows names made of printable ASCII without spaces ('!'...'~').
    static func validName(_ bytes: Bytes) -> Bool {
        bytes.withUnsafeBytes { $0.allSatisfy { $0 >= 0x21 && $0 <= 0x7E } }
    }

    static func setName(_ client: ClientSession, _ name: Bytes) throws(CommandError) {
        guard validName(name) else {
            throw .clientNameInvalid
        }
        client.name = name.isEmpty ? nil : name
    }

    /// CLIENT ID
    static func id(_ ctx: inout CommandContext) throws(CommandError) { ctx.reply.integer(ctx.client.id) }

    /// CLIENT SETNAME connection-name
    static func setname(_ ctx: inout CommandContext) throws(CommandError) {
        try setName(ctx.client, ctx.bytes(2))
        ctx.reply.ok()
    }

    /// CLIENT GETNAME
    static func getname(_ ctx: inout CommandContext) throws(CommandError) {
        if let name = ctx.client.name { name.withUnsafeBytes { ctx.reply.bulk($0) } } else { ctx.reply.null() }
    }

    /// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
    static func setinfo(_ ctx: inout CommandContext) throws(CommandError) {
        let value = ctx.bytes(3)
        let isLibName = ctx.argIs(2, "lib-name")
        guard isLibName || ctx.argIs(2, "lib-ver") else {
            throw .unrecognizedOption(ctx.string(2))
        }
        guard validName(value) else {
            throw .clientLibInfoInvalid(isLibName ? "lib-name" : "lib-ver")
        }
        let text = value.isEmpty ? nil : value.description
        if isLibName { ctx.client.libName = text } else { ctx.client.libVersion = text }
        ctx.reply.ok()
    }

    static func onOff(_ ctx: CommandContext, _ i: Int) throws(CommandError) -> Bool {
        if ctx.argIs(i, "on") { return true }
        if ctx.argIs(i, "off") { return false }
        throw .syntax
    }

    /// CLIENT NO-EVICT ON|OFF
    static func noEvict(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.client.noEvict = try onOff(ctx, 2)
        ctx.reply.ok()
    }

    /// CLIENT NO-TOUCH ON|OFF
    static func noTouch(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.client.noTouch = try onOff(ctx, 2)
        ctx.reply.ok()
    }

    /// CLIENT REPLY ON|OFF|SKIP
    static func reply(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argIs(2, "on") {
            ctx.client.replyMode = .on
            ctx.reply.ok()
        } else if ctx.argIs(2, "off") {
            ctx.client.replyMode = .off
        } else if ctx.argIs(2, "skip") {
            if ctx.client.replyMode != .off { ctx.client.replyMode = .skipNext }
        } else {
            throw .syntax
        }
    }

    /// One CLIENT LIST line, with Valkey's fields in Valkey's order.
    static func describe(_ c: ClientSession, now: Int64) -> String {
        var flags = ""
        if c.isMonitor { flags += "O" }
        if c.subscriptions.isSubscribed { flags += "P" }
        if c.inMulti { flags += "x" }
        if c.blocked != nil { flags += "b" }
        if c.noEvict { flags += "e" }
        if c.noTouch { flags += "T" }
        if c.closeAfterReply { flags += "c" }
        if flags.isEmpty { flags = "N" }
        let age = max(0, (now - c.createdAt) / 1000)
        let idle = max(0, (now - c.lastInteraction) / 1000)
        // Podium has no fixed reply buffer (Valkey's 16 KB `buf`, `obl`): every reply goes into NIO's write queue,
        // so `obl` is 0 and `oll`/`omem` are that queue's writes and bytes.
        let qbuf = c.buffers?.queryBufferBytes ?? 0
        let omem = c.buffers?.outputBytes ?? 0
        let oll = c.buffers?.outputWrites ?? 0
        return "id=\(c.id) addr=\(c.address) laddr=\(c.localAddress) fd=\(c.fd) name=\(c.name?.description ?? "")"
            + " age=\(age) idle=\(idle) flags=\(flags) db=\(c.db) sub=\(c.subscriptions.channels.count)"
            + " psub=\(c.subscriptions.patterns.count) ssub=\(c.subscriptions.shardChannels.count)"
            + " multi=\(c.inMulti ? c.queued.count : -1) qbuf=\(qbuf) qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0"
            + " obl=0 oll=\(oll) omem=\(omem) tot-mem=\(qbuf + omem) events=r cmd=\(c.lastCommand) user=\(c.userName) redir=-1"
            + " resp=\(c.proto.rawValue) lib-name=\(c.libName ?? "") lib-ver=\(c.libVersion ?? "")"
    }

    /// The class CLIENT LIST/KILL TYPE and `client-output-buffer-limit` see (Valkey's `getClientType`).
    static func clientType(_ c: ClientSession) -> String { c.subscriptions.isSubscribed ? "pubsub" : "normal" }

    /// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id ...]
    static func list(_ ctx: inout CommandContext) throws(CommandError) {
        var ids: Set<Int>?
        var type: String?
        var j = 2
        while j < ctx.argc {
            if ctx.argIs(j, "type"), j + 1 < ctx.argc {
                type = ctx.lowercased(j + 1)
                guard ["normal", "master", "replica", "slave", "pubsub"].contains(type!) else {
                    throw .unknownClientType(ctx.string(j + 1))
                }
                j += 2
            } else if ctx.argIs(j, "id"), j + 1 < ctx.argc {
                var set = Set<Int>()
                j += 1
                while j < ctx.argc {
                    guard let id = ctx.integerIfValid(j), id > 0 else { throw .invalidClientID }
                    set.insert(id)
                    j += 1
                }
                ids = set
            } else {
                throw .syntax
            }
        }
        let now = ctx.keyspace.now
        var clients = ctx.server?.clients() ?? [ctx.client]
        clients.sort { $0.id < $1.id }
        var text = ""
        for c in clients {
            if let ids, !ids.contains(c.id) { continue }
            if let type, type != clientType(c) { continue }
            text += describe(c, now: now) + "\n"
        }
        ctx.reply.verbatim(text)
    }

    /// CLIENT INFO
    static func info(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.verbatim(describe(ctx.client, now: ctx.keyspace.now) + "\n")
    }

    /// CLIENT KILL ip:port | CLIENT KILL [ID id] [ADDR ip:port] [LADDR ip:port] [USER name] [SKIPME yes|no] ...
    static func kill(_ ctx: inout CommandContext) throws(CommandError) {
        let clients = ctx.server?.clients() ?? []
        if ctx.argc == 3 {
            let addr = ctx.string(2)
            guard let victim = clients.first(where: { $0.address == addr }) else {
                throw .noSuchClient
            }
            ctx.server?.kill(client: victim)
            ctx.reply.ok()
            return
        }
        var id: Int?
        var addr: String?
        var laddr: String?
        var user: String?
        var skipMe = true
        var maxAge: Int?
        var type: String?
        var j = 2
        while j < ctx.argc {
            guard j + 1 < ctx.argc else { throw .syntax }
            if ctx.argIs(j, "id") {
                guard let v = ctx.integerIfValid(j + 1), v > 0 else {
                    throw .clientIDNotPositive
                }
                id = v
            } else if ctx.argIs(j, "addr") {
                addr = ctx.string(j + 1)
            } else if ctx.argIs(j, "laddr") {
                laddr = ctx.string(j + 1)
            } else if ctx.argIs(j, "user") {
                user = ctx.string(j + 1)
                guard ctx.dispatcher.acl.user(named: ctx.string(j + 1)) != nil else {
                    throw .noSuchUser(ctx.string(j + 1))
                }
            } else if ctx.argIs(j, "skipme") {
                guard let named = ctx.choice(j + 1, ["yes": true, "no": false]) else { throw .syntax }
                skipMe = named
            } else if ctx.argIs(j, "maxage") {
                maxAge = try ctx.integer(j + 1)
            } else if ctx.argIs(j, "type") {
                let t = ctx.lowercased(j + 1)
                guard ["normal", "master", "replica", "slave", "pubsub"].contains(t) else {
                    throw .unknownClientType(ctx.string(j + 1))
                }
                type = t
            } else {
                throw .syntax
            }
            j += 2
        }
        var killed = 0
        for c in clients {
            if let id, c.id != id { continue }
            if let addr, c.address != addr { continue }
            if let laddr, c.localAddress != laddr { continue }
            if let user, c.userName != user { continue }
            if let maxAge, (ctx.keyspace.now - c.createdAt) / 1000 < maxAge { continue }
            if let type, type != clientType(c) { continue }
            if skipMe, c === ctx.client { continue }
            ctx.server?.kill(client: c)
            killed += 1
        }
        ctx.reply.integer(killed)
    }

    /// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
    ///
    /// A client blocked by BLPOP, BZPOPMIN, WAIT ... gets the reply of a timeout, or with ERROR the error
    /// `UNBLOCKED client unblocked via CLIENT UNBLOCK`; the reply is 1, or 0 when no such client is blocked.
    static func unblock(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 4 { throw .subcommandSyntax(sub: ctx.string(1), command: "client") }
        var error = false
        if ctx.argc == 4 {
            guard let named = ctx.choice(3, ["timeout": false, "error": true]) else { throw .unblockReason }
            error = named
        }
        let id = try ctx.integer(2)
        guard let target = ctx.server?.clients().first(where: { $0.id == id }) else {
            ctx.reply.integer(0)
            return
        }
        ctx.reply.integer(ctx.dispatcher.unblockByRequest(target, error: error) ? 1 : 0)
    }

    /// CLIENT HELP
    static func help(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(
            &ctx, command: "CLIENT",
            lines: [
                "GETNAME", "    Return the name of the current connection.",
                "ID", "    Return the ID of the current connection.",
                "INFO", "    Return information about the current client connection.",
                "KILL <ip:port>", "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are: ID, ADDR, LADDR, USER, SKIPME, MAXAGE, TYPE.",
                "LIST [options ...]", "    Return information about client connections.",
                "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
                "NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
                "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
                "SETNAME <name>", "    Assign the name <name> to the current connection.",
                "SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
                "UNBLOCK <clientid> [TIMEOUT|ERROR]",
                "    Unblock the specified blocked client.",
            ])
    }
}
