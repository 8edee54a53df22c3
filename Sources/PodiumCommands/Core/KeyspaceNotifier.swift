import NIOCore
import PodiumConfig
import PodiumKeyspace
import PodiumRESP

/// Keyspace notifications (`notify-keyspace-events`), as Valkey's `notifyKeyspaceEvent` (src/notify.c): an event of
/// a class that is switched on is published on `__keyspace@<db>__:<key>` (message: the event name) when `K` is set
/// and on `__keyevent@<db>__:<event>` (message: the key) when `E` is set.
///
/// Handlers raise events with `ctx.notify(.hash, "hset", arg: 1)` after the change. A client subscribed to its own
/// events (RESP3) gets them after the command's reply, whatever the handler wrote first: frames published to the
/// running client collect in `Dispatcher.selfPushes` and follow the reply (EXEC's whole reply), as Valkey 8 and
/// Redis 7.2 do (`pending_push_messages`). When the events are off, the only cost is one load and one AND per
/// call: the mask is zero unless `K` or `E` *and* some class is set, and channel names are built only behind that
/// check.
///
/// Events the keyspace raises itself (a key expired lazily or by the active cycle, a key was created, a read
/// missed) come through the keyspace's observers, which are installed only while their class is on. They are
/// queued and published, in order, before the next event a handler raises and at the latest when the command
/// ends (or, for the active cycle, when its slice ends), so `new` precedes `set`, and `expired` precedes the
/// event of the write that found the key expired, as in Valkey.
extension Dispatcher {
    /// The effective `notify-keyspace-events` flags. Setting it installs or removes the keyspace observers.
    public var keyspaceEvents: KeyspaceEventFlags {
        get { KeyspaceEventFlags(rawValue: notifyMask) }
        set {
            let channels = newValue.intersection([.keyspace, .keyevent])
            let classes = newValue.subtracting([.keyspace, .keyevent])
            // Nothing is published without a channel kind or without a class: keep the mask zero then, so the
            // one check in `notify` suffices.
            let effective = channels.isEmpty || classes.isEmpty ? [] : newValue
            notifyMask = effective.rawValue
            installKeyspaceObservers()
        }
    }

    /// Installs the keyspace's observers that someone needs: the expiry observer while `expired` events are on or
    /// a propagator records writes (an expired key is propagated as a DEL), the others for their event class.
    func installKeyspaceObservers() {
        let flags = KeyspaceEventFlags(rawValue: notifyMask)
        let expiredEvents = flags.contains(.expired)
        if expiredEvents || propagator != nil {
            keyspace.expiryObserver = { [unowned self] db, key in
                if expiredEvents {
                    pendingEvents.append(PendingKeyspaceEvent(type: .expired, event: "expired", db: db, key: key))
                }
                if propagator != nil { propagateDeletion(db: db, key: key) }
            }
        } else {
            keyspace.expiryObserver = nil
        }
        // Hash fields whose TTL passed: `hexpired` (class h), `del` (class g) when the hash went with them, and
        // an HDEL of the fields in the AOF (Valkey's `propagateFieldsDeletion`).
        let hashEvents = flags.contains(.hash)
        let genericEvents = flags.contains(.generic)
        if hashEvents || genericEvents || propagator != nil {
            keyspace.fieldExpiryObserver = { [unowned self] db, key, fields, keyRemoved in
                if hashEvents {
                    pendingEvents.append(PendingKeyspaceEvent(type: .hash, event: "hexpired", db: db, key: key))
                }
                if keyRemoved, genericEvents {
                    pendingEvents.append(PendingKeyspaceEvent(type: .generic, event: "del", db: db, key: key))
                }
                if propagator != nil {
                    var args = CommandContext.arguments(.word("HDEL"), .bytes(key))
                    for field in fields { args.append(PropagationArgument.bytes(field).buffer) }
                    pendingPropagation.append(PropagatedCommand(db: db, args: args))
                }
            }
        } else {
            keyspace.fieldExpiryObserver = nil
        }
        if flags.contains(.newKey) {
            keyspace.newKeyObserver = { [unowned self] db, key in
                pendingEvents.append(PendingKeyspaceEvent(type: .newKey, event: "new", db: db, key: key))
            }
        } else {
            keyspace.newKeyObserver = nil
        }
        if flags.contains(.keyMiss) {
            keyspace.keyMissObserver = { [unowned self] db, raw in
                pendingEvents.append(
                    PendingKeyspaceEvent(type: .keyMiss, event: "keymiss", db: db, key: Bytes(raw: raw)))
            }
        } else {
            keyspace.keyMissObserver = nil
        }
    }

    /// True when the keyspace raised no event waiting to be published.
    public var pendingKeyspaceEventsIsEmpty: Bool { pendingEvents.isEmpty }

    /// Publishes the events the keyspace queued (expiry, new keys, key misses). `publisher` is the client whose
    /// command caused them (its own frames go into `output`, `Dispatcher.selfPushes` during a command), nil for the
    /// active expiry cycle.
    public func flushKeyspaceEvents(publisher: ClientSession?, output: inout ByteBuffer) {
        while !pendingEvents.isEmpty {
            let events = pendingEvents
            pendingEvents.removeAll(keepingCapacity: true)
            for e in events {
                e.key.withUnsafeBytes { key in
                    publishKeyspaceEvent(e.type, e.event, key: key, db: e.db, publisher: publisher, output: &output)
                }
            }
        }
    }

    /// Publishes one event on the keyspace and/or keyevent channel, if its class is on.
    func publishKeyspaceEvent(
        _ type: KeyspaceEventFlags, _ event: StaticString, key: UnsafeRawBufferPointer,
        db: Int, publisher: ClientSession?, output: inout ByteBuffer
    ) {
        let flags = KeyspaceEventFlags(rawValue: notifyMask)
        guard flags.rawValue & type.rawValue != 0, let server else { return }
        let dbText = String(db)
        func publish(on prefix: StaticString, name: UnsafeRawBufferPointer, message text: UnsafeRawBufferPointer) {
            var channel = ByteBuffer()
            channel.reserveCapacity(16 + dbText.utf8.count + name.count)
            channel.writeStaticString(prefix)
            channel.writeString(dbText)
            channel.writeStaticString("__:")
            channel.writeBytes(name)
            var message = ByteBuffer()
            message.writeBytes(text)
            _ = server.publish(.channel, channel: channel, message: message, publisher: publisher, output: &output)
        }
        event.withUTF8Buffer { eventBuffer in
            let eventBytes = UnsafeRawBufferPointer(eventBuffer)
            // `__keyspace@<db>__:<key>` with the event as the message; `__keyevent@<db>__:<event>` with the key.
            if flags.contains(.keyspace) { publish(on: "__keyspace@", name: key, message: eventBytes) }
            if flags.contains(.keyevent) { publish(on: "__keyevent@", name: eventBytes, message: key) }
        }
    }

    /// The slow half of `CommandContext.notify`: queued keyspace events first, then this one.
    @inline(never)
    func notifySlow(
        _ ctx: inout CommandContext, _ type: KeyspaceEventFlags, _ event: StaticString,
        key: UnsafeRawBufferPointer, db: Int
    ) {
        if !pendingEvents.isEmpty { flushKeyspaceEvents(publisher: pushOwner(ctx.client), output: &selfPushes) }
        publishKeyspaceEvent(type, event, key: key, db: db, publisher: pushOwner(ctx.client), output: &selfPushes)
    }
}

/// An event the keyspace raised during a command, waiting to be published.
struct PendingKeyspaceEvent {
    var type: KeyspaceEventFlags
    var event: StaticString
    var db: Int
    var key: Bytes
}

extension CommandContext {
    /// True if events of class `type` are published (to skip work that only an event needs).
    @inlinable public func notifies(_ type: KeyspaceEventFlags) -> Bool {
        dispatcher.notifyMask & type.rawValue != 0
    }

    /// Raises keyspace event `event` of class `type` for the key in argument `i`, in the client's database.
    @inline(__always)
    public mutating func notify(_ type: KeyspaceEventFlags, _ event: StaticString, arg i: Int) {
        if dispatcher.notifyMask & type.rawValue == 0 { return }
        let key = args[i]
        let db = client.db
        key.withUnsafeReadableBytes { dispatcher.notifySlow(&self, type, event, key: $0, db: db) }
    }

    /// Raises keyspace event `event` of class `type` for `key` in database `db` (default: the client's).
    @inline(__always)
    public mutating func notify(_ type: KeyspaceEventFlags, _ event: StaticString, key: Bytes, db: Int? = nil) {
        if dispatcher.notifyMask & type.rawValue == 0 { return }
        let db = db ?? client.db
        key.withUnsafeBytes { dispatcher.notifySlow(&self, type, event, key: $0, db: db) }
    }
}
