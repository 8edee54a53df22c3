import NIOCore
import PodiumKeyspace
import PodiumRESP

/// Handlers of Valkey's `pubsub` group (`pubsub.c`). The channel → subscribers index and the delivery to other
/// connections belong to the server's hub (`ServerContext.subscribe/publish/...`); these handlers parse the
/// arguments and shape the replies.
///
/// Confirmations (`subscribe`, `unsubscribe`, ...) are written with `pushHeader`: a `>` push frame in RESP3 and a
/// plain array in RESP2, exactly as Redis 7 replies. Their count is the client's channels plus patterns, or its
/// shard channels for the S-commands.
public enum PubSubCommands {
    /// Writes one `[kind, name-or-null, count]` confirmation.
    static func confirm(_ ctx: inout CommandContext, _ word: StaticString, _ name: Bytes?, _ kind: PubSubKind) {
        ctx.replyIsPush = true
        ctx.reply.pushHeader(3)
        word.withUTF8Buffer { ctx.reply.bulk(UnsafeRawBufferPointer($0)) }
        if let name { name.withUnsafeBytes { ctx.reply.bulk($0) } } else { ctx.reply.null() }
        ctx.reply.integer(ctx.client.subscriptions.count(for: kind))
    }

    static func subscribeGeneric(_ ctx: inout CommandContext, _ kind: PubSubKind, _ word: StaticString) {
        let client = ctx.client
        for i in 1..<ctx.argc {
            let name = ctx.bytes(i)
            _ = ctx.server?.subscribe(client, kind, name)
            confirm(&ctx, word, name, kind)
        }
    }

    static func unsubscribeGeneric(_ ctx: inout CommandContext, _ kind: PubSubKind, _ word: StaticString) {
        let client = ctx.client
        if ctx.argc == 1 {
            // All of this kind; with none, one confirmation with a null name (Valkey's `pubsubUnsubscribeAll*`).
            let names = client.subscriptions[kind]
            if names.isEmpty {
                confirm(&ctx, word, nil, kind)
                return
            }
            for name in names {
                _ = ctx.server?.unsubscribe(client, kind, name)
                confirm(&ctx, word, name, kind)
            }
            return
        }
        for i in 1..<ctx.argc {
            let name = ctx.bytes(i)
            _ = ctx.server?.unsubscribe(client, kind, name)
            confirm(&ctx, word, name, kind)
        }
    }

    /// SUBSCRIBE channel [channel ...]
    static func subscribe(_ ctx: inout CommandContext) throws(CommandError) {
        subscribeGeneric(&ctx, .channel, "subscribe")
    }

    /// UNSUBSCRIBE [channel [channel ...]]
    static func unsubscribe(_ ctx: inout CommandContext) throws(CommandError) {
        unsubscribeGeneric(&ctx, .channel, "unsubscribe")
    }

    /// PSUBSCRIBE pattern [pattern ...]
    static func psubscribe(_ ctx: inout CommandContext) throws(CommandError) {
        subscribeGeneric(&ctx, .pattern, "psubscribe")
    }

    /// PUNSUBSCRIBE [pattern [pattern ...]]
    static func punsubscribe(_ ctx: inout CommandContext) throws(CommandError) {
        unsubscribeGeneric(&ctx, .pattern, "punsubscribe")
    }

    /// SSUBSCRIBE shardchannel [shardchannel ...]
    ///
    /// Redis refuses it inside MULTI/EXEC (a transaction's client is `CLIENT_DENY_BLOCKING`), while SUBSCRIBE is
    /// let through there for backward compatibility.
    static func ssubscribe(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.dispatcher.inExec { throw .ssubscribeDenyBlocking }
        subscribeGeneric(&ctx, .shard, "ssubscribe")
    }

    /// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
    static func sunsubscribe(_ ctx: inout CommandContext) throws(CommandError) {
        unsubscribeGeneric(&ctx, .shard, "sunsubscribe")
    }

    /// PUBLISH channel message
    static func publish(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(publishGeneric(&ctx, .channel))
    }

    /// SPUBLISH shardchannel message
    static func spublish(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(publishGeneric(&ctx, .shard))
    }

    /// Publishes to the subscribers of `kind`; in ElastiCache Serverless mode, where classic Pub/Sub is sharded
    /// Pub/Sub, to the channel's SUBSCRIBE and SSUBSCRIBE clients alike (each gets its own kind of message).
    static func publishGeneric(_ ctx: inout CommandContext, _ kind: PubSubKind) -> Int {
        guard let server = ctx.server else { return 0 }
        let publisher = ctx.dispatcher.pushOwner(ctx.client)
        var receivers = server.publish(
            kind, channel: ctx.args[1], message: ctx.args[2], publisher: publisher, output: &ctx.dispatcher.selfPushes)
        if ctx.dispatcher.serverlessMode {
            receivers += server.publish(
                kind == .shard ? .channel : .shard, channel: ctx.args[1], message: ctx.args[2], publisher: publisher,
                output: &ctx.dispatcher.selfPushes)
        }
        return receivers
    }

    // MARK: - PUBSUB

    static func channelsGeneric(_ ctx: inout CommandContext, _ kind: PubSubKind) {
        let pattern: [UInt8]? = ctx.argc > 2 ? ctx.args[2].withUnsafeReadableBytes { Array($0) } : nil
        var names = ctx.server?.pubsubChannels(kind, matching: pattern) ?? []
        if ctx.dispatcher.serverlessMode {
            // One namespace in serverless mode: both kinds' channels, each once.
            let other = ctx.server?.pubsubChannels(kind == .shard ? .channel : .shard, matching: pattern) ?? []
            let seen = Set(names)
            names += other.filter { !seen.contains($0) }
        }
        ctx.reply.arrayHeader(names.count)
        for name in names { name.withUnsafeBytes { ctx.reply.bulk($0) } }
    }

    static func numsubGeneric(_ ctx: inout CommandContext, _ kind: PubSubKind) {
        // A flat array in RESP3 too, as Redis 7 replies.
        ctx.reply.arrayHeader((ctx.argc - 2) * 2)
        for i in 2..<ctx.argc {
            ctx.reply.bulk(ctx.args[i])
            var count = ctx.server?.pubsubSubscriberCount(kind, ctx.bytes(i)) ?? 0
            if ctx.dispatcher.serverlessMode {
                count += ctx.server?.pubsubSubscriberCount(kind == .shard ? .channel : .shard, ctx.bytes(i)) ?? 0
            }
            ctx.reply.integer(count)
        }
    }

    /// PUBSUB CHANNELS [pattern]
    static func channels(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 { throw .subcommandSyntax(sub: ctx.string(1), command: "pubsub") }
        channelsGeneric(&ctx, .channel)
    }

    /// PUBSUB NUMSUB [channel [channel ...]]
    static func numsub(_ ctx: inout CommandContext) throws(CommandError) { numsubGeneric(&ctx, .channel) }

    /// PUBSUB NUMPAT
    static func numpat(_ ctx: inout CommandContext) throws(CommandError) {
        ctx.reply.integer(ctx.server?.pubsubPatternCount() ?? 0)
    }

    /// PUBSUB SHARDCHANNELS [pattern]
    static func shardchannels(_ ctx: inout CommandContext) throws(CommandError) {
        if ctx.argc > 3 { throw .subcommandSyntax(sub: ctx.string(1), command: "pubsub") }
        channelsGeneric(&ctx, .shard)
    }

    /// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
    static func shardnumsub(_ ctx: inout CommandContext) throws(CommandError) { numsubGeneric(&ctx, .shard) }

    /// PUBSUB HELP
    static func help(_ ctx: inout CommandContext) throws(CommandError) {
        HelpText.reply(
            &ctx, command: "PUBSUB",
            lines: [
                "CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).",
                "SHARDCHANNELS [<pattern>]",
                "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]",
                "    Return the number of subscribers for the specified shard level channel(s)",
            ])
    }
}
