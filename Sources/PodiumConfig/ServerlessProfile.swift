import PodiumText

/// `elasticache-serverless yes`: the configuration an ElastiCache Serverless endpoint runs with, applied once the
/// file and the command line are read. docs/elasticache.md cites the AWS page behind each value.
///
/// ElastiCache fixes these and refuses CONFIG, so a value set here cannot be changed at run time either. A value
/// the configuration set explicitly to something else is replaced, with a warning that says so; a combination
/// ElastiCache cannot have (a password instead of users, no certificate for its TLS port) stops the start.
extension PodiumConfiguration {
    /// What the profile sets: directive, value, and why (the warning's reason).
    static let serverlessValues: [(name: String, value: String, why: String)] = [
        ("cluster-enabled", "yes", "a serverless endpoint is always a cluster"),
        ("port", "0", "a serverless endpoint is reached over TLS only"),
        ("maxmemory-policy", "volatile-lru", "the policy of every serverless cache"),
        ("maxclients", "65000", "the serverless connection limit"),
        ("notify-keyspace-events", "", "keyspace events are not supported on serverless caches"),
        ("client-output-buffer-limit", "normal 0 0 0 pubsub 32mb 8mb 60", "the serverless output buffer limits"),
        ("busy-reply-threshold", "5000", "the serverless lua-time-limit"),
        ("timeout", "0", "the serverless idle timeout"),
    ]

    /// The TLS port of a serverless endpoint when `tls-port` is not set.
    public static let serverlessTLSPort = 6379

    /// Applies the profile; returns one warning per explicit value it replaced. `explicit`: the slots the file or
    /// the command line set.
    func applyServerlessProfile(explicit: Set<Int>) -> [String] {
        var warnings: [String] = []
        for (name, text, why) in Self.serverlessValues {
            guard let slot = ConfigTable.index(of: name) else { preconditionFailure("no config entry '\(name)'") }
            let entry = ConfigTable.entries[slot]
            let words = text.isEmpty ? [""] : ArgumentSplitter.split(text) ?? []
            guard let value = try? entry.parse(words, current: values[slot], accumulate: false) else {
                preconditionFailure("serverless value '\(text)' of '\(name)' does not parse")
            }
            if explicit.contains(slot), values[slot] != value {
                warnings.append(
                    "elasticache-serverless: '\(name) \(entry.render(values[slot]))' replaced by "
                        + "'\(entry.render(value))' (\(why))")
            }
            values[slot] = value
        }
        let tlsPort = ConfigTable.index(of: "tls-port")!
        if case .integer(0) = values[tlsPort] { values[tlsPort] = .integer(Self.serverlessTLSPort) }
        return warnings
    }

    /// Why this serverless configuration cannot start, or nil: ElastiCache Serverless has TLS on its port and RBAC
    /// users instead of one password.
    public var serverlessConflict: String? {
        guard elasticacheServerless else { return nil }
        if tlsCertFile.isEmpty || tlsKeyFile.isEmpty {
            return "elasticache-serverless serves TLS only: set tls-cert-file and tls-key-file "
                + "(scripts/gen-test-certs makes a set for local use)"
        }
        if requirepass != nil {
            return "elasticache-serverless authenticates RBAC users, not a password: replace requirepass by a "
                + "user directive (user <name> on ><password> ~* &* +@all) or an aclfile"
        }
        if elasticacheReadPort != 0, elasticacheReadPort == tlsPort {
            return "elasticache-read-port must differ from tls-port"
        }
        return nil
    }
}
