'use strict';
// The admin console (issue 6) in real headless Chromium (Debian's chromium, driven by
// playwright-core): an admin signs in through the form, creates a user, changes a public
// setting (seen over REST and as a DDP public-settings-changed event), edits a permission
// in the matrix (seen in permissions.listAll), runs a backup and downloads it; then every
// page is opened at desktop (1280×800) and phone (390×844) size, light and dark, and for
// each: a full-page screenshot in artifacts/admin/, no request off 127.0.0.1, no console
// error or CSP violation, under 100 KB on the wire, no sideways scrolling on the phone, and
// axe-core's color-contrast rule (WCAG AA) without a violation; the 404 and 403 pages too.
// Last, the back button returns from a user to the filtered list. One browser for the
// whole file.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const SimpleDDP = require('simpleddp');

const { Outpost, admin, bob, WAIT, within, logged, RecordingWebSocket } = require('./lib/outpost');
const { CHROMIUM, launch, guard, Watch } = require('./lib/browser');
const { png } = require('./lib/png');

const server = new Outpost();
const ARTIFACTS = path.join(__dirname, 'artifacts', 'admin');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The issue's page weight: each page under 100 KB transferred, gzip. */
const MAX_PAGE_BYTES = 100 * 1024;
const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};
const SCHEMES = ['light', 'dark'];
const weights = {}; // bytes on the wire of each page, printed by the every-page test

const dave = { username: 'dave', name: 'Dave Camper', email: 'dave@example.com', password: 'e2e dave pass' };

let browser;
const ctx = {}; // desktop and phone: signed-in contexts, each with one page and its Watch
const seen = { rid: '', uploadId: '', daveId: '' };

before(async () => {
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  console.log(`admin screenshots: ${ARTIFACTS}`);
  browser = await launch(); // first: no chromium fails at once, before the build
  await server.start();
  console.log(`browser: ${CHROMIUM} ${browser.version()}`);
}, { timeout: 300_000 });

after(async () => {
  if (browser) await browser.close().catch(() => {});
  await server.finish();
});

/** open makes a guarded context of the viewport kind with one watched page. */
async function open(kind, storageState) {
  const context = await browser.newContext({ ...VIEWPORTS[kind], storageState, baseURL: server.base, acceptDownloads: true });
  context.setDefaultTimeout(WAIT);
  await guard(context);
  const page = await context.newPage();
  return { kind, context, page, watch: new Watch(page) };
}

/** go navigates, waits for every request but a live stream, and fails on errors so far. */
async function go(c, url) {
  c.watch.reset();
  const res = await c.page.goto(url, { waitUntil: 'load' });
  await c.watch.settle();
  assert.deepEqual(c.watch.errors, [], `${url}: errors in the browser`);
  return res;
}

/**
 * submit clicks a form's button and waits for the page it leads to (POST, 303, GET), or
 * for the form again with its message and status (Chromium logs a console error for a
 * page answered 4xx: only that status's is expected).
 */
async function submit(c, button, status = 200) {
  c.watch.reset();
  const [res] = await Promise.all([c.page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
  await c.watch.settle();
  assert.equal(res.status(), status, `after submitting to ${c.page.url()}`);
  const expected = `console error: Failed to load resource: the server responded with a status of ${status} `;
  assert.deepEqual(c.watch.errors.filter((e) => status === 200 || !e.startsWith(expected)), [],
    `after submitting to ${c.page.url()}: errors in the browser`);
}

/**
 * isUploadedFile tells an uploaded file's preview (user content, as heavy as the users
 * made it) from the page's own HTML, CSS, script and icon: the page weight counts the
 * latter; the former is reported beside it.
 */
function isUploadedFile(pathname) {
  return /^\/admin\/uploads\/[^/]+\/preview$/.test(pathname);
}

/** contrast runs axe-core's color-contrast rule (WCAG AA) and returns its violations, readable. */
async function contrast(page) {
  // page.evaluate runs over CDP, outside the page's CSP; page.addScriptTag would add an
  // inline <script>, which the console's CSP (rightly) refuses.
  await page.evaluate(`${AXE}\n;0`);
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast'] }, resultTypes: ['violations'] }));
  return result.violations.flatMap((v) => v.nodes.map((n) => `${n.target.join(' ')}: ${n.any.map((a) => a.message).join('; ')}`));
}

/**
 * inspect opens a page in context c in both colour schemes, screenshots it, and checks
 * what every page must meet. name names the screenshots: <name>-<kind>-<scheme>.png.
 */
async function inspect(c, name, url, status = 200, load = (u) => c.page.goto(u, { waitUntil: 'load' })) {
  const problems = [];
  const backgrounds = new Set();
  for (const scheme of SCHEMES) {
    await c.page.emulateMedia({ colorScheme: scheme });
    c.watch.reset();
    const res = await load(url);
    await c.watch.settle();
    const where = `${name} (${url}, ${c.kind}, ${scheme})`;
    assert.equal(res.status(), status, `${where}: status ${res.status()}`);
    const file = path.join(ARTIFACTS, `${name}-${c.kind}-${scheme}.png`);
    await c.page.screenshot({ path: file, fullPage: true });

    // Chromium logs a console error for a document answered 4xx: the expected status's is no problem.
    const expected = `console error: Failed to load resource: the server responded with a status of ${status} `;
    problems.push(...c.watch.errors.filter((e) => status === 200 || !e.startsWith(expected)).map((e) => `${where}: ${e}`));
    problems.push(...(await c.watch.cspViolations()).map((v) => `${where}: CSP violation: ${v}`));
    // The console gzips what is worth it: 1 KB and more.
    if (res.headers()['content-encoding'] !== 'gzip' && (await res.body()).length >= 1024) {
      problems.push(`${where}: the page was not sent gzipped`);
    }
    const { total, content, parts } = await c.watch.transferred(isUploadedFile);
    if (total > MAX_PAGE_BYTES) problems.push(`${where}: ${total} bytes transferred, over ${MAX_PAGE_BYTES}: ${parts.join(', ')}`);
    if (c.kind === 'phone') {
      // A phone widens its layout viewport to fit content that overflows (innerWidth
      // grows with it), so the page's width is held to the screen's.
      const screen = VIEWPORTS.phone.viewport.width;
      const { scrollWidth, innerWidth } = await c.page.evaluate(() => ({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth }));
      if (scrollWidth > screen || innerWidth > screen) {
        problems.push(`${where}: scrolls sideways: ${scrollWidth} px wide (window ${innerWidth} px) on a ${screen} px screen`);
      }
    }
    problems.push(...(await contrast(c.page)).map((v) => `${where}: contrast: ${v}`));
    backgrounds.add(await c.page.evaluate(() => getComputedStyle(document.body).backgroundColor));
    weights[`${name} ${c.kind}`] = content ? `${total} + ${content} of uploaded images` : total;
  }
  if (backgrounds.size !== SCHEMES.length) problems.push(`${name} (${url}, ${c.kind}): the same background in light and dark`);
  return problems;
}

/** firstLink is the href of the first link in the page's table body matching selector. */
async function firstLink(page, selector) {
  const href = await page.locator(selector).first().getAttribute('href');
  assert.ok(href, `no link ${selector} on ${page.url()}`);
  return href;
}

describe('the admin console in headless Chromium', () => {
  test('seed: a channel with a message and an uploaded image (REST)', { timeout: 30_000 }, logged(server, async () => {
    const auth = await server.login(admin);
    const created = await server.api('POST', 'channels.create', auth, { name: 'camp', members: [bob.username] });
    seen.rid = created.channel._id;
    await server.api('POST', 'chat.postMessage', auth, { roomId: seen.rid, text: 'Tents go up at six.' });
    const form = new FormData();
    form.append('file', new Blob([png(320, 200)], { type: 'image/png' }), 'camp map.png');
    const res = await fetch(`${server.base}/api/v1/rooms.media/${seen.rid}`, {
      method: 'POST', headers: { 'X-User-Id': auth.userId, 'X-Auth-Token': auth.authToken }, body: form, signal: AbortSignal.timeout(WAIT),
    });
    const media = await res.json();
    assert.equal(res.status, 200, JSON.stringify(media));
    seen.uploadId = media.file._id;
    await server.api('POST', `rooms.mediaConfirm/${seen.rid}/${seen.uploadId}`, auth, { msg: '', description: 'where the tents go' });
  }));

  test('the sign-in page, then signing in through the form', { timeout: 60_000 }, logged(server, async () => {
    const problems = [];
    for (const kind of Object.keys(VIEWPORTS)) {
      const anon = await open(kind);
      try {
        problems.push(...await inspect(anon, 'signin', '/admin/login'));
      } finally {
        await anon.context.close();
      }
    }
    assert.deepEqual(problems, []);

    const c = await open('desktop');
    ctx.desktop = c;
    await go(c, '/admin/');
    assert.match(c.page.url(), /\/admin\/login/, 'a visitor without a session is sent to sign in');
    // A wrong password first: the form comes back with the message.
    await c.page.fill('#user', admin.username);
    await c.page.fill('#password', 'not the password');
    await submit(c, c.page.locator('button[type=submit]'), 401);
    assert.match(await c.page.locator('#signin-error').innerText(), /./);
    await c.page.fill('#user', admin.username);
    await c.page.fill('#password', admin.password);
    await submit(c, c.page.locator('button[type=submit]'));
    assert.match(c.page.url(), /\/admin\/(dashboard)?$/, `after sign-in: ${c.page.url()}`);
    assert.equal(await c.page.locator('.who').innerText(), admin.username);
    const cookie = (await c.context.cookies()).find((k) => k.name === 'outpost_admin');
    assert.ok(cookie, 'no outpost_admin cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    ctx.phone = await open('phone', await c.context.storageState());
  }));

  test('the checks catch what they look for: low contrast, an inline script, a third-party request', { timeout: 30_000 }, logged(server, async () => {
    const c = ctx.desktop;
    await go(c, '/admin/dashboard');
    await c.page.evaluate(() => {
      const p = document.createElement('p');
      p.textContent = 'faint text';
      p.style.color = '#bbbbbb'; // CSSOM, which the CSP allows: 1.9:1 on white
      p.style.background = '#ffffff';
      document.querySelector('main').append(p);
      const s = document.createElement('script');
      s.textContent = 'window.inlineRan = true';
      document.body.append(s);
      const img = document.createElement('img');
      img.src = 'http://example.com/pixel.png';
      document.body.append(img);
    });
    const faint = await contrast(c.page);
    assert.equal(faint.length, 1, `axe found ${JSON.stringify(faint)}`);
    assert.equal(await c.page.evaluate(() => window.inlineRan), undefined, 'an inline script ran');
    await within(WAIT, (async () => {
      while ((await c.watch.cspViolations()).length < 2) await new Promise((r) => setTimeout(r, 20));
    })(), 'the CSP violations');
    const csp = await c.watch.cspViolations();
    assert.ok(csp.some((v) => v.startsWith('script-src-elem')), JSON.stringify(csp));
    assert.ok(csp.some((v) => v.startsWith('img-src blocked http://example.com/')), JSON.stringify(csp));
    assert.ok(c.watch.errors.some((e) => /Content Security Policy/.test(e)), `no console error: ${JSON.stringify(c.watch.errors)}`);
    // The CSP refused the image, and the Watch saw it asked for; what gets past the CSP
    // (a navigation) the guard aborts, and the Watch sees too.
    assert.deepEqual(c.watch.external, ['http://example.com/pixel.png']);
    c.watch.external.length = 0;
    const other = await c.context.newPage();
    try {
      const w = new Watch(other);
      await assert.rejects(other.goto('http://example.com/'), /ERR_BLOCKED_BY_CLIENT/);
      assert.deepEqual(w.external, ['http://example.com/']);
    } finally {
      await other.close();
    }
  }));

  test('creating a user, then finding it in the list', { timeout: 30_000 }, logged(server, async () => {
    const c = ctx.desktop;
    await go(c, '/admin/users');
    await Promise.all([c.page.waitForURL('**/admin/users/new'), c.page.click('a.button[href="/admin/users/new"]')]);
    await c.page.fill('#name', dave.name);
    await c.page.fill('#username', dave.username);
    await c.page.fill('#email', dave.email);
    await c.page.fill('#password', dave.password);
    await c.page.check('input[name=roles][value=user]');
    await c.page.check('input[name=verified]');
    await submit(c, c.page.locator('button[type=submit]', { hasText: 'Create user' }));
    const m = /\/admin\/users\/([^/?]+)\?done=created$/.exec(c.page.url());
    assert.ok(m, `after creating: ${c.page.url()}`);
    seen.daveId = decodeURIComponent(m[1]);
    assert.match(await c.page.locator('.flash').innerText(), /./);

    await go(c, `/admin/users?q=${dave.username}`);
    const row = c.page.locator('tbody tr', { hasText: dave.email });
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), new RegExp(dave.name));
    // And the new user signs in over REST.
    await server.login(dave);
  }));

  test('changing a public setting: settings.public and a DDP client see it', { timeout: 30_000 }, logged(server, async () => {
    const client = new SimpleDDP({ endpoint: server.wsURL, SocketConstructor: RecordingWebSocket, autoReconnect: false, maxTimeout: WAIT });
    try {
      await within(WAIT, client.connect(), 'simpleddp connect');
      let onEvent;
      const event = new Promise((resolve) => { onEvent = resolve; });
      client.on('changed', (m) => {
        const arg = m.collection === 'stream-notify-all' && m.fields && m.fields.eventName === 'public-settings-changed' && m.fields.args?.[1];
        if (arg && arg._id === 'Site_Name') onEvent(arg);
      });
      const sub = client.subscribe('stream-notify-all', 'public-settings-changed', { useCollection: false, args: [] });
      await within(WAIT, sub.ready(), 'anonymous sub stream-notify-all public-settings-changed');

      const c = ctx.desktop;
      await go(c, '/admin/settings');
      await Promise.all([c.page.waitForURL('**/admin/settings/Layout'), c.page.click('a[href="/admin/settings/Layout"]')]);
      const input = c.page.locator('#s-Site_Name-in');
      await input.fill('Camp Outpost');
      await submit(c, c.page.locator('form:has(#s-Site_Name-in) p > button[type=submit]'));
      assert.match(c.page.url(), /\/admin\/settings\/Layout\?done=saved#/, c.page.url());
      assert.equal(await c.page.locator('#s-Site_Name-in').inputValue(), 'Camp Outpost');

      const got = await within(WAIT, event, 'public-settings-changed for Site_Name');
      assert.equal(got.value, 'Camp Outpost');
      const pub = await server.request('GET', '/api/v1/settings.public?_id=Site_Name');
      assert.deepEqual(pub.body.settings.map((s) => [s._id, s.value]), [['Site_Name', 'Camp Outpost']]);
    } finally {
      await within(WAIT, client.disconnect(), 'simpleddp disconnect').catch(() => {});
    }
  }));

  test('granting a permission in the matrix: permissions.listAll shows it', { timeout: 30_000 }, logged(server, async () => {
    const perm = 'pin-message';
    const role = 'user';
    const auth = await server.login(admin);
    const rolesOf = async () => (await server.api('GET', 'permissions.listAll', auth)).update.find((p) => p._id === perm)?.roles;
    assert.ok(!(await rolesOf()).includes(role), `${perm} already has ${role}`);

    const c = ctx.desktop;
    await go(c, `/admin/permissions?q=${perm}`);
    const box = c.page.locator(`input[type=checkbox][name="p:${perm}"][value="${role}"]`);
    assert.equal(await box.isChecked(), false);
    await box.check();
    await submit(c, c.page.locator('.savebar button[type=submit]'));
    assert.match(c.page.url(), /\/admin\/permissions\?/, c.page.url());
    assert.equal(await c.page.locator(`input[type=checkbox][name="p:${perm}"][value="${role}"]`).isChecked(), true, 'the page again shows it unticked');
    assert.ok((await rolesOf()).includes(role), `permissions.listAll: ${perm} has ${JSON.stringify(await rolesOf())}`);
  }));

  test('running a backup, seeing it listed, downloading it', { timeout: 90_000 }, logged(server, async () => {
    const c = ctx.desktop;
    await go(c, '/admin/backups');
    await submit(c, c.page.locator('form[action="/admin/backups/run"] button'));
    // The page reloads itself (meta refresh) until the backup ends.
    const link = c.page.locator('tbody a[download]').first();
    await link.waitFor({ timeout: 60_000 });
    const name = await link.innerText();
    assert.match(name, /^outpost-.*\.tar\.gz$/);
    const [download] = await Promise.all([c.page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), name);
    const file = await download.path();
    const bytes = fs.readFileSync(file);
    assert.ok(bytes.length > 1024, `the backup is ${bytes.length} bytes`);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'the backup is not gzip');
  }));

  test('every page: screenshots, no third-party request, no console error, under 100 KB, phone width, AA contrast', { timeout: 240_000 }, logged(server, async () => {
    const d = ctx.desktop;
    await go(d, '/admin/rooms');
    const roomHref = `/admin/rooms/${encodeURIComponent(seen.rid)}`;
    assert.ok(await d.page.locator(`a[href="${roomHref}"]`).count() > 0, `the rooms list has no link to ${roomHref}`);
    await go(d, '/admin/uploads');
    const uploadHref = await firstLink(d.page, 'tbody a[href^="/admin/uploads/"]');
    const pages = [
      ['dashboard', '/admin/dashboard'],
      ['users', '/admin/users'],
      ['user', `/admin/users/${encodeURIComponent(seen.daveId)}`],
      ['user-new', '/admin/users/new'],
      ['rooms', '/admin/rooms'],
      ['room', roomHref],
      ['settings', '/admin/settings'],
      ['settings-group', '/admin/settings/Layout'],
      ['permissions', '/admin/permissions'],
      ['roles', '/admin/permissions/roles'],
      ['role', '/admin/permissions/roles/user'],
      ['uploads', '/admin/uploads'],
      ['upload', uploadHref],
      ['backups', '/admin/backups'],
      ['logs', '/admin/logs'],
      ['audit', '/admin/audit'],
    ];
    const problems = [];
    for (const [name, url] of pages) {
      for (const kind of Object.keys(VIEWPORTS)) {
        problems.push(...await inspect(ctx[kind], name, url));
      }
    }
    // The pages that refuse: an unknown user (404), and dave, who holds no administration
    // permission, signed in (403). (bob is an admin: `outpost admin create` made him.)
    for (const kind of Object.keys(VIEWPORTS)) {
      problems.push(...await inspect(ctx[kind], 'not-found', '/admin/users/no-such-user', 404));
    }
    // Signing in answers dave with the 403 page, and gives him no session.
    const signInAsDave = (c) => async () => {
      await c.page.goto('/admin/login', { waitUntil: 'load' });
      await c.page.fill('#user', dave.username);
      await c.page.fill('#password', dave.password);
      const [res] = await Promise.all([c.page.waitForNavigation({ waitUntil: 'load' }), c.page.click('button[type=submit]')]);
      return res;
    };
    for (const kind of Object.keys(VIEWPORTS)) {
      const d = await open(kind);
      try {
        problems.push(...await inspect(d, 'not-allowed', '/admin/login (as dave)', 403, signInAsDave(d)));
        assert.match(await d.page.locator('h1').innerText(), /Not allowed/);
        assert.deepEqual(d.watch.external, [], 'requests left 127.0.0.1');
      } finally {
        await d.context.close();
      }
    }
    const external = [...ctx.desktop.watch.external, ...ctx.phone.watch.external];
    assert.deepEqual(external, [], 'requests left 127.0.0.1');
    console.log(`page weights (bytes on the wire, gzip): ${Object.entries(weights).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    assert.deepEqual(problems, []);
  }));

  test('the back button: users filtered, a user, back to the filtered list', { timeout: 30_000 }, logged(server, async () => {
    const c = ctx.desktop;
    await c.page.emulateMedia({ colorScheme: 'light' });
    await go(c, '/admin/users');
    await c.page.fill('input[name=q]', dave.username);
    await submit(c, c.page.locator('form.filters button[type=submit]'));
    const filtered = c.page.url();
    assert.match(filtered, /\/admin\/users\?q=dave(&|$)/, filtered);
    await Promise.all([c.page.waitForURL(`**/admin/users/${seen.daveId}`), c.page.click(`a[href="/admin/users/${encodeURIComponent(seen.daveId)}"]`)]);
    await c.page.goBack({ waitUntil: 'load' });
    assert.equal(c.page.url(), filtered);
    assert.equal(await c.page.locator('input[name=q]').inputValue(), dave.username);
    assert.equal(await c.page.locator('tbody tr').count(), 1);
    await c.page.goForward({ waitUntil: 'load' });
    assert.match(c.page.url(), new RegExp(`/admin/users/${seen.daveId}$`));
  }));

  test('signing out ends the session', { timeout: 30_000 }, logged(server, async () => {
    const c = ctx.desktop;
    await go(c, '/admin/dashboard');
    await submit(c, c.page.locator('form.signout button'));
    assert.match(c.page.url(), /\/admin\/login/, c.page.url());
    await go(c, '/admin/users');
    assert.match(c.page.url(), /\/admin\/login/, 'the console still answered after signing out');
    assert.deepEqual([...ctx.desktop.watch.external, ...ctx.phone.watch.external], [], 'requests left 127.0.0.1');
  }));
});
