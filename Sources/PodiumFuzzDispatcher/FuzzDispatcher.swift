import PodiumFuzzing

/// The fuzz target for random command sequences through the dispatcher (`scripts/fuzz dispatcher`): libFuzzer's driver when built by scripts/fuzz, a replayer of files otherwise
/// (`FuzzMain`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDispatcher(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMain.testOneInput(data, size, Fuzzing.dispatcher)
}

@main struct FuzzDispatcher {
    static func main() throws { try FuzzMain.run { fuzzDispatcher($0, $1) } }
}
