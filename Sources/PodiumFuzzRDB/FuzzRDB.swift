import PodiumFuzzing

/// The fuzz target for the RDB reader and writer (`scripts/fuzz rdb`): libFuzzer's driver when built by scripts/fuzz,
/// a replayer of files otherwise (`FuzzMain`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRDB(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMain.testOneInput(data, size, Fuzzing.rdb)
}

@main struct FuzzRDB {
    static func main() throws { try FuzzMain.run { fuzzRDB($0, $1) } }
}
