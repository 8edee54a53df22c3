import NIOCore
import PodiumCommands
import PodiumConfig
import PodiumKeyspace
import Testing

@testable import PodiumPersistence

#if canImport(Glibc)
import Glibc
#endif

/// A dispatcher over a keyspace with a manual clock, driven by argument vectors.
final class Node {
    let clock = ManualClock()
    let keyspace: Keyspace
    let dispatcher: Dispatcher
    let client = ClientSession(id: 1)

    init() {
        keyspace = Keyspace(databases: 16, clock: clock)
        dispatcher = Dispatcher(keyspace: keyspace)
    }

    @discardableResult
    func run(_ commands: [String]...) -> String {
        var output = ByteBuffer()
        dispatcher.execute(batch: commands.map { $0.map { ByteBuffer(string: $0) } }, client: client, output: &output)
        return String(buffer: output)
    }

    /// Every key of every database: (db, key) → (type, value as text, expireAt).
    func contents() -> [String: String] {
        var out: [String: String] = [:]
        for db in keyspace.databases {
            db.allEntries { entry in
                out["\(db.id):\(entry.key)"] = "\(entry.value.typeName) \(Node.describe(entry.value)) \(entry.expireAt)"
            }
        }
        return out
    }

    static func describe(_ value: Value) -> String {
        switch value {
        case .integer(let n): return "\(n)"
        case .string(let b, _): return b.description
        case .hash(let h): return h.pairs.map { "\($0.field)=\($0.value)" }.sorted().joined(separator: ",")
        case .sortedSet(let z):
            var items: [String] = []
            z.forEach { m, s in items.append("\(Bytes(raw: m))@\(s)") }
            return items.joined(separator: ",")
        case .list(let l): return l.elements.map(\.description).joined(separator: ",")
        case .set(let s): return s.members.map(\.description).sorted().joined(separator: ",")
        }
    }
}

/// A temporary directory, removed by `remove()`.
func temporaryDirectory() -> String {
    var template = Array("/tmp/podium-aof-test-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    return path
}

/// Serializes `snapshots` like a rewrite does and replays the file into a new node.
func rewriteAndReload(_ snapshots: [DatabaseSnapshot], now: Int64) throws -> Node {
    let dir = temporaryDirectory()
    defer { _ = system("rm -rf \(dir)") }
    let path = dir + "/base.aof"
    let fd = try FileIO.create(path)
    _ = try AOFRewrite.write(
        snapshots, now: now, fd: fd, path: path, incrementalFsync: false, timestamp: nil,
        cancelled: { false })
    FileIO.closeFile(fd)
    let node = Node()
    let (commands, _, incomplete) = try parseAll(try FileIO.readAll(path))
    #expect(!incomplete)
    let loader = ClientSession(id: 2)
    loader.replaysLog = true
    var output = ByteBuffer()
    node.dispatcher.execute(batch: commands.map { $0.map { ByteBuffer(string: $0) } }, client: loader, output: &output)
    #expect(!String(buffer: output).contains("-"), "\(String(buffer: output))")
    return node
}

@Suite struct AOFRewriteTests {
    func filled() -> Node {
        let node = Node()
        node.run(
            ["SET", "int", "42"], ["SET", "str", "hello world"], ["SET", "empty", ""],
            ["SET", "ttl", "v", "PX", "5000"], ["HSET", "h", "a", "1", "b", "2"],
            ["ZADD", "z", "1.5", "a", "-inf", "b", "1e300", "c", "0.1", "d"], ["SELECT", "5"], ["SET", "in5", "x"],
            ["SELECT", "0"])
        var big = ["ZADD", "board"]
        for i in 0..<300 { big += ["\(Double(i) * 1.25)", "member:\(i)"] }
        node.run(big)
        var hash = ["HSET", "bighash"]
        for i in 0..<600 { hash += ["f\(i)", String(repeating: "v", count: i % 90)] }
        node.run(hash)
        node.run(["RPUSH", "l", "a", "12", "-3"], ["SADD", "ints", "3", "1", "2"], ["SADD", "strs", "x", "y"])
        var list = ["RPUSH", "biglist"]
        for i in 0..<3000 { list.append("element:\(i)") }
        node.run(list)
        var set = ["SADD", "bigset"]
        for i in 0..<5000 { set.append("member:\(i)") }
        node.run(set)
        return node
    }

    @Test func aRewrittenLogReplaysToTheSameData() throws {
        let node = filled()
        let snapshots = node.keyspace.beginSnapshot()
        let copy = try rewriteAndReload(snapshots, now: node.clock.now)
        node.keyspace.endSnapshot()
        #expect(copy.contents() == node.contents())
        #expect(copy.run(["OBJECT", "ENCODING", "board"]) == "$8\r\nskiplist\r\n")
        #expect(copy.run(["OBJECT", "ENCODING", "z"]) == "$8\r\nlistpack\r\n")
        #expect(copy.run(["OBJECT", "ENCODING", "biglist"]) == "$9\r\nquicklist\r\n")
        #expect(copy.run(["OBJECT", "ENCODING", "bigset"]) == "$9\r\nhashtable\r\n")
        #expect(copy.run(["OBJECT", "ENCODING", "ints"]) == "$6\r\nintset\r\n")
    }

    @Test func keysExpiredAtTheViewAreLeftOut() throws {
        let node = filled()
        node.clock.advance(by: 10_000)
        var expected = node.contents()
        expected["0:ttl"] = nil
        let copy = try rewriteAndReload(node.keyspace.beginSnapshot(), now: node.clock.now)
        node.keyspace.endSnapshot()
        #expect(copy.contents() == expected)
    }

    /// The point-in-time view: everything done after it is invisible to it, and it costs no copy up front.
    @Test func theViewIgnoresLaterWrites() throws {
        let node = filled()
        let before = node.contents()
        let snapshots = node.keyspace.beginSnapshot()
        node.run(
            ["SET", "int", "43"], ["APPEND", "str", "!"], ["DEL", "empty"], ["HSET", "h", "a", "changed"],
            ["HDEL", "bighash", "f1"], ["ZINCRBY", "board", "1000", "member:7"], ["ZREM", "z", "a"],
            ["ZADD", "z", "5", "new"], ["LPUSH", "biglist", "x"], ["LSET", "biglist", "1500", "y"],
            ["LTRIM", "biglist", "10", "-10"], ["SREM", "bigset", "member:1", "member:2"], ["SADD", "bigset", "z"],
            ["SPOP", "strs"], ["RPOP", "l"], ["FLUSHDB"], ["SELECT", "5"], ["SET", "in5", "y"], ["SWAPDB", "5", "6"],
            ["SELECT", "0"])
        for i in 0..<3000 { node.run(["SET", "new:\(i)", "\(i)"]) }
        let copy = try rewriteAndReload(snapshots, now: node.clock.now)
        node.keyspace.endSnapshot()
        #expect(copy.contents() == before)
        #expect(node.contents() != before)
    }
}
