// The `cmsgpack` library scripts see (Valkey embeds lua-cmsgpack 0.4.0; Debian packages none for Lua 5.1), written
// for Podium from the behaviour Valkey shows: `pack(...)`, `unpack(s)`, `unpack_one(s [, offset])`,
// `unpack_limit(s, limit [, offset])`, with the same encodings chosen, the same nesting limit and the same errors.
//
// Encoding: nil → nil; booleans; a number that is an integer (within int64) in the smallest integer form, else a
// float32 when that is exact, else a float64; a string as str (fixstr, str8, str16, str32); a table whose keys are
// exactly 1..n as an array (an empty table too), any other table as a map; a table nested deeper than 16 levels,
// and functions, userdata and threads, as nil.

#include "LuaLibraries.h"

#include <limits.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PACK_MAX_NESTING 16
// Deeper input is refused as malformed instead of recursing without bound.
#define UNPACK_MAX_NESTING 256

// MARK: - Packing

// The packed bytes, in a userdata (so a Lua error half-way frees them with it). luaL_Buffer is not used: packing
// recurses with values on the stack, which a luaL_Buffer does not allow.
typedef struct pack_buffer {
    unsigned char *data;
    size_t length;
    size_t capacity;
} pack_buffer;

static int pack_buffer_gc(lua_State *L) {
    pack_buffer *b = lua_touserdata(L, 1);
    free(b->data);
    b->data = NULL;
    return 0;
}

static void add_bytes(lua_State *L, pack_buffer *b, const unsigned char *bytes, size_t length) {
    if (b->length + length > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 64;
        while (capacity < b->length + length) capacity *= 2;
        unsigned char *grown = realloc(b->data, capacity);
        if (!grown) luaL_error(L, "not enough memory");
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, bytes, length);
    b->length += length;
}

static void put_be(unsigned char *out, uint64_t value, int width) {
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (unsigned char)(value & 0xff);
        value >>= 8;
    }
}

static void pack_header(lua_State *L, pack_buffer *b, unsigned char code, uint64_t value, int width) {
    unsigned char out[9];
    out[0] = code;
    put_be(out + 1, value, width);
    add_bytes(L, b, out, (size_t)width + 1);
}

static void pack_byte(lua_State *L, pack_buffer *b, unsigned char byte) { add_bytes(L, b, &byte, 1); }

static void pack_integer(lua_State *L, pack_buffer *b, int64_t n) {
    if (n >= 0) {
        if (n <= 127) {
            pack_byte(L, b, (unsigned char)n);
        } else if (n <= 0xff) {
            pack_header(L, b, 0xcc, (uint64_t)n, 1);
        } else if (n <= 0xffff) {
            pack_header(L, b, 0xcd, (uint64_t)n, 2);
        } else if (n <= 0xffffffffLL) {
            pack_header(L, b, 0xce, (uint64_t)n, 4);
        } else {
            pack_header(L, b, 0xcf, (uint64_t)n, 8);
        }
    } else if (n >= -32) {
        pack_byte(L, b, (unsigned char)(int8_t)n);
    } else if (n >= -128) {
        pack_header(L, b, 0xd0, (uint8_t)(int8_t)n, 1);
    } else if (n >= -32768) {
        pack_header(L, b, 0xd1, (uint16_t)(int16_t)n, 2);
    } else if (n >= -2147483648LL) {
        pack_header(L, b, 0xd2, (uint32_t)(int32_t)n, 4);
    } else {
        pack_header(L, b, 0xd3, (uint64_t)n, 8);
    }
}

static void pack_number(lua_State *L, pack_buffer *b, lua_Number n) {
    // An integral value within int64 is an integer (a NaN or an infinity never is).
    if (n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (lua_Number)(int64_t)n == n) {
        pack_integer(L, b, (int64_t)n);
        return;
    }
    float f = (float)n;
    if ((double)f == n) {
        uint32_t bits;
        memcpy(&bits, &f, 4);
        pack_header(L, b, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &n, 8);
        pack_header(L, b, 0xcb, bits, 8);
    }
}

static void pack_string(lua_State *L, pack_buffer *b, const char *s, size_t length) {
    if (length < 32) {
        pack_byte(L, b, (unsigned char)(0xa0 | length));
    } else if (length <= 0xff) {
        pack_header(L, b, 0xd9, length, 1);
    } else if (length <= 0xffff) {
        pack_header(L, b, 0xda, length, 2);
    } else {
        pack_header(L, b, 0xdb, length, 4);
    }
    add_bytes(L, b, (const unsigned char *)s, length);
}

// Whether the table at the top has exactly the keys 1..n (n may be 0).
static int is_array(lua_State *L) {
    int top = lua_gettop(L);
    lua_Number max = 0;
    lua_Number count = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER) {
            lua_settop(L, top);
            return 0;
        }
        lua_Number k = lua_tonumber(L, -1);
        if (!(k > 0 && k < 9223372036854775808.0) || (lua_Number)(int64_t)k != k) {
            lua_settop(L, top);
            return 0;
        }
        if (k > max) max = k;
        count++;
    }
    lua_settop(L, top);
    return max == count;
}

static void pack_value(lua_State *L, pack_buffer *b, int level);

// An array's or a map's header: the fix form (`fix` | count) under 16 entries, else the 16-bit form (`code16`) or
// the 32-bit one (`code16` + 1), as MessagePack numbers them (0xdc/0xdd arrays, 0xde/0xdf maps).
static void pack_count(lua_State *L, pack_buffer *b, unsigned char fix, unsigned char code16, size_t count) {
    if (count < 16) {
        pack_byte(L, b, (unsigned char)(fix | count));
    } else if (count <= 0xffff) {
        pack_header(L, b, code16, count, 2);
    } else {
        pack_header(L, b, (unsigned char)(code16 + 1), count, 4);
    }
}

// Packs the table at the top and pops it.
static void pack_table(lua_State *L, pack_buffer *b, int level) {
    luaL_checkstack(L, 4, "cmsgpack: table too deep");
    if (is_array(L)) {
        size_t length = lua_objlen(L, -1);
        pack_count(L, b, 0x90, 0xdc, length);
        for (size_t i = 1; i <= length; i++) {
            lua_rawgeti(L, -1, (int)i);
            pack_value(L, b, level + 1);
        }
    } else {
        size_t pairs = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            pairs++;
        }
        pack_count(L, b, 0x80, 0xde, pairs);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            // table, key, value: the key (a copy: lua_next needs the original), then the value.
            lua_pushvalue(L, -2);
            pack_value(L, b, level + 1);
            pack_value(L, b, level + 1);
        }
    }
    lua_pop(L, 1);
}

// Packs the value at the top and pops it.
static void pack_value(lua_State *L, pack_buffer *b, int level) {
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE && level == PACK_MAX_NESTING) t = LUA_TNIL;
    switch (t) {
    case LUA_TSTRING: {
        size_t length;
        const char *s = lua_tolstring(L, -1, &length);
        pack_string(L, b, s, length);
        break;
    }
    case LUA_TBOOLEAN: pack_byte(L, b, lua_toboolean(L, -1) ? 0xc3 : 0xc2); break;
    case LUA_TNUMBER: pack_number(L, b, lua_tonumber(L, -1)); break;
    case LUA_TTABLE: pack_table(L, b, level); return;
    default: pack_byte(L, b, 0xc0); break;
    }
    lua_pop(L, 1);
}

static int cmsgpack_pack(lua_State *L) {
    int nargs = lua_gettop(L);
    if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    pack_buffer *b = lua_newuserdata(L, sizeof(pack_buffer));
    memset(b, 0, sizeof(*b));
    lua_newtable(L);
    lua_pushcfunction(L, pack_buffer_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    for (int i = 1; i <= nargs; i++) {
        lua_pushvalue(L, i);
        pack_value(L, b, 0);
    }
    lua_pushlstring(L, (const char *)b->data, b->length);
    return 1;
}

// MARK: - Unpacking

typedef struct cursor {
    const unsigned char *p;
    size_t left;
    int error;  // 0, or CURSOR_EOF / CURSOR_BADFMT
} cursor;

#define CURSOR_EOF 1
#define CURSOR_BADFMT 2

static int need(cursor *c, size_t n) {
    if (c->left < n) {
        c->error = CURSOR_EOF;
        return 0;
    }
    return 1;
}

static uint64_t take_be(cursor *c, int width) {
    uint64_t value = 0;
    for (int i = 0; i < width; i++) value = value << 8 | c->p[i];
    c->p += width;
    c->left -= (size_t)width;
    return value;
}

static void unpack_value(lua_State *L, cursor *c, int depth);

static void unpack_string(lua_State *L, cursor *c, int width) {
    if (!need(c, 1 + (size_t)width)) return;
    c->p++;
    c->left--;
    size_t length = (size_t)take_be(c, width);
    if (!need(c, length)) return;
    lua_pushlstring(L, (const char *)c->p, length);
    c->p += length;
    c->left -= length;
}

static void unpack_array(lua_State *L, cursor *c, size_t count, int depth) {
    luaL_checkstack(L, 2, "cmsgpack: too deep");
    lua_newtable(L);
    for (size_t i = 1; i <= count && c->error == 0; i++) {
        unpack_value(L, c, depth + 1);
        if (c->error) return;
        lua_rawseti(L, -2, (int)i);
    }
}

static void unpack_map(lua_State *L, cursor *c, size_t count, int depth) {
    luaL_checkstack(L, 3, "cmsgpack: too deep");
    lua_newtable(L);
    for (size_t i = 0; i < count && c->error == 0; i++) {
        unpack_value(L, c, depth + 1);
        if (c->error) return;
        unpack_value(L, c, depth + 1);
        if (c->error) return;
        lua_settable(L, -3);
    }
}

// Pushes the next value, or sets c->error (then what was pushed is left for the caller's error to discard).
static void unpack_value(lua_State *L, cursor *c, int depth) {
    if (depth > UNPACK_MAX_NESTING) {
        c->error = CURSOR_BADFMT;
        return;
    }
    if (!need(c, 1)) return;
    unsigned char code = c->p[0];
    luaL_checkstack(L, 1, "cmsgpack: too deep");
    switch (code) {
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
        int width = 1 << (code - 0xcc);
        if (!need(c, 1 + (size_t)width)) return;
        c->p++;
        c->left--;
        // As a signed 64-bit integer (Valkey pushes it with lua_pushinteger): 2^64-1 reads back as -1.
        lua_pushnumber(L, (lua_Number)(int64_t)take_be(c, width));
        return;
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int width = 1 << (code - 0xd0);
        if (!need(c, 1 + (size_t)width)) return;
        c->p++;
        c->left--;
        uint64_t raw = take_be(c, width);
        int64_t value;
        switch (width) {
        case 1: value = (int8_t)raw; break;
        case 2: value = (int16_t)raw; break;
        case 4: value = (int32_t)raw; break;
        default: value = (int64_t)raw; break;
        }
        lua_pushnumber(L, (lua_Number)value);
        return;
    }
    case 0xc0: case 0xc2: case 0xc3:
        c->p++;
        c->left--;
        if (code == 0xc0) lua_pushnil(L); else lua_pushboolean(L, code == 0xc3);
        return;
    case 0xca: {
        if (!need(c, 5)) return;
        c->p++;
        c->left--;
        uint32_t bits = (uint32_t)take_be(c, 4);
        float f;
        memcpy(&f, &bits, 4);
        lua_pushnumber(L, (lua_Number)f);
        return;
    }
    case 0xcb: {
        if (!need(c, 9)) return;
        c->p++;
        c->left--;
        uint64_t bits = take_be(c, 8);
        double d;
        memcpy(&d, &bits, 8);
        lua_pushnumber(L, d);
        return;
    }
    case 0xd9: unpack_string(L, c, 1); return;
    case 0xda: unpack_string(L, c, 2); return;
    case 0xdb: unpack_string(L, c, 4); return;
    case 0xdc: case 0xdd: case 0xde: case 0xdf: {
        int width = (code == 0xdc || code == 0xde) ? 2 : 4;
        if (!need(c, 1 + (size_t)width)) return;
        c->p++;
        c->left--;
        size_t count = (size_t)take_be(c, width);
        if (code <= 0xdd) unpack_array(L, c, count, depth); else unpack_map(L, c, count, depth);
        return;
    }
    default:
        break;
    }
    if ((code & 0x80) == 0 || (code & 0xe0) == 0xe0) {
        // Positive and negative fixint.
        c->p++;
        c->left--;
        lua_pushnumber(L, (lua_Number)(int8_t)code);
        return;
    }
    if ((code & 0xe0) == 0xa0) {
        size_t length = code & 0x1f;
        if (!need(c, 1 + length)) return;
        lua_pushlstring(L, (const char *)c->p + 1, length);
        c->p += 1 + length;
        c->left -= 1 + length;
        return;
    }
    if ((code & 0xf0) == 0x90 || (code & 0xf0) == 0x80) {
        c->p++;
        c->left--;
        if ((code & 0xf0) == 0x90) unpack_array(L, c, code & 0x0f, depth); else unpack_map(L, c, code & 0x0f, depth);
        return;
    }
    c->error = CURSOR_BADFMT;
}

// The values of the string argument from `offset`, at most `limit` of them (both 0: all, and no offset is
// returned); with a limit or an offset the first result is the offset of what follows, -1 at the end.
static int unpack_full(lua_State *L, lua_Integer limit, lua_Integer offset) {
    size_t length;
    const char *s = luaL_checklstring(L, 1, &length);
    int all = limit == 0 && offset == 0;
    if (offset < 0 || limit < 0) {
        // Valkey's text (it prints the input's length as the limit).
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", (int)offset, (int)length);
    }
    if ((size_t)offset > length) {
        return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset, (int)length);
    }
    if (all) limit = INT_MAX;
    cursor c = {(const unsigned char *)s + offset, length - (size_t)offset, 0};
    int count = 0;
    for (; c.left > 0 && count < limit; count++) {
        unpack_value(L, &c, 0);
        if (c.error == CURSOR_EOF) return luaL_error(L, "Missing bytes in input.");
        if (c.error == CURSOR_BADFMT) return luaL_error(L, "Bad data format in input.");
    }
    if (!all) {
        luaL_checkstack(L, 1, "in function unpack_full");
        lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(length - c.left));
        lua_insert(L, 2);
        count++;
    }
    return count;
}

static int cmsgpack_unpack(lua_State *L) { return unpack_full(L, 0, 0); }

static int cmsgpack_unpack_one(lua_State *L) {
    lua_Integer offset = luaL_optinteger(L, 2, 0);
    lua_settop(L, 1);
    return unpack_full(L, 1, offset);
}

static int cmsgpack_unpack_limit(lua_State *L) {
    lua_Integer limit = luaL_checkinteger(L, 2);
    lua_Integer offset = luaL_optinteger(L, 3, 0);
    lua_settop(L, 1);
    return unpack_full(L, limit, offset);
}

int podium_luaopen_cmsgpack(lua_State *L) {
    static const luaL_Reg functions[] = {{"pack", cmsgpack_pack}, {"unpack", cmsgpack_unpack},
                                         {"unpack_one", cmsgpack_unpack_one}, {"unpack_limit", cmsgpack_unpack_limit},
                                         {NULL, NULL}};
    static const char *const about[][2] = {{"_NAME", "cmsgpack"}, {"_VERSION", "lua-cmsgpack 0.4.0"},
                                           {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
                                           {"_DESCRIPTION", "MessagePack C implementation for Lua"}};
    lua_newtable(L);
    luaL_register(L, NULL, functions);
    for (size_t i = 0; i < sizeof(about) / sizeof(about[0]); i++) {
        lua_pushstring(L, about[i][1]);
        lua_setfield(L, -2, about[i][0]);
    }
    return 1;
}
