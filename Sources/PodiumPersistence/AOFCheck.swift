import NIOCore
import PodiumRDB

/// What `podium-check-aof` finds in one file: how far it is valid and why it stops there (redis-check-aof's
/// `checkSingleAof`). A file is valid up to the end of its last whole command outside an unfinished MULTI block.
public struct AOFCheckResult: Sendable {
    public let path: String
    public let size: Int
    /// Offset just past the last whole command (before an unfinished MULTI).
    public let validUpTo: Int
    /// Why the rest is not valid; nil when the whole file is.
    public let problem: String?
    /// Commands and lines read up to `validUpTo`.
    public let commands: Int
    /// True if the file starts with an RDB preamble (checked whole: its structure and checksum, then the commands
    /// after it).
    public let isRDB: Bool
    /// Keys in the RDB preamble.
    public var preambleKeys = 0

    public var isValid: Bool { problem == nil }
}

public enum AOFCheck {
    /// Checks one file.
    public static func check(path: String) throws(FileError) -> AOFCheckResult {
        let fd = try FileIO.openForReading(path)
        defer { FileIO.closeFile(fd) }
        let size = try FileIO.size(path)
        var buffer = ByteBuffer()
        var base = 0
        var eof = false
        var parser = AOFParser()
        var validUpTo = 0
        var validBeforeMulti = 0
        var inMulti = false
        var commands = 0
        var first = true
        var preamble: Int?
        func result(_ validUpTo: Int, _ problem: String?) -> AOFCheckResult {
            var r = AOFCheckResult(
                path: path, size: size, validUpTo: validUpTo, problem: problem, commands: commands,
                isRDB: preamble != nil)
            r.preambleKeys = preamble ?? 0
            return r
        }
        while true {
            parsing: while true {
                let item: AOFParser.Item
                do { item = try parser.next(in: buffer, base: base) } catch {
                    return result(inMulti ? validBeforeMulti : validUpTo, "\(error.reason) at offset \(error.offset)")
                }
                switch item {
                case .incomplete: break parsing
                case .annotation(_, let end):
                    buffer.moveReaderIndex(forwardBy: end - base)
                    base = end
                case .command(let args, let end):
                    let name = String(buffer: args[0]).lowercased()
                    if name == "multi" {
                        if inMulti {
                            return result(validBeforeMulti, "MULTI inside MULTI at offset \(base)")
                        }
                        inMulti = true
                        validBeforeMulti = validUpTo
                    } else if name == "exec" {
                        if !inMulti {
                            return result(validUpTo, "EXEC without MULTI at offset \(base)")
                        }
                        inMulti = false
                    }
                    buffer.moveReaderIndex(forwardBy: end - base)
                    base = end
                    validUpTo = end
                    commands += 1
                }
            }
            if eof { break }
            buffer.discardReadBytes()
            let n = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1024 * 1024) { raw throws(FileError) in
                try FileIO.readChunk(fd, into: raw, path: path)
            }
            if first, n >= 5, buffer.getString(at: buffer.readerIndex, length: 5) == "REDIS" {
                // The RDB part must be whole (it cannot be repaired by truncation); the commands after it are
                // checked as usual.
                var keys = 0
                let end: Int
                do {
                    let summary = try RDBFile.read(try FileIO.readAll(path), limits: RDBLimits(), now: 0) { item in
                        if case .key = item { keys += 1 }
                    }
                    end = summary.end
                } catch {
                    preamble = 0
                    return result(0, "the RDB preamble is not valid: \(error)")
                }
                preamble = keys
                guard lseek(fd, off_t(end), SEEK_SET) == off_t(end) else { return result(0, "seek failed") }
                buffer.clear()
                base = end
                validUpTo = end
                first = false
                continue
            }
            first = false
            if n == 0 { eof = true }
        }
        if inMulti { return result(validBeforeMulti, "MULTI without EXEC at the end of the file") }
        if buffer.readableBytes > 0 {
            return result(validUpTo, "the file ends inside a command (truncated at offset \(validUpTo))")
        }
        return result(validUpTo, nil)
    }

    /// The files a path names: the files of a manifest (base, then incremental), or the path itself.
    public static func files(of path: String) throws(PersistenceError) -> [String] {
        guard path.hasSuffix(".manifest") else { return [path] }
        let manifest: AOFManifest
        do {
            manifest = try AOFManifest.parse(try FileIO.readAll(path))
        } catch let error as AOFManifest.ParseError {
            throw PersistenceError("Invalid AOF manifest file \(path): \(error)")
        } catch {
            throw PersistenceError("Can't read the AOF manifest file \(path): \(error)")
        }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return manifest.filesToLoad.map { FileIO.join(directory.isEmpty ? "." : directory, $0.name) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
