import Logging
import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import PodiumRDB

/// Podium's append-only file: the `CommandPropagator` the server installs on the dispatcher, the files in
/// `dir/appenddirname` (Redis 7 / Valkey layout: a manifest, a base file, incremental files), loading at start,
/// rewriting (`BGREWRITEAOF`, automatic), and the figures INFO reports. docs/persistence.md describes the
/// guarantees; this comment, who does what.
///
/// ## Threads
/// - **The executor lock** (the server's one global order) covers `propagate`, `commit`, `startRewrite`,
///   `cron` and every field marked "executor". Commands are encoded into `staged` in execution order.
/// - **The writer thread** (`AOFWriter`) owns the open incremental file and the manifest on disk: every file
///   operation (switching files, installing a rewritten base, deleting history) runs there, as a task queued at
///   its exact place in the byte stream.
/// - **A rewrite thread** serializes a point-in-time view of the keyspace (`Keyspace.beginSnapshot`) into a
///   temporary file, then queues the installation on the writer thread; the last step (ending the view) takes
///   the executor lock again.
///
/// ## A rewrite, step by step (Valkey's `rewriteAppendOnlyFileBackground`, without fork)
/// 1. Under the lock: commit what is staged; take the view; queue "open incremental file n+1 and add it to the
///    manifest" on the writer, so every write after this point lands in the new file and every write before it
///    in the old ones (and in the view). A crash from here on loads old base + old incrementals + new one.
/// 2. The rewrite thread writes `temp-rewriteaof-bg-<pid>.aof` from the view (fsync every 4 MB with
///    `aof-rewrite-incremental-fsync`), fsyncs it.
/// 3. On the writer: rename it to `<appendfilename>.<m>.base.aof`, mark the old base and the old incrementals as
///    history, write the manifest (temp, fsync, rename, fsync the directory), delete the history files.
/// 4. Under the lock: end the view, record the outcome.
/// A crash between any two steps leaves a manifest that names a complete data set.
public final class AppendOnlyFile: CommandPropagator, @unchecked Sendable {
    private let configuration: PodiumConfiguration
    private let logger: Logger
    /// Runs a body with the executor lock held (set by the server).
    private let exclusive: @Sendable (() -> Void) -> Void

    // Executor-lock state.
    private var staged = ByteBuffer()
    /// Logical offset of the end of everything propagated (committed or staged).
    private var stagedEnd: UInt64 = 0
    /// `appendfsync always` with the AOF on: replies wait until their writes are on disk.
    private var repliesWait = false
    private var selectedDB = -1
    private var lastTimestamp: Int64 = 0
    /// `aof-timestamp-enabled`, read once per change (`configurationChanged`), not per command.
    private var timestamps = false
    private var writer: AOFWriter?
    /// True while a rewrite runs; `rewriteScheduled` when one was asked for while it could not start.
    private var rewrite = BackgroundJobInfo()
    private var rewriteScheduled = false
    private var cancelRewrite = Flag()
    /// Size of the data set files after the last rewrite (or load): the base for `auto-aof-rewrite-percentage`.
    private var rewriteBaseSize = 0
    /// Bytes in the base and the incremental files before the open one (the open one's size comes from the
    /// writer). Guarded by `manifestLock`: the writer thread updates it when it switches files.
    private var closedFilesSize = 0
    private var baseSize = 0
    /// Set while the data set loads (INFO `loading:1` and its figures).
    public private(set) var loading: LoadProgress?
    /// The state of the files as the writer thread last installed it (guarded by `manifestLock`).
    private let manifestLock = Monitor()
    private var manifest = AOFManifest()
    /// True while AOF is on (`appendonly yes`), including while the first rewrite after `CONFIG SET appendonly
    /// yes` runs.
    public private(set) var isEnabled = false
    /// After `CONFIG SET appendonly yes`: writes go to a temporary incremental file until the first rewrite makes
    /// a base for them (Valkey's `AOF_WAIT_REWRITE`).
    private var waitingForRewrite = false

    public init(
        configuration: PodiumConfiguration, logger: Logger,
        exclusive: @escaping @Sendable (() -> Void) -> Void
    ) {
        self.configuration = configuration
        self.logger = logger
        self.exclusive = exclusive
        directory = FileIO.join(configuration.dir, configuration.appenddirname)
        prefix = configuration.appendfilename
        staged.reserveCapacity(64 * 1024)
        timestamps = configuration.aofTimestampEnabled
    }

    /// A persistence directive changed (CONFIG SET): `appendfsync`, `aof-timestamp-enabled`. `appendonly` goes
    /// through `enable` / `disable`; the rest is read where it is used.
    public func configurationChanged() {
        timestamps = configuration.aofTimestampEnabled
        writer?.setPolicy(configuration.appendfsync)
        repliesWait = writer != nil && configuration.appendfsync == .always
    }

    // MARK: - Paths

    /// The directory, fixed at start-up: the writer and rewrite threads use it off the lock, and a `CONFIG SET
    /// dir` later (which moves RDB snapshots) leaves the AOF where a restart with the same configuration finds it.
    private let directory: String
    private let prefix: String
    private var manifestName: String { prefix + ".manifest" }
    private func path(_ name: String) -> String { FileIO.join(directory, name) }
    private var temporaryIncrementalName: String { "temp-" + prefix + ".incr" }
    private var temporaryRewriteName: String { "temp-rewriteaof-bg-\(getpid()).aof" }

    // MARK: - Start-up

    /// Start-up (Valkey's `loadDataFromDisk` + `aofOpenIfNeededOnServerStart`): with `appendonly yes`, migrates an
    /// old single `appendonly.aof`, loads the files the manifest names into the keyspace through `dispatcher`
    /// (blocking: call it off the event loops), creates a base if there is none, and opens the last incremental
    /// file for appending. With `appendonly no` nothing is read, as in Valkey.
    public func start(dispatcher: Dispatcher) throws(PersistenceError) {
        guard configuration.appendonly else {
            // No AOF: the RDB file, if there is one (as Valkey with appendonly no).
            _ = try loadSnapshot(dispatcher: dispatcher)
            return
        }
        do { try FileIO.createDirectory(directory) } catch {
            throw PersistenceError(
                "Can't open or create append-only dir \(configuration.appenddirname): \(error.reason)")
        }
        var manifest = try readManifest()
        manifest = try migrateOldStyleFile(manifest)
        // No AOF yet but an RDB file (a backup dropped into `dir`): it is loaded, and becomes the first base.
        // Valkey would start empty here; Podium does not leave the file behind unread.
        let fromSnapshot = manifest.isEmpty ? try loadSnapshot(dispatcher: dispatcher) : false
        try load(manifest, dispatcher: dispatcher)
        // An empty data set starts with a base file, so the manifest always names one (Valkey does the same).
        if manifest.base == nil, manifest.incrementals.isEmpty {
            // With aof-use-rdb-preamble the base is an RDB file even for an empty data set, as Valkey's.
            let rdb = configuration.aofUseRdbPreamble
            let name = manifest.newBase(prefix: prefix, suffix: rdb ? "rdb" : "aof")
            do {
                let fd = try FileIO.create(path(name))
                if fromSnapshot || rdb { try writeBase(fd: fd, path: path(name), keyspace: dispatcher.keyspace) }
                try FileIO.sync(fd, path: path(name))
                FileIO.closeFile(fd)
            } catch {
                throw PersistenceError("Can't create the AOF base file \(name): \(error)")
            }
            logger.notice("Creating AOF base file \(name) on server start")
        }
        let opening =
            manifest.incrementals.isEmpty ? manifest.newIncremental(prefix: prefix) : manifest.incrementals.last!.name
        let fd: Int32
        let size: Int
        do {
            fd = try FileIO.openForAppend(path(opening))
            size = try FileIO.size(path(opening))
            try persist(manifest)
        } catch {
            throw PersistenceError("Can't open the append-only file \(opening): \(error.reason)")
        }
        logger.notice(
            "\(manifest.incrementals.count > 1 || size > 0 ? "Opening" : "Creating") AOF incr file \(opening) on server start"
        )
        baseSize = manifest.base.map { (try? FileIO.size(path($0.name))) ?? 0 } ?? 0
        let closed = manifest.filesToLoad.dropLast().reduce(0) { $0 + ((try? FileIO.size(path($1.name))) ?? 0) }
        manifestLock.withLock { closedFilesSize = closed }
        setManifest(manifest)
        exclusive {
            self.rewriteBaseSize = self.baseSize
            self.startWriter(fd: fd, path: self.path(opening), size: size)
            self.isEnabled = true
            dispatcher.propagator = self
        }
    }

    /// Loads `dir/dbfilename` if it exists; returns whether it did.
    private func loadSnapshot(dispatcher: Dispatcher) throws(PersistenceError) -> Bool {
        let name = configuration.dbfilename
        let file = FileIO.join(configuration.dir, name)
        guard FileIO.exists(file), !FileIO.isDirectory(file) else { return false }
        // Clients get -LOADING meanwhile, and INFO loading:1 (the loaded bytes are counted once the file is in).
        let total = (try? FileIO.size(file)) ?? 0
        exclusive {
            dispatcher.keyspace.isLoading = true
            self.loading = LoadProgress(startTime: unixSeconds(), totalBytes: total)
        }
        defer { exclusive { self.loading = nil } }
        let started = monotonicNanoseconds()
        var loader = RDBLoader(dispatcher: dispatcher, exclusive: exclusive, logger: logger)
        loader.verifyChecksum = configuration.rdbchecksum
        let outcome = try loader.load(path: file, name: name)
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        exclusive {
            self.loading?.loadedBytes = total
            // What was loaded is saved: INFO rdb_changes_since_last_save starts at 0, as after Valkey's load.
            dispatcher.keyspace.dirty = 0
            self.rdbLoaded?(outcome.keys, outcome.expired)
        }
        logger.notice(
            "DB loaded from disk: \(format3(seconds)) seconds",
            metadata: [
                "podium.file": "\(name)", "podium.keys": "\(outcome.keys)",
                "podium.expired": "\(outcome.expired)",
            ])
        return true
    }

    /// Writes the loaded data set as a base file (the rewrite's format, from a point-in-time view).
    private func writeBase(fd: Int32, path: String, keyspace: Keyspace) throws {
        var snapshots: [DatabaseSnapshot] = []
        var now: Int64 = 0
        var functions: [ByteBuffer] = []
        var format = BaseFormat.aof(timestamp: nil)
        var incrementalFsync = true
        exclusive {
            snapshots = keyspace.beginSnapshot()
            now = keyspace.now
            functions = self.functionLibraries?() ?? []
            format = self.baseFormat(keyspace: keyspace, timestamp: nil)
            incrementalFsync = configuration.aofRewriteIncrementalFsync
        }
        defer { exclusive { keyspace.endSnapshot() } }
        _ = try writeBaseFile(
            format, snapshots: snapshots, functions: functions, now: now, fd: fd, path: path,
            incrementalFsync: incrementalFsync, keyDelayMicroseconds: 0, cancelled: { false })
    }

    /// What a base file is written as: commands, or an RDB file (`aof-use-rdb-preamble yes`, read under the
    /// executor lock as the view is taken).
    enum BaseFormat {
        case aof(timestamp: Int64?)
        case rdb(RDBFileWriter.Options)

        var suffix: String {
            if case .rdb = self { return "rdb" }
            return "aof"
        }
    }

    private func baseFormat(keyspace: Keyspace, timestamp: Int64?) -> BaseFormat {
        guard configuration.aofUseRdbPreamble else { return .aof(timestamp: timestamp) }
        let lru = configuration.maxmemoryPolicy.hasSuffix("-lru")
        return .rdb(
            RDBFileWriter.Options(
                version: configuration.rdbVersion, compression: configuration.rdbcompression,
                checksum: configuration.rdbchecksum, aux: RDBSave.auxFields(aofBase: true),
                idleClockSeconds: lru ? keyspace.nowSeconds : nil))
    }

    /// Serializes a view as a base file; returns the keys and bytes written.
    private func writeBaseFile(
        _ format: BaseFormat, snapshots: [DatabaseSnapshot], functions: [ByteBuffer], now: Int64,
        fd: Int32, path: String, incrementalFsync: Bool, keyDelayMicroseconds: Int,
        cancelled: () -> Bool
    ) throws -> (keys: Int, bytes: Int) {
        switch format {
        case .aof(let timestamp):
            let result = try AOFRewrite.write(
                snapshots, functions: functions, now: now, fd: fd, path: path, incrementalFsync: incrementalFsync,
                timestamp: timestamp, keyDelayMicroseconds: keyDelayMicroseconds, cancelled: cancelled)
            return (result.keys, result.bytes)
        case .rdb(let options):
            let result = try RDBSave.write(
                snapshots, functions: functions, now: now, options: options, fd: fd, path: path,
                incrementalFsync: incrementalFsync, keyDelayMicroseconds: keyDelayMicroseconds, cancelled: cancelled)
            if result.fieldTTLsDropped > 0 {
                // RDB 10/11 has no field TTLs: they follow the RDB data as commands, which the AOF loader reads
                // after the preamble (Podium's own restart keeps them).
                var tail = ByteBuffer()
                for snapshot in snapshots {
                    var selected = false
                    snapshot.forEach { entry in
                        guard case .hash(let hash) = entry.value, hash.hasVolatileFields,
                            entry.expireAt < 0 || entry.expireAt >= now
                        else { return }
                        if !selected {
                            AOFFormat.writeSelect(snapshot.id, into: &tail)
                            selected = true
                        }
                        entry.key.withUnsafeBytes { AOFRewrite.writeFieldExpiry(hash, key: $0, into: &tail) }
                    }
                }
                let (_, error) = tail.withUnsafeReadableBytes { FileIO.writeAll(fd, $0, path: path) }
                if let error { throw error }
                return (result.keys, result.bytes + tail.readableBytes)
            }
            return (result.keys, result.bytes)
        }
    }

    /// `start(dispatcher:)` on a thread of its own, so that the event loops and the caller's executor stay free
    /// while a large data set loads.
    public func startOnThread(dispatcher: Dispatcher) async throws {
        let box = UncheckedBox(dispatcher)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            PersistenceThread(name: "podium-load") { [self] in
                do {
                    try start(dispatcher: box.value)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }.detach()
        }
    }

    private func readManifest() throws(PersistenceError) -> AOFManifest {
        let file = path(manifestName)
        guard FileIO.exists(file) else { return AOFManifest() }
        do {
            return try AOFManifest.parse(try FileIO.readAll(file))
        } catch let error as AOFManifest.ParseError {
            throw PersistenceError("*** FATAL AOF MANIFEST FILE ERROR *** \(error)")
        } catch {
            throw PersistenceError(
                "Fatal error: can't open the AOF manifest file \(manifestName) for reading: \(error)")
        }
    }

    /// A single `appendonly.aof` in `dir` (Redis before 7) becomes the base of a new manifest, as Redis 7 migrates
    /// it (`aofUpgradePrepare`): the manifest is written first, then the file moved into the directory, so a crash
    /// in between just repeats the migration.
    private func migrateOldStyleFile(_ manifest: AOFManifest) throws(PersistenceError) -> AOFManifest {
        let old = FileIO.join(configuration.dir, prefix)
        guard FileIO.exists(old), !FileIO.isDirectory(old) else { return manifest }
        let onlyOldBase = manifest.base?.name == prefix && manifest.incrementals.isEmpty && !FileIO.exists(path(prefix))
        guard manifest.isEmpty || onlyOldBase else { return manifest }
        var migrated = AOFManifest()
        migrated.base = AOFManifest.File(name: prefix, sequence: 1, type: .base)
        migrated.baseSequence = 1
        do {
            try persist(migrated)
            try FileIO.renameFile(old, path(prefix))
            try FileIO.syncDirectory(directory)
        } catch {
            throw PersistenceError(
                "Error trying to move the old AOF file \(prefix) into dir \(configuration.appenddirname): \(error.reason)"
            )
        }
        logger.notice(
            "Successfully migrated an old-style AOF file (\(prefix)) into the AOF directory (\(configuration.appenddirname))."
        )
        return migrated
    }

    /// Replays the base and the incremental files.
    private func load(_ manifest: AOFManifest, dispatcher: Dispatcher) throws(PersistenceError) {
        let files = manifest.filesToLoad
        guard !files.isEmpty else { return }
        var total = 0
        for file in files {
            do { total += try FileIO.size(path(file.name)) } catch {
                throw PersistenceError(
                    "Fatal error: the AOF manifest \(manifestName) names \(file.name), which cannot be read "
                        + "(\(error.reason)). Restore the file, or remove its line from the manifest to load the rest.")
            }
        }
        guard total > 0 else { return }
        let client = ClientSession(id: -1, address: "", localAddress: "")
        client.replaysLog = true
        let started = monotonicNanoseconds()
        exclusive {
            dispatcher.keyspace.isLoading = true
            self.loading = LoadProgress(startTime: unixSeconds(), totalBytes: total)
        }
        // The server marks the keyspace loading from its start, before the listeners accept, and clears it once
        // `start` has returned, the writer open: a client's write between the end of the load and the writer
        // would be lost to the log. A load that fails leaves it so (clients keep getting -LOADING until the
        // process exits, never a PONG from a server that is about to stop).
        defer { exclusive { self.loading = nil } }
        let loader = AOFLoader(
            directory: directory, dispatcher: dispatcher, exclusive: exclusive,
            loadTruncated: configuration.aofLoadTruncated, commandDelayMicroseconds: configuration.keyLoadDelay,
            manifestName: manifestName, rdbChecksum: configuration.rdbchecksum,
            logger: logger,
            progress: { bytes, commands in
                self.loading?.loadedBytes += bytes
                self.loading?.commands += commands
            })
        var commands = 0
        for (i, file) in files.enumerated() {
            let fileStart = monotonicNanoseconds()
            commands += try loader.load(file: file.name, isLast: i == files.count - 1, client: client)
            let seconds = Double(monotonicNanoseconds() - fileStart) / 1e9
            logger.notice(
                "DB loaded from \(file.type == .base ? "base" : "incr") file \(file.name): \(String(format3(seconds))) seconds"
            )
        }
        var keys = 0
        exclusive {
            keys = dispatcher.keyspace.totalKeys
            // What was loaded is saved: INFO rdb_changes_since_last_save starts at 0, as after Valkey's load.
            dispatcher.keyspace.dirty = 0
        }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        logger.notice(
            "DB loaded from append only file: \(String(format3(seconds))) seconds",
            metadata: ["podium.keys": "\(keys)", "podium.commands": "\(commands)", "podium.bytes": "\(total)"])
    }

    /// Starts the writer thread on an open file and installs it (call with the executor lock held).
    private func startWriter(fd: Int32, path: String, size: Int) {
        let writer = AOFWriter(policy: configuration.appendfsync, logger: logger)
        writer.start(fd: fd, path: path, size: size)
        self.writer = writer
        // Offsets are the new writer's: its stream starts at 0 (after CONFIG SET appendonly no, then yes, the old
        // count made every `always` reply wait for bytes the new writer would never reach).
        stagedEnd = 0
        repliesWait = configuration.appendfsync == .always
    }

    // MARK: - CommandPropagator (executor lock)

    public func propagate(_ commands: [PropagatedCommand], atomic: Bool) {
        guard writer != nil else { return }
        let before = staged.writerIndex
        if timestamps {
            let now = unixSeconds()
            if now > lastTimestamp {
                lastTimestamp = now
                AOFFormat.writeTimestampAnnotation(now, into: &staged)
            }
        }
        if atomic {
            select(commands[0].db)
            staged.writeStaticString("*1\r\n$5\r\nMULTI\r\n")
        }
        for command in commands {
            select(command.db)
            AOFFormat.writeCommand(command.args, into: &staged)
        }
        if atomic { staged.writeStaticString("*1\r\n$4\r\nEXEC\r\n") }
        stagedEnd &+= UInt64(staged.writerIndex - before)
    }

    private func select(_ db: Int) {
        guard db != selectedDB else { return }
        AOFFormat.writeSelect(db, into: &staged)
        selectedDB = db
    }

    public func writeRefusal() -> String? {
        writer?.error?.reason
    }

    /// Hands what was propagated to the writer. Returns the stream offset the replies of the batch just run must
    /// wait for (`whenDurable`), or 0 when replies never wait (AOF off, or `appendfsync` is not `always`). Call
    /// at the end of every executor-lock section that ran commands.
    @inline(__always)
    public func commit() -> UInt64 {
        var backlog = 0
        var lagging = false
        if staged.readableBytes > 0, let writer {
            (backlog, lagging) = writer.enqueue(&staged)
        }
        // everysec / no: replies do not wait, unless the disk falls behind (the oldest unwritten byte waited over
        // 100 ms, or the queue would grow without bound); then the clients that write wait for write(2), as
        // Valkey's clients wait while its event loop is blocked in write(2). So a crash of the process loses at
        // most what was acknowledged in about the last 100 ms, whatever the disk does.
        return repliesWait || lagging || backlog > Self.backlogLimit ? stagedEnd : 0
    }

    /// Bytes propagated and not yet written beyond which writing clients' replies wait for the disk.
    public static let backlogLimit = 64 * 1024 * 1024

    /// Calls `callback` once everything up to `offset` is as durable as `appendfsync` promises before a reply
    /// (only `always` waits: then, on disk); returns true instead if it already is.
    public func whenDurable(_ offset: UInt64, _ callback: @escaping @Sendable () -> Void) -> Bool {
        guard let writer else { return true }
        return writer.whenDurable(offset, callback)
    }

    // MARK: - Rewrite

    /// What BGREWRITEAOF answers.
    public enum RewriteStart {
        case started, scheduled
    }

    /// BGREWRITEAOF (executor lock). `deferred`: inside EXEC (or a script) the view would be taken in the middle
    /// of a unit, so the rewrite is scheduled for the next cron instead, as Valkey does.
    public func startRewrite(keyspace: Keyspace, deferred: Bool) throws(CommandError) -> RewriteStart {
        if rewrite.inProgress { throw .aofRewriteInProgress }
        // A BGSAVE running: the rewrite waits for it (Valkey's one child at a time).
        if deferred || otherJobActive() {
            rewriteScheduled = true
            return .scheduled
        }
        guard prepareDirectory() else {
            throw .aofRewriteFailed
        }
        beginRewrite(keyspace: keyspace)
        return .started
    }

    /// Before a rewrite: with appendonly no, the manifest on disk (the rewrite still writes a base and a manifest,
    /// as Valkey does, after what is there); the directory. False (logged) when the directory cannot be made.
    private func prepareDirectory() -> Bool {
        if writer == nil {
            setManifest((try? readManifest()) ?? AOFManifest())
        }
        do { try FileIO.createDirectory(directory) } catch {
            rewrite.lastOK = false
            logger.warning("Can't open or create append-only dir \(configuration.appenddirname): \(error.reason)")
            return false
        }
        return true
    }

    /// The codes of the loaded function libraries (asked under the executor lock as a rewrite starts): the
    /// rewritten file begins with a `FUNCTION LOAD` of each, as Valkey's does.
    public var functionLibraries: (() -> [ByteBuffer])?
    /// Whether another background job (a BGSAVE) runs now; a rewrite then waits (set by the server).
    public var otherJobActive: () -> Bool = { false }
    /// Called under the executor lock when an RDB file was loaded at start-up: keys loaded, expired keys skipped.
    public var rdbLoaded: ((Int, Int) -> Void)?
    /// Whether a rewrite runs now (executor lock).
    public var isRewriting: Bool { rewrite.inProgress }

    private func beginRewrite(keyspace: Keyspace) {
        rewriteScheduled = false
        let functions = functionLibraries?() ?? []
        rewrite.start(at: unixSeconds())
        _ = commit()
        let snapshots = keyspace.beginSnapshot()
        let now = keyspace.now
        // The next write starts the new incremental file, which must begin with its own SELECT.
        selectedDB = -1
        let switchFailed = Flag()
        if let writer, !waitingForRewrite {
            let prefix = prefix
            let directory = directory
            writer.enqueue(task: { [self] in
                var next = currentManifest()
                let name = next.newIncremental(prefix: prefix)
                do throws(FileError) {
                    let fd = try FileIO.create(FileIO.join(directory, name))
                    try persist(next)
                    let closed = writer.fileSize
                    writer.switchFile(fd: fd, path: FileIO.join(directory, name), size: 0)
                    manifestLock.withLock {
                        manifest = next
                        closedFilesSize += closed
                    }
                    logger.notice("Creating AOF incr file \(name) on background rewrite")
                } catch {
                    // Writes stay in the old file; its earlier writes are in the view too, so this rewrite must
                    // not become the base (it would apply them twice). The next one tries again.
                    switchFailed.set()
                    logger.warning("Can't open the append-only file \(name): \(error.reason)")
                }
            })
        }
        if configuration.noAppendfsyncOnRewrite { writer?.setSyncSuspended(true) }
        cancelRewrite = Flag()
        let cancel = cancelRewrite
        let promoteTemporary = waitingForRewrite
        // Every directive the thread needs is read here, under the lock (CONFIG SET writes them under it).
        let keyDelay = configuration.rdbKeySaveDelay
        let incrementalFsync = configuration.aofRewriteIncrementalFsync
        let removeHistory = !configuration.aofDisableAutoGC
        let format = baseFormat(keyspace: keyspace, timestamp: timestamps ? unixSeconds() : nil)
        let temporary = path(temporaryRewriteName)
        logger.notice("Background append only file rewriting started")
        PersistenceThread(name: "podium-rewrite") { [self] in
            let started = monotonicNanoseconds()
            var outcome: Result<(keys: Int, bytes: Int), any Error>
            do {
                let fd = try FileIO.create(temporary)
                defer { FileIO.closeFile(fd) }
                let result = try writeBaseFile(
                    format, snapshots: snapshots, functions: functions, now: now, fd: fd, path: temporary,
                    incrementalFsync: incrementalFsync, keyDelayMicroseconds: keyDelay, cancelled: { cancel.isSet })
                try FileIO.sync(fd, path: temporary)
                outcome = .success(result)
                logger.notice(
                    "Successfully created the temporary AOF base file \(temporaryRewriteName)",
                    metadata: [
                        "podium.keys": "\(result.keys)", "podium.bytes": "\(result.bytes)",
                        "podium.seconds": "\(format3(Double(monotonicNanoseconds() - started) / 1e9))",
                    ])
            } catch {
                outcome = .failure(error)
            }
            finishRewrite(
                outcome, temporary: temporary, suffix: format.suffix, keyspace: keyspace,
                switchFailed: switchFailed, cancelled: cancel, promoteTemporary: promoteTemporary,
                removeHistory: removeHistory)
        }.detach()
    }

    /// Installs a written base, then ends the view. Runs on the rewrite thread; the file steps run on the writer
    /// thread when AOF is on (it owns the files), and the last step under the executor lock.
    private func finishRewrite(
        _ outcome: Result<(keys: Int, bytes: Int), any Error>, temporary: String, suffix: String,
        keyspace: Keyspace, switchFailed: Flag, cancelled: Flag, promoteTemporary: Bool,
        removeHistory: Bool
    ) {
        let writer = currentWriter()
        let install: () -> Bool = { [self] in
            guard case .success = outcome, !switchFailed.isSet, !cancelled.isSet else {
                FileIO.removeFile(temporary)
                if case .failure(let error) = outcome, !(error is AOFRewrite.Cancelled) {
                    logger.warning("Write error writing append only file on disk: \(error)")
                }
                return false
            }
            var next = currentManifest()
            let baseName = next.newBase(prefix: prefix, suffix: suffix)
            do throws(FileError) {
                try FileIO.renameFile(temporary, path(baseName))
                if promoteTemporary, let writer {
                    // CONFIG SET appendonly yes: the temporary incremental file becomes the first real one.
                    let incremental = next.newIncremental(prefix: prefix)
                    try FileIO.renameFile(path(temporaryIncrementalName), path(incremental))
                    writer.renamed(to: path(incremental))
                }
                next.markRewrittenIncrementalsAsHistory(keepingLast: writer == nil ? 0 : 1)
                try persist(next)
            } catch {
                logger.warning("Error trying to install the rewritten AOF base file \(baseName): \(error.reason)")
                FileIO.removeFile(path(baseName))
                return false
            }
            if removeHistory {
                for file in next.history {
                    logger.notice("Removing the history file \(file.name)")
                    FileIO.removeFile(path(file.name))
                }
                next.history = []
                try? persist(next)
            }
            let base = next.base.map { (try? FileIO.size(path($0.name))) ?? 0 } ?? 0
            manifestLock.withLock {
                manifest = next
                closedFilesSize = base
            }
            return true
        }
        var ok = false
        if let writer {
            let done = Monitor()
            var finished = false
            writer.enqueue(task: {
                let result = install()
                done.withLock {
                    ok = result
                    finished = true
                    done.broadcast()
                }
            })
            done.withLock { while !finished { done.wait(nanoseconds: 100_000_000) } }
        } else {
            ok = install()
        }
        let base = currentManifest().base.map { (try? FileIO.size(path($0.name))) ?? 0 } ?? 0
        exclusive { [self] in
            keyspace.endSnapshot()
            rewrite.stop(at: unixSeconds())
            rewrite.record(ok: ok)
            self.writer?.setSyncSuspended(false)
            if ok {
                if promoteTemporary { waitingForRewrite = false }
                baseSize = base
                rewriteBaseSize = base + (self.writer?.status.fileSize ?? 0)
                logger.notice("Background AOF rewrite finished successfully")
            } else if !cancelled.isSet {
                logger.warning("Background AOF rewrite terminated with error")
                // The first rewrite after CONFIG SET appendonly yes must succeed eventually: try again.
                if waitingForRewrite { rewriteScheduled = true }
            }
        }
    }

    /// The writer, read under the executor lock (from another thread).
    private func currentWriter() -> AOFWriter? {
        var writer: AOFWriter?
        exclusive { writer = self.writer }
        return writer
    }

    // MARK: - Periodic work (executor lock, from the server's cron)

    /// Starts a scheduled rewrite, or an automatic one when the files have grown by `auto-aof-rewrite-percentage`
    /// since the last rewrite and are over `auto-aof-rewrite-min-size` (Valkey's `serverCron`).
    public func cron(keyspace: Keyspace) {
        _ = commit()
        guard !rewrite.inProgress, !otherJobActive() else { return }
        if rewriteScheduled {
            if prepareDirectory() { beginRewrite(keyspace: keyspace) }
            return
        }
        guard isEnabled, let writer else { return }
        let percentage = configuration.autoAofRewritePercentage
        let minimum = configuration.autoAofRewriteMinSize
        let current = manifestLock.withLock { closedFilesSize } + writer.status.fileSize
        guard percentage > 0, current > minimum else { return }
        let base = max(rewriteBaseSize, 1)
        let growth = (current - base) * 100 / base
        if growth >= percentage {
            logger.notice("Starting automatic rewriting of AOF on \(growth)% growth")
            beginRewrite(keyspace: keyspace)
        }
    }

    // MARK: - Run-time switches (executor lock, from CONFIG SET)

    /// `CONFIG SET appendonly yes`: writes start going to a temporary incremental file at once, and a rewrite
    /// makes the base they follow (Valkey's `startAppendOnly`).
    public func enable(dispatcher: Dispatcher) {
        guard writer == nil else { return }
        do {
            try FileIO.createDirectory(directory)
            let name = temporaryIncrementalName
            let fd = try FileIO.create(path(name))
            if let existing = try? readManifest() { setManifest(existing) }
            waitingForRewrite = true
            selectedDB = -1
            startWriter(fd: fd, path: path(name), size: 0)
            isEnabled = true
            dispatcher.propagator = self
            if rewrite.inProgress || otherJobActive() {
                rewriteScheduled = true
            } else {
                beginRewrite(keyspace: dispatcher.keyspace)
            }
        } catch {
            logger.warning("Can't enable the append only file: \(error)")
        }
    }

    /// `CONFIG SET appendonly no`: flushes and closes the file; nothing more is written (Valkey's
    /// `stopAppendOnly`).
    public func disable(dispatcher: Dispatcher) {
        guard let writer else { return }
        dispatcher.propagator = nil
        _ = commit()
        cancelRewrite.set()
        writer.stop()
        self.writer = nil
        repliesWait = false
        isEnabled = false
        if waitingForRewrite {
            FileIO.removeFile(path(temporaryIncrementalName))
            waitingForRewrite = false
        }
    }

    /// Shutdown: everything propagated is written and fsynced, a running rewrite is abandoned (its temporary
    /// file removed), the file closed. Call without the executor lock (it waits for the writer thread).
    public func shutdown() {
        var writer: AOFWriter?
        exclusive {
            _ = self.commit()
            self.cancelRewrite.set()
            writer = self.writer
        }
        writer?.stop()
        FileIO.removeFile(path(temporaryRewriteName))
        logger.notice("Calling fsync() on the AOF file.")
    }

    // MARK: - INFO (executor lock)

    public var info: PersistenceInfo {
        var info = PersistenceInfo()
        info.aofEnabled = isEnabled
        info.rewrite = rewrite.figures(at: unixSeconds())
        info.rewriteScheduled = rewriteScheduled
        if let writer {
            let status = writer.status
            info.lastWriteOK = writer.error == nil
            info.currentSize = manifestLock.withLock { closedFilesSize } + status.fileSize
            info.baseSize = rewriteBaseSize
            info.bufferLength = status.queuedBytes + staged.readableBytes
            info.pendingFsync = status.syncPending ? 1 : 0
            info.delayedFsync = status.delayedFsyncs
        }
        if let loading {
            var l = LoadingInfo()
            l.startTime = loading.startTime
            l.totalBytes = loading.totalBytes
            l.loadedBytes = loading.loadedBytes
            info.loading = l
        }
        return info
    }

    // MARK: - Manifest

    private func currentManifest() -> AOFManifest { manifestLock.withLock { manifest } }
    private func setManifest(_ m: AOFManifest) { manifestLock.withLock { manifest = m } }

    /// Writes the manifest atomically (Valkey's `writeAofManifestFile`).
    private func persist(_ manifest: AOFManifest) throws(FileError) {
        try FileIO.writeAtomically(
            manifest.render(), to: path(manifestName), temporary: path("temp-" + manifestName), directory: directory)
    }
}

/// Carries a value that is only touched under the executor lock to the thread that takes that lock.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A flag set once, read from another thread.
final class Flag: @unchecked Sendable {
    private let monitor = Monitor()
    private var value = false
    var isSet: Bool { monitor.withLock { value } }
    func set() { monitor.withLock { value = true } }
}

/// Three decimals, for log lines.
func format3(_ x: Double) -> String {
    let scaled = Int((x * 1000).rounded())
    let fraction = String(scaled % 1000)
    return "\(scaled / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
