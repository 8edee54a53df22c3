import NIOCore
import PodiumCommands
import PodiumRESP
import PodiumText

/// A script's flags: from its `#!lua flags=…` shebang (EVAL) or `server.register_function` (functions), or
/// `compatibility` when an EVAL script has no shebang (Valkey's `SCRIPT_FLAG_EVAL_COMPAT_MODE`: the rules of
/// scripts before Redis 7).
public struct ScriptFlags: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let noWrites = ScriptFlags(rawValue: 1 << 0)
    public static let allowOOM = ScriptFlags(rawValue: 1 << 1)
    public static let allowStale = ScriptFlags(rawValue: 1 << 2)
    public static let noCluster = ScriptFlags(rawValue: 1 << 3)
    public static let allowCrossSlotKeys = ScriptFlags(rawValue: 1 << 4)
    public static let compatibility = ScriptFlags(rawValue: 1 << 5)

    /// The flag names, as Valkey's `scripts_flags_def`.
    static let names: [(String, ScriptFlags)] = [
        ("no-writes", .noWrites), ("allow-oom", .allowOOM), ("allow-stale", .allowStale),
        ("no-cluster", .noCluster), ("allow-cross-slot-keys", .allowCrossSlotKeys),
    ]

    /// Valkey's `evalExtractShebangFlags`: the flags, and the length of the shebang line (its line feed stays in
    /// the code so line numbers do not move).
    static func parseShebang(_ body: ByteBuffer) throws(CommandError) -> (ScriptFlags, Int) {
        let bytes = body.readableBytesView
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "#"), bytes[bytes.startIndex + 1] == UInt8(ascii: "!")
        else { return (.compatibility, 0) }
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
            throw .scriptShebang("Invalid script shebang")
        }
        let length = newline - bytes.startIndex
        guard let parts = ArgumentSplitter.split(Array(bytes[bytes.startIndex..<newline])), !parts.isEmpty else {
            throw .scriptShebang("Invalid engine in script shebang")
        }
        let engine = String(decoding: parts[0], as: UTF8.self)
        guard engine == "#!lua" else { throw .scriptShebang("Unexpected engine in script shebang: \(engine)") }
        var flags: ScriptFlags = []
        for part in parts.dropFirst() {
            let text = String(decoding: part, as: UTF8.self)
            guard text.hasPrefix("flags=") else { throw .scriptShebang("Unknown lua shebang option: \(text)") }
            let list = text.dropFirst(6)
            if list.isEmpty { continue }
            for name in list.split(separator: ",", omittingEmptySubsequences: false) {
                guard let flag = names.first(where: { $0.0 == name })?.1 else {
                    throw .scriptShebang("Unexpected flag in script shebang: \(name)")
                }
                flags.insert(flag)
            }
        }
        return (flags, length)
    }
}
