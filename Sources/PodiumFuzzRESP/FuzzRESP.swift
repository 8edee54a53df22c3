import PodiumFuzzing

/// The fuzz target for the request decoder and the inline splitter (`scripts/fuzz resp`): libFuzzer's driver when built by scripts/fuzz, a replayer of files otherwise
/// (`FuzzMain`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMain.testOneInput(data, size, Fuzzing.decoder)
}

@main struct FuzzRESP {
    static func main() throws { try FuzzMain.run { fuzzRESP($0, $1) } }
}
