'use strict';
// End-to-end chat between two and three users, driven by the npm client libraries the
// Rocket.Chat apps use (issue 4): channels, private groups and direct messages; messages
// arriving on stream-room-messages; unread counts and notifications; typing; threads;
// presence; and a removed member losing the room's events. Its own server, like
// outpost.test.js (node --test runs each file in its own process).

const assert = require('node:assert/strict');
const { after, before, describe, test } = require('node:test');

const { Outpost, admin, bob, carol, WAIT, sha256hex, within, logged, RecordingWebSocket, useRecordingWebSocket, closeDDPSDK, closeSdk, collector } = require('./lib/outpost');

useRecordingWebSocket();

const { Rocketchat } = require('@rocket.chat/sdk');
const { DDPSDK } = require('@rocket.chat/ddp-client');
const SimpleDDP = require('simpleddp');

const server = new Outpost();

let adminAuth;
let bobAuth;
let carolAuth;

before(async () => {
  await server.start();
  adminAuth = await server.login(admin);
  await server.createUser(adminAuth, carol);
  bobAuth = await server.login(bob);
  carolAuth = await server.login(carol);
}, { timeout: 300_000 });

after(() => server.finish());

/** subscriptionOf reads the user's subscription to the room. */
async function subscriptionOf(auth, rid) {
  const { subscription } = await server.api('GET', `subscriptions.getOne?roomId=${encodeURIComponent(rid)}`, auth);
  return subscription;
}

/** simple connects simpleddp and logs in as user with a password digest. */
async function simple(user) {
  const client = new SimpleDDP({ endpoint: server.wsURL, SocketConstructor: RecordingWebSocket, autoReconnect: false, maxTimeout: WAIT });
  await within(WAIT, client.connect(), 'simpleddp connect');
  const login = await within(WAIT, client.call('login', {
    user: { username: user.username },
    password: { digest: sha256hex(user.password), algorithm: 'sha-256' },
  }), `simpleddp login as ${user.username}`);
  return { client, uid: login.id };
}

describe('@rocket.chat/sdk 1.0.0-alpha.42 (the mobile app) in a channel', () => {
  test('a message reaches the other member live; a mention raises unread and notifies; reading clears it; reactions and edits arrive', { timeout: 30_000 }, logged(server, async () => {
    const { channel } = await server.api('POST', 'channels.create', adminAuth, { name: 'e2e-camp', members: [bob.username] });
    const rid = channel._id;
    assert.equal(channel.t, 'c');
    assert.equal(channel.name, 'e2e-camp');

    const rc = new Rocketchat({ host: server.base, protocol: 'ddp', useSsl: false });
    try {
      await within(WAIT, rc.connect({}), 'sdk connect');
      await within(WAIT, rc.login({ user: bob.username, password: bob.password }), 'sdk login as bob');
      const messages = collector();
      const notifications = collector();
      const driver = await rc.socket;
      driver.onMessage((m) => messages.push(m));
      driver.ddp.on('stream-notify-user', (m) => {
        if (m.fields.eventName.endsWith('/notification')) notifications.push(m.fields.args[0]);
      });
      await within(WAIT, driver.subscribeRoom(rid), 'sdk subscribeRoom');
      await within(WAIT, driver.subscribeNotifyUser(), 'sdk subscribeNotifyUser');

      const before = await subscriptionOf(bobAuth, rid);
      assert.equal(before.unread, 0, JSON.stringify(before));

      const sent = await server.api('POST', 'chat.sendMessage', adminAuth, { message: { rid, msg: 'hello camp' } });
      assert.equal(sent.message.msg, 'hello camp');
      assert.equal(sent.message.u.username, admin.username);
      const got = await messages.waitFor((m) => m._id === sent.message._id, 'bob receiving "hello camp"');
      assert.equal(got.rid, rid);
      assert.ok(got.ts instanceof Date && !Number.isNaN(got.ts.getTime()), `ts: ${got.ts}`);
      assert.ok(Array.isArray(got.md), `md: ${JSON.stringify(got.md)}`);

      // A plain message in a channel does not count as unread (Unread_Count); a mention does.
      assert.equal((await subscriptionOf(bobAuth, rid)).unread, 0);
      const mention = await server.api('POST', 'chat.sendMessage', adminAuth, { message: { rid, msg: `@${bob.username} the tents are up` } });
      await messages.waitFor((m) => m._id === mention.message._id, 'bob receiving the mention');
      assert.deepEqual(mention.message.mentions.map((x) => x.username), [bob.username]);
      const note = await notifications.waitFor((n) => n.payload && n.payload._id === mention.message._id, 'bob\'s notification');
      assert.equal(note.payload.rid, rid);
      assert.equal(note.payload.sender.username, admin.username);
      const unread = await subscriptionOf(bobAuth, rid);
      assert.equal(unread.unread, 1, JSON.stringify(unread));
      assert.equal(unread.userMentions, 1, JSON.stringify(unread));
      assert.equal(unread.alert, true, JSON.stringify(unread));

      await server.api('POST', 'subscriptions.read', bobAuth, { rid });
      const read = await subscriptionOf(bobAuth, rid);
      assert.equal(read.unread, 0, JSON.stringify(read));
      assert.equal(read.userMentions, 0, JSON.stringify(read));
      assert.equal(read.alert, false, JSON.stringify(read));

      // The sdk's own REST send (chat.sendMessage with its prepared message).
      const own = await within(WAIT, rc.sendMessage('from the phone', rid), 'sdk sendMessage');
      assert.equal(own.msg, 'from the phone');
      const history = await server.api('GET', `channels.history?roomId=${rid}&count=50`, adminAuth);
      assert.deepEqual(history.messages.slice(0, 3).map((m) => m.msg), ['from the phone', `@${bob.username} the tents are up`, 'hello camp']);

      // A reaction and an edit (the sdk's REST helpers) arrive as updates of the same message.
      await within(WAIT, rc.setReaction(':tent:', sent.message._id), 'sdk setReaction');
      const reacted = await messages.waitFor((m) => m._id === sent.message._id && m.reactions && m.reactions[':tent:'], 'the reaction arriving');
      assert.deepEqual(reacted.reactions[':tent:'].usernames, [bob.username]);
      await within(WAIT, rc.editMessage({ ...own, msg: 'from the phone (edited)' }), 'sdk editMessage');
      const edited = await messages.waitFor((m) => m._id === own._id && m.editedAt, 'the edit arriving');
      assert.equal(edited.msg, 'from the phone (edited)');
      assert.equal(edited.editedBy.username, bob.username);
    } finally {
      await closeSdk(rc);
    }
  }));
});

describe('@rocket.chat/ddp-client 1.1.2 (the web app) in a direct message', () => {
  test('createDirectMessage and sendMessage over DDP; every DM message counts as unread', { timeout: 30_000 }, logged(server, async () => {
    const a = await within(WAIT, DDPSDK.createAndConnect(server.base), 'ddp-client connect (admin)');
    const b = await within(WAIT, DDPSDK.createAndConnect(server.base), 'ddp-client connect (bob)');
    try {
      await within(WAIT, a.account.loginWithPassword(admin.username, sha256hex(admin.password)), 'admin login');
      await within(WAIT, b.account.loginWithPassword(bob.username, sha256hex(bob.password)), 'bob login');
      const dm = await within(WAIT, a.call('createDirectMessage', bob.username), 'createDirectMessage');
      assert.equal(dm.t, 'd', JSON.stringify(dm));
      const rid = dm.rid || dm._id;

      const received = collector();
      const subsChanged = collector();
      const roomSub = b.stream('room-messages', rid, (m) => received.push(m));
      const userSub = b.stream('notify-user', `${b.account.uid}/subscriptions-changed`, (action, sub) => subsChanged.push({ action, sub }));
      await within(WAIT, roomSub.ready(), 'bob subscribing to the DM');
      await within(WAIT, userSub.ready(), 'bob subscribing to subscriptions-changed');

      const msg = await within(WAIT, a.call('sendMessage', { _id: 'e2eDMmessage00001', rid, msg: 'psst, bob' }), 'sendMessage');
      assert.equal(msg._id, 'e2eDMmessage00001');
      const got = await received.waitFor((m) => m._id === 'e2eDMmessage00001', 'bob receiving the DM');
      assert.equal(got.msg, 'psst, bob');
      const changed = await subsChanged.waitFor((e) => e.sub && e.sub.rid === rid && e.sub.unread >= 1, 'bob\'s DM subscription changing');
      assert.equal(changed.action, 'updated');
      assert.equal((await subscriptionOf(bobAuth, rid)).unread, 1);

      // Reading over DDP clears it.
      await within(WAIT, b.call('readMessages', rid), 'readMessages');
      assert.equal((await subscriptionOf(bobAuth, rid)).unread, 0);
      roomSub.stop();
      userSub.stop();
    } finally {
      await closeDDPSDK(a);
      await closeDDPSDK(b);
    }
  }));
});

describe('simpleddp 2.2.4 with three users', () => {
  test('typing reaches the other members; a thread reply counts on its parent', { timeout: 30_000 }, logged(server, async () => {
    const { group } = await server.api('POST', 'groups.create', adminAuth, { name: 'e2e-trio', members: [bob.username, carol.username] });
    const rid = group._id;
    const b = await simple(bob);
    const c = await simple(carol);
    const listeners = [];
    try {
      const typing = collector();
      const carolMessages = collector();
      listeners.push(c.client.on('changed', (m) => {
        if (m.collection === 'stream-notify-room' && m.fields.eventName === `${rid}/user-activity`) typing.push(m.fields.args);
        if (m.collection === 'stream-room-messages' && m.fields.eventName === rid) carolMessages.push(m.fields.args[0]);
      }));
      const subs = [
        c.client.subscribe('stream-notify-room', `${rid}/user-activity`, { useCollection: false, args: [] }),
        c.client.subscribe('stream-room-messages', rid, { useCollection: false, args: [] }),
      ];
      for (const s of subs) await within(WAIT, s.ready(), 'carol subscribing');

      // The mobile app's typing call, with its trailing filler param.
      await within(WAIT, b.client.call('stream-notify-room', `${rid}/user-activity`, bob.username, ['user-typing'], {}, ''), 'bob typing');
      const args = await typing.waitFor((a) => a[0] === bob.username, 'carol seeing bob type');
      assert.deepEqual(args.slice(0, 2), [bob.username, ['user-typing']]);

      const parent = await within(WAIT, b.client.call('sendMessage', { rid, msg: 'who has the map?' }), 'bob sending');
      const reply = await within(WAIT, c.client.call('sendMessage', { rid, msg: 'I do', tmid: parent._id }), 'carol replying in the thread');
      assert.equal(reply.tmid, parent._id);
      await carolMessages.waitFor((m) => m._id === parent._id && m.tcount === 1, 'the parent arriving with tcount 1');
      const { message } = await server.api('GET', `chat.getMessage?msgId=${parent._id}`, adminAuth);
      assert.equal(message.tcount, 1, JSON.stringify(message));
      // Rocket.Chat lists the parent's author among a thread's replies (followers) too.
      assert.deepEqual([...message.replies].sort(), [b.uid, c.uid].sort(), JSON.stringify(message));
      const thread = await server.api('GET', `chat.getThreadMessages?tmid=${parent._id}`, bobAuth);
      assert.deepEqual(thread.messages.map((m) => m.msg), ['I do']);
    } finally {
      for (const l of listeners) l.stop();
      await within(WAIT, b.client.disconnect(), 'simpleddp disconnect').catch(() => {});
      await within(WAIT, c.client.disconnect(), 'simpleddp disconnect').catch(() => {});
    }
  }));

  test('a non-member cannot read a private group; a kicked member loses its events at once', { timeout: 30_000 }, logged(server, async () => {
    const { group } = await server.api('POST', 'groups.create', adminAuth, { name: 'e2e-private', members: [bob.username] });
    const rid = group._id;
    const c = await within(WAIT, DDPSDK.createAndConnect(server.base), 'ddp-client connect (carol)');
    const b = await simple(bob);
    const listeners = [];
    try {
      // carol is not a member: no history, no live messages.
      const history = await server.request('GET', `/api/v1/groups.history?roomId=${rid}`, { auth: carolAuth });
      assert.notEqual(history.status, 200, JSON.stringify(history.body));
      assert.equal(history.body.success, false);
      await within(WAIT, c.account.loginWithPassword(carol.username, sha256hex(carol.password)), 'carol\'s login');
      let leaked = 0;
      const refused = c.stream('room-messages', rid, () => { leaked++; });
      const err = await within(WAIT, refused.ready().then(() => null, (e) => e), 'carol\'s refused subscription');
      assert.equal(err?.error, 'not-allowed', `carol subscribed to a private group she is not in: ${JSON.stringify(err)}`);
      refused.stop();

      const bobMessages = collector();
      let stopped = false;
      listeners.push(b.client.on('changed', (m) => {
        if (m.collection === 'stream-room-messages' && m.fields.eventName === rid) bobMessages.push(m.fields.args[0]);
      }));
      listeners.push(b.client.on('nosub', () => { stopped = true; }));
      const sub = b.client.subscribe('stream-room-messages', rid, { useCollection: false, args: [] });
      await within(WAIT, sub.ready(), 'bob subscribing');
      const first = await server.api('POST', 'chat.sendMessage', adminAuth, { message: { rid, msg: 'before the kick' } });
      await bobMessages.waitFor((m) => m._id === first.message._id, 'bob receiving before the kick');

      await server.api('POST', 'groups.kick', adminAuth, { roomId: rid, userId: b.uid });
      const after = await server.api('POST', 'chat.sendMessage', adminAuth, { message: { rid, msg: 'after the kick' } });
      // The next message of the admin's own stream proves the server has moved past the kick.
      const a = await simple(admin);
      try {
        const adminSeen = collector();
        listeners.push(a.client.on('changed', (m) => {
          if (m.collection === 'stream-room-messages' && m.fields.eventName === rid) adminSeen.push(m.fields.args[0]);
        }));
        const s = a.client.subscribe('stream-room-messages', rid, { useCollection: false, args: [] });
        await within(WAIT, s.ready(), 'admin subscribing');
        const marker = await server.api('POST', 'chat.sendMessage', adminAuth, { message: { rid, msg: 'marker' } });
        await adminSeen.waitFor((m) => m._id === marker.message._id, 'the marker');
      } finally {
        await within(WAIT, a.client.disconnect(), 'simpleddp disconnect').catch(() => {});
      }
      assert.equal(bobMessages.seen.some((m) => m._id === after.message._id), false, 'bob received a message after being kicked');
      assert.equal(stopped, true, 'bob\'s room subscription was not stopped (nosub) by the kick');
      assert.equal(leaked, 0, 'carol received the private group\'s messages');
    } finally {
      for (const l of listeners) l.stop();
      await within(WAIT, b.client.disconnect(), 'simpleddp disconnect').catch(() => {});
      await closeDDPSDK(c);
    }
  }));

  test('presence: bob online while connected, offline after he leaves', { timeout: 30_000 }, logged(server, async () => {
    const a = await simple(admin);
    const listeners = [];
    try {
      const seen = collector();
      listeners.push(a.client.on('changed', (m) => {
        if (m.collection === 'stream-user-presence' && m.fields.uid === bobAuth.userId) seen.push(m.fields.args[0]);
      }));
      const watch = a.client.subscribe('stream-user-presence', '', { added: [bobAuth.userId] });
      await within(WAIT, watch.ready(), 'admin watching bob');
      const b = await simple(bob);
      await seen.waitFor((args) => args[0] === bob.username && args[1] === 1, 'bob online');
      const status = await server.api('GET', `users.presence?ids=${bobAuth.userId}`, adminAuth);
      assert.equal(status.users[0].status, 'online', JSON.stringify(status));
      await within(WAIT, b.client.disconnect(), 'bob disconnecting');
      await seen.waitFor((args) => args[1] === 0, 'bob going offline within 10 s', 10_000);
    } finally {
      for (const l of listeners) l.stop();
      await within(WAIT, a.client.disconnect(), 'simpleddp disconnect').catch(() => {});
    }
  }));
});
