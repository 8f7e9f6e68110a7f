using Jobmon.Influx;

namespace Jobmon.Influx.Tests;

public class InfluxQlTests
{
    [Theory]
    [InlineData("cpu_load", "\"cpu_load\"")]
    [InlineData("type-id", "\"type-id\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("a\\\"", "\"a\\\\\\\"\"")]
    [InlineData("x\ny", "\"x\\ny\"")]
    [InlineData("it's", "\"it's\"")]
    public void Identifier_is_double_quoted_and_escaped(string name, string expected) =>
        InfluxQl.Identifier(name).ShouldBe(expected);

    [Fact]
    public void Identifier_rejects_empty_and_null()
    {
        Should.Throw<ArgumentException>(() => InfluxQl.Identifier(""));
        Should.Throw<ArgumentNullException>(() => InfluxQl.Identifier(null!));
    }

    [Fact]
    public void Qualified_identifier_joins_quoted_parts() =>
        InfluxQl.QualifiedIdentifier("db", "autogen", "cpu load").ShouldBe("\"db\".\"autogen\".\"cpu load\"");

    [Theory]
    [InlineData("node1", "'node1'")]
    [InlineData("'; DROP DATABASE x; --", "'\\'; DROP DATABASE x; --'")]
    [InlineData("a\\", "'a\\\\'")]
    [InlineData("a\\'", "'a\\\\\\''")]
    [InlineData("say \"hi\"", "'say \"hi\"'")]
    [InlineData("line1\nline2", "'line1\\nline2'")]
    [InlineData("", "''")]
    public void String_literal_is_single_quoted_and_escaped(string value, string expected) =>
        InfluxQl.StringLiteral(value).ShouldBe(expected);

    [Fact]
    public void String_literal_never_contains_an_unescaped_quote()
    {
        string[] hostile = ["'", "\\'", "\\\\'", "'''", "a'b\\", "\\", "x\\\n'"];
        foreach (var value in hostile)
        {
            var literal = InfluxQl.StringLiteral(value);
            // Walk the literal as InfluxQL's scanner does: the only unescaped quote is the closing one.
            var i = 1;
            while (literal[i] != '\'')
            {
                i += literal[i] == '\\' ? 2 : 1;
            }

            i.ShouldBe(literal.Length - 1, $"literal {literal} of {value}");
            literal.ShouldNotContain("\n");
        }
    }

    [Fact]
    public void Regex_escape_escapes_every_metacharacter()
    {
        InfluxQl.RegexEscape(".*|()[]{}^$+?\\").ShouldBe("\\.\\*\\|\\(\\)\\[\\]\\{\\}\\^\\$\\+\\?\\\\");
        InfluxQl.RegexEscape("n1.*").ShouldBe("n1\\.\\*");
        InfluxQl.RegexEscape("a/b").ShouldBe("a/b");
        InfluxQl.RegexEscape("tab\there\n").ShouldBe("tab\\x{09}here\\x{0a}");
        InfluxQl.RegexEscape("plain-name_01").ShouldBe("plain-name_01");
    }

    [Theory]
    [InlineData("n1.*")]
    [InlineData(".*|()[]{}^$+?")]
    [InlineData("a\\b")]
    [InlineData("x]y[")]
    [InlineData("'; DROP DATABASE x; --")]
    public void Regex_escape_matches_only_the_literal_text(string text)
    {
        // RegexEscape's output is also valid .NET regex syntax with the same meaning for these characters.
        var regex = new System.Text.RegularExpressions.Regex("^(?:" + InfluxQl.RegexEscape(text) + ")$");
        regex.IsMatch(text).ShouldBeTrue();
        regex.IsMatch(text + "x").ShouldBeFalse();
        regex.IsMatch("n1x").ShouldBeFalse();
    }

    [Fact]
    public void Regex_literal_escapes_slashes_and_line_breaks()
    {
        InfluxQl.RegexLiteral("a/b").ShouldBe("/a\\/b/");
        InfluxQl.RegexLiteral("^x$").ShouldBe("/^x$/");
        InfluxQl.RegexLiteral("a\nb").ShouldBe("/a\\nb/");
        InfluxQl.RegexLiteral("\\\\/").ShouldBe("/\\\\\\//");
    }

    [Fact]
    public void Exact_match_regex_builds_an_anchored_alternation()
    {
        InfluxQl.ExactMatchRegex(["n1.*", "a/b", "n1.*", "c"]).ShouldBe("/^(?:n1\\.\\*|a\\/b|c)$/");
        InfluxQl.ExactMatchRegex(["hkn0001"]).ShouldBe("/^(?:hkn0001)$/");
    }

    [Fact]
    public void Exact_match_regex_rejects_an_empty_list() =>
        Should.Throw<ArgumentException>(() => InfluxQl.ExactMatchRegex([]));

    [Fact]
    public void Tag_conditions_use_the_helpers()
    {
        InfluxQl.TagEquals("hostname", "n'1").ShouldBe("\"hostname\" = 'n\\'1'");
        InfluxQl.TagIn("hostname", ["a", "b.c"]).ShouldBe("\"hostname\" =~ /^(?:a|b\\.c)$/");
        InfluxQl.TagIn("hostname", ["a", "a"]).ShouldBe("\"hostname\" = 'a'");
    }

    [Theory]
    [InlineData(60, "1m")]
    [InlineData(90, "90s")]
    [InlineData(3600, "1h")]
    [InlineData(7200, "2h")]
    [InlineData(86400, "1d")]
    [InlineData(604800, "1w")]
    [InlineData(30, "30s")]
    public void Duration_uses_the_largest_exact_unit(int seconds, string expected) =>
        InfluxQl.Duration(seconds).ShouldBe(expected);

    [Fact]
    public void Duration_handles_sub_second_values_and_rejects_non_positive()
    {
        InfluxQl.Duration(TimeSpan.FromMilliseconds(1500)).ShouldBe("1500ms");
        InfluxQl.Duration(TimeSpan.FromTicks(15)).ShouldBe("1500ns");
        InfluxQl.Duration(TimeSpan.FromTicks(20)).ShouldBe("2u");
        Should.Throw<ArgumentOutOfRangeException>(() => InfluxQl.Duration(TimeSpan.Zero));
        Should.Throw<ArgumentOutOfRangeException>(() => InfluxQl.Duration(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Time_literal_is_rfc3339_utc()
    {
        InfluxQl.TimeLiteral(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.FromHours(2))).ShouldBe("'2024-05-01T10:00:00Z'");
        InfluxQl.TimeLiteral(new DateTimeOffset(2024, 5, 1, 10, 0, 0, 500, TimeSpan.Zero)).ShouldBe("'2024-05-01T10:00:00.5Z'");
        InfluxQl.TimeLiteral(DateTimeOffset.UnixEpoch.AddTicks(1)).ShouldBe("'1970-01-01T00:00:00.0000001Z'");
    }

    [Fact]
    public void Time_range_is_inclusive_and_ordered()
    {
        var from = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        InfluxQl.TimeRange(from, from.AddHours(1)).ShouldBe("time >= '2024-01-01T00:00:00Z' AND time <= '2024-01-01T01:00:00Z'");
        Should.Throw<ArgumentException>(() => InfluxQl.TimeRange(from, from.AddSeconds(-1)));
    }

    [Theory]
    [InlineData(1.5, "1.5")]
    [InlineData(-2, "-2")]
    [InlineData(1e-7, "0.0000001")]
    [InlineData(-2.5e-5, "-0.000025")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1.25e21, "1250000000000000000000")]
    public void Number_has_no_exponent(double value, string expected) =>
        InfluxQl.Number(value).ShouldBe(expected);

    [Fact]
    public void Number_rejects_nan_and_infinity()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => InfluxQl.Number(double.NaN));
        Should.Throw<ArgumentOutOfRangeException>(() => InfluxQl.Number(double.PositiveInfinity));
    }
}
