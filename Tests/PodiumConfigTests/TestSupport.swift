import PodiumConfig

/// Helpers shared by the PodiumConfig suites: load configuration text without touching the disk, and capture the
/// error a load or CONFIG SET produces.
enum TestSupport {
    /// A file reader over an in-memory set of files, for `include` tests; unknown paths fail like a missing file.
    static func reader(_ files: [String: String]) -> ConfFileParser.FileReader {
        { path throws(ConfigError) in
            guard let contents = files[path] else {
                throw ConfigError(
                    kind: .unreadableFile,
                    message: "Fatal error, can't open config file '\(path)': No such file or directory",
                    reason: "No such file or directory", file: path, line: nil, lineText: nil)
            }
            return contents
        }
    }

    /// Loads `contents` as file `t.conf`, then `arguments`.
    static func load(
        _ contents: String, arguments: [String] = [], files: [String: String] = [:]
    ) throws(ConfigError) -> (PodiumConfiguration, warnings: [String]) {
        try PodiumConfiguration.load(
            configFile: "t.conf", fileContents: contents, arguments: arguments, readFile: reader(files))
    }

    /// The error loading `contents` (and `arguments`) produces, or `nil` if it loads.
    static func loadError(_ contents: String, arguments: [String] = [], files: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try load(contents, arguments: arguments, files: files)
            return nil
        } catch {
            return error
        }
    }

    /// The reason line of the error loading a one-line file, or `nil` if it loads.
    static func reason(_ line: String) -> String? {
        loadError(line)?.reason
    }

    /// The reply text of a failing CONFIG SET, or `nil` if it succeeds.
    static func setError(_ configuration: PodiumConfiguration, _ pairs: [(String, String)]) -> String? {
        do {
            try configuration.set(pairs: pairs)
            return nil
        } catch {
            return error.message
        }
    }
}
