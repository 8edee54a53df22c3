import NIOConcurrencyHelpers
import NIOCore
import PodiumCommands
import PodiumConfig

/// One connection's queue of Pub/Sub frames, and its output-buffer accounting.
///
/// The hub appends frames here while a publisher holds the executor lock; the connection's own event loop takes
/// them out and writes them. So a publisher never waits for a subscriber's socket, and the frames of one
/// publisher stay in publish order (one queue per subscriber, appended in the global command order, drained by
/// one event loop). Appends between two drains are coalesced: one event-loop task and one `writeAndFlush` carry
/// everything published meanwhile, however many messages that is.
///
/// `queued` counts the bytes accepted and not yet handed to the socket: frames still here, plus frames written to
/// the channel whose write has not completed (NIO keeps those while the peer does not read). That is the figure
/// `client-output-buffer-limit pubsub` applies to. Over the hard limit, or over the soft limit for longer than its
/// seconds, the outlet stops accepting frames, frees what it holds, and the hub closes the connection; other
/// subscribers are not affected.
///
/// Thread-safety: every field is guarded by `lock` (appends come from whichever event loop runs the publisher,
/// drains from the subscriber's own loop).
/// The outlet also keeps the connection's other buffer figures (`ClientBufferFigures`): reply bytes and writes the
/// connection handed to NIO and NIO has not sent yet, and the unparsed input; CLIENT LIST reads them from whichever
/// thread runs it, and `client-output-buffer-limit normal` is checked against them.
final class PushOutlet: ClientBufferFigures, @unchecked Sendable {
    /// What `enqueue` did with a frame.
    enum EnqueueResult: Equatable {
        case queued
        /// The outlet was already over its limit (closing); the frame was dropped.
        case closed
        /// This frame took the outlet over its limit: it now refuses frames and the caller must close it.
        case overLimit
    }

    private let lock = NIOLock()
    /// The connection; nil in unit tests, where frames stay in `pending` for inspection.
    let channel: (any Channel)?
    @exclusivity(unchecked) private var pending = ByteBuffer()
    @exclusivity(unchecked) private var flushScheduled = false
    @exclusivity(unchecked) private var queued = 0
    /// When `queued` went over the soft limit (monotonic ns), while it stays over.
    @exclusivity(unchecked) private var overSoftSince: UInt64?
    @exclusivity(unchecked) private var isClosed = false
    /// Reply bytes and writes handed to NIO and not yet sent (`wroteReplies` / `sentReplies`), Pub/Sub frame writes
    /// in flight, and the unparsed input (`queryBuffer`).
    @exclusivity(unchecked) private var replyBytes = 0
    @exclusivity(unchecked) private var replyWrites = 0
    @exclusivity(unchecked) private var frameWrites = 0
    @exclusivity(unchecked) private var unparsed = 0

    init(channel: (any Channel)?) {
        self.channel = channel
    }

    /// Pub/Sub (and MONITOR) bytes accepted and not yet written to the socket.
    var queuedBytes: Int { lock.withLock { queued } }

    // MARK: - Buffer figures

    var queryBufferBytes: Int { lock.withLock { unparsed } }
    var outputBytes: Int { lock.withLock { queued + replyBytes } }
    var outputWrites: Int { lock.withLock { replyWrites + frameWrites + (pending.readableBytes > 0 ? 1 : 0) } }

    /// The connection handed a write of `n` reply bytes to NIO; returns the connection's output bytes now.
    func wroteReplies(_ n: Int) -> Int {
        lock.withLock {
            replyBytes += n
            replyWrites += 1
            return queued + replyBytes
        }
    }

    /// A reply write of `n` bytes left NIO (sent, or failed because the connection closed); returns the output
    /// bytes now.
    func sentReplies(_ n: Int) -> Int {
        lock.withLock {
            replyBytes = max(0, replyBytes - n)
            replyWrites = max(0, replyWrites - 1)
            return queued + replyBytes
        }
    }

    /// The input received and not yet parsed into a whole request.
    func queryBuffer(_ n: Int) { lock.withLock { unparsed = n } }
    var closed: Bool { lock.withLock { isClosed } }

    /// Appends one encoded frame (shared, not copied, when the queue is empty) and checks the limit.
    func enqueue(_ frame: ByteBuffer, limit: OutputBufferLimit, now: UInt64) -> EnqueueResult {
        let (result, scheduleFlush): (EnqueueResult, Bool) = lock.withLock {
            if isClosed { return (.closed, false) }
            if pending.readableBytes == 0 {
                pending = frame
            } else {
                var frame = frame
                pending.writeBuffer(&frame)
            }
            queued += frame.readableBytes
            if overLimit(limit, now: now) {
                isClosed = true
                pending = ByteBuffer()
                return (.overLimit, false)
            }
            if flushScheduled { return (.queued, false) }
            flushScheduled = true
            return (.queued, true)
        }
        if scheduleFlush, let channel {
            channel.eventLoop.execute { self.flush() }
        }
        return result
    }

    /// Valkey's `checkClientOutputBufferLimits`: hard limit at once, soft limit after `softSeconds` over it.
    /// Called with the lock held.
    private func overLimit(_ limit: OutputBufferLimit, now: UInt64) -> Bool {
        if limit.hard > 0, queued >= limit.hard { return true }
        if limit.soft > 0, queued >= limit.soft {
            guard let since = overSoftSince else {
                overSoftSince = now
                return false
            }
            return now &- since > UInt64(limit.softSeconds) * 1_000_000_000
        }
        overSoftSince = nil
        return false
    }

    /// Moves the queued frames to the end of `output` (the connection's reply buffer for the batch it is about to
    /// execute, under the executor lock), so they precede that batch's replies, as they preceded its commands.
    /// Returns the bytes moved: they still count against the limit until the caller reports them `written` (when
    /// the batch's write completes), like the frames `flush` writes.
    @discardableResult
    func drain(into output: inout ByteBuffer) -> Int {
        lock.withLock {
            let n = pending.readableBytes
            guard n > 0 else { return 0 }
            output.writeBuffer(&pending)
            pending = ByteBuffer()
            return n
        }
    }

    /// Frames queued and not yet drained (unit tests).
    func takePending() -> ByteBuffer {
        lock.withLock {
            let out = pending
            queued -= out.readableBytes
            pending = ByteBuffer()
            flushScheduled = false
            return out
        }
    }

    /// Runs on the connection's event loop: writes everything queued in one `writeAndFlush`.
    private func flush() {
        guard let channel else { return }
        let buffer: ByteBuffer? = lock.withLock {
            flushScheduled = false
            guard !isClosed, pending.readableBytes > 0 else { return nil }
            let out = pending
            pending = ByteBuffer()
            return out
        }
        guard let buffer else { return }
        let n = buffer.readableBytes
        lock.withLock { frameWrites += 1 }
        channel.writeAndFlush(buffer).whenComplete { _ in
            self.written(n)
            self.lock.withLock { self.frameWrites = max(0, self.frameWrites - 1) }
        }
    }

    /// A write left NIO (sent, or failed because the connection closed): those bytes no longer count.
    func written(_ n: Int) {
        lock.withLock {
            queued -= n
            if queued < 0 { queued = 0 }
        }
    }
}
