import CPodiumLua
import NIOCore
import PodiumCommands
import PodiumRESP
import PodiumText

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The loaded function libraries (Valkey's `functionsLibCtx`): libraries by name, their functions by name, and
/// the rules of FUNCTION LOAD and FUNCTION RESTORE for creating, replacing and joining them. The functions'
/// callbacks live in the function interpreter's registry; this store holds their references and releases them
/// when a library goes.
///
/// Libraries keep the order they were loaded in (Valkey lists them in its hash table's order, which no client
/// can rely on).
struct FunctionStore {
    struct Function {
        var name: String
        var description: ByteBuffer?
        var flags: ScriptFlags
        /// The callback's reference in the interpreter's registry.
        var ref: Int32
        var library: String
        /// Its last run was quick: it may run inline, on the event loop (LuaEngine).
        var inline = false
    }

    struct Library {
        var name: String
        /// The whole code, shebang included (FUNCTION LIST WITHCODE, FUNCTION DUMP, the AOF rewrite).
        var code: ByteBuffer
        /// In registration order.
        var functions: [String]
    }

    /// Moves on every change, so a cached lookup knows when it is stale.
    private(set) var generation = 0
    private(set) var libraries: [String: Library] = [:] {
        didSet { generation &+= 1 }
    }
    private(set) var order: [String] = []
    /// By name, case-insensitively (Valkey's functions dictionary; library names are case-sensitive).
    private(set) var functions: [String: Function] = [:] {
        didSet { generation &+= 1 }
    }

    /// The key of a function's name in `functions`.
    static func key(_ name: String) -> String { name.lowercased() }

    /// By its key (`key(_:)` of its name).
    func function(key: String) -> Function? { functions[key] }

    mutating func setInline(_ inline: Bool, function name: String) {
        functions[Self.key(name)]?.inline = inline
    }

    var isEmpty: Bool { libraries.isEmpty }

    /// Memory the store itself holds (Valkey's `used_memory_functions` counts the same things: names, code,
    /// descriptions, plus its tables).
    var memory: Int {
        var total = 184
        for library in libraries.values { total += library.name.utf8.count + library.code.readableBytes + 64 }
        for function in functions.values {
            total += function.name.utf8.count + (function.description?.readableBytes ?? 0) + 64
        }
        return total
    }

    /// Valkey's `functionExtractLibMetaData`: the engine and library name from the `#!<engine> name=<name>`
    /// shebang, and the length of that line (the code handed to the engine starts at its line feed).
    static func metadata(_ code: ByteBuffer) throws(CommandError) -> (engine: String, name: String, shebang: Int) {
        let bytes = code.readableBytesView
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "#"), bytes[bytes.startIndex + 1] == UInt8(ascii: "!")
        else { throw .functionMetadata("Missing library metadata") }
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
            throw .functionMetadata("Invalid library metadata")
        }
        guard let parts = ArgumentSplitter.split(Array(bytes[bytes.startIndex..<newline])), !parts.isEmpty else {
            throw .functionMetadata("Invalid library metadata")
        }
        let engine = String(decoding: parts[0].dropFirst(2), as: UTF8.self)
        var name: String?
        for part in parts.dropFirst() {
            let text = String(decoding: part, as: UTF8.self)
            if part.count >= 5, String(decoding: part.prefix(5), as: UTF8.self).lowercased() == "name=" {
                if name != nil {
                    throw .functionMetadata("Invalid metadata value, name argument was given multiple times")
                }
                name = String(decoding: part.dropFirst(5), as: UTF8.self)
                continue
            }
            throw .functionMetadata("Invalid metadata value given: \(text)")
        }
        guard let name else { throw .functionMetadata("Library name was not given") }
        return (engine, name, newline - bytes.startIndex)
    }

    static func validName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
            }
    }

    /// Valkey's `functionsCreateWithLibraryCtx`: runs `code` in the interpreter `state` and adds the library it
    /// registers; `replace` lets it take the place of a library of the same name. Returns the library's name.
    mutating func create(
        _ code: ByteBuffer, replace: Bool, timeoutMilliseconds: Int, state: OpaquePointer
    )
        throws(CommandError) -> String
    {
        let (engine, name, shebang) = try Self.metadata(code)
        guard Self.validName(name) else { throw .functionMetadata(Self.invalidLibraryName) }
        guard engine.lowercased() == "lua" else { throw .functionMetadata("Engine '\(engine)' not found") }
        let old = libraries[name]
        if old != nil, !replace { throw .functionMetadata("Library '\(name)' already exists") }
        // The old library is out while the new one loads (its function names are free for it), and back if the
        // new one fails.
        let oldPosition = order.firstIndex(of: name)
        let taken = old.map { unlink($0) } ?? []
        func restoreOld() { if let old { link(old, taken, at: oldPosition) } }
        var failure: UnsafeMutablePointer<CChar>?
        let status = code.withUnsafeReadableBytes { raw in
            podium_lua_load_library(
                state, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, shebang,
                timeoutMilliseconds, &failure)
        }
        if status != 0 {
            let message = failure.map { String(cString: $0) } ?? "unknown error"
            free(failure)
            restoreOld()
            throw .functionMetadata(message)
        }
        var registered: [Function] = []
        for i in 0..<podium_lua_registered_count(state) {
            let f = podium_lua_registered(state, i)!.pointee
            var description: ByteBuffer?
            if f.has_description != 0 {
                description = ByteBuffer(
                    bytes: UnsafeRawBufferPointer(start: f.description, count: f.description_length))
            }
            registered.append(
                Function(
                    name: String(decoding: UnsafeRawBufferPointer(start: f.name, count: f.name_length), as: UTF8.self),
                    description: description, flags: ScriptFlags(rawValue: UInt8(truncatingIfNeeded: f.flags)),
                    ref: f.ref, library: name))
        }
        func fail(_ error: CommandError) -> CommandError {
            for f in registered { podium_lua_unref(state, f.ref) }
            restoreOld()
            return error
        }
        if registered.isEmpty { throw fail(.functionMetadata("No functions registered")) }
        for f in registered where functions[Self.key(f.name)] != nil {
            throw fail(.functionMetadata("Function \(f.name) already exists"))
        }
        var copy = ByteBuffer()
        copy.writeImmutableBuffer(code)
        link(Library(name: name, code: copy, functions: registered.map(\.name)), registered)
        // The replaced library's callbacks go only now that the new one is in.
        for f in taken { podium_lua_unref(state, f.ref) }
        return name
    }

    static let invalidLibraryName =
        "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

    /// Takes a library out, with its functions (returned, for `link` to put back).
    private mutating func unlink(_ library: Library) -> [Function] {
        var taken: [Function] = []
        for name in library.functions {
            if let f = functions.removeValue(forKey: Self.key(name)) { taken.append(f) }
        }
        libraries[library.name] = nil
        order.removeAll { $0 == library.name }
        return taken
    }

    private mutating func link(_ library: Library, _ libraryFunctions: [Function], at position: Int? = nil) {
        for f in libraryFunctions { functions[Self.key(f.name)] = f }
        libraries[library.name] = library
        if let position, position <= order.count {
            order.insert(library.name, at: position)
        } else {
            order.append(library.name)
        }
    }

    /// FUNCTION DELETE: false when there is no such library.
    mutating func delete(_ name: String, state: OpaquePointer) -> Bool {
        guard let library = libraries[name] else { return false }
        for f in library.functions {
            if let removed = functions.removeValue(forKey: Self.key(f)) { podium_lua_unref(state, removed.ref) }
        }
        libraries[name] = nil
        order.removeAll { $0 == name }
        return true
    }

    /// FUNCTION FLUSH (and FUNCTION RESTORE FLUSH).
    mutating func removeAll(state: OpaquePointer) {
        for f in functions.values { podium_lua_unref(state, f.ref) }
        functions.removeAll()
        libraries.removeAll()
        order.removeAll()
    }

    /// Valkey's `libraryJoin`: adds every library of `other` (a store built by FUNCTION RESTORE), replacing
    /// libraries of the same name when `replace`, else refusing; refuses a function name already taken. On a
    /// refusal nothing changes (and `other` keeps its libraries, for the caller to release).
    mutating func join(_ other: inout FunctionStore, replace: Bool, state: OpaquePointer) throws(CommandError) {
        var replaced: [Library] = []
        for name in other.order where libraries[name] != nil {
            guard replace else {
                throw .functionMetadata("Library \(name) already exists")
            }
            replaced.append(libraries[name]!)
        }
        var remaining = functions
        for library in replaced { for f in library.functions { remaining[Self.key(f)] = nil } }
        for name in other.order {
            for f in other.libraries[name]!.functions where remaining[Self.key(f)] != nil {
                throw .functionMetadata("Function \(f) already exists")
            }
        }
        for library in replaced { _ = delete(library.name, state: state) }
        for name in other.order {
            let library = other.libraries[name]!
            link(library, library.functions.compactMap { other.functions[Self.key($0)] })
        }
        other = FunctionStore()
    }
}
