import PodiumFuzzing
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fuzz targets inside the suite: their corpora (Tests/Fuzz/corpus, grown by `scripts/fuzz`) replayed, and a
/// bounded run of seeded random inputs for toolchains without libFuzzer.
@Suite struct FuzzingTests {
    static let corpusRoot: String = {
        // Tests/PodiumFuzzingTests/FuzzingTests.swift → Tests/Fuzz/corpus
        let file = "\(#filePath)"
        let tests = file.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/")
        return tests + "/Fuzz/corpus"
    }()

    static func corpus(_ name: String) -> [[UInt8]] {
        let directory = corpusRoot + "/" + name
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var inputs: [[UInt8]] = []
        while let entry = readdir(dir) {
            let fileName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !fileName.hasPrefix("."), let bytes = FuzzMain.readFile(directory + "/" + fileName) else { continue }
            inputs.append(bytes)
        }
        return inputs
    }

    /// Random inputs biased towards the grammar (RESP punctuation, digits, command words), from a fixed seed.
    static func randomInputs(count: Int, seed: UInt64, alphabet: [UInt8]) -> [[UInt8]] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        return (0..<count).map { _ in
            (0..<Int(next() % 200)).map { _ in
                next() % 4 == 0 ? UInt8(truncatingIfNeeded: next()) : alphabet[Int(next()) % alphabet.count]
            }
        }
    }

    @Test func decoderCorpusReplays() throws {
        let inputs = Self.corpus("resp")
        #expect(inputs.count >= 10)
        for input in inputs { try Fuzzing.decoder(input) }
    }

    @Test func dispatcherCorpusReplays() throws {
        let inputs = Self.corpus("dispatcher")
        #expect(inputs.count >= 10)
        for input in inputs { try Fuzzing.dispatcher(input) }
    }

    @Test func decoderSurvivesRandomInput() throws {
        let alphabet = Array("*$\r\n0123456789-+ \"'\\xGETSETabc".utf8)
        for input in Self.randomInputs(count: 3000, seed: 9, alphabet: alphabet) { try Fuzzing.decoder(input) }
    }

    @Test func dispatcherSurvivesRandomCommands() throws {
        let alphabet: [UInt8] = Array(0...255)
        for input in Self.randomInputs(count: 300, seed: 11, alphabet: alphabet) { try Fuzzing.dispatcher(input) }
    }

    @Test func rdbCorpusReplays() throws {
        let inputs = Self.corpus("rdb")
        #expect(inputs.count >= 10)
        for input in inputs { try Fuzzing.rdb(input) }
    }

    /// Corpus entries with bytes flipped, cut or repeated: damage near real RDB data reaches deeper than noise.
    @Test func rdbSurvivesDamagedInputs() throws {
        var state: UInt64 = 13
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        for input in Self.corpus("rdb") where input.count > 2 {
            for _ in 0..<20 {
                var damaged = input
                switch next() % 3 {
                case 0: damaged[1 + next() % (damaged.count - 1)] ^= UInt8(truncatingIfNeeded: 1 + next() % 255)
                case 1: damaged.removeLast(next() % (damaged.count - 1))
                default:
                    let at = 1 + next() % (damaged.count - 1)
                    damaged.insert(contentsOf: damaged[at..<min(damaged.count, at + 1 + next() % 16)], at: at)
                }
                try Fuzzing.rdb(damaged)
            }
        }
    }
}
