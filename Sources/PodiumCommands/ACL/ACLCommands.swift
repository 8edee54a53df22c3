import Logging
import NIOCore
import PodiumKeyspace
import PodiumRESP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Handlers of the ACL command (Valkey's `aclCommand`), group `server`.
public enum ACLCommands {
    /// ACL SETUSER username [rule [rule ...]]
    static func setuser(_ ctx: inout CommandContext) throws(CommandError) {
        let name = ctx.string(2)
        if hasSpaces(ctx.byteArray(2)) { throw .usernameInvalid }
        let rules = (3..<ctx.argc).map { ctx.string($0) }
        let acl = ctx.dispatcher.acl
        let existed = acl.user(named: name) != nil
        let user: ACLUser
        do {
            user = try acl.setUser(name, rules: rules)
        } catch {
            throw .aclSetUser(error)
        }
        if existed { dropClientsLosingChannels(ctx, user: user) }
        ctx.reply.ok()
    }

    /// ACL DELUSER username [username ...]
    static func deluser(_ ctx: inout CommandContext) throws(CommandError) {
        let names = (2..<ctx.argc).map { ctx.string($0) }
        if names.contains("default") { throw .defaultUserUndeletable }
        var deleted = 0
        for name in names {
            guard let user = ctx.dispatcher.acl.deleteUser(name) else { continue }
            deleted += 1
            // Valkey's ACLFreeUserAndKillClients: the user's connections go (back to the default user meanwhile,
            // unauthenticated, should anything still run on them).
            for client in ctx.server?.clients() ?? [] where client.user === user {
                client.user = nil
                client.authenticated = false
                ctx.server?.kill(client: client)
            }
        }
        ctx.reply.integer(deleted)
    }

    /// ACL GETUSER username
    static func getuser(_ ctx: inout CommandContext) throws(CommandError) {
        guard let user = ctx.dispatcher.acl.user(named: ctx.string(2)) else {
            ctx.reply.null()
            return
        }
        ctx.reply.mapHeader(6)
        ctx.reply.bulk("flags")
        let flags = user.flagNames
        ctx.reply.setHeader(flags.count)
        for flag in flags { ctx.reply.bulk(flag) }
        ctx.reply.bulk("passwords")
        ctx.reply.arrayHeader(user.passwords.count)
        for password in user.passwords { ctx.reply.bulk(password) }
        ctx.reply.bulk("commands")
        ctx.reply.bulk(user.commandsDescription)
        ctx.reply.bulk("keys")
        ctx.reply.bulk(user.keysDescription)
        ctx.reply.bulk("channels")
        ctx.reply.bulk(user.channelsDescription)
        ctx.reply.bulk("selectors")
        ctx.reply.arrayHeader(0)
    }

    /// ACL LIST
    static func list(_ ctx: inout CommandContext) throws(CommandError) {
        let acl = ctx.dispatcher.acl
        let names = acl.userNames
        ctx.reply.arrayHeader(names.count)
        for name in names {
            if let user = acl.user(named: name) { ctx.reply.bulk("user \(name) \(user.description)") }
        }
    }

    /// ACL USERS
    static func users(_ ctx: inout CommandContext) throws(CommandError) {
        let names = ctx.dispatcher.acl.userNames
        ctx.reply.arrayHeader(names.count)
        for name in names { ctx.reply.bulk(name) }
    }

    /// ACL WHOAMI
    static func whoami(_ ctx: inout CommandContext) throws(CommandError) { ctx.reply.bulk(ctx.client.userName) }

    /// ACL CAT [category]
    static func cat(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 { throw .subcommandSyntax(sub: ctx.string(1), command: "acl") }
        if ctx.argc == 2 {
            ctx.reply.arrayHeader(ACLCategories.named.count)
            for (_, name) in ACLCategories.named { ctx.reply.bulk(name) }
            return
        }
        guard let category = ACLCategories(name: ctx.string(2)) else {
            throw .unknownACLCategory(ctx.string(2))
        }
        let names = ctx.dispatcher.table.allSpecs.filter { $0.aclCategories.contains(category) }.map(\.fullName)
        ctx.reply.arrayHeader(names.count)
        for name in names { ctx.reply.bulk(name) }
    }

    /// ACL LOG [count | RESET]
    static func log(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 { throw .subcommandSyntax(sub: ctx.string(1), command: "acl") }
        let acl = ctx.dispatcher.acl
        var count = 10
        if ctx.argc == 3 {
            if ctx.argIs(2, "reset") {
                acl.resetLog()
                ctx.reply.ok()
                return
            }
            count = max(0, try ctx.integer(2))
        }
        let entries = acl.log.prefix(count)
        let now = ctx.keyspace.clock.nowMilliseconds()
        ctx.reply.arrayHeader(entries.count)
        for entry in entries {
            ctx.reply.mapHeader(10)
            ctx.reply.bulk("count")
            ctx.reply.integer(entry.count)
            ctx.reply.bulk("reason")
            ctx.reply.bulk(entry.reason.rawValue)
            ctx.reply.bulk("context")
            ctx.reply.bulk(entry.context.rawValue)
            ctx.reply.bulk("object")
            ctx.reply.bulk(entry.object)
            ctx.reply.bulk("username")
            ctx.reply.bulk(entry.username)
            ctx.reply.bulk("age-seconds")
            ctx.reply.double(formatted: NumberFormat.formatDouble(Double(now - entry.updated) / 1000))
            ctx.reply.bulk("client-info")
            ctx.reply.bulk(entry.clientInfo)
            ctx.reply.bulk("entry-id")
            ctx.reply.integer(entry.id)
            ctx.reply.bulk("timestamp-created")
            ctx.reply.integer(Int(entry.created))
            ctx.reply.bulk("timestamp-last-updated")
            ctx.reply.integer(Int(entry.updated))
        }
    }

    /// ACL GENPASS [bits]
    static func genpass(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 { throw .subcommandSyntax(sub: ctx.string(1), command: "acl") }
        var bits = 256
        if ctx.argc == 3 { bits = try ctx.integer(2) }
        guard bits > 0, bits <= 4096 else {
            throw .aclGenpassBits
        }
        // Hex digits of a cryptographically secure random source (getrandom on Linux).
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        let digits = (0..<(bits + 3) / 4).map { _ in hex[Int(generator.next() & 15)] }
        ctx.reply.bulk(String(decoding: digits, as: UTF8.self))
    }

    /// ACL DRYRUN username command [arg [arg ...]]
    static func dryrun(_ ctx: inout CommandContext) throws(CommandError) {
        guard let user = ctx.dispatcher.acl.user(named: ctx.string(2)) else {
            throw .aclUserNotFound(ctx.string(2))
        }
        let args = Array(ctx.args[3...])
        let table = ctx.dispatcher.table
        guard let spec = table.resolve(args), spec.subcommands.isEmpty || args.count < 2 else {
            throw .aclCommandNotFound(ctx.string(3))
        }
        guard spec.acceptsArgumentCount(args.count) else {
            throw .wrongArity(spec.fullName)
        }
        switch user.check(spec, args) {
        case nil: ctx.reply.ok()
        case .command: ctx.reply.bulk("This user has no permissions to run the '\(spec.fullName)' command")
        case .key(let index):
            ctx.reply.bulk("This user has no permissions to access the '\(String(buffer: args[index]))' key")
        case .channel(let index):
            ctx.reply.bulk("This user has no permissions to access the '\(String(buffer: args[index]))' channel")
        }
    }

    /// ACL LOAD: replaces the users with the aclfile's (all or nothing). Connections whose user is gone, or may no
    /// longer use a channel it is subscribed to, are closed; the others carry on as the reloaded user of their name
    /// (Valkey 8).
    static func load(_ ctx: inout CommandContext) throws(CommandError) {
        let acl = ctx.dispatcher.acl
        guard !acl.aclFile.isEmpty else { throw .noACLFile }
        do {
            try acl.loadFile()
        } catch {
            throw .aclLoad(error)
        }
        for client in ctx.server?.clients() ?? [] {
            guard let old = client.user else {
                if !acl.defaultUser.mayKeep(client.subscriptions) { ctx.server?.kill(client: client) }
                continue
            }
            guard let fresh = acl.user(named: old.name) else {
                client.user = nil
                client.authenticated = false
                ctx.server?.kill(client: client)
                continue
            }
            client.user = fresh === acl.defaultUser ? nil : fresh
            if !fresh.mayKeep(client.subscriptions) { ctx.server?.kill(client: client) }
        }
        ctx.reply.ok()
    }

    /// ACL SAVE
    static func save(_ ctx: inout CommandContext) throws(CommandError) {
        let acl = ctx.dispatcher.acl
        guard !acl.aclFile.isEmpty else { throw .noACLFile }
        guard acl.saveFile() else {
            ctx.dispatcher.logger.warning("failed saving the acl file", metadata: ["podium.file": "\(acl.aclFile)"])
            throw .aclSaveFailed
        }
        ctx.reply.ok()
    }

    /// ACL HELP
    static func help(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(
            &ctx, command: "ACL",
            lines: [
                "CAT [<category>]",
                "    List all commands that belong to <category>, or all command categories",
                "    when no category is specified.",
                "DELUSER <username> [<username> ...]", "    Delete a list of users.",
                "DRYRUN <username> <command> [<arg> ...]",
                "    Returns whether the user can execute the given command without executing the command.",
                "GETUSER <username>", "    Get the user's details.",
                "GENPASS [<bits>]", "    Generate a secure 256-bit user password. The optional `bits` argument can",
                "    be used to specify a different size.",
                "LIST", "    Show users details in config file format.",
                "LOAD", "    Reload users from the ACL file.",
                "LOG [<count> | RESET]", "    Show the ACL log entries.",
                "SAVE", "    Save the current config to the ACL file.",
                "SETUSER <username> <attribute> [<attribute> ...]",
                "    Create or modify a user with the specified attributes.",
                "USERS", "    List all the registered usernames.",
                "WHOAMI", "    Return the current connection username.",
            ])
    }

    // MARK: - Helpers

    /// Valkey's `ACLKillPubsubClientsIfNeeded`: connections of `user` subscribed to a channel or pattern it may no
    /// longer use are closed.
    static func dropClientsLosingChannels(_ ctx: CommandContext, user: ACLUser) {
        guard !user.allChannels else { return }
        let acl = ctx.dispatcher.acl
        for client in ctx.server?.clients() ?? [] where acl.user(of: client) === user {
            if client.subscriptions.isSubscribed, !user.mayKeep(client.subscriptions) {
                ctx.server?.kill(client: client)
            }
        }
    }

    /// Valkey's `ACLStringHasSpaces`: white space or NUL.
    static func hasSpaces(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 == 0 || $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
    }
}
