import PodiumCommands

// Prints docs/commands.md, generated from the command table (see scripts/gen-docs).
print(CommandDocs.markdown(), terminator: "")
