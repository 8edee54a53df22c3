import Logging
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler that writes Redis' log line format, so log tooling that reads redis-server logs reads
/// ours: `<pid>:M <dd Mon yyyy hh:mm:ss.mmm> <level> <message> key=value ...`, with Redis' level marks
/// (`.` debug, `-` verbose/info, `*` notice, `#` warning and above).
///
/// Only the `podium-server` executable installs it (`LoggingSystem.bootstrap` may run once per process).
public struct RedisStyleLogHandler: LogHandler {
    /// Where lines go: stdout, or a file opened for appending (`logfile`).
    public final class Sink: @unchecked Sendable {
        private let lock = NIOLock()
        private let file: UnsafeMutablePointer<FILE>

        public init(path: String) {
            let standardOutput = fdopen(STDOUT_FILENO, "w")!  // fd 1 is open in any process we run in
            if path.isEmpty {
                file = standardOutput
            } else if let f = fopen(path, "a") {
                file = f
            } else {
                file = standardOutput
                fputs("Can't open the log file: \(path)\n", file)
            }
        }

        func write(_ line: String) {
            lock.withLock {
                fputs(line, file)
                fflush(file)
            }
        }
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let sink: Sink

    public init(label: String, level: Logger.Level, sink: Sink) {
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "\(getpid()):M \(Self.timestamp()) \(Self.mark(event.level)) \(event.message)"
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        line += "\n"
        sink.write(line)
    }

    static func mark(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: return "."
        case .info: return "-"
        case .notice: return "*"
        case .warning, .error, .critical: return "#"
        }
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var parts = tm()
        localtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, 64, "%d %b %Y %H:%M:%S", &parts)
        let base = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let ms = Int(ts.tv_nsec) / 1_000_000
        return base + "." + (ms < 10 ? "00" : ms < 100 ? "0" : "") + String(ms)
    }
}
