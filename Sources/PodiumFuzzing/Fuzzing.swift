import NIOCore
import PodiumCommands
import PodiumKeyspace
import PodiumRESP
import PodiumText

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if FUZZING
import CPodiumFuzzer
#endif

/// The bodies of Podium's fuzz targets, shared by the libFuzzer executables (`scripts/fuzz`), the corpus replay
/// and the bounded random-input tests of the suite. Each takes arbitrary bytes and must return without crashing;
/// each also checks a property that holds for every input, so a wrong answer fails as loudly as a crash.
public enum Fuzzing {
    /// A property that did not hold (the caller traps, so libFuzzer records the input).
    public struct Violation: Error, CustomStringConvertible {
        public let description: String
    }

    // MARK: - Request decoder and inline splitter

    /// Small limits, so the fuzzer reaches every limit error without producing megabytes.
    static let decoderLimits = RESPLimits(maxBulkLength: 4096, maxMultibulkLength: 1024, maxInlineLength: 512)

    /// Feeds `data` to the request decoder twice: in one piece, and cut into reads whose sizes the data itself
    /// picks (as a socket could deliver them). Both must decode the same requests and end the same way (an error or
    /// not); every request has at least one argument. Each inline-looking line also goes through the splitter,
    /// whose arguments must be non-empty when it accepts the line.
    public static func decoder(_ data: [UInt8]) throws(Violation) {
        let whole = decode(data, chunks: [data.count])
        var sizes: [Int] = []
        var i = 0
        var seed = data.first.map(Int.init) ?? 1
        while i < data.count {
            seed = (seed &* 1_103_515_245 &+ 12_345) & 0x7FFF_FFFF
            let n = min(data.count - i, 1 + seed % 17)
            sizes.append(n)
            i += n
        }
        let dripped = decode(data, chunks: sizes)
        guard whole.requests == dripped.requests, whole.failed == dripped.failed else {
            throw Violation(description: "decoder: one read \(whole) != reads of \(sizes): \(dripped)")
        }
        for request in whole.requests where request.isEmpty {
            throw Violation(description: "decoder: an empty request came out")
        }
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).prefix(64) {
            if let args = ArgumentSplitter.split(Array(line)) {
                // Quoted empty strings ("") are arguments too; only the count is bounded by the input.
                guard args.count <= line.count else {
                    throw Violation(description: "splitter: more arguments than bytes")
                }
            }
        }
    }

    private static func decode(_ data: [UInt8], chunks: [Int]) -> (requests: [[[UInt8]]], failed: Bool) {
        let processor = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder(limits: decoderLimits))
        var requests: [[[UInt8]]] = []
        var offset = 0
        do {
            for n in chunks {
                let buffer = ByteBuffer(bytes: data[offset..<(offset + n)])
                offset += n
                try processor.process(buffer: buffer) { args in
                    requests.append(args.map { Array($0.readableBytesView) })
                }
            }
            return (requests, false)
        } catch {
            return (requests, true)
        }
    }

    // MARK: - Dispatcher

    /// Commands never fuzzed: they would stop or pause the process (SHUTDOWN, DEBUG SLEEP), or touch files.
    static let excluded: Set<String> = ["shutdown", "debug", "bgrewriteaof", "monitor", "save", "bgsave"]

    /// Every command name the dispatcher fuzzer may pick (containers with and without their subcommands).
    static let names: [String] = {
        var names: [String] = []
        for spec in CommandTable.shared.allSpecs where !excluded.contains((spec.parent ?? spec).name) {
            if let parent = spec.parent {
                names.append(parent.name + " " + spec.name.split(separator: "|").last.map(String.init)!)
            } else {
                names.append(spec.name)
            }
        }
        return names.sorted()
    }()

    /// Argument words: keys that collide across types, numbers at their edges, option keywords, patterns.
    static let words: [String] = [
        "k0", "k1", "k2", "{k}3", "f0", "f1", "m0", "m1", "0", "1", "-1", "2", "10", "-10", "100",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.5", "-0", "inf", "-inf", "+inf",
        "nan", "1e308", "0x10", "", " ", "NX", "XX", "GT", "LT", "CH", "INCR", "EX", "PX", "EXAT", "PXAT",
        "KEEPTTL", "GET", "PERSIST", "WITHSCORES", "WITHSCORE", "LIMIT", "BYSCORE", "BYLEX", "REV", "MATCH", "COUNT",
        "TYPE", "string", "hash", "zset", "(1", "[a", "-", "+", "*", "k*", "[", "\\", "AGGREGATE", "SUM", "MIN",
        "MAX", "WEIGHTS", "REPLACE", "DB", "ASYNC", "SYNC", "FIELDS", "FNX", "FXX", "IFEQ", "ON", "OFF", "SKIP",
        "on", "nopass", "~*", "&*", "+@all", "-@all", "+get", "%R~k*", ">pw", "default", "u1", "maxmemory",
        "hz", "appendonly", "no", "yes", "hash-max-listpack-entries",
    ]

    /// A fresh dispatcher on a manual clock (one per input, so inputs are independent).
    final class Harness {
        let clock = ManualClock()
        let keyspace: Keyspace
        let dispatcher: Dispatcher
        let clients: [ClientSession]

        init() {
            keyspace = Keyspace(databases: 16, clock: clock)
            dispatcher = Dispatcher(keyspace: keyspace)
            clients = (1...3).map { ClientSession(id: $0) }
        }
    }

    /// Reads `data` as a program: each command is a name byte (index into `names`), an argument count byte, then
    /// per argument a byte choosing a word, a byte count or raw bytes taken from the input. Runs the commands in
    /// batches on three clients, advancing the clock now and then. Every command must produce exactly one reply
    /// (or none when CLIENT REPLY says so), and the keyspace's counts must stay consistent.
    public static func dispatcher(_ data: [UInt8]) throws(Violation) {
        let harness = Harness()
        var reader = ByteReader(data)
        var batch: [[ByteBuffer]] = []
        var client = harness.clients[0]
        while let op = reader.next() {
            if op == 0xFF {  // end of batch: run it on the current client, then switch clients
                try run(batch, harness, client)
                batch.removeAll()
                client = harness.clients[Int(reader.next() ?? 0) % harness.clients.count]
                continue
            }
            if op == 0xFE {
                harness.clock.advance(by: Int64(reader.next() ?? 0) * 100)
                continue
            }
            let name = names[Int(op) % names.count].split(separator: " ").map(String.init)
            var args = name.map { ByteBuffer(string: $0) }
            let count = Int(reader.next() ?? 0) % 8
            for _ in 0..<count {
                guard let choice = reader.next() else { break }
                if choice < 0xF0 {
                    args.append(ByteBuffer(string: words[Int(choice) % words.count]))
                } else {
                    let n = Int(reader.next() ?? 0) % 32
                    args.append(ByteBuffer(bytes: reader.take(n)))
                }
            }
            batch.append(args)
            if batch.count >= 32 {
                try run(batch, harness, client)
                batch.removeAll()
            }
        }
        try run(batch, harness, client)
    }

    private static func run(_ batch: [[ByteBuffer]], _ harness: Harness, _ client: ClientSession) throws(Violation) {
        guard !batch.isEmpty else { return }
        var output = ByteBuffer()
        harness.dispatcher.execute(batch: batch, client: client, output: &output)
        if client.closeAfterReply {
            // QUIT, RESET and friends: the connection would close; the fuzzer keeps using the session.
            client.closeAfterReply = false
        }
        // Every reply must be well-formed RESP: parse the output back as replies.
        var view = output
        var replies = 0
        while view.readableBytes > 0 {
            guard ReplyScanner.skipOne(&view, depth: 0) else {
                throw Violation(
                    description:
                        "dispatcher: malformed reply bytes after \(replies) replies for \(batch.map { $0.map { String(buffer: $0) } })"
                )
            }
            replies += 1
        }
        guard replies <= batch.count * 64 else { throw Violation(description: "dispatcher: too many replies") }
    }
}

/// Reads the fuzz input a byte at a time.
struct ByteReader {
    private let data: [UInt8]
    private var index = 0
    init(_ data: [UInt8]) { self.data = data }
    mutating func next() -> UInt8? {
        guard index < data.count else { return nil }
        defer { index += 1 }
        return data[index]
    }
    mutating func take(_ n: Int) -> [UInt8] {
        let end = min(data.count, index + n)
        defer { index = end }
        return Array(data[index..<end])
    }
}

/// Skips one complete RESP2/RESP3 reply, checking its framing (type byte, CRLF, lengths, nested counts).
enum ReplyScanner {
    static func skipOne(_ buffer: inout ByteBuffer, depth: Int) -> Bool {
        guard depth < 64, let type = buffer.readInteger(as: UInt8.self) else { return false }
        guard let line = readLine(&buffer) else { return false }
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "#"),
            UInt8(ascii: "_"), UInt8(ascii: "("):
            return true
        case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
            guard let n = Int(line) else { return false }
            if n == -1 { return true }
            guard n >= 0, buffer.readableBytes >= n + 2 else { return false }
            buffer.moveReaderIndex(forwardBy: n)
            return buffer.readString(length: 2) == "\r\n"
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            guard let n = Int(line) else { return false }
            if n == -1 { return true }
            let elements = (type == UInt8(ascii: "%") || type == UInt8(ascii: "|")) ? 2 * n : n
            guard elements >= 0 else { return false }
            for _ in 0..<elements where !skipOne(&buffer, depth: depth + 1) { return false }
            return true
        default:
            return false
        }
    }

    private static func readLine(_ buffer: inout ByteBuffer) -> String? {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\r")) else { return nil }
        let length = end - buffer.readerIndex
        guard let text = buffer.readString(length: length), buffer.readString(length: 2) == "\r\n" else { return nil }
        return text
    }
}

/// What the fuzz executables share: one input through a body (a violated property traps, so libFuzzer keeps the
/// input), and `main`: libFuzzer's driver when built with `-sanitize=fuzzer -DFUZZING` (scripts/fuzz; SwiftPM names
/// an executable's entry point after its module, so libFuzzer's own `main` is not the one that runs), else a replay
/// of the files named on the command line.
public enum FuzzMain {
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    public static func testOneInput(
        _ data: UnsafePointer<UInt8>?, _ size: Int,
        _ body: ([UInt8]) throws(Fuzzing.Violation) -> Void
    ) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try body(bytes)
        } catch {
            fatalError("\(error)")
        }
        return 0
    }

    public static func run(_ callback: Callback) throws {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
        #else
        for path in CommandLine.arguments.dropFirst() {
            guard let bytes = readFile(path) else { throw Fuzzing.Violation(description: "cannot read \(path)") }
            _ = bytes.withUnsafeBufferPointer { callback($0.baseAddress, $0.count) }
        }
        print("replayed \(CommandLine.arguments.count - 1) inputs")
        #endif
    }

    /// A whole file's bytes (corpus entries), or nil.
    public static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }
}
