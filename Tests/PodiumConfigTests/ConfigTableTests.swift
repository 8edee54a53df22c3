import PodiumConfig
import PodiumText
import Testing

/// The table itself, and its agreement with `conf/podium.conf`.
@Suite struct ConfigTableTests {
    /// `conf/podium.conf`, found from this file's path: Tests/PodiumConfigTests/ → repository root.
    static let podiumConfPath: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return (components + ["conf", "podium.conf"]).joined(separator: "/")
    }()

    @Suite struct Entries {
        @Test func namesAreUniqueAndLowercase() {
            let names = ConfigTable.allNames
            #expect(Set(names).count == names.count)
            for name in names {
                #expect(name == name.lowercased())
            }
        }

        @Test func everyDefaultParses() throws {
            for entry in ConfigTable.entries {
                // Feeding the default text back through the loader must give the default value.
                #expect(entry.defaultIsValid, "\(entry.name)")
                let text = entry.defaultText.isEmpty ? "\"\"" : entry.defaultText
                let (configuration, _) = try TestSupport.load("\(entry.name) \(text)")
                if entry.name == "dir" { continue }  // shown as an absolute path
                #expect(configuration.value(of: entry.name) == entry.render(entry.defaultValue), "\(entry.name)")
            }
        }

        @Test func lookupIgnoresCaseAndKnowsAliases() {
            #expect(ConfigTable.entry(named: "HASH-MAX-ZIPLIST-ENTRIES")?.name == "hash-max-listpack-entries")
            #expect(ConfigTable.entry(named: "slaveof")?.name == "replicaof")
            #expect(ConfigTable.entry(named: "lua-time-limit")?.name == "busy-reply-threshold")
            #expect(ConfigTable.entry(named: "nope") == nil)
        }

        @Test func activeDirectivesComeFirst() {
            let supports = ConfigTable.entries.map(\.support)
            guard let firstOther = supports.firstIndex(where: { $0 != .active }) else { return }
            #expect(!supports[firstOther...].contains(.active))
        }

        @Test func directivesPodiumActsOn() {
            let active = Set(ConfigTable.entries.filter { $0.support == .active }.map(\.name))
            for name in [
                "bind", "port", "protected-mode", "timeout", "tcp-keepalive", "tcp-backlog", "databases", "maxclients",
                "loglevel", "logfile", "dir", "pidfile", "requirepass", "io-threads", "hz", "proto-max-bulk-len",
                "client-query-buffer-limit", "notify-keyspace-events", "hash-max-listpack-entries",
                "hash-max-listpack-value", "zset-max-listpack-entries", "zset-max-listpack-value",
                "active-expire-effort", "cluster-enabled", "cluster-config-file", "cluster-announce-ip",
                "cluster-announce-port", "cluster-announce-tls-port", "cluster-preferred-endpoint-type",
            ] {
                #expect(active.contains(name), "\(name)")
            }
        }
    }

    @Suite struct PodiumConf {
        /// Directive names in the file: uncommented lines, and lines commented out as `#name value` (no space after
        /// `#`, the file's convention for optional directives; prose comments start with `# `).
        private func directivesInFile() throws -> (enabled: [ConfDirective], disabled: [ConfDirective]) {
            let text = try ConfFileParser.readFromDisk(ConfigTableTests.podiumConfPath)
            let enabled = try ConfFileParser().parse(text, fileName: "podium.conf")
            var disabled: [ConfDirective] = []
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard line.hasPrefix("#"), let second = line.dropFirst().first, second.isLetter else { continue }
                let words = try #require(ArgumentSplitter.split(String(line.dropFirst())), "line \(index + 1)")
                disabled.append(
                    ConfDirective(
                        name: words[0], arguments: Array(words.dropFirst()),
                        source: .file("podium.conf", line: index + 1),
                        text: String(line)))
            }
            return (enabled, disabled)
        }

        @Test func everyTableDirectiveIsInTheFile() throws {
            let (enabled, disabled) = try directivesInFile()
            let inFile = Set((enabled + disabled).map { $0.name.lowercased() })
            for entry in ConfigTable.entries {
                #expect(inFile.contains(entry.name), "\(entry.name) is missing from conf/podium.conf")
            }
        }

        @Test func everyDirectiveInTheFileIsInTheTable() throws {
            let (enabled, disabled) = try directivesInFile()
            for directive in enabled + disabled {
                #expect(
                    ConfigTable.entry(named: directive.name)?.name == directive.name.lowercased(),
                    "\(directive.location): '\(directive.name)' is not a canonical table name")
            }
            #expect(
                Set((enabled + disabled).map(\.name)).count == (enabled + disabled).count, "a directive appears twice")
        }

        @Test func theFileFollowsTableOrder() throws {
            let (enabled, disabled) = try directivesInFile()
            let ordered = (enabled + disabled).sorted { lhs, rhs in
                guard case .file(_, let left) = lhs.source, case .file(_, let right) = rhs.source else { return false }
                return left < right
            }
            #expect(ordered.map { $0.name.lowercased() } == ConfigTable.entries.map(\.name))
        }

        @Test func enabledDirectivesAreExactlyTheActiveOnes() throws {
            let (enabled, _) = try directivesInFile()
            let active = ConfigTable.entries.filter { $0.support == .active }.map(\.name)
            #expect(enabled.map(\.name) == active)
        }

        @Test func everyValueShownIsTheDefault() throws {
            let (enabled, disabled) = try directivesInFile()
            for directive in enabled + disabled {
                let line = ([directive.name] + directive.arguments.map(ArgumentSplitter.quote)).joined(separator: " ")
                let (configuration, _) = try TestSupport.load(line)
                let entry = try #require(ConfigTable.entry(named: directive.name))
                if entry.name == "dir" { continue }
                #expect(
                    configuration.value(of: entry.name) == entry.render(entry.defaultValue),
                    "\(directive.location): \(directive.name) is not shown with its default")
            }
        }

        @Test func loadsWithoutWarningsToTheDefaults() throws {
            let (configuration, warnings) = try PodiumConfiguration.load(
                configFile: ConfigTableTests.podiumConfPath, arguments: [])
            #expect(warnings.isEmpty)
            let defaults = PodiumConfiguration()
            #expect(configuration.allParameters().map(\.value) == defaults.allParameters().map(\.value))
        }
    }

    /// Debian's redis.conf must load (with warnings), so `podium-server /etc/redis/redis.conf` starts.
    @Suite struct DebianRedisConf {
        static let path = "/etc/redis/redis.conf"
        static var available: Bool { (try? ConfFileParser.readFromDisk(path)) != nil }

        @Test(.enabled(if: available)) func loads() throws {
            // `dir` points at /var/lib/redis, which need not exist where tests run; keep the rest as shipped.
            let text = try ConfFileParser.readFromDisk(Self.path)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("dir ") ? "dir /tmp" : String($0) }
                .joined(separator: "\n")
            let (configuration, warnings) = try PodiumConfiguration.load(
                configFile: Self.path, fileContents: text, arguments: [])
            #expect(configuration.bind == ["127.0.0.1", "-::1"])
            #expect(configuration.daemonize)
            #expect(warnings.contains { $0.contains("'daemonize'") })
            #expect(!warnings.contains { $0.contains("'port'") })
            #expect(!warnings.isEmpty)
        }
    }
}
