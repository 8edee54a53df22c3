/// Every error reply a command can give. This is the one place that holds Redis' reply texts (Valkey keeps them
/// in `shared.*` objects); the differential test against redis-server guards them.
public enum CommandError: Error, Equatable, Sendable {
    case wrongType
    case syntax
    case notInteger
    case notFloat
    case overflow
    case noSuchKey
    case dbIndexOutOfRange
    case wrongArity(String)
    case unknownCommand(name: String, args: [String])
    case unknownSubcommand(sub: String, command: String)
    case invalidExpireTime(String)
    case notAllowedInTransaction
    /// DEBUG where `enable-debug-command` does not allow it.
    case debugNotAllowed
    /// A subcommand given too many arguments by its own rules (`addReplySubcommandSyntaxError`).
    case subcommandSyntax(sub: String, command: String)
    /// A RESP2 client in subscribed mode sent something other than (P|S)(UN)SUBSCRIBE, PING, QUIT or RESET.
    case notAllowedWhileSubscribed(String)
    case stringTooLong
    /// Over `maxmemory` with nothing left to evict; for EXEC, the transaction is discarded.
    case outOfMemory(exec: Bool)
    /// The AOF cannot be written (the reason is the system's error text): writes are refused until it can.
    case diskWriteError(String)
    /// The last background save failed, a `save` rule is set and `stop-writes-on-bgsave-error` is on: writes are
    /// refused until a save succeeds (Valkey's `bgsaveerr`).
    case bgsaveError
    /// The dataset is still being loaded (Valkey: `-LOADING Redis is loading the dataset in memory`).
    case loading
    /// A script has run past busy-reply-threshold (Valkey's `slowevalerr` / `slowscripterr`).
    case busyScript(eval: Bool)
    /// EXEC refused before it ran its commands (Valkey's `execCommandAbort`): the transaction is discarded.
    indirect case execAbort(CommandError)
    /// An unauthenticated client ran something other than AUTH, HELLO, QUIT or RESET.
    case noAuth
    /// A wrong user name or password, or a disabled user.
    case wrongPass
    /// The ACL refused the command (`command` is its full name), one of its keys or one of its channels.
    case noPermission(ACLLogEntry.Reason, command: String)
    /// The ACL refused a command EXEC was about to run (its user's rules changed since it was queued).
    case noPermissionInExec(ACLLogEntry.Reason)
    case custom(String)

    /// The reply text, without the leading `-`.
    public var message: String {
        switch self {
        case .wrongType: return "WRONGTYPE Operation against a key holding the wrong kind of value"
        case .syntax: return "ERR syntax error"
        case .notInteger: return "ERR value is not an integer or out of range"
        case .notFloat: return "ERR value is not a valid float"
        case .overflow: return "ERR increment or decrement would overflow"
        case .noSuchKey: return "ERR no such key"
        case .dbIndexOutOfRange: return "ERR DB index is out of range"
        case .wrongArity(let name): return "ERR wrong number of arguments for '\(name)' command"
        case .unknownCommand(let name, let args):
            // Valkey adds arguments while the list is shorter than 128 bytes, cutting the last one to fit.
            var list: [UInt8] = []
            for arg in args where list.count < 128 {
                list += Array("'".utf8) + Array(arg.utf8.prefix(128 - list.count)) + Array("' ".utf8)
            }
            return "ERR unknown command '\(CommandError.clip(name))', with args beginning with: "
                + String(decoding: list, as: UTF8.self)
        case .unknownSubcommand(let sub, let command):
            return "ERR unknown subcommand '\(CommandError.clip(sub))'. Try \(command.uppercased()) HELP."
        case .invalidExpireTime(let command): return "ERR invalid expire time in '\(command)' command"
        case .notAllowedInTransaction: return "ERR Command not allowed inside a transaction"
        case .debugNotAllowed:
            return "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run "
                + "it from a local connection, otherwise you need to set this option in the configuration file, and "
                + "then restart the server."
        case .subcommandSyntax(let sub, let command):
            return "ERR unknown subcommand or wrong number of arguments for '\(CommandError.clip(sub))'. Try \(command.uppercased()) HELP."
        case .notAllowedWhileSubscribed(let name):
            return "ERR Can't execute '\(name)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        case .stringTooLong: return "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
        case .outOfMemory(let exec):
            let text = "OOM command not allowed when used memory > 'maxmemory'."
            return exec ? "EXECABORT Transaction discarded because of: " + text : text
        case .diskWriteError(let reason): return "MISCONF Errors writing to the AOF file: \(reason)"
        case .bgsaveError:
            return "MISCONF Podium is configured to save RDB snapshots, but it's currently unable to persist to disk. "
                + "Commands that may modify the data set are disabled, because this instance is configured to report "
                + "errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check "
                + "the Podium logs for details about the RDB error."
        case .loading: return "LOADING Podium is loading the dataset in memory"
        case .busyScript(let eval):
            return "BUSY Podium is busy running a script. You can only call \(eval ? "SCRIPT" : "FUNCTION") KILL or SHUTDOWN NOSAVE."
        case .execAbort(let error): return "EXECABORT Transaction discarded because of: " + error.message
        case .noAuth: return "NOAUTH Authentication required."
        case .wrongPass: return "WRONGPASS invalid username-password pair or user is disabled."
        case .noPermission(let reason, let command):
            // Redis 7.0's texts (7.2 and Valkey 8 name the user: "User alice has no permissions to run …").
            switch reason {
            case .command, .auth: return "NOPERM this user has no permissions to run the '\(command)' command"
            case .key: return "NOPERM this user has no permissions to access one of the keys used as arguments"
            case .channel: return "NOPERM this user has no permissions to access one of the channels used as arguments"
            }
        case .noPermissionInExec(let reason):
            let why: String
            switch reason {
            case .command, .auth: why = "no permission to execute the command or subcommand"
            case .key: why = "no permission to touch the specified keys"
            case .channel: why = "no permission to access one of the channels used as arguments"
            }
            return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. "
                + "This command is no longer allowed for the following reason: " + why
        case .custom(let text): return text
        }
    }

    /// Valkey prints at most 128 bytes of a user-supplied name in these errors, with newlines replaced.
    static func clip(_ text: String) -> String {
        String(decoding: Array(text.utf8.prefix(128)), as: UTF8.self)
    }
}

// MARK: - Texts of the data-type commands (lists, sets, blocking, bits), kept here with the others

extension CommandError {
    /// `getPositiveLongFromObjectOrReply` without a message of its own (LPOP count, SPOP count, ...).
    static let mustBePositive = CommandError.custom("ERR value is out of range, must be positive")
    /// `getLongFromObjectOrReply` for a value outside `long` (never on 64-bit), and RANDMEMBER-style counts.
    static let outOfRange = CommandError.custom("ERR value is out of range")
    /// `getRangeLongFromObjectOrReply` without a message of its own.
    static func outOfRange(min: Int, max: Int) -> CommandError {
        .custom("ERR value is out of range, value must between \(min) and \(max)")
    }
    /// LSET past the end (`shared.outofrangeerr`).
    static let indexOutOfRange = CommandError.custom("ERR index out of range")
    static let lposRankZero = CommandError.custom(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
    static let lposCountNegative = CommandError.custom("ERR COUNT can't be negative")
    static let lposMaxlenNegative = CommandError.custom("ERR MAXLEN can't be negative")
    /// LMPOP / BLMPOP / ZMPOP / BZMPOP / SINTERCARD / ZINTERCARD numkeys.
    static let numkeysNotPositive = CommandError.custom("ERR numkeys should be greater than 0")
    static let countNotPositive = CommandError.custom("ERR count should be greater than 0")
}

// MARK: - Blocking commands

extension CommandError {
    static let timeoutNotFloat = CommandError.custom("ERR timeout is not a float or out of range")
    static let timeoutOutOfRange = CommandError.custom("ERR timeout is out of range")
    static let timeoutNegative = CommandError.custom("ERR timeout is negative")
    /// SORT's BY (with a pattern) and GET read keys no key spec names: Valkey allows them only to a user with
    /// unrestricted read access to keys.
    static func sortOptionDenied(_ option: String) -> CommandError {
        .custom("ERR \(option) option of SORT denied due to insufficient ACL permissions.")
    }
    /// The reply of a client unblocked by `CLIENT UNBLOCK id ERROR`.
    static let unblocked = CommandError.custom("UNBLOCKED client unblocked via CLIENT UNBLOCK")
}

// MARK: - Bitmaps, strings and keys

extension CommandError {
    static let bitOffsetOutOfRange = CommandError.custom("ERR bit offset is not an integer or out of range")
    static let bitValueOutOfRange = CommandError.custom("ERR bit is not an integer or out of range")
}
