'use strict';
// Headless Chromium for the browser suites: Debian's chromium (apt-get install chromium),
// driven by playwright-core, which never downloads a browser of its own. A missing
// chromium is a clear failure, never a skipped suite.
//
// A Watch follows one page: every request (failing on any host but 127.0.0.1, which it
// also aborts), the bytes each response took on the wire, console errors, uncaught
// errors and Content-Security-Policy violations.

const fs = require('node:fs');
const { chromium } = require('playwright-core');

/** CHROMIUM is the browser's path: $E2E_CHROMIUM, else Debian's /usr/bin/chromium. */
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';

// Without the background-networking flags Chromium tries Google's hosts at every start,
// which a closed network refuses; --no-sandbox because CI runs as root.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];

/**
 * launch starts one headless Chromium; every context the suite opens in it gets a fresh
 * profile (playwright-core's launch runs the browser on a new empty --user-data-dir in
 * the temp dir and removes it on close).
 */
async function launch() {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
  } catch {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's with ` +
      '`apt-get install -y --no-install-recommends chromium` (.ci/run does), or set E2E_CHROMIUM to a Chromium binary');
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 30_000 });
}

/** isLocal reports whether a URL stays on this machine's loopback (or in the page: data:, blob:, about:). */
function isLocal(u) {
  const url = new URL(u);
  if (['data:', 'blob:', 'about:'].includes(url.protocol)) return true;
  return url.hostname === '127.0.0.1';
}

// cspProbe runs in every document before its own scripts (CDP, so not subject to the
// page's CSP) and keeps the page's securitypolicyviolation events.
function cspProbe() {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile || ''}:${e.lineNumber || 0}`);
  });
}

/**
 * Watch collects what one page does. Call reset() before each navigation, settle()
 * after it, then read errors, external and transferred().
 */
class Watch {
  constructor(page) {
    this.page = page;
    this.external = []; // every URL off 127.0.0.1 ever asked for (aborted)
    this.reset();
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.errors.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.errors.push(`uncaught: ${err.message}`));
    page.on('request', (req) => {
      if (!isLocal(req.url())) this.external.push(req.url());
      if (req.resourceType() !== 'eventsource') this.pending.add(req);
    });
    const done = (req) => {
      this.pending.delete(req);
      this.finished.push(req);
    };
    page.on('requestfinished', done);
    page.on('requestfailed', (req) => {
      this.pending.delete(req);
      // A live stream, or a late request (the icon) cut by the next navigation, is no error.
      const why = req.failure()?.errorText;
      if (req.resourceType() !== 'eventsource' && why !== 'net::ERR_ABORTED') this.errors.push(`request failed: ${req.url()} ${why}`);
    });
  }

  /** reset forgets the previous navigation's requests and errors. */
  reset() {
    this.errors = [];
    this.finished = [];
    this.pending = new Set();
  }

  /** settle waits until no request but a live stream is in flight (at most ms). */
  async settle(ms = 5_000) {
    const deadline = Date.now() + ms;
    while (this.pending.size > 0) {
      if (Date.now() > deadline) {
        throw new Error(`requests still in flight after ${ms} ms: ${[...this.pending].map((r) => r.url()).join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * transferred sums what the finished requests took on the wire (headers + encoded
   * body): total for those content() does not claim, content for those it does.
   */
  async transferred(content = () => false) {
    let total = 0;
    let contentTotal = 0;
    const parts = [];
    for (const req of this.finished) {
      const s = await req.sizes();
      const n = s.responseHeadersSize + s.responseBodySize;
      const path = new URL(req.url()).pathname;
      if (content(path)) {
        contentTotal += n;
        parts.push(`${path} ${n} B (content)`);
      } else {
        total += n;
        parts.push(`${path} ${n} B`);
      }
    }
    return { total, content: contentTotal, parts };
  }

  /** cspViolations are the document's securitypolicyviolation events. */
  async cspViolations() {
    return this.page.evaluate(() => window.__cspViolations || ['the CSP probe did not run']);
  }
}

/**
 * guard makes a browser context abort every request off 127.0.0.1 (the Watch of each
 * page reports them) and run the CSP probe in every document. Routing also turns off
 * the HTTP cache, so every page load fetches, and weighs, all it uses.
 */
async function guard(context) {
  await context.addInitScript(cspProbe);
  await context.route('**/*', (route) => (isLocal(route.request().url()) ? route.continue() : route.abort('blockedbyclient')));
}

module.exports = { CHROMIUM, launch, guard, Watch, isLocal };
