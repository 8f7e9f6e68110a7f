namespace Jobmon.Tests.Infrastructure;

/// <summary>The original JobMon's job and role tables as its ORM (bun) created them: no indexes, no FKs, nullable columns.</summary>
public static class OriginalSchema
{
    public const string Tables = """
        CREATE TABLE job_metadata (id BIGINT PRIMARY KEY, user_id BIGINT, user_name VARCHAR, group_id BIGINT, group_name VARCHAR, cluster_id VARCHAR,
          num_nodes BIGINT, num_tasks BIGINT, tasks_per_node BIGINT, gp_us_per_node BIGINT, node_list VARCHAR, start_time BIGINT, stop_time BIGINT,
          is_running BOOLEAN, job_name VARCHAR, account VARCHAR, ttl BIGINT, partition VARCHAR, job_script VARCHAR, exit_code BIGINT, data JSONB);
        CREATE TABLE job_tags (id BIGSERIAL PRIMARY KEY, name VARCHAR, type VARCHAR, created_by VARCHAR);
        CREATE TABLE job_to_tags (job_id BIGINT, tag_id BIGINT, PRIMARY KEY (job_id, tag_id));
        CREATE TABLE user_roles (username VARCHAR PRIMARY KEY, roles JSONB);
        """;
}
