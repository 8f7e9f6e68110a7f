using Jobmon.Influx;

namespace Jobmon.Influx.Tests;

public class InfluxResponseParserTests
{
    [Fact]
    public void Parses_series_with_tags_and_mixed_values()
    {
        var result = InfluxResponseParser.Parse("""
            {"results":[{"statement_id":0,"series":[{"name":"cpu_load","tags":{"hostname":"n1"},"columns":["time","value","s","b"],
              "values":[[1700000000000,1.5,"x",true],[1700000060000,null,null,false],[1700000120000,2,"y",null]]}],
              "messages":[{"level":"warning","text":"deprecated"}]}]}
            """);
        var series = result.Series.ShouldHaveSingleItem();
        series.Name.ShouldBe("cpu_load");
        series.Tags["hostname"].ShouldBe("n1");
        series.Columns.ShouldBe(["time", "value", "s", "b"]);
        series.GetPoints().ShouldBe(
        [
            new InfluxPoint(DateTimeOffset.FromUnixTimeSeconds(1700000000), 1.5),
            new InfluxPoint(DateTimeOffset.FromUnixTimeSeconds(1700000060), null),
            new InfluxPoint(DateTimeOffset.FromUnixTimeSeconds(1700000120), 2),
        ]);
        series.Rows[2][1].ShouldBeOfType<long>();
        series.GetString(0, "s").ShouldBe("x");
        series.GetValue(0, "b").ShouldBe(true);
        result.Results[0].Messages.ShouldHaveSingleItem().ShouldBe(new InfluxMessage("warning", "deprecated"));
        Should.Throw<KeyNotFoundException>(() => series.GetDouble(0, "nope")).Message.ShouldContain("time, value, s, b");
        Should.Throw<InvalidCastException>(() => series.GetDouble(0, "s"));
    }

    [Fact]
    public void Empty_statement_has_no_series()
    {
        var result = InfluxResponseParser.Parse("""{"results":[{"statement_id":0}]}""");
        result.Results.ShouldHaveSingleItem().Series.ShouldBeEmpty();
        result.Series.ShouldBeEmpty();
    }

    [Fact]
    public void Statement_and_top_level_errors_become_query_exceptions()
    {
        var ex = Should.Throw<InfluxQueryException>(() => InfluxResponseParser.Parse(
            """{"results":[{"statement_id":0,"series":[]},{"statement_id":1,"error":"database not found: x"}]}"""));
        ex.StatementId.ShouldBe(1);
        ex.ServerMessage.ShouldBe("database not found: x");
        ex.Message.ShouldContain("database not found: x");

        Should.Throw<InfluxQueryException>(() => InfluxResponseParser.Parse("""{"error":"error parsing query: boom"}"""))
            .ServerMessage.ShouldBe("error parsing query: boom");
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>proxy error</html>")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("""{"results":{}}""")]
    [InlineData("""{"results":[1]}""")]
    [InlineData("""{"results":[{"statement_id":"0"}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":{}}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[null]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":"m"}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":"m","columns":[1]}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":5,"columns":["a"]}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":"m","columns":["a"],"values":{}}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":"m","columns":["a"],"values":[1]}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":"m","columns":["a","b"],"values":[[1]]}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":"m","columns":["a"],"values":[[[1]]]}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":"m","columns":["a"],"values":[[1e999]]}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":"m","tags":[],"columns":["a"]}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"series":[{"name":"m","tags":{"h":1},"columns":["a"]}]}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"messages":"x"}]}""")]
    [InlineData("""{"results":[{"statement_id":0,"partial":"yes"}]}""")]
    public void Unexpected_shapes_raise_protocol_exceptions(string json) =>
        Should.Throw<InfluxProtocolException>(() => InfluxResponseParser.Parse(json)).Message.ShouldNotBeNullOrWhiteSpace();

    [Fact]
    public void Bad_time_values_raise_protocol_exceptions()
    {
        var series = InfluxResponseParser.Parse("""{"results":[{"series":[{"name":"m","columns":["time","value"],"values":[[true,1]]}]}]}""").Series[0];
        Should.Throw<InfluxProtocolException>(() => series.GetTime(0));
    }

    [Theory]
    [InlineData("""{"error":"database not found: \"x\""}""", null, "database not found: \"x\"")]
    [InlineData("plain text failure\n", null, "plain text failure")]
    [InlineData("", "from header", "from header")]
    [InlineData("", null, "(empty answer)")]
    [InlineData("{broken", null, "{broken")]
    public void Error_bodies_are_reduced_to_the_message(string body, string? header, string expected) =>
        InfluxResponseParser.ErrorMessageFromBody(body, header).ShouldBe(expected);
}
