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
  /** Why the automatic classifier set this tag (createdBy 'jobmon-classifier'). */
  reason?: string | null;
}

/** Job-end statistics of one metric (node level: comparable with the metric's peakPerNode). */
export interface MetricSummary {
  unit: string;
  mean: number | null;
  max: number | null;
  robustMax: number | null;
}

export interface JobFinding {
  tag: string;
  reason: string;
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
  statistics?: Record<string, MetricSummary>;
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
  statistics?: Record<string, MetricSummary>;
  findings?: JobFinding[];
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

export interface AuthMethods {
  local: boolean;
  oidc: boolean;
}

export type AccessRequestStatus = 'pending' | 'approved' | 'rejected';

export interface AccessRequest {
  id: string;
  username: string;
  message: string | null;
  rolesAtRequest: string[];
  status: AccessRequestStatus;
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  grantedRoles: string[] | null;
  reason: string | null;
}

export const METRIC_SCOPES = ['node', 'socket', 'core', 'hwthread', 'accelerator', 'memoryDomain'] as const;
export type MetricScope = (typeof METRIC_SCOPES)[number];
export const AGGREGATIONS = ['sum', 'mean', 'min', 'max'] as const;
export type MetricAggregation = (typeof AGGREGATIONS)[number];
export const TAG_OPS = ['equals', 'notEquals', 'matches'] as const;
export type TagOp = (typeof TAG_OPS)[number];

export interface TagFilter {
  key: string;
  op: TagOp;
  value: string;
}

export interface CatalogueMetric {
  name: string;
  displayName: string;
  measurement: string;
  unit: string;
  scope: MetricScope;
  filters: TagFilter[];
  isCounter: boolean;
  defaultAggregation: MetricAggregation;
  aggregations: MetricAggregation[];
  peakPerNode: number | null;
  peakPerDevice: number | null;
  categories: string[];
}

/** PUT /api/admin/catalogue/metrics/{name}: the metric without its name. */
export type CatalogueMetricBody = Omit<CatalogueMetric, 'name'>;

export interface VirtualPartition {
  name: string;
  /** SLURM hostlist expression. */
  nodes: string;
  maxTime: number | null;
  metrics: string[];
}

export interface CataloguePartition {
  name: string;
  /** '' = every cluster. */
  cluster: string;
  maxTime: number | null;
  metrics: string[];
  virtualPartitions: VirtualPartition[];
}

export type CataloguePartitionBody = Omit<CataloguePartition, 'name' | 'cluster'>;

export interface Catalogue {
  metrics: CatalogueMetric[];
  partitions: CataloguePartition[];
  collectorIntervalSeconds: number;
  quantiles: number[];
  radarMetrics: string[];
  version: number;
}

export interface ImportReport {
  dryRun: boolean;
  metrics: string[];
  partitions: string[];
  accounts: string[];
  problems: string[];
}

export interface LogLine {
  time: string;
  level: string;
  category: string;
  message: string;
  correlationId: string | null;
}

export interface TagSearchResult {
  name: string;
  jobs: number;
}
