import { describe, expect, it } from 'vitest';
import { clampPage, describeMessageType, messageTypes, pageCount, shortMessageType } from './deadLetters';

describe('dead letters', () => {
  it('names message types for admins', () => {
    expect(shortMessageType('Jobmon.Metrics.FinalizeJobMetrics')).toBe('FinalizeJobMetrics');
    expect(shortMessageType('Outer+Nested')).toBe('Nested');
    expect(shortMessageType('alias')).toBe('alias');
    expect(describeMessageType('Jobmon.Metrics.FinalizeJobMetrics')).toBe('Job-end statistics');
    expect(describeMessageType('Jobmon.Infrastructure.NotifyAdmins')).toBe('Mail to the admins');
    expect(describeMessageType('Some.Other.Message')).toBe('Message');
  });
  it('lists each message type once, in order', () => {
    expect(messageTypes([{ messageType: 'b' }, { messageType: 'a' }, { messageType: 'b' }])).toEqual(['b', 'a']);
    expect(messageTypes([])).toEqual([]);
  });
  it('pages', () => {
    expect(pageCount(0, 50)).toBe(1);
    expect(pageCount(50, 50)).toBe(1);
    expect(pageCount(51, 50)).toBe(2);
    expect(clampPage(3, 51, 50)).toBe(2); // rows requeued: the third page no longer exists
    expect(clampPage(0, 10, 50)).toBe(1);
    expect(clampPage(2, 120, 50)).toBe(2);
  });
});
