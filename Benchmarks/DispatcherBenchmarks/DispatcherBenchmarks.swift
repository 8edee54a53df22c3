import Benchmark
import NIOCore
import PodiumCommands
import PodiumKeyspace

/// The dispatcher driven without a network: what one connection's batch of pipelined requests costs, with the
/// allocator's count per command (`mallocCountTotal`, through ordo-one/benchmark's malloc interposer). Run it with
/// `swift package benchmark --target DispatcherBenchmarks` (docs/benchmarks.md); CI only builds it. The ARC
/// metrics are left out: on Swift 6.3 on Linux their runtime hooks crash the benchmark (ordo-one/benchmark#349).
///
/// Each benchmark runs one request per iteration (the figures are per iteration, measured over 1,000 at a time) on a
/// data set prepared before the measurement: 10,000 string keys,
/// a 10,000-member sorted set and 1,000 hashes of 8 fields. The request arrays are built beforehand too, as the
/// decoder would have built them, so what is counted is the dispatcher's and the handler's own work.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 1_000,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    let rows: [(name: String, request: [String])] = [
        ("GET", ["GET", "key:5000"]),
        ("GET missing", ["GET", "nokey"]),
        ("SET existing key", ["SET", "key:5000", "value:5000"]),
        // A value longer than 23 bytes is stored out of line: one malloc (and one free) per command, which shows
        // the count is real.
        ("SET existing key, 64-byte value", ["SET", "key:5000", String(repeating: "v", count: 64)]),
        ("HGET", ["HGET", "user:500", "field3"]),
        ("HINCRBY", ["HINCRBY", "user:500", "visits", "1"]),
        ("ZSCORE", ["ZSCORE", "board", "player:5000"]),
        ("ZINCRBY", ["ZINCRBY", "board", "1", "player:5000"]),
        ("ZREVRANK", ["ZREVRANK", "board", "player:5000"]),
    ]
    for row in rows {
        // One data set per row, made before its samples (the warm-up iterations take it to a steady state).
        let bench = DispatcherBench()
        Benchmark("\(row.name)") { benchmark in
            let batch = [row.request.map { ByteBuffer(string: $0) }]
            var output = ByteBuffer()
            output.reserveCapacity(4096)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                output.clear()
                bench.dispatcher.execute(batch: batch, client: bench.client, output: &output)
                blackHole(output.readableBytes)
            }
            benchmark.stopMeasurement()
        }
    }
}

/// A dispatcher with the benchmark's data set. The benchmarks run one at a time, on one thread.
final class DispatcherBench: @unchecked Sendable {
    let keyspace = Keyspace()
    let dispatcher: Dispatcher
    let client = ClientSession(id: 1)

    init() {
        dispatcher = Dispatcher(keyspace: keyspace)
        var setup: [[ByteBuffer]] = []
        for i in 0..<10_000 {
            setup.append(["SET", "key:\(i)", "value:\(i)"].map { ByteBuffer(string: $0) })
            setup.append(["ZADD", "board", "\(i * 7 % 10_007)", "player:\(i)"].map { ByteBuffer(string: $0) })
        }
        for i in 0..<1_000 {
            var hset = ["HSET", "user:\(i)"]
            for f in 0..<8 { hset += ["field\(f)", "value\(f)"] }
            setup.append(hset.map { ByteBuffer(string: $0) })
        }
        var output = ByteBuffer()
        dispatcher.execute(batch: setup, client: client, output: &output)
    }
}
