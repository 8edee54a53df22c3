#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A score interval with Valkey's `(` exclusive bounds.
public struct ScoreRange: Sendable {
    public var min: Double
    public var max: Double
    public var minExclusive: Bool
    public var maxExclusive: Bool
    public init(min: Double, max: Double, minExclusive: Bool = false, maxExclusive: Bool = false) {
        self.min = min
        self.max = max
        self.minExclusive = minExclusive
        self.maxExclusive = maxExclusive
    }
    /// True if `v` is not below the lower bound.
    @inline(__always) public func aboveMin(_ v: Double) -> Bool { minExclusive ? v > min : v >= min }
    /// True if `v` is not above the upper bound.
    @inline(__always) public func belowMax(_ v: Double) -> Bool { maxExclusive ? v < max : v <= max }
    /// True if no score can be inside.
    public var isEmpty: Bool { min > max || (min == max && (minExclusive || maxExclusive)) }
}

/// A lexicographic interval: `-`/`+` (unbounded) or `[x` / `(x`.
public struct LexRange: Sendable {
    public enum Bound: Sendable {
        case negativeInfinity, positiveInfinity
        case inclusive(Bytes)
        case exclusive(Bytes)
    }
    public var min: Bound
    public var max: Bound
    public init(min: Bound, max: Bound) {
        self.min = min
        self.max = max
    }

    /// Valkey's `zslLexValueGteMin`: `m` is not below the lower bound.
    public func aboveMin(_ m: UnsafeRawBufferPointer) -> Bool {
        switch min {
        case .negativeInfinity: return true
        case .positiveInfinity: return false
        case .inclusive(let b): return b.withUnsafeBytes { MemberRecords.compare(m, $0) >= 0 }
        case .exclusive(let b): return b.withUnsafeBytes { MemberRecords.compare(m, $0) > 0 }
        }
    }

    /// Valkey's `zslLexValueLteMax`: `m` is not above the upper bound.
    public func belowMax(_ m: UnsafeRawBufferPointer) -> Bool {
        switch max {
        case .negativeInfinity: return false
        case .positiveInfinity: return true
        case .inclusive(let b): return b.withUnsafeBytes { MemberRecords.compare(m, $0) <= 0 }
        case .exclusive(let b): return b.withUnsafeBytes { MemberRecords.compare(m, $0) < 0 }
        }
    }

    public func aboveMin(_ m: Bytes) -> Bool { m.withUnsafeBytes { aboveMin($0) } }
    public func belowMax(_ m: Bytes) -> Bool { m.withUnsafeBytes { belowMax($0) } }

    /// Valkey's emptiness test (`zslIsInLexRange`'s first step): nothing can be inside.
    public var isEmpty: Bool {
        switch (min, max) {
        case (.positiveInfinity, _), (_, .negativeInfinity): return true
        case (.negativeInfinity, _), (_, .positiveInfinity): return false
        case (.inclusive(let a), .inclusive(let b)): return Bytes.compare(a, b) > 0
        case (.inclusive(let a), .exclusive(let b)), (.exclusive(let a), .inclusive(let b)),
            (.exclusive(let a), .exclusive(let b)):
            return Bytes.compare(a, b) >= 0
        }
    }
}

/// Ranks selected by a range request after its LIMIT: `offset` elements skipped and at most `limit` taken
/// (negative: all), from the start of `ranks` or, in reverse, from its end.
public func limitRanks(_ ranks: Range<Int>, reverse: Bool, offset: Int, limit: Int) -> Range<Int> {
    guard offset >= 0, offset < ranks.count, limit != 0 else { return ranks.lowerBound..<ranks.lowerBound }
    let available = ranks.count - offset
    let n = limit < 0 ? available : Swift.min(limit, available)
    if reverse {
        let end = ranks.upperBound - offset
        return (end - n)..<end
    }
    let start = ranks.lowerBound + offset
    return start..<(start + n)
}
