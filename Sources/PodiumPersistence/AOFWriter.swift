import Logging
import NIOCore
import PodiumConfig

/// The thread that writes the AOF: it owns the open incremental file and is the only code that touches it.
///
/// ## Hand-over
/// Commands are encoded under the executor lock (in the one global order) and handed over once per batch with
/// `enqueue(_:)`, which appends the bytes to the open chunk under this writer's own small lock and wakes the
/// thread. File-level steps that must happen at an exact point of the stream (switching to a new incremental file
/// when a rewrite starts, installing a new base when it ends) are queued with `enqueue(task:)` between the bytes,
/// so they happen exactly between the writes before and after them.
///
/// ## fsync policies
/// The thread takes everything queued at once, writes it with one `write(2)` (group commit) and then:
/// - `always`: fsyncs, and only then completes the durability waiters of that data (`whenDurable`): the server
///   sends a client the replies of a batch only once every write that batch could have seen is on disk, so an
///   acknowledged write survives a power cut. Many batches arriving during one fsync share the next one.
/// - `everysec`: fsyncs when a second has passed since the last one (also when idle), on a thread of its own
///   (`BackgroundSync`, Valkey's bio fsync job) so that a slow fsync never holds up the writes behind it, and
///   never on a thread that serves clients or holds the command lock; at most about a second of writes can be
///   lost on a power cut, nothing on a crash of the process once written (replies do not wait for it). A second
///   that ends while the previous fsync still runs skips its fsync and counts it (`aof_delayed_fsync`).
/// - `no`: leaves flushing to the OS.
///
/// ## Errors
/// A failed `write` (disk full, I/O error, a file size limit) or `fsync` is kept as `error`: the server then
/// refuses writes with `-MISCONF` (`writeRefusal`), the data stays queued, a partial write is cut off the file
/// again (`ftruncate`, as Valkey does), and the thread retries every 100 ms; the first success clears the error
/// and writes are accepted again. Nothing acknowledged is dropped: with `always`, the replies simply wait.
final class AOFWriter: @unchecked Sendable {
    private enum Item {
        case data(ByteBuffer)
        case task(() -> Void)
    }

    /// Everything below is guarded by `monitor`.
    private let monitor = Monitor()
    private var queue: [Item] = []
    /// The chunk new bytes are appended to (moved into `queue` when a task is queued after it).
    private var open = ByteBuffer()
    /// Logical byte offsets in the stream: enqueued, handed to the OS, and on disk.
    private(set) var committed: UInt64 = 0
    /// When the oldest byte not yet written was enqueued (meaningful while `committed > written`).
    private var pendingSince: UInt64 = 0
    private var written: UInt64 = 0
    private var synced: UInt64 = 0
    private var waiters: [(offset: UInt64, callback: @Sendable () -> Void)] = []
    private var failure: FileError?
    private var stopping = false
    /// Set when the thread has ended: tasks queued after that run on the caller's thread.
    private var stopped = false
    private var idle = true
    var policy: AppendFsync
    /// `no-appendfsync-on-rewrite` while a rewrite runs: no fsync, and `always` waits only for the write.
    var syncSuspended = false
    private(set) var delayedFsyncs = 0

    // The open file: only the writer thread changes these (under the lock, so INFO may read them).
    private var fd: Int32 = -1
    private var path = ""
    /// Bytes in the open incremental file.
    private(set) var fileSize = 0

    private var thread: PersistenceThread?
    private let logger: Logger
    /// The everysec fsyncs.
    private let background = BackgroundSync()

    init(policy: AppendFsync, logger: Logger) {
        self.policy = policy
        self.logger = logger
        open.reserveCapacity(64 * 1024)
    }

    /// Starts the thread, writing to the already open `fd` (at its end, `size` bytes).
    func start(fd: Int32, path: String, size: Int) {
        self.fd = fd
        self.path = path
        self.fileSize = size
        thread = PersistenceThread(name: "podium-aof") { [self] in run() }
    }

    // MARK: - Producer side (any thread; the server calls it under the executor lock)

    /// How long written-to-be bytes may wait for `write(2)` before the replies of the writes behind them wait too
    /// (a disk or a thread stalled: Valkey's event loop would be blocked in `write(2)` by then). Bounds what a
    /// crash of the process can lose under everysec / no to about this much.
    static let lagLimitNanoseconds: UInt64 = 100_000_000

    /// Appends encoded commands. `bytes` is left empty (its storage kept for reuse). Returns the bytes now
    /// waiting to be written (the backlog: the caller slows clients down when it grows too large) and whether the
    /// oldest of them has waited longer than `lagLimitNanoseconds`.
    @discardableResult
    func enqueue(_ bytes: inout ByteBuffer) -> (backlog: Int, lagging: Bool) {
        let n = bytes.readableBytes
        guard n > 0 else { return (0, false) }
        let now = monotonicNanoseconds()
        let result = monitor.withLock { () -> (Int, Bool) in
            if committed == written { pendingSince = now }
            open.writeBuffer(&bytes)
            committed &+= UInt64(n)
            if idle { monitor.broadcast() }
            // (While a write error is recorded, writes are refused with -MISCONF instead.)
            return (Int(committed &- written), failure == nil && now &- pendingSince > Self.lagLimitNanoseconds)
        }
        bytes.clear()
        return result
    }

    /// Runs `task` on the writer thread after everything enqueued so far has been written (and before anything
    /// enqueued later).
    func enqueue(task: @escaping () -> Void) {
        let runNow = monitor.withLock { () -> Bool in
            if stopped { return true }
            if open.readableBytes > 0 {
                queue.append(.data(open))
                open = ByteBuffer()
                open.reserveCapacity(64 * 1024)
            }
            queue.append(.task(task))
            monitor.broadcast()
            return false
        }
        // The thread has ended (AOF turned off meanwhile): there is no stream left to order against.
        if runNow { task() }
    }

    /// Calls `callback` (on the writer thread) once the stream is durable up to `offset` under the fsync policy;
    /// returns true instead, without calling it, if it already is. Only `always` ever waits.
    func whenDurable(_ offset: UInt64, _ callback: @escaping @Sendable () -> Void) -> Bool {
        monitor.withLock {
            if isDurable(offset) { return true }
            waiters.append((offset, callback))
            return false
        }
    }

    /// `always`: on disk (or written, while fsyncs are suspended during a rewrite). Otherwise written to the OS:
    /// replies only wait for that while the backlog is too large (`AppendOnlyFile.backlogLimit`).
    private func isDurable(_ offset: UInt64) -> Bool {
        switch policy {
        case .always: return (syncSuspended ? written : synced) >= offset
        case .everysec, .no: return written >= offset
        }
    }

    /// The error that stops writes, if any.
    var error: FileError? { monitor.withLock { failure } }

    /// Figures for INFO: bytes waiting to be written, and whether an fsync is owed.
    var status: (queuedBytes: Int, fileSize: Int, syncPending: Bool, delayedFsyncs: Int) {
        monitor.withLock {
            (Int(committed &- written), fileSize, synced < written, delayedFsyncs)
        }
    }

    /// Changes the fsync policy (CONFIG SET appendfsync).
    func setPolicy(_ policy: AppendFsync) {
        monitor.withLock {
            self.policy = policy
            monitor.broadcast()
        }
    }

    func setSyncSuspended(_ suspended: Bool) {
        monitor.withLock {
            syncSuspended = suspended
            monitor.broadcast()
        }
    }

    /// Writes and fsyncs everything queued, closes the file and stops the thread (shutdown, appendonly no).
    func stop() {
        monitor.withLock {
            stopping = true
            monitor.broadcast()
        }
        thread?.join()
        thread = nil
        background.stop()
    }

    // MARK: - Writer thread

    /// The open file was renamed (called from a task, on the writer thread).
    func renamed(to newPath: String) {
        monitor.withLock { path = newPath }
    }

    /// Replaces the open file (called from a task, on the writer thread): fsyncs and closes the old one.
    func switchFile(fd newFD: Int32, path newPath: String, size: Int) {
        if fd >= 0 {
            try? FileIO.sync(fd, path: path)
            FileIO.closeFile(fd)
        }
        monitor.withLock {
            fd = newFD
            path = newPath
            fileSize = size
            synced = written
        }
    }

    /// Rounds of retries of a failing write while stopping.
    private var shutdownRetries = 0

    /// The buffer the thread writes from: swapped with `open` under the lock, so producers keep appending to a
    /// buffer nobody else references and neither side copies or allocates in the steady state.
    private var writing = ByteBuffer()

    /// How long the thread gathers bytes after a write under everysec / no (bounded loss on a crash of the
    /// process: what arrived in the last millisecond).
    static let gatherNanoseconds: UInt64 = 1_000_000

    private func run() {
        var lastSync = monotonicNanoseconds()
        var wroteLast = false
        writing.reserveCapacity(64 * 1024)
        while true {
            var items: [Item] = []
            var finishing = false
            var policy = AppendFsync.everysec
            var suspended = false
            var failed = false
            var takenAt: UInt64 = 0
            monitor.withLock {
                // everysec / no: after a write, gather for up to a millisecond before the next one, without asking
                // producers to wake us (idle stays false): under load that is one write(2) and one wake-up per
                // millisecond instead of one per batch of one client. always: no gathering (its replies wait),
                // the fsync itself batches.
                if wroteLast, self.policy != .always, queue.isEmpty, !stopping {
                    monitor.wait(nanoseconds: Self.gatherNanoseconds)
                }
                while queue.isEmpty, open.readableBytes == 0, !stopping {
                    // Idle: wake for new work, for the once-a-second fsync of written data, or to retry a failure.
                    if failure != nil { break }
                    // always: written data not yet synced is owed at once (e.g. just after CONFIG SET appendfsync
                    // always, when a reply already waits for it); everysec: a second after the last fsync.
                    if self.policy == .always, synced < written, !syncSuspended { break }
                    let owesSync = self.policy == .everysec && synced < written && !syncSuspended
                    let elapsed = monotonicNanoseconds() - lastSync
                    if owesSync, elapsed >= 1_000_000_000 { break }
                    idle = true
                    monitor.wait(nanoseconds: owesSync ? 1_000_000_000 - elapsed : 1_000_000_000)
                    idle = false
                }
                items = queue
                queue.removeAll(keepingCapacity: true)
                takenAt = monotonicNanoseconds()
                if open.readableBytes > 0 {
                    // Everything in `queue` was enqueued before the open chunk began: it goes first.
                    swap(&open, &writing)
                    items.append(.data(ByteBuffer()))  // marks where `writing` goes in the order
                }
                finishing = stopping
                policy = self.policy
                suspended = syncSuspended
                failed = failure != nil
            }
            if failed, items.isEmpty { Sleep.milliseconds(100) }
            var wroteSomething = false
            var index = 0
            while index < items.count {
                var ok = true
                switch items[index] {
                case .data(var bytes):
                    // An empty item stands for `writing` (queued chunks are never empty).
                    if bytes.readableBytes == 0 {
                        ok = write(&writing)
                        if ok {
                            writing.clear()
                        } else {
                            bytes = writing
                            writing.clear()
                        }
                    } else {
                        ok = write(&bytes)
                    }
                    if !ok {
                        // Keep what is left, in order, ahead of anything queued since; retry after a pause.
                        let rest =
                            [Item.data(bytes)]
                            + items[(index + 1)...].filter {
                                if case .data(let b) = $0, b.readableBytes == 0 { return false }
                                return true
                            }
                        monitor.withLock { queue.insert(contentsOf: rest, at: 0) }
                        Sleep.milliseconds(100)
                    }
                    wroteSomething = wroteSomething || ok
                case .task(let task):
                    // Data before the task must be on disk first where the policy promises it.
                    if wroteSomething, policy == .always, !suspended { syncNow(&lastSync) }
                    task()
                }
                if !ok { break }
                index += 1
            }
            wroteLast = wroteSomething
            if wroteSomething {
                // What is still unwritten arrived after the take (or failed to go out: then the lag grows).
                monitor.withLock { if committed != written, pendingSince < takenAt { pendingSince = takenAt } }
            }
            let owesSync = monitor.withLock { synced < written }
            if owesSync {
                switch policy {
                case .always where !suspended: syncNow(&lastSync)
                case .everysec where !suspended && monotonicNanoseconds() - lastSync >= 1_000_000_000:
                    syncInBackground(&lastSync)
                default: break
                }
            }
            completeWaiters()
            if finishing {
                var done = monitor.withLock { queue.isEmpty && open.readableBytes == 0 }
                if !done, let failure = error {
                    // Stopping while the disk refuses the data: retry for about two seconds, then give up (the
                    // server must be able to stop) and say what was lost.
                    shutdownRetries += 1
                    if shutdownRetries >= 20 {
                        let lost = monitor.withLock { () -> UInt64 in
                            queue.removeAll()
                            open.clear()
                            return committed &- written
                        }
                        logger.warning(
                            "could not write the end of the AOF before stopping: \(failure.reason)",
                            metadata: ["podium.bytes_lost": "\(lost)"])
                        done = true
                    }
                }
                if done {
                    if fd >= 0 {
                        syncNow(&lastSync)
                        FileIO.closeFile(fd)
                        fd = -1
                    }
                    completeWaiters()
                    let queuedTasks: [Item] = monitor.withLock {
                        stopped = true
                        defer { queue.removeAll() }
                        return queue
                    }
                    for case .task(let task) in queuedTasks { task() }
                    return
                }
            }
        }
    }

    /// Writes one chunk; false (error recorded) if it did not all go out.
    private func write(_ bytes: inout ByteBuffer) -> Bool {
        let before = fileSize
        let (n, error) = bytes.withUnsafeReadableBytes { FileIO.writeAll(fd, $0, path: path) }
        if let error {
            // Cut a partial write off again so the file never ends in half a command; if that fails, keep the
            // part that is in the file and retry only the rest.
            var kept = 0
            if n > 0 {
                do { try FileIO.truncateOpenFile(fd, to: before, path: path) } catch { kept = n }
            }
            bytes.moveReaderIndex(forwardBy: kept)
            monitor.withLock {
                fileSize = before + kept
                written &+= UInt64(kept)
                if failure == nil { logger.warning("Error writing to the AOF file: \(error.reason)") }
                failure = error
            }
            return false
        }
        monitor.withLock {
            fileSize += n
            written &+= UInt64(n)
            if failure != nil {
                failure = nil
                logger.warning("AOF write error looks solved, Podium can write again.")
            }
        }
        return true
    }

    private func syncNow(_ lastSync: inout UInt64) {
        sync(fd, path: path, upTo: monitor.withLock { written })
        lastSync = monotonicNanoseconds()
    }

    /// fsyncs `fd` and records the outcome: on success the stream is on disk up to `target` (and an fsync error
    /// is cleared), on failure the error stops writes (`-MISCONF`) until a later fsync succeeds.
    private func sync(_ fd: Int32, path: String, upTo target: UInt64) {
        do {
            try FileIO.sync(fd, path: path)
            monitor.withLock {
                synced = max(synced, target)
                if failure?.operation == "fsync" {
                    failure = nil
                    logger.warning("AOF write error looks solved, Podium can write again.")
                }
                monitor.broadcast()
            }
        } catch {
            monitor.withLock {
                if failure == nil { logger.warning("Error syncing the AOF file: \(error.reason)") }
                failure = error
                monitor.broadcast()
            }
        }
    }

    /// everysec: hands an fsync of everything written so far to the background thread (on a duplicate of the
    /// descriptor, so switching files meanwhile is safe), or counts a delayed fsync if the last one still runs.
    private func syncInBackground(_ lastSync: inout UInt64) {
        let copy = dup(fd)
        guard copy >= 0 else {
            syncNow(&lastSync)
            return
        }
        lastSync = monotonicNanoseconds()
        let (path, target) = (self.path, monitor.withLock { written })
        let started = background.submit { [self] in
            sync(copy, path: path, upTo: target)
            FileIO.closeFile(copy)
        }
        if !started {
            FileIO.closeFile(copy)
            monitor.withLock { delayedFsyncs += 1 }
        }
    }

    private func completeWaiters() {
        let ready: [@Sendable () -> Void] = monitor.withLock {
            guard !waiters.isEmpty else { return [] }
            var done: [@Sendable () -> Void] = []
            waiters.removeAll { waiter in
                guard isDurable(waiter.offset) else { return false }
                done.append(waiter.callback)
                return true
            }
            return done
        }
        for callback in ready { callback() }
    }
}

/// Sleeping on a persistence thread.
enum Sleep {
    static func microseconds(_ microseconds: Int) {
        var request = timespec(tv_sec: microseconds / 1_000_000, tv_nsec: (microseconds % 1_000_000) * 1000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }

    static func milliseconds(_ milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One background thread that runs one fsync job at a time (Valkey's `BIO_AOF_FSYNC`).
final class BackgroundSync: @unchecked Sendable {
    private let monitor = Monitor()
    private var job: (() -> Void)?
    private var busy = false
    private var stopping = false
    private var thread: PersistenceThread?

    /// Starts `job` unless one is still running (false then).
    func submit(_ job: @escaping () -> Void) -> Bool {
        monitor.withLock {
            if busy || stopping { return false }
            busy = true
            self.job = job
            if thread == nil { thread = PersistenceThread(name: "podium-aof-fsync") { [self] in run() } }
            monitor.broadcast()
            return true
        }
    }

    /// Waits for a running job, then ends the thread.
    func stop() {
        let running: PersistenceThread? = monitor.withLock {
            stopping = true
            monitor.broadcast()
            defer { thread = nil }
            return thread
        }
        running?.join()
    }

    private func run() {
        while true {
            let next: (() -> Void)? = monitor.withLock {
                while job == nil, !stopping { monitor.wait(nanoseconds: 1_000_000_000) }
                defer { job = nil }
                return job
            }
            guard let next else { return }
            next()
            monitor.withLock { busy = false }
        }
    }
}
