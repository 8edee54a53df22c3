import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Looks at the first byte a client sends and closes the connection, with a log line, when it speaks the other
/// protocol: plain RESP on the TLS port, or a TLS handshake on the plain port. Otherwise it passes the bytes on and
/// removes itself, so it costs nothing after the first read.
///
/// A TLS connection starts with a handshake record, whose first byte is the content type 22 (0x16); no RESP request
/// starts with that byte (a multibulk starts with `*`, an inline command with a printable name).
final class TrafficSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Expectation { case tls, plain }

    static let handshakeRecordType: UInt8 = 0x16

    private let expectation: Expectation
    private let logger: Logger
    private var decided = false

    init(expecting expectation: Expectation, logger: Logger) {
        self.expectation = expectation
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !decided else {
            context.fireChannelRead(data)
            return
        }
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        decided = true
        let looksLikeTLS = first == Self.handshakeRecordType
        switch (expectation, looksLikeTLS) {
        case (.tls, false):
            logger.notice(
                "plain text received on the tls port, closing the connection",
                metadata: ["podium.address": "\(describe(context.channel.remoteAddress))"])
            context.close(promise: nil)
        case (.plain, true):
            logger.notice(
                "tls handshake received on the plain port, closing the connection",
                metadata: ["podium.address": "\(describe(context.channel.remoteAddress))"])
            context.close(promise: nil)
        default:
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

/// Sits behind the NIOSSL handler until the handshake completes: closes a connection whose handshake has not completed
/// within `tls-handshake-timeout`, and logs (once) and closes one whose handshake failed (wrong CA, no client
/// certificate, no common protocol or cipher). Then it removes itself; errors after the handshake are the RESP
/// handler's to deal with.
final class TLSHandshakeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var done = false

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            done = true
            cancelTimer()
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !done else {
            context.fireErrorCaught(error)
            return
        }
        done = true
        cancelTimer()
        let metadata: Logger.Metadata = [
            "podium.address": "\(describe(context.channel.remoteAddress))", "podium.error": "\(error)",
        ]
        if Self.isEndOfStream(error) {
            // The client went away during the handshake (a port probe, a client giving up): not worth a notice.
            logger.info("client closed the connection during the tls handshake", metadata: metadata)
        } else {
            logger.notice("tls handshake failed, closing the connection", metadata: metadata)
        }
        context.close(promise: nil)
    }

    private static func isEndOfStream(_ error: any Error) -> Bool {
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return true }
        if let error = error as? NIOSSLError, case .handshakeFailed(.sslError(let stack)) = error,
            stack.contains(.eofDuringHandshake)
        {
            return true
        }
        return false
    }

    private func startTimer(_ context: ChannelHandlerContext) {
        guard timer == nil, !done else { return }
        let channel = context.channel
        let logger = self.logger
        let timeout = self.timeout
        timer = context.eventLoop.scheduleTask(in: timeout) {
            logger.notice(
                "tls handshake timed out, closing the connection",
                metadata: [
                    "podium.address": "\(describe(channel.remoteAddress))",
                    "podium.timeout_ms": "\(timeout.nanoseconds / 1_000_000)",
                ])
            channel.close(promise: nil)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

/// `ip:port` of a peer, as the server's other log lines show it.
func describe(_ address: SocketAddress?) -> String {
    guard let address else { return "" }
    switch address {
    case .v4: return "\(address.ipAddress ?? ""):\(address.port ?? 0)"
    case .v6: return "[\(address.ipAddress ?? "")]:\(address.port ?? 0)"
    case .unixDomainSocket: return address.pathname ?? ""
    }
}
