#ifndef C_PODIUM_LUA_H
#define C_PODIUM_LUA_H

// The Lua side of Podium's scripting: the interpreter set up as Valkey sets it up (libraries, the `server`/`redis`
// table, protected globals), the conversions between RESP and Lua values, and the run of one script. Everything
// that may raise a Lua error (a longjmp) happens here, in C: Swift is only ever called back through the host
// functions below, which return normally, so no longjmp crosses a Swift frame.

#include <stddef.h>
#include <stdint.h>

typedef struct lua_State lua_State;

/// What the interpreter asks of the server. Every function returns normally.
typedef struct podium_lua_host {
    void *context;
    /// Runs one command for the running script. Returns 0 with the RESP reply in `*out` (valid until the next
    /// call), or 1 with the text of a refusal in `*out` (Valkey's `scriptCall` errors: "-CODE message" or a plain
    /// message, which gets the ERR code).
    int (*call)(void *context, int argc, const char *const *argv, const size_t *lengths, const char **out,
                size_t *out_length);
    /// server.acl_check_cmd: 1 allowed, 0 denied, -1 unknown command.
    int (*acl_check)(void *context, int argc, const char *const *argv, const size_t *lengths);
    /// Formats a double as Valkey's d2string does (shortest round trip); returns the length written (< 40).
    size_t (*format_double)(double value, char *buffer);
    /// server.log at a level (0 debug … 3 warning).
    void (*log)(void *context, int level, const char *text, size_t length);
    /// SHA-1 of bytes as 40 lower-case hex digits and a NUL.
    void (*sha1hex)(const char *data, size_t length, char *out41);
    /// server.setresp(2|3) and server.set_repl(flags).
    void (*set_resp)(void *context, int resp);
    void (*set_repl)(void *context, int flags);
    /// Called every 100,000 instructions while a script runs: returns 1 to kill the script.
    int (*interrupt)(void *context);
} podium_lua_host;

/// A reply being built (the result of a script, RESP-encoded for its caller).
typedef struct podium_lua_output {
    char *data;
    size_t length;
    size_t capacity;
    /// Set when the reply is an error; `error_counted` when that error was already counted by the command that
    /// raised it (Valkey's `ignore_error_stats_update`).
    int is_error;
    int error_counted;
} podium_lua_output;

/// A function a library registered (server.register_function) while FUNCTION LOAD ran it. `flags` uses
/// PodiumScripting's ScriptFlags bits (no-writes 1, allow-oom 2, allow-stale 4, no-cluster 8,
/// allow-cross-slot-keys 16); `ref` is the callback's reference in the registry.
typedef struct podium_lua_function {
    char *name;
    size_t name_length;
    char *description;
    size_t description_length;
    int has_description;
    int flags;
    int ref;
} podium_lua_function;

/// Creates an interpreter: base, table, string, math, os (clock only), cjson and bit libraries, the `server` table
/// with its `redis` alias, math.random on Valkey's rand48, and the globals locked. `function_engine` 1 makes the
/// interpreter of functions (Valkey's Lua engine): libraries loaded in it see only the library API
/// (server.register_function, server.log, the version fields) while they load, and their functions see the
/// full globals when called.
lua_State *podium_lua_create(const podium_lua_host *host, const char *redis_version, double redis_version_num,
                             const char *server_version, double server_version_num, const char *server_name,
                             int function_engine);
void podium_lua_close(lua_State *L);

/// Compiles `body` (from `skip`, the shebang line's length: its line feed is kept so line numbers stay) as a
/// script function, kept as a registry reference (`*ref`, released with podium_lua_unref). Returns 0, or 1 with
/// the compiler's message in `*error` (malloc'd, the caller frees it).
int podium_lua_compile(lua_State *L, const char *body, size_t length, size_t skip, int *ref, char **error);

/// FUNCTION LOAD's run of a library (function engine): compiles `code` from `skip` (the shebang line) as
/// "@user_function" and runs it with the library API, stopping it after `timeout_ms` (0: never). Returns 0 with
/// the registered functions readable through podium_lua_registered (the caller owns their references), or 1
/// with Valkey's error text in `*error` (malloc'd; "Error compiling function: …" or "Error registering
/// functions: …"), nothing registered.
int podium_lua_load_library(lua_State *L, const char *code, size_t length, size_t skip, long timeout_ms,
                            char **error);
int podium_lua_registered_count(lua_State *L);
const podium_lua_function *podium_lua_registered(lua_State *L, int index);
/// Releases a registered function's callback.
void podium_lua_unref(lua_State *L, int ref);

/// Runs the script or function compiled as `ref`. `blob` holds the keys then the arguments back to back, `lengths` their
/// lengths. In eval mode (`function_mode` 0) they become the KEYS and ARGV globals; in function mode they are
/// the callback's two arguments. `funcname` names the script in error texts (its SHA, or the function's
/// name). The reply is written to `out` for a client speaking RESP `caller_resp`; `*script_resp` is the RESP
/// version the script selected (2 unless server.setresp). Returns 0, or 1 when the script raised an error (the
/// error reply is in `out` all the same).
int podium_lua_run(lua_State *L, int ref, const char *funcname, int function_mode, const char *blob,
                   const size_t *lengths, int nkeys, int nargs, int caller_resp, podium_lua_output *out);

/// Memory the interpreter uses, in bytes (INFO used_memory_lua).
size_t podium_lua_memory(lua_State *L);
/// A full garbage collection (SCRIPT FLUSH).
void podium_lua_collect(lua_State *L);

void podium_lua_output_free(podium_lua_output *out);

#endif
