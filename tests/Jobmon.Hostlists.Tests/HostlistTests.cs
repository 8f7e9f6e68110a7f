using Jobmon.Hostlists;

namespace Jobmon.Hostlists.Tests;

public class HostlistTests
{
    [Fact]
    public void Expands_the_example_keeping_padding()
    {
        Hostlist.Expand("hkn[0001-0010,0012],gpu[1-2]-ib,node7").ShouldBe(
        [
            "hkn0001", "hkn0002", "hkn0003", "hkn0004", "hkn0005", "hkn0006", "hkn0007", "hkn0008", "hkn0009", "hkn0010",
            "hkn0012", "gpu1-ib", "gpu2-ib", "node7",
        ]);
    }

    [Theory]
    [InlineData("n[8-10]", "n8,n9,n10")]
    [InlineData("n[08-10]", "n08,n09,n10")]
    [InlineData("n[098-100]", "n098,n099,n100")]
    [InlineData("n[1-2,005]", "n1,n2,n005")]
    [InlineData("a[1-2]b[3-4]", "a1b3,a1b4,a2b3,a2b4")]
    [InlineData("r[1-2]n[01-02]-ib", "r1n01-ib,r1n02-ib,r2n01-ib,r2n02-ib")]
    [InlineData("[1-3]", "1,2,3")]
    [InlineData("node.example.org", "node.example.org")]
    [InlineData("  n1,n2 ", "n1,n2")]
    [InlineData("n[0]", "n0")]
    [InlineData("n1,n1", "n1,n1")]
    public void Expands(string hostlist, string expected) =>
        string.Join(',', Hostlist.Expand(hostlist)).ShouldBe(expected);

    [Fact]
    public void Empty_input_expands_to_nothing()
    {
        Hostlist.Expand("").ShouldBeEmpty();
        Hostlist.Expand("   ").ShouldBeEmpty();
        Should.Throw<ArgumentNullException>(() => Hostlist.Expand(null!));
    }

    [Theory]
    [InlineData("n[1-2", 1)]
    [InlineData("n1]", 2)]
    [InlineData("n[]", 2)]
    [InlineData("n[a-b]", 2)]
    [InlineData("n[3-1]", 4)]
    [InlineData("n[1-]", 4)]
    [InlineData("n[1,]", 4)]
    [InlineData("n[1;2]", 3)]
    [InlineData("n[[1]]", 2)]
    [InlineData("a,,b", 2)]
    [InlineData(",a", 0)]
    [InlineData("a,", 1)]
    [InlineData("a b", 1)]
    [InlineData("n[1-2]x[", 7)]
    [InlineData("n[1234567890123456789]", 2)]
    public void Invalid_syntax_reports_the_position(string hostlist, int position)
    {
        var ex = Should.Throw<HostlistFormatException>(() => Hostlist.Expand(hostlist));
        ex.Position.ShouldBe(position);
        ex.Message.ShouldContain($"position {position}");
        ex.ShouldBeAssignableTo<FormatException>();
    }

    [Fact]
    public void Expansion_size_is_limited()
    {
        Hostlist.Expand("n[1-100000]").Count.ShouldBe(100_000);
        Should.Throw<HostlistFormatException>(() => Hostlist.Expand("n[1-100001]")).Message.ShouldContain("100000");
        Should.Throw<HostlistFormatException>(() => Hostlist.Expand("n[0-999999999999999999]"));
        Should.Throw<HostlistFormatException>(() => Hostlist.Expand("a[1-1000]b[1-1000]"));
        Should.Throw<HostlistFormatException>(() => Hostlist.Expand("a[1-60000],b[1-60000]"));
        Should.Throw<HostlistFormatException>(() => Hostlist.Expand("n[1-11]", maxHosts: 10));
    }

    [Theory]
    [InlineData(new[] { "hkn0001", "hkn0002", "hkn0003", "hkn0005" }, "hkn[0001-0003,0005]")]
    [InlineData(new[] { "n8", "n9", "n10", "n11" }, "n[8-11]")]
    [InlineData(new[] { "node7" }, "node7")]
    [InlineData(new[] { "gpu2-ib", "gpu1-ib", "login" }, "gpu[1-2]-ib,login")]
    [InlineData(new[] { "n0998", "n0999", "n1000" }, "n[0998-1000]")]
    [InlineData(new[] { "n01", "n1", "n2" }, "n01,n[1-2]")]
    [InlineData(new[] { "b1", "a1", "a2", "a2" }, "a[1-2],b1")]
    public void Compresses(string[] hosts, string expected) =>
        Hostlist.Compress(hosts).ShouldBe(expected);

    [Fact]
    public void Compress_then_expand_is_a_set_round_trip()
    {
        var random = new Random(42);
        for (var round = 0; round < 200; round++)
        {
            var hosts = new HashSet<string>(StringComparer.Ordinal);
            var n = random.Next(1, 40);
            for (var i = 0; i < n; i++)
            {
                var prefix = new[] { "n", "hkn", "gpu", "a1b", "x-", "" }[random.Next(6)];
                var suffix = new[] { "", "-ib", ".cluster", "x" }[random.Next(4)];
                var number = random.Next(0, 1200);
                var digits = random.Next(3) switch
                {
                    0 => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    1 => number.ToString("D4", System.Globalization.CultureInfo.InvariantCulture),
                    _ => number.ToString("D2", System.Globalization.CultureInfo.InvariantCulture),
                };
                hosts.Add(prefix.Length + digits.Length + suffix.Length == 0 ? "h" : prefix + digits + suffix);
            }

            hosts.Add("login");
            var compressed = Hostlist.Compress(hosts);
            Hostlist.Expand(compressed).ToHashSet(StringComparer.Ordinal).SetEquals(hosts)
                .ShouldBeTrue($"{compressed} from {string.Join(',', hosts.Order(StringComparer.Ordinal))}");
            Hostlist.Expand(compressed).Count.ShouldBe(hosts.Count);
        }
    }

    [Fact]
    public void Compress_rejects_names_a_hostlist_cannot_hold()
    {
        Should.Throw<ArgumentException>(() => Hostlist.Compress(["a,b"]));
        Should.Throw<ArgumentException>(() => Hostlist.Compress(["a[1]"]));
        Should.Throw<ArgumentException>(() => Hostlist.Compress(["a b"]));
        Should.Throw<ArgumentException>(() => Hostlist.Compress([""]));
        Hostlist.Compress([]).ShouldBe("");
    }
}
