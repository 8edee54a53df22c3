import CPodiumAlloc
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// `maxmemory`: before each command (outside EXEC and scripts), while the allocator holds more than `maxMemory` bytes, keys are evicted under
/// `evictionPolicy` (Valkey's `performEvictions`, called from `processCommand`). Each evicted key raises the
/// `evicted` keyspace event (class `e`) and counts in INFO `evicted_keys`. Commands flagged `denyoom` (and EXEC
/// of a transaction holding one) are refused with Valkey's OOM error while the server stays over the limit.
extension Dispatcher {
    /// Bytes the C allocator has handed out (INFO `used_memory`); 0 where the allocator cannot tell.
    public static var allocatedBytes: Int { Int(podium_allocated_bytes()) }

    /// Evictions one command may do before it runs. Valkey bounds the time instead (`maxmemory-eviction-tenacity`)
    /// and carries on in a timer; here the next command carries on. Past the bound the command runs (Valkey's
    /// `EVICT_RUNNING`), so a limit that evicting cannot meet does not stall one client for long.
    static let maxEvictionsPerCommand = 1000

    /// Commands run without measuring memory after a measurement found use more than an eighth below the limit.
    /// `mallinfo2` locks every allocator arena and walks its free lists (1.5–3 µs measured on the debug server,
    /// more on a fragmented heap); one command in 16 pays it while there is room, every command near the limit.
    static let memoryChecksSkippedWhenWellBelow = 15

    /// Evicts until under `maxMemory`; false if the server is still over it and nothing more can go.
    func performEvictions(_ ctx: inout CommandContext) -> Bool {
        if memoryChecksToSkip > 0 {
            memoryChecksToSkip -= 1
            return true
        }
        var used = memoryProbe()
        if used <= maxMemory {
            if used < maxMemory - maxMemory / 8 { memoryChecksToSkip = Dispatcher.memoryChecksSkippedWhenWellBelow }
            return true
        }
        var evicted = 0
        while used > maxMemory {
            if evicted == Dispatcher.maxEvictionsPerCommand { break }
            guard let (db, key) = keyspace.evictOne(policy: evictionPolicy, samples: evictionSamples) else {
                if !pendingEvents.isEmpty { flushKeyspaceEvents(publisher: pushOwner(ctx.client), output: &selfPushes) }
                flushPropagation(asOneUnit: false)
                return false
            }
            evicted += 1
            evictedKeys += 1
            if propagator != nil { propagateDeletion(db: db, key: key) }
            if notifyMask & KeyspaceEventFlags.evicted.rawValue != 0 {
                pendingEvents.append(PendingKeyspaceEvent(type: .evicted, event: "evicted", db: db, key: key))
            }
            used = memoryProbe()
        }
        if !pendingEvents.isEmpty { flushKeyspaceEvents(publisher: pushOwner(ctx.client), output: &selfPushes) }
        // Each evicted key is a DEL of its own in the log, ahead of the command (Valkey: no MULTI around them).
        flushPropagation(asOneUnit: false)
        return true
    }

    /// Whether `spec` is refused when out of memory (Valkey's `processCommand`): `denyoom` commands; inside MULTI
    /// every command but EXEC, DISCARD, QUIT and RESET (queueing takes memory too); and EXEC of a transaction that
    /// queued a `denyoom` command.
    func deniedWhenOutOfMemory(_ spec: CommandSpec, _ client: ClientSession) -> Bool {
        if spec.flags.contains(.denyOOM) { return true }
        let flags = spec.rootFlags
        if client.inMulti, !flags.contains(.endsTransaction) { return true }
        guard flags.contains(.runsTransaction), client.inMulti else { return false }
        return client.queued.contains { args in
            guard let first = args.first, let queued = table.lookup(first) else { return false }
            return queued.flags.contains(.denyOOM)
        }
    }
}
