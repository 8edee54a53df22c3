import Logging
import NIOConcurrencyHelpers
import NIOCore
import PodiumCommands
import PodiumKeyspace

/// The single global order of command execution.
///
/// Connections parse on their own event loops; to execute, a connection takes this executor's lock once for the
/// whole batch of requests it decoded from one read, runs them, and releases it; encoding was already done into
/// the connection's own buffer, and flushing happens outside the lock. One lock per batch (not per command) keeps
/// the cost of the global order small at high pipeline depths, and a batch (so also a MULTI/EXEC block, which
/// never spans batches in execution) is never interleaved with another client's commands.
///
/// Everything the command layer owns — keyspace, dispatcher, client registry — is only touched with the lock
/// held, which is why those types need no locks of their own.
final class CommandExecutor: @unchecked Sendable {
    private let lock = NIOLock()
    let keyspace: Keyspace
    let dispatcher: Dispatcher

    init(keyspace: Keyspace, dispatcher: Dispatcher) {
        self.keyspace = keyspace
        self.dispatcher = dispatcher
    }

    /// Runs `body` with exclusive access to the keyspace and the command layer.
    @inline(__always)
    func withExclusiveAccess<R>(_ body: () throws -> R) rethrows -> R {
        try lock.withLock(body)
    }
}
