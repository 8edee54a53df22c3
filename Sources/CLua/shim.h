#ifndef C_LUA_SHIM_H
#define C_LUA_SHIM_H
// Debian's Lua 5.1 (liblua5.1-0-dev), with its cjson (lua-cjson-dev) and bit (lua-bitop-dev) libraries.
#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>
int luaopen_cjson(lua_State *L);
int luaopen_bit(lua_State *L);
#endif
