import PodiumRESP

/// `<COMMAND> HELP` replies, shaped as Valkey shapes them: a header line, the lines, and the trailing HELP line.
enum HelpText {
    static func reply(_ ctx: inout CommandContext, command: String, lines: [String]) {
        let all =
            ["\(command) <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"] + lines
            + ["HELP", "    Print this help."]
        ctx.reply.arrayHeader(all.count)
        for line in all { ctx.reply.simple(line) }
    }
}
