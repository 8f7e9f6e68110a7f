// Issue 18, point 4: job-end processing that keeps failing becomes a dead letter; an admin requeues it in Settings.
// PostgreSQL fails for real: this module holds a lock on the job metric archive table (psql, JOBMON_E2E_PG) while
// ops/e2e runs the backend with lock_timeout 1 s and a tiny job-end retry budget (Jobmon__JobEndRetries__*).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const TABLE = 'jobmon.mt_doc_jobmetricarchive';

async function sql(pg, query) {
  const { stdout } = await exec('psql', [pg, '-Atqc', query]);
  return stdout.trim();
}

async function waitFor(what, probe, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function run({ step, shot, signIn, check, ingest, admin, CLUSTER, USERS, now }) {
  const pg = process.env.JOBMON_E2E_PG;
  let jobId = null;
  let locker = null;

  await step('issue 18: job-end processing blocked by a PostgreSQL lock becomes a dead letter', async () => {
    check(pg, 'JOBMON_E2E_PG is not set (ops/e2e sets it)');
    const slurmId = 918_000 + (now % 1000);
    const started = await ingest('PUT', '/api/job_start', {
      Id: slurmId, userName: 'alice', clusterId: CLUSTER, partition: 'p', numNodes: 2, numTasks: 8, tasksPerNode: 4,
      GPUsPerNode: 0, startTime: now - 3600, nodeList: 'n1|n2', jobName: 'dead-letter-demo', account: 'a',
      groupName: 'g', isRunning: true,
    });
    jobId = started.json.jobId;
    check(jobId, `no job id in ${started.text}`);
    // The lock, held by a psql session until this module kills it.
    const hold = `begin; lock table ${TABLE} in access exclusive mode; select pg_sleep(600); commit;`;
    locker = spawn('psql', [pg, '-qc', hold], { stdio: 'ignore' });
    await waitFor('the archive table lock', async () =>
      (await sql(pg, "select count(*) from pg_locks l join pg_class c on c.oid = l.relation " +
        "where c.relname = 'mt_doc_jobmetricarchive' and l.mode = 'AccessExclusiveLock' and l.granted")) === '1');
    await ingest('PATCH', `/api/job_stop/${slurmId}?cluster=${CLUSTER}`, { exitCode: 0, stopTime: now - 60 });
    const letter = await waitFor('the dead letter', async () => {
      const page = (await admin('GET', '/api/admin/dead-letters?pageSize=200')).json;
      return page.items.find((d) => d.jobId === jobId);
    });
    check(/lock timeout/.test(letter.exceptionMessage), `unexpected error: ${letter.exceptionMessage}`);
    const ready = (await admin('GET', '/health/ready')).json;
    check(ready.checks.deadLetters.count >= 1,
      `readiness does not show the dead letter: ${JSON.stringify(ready.checks.deadLetters)}`);
  });

  const requeueStep = 'issue 18: cause fixed, an admin requeues the dead letter with a reason; the statistics arrive';
  await step(requeueStep, async () => {
    check(jobId, 'no job from the previous step');
    // The cause fixed: the lock holder's session is ended (its transaction rolls back). Killing psql alone would not
    // do: its server process sleeps on without noticing the client is gone.
    await sql(pg, "select pg_terminate_backend(l.pid) from pg_locks l join pg_class c on c.oid = l.relation " +
      "where c.relname = 'mt_doc_jobmetricarchive' and l.granted and l.mode = 'AccessExclusiveLock'");
    locker?.kill('SIGTERM');
    await waitFor('the lock to go', async () =>
      (await sql(pg, "select count(*) from pg_locks l join pg_class c on c.oid = l.relation " +
        "where c.relname = 'mt_doc_jobmetricarchive' and l.granted and l.mode = 'AccessExclusiveLock'")) === '0');
    const adm = await signIn(USERS.admin);
    const page = adm.page;
    await page.goto('/settings');
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const row = page.locator(`tr[data-dead-letter]`, { has: page.locator(`a[href="/jobs/${jobId}"]`) });
    await row.waitFor();
    check((await row.textContent()).includes('Job-end statistics'), 'the message type is not described');
    const requeue = row.getByRole('button', { name: 'Requeue' });
    check(await requeue.isDisabled(), 'requeue possible without a reason');
    await page.getByLabel('Reason (required)').fill('e2e: lock released');
    await shot(page, 'dead-letters');
    await requeue.click();
    await page.getByRole('status').filter({ hasText: /Requeued/ }).waitFor();
    await waitFor('the statistics', async () => (await admin('GET', `/api/jobs/${jobId}/history`)).json
      .some((e) => e.type === 'job_metric_statistics_recorded' && e.data.trigger === 'job-end'));
    await page.reload();
    await page.locator('[data-testid="dead-letters-empty"], table[aria-label="Dead letters"]').first().waitFor();
    check((await row.count()) === 0, 'the requeued dead letter is still listed');
    await shot(page, 'dead-letters-requeued');
    await adm.context.close();
  });
  locker?.kill('SIGTERM');
}
