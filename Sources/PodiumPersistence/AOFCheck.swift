import NIOCore

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
    /// True if the file starts with an RDB preamble, which this tool does not read.
    public let isRDB: Bool

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
        while true {
            parsing: while true {
                let item: AOFParser.Item
                do { item = try parser.next(in: buffer, base: base) } catch {
                    return AOFCheckResult(path: path, size: size, validUpTo: inMulti ? validBeforeMulti : validUpTo,
                                          problem: "\(error.reason) at offset \(error.offset)", commands: commands,
                                          isRDB: false)
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
                            return AOFCheckResult(path: path, size: size, validUpTo: validBeforeMulti,
                                                  problem: "MULTI inside MULTI at offset \(base)", commands: commands,
                                                  isRDB: false)
                        }
                        inMulti = true
                        validBeforeMulti = validUpTo
                    } else if name == "exec" {
                        if !inMulti {
                            return AOFCheckResult(path: path, size: size, validUpTo: validUpTo,
                                                  problem: "EXEC without MULTI at offset \(base)", commands: commands,
                                                  isRDB: false)
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
                return AOFCheckResult(path: path, size: size, validUpTo: 0, problem: nil, commands: 0, isRDB: true)
            }
            first = false
            if n == 0 { eof = true }
        }
        if inMulti {
            return AOFCheckResult(path: path, size: size, validUpTo: validBeforeMulti,
                                  problem: "MULTI without EXEC at the end of the file", commands: commands, isRDB: false)
        }
        if buffer.readableBytes > 0 {
            return AOFCheckResult(path: path, size: size, validUpTo: validUpTo,
                                  problem: "the file ends inside a command (truncated at offset \(validUpTo))",
                                  commands: commands, isRDB: false)
        }
        return AOFCheckResult(path: path, size: size, validUpTo: validUpTo, problem: nil, commands: commands,
                              isRDB: false)
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
