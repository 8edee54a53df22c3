import NIOCore
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `connection` group: what clients send on connect, and per-connection settings.
public enum ConnectionCommands {
    /// The version HELLO and INFO report. Clients gate features on it; Podium implements the 7.2 command set.
    public static let redisVersion = "7.2.4"

    /// PING [message]
    static func ping(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 2 { throw .wrongArity("ping") }
        if ctx.client.proto == .resp2, ctx.client.subscriptions.isSubscribed {
            // Subscribed mode: `["pong", message or ""]`, so the reply cannot be taken for a published message.
            ctx.reply.arrayHeader(2)
            ctx.reply.bulk("pong")
            if ctx.argc == 2 { ctx.reply.bulk(ctx.args[1]) } else { ctx.reply.bulk("") }
            return
        }
        if ctx.argc == 2 { ctx.reply.bulk(ctx.args[1]) } else { ctx.reply.simple("PONG") }
    }

    /// ECHO message
    static func echo(_ ctx: inout CommandContext) throws(CommandError) { ctx.reply.bulk(ctx.args[1]) }

    /// QUIT — answers OK, then the server closes the connection.
    static func quit(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.ok()
        ctx.client.closeAfterReply = true
    }

    /// RESET — back to a fresh connection's state.
    static func reset(_ ctx: inout CommandContext) throws(CommandError) {
        let client = ctx.client
        client.discardTransaction()
        ctx.dispatcher.unwatchAll(client)
        ctx.server?.unsubscribeAll(client)
        client.db = 0
        client.proto = .resp2
        client.name = nil
        client.replyMode = .on
        client.noEvict = false
        client.noTouch = false
        client.isMonitor = false
        // Back to the default user, authenticated only if it needs no password (Valkey's clearClientConnectionState).
        client.user = nil
        client.authenticated = ctx.dispatcher.acl.defaultUserIsOpen
        ctx.reply.proto = .resp2
        ctx.reply.simple("RESET")
    }

    /// Authenticates the connection as `user` (the default user when nil), Valkey's `ACLAuthenticateUser`: on
    /// success the connection runs as that user from its next command on; a failure is logged in the ACL LOG
    /// (reason `auth`, object the command as sent) and answered with WRONGPASS.
    static func authenticate(_ ctx: CommandContext, user: String?, password: [UInt8]) throws(CommandError) {
        let acl = ctx.dispatcher.acl
        if user == nil, acl.defaultUser.nopass {
            throw .authWithoutPassword
        }
        let name = user ?? "default"
        guard let authenticated = acl.authenticate(name, password: password) else {
            let client = ctx.client
            acl.record(
                .auth, context: client.inMulti ? .multi : .toplevel, object: ctx.string(0), username: name,
                clientInfo: ClientCommands.describe(client, now: ctx.keyspace.now), now: ctx.keyspace.now)
            throw .wrongPass
        }
        ctx.client.user = authenticated
        ctx.client.authenticated = true
    }

    /// AUTH [username] password
    static func auth(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 { throw .syntax }
        if ctx.argc == 3 {
            try authenticate(ctx, user: ctx.string(1), password: ctx.byteArray(2))
        } else {
            try authenticate(ctx, user: nil, password: ctx.byteArray(1))
        }
        ctx.reply.ok()
    }

    /// HELLO [protover [AUTH username password] [SETNAME clientname]]
    static func hello(_ ctx: inout CommandContext) throws(CommandError) {
        var version = ctx.client.proto
        var next = 1
        if ctx.argc >= 2 {
            guard let v = ctx.integerIfValid(1) else {
                throw .protocolVersionNotInteger
            }
            guard v == 2 || v == 3 else { throw .noProto }
            version = v == 3 ? .resp3 : .resp2
            next = 2
        }
        var credentials: (String, [UInt8])?
        var name: Bytes?
        var j = next
        while j < ctx.argc {
            let more = ctx.argc - 1 - j
            if ctx.argIs(j, "auth"), more >= 2 {
                credentials = (ctx.string(j + 1), ctx.byteArray(j + 2))
                j += 3
            } else if ctx.argIs(j, "setname"), more >= 1 {
                name = ctx.bytes(j + 1)
                j += 2
            } else {
                throw .helloOption(ctx.string(j))
            }
        }
        if let (user, password) = credentials { try authenticate(ctx, user: user, password: password) }
        if !ctx.client.authenticated, !ctx.dispatcher.acl.defaultUserIsOpen {
            throw .helloNoAuth
        }
        if let name { try ClientCommands.setName(ctx.client, name) }
        ctx.client.proto = version
        ctx.reply.proto = version
        ctx.reply.mapHeader(7)
        ctx.reply.bulk("server")
        ctx.reply.bulk("redis")
        ctx.reply.bulk("version")
        ctx.reply.bulk(redisVersion)
        ctx.reply.bulk("proto")
        ctx.reply.integer(version.rawValue)
        ctx.reply.bulk("id")
        ctx.reply.integer(ctx.client.id)
        ctx.reply.bulk("mode")
        ctx.reply.bulk("standalone")
        ctx.reply.bulk("role")
        ctx.reply.bulk("master")
        ctx.reply.bulk("modules")
        ctx.reply.arrayHeader(0)
    }
}
