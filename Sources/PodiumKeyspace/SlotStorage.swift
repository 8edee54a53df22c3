/// A database's entries, by slot number, in fixed-size chunks of copy-on-write arrays.
///
/// ## Why chunks
/// - **Point-in-time views.** An AOF rewrite (and, later, an RDB save) copies a database's storage under the
///   command lock and serializes the copy on another thread. Copying a `SlotStorage` copies only the array of chunk
///   references (a few thousand for millions of keys); afterwards a write to a chunk that the copy still shares
///   copies that chunk alone (1,024 entries, about 80 KB), never the whole table, so no client waits behind an
///   O(N) copy. Without a live copy every chunk is uniquely referenced and writes happen in place.
/// - **No growth stalls.** Growing appends a chunk; entries already stored are never moved. A single array of a
///   million entries is copied in one step each time it doubles (tens of milliseconds under the lock).
///
/// Slot numbers are stable: an entry stays in its slot until removed (SCAN's cursor and the volatile list rely
/// on it). The last chunk is the only one that may be partly filled.
@usableFromInline
struct SlotStorage {
    @usableFromInline typealias Entry = Database.Entry

    @usableFromInline static let chunkShift = 10
    static let chunkSize = 1 << chunkShift
    @usableFromInline static let chunkMask = chunkSize - 1

    @usableFromInline private(set) var chunks: ContiguousArray<ContiguousArray<Entry?>> = []
    /// Slots in use or freed (holes) so far: the next appended entry gets this slot number.
    @usableFromInline private(set) var count = 0

    @usableFromInline init() {}

    @inlinable
    subscript(slot: Int) -> Entry? {
        _read { yield chunks[slot &>> Self.chunkShift][slot & Self.chunkMask] }
        _modify { yield &chunks[slot &>> Self.chunkShift][slot & Self.chunkMask] }
    }

    /// Stores `entry` in a new slot at the end and returns its number.
    mutating func append(_ entry: Entry) -> Int {
        let slot = count
        if slot &>> Self.chunkShift == chunks.count {
            var chunk = ContiguousArray<Entry?>()
            chunk.reserveCapacity(Self.chunkSize)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(entry)
        count += 1
        return slot
    }

    /// Forgets every slot. Keeps the first chunk's memory when `keepingCapacity`.
    mutating func removeAll(keepingCapacity: Bool) {
        if keepingCapacity, chunks.count == 1 {
            // A small database that empties and fills again (one key set and deleted in a loop) keeps its chunk.
            chunks[0].removeAll(keepingCapacity: true)
        } else {
            chunks = []
        }
        count = 0
    }

    /// Calls `body` with every occupied slot's entry, in slot order.
    func forEach(_ body: (Entry) throws -> Void) rethrows {
        for chunk in chunks {
            for case let entry? in chunk { try body(entry) }
        }
    }
}
