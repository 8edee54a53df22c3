#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: which one, on what, and the system's error text (`strerror`), which is what Valkey puts
/// in its log lines and in `-MISCONF` replies.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let path: String
    public let code: Int32

    public init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// `strerror(code)`, e.g. "No space left on device".
    public var reason: String { FileIO.errorText(code) }
    public var description: String { "\(operation) \(path): \(reason)" }
}

/// The few POSIX file operations persistence needs, with `EINTR` handled and errors as `FileError`. Blocking:
/// call them off the event loops and outside the executor lock.
public enum FileIO {
    public static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Joins a directory and a file name.
    public static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size of a file in bytes.
    public static func size(_ path: String) throws(FileError) -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileError("stat", path) }
        return Int(st.st_size)
    }

    /// Creates a directory unless it exists.
    public static func createDirectory(_ path: String) throws(FileError) {
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw FileError("mkdir", path) }
    }

    /// Opens for appending (created if missing).
    public static func openForAppend(_ path: String) throws(FileError) -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError("open", path) }
        return fd
    }

    /// Creates (or truncates) a file for writing.
    public static func create(_ path: String) throws(FileError) -> Int32 {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError("open", path) }
        return fd
    }

    public static func openForReading(_ path: String) throws(FileError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", path) }
        return fd
    }

    /// Writes all of `bytes`; on failure returns how much was written before it (Valkey's `aofWrite`).
    public static func writeAll(
        _ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String
    )
        -> (written: Int, error: FileError?)
    {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return (done, FileError("write", path))
            }
            if n == 0 { return (done, FileError("write", path, code: ENOSPC)) }
            done += n
        }
        return (done, nil)
    }

    /// Reads up to `count` bytes into `buffer`; 0 at the end of the file.
    public static func readChunk(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String
    )
        throws(FileError) -> Int
    {
        while true {
            let n = read(fd, buffer.baseAddress!, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw FileError("read", path) }
        }
    }

    /// `fdatasync` where it exists (Valkey's `redis_fsync`): the data and what is needed to read it back.
    public static func sync(_ fd: Int32, path: String) throws(FileError) {
        #if os(Linux)
        let status = fdatasync(fd)
        #else
        let status = fsync(fd)
        #endif
        if status != 0 { throw FileError("fsync", path) }
    }

    /// Makes a rename or a new file in `directory` durable (Valkey's `fsyncFileDir`).
    public static func syncDirectory(_ directory: String) throws(FileError) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", directory) }
        defer { close(fd) }
        if fsync(fd) != 0, errno != EINVAL, errno != EBADF { throw FileError("fsync", directory) }
    }

    public static func renameFile(_ from: String, _ to: String) throws(FileError) {
        if rename(from, to) != 0 { throw FileError("rename", from) }
    }

    public static func truncateFile(_ path: String, to size: Int) throws(FileError) {
        if truncate(path, off_t(size)) != 0 { throw FileError("truncate", path) }
    }

    public static func truncateOpenFile(_ fd: Int32, to size: Int, path: String) throws(FileError) {
        if ftruncate(fd, off_t(size)) != 0 { throw FileError("ftruncate", path) }
    }

    public static func removeFile(_ path: String) {
        _ = unlink(path)
    }

    public static func closeFile(_ fd: Int32) {
        _ = close(fd)
    }

    /// Writes `contents` to `path` atomically: a temporary file beside it, fsync, rename, fsync of the directory.
    public static func writeAtomically(
        _ contents: [UInt8], to path: String, temporary: String, directory: String
    )
        throws(FileError)
    {
        let fd = try create(temporary)
        let (_, error) = contents.withUnsafeBytes { writeAll(fd, $0, path: temporary) }
        if let error {
            closeFile(fd)
            removeFile(temporary)
            throw error
        }
        do {
            try sync(fd, path: temporary)
        } catch {
            closeFile(fd)
            removeFile(temporary)
            throw error
        }
        closeFile(fd)
        try renameFile(temporary, path)
        try syncDirectory(directory)
    }

    /// Reads a whole (small) file.
    public static func readAll(_ path: String) throws(FileError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { closeFile(fd) }
        var out: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let n = try readChunk(fd, into: chunk, path: path)
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }
}
