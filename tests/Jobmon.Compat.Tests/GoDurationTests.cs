using Jobmon.Compat;

namespace Jobmon.Compat.Tests;

public class GoDurationTests
{
    [Theory]
    [InlineData("24h", 24 * 3600_000L)]
    [InlineData("87600h", 87600L * 3600_000)]
    [InlineData("1h30m", 5400_000L)]
    [InlineData("1h30m45s", 5445_000L)]
    [InlineData("1.5h", 5400_000L)]
    [InlineData("30s", 30_000L)]
    [InlineData("500ms", 500L)]
    [InlineData("300ms", 300L)]
    [InlineData(".5s", 500L)]
    [InlineData("5.s", 5_000L)]
    [InlineData("0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("+2m", 120_000L)]
    [InlineData("-1m30s", -90_000L)]
    [InlineData("1h0m0s", 3600_000L)]
    public void Parses_go_durations(string text, long milliseconds)
    {
        GoDuration.Parse(text).ShouldBe(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Fact]
    public void Parses_sub_millisecond_units()
    {
        GoDuration.Parse("1500us").ShouldBe(TimeSpan.FromTicks(15_000));
        GoDuration.Parse("2\u00b5s").ShouldBe(TimeSpan.FromTicks(20));
        GoDuration.Parse("2\u03bcs").ShouldBe(TimeSpan.FromTicks(20));
        GoDuration.Parse("250ns").ShouldBe(TimeSpan.FromTicks(2)); // TimeSpan resolution is 100 ns
    }

    [Theory]
    [InlineData("10x", "unknown unit \"x\" in duration \"10x\"")]
    [InlineData("", "invalid duration \"\" (empty)")]
    [InlineData("10", "missing unit in duration \"10\"")]
    [InlineData("h", "invalid duration \"h\"")]
    [InlineData(".h", "invalid duration \".h\"")]
    [InlineData("1d", "unknown unit \"d\" in duration \"1d\"")]
    [InlineData("1h 30m", "unknown unit \"h \" in duration \"1h 30m\"")]
    [InlineData(" 1h", "invalid duration \" 1h\"")]
    [InlineData("-", "invalid duration \"-\"")]
    [InlineData("9999999h", "invalid duration \"9999999h\" (out of range)")]
    [InlineData("99999999999999999999s", "invalid duration \"99999999999999999999s\" (out of range)")]
    public void Rejects_invalid_durations_with_go_like_messages(string text, string expected)
    {
        GoDuration.TryParse(text, out _, out var error).ShouldBeFalse();
        error!.ShouldStartWith(expected);
        Should.Throw<FormatException>(() => GoDuration.Parse(text)).Message.ShouldStartWith(expected);
    }

    [Fact]
    public void Null_is_rejected_like_empty()
    {
        GoDuration.TryParse(null, out _).ShouldBeFalse();
    }

    [Fact]
    public void Go_range_edge_is_accepted()
    {
        GoDuration.TryParse("2562047h", out var d).ShouldBeTrue();
        d.ShouldBe(TimeSpan.FromHours(2562047));
        GoDuration.TryParse("2562048h", out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(24 * 3600_000L, "24h0m0s")]
    [InlineData(5445_000L, "1h30m45s")]
    [InlineData(1_500L, "1.5s")]
    [InlineData(300L, "300ms")]
    [InlineData(-90_000L, "-1m30s")]
    [InlineData(87600L * 3600_000, "87600h0m0s")]
    public void Formats_like_go(long milliseconds, string expected)
    {
        GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds)).ShouldBe(expected);
    }

    [Fact]
    public void Formats_sub_second_fractions_like_go()
    {
        GoDuration.Format(TimeSpan.FromTicks(15_000)).ShouldBe("1.5ms");
        GoDuration.Format(TimeSpan.FromTicks(20)).ShouldBe("2\u00b5s");
        GoDuration.Format(TimeSpan.FromTicks(1)).ShouldBe("100ns");
    }

    [Theory]
    [InlineData("1h30m45.5s")]
    [InlineData("300ms")]
    [InlineData("87600h")]
    public void Format_round_trips(string text)
    {
        var d = GoDuration.Parse(text);
        GoDuration.Parse(GoDuration.Format(d)).ShouldBe(d);
    }
}
