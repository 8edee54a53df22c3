import PodiumText

/// The arguments of `podium-server`, read with redis-server 7's rules:
///
///     podium-server [/path/to/podium.conf | -] [--directive value [value ...]] ...
///
/// - The first argument is a configuration file unless it starts with `-`. A lone `-` as the first argument means
///   "read the configuration from standard input" (redis-server also accepts `-` last; Podium does not).
/// - Each `--name` starts a directive; the arguments after it, up to the next `--name`, are its values.
///   `--bind 127.0.0.1 ::1` gives `bind` two values.
/// - A value may start with `--` when it directly follows a bare `--name`: `--requirepass --secret` sets the password
///   `--secret`. This is what redis-server does; it keeps generated command lines from breaking on such values.
/// - `--name value` in a single argument (a shell-quoted `"--port 6380"`) carries its own value(s), split with the
///   configuration-file quoting rules; a following `--x` then starts a new directive.
/// - `--save` followed by another `--name`, or last, means `--save ""` (no snapshots), as in redis-server ≥ 7.0.1.
/// - Arguments before the first `--name` (other than the configuration file) form a directive of their own, which
///   fails as "Bad directive or wrong number of arguments", as in redis-server.
/// - A single non-empty value of a multi-argument directive is split again (`--bind "127.0.0.1 ::1"`); see
///   `ConfigType.takesMultipleArguments`.
///
/// Command-line directives are applied after the configuration file, so they override it.
public struct CommandLineDirectives: Hashable, Sendable {
    /// The configuration file named first, `-` for standard input, or `nil`.
    public var configFile: String?
    /// The directives, in order, each with the index of its `--name` argument.
    public var directives: [ConfDirective]

    public init(configFile: String?, directives: [ConfDirective]) {
        self.configFile = configFile
        self.directives = directives
    }

    /// Reads the full argument list (without the program name).
    public static func parse(_ arguments: [String]) throws(ConfigError) -> CommandLineDirectives {
        var configFile: String?
        var rest = arguments[...]
        if let first = rest.first, first == "-" || !first.hasPrefix("-") {
            configFile = first
            rest = rest.dropFirst()
        }
        let directives = try parseDirectives(Array(rest), firstArgumentNumber: arguments.count - rest.count + 1)
        return CommandLineDirectives(configFile: configFile, directives: directives)
    }

    /// Reads directive arguments only (everything after the configuration file). `firstArgumentNumber` is the
    /// 1-based position of `arguments[0]` in the whole command line, for error messages.
    public static func parseDirectives(
        _ arguments: [String], firstArgumentNumber: Int = 1
    ) throws(ConfigError)
        -> [ConfDirective]
    {
        var directives: [ConfDirective] = []
        /// The directive being collected, with its raw inline text for error messages.
        var current: (directive: ConfDirective, text: String)?
        /// True right after a bare `--name`: the next argument is a value even if it starts with `--`.
        var expectingValue = false

        func finish() {
            if let (collected, text) = current {
                var directive = collected
                directive.text = text
                directives.append(directive)
            }
            current = nil
        }

        for (offset, argument) in arguments.enumerated() {
            let position = firstArgumentNumber + offset
            if argument.hasPrefix("--"), !expectingValue {
                finish()
                let inline = String(argument.dropFirst(2))
                guard let words = ArgumentSplitter.split(inline) else {
                    throw ConfigError.commandLine(
                        argument: position, text: inline, reason: ConfigReason.unbalancedQuotes)
                }
                let name = words.first ?? ""
                var directive = ConfDirective(
                    name: name, arguments: Array(words.dropFirst()), source: .commandLine(argument: position), text: "")
                var text = ConfFileParser.trim(Substring(inline).unicodeScalars)
                if words.count <= 1 {
                    expectingValue = true
                    let nextIsName = offset + 1 < arguments.count && arguments[offset + 1].hasPrefix("--")
                    if name.lowercased() == "save", nextIsName || offset + 1 == arguments.count {
                        // `--save` with nothing after it: no snapshots, as `--save ""`.
                        directive.arguments = [""]
                        text += " \"\""
                        expectingValue = false
                    }
                } else {
                    expectingValue = false
                }
                current = (directive, text)
            } else {
                expectingValue = false
                if current == nil {
                    // A value with no `--name` before it becomes a directive of its own, which then fails lookup.
                    current = (
                        ConfDirective(
                            name: argument, arguments: [], source: .commandLine(argument: position), text: ""),
                        ArgumentSplitter.quote(argument)
                    )
                } else {
                    current?.directive.arguments.append(argument)
                    current?.text += " " + ArgumentSplitter.quote(argument)
                }
            }
        }
        finish()
        return directives
    }
}
