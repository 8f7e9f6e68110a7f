#!/usr/bin/env node
// The compose smoke's browser step: Debian's Chromium (playwright-core from frontend/node_modules) signs in through
// nginx over TLS (self-signed certificate, trusted for this run only), opens the jobs page, finds the job the SLURM hook
// reported and opens its page, where the metric written to the InfluxDB service must be drawn.
//
//   node ops/compose/smoke-browser.mjs BASE_URL USER PASSWORD CLUSTER SLURM_ID SCREENSHOT_DIR
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', '..', 'frontend', 'package.json'));
const { chromium } = require('playwright-core');
const [base, user, password, cluster, slurmId, shots] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: process.env.JOBMON_E2E_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const errors = [];
try {
  const context = await browser.newContext({ baseURL: base, ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto('/login');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.goto(`/jobs?cluster=${encodeURIComponent(cluster)}`);
  const link = page.getByRole('link', { name: `smoke-${slurmId}` }).first();
  await link.waitFor();
  await page.screenshot({ path: join(shots, 'smoke-jobs.png'), fullPage: true });
  await link.click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]{36}/);
  const chart = page.locator('.metric-chart', { has: page.locator('.u-legend', { hasText: 'node001' }) }).first();
  await chart.waitFor();
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: join(shots, 'smoke-job.png'), fullPage: true });
  const title = await chart.locator('h3, h4, .metric-title').first().innerText().catch(() => '');
  console.log(`signed in as ${user}, jobs page lists smoke-${slurmId}, its page draws a chart for node001 (${title})`);
} catch (e) {
  errors.push(e.message.split('\n')[0]);
} finally {
  await browser.close();
}
if (errors.length) {
  console.log(errors.join('\n'));
  process.exit(1);
}
