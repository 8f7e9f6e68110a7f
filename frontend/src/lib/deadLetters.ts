// Dead letters (messages whose retry budget was used up): names and paging for the admin page.

/** What a message type means to an admin; unknown types show their last name part. */
const KNOWN: Record<string, string> = {
  FinalizeJobMetrics: 'Job-end statistics',
  NotifyAdmins: 'Mail to the admins',
  MailFinding: 'Finding mail',
};

/** "Jobmon.Metrics.FinalizeJobMetrics" → "FinalizeJobMetrics" (Wolverine stores the full name or an alias). */
export function shortMessageType(messageType: string): string {
  const parts = messageType.split(/[.+]/).filter(Boolean);
  return parts.length > 0 ? parts[parts.length - 1] : messageType;
}

export function describeMessageType(messageType: string): string {
  const short = shortMessageType(messageType);
  return KNOWN[short] ?? short;
}

/** Distinct message types on a page, for the "requeue all of a type" choice, in first-seen order. */
export function messageTypes(items: readonly { messageType: string }[]): string[] {
  return [...new Set(items.map((i) => i.messageType))];
}

/** Pages for a total, at least one. */
export function pageCount(total: number, pageSize: number): number {
  if (pageSize <= 0) return 1;
  return Math.max(1, Math.ceil(total / pageSize));
}

/** The page to show after the list changed (e.g. the last row of the last page was requeued). */
export function clampPage(page: number, total: number, pageSize: number): number {
  return Math.min(Math.max(1, page), pageCount(total, pageSize));
}
