// Issue 15, the rest: a signed-out login page without console errors, the UI served compressed and cached, the tag
// page, personal usage and the statistics filters (user and admin), tables on a 390 px phone.
//
// Its own cluster and two users of its own (carol, dan), so the usage figures are exact whatever ran before:
//   carol  A completed  2 nodes  now-3h  → now-1h     4 node-h
//          B failed     1 node   now-2h  → now-1.5h   0.5 node-h
//          C running    4 nodes  now-1h  → (now)      4 node-h and growing
//   dan    D completed  3 nodes  now-2h  → now-1h     3 node-h
// (dates near a UTC month start would split carol's jobs over two months; the checks use the totals row).

const PHONE = { width: 390, height: 844 };

export async function run({ step, shot, signIn, newContext, check, admin, ingest, ensureUser, CLUSTER, now, BASE }) {
  const cluster = `${CLUSTER}u`;
  const carol = `e2e-carol-${now}`;
  const dan = `e2e-dan-${now}`;
  await ensureUser(carol, ['user']);
  await ensureUser(dan, ['user']);
  let slurm = 9100;
  const start = async (user, numNodes, startTime, stop) => {
    const id = (slurm += 1);
    const nodeList = Array.from({ length: numNodes }, (_, i) => `u${i + 1}`).join('|');
    const r = await ingest('PUT', '/api/job_start', {
      Id: id, userName: user, clusterId: cluster, partition: 'p', numNodes, numTasks: numNodes, tasksPerNode: 1,
      GPUsPerNode: 0, startTime, nodeList, jobName: `usage-${id}`, account: 'a', groupName: 'g', isRunning: true,
    });
    if (stop) await ingest('PATCH', `/api/job_stop/${id}?cluster=${cluster}`, stop);
    return { id: r.json.jobId, slurmId: id };
  };
  const a = await start(carol, 2, now - 3 * 3600, { exitCode: 0, stopTime: now - 3600 });
  const b = await start(carol, 1, now - 2 * 3600, { exitCode: 256, stopTime: now - 5400 }); // exit status 1
  const c = await start(carol, 4, now - 3600);
  const d = await start(dan, 3, now - 2 * 3600, { exitCode: 0, stopTime: now - 3600 });
  // Two runs of one job name (alice, a cluster of their own): the job page compares the later with the earlier.
  const simName = `ui15-sim-${now}`;
  const sim = async (id, startTime, stopTime) => {
    const r = await ingest('PUT', '/api/job_start', {
      Id: id, userName: 'alice', clusterId: `${CLUSTER}c`, partition: 'p', numNodes: 2, numTasks: 2, tasksPerNode: 1,
      GPUsPerNode: 0, startTime, nodeList: 'n1|n2', jobName: simName, account: 'a', groupName: 'g', isRunning: true,
    });
    await ingest('PATCH', `/api/job_stop/${id}?cluster=${CLUSTER}c`, { exitCode: 0, stopTime });
    return r.json.jobId;
  };
  const earlierRun = await sim(9201, now - 5 * 3600, now - 4 * 3600);
  const laterRun = await sim(9202, now - 3600, now - 1800);
  const tag = (name) => `ui15-${now}-${name}`;
  for (const [job, name] of [[a, 'campaign'], [b, 'campaign'], [a, 'solo'], [d, 'campaign'], [d, 'dan-only']]) {
    await admin('POST', `/api/jobs/${job.id}/tags`, { name: tag(name), visibility: 'public' });
  }
  await admin('POST', '/api/admin/api-keys', { name: `ui15-key-${now}`, role: 'read-only' }, [400]);
  // Usage is a projection (asynchronous): wait until carol's two ended jobs and the running one are counted.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await admin('GET', `/api/usage?user=${carol}&cluster=${cluster}`);
    if (r.json?.totals?.jobs === 2 && r.json?.totals?.running === 1) break;
    if (Date.now() > deadline) throw new Error(`usage of ${carol} not projected: ${JSON.stringify(r.json?.totals)}`);
    await new Promise((r2) => setTimeout(r2, 250));
  }

  /** The usage table's Total row as numbers by column header. */
  const totals = async (page, table) => {
    const root = table ?? page.locator('[data-testid="usage-table"]');
    await root.locator('tfoot tr').waitFor();
    return root.evaluate((t) => {
      const heads = [...t.querySelectorAll('thead th')].map((th) => th.textContent.trim());
      const cells = [...t.querySelectorAll('tfoot tr > *')].map((x) => x.textContent.trim());
      return Object.fromEntries(heads.map((h, i) => [h, cells[i]]));
    });
  };
  const num = (text) => Number(String(text).replace(/,/g, ''));

  /** Tables on this page that scroll sideways, and links/buttons in tables outside the viewport. */
  const offScreen = (page) =>
    page.evaluate(() => {
      const bad = [];
      for (const w of document.querySelectorAll('.table-wrap')) {
        if (w.offsetParent !== null && w.scrollWidth - w.clientWidth > 1) bad.push(`table scrolls by ${w.scrollWidth - w.clientWidth}px`);
      }
      for (const el of document.querySelectorAll('table a, table button')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue; // hidden (a column left out on phones)
        if (r.left < -1 || r.right > window.innerWidth + 1) bad.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" at ${Math.round(r.left)}–${Math.round(r.right)}px`);
      }
      return bad;
    });

  await step('ui15: the signed-out login page logs no console error (the session check answers 200, not 401)', async () => {
    const browserContext = await newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE });
    const page = await browserContext.newPage();
    const errors = [];
    const failed = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`); });
    await page.goto('/jobs');
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.waitForLoadState('networkidle');
    check(errors.length === 0, `console errors on the login page: ${errors.join(' | ')}`);
    check(failed.length === 0, `failed requests on the login page: ${failed.join(', ')}`);
    await shot(page, 'ui15-login-no-console-errors');
    await browserContext.close();
  });

  await step('ui15: the UI is served compressed; hashed assets cached a year, index.html revalidated', async () => {
    const browserContext = await newContext({ baseURL: BASE });
    const page = await browserContext.newPage();
    const responses = [];
    page.on('response', (r) => responses.push(r));
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.waitForLoadState('networkidle');
    const doc = responses.find((r) => r.request().resourceType() === 'document');
    check(doc.headers()['cache-control'] === 'no-cache', `index.html Cache-Control: ${doc.headers()['cache-control']}`);
    check(['br', 'gzip'].includes(doc.headers()['content-encoding']), `index.html Content-Encoding: ${doc.headers()['content-encoding']}`);
    const script = responses.find((r) => /\/assets\/index-[\w-]+\.js$/.test(new URL(r.url()).pathname));
    check(script, 'the entry script was loaded');
    const h = script.headers();
    check(h['cache-control'] === 'public, max-age=31536000, immutable', `script Cache-Control: ${h['cache-control']}`);
    check(h['content-encoding'] === 'br', `script Content-Encoding (Chromium accepts br): ${h['content-encoding']}`);
    const sizes = await script.request().sizes();
    const body = await script.body();
    console.log(`       entry script: ${body.length} bytes, ${sizes.responseBodySize} bytes on the wire (br)`);
    check(sizes.responseBodySize > 0 && sizes.responseBodySize < body.length / 2, `compressed ${sizes.responseBodySize} of ${body.length} bytes`);
    await browserContext.close();
  });


  // An automatic finding on job A (the classifier's tag, put into the real answer: a finding needs job-end
  // statistics from a classifier rule, which these jobs do not meet). The API's refusal is UiIssue15Tests'.
  const finding = { name: 'memory-bound', createdBy: 'jobmon-classifier', visibility: 'public', createdAt: new Date().toISOString(),
    reason: 'memory bandwidth near the peak' };
  const withFinding = async (p) =>
    p.route(new RegExp(`/api/jobs/${a.id}$`), async (route) => {
      const res = await route.fetch();
      const job = await res.json();
      return route.fulfill({ response: res, json: { ...job, tags: [...job.tags, finding] } });
    });
  const removeButtons = (p) => p.locator('.tag-list button', { hasText: 'Remove' }).evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));

  const user = await signIn(carol);
  const page = user.page;

  await step('ui15: a tag chip on the job page opens the tag page (own jobs only), a tag opens the filtered job list', async () => {
    await page.goto(`/jobs/${a.id}`);
    await page.locator('a.tag-link', { hasText: tag('campaign') }).click();
    await page.waitForURL((u) => u.pathname === '/tags' && u.searchParams.get('tag') === tag('campaign'));
    const rows = page.locator('[data-testid="tag-table"] tbody tr');
    await rows.first().waitFor();
    const mine = (await rows.evaluateAll((trs) => trs.map((tr) => `${tr.dataset.tag}=${tr.cells[1].textContent}`)))
      .filter((t) => t.startsWith(`ui15-${now}-`));
    check(JSON.stringify(mine) === JSON.stringify([`${tag('campaign')}=2`, `${tag('solo')}=1`]),
      `carol sees her tags with her counts only (not dan's job or tag): ${mine}`);
    check(await page.locator(`tr[data-tag="${tag('campaign')}"]`).getAttribute('aria-current') === 'true', 'the chip\'s tag is highlighted');
    await shot(page, 'ui15-tags-user');
    await page.locator(`tr[data-tag="${tag('campaign')}"] a`).click();
    await page.waitForURL((u) => u.pathname === '/jobs' && u.searchParams.get('tags') === tag('campaign'));
    await page.locator(`tr[data-job-id="${a.id}"]`).waitFor();
    await page.locator(`tr[data-job-id="${b.id}"]`).waitFor();
    check(await page.locator('.jobs-table tbody tr').count() === 2, 'the list shows exactly her two jobs with the tag');
    await page.getByRole('link', { name: 'Tags', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/tags');
    await page.getByLabel('Find a tag').fill(`${now}-so`);
    check(await page.locator('[data-testid="tag-table"] tbody tr').count() === 1, 'the find box narrows the list');
  });

  await step('ui15: personal usage page (carol): her node-hours count the running job up to now', async () => {
    await page.getByRole('link', { name: 'My usage' }).click();
    await page.getByRole('heading', { name: `Usage · ${carol}` }).waitFor();
    const t = await totals(page);
    check(t['Jobs ended'] === '2' && t.Running === '1', `jobs ended 2, running 1: ${JSON.stringify(t)}`);
    // 4 + 0.5 ended, the running 4-node job for a little over an hour: 8.5 … 8.7 node-hours.
    check(num(t['Node-hours']) >= 8.5 && num(t['Node-hours']) <= 8.7, `node-hours 8.5 + running: ${t['Node-hours']}`);
    check(num(t['Wall-hours']) >= 3.5 && num(t['Wall-hours']) <= 3.6, `wall-hours 2 + 0.5 + ~1: ${t['Wall-hours']}`);
    await shot(page, 'ui15-usage-personal');
  });

  await step('ui15: statistics page filters (cluster, state, time range) as a normal user', async () => {
    await page.goto('/statistics');
    await page.getByRole('heading', { name: 'Usage', exact: true }).waitFor();
    check(await page.locator('[data-testid="usage-users"]').count() === 0, 'no per-user table for a normal user');
    await page.locator('[aria-label="Cluster"]').fill(cluster);
    await page.waitForFunction(() => document.querySelector('[data-testid="usage-table"] tfoot td')?.textContent === '2');
    let t = await totals(page);
    check(t.Running === '1', `carol's running job: ${JSON.stringify(t)}`);
    await page.locator('[aria-label="State"]').selectOption('completed');
    await page.waitForFunction(() => document.querySelector('[data-testid="usage-table"] tfoot td')?.textContent === '1');
    t = await totals(page);
    check(t['Node-hours'] === '4.00' && t['Wall-hours'] === '2.00', `completed only: job A, 2 nodes × 2 h: ${JSON.stringify(t)}`);
    await shot(page, 'ui15-statistics-filters-user');
    // A window a month ago: none of these jobs.
    const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.locator('[aria-label="State"]').selectOption('');
    await page.locator('[aria-label="From"]').fill(day(-40));
    await page.locator('[aria-label="To"]').fill(day(-30));
    await page.waitForFunction(() => document.querySelector('[data-testid="usage-table"] tfoot td')?.textContent === '0');
    t = await totals(page);
    check(t['Node-hours'] === '0', `nothing 30–40 days ago: ${JSON.stringify(t)}`);
    check((await page.locator('[data-testid="usage-table"] caption').innerText()).startsWith(day(-40)), 'the caption names the window');
    // Someone else's usage page is for admins.
    await page.goto(`/usage/${dan}`);
    await page.getByRole('alert').filter({ hasText: 'This page is for administrators' }).waitFor();
  });

  await step('ui15: sorting by duration ranks the running job by its duration so far', async () => {
    await page.goto(`/jobs?cluster=${cluster}&sort=duration&order=desc`);
    await page.locator(`tr[data-job-id="${c.id}"]`).waitFor();
    const order = await page.locator('.jobs-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.jobId));
    // A 2 h, C running for 1 h, B 30 min.
    check(JSON.stringify(order) === JSON.stringify([a.id, c.id, b.id]), `longest first, running job by its current duration: ${order}`);
    await page.getByRole('button', { name: /^Duration/ }).click();
    await page.waitForURL((u) => u.searchParams.get('order') === 'asc');
    await page.waitForFunction((first) => document.querySelector('.jobs-table tbody tr')?.dataset.jobId === first, b.id);
    await shot(page, 'ui15-duration-sort');
  });

  await step('ui15: a user may remove her own tag but not an automatic finding on her job', async () => {
    await withFinding(page);
    await page.goto(`/jobs/${a.id}`);
    await page.locator('.tag-list [data-finding="memory-bound"]').waitFor();
    const buttons = await removeButtons(page);
    check(buttons.includes(`Remove tag ${tag('solo')}`) && !buttons.includes('Remove tag memory-bound'),
      `carol's remove buttons: ${buttons}`);
    await page.locator('section[aria-labelledby="tags-title"]').scrollIntoViewIfNeeded();
    await shot(page, 'ui15-finding-user-cannot-remove');
    await page.unroute(new RegExp(`/api/jobs/${a.id}$`));
  });

  await step('jobs: at 390 px the list shows each job as a card with its Duration, and every link and button on screen', async () => {
    const phone = await user.context.newPage();
    await phone.setViewportSize(PHONE);
    await phone.goto(`/jobs?cluster=${cluster}`);
    await phone.locator(`tr[data-job-id="${a.id}"]`).waitFor();
    const duration = phone.locator(`tr[data-job-id="${a.id}"] td[data-label="Duration"]`);
    check(await duration.isVisible(), 'the Duration cell is shown');
    check((await duration.innerText()).includes('2h'), `job A's duration: ${await duration.innerText()}`);
    const box = await duration.boundingBox();
    check(box.x >= 0 && box.x + box.width <= PHONE.width, `Duration on screen: ${box.x}–${box.x + box.width}`);
    const sortDuration = phone.getByRole('button', { name: /^Duration/ });
    const sortBox = await sortDuration.boundingBox();
    check(sortBox && sortBox.x + sortBox.width <= PHONE.width, 'the Duration sort button is reachable');
    await sortDuration.click();
    await phone.waitForURL((u) => u.searchParams.get('sort') === 'duration');
    const bad = await offScreen(phone);
    check(bad.length === 0, `off screen: ${bad.join('; ')}`);
    await shot(phone, 'ui15-jobs-cards-390px');
    await phone.goto('/tags');
    await phone.locator('[data-testid="tag-table"] tbody tr').first().waitFor();
    const badTags = await offScreen(phone);
    check(badTags.length === 0, `tag page off screen: ${badTags.join('; ')}`);
    await shot(phone, 'ui15-tags-390px');
    await phone.goto(`/nodes/${cluster}/u1?from=${new Date((now - 4 * 3600) * 1000).toISOString()}`);
    await phone.locator(`[data-testid="node-jobs"] tr[data-job-id="${a.id}"]`).waitFor();
    const badNode = await offScreen(phone);
    check(badNode.length === 0, `node page off screen: ${badNode.join('; ')}`);
    await shot(phone, 'ui15-node-jobs-390px');
    await phone.close();
  });
  await user.context.close();

  const adm = await signIn('e2e-admin');
  const apage = adm.page;

  await step('ui15: an admin may remove an automatic finding', async () => {
    await withFinding(apage);
    await apage.goto(`/jobs/${a.id}`);
    await apage.locator('.tag-list [data-finding="memory-bound"]').waitFor();
    const buttons = await removeButtons(apage);
    check(buttons.includes('Remove tag memory-bound'), `admin's remove buttons: ${buttons}`);
    await apage.unroute(new RegExp(`/api/jobs/${a.id}$`));
  });

  await step('ui15: an admin sees every tag with all jobs counted', async () => {
    await apage.goto(`/tags?tag=${encodeURIComponent(tag('dan-only'))}`);
    await apage.locator(`tr[data-tag="${tag('dan-only')}"]`).waitFor();
    const counts = await apage.locator('[data-testid="tag-table"] tbody tr').evaluateAll((trs) =>
      Object.fromEntries(trs.map((tr) => [tr.dataset.tag, tr.cells[1].textContent])));
    check(counts[tag('campaign')] === '3' && counts[tag('solo')] === '1' && counts[tag('dan-only')] === '1',
      `admin counts: ${JSON.stringify(counts)}`);
    await shot(apage, 'ui15-tags-admin');
  });

  await step("ui15: an admin filters the statistics by cluster, sees both users, and opens carol's usage page", async () => {
    await apage.goto('/statistics');
    await apage.getByRole('heading', { name: 'Usage (all users)' }).waitFor();
    await apage.locator('[aria-label="Cluster"]').fill(cluster);
    await apage.waitForFunction(() => document.querySelector('[data-testid="usage-table"] tfoot td')?.textContent === '3');
    const users = apage.locator('[data-testid="usage-users"] tbody tr');
    await apage.locator('[data-testid="usage-users"]').getByRole('link', { name: dan }).waitFor();
    check(await users.count() === 2, `carol and dan: ${await users.count()} rows`);
    await shot(apage, 'ui15-statistics-admin-cluster');
    await apage.locator('[data-testid="usage-users"]').getByRole('link', { name: carol }).click();
    await apage.waitForURL((u) => u.pathname === `/usage/${carol}`);
    await apage.getByRole('heading', { name: `Usage · ${carol}` }).waitFor();
    const t = await totals(apage);
    check(t['Jobs ended'] === '2' && t.Running === '1', `carol's figures for the admin: ${JSON.stringify(t)}`);
    await shot(apage, 'ui15-usage-admin-other-user');
  });

  await step('ui15: the job page shows the energy, compares with the earlier run of the same name and draws the roofline', async () => {
    await apage.goto(`/jobs/${laterRun}`);
    const table = apage.locator('[data-testid="compare-table"]');
    await table.locator('tbody tr').nth(1).waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
    check(rows.length === 2 && rows[0][0] === 'this job (9202)' && rows[1][0] === '9201', `this job and the earlier run: ${JSON.stringify(rows)}`);
    check(rows[0][2] === '30m 00s' && rows[1][2] === '1h 00m', `runtimes 30 min and 1 h: ${rows[0][2]}, ${rows[1][2]}`);
    check(rows[0][4].endsWith('FLOP/s') && rows[1][4] === '–', `FLOP rate from InfluxDB for this job, none for the earlier (no samples then): ${rows[0][4]}, ${rows[1][4]}`);
    // ops/e2e writes cpu_power at 200 W per node: 2 nodes × 200 W × 0.5 h = 0.2 kWh.
    const energy = await apage.locator('[data-testid="job-energy"]').innerText();
    const kwh = Number(/([\d.]+) kWh/.exec(energy)?.[1]);
    check(kwh >= 0.19 && kwh <= 0.21 && energy.includes('cpu_power'), `energy of this job: ${energy}`);
    check(rows[0][6] === `${kwh.toFixed(3)} kWh` && rows[1][6] === '–', `energy column: ${rows[0][6]}, ${rows[1][6]}`);
    // The samples of n1 and n2 (ops/e2e) cover this job: one dot per node and window under the roof.
    const roof = apage.locator('[data-testid="roofline"] svg');
    await roof.waitFor();
    check(/Roofline: [1-9]\d* points/.test(await roof.getAttribute('aria-label')), `roofline points: ${await roof.getAttribute('aria-label')}`);
    await apage.locator('[data-testid="job-performance"]').scrollIntoViewIfNeeded();
    await shot(apage, 'ui15-compare-roofline');
  });

  await step('ui15: an admin corrects the account with a reason; the history shows the new value and the reason', async () => {
    await apage.goto(`/jobs/${laterRun}`);
    const correct = apage.getByRole('button', { name: 'Correct metadata' });
    await correct.waitFor();
    await apage.locator('input[name="correct-account"]').fill('b-corrected');
    check(await correct.isDisabled(), 'correcting possible without a reason');
    await apage.locator('input[name="admin-reason"]').fill('e2e: ticket 4711, wrong account');
    await correct.click();
    const event = apage.locator('[data-event-type]', { hasText: 'e2e: ticket 4711, wrong account' });
    await event.waitFor();
    const text = await event.innerText();
    check(text.includes('Metadata corrected') && text.includes('account → "b-corrected"'), `readable correction: ${text}`);
    await shot(apage, 'ui15-metadata-corrected');
  });

  await step('settings: at 390 px the admin tables (API keys, users, projections, catalogue) keep their buttons on screen', async () => {
    const phone = await adm.context.newPage();
    await phone.setViewportSize(PHONE);
    await phone.goto('/settings');
    await phone.locator('table[aria-label="Users"] tbody tr').first().waitFor();
    await phone.locator('table[aria-label="Projections"] tbody tr').first().waitFor();
    await phone.locator('table[aria-label="API keys"] tbody tr').first().waitFor();
    const revoke = phone.locator('table[aria-label="API keys"]').getByRole('button', { name: 'Revoke' }).first();
    check(await revoke.isVisible(), 'a Revoke button is shown');
    const bad = await offScreen(phone);
    check(bad.length === 0, `settings off screen: ${bad.join('; ')}`);
    await shot(phone, 'ui15-settings-cards-390px');
    await phone.goto('/settings?tab=catalogue');
    await phone.locator('table[aria-label="Metrics"] tbody tr').first().waitFor();
    const badCat = await offScreen(phone);
    check(badCat.length === 0, `catalogue off screen: ${badCat.join('; ')}`);
    await shot(phone, 'ui15-catalogue-cards-390px');
    await phone.close();
  });
  await adm.context.close();
}
