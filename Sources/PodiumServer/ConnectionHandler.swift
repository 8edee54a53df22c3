import Logging
import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import PodiumPersistence
import PodiumRESP

/// One client connection: decodes requests, runs each read's batch through the executor, writes the replies.
///
/// Reads are accumulated until `channelReadComplete`, so everything that arrived in one event-loop turn runs
/// under one executor lock and goes out in one flush: a 32-deep pipeline costs one lock and one syscall.
///
/// ## Output back-pressure
/// A client that pipelines requests with large replies and never reads them must not grow the server (Valkey's
/// default `client-output-buffer-limit normal 0 0 0` lets it take gigabytes). So:
/// - a batch stops executing once its replies reach `batchOutputLimit` (1 MB); the rest of the batch waits;
/// - while the channel is not writable (NIO holds more than the high water mark of unsent bytes) or requests wait,
///   this handler swallows `read()`: nothing more is read from the socket, and the kernel's buffers push back on
///   the client;
/// - when the channel becomes writable again, the waiting requests run, then reading resumes.
/// Every reply is still sent, in order; only the pace changes. A client's unsent replies stay around the high water
/// mark plus one batch (plus what the kernel buffers), whatever it sends. `client-output-buffer-limit normal` (and
/// `pubsub` for a subscribed client's replies), when set, closes the connection as in Valkey.
final class ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How many reply bytes one batch produces before it pauses for the client to read (see above). Large enough
    /// that ordinary pipelines never pause, small enough that one client's burst stays modest.
    static let batchOutputLimit = 1 << 20

    private let server: ServerCore
    @exclusivity(unchecked) private var processor: NIOSingleStepByteToMessageProcessor<RESPRequestDecoder>
    @exclusivity(unchecked) private var batch: [[ByteBuffer]] = []
    /// Requests of `batch` before this index have run; the rest wait for the client to read (back-pressure).
    @exclusivity(unchecked) private var nextRequest = 0
    /// The channel's writability as last reported, and whether a `read()` was held back meanwhile.
    @exclusivity(unchecked) private var writable = true
    @exclusivity(unchecked) private var readHeldBack = false
    /// Set while running requests, so a writability change fired from inside a write or flush does not re-enter.
    @exclusivity(unchecked) private var running = false
    /// The limits in force (CONFIG SET changes them; `ConnectionLimits.generation` says when to copy them again).
    @exclusivity(unchecked) private var limits: ConnectionLimits
    private let decoderLimits: RESPLiveLimits
    /// When the output went over the soft limit (monotonic ns), while it stays over.
    @exclusivity(unchecked) private var overSoftLimitSince: UInt64?
    /// Whether the client was subscribed or a monitor after its last batch (pubsub limit instead of normal).
    @exclusivity(unchecked) private var pushClient = false
    @exclusivity(unchecked) private var session: ClientSession?
    /// This connection's Pub/Sub queue (the hub appends, `execute` drains it ahead of a batch's replies).
    @exclusivity(unchecked) private var outlet: PushOutlet?
    /// Set when the input was malformed: the batch decoded before the error still runs, then the error is sent
    /// and the connection closed (Valkey answers what it parsed before a protocol error).
    @exclusivity(unchecked) private var pendingProtocolError: RESPProtocolError?
    @exclusivity(unchecked) private var closing = false
    /// Handed to the processor to make it let go of a used-up read buffer (never written to, so never copied).
    private static let emptyBuffer = ByteBuffer()
    /// Replies held back until the AOF is durable up to their offset (`appendfsync always`), in order. While
    /// any is held, later replies queue behind it, so a client never sees a reply out of order.
    @exclusivity(unchecked) private var held: [(offset: UInt64, output: ByteBuffer, drained: Int, close: Bool)] = []
    /// True while the client is blocked (BLPOP ...): the requests after the blocking one wait in `batch` (from
    /// `nextRequest`) until the server resumes the connection (`resume`). While any waits, `read()` is held back,
    /// so what a blocked client can pile up is one read beyond them; the kernel's buffers push back on the rest
    /// (Valkey keeps reading and closes the client at `client-query-buffer-limit`, which here applies to the
    /// waiting requests plus the unparsed input).
    @exclusivity(unchecked) private var blocked = false
    /// Bytes of the requests waiting in `batch` while blocked (bounded by client-query-buffer-limit).
    @exclusivity(unchecked) private var heldInputBytes = 0
    /// The blocked client's timeout.
    @exclusivity(unchecked) private var blockTimer: Scheduled<Void>?
    /// The unparsed input last reported to the outlet (CLIENT LIST `qbuf`), so an unchanged figure costs no lock.
    @exclusivity(unchecked) private var reportedQueryBuffer = 0
    /// Reply writes handed to NIO with accounting (`write`) whose completion has not arrived yet.
    @exclusivity(unchecked) private var trackedWrites = 0
    /// True while the requests from `nextRequest` run on the script thread (`offload`): like a blocked client,
    /// nothing else of this connection runs and `read()` is held back until they are done.
    @exclusivity(unchecked) private var offloaded = false
    /// Set when the server resumed this (blocked) client before the script thread's part of its batch came back:
    /// the resume is replayed then.
    @exclusivity(unchecked) private var resumeWhileOffloaded = false
    /// Set when the connection closed while offloaded: the session is unregistered only once the script thread
    /// is done with it (nothing must run for a session after its clean-up).
    @exclusivity(unchecked) private var closedWhileOffloaded = false

    /// A connection to ElastiCache Serverless' read endpoint.
    private let readEndpoint: Bool

    init(server: ServerCore, readEndpoint: Bool = false) {
        self.server = server
        self.readEndpoint = readEndpoint
        let limits = server.connectionLimits
        self.limits = limits
        self.decoderLimits = RESPLiveLimits(limits.resp)
        // No maximum here: the query buffer limit may change while the connection is open, so channelRead
        // checks it against the live value.
        self.processor = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder(liveLimits: decoderLimits))
        batch.reserveCapacity(64)
    }

    func channelActive(context: ChannelHandlerContext) {
        switch server.register(channel: context.channel, readEndpoint: readEndpoint) {
        case .registered(let session, let outlet):
            self.session = session
            self.outlet = outlet
            // An unblocked client's reply is sent, and its waiting requests run, from a task on this event loop.
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            server.setResume(session) {
                bound.eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.resume(context)
                }
            }
        case .refused(let reply):
            // Protected mode or maxclients: Valkey answers and closes.
            var buffer = context.channel.allocator.buffer(capacity: reply.utf8.count)
            buffer.writeString(reply)
            closing = true
            writeAndClose(context, buffer)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if offloaded {
            closedWhileOffloaded = true
        } else if let session {
            server.unregister(session)
            self.session = nil
        }
        held.removeAll()
        blockTimer?.cancel()
        blockTimer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing, pendingProtocolError == nil else { return }
        let buffer = unwrapInboundIn(data)
        server.countInput(buffer.readableBytes)
        if server.connectionLimitsGeneration != limits.generation {
            limits = server.connectionLimits
            decoderLimits.limits = limits.resp
        }
        do {
            try processor.process(buffer: buffer) { args in
                batch.append(args)
                if blocked { for a in args { heldInputBytes += a.readableBytes + 16 } }
            }
            let queryBuffer = processor.unprocessedBytes + heldInputBytes
            if queryBuffer != reportedQueryBuffer {
                reportedQueryBuffer = queryBuffer
                outlet?.queryBuffer(queryBuffer)
            }
            // Requests waiting behind a blocked command count like unparsed input (Valkey keeps both in the query
            // buffer).
            if processor.unprocessedBytes + heldInputBytes > limits.queryBuffer {
                throw ByteToMessageDecoderError.PayloadTooLargeError()
            }
            if processor.unprocessedBytes == 0 {
                // Drop the processor's reference to the read buffer once it is used up. Behind TLS that buffer is
                // NIOSSL's own plaintext buffer, which it writes the next records into: had we kept a reference,
                // each read would copy its whole 32 KB (copy-on-write), measured at 12% of the server's time.
                // The arguments of this batch still point into it, but they are gone after channelReadComplete,
                // which NIOSSL fires before it reads again.
                try processor.process(buffer: Self.emptyBuffer) { _ in }
            }
        } catch let error as RESPProtocolError {
            pendingProtocolError = error
        } catch {
            // The query buffer limit (client-query-buffer-limit): Valkey closes the client without a reply.
            server.logger.warning(
                "closing client that overcame query buffer limit",
                metadata: ["podium.client": "\(session?.id ?? 0)"])
            batch.removeAll()
            closing = true
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        runRequests(context)
    }

    /// Holds `read()` back while replies wait for the client (back-pressure, see the type's documentation).
    func read(context: ChannelHandlerContext) {
        if writable, nextRequest == batch.count {
            context.read()
        } else {
            readHeldBack = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        if writable {
            runRequests(context)
        } else {
            countUnsent(context)
        }
        context.fireChannelWritabilityChanged()
    }

    /// Runs the waiting requests a chunk at a time while the channel stays writable; then, once none waits, lets a
    /// held-back read through.
    private func runRequests(_ context: ChannelHandlerContext) {
        guard !running, !blocked, !offloaded else { return }
        running = true
        defer { running = false }
        while nextRequest < batch.count, writable, !closing {
            if !runChunk(context) { return }
            if blocked {
                holdWaitingRequests()
                return
            }
        }
        if nextRequest == batch.count, !batch.isEmpty {
            batch.removeAll(keepingCapacity: batch.count < 1024)
            nextRequest = 0
        }
        guard !closing, nextRequest == batch.count else { return }
        if finishBatch(context) { return }
        if writable, readHeldBack {
            readHeldBack = false
            context.read()
        }
    }

    /// Runs requests until their replies reach `batchOutputLimit` or one blocks the client, and writes them (after
    /// the reply of a blocking command just unblocked, which the server holds for this connection). Returns false
    /// when the replies are held for the AOF (`appendfsync always`), the connection closes, or the rest of the
    /// requests went to the script thread (the first of them runs a script: `offload`).
    private func runChunk(_ context: ChannelHandlerContext) -> Bool {
        guard let session else { return false }
        let pending = batch[nextRequest...]
        // Sized for the batch so a pipeline of small replies is written without regrowing.
        var output = context.channel.allocator.buffer(capacity: max(256, min(pending.count, 4096) * 32))
        let ran = server.execute(
            batch: pending, session: session, outlet: outlet, output: &output,
            outputLimit: Self.batchOutputLimit, deferScripts: true)
        guard finishChunk(context, session, output, ran) else { return false }
        if ran.stoppedBeforeScript {
            offload(context, session)
            return false
        }
        return true
    }

    /// Hands the waiting requests, the first of which runs a script, to the server's script thread: the script
    /// runs there however long it takes, and this event loop keeps serving its other connections (see
    /// `CommandExecutor`). Nothing more of this connection runs or is read until `offloadFinished`.
    private func offload(_ context: ChannelHandlerContext, _ session: ClientSession) {
        offloaded = true
        let pending = batch[nextRequest...]
        let output = context.channel.allocator.buffer(capacity: 256)
        let job = ScriptJob(pending: pending, session: session, output: output)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let server = self.server
        server.runOnScriptThread {
            var output = job.output
            // No outlet: Pub/Sub frames are drained on the connection's own event loop only (PushOutlet), which
            // keeps them in publish order; what waits there is flushed by the loop meanwhile.
            let ran = server.execute(
                batch: job.pending, session: job.session, outlet: nil, output: &output,
                outputLimit: Self.batchOutputLimit, onlyIfRegistered: true)
            let done = ScriptJobResult(output: output, ran: ran)
            bound.eventLoop.execute {
                let (handler, context) = bound.value
                handler.offloadFinished(context, done)
            }
        }
    }

    private func offloadFinished(_ context: ChannelHandlerContext, _ done: ScriptJobResult) {
        offloaded = false
        if closedWhileOffloaded {
            if let session { server.unregister(session) }
            session = nil
            return
        }
        guard let session, !closing, context.channel.isActive else { return }
        running = true
        let goOn = finishChunk(context, session, done.output, done.ran)
        running = false
        guard goOn else { return }
        if blocked {
            holdWaitingRequests()
            if resumeWhileOffloaded {
                resumeWhileOffloaded = false
                resume(context)
            }
        } else {
            resumeWhileOffloaded = false
            runRequests(context)
        }
    }

    /// What follows a run of requests: the blocked state, the replies written (or held for the AOF), a close.
    /// Returns false when the replies are held or the connection closes.
    private func finishChunk(
        _ context: ChannelHandlerContext, _ session: ClientSession, _ output: ByteBuffer,
        _ ran: ServerCore.BatchResult
    ) -> Bool {
        nextRequest += ran.executed
        pushClient = ran.pushClient
        let drained = ran.drained
        let offset = ran.durableOffset
        if let (deadline, generation) = ran.blocked {
            blocked = true
            if deadline > 0 { scheduleTimeout(context, session, deadline: deadline, generation: generation) }
        }
        // appendfsync always (offset > 0): these replies go out once the AOF is on disk up to `offset`, and
        // behind any replies of this connection still waiting.
        if !held.isEmpty || (offset > 0 && !server.persistence.whenDurable(offset, wakeUp(context))) {
            held.append((offset, output, drained, session.closeAfterReply))
            if session.closeAfterReply { closing = true }
            if nextRequest == batch.count, !blocked, let error = pendingProtocolError {
                var buffer = context.channel.allocator.buffer(capacity: 64)
                buffer.writeString("-ERR \(error.message)\r\n")
                closing = true
                held.append((offset, buffer, 0, true))
            }
            return !closing
        }
        if session.closeAfterReply {
            // QUIT, SHUTDOWN, CLIENT KILL of ourselves: send what we have, then close.
            closing = true
            server.countOutput(output.readableBytes)
            writeAndClose(context, output)
            return false
        }
        server.countOutput(output.readableBytes)
        write(context, output, drained: drained)
        context.flush()
        return !closing
    }

    /// After the last request of the input: the protocol error, if the input ended with one, else a flush.
    /// Returns true when the connection is closing.
    private func finishBatch(_ context: ChannelHandlerContext) -> Bool {
        if let error = pendingProtocolError {
            var buffer = context.channel.allocator.buffer(capacity: 64)
            buffer.writeString("-ERR \(error.message)\r\n")
            server.logger.debug("protocol error from client", metadata: ["podium.error": "\(error.message)"])
            closing = true
            writeAndClose(context, buffer)
            return true
        }
        context.flush()
        return false
    }

    /// The client blocked: the requests after the blocking one wait for `resume`. Keeps only them, and counts what
    /// they hold.
    private func holdWaitingRequests() {
        batch.removeFirst(nextRequest)
        nextRequest = 0
        heldInputBytes = 0
        for args in batch { for a in args { heldInputBytes += a.readableBytes + 16 } }
    }

    /// The server unblocked this client (served, timed out, CLIENT UNBLOCK): send the reply, run what waited.
    private func resume(_ context: ChannelHandlerContext) {
        if offloaded {
            // The script thread blocked this client and someone served it before its part came back.
            resumeWhileOffloaded = true
            return
        }
        guard blocked, !closing, context.channel.isActive else { return }
        blocked = false
        heldInputBytes = 0
        blockTimer?.cancel()
        blockTimer = nil
        guard !running else { return }
        // The reply goes out whatever the writability: it was produced already (held by the server).
        running = true
        let goOn = runChunk(context)
        running = false
        guard goOn else { return }
        if blocked {
            // Unblocked into another blocking command of the waiting requests.
            holdWaitingRequests()
        } else {
            runRequests(context)
        }
    }

    /// One timer per blocked client with a timeout, on its own event loop: nothing scans blocked clients.
    private func scheduleTimeout(
        _ context: ChannelHandlerContext, _ session: ClientSession, deadline: Int64,
        generation: Int
    ) {
        blockTimer?.cancel()
        let bound = NIOLoopBound((self, context, session), eventLoop: context.eventLoop)
        let server = self.server
        blockTimer = context.eventLoop.scheduleTask(in: .milliseconds(server.milliseconds(until: deadline))) {
            let (handler, context, session) = bound.value
            handler.blockTimer = nil
            // Fired a little early by the clock's measure: wait for the rest.
            if let later = server.blockTimerFired(session, generation: generation) {
                handler.scheduleTimeout(context, session, deadline: later, generation: generation)
            }
        }
    }

    /// A callback for the AOF writer that comes back to this connection's event loop to release held replies.
    private func wakeUp(_ context: ChannelHandlerContext) -> @Sendable () -> Void {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        return {
            bound.eventLoop.execute {
                let (handler, context) = bound.value
                handler.releaseHeld(context)
            }
        }
    }

    /// Writes the held replies that are durable now, in order; waits again for the first that is not.
    private func releaseHeld(_ context: ChannelHandlerContext) {
        guard context.channel.isActive else {
            held.removeAll()
            return
        }
        var wrote = false
        while let first = held.first {
            if !server.persistence.whenDurable(first.offset, wakeUp(context)) { break }
            held.removeFirst()
            server.countOutput(first.output.readableBytes)
            if first.close {
                held.removeAll()
                writeAndClose(context, first.output)
                return
            }
            write(context, first.output, drained: first.drained)
            wrote = true
        }
        if wrote { context.flush() }
    }

    /// Writes a batch's replies. Until the write completes they count as the client's output (CLIENT LIST `omem`,
    /// `client-output-buffer-limit`); Pub/Sub frames drained into them count against the subscriber's limit too.
    ///
    /// That accounting needs a promise and a callback per write, too dear for every unpipelined command, so it is
    /// kept only where it can matter: when the client's class has an output limit (`pubsub` has one by default),
    /// when Pub/Sub frames ride along, and once the connection falls behind (not writable) until its accounted
    /// writes have completed (`countUnsent` counts what NIO holds when it falls behind). Otherwise a write is handed
    /// to NIO bare: what NIO holds for such a client stays below the channel's high water mark.
    private func write(_ context: ChannelHandlerContext, _ output: ByteBuffer, drained: Int) {
        guard output.readableBytes > 0 else { return }
        let limit = outputLimit
        guard let outlet, drained > 0 || limit.hard > 0 || limit.soft > 0 || !writable || trackedWrites > 0 else {
            context.write(wrapOutboundOut(output), promise: nil)
            return
        }
        let replies = output.readableBytes - drained
        let promise = context.eventLoop.makePromise(of: Void.self)
        let total = outlet.wroteReplies(replies)
        trackedWrites += 1
        promise.futureResult.assumeIsolated().whenComplete { [self] _ in
            trackedWrites -= 1
            if drained > 0 { outlet.written(drained) }
            // Back under the soft limit: its clock starts again next time (Valkey's obuf_soft_limit_reached_time).
            if outlet.sentReplies(replies) < outputLimit.soft || outputLimit.soft == 0 { overSoftLimitSince = nil }
        }
        context.write(wrapOutboundOut(output), promise: promise)
        checkOutputLimit(context, total: total)
    }

    /// The connection fell behind: if its writes went to NIO uncounted (see `write`), counts what NIO holds now as
    /// one write, sent when an empty write queued behind it completes.
    private func countUnsent(_ context: ChannelHandlerContext) {
        guard let outlet, trackedWrites == 0,
            let unsent = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes), unsent > 0
        else { return }
        let promise = context.eventLoop.makePromise(of: Void.self)
        let total = outlet.wroteReplies(unsent)
        trackedWrites += 1
        promise.futureResult.assumeIsolated().whenComplete { [self] _ in
            trackedWrites -= 1
            if outlet.sentReplies(unsent) < outputLimit.soft || outputLimit.soft == 0 { overSoftLimitSince = nil }
        }
        context.write(wrapOutboundOut(ByteBuffer()), promise: promise)
        context.flush()
        checkOutputLimit(context, total: total)
    }

    /// The output limit of this client's class: `pubsub` while it is subscribed or a monitor, else `normal`.
    private var outputLimit: OutputBufferLimit { pushClient ? limits.pubsubOutput : limits.normalOutput }

    /// Valkey's `checkClientOutputBufferLimits` for this connection's replies: over the hard limit, or over the soft
    /// limit for longer than its seconds, the connection is closed (the replies not yet sent are dropped).
    private func checkOutputLimit(_ context: ChannelHandlerContext, total: Int) {
        let limit = outputLimit
        var over = limit.hard > 0 && total >= limit.hard
        if !over, limit.soft > 0, total >= limit.soft {
            let now = SystemClock.monotonicNanoseconds()
            if let since = overSoftLimitSince {
                over = now &- since > UInt64(limit.softSeconds) * 1_000_000_000
            } else {
                overSoftLimitSince = now
            }
        }
        guard over, !closing, let session else { return }
        closing = true
        batch.removeAll()
        nextRequest = 0
        server.closeForOutputLimit(session, channel: context.channel, pushClient: pushClient)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        server.logger.debug("connection error", metadata: ["podium.error": "\(error)"])
        context.close(promise: nil)
    }
}

extension ConnectionHandler {
    /// Writes `buffer`, then closes the connection (refusals, protocol errors, QUIT). The close goes through the
    /// channel, which is `Sendable`, from the write's completion.
    func writeAndClose(_ context: ChannelHandlerContext, _ buffer: ByteBuffer) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// The rest of a batch that runs a script, on its way to the script thread (the connection does not touch these
/// requests or its session until the result comes back; the session is only used under the executor lock).
private struct ScriptJob: @unchecked Sendable {
    let pending: ArraySlice<[ByteBuffer]>
    let session: ClientSession
    let output: ByteBuffer
}

private struct ScriptJobResult: @unchecked Sendable {
    let output: ByteBuffer
    let ran: ServerCore.BatchResult
}
