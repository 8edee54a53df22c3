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
/// Reads (`chunk(_:)`) return an unretained reference: reading a member or a bucket does no reference counting.
/// The reference is valid while the table is not mutated.
struct ChunkTable<Chunk: CopyableChunk> {
    static var groupShift: Int { 9 }
    static var groupSize: Int { 1 << groupShift }

    private var groups: ContiguousArray<ChunkGroup<Chunk>> = []
    /// The number of chunks.
    private(set) var count = 0
    /// Groups and chunks copied because they were shared (the copy-on-write test hook).
    private(set) var copies = 0

    init() {}

    /// The chunk at `i`, unretained (see the type's documentation).
    @inline(__always)
    func chunk(_ i: Int) -> Unmanaged<Chunk> {
        let group = groups.withUnsafeBufferPointer {
            UnsafeRawPointer($0.baseAddress.unsafelyUnwrapped + (i &>> Self.groupShift))
                .load(as: Unmanaged<ChunkGroup<Chunk>>.self)
        }
        return group._withUnsafeGuaranteedRef { $0.chunk(i & (Self.groupSize - 1)) }
    }

    /// The chunk at `i`, first copied (with its group) if a copy of this table shares it.
    @inline(__always)
    mutating func uniqueChunk(_ i: Int) -> Unmanaged<Chunk> {
        let g = i &>> Self.groupShift
        if !isKnownUniquelyReferenced(&groups[g]) {
            groups[g] = groups[g].clone()
            copies += 1
        }
        let group = groups.withUnsafeBufferPointer {
            UnsafeRawPointer($0.baseAddress.unsafelyUnwrapped + g).load(as: Unmanaged<ChunkGroup<Chunk>>.self)
        }
        return group._withUnsafeGuaranteedRef { group in
            let j = i & (Self.groupSize - 1)
            if !group.isUnique(j) {
                group.set(j, group.chunk(j)._withUnsafeGuaranteedRef { $0.clone() })
                copies += 1
            }
            return group.chunk(j)
        }
    }

    /// Replaces chunk `i` (a chunk that grew into a larger allocation).
    mutating func replace(_ i: Int, with chunk: Chunk) {
        let g = i &>> Self.groupShift
        if !isKnownUniquelyReferenced(&groups[g]) {
            groups[g] = groups[g].clone()
            copies += 1
        }
        groups[g].set(i & (Self.groupSize - 1), chunk)
    }

    /// Adds a chunk at the end.
    mutating func append(_ chunk: Chunk) {
        if count & (Self.groupSize - 1) == 0 {
            groups.append(ChunkGroup())
        } else if !isKnownUniquelyReferenced(&groups[groups.count - 1]) {
            groups[groups.count - 1] = groups[groups.count - 1].clone()
            copies += 1
        }
        groups[groups.count - 1].append(chunk)
        count += 1
    }
}

/// Up to `ChunkTable.groupSize` chunk references: the middle level of a `ChunkTable`.
final class ChunkGroup<Chunk: CopyableChunk> {
    private var chunks: ContiguousArray<Chunk> = []

    init() { chunks.reserveCapacity(ChunkTable<Chunk>.groupSize) }
    private init(copying other: ChunkGroup) {
        chunks.reserveCapacity(ChunkTable<Chunk>.groupSize)
        chunks.append(contentsOf: other.chunks)
    }

    func clone() -> ChunkGroup { ChunkGroup(copying: self) }

    /// The chunk at `j`, unretained: the group holds it.
    @inline(__always)
    func chunk(_ j: Int) -> Unmanaged<Chunk> {
        chunks.withUnsafeBufferPointer {
            UnsafeRawPointer($0.baseAddress.unsafelyUnwrapped + j).load(as: Unmanaged<Chunk>.self)
        }
    }

    /// True if nothing but this group refers to chunk `j`.
    @inline(__always)
    func isUnique(_ j: Int) -> Bool { isKnownUniquelyReferenced(&chunks[j]) }

    func set(_ j: Int, _ chunk: Chunk) { chunks[j] = chunk }
    func append(_ chunk: Chunk) { chunks.append(chunk) }
}
