#ifndef PODIUM_LUA_LIBRARIES_H
#define PODIUM_LUA_LIBRARIES_H

// Podium's own Lua libraries (Valkey embeds them; Debian has no Lua 5.1 packages of them).
typedef struct lua_State lua_State;

/// Pushes the `cmsgpack` table (LuaMessagePack.c).
int podium_luaopen_cmsgpack(lua_State *L);
/// Pushes the `struct` table (LuaStruct.c).
int podium_luaopen_struct(lua_State *L);

#endif
