import NIOCore
import PodiumKeyspace

/// A write as it is recorded (in the AOF; later, to replicas): the database it ran in and the arguments that
/// replay it.
public struct PropagatedCommand {
    public var db: Int
    /// Command name first. Usually the request's own argument slices (zero-copy): the propagator copies them.
    public var args: [ByteBuffer]

    public init(db: Int, args: [ByteBuffer]) {
        self.db = db
        self.args = args
    }
}

/// Where the effects of commands go, in the one global execution order (docs/persistence.md). The server
/// installs one (the AOF) on the dispatcher; without one, nothing is collected and a command pays one nil check.
///
/// What is propagated follows Valkey 7 (`call()` and `propagatePendingCommands()`):
/// - a command that changed the data (`Keyspace.dirty` moved) is propagated as its arguments, unless its handler
///   replaced them (`CommandContext.propagateInstead`: relative TTLs become absolute, INCRBYFLOAT a SET of the
///   result) or prevented it (`preventPropagation`, when `alsoPropagate` already recorded its effects);
/// - a key removed because it expired (lazily, by a command's lookup) is propagated as a `DEL` before the command
///   that found it; keys removed by the active expiry cycle or by eviction as `DEL`s of their own;
/// - EXEC is never propagated itself: the writes of its commands are;
/// - one execution unit (a command, or EXEC with its commands) that produced more than one write is handed over
///   with `atomic: true`, and the AOF wraps it in MULTI … EXEC so it replays all or nothing.
public protocol CommandPropagator: AnyObject {
    /// Records one execution unit. Called with the executor lock held; must not block.
    func propagate(_ commands: [PropagatedCommand], atomic: Bool)
    /// Why writes must be refused (the system's error text, e.g. "No space left on device"), or nil while
    /// persisting works. Asked before every write command (and PING) runs, as Valkey's
    /// `writeCommandsDeniedByDiskError`; must be cheap.
    func writeRefusal() -> String?
}

/// What a handler asked for its own propagation; reset before every call.
struct PropagationRequest {
    /// Arguments to record instead of the command's own.
    var replacement: [ByteBuffer]?
    /// Record nothing for this command itself (what it changed was recorded with `alsoPropagate`).
    var prevented = false
    /// Record the command even if it changed nothing (FLUSHALL on an empty server, as Valkey forces it).
    var forced = false
}

extension CommandContext {
    /// Records `args` instead of this command's own arguments, if the command changes data (Valkey's
    /// `rewriteClientCommandVector`). Use it where replaying the request would not give the same result: a
    /// relative expiry, a floating-point increment, a random choice.
    public mutating func propagateInstead(_ args: [ByteBuffer]) {
        propagation.replacement = args
    }

    /// Records an extra write in this execution unit, ahead of the command's own (Valkey's `alsoPropagate`).
    public func alsoPropagate(_ args: [ByteBuffer]) {
        guard dispatcher.propagator != nil else { return }
        dispatcher.pendingPropagation.append(PropagatedCommand(db: client.db, args: args))
    }

    /// Records nothing for this command itself (Valkey's `preventCommandPropagation`).
    public mutating func preventPropagation() {
        propagation.prevented = true
    }

    /// Records this command even though it changed nothing (Valkey's `forceCommandPropagation`).
    public mutating func forcePropagation() {
        propagation.forced = true
    }

    /// Whether anything records writes: handlers skip building replacement arguments when nobody would read
    /// them.
    @inlinable public var propagates: Bool { dispatcher.propagator != nil }

    /// Builds an argument vector from words and byte strings, for `propagateInstead` / `alsoPropagate`.
    public static func arguments(_ parts: PropagationArgument...) -> [ByteBuffer] {
        parts.map(\.buffer)
    }
}

/// One argument of a propagated command.
public struct PropagationArgument {
    let buffer: ByteBuffer

    /// A command name or keyword.
    public static func word(_ text: StaticString) -> PropagationArgument {
        var b = ByteBuffer()
        b.writeStaticString(text)
        return PropagationArgument(buffer: b)
    }
    /// An argument slice as received.
    public static func arg(_ buffer: ByteBuffer) -> PropagationArgument { PropagationArgument(buffer: buffer) }
    /// Raw bytes.
    public static func bytes(_ bytes: Bytes) -> PropagationArgument {
        var b = ByteBuffer()
        _ = bytes.withUnsafeBytes { b.writeBytes($0) }
        return PropagationArgument(buffer: b)
    }
    /// A decimal integer.
    public static func integer<I: BinaryInteger>(_ n: I) -> PropagationArgument {
        var b = ByteBuffer()
        b.writeString(String(n))
        return PropagationArgument(buffer: b)
    }
    /// Text.
    public static func text(_ s: String) -> PropagationArgument {
        var b = ByteBuffer()
        b.writeString(s)
        return PropagationArgument(buffer: b)
    }
}

extension Dispatcher {
    /// Valkey's `is_write_command` for the disk-error check: a write command, or EXEC of a transaction that queued
    /// one (PING is refused too, so that a client notices).
    func refusedOnDiskError(_ spec: CommandSpec, _ client: ClientSession) -> Bool {
        if spec.flags.contains(.write) { return true }
        if spec.flags.contains(.refusedOnDiskError) { return true }
        guard spec.rootFlags.contains(.runsTransaction), client.inMulti else { return false }
        return client.queued.contains { args in
            guard let first = args.first, let queued = table.lookup(first) else { return false }
            return queued.flags.contains(.write)
        }
    }

    /// `DEL key`, for a key the keyspace removed because it expired or was evicted.
    func propagateDeletion(db: Int, key: Bytes) {
        pendingPropagation.append(
            PropagatedCommand(db: db, args: CommandContext.arguments(.word("DEL"), .bytes(key))))
    }

    /// Hands what was collected to the propagator: as one unit (`atomic` when more than one write), or, for
    /// deletions outside any command (active expiry, eviction), each on its own.
    public func flushPropagation(asOneUnit: Bool = true) {
        guard !pendingPropagation.isEmpty else { return }
        defer { pendingPropagation.removeAll(keepingCapacity: pendingPropagation.count <= 64) }
        guard let propagator else { return }
        if asOneUnit {
            propagator.propagate(pendingPropagation, atomic: pendingPropagation.count > 1)
        } else {
            for command in pendingPropagation { propagator.propagate([command], atomic: false) }
        }
    }
}
