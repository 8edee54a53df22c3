import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import PodiumConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the TLS settings could not be turned into a server context. The texts follow the lines redis-server logs for
/// the same problems (`tls.c`), in Podium's lower-case style; the server logs `message` and refuses to start, or
/// fails the CONFIG SET that caused it.
public struct TLSSetupError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The TLS side of the server: the `NIOSSLContext` built from the `tls-*` directives, and what each accepted TLS
/// connection gets in front of the RESP pipeline.
///
/// The store is shared by the TLS listener's child-channel initializer (any event loop) and CONFIG SET (under the
/// executor lock), so its state sits behind a lock. A reload builds a complete new context first and swaps it in only
/// if that succeeded: connections accepted afterwards use the new certificates, connections already open keep the
/// context they were accepted with, and a failed reload changes nothing.
public final class TLSContextStore: Sendable {
    /// One consistent set of settings.
    struct State {
        /// The context every connection shares (`tls-session-caching yes`), or the template each connection's own
        /// context is made from (`no`: a client cannot resume a session made by another context).
        var context: NIOSSLContext
        var configuration: TLSConfiguration
        var sessionCaching: Bool
        var handshakeTimeout: TimeAmount
    }

    private let state: NIOLockedValueBox<State>
    private let logger: Logger

    /// Builds the context from `configuration`; throws when a file cannot be read or a setting is invalid.
    public init(configuration: PodiumConfiguration, logger: Logger) throws(TLSSetupError) {
        self.state = NIOLockedValueBox(try Self.makeState(configuration))
        self.logger = logger
    }

    /// Rebuilds the context from the current directives (CONFIG SET). On failure the previous context stays in use.
    public func reload(from configuration: PodiumConfiguration) throws(TLSSetupError) {
        let fresh = try Self.makeState(configuration)
        state.withLockedValue { $0 = fresh }
    }

    /// Adds the TLS handlers to an accepted channel, in front of whatever the caller adds next: the handshake guard
    /// (plain text on this port, handshake failures and the handshake timeout are logged and closed), then the
    /// NIOSSL server handler. Called on the channel's event loop.
    public func configure(_ channel: any Channel) throws {
        let current = state.withLockedValue { $0 }
        let context = current.sessionCaching ? current.context : try NIOSSLContext(configuration: current.configuration)
        let handlers: [any ChannelHandler] = [
            TrafficSniffer(expecting: .tls, logger: logger),
            NIOSSLServerHandler(context: context),
            TLSHandshakeGuard(timeout: current.handshakeTimeout, logger: logger),
        ]
        try channel.pipeline.syncOperations.addHandlers(handlers)
    }

    /// Adds the plain port's guard: a client that starts a TLS handshake there is logged and closed.
    public static func configurePlainPort(_ channel: any Channel, logger: Logger) throws {
        try channel.pipeline.syncOperations.addHandler(TrafficSniffer(expecting: .plain, logger: logger))
    }

    // MARK: - Building the context

    static func makeState(_ configuration: PodiumConfiguration) throws(TLSSetupError) -> State {
        let tls = try makeConfiguration(configuration)
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw TLSSetupError("failed to configure tls: \(error)")
        }
        return State(
            context: context, configuration: tls, sessionCaching: configuration.tlsSessionCaching,
            handshakeTimeout: .milliseconds(Int64(configuration.tlsHandshakeTimeout)))
    }

    /// The swift-nio-ssl configuration for the `tls-*` directives, with Redis' checks. Certificates, key and CA file
    /// are loaded here, once, so a connection with its own context (no session caching) reads no file.
    static func makeConfiguration(_ configuration: PodiumConfiguration) throws(TLSSetupError) -> TLSConfiguration {
        let certFile = configuration.tlsCertFile
        let keyFile = configuration.tlsKeyFile
        guard !certFile.isEmpty, !keyFile.isEmpty else {
            throw TLSSetupError("tls-cert-file and tls-key-file must be set to serve tls")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certFile)
        } catch {
            throw TLSSetupError("failed to load certificate \(certFile): \(error)")
        }
        guard !chain.isEmpty else {
            throw TLSSetupError("failed to load certificate \(certFile): no certificate in it")
        }
        let key: NIOSSLPrivateKey
        do {
            let passphrase = Array(configuration.tlsKeyFilePass.utf8)
            if passphrase.isEmpty {
                key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            } else {
                key = try NIOSSLPrivateKey(file: keyFile, format: .pem) { setter in setter(passphrase) }
            }
        } catch {
            throw TLSSetupError("failed to load private key \(keyFile): \(error)")
        }

        let authentication = configuration.tlsAuthClients
        let caFile = configuration.tlsCACertFile
        let caDir = configuration.tlsCACertDir
        if authentication != .no, caFile.isEmpty, caDir.isEmpty {
            throw TLSSetupError(
                "either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is enabled")
        }
        var caCertificates: [NIOSSLCertificate]?
        if !caFile.isEmpty {
            do {
                caCertificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw TLSSetupError("failed to configure ca certificate(s) file \(caFile): \(error)")
            }
        }
        if !caDir.isEmpty, !isDirectory(caDir) {
            throw TLSSetupError("failed to configure ca certificate(s) directory \(caDir): not a directory")
        }

        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        switch authentication {
        case .no: tls.certificateVerification = .none
        case .optional: tls.certificateVerification = .optionalVerification
        case .yes: tls.certificateVerification = .noHostnameVerification
        }
        switch (caCertificates, caDir.isEmpty) {
        case (let certificates?, true): tls.trustRoots = .certificates(certificates)
        case (let certificates?, false):
            tls.trustRoots = .certificates(certificates)
            tls.additionalTrustRoots = [.file(caDir)]
        case (nil, false): tls.trustRoots = .file(caDir)
        case (nil, true): break  // tls-auth-clients no: nothing is verified
        }
        let range = try protocolRange(configuration.tlsProtocols)
        tls.minimumTLSVersion = range.lowerBound.version
        tls.maximumTLSVersion = range.upperBound.version
        let ciphers = configuration.tlsCiphers
        if !ciphers.isEmpty {
            // swift-nio-ssl stops the process if BoringSSL refuses the list, so check it with BoringSSL's rules first.
            if CipherRules.problem(in: ciphers) != nil {
                throw TLSSetupError("failed to configure ciphers: \(ciphers)")
            }
            tls.cipherSuites = ciphers
        }
        return tls
    }

    // MARK: - tls-protocols

    /// The versions `tls-protocols` may name, in order.
    enum ProtocolVersion: Int, Comparable, CaseIterable {
        case tls10, tls11, tls12, tls13

        init?(name: String) {
            switch name.lowercased() {
            case "tlsv1": self = .tls10
            case "tlsv1.1": self = .tls11
            case "tlsv1.2": self = .tls12
            case "tlsv1.3": self = .tls13
            default: return nil
            }
        }

        var version: TLSVersion {
            switch self {
            case .tls10: .tlsv1
            case .tls11: .tlsv11
            case .tls12: .tlsv12
            case .tls13: .tlsv13
            }
        }

        static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Parses `tls-protocols` (space-separated, case-insensitive, empty = TLS 1.2 and 1.3, as Redis) into the range
    /// BoringSSL takes. Redis (OpenSSL) also accepts a set with a gap ("TLSv1 TLSv1.3"); a range cannot express one,
    /// and widening it would enable a version the user left out, so Podium refuses it.
    static func protocolRange(_ text: String) throws(TLSSetupError) -> ClosedRange<ProtocolVersion> {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words.isEmpty { return .tls12 ... .tls13 }
        var versions = Set<ProtocolVersion>()
        for word in words {
            guard let version = ProtocolVersion(name: word) else {
                throw TLSSetupError(
                    "invalid tls-protocols specified: use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'")
            }
            versions.insert(version)
        }
        // Invariant: `versions` is not empty (`words` was not, and every word added one).
        let low = versions.min() ?? .tls12
        let high = versions.max() ?? .tls13
        guard versions.count == high.rawValue - low.rawValue + 1 else {
            throw TLSSetupError("tls-protocols must name consecutive versions (for example 'TLSv1.2 TLSv1.3')")
        }
        return low...high
    }

    private static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}
