#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time in milliseconds since the Unix epoch. Injected so tests control time (no sleeps).
public protocol KeyspaceClock: AnyObject {
    func nowMilliseconds() -> Int64
}

/// The real clock (`CLOCK_REALTIME`): TTLs are absolute Unix times, as in Valkey and its AOF.
public final class SystemClock: KeyspaceClock {
    public init() {}
    public func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
    /// Microseconds since the epoch, for `TIME`.
    public static func nowMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
    /// A monotonic reading in nanoseconds, for measuring durations (command stats, expiry time budget).
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// A clock tests move by hand.
public final class ManualClock: KeyspaceClock {
    public var now: Int64
    public init(now: Int64 = 1_700_000_000_000) { self.now = now }
    public func nowMilliseconds() -> Int64 { now }
    public func advance(by milliseconds: Int64) { now += milliseconds }
}
