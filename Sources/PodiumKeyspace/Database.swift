import HeapModule

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One numbered database (`SELECT n`).
///
/// ## Layout
/// Entries live in a slot array (`SlotStorage`, chunked so that a point-in-time copy is cheap); `KeyIndex` maps
/// each key to its slot. A deleted entry leaves a hole that a later insertion reuses, and live entries never
/// move. That gives three things a plain dictionary cannot:
/// - **SCAN's guarantee.** The cursor is a slot number. A key present from the first SCAN call to the last stays
///   in its slot, so the walk returns it, however many keys are added or removed meanwhile (Valkey gets the same
///   guarantee from its reverse-binary cursor).
/// - **O(1) random sampling** for RANDOMKEY and active expiry: pick slots at random.
/// - **A volatile list.** Keys with a TTL are also listed by slot in `volatileSlots` (each entry knows its
///   position there, so removal is a swap-remove), which is what the active expiry cycle samples.
///
/// A key is expired once the clock has passed its expiry time (`now > expireAt`, Valkey's `keyIsExpired`).
/// Expiry is lazy on every lookup (`lookup`) and active in `Keyspace.activeExpireCycle`; neither happens while
/// the keyspace is loading (`Keyspace.isLoading`), as in Valkey. Every mutation goes through this type, which
/// tells the keyspace so WATCH sees it and `Keyspace.dirty` counts it.
public final class Database {
    /// A live entry.
    ///
    /// Field order is chosen for size (Swift lays fields out in declaration order): the 4-byte fields fill the
    /// padding after the 25-byte key and the 33-byte value, and the flag the tail, so an entry takes 88 bytes, its
    /// optional tag included (`HashFieldExpiryTests` checks it). A million keys, 88 MB.
    public struct Entry {
        public var key: Bytes
        /// The key's 32-bit hash, as stored in the index (needed to remove it without rehashing).
        @usableFromInline var hash: UInt32
        public var value: Value
        /// Seconds (server clock) of the last access, for OBJECT IDLETIME.
        public var lastAccess: UInt32
        /// Absolute Unix time in milliseconds, or `Entry.persistent`.
        public var expireAt: Int64
        /// Position in `volatileSlots`, or -1.
        @usableFromInline var volatilePosition: Int32
        /// True while `fieldExpiry` holds this slot (a hash with volatile fields): a lookup of any other key never
        /// probes that dictionary. Fits the entry's tail padding (the stride stays 88 bytes).
        @usableFromInline var hasFieldDeadline: Bool
        public static let persistent: Int64 = -1
    }

    /// The database number; changes on SWAPDB.
    @exclusivity(unchecked) public internal(set) var id: Int
    /// The owning keyspace, which owns its databases and outlives them. Held unretained and read through a
    /// guaranteed reference: this is read on every key access, where a strong reference would be a cycle, a
    /// checked `unowned` costs atomic operations, and an `unowned(unsafe)` one was retained and released around
    /// every use (two pairs per missed lookup in the release build, seen with objdump).
    @usableFromInline let keyspaceReference: Unmanaged<Keyspace>
    @inlinable var keyspace: Keyspace { keyspaceReference._withUnsafeGuaranteedRef { $0 } }

    @exclusivity(unchecked) var index = KeyIndex()
    @exclusivity(unchecked) @usableFromInline var slots = SlotStorage()
    @exclusivity(unchecked) var freeSlots: [Int] = []
    @exclusivity(unchecked) var volatileSlots: [Int] = []
    /// Hashes with volatile fields (HEXPIRE …): slot → the earliest field expiry time when last looked at (a
    /// lower bound: a field's TTL may have been removed or pushed back since). Empty unless field TTLs are used,
    /// and then one dictionary probe per lookup.
    @exclusivity(unchecked) @usableFromInline var fieldExpiry: [Int: Int64] = [:]
    /// Keys per cluster hash slot (`countKeysPerSlot`, cluster mode); nil otherwise, so other servers pay one nil
    /// check per insertion and removal.
    @exclusivity(unchecked) var keysPerSlot: [Int32]?
    /// The same deadlines as a min-heap, for the active expiry cycle. An entry that no longer matches
    /// `fieldExpiry` is stale and skipped.
    @exclusivity(unchecked) var fieldDeadlines = Heap<SlotDeadline>()

    struct SlotDeadline: Comparable {
        var at: Int64
        var slot: Int
        static func < (a: SlotDeadline, b: SlotDeadline) -> Bool { a.at < b.at }
    }

    init(id: Int, keyspace: Keyspace) {
        self.id = id
        self.keyspaceReference = Unmanaged.passUnretained(keyspace)
    }

    /// True if the key is stored, expired or not (no lazy expiry): for WATCH bookkeeping.
    func contains(_ key: Bytes) -> Bool {
        key.withUnsafeBytes { find($0, hash: KeyIndex.hash($0)) != nil }
    }

    /// The number of keys, including logically expired ones not yet removed (as Valkey's DBSIZE).
    public var count: Int { index.count }
    /// The number of keys with a TTL.
    public var volatileCount: Int { volatileSlots.count }

    // MARK: - Lookup

    /// The slot holding exactly these key bytes, expired or not.
    func find(_ raw: UnsafeRawBufferPointer, hash: UInt32) -> Int? {
        index.find(hash: hash) { slot in slots[slot].unsafelyUnwrapped.key.equals(raw) }
    }

    /// The slot of the key with these bytes, after lazily removing it if it has expired. Does not count hits or
    /// touch access times. Takes raw bytes so callers can look up straight from a request buffer.
    public func slot(raw: UnsafeRawBufferPointer) -> Int? {
        guard let slot = find(raw, hash: KeyIndex.hash(raw)) else { return nil }
        let expireAt = slots[slot].unsafelyUnwrapped.expireAt
        if expireAt >= 0, expireAt < keyspace.now, !keyspace.isLoading {
            expire(slot: slot)
            return nil
        }
        if slots[slot].unsafelyUnwrapped.hasFieldDeadline, let at = fieldExpiry[slot], at < keyspace.now,
            !keyspace.isLoading
        {
            return expireFields(slot: slot) ? slot : nil
        }
        return slot
    }

    /// The slot of `key`, after lazily removing it if it has expired.
    public func slot(of key: Bytes) -> Int? {
        key.withUnsafeBytes { slot(raw: $0) }
    }

    /// The live entry in `slot`. The caller got `slot` from `slot(of:)` in the same command.
    @inlinable public func entry(_ slot: Int) -> Entry { slots[slot].unsafelyUnwrapped }

    /// Looks a key up for reading: lazily expires, updates the access time and the hit/miss statistics.
    public func lookupRead(_ key: Bytes) -> Value? {
        key.withUnsafeBytes { lookupRead(raw: $0) }
    }

    /// `lookupRead` for raw key bytes.
    public func lookupRead(raw: UnsafeRawBufferPointer) -> Value? {
        guard let slot = slot(raw: raw) else {
            keyspace.stats.keyspaceMisses += 1
            if let observer = keyspace.keyMissObserver { observer(id, raw) }
            return nil
        }
        keyspace.stats.keyspaceHits += 1
        // Write the access time only when it changes (once a second at most): a read then stays a read for the
        // cache line.
        let now = keyspace.nowSeconds
        if !keyspace.noTouch, slots[slot].unsafelyUnwrapped.lastAccess != now { slots[slot]!.lastAccess = now }
        return slots[slot].unsafelyUnwrapped.value
    }

    /// Looks a key up for writing (no hit statistics), lazily expiring it.
    public func lookupWrite(_ key: Bytes) -> Value? {
        guard let slot = slot(of: key) else { return nil }
        return slots[slot].unsafelyUnwrapped.value
    }

    /// True if the key exists (and has not expired).
    public func exists(_ key: Bytes) -> Bool { slot(of: key) != nil }

    /// Makes a live key look idle for `seconds` (OBJECT IDLETIME; RESTORE … IDLETIME).
    public func setIdleTime(_ key: Bytes, seconds: Int) {
        guard let slot = slot(of: key) else { return }
        slots[slot]!.lastAccess = UInt32(max(0, Int(keyspace.nowSeconds) - min(seconds, Int(UInt32.max))))
    }

    /// The absolute expiry time of a live key, `Entry.persistent` if it has none, nil if it does not exist.
    public func expireTime(_ key: Bytes) -> Int64? {
        guard let slot = slot(of: key) else { return nil }
        return slots[slot].unsafelyUnwrapped.expireAt
    }

    // MARK: - Mutation

    /// Stores `value` under `key`. A new key or an overwrite loses its TTL unless `keepTTL` (SET KEEPTTL); an
    /// explicit `expireAt` sets one. Signals WATCH.
    public func set(_ key: Bytes, _ value: Value, keepTTL: Bool = false, expireAt: Int64? = nil) {
        key.withUnsafeBytes { raw in
            set(raw: raw, makeKey: { key }, value, keepTTL: keepTTL, expireAt: expireAt)
        }
    }

    /// `set` for raw key bytes: a `Bytes` copy of the key is made only when the key is new.
    public func set(raw: UnsafeRawBufferPointer, _ value: Value, keepTTL: Bool = false, expireAt: Int64? = nil) {
        set(raw: raw, makeKey: { Bytes(raw: raw) }, value, keepTTL: keepTTL, expireAt: expireAt)
    }

    func set(raw: UnsafeRawBufferPointer, makeKey: () -> Bytes, _ value: Value, keepTTL: Bool, expireAt: Int64?) {
        let hash = KeyIndex.hash(raw)
        var existing = find(raw, hash: hash)
        if let slot = existing, slots[slot].unsafelyUnwrapped.expireAt >= 0,
            slots[slot].unsafelyUnwrapped.expireAt < keyspace.now, !keyspace.isLoading
        {
            expire(slot: slot)
            existing = nil
        }
        keyspace.dirty &+= 1
        if let slot = existing {
            slots[slot]!.value = value
            slots[slot]!.lastAccess = keyspace.nowSeconds
            if let expireAt {
                setExpire(slot: slot, at: expireAt)
            } else if !keepTTL {
                removeExpire(slot: slot)
            }
            if slots[slot].unsafelyUnwrapped.hasFieldDeadline || value.hasVolatileFields {
                trackFieldExpiry(slot: slot)
            }
            if !keyspace.watchedIsEmpty { keyspace.touchWatched(db: id, key: slots[slot].unsafelyUnwrapped.key) }
        } else {
            let key = makeKey()
            let slot = insert(key, value, hash: hash)
            if let expireAt { setExpire(slot: slot, at: expireAt) }
            if value.hasVolatileFields { trackFieldExpiry(slot: slot) }
            if !keyspace.watchedIsEmpty { keyspace.touchWatched(db: id, key: key) }
            if let observer = keyspace.newKeyObserver { observer(id, key) }
            if !keyspace.blockingKeys.isEmpty { keyspace.keyCreated(db: id, key: key) }
        }
    }

    /// Replaces the value of an existing key in place, keeping its TTL. Signals WATCH.
    @inlinable public func update(slot: Int, _ value: Value) {
        slots[slot]!.value = value
        keyspace.signalModified(db: id, key: slots[slot].unsafelyUnwrapped.key)
    }

    /// Mutates the value of an existing key in place without copying its payload: the value is moved out of the
    /// slot for the duration of `body`, so a uniquely referenced buffer stays unique. Signals WATCH.
    public func mutate<R>(slot: Int, _ body: (inout Value) throws -> R) rethrows -> R {
        var value = slots[slot]!.value
        slots[slot]!.value = .integer(0)
        defer {
            slots[slot]!.value = value
            keyspace.signalModified(db: id, key: slots[slot].unsafelyUnwrapped.key)
        }
        return try body(&value)
    }

    /// Gives `body` the stored value of an existing key itself, to change in place (a hash's packed array stays
    /// uniquely referenced: take the payload out with `guard case`, set the value to a placeholder, change the
    /// payload, put it back). Does not signal WATCH: the caller knows whether anything changed. `body` must not
    /// touch this database.
    @inlinable public func withValue<R, E: Error>(slot: Int, _ body: (inout Value) throws(E) -> R) throws(E) -> R {
        try body(&slots[slot]!.value)
    }

    /// Changes the `Object` in `slot` in place: the object is taken out of the slot while `body` runs, so it is
    /// referenced once and a change does not copy its payload, then stored back. Nil (and `body` is not called)
    /// when the slot holds another type. `body` must not touch the database.
    @inlinable @inline(__always)
    public func withObject<Object: StoredObject, R, E: Error>(
        slot: Int, _ body: (inout Object) throws(E) -> R
    ) throws(E) -> R? {
        try withValue(slot: slot) { (value: inout Value) throws(E) -> R? in
            guard var object = Object.extract(value) else { return nil }
            value = .integer(0)
            defer { value = object.stored }
            return try body(&object)
        }
    }

    /// Signals WATCH (and `Keyspace.dirty`) that the key in `slot` changed.
    @inlinable public func signalModified(slot: Int) {
        keyspace.dirty &+= 1
        if keyspace.watchedIsEmpty { return }
        keyspace.touchWatched(db: id, key: slots[slot].unsafelyUnwrapped.key)
    }

    /// Removes the key in `slot`. Signals WATCH.
    public func remove(slot: Int) {
        let key = slots[slot].unsafelyUnwrapped.key
        removeSlot(slot)
        keyspace.signalModified(db: id, key: key)
    }

    /// Removes a key. Returns whether it existed (expired keys count as absent). Signals WATCH.
    @discardableResult
    public func remove(_ key: Bytes) -> Bool {
        guard let slot = slot(of: key) else { return false }
        removeSlot(slot)
        keyspace.signalModified(db: id, key: key)
        return true
    }

    /// `remove` for raw key bytes.
    public func remove(raw: UnsafeRawBufferPointer) -> Bool {
        guard let slot = slot(raw: raw) else { return false }
        let key = slots[slot].unsafelyUnwrapped.key
        removeSlot(slot)
        keyspace.signalModified(db: id, key: key)
        return true
    }

    /// Removes and returns a key's value (GETDEL, RENAME, MOVE).
    public func take(_ key: Bytes) -> Entry? {
        guard let slot = slot(of: key) else { return nil }
        let entry = slots[slot].unsafelyUnwrapped
        removeSlot(slot)
        keyspace.signalModified(db: id, key: key)
        return entry
    }

    /// Sets an absolute expiry on an existing key. A time already past deletes the key, as Valkey does (not while
    /// loading: see `Keyspace.isAlreadyExpired`).
    public func setExpire(_ key: Bytes, at when: Int64) -> Bool {
        guard let slot = slot(of: key) else { return false }
        if keyspace.isAlreadyExpired(when) {
            removeSlot(slot)
        } else {
            setExpire(slot: slot, at: when)
        }
        keyspace.signalModified(db: id, key: key)
        return true
    }

    /// Removes the TTL of a key. Returns false when the key is missing or has no TTL.
    public func persist(_ key: Bytes) -> Bool {
        guard let slot = slot(of: key), slots[slot].unsafelyUnwrapped.expireAt >= 0 else { return false }
        removeExpire(slot: slot)
        keyspace.signalModified(db: id, key: key)
        return true
    }

    /// Refreshes the access time (TOUCH).
    public func touch(_ key: Bytes) -> Bool {
        guard let slot = slot(of: key) else { return false }
        slots[slot]!.lastAccess = keyspace.nowSeconds
        return true
    }

    /// Removes every key. Signals WATCH for watched keys that existed.
    public func removeAll() {
        keyspace.signalFlushed(db: self)
        keyspace.dirty &+= index.count
        index.removeAll()
        slots = SlotStorage()
        freeSlots = []
        volatileSlots = []
        fieldExpiry = [:]
        fieldDeadlines = Heap()
        if keysPerSlot != nil { keysPerSlot = Array(repeating: 0, count: HashSlot.count) }
    }

    // MARK: - Point-in-time view

    /// A copy of this database's entries as they are now, for a rewrite or snapshot to serialize on another
    /// thread. O(number of chunks): the chunks are shared, and a later write copies only the chunk it changes.
    /// Call with the executor lock held, between `Keyspace.beginSnapshot` and `endSnapshot` (sorted sets).
    public func snapshot() -> DatabaseSnapshot {
        DatabaseSnapshot(id: id, keyCount: index.count, expiresCount: volatileCount, storage: slots)
    }

    // MARK: - Iteration

    /// Visits live entries from `cursor` (a slot number) until `count` slots have been looked at or the end is
    /// reached; returns the next cursor, 0 when done. Expired keys are removed on the way and not visited.
    public func scan(cursor: Int, count: Int, _ body: (Entry) -> Void) -> Int {
        var slot = max(cursor, 0)
        var visited = 0
        let now = keyspace.isLoading ? Int64.min : keyspace.now
        while slot < slots.count, visited < count {
            if let entry = slots[slot] {
                if entry.expireAt >= 0, entry.expireAt < now {
                    expire(slot: slot)
                } else {
                    body(entry)
                    visited += 1
                }
            }
            slot += 1
        }
        // Skip trailing holes so a walk that has seen everything ends with cursor 0.
        while slot < slots.count, slots[slot] == nil { slot += 1 }
        return slot >= slots.count ? 0 : slot
    }

    /// Every live key (KEYS). Expired keys are removed on the way.
    public func allEntries(_ body: (Entry) -> Void) {
        _ = scan(cursor: 0, count: Int.max, body)
    }

    /// A random live key, or nil when the database is empty.
    public func randomKey<G: RandomNumberGenerator>(using rng: inout G) -> Bytes? {
        // Sampling slots is O(1) while the array is reasonably dense; after 100 misses fall back to a walk from
        // a random point so a sparse array still answers.
        while index.count > 0 {
            var found: Int?
            for _ in 0..<100 {
                let s = Int.random(in: 0..<slots.count, using: &rng)
                if slots[s] != nil {
                    found = s
                    break
                }
            }
            if found == nil {
                let start = Int.random(in: 0..<slots.count, using: &rng)
                for offset in 0..<slots.count where slots[(start + offset) % slots.count] != nil {
                    found = (start + offset) % slots.count
                    break
                }
            }
            guard let s = found else { return nil }
            let entry = slots[s].unsafelyUnwrapped
            if entry.expireAt >= 0, entry.expireAt < keyspace.now, !keyspace.isLoading {
                expire(slot: s)
                continue
            }
            return entry.key
        }
        return nil
    }

    // MARK: - Internals

    func insert(_ key: Bytes, _ value: Value, hash: UInt32) -> Int {
        let entry = Entry(
            key: key, hash: hash, value: value, lastAccess: keyspace.nowSeconds,
            expireAt: Entry.persistent, volatilePosition: -1, hasFieldDeadline: false)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = entry
        } else {
            slot = slots.append(entry)
        }
        index.insert(hash: hash, slot: slot)
        if keysPerSlot != nil { key.withUnsafeBytes { keysPerSlot![HashSlot.of($0)] &+= 1 } }
        return slot
    }

    func removeSlot(_ slot: Int) {
        removeExpire(slot: slot)
        if keysPerSlot != nil {
            slots[slot].unsafelyUnwrapped.key.withUnsafeBytes { keysPerSlot![HashSlot.of($0)] &-= 1 }
        }
        if slots[slot].unsafelyUnwrapped.hasFieldDeadline { untrackFieldExpiry(slot: slot) }
        index.remove(hash: slots[slot].unsafelyUnwrapped.hash, slot: slot)
        slots[slot] = nil
        if index.count == 0 {
            // Nothing left: start the slot space again (a SCAN in progress simply ends).
            slots.removeAll(keepingCapacity: slots.count < 1024)
            freeSlots.removeAll(keepingCapacity: false)
        } else {
            freeSlots.append(slot)
        }
    }

    func setExpire(slot: Int, at when: Int64) {
        if slots[slot].unsafelyUnwrapped.volatilePosition < 0 {
            slots[slot]!.volatilePosition = Int32(volatileSlots.count)
            volatileSlots.append(slot)
        }
        slots[slot]!.expireAt = when
    }

    func removeExpire(slot: Int) {
        let position = Int(slots[slot].unsafelyUnwrapped.volatilePosition)
        guard position >= 0 else { return }
        let last = volatileSlots.removeLast()
        if last != slot {
            volatileSlots[position] = last
            slots[last]!.volatilePosition = Int32(position)
        }
        slots[slot]!.volatilePosition = -1
        slots[slot]!.expireAt = Entry.persistent
    }

    /// Removes an expired key and accounts for it. Not a change the command made (`dirty` stays): the removal is
    /// propagated as a DEL of its own through `expiryObserver`.
    @usableFromInline func expire(slot: Int) {
        let key = slots[slot].unsafelyUnwrapped.key
        removeSlot(slot)
        keyspace.stats.expiredKeys += 1
        if !keyspace.watchedIsEmpty { keyspace.touchWatched(db: id, key: key) }
        keyspace.expiryObserver?(id, key)
    }

    /// Tries up to `samples` random volatile keys; removes the expired ones. Returns (sampled, expired).
    func expireSample<G: RandomNumberGenerator>(samples: Int, using rng: inout G) -> (Int, Int) {
        var sampled = 0
        var expired = 0
        let now = keyspace.now
        while sampled < samples, !volatileSlots.isEmpty {
            let slot = volatileSlots[Int.random(in: 0..<volatileSlots.count, using: &rng)]
            sampled += 1
            if slots[slot].unsafelyUnwrapped.expireAt < now {
                expire(slot: slot)
                expired += 1
            }
        }
        return (sampled, expired)
    }
}

// MARK: - Cluster hash slots

extension Database {
    /// Starts counting keys per hash slot (cluster mode), counting the keys already stored.
    public func countKeysPerSlot() {
        var counts = [Int32](repeating: 0, count: HashSlot.count)
        slots.forEach { entry in entry.key.withUnsafeBytes { counts[HashSlot.of($0)] += 1 } }
        keysPerSlot = counts
    }

    /// CLUSTER COUNTKEYSINSLOT: O(1) (0 unless `countKeysPerSlot` is on).
    public func keysInSlot(_ slot: Int) -> Int { keysPerSlot.map { Int($0[slot]) } ?? 0 }

    /// CLUSTER GETKEYSINSLOT: up to `max` live keys of `slot`. An empty slot answers at once; otherwise the walk
    /// stops as soon as it has `max` keys or every key the slot holds (Podium keeps no per-slot key lists).
    public func keys(inSlot slot: Int, max: Int) -> [Bytes] {
        let wanted = Swift.min(max, keysInSlot(slot))
        guard wanted > 0 else { return [] }
        var out: [Bytes] = []
        out.reserveCapacity(wanted)
        var cursor = 0
        repeat {
            cursor = scan(cursor: cursor, count: 1024) { entry in
                if out.count < wanted, entry.key.withUnsafeBytes({ HashSlot.of($0) }) == slot { out.append(entry.key) }
            }
        } while cursor != 0 && out.count < wanted
        return out
    }
}

// MARK: - Hash field expiry

extension Database {
    /// Records when the hash in `slot` next has a field to expire (call after giving a field a TTL, or after
    /// storing a hash that has some): the key is then checked on lookup and by the active cycle. A value
    /// without volatile fields is forgotten.
    public func trackFieldExpiry(slot: Int) {
        // A lower bound (the hash's top deadline, possibly stale) is enough, and reading it changes nothing, so a
        // value another slot shares (MOVE, COPY) is not copied.
        guard case .hash(let h) = slots[slot].unsafelyUnwrapped.value, let next = h.fieldExpiryLowerBound else {
            if slots[slot].unsafelyUnwrapped.hasFieldDeadline { untrackFieldExpiry(slot: slot) }
            return
        }
        slots[slot]!.hasFieldDeadline = true
        if fieldExpiry.updateValue(next, forKey: slot) != next {
            fieldDeadlines.insert(SlotDeadline(at: next, slot: slot))
            if fieldDeadlines.count > 2 * fieldExpiry.count + 64 {
                fieldDeadlines = Heap(fieldExpiry.map { SlotDeadline(at: $0.value, slot: $0.key) })
            }
        }
    }

    func untrackFieldExpiry(slot: Int) {
        slots[slot]!.hasFieldDeadline = false
        fieldExpiry.removeValue(forKey: slot)
        if fieldExpiry.isEmpty { fieldDeadlines = Heap() }
    }

    /// The number of hashes with volatile fields.
    public var hashesWithVolatileFields: Int { fieldExpiry.count }

    /// Removes the passed fields of the hash in `slot` (and the key, if no field is left); returns whether the
    /// key still exists. As for an expired key, not a change of the command that looked (`dirty` stays): the
    /// keyspace's `fieldExpiryObserver` records it (an `hexpired` event; an HDEL in the AOF).
    /// `limit` caps the fields taken at once (the active cycle's slices); a lookup takes them all.
    @discardableResult
    func expireFields(slot: Int, limit: Int = .max) -> Bool {
        let now = keyspace.now
        let (removed, emptied) =
            withObject(slot: slot) { (h: inout HashObject) -> ([Bytes], Bool) in
                let removed = h.removeExpiredFields(now: now, limit: limit)
                return (removed, h.count == 0)
            } ?? ([], false)
        let key = slots[slot].unsafelyUnwrapped.key
        if !removed.isEmpty {
            keyspace.stats.expiredFields += removed.count
            if !keyspace.watchedIsEmpty { keyspace.touchWatched(db: id, key: key) }
        }
        if emptied {
            removeSlot(slot)
        } else {
            trackFieldExpiry(slot: slot)
        }
        if !removed.isEmpty { keyspace.fieldExpiryObserver?(id, key, removed, emptied) }
        return !emptied
    }

    /// Active expiry of hash fields: takes the hashes whose earliest field time has passed, earliest first, up to
    /// `maxKeys` and `fieldsPerKey` fields of each, until `deadline` (monotonic ns); returns how many fields went.
    /// A hash whose key has expired goes as a key (`expired`, a DEL), not field by field.
    func expireFieldsCycle(maxKeys: Int, fieldsPerKey: Int, deadline: UInt64) -> Int {
        guard !fieldExpiry.isEmpty else { return 0 }
        let now = keyspace.now
        let before = keyspace.stats.expiredFields
        var visited = 0
        while visited < maxKeys, let top = fieldDeadlines.min, top.at < now {
            fieldDeadlines.removeMin()
            guard fieldExpiry[top.slot] == top.at else { continue }
            visited += 1
            let expireAt = slots[top.slot].unsafelyUnwrapped.expireAt
            if expireAt >= 0, expireAt < now {
                expire(slot: top.slot)
            } else {
                expireFields(slot: top.slot, limit: fieldsPerKey)
            }
            if visited % 16 == 0, SystemClock.monotonicNanoseconds() > deadline { break }
        }
        return keyspace.stats.expiredFields - before
    }
}

/// A point-in-time copy of one database's entries (`Database.snapshot()`): what an AOF rewrite or RDB save
/// serializes. Reading it never touches the live database, so it may be read on any thread.
public struct DatabaseSnapshot: @unchecked Sendable {
    /// The database number when the copy was taken.
    public let id: Int
    /// Keys in the copy, logically expired ones included.
    public let keyCount: Int
    /// Keys with a TTL in the copy (RDB's `RESIZEDB`).
    public let expiresCount: Int
    let storage: SlotStorage

    /// Calls `body` with every entry of the copy, in slot order.
    public func forEach(_ body: (Database.Entry) throws -> Void) rethrows {
        try storage.forEach(body)
    }
}
