/// `maxmemory-policy`: which keys go when the server is over `maxmemory`.
public enum EvictionPolicy: String, Sendable, CaseIterable {
    case noEviction = "noeviction"
    case allKeysLRU = "allkeys-lru"
    case volatileLRU = "volatile-lru"
    case allKeysLFU = "allkeys-lfu"
    case volatileLFU = "volatile-lfu"
    case allKeysRandom = "allkeys-random"
    case volatileRandom = "volatile-random"
    case volatileTTL = "volatile-ttl"

    /// True for the policies that only evict keys with a TTL.
    public var volatileOnly: Bool {
        switch self {
        case .volatileLRU, .volatileLFU, .volatileRandom, .volatileTTL: return true
        case .noEviction, .allKeysLRU, .allKeysLFU, .allKeysRandom: return false
        }
    }
}

extension Database {
    /// A random occupied slot: of all keys, or (`volatileOnly`) of the keys with a TTL; nil when there is none.
    /// Expired keys are candidates too, as in Valkey (evicting one frees its memory all the same).
    func randomSlot<G: RandomNumberGenerator>(volatileOnly: Bool, using rng: inout G) -> Int? {
        if volatileOnly {
            guard !volatileSlots.isEmpty else { return nil }
            return volatileSlots[Int.random(in: 0..<volatileSlots.count, using: &rng)]
        }
        guard index.count > 0 else { return nil }
        // The slot array is dense enough for sampling (freed slots are reused first); after 100 misses walk on
        // from a random point so a sparse array still answers.
        for _ in 0..<100 {
            let s = Int.random(in: 0..<slots.count, using: &rng)
            if slots[s] != nil { return s }
        }
        let start = Int.random(in: 0..<slots.count, using: &rng)
        for offset in 0..<slots.count where slots[(start + offset) % slots.count] != nil {
            return (start + offset) % slots.count
        }
        return nil
    }
}

extension Keyspace {
    /// Chooses one key to evict under `policy` and removes it (WATCH is signalled); returns its database and name,
    /// or nil when the policy finds nothing to evict (`noeviction`, or a `volatile-*` policy and no key has a TTL).
    ///
    /// Valkey's approximations (evict.c), simplified:
    /// - `*-random`: a random key of the next non-empty database, taking the databases in turn.
    /// - `*-lru`: `samples` random keys from every non-empty database; the one idle longest goes (idle time at one
    ///   second resolution, Valkey's LRU clock resolution too).
    /// - `*-lfu`: Podium keeps no access frequencies (`OBJECT FREQ` answers as Valkey does without an LFU policy),
    ///   so the LFU policies evict like the LRU ones. Documented in docs/architecture.md.
    /// - `volatile-ttl`: `samples` random keys with a TTL from every non-empty database; the soonest to expire goes.
    /// Valkey also keeps a pool of good candidates between calls; Podium samples afresh each time.
    public func evictOne(policy: EvictionPolicy, samples: Int) -> (db: Int, key: Bytes)? {
        if policy == .noEviction { return nil }
        let volatileOnly = policy.volatileOnly
        var rng = sampler
        defer { sampler = rng }
        switch policy {
        case .allKeysRandom, .volatileRandom:
            for step in 0..<databases.count {
                let db = databases[(nextEvictionDatabase + step) % databases.count]
                guard let slot = db.randomSlot(volatileOnly: volatileOnly, using: &rng) else { continue }
                nextEvictionDatabase = (db.id + 1) % databases.count
                let key = db.entry(slot).key
                db.remove(slot: slot)
                return (db.id, key)
            }
            return nil
        default:
            var best: (db: Database, slot: Int, rank: Int64)?
            for db in databases {
                for _ in 0..<max(1, samples) {
                    guard let slot = db.randomSlot(volatileOnly: volatileOnly, using: &rng) else { break }
                    let entry = db.entry(slot)
                    // Lower goes first: the last access for LRU/LFU, the expiry time for volatile-ttl.
                    let rank = policy == .volatileTTL ? entry.expireAt : Int64(entry.lastAccess)
                    if best == nil || rank < best!.rank { best = (db, slot, rank) }
                }
            }
            guard let best else { return nil }
            let key = best.db.entry(best.slot).key
            best.db.remove(slot: best.slot)
            return (best.db.id, key)
        }
    }
}
