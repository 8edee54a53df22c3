// The leaderboard API of the product brief, as a small Node program on node-redis (Debian's `node-redis`, 4.x).
//
// The same code runs against a plain Podium (or Redis) and against an ElastiCache Serverless endpoint (or Podium in
// `elasticache-serverless` mode): only the connection settings, read from the environment, change.
//
//   LEADERBOARD_REDIS_URL   redis://host:port or rediss://host:port (TLS)         default redis://127.0.0.1:6379
//   LEADERBOARD_CLUSTER     1: connect with createCluster (as to ElastiCache Serverless)          default 0
//   LEADERBOARD_USERNAME    an RBAC user                                                       default none
//   LEADERBOARD_PASSWORD    its password                                                       default none
//   LEADERBOARD_CA          a CA certificate file to trust for rediss:// (e.g. tls/ca.crt)     default: system CAs
//   LEADERBOARD_HTTP_PORT   the HTTP port (0: one the OS picks)                                default 3000
//   LEADERBOARD_RATE_LIMIT  score posts a user may make per minute                             default 30
//
// Data: users in `user:{id}` hashes, the ranking in the sorted set `leaderboard:global`, counters in the hash
// `stats:game`, sessions in `session:{sid}` strings with a one-hour TTL, cached top-N pages in `cache:top:{n}`,
// rate limits in `ratelimit:{user}` (a Lua script), score changes published on the channel `leaderboard:updates`
// and streamed to browsers as server-sent events (GET /events; the page at / shows the top 10 live).
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const crypto = require('crypto');
const { createClient, createCluster, defineScript } = require('redis');

const settings = {
  url: process.env.LEADERBOARD_REDIS_URL || 'redis://127.0.0.1:6379',
  cluster: process.env.LEADERBOARD_CLUSTER === '1',
  username: process.env.LEADERBOARD_USERNAME || undefined,
  password: process.env.LEADERBOARD_PASSWORD || undefined,
  ca: process.env.LEADERBOARD_CA || undefined,
  httpPort: Number(process.env.LEADERBOARD_HTTP_PORT || 3000),
  rateLimit: Number(process.env.LEADERBOARD_RATE_LIMIT || 30),
};

const BOARD = 'leaderboard:global';
const STATS = 'stats:game';
const CHANNEL = 'leaderboard:updates';
const SESSION_TTL = 3600;
const CACHE_TTL = 60;

// A fixed window of one minute per user. The key is declared (KEYS[1]), as ElastiCache Serverless requires of
// every script: a cluster routes the script by it.
const scripts = {
  rateLimit: defineScript({
    NUMBER_OF_KEYS: 1,
    SCRIPT: `
      local n = redis.call('INCR', KEYS[1])
      if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
      return n`,
    transformArguments(key, windowSeconds) { return [key, String(windowSeconds)]; },
    transformReply(reply) { return reply; },
  }),
};

function clientOptions() {
  const socket = {};
  if (settings.url.startsWith('rediss://')) {
    socket.tls = true;
    if (settings.ca) socket.ca = fs.readFileSync(settings.ca);
  }
  return { socket, username: settings.username, password: settings.password };
}

function connectRedis() {
  const options = clientOptions();
  if (settings.cluster) {
    return createCluster({ rootNodes: [{ url: settings.url }], defaults: options, scripts });
  }
  return createClient({ url: settings.url, ...options, scripts });
}

// Pub/Sub takes a connection of its own. node-redis 4's cluster client has no SUBSCRIBE, so the subscriber is a
// plain client of the endpoint: a serverless endpoint (and Podium's cluster of one) serves every channel there.
function connectSubscriber() {
  return createClient({ url: settings.url, ...clientOptions() });
}

// The clients that hold the keys: every primary of a cluster, or the one server (for SCAN, which a cluster runs
// per node).
function nodeClients(redis) {
  return settings.cluster ? redis.getMasters().map((m) => m.client) : [redis];
}

async function main() {
  const redis = connectRedis();
  const subscriber = connectSubscriber();
  redis.on('error', (e) => console.error('redis error:', e.message));
  subscriber.on('error', (e) => console.error('subscriber error:', e.message));
  await redis.connect();
  await subscriber.connect();

  const streams = new Set();
  await subscriber.subscribe(CHANNEL, (message) => {
    for (const res of streams) res.write(`event: score\ndata: ${message}\n\n`);
  });

  async function profile(id) {
    const fields = await redis.hGetAll(`user:${id}`);
    return Object.keys(fields).length ? fields : null;
  }

  // Ranked entries with their profiles: the profile reads are sent together (node-redis pipelines commands issued
  // in the same tick), one round trip for the whole page.
  async function withProfiles(entries, firstRank) {
    const profiles = await Promise.all(entries.map((e) => redis.hGetAll(`user:${e.value}`)));
    return entries.map((e, i) => ({
      rank: firstRank + i + 1, id: e.value, score: e.score,
      name: profiles[i].name || e.value, country: profiles[i].country || '',
    }));
  }

  async function top(n) {
    const cacheKey = `cache:top:${n}`;
    const cached = await redis.get(cacheKey);
    if (cached) return { cached: true, entries: JSON.parse(cached) };
    const ranked = await redis.zRangeWithScores(BOARD, 0, n - 1, { REV: true });
    const entries = await withProfiles(ranked, 0);
    await redis.set(cacheKey, JSON.stringify(entries), { EX: CACHE_TTL });
    return { cached: false, entries };
  }

  // Cached pages are found with SCAN MATCH (on every node of a cluster) and removed with UNLINK, one key per
  // command: the keys hash to different slots, and a cluster refuses one UNLINK of keys in several slots.
  async function invalidateCache() {
    const found = [];
    for (const node of nodeClients(redis)) {
      for await (const key of node.scanIterator({ MATCH: 'cache:top:*', COUNT: 100 })) found.push(key);
    }
    await Promise.all(found.map((key) => redis.unlink(key)));
    return found.length;
  }

  // A whole number from a query parameter, `fallback` when absent or not a number, clamped to [min, max].
  function count(text, fallback, min, max) {
    const n = Number.parseInt(text ?? '', 10);
    return Math.min(max, Math.max(min, Number.isNaN(n) ? fallback : n));
  }

  async function rankOf(id) {
    const [rank, score] = await Promise.all([redis.zRevRank(BOARD, id), redis.zScore(BOARD, id)]);
    return rank === null ? null : { id, rank: rank + 1, score };
  }

  const routes = {
    // Creates or updates a profile; a new user enters the board with 0 points.
    'PUT /users/:id': async ({ id }, body) => {
      const created = (await redis.exists(`user:${id}`)) === 0;
      await redis.hSet(`user:${id}`, { name: String(body.name || id), country: String(body.country || '') });
      if (created) {
        await redis.zAdd(BOARD, { score: 0, value: id }, { NX: true });
        await redis.hIncrBy(STATS, 'users', 1);
      }
      return { status: created ? 201 : 200, body: { id, ...(await profile(id)) } };
    },
    'GET /users/:id': async ({ id }) => {
      const p = await profile(id);
      return p ? { body: { id, ...p } } : { status: 404, body: { error: 'no such user' } };
    },
    // Logs a user in: a session that expires after an hour.
    'POST /sessions': async (_, body) => {
      if (!body.user || !(await profile(body.user))) return { status: 404, body: { error: 'no such user' } };
      const sid = crypto.randomBytes(12).toString('hex');
      await redis.set(`session:${sid}`, JSON.stringify({ user: body.user, since: Date.now() }), { EX: SESSION_TTL });
      await redis.hIncrBy(STATS, 'logins', 1);
      return { status: 201, body: { session: sid, ttl: await redis.ttl(`session:${sid}`) } };
    },
    // Adds points for the session's user: rate limited, ranked, counted, cache invalidated, published.
    'POST /scores': async (_, body) => {
      const session = await redis.get(`session:${body.session}`);
      if (!session) return { status: 401, body: { error: 'no such session' } };
      const { user } = JSON.parse(session);
      const posts = await redis.rateLimit(`ratelimit:${user}`, 60);
      if (posts > settings.rateLimit) return { status: 429, body: { error: 'rate limited', posts } };
      const points = Number(body.points);
      if (!Number.isFinite(points)) return { status: 400, body: { error: 'points must be a number' } };
      const score = await redis.zIncrBy(BOARD, points, user);
      await redis.hIncrBy(STATS, 'scores', 1);
      const invalidated = await invalidateCache();
      const ranked = await rankOf(user);
      await redis.publish(CHANNEL, JSON.stringify(ranked));
      return { body: { ...ranked, score, posts, invalidated } };
    },
    'GET /leaderboard': async (_, __, query) => ({ body: await top(count(query.get('n'), 10, 1, 100)) }),
    'GET /users/:id/rank': async ({ id }) => {
      const r = await rankOf(id);
      return r ? { body: r } : { status: 404, body: { error: 'not ranked' } };
    },
    // The players around a user: `radius` above and below.
    'GET /users/:id/around': async ({ id }, _, query) => {
      const radius = count(query.get('radius'), 2, 0, 50);
      const rank = await redis.zRevRank(BOARD, id);
      if (rank === null) return { status: 404, body: { error: 'not ranked' } };
      const first = Math.max(0, rank - radius);
      const ranked = await redis.zRangeWithScores(BOARD, first, rank + radius, { REV: true });
      return { body: { id, entries: await withProfiles(ranked, first) } };
    },
    'GET /stats': async () => {
      const stats = await redis.hGetAll(STATS);
      return { body: { ...stats, players: await redis.zCard(BOARD) } };
    },
  };

  function match(method, pathname) {
    for (const [route, handler] of Object.entries(routes)) {
      const [m, pattern] = route.split(' ');
      if (m !== method) continue;
      const names = [];
      const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '$');
      const found = re.exec(pathname);
      if (found) {
        let params;
        try {
          params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])]));
        } catch {
          return null;  // a malformed %-escape: no such resource
        }
        return { handler, params };
      }
    }
    return null;
  }

  const page = fs.readFileSync(path.join(__dirname, 'index.html'));
  function reply(res, status, body) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  // Every request is answered, whatever it holds: a bad body is a 400, a failed command a 500.
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => { if (!res.headersSent) reply(res, 500, { error: e.message }); });
  });

  async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page);
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const route = match(req.method, url.pathname);
    if (!route) return reply(res, 404, { error: 'not found' });
    let raw = '';
    for await (const chunk of req) {
      raw += chunk;
      if (raw.length > 65536) return reply(res, 413, { error: 'body too large' });
    }
    let body;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return reply(res, 400, { error: 'the body is not JSON' });
    }
    const out = await route.handler(route.params, body, url.searchParams);
    reply(res, out.status || 200, out.body);
  }

  server.listen(settings.httpPort, '127.0.0.1', () => {
    console.log(`leaderboard listening on http://127.0.0.1:${server.address().port} ` +
                `(${settings.cluster ? 'cluster' : 'single'} client, ${settings.url})`);
  });

  async function shutdown() {
    setTimeout(() => process.exit(0), 2000).unref();  // whatever is still pending
    for (const res of streams) res.end();
    server.close();
    // quit() waits for a server that may be gone already; disconnect() does not.
    await subscriber.disconnect().catch(() => {});
    await redis.disconnect().catch(() => {});
    process.exit(0);
  }
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((e) => {
  console.error('leaderboard failed to start:', e.message);
  process.exit(1);
});
