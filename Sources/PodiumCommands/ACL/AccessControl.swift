import NIOCore
import PodiumConfig
import PodiumKeyspace

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The ACL: users by name, the `default` user every connection starts as, the ACL LOG, and the `aclfile`.
/// Valkey's `acl.c`, for the root selector (see `ACLUser`). Only touched with the executor lock held.
public final class AccessControl {
    let table: CommandTable
    /// Users by name (`ACL USERS` lists them sorted, as Valkey's radix tree does).
    public private(set) var users: [String: ACLUser] = [:]
    /// The user connections start as. It is never replaced (clients point at it), only changed.
    public let defaultUser: ACLUser
    /// `acl-pubsub-default allchannels`: new and reset users may use every channel.
    public var pubsubDefaultAllChannels = false
    /// `acllog-max-len`.
    public var logMaxLength = 128 { didSet { trimLog() } }
    /// `aclfile`: where ACL LOAD and ACL SAVE read and write users; empty for none.
    public var aclFile = ""
    /// The ACL LOG, newest first.
    private(set) var log: [ACLLogEntry] = []
    private var nextLogEntryID = 0
    /// INFO stats `acl_access_denied_*`.
    public private(set) var deniedAuth = 0, deniedCommand = 0, deniedKey = 0, deniedChannel = 0

    /// Valkey's `ACLCreateDefaultUser`: `default` with `+@all ~* &* on nopass`.
    public init(table: CommandTable = .shared) {
        self.table = table
        let user = ACLUser(name: "default", table: table, allChannelsByDefault: false)
        for rule in ["+@all", "~*", "&*", "on", "nopass"] {
            try? user.apply(rule, table: table, allChannelsByDefault: false)  // invariant: these rules are valid
        }
        defaultUser = user
        users["default"] = user
    }

    // MARK: - Users

    public func user(named name: String) -> ACLUser? { users[name] }

    /// Names in Valkey's order (byte order).
    public var userNames: [String] { users.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }

    /// ACL SETUSER: creates the user if needed and applies every rule, or none (the rules are tried on a copy
    /// first). Returns the user and whether its channel permissions narrowed (subscribers may have to go).
    @discardableResult
    public func setUser(_ name: String, rules: [String]) throws(ACLSetUserError) -> ACLUser {
        let existing = users[name]
        let draft =
            existing?.copy(table: table)
            ?? ACLUser(name: name, table: table, allChannelsByDefault: pubsubDefaultAllChannels)
        for rule in rules {
            do {
                try draft.apply(rule, table: table, allChannelsByDefault: pubsubDefaultAllChannels)
            } catch {
                throw ACLSetUserError(rule: rule, reason: error)
            }
        }
        if let existing {
            existing.assign(from: draft)
            return existing
        }
        users[name] = draft
        return draft
    }

    /// ACL DELUSER of one user (not `default`): the user, if it existed.
    func deleteUser(_ name: String) -> ACLUser? { users.removeValue(forKey: name) }

    /// `requirepass`: the default user's only password (none: `nopass`). Valkey's `ACLUpdateDefaultUserPassword`.
    public func setRequirepass(_ password: String) {
        try? defaultUser.apply("resetpass", table: table, allChannelsByDefault: pubsubDefaultAllChannels)
        let rule = password.isEmpty ? "nopass" : ">" + password
        try? defaultUser.apply(rule, table: table, allChannelsByDefault: pubsubDefaultAllChannels)  // always valid
    }

    /// Whether the default user lets everyone in: `nopass` and `on` (no AUTH needed, protected mode applies).
    public var defaultUserIsOpen: Bool { defaultUser.nopass && defaultUser.enabled }

    /// The user a client acts as: the one it authenticated as, else `default`.
    @inline(__always) func user(of client: ClientSession) -> ACLUser { client.user ?? defaultUser }

    /// Whether the client's user may run anything (`ACLUser.unrestricted`), read without retaining the user: the
    /// dispatcher asks this on every command, and only looks the user up when it is not so.
    @inline(__always) func allowsEverything(_ client: ClientSession) -> Bool {
        if let reference = client.userReference { return reference._withUnsafeGuaranteedRef { $0.unrestricted } }
        return defaultUser.unrestricted
    }

    /// The user `name` with `password`, or nil (unknown, off, or wrong password).
    func authenticate(_ name: String, password: [UInt8]) -> ACLUser? {
        guard let user = users[name], user.accepts(password: password) else { return nil }
        return user
    }

    // MARK: - Configuration (user directives, aclfile)

    /// The users of `user` directives (config file and command line), or of the aclfile, at start-up. Valkey
    /// refuses both at once.
    public func load(userDirectives: [ConfDirective], aclFile: String) throws(ACLLoadError) {
        self.aclFile = aclFile
        if !aclFile.isEmpty {
            if !userDirectives.isEmpty {
                throw ACLLoadError(
                    "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both."
                )
            }
            try loadFile()
            return
        }
        var defined = Set<String>()
        for directive in userDirectives {
            guard let name = directive.arguments.first else {
                throw ACLLoadError("\(directive.location): 'user' needs a user name")
            }
            guard defined.insert(name).inserted else {
                throw ACLLoadError(
                    "\(directive.location): Error in user declaration '\(name)': \(ACLRuleError.duplicateUser.message)")
            }
            do {
                try setUser(name, rules: Array(directive.arguments.dropFirst()))
            } catch {
                throw ACLLoadError(
                    "\(directive.location): Error loading ACL rule '\(error.rule)' for the user named '\(name)': \(error.reason.message)"
                )
            }
        }
    }

    /// ACL LOAD (and start-up with an aclfile): every line `user <name> <rules>…`; all or nothing. On success the
    /// users are replaced (the default user in place); returns the users that were replaced, so the caller can move
    /// or close their connections.
    @discardableResult
    public func loadFile() throws(ACLLoadError) -> [String: ACLUser] {
        let text: String
        do {
            text = try ConfFileParser.readFromDisk(aclFile)
        } catch {
            throw ACLLoadError("Error loading ACLs, opening file '\(aclFile)': \(String(cString: strerror(errno)))")
        }
        var errors = ""
        var fresh: [String: ACLUser] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingSpaces
            if line.isEmpty { continue }
            let number = index + 1
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard words.count >= 2, words[0] == "user" else {
                errors += "\(aclFile):\(number) should start with user keyword followed by the username. "
                continue
            }
            let name = words[1]
            guard fresh[name] == nil else {
                errors += "WARNING: Duplicate user '\(name)' found on line \(number). "
                continue
            }
            let user = ACLUser(name: name, table: table, allChannelsByDefault: pubsubDefaultAllChannels)
            var reported = false
            for rule in words.dropFirst(2) {
                do {
                    try user.apply(rule.trimmingSpaces, table: table, allChannelsByDefault: pubsubDefaultAllChannels)
                } catch {
                    if error == .unknownCommandOrCategory {
                        errors += "\(aclFile):\(number): Error in applying operation '\(rule)': \(error.message). "
                    } else if !reported {
                        errors += "\(aclFile):\(number): \(error.message). "
                        reported = true
                    }
                }
            }
            fresh[name] = user
        }
        guard errors.isEmpty else {
            throw ACLLoadError(
                errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
        }
        let replaced = users
        let newDefault = fresh["default"] ?? AccessControl(table: table).defaultUser
        defaultUser.assign(from: newDefault)
        fresh["default"] = defaultUser
        users = fresh
        return replaced
    }

    /// ACL SAVE: every user as a `user` line, written to a temporary file and renamed over the aclfile.
    public func saveFile() -> Bool {
        let text = userNames.compactMap { name in users[name].map { "user \(name) \($0.description)\n" } }.joined()
        let temporary = aclFile + ".tmp-\(getpid())"
        guard let file = fopen(temporary, "w") else { return false }
        let written = text.withCString { fputs($0, file) } >= 0
        let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
        fclose(file)
        guard written, flushed, rename(temporary, aclFile) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }

    // MARK: - ACL LOG

    /// Records a denial, merging it with a recent identical one (same reason, context, object and user within 60 s)
    /// as Valkey's `addACLLogEntry` does.
    func record(
        _ reason: ACLLogEntry.Reason, context: ACLLogEntry.Context, object: String, username: String,
        clientInfo: String, now: Int64
    ) {
        switch reason {
        case .auth: deniedAuth += 1
        case .command: deniedCommand += 1
        case .key: deniedKey += 1
        case .channel: deniedChannel += 1
        }
        guard logMaxLength > 0 else {
            log.removeAll()
            return
        }
        for i in log.indices.prefix(10) {
            let entry = log[i]
            if entry.reason == reason, entry.context == context, entry.object == object, entry.username == username,
                abs(entry.updated - now) <= 60_000
            {
                var merged = log.remove(at: i)
                merged.count += 1
                merged.clientInfo = clientInfo
                merged.updated = now
                log.insert(merged, at: 0)
                return
            }
        }
        log.insert(
            ACLLogEntry(
                id: nextLogEntryID, count: 1, reason: reason, context: context, object: object,
                username: username, clientInfo: clientInfo, created: now, updated: now), at: 0)
        nextLogEntryID += 1
        trimLog()
    }

    func resetLog() { log.removeAll() }

    private func trimLog() {
        if log.count > logMaxLength { log.removeLast(log.count - logMaxLength) }
    }
}

/// One ACL LOG entry (Valkey 8's fields).
public struct ACLLogEntry: Sendable {
    public enum Reason: String, Sendable { case command, key, channel, auth }
    public enum Context: String, Sendable { case toplevel, multi, lua }

    let id: Int
    var count: Int
    let reason: Reason
    let context: Context
    let object: String
    let username: String
    var clientInfo: String
    let created: Int64
    var updated: Int64
}

/// An ACL SETUSER rule that failed, with Valkey's reason.
public struct ACLSetUserError: Error {
    public let rule: String
    public let reason: ACLRuleError
}

/// Users that could not be loaded (start-up, ACL LOAD), with Valkey's text.
public struct ACLLoadError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Substring {
    /// Without leading and trailing spaces, tabs, CR and LF (`sdstrim(line, " \t\r\n")`).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}

extension String {
    var trimmingSpaces: String { self[...].trimmingSpaces }
}
