#!/usr/bin/env node
// End-to-end test of the web UI against a running Jobmon (API + this UI on one origin).
//
//   JOBMON_E2E_URL=http://127.0.0.1:8080 JOBMON_E2E_ADMIN_TOKEN=… JOBMON_E2E_INGEST_TOKEN=… npm run e2e
//
// Sets up data through the API (ingestion token for SLURM pushes, admin token for users), then drives Debian's
// Chromium (playwright-core, no browser download) as alice, bob, a user without roles and an admin.
// Screenshots go to $JOBMON_E2E_SCREENSHOTS or <repo>/screenshots/. Exits non-zero on any failure.

import { chromium } from 'playwright-core';
import { run as runIssue15 } from './ui-issue15.mjs';
import { run as runNodes } from './nodes.mjs';
import { run as runUi15 } from './ui15.mjs';
import { run as runDeadLetters } from './dead-letters.mjs';
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.JOBMON_E2E_URL ?? '').replace(/\/+$/, '');
const ADMIN_TOKEN = process.env.JOBMON_E2E_ADMIN_TOKEN ?? '';
const INGEST_TOKEN = process.env.JOBMON_E2E_INGEST_TOKEN ?? '';
const missing = [
  ['JOBMON_E2E_URL', BASE],
  ['JOBMON_E2E_ADMIN_TOKEN', ADMIN_TOKEN],
  ['JOBMON_E2E_INGEST_TOKEN', INGEST_TOKEN],
].filter(([, v]) => !v).map(([k]) => k);
if (missing.length) {
  console.error(`e2e: missing environment: ${missing.join(', ')}.`);
  console.error('Set JOBMON_E2E_URL (the Jobmon URL that serves the UI and /api), JOBMON_E2E_ADMIN_TOKEN and JOBMON_E2E_INGEST_TOKEN');
  console.error('(ops/run prints both tokens), e.g.:');
  console.error('  JOBMON_E2E_URL=http://127.0.0.1:8080 JOBMON_E2E_ADMIN_TOKEN=… JOBMON_E2E_INGEST_TOKEN=… npm run e2e');
  process.exit(2);
}
const CHROMIUM = process.env.JOBMON_E2E_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`e2e: no Chromium at ${CHROMIUM} (apt-get install chromium, or set JOBMON_E2E_CHROMIUM).`);
  process.exit(2);
}
const SHOTS = resolve(process.env.JOBMON_E2E_SCREENSHOTS ?? join(here, '..', '..', 'screenshots'));
mkdirSync(SHOTS, { recursive: true });
const OVERALL_TIMEOUT_MS = Number(process.env.JOBMON_E2E_TIMEOUT_MS ?? 360_000);
const STEP_TIMEOUT_MS = 20_000;

// Unique per run, so the test can run again against the same database.
const RUN = Date.now().toString(36);
const CLUSTER = `e2e${RUN}`;
const PASSWORD = `e2e-password-${RUN}`;
const USERS = { alice: 'alice', bob: 'bob', admin: 'e2e-admin', noroles: `e2e-noroles-${RUN}` };
const now = Math.floor(Date.now() / 1000);

let browser;
let failed = 0;
let passed = 0;

async function cleanup() {
  try {
    await browser?.close();
  } catch {
    // already gone
  }
}

const overall = setTimeout(async () => {
  console.error(`e2e: overall timeout of ${OVERALL_TIMEOUT_MS / 1000} s reached`);
  await cleanup();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

// ------------------------------------------------------------------ API setup

async function http(method, path, { body, headers = {}, okStatuses } = {}) {
  const res = await fetch(BASE + path, {
    method,
    headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!(okStatuses ?? []).includes(res.status) && !res.ok) {
    throw new Error(`${method} ${path} → HTTP ${res.status}: ${text.slice(0, 400)}`);
  }
  return { status: res.status, json, text };
}

const admin = (method, path, body, okStatuses) =>
  http(method, path, { body, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, okStatuses });
const ingest = (method, path, body) => http(method, path, { body, headers: { Cookie: `Authorization=Bearer ${INGEST_TOKEN}` } });

/** Creates the user, or (from an earlier run) sets its password and roles. */
async function ensureUser(username, roles) {
  const r = await admin('POST', '/api/admin/users', { username, password: PASSWORD, roles }, [409]);
  if (r.status === 409) await admin('PATCH', `/api/admin/users/${username}`, { password: PASSWORD, roles, disabled: false });
}

async function setup() {
  const ping = await http('GET', '/api/ping');
  console.log(`e2e: Jobmon at ${BASE} answers ping (${ping.json?.status}); cluster for this run: ${CLUSTER}`);
  const index = await fetch(BASE + '/jobs');
  const html = await index.text();
  if (!html.includes('<div id="root">')) {
    throw new Error(`${BASE}/jobs does not serve the web UI (build it with npm run build and serve frontend/dist there)`);
  }
  const start = (Id, isRunning, extra = {}) =>
    ingest('PUT', '/api/job_start', {
      Id, userName: 'alice', clusterId: CLUSTER, partition: 'p', numNodes: 2, numTasks: 8, tasksPerNode: 4, GPUsPerNode: 0,
      startTime: now - 3600, nodeList: 'n1|n2', jobName: `x-${Id}`, account: 'a', groupName: 'g', isRunning, ...extra,
    });
  await start(123, true);
  await ingest('PATCH', `/api/job_stop/123?cluster=${CLUSTER}`, { exitCode: 0, stopTime: now - 600 });
  await start(124, true, { jobName: 'still-running' });
  await ensureUser(USERS.alice, ['user']);
  await ensureUser(USERS.bob, ['user']);
  await ensureUser(USERS.admin, ['admin']);
  await ensureUser(USERS.noroles, []);
  // The projections are asynchronous: wait until both jobs are visible.
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const r = await admin('GET', `/api/jobs?cluster=${CLUSTER}&sort=jobId&order=asc`);
    const items = r.json?.items ?? [];
    const finished = items.find((j) => j.jobId === 123 && j.state !== 'running');
    const running = items.find((j) => j.jobId === 124);
    if (finished && running) return { finished, running };
    if (Date.now() > deadline) throw new Error(`ingested jobs did not show up in /api/jobs: ${JSON.stringify(items).slice(0, 400)}`);
    await new Promise((r2) => setTimeout(r2, 250));
  }
}

// ------------------------------------------------------------------ browser helpers

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`  FAIL ${name}: ${e instanceof Error ? e.message.split('\n').slice(0, 6).join('\n       ') : e}`);
    // What the page showed when the step failed (the last signed-in page), for diagnosis.
    if (lastPage && !lastPage.isClosed()) await shot(lastPage, `FAILED-${failed}`).catch(() => {});
  }
}
let lastPage = null;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function shot(page, name) {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`       screenshot ${path}`);
}

/** A fresh browser context (own cookies) signed in as `username`. */
async function signIn(username, { viewport } = {}) {
  const context = await browser.newContext({ viewport: viewport ?? { width: 1280, height: 900 }, baseURL: BASE });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`       page error (${username}): ${e.message}`));
  // Console errors other than failed requests (expected: 401/404 answers) are worth seeing, e.g. CSP violations.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.log(`       console error (${username}): ${m.text()}`);
  });
  lastPage = page;
  await page.goto('/login');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return { context, page };
}

// ------------------------------------------------------------------ the scenario

async function main() {
  const { finished, running } = await setup();
  console.log(`e2e: jobs ${finished.id} (finished) and ${running.id} (running) ingested; users created`);

  // playwright-core starts Chromium with a fresh temporary profile (--user-data-dir) of its own and removes it on
  // close; it refuses a --user-data-dir argument in launch(). Each user below gets a separate context (own cookies).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });

  await step('unauthenticated visit goes to the login page (OIDC button when offered); a wrong password shows the problem detail', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    // This backend has no OIDC configured: the answer says it has, so the OIDC button shows (a plain link).
    await page.route('**/api/auth/methods', (route) => route.fulfill({ status: 200, json: { local: true, oidc: true } }));
    await page.goto('/jobs');
    await page.waitForURL(/\/login/);
    await page.getByRole('heading', { name: 'Sign in to Jobmon' }).waitFor();
    const oidc = page.getByRole('link', { name: 'Login with OIDC' });
    await oidc.waitFor();
    check((await oidc.getAttribute('href')) === '/auth/oauth/login', 'OIDC link goes to /auth/oauth/login');
    await shot(page, 'login');
    await page.unroute('**/api/auth/methods');
    check((await http('GET', '/api/auth/methods')).json?.local === true, '/api/auth/methods answers');
    await page.getByLabel('User name').fill(USERS.bob);
    await page.getByLabel('Password').fill('definitely-wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.locator('.form-error[role=alert]');
    await alert.waitFor();
    const text = await alert.innerText();
    check(/wrong password|unknown user/i.test(text), `login error says "${text}"`);
    await context.close();
  });

  // alice --------------------------------------------------------------
  const alice = await signIn(USERS.alice).catch((e) => {
    failed += 1;
    console.log(`  FAIL alice signs in: ${e.message}`);
    return null;
  });
  if (alice) {
    const { page } = alice;
    await step('alice sees her jobs in the list', async () => {
      await page.goto(`/jobs?cluster=${CLUSTER}`);
      await page.locator(`tr[data-job-id="${finished.id}"]`).waitFor();
      await page.locator(`tr[data-job-id="${running.id}"]`).waitFor();
      check((await page.locator(`tr[data-job-id="${running.id}"] .badge`).innerText()).includes('Running'), 'running badge');
      await shot(page, 'jobs-list');
    });

    await step('filters live in the URL (state=running shows only the running job; back button restores)', async () => {
      await page.getByRole('button', { name: 'running', exact: true }).click();
      await page.waitForURL(/state=running/);
      await page.locator(`tr[data-job-id="${finished.id}"]`).waitFor({ state: 'detached' });
      await page.locator(`tr[data-job-id="${running.id}"]`).waitFor();
      await page.goBack();
      await page.waitForURL((u) => !u.search.includes('state='));
      await page.locator(`tr[data-job-id="${finished.id}"]`).waitFor();
    });

    await step('empty state offers to clear filters', async () => {
      await page.goto(`/jobs?cluster=${CLUSTER}&q=no-such-job-anywhere`);
      await page.getByText('No jobs match these filters').waitFor();
      await page.getByRole('button', { name: 'clear filters', exact: true }).click();
      await page.waitForURL((u) => !u.search.includes('q='));
    });

    await step('alice opens the finished job: state, exit code, history', async () => {
      await page.goto(`/jobs?cluster=${CLUSTER}`);
      await page.locator(`tr[data-job-id="${finished.id}"] a`).first().click();
      await page.waitForURL(new RegExp(`/jobs/${finished.id}$`));
      await page.getByRole('heading', { name: /Job 123/ }).waitFor();
      await page.getByText(/exit code 0/).first().waitFor();
      await page.locator('[data-event-type="job_started"]').waitFor();
      await page.locator('[data-event-type="job_ended"]').waitFor();
      // The metrics section shows charts or a clear message, never a blank.
      await page.locator('#metrics-title ~ .metrics').waitFor();
    });

    await step('alice adds a tag and sees it with the tag event in the audit timeline', async () => {
      await page.getByLabel('New tag').fill('e2e-tag');
      await page.getByLabel('Visibility').selectOption('public');
      await page.getByRole('button', { name: 'Add tag' }).click();
      await page.locator('.tag-list li', { hasText: 'e2e-tag' }).waitFor();
      const event = page.locator('[data-event-type="job_tag_added"]', { hasText: 'e2e-tag' });
      await event.waitFor();
      const text = await event.innerText();
      check(text.includes(USERS.alice), `tag event names alice: ${text}`);
      await page.waitForLoadState('networkidle').catch(() => {});
      await shot(page, 'job-page');
    });

    await step('charts are drawn from real InfluxDB data for the finished and the running job', async () => {
      // ops/e2e wrote cc-metric-collector-shaped samples for n1 and n2 into the InfluxDB this Jobmon reads.
      for (const job of [finished, running]) {
        await page.goto(`/jobs/${job.id}`);
        await page.locator('.metric-chart canvas').first().waitFor();
        // Metrics with samples (load_one, cpu_user, mem_used, mem_bw, flops_any) draw one line per node.
        const withData = page.locator('.metric-chart', { has: page.locator('.u-legend', { hasText: 'n2' }) });
        await withData.first().waitFor();
        const charts = await withData.count();
        check(charts >= 4, `job ${job.jobId}: four metric charts drawn from InfluxDB data (got ${charts})`);
        const legend = await withData.first().locator('.u-legend').innerText();
        check(legend.includes('n1') && legend.includes('n2'), `job ${job.jobId}: one line per node: ${legend}`);
        // Charts are grouped under a heading per catalogue category; metrics without samples are one "No data" line.
        check((await page.locator('.metric-category h3').count()) >= 1, `job ${job.jobId}: category headings`);
        const noData = page.locator('.metrics-no-data');
        if ((await noData.count()) > 0) check(/^No data: \S/.test(await noData.innerText()), `no-data line: ${await noData.innerText()}`);
      }
      await shot(page, 'job-page-real-metrics');
    });

    await step('the Quartiles switch on a multi-node job keeps every chart and adds the quantile lines (no page errors)', async () => {
      // The API sends quantiles.bands.q25/q50/q75 for jobs with more than one node; a UI that read quantiles.q25
      // threw a TypeError per chart and blanked them all.
      const errors = [];
      const onError = (e) => errors.push(e.message);
      page.on('pageerror', onError);
      try {
        await page.goto(`/jobs/${finished.id}`);
        const withData = page.locator('.metric-chart', { has: page.locator('.u-legend', { hasText: 'n2' }) });
        await withData.first().waitFor();
        const before = await withData.count();
        const api = await admin('GET', `/api/jobs/${finished.id}/metrics`);
        const withBands = (api.json?.metrics ?? []).filter((m) => m.quantiles?.bands?.q50?.length > 0).map((m) => m.name);
        check(withBands.length >= 4, `the API sends quantile bands for the 2-node job (${withBands.join(', ')})`);
        const toggle = page.getByLabel('Quartiles');
        if (!(await toggle.isChecked())) await toggle.check();
        else {
          await toggle.uncheck();
          await toggle.check();
        }
        const withMedian = page.locator('.metric-chart', { has: page.locator('.u-legend', { hasText: 'median' }) });
        await withMedian.first().waitFor();
        const quartileCharts = await withMedian.count();
        check(quartileCharts === withBands.length, `every chart with bands shows the quartile lines (${quartileCharts} of ${withBands.length})`);
        const legend = await withMedian.first().locator('.u-legend').innerText();
        check(legend.includes('25th pct') && legend.includes('75th pct') && legend.includes('n1'), `quartile legend keeps the node lines: ${legend}`);
        check((await withData.count()) === before, `all ${before} charts still drawn with quartiles on`);
        // A chart whose data uPlot cannot read keeps its legend but draws nothing: count painted pixels per canvas.
        const painted = await withMedian.locator('canvas').evaluateAll((canvases) => canvases.map((c) => {
          const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n += 1;
          return n;
        }));
        check(painted.length === quartileCharts && painted.every((n) => n > 500), `every quartile chart draws its lines (painted pixels: ${painted.join(', ')})`);
        await shot(page, 'job-page-quartiles');
        check(errors.length === 0, `no page errors with quartiles on (${errors.join(' | ')})`);
      } finally {
        page.off('pageerror', onError);
      }
    });

    await step('metric charts render with uPlot: per node, per device for one node, 503 message (mocked metrics answers)', async () => {
      // The metrics endpoint needs InfluxDB; this step answers it in the browser so the charts themselves are tested.
      const t0 = (now - 3600) * 1000;
      const times = Array.from({ length: 60 }, (_, i) => t0 + i * 60_000);
      const wave = (phase, scale) => times.map((_, i) => scale * (1.2 + Math.sin(i / 6 + phase)));
      const body = (node) => ({
        interval: 60, intervals: [60, 300, 900], from: new Date(t0).toISOString(), to: new Date(times.at(-1)).toISOString(),
        metrics: [
          {
            name: 'flops_any', displayName: 'FLOP rate', unit: 'FLOP/s', category: 'cpu', scope: node ? 'socket' : 'node', peak: 5e12,
            series: node
              ? [{ label: 'socket0', times, values: wave(0, 1e12) }, { label: 'socket1', times, values: wave(1, 1e12) }]
              : [{ label: 'n1', times, values: wave(0, 2e12) }, { label: 'n2', times, values: wave(2, 2e12) }],
          },
          {
            name: 'mem_used', displayName: 'Memory used', unit: 'B', category: 'memory', scope: 'node', peak: 256 * 2 ** 30,
            series: [{ label: node ?? 'n1', times, values: wave(0.5, 40 * 2 ** 30) }, ...(node ? [] : [{ label: 'n2', times, values: wave(1.5, 30 * 2 ** 30) }])],
          },
        ],
      });
      let mode = 'ok';
      await page.route(/\/api\/jobs\/[^/]+\/metrics(\?.*)?$/, async (route) => {
        if (mode === 'down') {
          return route.fulfill({
            status: 503, contentType: 'application/problem+json',
            body: JSON.stringify({ title: 'Service Unavailable', status: 503, detail: 'InfluxDB does not answer', correlationId: 'e2e-corr' }),
          });
        }
        const node = new URL(route.request().url()).searchParams.get('node');
        return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body(node)) });
      });
      await page.goto(`/jobs/${finished.id}`);
      await page.locator('.metric-chart canvas').first().waitFor();
      check((await page.locator('.metric-chart').count()) === 2, 'two metric charts');
      const legend = await page.locator('.metric-chart').first().locator('.u-legend').innerText();
      check(legend.includes('n1') && legend.includes('n2'), `legend has one line per node: ${legend}`);
      await page.getByLabel('Node', { exact: true }).selectOption('n1');
      await page.locator('.metric-chart .u-legend', { hasText: 'socket1' }).waitFor();
      await page.getByLabel('Node', { exact: true }).selectOption('');
      await page.locator('.metric-chart .u-legend', { hasText: 'n2' }).first().waitFor();
      // Hostlist box: an invalid expression says why.
      await page.getByLabel('Show nodes (hostlist)').fill('n[2-1]');
      await page.getByText(/backwards/).waitFor();
      await page.getByLabel('Show nodes (hostlist)').fill('n[1]');
      await shot(page, 'job-page-metrics');
      mode = 'down';
      await page.getByLabel('Aggregation').selectOption('mean');
      await page.getByText('Metrics unavailable: InfluxDB does not answer').waitFor();
      await page.unroute(/\/api\/jobs\/[^/]+\/metrics(\?.*)?$/);
    });

    await step('footprint bars and classifier findings: jobs list and job page (statistics mocked into the real answers)', async () => {
      // Job-end statistics need InfluxDB data at the job's end; the real answers are extended here so the views are tested.
      const statistics = {
        load_one: { unit: '', mean: 38, max: 70, robustMax: 65 },
        mem_bw: { unit: 'B/s', mean: 8e10, max: 1.2e11, robustMax: 1.1e11 },
        flops_any: { unit: 'FLOP/s', mean: 9e11, max: 1.3e12, robustMax: 1.2e12 },
        nv_util: { unit: '%', mean: 2, max: 9, robustMax: 5 },
      };
      const finding = { tag: 'idle-gpus', reason: 'GPUs were nearly idle: mean utilisation 2 %' };
      const classifierTag = { name: finding.tag, createdBy: 'jobmon-classifier', visibility: 'public', createdAt: new Date().toISOString(), reason: finding.reason };
      const extend = (j) => (j.id === finished.id ? { ...j, statistics, tags: [...j.tags, classifierTag], findings: [finding] } : j);
      await page.route(/\/api\/jobs(\?.*)?$/, async (route) => {
        const res = await route.fetch();
        const body = await res.json();
        return route.fulfill({ response: res, json: { ...body, items: body.items.map(extend) } });
      });
      await page.route(new RegExp(`/api/jobs/${finished.id}$`), async (route) => {
        const res = await route.fetch();
        return route.fulfill({ response: res, json: extend(await res.json()) });
      });
      await page.goto(`/jobs?cluster=${CLUSTER}`);
      const row = page.locator(`tr[data-job-id="${finished.id}"]`);
      await row.locator('.footprint').waitFor();
      check((await row.locator('.footprint .fp-bar').count()) === 4, 'four footprint bars');
      check((await page.locator(`tr[data-job-id="${running.id}"] .footprint`).count()) === 0, 'no footprint without statistics');
      // The catalogue (peaks) loads after the list: wait until the label names the peak.
      await row.locator('.footprint[aria-label*="of the node peak"]').waitFor({ timeout: 10_000 }).catch(() => {});
      const label = await row.locator('.footprint').getAttribute('aria-label');
      check(/CPU load: mean 38\.0, 50 % of the node peak/.test(label ?? ''), `footprint label: ${label}`);
      const chip = row.locator('[data-finding="idle-gpus"]');
      check((await chip.getAttribute('title'))?.includes(finding.reason), 'classifier tag has the reason as tooltip');
      await shot(page, 'jobs-list-footprint');
      await page.goto(`/jobs/${finished.id}`);
      await page.getByRole('heading', { name: 'Findings' }).waitFor();
      await page.locator('.findings li[data-finding="idle-gpus"]', { hasText: finding.reason }).waitFor();
      await page.getByRole('heading', { name: 'Job-end statistics' }).waitFor();
      const cpuRow = page.locator('.stats-table tr[data-metric="load_one"]');
      check((await cpuRow.innerText()).includes('50 %'), `statistics row: ${await cpuRow.innerText()}`);
      await shot(page, 'job-page-findings');
      await page.unroute(/\/api\/jobs(\?.*)?$/);
      await page.unroute(new RegExp(`/api/jobs/${finished.id}$`));
    });

    await step('alice opens the running job', async () => {
      await page.goto(`/jobs/${running.id}`);
      await page.getByRole('heading', { name: /Job 124/ }).waitFor();
      await page.locator('.page-head .badge', { hasText: 'Running' }).waitFor();
      await page.getByText('still running').waitFor();
      await shot(page, 'job-page-running');
    });

    await step('the jobs list is usable at 390 px (phone)', async () => {
      const phone = await alice.context.newPage();
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`/jobs?cluster=${CLUSTER}`);
      await phone.locator(`tr[data-job-id="${finished.id}"]`).waitFor();
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 1, `page scrolls sideways by ${overflow}px at 390 px`);
      await shot(phone, 'jobs-list-390px');
      await phone.goto(`/jobs/${finished.id}`);
      await phone.locator('[data-event-type="job_started"]').waitFor();
      const jobOverflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(jobOverflow <= 1, `job page scrolls sideways by ${jobOverflow}px at 390 px`);
      await phone.close();
    });

    await step('dark mode toggle is remembered', async () => {
      await page.goto(`/jobs?cluster=${CLUSTER}`);
      const before = await page.evaluate(() => document.documentElement.dataset.theme);
      await page.getByRole('button', { name: /Switch to (dark|light) mode/ }).click();
      const after = await page.evaluate(() => document.documentElement.dataset.theme);
      check(before !== after, 'theme changed');
      await page.reload();
      await page.locator(`tr[data-job-id="${finished.id}"]`).waitFor();
      check((await page.evaluate(() => document.documentElement.dataset.theme)) === after, 'theme remembered after reload');
      if (after === 'dark') await shot(page, 'jobs-list-dark');
    });

    await step('alice signs out', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login/);
    });
    await alice.context.close();
  }

  // bob ----------------------------------------------------------------
  const bob = await signIn(USERS.bob).catch((e) => {
    failed += 1;
    console.log(`  FAIL bob signs in: ${e.message}`);
    return null;
  });
  if (bob) {
    const { page } = bob;
    await step("bob does not see alice's jobs in the list", async () => {
      await page.goto(`/jobs?cluster=${CLUSTER}`);
      await page.getByText('No jobs match these filters').waitFor();
      check((await page.locator(`tr[data-job-id="${finished.id}"]`).count()) === 0, "alice's job listed for bob");
    });
    await step("bob gets 'not found' for alice's job by direct URL", async () => {
      await page.goto(`/jobs/${finished.id}`);
      await page.getByRole('heading', { name: 'Job not found' }).waitFor();
    });
    await step('bob cannot open admin pages', async () => {
      await page.goto('/settings');
      await page.getByText('This page is for administrators').waitFor();
    });
    await bob.context.close();
  }

  // a user without roles ----------------------------------------------
  let noroles = null;
  await step('a user without roles sees the no-access page with a request button', async () => {
    noroles = await signIn(USERS.noroles);
    const { page } = noroles;
    await page.waitForURL(/\/no-access/);
    await page.getByRole('heading', { name: 'No access yet' }).waitFor();
    await page.getByRole('button', { name: 'Request access' }).waitFor();
  });

  const requestMessage = `Please let me in (e2e ${RUN})`;
  await step('the user without roles requests access with a message and sees it pending (asking again: 429 message)', async () => {
    check(noroles, 'no session of the user without roles');
    const { page } = noroles;
    await page.getByLabel(/Message to the administrators/).fill(requestMessage);
    await page.getByRole('button', { name: 'Request access' }).click();
    const status = page.locator('.request-status[data-status="pending"]');
    await status.waitFor();
    check((await status.innerText()).includes(requestMessage), 'the pending request shows the message');
    // The API refuses a second pending request with 429; the page says why.
    const again = await page.evaluate(async () => {
      const r = await fetch('/api/access-requests', { method: 'POST', headers: { 'X-Jobmon-Csrf': '1', 'Content-Type': 'application/json' }, body: '{}' });
      return r.status;
    });
    check(again === 429, `a second request answers ${again}, expected 429`);
    await shot(page, 'access-request');
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `no-access page scrolls sideways by ${overflow}px at 390 px`);
    await shot(page, 'access-request-390px');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  // admin --------------------------------------------------------------
  const adm = await signIn(USERS.admin).catch((e) => {
    failed += 1;
    console.log(`  FAIL admin signs in: ${e.message}`);
    return null;
  });
  if (adm) {
    const { page } = adm;
    await step('admin sees statistics per user and per partition', async () => {
      await page.getByRole('link', { name: 'Statistics' }).click();
      await page.waitForURL(/\/statistics/);
      await page.getByRole('heading', { name: 'Per user' }).waitFor();
      await page.getByRole('heading', { name: 'Per cluster and partition' }).waitFor();
      await page.locator('.stats-page table').first().waitFor();
      await page.getByRole('link', { name: `${CLUSTER}/p` }).waitFor();
      // Per group: a table with at least one group row; histograms over all jobs and for a ticked row.
      const groups = page.locator('section[aria-labelledby="stats-group"]');
      await groups.getByRole('heading', { name: 'Per group' }).waitFor();
      await groups.locator('table tbody tr').first().waitFor();
      const overall = page.locator('section[aria-labelledby="stats-overall"] .histogram[data-histogram="duration"] svg');
      await overall.waitFor();
      const durLabel = (await overall.getAttribute('aria-label')) ?? '';
      check(/<1m .*1-10m .*10m-1h .*1-6h .*6-24h .*1-3d .*>3d /.test(durLabel), `duration histogram buckets: ${durLabel}`);
      await page.locator('section[aria-labelledby="stats-overall"] .histogram[data-histogram="nodes"] svg').waitFor();
      await groups.locator('table tbody tr').first().locator('input[type="checkbox"]').check();
      await groups.locator('.histogram[data-histogram="nodes"] svg').waitFor();
      await shot(page, 'statistics');
    });

    const keyName = `e2e key ${RUN}`;
    await step('admin creates an API key in Settings and sees the token once', async () => {
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.waitForURL(/\/settings/);
      await page.getByRole('heading', { name: 'API keys' }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill(keyName);
      await page.getByLabel('Role', { exact: true }).selectOption('job-control');
      await page.getByRole('button', { name: 'Create key' }).click();
      const token = page.getByTestId('new-token');
      await token.waitFor();
      const value = (await token.innerText()).trim();
      check(value.length >= 16, `token looks too short: "${value}"`);
      await page.getByRole('cell', { name: keyName }).waitFor();
      await page.getByRole('heading', { name: 'Projections' }).waitFor();
      await shot(page, 'settings');
      // Shown once: after dismissing or reloading it is gone, the key stays listed.
      await page.getByRole('button', { name: 'I have copied it' }).click();
      await token.waitFor({ state: 'detached' });
      await page.reload();
      await page.getByRole('cell', { name: keyName }).waitFor();
      check(!(await page.content()).includes(value), 'token still in the page after reload');
      // The token is a real key: the API knows it (a job-control key is refused admin endpoints with 403, an
      // unknown token would get 401).
      const r = await fetch(`${BASE}/api/admin/api-keys`, { headers: { Authorization: `Bearer ${value}` } });
      check(r.status === 403, `admin endpoint with the new job-control key answers ${r.status}, expected 403`);
    });

    await step('admin rebuilds a projection and follows its progress', async () => {
      const row = page.locator('tr[data-projection="Summaries"]');
      await row.getByRole('button', { name: 'Rebuild', exact: true }).click();
      await row.getByRole('button', { name: 'Rebuild Summaries' }).click();
      await row.locator('.badge.rebuild-running, .badge.rebuild-completed').first().waitFor();
      await row.locator('.badge.rebuild-completed').waitFor({ timeout: 60_000 });
    });

    await step('admin sees the users list with alice and bob', async () => {
      await page.getByRole('heading', { name: 'Users and roles' }).waitFor();
      await page.getByRole('cell', { name: USERS.alice, exact: true }).waitFor();
      await page.getByRole('cell', { name: USERS.bob, exact: true }).waitFor();
    });

    await step('admin approves the access request; the user then sees the jobs page after a reload', async () => {
      await page.goto('/settings');
      const item = page.locator(`.request-item[data-request-user="${USERS.noroles}"][data-status="pending"]`);
      await item.waitFor();
      check((await item.innerText()).includes(requestMessage), 'the admin sees the message');
      await shot(page, 'settings-access-requests');
      await item.getByRole('button', { name: 'Approve' }).click();
      await item.waitFor({ state: 'detached' });
      check(noroles, 'no session of the user without roles');
      await noroles.page.reload();
      await noroles.page.waitForURL(/\/jobs/);
      await noroles.page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
      await noroles.context.close();
      noroles = null;
    });

    await step('search page finds the e2e job by id and a tag (links to the filtered jobs list)', async () => {
      await page.getByRole('link', { name: 'Search', exact: true }).click();
      await page.waitForURL(/\/search/);
      const box = page.getByRole('searchbox', { name: /Search for jobs/ });
      await box.fill(String(finished.jobId));
      await box.press('Enter');
      await page.waitForURL(/q=123/);
      await page.locator(`.result-list li[data-job-id="${finished.id}"]`).waitFor();
      await page.getByRole('heading', { name: /^Users/ }).waitFor();
      await shot(page, 'search');
      await box.fill('e2e-ta');
      await box.press('Enter');
      const tagLink = page.locator('#sr-tags ~ ul').getByRole('link', { name: 'e2e-tag', exact: true });
      await tagLink.waitFor();
      await tagLink.click();
      await page.waitForURL(/\/jobs\?tags=e2e-tag/);
      await page.locator(`tr[data-job-id="${finished.id}"]`).waitFor();
      // Users: admins get a section linking to the user's jobs.
      await page.goto('/search?q=alic');
      const userLink = page.locator('#sr-users ~ ul').getByRole('link', { name: USERS.alice, exact: true });
      await userLink.waitFor();
      check((await userLink.getAttribute('href')) === `/jobs?user=${USERS.alice}`, 'user link goes to the jobs list');
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`/search?q=${finished.jobId}`);
      await page.locator(`.result-list li[data-job-id="${finished.id}"]`).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 1, `search scrolls sideways by ${overflow}px at 390 px`);
      await shot(page, 'search-390px');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    await step('admin edits a metric in the catalogue editor: server errors next to the field, saved display name, restored', async () => {
      await page.goto('/settings?tab=catalogue');
      const row = page.locator('tr[data-metric="load_one"]');
      await row.waitFor();
      const original = (await row.locator('.metric-display-name').innerText()).trim();
      await row.getByRole('button', { name: 'Edit load_one' }).click();
      const form = page.getByRole('form', { name: 'Edit load_one' });
      await form.waitFor();
      const changed = `Load (e2e ${RUN})`;
      await form.getByLabel('Display name').fill(changed);
      // A regular expression JavaScript accepts but .NET does not: only the server finds it; its message sits at the field.
      await form.getByRole('button', { name: 'Add filter' }).click();
      await form.getByLabel('Filter 1 tag').fill('type');
      await form.getByLabel('Filter 1 operator').selectOption('matches');
      await form.getByLabel('Filter 1 value').fill('\\k');
      await form.getByRole('button', { name: 'Save metric' }).click();
      const fieldError = form.locator('[data-field-error="filters[0].value"]');
      await fieldError.waitFor();
      check(/regular expression/.test(await fieldError.innerText()), `server error at the filter value: ${await fieldError.innerText()}`);
      await shot(page, 'settings-catalogue');
      await form.getByRole('button', { name: 'Remove filter 1' }).click();
      await form.getByRole('button', { name: 'Save metric' }).click();
      await form.waitFor({ state: 'detached' });
      await page.getByText('Metric load_one saved.').waitFor();
      await row.locator('.metric-display-name', { hasText: changed }).waitFor();
      // Saved on the server: a fresh load shows it, and the history names the admin.
      await page.reload();
      await row.locator('.metric-display-name', { hasText: changed }).waitFor();
      await page.getByText('Catalogue change history').click();
      await page.locator('tr[data-event-type="metric_defined"]', { hasText: changed }).first().waitFor();
      check((await page.locator('tr[data-event-type="metric_defined"]', { hasText: changed }).first().innerText()).includes(USERS.admin), 'history names the admin');
      // Restore.
      await row.getByRole('button', { name: 'Edit load_one' }).click();
      await form.getByLabel('Display name').fill(original);
      await form.getByRole('button', { name: 'Save metric' }).click();
      await form.waitFor({ state: 'detached' });
      // The display name may hold regular-expression characters ("Load (1 min)"): match it literally.
      await row.locator('.metric-display-name', { hasText: new RegExp(`^${original.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).waitFor();
    });

    await step('admin adds a partition with MaxTime and a virtual partition (hostlist node count), then deletes it', async () => {
      const part = `e2epart${RUN}`;
      await page.getByRole('button', { name: 'Add partition' }).click();
      const form = page.getByRole('form', { name: 'New partition' });
      await form.getByLabel('Partition name').fill(part);
      await form.getByLabel('Cluster').fill(CLUSTER);
      await form.getByLabel('MaxTime', { exact: true }).fill('1-12:00:00');
      await form.getByText('1 day 12 hours').waitFor();
      await form.getByRole('button', { name: 'Add virtual partition' }).click();
      await form.getByLabel('Virtual partition 1 name').fill('fat');
      await form.getByLabel('Virtual partition 1 nodes').fill('n[3-1]');
      await form.getByText(/backwards/).waitFor();
      await form.getByLabel('Virtual partition 1 nodes').fill('fat[01-16],n9');
      await form.locator('[data-node-count="17"]').waitFor();
      await form.getByLabel('Virtual partition 1 MaxTime').fill('48');
      await form.getByText('2 days (2-00:00:00)').waitFor();
      await form.getByRole('button', { name: 'Save partition' }).click();
      const row = page.locator(`tr[data-partition="${CLUSTER}/${part}"]`);
      await row.waitFor();
      check((await row.innerText()).includes('1-12:00:00'), `partition row shows MaxTime: ${await row.innerText()}`);
      await row.getByRole('button', { name: 'Delete', exact: true }).click();
      await row.getByRole('button', { name: `Delete ${part}` }).click();
      await row.waitFor({ state: 'detached' });
      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 1, `catalogue editor scrolls sideways by ${overflow}px at 390 px`);
      await page.locator('tr[data-metric="load_one"]').getByRole('button', { name: 'Edit load_one' }).click();
      await shot(page, 'settings-catalogue-390px');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    await step('admin checks an original config.json in a dry run (report, nothing changed) before applying', async () => {
      await page.goto('/settings?tab=catalogue');
      const box = page.getByLabel('…or paste its text');
      await box.fill('{"Metrics": 5}');
      await page.getByRole('button', { name: 'Check (dry run)' }).click();
      await page.locator('.error-state', { hasText: 'expected an array' }).waitFor();
      check(await page.getByRole('button', { name: 'Apply import' }).isDisabled(), 'apply is possible only after a clean dry run');
      const fixture = join(here, '..', '..', 'tests', 'Jobmon.Compat.Tests', 'Fixtures', 'horeka-config.json');
      if (existsSync(fixture)) {
        await box.fill(readFileSync(fixture, 'utf8'));
        await page.getByRole('button', { name: 'Check (dry run)' }).click();
        const report = page.locator('.import-report.dry');
        await report.waitFor();
        check((await report.innerText()).includes('cpuonly'), 'dry-run report names the partitions');
        check(await page.getByRole('button', { name: 'Apply import' }).isEnabled(), 'apply enabled after the dry run');
        check((await page.locator('tr[data-partition="/cpuonly"]').count()) === 0, 'a dry run changed the catalogue');
      }
    });

    await step('admin sees the live log receive a line after a failed login; pause holds lines back', async () => {
      // Dark mode for this page's screenshot.
      await page.evaluate(() => localStorage.setItem('jobmon-theme', 'dark'));
      await page.goto('/settings?tab=logs');
      await page.locator('[data-connection="open"]').waitFor();
      const failLogin = (username) =>
        http('POST', '/api/login', { body: { username, password: 'wrong-password' }, headers: { 'X-Jobmon-Csrf': '1' }, okStatuses: [401, 429] });
      const ghost = `e2e-ghost-${RUN}`;
      await failLogin(ghost);
      await page.locator('.log-line', { hasText: `Failed login for ${ghost}` }).waitFor();
      await page.getByRole('button', { name: 'Pause' }).click();
      const ghost2 = `e2e-ghost2-${RUN}`;
      await failLogin(ghost2);
      await page.getByRole('button', { name: /Resume \(\d+ new\)/ }).waitFor();
      check((await page.locator('.log-line', { hasText: ghost2 }).count()) === 0, 'paused log still shows new lines');
      await page.getByRole('button', { name: /Resume/ }).click();
      await page.locator('.log-line', { hasText: `Failed login for ${ghost2}` }).waitFor();
      await page.getByLabel('Level').selectOption('Error');
      await page.locator('.log-line', { hasText: ghost2 }).waitFor({ state: 'detached' });
      await page.getByLabel('Level').selectOption('Warning');
      await page.locator('.log-line', { hasText: ghost2 }).waitFor();
      await shot(page, 'settings-logs');
      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 1, `live log scrolls sideways by ${overflow}px at 390 px`);
      await shot(page, 'settings-logs-390px');
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.evaluate(() => localStorage.setItem('jobmon-theme', 'light'));
    });

    await step('statistics and settings are usable at 390 px (phone)', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const path of ['/statistics', '/settings']) {
        await page.goto(path);
        await page.locator('table').first().waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        check(overflow <= 1, `${path} scrolls sideways by ${overflow}px at 390 px`);
      }
      await shot(page, 'settings-390px');
    });
    await adm.context.close();
  }
  await noroles?.context.close();
  await runIssue15({ step, shot, signIn, check, ingest, CLUSTER, USERS, now });
  await runNodes({ step, shot, signIn, check, admin, CLUSTER, USERS, now });
  const newContext = (options) => browser.newContext(options);
  await runUi15({ step, shot, signIn, newContext, check, admin, ingest, ensureUser, CLUSTER, now, BASE });
  await runDeadLetters({ step, shot, signIn, check, ingest, admin, CLUSTER, USERS, now });
}

try {
  await main();
} catch (e) {
  failed += 1;
  console.error(`e2e: ${e instanceof Error ? e.stack ?? e.message : e}`);
} finally {
  clearTimeout(overall);
  await cleanup();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
