import Logging
import NIOCore
import PodiumCommands
import PodiumKeyspace

/// Why the data set could not be loaded; start-up stops with this message (Valkey exits the same way).
public struct PersistenceError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a load reports while it runs (INFO `loading_*`) and when it ends. Updated under the executor lock.
public struct LoadProgress: Sendable {
    public var startTime: Int64 = 0
    public var totalBytes = 0
    public var loadedBytes = 0
    public var commands = 0
}

/// Replays AOF files through the dispatcher (Valkey's `loadSingleAppendOnlyFile`), in slices: each slice of up to
/// 1,024 commands runs under the executor lock, so clients connected meanwhile get their `-LOADING` replies and
/// INFO shows the progress. The replaying client may run everything (`ClientSession.replaysLog`); its replies
/// are discarded. The keyspace is in loading mode, so nothing expires while the log replays.
struct AOFLoader {
    /// How the files are read and where the result goes.
    let directory: String
    let dispatcher: Dispatcher
    /// Runs a body with the executor lock held.
    let exclusive: (() -> Void) -> Void
    let loadTruncated: Bool
    /// `key-load-delay` (tests): sleep this long after each command, outside the lock.
    let commandDelayMicroseconds: Int
    let manifestName: String
    /// `rdbchecksum`: whether an RDB preamble's CRC-64 is checked.
    var rdbChecksum = true
    let logger: Logger
    /// Called under the executor lock after each slice with the bytes and commands it loaded.
    let progress: (_ bytes: Int, _ commands: Int) -> Void

    /// How one file ended.
    enum Outcome {
        case complete
        /// Cut short (or ending inside MULTI): cut back to `validUpTo`, the end of its last whole command.
        case truncated(validUpTo: Int)
    }

    static let readSize = 1024 * 1024
    static let commandsPerSlice = 1024

    /// Loads the RDB data at the start of a base file; returns the offset where its command tail starts.
    private func loadPreamble(path: String, name: String) throws(PersistenceError) -> Int {
        var loader = RDBLoader(dispatcher: dispatcher, exclusive: exclusive, logger: logger)
        loader.verifyChecksum = rdbChecksum
        loader.skipsExpiredKeys = false
        let started = monotonicNanoseconds()
        let outcome = try loader.load(path: path, name: name)
        logger.notice(
            "Loading RDB preamble from AOF file \(name)",
            metadata: [
                "podium.keys": "\(outcome.keys)", "podium.expired": "\(outcome.expired)",
                "podium.seconds": "\(format3(Double(monotonicNanoseconds() - started) / 1e9))",
            ])
        return outcome.end
    }

    /// Loads one file. `isLast`: a truncated last file may be cut back and loaded (`aof-load-truncated`).
    func load(file name: String, isLast: Bool, client: ClientSession) throws(PersistenceError) -> Int {
        let path = FileIO.join(directory, name)
        let fd: Int32
        do { fd = try FileIO.openForReading(path) } catch {
            throw PersistenceError("Fatal error: can't open the append log file \(name) for reading: \(error.reason)")
        }
        defer { FileIO.closeFile(fd) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Self.readSize)
        var base = 0  // file offset of the buffer's reader index
        var eof = false
        var parser = AOFParser()
        var batch: [[ByteBuffer]] = []
        batch.reserveCapacity(Self.commandsPerSlice)
        var validUpTo = 0
        var validBeforeMulti = 0
        var commands = 0
        var scratch = ByteBuffer()
        var lastReport = monotonicNanoseconds()
        let started = lastReport
        var firstRead = true

        var reportedBytes = 0
        func runBatch() {
            guard !batch.isEmpty else { return }
            let count = batch.count
            let delta = validUpTo - reportedBytes
            reportedBytes = validUpTo
            exclusive {
                dispatcher.execute(batch: batch, client: client, output: &scratch)
                progress(delta, count)
            }
            scratch.clear()
            batch.removeAll(keepingCapacity: true)
        }

        while true {
            parsing: while true {
                let item: AOFParser.Item
                do { item = try parser.next(in: buffer, base: base) } catch {
                    runBatch()
                    throw PersistenceError(
                        "Bad file format reading the append only file \(name) (\(error.reason) at offset \(error.offset)): "
                            + "make a backup of your AOF file, then use podium-check-aof --fix \(manifestName)")
                }
                switch item {
                case .incomplete:
                    break parsing
                case .annotation(_, let end):
                    buffer.moveReaderIndex(forwardBy: end - base)
                    base = end
                case .command(let args, let end):
                    guard let spec = dispatcher.table.lookup(args[0]) else {
                        runBatch()
                        throw PersistenceError(
                            "Unknown command '\(String(buffer: args[0]))' reading the append only file \(name)")
                    }
                    if spec.name == "multi" { validBeforeMulti = validUpTo }
                    batch.append(args)
                    buffer.moveReaderIndex(forwardBy: end - base)
                    base = end
                    validUpTo = end
                    commands += 1
                    if commandDelayMicroseconds > 0 {
                        runBatch()
                        Sleep.microseconds(commandDelayMicroseconds)
                    } else if batch.count >= Self.commandsPerSlice {
                        runBatch()
                    }
                }
            }
            runBatch()
            if eof { break }
            // Keep the incomplete tail, read more after it.
            buffer.discardReadBytes()
            if buffer.writableBytes < Self.readSize / 2 {
                buffer.reserveCapacity(max(buffer.capacity * 2, buffer.readableBytes + Self.readSize))
            }
            let n: Int
            do {
                n = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1) { raw throws(FileError) in
                    try FileIO.readChunk(fd, into: raw, path: path)
                }
            } catch {
                throw PersistenceError("Unrecoverable error reading the append only file \(name): \(error.reason)")
            }
            if n == 0 { eof = true }
            if firstRead, n >= 5, buffer.getString(at: buffer.readerIndex, length: 5) == "REDIS" {
                // An RDB preamble (aof-use-rdb-preamble yes, Redis' and Valkey's default): the RDB data, then
                // commands after it (Valkey's `loadSingleAppendOnlyFile`).
                let end = try loadPreamble(path: path, name: name)
                guard lseek(fd, off_t(end), SEEK_SET) == off_t(end) else {
                    throw PersistenceError("Unrecoverable error reading the append only file \(name): seek failed")
                }
                buffer.clear()
                base = end
                validUpTo = end
                reportedBytes = end
                validBeforeMulti = end
                exclusive { progress(end, 0) }
                logger.notice("Reading the remaining AOF tail...", metadata: ["podium.file": "\(name)"])
                eof = false
                firstRead = false
                continue
            }
            firstRead = false
            let now = monotonicNanoseconds()
            if now - lastReport >= 5_000_000_000 {
                let seconds = Double(now - started) / 1e9
                let megabytes = Double(base) / 1_048_576
                var keys = 0
                exclusive { keys = dispatcher.keyspace.totalKeys }
                logger.notice(
                    "loading aof",
                    metadata: [
                        "podium.file": "\(name)", "podium.commands": "\(commands)", "podium.keys": "\(keys)",
                        "podium.mb": "\(Int(megabytes))",
                        "podium.mb_per_s": "\(Int(megabytes / max(seconds, 0.001)))",
                    ])
                lastReport = now
            }
        }

        let endedInMulti = client.inMulti
        if buffer.readableBytes == 0, !endedInMulti { return commands }
        // The file was cut short, or ends inside a MULTI block (whose commands were queued and never ran).
        if endedInMulti {
            logger.warning("Revert incomplete MULTI/EXEC transaction in AOF file \(name)")
            exclusive { client.discardTransaction() }
            validUpTo = validBeforeMulti
        }
        guard loadTruncated else {
            throw PersistenceError(
                "Unexpected end of file reading the append only file \(name). You can: 1) Make a backup of your AOF "
                    + "file, then use podium-check-aof --fix \(manifestName). 2) Alternatively you can set the "
                    + "'aof-load-truncated' configuration option to yes and restart the server.")
        }
        guard isLast else {
            throw PersistenceError(
                "Fatal error: the truncated file is not the last file (\(name) ends after offset \(validUpTo)); "
                    + "use podium-check-aof --fix \(manifestName)")
        }
        logger.warning("!!! Warning: short read while loading the AOF file \(name)!!!")
        logger.warning("!!! Truncating the AOF \(name) at offset \(validUpTo) !!!")
        do { try FileIO.truncateFile(path, to: validUpTo) } catch {
            throw PersistenceError("Error truncating the AOF file \(name): \(error.reason)")
        }
        logger.warning("AOF \(name) loaded anyway because aof-load-truncated is enabled")
        return commands
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
