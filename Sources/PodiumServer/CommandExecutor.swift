import Logging
import NIOConcurrencyHelpers
import NIOCore
import PodiumCommands
import PodiumKeyspace

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
///
/// ## While a script is busy
/// A script runs on the script thread holding the lock, for as long as it takes. Once it has run longer than
/// `busy-reply-threshold`, it declares itself busy (`beginBusy`), and from then on, every 100,000 Lua
/// instructions, runs the work that waits for the lock (`serveWaiting`): Valkey's `processEventsWhileBlocked`.
/// Event loops ask for the lock with `withExclusiveAccessOrWhileBusy`: while a script is busy, their work (a
/// batch of requests, which the dispatcher then refuses with BUSY unless the command may run during a busy
/// script, a new connection, a closed one) is handed to the script thread and run there, the event loop waiting
/// for it. So every client gets its answer (BUSY, or SCRIPT KILL's) within a millisecond or so, and no event
/// loop waits for the script's end. Periodic work (`withExclusiveAccessUnlessBusy`) is skipped instead, and the
/// rest simply waits for the lock.
final class CommandExecutor: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    let keyspace: Keyspace
    let dispatcher: Dispatcher

    /// The busy protocol (see above), under `busyLock`: whether a script is busy, and the work waiting for it.
    private let busyLock = NIOLock()
    @exclusivity(unchecked) private var busy = false
    @exclusivity(unchecked) private var waiting: [WaitingWork] = []

    /// `run` holds the waiter's non-escaping closure: it is released (set to nil) before `done`, so nothing
    /// refers to it once the waiter goes on.
    private final class WaitingWork {
        var run: (() -> Void)?
        var done = false
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    init(keyspace: Keyspace, dispatcher: Dispatcher) {
        self.keyspace = keyspace
        self.dispatcher = dispatcher
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the keyspace and the command layer, waiting for the lock as long as
    /// it takes.
    @inline(__always)
    func withExclusiveAccess<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// As `withExclusiveAccess`, for event loops: while a script is busy, `body` runs on the script's thread
    /// (between two steps of the script) and this thread waits for it, instead of waiting for the script's end.
    @inline(__always)
    func withExclusiveAccessOrWhileBusy<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        if pthread_mutex_trylock(mutex) == 0 {
            defer { pthread_mutex_unlock(mutex) }
            return try body()
        }
        return try contended(body, delegate: true)!
    }

    /// As `withExclusiveAccess`, for periodic work: nil without running `body` while a script is busy.
    func withExclusiveAccessUnlessBusy<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R? {
        if pthread_mutex_trylock(mutex) == 0 {
            defer { pthread_mutex_unlock(mutex) }
            return try body()
        }
        return try contended(body, delegate: false)
    }

    private func contended<R, E: Error>(_ body: () throws(E) -> R, delegate: Bool) throws(E) -> R? {
        while true {
            if busyLock.withLock({ busy }) {
                if !delegate { return nil }
                if let result = try handToBusyScript(body) { return result }
                continue
            }
            // Waits for the lock a few milliseconds at a time, to notice a script that became busy meanwhile.
            if lockWithin(milliseconds: 2) {
                defer { pthread_mutex_unlock(mutex) }
                return try body()
            }
        }
    }

    private func lockWithin(milliseconds: Int) -> Bool {
        #if os(Linux)
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_nsec += milliseconds * 1_000_000
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        return pthread_mutex_timedlock(mutex, &deadline) == 0
        #else
        // No pthread_mutex_timedlock on Darwin: poll.
        for _ in 0..<(milliseconds * 10) {
            if pthread_mutex_trylock(mutex) == 0 { return true }
            usleep(100)
        }
        return false
        #endif
    }

    /// Hands `body` to the busy script's thread and waits for it; nil when the script stopped being busy first
    /// (then the lock is free again, or soon).
    private func handToBusyScript<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R? {
        var result: Result<R, E>?
        withoutActuallyEscaping(body) { body in
            let work = WaitingWork {
                do throws(E) { result = .success(try body()) } catch { result = .failure(error) }
            }
            let queued = busyLock.withLock { () -> Bool in
                guard busy else { return false }
                waiting.append(work)
                return true
            }
            guard queued else { return }
            // Wait for the script thread to run it, or for the busy time to end without it (polled: this happens
            // only while a script is busy, a rare state that lasts seconds).
            while true {
                let state = busyLock.withLock { () -> (done: Bool, busy: Bool) in (work.done, busy) }
                if state.done || !state.busy { break }
                usleep(100)
            }
            busyLock.withLock {
                if !work.done { waiting.removeAll { $0 === work } }
                work.run = nil
            }
        }
        return try result.map { r throws(E) in try r.get() }
    }

    // MARK: - Called by the busy script's thread (which holds the lock)

    /// A script has run past `busy-reply-threshold`: from now on waiting work is handed to it.
    func beginBusy() {
        busyLock.withLock { busy = true }
    }

    /// Runs the work handed over since the last call.
    func serveWaiting() {
        let work = busyLock.withLock { () -> [WaitingWork] in
            defer { waiting.removeAll() }
            return waiting
        }
        guard !work.isEmpty else { return }
        for w in work {
            w.run?()
            busyLock.withLock {
                w.run = nil
                w.done = true
            }
        }
    }

    /// The script ended (or was killed): waiting work takes the lock again the usual way.
    func endBusy() {
        busyLock.withLock { busy = false }
    }
}
