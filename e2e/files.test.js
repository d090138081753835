'use strict';
// End-to-end uploads and downloads as the mobile app does them (issue 5): users signed in
// with @rocket.chat/sdk (REST login, then DDP login {resume}), a file sent with fetch and
// multipart FormData to rooms.media and posted with rooms.mediaConfirm (PROTOCOL.md §4.1
// E), the file message arriving live on stream-room-messages, the file read back from
// /file-upload with the auth headers, with ?rc_uid=&rc_token= (what the app appends to
// image URLs), and with a Range; a non-member refused; the older one-step rooms.upload.
// Its own server, like the other suites (node --test runs each file in its own process).

const assert = require('node:assert/strict');
const { after, before, describe, test } = require('node:test');
const { png } = require('./lib/png');

const { Outpost, admin, bob, carol, WAIT, within, logged, useRecordingWebSocket, closeSdk, collector } = require('./lib/outpost');

useRecordingWebSocket();

const { Rocketchat } = require('@rocket.chat/sdk');

const server = new Outpost();

let adminAuth;
let carolAuth;

before(async () => {
  await server.start();
  adminAuth = await server.login(admin);
  await server.createUser(adminAuth, carol);
  carolAuth = await server.login(carol);
}, { timeout: 300_000 });

after(() => server.finish());


// --- the HTTP the app does by hand (its sdk fork has no upload helper) ---

function authHeaders(auth) {
  return { 'X-User-Id': auth.userId, 'X-Auth-Token': auth.authToken };
}

/** upload POSTs a multipart form (fields first, then the file part "file"), as fetch and FormData send it. */
async function upload(route, auth, { bytes, name, type, fields = {} }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([bytes], { type }), name);
  const res = await fetch(`${server.base}/api/v1/${route}`, {
    method: 'POST', headers: authHeaders(auth), body: form, signal: AbortSignal.timeout(WAIT),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

/** download GETs a server path; resolves {status, headers, bytes}. */
async function download(path, headers = {}) {
  const res = await fetch(`${server.base}${path}`, { headers, signal: AbortSignal.timeout(WAIT) });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** sdkLogin signs in as the mobile app does: REST login, then DDP login {resume}. */
async function sdkLogin(user) {
  const rc = new Rocketchat({ host: server.base, protocol: 'ddp', useSsl: false });
  await within(WAIT, rc.connect({}), `sdk connect (${user.username})`);
  await within(WAIT, rc.login({ user: user.username, password: user.password }), `sdk login as ${user.username}`);
  const { userId, authToken } = rc.currentLogin;
  assert.ok(userId && authToken, `sdk login as ${user.username}: ${JSON.stringify(rc.currentLogin)}`);
  return { rc, auth: { userId, authToken } };
}

describe('uploads as the mobile app does them (@rocket.chat/sdk 1.0.0-alpha.42 and fetch)', () => {
  // The two-step flow runs in a private group: in a public channel every signed-in user
  // with view-c-room may read the room, and so its files (Rocket.Chat's
  // FileUpload.requestCanAccessFiles asks canAccessRoom), so only a private room shows a
  // non-member refused.
  test('rooms.media + rooms.mediaConfirm: the image message arrives live; its file reads back by header, by query and by range; a non-member is refused', { timeout: 30_000 }, logged(server, async () => {
    const a = await sdkLogin(admin);
    const b = await sdkLogin(bob);
    try {
      const { group } = await server.api('POST', 'groups.create', a.auth, { name: 'e2e-photos', members: [bob.username] });
      const rid = group._id;

      const messages = collector();
      const driver = await a.rc.socket;
      driver.onMessage((m) => messages.push(m));
      await within(WAIT, driver.subscribeRoom(rid), 'sdk subscribeRoom (admin)');

      const image = png(64, 48);
      const media = await upload(`rooms.media/${rid}`, b.auth, { bytes: image, name: 'camp map.png', type: 'image/png' });
      assert.equal(media.status, 200, JSON.stringify(media.body));
      assert.equal(media.body.success, true, JSON.stringify(media.body));
      const fileId = media.body.file._id;
      assert.match(fileId, /^[A-Za-z0-9]{17,}$/);
      assert.match(media.body.file.url, new RegExp(`/file-upload/${fileId}/camp%20map\\.png$`), media.body.file.url);

      // Until confirmed, the file is its uploader's alone.
      const early = await download(`/file-upload/${fileId}/camp%20map.png`, authHeaders(a.auth));
      assert.equal(early.status, 404, 'an unconfirmed upload was served to another member');

      const confirmed = await server.api('POST', `rooms.mediaConfirm/${rid}/${fileId}`, b.auth, { msg: '', description: 'where the tents go' });
      const sent = confirmed.message;
      assert.equal(sent.rid, rid);
      assert.equal(sent.u.username, bob.username);

      const got = await messages.waitFor((m) => m._id === sent._id, 'admin receiving the file message');
      assert.equal(got.file._id, fileId, JSON.stringify(got.file));
      assert.equal(got.file.name, 'camp map.png');
      assert.equal(got.file.type, 'image/png');
      assert.equal(got.file.size, image.length);
      assert.ok(Array.isArray(got.files) && got.files.length === 1 && got.files[0]._id === fileId, JSON.stringify(got.files));
      assert.equal(got.attachments.length, 1, JSON.stringify(got.attachments));
      const att = got.attachments[0];
      const link = `/file-upload/${fileId}/camp%20map.png`;
      assert.equal(att.type, 'file');
      assert.equal(att.title, 'camp map.png');
      assert.equal(att.title_link, link);
      assert.equal(att.title_link_download, true);
      assert.equal(att.image_url, link);
      assert.equal(att.image_type, 'image/png');
      assert.equal(att.image_size, image.length);
      assert.deepEqual(att.image_dimensions, { width: 64, height: 48 });
      assert.equal(typeof att.image_preview, 'string', JSON.stringify(att));
      assert.ok(att.image_preview.length > 0);
      assert.equal(att.description, 'where the tents go');

      // The admin reads it as the app loads images: with the auth headers...
      const byHeader = await download(att.image_url, authHeaders(a.auth));
      assert.equal(byHeader.status, 200);
      assert.ok(byHeader.bytes.equals(image), 'the downloaded bytes differ from the uploaded ones');
      assert.equal(byHeader.headers.get('content-type'), 'image/png');
      assert.equal(byHeader.headers.get('x-content-type-options'), 'nosniff');
      assert.match(byHeader.headers.get('content-disposition'), /^inline; filename=/);
      assert.ok(byHeader.headers.get('etag'), 'no ETag');
      // ...and with the credentials in the query, as it appends them to image URLs.
      const q = `?rc_uid=${encodeURIComponent(a.auth.userId)}&rc_token=${encodeURIComponent(a.auth.authToken)}`;
      const byQuery = await download(att.title_link + q);
      assert.equal(byQuery.status, 200);
      assert.ok(byQuery.bytes.equals(image), 'the bytes read with ?rc_uid=&rc_token= differ');
      // The name in the path is the browser's: the id alone picks the file.
      const otherName = await download(`/file-upload/${fileId}/renamed.png`, authHeaders(a.auth));
      assert.ok(otherName.bytes.equals(image));

      // A range: 206 with exactly that slice.
      const part = await download(att.title_link, { ...authHeaders(a.auth), Range: 'bytes=8-39' });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 8-39/${image.length}`);
      assert.ok(part.bytes.equals(image.subarray(8, 40)), 'the range is not the right slice');
      const tail = await download(att.title_link, { ...authHeaders(a.auth), Range: 'bytes=-12' });
      assert.equal(tail.status, 206);
      assert.ok(tail.bytes.equals(image.subarray(image.length - 12)), 'the suffix range is not the file\'s end');
      // A conditional request with its ETag.
      const again = await download(att.title_link, { ...authHeaders(a.auth), 'If-None-Match': byHeader.headers.get('etag') });
      assert.equal(again.status, 304);

      // carol is not in the group: refused by header and by query, and so is nobody.
      const carolHeader = await download(att.title_link, authHeaders(carolAuth));
      assert.ok([403, 404].includes(carolHeader.status), `non-member download: ${carolHeader.status}`);
      assert.equal(carolHeader.bytes.includes(image.subarray(0, 16)), false);
      const carolQuery = await download(`${att.title_link}?rc_uid=${carolAuth.userId}&rc_token=${carolAuth.authToken}`);
      assert.ok([403, 404].includes(carolQuery.status), `non-member download by query: ${carolQuery.status}`);
      const nobody = await download(att.title_link);
      assert.ok([401, 403].includes(nobody.status), `anonymous download: ${nobody.status}`);
      const forged = await download(`${att.title_link}?rc_uid=${a.auth.userId}&rc_token=not-the-token`);
      assert.ok([401, 403].includes(forged.status), `download with a wrong token: ${forged.status}`);
      // Nor may she upload to it.
      const intruder = await upload(`rooms.media/${rid}`, carolAuth, { bytes: image, name: 'x.png', type: 'image/png' });
      assert.equal(intruder.status, 403, JSON.stringify(intruder.body));
      assert.equal(intruder.body.success, false);

      // The history holds the same message.
      const history = await server.api('GET', `groups.history?roomId=${rid}&count=10`, a.auth);
      const inHistory = history.messages.find((m) => m._id === sent._id);
      assert.ok(inHistory, JSON.stringify(history.messages.map((m) => m._id)));
      assert.equal(inHistory.attachments[0].image_url, link);
    } finally {
      await closeSdk(a.rc);
      await closeSdk(b.rc);
    }
  }));

  test('rooms.upload (one step) in a channel with both; the message arrives with its caption; a bad room and a missing file are 4xx, never 500', { timeout: 30_000 }, logged(server, async () => {
    const a = await sdkLogin(admin);
    const b = await sdkLogin(bob);
    try {
      const { channel } = await server.api('POST', 'channels.create', a.auth, { name: 'e2e-files', members: [bob.username] });
      const rid = channel._id;
      const messages = collector();
      const driver = await a.rc.socket;
      driver.onMessage((m) => messages.push(m));
      await within(WAIT, driver.subscribeRoom(rid), 'sdk subscribeRoom (admin)');

      const text = Buffer.from('packing list\n- tent\n- stove\n- map\n', 'utf8');
      const res = await upload(`rooms.upload/${rid}`, b.auth, {
        bytes: text, name: 'list.txt', type: 'text/plain', fields: { msg: 'the list', description: 'for saturday' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const sent = res.body.message;
      assert.equal(sent.msg, 'the list');
      const got = await messages.waitFor((m) => m._id === sent._id, 'admin receiving the rooms.upload message');
      assert.equal(got.file.name, 'list.txt');
      assert.equal(got.file.size, text.length);
      const att = got.attachments[0];
      assert.equal(att.title, 'list.txt');
      assert.equal(att.description, 'for saturday');
      assert.equal(att.image_url, undefined, JSON.stringify(att));
      assert.equal(att.title_link, `/file-upload/${got.file._id}/list.txt`);

      const back = await download(att.title_link, authHeaders(a.auth));
      assert.equal(back.status, 200);
      assert.ok(back.bytes.equals(text));
      assert.match(back.headers.get('content-type'), /^text\/plain/);
      // ?download makes it an attachment.
      const asFile = await download(`${att.title_link}?download`, authHeaders(a.auth));
      assert.match(asFile.headers.get('content-disposition'), /^attachment; filename=/);
      // A public channel's files are readable by any signed-in user who may view the
      // channel (Rocket.Chat's canAccessRoom), carol included.
      const carolReads = await download(att.title_link, authHeaders(carolAuth));
      assert.equal(carolReads.status, 200);

      // Failure paths: an unknown room, no file part, an unknown file to confirm.
      const unknown = await upload('rooms.upload/NoSuchRoom0000000', b.auth, { bytes: text, name: 'a.txt', type: 'text/plain' });
      assert.ok(unknown.status >= 400 && unknown.status < 500, `unknown room: ${unknown.status}`);
      assert.equal(unknown.body.success, false);
      const form = new FormData();
      form.append('msg', 'no file here');
      const noFile = await fetch(`${server.base}/api/v1/rooms.media/${rid}`, {
        method: 'POST', headers: authHeaders(b.auth), body: form, signal: AbortSignal.timeout(WAIT),
      });
      const noFileBody = await noFile.json();
      assert.equal(noFile.status, 400, JSON.stringify(noFileBody));
      assert.equal(noFileBody.success, false);
      const bogus = await server.request('POST', `/api/v1/rooms.mediaConfirm/${rid}/NoSuchFile0000000`, { auth: b.auth, body: {} });
      assert.equal(bogus.status, 400, JSON.stringify(bogus.body));
      assert.equal(bogus.body.errorType, 'invalid-file');
      const missing = await download('/file-upload/NoSuchFile0000000/x.txt', authHeaders(a.auth));
      assert.equal(missing.status, 404);
    } finally {
      await closeSdk(a.rc);
      await closeSdk(b.rc);
    }
  }));
});
