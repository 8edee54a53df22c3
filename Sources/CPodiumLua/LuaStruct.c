// The `struct` library scripts see (Valkey embeds Roberto Ierusalimschy's struct 0.2; Debian packages none for Lua
// 5.1), written for Podium from its documented format and the behaviour Valkey shows: `pack(fmt, ...)`,
// `unpack(fmt, s [, i])` (the values, then the position after them), `size(fmt)`.
//
// Format: `>` big endian, `<` little endian, `!n` maximum alignment n (a power of 2; `!` alone: 8), `x` a zero
// byte, `b`/`B` signed/unsigned char, `h`/`H` short, `l`/`L` long, `T` size_t, `in`/`In` signed/unsigned integer of
// n bytes (1 to 32; default 4), `f` float, `d` double, `cn` n characters (`c0`: all of the string in pack, the
// previous value as the length in unpack), `s` a zero-terminated string, space ignored. Native endianness and
// sizes are x86-64 Linux's, as Valkey's on this machine.

#include "LuaLibraries.h"

#include <ctype.h>
#include <limits.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define STRUCT_MAX_INT_SIZE 32
#define STRUCT_MAX_ALIGN 8

typedef struct format_state {
    int big_endian;
    size_t align;
} format_state;

static int native_big_endian(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 0;
}

static format_state default_state(void) {
    format_state h = {native_big_endian(), 1};
    return h;
}

static int read_number(lua_State *L, const char **fmt, int fallback) {
    if (!isdigit((unsigned char)**fmt)) return fallback;
    int value = 0;
    do {
        int digit = **fmt - '0';
        if (value > (INT_MAX - digit) / 10) luaL_error(L, "integral size overflow");
        value = value * 10 + digit;
        (*fmt)++;
    } while (isdigit((unsigned char)**fmt));
    return value;
}

static size_t option_size(lua_State *L, int option, const char **fmt) {
    switch (option) {
    case 'B': case 'b': return sizeof(char);
    case 'H': case 'h': return sizeof(short);
    case 'L': case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return (size_t)read_number(L, fmt, 1);
    case 'i': case 'I': {
        int size = read_number(L, fmt, sizeof(int));
        if (size > STRUCT_MAX_INT_SIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", size, STRUCT_MAX_INT_SIZE);
        return (size_t)size;
    }
    default: return 0;
    }
}

static size_t padding(size_t position, const format_state *h, int option, size_t size) {
    if (size == 0 || option == 'c') return 0;
    if (size > h->align) size = h->align;
    return (size - (position & (size - 1))) & (size - 1);
}

// Reads the next option of the format and its size, and moves `*position` past the padding that aligns it: the
// walk pack, unpack and size share.
static int next_option(lua_State *L, const char **fmt, const format_state *h, size_t *position, size_t *size) {
    int option = *(*fmt)++;
    *size = option_size(L, option, fmt);
    *position += padding(*position, h, option, *size);
    return option;
}

static void control_option(lua_State *L, int option, const char **fmt, format_state *h) {
    switch (option) {
    case ' ': return;
    case '>': h->big_endian = 1; return;
    case '<': h->big_endian = 0; return;
    case '!': {
        int a = read_number(L, fmt, STRUCT_MAX_ALIGN);
        if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
        h->align = (size_t)a;
        return;
    }
    default: {
        const char *message = lua_pushfstring(L, "invalid format option '%c'", option);
        luaL_argerror(L, 1, message);
    }
    }
}

static void put_integer(lua_State *L, luaL_Buffer *b, int arg, int big_endian, size_t size) {
    lua_Number n = luaL_checknumber(L, arg);
    uint64_t value = n < 0 ? (uint64_t)(int64_t)n : (uint64_t)n;
    char bytes[STRUCT_MAX_INT_SIZE];
    for (size_t i = 0; i < size; i++) {
        bytes[big_endian ? size - 1 - i : i] = (char)(value & 0xff);
        value = i < 7 ? value >> 8 : 0;
    }
    luaL_addlstring(b, bytes, size);
}

// The bytes of an 'f' (float) or 'd' (double) option: pack and unpack reorder them in place, one path for both sizes.
typedef union floating {
    float f;
    double d;
    char bytes[sizeof(double)];
} floating;

static void fix_byte_order(char *bytes, size_t size, int big_endian) {
    if (big_endian == native_big_endian()) return;
    for (size_t i = 0, j = size - 1; i < j; i++, j--) {
        char t = bytes[i];
        bytes[i] = bytes[j];
        bytes[j] = t;
    }
}

static int struct_pack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    format_state h = default_state();
    int arg = 2;
    size_t total = 0;
    luaL_Buffer b;
    lua_pushnil(L);  // keeps the arguments apart from the buffer's stack entries
    luaL_buffinit(L, &b);
    while (*fmt) {
        size_t size, aligned = total;
        int option = next_option(L, &fmt, &h, &total, &size);
        for (; aligned < total; aligned++) luaL_addchar(&b, '\0');
        switch (option) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
            put_integer(L, &b, arg++, h.big_endian, size);
            break;
        case 'x':
            luaL_addchar(&b, '\0');
            break;
        case 'f': case 'd': {
            floating value;
            lua_Number n = luaL_checknumber(L, arg++);
            if (option == 'f') value.f = (float)n; else value.d = n;
            fix_byte_order(value.bytes, size, h.big_endian);
            luaL_addlstring(&b, value.bytes, size);
            break;
        }
        case 'c': case 's': {
            size_t length;
            const char *s = luaL_checklstring(L, arg++, &length);
            if (size == 0) size = length;
            luaL_argcheck(L, length >= size, arg, "string too short");
            luaL_addlstring(&b, s, size);
            if (option == 's') {
                luaL_addchar(&b, '\0');
                size++;
            }
            break;
        }
        default:
            control_option(L, option, &fmt, &h);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static lua_Number get_integer(const unsigned char *bytes, int big_endian, int is_signed, size_t size) {
    uint64_t value = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = bytes[big_endian ? i : size - 1 - i];
        value = value << 8 | byte;
    }
    if (!is_signed) return (lua_Number)value;
    if (size < 8) {
        uint64_t mask = ~(uint64_t)0 << (size * 8 - 1);
        if (value & mask) value |= mask;
    }
    return (lua_Number)(int64_t)value;
}

static int struct_unpack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t length;
    const unsigned char *data = (const unsigned char *)luaL_checklstring(L, 2, &length);
    lua_Integer start = luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
    size_t position = (size_t)start - 1;
    int results = 0;
    format_state h = default_state();
    while (*fmt) {
        size_t size;
        int option = next_option(L, &fmt, &h, &position, &size);
        luaL_argcheck(L, size <= length && position <= length - size, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (option) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
            lua_pushnumber(L, get_integer(data + position, h.big_endian, islower(option), size));
            results++;
            break;
        case 'x':
            break;
        case 'f': case 'd': {
            floating value;
            memcpy(value.bytes, data + position, size);
            fix_byte_order(value.bytes, size, h.big_endian);
            lua_pushnumber(L, option == 'f' ? (lua_Number)value.f : (lua_Number)value.d);
            results++;
            break;
        }
        case 'c': {
            if (size == 0) {
                if (results == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
                size = (size_t)lua_tonumber(L, -1);
                lua_pop(L, 1);
                results--;
                luaL_argcheck(L, size <= length && position <= length - size, 2, "data string too short");
            }
            lua_pushlstring(L, (const char *)data + position, size);
            results++;
            break;
        }
        case 's': {
            const unsigned char *end = memchr(data + position, '\0', length - position);
            if (!end) luaL_error(L, "unfinished string in data");
            size = (size_t)(end - (data + position)) + 1;
            lua_pushlstring(L, (const char *)data + position, size - 1);
            results++;
            break;
        }
        default:
            control_option(L, option, &fmt, &h);
        }
        position += size;
    }
    lua_pushinteger(L, (lua_Integer)position + 1);
    return results + 1;
}

static int struct_size(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t position = 0;
    format_state h = default_state();
    while (*fmt) {
        size_t size;
        int option = next_option(L, &fmt, &h, &position, &size);
        if (option == 's') {
            luaL_argerror(L, 1, "option 's' has no fixed size");
        } else if (option == 'c' && size == 0) {
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        }
        if (!isalnum(option)) control_option(L, option, &fmt, &h);
        position += size;
    }
    lua_pushinteger(L, (lua_Integer)position);
    return 1;
}

int podium_luaopen_struct(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"pack", struct_pack}, {"unpack", struct_unpack}, {"size", struct_size}, {NULL, NULL}};
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    return 1;
}
