import NIOCore
import PodiumKeyspace
import PodiumRESP

/// Blocked clients (BLPOP, BLMOVE, BLMPOP, BZPOPMIN, BZMPOP, WAIT), the way Valkey 8 does it (`blocked.c`):
///
/// - **Blocking.** A handler that finds nothing to pop calls `ctx.block(...)` and writes no reply. The client is
///   added at the tail of each key's queue; the dispatcher stops running that client's batch, and the server
///   holds the rest of it (and whatever the client sends meanwhile) until the client is unblocked.
/// - **Becoming ready.** Creating a key (`Database.set` of a new key, which is also how RENAME, MOVE, COPY and
///   the STORE commands arrive) marks it ready when someone blocks on it (`Keyspace.blockingKeys`); so does
///   SWAPDB for keys that exist after the swap. Nothing else: a key that exists is not empty (empty lists and
///   sorted sets are deleted), so a client only ever waits for a key to appear.
/// - **Serving.** After each command — after a whole EXEC, whose queued commands do not pass through here —
///   the dispatcher takes the ready keys and, per key, the clients blocked on it in the order they blocked.
///   For each, if the key now holds the type it waits for (a list for BLPOP, a sorted set for BZPOPMIN), the
///   client is unblocked and its command runs again, as a command of its own (its reply, events and log
///   entry), exactly as Valkey re-processes it. If it finds nothing (an earlier client took the last element) it
///   blocks again at the tail, keeping its original timeout. So `LPUSH k a` + `DEL k` in one transaction wakes
///   nobody, and `DEL k` + `SET k x` neither (the key is then a string).
/// - **Cost.** While nobody blocks, creating a key costs one check of an empty set, and each command one check
///   of an empty array; with blocked clients, creating a key costs one set lookup. Nothing scans the blocked
///   clients: timeouts are one timer per blocked client on its own event loop, disconnects remove the client
///   from its keys' queues.
extension Dispatcher {
    // MARK: - Handlers' side

    /// Parks `client` on the keys at argument positions `keys` (duplicates count once) until one of them holds
    /// `type`, until `deadline` (absolute ms, 0: forever), or until CLIENT UNBLOCK. When the command is being
    /// re-run after an unblock and blocks again, it keeps its first deadline and timer.
    func block(_ ctx: CommandContext, keys: [Int], type: BlockedState.Kind, deadline: Int64) {
        let client = ctx.client
        let previous = client.reprocessing
        let generation = previous?.generation ?? nextBlockGeneration()
        var names: [DatabaseKey] = []
        for i in keys {
            let k = DatabaseKey(db: client.db, key: ctx.key(i))
            if !names.contains(k) { names.append(k) }
        }
        let state = BlockedState(
            keys: names, kind: type, command: ctx.args, deadline: previous?.deadline ?? deadline,
            generation: generation, since: previous?.since ?? keyspace.now)
        client.blocked = state
        if names.isEmpty { waitingClients[client.id] = client }
        for k in names {
            blockedOn[k, default: []].append(client)
            keyspace.blockingKeys.insert(k)
        }
        blockedClientCount += 1
    }

    func nextBlockGeneration() -> Int {
        blockGenerations &+= 1
        return blockGenerations
    }

    /// Removes `client` from the queues of the keys it blocks on. Returns its state.
    @discardableResult
    func releaseBlocked(_ client: ClientSession) -> BlockedState? {
        guard let state = client.blocked else { return nil }
        client.blocked = nil
        blockedClientCount -= 1
        if state.keys.isEmpty { waitingClients[client.id] = nil }
        for k in state.keys {
            guard var queue = blockedOn[k] else { continue }
            queue.removeAll { $0 === client }
            if queue.isEmpty {
                blockedOn[k] = nil
                keyspace.blockingKeys.remove(k)
            } else {
                blockedOn[k] = queue
            }
        }
        return state
    }

    // MARK: - Serving

    /// Serves the clients blocked on keys that became ready, key by key in the order they became ready, and
    /// on each key in the order the clients blocked (Valkey's `handleClientsBlockedOnKeys`). Serving may make
    /// more keys ready (BLMOVE pushes): those are served in the same call.
    func serveBlockedClients() {
        guard !servingBlocked else { return }
        servingBlocked = true
        defer { servingBlocked = false }
        while !keyspace.readyKeys.isEmpty {
            for k in keyspace.takeReadyKeys() {
                guard let queue = blockedOn[k] else { continue }
                // At most the clients queued now: one that blocks again goes to the tail and waits for the next
                // change.
                for receiver in queue where receiver.blocked != nil {
                    let db = keyspace[k.db]
                    guard let slot = k.key.withUnsafeBytes({ db.slot(raw: $0) }),
                        receiver.blocked?.kind.accepts(db.entry(slot).value) == true
                    else { continue }
                    rerun(receiver)
                }
            }
        }
    }

    /// Unblocks `receiver` and runs its command again; its reply goes to its connection.
    func rerun(_ receiver: ClientSession) {
        guard let state = releaseBlocked(receiver) else { return }
        receiver.reprocessing = state
        var rctx = CommandContext(
            dispatcher: self, client: receiver, reply: ReplyWriter(buffer: ByteBuffer(), proto: receiver.proto),
            spec: table.placeholder)
        rctx.args = state.command
        executeArguments(&rctx)
        receiver.reprocessing = nil
        if receiver.blocked == nil { server?.unblocked(receiver, reply: rctx.reply.buffer) }
    }

    // MARK: - Timeouts, CLIENT UNBLOCK, disconnects

    /// The timeout of a blocked client (its timer fired): if it is still blocked by the same command, unblocks
    /// it and returns the timeout reply (Valkey's `replyToBlockedClientTimedOut`: a null array, or for WAIT the
    /// number of replicas that acknowledged, 0); nil if it was served meanwhile.
    public func blockTimedOut(_ client: ClientSession, generation: Int) -> ByteBuffer? {
        guard let state = client.blocked, state.generation == generation else { return nil }
        releaseBlocked(client)
        return timeoutReply(state, client)
    }

    func timeoutReply(_ state: BlockedState, _ client: ClientSession) -> ByteBuffer {
        var reply = ReplyWriter(buffer: ByteBuffer(), proto: client.proto)
        switch state.kind {
        case .list, .sortedSet: reply.nullArray()
        case .replicas: reply.integer(0)
        }
        return applyReplyMode(reply.buffer, client)
    }

    /// CLIENT UNBLOCK: unblocks `client` with the timeout reply, or with the UNBLOCKED error. Returns false when
    /// it is not blocked.
    func unblockByRequest(_ client: ClientSession, error: Bool) -> Bool {
        guard let state = releaseBlocked(client) else { return false }
        let reply: ByteBuffer
        if error {
            var writer = ReplyWriter(buffer: ByteBuffer(), proto: client.proto)
            writer.error(CommandError.unblocked.message)
            totalErrorReplies += 1
            errorCounts["UNBLOCKED", default: 0] += 1
            reply = applyReplyMode(writer.buffer, client)
        } else {
            reply = timeoutReply(state, client)
        }
        server?.unblocked(client, reply: reply)
        return true
    }

    /// CLIENT REPLY OFF / SKIP for a reply produced outside the client's own batch.
    func applyReplyMode(_ buffer: ByteBuffer, _ client: ClientSession) -> ByteBuffer {
        switch client.replyMode {
        case .on, .skipNext: return buffer
        case .off: return ByteBuffer()
        case .skipThis:
            client.replyMode = .on
            return ByteBuffer()
        }
    }

    /// Blocked clients with a timeout (INFO `clients_in_timeout_table`).
    public var blockedWithTimeoutCount: Int {
        var seen = Set<ObjectIdentifier>()
        for queue in blockedOn.values {
            for c in queue where c.blocked?.deadline ?? 0 > 0 { seen.insert(ObjectIdentifier(c)) }
        }
        return seen.count + waitingClients.values.filter { ($0.blocked?.deadline ?? 0) > 0 }.count
    }

    /// Forgets a client that disconnected (or was reset) while blocked.
    public func forgetBlocked(_ client: ClientSession) {
        releaseBlocked(client)
    }
}

/// What a blocked client waits for.
public final class BlockedState {
    public enum Kind: Sendable {
        case list, sortedSet
        /// WAIT: replicas (Podium has none, so only the timeout or CLIENT UNBLOCK ends it).
        case replicas

        /// Whether a key holding `value` serves a client waiting for this kind.
        func accepts(_ value: Value) -> Bool {
            switch (self, value) {
            case (.list, .list), (.sortedSet, .sortedSet): return true
            default: return false
            }
        }
    }

    public let keys: [DatabaseKey]
    public let kind: Kind
    /// The command to run again when a key is ready (slices of the client's receive buffer, kept alive here).
    public let command: [ByteBuffer]
    /// Absolute expiry (ms, command clock), 0 for none.
    public let deadline: Int64
    /// Identifies this blocking (a timer only unblocks the blocking it was set for).
    public let generation: Int
    /// When the client first blocked (ms).
    public let since: Int64

    init(keys: [DatabaseKey], kind: Kind, command: [ByteBuffer], deadline: Int64, generation: Int, since: Int64) {
        self.keys = keys
        self.kind = kind
        self.command = command
        self.deadline = deadline
        self.generation = generation
        self.since = since
    }
}

extension CommandContext {
    /// True when this command may block: not inside MULTI/EXEC, not while the log replays (Valkey's
    /// `deny_blocking`: the command then answers as if it timed out).
    var mayBlock: Bool { !dispatcher.inExec && !client.replaysLog && !client.isScript }

    /// Parks the client (see `Dispatcher.block`); the handler writes no reply.
    func block(keys: [Int], type: BlockedState.Kind, deadline: Int64) {
        dispatcher.block(self, keys: keys, type: type, deadline: deadline)
    }

    /// Parses `numkeys key [key ...] <first> | <second> [COUNT count]` from argument `at` (LMPOP and BLMPOP with
    /// LEFT | RIGHT, ZMPOP and BZMPOP with MIN | MAX): the key arguments, whether the end is `first` (lower case)
    /// and the count (1 when absent).
    func multiPopArguments(
        at: Int, _ first: StaticString, _ second: StaticString
    ) throws(CommandError)
        -> (keys: Range<Int>, isFirst: Bool, count: Int)
    {
        guard let numkeys = integerIfValid(at), numkeys >= 1 else { throw .numkeysNotPositive }
        // `at + numkeys + 1` cannot overflow in practice; guard anyway (numkeys can be Int.max).
        guard numkeys < argc, at + numkeys + 1 < argc else { throw .syntax }
        let whereIndex = at + numkeys + 1
        let isFirst: Bool
        if argIs(whereIndex, first) {
            isFirst = true
        } else if argIs(whereIndex, second) {
            isFirst = false
        } else {
            throw .syntax
        }
        var count = -1
        var j = whereIndex + 1
        while j < argc {
            guard count == -1, argIs(j, "count"), j + 1 < argc else { throw .syntax }
            guard let n = integerIfValid(j + 1), n >= 1 else { throw .countNotPositive }
            count = n
            j += 2
        }
        return ((at + 1)..<whereIndex, isFirst, count == -1 ? 1 : count)
    }

    /// Valkey's `getTimeoutFromObjectOrReply` in seconds (fractions allowed): the absolute deadline in ms, or 0
    /// for "block forever".
    func blockingTimeout(_ i: Int) throws(CommandError) -> Int64 {
        #if arch(x86_64) || arch(i386)
        // Valkey parses the timeout as a long double (string2ld).
        guard let seconds = args[i].withUnsafeReadableBytes({ NumberFormat.parseLongDouble($0) }) else {
            throw .timeoutNotFloat
        }
        let ms = seconds * 1000
        if ms > Float80(Int64.max) { throw .timeoutOutOfRange }
        #else
        guard let seconds = args[i].withUnsafeReadableBytes({ NumberFormat.parseDouble($0) }) else {
            throw .timeoutNotFloat
        }
        let ms = seconds * 1000
        if ms >= Double(Int64.max) { throw .timeoutOutOfRange }
        #endif
        // -inf (and anything whose ceiling is below 0) is negative; ceil(-0.5) is 0, "block forever", as in Valkey.
        if ms.isNaN { throw .timeoutNotFloat }
        if ms <= -1 { throw .timeoutNegative }
        let value = Int64(ms.rounded(.up))
        if value < 0 { throw .timeoutNegative }
        if value == 0 { return 0 }
        let now = keyspace.now
        if value > Int64.max - now { throw .timeoutOutOfRange }
        return now + value
    }
}
