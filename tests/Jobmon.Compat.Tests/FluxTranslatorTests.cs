using Jobmon.Compat;

namespace Jobmon.Compat.Tests;

public class FluxTranslatorTests
{
    [Theory]
    [InlineData("|> filter(fn: (r) => r[\"type\"] == \"socket\")", "type = \"socket\"")]
    [InlineData("|> filter(fn: (r) => r.type == \"socket\")", "type = \"socket\"")]
    [InlineData("|>filter(fn:(r)=>r[\"type\"]==\"socket\")", "type = \"socket\"")]
    [InlineData("  |>  filter( fn : ( r ) =>\n\t r [ \"type\" ]  ==  \"socket\" )  ", "type = \"socket\"")]
    [InlineData("filter(fn: (r) => r.type == \"socket\")", "type = \"socket\"")]
    [InlineData("|> filter(fn: (row) => row.type == \"socket\")", "type = \"socket\"")]
    [InlineData("|> filter(fn: (r) => \"socket\" == r.type)", "type = \"socket\"")]
    [InlineData("|> filter(fn: (r) => r.device != \"lo\")", "device != \"lo\"")]
    [InlineData("|> filter(fn: (r) => r[\"type-id\"] =~ /^[0-3]$/)", "type-id =~ /^[0-3]$/")]
    [InlineData("|> filter(fn: (r) => r.device !~ /^ib\\d+$/)", "device !~ /^ib\\d+$/")]
    [InlineData("|> filter(fn: (r) => r.path =~ /^\\/home\\//)", "path =~ /^/home//")]
    [InlineData("|> filter(fn: (r) => r.name == \"say \\\"hi\\\"\")", "name = \"say \"hi\"\"")]
    public void Single_comparisons(string flux, string expected)
    {
        var t = FluxTranslator.TranslateFilter(flux);
        t.IsTranslatable.ShouldBeTrue(t.Problem);
        t.Problem.ShouldBeNull();
        t.Filters.Count.ShouldBe(1);
        t.Filters[0].ToString().ShouldBe(expected);
    }

    [Fact]
    public void And_combined_in_both_member_forms()
    {
        var t = FluxTranslator.TranslateFilter("|> filter(fn: (r) => r.device == \"ib0\" and r[\"filesystem\"] == \"home\")");
        t.Filters.ShouldBe([new TagFilter("device", "=", "ib0"), new TagFilter("filesystem", "=", "home")]);
    }

    [Fact]
    public void The_original_test_config_filter_translates()
    {
        var t = FluxTranslator.TranslateFilter(
            "|> filter(fn: (r) => r[\"power_control_physical_context\"] == \"Chassis\" and r[\"chassis_typ\"] == \"Blade\")");
        t.Filters.ShouldBe(
        [
            new TagFilter("power_control_physical_context", TagFilter.Equal, "Chassis"),
            new TagFilter("chassis_typ", TagFilter.Equal, "Blade"),
        ]);
    }

    [Fact]
    public void Parenthesised_and_chains_and_chained_filter_steps_are_flattened()
    {
        var t = FluxTranslator.TranslateFilter(
            "|> filter(fn: (r) => (r.a == \"1\" and (r.b =~ /x/)) and r.c != \"3\")\n|> filter(fn: (r) => r.d == \"4\")");
        t.Filters.Select(f => f.ToString()).ShouldBe(["a = \"1\"", "b =~ /x/", "c != \"3\"", "d = \"4\""]);
        t.Filters[1].IsRegex.ShouldBeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Empty_fragment_means_no_filters(string? flux)
    {
        var t = FluxTranslator.TranslateFilter(flux);
        t.IsTranslatable.ShouldBeTrue();
        t.Filters.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("|> filter(fn: (r) => r.a == \"x\" or r.a == \"y\")", "\"or\" cannot be expressed as and-combined tag filters")]
    [InlineData("|> filter(fn: (r) => (r.a == \"x\" or r.b == \"y\") and r.c == \"z\")", "\"or\" cannot be expressed")]
    [InlineData("|> filter(fn: (r) => r._value > 0)", "ordering comparison \">\" is not a tag filter")]
    [InlineData("|> filter(fn: (r) => r.core == 3)", "numeric comparison with 3 is not a tag filter")]
    [InlineData("|> filter(fn: (r) => r._field == \"value\")", "\"_field\" is not a tag")]
    [InlineData("|> filter(fn: (r) => strings.hasPrefix(v: r.host, prefix: \"hkn\"))", "function calls are not supported (strings.hasPrefix(…))")]
    [InlineData("|> filter(fn: (r) => not r.a == \"x\")", "\"not\" is not supported")]
    [InlineData("|> filter(fn: (r) => exists r.gpu)", "\"exists\" is not supported")]
    [InlineData("|> filter(fn: (r) => r.a == \"${x}\")", "string interpolation is not supported")]
    [InlineData("|> filter(fn: (r) => r.a == \"x\", onEmpty: \"keep\")", "filter() argument \"onEmpty\" is not supported")]
    [InlineData("|> map(fn: (r) => ({r with _value: r._value * 8.0}))", "only filter() steps can be translated, found map()")]
    [InlineData("|> filter(fn: (r) => r.a =~ \"x\")", "\"=~\" needs a column on the left and a /regex/ on the right")]
    [InlineData("|> filter(fn: (r) => r.a == r.b)", "comparing two columns is not a tag filter")]
    [InlineData("|> filter(fn: (r) => r.a == \"x\"", "expected ) but found the end")]
    [InlineData("|> filter(fn: (r) => r.a == \"x)", "unterminated string")]
    [InlineData("|> filter(fn: (r) => r.a == true)", "boolean comparison with true is not a tag filter")]
    public void Untranslatable_fragments_are_reported_not_thrown(string flux, string reason)
    {
        var t = FluxTranslator.TranslateFilter(flux);
        t.IsTranslatable.ShouldBeFalse();
        t.Filters.ShouldBeEmpty();
        t.Reason!.ShouldContain(reason);
        t.Problem.ShouldBe($"not translatable: {flux.Trim()} ({t.Reason})");
    }

    [Fact]
    public void Derivative_marks_a_counter_and_respects_nonNegative()
    {
        var t = FluxTranslator.TranslatePostQueryOp(
            "|> derivative(unit: 1s, nonNegative: true, columns: [\"_value\"], timeColumn: \"_time\")");
        t.IsTranslatable.ShouldBeTrue(t.Problem);
        t.IsCounter.ShouldBeTrue();
        t.NonNegative.ShouldBeTrue();
        t.RateUnit.ShouldBe(TimeSpan.FromSeconds(1));

        var plain = FluxTranslator.TranslatePostQueryOp("|> derivative()");
        plain.IsCounter.ShouldBeTrue();
        plain.NonNegative.ShouldBeFalse();
        plain.IsTranslatable.ShouldBeTrue();

        var perMinute = FluxTranslator.TranslatePostQueryOp("|>derivative(unit:1m,nonNegative:false)");
        perMinute.RateUnit.ShouldBe(TimeSpan.FromMinutes(1));
        perMinute.NonNegative.ShouldBeFalse();
    }

    [Fact]
    public void Empty_post_query_op_is_not_a_counter()
    {
        var t = FluxTranslator.TranslatePostQueryOp("");
        t.IsCounter.ShouldBeFalse();
        t.IsTranslatable.ShouldBeTrue();
    }

    [Fact]
    public void Derivative_followed_by_something_else_is_a_counter_with_a_report()
    {
        var t = FluxTranslator.TranslatePostQueryOp(
            "|> derivative(unit: 1s, nonNegative: true) |> map(fn: (r) => ({r with _value: r._value * 8.0}))");
        t.IsCounter.ShouldBeTrue();
        t.NonNegative.ShouldBeTrue();
        t.IsTranslatable.ShouldBeFalse();
        t.Problem.ShouldBe("not translatable: |> map(fn: (r) => ({r with _value: r._value * 8.0})) (only derivative() can be translated, not map())");
    }

    [Theory]
    [InlineData("|> difference(nonNegative: true)", false, "only derivative() can be translated")]
    [InlineData("|> aggregateWindow(every: 1m, fn: max)", false, "only derivative() can be translated")]
    [InlineData("|> derivative(unit: 1s, columns: [\"bytes\"])", true, "columns other than [\"_value\"]")]
    [InlineData("|> derivative(unit: 1s, initialZero: true)", true, "initialZero: true is not supported")]
    [InlineData("|> derivative(unit: 1s, nonNegative: true", true, "unbalanced parentheses")]
    [InlineData("|> derivative(unit: 1s, nonNegative: true) |> derivative()", true, "more than one derivative()")]
    [InlineData("|> derivative(unit: fast)", true, "unit \"fast\" is not a positive duration")]
    public void Other_post_query_ops_are_reported(string flux, bool counter, string reason)
    {
        var t = FluxTranslator.TranslatePostQueryOp(flux);
        t.IsCounter.ShouldBe(counter);
        t.IsTranslatable.ShouldBeFalse();
        t.Reason!.ShouldContain(reason);
        t.Problem!.ShouldStartWith("not translatable: ");
    }

    [Fact]
    public void Unparseable_derivative_still_detects_the_counter_and_nonNegative()
    {
        var t = FluxTranslator.TranslatePostQueryOp("|> derivative(unit: 1s, nonNegative: true) # comment");
        t.IsCounter.ShouldBeTrue();
        t.NonNegative.ShouldBeTrue();
        t.IsTranslatable.ShouldBeFalse();
        t.Reason.ShouldBe("unexpected character '#'");
    }
}

public class NameBasedGuidTests
{
    [Fact]
    public void Matches_the_rfc_4122_v5_reference_vector()
    {
        // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") in Python.
        NameBasedGuid.Create(new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org")
            .ShouldBe(new Guid("886313e1-3b8a-5372-9b90-0c9aee199e5d"));
    }
}
