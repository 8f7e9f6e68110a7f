using Jobmon.Influx;

namespace Jobmon.Influx.Tests;

public class LineProtocolTests
{
    [Theory]
    [InlineData("cpu_load", "cpu_load")]
    [InlineData("cpu load,x", "cpu\\ load\\,x")]
    [InlineData("a=b\"c'd/e", "a=b\"c'd/e")]
    [InlineData("a\\b", "a\\b")]
    [InlineData("a\\,b", "a\\\\,b")]
    public void Measurement_escapes_comma_and_space(string name, string expected) =>
        LineProtocol.EscapeMeasurement(name).ShouldBe(expected);

    [Theory]
    [InlineData("node1", "node1")]
    [InlineData("a b", "a\\ b")]
    [InlineData("a,b", "a\\,b")]
    [InlineData("a=b", "a\\=b")]
    [InlineData("a\"b'c/d", "a\"b'c/d")]
    [InlineData("a\\b", "a\\b")]
    [InlineData("a\\ b", "a\\\\ b")]
    [InlineData("n1.*|()[]{}^$+?", "n1.*|()[]{}^$+?")]
    public void Tag_values_escape_comma_space_and_equals(string value, string expected) =>
        LineProtocol.EscapeTagValue(value).ShouldBe(expected);

    [Fact]
    public void Field_keys_escape_like_tags() =>
        LineProtocol.EscapeFieldKey("f, =k").ShouldBe("f\\,\\ \\=k");

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("a\\", "\"a\\\\\"")]
    [InlineData("x, =y'", "\"x, =y'\"")]
    public void String_fields_are_quoted(string value, string expected) =>
        LineProtocol.QuoteFieldString(value).ShouldBe(expected);

    [Theory]
    [InlineData("")]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\\")]
    [InlineData("tab\t")]
    public void Invalid_tag_values_are_rejected(string value) =>
        Should.Throw<ArgumentException>(() => LineProtocol.EscapeTagValue(value));

    [Fact]
    public void Invalid_names_are_rejected()
    {
        Should.Throw<ArgumentException>(() => LineProtocol.EscapeMeasurement("#comment"));
        Should.Throw<ArgumentException>(() => LineProtocol.EscapeMeasurement("m\n"));
        Should.Throw<ArgumentException>(() => LineProtocol.EscapeTagKey("time"));
        Should.Throw<ArgumentException>(() => LineProtocol.EscapeFieldKey("time"));
        Should.Throw<ArgumentException>(() => LineProtocol.QuoteFieldString("a\nb"));
        Should.Throw<ArgumentNullException>(() => LineProtocol.EscapeTagValue(null!));
    }

    [Fact]
    public void Floats_are_invariant_and_finite()
    {
        LineProtocol.FormatFloat(1.5).ShouldBe("1.5");
        LineProtocol.FormatFloat(1e-7).ShouldBe("1E-07");
        LineProtocol.FormatInteger(-3).ShouldBe("-3i");
        Should.Throw<ArgumentOutOfRangeException>(() => LineProtocol.FormatFloat(double.NaN));
        Should.Throw<ArgumentOutOfRangeException>(() => LineProtocol.FormatFloat(double.NegativeInfinity));
    }

    [Fact]
    public void Timestamps_are_converted_and_rounded_down()
    {
        var t = new DateTimeOffset(2024, 1, 1, 0, 0, 1, 999, TimeSpan.Zero);
        LineProtocol.ToTimestamp(t, WritePrecision.Seconds).ShouldBe(1704067201);
        LineProtocol.ToTimestamp(t, WritePrecision.Milliseconds).ShouldBe(1704067201999);
        LineProtocol.ToTimestamp(t, WritePrecision.Nanoseconds).ShouldBe(1704067201999000000);
        LineProtocol.ToTimestamp(DateTimeOffset.UnixEpoch.AddMilliseconds(-500), WritePrecision.Seconds).ShouldBe(-1);
        LineProtocol.PrecisionParameter(WritePrecision.Seconds).ShouldBe("s");
        LineProtocol.PrecisionParameter(WritePrecision.Milliseconds).ShouldBe("ms");
        LineProtocol.PrecisionParameter(WritePrecision.Nanoseconds).ShouldBe("ns");
    }

    [Fact]
    public void Writer_builds_sorted_lines()
    {
        var w = new LineProtocolWriter(WritePrecision.Seconds);
        w.Point("cpu_load").Tag("type", "node").Tag("hostname", "n 1").Tag("cluster", "c=1")
            .Field("value", 0.5).Timestamp(DateTimeOffset.FromUnixTimeSeconds(1700000000));
        w.Point("job").Field("state", "run\"ning").Field("cores", 4L).Field("ok", true);
        w.ToString().ShouldBe(
            "cpu_load,cluster=c\\=1,hostname=n\\ 1,type=node value=0.5 1700000000\n" +
            "job state=\"run\\\"ning\",cores=4i,ok=true\n");
        w.PointCount.ShouldBe(2);
        w.Clear();
        w.ToString().ShouldBe("");
        w.PointCount.ShouldBe(0);
    }

    [Fact]
    public void Writer_rejects_incomplete_or_inconsistent_points()
    {
        Should.Throw<InvalidOperationException>(() => new LineProtocolWriter().Tag("a", "b"));
        Should.Throw<InvalidOperationException>(() => new LineProtocolWriter().Point("m").Tag("a", "b").ToString());
        Should.Throw<ArgumentException>(() => new LineProtocolWriter().Point("m").Tag("a", "b").Tag("a", "c"));
        Should.Throw<ArgumentException>(() => new LineProtocolWriter().Point("m").Field("v", 1.0).Field("v", 2.0));
        Should.Throw<InvalidOperationException>(() => new LineProtocolWriter().Point("m").Field("v", 1.0).Timestamp(1).Timestamp(2));
        Should.Throw<ArgumentOutOfRangeException>(() => new LineProtocolWriter().Point("m").Field("v", double.NaN));
    }
}
