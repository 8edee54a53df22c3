import Foundation

/// CAs and certificates made by `scripts/gen-test-certs` (openssl) in temporary directories, once per test run, so no
/// key is ever committed. `primary` is what most TLS tests use; `secondary` is signed by another CA (certificate
/// reload tests).
enum TestCertificates {
    static let repositoryRoot: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/")
    }()

    struct Set: Sendable {
        let directory: String
        func path(_ name: String) -> String { directory + "/" + name }
        var ca: String { path("ca.crt") }
        var serverCertificate: String { path("server.crt") }
        var serverKey: String { path("server.key") }
        var clientCertificate: String { path("client.crt") }
        var clientKey: String { path("client.key") }
    }

    static let primary: Set? = make("primary")
    static let secondary: Set? = make("secondary")

    private static func make(_ name: String) -> Set? {
        let directory = NSTemporaryDirectory() + "podium-tls-tests-\(getpid())-\(name)"
        guard run(repositoryRoot + "/scripts/gen-test-certs", [directory]) else { return nil }
        return Set(directory: directory)
    }

    /// Runs a program, discarding its output; true if it exited with status 0.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return false
        }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
