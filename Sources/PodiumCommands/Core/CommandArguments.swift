/// The argument tree COMMAND DOCS reports, derived from a command's syntax line in the table so it cannot drift
/// from the documented syntax (docs/commands.md shows the same line).
///
/// The syntax grammar is the one Valkey's documentation uses: `name` is an argument, `UPPERCASE` a literal token,
/// `[...]` optional, `a | b` one of, `x [x ...]` repeated, `TOKEN value` a token followed by its value.
public struct CommandArgument: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case key, string, integer, double, pattern
        case unixTime = "unix-time"
        case pureToken = "pure-token"
        case oneof, block
    }
    public var name: String
    public var kind: Kind
    public var token: String?
    public var optional = false
    public var multiple = false
    public var arguments: [CommandArgument] = []

    /// Parses a syntax line into arguments.
    public static func parse(_ syntax: String) -> [CommandArgument] {
        var tokens = tokenize(syntax)
        return parseSequence(&tokens, until: nil)
    }

    static func tokenize(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in s {
            if ch == "[" || ch == "]" || ch == "|" {
                if !current.isEmpty {
                    out.append(current)
                    current = ""
                }
                out.append(String(ch))
            } else if ch == " " {
                if !current.isEmpty {
                    out.append(current)
                    current = ""
                }
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Parses items until `until` (or the end); alternatives separated by `|` become one `oneof`.
    static func parseSequence(_ tokens: inout [String], until end: String?) -> [CommandArgument] {
        var alternatives: [[CommandArgument]] = [[]]
        while let t = tokens.first {
            if t == end {
                tokens.removeFirst()
                break
            }
            tokens.removeFirst()
            switch t {
            case "|":
                alternatives.append([])
            case "[":
                var inner = parseSequence(&tokens, until: "]")
                // `x [x ...]`: the previous argument repeats.
                if inner.count == 1, inner[0].name == "...", true {
                    inner = []
                }
                if let last = inner.last, last.kind == .string, last.name == "..." { inner.removeLast() }
                if inner.isEmpty {
                    if var prev = alternatives[alternatives.count - 1].popLast() {
                        prev.multiple = true
                        alternatives[alternatives.count - 1].append(prev)
                    }
                    continue
                }
                var group =
                    inner.count == 1
                    ? inner[0] : CommandArgument(name: blockName(inner), kind: .block, arguments: inner)
                group.optional = true
                alternatives[alternatives.count - 1].append(group)
            case "...":
                if var prev = alternatives[alternatives.count - 1].popLast() {
                    prev.multiple = true
                    alternatives[alternatives.count - 1].append(prev)
                } else {
                    return [CommandArgument(name: "...", kind: .string)]
                }
            default:
                alternatives[alternatives.count - 1].append(leaf(t))
            }
        }
        // `TOKEN value` pairs become one argument carrying the token.
        let merged = alternatives.map(mergeTokens)
        if merged.count == 1 { return merged[0] }
        let options = merged.map { seq -> CommandArgument in
            seq.count == 1 ? seq[0] : CommandArgument(name: blockName(seq), kind: .block, arguments: seq)
        }
        return [CommandArgument(name: options.map(\.name).joined(separator: "-"), kind: .oneof, arguments: options)]
    }

    static func mergeTokens(_ seq: [CommandArgument]) -> [CommandArgument] {
        var out: [CommandArgument] = []
        var i = 0
        while i < seq.count {
            var arg = seq[i]
            if arg.kind == .pureToken, i + 1 < seq.count, seq[i + 1].kind != .pureToken, seq[i + 1].token == nil,
                !seq[i + 1].optional, seq[i + 1].kind != .oneof, seq[i + 1].kind != .block
            {
                var value = seq[i + 1]
                value.token = arg.token
                arg = value
                i += 1
            }
            out.append(arg)
            i += 1
        }
        return out
    }

    static func blockName(_ args: [CommandArgument]) -> String {
        args.first?.token?.lowercased() ?? args.first?.name ?? "block"
    }

    static func leaf(_ word: String) -> CommandArgument {
        if word.contains(where: { $0.isUppercase }), !word.contains(where: { $0.isLowercase }) {
            return CommandArgument(name: word.lowercased(), kind: .pureToken, token: word)
        }
        let kind: Kind
        switch word {
        case "key", "newkey", "source", "destination": kind = .key
        case "pattern": kind = .pattern
        case "seconds", "milliseconds", "count", "index", "index1", "index2", "offset", "start", "end", "cursor",
            "increment", "decrement", "destination-db", "client-id", "protover", "numkeys":
            kind = .integer
        case "unix-time-seconds", "unix-time-milliseconds": kind = .unixTime
        default: kind = .string
        }
        return CommandArgument(name: word, kind: kind)
    }
}
