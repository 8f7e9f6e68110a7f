import type { JobState } from '../lib/filters';

export type { JobState };

export interface Me {
  username: string;
  roles: string[];
}

export interface JobTag {
  name: string;
  createdBy: string;
  visibility: 'private' | 'public';
  createdAt: string;
}

export interface JobListItem {
  id: string;
  cluster: string;
  jobId: number;
  user: string;
  group: string;
  account: string;
  name: string;
  partition: string;
  state: JobState;
  startKnown: boolean;
  startTime: string | null;
  stopTime: string | null;
  durationSeconds: number | null;
  numNodes: number;
  numTasks: number;
  totalGpus: number;
  nodeList: string;
  exitCode: number | null;
  exitDescription: string | null;
  tags: JobTag[];
}

export interface JobPage {
  total: number;
  page: number;
  pageSize: number;
  items: JobListItem[];
}

export interface JobDetail {
  id: string;
  cluster: string;
  jobId: number;
  user: string;
  userId: number | null;
  group: string;
  groupId: number | null;
  account: string;
  name: string;
  partition: string;
  state: JobState;
  startKnown: boolean;
  startTime: string | null;
  stopTime: string | null;
  durationSeconds: number | null;
  numNodes: number;
  numTasks: number;
  tasksPerNode: number;
  gpusPerNode: number;
  totalGpus: number;
  nodes: string[];
  exitCode: number | null;
  exitDescription: string | null;
  endReason: string | null;
  jobScript: string | null;
  tags: JobTag[];
  version: number;
}

export interface TagResult {
  jobId: string;
  outcome: string;
  stored: boolean;
}

export interface Summary {
  id: string;
  cluster?: string;
  partition?: string;
  jobs: number;
  running: number;
  byState: Partial<Record<JobState, number>>;
  nodeHours: number;
  gpuHours: number;
  wallHours: number;
  lastStart: string | null;
}

export interface RebuildStatus {
  projection: string;
  state: 'running' | 'completed' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  startedBy: string | null;
}

export interface ProjectionStatus {
  name: string;
  lifecycle: string;
  shards: { shard: string; sequence: number; behind: number }[];
  rebuild: RebuildStatus | null;
}

export interface ProjectionsOverview {
  highWaterMark: number;
  eventCount: number;
  streamCount: number;
  projections: ProjectionStatus[];
}

export interface AdminUser {
  username: string;
  roles: string[];
  disabled: boolean;
  source: 'local' | 'oidc';
  lastLogin: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  role: 'job-control' | 'read-only';
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revoked: boolean;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  role: string;
  token: string;
}

export interface MetricSeries {
  label: string;
  times: number[];
  values: (number | null)[];
}

export interface Metric {
  name: string;
  displayName: string;
  unit: string;
  category: string;
  scope: string;
  peak: number | null;
  series: MetricSeries[];
  quantiles?: { q25: number[]; q50: number[]; q75: number[]; times: number[] };
}

export interface MetricsResponse {
  interval: number;
  intervals: number[];
  from: string;
  to: string;
  metrics: Metric[];
  errors?: { metric: string; message: string }[];
}
