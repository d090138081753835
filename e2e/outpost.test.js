'use strict';
// End-to-end tests of the outpost binary, driven by the npm client libraries Rocket.Chat's
// apps use: @rocket.chat/sdk (the mobile app's DDP/REST client), @rocket.chat/ddp-client
// (the web app's and livechat's), and simpleddp (a generic DDP client). One server, built
// and started once in `before`, stopped with SIGTERM by the last test; `after` kills it
// whatever happened. Run with `just e2e` (or `npm ci && node --test` in this directory).

const assert = require('node:assert/strict');
const { after, before, describe, test } = require('node:test');

const { Outpost, admin, bob, WAIT, sha256hex, within, logged, RecordingWebSocket, useRecordingWebSocket, closeDDPSDK, closeSdk } = require('./lib/outpost');

// Before the libraries load: ddp-client needs a global WebSocket (Node 20 has none), and
// the frames of all three are recorded for failure reports.
useRecordingWebSocket();

const { Rocketchat } = require('@rocket.chat/sdk');
const { DDPSDK } = require('@rocket.chat/ddp-client');
const SimpleDDP = require('simpleddp');

const server = new Outpost();

before(async () => {
  await server.start();
}, { timeout: 300_000 });

after(() => server.finish());

/** methodMessage is the EJSON string the method.call bridge carries (PROTOCOL.md §4.0.5). */
function methodMessage(id, method, params) {
  return JSON.stringify({ msg: 'method', id, method, params });
}

/** bridge posts one call to method.call or method.callAnon and returns the parsed answer. */
async function bridge(route, id, method, params, auth) {
  const res = await server.request('POST', `/api/v1/${route}/${method}`, {
    body: { message: methodMessage(id, method, params) },
    auth,
  });
  assert.equal(res.status, 200, `POST ${route}/${method}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.success, true, JSON.stringify(res.body));
  assert.equal(typeof res.body.message, 'string', `message must be an EJSON string: ${JSON.stringify(res.body)}`);
  const answer = JSON.parse(res.body.message);
  assert.equal(answer.msg, 'result', res.body.message);
  assert.equal(answer.id, id, res.body.message);
  return answer;
}

describe('@rocket.chat/sdk 1.0.0-alpha.42 (the mobile app)', () => {
  test('REST login, DDP resume with the authToken, license:getModules, the app\'s subscriptions', { timeout: 30_000 }, logged(server, async () => {
    const rc = new Rocketchat({ host: server.base, protocol: 'ddp', useSsl: false });
    try {
      await within(WAIT, rc.connect({}), 'sdk connect');
      // Rocketchat.login: POST /api/v1/login {user, password}, then DDP login {resume: authToken}.
      const ddpLogin = await within(WAIT, rc.login({ user: admin.username, password: admin.password }), 'sdk login');
      const rest = rc.currentLogin;
      assert.ok(rest && rest.authToken && rest.userId, `REST login left no credentials: ${JSON.stringify(rest)}`);
      assert.equal(rest.username, admin.username);
      assert.equal(ddpLogin.id, rest.userId, `DDP resume answered ${JSON.stringify(ddpLogin)}`);
      assert.equal(ddpLogin.token, rest.authToken, 'DDP resume must answer with the token it was given');
      assert.equal(typeof ddpLogin.tokenExpires?.$date, 'number', `tokenExpires must be {$date: ms}: ${JSON.stringify(ddpLogin)}`);

      const modules = await within(WAIT, rc.methodCall('license:getModules'), 'license:getModules');
      assert.ok(Array.isArray(modules), `license:getModules gave ${JSON.stringify(modules)}`);
      assert.ok(modules.includes('livechat-enterprise'), `license:getModules gave ${JSON.stringify(modules)}`);

      // What the app subscribes to after login; each sub resolves on its own `ready`.
      const all = await within(WAIT, rc.subscribeNotifyAll(), 'sdk subscribeNotifyAll');
      const mine = await within(WAIT, rc.subscribeNotifyUser(), 'sdk subscribeNotifyUser');
      for (const sub of [...all, ...mine]) {
        assert.ok(sub.id, `subscription ${sub.name} ${JSON.stringify(sub.params)} resolved without an id`);
      }
      assert.equal(mine[0].params[0], `${rest.userId}/message`);

      // REST with the headers the sdk set from the login.
      const me = await within(WAIT, rc.get('me'), 'sdk GET me');
      assert.equal(me.username, admin.username);
      assert.equal(me._id, rest.userId);
    } finally {
      await closeSdk(rc);
    }
  }));
});

describe('@rocket.chat/ddp-client 1.1.2 (the web app)', () => {
  test('password login (sha-256 digest) gives tokenExpires; REST works with the token; logout revokes it', { timeout: 30_000 }, logged(server, async () => {
    const sdk = await within(WAIT, DDPSDK.createAndConnect(server.base), 'ddp-client connect');
    try {
      // loginWithPassword sends {user:{username}, password:{digest: <its 2nd argument>,
      // algorithm:"sha-256"}}: the digest is ours to compute. It destructures
      // result.tokenExpires.$date, so it throws if the server leaves tokenExpires out.
      await within(WAIT, sdk.account.loginWithPassword(admin.username, sha256hex(admin.password)), 'loginWithPassword');
      const { user } = sdk.account;
      assert.ok(sdk.account.uid, 'no uid after login');
      assert.ok(user.token, 'no token after login');
      assert.ok(user.tokenExpires instanceof Date && !Number.isNaN(user.tokenExpires.getTime()),
        `tokenExpires is not a date: ${user.tokenExpires}`);
      assert.ok(user.tokenExpires.getTime() > Date.now() + 24 * 3600 * 1000,
        `tokenExpires ${user.tokenExpires.toISOString()} is not in the future (default 90 days)`);

      const modules = await within(WAIT, sdk.call('license:getModules'), 'license:getModules');
      assert.ok(modules.includes('livechat-enterprise'), JSON.stringify(modules));

      // The SDK's REST client sends X-User-Id/X-Auth-Token from the DDP login.
      const me = await within(WAIT, sdk.rest.get('/v1/me'), 'GET /v1/me');
      assert.equal(me.username, admin.username);
      assert.equal(me._id, sdk.account.uid);

      const auth = { userId: sdk.account.uid, authToken: user.token };
      await within(WAIT, sdk.account.logout(), 'logout');
      assert.equal(sdk.account.uid, undefined, 'uid still set after logout');
      const revoked = await server.request('GET', '/api/v1/me', { auth });
      assert.equal(revoked.status, 401, `GET /api/v1/me with the logged-out token: ${revoked.status} ${JSON.stringify(revoked.body)}`);
    } finally {
      await closeDDPSDK(sdk);
    }
  }));

  test('resume login with a REST token answers tokenExpires as EJSON {$date}', { timeout: 30_000 }, logged(server, async () => {
    const rest = await server.login(admin);
    const sdk = await within(WAIT, DDPSDK.createAndConnect(server.base), 'ddp-client connect');
    try {
      const result = await within(WAIT, sdk.account.loginWithToken(rest.authToken), 'loginWithToken');
      assert.equal(result.id, rest.userId);
      assert.equal(result.token, rest.authToken);
      assert.equal(typeof result.tokenExpires?.$date, 'number', `tokenExpires: ${JSON.stringify(result.tokenExpires)}`);
      assert.equal(result.type, 'resume');
      assert.equal(sdk.account.uid, rest.userId);
    } finally {
      await closeDDPSDK(sdk);
    }
  }));
});

describe('simpleddp 2.2.4', () => {
  test('digest login, stream subscriptions, public-settings-changed on a REST setting change', { timeout: 30_000 }, logged(server, async () => {
    const client = new SimpleDDP({
      endpoint: server.wsURL,
      SocketConstructor: RecordingWebSocket,
      autoReconnect: false,
      maxTimeout: WAIT,
    });
    const listeners = [];
    try {
      await within(WAIT, client.connect(), 'simpleddp connect');
      const login = await within(WAIT, client.call('login', {
        user: { username: admin.username },
        password: { digest: sha256hex(admin.password), algorithm: 'sha-256' },
      }), 'simpleddp login');
      assert.ok(login.id && login.token, JSON.stringify(login));
      assert.equal(login.type, 'password');
      assert.ok(login.tokenExpires instanceof Date, `tokenExpires (EJSON-decoded) is ${JSON.stringify(login.tokenExpires)}`);

      let onEvent;
      const event = new Promise((resolve) => { onEvent = resolve; });
      listeners.push(client.on('changed', (m) => {
        if (m.collection === 'stream-notify-all' && m.fields && m.fields.eventName === 'public-settings-changed' &&
            Array.isArray(m.fields.args) && m.fields.args[1] && m.fields.args[1]._id === 'Site_Name') {
          onEvent(m);
        }
      }));

      const settingsSub = client.subscribe('stream-notify-all', 'public-settings-changed', { useCollection: false, args: [] });
      const userSub = client.subscribe('stream-notify-user', `${login.id}/userData`, { useCollection: false, args: [] });
      const loggedSub = client.subscribe('stream-notify-logged', 'permissions-changed', { useCollection: false, args: [] });
      await within(WAIT, settingsSub.ready(), 'sub stream-notify-all public-settings-changed');
      await within(WAIT, userSub.ready(), `sub stream-notify-user ${login.id}/userData`);
      await within(WAIT, loggedSub.ready(), 'sub stream-notify-logged permissions-changed');

      const auth = await server.login(admin);
      const set = await server.request('POST', '/api/v1/settings/Site_Name', { body: { value: 'E2E Camp' }, auth });
      assert.equal(set.status, 200, `POST /api/v1/settings/Site_Name: ${JSON.stringify(set.body)}`);
      assert.equal(set.body.success, true);

      const m = await within(WAIT, event, 'the public-settings-changed event for Site_Name');
      const got = JSON.stringify(m);
      assert.equal(m.id, 'id', got);
      assert.equal(m.fields.args.length, 2, got);
      assert.equal(m.fields.args[0], 'updated', got);
      assert.equal(m.fields.args[1]._id, 'Site_Name', got);
      assert.equal(m.fields.args[1].value, 'E2E Camp', got);

      const pub = await server.request('GET', '/api/v1/settings.public?_id=Site_Name');
      assert.equal(pub.status, 200, JSON.stringify(pub.body));
      assert.deepEqual(pub.body.settings.map((s) => [s._id, s.value]), [['Site_Name', 'E2E Camp']]);
    } finally {
      for (const l of listeners) l.stop();
      await within(WAIT, client.disconnect(), 'simpleddp disconnect');
    }
  }));
});

describe('REST method.call bridge', () => {
  test('method.call/license:getModules with auth headers answers an EJSON result string', { timeout: 15_000 }, logged(server, async () => {
    const auth = await server.login(admin);
    const answer = await bridge('method.call', '42', 'license:getModules', [], auth);
    assert.equal(answer.error, undefined, JSON.stringify(answer));
    assert.ok(Array.isArray(answer.result) && answer.result.includes('livechat-enterprise'), JSON.stringify(answer));

    const anon = await server.request('POST', '/api/v1/method.call/license:getModules', {
      body: { message: methodMessage('43', 'license:getModules', []) },
    });
    assert.equal(anon.status, 401, `method.call without credentials: ${anon.status} ${JSON.stringify(anon.body)}`);
    assert.equal(anon.body.success, false);
  }));

  test('method.callAnon/login with a resume token logs in', { timeout: 15_000 }, logged(server, async () => {
    const rest = await server.login(bob);
    const answer = await bridge('method.callAnon', '7', 'login', [{ resume: rest.authToken }]);
    assert.equal(answer.error, undefined, JSON.stringify(answer));
    assert.equal(answer.result.id, rest.userId);
    assert.equal(answer.result.token, rest.authToken);
    assert.equal(typeof answer.result.tokenExpires?.$date, 'number', JSON.stringify(answer.result));
    assert.equal(answer.result.type, 'resume');
  }));

  test('method.callAnon/login with a wrong password: the 401 error inside a 200', { timeout: 15_000 }, logged(server, async () => {
    const answer = await bridge('method.callAnon', '8', 'login', [{
      user: { username: bob.username },
      password: { digest: sha256hex('not bob\'s password'), algorithm: 'sha-256' },
    }]);
    assert.equal(answer.result, undefined, JSON.stringify(answer));
    assert.equal(answer.error?.error, 401, JSON.stringify(answer));
    assert.equal(answer.error.reason, 'User not found');
    assert.equal(answer.error.errorType, 'Meteor.Error');
  }));
});

describe('failure paths', () => {
  test('DDP login with a wrong password or an unknown user: 401 User not found', { timeout: 15_000 }, logged(server, async () => {
    const sdk = await within(WAIT, DDPSDK.createAndConnect(server.base), 'ddp-client connect');
    try {
      for (const [username, password] of [[bob.username, 'wrong'], ['nobody-here', 'wrong']]) {
        const err = await within(WAIT, sdk.account.loginWithPassword(username, sha256hex(password)).then(
          (v) => assert.fail(`login as ${username} with a wrong password succeeded: ${JSON.stringify(v)}`),
          (e) => e,
        ), `login as ${username}`);
        assert.equal(err.error, 401, JSON.stringify(err));
        assert.equal(err.reason, 'User not found', JSON.stringify(err));
        assert.equal(sdk.account.uid, undefined);
      }
      // The connection is still usable after failed logins.
      await within(WAIT, sdk.account.loginWithPassword(bob.username, sha256hex(bob.password)), 'bob\'s login');
      assert.ok(sdk.account.uid);
    } finally {
      await closeDDPSDK(sdk);
    }
  }));

  test('anonymous subscription to stream-notify-logged is refused with nosub', { timeout: 15_000 }, logged(server, async () => {
    const sdk = await within(WAIT, DDPSDK.createAndConnect(server.base), 'ddp-client connect');
    try {
      let events = 0;
      const sub = sdk.stream('notify-logged', 'permissions-changed', () => { events++; });
      const err = await within(WAIT, sub.ready().then(
        () => assert.fail('an anonymous stream-notify-logged subscription became ready'),
        (e) => e,
      ), 'the refused subscription');
      assert.equal(err?.error, 'not-allowed', JSON.stringify(err));
      assert.equal(events, 0);
      sub.stop();

      // Anyone may read stream-notify-all, signed in or not.
      const open = sdk.stream('notify-all', 'public-settings-changed', () => {});
      await within(WAIT, open.ready(), 'anonymous stream-notify-all subscription');
      open.stop();
    } finally {
      await closeDDPSDK(sdk);
    }
  }));

  test('stream-notify-user events of another user are refused', { timeout: 15_000 }, logged(server, async () => {
    const adminId = (await server.login(admin)).userId;
    const sdk = await within(WAIT, DDPSDK.createAndConnect(server.base), 'ddp-client connect');
    try {
      await within(WAIT, sdk.account.loginWithPassword(bob.username, sha256hex(bob.password)), 'bob\'s login');
      const own = sdk.stream('notify-user', `${sdk.account.uid}/userData`, () => {});
      await within(WAIT, own.ready(), 'bob\'s own userData');
      const other = sdk.stream('notify-user', `${adminId}/userData`, () => {});
      const err = await within(WAIT, other.ready().then(
        () => assert.fail('bob subscribed to the admin\'s userData'),
        (e) => e,
      ), 'the refused subscription');
      assert.equal(err?.error, 'not-allowed', JSON.stringify(err));
      own.stop();
      other.stop();
    } finally {
      await closeDDPSDK(sdk);
    }
  }));
});

test('SIGTERM closes live WebSockets and the server exits 0', { timeout: 30_000 }, logged(server, async (t) => {
  assert.equal(server.exit, null, `outpost serve had already exited: ${JSON.stringify(server.exit)}`);
  const ws = new RecordingWebSocket(server.wsURL);
  const connected = new Promise((resolve) => {
    ws.on('message', (data) => {
      if (JSON.parse(String(data)).msg === 'connected') resolve();
    });
  });
  await within(WAIT, new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }), 'WebSocket open');
  ws.send(JSON.stringify({ msg: 'connect', version: '1', support: ['1'] }));
  await within(WAIT, connected, 'DDP connected');
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));

  const exit = await server.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `outpost serve exited with ${JSON.stringify(exit)}\n${server.log()}`);
  await within(WAIT, closed, 'the WebSocket closing on stop');
  const { buildMs, firstRunMs, startMs, stopMs } = server.timings;
  t.diagnostic(`go build ${buildMs} ms; first run (admin from ADMIN_*) start+stop ${firstRunMs} ms; ` +
    `start to /health ${startMs} ms; SIGTERM to exit ${stopMs} ms`);
}));
