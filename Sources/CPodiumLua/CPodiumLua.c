// The interpreter side of scripting (CPodiumLua.h). The rules follow Valkey 8's script_lua.c and eval.c: what a
// command reply becomes in Lua, what a script's result becomes in RESP, the error tables and texts, the globals
// that scripts may read and the ones they may not create. Debian's Lua 5.1 has no read-only tables (Valkey's Lua
// is patched for them), so the globals and the library tables are read-only proxies here instead: a script sees
// them through tables whose writes fail with Valkey's text.

#include "CPodiumLua.h"
#include "LuaLibraries.h"

#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
#include <lua5.1/lualib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int luaopen_cjson(lua_State *L);
int luaopen_bit(lua_State *L);

#define HOST_KEY "podium.host"
#define GLOBALS_PROXY_KEY "podium.globals"
#define READONLY_KEY "podium.readonly"
#define LIBRARY_API_KEY "podium.library_api"
#define SEALED_METATABLE_KEY "podium.sealed_metatable"
#define LRAND48_MAX 2147483647

// What one interpreter keeps besides the Lua state (several servers may run in one process).
typedef struct podium_state {
    const podium_lua_host *host;
    const char **argv;
    size_t *lengths;
    char (*numbers)[64];
    int capacity;
    int in_use;
    int script_resp;
    long runs;
    uint64_t rand48;
    // The function engine (FUNCTION LOAD / FCALL) rather than EVAL's.
    int function_engine;
    // While FUNCTION LOAD runs a library: its deadline (monotonic ms, 0 for none) and what it registered.
    int loading;
    double load_deadline;
    podium_lua_function *registered;
    int registered_count;
    int registered_capacity;
    // The error handler of every run, as a registry reference (no lookup by name per run).
    int error_handler;
} podium_state;

static podium_state *state_of(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, HOST_KEY);
    podium_state *state = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return state;
}

static const podium_lua_host *host_of(lua_State *L) { return state_of(L)->host; }

// MARK: - Output buffer

static void out_reserve(podium_lua_output *out, size_t more) {
    if (out->length + more <= out->capacity) return;
    size_t capacity = out->capacity ? out->capacity : 256;
    while (capacity < out->length + more) capacity *= 2;
    char *data = realloc(out->data, capacity);
    if (!data) abort();
    out->data = data;
    out->capacity = capacity;
}

static void out_write(podium_lua_output *out, const char *bytes, size_t length) {
    out_reserve(out, length);
    memcpy(out->data + out->length, bytes, length);
    out->length += length;
}

static void out_str(podium_lua_output *out, const char *text) { out_write(out, text, strlen(text)); }

static size_t ll2str(char *buffer, long long value) {
    char tmp[24];
    size_t n = 0;
    unsigned long long v = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t length = 0;
    if (value < 0) buffer[length++] = '-';
    while (n) buffer[length++] = tmp[--n];
    buffer[length] = 0;
    return length;
}

static void out_frame(podium_lua_output *out, char type, long long value) {
    char buffer[32];
    buffer[0] = type;
    size_t length = 1 + ll2str(buffer + 1, value);
    buffer[length++] = '\r';
    buffer[length++] = '\n';
    out_write(out, buffer, length);
}

static void out_bulk(podium_lua_output *out, const char *bytes, size_t length) {
    out_frame(out, '$', (long long)length);
    out_write(out, bytes, length);
    out_write(out, "\r\n", 2);
}

// A simple string or error line: CR and LF become spaces (Valkey's sdsmapchars / addReplyErrorLength).
static void out_line(podium_lua_output *out, char type, const char *text, size_t length) {
    out_reserve(out, length + 3);
    out->data[out->length++] = type;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        out->data[out->length++] = (c == '\r' || c == '\n') ? ' ' : c;
    }
    out->data[out->length++] = '\r';
    out->data[out->length++] = '\n';
}

static void out_null(podium_lua_output *out, int resp) { out_str(out, resp == 3 ? "_\r\n" : "$-1\r\n"); }

// Writes an aggregate header in front of the `count` elements written since `mark` (Valkey's deferred lengths).
static void out_insert_header(podium_lua_output *out, size_t mark, char type, long long count) {
    char header[32];
    header[0] = type;
    size_t length = 1 + ll2str(header + 1, count);
    header[length++] = '\r';
    header[length++] = '\n';
    out_reserve(out, length);
    memmove(out->data + mark + length, out->data + mark, out->length - mark);
    memcpy(out->data + mark, header, length);
    out->length += length;
}

void podium_lua_output_free(podium_lua_output *out) {
    free(out->data);
    out->data = NULL;
    out->length = out->capacity = 0;
}

// MARK: - Errors

// Valkey's luaPushErrorBuff: an error table {err="CODE message"}; "-CODE message" keeps its code, a plain
// message gets ERR; a trailing CR/LF is trimmed.
static void push_error_text(lua_State *L, const char *text, size_t length) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *message = text;
    size_t message_length = length;
    if (length > 0 && text[0] == '-') {
        const char *space = memchr(text, ' ', length);
        if (!space) {
            luaL_addstring(&b, "ERR ");
            message = text + 1;
            message_length = length - 1;
        } else {
            luaL_addlstring(&b, text + 1, (size_t)(space - text - 1));
            luaL_addchar(&b, ' ');
            message = space + 1;
            message_length = length - (size_t)(space + 1 - text);
        }
    } else {
        luaL_addstring(&b, "ERR ");
    }
    // sdstrim(msg, "\r\n") trims both ends.
    while (message_length > 0 && (message[0] == '\r' || message[0] == '\n')) {
        message++;
        message_length--;
    }
    while (message_length > 0 && (message[message_length - 1] == '\r' || message[message_length - 1] == '\n'))
        message_length--;
    luaL_addlstring(&b, message, message_length);
    lua_newtable(L);
    lua_pushstring(L, "err");
    luaL_pushresult(&b);
    lua_settable(L, -3);
}

static void push_error(lua_State *L, const char *text) { push_error_text(L, text, strlen(text)); }

static void mark_error_counted(lua_State *L) {
    lua_pushstring(L, "ignore_error_stats_update");
    lua_pushboolean(L, 1);
    lua_settable(L, -3);
}

// MARK: - RESP reply → Lua (redisProtocolToLuaType)

static void stack_check(lua_State *L, int n) {
    if (!lua_checkstack(L, n)) {
        // Valkey panics here; a reply nested deeper than Lua's C stack allows cannot come from Podium's commands.
        luaL_error(L, "reached lua stack limit");
    }
}

static const char *line_end(const char *p, const char *limit) {
    while (p + 1 < limit) {
        const char *cr = memchr(p, '\r', (size_t)(limit - p));
        if (!cr || cr + 1 >= limit) return NULL;
        if (cr[1] == '\n') return cr;
        p = cr + 1;
    }
    return NULL;
}

static long long parse_ll(const char *p, const char *end) {
    long long v = 0;
    int negative = 0;
    if (p < end && *p == '-') {
        negative = 1;
        p++;
    } else if (p < end && *p == '+') {
        p++;
    }
    while (p < end) v = v * 10 + (*p++ - '0');
    return negative ? -v : v;
}

// Pushes {field = the string}: a status ({ok=…}) or a big number ({big_number=…}).
static void push_field_table(lua_State *L, const char *field, const char *s, size_t length) {
    stack_check(L, 3);
    lua_newtable(L);
    lua_pushstring(L, field);
    lua_pushlstring(L, s, length);
    lua_settable(L, -3);
}

// Opens a reply table of the form {name = {...}} (set, map, verbatim_string): pushes the outer table, the name and
// the inner table, which the caller fills and then stores with lua_settable(L, -3).
static void open_wrapped_table(lua_State *L, const char *name) {
    stack_check(L, 3);
    lua_newtable(L);
    lua_pushstring(L, name);
    lua_newtable(L);
}

// Parses one RESP value at `p`, pushes it (or nothing when `push` is 0: attributes), returns what follows it.
static const char *resp_to_lua(lua_State *L, const char *p, const char *limit, int push) {
    const char *end = p < limit ? line_end(p + 1, limit) : NULL;
    if (!end) {
        // A truncated reply cannot come from Podium's commands; keep the stack balanced all the same.
        if (push) {
            stack_check(L, 1);
            lua_pushboolean(L, 0);
        }
        return limit;
    }
    switch (*p) {
    case ':': {
        long long v = parse_ll(p + 1, end);
        if (push) {
            stack_check(L, 1);
            lua_pushnumber(L, (lua_Number)v);
        }
        return end + 2;
    }
    case '$': {
        long long length = parse_ll(p + 1, end);
        if (length < 0) {
            if (push) {
                stack_check(L, 1);
                lua_pushboolean(L, 0);
            }
            return end + 2;
        }
        if (push) {
            stack_check(L, 1);
            lua_pushlstring(L, end + 2, (size_t)length);
        }
        if (end + 2 + length + 2 > limit) return limit;
        return end + 2 + length + 2;
    }
    case '+':
        if (push) push_field_table(L, "ok", p + 1, (size_t)(end - p - 1));
        return end + 2;
    case '-':
        if (push) {
            stack_check(L, 3);
            push_error_text(L, p, (size_t)(end - p));
            mark_error_counted(L);
        }
        return end + 2;
    case '*':
    case '~':
    case '>': {
        long long count = parse_ll(p + 1, end);
        const char *q = end + 2;
        if (count < 0) {
            if (push) {
                stack_check(L, 1);
                lua_pushboolean(L, 0);
            }
            return q;
        }
        int set = *p == '~';
        if (push) {
            if (set) {
                open_wrapped_table(L, "set");
            } else {
                stack_check(L, 3);
                lua_newtable(L);
            }
        }
        for (long long j = 0; j < count; j++) {
            if (push && !set) lua_pushnumber(L, (lua_Number)(j + 1));
            q = resp_to_lua(L, q, limit, push);
            if (push) {
                if (set) {
                    stack_check(L, 1);
                    lua_pushboolean(L, 1);
                }
                lua_settable(L, -3);
            }
        }
        if (push && set) lua_settable(L, -3);
        return q;
    }
    case '%': {
        long long count = parse_ll(p + 1, end);
        const char *q = end + 2;
        if (push) open_wrapped_table(L, "map");
        for (long long j = 0; j < count; j++) {
            q = resp_to_lua(L, q, limit, push);
            q = resp_to_lua(L, q, limit, push);
            if (push) lua_settable(L, -3);
        }
        if (push) lua_settable(L, -3);
        return q;
    }
    case '|': {
        // Attributes are parsed and dropped; the value follows.
        long long count = parse_ll(p + 1, end);
        const char *q = end + 2;
        for (long long j = 0; j < 2 * count; j++) q = resp_to_lua(L, q, limit, 0);
        return resp_to_lua(L, q, limit, push);
    }
    case '_':
        if (push) {
            stack_check(L, 1);
            lua_pushnil(L);
        }
        return end + 2;
    case '#':
        if (push) {
            stack_check(L, 1);
            lua_pushboolean(L, p[1] == 't');
        }
        return end + 2;
    case ',': {
        if (push) {
            char buffer[64];
            size_t length = (size_t)(end - p - 1);
            if (length >= sizeof(buffer)) length = sizeof(buffer) - 1;
            memcpy(buffer, p + 1, length);
            buffer[length] = 0;
            double d = strtod(buffer, NULL);
            stack_check(L, 3);
            lua_newtable(L);
            lua_pushstring(L, "double");
            lua_pushnumber(L, d);
            lua_settable(L, -3);
        }
        return end + 2;
    }
    case '(':
        if (push) push_field_table(L, "big_number", p + 1, (size_t)(end - p - 1));
        return end + 2;
    case '=': {
        long long length = parse_ll(p + 1, end);
        const char *body = end + 2;
        if (push) {
            open_wrapped_table(L, "verbatim_string");
            stack_check(L, 2);
            lua_pushstring(L, "string");
            lua_pushlstring(L, body + 4, length >= 4 ? (size_t)length - 4 : 0);
            lua_settable(L, -3);
            lua_pushstring(L, "format");
            lua_pushlstring(L, body, length >= 3 ? 3 : (size_t)length);
            lua_settable(L, -3);
            lua_settable(L, -3);
        }
        if (body + length + 2 > limit) return limit;
        return body + length + 2;
    }
    default:
        return end + 2;
    }
}

// MARK: - Lua value → RESP reply (luaReplyToRedisReply)

typedef struct reply_context {
    podium_lua_output *out;
    const podium_lua_host *host;
    int caller_resp;
    int script_resp;
} reply_context;

// Truncates a Lua number to an integer as C's (long long) cast does on x86-64: NaN and out-of-range values give
// LLONG_MIN there, which is what Valkey replies.
static long long lua_number_to_ll(lua_Number n) {
    if (isnan(n) || n >= 9223372036854775808.0 || n < -9223372036854775808.0) return (long long)0x8000000000000000ULL;
    return (long long)n;
}

static void write_error_from_table(lua_State *L, reply_context *r);
static void lua_to_resp(lua_State *L, reply_context *r);

// A stack index as it reads after one more push: relative ones move down one, pseudo-indices (the registry, the
// globals) and absolute ones stay.
static int below_push(int index) { return index < 0 && index > LUA_REGISTRYINDEX ? index - 1 : index; }

// Pushes field `name` of the table at `index` (before the push) when it has type `type` and returns 1; otherwise
// pushes nothing and returns 0. The fields of a reply table (err, ok, double, map...) are looked up this way, raw.
static int table_field(lua_State *L, int index, const char *name, int type) {
    lua_pushstring(L, name);
    lua_rawget(L, below_push(index));
    if (lua_type(L, -1) == type) return 1;
    lua_pop(L, 1);
    return 0;
}

// The `map` (`with_values`: key, value, key, value...) or `set` (keys only) table on top as a RESP3 map or set, in
// RESP2 as a flat array. The header goes in front once the entries are counted.
static void write_keyed_table(lua_State *L, reply_context *r, int with_values) {
    podium_lua_output *out = r->out;
    size_t mark = out->length;
    long long count = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (!with_values) lua_pop(L, 1);
        // A copy of the key: lua_next needs the original.
        lua_pushvalue(L, with_values ? -2 : -1);
        lua_to_resp(L, r);
        if (with_values) lua_to_resp(L, r);
        count++;
    }
    if (r->caller_resp == 3) {
        out_insert_header(out, mark, with_values ? '%' : '~', count);
    } else {
        out_insert_header(out, mark, '*', with_values ? 2 * count : count);
    }
}

static void lua_to_resp(lua_State *L, reply_context *r) {
    podium_lua_output *out = r->out;
    int t = lua_type(L, -1);
    if (!lua_checkstack(L, 4)) {
        out_str(out, "-ERR reached lua stack limit\r\n");
        lua_pop(L, 1);
        return;
    }
    switch (t) {
    case LUA_TSTRING: {
        size_t length;
        const char *s = lua_tolstring(L, -1, &length);
        out_bulk(out, s, length);
        break;
    }
    case LUA_TBOOLEAN:
        if (r->script_resp == 2) {
            if (lua_toboolean(L, -1))
                out_str(out, ":1\r\n");
            else
                out_null(out, r->caller_resp);
        } else {
            if (r->caller_resp == 3)
                out_str(out, lua_toboolean(L, -1) ? "#t\r\n" : "#f\r\n");
            else
                out_str(out, lua_toboolean(L, -1) ? ":1\r\n" : ":0\r\n");
        }
        break;
    case LUA_TNUMBER: out_frame(out, ':', lua_number_to_ll(lua_tonumber(L, -1))); break;
    case LUA_TTABLE: {
        if (table_field(L, -1, "err", LUA_TSTRING)) {
            lua_pop(L, 1);
            write_error_from_table(L, r);
            lua_pop(L, 1);
            return;
        }

        if (table_field(L, -1, "ok", LUA_TSTRING)) {
            // sdsnew(lua_tostring(...)): the status ends at its first NUL.
            const char *s = lua_tostring(L, -1);
            out_line(out, '+', s, strlen(s));
            lua_pop(L, 2);
            return;
        }

        if (table_field(L, -1, "double", LUA_TNUMBER)) {
            char buffer[64];
            size_t length = r->host->format_double(lua_tonumber(L, -1), buffer);
            if (r->caller_resp == 3) {
                out_line(out, ',', buffer, length);
            } else {
                out_bulk(out, buffer, length);
            }
            lua_pop(L, 2);
            return;
        }

        if (table_field(L, -1, "big_number", LUA_TSTRING)) {
            size_t length;
            const char *s = lua_tolstring(L, -1, &length);
            if (r->caller_resp == 3) {
                out_line(out, '(', s, length);
            } else {
                // addReplyBigNum in RESP2: a bulk string, CR/LF mapped to spaces first.
                out_frame(out, '$', (long long)length);
                size_t mark = out->length;
                out_write(out, s, length);
                for (size_t i = mark; i < out->length; i++)
                    if (out->data[i] == '\r' || out->data[i] == '\n') out->data[i] = ' ';
                out_write(out, "\r\n", 2);
            }
            lua_pop(L, 2);
            return;
        }

        if (table_field(L, -1, "verbatim_string", LUA_TTABLE)) {
            if (table_field(L, -1, "format", LUA_TSTRING)) {
                const char *format = lua_tostring(L, -1);
                if (table_field(L, -2, "string", LUA_TSTRING)) {
                    size_t length;
                    const char *s = lua_tolstring(L, -1, &length);
                    if (r->caller_resp == 3) {
                        out_frame(out, '=', (long long)length + 4);
                        char prefix[4] = {' ', ' ', ' ', ':'};
                        size_t flen = strlen(format);
                        memcpy(prefix, format, flen < 3 ? flen : 3);
                        out_write(out, prefix, 4);
                        out_write(out, s, length);
                        out_write(out, "\r\n", 2);
                    } else {
                        out_bulk(out, s, length);
                    }
                    lua_pop(L, 4);
                    return;
                }
                lua_pop(L, 1);  // the format
            }
            lua_pop(L, 1);  // the verbatim_string table
        }

        if (table_field(L, -1, "map", LUA_TTABLE)) {
            write_keyed_table(L, r, 1);
            lua_pop(L, 2);
            return;
        }

        if (table_field(L, -1, "set", LUA_TTABLE)) {
            write_keyed_table(L, r, 0);
            lua_pop(L, 2);
            return;
        }

        size_t mark = out->length;
        long long count = 0;
        for (int j = 1;; j++) {
            lua_pushnumber(L, j);
            lua_rawget(L, -2);
            if (lua_type(L, -1) == LUA_TNIL) {
                lua_pop(L, 1);
                break;
            }
            lua_to_resp(L, r);
            count++;
        }
        out_insert_header(out, mark, '*', count);
        break;
    }
    default: out_null(out, r->caller_resp);
    }
    lua_pop(L, 1);
}

// The table on top is an error table: "-" + its err field (luaExtractErrorInformation), counted unless the
// command that raised it already was.
static void write_error_from_table(lua_State *L, reply_context *r) {
    lua_getfield(L, -1, "err");
    size_t length = 0;
    const char *message = lua_isstring(L, -1) ? lua_tolstring(L, -1, &length) : "";
    // sdsnew: the text ends at its first NUL.
    length = strlen(message);
    out_line(r->out, '-', message, length);
    lua_pop(L, 1);
    lua_getfield(L, -1, "ignore_error_stats_update");
    int counted = lua_isboolean(L, -1) && lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!r->out->is_error) {
        r->out->is_error = 1;
        r->out->error_counted = counted;
    }
}

// MARK: - server.* functions

static int arguments_to_argv(lua_State *L, const char ***argv_out, size_t **lengths_out, int *argc_out) {
    podium_state *state = state_of(L);
    int argc = lua_gettop(L);
    *argc_out = argc;
    if (argc == 0) {
        push_error(L, "Please specify at least one argument for this call");
        return 0;
    }
    if (argc > state->capacity) {
        int n = argc < 16 ? 16 : argc;
        state->argv = realloc(state->argv, sizeof(*state->argv) * (size_t)n);
        state->lengths = realloc(state->lengths, sizeof(*state->lengths) * (size_t)n);
        state->numbers = realloc(state->numbers, sizeof(*state->numbers) * (size_t)n);
        if (!state->argv || !state->lengths || !state->numbers) abort();
        state->capacity = n;
    }
    const char **argv = state->argv;
    size_t *lengths = state->lengths;
    char (*numbers)[64] = state->numbers;
    const podium_lua_host *host = state->host;
    for (int j = 0; j < argc; j++) {
        if (lua_type(L, j + 1) == LUA_TNUMBER) {
            // Not lua_tolstring: Lua's %.14g loses precision. Integral values print as integers (double2ll),
            // others in the shortest form that reads back (Valkey 8's fpconv_dtoa).
            double d = (double)lua_tonumber(L, j + 1);
            char *buffer = numbers[j];
            if (d >= (double)(-9223372036854775807LL / 2) && d <= (double)(9223372036854775807LL / 2) &&
                (double)(long long)d == d) {
                lengths[j] = ll2str(buffer, (long long)d);
            } else {
                lengths[j] = host->format_double(d, buffer);
            }
            argv[j] = buffer;
        } else {
            size_t length;
            const char *s = lua_tolstring(L, j + 1, &length);
            if (!s) {
                push_error(L, "Command arguments must be strings or integers");
                return 0;
            }
            argv[j] = s;
            lengths[j] = length;
        }
    }
    *argv_out = argv;
    *lengths_out = lengths;
    return 1;
}

static int generic_call(lua_State *L, int raise_error) {
    const char **argv;
    size_t *lengths;
    int argc;
    if (!arguments_to_argv(L, &argv, &lengths, &argc)) return raise_error ? lua_error(L) : 1;
    podium_state *state = state_of(L);
    if (state->in_use) {
        push_error(L, "luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua debug hooks?");
        return 1;
    }
    state->in_use++;
    const podium_lua_host *host = state->host;
    const char *reply;
    size_t reply_length;
    // The arguments stay on the stack (they are the argv strings) until the reply is converted.
    int refused = host->call(host->context, argc, argv, lengths, &reply, &reply_length);
    state->in_use--;
    if (refused) {
        // A copy first: the text may live in the host's buffer, and pushing may collect.
        char *text = malloc(reply_length + 1);
        if (!text) abort();
        memcpy(text, reply, reply_length);
        text[reply_length] = 0;
        lua_pop(L, argc);
        push_error_text(L, text, reply_length);
        free(text);
        mark_error_counted(L);
        return raise_error ? lua_error(L) : 1;
    }
    int is_error = reply_length > 0 && reply[0] == '-';
    // The host's buffer stays as it is until the next call, which cannot come before this conversion ends.
    lua_pop(L, argc);
    if (reply_length == 0) {
        lua_pushboolean(L, 0);
    } else {
        resp_to_lua(L, reply, reply + reply_length, 1);
    }
    if (raise_error && is_error) return lua_error(L);
    return 1;
}

static int server_call(lua_State *L) { return generic_call(L, 1); }
static int server_pcall(lua_State *L) { return generic_call(L, 0); }

// pcall as Valkey replaces it: an error table raised inside becomes its err string, as before Redis 7.
static int podium_pcall(lua_State *L) {
    int argc = lua_gettop(L);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
        lua_remove(L, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1)) {
                lua_replace(L, -2);
            } else {
                lua_pop(L, 1);
            }
        }
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

static int server_sha1hex(lua_State *L) {
    if (lua_gettop(L) != 1) {
        push_error(L, "wrong number of arguments");
        return lua_error(L);
    }
    size_t length = 0;
    const char *s = lua_tolstring(L, 1, &length);
    char digest[41];
    host_of(L)->sha1hex(s ? s : "", s ? length : 0, digest);
    lua_pushstring(L, digest);
    return 1;
}

static int server_error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        push_error(L, "wrong number or type of arguments");
        return 1;
    }
    const char *err = lua_tostring(L, -1);
    if (err[0] != '-') {
        size_t length = strlen(err);
        char *text = malloc(length + 2);
        if (!text) abort();
        text[0] = '-';
        memcpy(text + 1, err, length + 1);
        push_error_text(L, text, length + 1);
        free(text);
    } else {
        push_error_text(L, err, strlen(err));
    }
    return 1;
}

static int server_status_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        push_error(L, "wrong number or type of arguments");
        return 1;
    }
    lua_newtable(L);
    lua_pushstring(L, "ok");
    lua_pushvalue(L, -3);
    lua_settable(L, -3);
    return 1;
}

static int server_set_repl(lua_State *L) {
    if (lua_gettop(L) != 1) {
        push_error(L, "server.set_repl() requires one argument.");
        return lua_error(L);
    }
    int flags = (int)lua_tonumber(L, -1);
    if ((flags & ~3) != 0) {
        push_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
        return lua_error(L);
    }
    const podium_lua_host *host = host_of(L);
    host->set_repl(host->context, flags);
    return 0;
}

static int server_acl_check_cmd(lua_State *L) {
    const char **argv;
    size_t *lengths;
    int argc;
    if (!arguments_to_argv(L, &argv, &lengths, &argc)) return lua_error(L);
    const podium_lua_host *host = host_of(L);
    int allowed = host->acl_check(host->context, argc, argv, lengths);
    lua_pop(L, argc);
    if (allowed < 0) {
        push_error(L, "Invalid command passed to server.acl_check_cmd()");
        return lua_error(L);
    }
    lua_pushboolean(L, allowed);
    return 1;
}

static int server_log(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) {
        push_error(L, "server.log() requires two arguments or more.");
        return lua_error(L);
    }
    if (!lua_isnumber(L, -argc)) {
        push_error(L, "First argument must be a number (log level).");
        return lua_error(L);
    }
    int level = (int)lua_tonumber(L, -argc);
    if (level < 0 || level > 3) {
        push_error(L, "Invalid log level.");
        return lua_error(L);
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int j = 1; j < argc; j++) {
        size_t length;
        const char *s = lua_tolstring(L, j + 1, &length);
        if (s) {
            if (j != 1) luaL_addchar(&b, ' ');
            luaL_addlstring(&b, s, length);
        }
    }
    luaL_pushresult(&b);
    size_t length;
    const char *text = lua_tolstring(L, -1, &length);
    const podium_lua_host *host = host_of(L);
    host->log(host->context, level, text, length);
    lua_pop(L, 1);
    return 0;
}

static int server_setresp(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc != 1) {
        push_error(L, "server.setresp() requires one argument.");
        return lua_error(L);
    }
    int resp = (int)lua_tonumber(L, -argc);
    if (resp != 2 && resp != 3) {
        push_error(L, "RESP version must be 2 or 3.");
        return lua_error(L);
    }
    podium_state *state = state_of(L);
    state->script_resp = resp;
    state->host->set_resp(state->host->context, resp);
    return 0;
}

static int server_breakpoint(lua_State *L) {
    lua_pushboolean(L, 0);
    return 1;
}

static int server_debug(lua_State *L) {
    (void)L;
    return 0;
}

static int server_replicate_commands(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

// MARK: - math.random on rand48 (Valkey's serverLrand48: the same sequence on every platform)

static int32_t podium_lrand48(lua_State *L) {
    podium_state *state = state_of(L);
    state->rand48 = (state->rand48 * 0x5DEECE66DULL + 0xB) & 0xFFFFFFFFFFFFULL;
    return (int32_t)(state->rand48 >> 17);
}

static int math_random(lua_State *L) {
    lua_Number r = (lua_Number)(podium_lrand48(L) % LRAND48_MAX) / (lua_Number)LRAND48_MAX;
    switch (lua_gettop(L)) {
    case 0: lua_pushnumber(L, r); break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default: return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int math_randomseed(lua_State *L) {
    int32_t seed = (int32_t)luaL_checkint(L, 1);
    state_of(L)->rand48 = ((uint64_t)(uint32_t)seed << 16) | 0x330E;
    return 0;
}

// MARK: - Protection

static int readonly_error(lua_State *L) { return luaL_error(L, "Attempt to modify a readonly table"); }

static int missing_global_error(lua_State *L) {
    if (lua_gettop(L) != 2) luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
    if (!lua_isstring(L, -1) && !lua_isnumber(L, -1))
        luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
    const char *name = lua_tostring(L, -1);
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
}

static int is_readonly(lua_State *L, int index) {
    if (!lua_istable(L, index)) return 0;
    lua_getfield(L, LUA_REGISTRYINDEX, READONLY_KEY);
    lua_pushvalue(L, index < 0 ? index - 1 : index);
    lua_rawget(L, -2);
    int readonly = lua_toboolean(L, -1);
    lua_pop(L, 2);
    return readonly;
}

// rawset and setmetatable refuse the read-only tables, as writes to Valkey's read-only tables fail.
static int protected_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (is_readonly(L, 1)) {
        // Raised from C, as Valkey's lua_rawset raises it: no position.
        lua_pushstring(L, "Attempt to modify a readonly table");
        return lua_error(L);
    }
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int protected_setmetatable(lua_State *L) {
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (is_readonly(L, 1)) {
        lua_pushstring(L, "Attempt to modify a readonly table");
        return lua_error(L);
    }
    if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

// Chunks made by loadstring/load inside a script see the same protected globals as the script.
static int protected_loadstring(lua_State *L) {
    // Valkey's Lua cannot load precompiled chunks (its parser has no undump): a chunk starting with the binary
    // signature fails to parse as text. A leading space makes Debian's Lua parse it as text too, with the same
    // error; the chunk keeps its name (by default the original string).
    if (lua_type(L, 1) == LUA_TSTRING && lua_tostring(L, 1)[0] == LUA_SIGNATURE[0]) {
        if (lua_isnoneornil(L, 2)) {
            lua_settop(L, 1);
            lua_pushvalue(L, 1);
        }
        lua_pushstring(L, " ");
        lua_pushvalue(L, 1);
        lua_concat(L, 2);
        lua_replace(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    int results = lua_gettop(L);
    if (results >= 1 && lua_isfunction(L, 1)) {
        lua_getfield(L, LUA_REGISTRYINDEX, GLOBALS_PROXY_KEY);
        lua_setfenv(L, 1);
    }
    return results;
}

// The function a getfenv/setfenv argument names: a function, or a level counted from the caller (1).
static void push_function_at(lua_State *L) {
    if (lua_isfunction(L, 1)) {
        lua_pushvalue(L, 1);
        return;
    }
    lua_Debug ar;
    int level = (int)luaL_optinteger(L, 1, 1);
    luaL_argcheck(L, level >= 0, 1, "level must be non-negative");
    if (lua_getstack(L, level, &ar) == 0) luaL_argerror(L, 1, "invalid level");
    lua_getinfo(L, "f", &ar);
    if (lua_isnil(L, -1)) luaL_error(L, "no function environment for tail call at level %d", level);
}

// getfenv never hands out the real globals table: the proxy stands for it.
static int protected_getfenv(lua_State *L) {
    if (lua_isnumber(L, 1) && lua_tointeger(L, 1) == 0) {
        lua_pushvalue(L, LUA_GLOBALSINDEX);
    } else {
        push_function_at(L);
        if (lua_iscfunction(L, -1)) {
            lua_pushvalue(L, LUA_GLOBALSINDEX);
        } else {
            lua_getfenv(L, -1);
        }
    }
    if (lua_rawequal(L, -1, LUA_GLOBALSINDEX)) {
        lua_pop(L, 1);
        lua_getfield(L, LUA_REGISTRYINDEX, GLOBALS_PROXY_KEY);
    }
    return 1;
}

// setfenv may give a script's own functions another table, never replace the thread's globals (which the
// interpreter itself relies on).
static int protected_setfenv(lua_State *L) {
    luaL_checktype(L, 2, LUA_TTABLE);
    if (lua_isnumber(L, 1) && lua_tointeger(L, 1) == 0) return luaL_error(L, "Attempt to modify a readonly table");
    push_function_at(L);
    if (lua_iscfunction(L, -1)) {
        return luaL_error(L, "'setfenv' cannot change environment of given object");
    }
    lua_pushvalue(L, 2);
    if (lua_setfenv(L, -2) == 0) return luaL_error(L, "'setfenv' cannot change environment of given object");
    return 1;
}

// Pushes a read-only proxy of the table at the top (replacing it): reads go to the table, writes fail.
static void make_readonly_proxy(lua_State *L) {
    int real = lua_gettop(L);
    lua_newtable(L);                 // proxy
    lua_newtable(L);                 // metatable
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_error);
    lua_setfield(L, -2, "__newindex");
    // What getmetatable answers: a read-only empty table (Valkey's protected tables have read-only
    // metatables: changing one fails with the same error), never the metatable, which leads to the real table.
    lua_getfield(L, LUA_REGISTRYINDEX, SEALED_METATABLE_KEY);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 0);
    }
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, READONLY_KEY);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_replace(L, real);
}

static void protect_global_table(lua_State *L, const char *name) {
    lua_getglobal(L, name);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    make_readonly_proxy(L);
    lua_setglobal(L, name);
}

// MARK: - Set-up

// One field of a table the set-up fills: a function, else a string, else a number.
typedef struct table_entry {
    const char *name;
    lua_CFunction function;
    const char *string;
    double number;
} table_entry;

// Sets `count` fields of the table on top, in order (the order Valkey sets them in).
static void set_fields(lua_State *L, const table_entry *entries, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const table_entry *e = &entries[i];
        if (e->function) {
            lua_pushcfunction(L, e->function);
        } else if (e->string) {
            lua_pushstring(L, e->string);
        } else {
            lua_pushnumber(L, e->number);
        }
        lua_setfield(L, -2, e->name);
    }
}

#define ENTRIES(array) (array), sizeof(array) / sizeof((array)[0])

// Gives the table at `index` a new metatable whose reads of a missing name fail (missing_global_error).
static void set_missing_name_metatable(lua_State *L, int index) {
    lua_newtable(L);
    lua_pushcfunction(L, missing_global_error);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, below_push(index));
}

static void wrap_global(lua_State *L, const char *name, lua_CFunction wrapper) {
    lua_getglobal(L, name);
    lua_pushcclosure(L, wrapper, 1);
    lua_setglobal(L, name);
}

// MARK: - Functions (FUNCTION LOAD's library API)

static double monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void free_registered(podium_state *state) {
    for (int i = 0; i < state->registered_count; i++) {
        free(state->registered[i].name);
        free(state->registered[i].description);
    }
    state->registered_count = 0;
}

// Valkey's functionsVerifyName: [a-zA-Z0-9_]+.
static int valid_function_name(const char *name, size_t length) {
    if (length == 0) return 0;
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

// Valkey's luaGetStringSds: `*copy` (freed first) becomes a copy of the string (or number) at `index`; NULL, and
// 0 returned, for another type. A named argument given twice keeps the last.
static int replace_with_string(lua_State *L, int index, char **copy, size_t *length) {
    free(*copy);
    *copy = NULL;
    if (!lua_isstring(L, index)) return 0;
    const char *text = lua_tolstring(L, index, length);
    *copy = malloc(*length + 1);
    if (!*copy) abort();
    memcpy(*copy, text, *length);
    (*copy)[*length] = 0;
    return 1;
}

static int raise_registration_error(lua_State *L, char *name, char *description, int ref, const char *message) {
    free(name);
    free(description);
    if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
    push_error(L, message);
    return lua_error(L);
}

static const char *const flag_names[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster",
                                         "allow-cross-slot-keys", NULL};

// server.register_function(name, callback) or server.register_function{function_name=…, callback=…,
// flags={…}, description=…}, as Valkey's luaRegisterFunction.
static int server_register_function(lua_State *L) {
    podium_state *state = state_of(L);
    if (!state->loading) {
        push_error(L, "server.register_function can only be called on FUNCTION LOAD command");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    if (argc < 1 || argc > 2) {
        push_error(L, "wrong number of arguments to server.register_function");
        return lua_error(L);
    }
    char *name = NULL, *description = NULL;
    size_t name_length = 0, description_length = 0;
    int ref = LUA_NOREF;
    int flags = 0;
    if (argc == 1) {
        if (!lua_istable(L, 1)) {
            return raise_registration_error(L, name, description, ref,
                                            "calling server.register_function with a single argument is only "
                                            "applicable to Lua table (representing named arguments).");
        }
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            if (!lua_isstring(L, -2)) {
                return raise_registration_error(L, name, description, ref,
                                                "named argument key given to server.register_function is not a "
                                                "string");
            }
            lua_pushvalue(L, -2);
            const char *key = lua_tostring(L, -1);
            lua_pop(L, 1);  // the key's copy (a number key stays a number for lua_next)
            if (!strcasecmp(key, "function_name")) {
                if (!replace_with_string(L, -1, &name, &name_length)) {
                    return raise_registration_error(L, name, description, ref,
                                                    "function_name argument given to server.register_function "
                                                    "must be a string");
                }
            } else if (!strcasecmp(key, "description")) {
                if (!replace_with_string(L, -1, &description, &description_length)) {
                    return raise_registration_error(L, name, description, ref,
                                                    "description argument given to server.register_function must "
                                                    "be a string");
                }
            } else if (!strcasecmp(key, "callback")) {
                if (!lua_isfunction(L, -1)) {
                    return raise_registration_error(L, name, description, ref,
                                                    "callback argument given to server.register_function must be "
                                                    "a function");
                }
                if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
                ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the value
                continue;
            } else if (!strcasecmp(key, "flags")) {
                if (!lua_istable(L, -1)) {
                    return raise_registration_error(L, name, description, ref,
                                                    "flags argument to server.register_function must be a table "
                                                    "representing function flags");
                }
                flags = 0;
                for (int j = 1;; j++) {
                    // Raw: a metamethod raising here would skip the clean-up of name, description and ref.
                    lua_rawgeti(L, -1, j);
                    if (lua_isnil(L, -1)) {
                        lua_pop(L, 1);
                        break;
                    }
                    int found = 0;
                    if (lua_isstring(L, -1)) {
                        const char *flag = lua_tostring(L, -1);
                        for (int f = 0; flag_names[f]; f++) {
                            if (!strcasecmp(flag_names[f], flag)) {
                                flags |= 1 << f;
                                found = 1;
                                break;
                            }
                        }
                    }
                    lua_pop(L, 1);
                    if (!found) return raise_registration_error(L, name, description, ref, "unknown flag given");
                }
            } else {
                return raise_registration_error(L, name, description, ref,
                                                "unknown argument given to server.register_function");
            }
            lua_pop(L, 1);
        }
        if (!name) {
            return raise_registration_error(L, name, description, ref,
                                            "server.register_function must get a function name argument");
        }
        if (ref == LUA_NOREF) {
            return raise_registration_error(L, name, description, ref,
                                            "server.register_function must get a callback argument");
        }
    } else {
        if (!replace_with_string(L, 1, &name, &name_length)) {
            return raise_registration_error(L, name, description, ref,
                                            "first argument to server.register_function must be a string");
        }
        if (!lua_isfunction(L, 2)) {
            return raise_registration_error(L, name, description, ref,
                                            "second argument to server.register_function must be a function");
        }
        lua_settop(L, 2);
        ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    // Valkey's functionLibCreateFunction (its text says "Library names" for function names too).
    if (!valid_function_name(name, name_length)) {
        return raise_registration_error(L, name, description, ref,
                                        "Library names can only contain letters, numbers, or underscores(_) and "
                                        "must be at least one character long");
    }
    for (int i = 0; i < state->registered_count; i++) {
        // Case-insensitively: function names are (Valkey asserts on two that differ only in case).
        if (state->registered[i].name_length == name_length &&
            !strncasecmp(state->registered[i].name, name, name_length))
            return raise_registration_error(L, name, description, ref, "Function already exists in the library");
    }
    if (state->registered_count == state->registered_capacity) {
        int capacity = state->registered_capacity ? state->registered_capacity * 2 : 8;
        podium_lua_function *grown = realloc(state->registered, sizeof(podium_lua_function) * (size_t)capacity);
        if (!grown) abort();
        state->registered = grown;
        state->registered_capacity = capacity;
    }
    podium_lua_function *f = &state->registered[state->registered_count++];
    f->name = name;
    f->name_length = name_length;
    f->description = description;
    f->description_length = description_length;
    f->has_description = description != NULL;
    f->flags = flags;
    f->ref = ref;
    return 0;
}

// Swaps what a library's globals resolve to: the library API while it loads, the real globals when called.
static void set_globals_source(lua_State *L, int library_api) {
    lua_getfield(L, LUA_REGISTRYINDEX, GLOBALS_PROXY_KEY);
    lua_getmetatable(L, -1);
    if (library_api) {
        lua_getfield(L, LUA_REGISTRYINDEX, LIBRARY_API_KEY);
    } else {
        lua_pushvalue(L, LUA_GLOBALSINDEX);
    }
    lua_setfield(L, -2, "__index");
    lua_pop(L, 2);
}

// FUNCTION LOAD's time limit (Valkey's luaEngineLoadHook): once over, every line raises.
static void load_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    podium_state *state = state_of(L);
    if (state->load_deadline > 0 && monotonic_ms() > state->load_deadline) {
        lua_sethook(L, load_hook, LUA_MASKLINE, 0);
        push_error(L, "FUNCTION LOAD timeout");
        lua_error(L);
    }
}

static char *format_error(const char *prefix, const char *message) {
    size_t size = strlen(prefix) + strlen(message) + 1;
    char *text = malloc(size);
    if (!text) abort();
    snprintf(text, size, "%s%s", prefix, message);
    return text;
}

// Compiles `length` bytes of `code` as chunk `name` with the scripts' globals (the read-only proxy) as its
// environment: EVAL's scripts and FUNCTION LOAD's libraries. 0: the function is on the stack. 1: a compile error,
// its message on the stack and in *message (never NULL; valid until the caller pops it).
static int load_sandboxed(lua_State *L, const char *code, size_t length, const char *name, const char **message) {
    if (luaL_loadbuffer(L, code, length, name)) {
        *message = lua_tostring(L, -1);
        if (!*message) *message = "unknown error";
        return 1;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, GLOBALS_PROXY_KEY);
    lua_setfenv(L, -2);
    return 0;
}

int podium_lua_load_library(lua_State *L, const char *code, size_t length, size_t skip, long timeout_ms,
                            char **error) {
    podium_state *state = state_of(L);
    free_registered(state);
    const char *message;
    if (load_sandboxed(L, code + skip, length - skip, "@user_function", &message)) {
        *error = format_error("Error compiling function: ", message);
        lua_pop(L, 1);
        return 1;
    }
    set_globals_source(L, 1);
    state->loading = 1;
    state->load_deadline = timeout_ms > 0 ? monotonic_ms() + (double)timeout_ms : 0;
    lua_sethook(L, load_hook, LUA_MASKCOUNT, 100000);
    int err = lua_pcall(L, 0, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    state->loading = 0;
    set_globals_source(L, 0);
    if (err) {
        // Valkey's luaExtractErrorInformation: a string error gets ERR, an error table gives its err field.
        char *message;
        if (lua_isstring(L, -1)) {
            message = format_error("ERR ", lua_tostring(L, -1));
        } else if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            message = format_error("", lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
            lua_pop(L, 1);
        } else {
            message = format_error("", "");
        }
        *error = format_error("Error registering functions: ", message);
        free(message);
        lua_pop(L, 1);
        for (int i = 0; i < state->registered_count; i++) luaL_unref(L, LUA_REGISTRYINDEX, state->registered[i].ref);
        free_registered(state);
        return 1;
    }
    return 0;
}

int podium_lua_registered_count(lua_State *L) { return state_of(L)->registered_count; }

const podium_lua_function *podium_lua_registered(lua_State *L, int index) {
    podium_state *state = state_of(L);
    return index >= 0 && index < state->registered_count ? &state->registered[index] : NULL;
}

void podium_lua_unref(lua_State *L, int ref) { luaL_unref(L, LUA_REGISTRYINDEX, ref); }

// MARK: - Creating an interpreter

typedef struct podium_versions {
    const char *redis_version;
    double redis_version_num;
    const char *server_version;
    double server_version_num;
    const char *server_name;
} podium_versions;

// server.log with its LOG_* levels and the version fields: in the `server` table and in the library API.
static void set_log_and_versions(lua_State *L, const podium_versions *v) {
    const table_entry entries[] = {
        {"log", server_log}, {"LOG_DEBUG", .number = 0}, {"LOG_VERBOSE", .number = 1},
        {"LOG_NOTICE", .number = 2}, {"LOG_WARNING", .number = 3},
        {"REDIS_VERSION_NUM", .number = v->redis_version_num}, {"REDIS_VERSION", .string = v->redis_version},
        {"VALKEY_VERSION_NUM", .number = v->server_version_num}, {"VALKEY_VERSION", .string = v->server_version},
        {"SERVER_NAME", .string = v->server_name},
    };
    set_fields(L, ENTRIES(entries));
}

lua_State *podium_lua_create(const podium_lua_host *host, const char *redis_version, double redis_version_num,
                             const char *server_version, double server_version_num, const char *server_name,
                             int function_engine) {
    lua_State *L = luaL_newstate();
    if (!L) return NULL;
    podium_state *state = calloc(1, sizeof(podium_state));
    if (!state) abort();
    state->host = host;
    state->script_resp = 2;
    state->rand48 = 0x1234ABCD330EULL;
    state->function_engine = function_engine;
    const podium_versions versions = {redis_version, redis_version_num, server_version, server_version_num, server_name};
    lua_pushlightuserdata(L, state);
    lua_setfield(L, LUA_REGISTRYINDEX, HOST_KEY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, READONLY_KEY);
    lua_newtable(L);
    make_readonly_proxy(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SEALED_METATABLE_KEY);

    static const luaL_Reg libraries_to_open[] = {
        {"", luaopen_base}, {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math}, {LUA_DBLIBNAME, luaopen_debug}, {LUA_OSLIBNAME, luaopen_os},
        {"cjson", luaopen_cjson}, {"bit", luaopen_bit},
    };
    for (size_t i = 0; i < sizeof(libraries_to_open) / sizeof(libraries_to_open[0]); i++) {
        lua_pushcfunction(L, libraries_to_open[i].func);
        lua_pushstring(L, libraries_to_open[i].name);
        lua_call(L, 1, 0);
    }
    // luaopen_cjson registers cjson as a global in 5.1 (luaL_register); be sure it is there.
    lua_getglobal(L, "cjson");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        luaopen_cjson(L);
        lua_setglobal(L, "cjson");
    } else {
        lua_pop(L, 1);
    }

    podium_luaopen_cmsgpack(L);
    lua_setglobal(L, "cmsgpack");
    podium_luaopen_struct(L);
    lua_setglobal(L, "struct");

    // Only os.clock, as Valkey's sandboxed os library.
    lua_newtable(L);
    lua_getglobal(L, "os");
    lua_getfield(L, -1, "clock");
    lua_setfield(L, -3, "clock");
    lua_pop(L, 1);
    lua_setglobal(L, "os");
    // module, require and package: luaopen_base also registers them under _G; Valkey does not load the package
    // library at all.
    static const char *removed_globals[] = {"dofile", "loadfile", "print", "module", "require", "package", NULL};
    for (const char **name = removed_globals; *name; name++) {
        lua_pushnil(L);
        lua_setglobal(L, *name);
    }

    lua_pushcfunction(L, podium_pcall);
    lua_setglobal(L, "pcall");

    // The server table, in Valkey's order (luaRegisterRedisAPI): call and pcall, the log and version fields, the rest.
    static const table_entry server_calls[] = {{"call", server_call}, {"pcall", server_pcall}};
    static const table_entry server_rest[] = {
        {"setresp", server_setresp}, {"sha1hex", server_sha1hex}, {"error_reply", server_error_reply},
        {"status_reply", server_status_reply}, {"set_repl", server_set_repl},
        {"REPL_NONE", .number = 0}, {"REPL_AOF", .number = 1}, {"REPL_SLAVE", .number = 2},
        {"REPL_REPLICA", .number = 2}, {"REPL_ALL", .number = 3},
        {"acl_check_cmd", server_acl_check_cmd}, {"breakpoint", server_breakpoint}, {"debug", server_debug},
        {"replicate_commands", server_replicate_commands},
    };
    lua_newtable(L);
    set_fields(L, ENTRIES(server_calls));
    set_log_and_versions(L, &versions);
    set_fields(L, ENTRIES(server_rest));
    lua_setglobal(L, "server");
    lua_getglobal(L, "server");
    lua_setglobal(L, "redis");

    static const luaL_Reg math_functions[] = {{"random", math_random}, {"randomseed", math_randomseed}, {NULL, NULL}};
    lua_getglobal(L, "math");
    luaL_register(L, NULL, math_functions);
    lua_pop(L, 1);

    // The error handler of every script run, as Valkey defines it (it also removes `debug`). EVAL's interpreter
    // also has it as the global __redis__err__handler, as Valkey's does; the function engine's only in the
    // registry (Valkey's REGISTRY_ERROR_HANDLER_NAME).
    static const char *handler = "local dbg = debug\n"
                                 "debug = nil\n"
                                 "local error_handler = function (err)\n"
                                 "  local i = dbg.getinfo(2,'nSl')\n"
                                 "  if i and i.what == 'C' then\n"
                                 "    i = dbg.getinfo(3,'nSl')\n"
                                 "  end\n"
                                 "  if type(err) ~= 'table' then\n"
                                 "    err = {err='ERR ' .. tostring(err)}"
                                 "  end"
                                 "  if i then\n"
                                 "    err['source'] = i.source\n"
                                 "    err['line'] = i.currentline\n"
                                 "  end"
                                 "  return err\n"
                                 "end\n"
                                 "return error_handler";
    luaL_loadbuffer(L, handler, strlen(handler), "@err_handler_def");
    lua_pcall(L, 0, 1, 0);
    if (!function_engine) {
        lua_pushvalue(L, -1);
        lua_setglobal(L, "__redis__err__handler");
    }
    state->error_handler = luaL_ref(L, LUA_REGISTRYINDEX);

    wrap_global(L, "loadstring", protected_loadstring);
    wrap_global(L, "load", protected_loadstring);
    static const luaL_Reg protected_globals[] = {{"getfenv", protected_getfenv}, {"setfenv", protected_setfenv},
                                                 {"rawset", protected_rawset},
                                                 {"setmetatable", protected_setmetatable}, {NULL, NULL}};
    for (const luaL_Reg *global = protected_globals; global->name; global++) {
        lua_pushcfunction(L, global->func);
        lua_setglobal(L, global->name);
    }

    // Library tables become read-only proxies (the server/redis alias stays one table).
    static const char *libraries[] = {"string", "table", "math", "os", "cjson", "bit", "coroutine", "cmsgpack",
                                      "struct", NULL};
    for (const char **name = libraries; *name; name++) protect_global_table(L, *name);
    lua_getglobal(L, "server");
    make_readonly_proxy(L);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "server");
    lua_setglobal(L, "redis");
    // Strings' methods go through the read-only string table too, and their metatable is not handed out.
    lua_pushstring(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_getglobal(L, "string");
        lua_setfield(L, -2, "__index");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    if (function_engine) {
        // What a library sees while FUNCTION LOAD runs it (Valkey's LIBRARY_API_NAME): `server` (and `redis`)
        // with register_function, log and the version fields only; any other name is an error.
        static const table_entry library_api[] = {{"register_function", server_register_function}};
        lua_newtable(L);
        set_fields(L, ENTRIES(library_api));
        set_log_and_versions(L, &versions);
        set_missing_name_metatable(L, -1);
        make_readonly_proxy(L);
        lua_newtable(L);  // the library API's globals
        lua_pushvalue(L, -2);
        lua_setfield(L, -2, "server");
        lua_pushvalue(L, -2);
        lua_setfield(L, -2, "redis");
        set_missing_name_metatable(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, LIBRARY_API_KEY);
        lua_pop(L, 1);
    }

    // The globals scripts see: an empty proxy whose reads go to the real globals (where a missing name is an
    // error) and whose writes fail.
    set_missing_name_metatable(L, LUA_GLOBALSINDEX);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    make_readonly_proxy(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, GLOBALS_PROXY_KEY);
    lua_pushstring(L, "_G");
    lua_insert(L, -2);
    lua_rawset(L, LUA_GLOBALSINDEX);
    return L;
}

void podium_lua_close(lua_State *L) {
    podium_state *state = state_of(L);
    lua_close(L);
    free(state->argv);
    free(state->lengths);
    free(state->numbers);
    free_registered(state);
    free(state->registered);
    free(state);
}

int podium_lua_compile(lua_State *L, const char *body, size_t length, size_t skip, int *ref, char **error) {
    const char *message;
    if (load_sandboxed(L, body + skip, length - skip, "@user_script", &message)) {
        *error = strdup(message);
        lua_pop(L, 1);
        return 1;
    }
    *ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}


static void kill_hook(lua_State *L, lua_Debug *ar);

static void interrupt_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    const podium_lua_host *host = host_of(L);
    if (host->interrupt(host->context)) {
        // From now on every line raises, so that a pcall cannot catch the kill and go on.
        lua_sethook(L, kill_hook, LUA_MASKLINE, 0);
        push_error(L, "Script killed by user with SCRIPT KILL...");
        lua_error(L);
    }
}

static void kill_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    push_error(L, "Script killed by user with SCRIPT KILL...");
    lua_error(L);
}

static void push_array(lua_State *L, const char *blob, const size_t *lengths, size_t *offset, int first, int count) {
    lua_createtable(L, count, 0);
    for (int j = 0; j < count; j++) {
        lua_pushlstring(L, blob + *offset, lengths[first + j]);
        *offset += lengths[first + j];
        lua_rawseti(L, -2, j + 1);
    }
}

int podium_lua_run(lua_State *L, int ref, const char *funcname, int function_mode, const char *blob,
                   const size_t *lengths, int nkeys, int nargs, int caller_resp, podium_lua_output *out) {
    podium_state *state = state_of(L);
    out->length = 0;
    out->is_error = 0;
    out->error_counted = 0;
    state->script_resp = 2;
    lua_rawgeti(L, LUA_REGISTRYINDEX, state->error_handler);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    size_t offset = 0;
    lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, 100000);
    push_array(L, blob, lengths, &offset, 0, nkeys);
    if (!function_mode) lua_setfield(L, LUA_GLOBALSINDEX, "KEYS");
    push_array(L, blob, lengths, &offset, nkeys, nargs);
    if (!function_mode) lua_setfield(L, LUA_GLOBALSINDEX, "ARGV");
    int err = function_mode ? lua_pcall(L, 2, 1, -4) : lua_pcall(L, 0, 1, -2);

    // A collection step every 50 runs, as Valkey does, so the garbage never waits for a full cycle.
    if (++state->runs == 50) {
        lua_gc(L, LUA_GCSTEP, 50);
        state->runs = 0;
    }
    if (err) {
        if (!lua_istable(L, -1)) {
            const char *message = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
            char text[256];
            snprintf(text, sizeof(text), "ERR Error running script %s, %.100s ", funcname, message);
            out_line(out, '-', text, strlen(text));
            out->is_error = 1;
        } else {
            // "-<err> script: <name>, on <source>:<line>." (luaCallFunction)
            lua_getfield(L, -1, "err");
            lua_getfield(L, -2, "source");
            lua_getfield(L, -3, "line");
            const char *message = lua_isstring(L, -3) ? lua_tostring(L, -3) : "";
            const char *source = lua_isstring(L, -2) ? lua_tostring(L, -2) : NULL;
            const char *line = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
            size_t size = strlen(message) + strlen(funcname) + (source ? strlen(source) : 0) +
                          (line ? strlen(line) : 0) + 32;
            char *text = malloc(size);
            if (!text) abort();
            if (source && line) {
                snprintf(text, size, "%s script: %s, on %s:%s.", message, funcname, source, line);
            } else {
                snprintf(text, size, "%s", message);
            }
            out_line(out, '-', text, strlen(text));
            free(text);
            lua_pop(L, 3);
            lua_getfield(L, -1, "ignore_error_stats_update");
            out->is_error = 1;
            out->error_counted = lua_isboolean(L, -1) && lua_toboolean(L, -1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else {
        reply_context r = {out, state->host, caller_resp, state->script_resp};
        lua_to_resp(L, &r);
    }
    lua_sethook(L, NULL, 0, 0);
    lua_pop(L, 1);  // the error handler
    return err ? 1 : 0;
}

size_t podium_lua_memory(lua_State *L) { return (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB, 0); }

void podium_lua_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT, 0); }
