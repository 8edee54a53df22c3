import Logging
import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import PodiumRDB

/// Podium's RDB snapshots (`dir/dbfilename`): `SAVE`, `BGSAVE [SCHEDULE | CANCEL]`, the `save <seconds>
/// <changes>` rules, `stop-writes-on-bgsave-error`, the snapshot `SHUTDOWN` and `FLUSHALL` take, and INFO's
/// `rdb_*` figures (Valkey's `rdb.c` and the RDB half of `serverCron`, with a thread where Valkey forks).
///
/// ## Threads
/// - Every method and field is used under the executor lock, except the save thread's body.
/// - `BGSAVE` takes a point-in-time view (`Keyspace.beginSnapshot`, the same copy-on-write view as the AOF
///   rewrite) under the lock and writes it on a thread of its own, off the lock: clients keep being served. The
///   file is written as `temp-bgsave-<pid>.rdb`, fsynced, renamed over `dbfilename`, and the directory fsynced,
///   so `dbfilename` always holds a complete snapshot. The last step (ending the view, the figures) takes the
///   lock again.
/// - `SAVE` writes the same way, on the calling thread, with the lock held: nobody is served meanwhile (as in
///   Valkey, where SAVE blocks the server).
///
/// Only one background job runs at a time, as with Valkey's single child process: a `BGSAVE` while the AOF
/// rewrites is refused or scheduled, and the AOF waits for a running `BGSAVE` (`otherJobActive` tells each one
/// about the other).
public final class SnapshotFile: @unchecked Sendable {
    private let configuration: PodiumConfiguration
    private let logger: Logger
    private let exclusive: @Sendable (() -> Void) -> Void

    /// The codes of the loaded function libraries (set by the server; asked under the lock as a save starts).
    public var functionLibraries: (() -> [ByteBuffer])?
    /// Whether another background job (the AOF rewrite) runs now (set by the server).
    public var otherJobActive: () -> Bool = { false }

    // Executor-lock state.
    private var job = BackgroundJobInfo()
    /// A background save runs.
    public var inProgress: Bool { job.inProgress }
    private var scheduled = false
    /// Unix seconds of the last successful save (LASTSAVE); the start time until then, as Valkey counts the data
    /// set as saved at start-up.
    public private(set) var lastSave: Int64
    private var lastAttempt: Int64 = 0
    private var dirtyAtStart = 0
    private var cancel = Flag()
    /// The temporary file of the running background save.
    private var runningTemporary = ""
    private let keysProcessed = Counter()
    private var keysTotal = 0
    private var lastLoadKeys = 0
    private var lastLoadExpired = 0

    /// Seconds to wait after a failed background save before a `save` rule or a schedule tries again (Valkey's
    /// `CONFIG_BGSAVE_RETRY_DELAY`).
    static let retryDelay: Int64 = 5

    public init(configuration: PodiumConfiguration, logger: Logger, exclusive: @escaping @Sendable (() -> Void) -> Void)
    {
        self.configuration = configuration
        self.logger = logger
        self.exclusive = exclusive
        lastSave = unixSeconds()
    }

    private var path: String { FileIO.join(configuration.dir, configuration.dbfilename) }
    private var temporaryPath: String { FileIO.join(configuration.dir, "temp-bgsave-\(getpid()).rdb") }
    private var syncTemporaryPath: String { FileIO.join(configuration.dir, "temp-\(getpid()).rdb") }

    /// Where and how a file is written, read from the configuration under the lock as a save starts (the save
    /// thread must not read it: CONFIG SET changes it under the lock). A `CONFIG SET dir` during a BGSAVE leaves
    /// that save in the old directory, as Valkey's child keeps its working directory.
    private struct Target {
        var temporary: String
        var path: String
        var directory: String
        var incrementalFsync: Bool
        var keyDelayMicroseconds: Int
        var options: RDBFileWriter.Options
    }

    private func target(keyspace: Keyspace, temporary: String) -> Target {
        Target(
            temporary: temporary, path: path, directory: configuration.dir,
            incrementalFsync: configuration.rdbSaveIncrementalFsync,
            keyDelayMicroseconds: configuration.rdbKeySaveDelay, options: options(keyspace: keyspace, aofBase: false))
    }

    /// The options files are written with now.
    private func options(keyspace: Keyspace, aofBase: Bool) -> RDBFileWriter.Options {
        let lru = configuration.maxmemoryPolicy.hasSuffix("-lru")
        return RDBFileWriter.Options(
            version: configuration.rdbVersion, compression: configuration.rdbcompression,
            checksum: configuration.rdbchecksum, aux: RDBSave.auxFields(aofBase: aofBase),
            idleClockSeconds: lru ? keyspace.nowSeconds : nil)
    }

    // MARK: - Commands (executor lock)

    /// `SAVE`: writes the snapshot now, with the lock held. Throws `ERR` (details in the log) when it fails.
    public func save(keyspace: Keyspace) throws(CommandError) {
        if inProgress { throw .bgsaveInProgress }
        job.started += 1
        guard saveNow(keyspace: keyspace) else { throw .err }
    }

    /// Writes the snapshot on this thread (lock held); true when it is on disk. Shared by SAVE, SHUTDOWN, FLUSHALL.
    @discardableResult
    public func saveNow(keyspace: Keyspace) -> Bool {
        let snapshots = keyspace.beginSnapshot()
        defer { keyspace.endSnapshot() }
        let started = monotonicNanoseconds()
        let target = target(keyspace: keyspace, temporary: syncTemporaryPath)
        do {
            let result = try writeFile(
                snapshots, functions: functionLibraries?() ?? [], now: keyspace.now,
                target: target, progress: { _ in }, cancelled: { false })
            logSaved(result, started: started)
        } catch {
            logger.warning("Write error saving DB on disk: \(error)")
            FileIO.removeFile(target.temporary)
            return false
        }
        keyspace.dirty = 0
        lastSave = unixSeconds()
        job.record(ok: true)
        statusChanged?()
        logger.notice("DB saved on disk")
        return true
    }

    /// What BGSAVE answers.
    public enum BackgroundStart {
        case started, scheduled
    }

    /// `BGSAVE [SCHEDULE]`. `inTransaction`: from EXEC or a script, where the view would split a unit, so it is
    /// scheduled for the next cron (Valkey schedules it there too).
    public func backgroundSave(
        keyspace: Keyspace, schedule: Bool, inTransaction: Bool
    ) throws(CommandError)
        -> BackgroundStart
    {
        if inProgress { throw .bgsaveInProgress }
        if otherJobActive() || inTransaction {
            guard schedule || inTransaction else {
                throw .bgsaveWhileChildActive
            }
            scheduled = true
            logger.notice(
                schedule
                    ? "Background saving scheduled due to user request"
                    : "Background saving scheduled to run after transaction execution")
            return .scheduled
        }
        start(keyspace: keyspace)
        return .started
    }

    /// `BGSAVE CANCEL` (Valkey 8.1): stops a running background save (its temporary file is removed, the last
    /// status is left as it was) or drops a scheduled one.
    public func cancelBackgroundSave() throws(CommandError) -> String {
        if inProgress {
            logger.notice("Background saving will be aborted due to user request")
            cancel.set()
            return "Background saving cancelled"
        }
        if scheduled {
            logger.notice("Scheduled background saving will be cancelled due to user request")
            scheduled = false
            return "Scheduled background saving cancelled"
        }
        throw .bgsaveNotInProgress
    }

    /// Stops a running background save without waiting for it (SHUTDOWN, FLUSHALL: Valkey kills its child); its
    /// temporary file is removed, and `dbfilename` keeps what it held.
    public func abortBackgroundSave() {
        guard inProgress else { return }
        logger.warning("There is a child saving an .rdb. Killing it!")
        cancel.set()
        FileIO.removeFile(runningTemporary)
    }

    /// Called under the executor lock whenever `refusesWrites` may have changed (set by the server).
    public var statusChanged: (() -> Void)?

    /// The save rules in force: `save` as (seconds, changes) pairs.
    public var rules: [(seconds: Int64, changes: Int)] {
        configuration.saveRules.map { (Int64($0.seconds), $0.changes) }
    }

    /// Whether writes are refused: the last background save failed, a `save` rule is set and
    /// `stop-writes-on-bgsave-error` is on (Valkey's `writeCommandsDeniedByDiskError`, RDB half).
    public var refusesWrites: Bool {
        !job.lastOK && configuration.stopWritesOnBgsaveError && !configuration.saveRules.isEmpty
    }

    // MARK: - Periodic work (executor lock, from the server's cron)

    /// Starts a scheduled save, or one a `save` rule asks for: at least `changes` changes and more than
    /// `seconds` since the last successful save; after a failure, only once `retryDelay` seconds have passed.
    public func cron(keyspace: Keyspace) {
        guard !inProgress, !otherJobActive(), !keyspace.isLoading else { return }
        let now = unixSeconds()
        let mayRetry = job.lastOK || now - lastAttempt > Self.retryDelay
        if scheduled, mayRetry {
            start(keyspace: keyspace)
            return
        }
        for rule in rules where keyspace.dirty >= rule.changes && now - lastSave > rule.seconds && mayRetry {
            logger.notice("\(rule.changes) changes in \(rule.seconds) seconds. Saving...")
            start(keyspace: keyspace)
            return
        }
    }

    // MARK: - The background save

    private func start(keyspace: Keyspace) {
        scheduled = false
        job.start(at: unixSeconds())
        lastAttempt = job.startTime
        dirtyAtStart = keyspace.dirty
        let snapshots = keyspace.beginSnapshot()
        keysTotal = snapshots.reduce(0) { $0 + $1.keyCount }
        keysProcessed.set(0)
        cancel = Flag()
        let cancelled = cancel
        let processed = keysProcessed
        logger.notice("Background saving started")
        // The options are read here, under the lock, like the view.
        let target = target(keyspace: keyspace, temporary: temporaryPath)
        runningTemporary = target.temporary
        let functions = functionLibraries?() ?? []
        let now = keyspace.now
        PersistenceThread(name: "podium-bgsave") { [self] in
            let started = monotonicNanoseconds()
            var outcome: Result<RDBSave.Result, any Error>
            do {
                outcome = .success(
                    try writeFile(
                        snapshots, functions: functions, now: now, target: target, progress: { processed.set($0) },
                        cancelled: { cancelled.isSet }))
            } catch {
                FileIO.removeFile(target.temporary)
                // A cancel that came while the file was being renamed (its temporary file removed under the lock)
                // is a cancel, not a failure.
                outcome = .failure(cancelled.isSet ? AOFRewrite.Cancelled() : error)
            }
            exclusive { [self] in
                keyspace.endSnapshot()
                job.stop(at: unixSeconds())
                switch outcome {
                case .success(let result):
                    logSaved(result, started: started)
                    keyspace.dirty -= min(keyspace.dirty, dirtyAtStart)
                    lastSave = unixSeconds()
                    job.record(ok: true)
                    logger.notice("Background saving terminated with success")
                case .failure(let error as AOFRewrite.Cancelled):
                    _ = error
                    logger.notice("Background saving terminated by user request")
                case .failure(let error):
                    logger.warning("Write error saving DB on disk: \(error)")
                    logger.warning("Background saving error")
                    job.record(ok: false)
                }
                statusChanged?()
            }
        }.detach()
    }

    /// Writes the target's temporary file, fsyncs it, renames it over `dbfilename` and fsyncs the directory.
    private func writeFile(
        _ snapshots: [DatabaseSnapshot], functions: [ByteBuffer], now: Int64, target: Target,
        progress: (Int) -> Void, cancelled: () -> Bool
    ) throws -> RDBSave.Result {
        let fd = try FileIO.create(target.temporary)
        var closed = false
        defer { if !closed { FileIO.closeFile(fd) } }
        let result = try RDBSave.write(
            snapshots, functions: functions, now: now, options: target.options, fd: fd, path: target.temporary,
            incrementalFsync: target.incrementalFsync, keyDelayMicroseconds: target.keyDelayMicroseconds,
            progress: progress, cancelled: cancelled)
        try FileIO.sync(fd, path: target.temporary)
        FileIO.closeFile(fd)
        closed = true
        if cancelled() { throw AOFRewrite.Cancelled() }
        try FileIO.renameFile(target.temporary, target.path)
        try FileIO.syncDirectory(target.directory)
        return result
    }

    private func logSaved(_ result: RDBSave.Result, started: UInt64) {
        if result.fieldTTLsDropped > 0 {
            let text =
                "\(result.fieldTTLsDropped) hash field TTLs were not saved: RDB \(configuration.rdbVersion) "
                + "has no form for them (the fields are saved without a TTL; the AOF keeps them)"
            logger.warning("\(text)")
        }
        logger.info(
            "RDB file written",
            metadata: [
                "podium.keys": "\(result.keys)", "podium.bytes": "\(result.bytes)",
                "podium.seconds": "\(format3(Double(monotonicNanoseconds() - started) / 1e9))",
            ])
    }

    // MARK: - Loading

    /// `DEBUG RELOAD`, with the lock held (nobody is served meanwhile, as in Valkey): saves `dbfilename` (unless
    /// `save` is false), empties the keys and the function libraries (unless `flush` is false) and loads the file
    /// back. `merge`: keys and libraries that exist already are replaced; without it they fail the load, and what
    /// was loaded before the failure stays (Valkey exits there).
    public func debugReload(dispatcher: Dispatcher, save: Bool, flush: Bool, merge: Bool) throws(CommandError) {
        let keyspace = dispatcher.keyspace
        // Valkey's rdbSave here does not wait for a running BGSAVE: it writes its own file in the foreground.
        if save, !saveNow(keyspace: keyspace) { throw .err }
        // The reload changes nothing a save would miss: `rdb_changes_since_last_save` stays where it was.
        let dirty = keyspace.dirty
        // RDB 10/11 has no form for hash-field TTLs: the file just written holds those fields without one. They
        // are put back after the load, so the reload changes nothing (Valkey 9 keeps them in its file).
        let fieldTTLs = save ? Self.hashFieldTTLs(keyspace) : []
        if flush {
            keyspace.removeAll()
            dispatcher.scripting?.flushLibraries()
        }
        let loaded = reload(into: dispatcher, allowDuplicates: merge)
        for (db, key, times) in fieldTTLs {
            let database = keyspace[db]
            guard let slot = database.slot(of: key), case .hash(var hash) = database.entry(slot).value else { continue }
            for (field, at) in times {
                field.withUnsafeBytes { raw in
                    if hash.contains(raw) { hash.setExpiry(raw, at: at) }
                }
            }
            database.update(slot: slot, .hash(hash))
            database.trackFieldExpiry(slot: slot)
        }
        keyspace.dirty = dirty
        guard loaded else { throw .rdbLoadFailed }
        logger.notice("DB reloaded by DEBUG RELOAD")
    }

    /// Every hash field with a TTL: (database, key, [(field, Unix ms)]).
    private static func hashFieldTTLs(_ keyspace: Keyspace) -> [(Int, Bytes, [(field: Bytes, at: Int64)])] {
        var out: [(Int, Bytes, [(field: Bytes, at: Int64)])] = []
        let views = keyspace.beginSnapshot()
        defer { keyspace.endSnapshot() }
        for view in views where view.keyCount > 0 {
            view.forEach { entry in
                if case .hash(let hash) = entry.value, hash.hasVolatileFields {
                    out.append((view.id, entry.key, hash.fieldExpiryTimes))
                }
            }
        }
        return out
    }

    /// Reads `dbfilename` back into the keyspace (lock held). False when the file could not be read or loaded
    /// (the reason is logged).
    private func reload(into dispatcher: Dispatcher, allowDuplicates: Bool) -> Bool {
        var loader = RDBLoader(dispatcher: dispatcher, exclusive: { $0() }, logger: logger)
        loader.verifyChecksum = configuration.rdbchecksum
        loader.allowDuplicates = allowDuplicates
        do {
            let outcome = try loader.load(path: path, name: configuration.dbfilename)
            loaded(keys: outcome.keys, expired: outcome.expired)
            return true
        } catch {
            logger.warning("\(error.message)")
            return false
        }
    }

    // MARK: - Loading figures

    /// Records what the last load of an RDB file did (INFO `rdb_last_load_keys_*`).
    public func loaded(keys: Int, expired: Int) {
        lastLoadKeys = keys
        lastLoadExpired = expired
    }

    // MARK: - INFO (executor lock)

    public var info: SnapshotInfo {
        var info = SnapshotInfo()
        info.job = job.figures(at: unixSeconds())
        info.lastSaveTime = lastSave
        info.keysProcessed = inProgress ? keysProcessed.value : 0
        info.keysTotal = inProgress ? keysTotal : 0
        info.lastLoadKeysLoaded = lastLoadKeys
        info.lastLoadKeysExpired = lastLoadExpired
        return info
    }
}

/// A count one thread sets and another reads.
final class Counter: @unchecked Sendable {
    private let monitor = Monitor()
    private var count = 0
    var value: Int { monitor.withLock { count } }
    func set(_ n: Int) { monitor.withLock { count = n } }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
