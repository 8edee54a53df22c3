import Logging
import NIOCore
import PodiumCommands
import PodiumKeyspace
import PodiumPersistence
import PodiumRESP

/// One client connection: decodes requests, runs each read's batch through the executor, writes the replies.
///
/// Reads are accumulated until `channelReadComplete`, so everything that arrived in one event-loop turn runs
/// under one executor lock and goes out in one flush: a 32-deep pipeline costs one lock and one syscall.
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: ServerCore
    private var processor: NIOSingleStepByteToMessageProcessor<RESPRequestDecoder>
    private var batch: [[ByteBuffer]] = []
    private var session: ClientSession?
    /// This connection's Pub/Sub queue (the hub appends, `execute` drains it ahead of a batch's replies).
    private var outlet: PushOutlet?
    /// Set when the input was malformed: the batch decoded before the error still runs, then the error is sent
    /// and the connection closed (Valkey answers what it parsed before a protocol error).
    private var pendingProtocolError: RESPProtocolError?
    private var closing = false
    /// Replies held back until the AOF is durable up to their offset (`appendfsync always`), in order. While
    /// any is held, later replies queue behind it, so a client never sees a reply out of order.
    private var held: [(offset: UInt64, output: ByteBuffer, drained: Int, close: Bool)] = []
    /// True while the client is blocked (BLPOP ...): requests keep arriving into `batch` but do not run until the
    /// server resumes the connection (`resume`).
    private var blocked = false
    /// Bytes of requests held in `batch` while blocked (bounded by client-query-buffer-limit).
    private var heldInputBytes = 0
    private let queryBufferLimit: Int
    /// The blocked client's timeout.
    private var blockTimer: Scheduled<Void>?

    init(server: ServerCore, limits: RESPLimits, queryBufferLimit: Int) {
        self.server = server
        self.processor = NIOSingleStepByteToMessageProcessor(
            RESPRequestDecoder(limits: limits), maximumBufferSize: queryBufferLimit)
        self.queryBufferLimit = queryBufferLimit
        batch.reserveCapacity(64)
    }

    func channelActive(context: ChannelHandlerContext) {
        if server.refusesUnprotectedRemote(context.channel) {
            var buffer = context.channel.allocator.buffer(capacity: 1024)
            buffer.writeString(ServerCore.protectedModeMessage)
            closing = true
            writeAndClose(context, buffer)
            return
        }
        if let (session, outlet) = server.register(channel: context.channel) {
            self.session = session
            self.outlet = outlet
            // An unblocked client's reply is sent, and its held requests run, from a task on this event loop.
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            server.setResume(session) {
                bound.eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.resume(context)
                }
            }
        } else {
            // Over maxclients: Valkey answers and closes.
            var buffer = context.channel.allocator.buffer(capacity: 64)
            buffer.writeString("-ERR max number of clients reached\r\n")
            closing = true
            writeAndClose(context, buffer)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let session { server.unregister(session) }
        session = nil
        held.removeAll()
        blockTimer?.cancel()
        blockTimer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing, pendingProtocolError == nil else { return }
        let buffer = unwrapInboundIn(data)
        server.countInput(buffer.readableBytes)
        do {
            try processor.process(buffer: buffer) { args in
                batch.append(args)
                if blocked { for a in args { heldInputBytes += a.readableBytes + 16 } }
            }
        } catch let error as RESPProtocolError {
            pendingProtocolError = error
        } catch {
            // The query buffer limit (client-query-buffer-limit): Valkey closes the client without a reply.
            server.logger.warning("closing client that overcame query buffer limit",
                                  metadata: ["podium.client": "\(session?.id ?? 0)"])
            batch.removeAll()
            closing = true
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard session != nil, !closing else { return }
        if blocked {
            // Requests wait until the client is unblocked; what they may hold is bounded like unparsed input.
            if heldInputBytes > queryBufferLimit {
                server.logger.warning("closing blocked client that overcame query buffer limit",
                                      metadata: ["podium.client": "\(session?.id ?? 0)"])
                batch.removeAll()
                closing = true
                context.close(promise: nil)
            }
            return
        }
        run(context)
    }

    /// Runs the requests in `batch` (until one blocks the client) and sends the replies, preceded by the reply of
    /// a blocking command that was just unblocked.
    private func run(_ context: ChannelHandlerContext, unblocking: Bool = false) {
        guard let session, !closing else { return }
        if !batch.isEmpty || unblocking {
            // Sized for the batch so a pipeline of small replies is written without regrowing.
            var output = context.channel.allocator.buffer(capacity: max(256, batch.count * 32))
            let result = server.execute(batch: batch[...], session: session, outlet: outlet, output: &output)
            let (drained, offset) = (result.drained, result.durableOffset)
            if result.executed == batch.count {
                batch.removeAll(keepingCapacity: batch.count < 1024)
            } else {
                batch.removeFirst(result.executed)
            }
            if let (deadline, generation) = result.blocked {
                blocked = true
                heldInputBytes = 0
                for args in batch { for a in args { heldInputBytes += a.readableBytes + 16 } }
                if deadline > 0 { scheduleTimeout(context, session, deadline: deadline, generation: generation) }
            }
            // appendfsync always (offset > 0): these replies go out once the AOF is on disk up to `offset`, and
            // behind any replies of this connection still waiting.
            if offset > 0, !held.isEmpty || !server.persistence.whenDurable(offset, wakeUp(context)) {
                held.append((offset, output, drained, session.closeAfterReply))
                if session.closeAfterReply { closing = true }
                if let error = pendingProtocolError, !blocked {
                    var buffer = context.channel.allocator.buffer(capacity: 64)
                    buffer.writeString("-ERR \(error.message)\r\n")
                    closing = true
                    held.append((offset, buffer, 0, true))
                }
                return
            }
            if session.closeAfterReply {
                // QUIT, SHUTDOWN, CLIENT KILL of ourselves: send what we have, then close.
                closing = true
                server.countOutput(output.readableBytes)
                writeAndClose(context, output)
                return
            }
            server.countOutput(output.readableBytes)
            write(context, output, drained: drained)
        }
        if let error = pendingProtocolError, !blocked {
            var buffer = context.channel.allocator.buffer(capacity: 64)
            buffer.writeString("-ERR \(error.message)\r\n")
            server.logger.debug("protocol error from client", metadata: ["podium.error": "\(error.message)"])
            closing = true
            writeAndClose(context, buffer)
            return
        }
        context.flush()
    }

    /// The server unblocked this client (served, timed out, CLIENT UNBLOCK): send the reply, run what was held.
    private func resume(_ context: ChannelHandlerContext) {
        guard blocked, context.channel.isActive else { return }
        blocked = false
        heldInputBytes = 0
        blockTimer?.cancel()
        blockTimer = nil
        run(context, unblocking: true)
    }

    /// One timer per blocked client with a timeout, on its own event loop: nothing scans blocked clients.
    private func scheduleTimeout(_ context: ChannelHandlerContext, _ session: ClientSession, deadline: Int64,
                                 generation: Int) {
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

    /// Writes a batch's replies; Pub/Sub frames drained into them count against the subscriber's output limit
    /// until the write completes.
    private func write(_ context: ChannelHandlerContext, _ output: ByteBuffer, drained: Int) {
        guard output.readableBytes > 0 else { return }
        if drained > 0, let outlet {
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in outlet.written(drained) }
            context.write(wrapOutboundOut(output), promise: promise)
        } else {
            context.write(wrapOutboundOut(output), promise: nil)
        }
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
