import ArgumentParser
import CPodiumAlloc
import Logging
import PodiumConfig
import PodiumServer
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `podium-server [/path/to/podium.conf] [--directive value ...]`, the redis-server command line: directive names
/// belong to the configuration table, not to this parser, so everything but `--help`/`--version` is passed
/// through to `PodiumConfiguration`, which applies redis-server's rules (command-line directives override the
/// file).
@main
struct PodiumServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podium-server",
        abstract: "A Redis-protocol-compatible leaderboard datastore.",
        discussion: """
            Examples:
              podium-server                          (run with the built-in defaults)
              podium-server conf/podium.conf         (read a redis.conf-style file)
              podium-server --port 7777 --io-threads 2
              podium-server conf/podium.conf --loglevel verbose
            """,
        version: "podium-server 0.1.0 (Redis 7.2 compatible)"
    )

    @Argument(parsing: .allUnrecognized, help: "[config-file] [--directive value ...]")
    var arguments: [String] = []

    func run() async throws {
        Self.tuneAllocator()
        // A file size limit (ulimit -f) must make AOF writes fail with EFBIG, which the server reports as MISCONF
        // and recovers from, instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
        let loaded: (PodiumConfiguration, warnings: [String])
        do {
            loaded = try PodiumConfiguration.load(commandLine: arguments)
        } catch {
            let text = "\n\(error.message)\n"
            _ = text.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            throw ExitCode(1)
        }
        let (config, warnings) = loaded
        let sink = RedisStyleLogHandler.Sink(path: config.logfile)
        let level = Self.level(config.logLevel)
        LoggingSystem.bootstrap { label in RedisStyleLogHandler(label: label, level: level, sink: sink) }
        let logger = Logger(label: "podium")
        logger.notice("podium is starting", metadata: ["podium.pid": "\(getpid())"])
        for warning in warnings { logger.warning("\(warning)") }
        let configFile = arguments.first.flatMap { $0.hasPrefix("--") ? nil : $0 } ?? ""
        if configFile.isEmpty {
            logger.warning(
                "no config file specified, using the default config. In order to specify a config file use podium-server /path/to/podium.conf"
            )
        }
        let server = PodiumServer(configuration: config, configFile: configFile, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            // The server logged why (a port it could not bind, a data set it could not load).
            throw ExitCode(1)
        }
    }

    static func level(_ level: LogLevel) -> Logger.Level {
        switch level {
        case .debug: return .debug
        case .verbose: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .nothing: return .critical
        }
    }

    /// glibc's malloc returns the free memory at the top of a heap to the kernel as soon as it exceeds 128 KiB,
    /// and takes fresh zeroed pages back on the next growth. A server that builds and frees buffers in bursts
    /// (Pub/Sub fan-out: a queue per subscriber, freed once the socket took it) then spends its time in page
    /// faults: measured with perf, 17% of the time of a 1,000-subscriber fan-out. Keep up to 64 MiB of free
    /// heap for reuse (jemalloc, which redis-server uses, also keeps freed pages for a while), and grow heaps 4 MiB
    /// beyond each request. The executable does this, not the library: it is a process-wide setting.
    static func tuneAllocator() {
        podium_tune_allocator(64 << 20, 4 << 20)
    }
}
