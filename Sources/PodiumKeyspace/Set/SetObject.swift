import PodiumNumbers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `set-max-intset-entries`, `set-max-listpack-entries` and `set-max-listpack-value`.
public struct SetLimits: Sendable {
    public var maxIntsetEntries: Int
    public var maxListpackEntries: Int
    public var maxListpackValue: Int

    public init(maxIntsetEntries: Int = 512, maxListpackEntries: Int = 128, maxListpackValue: Int = 64) {
        self.maxIntsetEntries = maxIntsetEntries
        self.maxListpackEntries = maxListpackEntries
        self.maxListpackValue = maxListpackValue
    }

    /// Valkey caps the intset at 2^30 entries whatever the directive says.
    var intsetEntries: Int { min(maxIntsetEntries, 1 << 30) }
}

/// A set value (`SADD friends:7 12 19`, `SADD achievements:7 first-win`), in Valkey's three encodings:
///
/// - **intset**: only integers, at most `set-max-intset-entries`: a sorted array of 64-bit integers (membership
///   by binary search; SMEMBERS in ascending order, as Valkey's intset).
/// - **listpack**: small sets of short strings, at most `set-max-listpack-entries` members of at most
///   `set-max-listpack-value` bytes: packed entries (`Listpack`) in insertion order, scanned linearly.
/// - **hashtable**: everything else: `MemberTable`, segments of packed members.
///
/// Conversions follow Valkey's `setTypeAdd`, `setTypeCreate` and `setTypeMaybeConvert` exactly (a set grows
/// from intset to listpack or hashtable, from listpack to hashtable, never back, except where a command builds
/// a new set: SPOP with a large count, the *STORE commands), so `OBJECT ENCODING` answers as Valkey 8 does.
///
/// A value: every representation is a struct of copy-on-write arrays; a copy is a point-in-time view, and a
/// change after a copy copies at most one segment of a large set.
public struct SetObject {
    enum Storage {
        case intset([Int])
        case listpack([UInt8], count: Int)
        case table(MemberTable)
    }

    var storage: Storage

    /// An empty set in the encoding Valkey's `setTypeCreate` picks for a first member `first` and about
    /// `sizeHint` members.
    public init(first: UnsafeRawBufferPointer, sizeHint: Int, limits: SetLimits) {
        if first.count <= 20, StrictInteger.parse(first) != nil, sizeHint <= limits.intsetEntries {
            storage = .intset([])
        } else if sizeHint <= limits.maxListpackEntries {
            storage = .listpack([], count: 0)
        } else {
            storage = .table(MemberTable())
        }
    }

    /// An empty set of the given encoding ("intset", "listpack" or "hashtable").
    public init(encoding: String) {
        switch encoding {
        case "intset": storage = .intset([])
        case "listpack": storage = .listpack([], count: 0)
        default: storage = .table(MemberTable())
        }
    }

    public var count: Int {
        switch storage {
        case .intset(let a): return a.count
        case .listpack(_, let n): return n
        case .table(let t): return t.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// `OBJECT ENCODING`.
    public var encodingName: String {
        switch storage {
        case .intset: return "intset"
        case .listpack: return "listpack"
        case .table: return "hashtable"
        }
    }

    // MARK: - Conversions

    /// Valkey's `setTypeMaybeConvert`: before adding about `sizeHint` members, a small encoding that could not
    /// hold them becomes a hashtable.
    public mutating func prepareToGrow(sizeHint: Int, limits: SetLimits) {
        switch storage {
        case .intset where sizeHint > limits.intsetEntries: convertToTable()
        case .listpack where sizeHint > limits.maxListpackEntries: convertToTable()
        default: break
        }
    }

    mutating func convertToTable() {
        var table = MemberTable()
        forEach { _ = table.insert($0) }
        storage = .table(table)
    }

    mutating func convertToListpack() {
        var packed: [UInt8] = []
        var n = 0
        forEach { m in
            SetObject.append(m, to: &packed)
            n += 1
        }
        storage = .listpack(packed, count: n)
    }

    /// Valkey's `maybeConvertToIntset` (the *STORE commands): a set of integers small enough becomes an intset.
    public mutating func convertToIntsetIfPossible(limits: SetLimits) {
        if case .intset = storage { return }
        guard count <= limits.intsetEntries else { return }
        var values: [Int] = []
        values.reserveCapacity(count)
        var allIntegers = true
        forEach { m in
            if allIntegers, m.count <= 20, let v = StrictInteger.parse(m) {
                values.append(v)
            } else {
                allIntegers = false
            }
        }
        guard allIntegers else { return }
        values.sort()
        storage = .intset(values)
    }

    static func append(_ raw: UnsafeRawBufferPointer, to packed: inout [UInt8]) {
        let e = Listpack.classify(raw)
        let size = Listpack.entrySize(e)
        let old = packed.count
        packed.append(contentsOf: repeatElement(0, count: size))
        packed.withUnsafeMutableBytes { _ = Listpack.write(e, at: $0.baseAddress! + old) }
    }

    /// The encoding, without its payload.
    enum Kind { case intset, listpack, table }
    var kind: Kind {
        if case .intset = storage { return .intset }
        if case .listpack = storage { return .listpack }
        return .table
    }

    /// Changes the storage in place (its arrays stay uniquely referenced).
    @inline(__always)
    mutating func withStorage<R>(_ body: (inout Storage) -> R) -> R {
        var s = storage
        storage = .intset([])
        defer { storage = s }
        return body(&s)
    }

    // MARK: - Membership

    /// SISMEMBER.
    public func contains(_ raw: UnsafeRawBufferPointer) -> Bool {
        switch storage {
        case .intset(let a):
            guard raw.count <= 20, let v = StrictInteger.parse(raw) else { return false }
            return SetObject.search(a, v).found
        case .listpack(let packed, _):
            return SetObject.locate(packed, Listpack.Probe(raw)) != nil
        case .table(let t):
            return t.contains(raw)
        }
    }

    /// Binary search: the position of `v` or where it would go.
    static func search(_ a: [Int], _ v: Int) -> (found: Bool, index: Int) {
        var lo = 0
        var hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return (lo < a.count && a[lo] == v, lo)
    }

    /// The byte range of the entry equal to `probe` in a packed set.
    static func locate(_ packed: [UInt8], _ probe: Listpack.Probe) -> Range<Int>? {
        packed.withUnsafeBytes { b in
            var i = 0
            while i < b.count {
                let next = Listpack.next(b, i)
                if Listpack.equals(b, i, probe) { return i..<next }
                i = next
            }
            return nil
        }
    }

    // MARK: - Changes

    /// SADD of one member (Valkey's `setTypeAddAux`). Returns true if it was new.
    ///
    /// (No payload is bound across a change: a second reference would make the array copy itself.)
    @discardableResult
    public mutating func add(_ raw: UnsafeRawBufferPointer, limits: SetLimits) -> Bool {
        // On the encoding's kind, not `storage` itself: a switch could keep its subject (the payload) alive.
        switch kind {
        case .intset:
            if raw.count <= 20, let v = StrictInteger.parse(raw) {
                let added = withStorage { s -> Bool in
                    guard case .intset(var values) = s else { return false }
                    s = .intset([])
                    defer { s = .intset(values) }
                    let (found, index) = SetObject.search(values, v)
                    if found { return false }
                    values.insert(v, at: index)
                    return true
                }
                if added, count > limits.intsetEntries { convertToTable() }
                return added
            }
            // A string joins an intset: a listpack if every member (as text) and the string fit, else a hashtable.
            let (n, longest) = intsetShape
            if n < limits.maxListpackEntries, raw.count <= limits.maxListpackValue, longest <= limits.maxListpackValue {
                convertToListpack()
            } else {
                convertToTable()
            }
            return add(raw, limits: limits)
        case .listpack:
            let probe = Listpack.Probe(raw)
            let outcome = withStorage { s -> Bool? in
                guard case .listpack(var bytes, let n) = s else { return false }
                if SetObject.locate(bytes, probe) != nil { return false }
                guard n < limits.maxListpackEntries, raw.count <= limits.maxListpackValue else { return nil }
                s = .intset([])
                SetObject.append(raw, to: &bytes)
                s = .listpack(bytes, count: n + 1)
                return true
            }
            if let outcome { return outcome }
            convertToTable()
            return add(raw, limits: limits)
        case .table:
            return withStorage { s in
                guard case .table(var t) = s else { return false }
                s = .intset([])
                defer { s = .table(t) }
                return t.insert(raw)
            }
        }
    }

    /// An intset's size and the length of its longest member as text (its minimum or maximum).
    var intsetShape: (Int, Int) {
        guard case .intset(let a) = storage, let first = a.first, let last = a.last else { return (0, 0) }
        let longest = max(StrictInteger.withDecimal(first) { $0.count }, StrictInteger.withDecimal(last) { $0.count })
        return (a.count, longest)
    }

    /// SREM of one member. Returns whether it was there.
    @discardableResult
    public mutating func remove(_ raw: UnsafeRawBufferPointer) -> Bool {
        // `if case` statements, not a `switch s`: a switch keeps its subject alive for its whole body, so the bound
        // payload had a second reference and each removal copied it (a hashtable's directory and a segment).
        withStorage { s in
            if case .intset(var a) = s {
                guard raw.count <= 20, let v = StrictInteger.parse(raw) else { return false }
                let (found, index) = SetObject.search(a, v)
                guard found else { return false }
                s = .intset([])
                a.remove(at: index)
                s = .intset(a)
                return true
            }
            if case .listpack(var packed, let n) = s {
                guard let range = SetObject.locate(packed, Listpack.Probe(raw)) else { return false }
                s = .intset([])
                packed.removeSubrange(range)
                s = .listpack(packed, count: n - 1)
                return true
            }
            guard case .table(var t) = s else { return false }
            s = .intset([])
            defer { s = .table(t) }
            return t.remove(raw)
        }
    }

    // MARK: - Reading

    /// Every member, in the encoding's order (intset ascending, listpack insertion order, hashtable by segment).
    public func forEach(_ body: (UnsafeRawBufferPointer) -> Void) {
        switch storage {
        case .intset(let a):
            for v in a { StrictInteger.withDecimal(v, body) }
        case .listpack(let packed, _):
            packed.withUnsafeBytes { b in
                var i = 0
                while i < b.count {
                    Listpack.withElement(b, i, body)
                    i = Listpack.next(b, i)
                }
            }
        case .table(let t):
            t.forEach(body)
        }
    }

    /// The members as `Bytes`.
    public var members: [Bytes] {
        var out: [Bytes] = []
        out.reserveCapacity(count)
        forEach { out.append(Bytes(raw: $0)) }
        return out
    }

    /// A uniformly random member of a non-empty set, given to `body`.
    ///
    /// The public entry points take the keyspace's generator type itself, not any `RandomNumberGenerator`: a
    /// generic one is not specialized across the module boundary, and SPOP then spent a fifth of its time in
    /// generic metadata lookups and unspecialized `Int.random(in:using:)`.
    public func randomMember(using rng: inout SplitMix64, _ body: (UnsafeRawBufferPointer) -> Void) {
        pickRandom(using: &rng, body)
    }

    /// A uniformly random member of a non-empty set.
    public func randomMember(using rng: inout SplitMix64) -> Bytes {
        pickRandom(using: &rng) { Bytes(raw: $0) }
    }

    func pickRandom<R>(using rng: inout SplitMix64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch storage {
        case .intset(let a):
            return StrictInteger.withDecimal(a[Int.random(in: 0..<a.count, using: &rng)], body)
        case .listpack(let packed, let n):
            let target = Int.random(in: 0..<n, using: &rng)
            return packed.withUnsafeBytes { b in
                var i = 0
                for _ in 0..<target { i = Listpack.next(b, i) }
                return Listpack.withElement(b, i, body)
            }
        case .table(let t):
            return t.randomMember(using: &rng, body)
        }
    }

    /// Removes and returns a random member of a non-empty set (SPOP).
    public mutating func popRandom(using rng: inout SplitMix64) -> Bytes {
        if case .table = storage {
            return withStorage { s in
                guard case .table(var t) = s else { return Bytes([]) }
                s = .intset([])
                defer { s = .table(t) }
                return t.popRandom(using: &rng)
            }
        }
        let member = randomMember(using: &rng)
        member.withUnsafeBytes { _ = remove($0) }
        return member
    }

    /// SSCAN: members from `cursor` on, about `count` of them; the next cursor (0 at the end). Small encodings
    /// are returned whole, as Valkey does.
    public func scan(cursor: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> UInt64 {
        if case .table(let t) = storage { return t.scan(cursor: cursor, count: count, body) }
        forEach(body)
        return 0
    }

    /// Approximate heap memory in bytes (MEMORY USAGE).
    public var approximateSize: Int {
        switch storage {
        case .intset(let a): return a.capacity == 0 ? 0 : 32 + a.capacity * 8
        case .listpack(let p, _): return p.capacity == 0 ? 0 : (32 + p.capacity + 15) & ~15
        case .table(let t): return t.approximateSize
        }
    }
}
