// Issue 15 (web UI): jobs by SLURM id, readable history with the admin's reason, admin actions, sweep now.
export async function run({ step, shot, signIn, check, ingest, CLUSTER, USERS, now }) {
  const start = (Id, startTime) =>
    ingest('PUT', '/api/job_start', {
      Id, userName: 'alice', clusterId: CLUSTER, partition: 'p', numNodes: 2, numTasks: 8, tasksPerNode: 4, GPUsPerNode: 0,
      startTime, nodeList: 'n1|n2', jobName: `reused-${startTime}`, account: 'a', groupName: 'g', isRunning: true,
    });
  // SLURM id 777 used twice on this run's cluster (the counter wrapped).
  await start(777, now - 7200);
  await ingest('PATCH', `/api/job_stop/777?cluster=${CLUSTER}`, { exitCode: 0, stopTime: now - 6000 });
  await start(777, now - 1800);
  const adm = await signIn(USERS.admin);
  const page = adm.page;

  await step('issue 15: the original\'s /job/<id> and /jobs/<cluster>/<id> reach the job or a chooser of the reused id', async () => {
    await page.goto(`/jobs/${CLUSTER}/123`);
    await page.getByRole('heading', { name: /Job 123/ }).waitFor();
    check(/\/jobs\/[0-9a-f-]{36}$/.test(page.url()), `not on the job page: ${page.url()}`);
    await page.goto(`/job/777`);
    await page.getByRole('heading', { name: 'SLURM id 777: 2 jobs' }).waitFor();
    check(page.url().endsWith('/jobs/777'), `the original's link did not redirect: ${page.url()}`);
    await shot(page, 'issue15-slurm-id-chooser');
    await page.locator('table[aria-label="Jobs with this SLURM id"] a').first().click();
    await page.getByRole('heading', { name: /Job 777/ }).waitFor();
  });

  await step('issue 15: an admin recomputes with a reason; the history shows it, readable, raw event collapsed', async () => {
    await page.goto(`/jobs/${CLUSTER}/123`);
    await page.getByRole('heading', { name: /Job 123/ }).waitFor();
    const recompute = page.getByRole('button', { name: 'Recompute statistics' });
    check(await recompute.isDisabled(), 'recompute possible without a reason');
    await page.getByLabel(/Reason \(required/).fill('e2e: peaks corrected');
    await recompute.click();
    await page.locator('.event-reason', { hasText: 'e2e: peaks corrected' }).waitFor();
    const raw = page.locator('[data-event-type="job_statistics_recompute_requested"] details.event-raw');
    check(!(await raw.evaluate((d) => d.open)), 'raw event is open by default');
    await shot(page, 'issue15-history-reason');
  });

  await step('issue 15: Sweep now in Settings needs a reason and reports the result', async () => {
    await page.goto('/settings');
    const button = page.getByRole('button', { name: 'Sweep now' });
    await button.waitFor();
    check(await button.isDisabled(), 'sweep possible without a reason');
    await page.getByLabel('Reason (required)').fill('e2e sweep');
    await button.click();
    await page.getByRole('status').filter({ hasText: /Examined \d+ jobs, ended \d+/ }).waitFor();
    await shot(page, 'issue15-sweep-now');
  });
  await adm.context.close();
}
