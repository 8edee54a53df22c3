/// A chunk of a large sorted set's flat storage (member records, index buckets) that can be copied on its own.
protocol CopyableChunk: AnyObject {
    /// A copy that shares nothing mutable with `self`.
    func clone() -> Self
}

/// The flat storage of a large sorted set, cut into fixed-size chunks so that a point-in-time copy costs a write
/// one chunk, not the whole array.
///
/// ## Why two levels
/// A copy of the sorted set (an AOF rewrite's snapshot, `COPY`) shares everything. The first write after it
/// finds its chunk shared and copies that chunk alone (`uniqueChunk`); the rest stay shared. With one flat array
/// of chunk references the write would also copy that array: one reference per chunk, O(N / chunk size), for
/// every snapshot. Here chunks sit in groups of up to `groupSize` (512) references, each group its own
/// copy-on-write object, and the groups in a small top array (one entry per 512 chunks: 2 entries for a
/// million members). A write after a snapshot copies the top array, one group of 512 references and one chunk:
/// a bounded amount whatever the size of the set.
///
/// ## Reads without reference counting
/// Every member read and every index probe goes through `chunk(_:)`, so it must not retain anything: reading
/// an array element, or calling `withUnsafeBufferPointer` on an array stored in a struct inside a class,
/// retains the array's buffer for the duration (perf: a retain and a release per element of a ZRANGE). So the
/// table keeps the address of its top array's elements (`groupBase`), refreshed after every change of that
/// array, and each group the address of its own (`ChunkGroup.base`, stable: its array is reserved at its full
/// size and only ever changed in place). An address stays valid while its array's buffer is alive and
/// unchanged, which the table guarantees: it holds the buffer, and every change refreshes the address. A copy of
/// the table shares the buffer and the address until it changes its own array, which then gets a new buffer and
/// a new address. `chunk(_:)` returns an unretained reference, valid while the table is not mutated.
struct ChunkTable<Chunk: CopyableChunk> {
    static var groupShift: Int { 9 }
    static var groupSize: Int { 1 << groupShift }

    private var groups: ContiguousArray<ChunkGroup<Chunk>> = []
    /// The address of `groups`' elements (see the type's documentation).
    private var groupBase: UnsafeRawPointer?
    /// The number of chunks.
    private(set) var count = 0
    /// Groups and chunks copied because they were shared (the copy-on-write test hook).
    private(set) var copies = 0

    init() {}

    private mutating func refreshBase() {
        groupBase = groups.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @inline(__always)
    private func group(_ g: Int) -> Unmanaged<ChunkGroup<Chunk>> {
        groupBase.unsafelyUnwrapped.load(fromByteOffset: g &* 8, as: Unmanaged<ChunkGroup<Chunk>>.self)
    }

    /// The chunk at `i`, unretained (see the type's documentation).
    @inline(__always)
    func chunk(_ i: Int) -> Unmanaged<Chunk> {
        group(i &>> Self.groupShift)._withUnsafeGuaranteedRef { $0.chunk(i & (Self.groupSize - 1)) }
    }

    /// Group `g`, first copied if a copy of this table shares it.
    @inline(__always)
    private mutating func uniqueGroup(_ g: Int) -> Unmanaged<ChunkGroup<Chunk>> {
        // The inout access copies the top array first if a copy of the table shares it (once per snapshot).
        if !isKnownUniquelyReferenced(&groups[g]) {
            groups[g] = groups[g].clone()
            copies += 1
        }
        refreshBase()
        return group(g)
    }

    /// The chunk at `i`, first copied (with its group) if a copy of this table shares it.
    @inline(__always)
    mutating func uniqueChunk(_ i: Int) -> Unmanaged<Chunk> {
        let j = i & (Self.groupSize - 1)
        return uniqueGroup(i &>> Self.groupShift)._withUnsafeGuaranteedRef { group in
            if !group.isUnique(j) {
                group.set(j, group.chunk(j)._withUnsafeGuaranteedRef { $0.clone() })
                copies += 1
            }
            return group.chunk(j)
        }
    }

    /// Replaces chunk `i` (a chunk that grew into a larger allocation).
    mutating func replace(_ i: Int, with chunk: Chunk) {
        uniqueGroup(i &>> Self.groupShift)._withUnsafeGuaranteedRef { $0.set(i & (Self.groupSize - 1), chunk) }
    }

    /// Adds a chunk at the end.
    mutating func append(_ chunk: Chunk) {
        if count & (Self.groupSize - 1) == 0 {
            groups.append(ChunkGroup())
            refreshBase()
        }
        uniqueGroup(groups.count - 1)._withUnsafeGuaranteedRef { $0.append(chunk) }
        count += 1
    }
}

/// Up to `ChunkTable.groupSize` chunk references: the middle level of a `ChunkTable`.
final class ChunkGroup<Chunk: CopyableChunk> {
    /// Reserved at `groupSize` and changed only in place, so its buffer never moves.
    private var chunks: ContiguousArray<Chunk> = []
    /// The address of `chunks`' elements.
    private var base: UnsafeRawPointer

    init() {
        chunks.reserveCapacity(ChunkTable<Chunk>.groupSize)
        base = chunks.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
    }

    private init(copying other: ChunkGroup) {
        chunks.reserveCapacity(ChunkTable<Chunk>.groupSize)
        chunks.append(contentsOf: other.chunks)
        base = chunks.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
    }

    func clone() -> ChunkGroup { ChunkGroup(copying: self) }

    /// The chunk at `j`, unretained: the group holds it.
    @inline(__always)
    func chunk(_ j: Int) -> Unmanaged<Chunk> { base.load(fromByteOffset: j &* 8, as: Unmanaged<Chunk>.self) }

    /// True if nothing but this group refers to chunk `j`.
    @inline(__always)
    func isUnique(_ j: Int) -> Bool { isKnownUniquelyReferenced(&chunks[j]) }

    func set(_ j: Int, _ chunk: Chunk) { chunks[j] = chunk }

    func append(_ chunk: Chunk) {
        precondition(chunks.count < ChunkTable<Chunk>.groupSize, "a chunk group is full")
        chunks.append(chunk)
    }
}
