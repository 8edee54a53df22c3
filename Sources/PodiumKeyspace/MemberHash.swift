/// The 64-bit hash of a set's or a sorted set's member (SipHash, seeded per process), one function for both
/// tables; each takes the bits it needs (see `MemberIndex`, sorted sets, and `MemberTable`, sets).
enum MemberHash {
    @inline(__always)
    static func of(_ member: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: member)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}
