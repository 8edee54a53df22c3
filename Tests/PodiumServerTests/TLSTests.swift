import NIOCore
import NIOSSL
import PodiumConfig
import PodiumServer
import PodiumTLS
import Testing

/// The TLS listener, in-process, with swift-nio-ssl clients over real sockets. Certificates come from
/// `scripts/gen-test-certs`; the e2e suite covers redis-py, redis-cli and node-redis.
@Suite(.timeLimit(.minutes(1)), .enabled(if: TestCertificates.primary != nil && TestCertificates.secondary != nil))
struct TLSTests {
    // Invariant: the suite only runs when both sets were made (the trait above).
    static var primary: TestCertificates.Set { TestCertificates.primary! }
    static var secondary: TestCertificates.Set { TestCertificates.secondary! }

    /// The arguments of a server with a TLS port (and, unless `--port 0` follows, a plain one).
    static func tlsArguments(_ set: TestCertificates.Set = primary, authClients: String = "no") -> [String] {
        [
            "--tls-port", "6380", "--tls-cert-file", set.serverCertificate, "--tls-key-file", set.serverKey,
            "--tls-ca-cert-file", set.ca, "--tls-auth-clients", authClients,
        ]
    }

    /// A client that verifies the server against `set`'s CA (and the name `localhost`), optionally presenting the
    /// client certificate.
    static func client(
        trusting set: TestCertificates.Set = primary, certificate: Bool = false
    ) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(set.ca)
        if certificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(set.clientCertificate).map {
                .certificate($0)
            }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: set.clientKey, format: .pem))
        }
        return configuration
    }

    /// `pingSucceeds` with a client made by `make` (false if the client configuration cannot be made).
    static func pingSucceeds(port: Int, _ make: () throws -> TLSConfiguration) async -> Bool {
        guard let tls = try? make() else { return false }
        return await pingSucceeds(port: port, tls: tls)
    }

    /// True if a PING over such a connection is answered with PONG; false if the connection or the handshake fails.
    static func pingSucceeds(port: Int, tls: TLSConfiguration?) async -> Bool {
        do {
            return try await withConnection(port: port, tls: tls) { connection in
                try await connection.send(command: "PING")
                return try await connection.read(matching: "+PONG\r\n") == "+PONG\r\n"
            }
        } catch {
            return false
        }
    }

    @Test func plainAndTLSPortsServeOneKeyspace() async throws {
        try await withTestServerPorts(arguments: Self.tlsArguments()) { _, ports in
            let tlsPort = try #require(ports.tls)
            let plainPort = try #require(ports.tcp)
            #expect(tlsPort != plainPort)
            try await withConnection(port: tlsPort, tls: try Self.client()) { c in
                try await c.check("SET", "over", "tls", replies: "+OK\r\n")
                // A large value crosses many TLS records both ways.
                let big = String(repeating: "x", count: 300_000)
                try await c.check("SET", "big", big, replies: "+OK\r\n")
                try await c.check("STRLEN", "big", replies: ":300000\r\n")
            }
            try await withConnection(port: plainPort) { c in
                try await c.check("GET", "over", replies: "$3\r\ntls\r\n")
            }
        }
    }

    @Test func portZeroServesTLSOnly() async throws {
        try await withTestServerPorts(arguments: Self.tlsArguments() + ["--port", "0"]) { _, ports in
            #expect(ports.tcp == nil)
            let port = try #require(ports.tls)
            let client = try Self.client()
            #expect(await Self.pingSucceeds(port: port, tls: client))
        }
    }

    @Test func noPortAtAllRefusesToStart() async throws {
        let (configuration, _) = try PodiumConfiguration.load(configFile: nil, arguments: ["--port", "0"])
        let server = PodiumServer(configuration: configuration, logger: quietLogger, ports: .ephemeral)
        await #expect(throws: PodiumServerError.self) { try await server.run() }
        #expect(server.state == .shutdown)
    }

    @Test func badCertificateFilesStopTheStart() async throws {
        var arguments = Self.tlsArguments()
        arguments[3] = "/nonexistent/server.crt"
        let (configuration, _) = try PodiumConfiguration.load(configFile: nil, arguments: arguments)
        let server = PodiumServer(configuration: configuration, logger: quietLogger, ports: .ephemeral)
        await #expect(throws: TLSSetupError.self) { try await server.run() }
        #expect(server.state == .shutdown)
    }

    @Test func authClientsYesRequiresAClientCertificate() async throws {
        try await withTestServerPorts(arguments: Self.tlsArguments(authClients: "yes")) { _, ports in
            let port = try #require(ports.tls)
            #expect(await !Self.pingSucceeds(port: port, { try Self.client() }))
            #expect(await Self.pingSucceeds(port: port, { try Self.client(certificate: true) }))
            // A certificate from another CA is refused too.
            var foreign = try Self.client()
            foreign.certificateChain = try NIOSSLCertificate.fromPEMFile(Self.secondary.clientCertificate)
                .map { .certificate($0) }
            foreign.privateKey = .privateKey(try NIOSSLPrivateKey(file: Self.secondary.clientKey, format: .pem))
            #expect(await !Self.pingSucceeds(port: port, tls: foreign))
        }
    }

    @Test func authClientsOptionalAcceptsBoth() async throws {
        try await withTestServerPorts(arguments: Self.tlsArguments(authClients: "optional")) { _, ports in
            let port = try #require(ports.tls)
            #expect(await Self.pingSucceeds(port: port, { try Self.client() }))
            #expect(await Self.pingSucceeds(port: port, { try Self.client(certificate: true) }))
        }
    }

    @Test func plainTextOnTheTLSPortIsClosed() async throws {
        try await withTestServerPorts(arguments: Self.tlsArguments()) { _, ports in
            let port = try #require(ports.tls)
            try await withConnection(port: port) { c in
                try await c.send(command: "PING")
                try await c.expectClose(after: "")
            }
            #expect(await Self.pingSucceeds(port: port, { try Self.client() }))
        }
    }

    @Test func aTLSHandshakeOnThePlainPortIsClosed() async throws {
        try await withTestServerPorts(arguments: Self.tlsArguments()) { _, ports in
            let port = try #require(ports.tcp)
            #expect(await !Self.pingSucceeds(port: port, { try Self.client() }))
            #expect(await Self.pingSucceeds(port: port, tls: nil))
        }
    }

    @Test func aStalledHandshakeIsClosedAfterTheTimeout() async throws {
        try await withTestServerPorts(arguments: Self.tlsArguments() + ["--tls-handshake-timeout", "100"]) { _, ports in
            let port = try #require(ports.tls)
            try await withConnection(port: port) { c in
                // Nothing sent: the server closes the connection once the timeout passes.
                try await c.expectClose(after: "")
            }
            // A stalled client holds nothing up for the others.
            try await withConnection(port: port) { stalled in
                #expect(await Self.pingSucceeds(port: port, { try Self.client() }))
                try await stalled.expectClose(after: "")
            }
        }
    }

    @Test func configSetReloadsTheCertificates() async throws {
        try await withTestServerPorts(arguments: Self.tlsArguments()) { _, ports in
            let tlsPort = try #require(ports.tls)
            let plainPort = try #require(ports.tcp)
            try await withConnection(port: tlsPort, tls: try Self.client()) { existing in
                try await existing.check("PING", replies: "+PONG\r\n")
                try await withConnection(port: plainPort) { admin in
                    try await admin.check(
                        "CONFIG", "SET", "tls-cert-file", Self.secondary.serverCertificate, "tls-key-file",
                        Self.secondary.serverKey, replies: "+OK\r\n")
                    // New connections get the new certificate; the open one carries on.
                    #expect(await Self.pingSucceeds(port: tlsPort, { try Self.client(trusting: Self.secondary) }))
                    #expect(await !Self.pingSucceeds(port: tlsPort, { try Self.client(trusting: Self.primary) }))
                    try await existing.check("PING", replies: "+PONG\r\n")

                    // A file that does not load changes nothing, as in Redis.
                    let failure =
                        "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.\r\n"
                    try await admin.check(
                        "CONFIG", "SET", "tls-cert-file", "/nonexistent.crt", "timeout", "7",
                        replies: failure)
                    try await admin.check(
                        "CONFIG", "GET", "tls-cert-file",
                        replies:
                            "*2\r\n$13\r\ntls-cert-file\r\n$\(Self.secondary.serverCertificate.utf8.count)\r\n\(Self.secondary.serverCertificate)\r\n"
                    )
                    try await admin.check("CONFIG", "GET", "timeout", replies: "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n")
                    #expect(await Self.pingSucceeds(port: tlsPort, { try Self.client(trusting: Self.secondary) }))
                    // A cipher list BoringSSL would refuse is refused before it reaches BoringSSL.
                    try await admin.check(
                        "CONFIG", "SET", "tls-ciphers", "BOGUS",
                        replies:
                            "-ERR CONFIG SET failed (possibly related to argument 'tls-ciphers') - Unable to update TLS configuration. Check server logs.\r\n"
                    )
                }
            }
        }
    }

    @Test func protocolsAndCiphersApply() async throws {
        let arguments =
            Self.tlsArguments() + ["--tls-protocols", "TLSv1.2", "--tls-ciphers", "ECDHE-RSA-AES128-GCM-SHA256"]
        try await withTestServerPorts(arguments: arguments) { _, ports in
            let port = try #require(ports.tls)
            #expect(await Self.pingSucceeds(port: port, { try Self.client() }))
            var onlyTLS13 = try Self.client()
            onlyTLS13.minimumTLSVersion = .tlsv13
            #expect(await !Self.pingSucceeds(port: port, tls: onlyTLS13))
            var otherCipher = try Self.client()
            otherCipher.maximumTLSVersion = .tlsv12
            otherCipher.cipherSuites = "ECDHE-RSA-AES256-GCM-SHA384"
            #expect(await !Self.pingSucceeds(port: port, tls: otherCipher))
        }
    }

    @Test func anEncryptedKeyWithItsPassphrase() async throws {
        let encrypted = Self.primary.path("server-encrypted.key")
        try #require(
            TestCertificates.run(
                "/usr/bin/env",
                [
                    "openssl", "pkey", "-in", Self.primary.serverKey, "-aes256", "-passout", "pass:sesame", "-out",
                    encrypted,
                ]))
        var arguments = Self.tlsArguments()
        arguments[5] = encrypted
        try await withTestServerPorts(arguments: arguments + ["--tls-key-file-pass", "sesame"]) { _, ports in
            let port = try #require(ports.tls)
            let client = try Self.client()
            #expect(await Self.pingSucceeds(port: port, tls: client))
        }
        let (configuration, _) = try PodiumConfiguration.load(
            configFile: nil, arguments: arguments + ["--tls-key-file-pass", "wrong"])
        let server = PodiumServer(configuration: configuration, logger: quietLogger, ports: .ephemeral)
        await #expect(throws: TLSSetupError.self) { try await server.run() }
    }
}
