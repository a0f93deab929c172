// End-to-end browser tests for Jiceng.
//
// Starts `$JICENG_BIN demo --scale 0.05` on a free port in a temp dir, drives
// Chromium (playwright-core, system /usr/bin/chromium) through the flows
// below, prints `ok - <step>` / `not ok - <step>: <error>` per step, saves a
// full-page screenshot per step into target/browser/<step>.png, and exits 1
// if any step failed. Run through ./run.sh.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(HERE, process.env.JICENG_BIN || '../../target/debug/jiceng');
const SHOTS = path.resolve(HERE, '../../target/browser');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PASSWORD = 'Jiceng@2026';
const HEALTH_TIMEOUT_MS = 120_000;

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };

const MASKED_ID = /^\d{6}\*{8}[\dX]{4}$/;
const FULL_ID = /^\d{17}[\dX]$/;
const FULL_ID_ANYWHERE = /\d{17}[\dX]/;
const FULL_PHONE_ANYWHERE = /(?<!\d)1\d{10}(?!\d)/;

// ---------------------------------------------------------------- server --

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Server {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jiceng-e2e-'));
    this.logPath = path.join(this.dir, 'server.log');
    this.child = null;
    this.exited = null;
  }

  async start() {
    assert.ok(fs.existsSync(BIN), `jiceng binary not found at ${BIN} (set JICENG_BIN or run cargo build -p jiceng)`);
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    // A hermetic environment: no JICENG_* settings (data key, database URL,
    // listen address …) leak in from the caller; the demo creates ./data.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('JICENG_')),
    );
    const log = fs.openSync(this.logPath, 'a');
    this.child = spawn(BIN, ['demo', '--scale', '0.05', '--listen', `127.0.0.1:${this.port}`], {
      cwd: this.dir, env, stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.exitPromise = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => { this.exited = { code, signal }; resolve(); });
      this.child.on('error', (err) => { this.exited = { error: err }; resolve(); });
    });

    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    for (;;) {
      if (this.exited) {
        throw new Error(`jiceng exited before becoming healthy (${JSON.stringify(this.exited)}):\n${this.logTail()}`);
      }
      try {
        const res = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        throw new Error(`GET /healthz did not return 200 within ${HEALTH_TIMEOUT_MS / 1000} s:\n${this.logTail()}`);
      }
      await sleep(250);
    }
  }

  logTail(lines = 30) {
    try {
      return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch { return '(no server log)'; }
  }

  async stop() {
    if (this.child && !this.exited) {
      this.child.kill('SIGTERM');
      await Promise.race([this.exitPromise, sleep(5000)]);
      if (!this.exited) {
        this.child.kill('SIGKILL');
        await Promise.race([this.exitPromise, sleep(5000)]);
      }
    }
    try {
      fs.mkdirSync(SHOTS, { recursive: true });
      fs.copyFileSync(this.logPath, path.join(SHOTS, 'server.log'));
    } catch { /* best effort */ }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// --------------------------------------------------------------- helpers --

const server = new Server();
let browser;
const url = (p) => server.base + p;

async function newContext(viewport = DESKTOP) {
  // The app negotiates the language from Accept-Language; its users are
  // Chinese, so browse as a zh-CN browser (the app's default language).
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN' });
  ctx.setDefaultTimeout(15_000);
  ctx.setDefaultNavigationTimeout(30_000);
  return ctx;
}

async function login(ctx, loginName, password = PASSWORD) {
  const page = await ctx.newPage();
  await page.goto(url('/login'));
  await page.locator('input[name="login"]').fill(loginName);
  await page.locator('input[name="password"]').fill(password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/home'),
    page.locator('button[type="submit"]').click(),
  ]);
  return page;
}

// Lazily created, shared signed-in sessions (so any step can run even if an
// earlier one failed before logging in).
const sessions = {};
async function session(name, loginName, viewport) {
  if (!sessions[name]) {
    const ctx = await newContext(viewport);
    const page = await login(ctx, loginName);
    sessions[name] = { ctx, page };
  }
  return sessions[name];
}
const wangge = () => session('wangge', 'wangge', PHONE);
const admin = () => session('admin', 'admin', DESKTOP);

// Click a link and wait until the browser is at its href.
async function follow(page, link) {
  await link.waitFor();
  const href = await link.getAttribute('href');
  assert.ok(href, 'link has no href');
  const target = new URL(href, page.url());
  await Promise.all([
    page.waitForURL((u) => u.pathname === target.pathname && u.search === target.search),
    link.click(),
  ]);
  return href;
}

async function getJson(ctx, p) {
  const res = await ctx.request.get(url(p), { headers: { accept: 'application/json' } });
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: res.status(), body };
}

// Data rows of a table (rows that have <td> cells).
const dataRows = (page, table) => page.locator(`${table} tr:has(td)`);

async function columnIndex(page, table, headerRe) {
  const headers = await page.locator(`${table} tr th`).allInnerTexts();
  const i = headers.findIndex((h) => headerRe.test(h.trim()));
  assert.ok(i >= 0, `${table} has no column matching ${headerRe} (headers: ${JSON.stringify(headers)})`);
  return i;
}

// Strict equality with a message that names the thing and shows both values.
function eq(actual, expected, what) {
  assert.equal(actual, expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function h1(page) {
  return (await page.locator('h1').first().innerText()).trim();
}

// ----------------------------------------------------------------- steps --

const shared = {};

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

step('grid-worker-masked', async (show) => {
  const { page } = await wangge();
  show(page);
  await page.goto(url('/org'));
  assert.match(new URL(page.url()).pathname, /^\/org\/\d+$/, '/org should redirect to the own unit page');
  eq(await h1(page), '和平社区第1网格', `h1 of wangge's /org (${page.url()})`);
  eq((await page.locator('#unit-code').innerText()).trim(), '150302001002001', `#unit-code of wangge's /org`);
  assert.ok(await page.locator('svg.map').first().isVisible(), 'grid page has no visible svg.map');
  const gridId = new URL(page.url()).pathname.split('/').pop();
  shared.wanggeGridId = gridId;

  await follow(page, page.locator(`a[href="/residents?unit=${gridId}"]`).first());
  const rows = dataRows(page, '#residents');
  const n = await rows.count();
  assert.ok(n >= 1, '#residents has no rows');
  const idCol = await columnIndex(page, '#residents', /^(身份证号|ID number)/i);
  for (let r = 0; r < n; r++) {
    const cells = (await rows.nth(r).locator('td').allInnerTexts()).map((c) => c.trim());
    assert.match(cells[idCol], MASKED_ID, `row ${r + 1}: ID cell is not masked`);
    for (const c of cells) {
      assert.doesNotMatch(c, FULL_ID_ANYWHERE, `row ${r + 1}: a cell shows a full ID number: ${c}`);
      assert.doesNotMatch(c, FULL_PHONE_ANYWHERE, `row ${r + 1}: a cell shows a full phone number: ${c}`);
    }
  }
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  }));
  eq(innerWidth, PHONE.width, 'window.innerWidth');
  assert.ok(scrollWidth <= PHONE.width + 1,
    `residents page scrolls horizontally on a ${PHONE.width} px phone: scrollWidth = ${scrollWidth}`);
});

step('grid-worker-other-grid-denied', async (show) => {
  const a = await admin();
  const unit = await getJson(a.ctx, '/api/v1/units/by-code/150302001002002');
  assert.equal(unit.status, 200, `admin GET unit by code: ${JSON.stringify(unit.body)}`);
  eq(unit.body.code, '150302001002002', 'code of /api/v1/units/by-code/150302001002002');
  const list = await getJson(a.ctx, `/api/v1/units/${unit.body.id}/residents?limit=5`);
  assert.equal(list.status, 200, `admin GET residents of grid 2: ${JSON.stringify(list.body)}`);
  assert.ok(list.body.items?.length >= 1, `grid 150302001002002 has no residents (total ${list.body.total})`);
  const residentId = list.body.items[0].id;

  const w = await wangge();
  show(w.page);
  const res = await w.page.goto(url(`/residents/${residentId}`));
  assert.equal(res.status(), 404, `wangge opened resident ${residentId} of another grid: HTTP ${res.status()}`);
  eq(await h1(w.page), '未找到', `h1 of wangge's /residents/${residentId}`);
  const body = await w.page.locator('body').innerText();
  assert.doesNotMatch(body, new RegExp(list.body.items[0].name), 'the 404 page shows the resident\'s name');

  const api = await getJson(w.ctx, `/api/v1/residents/${residentId}`);
  assert.equal(api.status, 404, `wangge GET /api/v1/residents/${residentId}: HTTP ${api.status} ${JSON.stringify(api.body)}`);
  assert.equal(api.body?.code, 'not_found', `API error body: ${JSON.stringify(api.body)}`);
});

step('grid-worker-reveal-audited', async (show) => {
  const { page } = await wangge();
  show(page);
  const gridId = shared.wanggeGridId
    ?? (await getJson((await wangge()).ctx, '/api/v1/units/by-code/150302001002001')).body.id;
  await page.goto(url(`/residents?unit=${gridId}`));
  await follow(page, page.locator('#residents a[href^="/residents/"]').first());
  const masked = (await page.locator('#id-number').innerText()).trim();
  assert.match(masked, MASKED_ID, 'resident page shows an unmasked ID before reveal');

  const reason = page.locator('form:has(#reveal) input[name="reason"]');
  if (await reason.count()) await reason.fill('入户走访核实');
  const residentPath = new URL(page.url()).pathname;
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith(residentPath)),
    page.locator('#reveal').click(),
  ]);
  await page.waitForLoadState('load');
  await page.locator('.ok').first().waitFor({ timeout: 10_000 }).catch(async () => {
    throw new Error(`no .ok notice after clicking #reveal (at ${page.url()}, h1 "${await h1(page).catch(() => '')}")`);
  });
  const full = (await page.locator('#id-number').innerText()).trim();
  assert.equal(full.length, 18, `#id-number after reveal is "${full}" (${full.length} characters)`);
  assert.match(full, FULL_ID);
  assert.ok(full.slice(0, 6) === masked.slice(0, 6) && full.slice(-4) === masked.slice(-4),
    `revealed ID ${full} does not match the masked one ${masked}`);

  const a = await admin();
  show(a.page);
  await a.page.goto(url('/audit?action=people.reveal'));
  const auditText = await a.page.locator('#audit').innerText();
  assert.ok(await dataRows(a.page, '#audit').count() >= 1, '#audit (action=people.reveal) has no rows');
  assert.match(auditText, /wangge/, `#audit (action=people.reveal) has no entry by wangge:\n${auditText.slice(0, 500)}`);
});

step('admin-drills-to-household', async (show) => {
  const { page } = await admin();
  show(page);
  await page.setViewportSize(DESKTOP);
  await page.goto(url('/org'));
  assert.match(new URL(page.url()).pathname, /^\/org\/\d+$/);
  eq(await h1(page), '海勃湾区', `h1 of admin's /org (${page.url()})`);
  eq((await page.locator('#unit-code').innerText()).trim(), '150302', `#unit-code of admin's /org`);

  const byName = (name) => page.locator('#children a').filter({ hasText: new RegExp(`^\\s*${name}\\s*$`) }).first();
  const first = () => page.locator('#children a[href^="/org/"]').first();

  for (const [label, link] of [
    ['凤凰岭街道', () => byName('凤凰岭街道')],
    ['和平社区', () => byName('和平社区')],
    ['first grid', first],
    ['first estate', first],
    ['first building', first],
    ['first unit (单元)', first],
  ]) {
    const l = link();
    const text = (await l.innerText().catch(() => '')).trim();
    try {
      await follow(page, l);
    } catch (e) {
      throw new Error(`could not open ${label} from ${page.url()}: ${e.message.split('\n')[0]}`);
    }
    eq(await h1(page), text, `h1 after clicking ${label} "${text}" (${page.url()})`);
  }
  assert.ok(await page.locator('#households').count(), `unit page ${page.url()} has no #households table`);
  await follow(page, page.locator('#households a[href^="/households/"]').first());
  assert.match(page.url(), /\/households\/\d+$/);
  const members = await dataRows(page, '#members').count();
  assert.ok(members >= 1, '#members has no rows');
});

step('login-wrong-password', async (show) => {
  // A fresh, signed-out context (left open until the browser closes, so the
  // page can be screenshotted).
  const ctx = await newContext(DESKTOP);
  const page = await ctx.newPage();
  show(page);
  await page.goto(url('/login'));
  await page.locator('input[name="login"]').fill('admin');
  await page.locator('input[name="password"]').fill('wrong-password');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
    page.locator('button[type="submit"]').click(),
  ]);
  await page.waitForLoadState('load');
  assert.equal(res.status(), 401, `POST /login with a wrong password: HTTP ${res.status()}`);
  eq(new URL(page.url()).pathname, '/login', 'path after a failed login');
  const err = page.locator('.error');
  await err.first().waitFor();
  assert.match(await err.first().innerText(), /用户名或密码错误/);
  eq(await page.locator('input[name="password"]').inputValue(), '', 'password field after a failed login');
  // Still signed out.
  const home = await ctx.request.get(url('/home'), { maxRedirects: 0 });
  assert.notEqual(home.status(), 200, 'after a failed login /home is reachable');
});

// Submit and wait for the page the form leads to.
async function submitForm(page, form) {
  await form.waitFor();
  await Promise.all([page.waitForNavigation(), form.locator('button').first().click()]);
}

async function act(page, caseId, action) {
  await page.goto(url(`/cases/${caseId}`));
  const form = page.locator(`form[data-action="${action}"]`);
  return form;
}

step('appeal-from-phone-to-rating', async (show) => {
  const jumin = await session('jumin', 'jumin', PHONE);
  const { ctx: adminCtx } = await admin();
  const grid = (await getJson(adminCtx, '/api/v1/units/by-code/150302001002001')).body;
  const ratesBefore = (await getJson(adminCtx, `/api/v1/appeals/rates?unit_id=${grid.id}`)).body.total.counts;

  // A resident on a 360 px phone reports a leak from home.
  const p = jumin.page;
  show(p);
  await p.goto(url('/report'));
  await p.locator('select[name="category"]').selectOption('0103');
  await p.locator('textarea[name="description"]').fill('楼下供水管道漏水，地面积水');
  eq(await p.locator('input[name="place"][value="mine"]').isChecked(), true, 'home is the default place');
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 361, `report page scrolls sideways at 360 px (${width})`);
  await submitForm(p, p.locator('#report-form'));
  const number = (await p.locator('#case-number').innerText()).trim();
  assert.match(number, /^\d{6}-\d{4}$/, 'a number to read out on the phone');
  const caseLink = await p.locator('a[href^="/cases/"]').first().getAttribute('href');
  const caseId = caseLink.split('/').pop();

  // The grid worker accepts it and dispatches it as the category suggests.
  const g = (await wangge()).page;
  show(g);
  await g.goto(url('/inbox'));
  assert.ok(await g.locator(`a:has-text("${number}")`).count() > 0, 'the new case is in the grid worker\'s inbox');
  await submitForm(g, await act(g, caseId, 'accept'));
  await submitForm(g, await act(g, caseId, 'dispatch'));
  eq((await g.locator('#case-status').innerText()).trim(), '已派遣', 'status after dispatch');

  // The water bureau's handler signs for it and reports the result.
  const b = (await session('bumen', 'bumen', DESKTOP)).page;
  show(b);
  await submitForm(b, await act(b, caseId, 'sign'));
  const fb = await act(b, caseId, 'feedback');
  await fb.locator('textarea[name="note"]').fill('已关闭阀门并更换破损管段，恢复供水');
  await submitForm(b, fb);
  eq((await b.locator('#case-status').innerText()).trim(), '已反馈待核查', 'status after feedback');

  // The grid worker checks on site and closes it.
  await submitForm(g, await act(g, caseId, 'verify'));
  await submitForm(g, await act(g, caseId, 'close'));
  eq((await g.locator('#case-status').innerText()).trim(), '已结案', 'status after close');

  // The resident sees the result and rates it.
  await p.goto(url('/my/cases'));
  assert.ok(await p.locator(`a:has-text("${number}")`).count() > 0, 'the case is in my cases');
  const rate = await act(p, caseId, 'rate');
  assert.match(await p.locator('#case-result').innerText(), /更换破损管段/);
  await rate.locator('input[name="satisfaction"][value="satisfied"]').check();
  await submitForm(p, rate);
  assert.match(await p.locator('#case-rating').innerText(), /满意/);

  // The grid's rates now count the case.
  const after = (await getJson(adminCtx, `/api/v1/appeals/rates?unit_id=${grid.id}`)).body.total.counts;
  eq(after.total, ratesBefore.total + 1, 'cases counted');
  eq(after.closed, ratesBefore.closed + 1, 'closed counted');
  eq(after.rated, ratesBefore.rated + 1, 'ratings counted');
  eq(after.satisfied, ratesBefore.satisfied + 1, 'satisfied counted');
});

step('community-records-and-closes-a-resolution', async (show) => {
  const { page: p } = await session('shequ', 'shequ', DESKTOP);
  show(p);
  // The community secretary opens her community's joint meeting.
  await p.goto(url('/joint-meetings'));
  await follow(p, p.locator('a[href^="/joint-meetings/"]', { hasText: '和平社区' }).first());
  const body = p.url();
  // She refers a matter with an owner and a deadline.
  const title = `楼道堆物清理-${Date.now() % 100000}`;
  const form = p.locator('form[action$="/resolutions"]');
  await form.locator('input[name="title"]').fill(title);
  await form.locator('input[name="owner"]').fill('阳光物业服务有限公司');
  const deadline = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
  await form.locator('input[name="deadline"]').fill(deadline);
  await submitForm(p, form);
  await p.goto(body);
  const row = p.locator('#open-resolutions tr', { hasText: title });
  eq(await row.count(), 1, 'the resolution is open');
  // Later she marks it done, with a note.
  const status = row.locator('form[action$="/status"]');
  await status.locator('select[name="status"]').selectOption('done');
  await status.locator('input[name="note"]').fill('已组织物业清理完毕，居民代表验收');
  await submitForm(p, status);
  await p.goto(body);
  eq(await p.locator('#open-resolutions tr', { hasText: title }).count(), 0, 'no longer open');
  assert.match(await p.locator('body').innerText(), new RegExp(title), 'still listed with its history');
});

step('lists-need-matched-to-party-service', async (show) => {
  // A party member's service (党员服务清单) in 和平社区 with room left.
  const shequ = await session('shequ', 'shequ', DESKTOP);
  const resources = (await getJson(shequ.ctx, '/api/v1/resources')).body.items;
  const service = resources
    .filter((r) => r.source === 'commitment' && r.path.startsWith('/150302/150302001/150302001002/'))
    .sort((a, b) => (b.capacity - b.used) - (a.capacity - a.used))[0];
  assert.ok(service && service.capacity - service.used > 0, 'a party member\'s service with room in 和平社区');

  // The grid worker records a need on a 360 px phone, in the service's time.
  const g = (await wangge()).page;
  show(g);
  await g.goto(url('/lists/needs/new'));
  const title = `独居老人服务需求-${Date.now() % 100000}`;
  const form = g.locator('#need-form');
  await form.locator('input[name="title"]').fill(title);
  await form.locator('select[name="category"]').selectOption(service.category);
  await form.locator('input[name="beneficiary"]').fill('独居老人');
  await form.locator('input[name="quantity"]').fill('1');
  await form.locator('input[name="urgency"]').fill('5');
  for (const d of service.week.weekdays) await form.locator(`input[name="wd${d}"]`).check();
  await form.locator('input[name="time_from"]').fill(service.week.from);
  await form.locator('input[name="time_to"]').fill(service.week.to === '24:00' ? '23:59' : service.week.to);
  const width = await g.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 361, `need form scrolls sideways at 360 px (${width})`);
  await submitForm(g, form);
  const needId = g.url().split('/').pop();
  assert.match(needId, /^\d+$/, `after recording, the need's page (${g.url()})`);
  eq((await g.locator('#need-status').innerText()).trim(), '待对接', 'a new need is open');

  // The community runs the engine: it proposes a party member's service, and says why.
  const p = shequ.page;
  show(p);
  await p.goto(url('/lists/matches'));
  await submitForm(p, p.locator('#run-form'));
  const row = p.locator('#proposals tr', { hasText: title });
  eq(await row.count(), 1, 'one proposal for the new need');
  eq(await row.getAttribute('data-source'), 'commitment', 'the proposal is a party member\'s service');
  assert.match(await row.locator('.terms').innerText(), /紧急 5.*完全对口.*米.*时间重合/, 'the terms of the score are shown');
  await submitForm(p, row.locator('form[action$="/accept"]'));
  const need = (await getJson(shequ.ctx, `/api/v1/needs/${needId}`)).body;
  eq(need.need.status, 'met', 'the need is met once accepted');
  const projectId = need.matches.find((m) => m.status === 'accepted').project_id;
  assert.ok(projectId, 'the accepted match went into a project');

  // The resident of the grid sees the project on their page.
  const j = (await session('jumin', 'jumin', PHONE)).page;
  show(j);
  await j.goto(url('/lists/mine'));
  const mine = j.locator('#my-projects tr', { hasText: title });
  eq(await mine.count(), 1, 'the project serving the resident\'s community is on their page');
  eq(await mine.locator(`a[href="/lists/projects/${projectId}"]`).count(), 1, 'it links to the project');
});

step('english-switch', async (show) => {
  // Its own session, so the language cookie doesn't affect other steps.
  const ctx = await newContext(DESKTOP);
  const page = await login(ctx, 'admin');
  show(page);
  eq(await page.locator('html').getAttribute('lang'), 'zh-CN', 'html[lang] of /home before /lang/en');
  await page.goto(url('/lang/en'));
  await page.goto(url('/home'));
  eq(await page.locator('html').getAttribute('lang'), 'en', 'html[lang] of /home after /lang/en');
  const text = await page.locator('body').innerText();
  assert.match(text, /Residents|Grids/, 'no English labels on /home after /lang/en');
});

// ------------------------------------------------------------------ main --

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  let failed = 0;
  let passed = 0;
  try {
    await server.start();
    console.log(`# jiceng demo serving on ${server.base} (${BIN})`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });

    for (const { name, fn } of steps) {
      let current = null;
      const started = Date.now();
      try {
        await fn((p) => { current = p; });
        passed++;
        console.log(`ok - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        const msg = (e?.message ?? String(e)).split('\n').filter(Boolean).slice(0, 8).join('\n    ');
        console.log(`not ok - ${name}: ${msg}`);
      }
      if (current && !current.isClosed()) {
        await current.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
          .catch((e) => console.log(`# could not save screenshot for ${name}: ${e.message.split('\n')[0]}`));
      }
    }
  } catch (e) {
    failed++;
    console.log(`not ok - setup: ${e?.message ?? e}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  }
  console.log(`# ${passed}/${steps.length} steps passed; screenshots in ${SHOTS}`);
  process.exitCode = failed ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await server.stop().catch(() => {});
    process.exit(130);
  });
}

await main();
