#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One member of a large sorted set: its score and its bytes, 32 bytes in all.
///
/// `w0…w2` hold a member of up to 23 bytes in place (bytes 0…22, the length in byte 23). A longer member lives
/// in its own `malloc` block, owned by the record: `w0` is the pointer, `w1` the length, byte 23 is
/// `Record.long`. A free slot has byte 23 `Record.free` and the next free slot (or -1) in `w0`.
struct Record {
    var score: Double
    var w0: UInt64
    var w1: UInt64
    var w2: UInt64

    static let maxInline = 23
    static let long: UInt8 = 0xFF
    static let free: UInt8 = 0xFE

    @inline(__always) var tag: UInt8 { UInt8(truncatingIfNeeded: w2 &>> 56) }
}

/// The member records of a large sorted set, addressed by stable slot numbers.
///
/// Both halves of the structure refer to a member by its slot: the B+tree's entries hold (score, slot) and the
/// member index holds slot numbers. The member bytes are therefore stored once, here, and a slot never moves
/// while its member is in the set. A removed member's slot goes on a free list threaded through the free
/// records and is reused by the next insertion, so slots stay below the largest size the set has had.
///
/// Records live in chunks of `chunkSize` (a `ChunkTable`), so that a point-in-time copy of the set costs the
/// first write to a chunk one 32 KB chunk copy. The first chunk starts small and grows up to `chunkSize`, so a
/// small tree (a set converted early because of one long member) does not pay for 1,024 records.
struct MemberRecords {
    static let chunkShift = 10
    static let chunkSize = 1 << chunkShift

    private(set) var chunks = ChunkTable<RecordChunk>()
    /// Slots handed out so far (live or free): every slot below is an initialised record.
    private(set) var highWater = 0
    private var freeHead: Int64 = -1
    /// Bytes of out-of-line member blocks (MEMORY USAGE).
    private(set) var longBytes = 0

    var copies: Int { chunks.copies }

    /// Record chunks allocated, in records (MEMORY USAGE).
    var capacity: Int {
        chunks.count == 0
            ? 0 : (chunks.count - 1) * Self.chunkSize + chunks.chunk(0)._withUnsafeGuaranteedRef { $0.header.capacity }
    }

    // MARK: - Reading

    @inline(__always)
    private func record(_ slot: Int) -> UnsafeMutablePointer<Record> {
        chunks.chunk(slot &>> Self.chunkShift)._withUnsafeGuaranteedRef {
            $0.records + (slot & (Self.chunkSize - 1))
        }
    }

    @inline(__always)
    func score(_ slot: Int) -> Double { record(slot).pointee.score }

    /// The member bytes of a live slot: in its record's chunk, or in its own block. Valid until the records
    /// change (a write may copy the chunk or free the block). Hot loops call this rather than `withMember`: a
    /// closure that may run arbitrary code makes the compiler retain the chunk table around each call.
    @inline(__always)
    func member(_ slot: Int) -> UnsafeRawBufferPointer {
        let r = record(slot)
        let tag = r.pointee.tag
        if tag <= Record.maxInline { return UnsafeRawBufferPointer(start: UnsafeRawPointer(r) + 8, count: Int(tag)) }
        return UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(r.pointee.w0)), count: Int(r.pointee.w1))
    }

    /// Calls `body` with the member bytes of a live slot (valid during the call).
    @inline(__always)
    func withMember<R>(_ slot: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try MemberRecords.withMember(record(slot), body)
    }

    @inline(__always)
    static func withMember<R>(
        _ r: UnsafeMutablePointer<Record>, _ body: (UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        let tag = r.pointee.tag
        if tag <= Record.maxInline {
            return try body(UnsafeRawBufferPointer(start: UnsafeRawPointer(r) + 8, count: Int(tag)))
        }
        return try body(
            UnsafeRawBufferPointer(
                start: UnsafeRawPointer(bitPattern: UInt(r.pointee.w0)),
                count: Int(r.pointee.w1)))
    }

    /// `memcmp` order of the member in `slot` against `other`.
    @inline(__always)
    func compareMember(_ slot: Int, _ other: UnsafeRawBufferPointer) -> Int {
        Self.compare(member(slot), other)
    }

    @inline(__always)
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let common = Swift.min(a.count, b.count)
        if common > 0 {
            let r = memcmp(a.baseAddress.unsafelyUnwrapped, b.baseAddress.unsafelyUnwrapped, common)
            if r != 0 { return Int(r) }
        }
        return a.count - b.count
    }

    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count
            && (a.count == 0 || memcmp(a.baseAddress.unsafelyUnwrapped, b.baseAddress.unsafelyUnwrapped, a.count) == 0)
    }

    /// True if `slot` holds a member (not a free slot).
    func isLive(_ slot: Int) -> Bool { record(slot).pointee.tag != Record.free }

    // MARK: - Writing

    /// Stores a new member and returns its slot.
    mutating func allocate(_ member: UnsafeRawBufferPointer, score: Double) -> Int {
        let slot: Int
        if freeHead >= 0 {
            slot = Int(freeHead)
            let r = uniqueRecord(slot)
            freeHead = Int64(bitPattern: r.pointee.w0)
            write(member, score: score, into: r)
        } else {
            slot = highWater
            let c = slot &>> Self.chunkShift
            if c == chunks.count {
                chunks.append(RecordChunk.make(capacity: c == 0 ? 16 : Self.chunkSize))
            } else if slot & (Self.chunkSize - 1) == chunks.chunk(c)._withUnsafeGuaranteedRef({ $0.header.capacity }) {
                // Only the first chunk grows: double it, moving the records out of our own copy of it (a chunk a
                // snapshot shares must keep its records and blocks).
                let grown = chunks.uniqueChunk(c)._withUnsafeGuaranteedRef {
                    $0.grown(to: Swift.min(Self.chunkSize, $0.header.capacity * 2))
                }
                chunks.replace(c, with: grown)
            }
            let chunk = chunks.uniqueChunk(c)
            let r = chunk._withUnsafeGuaranteedRef { $0.records + (slot & (Self.chunkSize - 1)) }
            write(member, score: score, into: r)
            chunk._withUnsafeGuaranteedRef { $0.header.initialized += 1 }
            highWater += 1
        }
        return slot
    }

    private mutating func write(_ member: UnsafeRawBufferPointer, score: Double, into r: UnsafeMutablePointer<Record>) {
        r.pointee.score = score
        if member.count <= Record.maxInline {
            var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &words) { dst in
                if member.count > 0 { dst.baseAddress!.copyMemory(from: member.baseAddress!, byteCount: member.count) }
                dst[23] = UInt8(member.count)
            }
            (r.pointee.w0, r.pointee.w1, r.pointee.w2) = words
        } else {
            // Invariant: malloc of a positive size only fails when the process is out of memory.
            let block = malloc(member.count)!
            block.copyMemory(from: member.baseAddress!, byteCount: member.count)
            r.pointee.w0 = UInt64(UInt(bitPattern: block))
            r.pointee.w1 = UInt64(member.count)
            r.pointee.w2 = UInt64(Record.long) << 56
            longBytes += member.count
        }
    }

    @inline(__always)
    private mutating func uniqueRecord(_ slot: Int) -> UnsafeMutablePointer<Record> {
        chunks.uniqueChunk(slot &>> Self.chunkShift)._withUnsafeGuaranteedRef {
            $0.records + (slot & (Self.chunkSize - 1))
        }
    }

    /// Changes the score of a live slot.
    @inline(__always)
    mutating func setScore(_ slot: Int, _ score: Double) { uniqueRecord(slot).pointee.score = score }

    /// Frees a live slot (its member leaves the set).
    mutating func free(_ slot: Int) {
        let r = uniqueRecord(slot)
        if r.pointee.tag == Record.long {
            longBytes -= Int(r.pointee.w1)
            releaseBlock(UnsafeMutableRawPointer(bitPattern: UInt(r.pointee.w0)))
        }
        r.pointee.w0 = UInt64(bitPattern: freeHead)
        r.pointee.w1 = 0
        r.pointee.w2 = UInt64(Record.free) << 56
        freeHead = Int64(slot)
    }
}

/// The C `free`, which `MemberRecords.free(_:)` shadows inside that type.
@inline(__always) private func releaseBlock(_ p: UnsafeMutableRawPointer?) { free(p) }

/// A chunk of records. Every record below `header.initialized` is initialised (live or free); a chunk owns the
/// out-of-line member blocks of its live records and frees them when it goes away.
final class RecordChunk: ManagedBuffer<RecordChunk.Header, Record>, CopyableChunk {
    struct Header {
        var capacity: Int
        var initialized: Int
    }

    static func make(capacity: Int) -> RecordChunk {
        let buffer = RecordChunk.create(minimumCapacity: capacity) { _ in Header(capacity: capacity, initialized: 0) }
        // Invariant: `create` called on a subclass returns an instance of that subclass.
        return unsafeDowncast(buffer, to: RecordChunk.self)
    }

    @inline(__always) var records: UnsafeMutablePointer<Record> { withUnsafeMutablePointerToElements { $0 } }

    /// A larger chunk holding these records; `self` gives up its out-of-line blocks to it.
    func grown(to capacity: Int) -> RecordChunk {
        let other = RecordChunk.make(capacity: capacity)
        other.records.initialize(from: records, count: header.initialized)
        other.header.initialized = header.initialized
        header.initialized = 0
        return other
    }

    /// A copy with copies of the out-of-line member blocks.
    func clone() -> Self {
        let other = RecordChunk.make(capacity: header.capacity)
        let n = header.initialized
        let src = records
        let dst = other.records
        dst.initialize(from: src, count: n)
        for i in 0..<n where dst[i].tag == Record.long {
            let length = Int(dst[i].w1)
            // Invariant: malloc of a positive size only fails when the process is out of memory.
            let block = malloc(length)!
            block.copyMemory(from: UnsafeRawPointer(bitPattern: UInt(src[i].w0))!, byteCount: length)
            dst[i].w0 = UInt64(UInt(bitPattern: block))
        }
        other.header.initialized = n
        // Invariant: `make` returns a RecordChunk, which is `Self` (the class is final).
        return unsafeDowncast(other, to: Self.self)
    }

    deinit {
        let r = records
        for i in 0..<header.initialized where r[i].tag == Record.long {
            free(UnsafeMutableRawPointer(bitPattern: UInt(r[i].w0)))
        }
    }
}
