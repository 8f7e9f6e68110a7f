import { describe, expect, it } from 'vitest';
import { decodeWaitStatus, eventTitle, summarizeEvent } from './jobs';

describe('decodeWaitStatus', () => {
  it('decodes exit codes and signals', () => {
    expect(decodeWaitStatus(0)).toBe('exit code 0');
    expect(decodeWaitStatus(256)).toBe('exit code 1');
    expect(decodeWaitStatus(9)).toBe('killed by signal 9 (SIGKILL)');
    expect(decodeWaitStatus(11 | 0x80)).toBe('killed by signal 11 (SIGSEGV), core dumped');
    expect(decodeWaitStatus(null)).toBe('–');
  });
});

describe('summarizeEvent', () => {
  it('summarizes known events', () => {
    expect(eventTitle('job_tag_added')).toBe('Tag added');
    expect(eventTitle('job_something_new')).toBe('Something new');
    expect(summarizeEvent({ type: 'job_tag_added', data: { tag: 'slow', addedBy: 'alice', visibility: 'public' } })).toBe(
      'Tag "slow" (public) added by alice',
    );
    expect(summarizeEvent({ type: 'job_ended', data: { state: 'failed', exitCode: 256, startTime: 'x' } })).toBe(
      'Ended failed, exit code 1',
    );
    expect(
      summarizeEvent({ type: 'job_end_corrected', data: { state: 'cancelled', previousState: 'completed', exitCode: 15, reason: null } }),
    ).toBe("SLURM's final state: cancelled, killed by signal 15 (SIGTERM) (first reported completed)");
    expect(summarizeEvent({ type: 'job_timed_out', data: { maxTime: '1.02:00:00', reason: 'ran past MaxTime' } })).toBe(
      'Ended by the overtime sweeper after max time 1d 2h: ran past MaxTime',
    );
    const started = summarizeEvent({
      type: 'job_started',
      data: { user: 'alice', jobName: 'x', slurmId: 123, cluster: 'c1', partition: 'p', numNodes: 2, numTasks: 8, gpusPerNode: 0, nodes: ['n1', 'n2'] },
    });
    expect(started).toBe('alice started "x" (SLURM 123) on c1/p; 2 nodes, 8 tasks; nodes n1, n2');
    expect(summarizeEvent({ type: 'job_metadata_corrected', data: { jobId: 'j', reason: 'typo', account: 'b', jobName: null } })).toBe(
      'account → "b"; reason: typo',
    );
    expect(summarizeEvent({ type: 'other', data: { jobId: 'j', a: 1, b: [1, 2] } })).toBe('a: 1, b: 1, 2');
  });
});
