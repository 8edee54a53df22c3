#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What INFO reports about the process and the machine, read from the OS in this one place: resident memory
/// (`/proc/self/statm`), CPU time (`getrusage`), the OS name (`uname`) and the machine's memory (`sysconf`).
///
/// Resident memory is the slow one (a file opened and read): the cron samples it every `1000 / hz` ms on its own
/// thread, outside the command lock, as Valkey's `serverCron` samples it for INFO, and INFO only copies the last
/// sample (`ServerCore.sampleProcessFigures`). The figures that never change are read once.
enum ProcessFigures {
    /// `uname`'s system name, release and machine (INFO `os`).
    static let osName: String = {
        var u = utsname()
        guard uname(&u) == 0 else { return "" }
        func field<T>(_ t: T) -> String {
            withUnsafeBytes(of: t) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        return "\(field(u.sysname)) \(field(u.release)) \(field(u.machine))"
    }()

    /// The machine's memory in bytes (INFO `total_system_memory`).
    static let totalSystemMemory: Int = pageSize * max(0, Int(sysconf(Int32(_SC_PHYS_PAGES))))

    static let pageSize = max(1, Int(sysconf(Int32(_SC_PAGESIZE))))

    /// CPU time the process has used, in microseconds (INFO `used_cpu_user` / `used_cpu_sys`). One system call.
    static func cpuTime() -> (user: Int, system: Int) {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return (0, 0) }
        func micros(_ tv: timeval) -> Int { Int(tv.tv_sec) * 1_000_000 + Int(tv.tv_usec) }
        return (micros(usage.ru_utime), micros(usage.ru_stime))
    }

    /// Resident set size in bytes from `/proc/self/statm` (Linux; 0 elsewhere or on failure). Read with `read(2)`
    /// into a stack buffer: no stdio, no allocation.
    static func residentSetSize() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buffer -> Int in
            let count = read(fd, buffer.baseAddress, buffer.count)
            guard count > 0 else { return 0 }
            // "size resident shared ...": the second number, in pages.
            var field = 0
            var value = 0
            var inNumber = false
            for byte in buffer.prefix(count) {
                if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    if field == 1 { value = value * 10 + Int(byte - UInt8(ascii: "0")) }
                    inNumber = true
                } else {
                    if inNumber { field += 1 }
                    inNumber = false
                    if field > 1 { break }
                }
            }
            return field >= 1 ? value * pageSize : 0
        }
    }
}
