'use strict';
// The server under test: build ./cmd/outpost once, start it on a free loopback port over a
// fresh data directory with an admin (and a second user, bob), stop it with SIGTERM.
// Plus the small helpers every suite uses: bounded waits, REST calls, SHA-256 digests.

const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const WS = require('ws');

const repo = path.resolve(__dirname, '..', '..');

// The justfile's build tags, so the binary under test is the one `just build` ships.
const buildTags = 'ferretdb_no_postgresql';

const admin = { username: 'admin', password: 'e2e admin pass', email: 'admin@example.com' };
const bob = { username: 'bob', password: 'e2e bob pass', email: 'bob@example.com' };
// carol is created over REST by the suites that need a third user (createUser).
const carol = { username: 'carol', password: 'e2e carol pass', email: 'carol@example.com', name: 'Carol' };

/** WAIT bounds every single wait for the server or a client library. */
const WAIT = 5_000;

const READY_WITHIN_MS = 30_000;
const STOP_WITHIN_MS = 10_000;
const HTTP_TIMEOUT_MS = 5_000;

/** sha256hex is the password digest Meteor clients send: 64 lowercase hex characters. */
function sha256hex(s) {
  return crypto.createHash('sha256').update(s, 'utf8').digest('hex');
}

/** within rejects with "<what> did not finish within <ms> ms" unless promise settles first. */
function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** cleanEnv is this process's environment without Outpost's own variables. */
function cleanEnv(extra) {
  const env = { ...process.env };
  for (const k of ['PORT', 'ROOT_URL', 'MONGO_URL', 'OUTPOST_DATA', 'ADMIN_USERNAME', 'ADMIN_PASS', 'ADMIN_EMAIL']) {
    delete env[k];
  }
  return { ...env, ...extra };
}

class Outpost {
  constructor() {
    this.proc = null;
    this.exit = null; // {code, signal} once the process has exited
    this.exited = null; // promise of this.exit
    this.logLines = [];
    this.tmp = null;
    this.base = null;
    this.port = 0;
    this.timings = {};
  }

  /**
   * start builds the binary and starts `outpost serve` on an empty data directory with
   * ADMIN_* (which creates the admin), stops it, adds bob with `outpost admin create` (the
   * data directory lock forbids that while serving; once an admin exists ADMIN_* is ignored,
   * so bob cannot come first), and starts it again for the tests.
   */
  async start() {
    // Keep every path short: the data dir holds a Unix socket (mongo.sock), and socket
    // paths are limited to 108 bytes.
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ope-'));
    this.bin = path.join(this.tmp, 'outpost');
    this.dataDir = path.join(this.tmp, 'd');

    let t0 = Date.now();
    if (process.env.E2E_OUTPOST_BIN) {
      // A binary built beforehand (say, from another checkout) instead of this repository's.
      fs.copyFileSync(process.env.E2E_OUTPOST_BIN, this.bin);
      fs.chmodSync(this.bin, 0o755);
    } else {
      const build = spawnSync('go', ['build', '-tags', buildTags, '-o', this.bin, './cmd/outpost'], {
        cwd: repo,
        env: { ...process.env, CGO_ENABLED: '0' },
        encoding: 'utf8',
        timeout: 240_000,
      });
      if (build.error || build.status !== 0) {
        throw new Error(`go build failed (${build.error || `exit ${build.status}`}):\n${build.stdout}${build.stderr}`);
      }
    }
    this.timings.buildMs = Date.now() - t0;
    // Whatever happens to this test process, the server goes with it.
    process.once('exit', () => this.kill());
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.once(sig, () => {
        this.kill();
        process.kill(process.pid, sig);
      });
    }

    t0 = Date.now();
    await this.serve();
    const first = await this.stop();
    if (first.code !== 0) {
      throw new Error(`the first outpost serve (creating the admin) exited with ${JSON.stringify(first)}:\n${this.log()}`);
    }
    this.timings.firstRunMs = Date.now() - t0;

    const create = spawnSync(this.bin, ['admin', 'create', '-data', this.dataDir, '-username', bob.username,
      '-email', bob.email, '-password-stdin'], {
      input: `${bob.password}\n`, env: cleanEnv(), encoding: 'utf8', timeout: 30_000,
    });
    if (create.error || create.status !== 0) {
      throw new Error(`outpost admin create bob failed (${create.error || `exit ${create.status}`}):\n${create.stdout}${create.stderr}`);
    }

    t0 = Date.now();
    await this.serve();
    this.timings.startMs = Date.now() - t0;
  }

  /** serve starts `outpost serve` on a free port, with ADMIN_* as a service manager would pass them, and waits for /health. */
  async serve() {
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    this.exit = null;
    this.proc = spawn(this.bin, ['serve', '--listen', `127.0.0.1:${this.port}`, '--data', this.dataDir], {
      env: cleanEnv({ ADMIN_USERNAME: admin.username, ADMIN_PASS: admin.password, ADMIN_EMAIL: admin.email }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = this.proc;
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop();
        this.logLines.push(...lines);
      });
    }

    const deadline = Date.now() + READY_WITHIN_MS;
    for (;;) {
      if (this.exit) {
        throw new Error(`outpost serve exited (${JSON.stringify(this.exit)}) before /health answered:\n${this.log()}`);
      }
      try {
        const res = await fetch(`${this.base}/health`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        throw new Error(`/health did not answer 200 within ${READY_WITHIN_MS} ms:\n${this.log()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** stop sends SIGTERM and resolves with how the process exited (at most STOP_WITHIN_MS later). */
  async stop() {
    if (!this.proc) return null;
    if (this.exit) return this.exit;
    const t0 = Date.now();
    this.proc.kill('SIGTERM');
    const exit = await within(STOP_WITHIN_MS, this.exited, 'outpost serve stopping after SIGTERM');
    this.timings.stopMs = Date.now() - t0;
    return exit;
  }

  /** kill ends the process at once if it still runs (failure paths). */
  kill() {
    if (this.proc && !this.exit) {
      try { this.proc.kill('SIGKILL'); } catch { /* gone */ }
    }
  }

  /** cleanup kills the server if needed and removes the temp dir. */
  async cleanup() {
    if (this.proc && !this.exit) {
      this.kill();
      await within(STOP_WITHIN_MS, this.exited, 'outpost serve dying after SIGKILL').catch(() => {});
    }
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  /** log is the server's output so far (or since line `from`). */
  log(from = 0) {
    return this.logLines.slice(from).join('\n');
  }

  get wsURL() {
    return `ws://127.0.0.1:${this.port}/websocket`;
  }

  /** request does one REST call; body objects are sent as JSON. Resolves {status, body}. */
  async request(method, route, { body, headers = {}, auth } = {}) {
    const h = { ...headers };
    if (auth) {
      h['X-User-Id'] = auth.userId;
      h['X-Auth-Token'] = auth.authToken;
    }
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(`${this.base}${route}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const text = await res.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  }

  /** login signs in over REST and returns {userId, authToken}. */
  async login(user) {
    const { status, body } = await this.request('POST', '/api/v1/login', {
      body: { user: user.username, password: user.password },
    });
    if (status !== 200 || !body || body.status !== 'success' || !body.data || !body.data.authToken) {
      throw new Error(`POST /api/v1/login as ${user.username}: ${status} ${JSON.stringify(body)}`);
    }
    return { userId: body.data.userId, authToken: body.data.authToken };
  }

  /** api does a REST call under /api/v1 as auth, asserts success and resolves the body. */
  async api(method, route, auth, body) {
    const res = await this.request(method, `/api/v1/${route}`, { auth, body });
    assert.equal(res.status, 200, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(res.body.success, true, `${method} ${route}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** createUser creates user (verified) with users.create as the admin auth. */
  async createUser(adminAuth, user) {
    await this.api('POST', 'users.create', adminAuth,
      { username: user.username, email: user.email, password: user.password, name: user.name, verified: true });
  }

  /**
   * finish is every suite's `after`: stop the server (SIGTERM) if it still runs, remove
   * its temp dir, print frames or log on request (E2E_FRAMES=1, E2E_LOG=1), and end the
   * process 5 s later should a library still hold a timer or socket, rather than hang CI.
   */
  async finish() {
    await this.stop().catch(() => {});
    await this.cleanup();
    if (process.env.E2E_FRAMES) console.log(frames.map((f) => f.line).join('\n'));
    if (process.env.E2E_LOG) console.log(this.log());
    setTimeout(() => {
      console.error(`e2e: still running 5 s after the last test: ${process.getActiveResourcesInfo().join(', ')}`);
      process.exitCode = 1;
      process.exit();
    }, 5_000).unref();
  }
}

// Every DDP frame the client libraries exchange, for failure reports: a test that fails
// shows what the library sent and what the server answered.
const frames = [];

/**
 * RecordingWebSocket is the `ws` client, recording each frame. The libraries get it in
 * place of `ws` (simpleddp's SocketConstructor, ddp-client's global WebSocket, the sdk's
 * universal-websocket-client); it changes nothing else.
 */
class RecordingWebSocket extends WS {
  constructor(address, ...rest) {
    super(address, ...rest);
    const id = frames.filter((f) => f.open).length + 1;
    this._recId = id;
    frames.push({ open: true, line: `#${id} open ${address}` });
    this.on('message', (data) => frames.push({ line: `#${id} < ${String(data)}` }));
    this.on('close', (code, reason) => frames.push({ line: `#${id} closed ${code} ${String(reason)}` }));
  }

  send(data, ...rest) {
    frames.push({ line: `#${this._recId} > ${String(data)}` });
    return super.send(data, ...rest);
  }
}

/** useRecordingWebSocket makes the sdk's universal-websocket-client (plain `ws`) record too. */
function useRecordingWebSocket() {
  globalThis.WebSocket = RecordingWebSocket; // Node 20 has no global WebSocket; ddp-client needs one
  const id = require.resolve('universal-websocket-client', { paths: [require.resolve('@rocket.chat/sdk')] });
  require(id);
  require.cache[id].exports = RecordingWebSocket;
}

/**
 * logged wraps a test body: when it fails, the server's output and the DDP frames during
 * the test are added to the error, so CI shows both sides.
 */
function logged(server, fn) {
  return async (t) => {
    const from = server.logLines.length;
    const fromFrame = frames.length;
    try {
      await fn(t);
    } catch (err) {
      const log = server.log(from).trim();
      const ddp = frames.slice(fromFrame).map((f) => f.line).join('\n');
      const extra = `${ddp ? `\n--- DDP frames during this test ---\n${ddp}` : ''}` +
        `${log ? `\n--- outpost output during this test ---\n${log}` : ''}`;
      if (err instanceof Error) {
        err.message += extra;
        throw err;
      }
      // Libraries reject with plain Meteor error objects; make them readable.
      throw new Error(`rejected with ${JSON.stringify(err)}${extra}`);
    }
  };
}

/** closeDDPSDK closes a ddp-client SDK so that no timer or socket outlives the test. */
async function closeDDPSDK(sdk) {
  const ws = sdk.connection.ws;
  sdk.connection.close();
  if (ws && ws.readyState !== ws.CLOSED) {
    await within(WAIT, new Promise((resolve) => ws.once('close', resolve)), 'ddp-client socket closing').catch(() => {});
  }
  // Its heartbeat timers are only stopped on a 'disconnected' event, which close() skips.
  sdk.timeoutControl.stop();
}

/**
 * closeSdk disconnects a @rocket.chat/sdk client and stops its timers: disconnect() only
 * closes a socket it considers alive, and its reopen loop keeps running otherwise (say,
 * after the server went away mid-test).
 */
async function closeSdk(rc) {
  await within(WAIT, rc.disconnect(), 'sdk disconnect').catch(() => {});
  const driver = await rc.socket;
  const ddp = driver.ddp;
  clearInterval(ddp.reopenInterval);
  clearTimeout(ddp.openTimeout);
  clearTimeout(ddp.pingTimeout);
  if (ddp.connection) {
    ddp.connection.onclose = null;
    ddp.connection.terminate();
  }
}

/** collector keeps the values pushed to it; waitFor resolves with the first one pred accepts. */
function collector() {
  const seen = [];
  const waiters = [];
  return {
    seen,
    push(v) {
      seen.push(v);
      for (const w of [...waiters]) {
        if (w.pred(v)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(v);
        }
      }
    },
    waitFor(pred, what, ms = WAIT) {
      const hit = seen.find(pred);
      if (hit) return Promise.resolve(hit);
      return within(ms, new Promise((resolve) => waiters.push({ pred, resolve })), what);
    },
  };
}

module.exports = {
  frames, Outpost, admin, bob, carol, WAIT, sha256hex, within, logged, RecordingWebSocket, useRecordingWebSocket,
  closeDDPSDK, closeSdk, collector,
};
