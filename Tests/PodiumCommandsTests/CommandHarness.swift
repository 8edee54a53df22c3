import NIOCore
import PodiumCommands
import PodiumKeyspace
import PodiumRESP

/// A dispatcher over a keyspace on a manual clock, with no server behind it: what a connection would do, minus
/// the socket. Commands go in as argument vectors and the replies come back as the exact RESP text.
final class CommandHarness {
    let clock = ManualClock()
    let keyspace: Keyspace
    let dispatcher: Dispatcher
    private var nextClientID = 1
    /// The client `run` uses when none is given.
    private(set) lazy var client = makeClient()
    /// A server behind the dispatcher (which holds it weakly), kept alive as long as the harness.
    var server: (any ServerContext)? {
        didSet { dispatcher.server = server }
    }

    init(databases: Int = 16) {
        keyspace = Keyspace(databases: databases, clock: clock)
        dispatcher = Dispatcher(keyspace: keyspace)
    }

    func makeClient() -> ClientSession {
        defer { nextClientID += 1 }
        return ClientSession(id: nextClientID)
    }

    /// Runs the commands as one batch from `client` and returns everything written, as text.
    @discardableResult
    func run(_ commands: [String]..., as client: ClientSession? = nil) -> String {
        runBatch(commands, as: client)
    }

    @discardableResult
    func runBatch(_ commands: [[String]], as client: ClientSession? = nil) -> String {
        String(decoding: runBytes(commands.map { $0.map { Array($0.utf8) } }, as: client), as: UTF8.self)
    }

    /// Binary-safe form of `run`.
    func runBytes(_ commands: [[[UInt8]]], as client: ClientSession? = nil) -> [UInt8] {
        var output = ByteBuffer()
        let batch = commands.map { $0.map { ByteBuffer(bytes: $0) } }
        dispatcher.execute(batch: batch, client: client ?? self.client, output: &output)
        return Array(output.readableBytesView)
    }

    /// Moves the clock (the dispatcher reads it once per batch: each `run` is a batch).
    func advance(by milliseconds: Int64) { clock.advance(by: milliseconds) }
    var now: Int64 { clock.now }
}

/// Expected RESP built from parts, so tests read like the reply they expect.
enum RESP {
    static let ok = "+OK\r\n"
    static let null = "$-1\r\n"
    static let nullArray = "*-1\r\n"
    static let queued = "+QUEUED\r\n"
    static func simple(_ s: String) -> String { "+\(s)\r\n" }
    static func error(_ s: String) -> String { "-\(s)\r\n" }
    static func int(_ n: Int) -> String { ":\(n)\r\n" }
    static func bulk(_ s: String) -> String { "$\(s.utf8.count)\r\n\(s)\r\n" }
    static func array(_ items: String...) -> String { "*\(items.count)\r\n" + items.joined() }
    static func array(_ items: [String]) -> String { "*\(items.count)\r\n" + items.joined() }
    static func bulks(_ items: String...) -> String { array(items.map(bulk)) }
    static let syntaxError = error("ERR syntax error")
    static let notInteger = error("ERR value is not an integer or out of range")
    static let notFloat = error("ERR value is not a valid float")
    static let wrongType = error("WRONGTYPE Operation against a key holding the wrong kind of value")
    static let emptyArray = "*0\r\n"
    static func arity(_ name: String) -> String { error("ERR wrong number of arguments for '\(name)' command") }
}

/// A parsed reply, for tests whose expected output has no fixed order (KEYS, SCAN) or is long (COMMAND).
indirect enum RESPValue: Equatable {
    case simple(String)
    case error(String)
    case integer(Int)
    case bulk(String)
    case null
    case array([RESPValue])

    /// Parses one reply (RESP2 subset plus RESP3 null/map/set/verbatim as arrays/bulks); nil if malformed.
    static func parse(_ text: String) -> RESPValue? {
        var bytes = Array(text.utf8)[...]
        guard let value = parse(&bytes), bytes.isEmpty else { return nil }
        return value
    }

    /// Parses consecutive replies until the input ends.
    static func parseAll(_ text: String) -> [RESPValue]? {
        var bytes = Array(text.utf8)[...]
        var values: [RESPValue] = []
        while !bytes.isEmpty {
            guard let value = parse(&bytes) else { return nil }
            values.append(value)
        }
        return values
    }

    private static func line(_ bytes: inout ArraySlice<UInt8>) -> String? {
        guard let cr = bytes.firstIndex(of: 0x0D), cr + 1 < bytes.endIndex, bytes[cr + 1] == 0x0A else { return nil }
        let text = String(decoding: bytes[bytes.startIndex..<cr], as: UTF8.self)
        bytes = bytes[(cr + 2)...]
        return text
    }

    private static func parse(_ bytes: inout ArraySlice<UInt8>) -> RESPValue? {
        guard let type = bytes.first else { return nil }
        bytes = bytes.dropFirst()
        guard let header = line(&bytes) else { return nil }
        switch type {
        case UInt8(ascii: "+"): return .simple(header)
        case UInt8(ascii: "-"): return .error(header)
        case UInt8(ascii: ":"): return Int(header).map(RESPValue.integer)
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: "$"), UInt8(ascii: "="):
            guard let n = Int(header) else { return nil }
            if n < 0 { return .null }
            guard bytes.count >= n + 2 else { return nil }
            let text = String(decoding: bytes.prefix(n), as: UTF8.self)
            bytes = bytes.dropFirst(n + 2)
            return .bulk(text)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: "%"), UInt8(ascii: ">"):
            guard var n = Int(header) else { return nil }
            if n < 0 { return .null }
            if type == UInt8(ascii: "%") { n *= 2 }
            var items: [RESPValue] = []
            for _ in 0..<n {
                guard let item = parse(&bytes) else { return nil }
                items.append(item)
            }
            return .array(items)
        default: return nil
        }
    }

    /// The strings of an array of bulk strings.
    var strings: [String]? {
        guard case .array(let items) = self else { return nil }
        var out: [String] = []
        for item in items {
            guard case .bulk(let s) = item else { return nil }
            out.append(s)
        }
        return out
    }
}
