// Issue 15 (nodes and charts): job page → node page with the job and its span, zoom loading finer data, the node
// filter and CSV button of the job list, a legend that stays for a big job, tag suggestions.
import { readFile } from 'node:fs/promises';

export async function run({ step, shot, signIn, check, admin, CLUSTER, USERS, now }) {
  const list = await admin('GET', `/api/jobs?cluster=${CLUSTER}&sort=jobId&order=asc&pageSize=100`);
  const finished = list.json.items.find((j) => j.jobId === 123);
  const running = list.json.items.find((j) => j.jobId === 124);
  check(finished && running, 'jobs 123 and 124 of this run exist');
  const tag = `e2e-nodes-${now}`;
  await admin('POST', `/api/jobs/${finished.id}/tags`, { name: tag, visibility: 'public' });
  const adm = await signIn(USERS.admin);
  const page = adm.page;

  await step('nodes: the job page links its nodes to the node page, which lists the job and marks its span', async () => {
    await page.goto(`/jobs/${finished.id}`);
    await page.locator('[data-testid="node-links"] a', { hasText: 'n1' }).click();
    await page.waitForURL((u) => u.pathname === `/nodes/${CLUSTER}/n1`);
    check(Date.parse(new URL(page.url()).searchParams.get('from')) === Date.parse(finished.startTime),
      `the window starts at the job's start: ${page.url()}`);
    await page.locator(`[data-testid="node-jobs"] tr[data-job-id="${finished.id}"]`).waitFor();
    await page.locator('.metric-chart canvas').first().waitFor();
    const marks = await page.locator('[data-testid="node-marks"]').innerText();
    check(marks.includes('job 123'), `the job's span is marked: ${marks}`);
    const charts = await page.locator('.metric-chart').count();
    check(charts >= 4, `the node's metrics from InfluxDB are drawn (got ${charts} charts)`);
    const legend = await page.locator('.metric-chart .u-legend').first().innerText();
    check(legend.includes('n1'), `the node's line is named: ${legend}`);
    await page.waitForLoadState('networkidle').catch(() => {});
    await shot(page, 'nodes-node-page');
    // Node page → job page.
    await page.locator(`[data-testid="node-jobs"] tr[data-job-id="${finished.id}"] a`).first().click();
    await page.waitForURL((u) => u.pathname === `/jobs/${finished.id}`);
  });

  await step('nodes: dragging across a node chart loads the zoomed window at a finer resolution', async () => {
    await page.goto(`/nodes/${CLUSTER}/n2`); // the last 24 h: 86400 s / 600 points → 300 s
    const info = page.locator('[data-testid="node-window"]');
    await page.locator('.metric-chart canvas').first().waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="node-window"]')?.getAttribute('data-resolution') === '300');
    const over = page.locator('.metric-chart .u-over').first();
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    // The axis spans the 24 h window: drag over its last ~5 % (about 65 minutes; samples cover the last 2 h).
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.995, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="node-window"]')?.getAttribute('data-resolution')) < 300);
    const resolution = Number(await info.getAttribute('data-resolution'));
    check(resolution === 30, `zoomed ~70 min is fetched at the collector's 30 s (got ${resolution})`);
    check(new URL(page.url()).searchParams.has('from'), `the zoomed window is in the URL: ${page.url()}`);
    await page.locator('.metric-chart canvas').first().waitFor();
    await page.waitForLoadState('networkidle').catch(() => {});
    await shot(page, 'nodes-node-page-zoomed');
  });

  await step('nodes: the job list filters by a hostlist (checked in the browser) and downloads the CSV', async () => {
    await page.goto(`/jobs?cluster=${CLUSTER}`);
    const nodes = page.getByLabel('Nodes (hostlist)');
    await nodes.fill('n[1-2');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('.form-error').first().waitFor();
    check(!new URL(page.url()).searchParams.has('node'), 'an invalid hostlist is not sent');
    await nodes.fill('n[1-2]');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((u) => u.searchParams.get('node') === 'n[1-2]');
    await page.locator(`tr[data-job-id="${finished.id}"]`).waitFor();
    await shot(page, 'nodes-list-filter');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('jobs-csv').click()]);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split('\n');
    check(lines[0] === 'id,cluster,jobId,arrayJobId,arrayTaskId,user,group,account,name,partition,state,startTime,stopTime,' +
      'durationSeconds,numNodes,numTasks,numCpus,totalGpus,nodes,exitCode,tags', `CSV header: ${lines[0]}`);
    check(lines.some((l) => l.startsWith(`${finished.id},${CLUSTER},123,`)), 'the CSV has job 123');
    await nodes.fill('n9');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('status').filter({ hasText: 'No jobs match these filters' }).waitFor();
  });

  await step('charts: a 40-node job keeps its legend, distinct colours, names the hovered line; legend hides a line', async () => {
    const t0 = (now - 3600) * 1000;
    const times = Array.from({ length: 120 }, (_, i) => t0 + i * 30_000);
    const hosts = Array.from({ length: 40 }, (_, i) => `demo${String(i + 1).padStart(3, '0')}`);
    // demo013 is the outlier. The answer is given in the browser: the UI's drawing is under test here.
    const series = hosts.map((h, k) => ({ label: h, times, values: times.map((_, i) => (h === 'demo013' ? 95 : 40 + 5 * Math.sin(i / 8 + k))) }));
    await page.route(/\/api\/jobs\/[^/]+\/metrics(\?.*)?$/, (route) => route.fulfill({
      status: 200, contentType: 'application/json',
      body: JSON.stringify({
        // Shown at 300 s at first (as for a long job); a zoom asks for a finer interval of these.
        interval: Number(new URL(route.request().url()).searchParams.get('interval') ?? 300), intervals: [30, 60, 300], from: new Date(t0).toISOString(), to: new Date(times.at(-1)).toISOString(),
        metrics: [{ name: 'load_one', displayName: 'CPU load', unit: '', category: 'CPU', scope: 'node', peak: 100, series }],
      }),
    }));
    await page.goto(`/jobs/${finished.id}`);
    const chart = page.locator('.metric-chart').first();
    await chart.locator('canvas').waitFor();
    const entries = chart.locator('.u-legend .u-series');
    check((await entries.count()) === 41, `legend: time + 40 nodes (got ${await entries.count()})`);
    const colours = await entries.evaluateAll((rows) => rows.slice(1).map((r) => getComputedStyle(r.querySelector('.u-marker')).borderColor));
    check(new Set(colours).size === 40, `40 distinct colours (got ${new Set(colours).size})`);
    check(colours[0] !== colours[12], `demo001 and demo013 differ: ${colours[0]} / ${colours[12]}`);
    // Hover the outlier's line (95 of 100, near the top): its name appears in the caption.
    const over = chart.locator('.u-over');
    await over.scrollIntoViewIfNeeded(); // the mouse acts in the viewport
    const box = await over.boundingBox();
    await page.waitForTimeout(200);
    let named = '';
    for (const y of [0.03, 0.05, 0.07, 0.09, 0.11, 0.13]) {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height * y);
      await page.waitForTimeout(100);
      if ((await chart.getByTestId('focused-series').count()) > 0) {
        named = await chart.getByTestId('focused-series').innerText();
        if (named.includes('demo013')) break;
      }
    }
    check(named.includes('demo013'), `hovering the outlier names it: ${named}`);
    await shot(page, 'nodes-chart-40-nodes');
    await chart.locator('.u-legend .u-series', { hasText: 'demo013' }).click();
    check(await chart.locator('.u-legend .u-series', { hasText: 'demo013' }).evaluate((r) => r.classList.contains('u-off')),
      'clicking a legend entry hides its line');
    // Zoom on the job page: dragging over ~20 % of the hour (~12 min = 720 s: 24 points at 30 s) asks for 30 s.
    const finer = page.waitForRequest((r) => r.url().includes('/metrics') && new URL(r.url()).searchParams.get('interval') === '30');
    await over.scrollIntoViewIfNeeded();
    const zoomBox = await over.boundingBox();
    await page.mouse.move(zoomBox.x + zoomBox.width * 0.4, zoomBox.y + zoomBox.height / 2);
    await page.mouse.down();
    await page.mouse.move(zoomBox.x + zoomBox.width * 0.6, zoomBox.y + zoomBox.height / 2, { steps: 5 });
    await page.mouse.up();
    await finer;
    await page.getByLabel('Interval', { exact: true }).locator('option:checked', { hasText: '30s' }).waitFor({ state: 'attached' });
    await page.unroute(/\/api\/jobs\/[^/]+\/metrics(\?.*)?$/);
  });

  await step('tags: the tag input suggests an existing tag', async () => {
    await page.goto(`/jobs/${running.id}`);
    const input = page.getByLabel('New tag');
    await input.fill('e2e-nodes');
    const option = page.getByRole('listbox', { name: 'Existing tags' }).getByRole('button', { name: tag });
    await option.waitFor();
    await shot(page, 'nodes-tag-autocomplete');
    await option.click();
    check((await input.inputValue()) === tag, `the suggestion fills the input: ${await input.inputValue()}`);
  });
  await adm.context.close();
}
