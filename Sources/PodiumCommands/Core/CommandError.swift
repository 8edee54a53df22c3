import PodiumConfig

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
            return
                "ERR unknown subcommand or wrong number of arguments for '\(CommandError.clip(sub))'. Try \(command.uppercased()) HELP."
        case .notAllowedWhileSubscribed(let name):
            return
                "ERR Can't execute '\(name)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
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
            return
                "BUSY Podium is busy running a script. You can only call \(eval ? "SCRIPT" : "FUNCTION") KILL or SHUTDOWN NOSAVE."
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

// MARK: - Generic texts

extension CommandError {
    /// Valkey's bare `-ERR` (`shared.err`): a save or load failed and the log says why.
    public static let err = CommandError.custom("ERR")
    /// A command that needs the server ran where there is none (a dispatcher without a server, as in unit tests).
    static let noServer = CommandError.custom("ERR no server")
    /// `getPositiveLongFromObjectOrReply` without a message of its own (LPOP count, SPOP count, ...).
    static let mustBePositive = CommandError.custom("ERR value is out of range, must be positive")
    /// `getLongFromObjectOrReply` for a value outside `long` (never on 64-bit), and RANDMEMBER-style counts.
    static let outOfRange = CommandError.custom("ERR value is out of range")
    /// `getRangeLongFromObjectOrReply` without a message of its own.
    static func outOfRange(min: Int, max: Int) -> CommandError {
        .custom("ERR value is out of range, value must between \(min) and \(max)")
    }
    static let offsetOutOfRange = CommandError.custom("ERR offset is out of range")
    static let invalidCursor = CommandError.custom("ERR invalid cursor")
    static let novaluesOutsideHscan = CommandError.custom("ERR NOVALUES option can only be used in HSCAN")
    static let noscoresOutsideZscan = CommandError.custom("ERR NOSCORES option can only be used in ZSCAN")
    /// LMPOP / BLMPOP / ZMPOP / BZMPOP / SINTERCARD / ZINTERCARD numkeys.
    static let numkeysNotPositive = CommandError.custom("ERR numkeys should be greater than 0")
    static let countNotPositive = CommandError.custom("ERR count should be greater than 0")
    /// SINTERCARD / ZINTERCARD LIMIT.
    static let limitNegative = CommandError.custom("ERR LIMIT can't be negative")
    /// RENAME-style commands, COPY and MOVE with the same source and destination.
    static let sameSourceAndDestination = CommandError.custom("ERR source and destination objects are the same")
    static let incrementNaNOrInfinity = CommandError.custom("ERR increment would produce NaN or Infinity")
}

// MARK: - Strings, bitmaps and keys

extension CommandError {
    static let decrementOverflow = CommandError.custom("ERR decrement would overflow")
    static let incrbyfloatUnsupported = CommandError.custom(
        "ERR INCRBYFLOAT needs long double support on this platform")
    static let lcsNotStrings = CommandError.custom("ERR The specified keys must contain string values")
    static let lcsLenWithIdx = CommandError.custom("ERR If you want both the length and indexes, please just use IDX.")
    static let lcsTooLarge = CommandError.custom(
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    static let bitOffsetOutOfRange = CommandError.custom("ERR bit offset is not an integer or out of range")
    static let bitValueOutOfRange = CommandError.custom("ERR bit is not an integer or out of range")
    static let bitArgument = CommandError.custom("ERR The bit argument must be 1 or 0.")
    static let bitopNotSingleSource = CommandError.custom("ERR BITOP NOT must be called with a single source key.")
    static let bitfieldOverflowType = CommandError.custom("ERR Invalid OVERFLOW type specified")
    static let bitfieldReadOnly = CommandError.custom("ERR BITFIELD_RO only supports the GET subcommand")
    static let bitfieldType = CommandError.custom(
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
    /// EXPIRE-family options.
    static func unsupportedOption(_ option: String) -> CommandError { .custom("ERR Unsupported option \(option)") }
    static let expireNXWithOthers = CommandError.custom(
        "ERR NX and XX, GT or LT options at the same time are not compatible")
    static let expireGTWithLT = CommandError.custom("ERR GT and LT options at the same time are not compatible")
    static let invalidFirstDB = CommandError.custom("ERR invalid first DB index")
    static let invalidSecondDB = CommandError.custom("ERR invalid second DB index")
    /// WAIT / WAITAOF timeouts.
    static let timeoutNotInteger = CommandError.custom("ERR timeout is not an integer or out of range")
    static let lfuNotSelected = CommandError.custom(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
            + "between policies at runtime LRU and LFU data will take some time to adjust.")
    static let sortScoreNotDouble = CommandError.custom("ERR One or more scores can't be converted into double")
    /// SORT's BY (with a pattern) and GET read keys no key spec names: Valkey allows them only to a user with
    /// unrestricted read access to keys.
    static func sortOptionDenied(_ option: String) -> CommandError {
        .custom("ERR \(option) option of SORT denied due to insufficient ACL permissions.")
    }
}

// MARK: - DUMP and RESTORE

extension CommandError {
    static let busyKey = CommandError.custom("BUSYKEY Target key name already exists.")
    /// DUMP payloads (RESTORE, FUNCTION RESTORE) with a wrong version or checksum.
    static let badDumpPayload = CommandError.custom("ERR DUMP payload version or checksum are wrong")
    static let badDataFormat = CommandError.custom("ERR Bad data format")
    static let restoreTTLNegative = CommandError.custom("ERR Invalid TTL value, must be >= 0")
    static let restoreIdletimeNegative = CommandError.custom("ERR Invalid IDLETIME value, must be >= 0")
    static let restoreFreqOutOfRange = CommandError.custom("ERR Invalid FREQ value, must be >= 0 and <= 255")
}

// MARK: - Lists, sets and blocking commands

extension CommandError {
    /// LSET past the end (`shared.outofrangeerr`).
    static let indexOutOfRange = CommandError.custom("ERR index out of range")
    static let lposRankZero = CommandError.custom(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start "
            + "from the end of the list")
    static let lposCountNegative = CommandError.custom("ERR COUNT can't be negative")
    static let lposMaxlenNegative = CommandError.custom("ERR MAXLEN can't be negative")
    static let timeoutNotFloat = CommandError.custom("ERR timeout is not a float or out of range")
    static let timeoutOutOfRange = CommandError.custom("ERR timeout is out of range")
    static let timeoutNegative = CommandError.custom("ERR timeout is negative")
    /// The reply of a client unblocked by `CLIENT UNBLOCK id ERROR`.
    static let unblocked = CommandError.custom("UNBLOCKED client unblocked via CLIENT UNBLOCK")
}

// MARK: - Hashes

extension CommandError {
    static let hashValueNotInteger = CommandError.custom("ERR hash value is not an integer")
    static let hashValueNotFloat = CommandError.custom("ERR hash value is not a float")
    static let valueNaNOrInfinity = CommandError.custom("ERR value is NaN or Infinity")
    static let hincrbyfloatUnsupported = CommandError.custom(
        "ERR HINCRBYFLOAT needs long double support on this platform")
    /// The `FIELDS numfields` block of the field-expiry commands does not match the arguments.
    static let numFieldsMismatch = CommandError.custom(
        "ERR numfields should be greater than 0 and match the provided number of fields")
}

// MARK: - Sorted sets

extension CommandError {
    static let scoreRangeNotFloat = CommandError.custom("ERR min or max is not a float")
    static let lexRangeInvalid = CommandError.custom("ERR min or max not valid string range item")
    static let zaddXXWithNX = CommandError.custom("ERR XX and NX options at the same time are not compatible")
    static let zaddGTLTWithNX = CommandError.custom(
        "ERR GT, LT, and/or NX options at the same time are not compatible")
    static let zaddIncrSinglePair = CommandError.custom("ERR INCR option supports a single increment-element pair")
    static let scoreNaN = CommandError.custom("ERR resulting score is not a number (NaN)")
    static let limitWithoutByscoreOrBylex = CommandError.custom(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    static let withscoresWithBylex = CommandError.custom(
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    static let weightNotFloat = CommandError.custom("ERR weight value is not a float")
    static func noInputKeys(_ command: String) -> CommandError {
        .custom("ERR at least 1 input key is needed for '\(command)' command")
    }
}

// MARK: - Connections, clients and Pub/Sub

extension CommandError {
    static let noProto = CommandError.custom("NOPROTO unsupported protocol version")
    static let protocolVersionNotInteger = CommandError.custom("ERR Protocol version is not an integer or out of range")
    static func helloOption(_ option: String) -> CommandError {
        .custom("ERR Syntax error in HELLO option '\(option)'")
    }
    static let helloNoAuth = CommandError.custom(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> "
            + "option can be used to authenticate the client and select the RESP protocol version at the same time")
    static let authWithoutPassword = CommandError.custom(
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
            + "configuration is correct?")
    static let clientNameInvalid = CommandError.custom(
        "ERR Client names cannot contain spaces, newlines or special characters.")
    /// CLIENT SETINFO with an attribute other than LIB-NAME or LIB-VER.
    static func unrecognizedOption(_ option: String) -> CommandError { .custom("ERR Unrecognized option '\(option)'") }
    /// CLIENT SETINFO's `attribute` is `lib-name` or `lib-ver`.
    static func clientLibInfoInvalid(_ attribute: String) -> CommandError {
        .custom("ERR \(attribute) cannot contain spaces, newlines or special characters.")
    }
    static func unknownClientType(_ type: String) -> CommandError { .custom("ERR Unknown client type '\(type)'") }
    static let invalidClientID = CommandError.custom("ERR Invalid client ID")
    static let clientIDNotPositive = CommandError.custom("ERR client-id should be greater than 0")
    static let noSuchClient = CommandError.custom("ERR No such client")
    static func noSuchUser(_ name: String) -> CommandError { .custom("ERR No such user '\(name)'") }
    static let unblockReason = CommandError.custom("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    static let ssubscribeDenyBlocking = CommandError.custom("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
}

// MARK: - Transactions

extension CommandError {
    static let nestedMulti = CommandError.custom("ERR MULTI calls can not be nested")
    static let execWithoutMulti = CommandError.custom("ERR EXEC without MULTI")
    static let discardWithoutMulti = CommandError.custom("ERR DISCARD without MULTI")
    static let execAbortPreviousErrors = CommandError.custom(
        "EXECABORT Transaction discarded because of previous errors.")
    static let watchInMulti = CommandError.custom("ERR WATCH inside MULTI is not allowed")
}

// MARK: - ACL

extension CommandError {
    static let usernameInvalid = CommandError.custom("ERR Usernames can't contain spaces or null characters")
    static func aclSetUser(_ error: ACLSetUserError) -> CommandError {
        .custom("ERR Error in ACL SETUSER modifier '\(error.rule)': \(error.reason.message)")
    }
    static let defaultUserUndeletable = CommandError.custom("ERR The 'default' user cannot be removed")
    static func unknownACLCategory(_ name: String) -> CommandError { .custom("ERR Unknown category '\(clip(name))'") }
    static let aclGenpassBits = CommandError.custom(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
    static func aclUserNotFound(_ name: String) -> CommandError { .custom("ERR User '\(name)' not found") }
    static func aclCommandNotFound(_ name: String) -> CommandError { .custom("ERR Command '\(name)' not found") }
    static let noACLFile = CommandError.custom(
        "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL "
            + "SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in "
            + "order to store users in the Redis configuration.")
    static func aclLoad(_ error: ACLLoadError) -> CommandError { .custom("ERR " + error.message) }
    static let aclSaveFailed = CommandError.custom(
        "ERR There was an error trying to save the ACLs. Please check the server logs for more information")
}

// MARK: - Server: CONFIG, SHUTDOWN, DEBUG, COMMAND, OBJECT

extension CommandError {
    /// A CONFIG SET the configuration refused, in the configuration's words.
    public static func config(_ error: ConfigError) -> CommandError { .custom(error.message) }
    /// CONFIG SET of a TLS file the TLS layer could not load (Valkey's `applyTlsCfg`).
    public static func tlsReloadFailed(argument: String) -> CommandError {
        .custom(
            "ERR CONFIG SET failed (possibly related to argument '\(argument)') - Unable to update TLS "
                + "configuration. Check server logs.")
    }
    static let configSetUnavailable = CommandError.custom("ERR CONFIG SET is not available")
    public static let noConfigFile = CommandError.custom("ERR The server is running without a config file")
    public static let configRewriteUnsupported = CommandError.custom(
        "ERR Rewriting config file: CONFIG REWRITE is not supported by Podium yet")
    public static let shutdownFailed = CommandError.custom("ERR Errors trying to SHUTDOWN. Check logs.")
    static let noShutdownInProgress = CommandError.custom("ERR No shutdown in progress.")
    static let debugReloadOption = CommandError.custom(
        "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
    static let getkeysUnknownCommand = CommandError.custom("ERR Invalid command specified")
    static let getkeysArity = CommandError.custom("ERR Invalid number of arguments specified for command")
    static let getkeysNoKeys = CommandError.custom("ERR The command has no key arguments")
    static let getkeysInvalidArguments = CommandError.custom("ERR Invalid arguments specified for command")
}

// MARK: - Persistence

extension CommandError {
    public static let bgsaveInProgress = CommandError.custom("ERR Background save already in progress")
    public static let bgsaveWhileChildActive = CommandError.custom(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to "
            + "schedule a BGSAVE whenever possible.")
    public static let bgsaveNotInProgress = CommandError.custom(
        "ERR Background saving is currently not in progress or scheduled")
    public static let rdbLoadFailed = CommandError.custom("ERR Error trying to load the RDB dump, check server logs.")
    public static let aofRewriteInProgress = CommandError.custom(
        "ERR Background append only file rewriting already in progress")
    public static let aofRewriteFailed = CommandError.custom(
        "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
}

// MARK: - Cluster and ElastiCache Serverless

extension CommandError {
    static let clusterDisabled = CommandError.custom("ERR This instance has cluster support disabled")
    static let crossSlot = CommandError.custom("CROSSSLOT Keys in request don't hash to the same slot")
    static let invalidSlot = CommandError.custom("ERR Invalid slot")
    static let invalidSlotOrCount = CommandError.custom("ERR Invalid slot or number of keys")
    static let selectInCluster = CommandError.custom("ERR SELECT is not allowed in cluster mode")
    static let moveInCluster = CommandError.custom("ERR MOVE is not allowed in cluster mode")
    static let swapdbInCluster = CommandError.custom("ERR SWAPDB is not allowed in cluster mode")
    static let copyDBInCluster = CommandError.custom("ERR Copying to another database is not allowed in cluster mode")
    /// A restricted command, in ElastiCache Serverless' wording.
    static func restrictedOnServerless(_ name: String, firstArgument: String?) -> CommandError {
        .custom(
            "ERR unknown command '\(clip(name.lowercased()))', with args beginning with: \(clip(firstArgument ?? ""))")
    }
    static let tooManyArguments = CommandError.custom(
        "ERR too many arguments: ElastiCache Serverless accepts at most \(ServerlessRules.maxArguments) per request")
    static let keylessScript = CommandError.custom("ERR Lua scripts without any input keys are not supported.")
    static let notSupportedInTransaction = CommandError.custom("ERR command not supported inside transaction")
    /// Valkey's redirection (`clusterRedirectClient`): the preferred endpoint as it is, IPv6 without brackets.
    static func moved(slot: Int, host: String, port: Int) -> CommandError {
        .custom("MOVED \(slot) \(host):\(port)")
    }
    static let readOnlyReplica = CommandError.custom("READONLY You can't write against a read only replica.")
}

// MARK: - Scripts and functions

extension CommandError {
    /// Valkey 8's text (Redis 7.0 adds " Please use EVAL.").
    static let noScript = CommandError.custom("NOSCRIPT No matching script.")
    public static let numkeysAboveArguments = CommandError.custom(
        "ERR Number of keys can't be greater than number of args")
    public static let numkeysNegative = CommandError.custom("ERR Number of keys can't be negative")
    static let scriptFlushOption = CommandError.custom("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    static let functionFlushOption = CommandError.custom("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    static let functionLibraryNameMissing = CommandError.custom("ERR library name argument was not given")
    static func functionUnknownOption(_ option: String) -> CommandError {
        .custom("ERR Unknown option given: \(option)")
    }
    static let functionCodeMissing = CommandError.custom("ERR Function code is missing")
    static let functionLibraryNotFound = CommandError.custom("ERR Library not found")
    public static let functionNotFound = CommandError.custom("ERR Function not found")
    public static let functionBadNumberOfKeys = CommandError.custom("ERR Bad number of keys provided")
    static let functionRestorePolicy = CommandError.custom(
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    static func functionPayload(_ message: String) -> CommandError { .custom("ERR " + message) }
    static func functionUnknownArgument(_ argument: String) -> CommandError {
        .custom("ERR Unknown argument \(argument)")
    }
    /// FUNCTION LOAD's and FUNCTION RESTORE's refusals (Valkey adds the ERR code to its texts).
    public static func functionMetadata(_ message: String) -> CommandError { .custom("ERR " + message) }
    /// Thrown by the engine for a script stopped to run again on the script thread (never answered).
    public static let restartOnScriptThread = CommandError.custom("ERR script restarted on the script thread")
    public static let scriptKillNotBusy = CommandError.custom("NOTBUSY No scripts in execution right now.")
    public static let scriptUnkillable = CommandError.custom(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the "
            + "script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
    public static let scriptFromPrimaryUnkillable = CommandError.custom(
        "UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.")
    public static func scriptCompile(_ message: String) -> CommandError {
        .custom("ERR Error compiling script (new function): \(message)")
    }
    public static func scriptShebang(_ message: String) -> CommandError { .custom("ERR \(message)") }
    public static let scriptWriteFromReadOnlyCommand = CommandError.custom(
        "ERR Can not execute a script with write flag using *_ro command.")
    public static let scriptNoCluster = CommandError.custom(
        "ERR Can not run script on cluster, 'no-cluster' flag is set.")
    public static let scriptOutOfMemory = CommandError.custom(
        "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'")
    public static func scriptDiskError(_ reason: String) -> CommandError {
        .custom("MISCONF Errors writing to the AOF file: \(reason)")
    }
    // Errors of commands a script calls (Valkey's `scriptCall`); the engine adds the script's location.
    static let scriptUnknownCommand = CommandError.custom("Unknown command called from script")
    static let scriptWrongArity = CommandError.custom("Wrong number of args calling command from script")
    static let scriptNotAllowed = CommandError.custom("This Redis command is not allowed from script")
    static let scriptWriteInReadOnly = CommandError.custom("Write commands are not allowed from read-only scripts.")
    static func scriptCrossSlotCommand(_ name: String) -> CommandError {
        .custom("Command '\(name)' in script attempted to access keys that don't hash to the same slot")
    }
    static let scriptCrossSlot = CommandError.custom(
        "Script attempted to access keys that do not hash to the same slot")
    static func scriptACL(_ denial: CommandError) -> CommandError {
        var text = denial.message
        if text.hasPrefix("NOPERM ") { text.removeFirst("NOPERM ".count) }
        return .custom("ACL failure in script: " + text)
    }
}
