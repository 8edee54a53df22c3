// Drives every flow of the leaderboard API over HTTP and prints one line per flow; exits 1 at the first that fails.
//
//   node demo.js http://127.0.0.1:3000
'use strict';

const http = require('http');

const base = process.argv[2] || 'http://127.0.0.1:3000';

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      let raw = '';
      res.on('data', (c) => { raw += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: raw ? JSON.parse(raw) : null }));
    });
    req.on('error', reject);
    // A request the app does not answer fails the demo, naming it, instead of hanging it.
    req.setTimeout(15000, () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

// Reads server-sent events from /events until `count` score events arrived (or the timeout passed).
function collectEvents(count, timeoutMs) {
  return new Promise((resolve, reject) => {
    const events = [];
    const req = http.get(base + '/events', (res) => {
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.includes('event: score') && data) events.push(JSON.parse(data.slice(6)));
          if (frame.startsWith(': connected')) res.emit('ready');
        }
        if (events.length >= count) { req.destroy(); resolve(events); }
      });
      res.once('ready', () => req.emit('ready'));
    });
    req.on('error', (e) => { if (events.length < count) reject(e); });
    setTimeout(() => { req.destroy(); resolve(events); }, timeoutMs);
    collectEvents.ready = new Promise((r) => req.once('ready', r));
  });
}

let failures = 0;
function check(flow, ok, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${flow}${detail ? ': ' + detail : ''}`);
  if (!ok) failures += 1;
}

(async () => {
  const players = [
    ['ana', 'Ana', 'PT', 120], ['bo', 'Bo', 'SE', 340], ['cy', 'Cy', 'US', 90], ['dee', 'Dee', 'IN', 275],
    ['eli', 'Eli', 'BR', 310], ['fay', 'Fay', 'NG', 55], ['gus', 'Gus', 'DE', 180], ['hal', 'Hal', 'JP', 205],
    ['ivy', 'Ivy', 'CA', 160], ['jo', 'Jo', 'FR', 30], ['kai', 'Kai', 'KR', 250], ['lu', 'Lu', 'MX', 75],
  ];
  const sessions = {};
  let created = 0;
  for (const [id, name, country] of players) {
    const r = await request('PUT', `/users/${id}`, { name, country });
    if (r.status === 201 || r.status === 200) created += 1;
  }
  check('profiles in user:{id} hashes', created === players.length, `${created} users`);
  const ana = await request('GET', '/users/ana');
  check('read a profile', ana.status === 200 && ana.body.name === 'Ana', JSON.stringify(ana.body));

  for (const [id] of players) sessions[id] = (await request('POST', '/sessions', { user: id })).body;
  const s = sessions.ana;
  check('sessions with a one-hour TTL', s.session && s.ttl > 3500 && s.ttl <= 3600, `ttl ${s.ttl}`);

  const events = collectEvents(players.length, 10000);
  await collectEvents.ready;
  for (const [id, , , points] of players) {
    const r = await request('POST', '/scores', { session: sessions[id].session, points });
    if (r.status !== 200) check(`score for ${id}`, false, JSON.stringify(r.body));
  }
  const received = await events;
  check('score changes published and streamed as server-sent events', received.length === players.length,
        `${received.length} events, last ${JSON.stringify(received[received.length - 1])}`);

  // What the board must say, worked out here from the points posted (highest first; ties by id, descending).
  const order = [...players].sort((a, b) => b[3] - a[3] || (a[0] < b[0] ? 1 : -1)).map((p) => p[0]);
  const first = await request('GET', '/leaderboard?n=10');
  const names = first.body.entries.map((e) => `${e.id}:${e.score}`).join(' ');
  check('top 10 with profiles', first.body.entries.map((e) => e.id).join() === order.slice(0, 10).join() &&
        first.body.entries[0].name === 'Bo' && !first.body.cached, names);
  const again = await request('GET', '/leaderboard?n=10');
  check('top 10 served from the cache', again.body.cached === true);

  const anaRank = order.indexOf('ana');
  const rank = await request('GET', '/users/ana/rank');
  check('rank of a player', rank.body.rank === anaRank + 1 && rank.body.score === 120, JSON.stringify(rank.body));
  const around = await request('GET', '/users/ana/around?radius=2');
  check('players around a player',
        around.body.entries.map((e) => e.id).join(',') === order.slice(Math.max(0, anaRank - 2), anaRank + 3).join(','),
        around.body.entries.map((e) => `#${e.rank} ${e.id}`).join(', '));

  const bump = await request('POST', '/scores', { session: sessions.ana.session, points: 300 });
  check('a score change invalidates cached pages (SCAN MATCH + UNLINK)', bump.body.invalidated >= 1 &&
        bump.body.rank === 1, `ana now #${bump.body.rank} with ${bump.body.score}, ${bump.body.invalidated} page(s) dropped`);
  const fresh = await request('GET', '/leaderboard?n=10');
  check('the next page is fresh', fresh.body.cached === false && fresh.body.entries[0].id === 'ana');

  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const r = await request('POST', '/scores', { session: sessions.jo.session, points: 1 });
    if (r.status === 429) limited = r.body;
  }
  check('score posts rate limited by a Lua script', limited !== null, limited && `refused at post ${limited.posts}`);

  const stats = await request('GET', '/stats');
  check('stats:game counters', Number(stats.body.users) >= players.length && Number(stats.body.scores) > players.length &&
        stats.body.players >= players.length, JSON.stringify(stats.body));

  const bad = await request('POST', '/scores', { session: 'nope', points: 1 });
  check('an unknown session is refused', bad.status === 401);

  console.log(failures ? `${failures} flow(s) failed` : 'every flow succeeded');
  process.exit(failures ? 1 : 0);
})().catch((e) => {
  console.error('demo failed:', e.message);
  process.exit(1);
});
