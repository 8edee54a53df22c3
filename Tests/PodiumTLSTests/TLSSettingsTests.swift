import NIOSSL
import PodiumConfig
import Testing

@testable import PodiumTLS

/// The `tls-*` directives' checks that need no certificate: cipher lists judged as BoringSSL judges them (a list it
/// refuses would stop the process inside swift-nio-ssl), `tls-protocols`, and Redis' start-up checks.
@Suite struct TLSSettingsTests {
    @Suite struct Ciphers {
        @Test(arguments: [
            "DEFAULT", "ALL", "HIGH", "DEFAULT:!MEDIUM", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "ECDHE+AESGCM", "kECDHE+AES256:!SHA1", "[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]:AES256",
            "ALL:-AES128:+AES256:@STRENGTH", "BOGUS:AES", "AES,CHACHA20 3DES;RSA", "3DES", "TLSv1.2",
            "DEFAULTX:AES", "ECDHE-ECDSA-AES128-SHA256",
        ])
        func accepted(_ rules: String) throws {
            #expect(CipherRules.problem(in: rules) == nil, "\(rules)")
            // BoringSSL itself agrees (had it refused, swift-nio-ssl would have stopped this process).
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.cipherSuites = rules
            _ = try NIOSSLContext(configuration: configuration)
        }

        @Test(arguments: [
            "BOGUS", "!ALL", "ALL:!ALL", "ALL:!ALL:AES", "TLS_AES_128_GCM_SHA256", "kRSA+kECDHE", "SSLv3+TLSv1.2",
            "MEDIUM", "ECDHE+SHA256", "-ALL", "",
        ])
        func selectNothing(_ rules: String) {
            // "" is never handed to BoringSSL (empty means the default list); the others select no TLS 1.2 cipher.
            #expect(CipherRules.problem(in: rules) == .noCipherMatch, "\(rules)")
        }

        @Test(arguments: [
            "AES+", "!", "ALL:@FOO", "[AES", "[AES:CHACHA20]", "[AES]:!3DES", "AES|CHACHA20", "ALL:(", "[AES|-3DES]",
        ])
        func syntaxErrors(_ rules: String) {
            #expect(CipherRules.problem(in: rules) == .syntax, "\(rules)")
        }

        @Test func aKilledCipherCannotComeBack() {
            #expect(CipherRules.problem(in: "!AESGCM:AESGCM") == .noCipherMatch)
            #expect(CipherRules.problem(in: "-AESGCM:AESGCM") == nil)
        }

        @Test func onlyTheTextBeforeANulCounts() {
            #expect(CipherRules.problem(in: "AES\u{0}BOGUS") == nil)
            #expect(CipherRules.problem(in: "\u{0}AES") == .noCipherMatch)
        }
    }

    @Suite struct Protocols {
        @Test func rangesRedisAccepts() throws {
            #expect(try TLSContextStore.protocolRange("") == .tls12 ... .tls13)
            #expect(try TLSContextStore.protocolRange("TLSv1.2") == .tls12 ... .tls12)
            #expect(try TLSContextStore.protocolRange("tlsv1.3 TLSv1.2") == .tls12 ... .tls13)
            #expect(try TLSContextStore.protocolRange("TLSv1 TLSv1.1 TLSv1.2") == .tls10 ... .tls12)
        }

        @Test func unknownVersionsAndGaps() {
            #expect(throws: TLSSetupError.self) { try TLSContextStore.protocolRange("TLSv1.4") }
            #expect(throws: TLSSetupError.self) { try TLSContextStore.protocolRange("SSLv3") }
            // OpenSSL could disable TLS 1.1 and 1.2 between them; a BoringSSL range cannot.
            #expect(throws: TLSSetupError.self) { try TLSContextStore.protocolRange("TLSv1 TLSv1.3") }
        }
    }

    @Suite struct StartupChecks {
        private func error(_ arguments: [String]) throws -> String? {
            let (configuration, _) = try PodiumConfiguration.load(configFile: nil, arguments: arguments)
            do {
                _ = try TLSContextStore.makeConfiguration(configuration)
                return nil
            } catch {
                return error.message
            }
        }

        @Test func certificateAndKeyAreRequired() throws {
            #expect(try error(["--tls-port", "6380"]) == "tls-cert-file and tls-key-file must be set to serve tls")
        }

        @Test func missingFilesAreNamed() throws {
            let message = try error(["--tls-cert-file", "/nonexistent/server.crt", "--tls-key-file", "/nonexistent/k"])
            #expect(message?.hasPrefix("failed to load certificate /nonexistent/server.crt") == true)
        }
    }
}
