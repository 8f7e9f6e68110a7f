import type { ApiSchema } from './generated';
import type { JobState } from '../lib/filters';

export type { JobState };

// Generated from the OpenAPI document where it is precise (numbers narrowed, see generated.ts). The other types in
// this file stay hand-written: the document declares no response body for them (summaries, metrics, catalogue,
// admin and access-request endpoints answer untyped "OK"), or it is less precise than the UI's use (JobDetail:
// statistics and findings are optional here because older servers leave them out).
export type JobTag = ApiSchema<'JobTag'>;
/** Job-end statistics of one metric (node level: comparable with the metric's peakPerNode, or with `peak`, the job's
 * partition's per-node peak, which newer servers record; optional until the OpenAPI snapshot is refreshed). */
export type MetricSummary = ApiSchema<'MetricSummary'> & { peak?: number | null };
export type JobFinding = ApiSchema<'JobFinding'>;
export type JobListItem = ApiSchema<'JobListItem'>;
/** GET /api/jobs. */
export type JobPage = ApiSchema<'JobListPage'>;
/** The ingestion result; the tag endpoints answer the same shape (the document does not declare their body). */
export type IngestionResult = ApiSchema<'IngestionResult'>;
export type DeadLetter = ApiSchema<'DeadLetter'>;
export type DeadLetterPage = ApiSchema<'DeadLetterPage'>;
export type DeadLettersRequeued = ApiSchema<'DeadLettersRequeued'>;
export type TagResult = IngestionResult;

export interface Me {
  username: string;
  roles: string[];
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
  /** What a ClusterCockpit client (cc-slurm-adapter) reported beyond the usual fields; null for other sources. */
  scheduler?: SchedulerDetails | null;
  /** SLURM array job id and task id ("123_4"); null for other jobs. */
  arrayJobId?: number | null;
  arrayTaskId?: number | null;
  /** CPUs allocated (SLURM's NumCPUs); null when the sender did not say. */
  numCpus?: number | null;
  /** The end first reported when SLURM's final record corrected it, e.g. "completed, exit code 0 (success)". */
  firstReportedEnd?: string | null;
}

export interface SchedulerDetails {
  walltimeSeconds: number | null;
  submitTime: string | null;
  subCluster: string | null;
  shared: string | null;
  smt: number | null;
  numAcc: number | null;
  numHwthreads: number | null;
  arrayJobId: number | null;
  requestedMemoryMb: number | null;
  monitoringStatus: number | null;
  metaData: Record<string, string>;
  resources: { hostname: string; hwthreads: number[] | null; accelerators: string[] | null; configuration: string | null }[];
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
  /** Jobs per duration bucket: "<1m", "1-10m", "10m-1h", "1-6h", "6-24h", "1-3d", ">3d". */
  durationHistogram?: Record<string, number>;
  /** Jobs per node-count bucket: "1", "2-4", "5-16", "17-64", "65-256", ">256". */
  nodesHistogram?: Record<string, number>;
}

export interface RebuildStatus {
  projection: string;
  state: 'running' | 'completed' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  startedBy: string | null;
  /** Jobs rebuilt so far, of total (bulk job view rebuild only). */
  done?: number | null;
  total?: number | null;
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
  /** "original": a token the original JobMon minted, accepted since its config.json is loaded. */
  source?: string | null;
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

export interface QuantileBands {
  times: number[];
  bands: Record<string, (number | null)[]>;
}

export interface Metric {
  name: string;
  displayName: string;
  unit: string;
  category: string;
  scope: string;
  peak: number | null;
  series: MetricSeries[];
  /** Across-node quantiles (multi-node jobs): one band per configured quantile, keyed "q25", "q50", "q75", "q90"… */
  quantiles?: QuantileBands | null;
  /** Big running jobs: min/median/max across the nodes instead of one line per node; series then hold the outliers. */
  band?: NodeBand | null;
}

export interface NodeOutlier {
  node: string;
  side: 'high' | 'low';
  mean: number;
  median: number;
}

export interface NodeBand {
  nodes: number;
  times: number[];
  min: (number | null)[];
  median: (number | null)[];
  max: (number | null)[];
  outliers: NodeOutlier[];
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
  /** The collector's type=node rows are this aggregation of the device rows (cpustat, likwid: sum); null = none. */
  nodeRows?: MetricAggregation | null;
  /** Factor from the collector's unit (sourceUnit) to unit, e.g. kB → B = 1024. */
  scale?: number;
  sourceUnit?: string | null;
  /** The device rows' type tag when it is not the scope's usual name (the original's "cpu"). */
  scopeTag?: string | null;
}

/** PUT /api/admin/catalogue/metrics/{name}: the metric without its name. */
export type CatalogueMetricBody = Omit<CatalogueMetric, 'name'>;

export interface VirtualPartition {
  name: string;
  /** SLURM hostlist expression. */
  nodes: string;
  maxTime: number | null;
  metrics: string[];
  peaks?: Record<string, MetricPeak> | null;
}

/** A metric's peaks on one kind of node; overrides the catalogue's for a (virtual) partition. */
export interface MetricPeak {
  perNode: number | null;
  perDevice: number | null;
}

export interface CataloguePartition {
  name: string;
  /** '' = every cluster. */
  cluster: string;
  maxTime: number | null;
  metrics: string[];
  virtualPartitions: VirtualPartition[];
  peaks?: Record<string, MetricPeak> | null;
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

/** GET /api/clusters/{cluster}/nodes/{host}: the jobs on a node in a window (others' jobs only counted for users). */
export interface NodeJobs {
  cluster: string;
  host: string;
  from: string;
  to: string;
  jobs: JobListItem[];
  otherJobs: number;
  truncated: boolean;
}

/** GET /api/clusters/{cluster}/nodes/{host}/metrics: one series per metric at `resolution` seconds. */
export interface NodeMetricSeries {
  name: string;
  displayName: string;
  unit: string;
  scope: string;
  aggregation: string;
  peak: number | null;
  times: number[];
  values: (number | null)[];
}

export interface NodeMetrics {
  cluster: string;
  host: string;
  from: string;
  to: string;
  resolution: number;
  metrics: NodeMetricSeries[];
  errors: { metric: string; message: string }[];
}
