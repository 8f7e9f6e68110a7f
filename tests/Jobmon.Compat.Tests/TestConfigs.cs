using System.Text.Json.Nodes;
using Jobmon.Compat;

namespace Jobmon.Compat.Tests;

internal static class TestConfigs
{
    public static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "horeka-config.json");

    public static string FixtureJson => File.ReadAllText(FixturePath);

    public const string FlopsGuid = "7afb2c68-774b-45d7-ba52-9ba3fe3bfada";
    public const string NvUtilGuid = "b12aa1f6-d42f-4dbb-ba86-f7a243c71b9a";

    /// <summary>The fixture as a mutable tree, for tests that break one thing.</summary>
    public static JsonObject Fixture() => JsonNode.Parse(FixtureJson)!.AsObject();

    /// <summary>Smallest valid file: one metric, one partition.</summary>
    public static JsonObject Minimal() => JsonNode.Parse("""
        {
          "DBHost": "http://influx:8086",
          "DBToken": "t",
          "JWTSecret": "s",
          "SampleInterval": "30s",
          "Metrics": [
            { "GUID": "11111111-1111-4111-8111-111111111111", "Type": "node", "Measurement": "load_one",
              "AggFn": "mean", "DisplayName": "Load" }
          ],
          "Partitions": { "cpuonly": { "MaxTime": 3600, "Metrics": ["11111111-1111-4111-8111-111111111111"] } }
        }
        """)!.AsObject();

    /// <summary>Parses and returns the error messages (with the source prefix), failing if it parses.</summary>
    public static IReadOnlyList<string> Errors(string json)
    {
        var ex = Should.Throw<OriginalConfigException>(() => OriginalConfig.Parse(json, "config.json"));
        return ex.Errors.Select(e => e.ToString()).ToArray();
    }

    public static IReadOnlyList<string> Errors(JsonNode node) => Errors(node.ToJsonString());
}
