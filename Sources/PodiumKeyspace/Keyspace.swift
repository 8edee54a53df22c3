/// All databases plus what is shared across them: the command clock, statistics and WATCH bookkeeping.
///
/// The keyspace has no lock of its own and is not `Sendable`: the server runs commands one at a time in one
/// global order and hands the keyspace to one batch at a time (see docs/architecture.md).
public final class Keyspace {
    /// Counters reported by INFO stats / keyspace.
    public struct Stats {
        public var expiredKeys = 0
        /// Hash fields removed because their TTL passed (INFO `expired_fields`, as Valkey 9).
        public var expiredFields = 0
        public var keyspaceHits = 0
        public var keyspaceMisses = 0
        public var expiredStalePercentage = 0.0
        public init() {}
    }

    @exclusivity(unchecked) public private(set) var databases: [Database] = []
    public let clock: any KeyspaceClock
    /// The time of the command being executed (ms). Frozen for the whole command, and for a whole EXEC block,
    /// as Valkey does, so a command never sees a key expire halfway through.
    @inlinable public var now: Int64 {
        get { _now }
        set { _now = newValue }
    }
    @exclusivity(unchecked) @usableFromInline var _now: Int64
    /// `now` in seconds, for access times.
    @inlinable public var nowSeconds: UInt32 {
        get { _nowSeconds }
        set { _nowSeconds = newValue }
    }
    @exclusivity(unchecked) @usableFromInline var _nowSeconds: UInt32
    @inlinable public var stats: Stats {
        get { _stats }
        set { _stats = newValue }
        _modify { yield &_stats }
    }
    @exclusivity(unchecked) @usableFromInline var _stats = Stats()
    /// `hash-max-listpack-entries` / `-value`, applied when a hash grows.
    @exclusivity(unchecked) public var hashLimits = ListpackLimits(maxListpackEntries: 512, maxListpackValue: 64)
    /// `zset-max-listpack-entries` / `-value`.
    @exclusivity(unchecked) public var sortedSetLimits = ListpackLimits()
    /// `list-max-listpack-size` / `list-compress-depth`.
    @exclusivity(unchecked) public var listLimits = ListLimits()
    /// `set-max-intset-entries`, `set-max-listpack-entries` / `-value`.
    @exclusivity(unchecked) public var setLimits = SetLimits()
    /// Set while a `CLIENT NO-TOUCH on` client runs a command: reads do not update access times.
    @inlinable public var noTouch: Bool {
        get { _noTouch }
        set { _noTouch = newValue }
    }
    @exclusivity(unchecked) @usableFromInline var _noTouch = false
    /// Changes to the data since start, as Valkey's `server.dirty`: every `Database` mutation adds one (a flush
    /// adds the keys it removed). The dispatcher compares it before and after a command to decide whether the
    /// command is written to the AOF; keys removed because they expired or were evicted do not count (they are
    /// propagated as DELs of their own).
    @inlinable public var dirty: Int {
        get { _dirty }
        set { _dirty = newValue }
    }
    @exclusivity(unchecked) @usableFromInline var _dirty = 0
    /// True while the dataset is being loaded (AOF replay): as in Valkey, nothing expires, neither lazily nor by
    /// a time already past (`EXPIRE`, `SET … PXAT`), so a log replays to the state it recorded whatever the time
    /// of the restart; keys whose time has passed expire normally once loading ends.
    @inlinable public var isLoading: Bool {
        get { _isLoading }
        set { _isLoading = newValue }
    }
    @exclusivity(unchecked) @usableFromInline var _isLoading = false
    /// Point-in-time views in progress (`beginSnapshot`): every value is copy-on-write, so a view needs no help
    /// from writes; the count only catches an `endSnapshot` without its `beginSnapshot`.
    @exclusivity(unchecked) public private(set) var liveSnapshots = 0
    /// Called with (db, key) whenever a key is removed because it expired (keyspace notifications, AOF DEL).
    /// Set only while someone listens: nil costs one check per expired key.
    @exclusivity(unchecked) public var expiryObserver: ((Int, Bytes) -> Void)?
    /// Called with (db, key, fields, key removed) when fields of a hash are removed because their TTL passed
    /// (`hexpired` events, an HDEL in the AOF, a `del` event when the last field went). Nil while nobody listens.
    @exclusivity(unchecked) public var fieldExpiryObserver: ((Int, Bytes, [Bytes], Bool) -> Void)?
    /// Called with (db, key) when a key is created (`new` keyspace events). Nil unless the `n` class is on.
    @exclusivity(unchecked) public var newKeyObserver: ((Int, Bytes) -> Void)?
    /// Called with (db, key bytes) when a read lookup misses (`keymiss` events). Nil unless the `m` class is on.
    @exclusivity(unchecked) public var keyMissObserver: ((Int, UnsafeRawBufferPointer) -> Void)?

    /// The random source for sampling (active expiry, RANDOMKEY): a fast generator seeded once from the system's,
    /// because `SystemRandomNumberGenerator` is a system call per number.
    @exclusivity(unchecked) public var sampler = SplitMix64(seed: UInt64.random(in: .min ... .max))
    /// Where the `*-random` eviction policies look next (they take the databases in turn).
    @exclusivity(unchecked) var nextEvictionDatabase = 0

    /// WATCHed keys: (db, key) → the tokens of the clients watching it.
    @exclusivity(unchecked) var watched: [WatchedKey: [WatchToken]] = [:]

    public init(databases count: Int = 16, clock: any KeyspaceClock = SystemClock()) {
        self.clock = clock
        self._now = clock.nowMilliseconds()
        self._nowSeconds = UInt32(truncatingIfNeeded: _now / 1000)
        self.databases = (0..<max(count, 1)).map { Database(id: $0, keyspace: self) }
    }

    /// Reads the clock; the dispatcher calls this once per batch of pipelined commands (and EXEC once for its
    /// transaction), so every command of a batch sees the same time.
    @inlinable public func refreshClock() {
        now = clock.nowMilliseconds()
        nowSeconds = UInt32(truncatingIfNeeded: now / 1000)
    }

    @inlinable public subscript(db: Int) -> Database { databases[db] }

    /// SWAPDB: clients see each other's data immediately; watched keys in either database are touched, and keys
    /// clients block on that now exist become ready (Valkey's `scanDatabaseForReadyKeys`).
    public func swap(_ a: Int, _ b: Int) {
        guard a != b else { return }
        dirty &+= 1
        touchWatchedForSwap(a, b)
        databases.swapAt(a, b)
        databases[a].id = a
        databases[b].id = b
        if !blockingKeys.isEmpty {
            for k in blockingKeys where (k.db == a || k.db == b) && databases[k.db].contains(k.key) { markReady(k) }
        }
    }

    // MARK: - Keys clients block on (BLPOP, BZPOPMIN, ...)

    /// The keys some client is blocked on, kept by the dispatcher. While it is empty (nobody blocks) creating a
    /// key costs one check of it.
    @exclusivity(unchecked) public var blockingKeys = Set<DatabaseKey>()
    /// Keys among `blockingKeys` that were created since the dispatcher last served blocked clients, in the
    /// order they became ready (each once).
    @inlinable public var readyKeys: [DatabaseKey] { _readyKeys }
    @exclusivity(unchecked) @usableFromInline var _readyKeys: [DatabaseKey] = []
    @exclusivity(unchecked) private var readySet = Set<DatabaseKey>()

    /// Called when `key` is created in database `db` (Valkey's `signalKeyAsReady` from `dbAdd`).
    @usableFromInline func keyCreated(db: Int, key: Bytes) {
        let k = DatabaseKey(db: db, key: key)
        if blockingKeys.contains(k) { markReady(k) }
    }

    func markReady(_ k: DatabaseKey) {
        if readySet.insert(k).inserted { _readyKeys.append(k) }
    }

    /// Takes the ready keys (the dispatcher serves their clients; serving may make more keys ready).
    public func takeReadyKeys() -> [DatabaseKey] {
        let keys = readyKeys
        _readyKeys.removeAll(keepingCapacity: true)
        readySet.removeAll(keepingCapacity: true)
        return keys
    }

    /// FLUSHALL.
    public func removeAll() {
        for db in databases { db.removeAll() }
    }

    /// Total keys and keys with TTL across databases.
    public var totalKeys: Int { databases.reduce(0) { $0 + $1.count } }

    // MARK: - Active expiry

    /// One bounded pass of active expiry, in the spirit of Valkey's `activeExpireCycle`: for each database,
    /// sample 20 volatile keys, remove the expired ones, and repeat while more than a quarter were expired,
    /// stopping when the time budget runs out. Bounded time means a million keys expiring together are reclaimed
    /// over several cycles without stalling clients. Hashes whose earliest field TTL has passed go first (up to
    /// 64 × the sample size per database, 1000 fields of a hash at a time, within half the budget). Returns the number of keys and hash fields removed.
    @discardableResult
    public func activeExpireCycle(budgetNanoseconds: UInt64, effort: Int = 1) -> Int {
        refreshClock()
        let start = SystemClock.monotonicNanoseconds()
        let samples = 20 + 5 * (max(1, min(effort, 10)) - 1)
        let acceptableStale = 11 - max(1, min(effort, 10))  // percent, as Valkey's config_cycle_acceptable_stale
        var removed = 0
        var sampledTotal = 0
        var expiredTotal = 0
        for db in databases where db.hashesWithVolatileFields > 0 {
            removed += db.expireFieldsCycle(
                maxKeys: 64 * samples, fieldsPerKey: 1000,
                deadline: start + budgetNanoseconds / 2)
        }
        for db in databases where db.volatileCount > 0 {
            var iterations = 0
            while true {
                let (sampled, expired) = db.expireSample(samples: samples, using: &sampler)
                removed += expired
                sampledTotal += sampled
                expiredTotal += expired
                iterations += 1
                if sampled == 0 || expired * 100 / sampled <= acceptableStale { break }
                if iterations % 16 == 0, SystemClock.monotonicNanoseconds() - start > budgetNanoseconds { break }
            }
            if SystemClock.monotonicNanoseconds() - start > budgetNanoseconds { break }
        }
        if sampledTotal > 0 {
            let current = Double(expiredTotal) / Double(sampledTotal)
            stats.expiredStalePercentage = stats.expiredStalePercentage * 0.95 + current * 100 * 0.05
        }
        return removed
    }

    // MARK: - WATCH

    struct WatchedKey: Hashable {
        var db: Int
        var key: Bytes
    }

    /// Registers a client's watch on a key; the token turns dirty when the key is modified, deleted, expired,
    /// flushed or swapped away.
    public func watch(db: Int, key: Bytes, token: WatchToken) {
        let wk = WatchedKey(db: db, key: key)
        if watched[wk]?.contains(where: { $0 === token }) == true { return }
        watched[wk, default: []].append(token)
        token.keys.append((db, key))
    }

    /// Removes all of a client's watches (EXEC, DISCARD, UNWATCH, disconnect).
    public func unwatchAll(token: WatchToken) {
        for (db, key) in token.keys {
            let wk = WatchedKey(db: db, key: key)
            guard var list = watched[wk] else { continue }
            list.removeAll { $0 === token }
            watched[wk] = list.isEmpty ? nil : list
        }
        token.keys.removeAll()
        token.dirty = false
    }

    /// Tells WATCH (and `dirty`) that a key changed.
    @inlinable public func signalModified(db: Int, key: Bytes) {
        dirty &+= 1
        if watchedIsEmpty { return }
        touchWatched(db: db, key: key)
    }

    /// Valkey's `checkAlreadyExpired`: an expiry time at or before the command's time deletes the key instead of
    /// setting a TTL, except while loading, when the log's own DELs say what happened.
    @inlinable public func isAlreadyExpired(_ when: Int64) -> Bool {
        when <= now && !isLoading
    }

    // MARK: - Point-in-time views

    /// Starts a point-in-time view: returns a copy of every database (see `Database.snapshot()`), cheap to take
    /// and safe to read on another thread. Call `endSnapshot()` when done with it (both under the executor lock).
    public func beginSnapshot() -> [DatabaseSnapshot] {
        liveSnapshots += 1
        return databases.map { $0.snapshot() }
    }

    /// Ends a view started by `beginSnapshot()`.
    public func endSnapshot() {
        precondition(liveSnapshots > 0, "endSnapshot without beginSnapshot")
        liveSnapshots -= 1
    }

    @usableFromInline var watchedIsEmpty: Bool { watched.isEmpty }

    @usableFromInline func touchWatched(db: Int, key: Bytes) {
        guard let tokens = watched[WatchedKey(db: db, key: key)] else { return }
        for token in tokens { token.dirty = true }
    }

    func signalFlushed(db: Database) {
        if watched.isEmpty { return }
        for (wk, tokens) in watched where wk.db == db.id && db.contains(wk.key) {
            for token in tokens { token.dirty = true }
        }
    }

    func touchWatchedForSwap(_ a: Int, _ b: Int) {
        if watched.isEmpty { return }
        for (wk, tokens) in watched where wk.db == a || wk.db == b {
            if databases[a].contains(wk.key) || databases[b].contains(wk.key) {
                for token in tokens { token.dirty = true }
            }
        }
    }
}

/// A key in one database (blocking bookkeeping).
public struct DatabaseKey: Hashable, Sendable {
    public var db: Int
    public var key: Bytes
    public init(db: Int, key: Bytes) {
        self.db = db
        self.key = key
    }
}

/// One client's WATCH state: set dirty by the keyspace when a watched key changes.
public final class WatchToken {
    public var dirty = false
    var keys: [(Int, Bytes)] = []
    public init() {}
    public var isWatching: Bool { !keys.isEmpty }
    public var watchedKeyCount: Int { keys.count }
}

/// SplitMix64 (Steele, Lea, Flood): a tiny, fast, statistically solid generator for sampling. Not for secrets.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
