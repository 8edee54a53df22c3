/// THE command table: every command Podium implements, declared once, in Valkey's field order (name, arity,
/// flags, key positions, group, since, summary, syntax, handler). `COMMAND`, `COMMAND INFO/DOCS/COUNT`, arity
/// errors, MULTI queueing, INFO commandstats and docs/commands.md are all derived from it.
///
/// Arity follows Valkey: it counts the command name, and a negative value means "at least".
extension CommandTable {
    static let all: [CommandSpec] =
        generic + strings + bitmaps + hashes + lists + sets + sortedSets + pubsub + transactions + connection
        + cluster
        + scripting
        + server

    // MARK: - Generic
    static let generic: [CommandSpec] = [
        CommandSpec(
            "del", arity: -2, flags: [.write], keys: .all, group: .generic, since: "1.0.0",
            summary: "Deletes one or more keys.",
            complexity: "O(N) where N is the number of keys that will be removed.", syntax: "key [key ...]",
            handler: KeyCommands.del),
        CommandSpec(
            "unlink", arity: -2, flags: [.write, .fast], keys: .all, group: .generic, since: "4.0.0",
            summary: "Asynchronously deletes one or more keys.",
            complexity: "O(1) for each key removed regardless of its size.", syntax: "key [key ...]",
            handler: KeyCommands.unlink),
        CommandSpec(
            "exists", arity: -2, flags: [.readonly, .fast], keys: .all, group: .generic, since: "1.0.0",
            summary: "Determines whether one or more keys exist.",
            complexity: "O(N) where N is the number of keys to check.", syntax: "key [key ...]",
            handler: KeyCommands.exists, keyAccess: []),
        CommandSpec(
            "touch", arity: -2, flags: [.readonly, .fast], keys: .all, group: .generic, since: "3.2.1",
            summary:
                "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
            complexity: "O(N) where N is the number of keys that will be touched.",
            syntax: "key [key ...]", handler: KeyCommands.touch, keyAccess: []),
        CommandSpec(
            "type", arity: 2, flags: [.readonly, .fast], keys: .one, group: .generic, since: "1.0.0",
            summary: "Determines the type of value stored at a key.", complexity: "O(1)", syntax: "key",
            handler: KeyCommands.type, keyAccess: []),
        CommandSpec(
            "expire", arity: -3, flags: [.write, .fast], keys: .one, group: .generic, since: "1.0.0",
            summary: "Sets the expiration time of a key in seconds.", complexity: "O(1)",
            syntax: "key seconds [NX | XX | GT | LT]",
            handler: { ctx throws(CommandError) in try KeyCommands.expireGeneric(&ctx, relative: true, seconds: true) }),
        CommandSpec(
            "pexpire", arity: -3, flags: [.write, .fast], keys: .one, group: .generic, since: "2.6.0",
            summary: "Sets the expiration time of a key in milliseconds.", complexity: "O(1)",
            syntax: "key milliseconds [NX | XX | GT | LT]",
            handler: { ctx throws(CommandError) in try KeyCommands.expireGeneric(&ctx, relative: true, seconds: false) }
        ),
        CommandSpec(
            "expireat", arity: -3, flags: [.write, .fast], keys: .one, group: .generic, since: "1.2.0",
            summary: "Sets the expiration time of a key to a Unix timestamp.", complexity: "O(1)",
            syntax: "key unix-time-seconds [NX | XX | GT | LT]",
            handler: { ctx throws(CommandError) in try KeyCommands.expireGeneric(&ctx, relative: false, seconds: true) }
        ),
        CommandSpec(
            "pexpireat", arity: -3, flags: [.write, .fast], keys: .one, group: .generic, since: "2.6.0",
            summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", complexity: "O(1)",
            syntax: "key unix-time-milliseconds [NX | XX | GT | LT]",
            handler: { ctx throws(CommandError) in try KeyCommands.expireGeneric(&ctx, relative: false, seconds: false)
            }),
        CommandSpec(
            "ttl", arity: 2, flags: [.readonly, .fast], keys: .one, group: .generic, since: "1.0.0",
            summary: "Returns the expiration time in seconds of a key.", complexity: "O(1)", syntax: "key",
            handler: KeyCommands.ttl),
        CommandSpec(
            "pttl", arity: 2, flags: [.readonly, .fast], keys: .one, group: .generic, since: "2.6.0",
            summary: "Returns the expiration time in milliseconds of a key.", complexity: "O(1)", syntax: "key",
            handler: KeyCommands.pttl),
        CommandSpec(
            "expiretime", arity: 2, flags: [.readonly, .fast], keys: .one, group: .generic, since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix timestamp.", complexity: "O(1)", syntax: "key",
            handler: KeyCommands.expiretime),
        CommandSpec(
            "pexpiretime", arity: 2, flags: [.readonly, .fast], keys: .one, group: .generic, since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.", complexity: "O(1)",
            syntax: "key",
            handler: KeyCommands.pexpiretime),
        CommandSpec(
            "persist", arity: 2, flags: [.write, .fast], keys: .one, group: .generic, since: "2.2.0",
            summary: "Removes the expiration time of a key.", complexity: "O(1)", syntax: "key",
            handler: KeyCommands.persist),
        CommandSpec(
            "rename", arity: 3, flags: [.write], keys: .init(first: 1, last: 2, step: 1), group: .generic,
            since: "1.0.0", summary: "Renames a key and overwrites the destination.", complexity: "O(1)",
            syntax: "key newkey",
            handler: KeyCommands.rename, keySpecs: [.range(1, 1, [.read, .write]), .range(2, 2, .write)]),
        CommandSpec(
            "renamenx", arity: 3, flags: [.write, .fast], keys: .init(first: 1, last: 2, step: 1),
            group: .generic, since: "1.0.0", summary: "Renames a key only when the target key name doesn't exist.",
            complexity: "O(1)",
            syntax: "key newkey", handler: KeyCommands.renamenx,
            keySpecs: [.range(1, 1, [.read, .write]), .range(2, 2, .write)]),
        CommandSpec(
            "copy", arity: -3, flags: [.write, .denyOOM], keys: .init(first: 1, last: 2, step: 1),
            group: .generic, since: "6.2.0", summary: "Copies the value of a key to a new key.",
            complexity:
                "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
            syntax: "source destination [DB destination-db] [REPLACE]", handler: KeyCommands.copy,
            keySpecs: [.range(1, 1, .read), .range(2, 2, .write)]),
        CommandSpec(
            "dump", arity: 2, flags: [.readonly], keys: .init(first: 1, last: 1, step: 1), group: .generic,
            since: "2.6.0", summary: "Returns a serialized representation of the value stored at a key.",
            complexity:
                "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
            syntax: "key", handler: DumpRestoreCommands.dump, keySpecs: [.range(1, 1, .read)]),
        CommandSpec(
            "restore", arity: -4, flags: [.write, .denyOOM], keys: .init(first: 1, last: 1, step: 1),
            group: .generic, since: "2.6.0", summary: "Creates a key from the serialized representation of a value.",
            complexity:
                "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
            syntax: "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
            handler: DumpRestoreCommands.restore, acl: .dangerous, keySpecs: [.range(1, 1, .write)]),
        CommandSpec(
            "keys", arity: 2, flags: [.readonly], group: .generic, since: "1.0.0",
            summary: "Returns all key names that match a pattern.",
            complexity: "O(N) with N being the number of keys in the database.", syntax: "pattern",
            handler: KeyCommands.keys, acl: .dangerous),
        CommandSpec(
            "scan", arity: -2, flags: [.readonly], group: .generic, since: "2.8.0",
            summary: "Iterates over the key names in the database.",
            complexity: "O(1) for every call. O(N) for a complete iteration.",
            syntax: "cursor [MATCH pattern] [COUNT count] [TYPE type]", handler: KeyCommands.scan),
        CommandSpec(
            "move", arity: 3, flags: [.write, .fast], keys: .one, group: .generic, since: "1.0.0",
            summary: "Moves a key to another database.", complexity: "O(1)", syntax: "key db",
            handler: KeyCommands.move, keyAccess: [.read, .write]),
        CommandSpec(
            "sort", arity: -2, flags: [.write, .denyOOM], keys: .one, group: .generic, since: "1.0.0",
            summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
            complexity:
                "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
            syntax:
                "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]",
            handler: KeyCommands.sort, acl: [.set, .sortedset, .list, .dangerous],
            // As Valkey: the sorted key, the keys BY / GET patterns name (unknown), the STORE destination.
            keySpecs: [.range(1, 1, .read), KeySpec(.unknown, .read), KeySpec(.sortStore, .write)]),
        CommandSpec(
            "sort_ro", arity: -2, flags: [.readonly], keys: .one, group: .generic, since: "7.0.0",
            summary: "Returns the sorted elements of a list, a set, or a sorted set.",
            complexity:
                "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
            syntax: "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]",
            handler: KeyCommands.sortRO, acl: [.set, .sortedset, .list, .dangerous],
            keySpecs: [.range(1, 1, .read), KeySpec(.unknown, .read)]),
        CommandSpec(
            "wait", arity: 3, flags: [.blocking], group: .generic, since: "3.0.0",
            summary:
                "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
            complexity: "O(1)", syntax: "numreplicas timeout", handler: KeyCommands.wait,
            acl: [.connection]),
        CommandSpec(
            "randomkey", arity: 1, flags: [.readonly], group: .generic, since: "1.0.0",
            summary: "Returns a random key name from the database.", complexity: "O(1)", handler: KeyCommands.randomkey),
        CommandSpec(
            "object", arity: -2, flags: [], group: .generic, since: "2.2.3",
            summary: "A container for object introspection commands.", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "object|encoding", arity: 3, flags: [.readonly], keys: .init(first: 2, last: 2, step: 1),
                    group: .generic, since: "2.2.3", summary: "Returns the internal encoding of an object.",
                    complexity: "O(1)",
                    syntax: "key", handler: KeyCommands.objectEncoding, keyAccess: []),
                CommandSpec(
                    "object|freq", arity: 3, flags: [.readonly], keys: .init(first: 2, last: 2, step: 1),
                    group: .generic, since: "4.0.0",
                    summary: "Returns the logarithmic access frequency counter of an object.", complexity: "O(1)",
                    syntax: "key", handler: KeyCommands.objectFreq, keyAccess: []),
                CommandSpec(
                    "object|idletime", arity: 3, flags: [.readonly], keys: .init(first: 2, last: 2, step: 1),
                    group: .generic, since: "2.2.3", summary: "Returns the time since the last access to an object.",
                    complexity: "O(1)",
                    syntax: "key", handler: KeyCommands.objectIdletime, keyAccess: []),
                CommandSpec(
                    "object|refcount", arity: 3, flags: [.readonly], keys: .init(first: 2, last: 2, step: 1),
                    group: .generic, since: "2.2.3", summary: "Returns the reference count of a value of a key.",
                    complexity: "O(1)",
                    syntax: "key", handler: KeyCommands.objectRefcount, keyAccess: []),
                CommandSpec(
                    "object|help", arity: 2, flags: [.loading, .stale], group: .generic, since: "6.2.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: KeyCommands.objectHelp),
            ]),
        CommandSpec(
            "dbsize", arity: 1, flags: [.readonly, .fast], group: .server, since: "1.0.0",
            summary: "Returns the number of keys in the database.", complexity: "O(1)", handler: KeyCommands.dbsize,
            acl: .keyspace),
        CommandSpec(
            "select", arity: 2, flags: [.loading, .stale, .fast], group: .connection, since: "1.0.0",
            summary: "Changes the selected database.", complexity: "O(1)", syntax: "index", handler: KeyCommands.select),
        CommandSpec(
            "swapdb", arity: 3, flags: [.write, .fast], group: .server, since: "4.0.0",
            summary: "Swaps two databases.",
            complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
            syntax: "index1 index2", handler: KeyCommands.swapdb, acl: [.keyspace, .dangerous]),
        CommandSpec(
            "flushdb", arity: -1, flags: [.write], group: .server, since: "1.0.0",
            summary: "Removes all keys from the current database.",
            complexity: "O(N) where N is the number of keys in the selected database", syntax: "[ASYNC | SYNC]",
            handler: KeyCommands.flushdb, acl: [.keyspace, .dangerous]),
        CommandSpec(
            "flushall", arity: -1, flags: [.write], group: .server, since: "1.0.0",
            summary: "Removes all keys from all databases.",
            complexity: "O(N) where N is the total number of keys in all databases", syntax: "[ASYNC | SYNC]",
            handler: KeyCommands.flushall, acl: [.keyspace, .dangerous]),
    ]

    // MARK: - Strings
    static let strings: [CommandSpec] = [
        CommandSpec(
            "get", arity: 2, flags: [.readonly, .fast], keys: .one, group: .string, since: "1.0.0",
            summary: "Returns the string value of a key.", complexity: "O(1)", syntax: "key",
            handler: StringCommands.get),
        CommandSpec(
            "set", arity: -3, flags: [.write, .denyOOM], keys: .one, group: .string, since: "1.0.0",
            summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
            complexity: "O(1)",
            syntax:
                "key value [NX | XX | IFEQ comparison-value] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
            handler: StringCommands.set,
            keySpecs: [KeySpec(.range(first: 1, last: 1, step: 1), .write, readIfArgument: "get")]),
        CommandSpec(
            "setnx", arity: 3, flags: [.write, .denyOOM, .fast], keys: .one, group: .string, since: "1.0.0",
            summary: "Set the string value of a key only when the key doesn't exist.", complexity: "O(1)",
            syntax: "key value",
            handler: StringCommands.setnx),
        CommandSpec(
            "setex", arity: 4, flags: [.write, .denyOOM], keys: .one, group: .string, since: "2.0.0",
            summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
            complexity: "O(1)",
            syntax: "key seconds value", handler: StringCommands.setex),
        CommandSpec(
            "psetex", arity: 4, flags: [.write, .denyOOM], keys: .one, group: .string, since: "2.6.0",
            summary:
                "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
            complexity: "O(1)",
            syntax: "key milliseconds value", handler: StringCommands.psetex),
        CommandSpec(
            "getdel", arity: 2, flags: [.write, .fast], keys: .one, group: .string, since: "6.2.0",
            summary: "Returns the string value of a key after deleting the key.", complexity: "O(1)", syntax: "key",
            handler: StringCommands.getdel, keyAccess: [.read, .write]),
        CommandSpec(
            "getex", arity: -2, flags: [.write, .fast], keys: .one, group: .string, since: "6.2.0",
            summary: "Returns the string value of a key after setting its expiration time.", complexity: "O(1)",
            syntax:
                "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]",
            handler: StringCommands.getex, keyAccess: [.read, .write]),
        CommandSpec(
            "getset", arity: 3, flags: [.write, .denyOOM, .fast], keys: .one, group: .string, since: "1.0.0",
            summary: "Returns the previous string value of a key after setting it to a new value.", complexity: "O(1)",
            syntax: "key value", handler: StringCommands.getset, keyAccess: [.read, .write]),
        CommandSpec(
            "mget", arity: -2, flags: [.readonly, .fast], keys: .all, group: .string, since: "1.0.0",
            summary: "Atomically returns the string values of one or more keys.",
            complexity: "O(N) where N is the number of keys to retrieve.", syntax: "key [key ...]",
            handler: StringCommands.mget),
        CommandSpec(
            "mset", arity: -3, flags: [.write, .denyOOM], keys: .init(first: 1, last: -1, step: 2),
            group: .string, since: "1.0.1",
            summary: "Atomically creates or modifies the string values of one or more keys.",
            complexity: "O(N) where N is the number of keys to set.",
            syntax: "key value [key value ...]", handler: StringCommands.mset),
        CommandSpec(
            "msetnx", arity: -3, flags: [.write, .denyOOM], keys: .init(first: 1, last: -1, step: 2),
            group: .string, since: "1.0.1",
            summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.",
            complexity: "O(N) where N is the number of keys to set.",
            syntax: "key value [key value ...]", handler: StringCommands.msetnx),
        CommandSpec(
            "incr", arity: 2, flags: [.write, .denyOOM, .fast], keys: .one, group: .string, since: "1.0.0",
            summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
            complexity: "O(1)",
            syntax: "key", handler: StringCommands.incr, keyAccess: [.read, .write]),
        CommandSpec(
            "decr", arity: 2, flags: [.write, .denyOOM, .fast], keys: .one, group: .string, since: "1.0.0",
            summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
            complexity: "O(1)",
            syntax: "key", handler: StringCommands.decr, keyAccess: [.read, .write]),
        CommandSpec(
            "incrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: .one, group: .string, since: "1.0.0",
            summary:
                "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
            complexity: "O(1)",
            syntax: "key increment", handler: StringCommands.incrby, keyAccess: [.read, .write]),
        CommandSpec(
            "decrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: .one, group: .string, since: "1.0.0",
            summary:
                "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
            complexity: "O(1)",
            syntax: "key decrement", handler: StringCommands.decrby, keyAccess: [.read, .write]),
        CommandSpec(
            "incrbyfloat", arity: 3, flags: [.write, .denyOOM, .fast], keys: .one, group: .string,
            since: "2.6.0",
            summary:
                "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
            complexity: "O(1)",
            syntax: "key increment", handler: StringCommands.incrbyfloat, keyAccess: [.read, .write]),
        CommandSpec(
            "append", arity: 3, flags: [.write, .denyOOM, .fast], keys: .one, group: .string, since: "2.0.0",
            summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.", complexity: "O(1)",
            syntax: "key value", handler: StringCommands.append),
        CommandSpec(
            "strlen", arity: 2, flags: [.readonly, .fast], keys: .one, group: .string, since: "2.2.0",
            summary: "Returns the length of a string value.", complexity: "O(1)", syntax: "key",
            handler: StringCommands.strlen, keyAccess: []),
        CommandSpec(
            "getrange", arity: 4, flags: [.readonly], keys: .one, group: .string, since: "2.4.0",
            summary: "Returns a substring of the string stored at a key.",
            complexity: "O(N) where N is the length of the returned string.", syntax: "key start end",
            handler: StringCommands.getrange),
        CommandSpec(
            "setrange", arity: 4, flags: [.write, .denyOOM], keys: .one, group: .string, since: "2.2.0",
            summary:
                "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
            complexity: "O(1), not counting the time taken to copy the new string in place.",
            syntax: "key offset value", handler: StringCommands.setrange),
        CommandSpec(
            "delifeq", arity: 3, flags: [.write, .fast], keys: .one, group: .string, since: "9.0.0",
            summary: "Delete key if value matches string.", complexity: "O(1)", syntax: "key value",
            handler: StringCommands.delifeq),
        CommandSpec(
            "substr", arity: 4, flags: [.readonly], keys: .one, group: .string, since: "1.0.0",
            summary: "Returns a substring from a string value.",
            complexity:
                "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
            syntax: "key start end", handler: StringCommands.getrange),
        CommandSpec(
            "lcs", arity: -3, flags: [.readonly], keys: .init(first: 1, last: 2, step: 1), group: .string,
            since: "7.0.0", summary: "Finds the longest common substring.",
            complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
            syntax: "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]", handler: StringCommands.lcs),
    ]

    // MARK: - Bitmaps
    static let bitmaps: [CommandSpec] = [
        CommandSpec(
            "setbit", arity: 4, flags: [.write, .denyOOM], keys: .one, group: .bitmap, since: "2.2.0",
            summary: "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
            complexity: "O(1)", syntax: "key offset value", handler: BitmapCommands.setbit, keyAccess: [.read, .write]),
        CommandSpec(
            "getbit", arity: 3, flags: [.readonly, .fast], keys: .one, group: .bitmap, since: "2.2.0",
            summary: "Returns a bit value by offset.", complexity: "O(1)", syntax: "key offset",
            handler: BitmapCommands.getbit),
        CommandSpec(
            "bitcount", arity: -2, flags: [.readonly], keys: .one, group: .bitmap, since: "2.6.0",
            summary: "Counts the number of set bits (population counting) in a string.", complexity: "O(N)",
            syntax: "key [start end [BYTE | BIT]]", handler: BitmapCommands.bitcount),
        CommandSpec(
            "bitpos", arity: -3, flags: [.readonly], keys: .one, group: .bitmap, since: "2.8.7",
            summary: "Finds the first set (1) or clear (0) bit in a string.", complexity: "O(N)",
            syntax: "key bit [start [end [BYTE | BIT]]]", handler: BitmapCommands.bitpos),
        CommandSpec(
            "bitop", arity: -4, flags: [.write, .denyOOM], keys: .init(first: 2, last: -1, step: 1),
            group: .bitmap, since: "2.6.0",
            summary: "Performs bitwise operations on multiple strings, and stores the result.", complexity: "O(N)",
            syntax: "AND | OR | XOR | NOT destkey key [key ...]", handler: BitmapCommands.bitop,
            keySpecs: [.range(2, 2, .write), .range(3, -1, .read)]),
        CommandSpec(
            "bitfield", arity: -2, flags: [.write, .denyOOM], keys: .one, group: .bitmap, since: "3.2.0",
            summary: "Performs arbitrary bitfield integer operations on strings.",
            complexity: "O(1) for each subcommand specified",
            syntax:
                "key [GET encoding offset | [OVERFLOW WRAP | SAT | FAIL] SET encoding offset value | INCRBY encoding offset increment ...]",
            handler: BitmapCommands.bitfield, keyAccess: [.read, .write]),
        CommandSpec(
            "bitfield_ro", arity: -2, flags: [.readonly, .fast], keys: .one, group: .bitmap, since: "6.0.0",
            summary: "Performs arbitrary read-only bitfield integer operations on strings.",
            complexity: "O(1) for each subcommand specified", syntax: "key [GET encoding offset ...]",
            handler: BitmapCommands.bitfieldRO),
    ]

    // MARK: - Hashes
    static let hashes: [CommandSpec] = [
        CommandSpec(
            "hset", arity: -4, flags: [.write, .denyOOM, .fast], keys: .one, group: .hash, since: "2.0.0",
            summary: "Creates or modifies the value of a field in a hash.",
            complexity:
                "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
            syntax: "key field value [field value ...]", handler: HashCommands.hset),
        CommandSpec(
            "hmset", arity: -4, flags: [.write, .denyOOM, .fast], keys: .one, group: .hash, since: "2.0.0",
            summary: "Sets the values of multiple fields.",
            complexity: "O(N) where N is the number of fields being set.",
            syntax: "key field value [field value ...]", handler: HashCommands.hmset),
        CommandSpec(
            "hsetnx", arity: 4, flags: [.write, .denyOOM, .fast], keys: .one, group: .hash, since: "2.0.0",
            summary: "Sets the value of a field in a hash only when the field doesn't exist.", complexity: "O(1)",
            syntax: "key field value", handler: HashCommands.hsetnx),
        CommandSpec(
            "hget", arity: 3, flags: [.readonly, .fast], keys: .one, group: .hash, since: "2.0.0",
            summary: "Returns the value of a field in a hash.", complexity: "O(1)", syntax: "key field",
            handler: HashCommands.hget),
        CommandSpec(
            "hmget", arity: -3, flags: [.readonly, .fast], keys: .one, group: .hash, since: "2.0.0",
            summary: "Returns the values of all fields in a hash.",
            complexity: "O(N) where N is the number of fields being requested.", syntax: "key field [field ...]",
            handler: HashCommands.hmget),
        CommandSpec(
            "hgetall", arity: 2, flags: [.readonly], keys: .one, group: .hash, since: "2.0.0",
            summary: "Returns all fields and values in a hash.", complexity: "O(N) where N is the size of the hash.",
            syntax: "key", handler: HashCommands.hgetall),
        CommandSpec(
            "hdel", arity: -3, flags: [.write, .fast], keys: .one, group: .hash, since: "2.0.0",
            summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
            complexity: "O(N) where N is the number of fields to be removed.", syntax: "key field [field ...]",
            handler: HashCommands.hdel),
        CommandSpec(
            "hexists", arity: 3, flags: [.readonly, .fast], keys: .one, group: .hash, since: "2.0.0",
            summary: "Determines whether a field exists in a hash.", complexity: "O(1)", syntax: "key field",
            handler: HashCommands.hexists, keyAccess: []),
        CommandSpec(
            "hlen", arity: 2, flags: [.readonly, .fast], keys: .one, group: .hash, since: "2.0.0",
            summary: "Returns the number of fields in a hash.", complexity: "O(1)", syntax: "key",
            handler: HashCommands.hlen, keyAccess: []),
        CommandSpec(
            "hkeys", arity: 2, flags: [.readonly], keys: .one, group: .hash, since: "2.0.0",
            summary: "Returns all fields in a hash.", complexity: "O(N) where N is the size of the hash.",
            syntax: "key", handler: HashCommands.hkeys),
        CommandSpec(
            "hvals", arity: 2, flags: [.readonly], keys: .one, group: .hash, since: "2.0.0",
            summary: "Returns all values in a hash.", complexity: "O(N) where N is the size of the hash.",
            syntax: "key", handler: HashCommands.hvals),
        CommandSpec(
            "hstrlen", arity: 3, flags: [.readonly, .fast], keys: .one, group: .hash, since: "3.2.0",
            summary: "Returns the length of the value of a field.", complexity: "O(1)", syntax: "key field",
            handler: HashCommands.hstrlen, keyAccess: []),
        CommandSpec(
            "hincrby", arity: 4, flags: [.write, .denyOOM, .fast], keys: .one, group: .hash, since: "2.0.0",
            summary:
                "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
            complexity: "O(1)", syntax: "key field increment", handler: HashCommands.hincrby,
            keyAccess: [.read, .write]),
        CommandSpec(
            "hincrbyfloat", arity: 4, flags: [.write, .denyOOM, .fast], keys: .one, group: .hash,
            since: "2.6.0",
            summary:
                "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
            complexity: "O(1)", syntax: "key field increment", handler: HashCommands.hincrbyfloat,
            keyAccess: [.read, .write]),
        CommandSpec(
            "hrandfield", arity: -2, flags: [.readonly], keys: .one, group: .hash, since: "6.2.0",
            summary: "Returns one or more random fields from a hash.",
            complexity: "O(N) where N is the number of fields returned", syntax: "key [count [WITHVALUES]]",
            handler: HashCommands.hrandfield),
        CommandSpec(
            "hscan", arity: -3, flags: [.readonly], keys: .one, group: .hash, since: "2.8.0",
            summary: "Iterates over fields and values of a hash.",
            complexity:
                "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
            syntax: "key cursor [MATCH pattern] [COUNT count] [NOVALUES]", handler: HashCommands.hscan),
        // Field expiry (Valkey 9.0; HGETDEL 9.1).
        CommandSpec(
            "hexpire", arity: -6, flags: [.write, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary: "Sets expiry time on hash fields.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax: "key seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]",
            handler: { ctx throws(CommandError) in try HashCommands.hexpireGeneric(&ctx, relative: true, seconds: true)
            }),
        CommandSpec(
            "hpexpire", arity: -6, flags: [.write, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary: "Sets expiry time on hash fields in milliseconds.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax: "key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]",
            handler: { ctx throws(CommandError) in try HashCommands.hexpireGeneric(&ctx, relative: true, seconds: false)
            }),
        CommandSpec(
            "hexpireat", arity: -6, flags: [.write, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary: "Sets expiry time on hash fields as a Unix timestamp in seconds.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax: "key unix-time-seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]",
            handler: { ctx throws(CommandError) in try HashCommands.hexpireGeneric(&ctx, relative: false, seconds: true)
            }),
        CommandSpec(
            "hpexpireat", arity: -6, flags: [.write, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary: "Sets expiry time on hash fields as a Unix timestamp in milliseconds.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax: "key unix-time-milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]",
            handler: { ctx throws(CommandError) in
                try HashCommands.hexpireGeneric(&ctx, relative: false, seconds: false)
            }),
        CommandSpec(
            "hpersist", arity: -5, flags: [.write, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary: "Removes the expiration time of hash fields.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax: "key FIELDS numfields field [field ...]", handler: HashCommands.hpersist),
        CommandSpec(
            "httl", arity: -5, flags: [.readonly, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary: "Returns the remaining time to live of hash fields, in seconds.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax: "key FIELDS numfields field [field ...]",
            handler: { ctx throws(CommandError) in
                try HashCommands.httlGeneric(&ctx, relative: true, milliseconds: false)
            }),
        CommandSpec(
            "hpttl", arity: -5, flags: [.readonly, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary: "Returns the remaining time to live of hash fields, in milliseconds.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax: "key FIELDS numfields field [field ...]",
            handler: { ctx throws(CommandError) in
                try HashCommands.httlGeneric(&ctx, relative: true, milliseconds: true)
            }),
        CommandSpec(
            "hexpiretime", arity: -5, flags: [.readonly, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary: "Returns the expiration time of hash fields as a Unix timestamp in seconds.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax: "key FIELDS numfields field [field ...]",
            handler: { ctx throws(CommandError) in
                try HashCommands.httlGeneric(&ctx, relative: false, milliseconds: false)
            }),
        CommandSpec(
            "hpexpiretime", arity: -5, flags: [.readonly, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary: "Returns the expiration time of hash fields as a Unix timestamp in milliseconds.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax: "key FIELDS numfields field [field ...]",
            handler: { ctx throws(CommandError) in
                try HashCommands.httlGeneric(&ctx, relative: false, milliseconds: true)
            }),
        CommandSpec(
            "hgetex", arity: -5, flags: [.write, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary:
                "Get the value of one or more fields of a given hash key, and optionally set their expiration time or time-to-live (TTL).",
            complexity: "O(N) where N is the number of specified fields.",
            syntax:
                "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST] FIELDS numfields field [field ...]",
            handler: HashCommands.hgetex, keyAccess: [.read]),
        CommandSpec(
            "hsetex", arity: -6, flags: [.write, .denyOOM, .fast], keys: .one, group: .hash, since: "9.0.0",
            summary:
                "Set the value of one or more fields of a given hash key, and optionally set their expiration time.",
            complexity: "O(N) where N is the number of specified fields.",
            syntax:
                "key [NX | XX] [FNX | FXX] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] FIELDS numfields field value [field value ...]",
            handler: HashCommands.hsetex),
        CommandSpec(
            "hgetdel", arity: -5, flags: [.write, .fast], keys: .one, group: .hash, since: "9.1.0",
            summary: "Returns the values of one or more fields and deletes them from a hash.",
            complexity: "O(N) where N is the number of fields to be retrieved and deleted.",
            syntax: "key FIELDS numfields field [field ...]", handler: HashCommands.hgetdel,
            keyAccess: [.read, .write]),
    ]

    // MARK: - Lists
    static let lists: [CommandSpec] = [
        CommandSpec(
            "lpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: .one, group: .list, since: "1.0.0",
            summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
            complexity:
                "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
            syntax: "key element [element ...]",
            handler: { ctx throws(CommandError) in try ListCommands.pushGeneric(&ctx, front: true, onlyIfExists: false)
            }),
        CommandSpec(
            "rpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: .one, group: .list, since: "1.0.0",
            summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.",
            complexity:
                "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
            syntax: "key element [element ...]",
            handler: { ctx throws(CommandError) in try ListCommands.pushGeneric(&ctx, front: false, onlyIfExists: false)
            }),
        CommandSpec(
            "lpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: .one, group: .list, since: "2.2.0",
            summary: "Prepends one or more elements to a list only when the list exists.",
            complexity:
                "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
            syntax: "key element [element ...]",
            handler: { ctx throws(CommandError) in try ListCommands.pushGeneric(&ctx, front: true, onlyIfExists: true) }
        ),
        CommandSpec(
            "rpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: .one, group: .list, since: "2.2.0",
            summary: "Appends an element to a list only when the list exists.",
            complexity:
                "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
            syntax: "key element [element ...]",
            handler: { ctx throws(CommandError) in try ListCommands.pushGeneric(&ctx, front: false, onlyIfExists: true)
            }),
        CommandSpec(
            "lpop", arity: -2, flags: [.write, .fast], keys: .one, group: .list, since: "1.0.0",
            summary:
                "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.",
            complexity: "O(N) where N is the number of elements returned", syntax: "key [count]",
            handler: ListCommands.lpop, keyAccess: [.read, .write]),
        CommandSpec(
            "rpop", arity: -2, flags: [.write, .fast], keys: .one, group: .list, since: "1.0.0",
            summary:
                "Returns and removes the last elements of a list. Deletes the list if the last element was popped.",
            complexity: "O(N) where N is the number of elements returned", syntax: "key [count]",
            handler: ListCommands.rpop, keyAccess: [.read, .write]),
        CommandSpec(
            "llen", arity: 2, flags: [.readonly, .fast], keys: .one, group: .list, since: "1.0.0",
            summary: "Returns the length of a list.", complexity: "O(1)", syntax: "key", handler: ListCommands.llen,
            keyAccess: []),
        CommandSpec(
            "lrange", arity: 4, flags: [.readonly], keys: .one, group: .list, since: "1.0.0",
            summary: "Returns a range of elements from a list.",
            complexity:
                "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
            syntax: "key start stop", handler: ListCommands.lrange),
        CommandSpec(
            "lindex", arity: 3, flags: [.readonly], keys: .one, group: .list, since: "1.0.0",
            summary: "Returns an element from a list by its index.",
            complexity:
                "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
            syntax: "key index", handler: ListCommands.lindex),
        CommandSpec(
            "lset", arity: 4, flags: [.write, .denyOOM], keys: .one, group: .list, since: "1.0.0",
            summary: "Sets the value of an element in a list by its index.",
            complexity:
                "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
            syntax: "key index element", handler: ListCommands.lset),
        CommandSpec(
            "linsert", arity: 5, flags: [.write, .denyOOM], keys: .one, group: .list, since: "2.2.0",
            summary: "Inserts an element before or after another element in a list.",
            complexity:
                "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
            syntax: "key BEFORE | AFTER pivot element", handler: ListCommands.linsert),
        CommandSpec(
            "lrem", arity: 4, flags: [.write], keys: .one, group: .list, since: "1.0.0",
            summary: "Removes elements from a list. Deletes the list if the last element was removed.",
            complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.",
            syntax: "key count element", handler: ListCommands.lrem),
        CommandSpec(
            "ltrim", arity: 4, flags: [.write], keys: .one, group: .list, since: "1.0.0",
            summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
            complexity: "O(N) where N is the number of elements to be removed by the operation.",
            syntax: "key start stop", handler: ListCommands.ltrim),
        CommandSpec(
            "lpos", arity: -3, flags: [.readonly], keys: .one, group: .list, since: "6.0.6",
            summary: "Returns the index of matching elements in a list.",
            complexity:
                "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
            syntax: "key element [RANK rank] [COUNT num-matches] [MAXLEN len]", handler: ListCommands.lpos),
        CommandSpec(
            "lmove", arity: 5, flags: [.write, .denyOOM], keys: .init(first: 1, last: 2, step: 1), group: .list,
            since: "6.2.0",
            summary:
                "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.",
            complexity: "O(1)", syntax: "source destination LEFT | RIGHT LEFT | RIGHT", handler: ListCommands.lmove,
            keySpecs: [.range(1, 1, [.read, .write]), .range(2, 2, .write)]),
        CommandSpec(
            "rpoplpush", arity: 3, flags: [.write, .denyOOM], keys: .init(first: 1, last: 2, step: 1),
            group: .list, since: "1.2.0",
            summary:
                "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.",
            complexity: "O(1)", syntax: "source destination", handler: ListCommands.rpoplpush,
            keySpecs: [.range(1, 1, [.read, .write]), .range(2, 2, .write)]),
        CommandSpec(
            "lmpop", arity: -4, flags: [.write], keys: .none, group: .list, since: "7.0.0",
            summary:
                "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
            complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
            syntax: "numkeys key [key ...] LEFT | RIGHT [COUNT count]", handler: ListCommands.lmpop,
            keySpecs: [.counted(at: 1, [.read, .write])]),
        CommandSpec(
            "blpop", arity: -3, flags: [.write, .blocking], keys: .init(first: 1, last: -2, step: 1),
            group: .list, since: "2.0.0",
            summary:
                "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            complexity: "O(N) where N is the number of provided keys.", syntax: "key [key ...] timeout",
            handler: ListCommands.blpop, keyAccess: [.read, .write]),
        CommandSpec(
            "brpop", arity: -3, flags: [.write, .blocking], keys: .init(first: 1, last: -2, step: 1),
            group: .list, since: "2.0.0",
            summary:
                "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            complexity: "O(N) where N is the number of provided keys.", syntax: "key [key ...] timeout",
            handler: ListCommands.brpop, keyAccess: [.read, .write]),
        CommandSpec(
            "blmove", arity: 6, flags: [.write, .denyOOM, .blocking], keys: .init(first: 1, last: 2, step: 1),
            group: .list, since: "6.2.0",
            summary:
                "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
            complexity: "O(1)", syntax: "source destination LEFT | RIGHT LEFT | RIGHT timeout",
            handler: ListCommands.blmove, keySpecs: [.range(1, 1, [.read, .write]), .range(2, 2, .write)]),
        CommandSpec(
            "brpoplpush", arity: 4, flags: [.write, .denyOOM, .blocking], keys: .init(first: 1, last: 2, step: 1),
            group: .list, since: "2.2.0",
            summary:
                "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
            complexity: "O(1)", syntax: "source destination timeout", handler: ListCommands.brpoplpush,
            keySpecs: [.range(1, 1, [.read, .write]), .range(2, 2, .write)]),
        CommandSpec(
            "blmpop", arity: -5, flags: [.write, .blocking], keys: .none, group: .list, since: "7.0.0",
            summary:
                "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
            syntax: "timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]", handler: ListCommands.blmpop,
            keySpecs: [.counted(at: 2, [.read, .write])]),
    ]

    // MARK: - Sets
    static let sets: [CommandSpec] = [
        CommandSpec(
            "sadd", arity: -3, flags: [.write, .denyOOM, .fast], keys: .one, group: .set, since: "1.0.0",
            summary: "Adds one or more members to a set. Creates the key if it doesn't exist.",
            complexity:
                "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
            syntax: "key member [member ...]", handler: SetCommands.sadd),
        CommandSpec(
            "srem", arity: -3, flags: [.write, .fast], keys: .one, group: .set, since: "1.0.0",
            summary: "Removes one or more members from a set. Deletes the set if the last member was removed.",
            complexity: "O(N) where N is the number of members to be removed.", syntax: "key member [member ...]",
            handler: SetCommands.srem),
        CommandSpec(
            "smove", arity: 4, flags: [.write, .fast], keys: .init(first: 1, last: 2, step: 1), group: .set,
            since: "1.0.0", summary: "Moves a member from one set to another.", complexity: "O(1)",
            syntax: "source destination member", handler: SetCommands.smove,
            keySpecs: [.range(1, 1, [.read, .write]), .range(2, 2, .write)]),
        CommandSpec(
            "sismember", arity: 3, flags: [.readonly, .fast], keys: .one, group: .set, since: "1.0.0",
            summary: "Determines whether a member belongs to a set.", complexity: "O(1)", syntax: "key member",
            handler: SetCommands.sismember, keyAccess: []),
        CommandSpec(
            "smismember", arity: -3, flags: [.readonly, .fast], keys: .one, group: .set, since: "6.2.0",
            summary: "Determines whether multiple members belong to a set.",
            complexity: "O(N) where N is the number of elements being checked for membership",
            syntax: "key member [member ...]", handler: SetCommands.smismember),
        CommandSpec(
            "scard", arity: 2, flags: [.readonly, .fast], keys: .one, group: .set, since: "1.0.0",
            summary: "Returns the number of members in a set.", complexity: "O(1)", syntax: "key",
            handler: SetCommands.scard, keyAccess: []),
        CommandSpec(
            "smembers", arity: 2, flags: [.readonly], keys: .one, group: .set, since: "1.0.0",
            summary: "Returns all members of a set.", complexity: "O(N) where N is the set cardinality.",
            syntax: "key", handler: SetCommands.smembers),
        CommandSpec(
            "spop", arity: -2, flags: [.write, .fast], keys: .one, group: .set, since: "1.0.0",
            summary:
                "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
            complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
            syntax: "key [count]", handler: SetCommands.spop, keyAccess: [.read, .write]),
        CommandSpec(
            "srandmember", arity: -2, flags: [.readonly], keys: .one, group: .set, since: "1.0.0",
            summary: "Get one or multiple random members from a set",
            complexity:
                "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
            syntax: "key [count]", handler: SetCommands.srandmember),
        CommandSpec(
            "sinter", arity: -2, flags: [.readonly], keys: .all, group: .set, since: "1.0.0",
            summary: "Returns the intersect of multiple sets.",
            complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
            syntax: "key [key ...]", handler: SetCommands.sinter),
        CommandSpec(
            "sinterstore", arity: -3, flags: [.write, .denyOOM], keys: .all, group: .set, since: "1.0.0",
            summary: "Stores the intersect of multiple sets in a key.",
            complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
            syntax: "destination key [key ...]", handler: SetCommands.sinterstore,
            keySpecs: [.range(1, 1, .write), .range(2, -1, .read)]),
        CommandSpec(
            "sintercard", arity: -3, flags: [.readonly], keys: .none, group: .set, since: "7.0.0",
            summary: "Returns the number of members of the intersect of multiple sets.",
            complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
            syntax: "numkeys key [key ...] [LIMIT limit]", handler: SetCommands.sintercard,
            keySpecs: [.counted(at: 1, .read)]),
        CommandSpec(
            "sunion", arity: -2, flags: [.readonly], keys: .all, group: .set, since: "1.0.0",
            summary: "Returns the union of multiple sets.",
            complexity: "O(N) where N is the total number of elements in all given sets.", syntax: "key [key ...]",
            handler: SetCommands.sunion),
        CommandSpec(
            "sunionstore", arity: -3, flags: [.write, .denyOOM], keys: .all, group: .set, since: "1.0.0",
            summary: "Stores the union of multiple sets in a key.",
            complexity: "O(N) where N is the total number of elements in all given sets.",
            syntax: "destination key [key ...]", handler: SetCommands.sunionstore,
            keySpecs: [.range(1, 1, .write), .range(2, -1, .read)]),
        CommandSpec(
            "sdiff", arity: -2, flags: [.readonly], keys: .all, group: .set, since: "1.0.0",
            summary: "Returns the difference of multiple sets.",
            complexity: "O(N) where N is the total number of elements in all given sets.", syntax: "key [key ...]",
            handler: SetCommands.sdiff),
        CommandSpec(
            "sdiffstore", arity: -3, flags: [.write, .denyOOM], keys: .all, group: .set, since: "1.0.0",
            summary: "Stores the difference of multiple sets in a key.",
            complexity: "O(N) where N is the total number of elements in all given sets.",
            syntax: "destination key [key ...]", handler: SetCommands.sdiffstore,
            keySpecs: [.range(1, 1, .write), .range(2, -1, .read)]),
        CommandSpec(
            "sscan", arity: -3, flags: [.readonly], keys: .one, group: .set, since: "2.8.0",
            summary: "Iterates over members of a set.",
            complexity:
                "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
            syntax: "key cursor [MATCH pattern] [COUNT count]", handler: SetCommands.sscan),
    ]

    // MARK: - Sorted sets
    static let sortedSets: [CommandSpec] = [
        CommandSpec(
            "zadd", arity: -4, flags: [.write, .denyOOM, .fast], keys: .one, group: .sortedSet, since: "1.2.0",
            summary:
                "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.",
            complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
            syntax: "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
            handler: SortedSetCommands.zadd),
        CommandSpec(
            "zincrby", arity: 4, flags: [.write, .denyOOM, .fast], keys: .one, group: .sortedSet, since: "1.2.0",
            summary: "Increments the score of a member in a sorted set.",
            complexity: "O(log(N)) where N is the number of elements in the sorted set.",
            syntax: "key increment member", handler: SortedSetCommands.zincrby, keyAccess: [.read, .write]),
        CommandSpec(
            "zscore", arity: 3, flags: [.readonly, .fast], keys: .one, group: .sortedSet, since: "1.2.0",
            summary: "Returns the score of a member in a sorted set.", complexity: "O(1)",
            syntax: "key member", handler: SortedSetCommands.zscore),
        CommandSpec(
            "zmscore", arity: -3, flags: [.readonly, .fast], keys: .one, group: .sortedSet, since: "6.2.0",
            summary: "Returns the score of one or more members in a sorted set.",
            complexity: "O(N) where N is the number of members being requested.",
            syntax: "key member [member ...]", handler: SortedSetCommands.zmscore),
        CommandSpec(
            "zcard", arity: 2, flags: [.readonly, .fast], keys: .one, group: .sortedSet, since: "1.2.0",
            summary: "Returns the number of members in a sorted set.", complexity: "O(1)",
            syntax: "key", handler: SortedSetCommands.zcard, keyAccess: []),
        CommandSpec(
            "zcount", arity: 4, flags: [.readonly, .fast], keys: .one, group: .sortedSet, since: "2.0.0",
            summary: "Returns the count of members in a sorted set that have scores within a range.",
            complexity: "O(log(N)) with N being the number of elements in the sorted set.",
            syntax: "key min max", handler: SortedSetCommands.zcount),
        CommandSpec(
            "zlexcount", arity: 4, flags: [.readonly, .fast], keys: .one, group: .sortedSet, since: "2.8.9",
            summary: "Returns the number of members in a sorted set within a lexicographical range.",
            complexity: "O(log(N)) with N being the number of elements in the sorted set.",
            syntax: "key min max", handler: SortedSetCommands.zlexcount),
        CommandSpec(
            "zrank", arity: -3, flags: [.readonly, .fast], keys: .one, group: .sortedSet, since: "2.0.0",
            summary: "Returns the index of a member in a sorted set ordered by ascending scores.",
            complexity: "O(log(N))",
            syntax: "key member [WITHSCORE]", handler: SortedSetCommands.zrank),
        CommandSpec(
            "zrevrank", arity: -3, flags: [.readonly, .fast], keys: .one, group: .sortedSet, since: "2.0.0",
            summary: "Returns the index of a member in a sorted set ordered by descending scores.",
            complexity: "O(log(N))",
            syntax: "key member [WITHSCORE]", handler: SortedSetCommands.zrevrank),
        CommandSpec(
            "zrange", arity: -4, flags: [.readonly], keys: .one, group: .sortedSet, since: "1.2.0",
            summary: "Returns members in a sorted set within a range of indexes.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
            syntax: "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
            handler: SortedSetCommands.zrange),
        CommandSpec(
            "zrangestore", arity: -5, flags: [.write, .denyOOM], keys: .init(first: 1, last: 2, step: 1),
            group: .sortedSet, since: "6.2.0",
            summary: "Stores a range of members from sorted set in a key.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
            syntax: "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
            handler: SortedSetCommands.zrangestore, keySpecs: [.range(1, 1, .write), .range(2, 2, .read)]),
        CommandSpec(
            "zrevrange", arity: -4, flags: [.readonly], keys: .one, group: .sortedSet, since: "1.2.0",
            summary: "Returns members in a sorted set within a range of indexes in reverse order.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
            syntax: "key start stop [WITHSCORES]", handler: SortedSetCommands.zrevrange),
        CommandSpec(
            "zrangebyscore", arity: -4, flags: [.readonly], keys: .one, group: .sortedSet, since: "1.0.5",
            summary: "Returns members in a sorted set within a range of scores.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.",
            syntax: "key min max [WITHSCORES] [LIMIT offset count]", handler: SortedSetCommands.zrangebyscore),
        CommandSpec(
            "zrevrangebyscore", arity: -4, flags: [.readonly], keys: .one, group: .sortedSet, since: "2.2.0",
            summary: "Returns members in a sorted set within a range of scores in reverse order.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.",
            syntax: "key max min [WITHSCORES] [LIMIT offset count]", handler: SortedSetCommands.zrevrangebyscore),
        CommandSpec(
            "zrangebylex", arity: -4, flags: [.readonly], keys: .one, group: .sortedSet, since: "2.8.9",
            summary: "Returns members in a sorted set within a lexicographical range.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.",
            syntax: "key min max [LIMIT offset count]", handler: SortedSetCommands.zrangebylex),
        CommandSpec(
            "zrevrangebylex", arity: -4, flags: [.readonly], keys: .one, group: .sortedSet, since: "2.8.9",
            summary: "Returns members in a sorted set within a lexicographical range in reverse order.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.",
            syntax: "key max min [LIMIT offset count]", handler: SortedSetCommands.zrevrangebylex),
        CommandSpec(
            "zrem", arity: -3, flags: [.write, .fast], keys: .one, group: .sortedSet, since: "1.2.0",
            summary:
                "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.",
            complexity:
                "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
            syntax: "key member [member ...]", handler: SortedSetCommands.zrem),
        CommandSpec(
            "zremrangebyrank", arity: 4, flags: [.write], keys: .one, group: .sortedSet, since: "2.0.0",
            summary:
                "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
            syntax: "key start stop", handler: SortedSetCommands.zremrangebyrank),
        CommandSpec(
            "zremrangebyscore", arity: 4, flags: [.write], keys: .one, group: .sortedSet, since: "1.2.0",
            summary:
                "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
            syntax: "key min max", handler: SortedSetCommands.zremrangebyscore),
        CommandSpec(
            "zremrangebylex", arity: 4, flags: [.write], keys: .one, group: .sortedSet, since: "2.8.9",
            summary:
                "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.",
            complexity:
                "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
            syntax: "key min max", handler: SortedSetCommands.zremrangebylex),
        CommandSpec(
            "zpopmin", arity: -2, flags: [.write, .fast], keys: .one, group: .sortedSet, since: "5.0.0",
            summary:
                "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
            complexity:
                "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
            syntax: "key [count]", handler: SortedSetCommands.zpopmin, keyAccess: [.read, .write]),
        CommandSpec(
            "zpopmax", arity: -2, flags: [.write, .fast], keys: .one, group: .sortedSet, since: "5.0.0",
            summary:
                "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
            complexity:
                "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
            syntax: "key [count]", handler: SortedSetCommands.zpopmax, keyAccess: [.read, .write]),
        CommandSpec(
            "zmpop", arity: -4, flags: [.write], keys: .none, group: .sortedSet, since: "7.0.0",
            summary:
                "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.",
            complexity:
                "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
            syntax: "numkeys key [key ...] MIN | MAX [COUNT count]", handler: SortedSetCommands.zmpop,
            keySpecs: [.counted(at: 1, [.read, .write])]),
        CommandSpec(
            "bzpopmin", arity: -3, flags: [.write, .fast, .blocking], keys: .init(first: 1, last: -2, step: 1),
            group: .sortedSet, since: "5.0.0",
            summary:
                "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
            complexity: "O(log(N)) with N being the number of elements in the sorted set.",
            syntax: "key [key ...] timeout",
            handler: SortedSetCommands.bzpopmin, keyAccess: [.read, .write]),
        CommandSpec(
            "bzpopmax", arity: -3, flags: [.write, .fast, .blocking], keys: .init(first: 1, last: -2, step: 1),
            group: .sortedSet, since: "5.0.0",
            summary:
                "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.",
            complexity: "O(log(N)) with N being the number of elements in the sorted set.",
            syntax: "key [key ...] timeout",
            handler: SortedSetCommands.bzpopmax, keyAccess: [.read, .write]),
        CommandSpec(
            "bzmpop", arity: -5, flags: [.write, .blocking], keys: .none, group: .sortedSet, since: "7.0.0",
            summary:
                "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
            complexity:
                "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
            syntax: "timeout numkeys key [key ...] MIN | MAX [COUNT count]", handler: SortedSetCommands.bzmpop,
            keySpecs: [.counted(at: 2, [.read, .write])]),
        CommandSpec(
            "zrandmember", arity: -2, flags: [.readonly], keys: .one, group: .sortedSet, since: "6.2.0",
            summary: "Returns one or more random members from a sorted set.",
            complexity: "O(N) where N is the number of members returned",
            syntax: "key [count [WITHSCORES]]", handler: SortedSetCommands.zrandmember),
        CommandSpec(
            "zscan", arity: -3, flags: [.readonly], keys: .one, group: .sortedSet, since: "2.8.0",
            summary: "Iterates over members and scores of a sorted set.",
            complexity:
                "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
            syntax: "key cursor [MATCH pattern] [COUNT count] [NOSCORES]", handler: SortedSetCommands.zscan),
        CommandSpec(
            "zunionstore", arity: -4, flags: [.write, .denyOOM], keys: .one, group: .sortedSet, since: "2.0.0",
            summary: "Stores the union of multiple sorted sets in a key.",
            complexity:
                "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
            syntax: "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]",
            handler: { ctx throws(CommandError) in
                try SortedSetCommands.setOperation(&ctx, .union, numkeysIndex: 2, store: true)
            }, keySpecs: [.range(1, 1, .write), .counted(at: 2, .read)]),
        CommandSpec(
            "zinterstore", arity: -4, flags: [.write, .denyOOM], keys: .one, group: .sortedSet, since: "2.0.0",
            summary: "Stores the intersect of multiple sorted sets in a key.",
            complexity:
                "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
            syntax: "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]",
            handler: { ctx throws(CommandError) in
                try SortedSetCommands.setOperation(&ctx, .inter, numkeysIndex: 2, store: true)
            }, keySpecs: [.range(1, 1, .write), .counted(at: 2, .read)]),
        CommandSpec(
            "zdiffstore", arity: -4, flags: [.write, .denyOOM], keys: .one, group: .sortedSet, since: "6.2.0",
            summary: "Stores the difference of multiple sorted sets in a key.",
            complexity:
                "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
            syntax: "destination numkeys key [key ...]",
            handler: { ctx throws(CommandError) in
                try SortedSetCommands.setOperation(&ctx, .diff, numkeysIndex: 2, store: true)
            },
            keySpecs: [.range(1, 1, .write), .counted(at: 2, .read)]),
        CommandSpec(
            "zunion", arity: -3, flags: [.readonly], keys: .none, group: .sortedSet, since: "6.2.0",
            summary: "Returns the union of multiple sorted sets.",
            complexity:
                "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
            syntax: "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]",
            handler: { ctx throws(CommandError) in
                try SortedSetCommands.setOperation(&ctx, .union, numkeysIndex: 1, store: false)
            }, keySpecs: [.counted(at: 1, .read)]),
        CommandSpec(
            "zinter", arity: -3, flags: [.readonly], keys: .none, group: .sortedSet, since: "6.2.0",
            summary: "Returns the intersect of multiple sorted sets.",
            complexity:
                "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
            syntax: "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]",
            handler: { ctx throws(CommandError) in
                try SortedSetCommands.setOperation(&ctx, .inter, numkeysIndex: 1, store: false)
            }, keySpecs: [.counted(at: 1, .read)]),
        CommandSpec(
            "zdiff", arity: -3, flags: [.readonly], keys: .none, group: .sortedSet, since: "6.2.0",
            summary: "Returns the difference between multiple sorted sets.",
            complexity:
                "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
            syntax: "numkeys key [key ...] [WITHSCORES]",
            handler: { ctx throws(CommandError) in
                try SortedSetCommands.setOperation(&ctx, .diff, numkeysIndex: 1, store: false)
            },
            keySpecs: [.counted(at: 1, .read)]),
        CommandSpec(
            "zintercard", arity: -3, flags: [.readonly], keys: .none, group: .sortedSet, since: "7.0.0",
            summary: "Returns the number of members of the intersect of multiple sorted sets.",
            complexity:
                "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
            syntax: "numkeys key [key ...] [LIMIT limit]",
            handler: { ctx throws(CommandError) in
                try SortedSetCommands.setOperation(&ctx, .inter, numkeysIndex: 1, store: false, cardinalityOnly: true)
            },
            keySpecs: [.counted(at: 1, .read)]),
    ]

    // MARK: - Pub/Sub
    static let pubsub: [CommandSpec] = [
        CommandSpec(
            "subscribe", arity: -2, flags: [.pubsub, .noscript, .loading, .stale, .allowedWhileSubscribed],
            group: .pubsub, since: "2.0.0",
            summary: "Listens for messages published to channels.",
            complexity: "O(N) where N is the number of channels to subscribe to.",
            syntax: "channel [channel ...]", handler: PubSubCommands.subscribe, channels: .all),
        CommandSpec(
            "unsubscribe", arity: -1, flags: [.pubsub, .noscript, .loading, .stale, .allowedWhileSubscribed],
            group: .pubsub, since: "2.0.0",
            summary: "Stops listening to messages posted to channels.",
            complexity: "O(N) where N is the number of channels to unsubscribe.",
            syntax: "[channel [channel ...]]", handler: PubSubCommands.unsubscribe),
        CommandSpec(
            "psubscribe", arity: -2, flags: [.pubsub, .noscript, .loading, .stale, .allowedWhileSubscribed],
            group: .pubsub, since: "2.0.0",
            summary: "Listens for messages published to channels that match one or more patterns.",
            complexity: "O(N) where N is the number of patterns to subscribe to.",
            syntax: "pattern [pattern ...]", handler: PubSubCommands.psubscribe, channels: .allPatterns),
        CommandSpec(
            "punsubscribe", arity: -1, flags: [.pubsub, .noscript, .loading, .stale, .allowedWhileSubscribed],
            group: .pubsub, since: "2.0.0",
            summary: "Stops listening to messages published to channels that match one or more patterns.",
            complexity: "O(N) where N is the number of patterns to unsubscribe.",
            syntax: "[pattern [pattern ...]]", handler: PubSubCommands.punsubscribe),
        CommandSpec(
            "ssubscribe", arity: -2, flags: [.pubsub, .noscript, .loading, .stale, .allowedWhileSubscribed], keys: .all,
            group: .pubsub, since: "7.0.0",
            summary: "Listens for messages published to shard channels.",
            complexity: "O(N) where N is the number of shard channels to subscribe to.",
            syntax: "shardchannel [shardchannel ...]", handler: PubSubCommands.ssubscribe, keySpecs: [], channels: .all,
            shardChannels: .all),
        CommandSpec(
            "sunsubscribe", arity: -1, flags: [.pubsub, .noscript, .loading, .stale, .allowedWhileSubscribed],
            keys: .all, group: .pubsub, since: "7.0.0",
            summary: "Stops listening to messages posted to shard channels.",
            complexity: "O(N) where N is the number of shard channels to unsubscribe.",
            syntax: "[shardchannel [shardchannel ...]]", handler: PubSubCommands.sunsubscribe, keySpecs: [],
            shardChannels: .all),
        CommandSpec(
            "publish", arity: 3, flags: [.pubsub, .loading, .stale, .fast], group: .pubsub, since: "2.0.0",
            summary: "Posts a message to a channel.",
            complexity:
                "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
            syntax: "channel message", handler: PubSubCommands.publish, channels: .one),
        CommandSpec(
            "spublish", arity: 3, flags: [.pubsub, .loading, .stale, .fast], keys: .one, group: .pubsub, since: "7.0.0",
            summary: "Post a message to a shard channel.",
            complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
            syntax: "shardchannel message", handler: PubSubCommands.spublish, keySpecs: [], channels: .one,
            shardChannels: .one),
        CommandSpec(
            "pubsub", arity: -2, flags: [], group: .pubsub, since: "2.8.0",
            summary: "A container for Pub/Sub commands.", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "pubsub|channels", arity: -2, flags: [.pubsub, .loading, .stale], group: .pubsub, since: "2.8.0",
                    summary: "Returns the active channels.",
                    complexity:
                        "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
                    syntax: "[pattern]", handler: PubSubCommands.channels),
                CommandSpec(
                    "pubsub|numsub", arity: -2, flags: [.pubsub, .loading, .stale], group: .pubsub, since: "2.8.0",
                    summary: "Returns a count of subscribers to channels.",
                    complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
                    syntax: "[channel [channel ...]]", handler: PubSubCommands.numsub),
                CommandSpec(
                    "pubsub|numpat", arity: 2, flags: [.pubsub, .loading, .stale], group: .pubsub, since: "2.8.0",
                    summary: "Returns a count of unique pattern subscriptions.", complexity: "O(1)",
                    handler: PubSubCommands.numpat),
                CommandSpec(
                    "pubsub|shardchannels", arity: -2, flags: [.pubsub, .loading, .stale], group: .pubsub,
                    since: "7.0.0",
                    summary: "Returns the active shard channels.",
                    complexity:
                        "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
                    syntax: "[pattern]", handler: PubSubCommands.shardchannels),
                CommandSpec(
                    "pubsub|shardnumsub", arity: -2, flags: [.pubsub, .loading, .stale], group: .pubsub, since: "7.0.0",
                    summary: "Returns the count of subscribers of shard channels.",
                    complexity:
                        "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
                    syntax: "[shardchannel [shardchannel ...]]", handler: PubSubCommands.shardnumsub),
                CommandSpec(
                    "pubsub|help", arity: 2, flags: [.loading, .stale], group: .pubsub, since: "6.2.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: PubSubCommands.help),
            ]),
    ]

    // MARK: - Transactions
    static let transactions: [CommandSpec] = [
        CommandSpec(
            "multi", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy, .notQueued],
            group: .transactions,
            since: "1.2.0", summary: "Starts a transaction.", complexity: "O(1)", handler: TransactionCommands.multi),
        CommandSpec(
            "exec", arity: 1, flags: [.noscript, .loading, .stale, .skipSlowlog, .runsTransaction, .endsTransaction],
            group: .transactions,
            since: "1.2.0", summary: "Executes all commands in a transaction.",
            complexity: "Depends on commands in the transaction", handler: TransactionCommands.exec),
        CommandSpec(
            "discard", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy, .endsTransaction],
            group: .transactions,
            since: "2.0.0", summary: "Discards a transaction.",
            complexity: "O(N), when N is the number of queued commands", handler: TransactionCommands.discard),
        CommandSpec(
            "watch", arity: -2, flags: [.noscript, .loading, .stale, .fast, .allowBusy, .notQueued], keys: .all,
            group: .transactions, since: "2.2.0",
            summary: "Monitors changes to keys to determine the execution of a transaction.",
            complexity: "O(1) for every key.", syntax: "key [key ...]",
            handler: TransactionCommands.watch, keyAccess: []),
        CommandSpec(
            "unwatch", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy], group: .transactions,
            since: "2.2.0", summary: "Forgets about watched keys of a transaction.", complexity: "O(1)",
            handler: TransactionCommands.unwatch),
    ]

    // MARK: - Connection
    // MARK: - Cluster (a node of one: ClusterCommands.swift)
    static let cluster: [CommandSpec] = [
        CommandSpec(
            "cluster", arity: -2, flags: [], group: .cluster, since: "3.0.0",
            summary: "A container for Cluster commands.", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "cluster|info", arity: 2, flags: [.loading, .stale], group: .cluster, since: "3.0.0",
                    summary: "Returns information about the state of a node.", complexity: "O(1)",
                    handler: ClusterCommands.info),
                CommandSpec(
                    "cluster|myid", arity: 2, flags: [.loading, .stale], group: .cluster, since: "3.0.0",
                    summary: "Returns the ID of a node.", complexity: "O(1)", handler: ClusterCommands.myid),
                CommandSpec(
                    "cluster|myshardid", arity: 2, flags: [.loading, .stale], group: .cluster, since: "7.2.0",
                    summary: "Returns the shard ID of a node.", complexity: "O(1)", handler: ClusterCommands.myshardid),
                CommandSpec(
                    "cluster|nodes", arity: 2, flags: [.loading, .stale], group: .cluster, since: "3.0.0",
                    summary: "Returns the cluster configuration for a node.",
                    complexity: "O(N) where N is the total number of Cluster nodes", handler: ClusterCommands.nodes),
                CommandSpec(
                    "cluster|slots", arity: 2, flags: [.loading, .stale], group: .cluster, since: "3.0.0",
                    summary: "Returns the mapping of cluster slots to nodes.",
                    complexity: "O(N) where N is the total number of Cluster nodes", handler: ClusterCommands.slots),
                CommandSpec(
                    "cluster|shards", arity: 2, flags: [.loading, .stale], group: .cluster, since: "7.0.0",
                    summary: "Returns the mapping of cluster slots to shards.",
                    complexity: "O(N) where N is the total number of cluster nodes", handler: ClusterCommands.shards),
                CommandSpec(
                    "cluster|keyslot", arity: 3, flags: [.stale], group: .cluster, since: "3.0.0",
                    summary: "Returns the hash slot for a key.",
                    complexity: "O(N) where N is the number of bytes in the key", syntax: "key",
                    handler: ClusterCommands.keyslot),
                CommandSpec(
                    "cluster|countkeysinslot", arity: 3, flags: [.stale], group: .cluster, since: "3.0.0",
                    summary: "Returns the number of keys in a hash slot.", complexity: "O(1)", syntax: "slot",
                    handler: ClusterCommands.countkeysinslot),
                CommandSpec(
                    "cluster|getkeysinslot", arity: 4, flags: [.stale], group: .cluster, since: "3.0.0",
                    summary: "Returns the key names in a hash slot.",
                    complexity:
                        "O(N) where N is the number of keys in the database (O(1) for an empty slot); Valkey: O(N) in the requested keys",
                    syntax: "slot count", handler: ClusterCommands.getkeysinslot),
                CommandSpec(
                    "cluster|links", arity: 2, flags: [.stale], group: .cluster, since: "7.0.0",
                    summary: "Returns a list of all TCP links to and from peer nodes.",
                    complexity: "O(N) where N is the total number of Cluster nodes", handler: ClusterCommands.links),
                CommandSpec(
                    "cluster|help", arity: 2, flags: [.loading, .stale], group: .cluster, since: "5.0.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: ClusterCommands.help),
            ]),
        CommandSpec(
            "readonly", arity: 1, flags: [.fast, .loading, .stale], group: .cluster, since: "3.0.0",
            summary: "Enables read-only queries for a connection to a Valkey replica node.", complexity: "O(1)",
            handler: ClusterCommands.readonly, acl: [.connection]),
        CommandSpec(
            "readwrite", arity: 1, flags: [.fast, .loading, .stale], group: .cluster, since: "3.0.0",
            summary: "Enables read-write queries for a connection to a Valkey replica node.", complexity: "O(1)",
            handler: ClusterCommands.readwrite, acl: [.connection]),
        CommandSpec(
            "asking", arity: 1, flags: [.fast], group: .cluster, since: "3.0.0",
            summary: "Signals that a cluster client is following an -ASK redirect.", complexity: "O(1)",
            handler: ClusterCommands.asking, acl: [.connection]),
    ]

    static let connection: [CommandSpec] = [
        CommandSpec(
            "ping", arity: -1, flags: [.fast, .allowedWhileSubscribed, .refusedOnDiskError], group: .connection,
            since: "1.0.0",
            summary: "Returns the server's liveliness response.", complexity: "O(1)", syntax: "[message]",
            handler: ConnectionCommands.ping),
        CommandSpec(
            "echo", arity: 2, flags: [.fast], group: .connection, since: "1.0.0",
            summary: "Returns the given string.", complexity: "O(1)", syntax: "message",
            handler: ConnectionCommands.echo),
        CommandSpec(
            "quit", arity: -1,
            flags: [
                .noscript, .loading, .stale, .fast, .noAuth, .allowBusy, .allowedWhileSubscribed, .endsTransaction,
            ],
            group: .connection, since: "1.0.0", summary: "Closes the connection.", complexity: "O(1)",
            handler: ConnectionCommands.quit),
        CommandSpec(
            "reset", arity: 1,
            flags: [
                .noscript, .loading, .stale, .fast, .noAuth, .allowBusy, .allowedWhileSubscribed, .endsTransaction,
            ],
            group: .connection, since: "6.2.0", summary: "Resets the connection.", complexity: "O(1)",
            handler: ConnectionCommands.reset),
        CommandSpec(
            "auth", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noAuth, .skipMonitor, .allowBusy],
            group: .connection, since: "1.0.0", summary: "Authenticates the connection.",
            complexity: "O(N) where N is the number of passwords defined for the user",
            syntax: "[username] password", handler: ConnectionCommands.auth),
        CommandSpec(
            "hello", arity: -1, flags: [.noscript, .loading, .stale, .fast, .noAuth, .allowBusy],
            group: .connection, since: "6.0.0", summary: "Handshakes with the Redis server.", complexity: "O(1)",
            syntax: "[protover [AUTH username password] [SETNAME clientname]]", handler: ConnectionCommands.hello),
        CommandSpec(
            "client", arity: -2, flags: [], group: .connection, since: "2.4.0",
            summary: "A container for client connection commands.", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "client|id", arity: 2, flags: [.noscript, .loading, .stale], group: .connection, since: "5.0.0",
                    summary: "Returns the unique client ID of the connection.", complexity: "O(1)",
                    handler: ClientCommands.id),
                CommandSpec(
                    "client|setname", arity: 3, flags: [.noscript, .loading, .stale], group: .connection,
                    since: "2.6.9", summary: "Sets the connection name.", complexity: "O(1)", syntax: "connection-name",
                    handler: ClientCommands.setname),
                CommandSpec(
                    "client|getname", arity: 2, flags: [.noscript, .loading, .stale], group: .connection,
                    since: "2.6.9", summary: "Returns the name of the connection.", complexity: "O(1)",
                    handler: ClientCommands.getname),
                CommandSpec(
                    "client|setinfo", arity: 4, flags: [.noscript, .loading, .stale], group: .connection,
                    since: "7.2.0", summary: "Sets information specific to the client or connection.",
                    complexity: "O(1)",
                    syntax: "LIB-NAME libname | LIB-VER libver", handler: ClientCommands.setinfo),
                CommandSpec(
                    "client|list", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: .connection,
                    since: "2.4.0", summary: "Lists open connections.",
                    complexity: "O(N) where N is the number of client connections",
                    syntax: "[TYPE NORMAL | MASTER | REPLICA | PUBSUB] [ID client-id [client-id ...]]",
                    handler: ClientCommands.list),
                CommandSpec(
                    "client|info", arity: 2, flags: [.noscript, .loading, .stale], group: .connection,
                    since: "6.2.0", summary: "Returns information about the connection.", complexity: "O(1)",
                    handler: ClientCommands.info),
                CommandSpec(
                    "client|kill", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: .connection,
                    since: "2.4.0", summary: "Terminates open connections.",
                    complexity: "O(N) where N is the number of client connections",
                    syntax:
                        "ip:port | [ID client-id] [ADDR ip:port] [LADDR ip:port] [USER username] [SKIPME yes|no] [MAXAGE seconds]",
                    handler: ClientCommands.kill),
                CommandSpec(
                    "client|no-evict", arity: 3, flags: [.admin, .noscript, .loading, .stale], group: .connection,
                    since: "7.0.0", summary: "Sets the client eviction mode of the connection.", complexity: "O(1)",
                    syntax: "ON | OFF",
                    handler: ClientCommands.noEvict),
                CommandSpec(
                    "client|no-touch", arity: 3, flags: [.noscript, .loading, .stale], group: .connection,
                    since: "7.2.0",
                    summary: "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
                    complexity: "O(1)",
                    syntax: "ON | OFF", handler: ClientCommands.noTouch),
                CommandSpec(
                    "client|reply", arity: 3, flags: [.noscript, .loading, .stale], group: .connection,
                    since: "3.2.0", summary: "Instructs the server whether to reply to commands.", complexity: "O(1)",
                    syntax: "ON | OFF | SKIP", handler: ClientCommands.reply),
                CommandSpec(
                    "client|unblock", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: .connection,
                    since: "5.0.0",
                    summary: "Unblocks a client blocked by a blocking command from a different connection.",
                    complexity: "O(log N) where N is the number of client connections",
                    syntax: "client-id [TIMEOUT | ERROR]",
                    handler: ClientCommands.unblock),
                CommandSpec(
                    "client|help", arity: 2, flags: [.loading, .stale], group: .connection, since: "5.0.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: ClientCommands.help),
            ]),
    ]

    // MARK: - Server
    static let server: [CommandSpec] = [
        CommandSpec(
            "info", arity: -1, flags: [.loading, .stale], group: .server, since: "1.0.0",
            summary: "Returns information and statistics about the server.", complexity: "O(1)",
            syntax: "[section [section ...]]",
            handler: ServerCommands.info, acl: .dangerous),
        CommandSpec(
            "time", arity: 1, flags: [.loading, .stale, .fast], group: .server, since: "2.6.0",
            summary: "Returns the server time.", complexity: "O(1)", handler: ServerCommands.time),
        CommandSpec(
            "bgrewriteaof", arity: 1, flags: [.admin, .noscript], group: .server, since: "1.0.0",
            summary: "Asynchronously rewrites the append-only file to disk.", complexity: "O(1)",
            handler: ServerCommands.bgrewriteaof),
        CommandSpec(
            "save", arity: 1, flags: [.admin, .noscript, .noMulti], group: .server, since: "1.0.0",
            summary: "Synchronously saves the database(s) to disk.",
            complexity: "O(N) where N is the total number of keys in all databases", handler: ServerCommands.save),
        CommandSpec(
            "bgsave", arity: -1, flags: [.admin, .noscript], group: .server, since: "1.0.0",
            summary: "Asynchronously saves the database(s) to disk.", complexity: "O(1)",
            syntax: "[SCHEDULE | CANCEL]", handler: ServerCommands.bgsave),
        CommandSpec(
            "lastsave", arity: 1, flags: [.loading, .stale, .fast], group: .server, since: "1.0.0",
            summary: "Returns the Unix timestamp of the last successful save to disk.", complexity: "O(1)",
            handler: ServerCommands.lastsave, acl: [.admin, .dangerous]),
        CommandSpec(
            "shutdown", arity: -1, flags: [.admin, .noscript, .loading, .stale, .noMulti, .allowBusy],
            group: .server, since: "1.0.0",
            summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.",
            complexity:
                "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
            syntax: "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", handler: ServerCommands.shutdown),
        CommandSpec(
            "monitor", arity: 1, flags: [.admin, .noscript, .loading, .stale], group: .server, since: "1.0.0",
            summary: "Listens for all requests received by the server in real-time.", complexity: "",
            handler: ServerCommands.monitor),
        CommandSpec(
            "debug", arity: -2, flags: [.admin, .noscript, .loading, .stale, .protected], group: .server,
            since: "1.0.0",
            summary: "A container for debugging commands.", complexity: "Depends on subcommand.",
            syntax: debugSubcommands.map(\.syntax).joined(separator: " | "),
            handler: ServerCommands.debug),
        CommandSpec(
            "memory", arity: -2, flags: [], group: .server, since: "4.0.0",
            summary: "A container for memory diagnostics commands.", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "memory|usage", arity: -3, flags: [.readonly], keys: .init(first: 2, last: 2, step: 1),
                    group: .server, since: "4.0.0", summary: "Estimates the memory usage of a key.",
                    complexity: "O(N) where N is the number of samples.", syntax: "key [SAMPLES count]",
                    handler: ServerCommands.memoryUsage, keyAccess: []),
                CommandSpec(
                    "memory|help", arity: 2, flags: [.loading, .stale], group: .server, since: "4.0.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: ServerCommands.memoryHelp),
            ]),
        CommandSpec(
            "acl", arity: -2, flags: [], group: .server, since: "6.0.0",
            summary: "A container for Access List Control commands.", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "acl|cat", arity: -2, flags: [.noscript, .loading, .stale], group: .server, since: "6.0.0",
                    summary: "Lists the ACL categories, or the commands inside a category.",
                    complexity: "O(1) since the categories and commands are a fixed set.",
                    syntax: "[category]", handler: ACLCommands.cat),
                CommandSpec(
                    "acl|deluser", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: .server,
                    since: "6.0.0",
                    summary: "Deletes ACL users, and terminates their connections.",
                    complexity: "O(1) amortized time considering the typical user.",
                    syntax: "username [username ...]", handler: ACLCommands.deluser),
                CommandSpec(
                    "acl|dryrun", arity: -4, flags: [.admin, .noscript, .loading, .stale], group: .server,
                    since: "7.0.0",
                    summary: "Simulates the execution of a command by a user, without executing the command.",
                    complexity: "O(1).",
                    syntax: "username command [arg [arg ...]]", handler: ACLCommands.dryrun),
                CommandSpec(
                    "acl|genpass", arity: -2, flags: [.noscript, .loading, .stale], group: .server, since: "6.0.0",
                    summary: "Generates a pseudorandom, secure password that can be used to identify ACL users.",
                    complexity: "O(1)",
                    syntax: "[bits]", handler: ACLCommands.genpass),
                CommandSpec(
                    "acl|getuser", arity: 3, flags: [.admin, .noscript, .loading, .stale], group: .server,
                    since: "6.0.0",
                    summary: "Lists the ACL rules of a user.",
                    complexity: "O(N). Where N is the number of password, command and pattern rules that the user has.",
                    syntax: "username", handler: ACLCommands.getuser),
                CommandSpec(
                    "acl|list", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: .server, since: "6.0.0",
                    summary: "Dumps the effective rules in ACL file format.",
                    complexity: "O(N). Where N is the number of configured users.",
                    handler: ACLCommands.list),
                CommandSpec(
                    "acl|load", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: .server, since: "6.0.0",
                    summary: "Reloads the rules from the configured ACL file.",
                    complexity: "O(N). Where N is the number of configured users.",
                    handler: ACLCommands.load),
                CommandSpec(
                    "acl|log", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: .server, since: "6.0.0",
                    summary: "Lists recent security events generated due to ACL rules.",
                    complexity: "O(N) with N being the number of entries shown.",
                    syntax: "[count | RESET]", handler: ACLCommands.log),
                CommandSpec(
                    "acl|save", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: .server, since: "6.0.0",
                    summary: "Saves the effective ACL rules in the configured ACL file.",
                    complexity: "O(N). Where N is the number of configured users.",
                    handler: ACLCommands.save),
                CommandSpec(
                    "acl|setuser", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: .server,
                    since: "6.0.0",
                    summary: "Creates and modifies an ACL user and its rules.",
                    complexity: "O(N). Where N is the number of rules provided.",
                    syntax: "username [rule [rule ...]]", handler: ACLCommands.setuser),
                CommandSpec(
                    "acl|users", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: .server, since: "6.0.0",
                    summary: "Lists all ACL users.", complexity: "O(N). Where N is the number of configured users.",
                    handler: ACLCommands.users),
                CommandSpec(
                    "acl|whoami", arity: 2, flags: [.noscript, .loading, .stale], group: .server, since: "6.0.0",
                    summary: "Returns the authenticated username of the current connection.", complexity: "O(1)",
                    handler: ACLCommands.whoami),
                CommandSpec(
                    "acl|help", arity: 2, flags: [.loading, .stale], group: .server, since: "6.0.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: ACLCommands.help),
            ]),
        CommandSpec(
            "config", arity: -2, flags: [], group: .server, since: "2.0.0",
            summary: "A container for server configuration commands.", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "config|get", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: .server,
                    since: "2.0.0", summary: "Returns the effective values of configuration parameters.",
                    complexity: "O(N) when N is the number of configuration parameters provided",
                    syntax: "parameter [parameter ...]", handler: ServerCommands.configGet),
                CommandSpec(
                    "config|set", arity: -4, flags: [.admin, .noscript, .loading, .stale], group: .server,
                    since: "2.0.0", summary: "Sets configuration parameters in-flight.",
                    complexity: "O(N) when N is the number of configuration parameters provided",
                    syntax: "parameter value [parameter value ...]", handler: ServerCommands.configSet),
                CommandSpec(
                    "config|resetstat", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: .server,
                    since: "2.0.0", summary: "Resets the server's statistics.", complexity: "O(1)",
                    handler: ServerCommands.configResetstat),
                CommandSpec(
                    "config|rewrite", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: .server,
                    since: "2.8.0", summary: "Persists the effective configuration to file.", complexity: "O(1)",
                    handler: ServerCommands.configRewrite),
                CommandSpec(
                    "config|help", arity: 2, flags: [.loading, .stale], group: .server, since: "5.0.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: ServerCommands.configHelp),
            ]),
        CommandSpec(
            "command", arity: -1, flags: [.loading, .stale], group: .server, since: "2.8.13",
            summary: "Returns detailed information about all commands.",
            complexity: "O(N) where N is the total number of Redis commands", handler: ServerCommands.command,
            subcommands: [
                CommandSpec(
                    "command|count", arity: 2, flags: [.loading, .stale], group: .server, since: "2.8.13",
                    summary: "Returns a count of commands.", complexity: "O(1)", handler: ServerCommands.commandCount,
                    acl: .connection),
                CommandSpec(
                    "command|list", arity: -2, flags: [.loading, .stale], group: .server, since: "7.0.0",
                    summary: "Returns a list of command names.",
                    complexity: "O(N) where N is the total number of Redis commands",
                    handler: ServerCommands.commandList, acl: .connection),
                CommandSpec(
                    "command|info", arity: -2, flags: [.loading, .stale], group: .server, since: "2.8.13",
                    summary: "Returns information about one, multiple or all commands.",
                    complexity: "O(N) where N is the number of commands to look up",
                    syntax: "[command-name [command-name ...]]", handler: ServerCommands.commandInfo, acl: .connection),
                CommandSpec(
                    "command|docs", arity: -2, flags: [.loading, .stale], group: .server, since: "7.0.0",
                    summary: "Returns documentary information about one, multiple or all commands.",
                    complexity: "O(N) where N is the number of commands to look up",
                    syntax: "[command-name [command-name ...]]", handler: ServerCommands.commandDocs, acl: .connection),
                CommandSpec(
                    "command|getkeys", arity: -3, flags: [.loading, .stale], group: .server, since: "2.8.13",
                    summary: "Extracts the key names from an arbitrary command.",
                    complexity: "O(N) where N is the number of arguments to the command",
                    syntax: "command [arg [arg ...]]",
                    handler: ServerCommands.commandGetkeys, acl: .connection),
                CommandSpec(
                    "command|help", arity: 2, flags: [.loading, .stale], group: .server, since: "5.0.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: ServerCommands.commandHelp, acl: .connection),
            ], acl: .connection),
    ]
}

extension CommandTable {
    // MARK: - Scripting (the engine: PodiumScripting)
    static let scripting: [CommandSpec] = [
        CommandSpec(
            "eval", arity: -3, flags: [.runsScript, .noscript, .skipMonitor, .stale], group: .scripting, since: "2.6.0",
            summary: "Executes a server-side Lua script.",
            complexity: "Depends on the script that is executed.",
            syntax: "script numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.eval,
            keySpecs: [.counted(at: 2, .write)]),
        CommandSpec(
            "eval_ro", arity: -3, flags: [.runsScript, .noscript, .skipMonitor, .stale, .readonly], group: .scripting,
            since: "7.0.0", summary: "Executes a read-only server-side Lua script.",
            complexity: "Depends on the script that is executed.",
            syntax: "script numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.evalRO,
            keySpecs: [.counted(at: 2, .read)]),
        CommandSpec(
            "evalsha", arity: -3, flags: [.runsScript, .noscript, .skipMonitor, .stale], group: .scripting,
            since: "2.6.0",
            summary: "Executes a server-side Lua script by SHA1 digest.",
            complexity: "Depends on the script that is executed.",
            syntax: "sha1 numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.evalsha,
            keySpecs: [.counted(at: 2, .write)]),
        CommandSpec(
            "evalsha_ro", arity: -3, flags: [.runsScript, .noscript, .skipMonitor, .stale, .readonly],
            group: .scripting,
            since: "7.0.0", summary: "Executes a read-only server-side Lua script by SHA1 digest.",
            complexity: "Depends on the script that is executed.",
            syntax: "sha1 numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.evalshaRO,
            keySpecs: [.counted(at: 2, .read)]),
        CommandSpec(
            "fcall", arity: -3, flags: [.runsScript, .noscript, .skipMonitor, .stale], group: .scripting,
            since: "7.0.0",
            summary: "Invokes a function.", complexity: "Depends on the function that is executed.",
            syntax: "function numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.fcall,
            keySpecs: [.counted(at: 2, .write)]),
        CommandSpec(
            "fcall_ro", arity: -3, flags: [.runsScript, .noscript, .skipMonitor, .stale, .readonly], group: .scripting,
            since: "7.0.0", summary: "Invokes a read-only function.",
            complexity: "Depends on the function that is executed.",
            syntax: "function numkeys [key [key ...]] [arg [arg ...]]", handler: ScriptingCommands.fcallRO,
            keySpecs: [.counted(at: 2, .read)]),
        CommandSpec(
            "function", arity: -2, flags: [], group: .scripting, since: "7.0.0",
            summary: "A container for function commands.", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "function|delete", arity: 3, flags: [.noscript, .write], group: .scripting, since: "7.0.0",
                    summary: "Deletes a library and its functions.", complexity: "O(1)",
                    syntax: "library-name", handler: ScriptingCommands.functionDelete),
                CommandSpec(
                    "function|dump", arity: 2, flags: [.noscript], group: .scripting, since: "7.0.0",
                    summary: "Dumps all libraries into a serialized binary payload.",
                    complexity: "O(N) where N is the number of functions", handler: ScriptingCommands.functionDump),
                CommandSpec(
                    "function|flush", arity: -2, flags: [.noscript, .write], group: .scripting, since: "7.0.0",
                    summary: "Deletes all libraries and functions.",
                    complexity: "O(N) where N is the number of functions deleted", syntax: "[ASYNC | SYNC]",
                    handler: ScriptingCommands.functionFlush),
                CommandSpec(
                    "function|help", arity: 2, flags: [.loading, .stale], group: .scripting, since: "7.0.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: ScriptingCommands.functionHelp),
                CommandSpec(
                    "function|kill", arity: 2, flags: [.noscript, .allowBusy], group: .scripting, since: "7.0.0",
                    summary: "Terminates a function during execution.", complexity: "O(1)",
                    handler: ScriptingCommands.functionKill),
                CommandSpec(
                    "function|list", arity: -2, flags: [.noscript], group: .scripting, since: "7.0.0",
                    summary: "Returns information about all libraries.",
                    complexity: "O(N) where N is the number of functions",
                    syntax: "[LIBRARYNAME library-name-pattern] [WITHCODE]", handler: ScriptingCommands.functionList),
                CommandSpec(
                    "function|load", arity: -3, flags: [.noscript, .write, .denyOOM], group: .scripting,
                    since: "7.0.0", summary: "Creates a library.",
                    complexity: "O(1) (considering compilation time is redundant)",
                    syntax: "[REPLACE] function-code", handler: ScriptingCommands.functionLoad),
                CommandSpec(
                    "function|restore", arity: -3, flags: [.noscript, .write, .denyOOM], group: .scripting,
                    since: "7.0.0", summary: "Restores all libraries from a payload.",
                    complexity: "O(N) where N is the number of functions on the payload",
                    syntax: "serialized-value [FLUSH | APPEND | REPLACE]", handler: ScriptingCommands.functionRestore),
                CommandSpec(
                    "function|stats", arity: 2, flags: [.noscript, .allowBusy], group: .scripting, since: "7.0.0",
                    summary: "Returns information about a function during execution.", complexity: "O(1)",
                    handler: ScriptingCommands.functionStats),
            ]),
        CommandSpec(
            "script", arity: -2, flags: [], group: .scripting, since: "2.6.0",
            summary: "A container for Lua scripts management commands.", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "script|exists", arity: -3, flags: [.noscript], group: .scripting, since: "2.6.0",
                    summary: "Determines whether server-side Lua scripts exist in the script cache.",
                    complexity:
                        "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
                    syntax: "sha1 [sha1 ...]", handler: ScriptingCommands.scriptExists),
                CommandSpec(
                    "script|flush", arity: -2, flags: [.noscript], group: .scripting, since: "2.6.0",
                    summary: "Removes all server-side Lua scripts from the script cache.",
                    complexity: "O(N) with N being the number of scripts in cache", syntax: "[ASYNC | SYNC]",
                    handler: ScriptingCommands.scriptFlush),
                CommandSpec(
                    "script|help", arity: 2, flags: [.loading, .stale], group: .scripting, since: "5.0.0",
                    summary: "Returns helpful text about the different subcommands.", complexity: "O(1)",
                    handler: ScriptingCommands.scriptHelp),
                CommandSpec(
                    "script|kill", arity: 2, flags: [.noscript, .allowBusy], group: .scripting, since: "2.6.0",
                    summary: "Terminates a server-side Lua script during execution.", complexity: "O(1)",
                    handler: ScriptingCommands.scriptKill),
                CommandSpec(
                    "script|load", arity: 3, flags: [.noscript, .stale], group: .scripting, since: "2.6.0",
                    summary: "Loads a server-side Lua script to the script cache.",
                    complexity: "O(N) with N being the length in bytes of the script body.", syntax: "script",
                    handler: ScriptingCommands.scriptLoad),
                CommandSpec(
                    "script|show", arity: 3, flags: [.noscript], group: .scripting, since: "8.0.0",
                    summary: "Show server-side Lua script in the script cache.",
                    complexity: "O(1).", syntax: "sha1", handler: ScriptingCommands.scriptShow),
            ]),
    ]
}

/// One DEBUG subcommand. DEBUG is one command in Valkey's table (COMMAND INFO lists no subcommands, statistics
/// count `debug`), so its subcommands are rows of their own here: the DEBUG handler picks the row, checks its
/// arity and runs it; DEBUG HELP and DEBUG's syntax line are made from the rows.
/// `@unchecked` as `CommandSpec`: the handlers are static functions of the handler enums.
struct DebugSubcommand: @unchecked Sendable {
    /// Lower-case name.
    let name: String
    /// Valkey arity, counting DEBUG and the subcommand (negative: at least that many).
    let arity: Int
    /// For docs/commands.md.
    let syntax: String
    /// DEBUG HELP's lines for it.
    let help: [String]
    let handler: CommandHandler
}

extension CommandTable {
    // MARK: - DEBUG's subcommands (in DEBUG HELP's order)
    static let debugSubcommands: [DebugSubcommand] = [
        DebugSubcommand(
            name: "sleep", arity: 3, syntax: "SLEEP seconds",
            help: ["SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed."],
            handler: ServerCommands.debugSleep),
        DebugSubcommand(
            name: "set-active-expire", arity: 3, syntax: "SET-ACTIVE-EXPIRE 0|1",
            help: [
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Setting it to 0 disables expiring keys in background when they are not",
                "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the default.",
            ],
            handler: ServerCommands.debugSetActiveExpire),
        DebugSubcommand(
            name: "digest", arity: 2, syntax: "DIGEST",
            help: ["DIGEST", "    Output a hex signature representing the current DB content."],
            handler: ServerCommands.debugDigest),
        DebugSubcommand(
            name: "digest-value", arity: -2, syntax: "DIGEST-VALUE key [key ...]",
            help: [
                "DIGEST-VALUE <key> [<key> ...]",
                "    Output a hex signature of the values of all the specified keys.",
            ],
            handler: ServerCommands.debugDigestValue),
        DebugSubcommand(
            name: "reload", arity: -2, syntax: "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
            help: [
                "RELOAD [option ...]",
                "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
                "    * MERGE: Merge the content of the RDB with the current dataset.",
                "    * NOFLUSH: Don't flush the current dataset before loading the RDB.",
                "    * NOSAVE: Don't save the RDB to disk before reloading.",
            ],
            handler: ServerCommands.debugReload),
        // HelpText adds HELP's own lines.
        DebugSubcommand(name: "help", arity: 2, syntax: "HELP", help: [], handler: ServerCommands.debugHelp),
    ]
}
