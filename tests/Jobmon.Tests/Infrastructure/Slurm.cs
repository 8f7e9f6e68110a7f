namespace Jobmon.Tests.Infrastructure;

/// <summary>Job start/stop bodies exactly as the shipped SLURM script builds them.</summary>
public sealed record SlurmJob(string Cluster, long Id, string User = "alice", string Partition = "cpuonly", int NumNodes = 2,
    string Nodes = "n001|n002", long StartTime = 1_750_000_000, int Gpus = 0, string Name = "simulation", string Account = "proj1",
    string Group = "hpcusers", int NumTasks = 8)
{
    public string StartJson() => $$"""
        {"Id": {{Id}}, "userName": "{{User}}", "userId": 1000, "groupName": "{{Group}}", "groupId": 100, "account": "{{Account}}",
         "jobName": "{{Name}}", "clusterId": "{{Cluster}}", "partition": "{{Partition}}", "numNodes": {{NumNodes}}, "numTasks": {{NumTasks}},
         "tasksPerNode": 4, "GPUsPerNode": {{Gpus}}, "startTime": {{StartTime}}, "nodeList": "{{Nodes}}", "isRunning": true,
         "jobScript": "noJobSript", "projectId": "noProject"}
        """;

    public static string StopJson(int exitCode, long stopTime) => $$"""{"exitCode": {{exitCode}}, "stopTime": {{stopTime}}}""";
}
