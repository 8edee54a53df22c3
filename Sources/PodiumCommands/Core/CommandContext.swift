import NIOCore
import PodiumKeyspace
import PodiumNumbers
import PodiumRESP

/// Everything a handler sees: its arguments, the client, the keyspace, the reply writer and the server.
public struct CommandContext {
    /// The argument vector, command name first. Slices of the receive buffer: copy what you keep.
    public var args: [ByteBuffer]
    public var reply: ReplyWriter
    /// The client whose command runs. Held unretained, as `dispatcher` is, for the same reason: every context is
    /// made by a function that holds the client (a batch's, a blocked client served again, a script's) and lives
    /// only as long as that call.
    @usableFromInline let clientReference: Unmanaged<ClientSession>
    @inlinable public var client: ClientSession { clientReference._withUnsafeGuaranteedRef { $0 } }
    /// The dispatcher running the command. A context only exists inside `Dispatcher.execute`, so the dispatcher
    /// outlives it; held unretained and read through a guaranteed reference, because this is read several times
    /// per command, where a checked `unowned` costs atomic operations and an `unowned(unsafe)` one was retained
    /// and released around each use.
    @usableFromInline let dispatcherReference: Unmanaged<Dispatcher>
    @inlinable public var dispatcher: Dispatcher { dispatcherReference._withUnsafeGuaranteedRef { $0 } }
    /// The entry being executed (for subcommands, the subcommand's entry).
    public var spec: CommandSpec
    /// What the handler asked for its own propagation (Propagation.swift).
    var propagation = PropagationRequest()
    /// Set by a handler whose reply is Pub/Sub confirmations (SUBSCRIBE, UNSUBSCRIBE, ...): Valkey writes those
    /// as pushes (`CLIENT_PUSHING`), which CLIENT REPLY OFF / SKIP do not drop, in RESP2 as in RESP3.
    var replyIsPush = false

    init(dispatcher: Dispatcher, client: ClientSession, reply: ReplyWriter, spec: CommandSpec) {
        self.args = []
        self.reply = reply
        self.clientReference = Unmanaged.passUnretained(client)
        self.dispatcherReference = Unmanaged.passUnretained(dispatcher)
        self.spec = spec
    }

    @inlinable public var keyspace: Keyspace { dispatcher.keyspace }
    /// The client's selected database.
    @inlinable public var db: Database { dispatcher.keyspace[client.db] }
    public var server: (any ServerContext)? { dispatcher.server }
    @inlinable public var argc: Int { args.count }

    // MARK: - Arguments

    /// Argument `i` as bytes (a copy; keys and values are stored this way).
    @inlinable public func bytes(_ i: Int) -> Bytes {
        args[i].withUnsafeReadableBytes { Bytes(raw: $0) }
    }

    /// Argument `i` as a byte array (passwords: hashed as sent, not repaired as text).
    public func byteArray(_ i: Int) -> [UInt8] {
        args[i].withUnsafeReadableBytes { Array($0) }
    }

    /// Argument `i` as a string value, stored the way Valkey would (integers as integers), copied once.
    @inlinable public func value(_ i: Int) -> Value {
        args[i].withUnsafeReadableBytes { Value.fromRaw($0) }
    }

    /// Argument `i` as a key.
    @inlinable public func key(_ i: Int) -> Bytes { bytes(i) }

    /// Argument `i` decoded as text (for names and options; invalid UTF-8 is repaired).
    public func string(_ i: Int) -> String {
        args[i].withUnsafeReadableBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Argument `i` lower-cased, for option names in error messages and switch statements.
    public func lowercased(_ i: Int) -> String { string(i).lowercased() }

    /// True if argument `i` equals `word` ignoring ASCII case. `word` must be lower-case.
    @inlinable public func argIs(_ i: Int, _ word: StaticString) -> Bool {
        args[i].withUnsafeReadableBytes { raw in
            guard raw.count == word.utf8CodeUnitCount else { return false }
            let w = word.utf8Start
            for j in 0..<raw.count {
                var c = raw[j]
                if c >= 65 && c <= 90 { c += 32 }
                if c != w[j] { return false }
            }
            return true
        }
    }

    /// What `choices` gives the word at argument `i` (ignoring ASCII case; the words lower-case), or nil for any
    /// other word: `ctx.choice(2, ["before": false, "after": true])`.
    @inlinable public func choice<T>(_ i: Int, _ choices: KeyValuePairs<StaticString, T>) -> T? {
        for (word, value) in choices where argIs(i, word) { return value }
        return nil
    }

    /// Argument `i` as a strict 64-bit integer, or `ERR value is not an integer or out of range`.
    @inlinable public func integer(_ i: Int) throws(CommandError) -> Int {
        guard let n = args[i].withUnsafeReadableBytes({ StrictInteger.parse($0) }) else { throw .notInteger }
        return n
    }

    /// Argument `i` as a strict integer, or nil.
    @inlinable public func integerIfValid(_ i: Int) -> Int? {
        args[i].withUnsafeReadableBytes { StrictInteger.parse($0) }
    }

    /// Argument `i` as a double with Valkey's `getDoubleFromObject` rules, or `ERR value is not a valid float`.
    public func double(_ i: Int) throws(CommandError) -> Double {
        guard let d = args[i].withUnsafeReadableBytes({ NumberFormat.parseDouble($0) }) else { throw .notFloat }
        return d
    }

    // MARK: - Keyspace helpers

    /// Looks a key up for reading in the selected database.
    @inlinable public func lookupRead(_ key: Bytes) -> Value? { db.lookupRead(key) }
}

extension ByteBuffer {
    /// `withUnsafeReadableBytes` for a `body` with a typed error, which the `rethrows` original would widen to
    /// `any Error`.
    @inlinable func withRawBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withUnsafeReadableBytes { raw in
            do throws(E) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

// MARK: - Typed key lookups

extension CommandContext {
    /// The value of the key at argument `i` for reading, as `extract` takes it out of its `Value`: nil when the key
    /// is missing (or expired), `WRONGTYPE` when `extract` finds another type. The groups' typed readers
    /// (`ListCommands.readList`, `HashCommands.readHash`, ...) are this with their case.
    @inline(__always)
    func readValue<T>(_ i: Int, as extract: (Value) -> T?) throws(CommandError) -> T? {
        let db = self.db
        guard let value = args[i].withUnsafeReadableBytes({ db.lookupRead(raw: $0) }) else { return nil }
        guard let typed = extract(value) else { throw .wrongType }
        return typed
    }

    /// The slot of the key at argument `i` for writing when it holds an `Object`: nil when it is missing,
    /// `WRONGTYPE` when it holds another type.
    @inline(__always)
    func writeSlot<Object: StoredObject>(_ i: Int, holding: Object.Type) throws(CommandError) -> Int? {
        try writeSlot(i) { Object.extract($0) != nil }
    }

    /// Changes the `Object` at argument `key` in place, with one key lookup (the object stays uniquely referenced:
    /// one nothing else shares is never copied). A missing key: with `create`, `body` gets a new empty object,
    /// stored if `body` leaves it non-empty; without, `body` is not called and the result is nil. Afterwards an
    /// emptied object disappears as a key, and WATCH learns of the change when `changed(result)` (a hash whose
    /// fields have TTLs also has its next field deadline looked at again). `body` must not touch the database.
    @inline(__always)
    func modifyObject<Object: ModifiableObject, R>(
        key: Int, create: Bool, changed: (R) -> Bool, _ body: (inout Object) throws(CommandError) -> R
    ) throws(CommandError) -> R? {
        let db = self.db
        guard let slot = args[key].withUnsafeReadableBytes({ db.slot(raw: $0) }) else {
            guard create else { return nil }
            var object = Object()
            let result = try body(&object)
            if object.count > 0 { args[key].withUnsafeReadableBytes { db.set(raw: $0, object.stored) } }
            return result
        }
        let changes = try db.withObject(slot: slot) {
            (object: inout Object) throws(CommandError) -> (R, emptied: Bool, volatile: Bool) in
            let volatileBefore = object.hasVolatileFields
            return (try body(&object), object.count == 0, volatileBefore || object.hasVolatileFields)
        }
        guard let (result, emptied, volatile) = changes else { throw .wrongType }
        if emptied {
            db.remove(slot: slot)
        } else if changed(result) {
            db.signalModified(slot: slot)
            // An overwritten field loses its TTL: the hash's next deadline may have moved.
            if volatile { db.trackFieldExpiry(slot: slot) }
        }
        return result
    }

    /// The slot of the key at argument `i` for writing: nil when it is missing, `WRONGTYPE` unless `holds` accepts
    /// its value.
    @inline(__always)
    func writeSlot(_ i: Int, holding holds: (Value) -> Bool) throws(CommandError) -> Int? {
        let db = self.db
        guard let slot = args[i].withUnsafeReadableBytes({ db.slot(raw: $0) }) else { return nil }
        guard holds(db.entry(slot).value) else { throw .wrongType }
        return slot
    }
}

/// An object `CommandContext.modifyObject` can create and delete: it starts empty and an empty one is no key.
protocol ModifiableObject: StoredObject {
    init()
    var count: Int { get }
    /// Whether a field has a TTL (hashes); false for the other types.
    var hasVolatileFields: Bool { get }
}

extension ModifiableObject {
    var hasVolatileFields: Bool { false }
}

extension HashObject: ModifiableObject {}
extension SortedSetObject: ModifiableObject {}

/// The handlers of one data type's group (lists, sets, hashes, sorted sets): their typed lookups, one fact per
/// group (`Object`).
protocol ObjectCommands {
    associatedtype Object: StoredObject
}

extension ObjectCommands {
    /// The object at argument `i` for reading; nil when missing, `WRONGTYPE` for other types.
    @inline(__always)
    static func readObject(_ ctx: CommandContext, _ i: Int = 1) throws(CommandError) -> Object? {
        try ctx.readValue(i, as: Object.extract)
    }

    /// The slot of the object at argument `i`, for writing; nil when missing, `WRONGTYPE` for other types.
    @inline(__always)
    static func objectSlot(_ ctx: CommandContext, _ i: Int = 1) throws(CommandError) -> Int? {
        try ctx.writeSlot(i, holding: Object.self)
    }

    /// Changes the object in `slot` (known to hold an `Object`) in place (`Database.withObject(slot:)`).
    @inline(__always)
    static func modify<R>(_ db: Database, slot: Int, _ body: (inout Object) -> R) -> R {
        guard let result = db.withObject(slot: slot, body) else { preconditionFailure("slot checked to hold its type") }
        return result
    }
}
