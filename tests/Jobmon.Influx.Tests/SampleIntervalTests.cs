using Jobmon.Influx;

namespace Jobmon.Influx.Tests;

public class SampleIntervalTests
{
    [Theory]
    [InlineData(0, 10, 10)]                // empty job: base
    [InlineData(600, 10, 10)]              // 10 min / 200 = 3 s -> base
    [InlineData(2000, 10, 10)]             // exactly 200 points at base
    [InlineData(2001, 10, 30)]
    [InlineData(3600, 10, 30)]             // 1 h: 18 s -> 30 s (120 points)
    [InlineData(12 * 3600, 10, 300)]       // 12 h: 216 s -> 5 min (144 points)
    [InlineData(24 * 3600, 60, 600)]       // 1 d: 432 s -> 10 min
    [InlineData(7 * 24 * 3600, 30, 3600)]  // 1 week: 3024 s -> 1 h
    [InlineData(3600, 45, 45)]             // 18 s < base 45
    [InlineData(4 * 3600, 45, 90)]         // 72 s: 60 rounds up to the base multiple 90
    [InlineData(3600, 7, 35)]              // 18 s: nice 30 rounded up to a multiple of 7
    public void Chooses_nice_multiples_of_the_base(int durationSeconds, int baseSeconds, int expected)
    {
        var interval = SampleInterval.ChooseSeconds(TimeSpan.FromSeconds(durationSeconds), baseSeconds);
        interval.ShouldBe(expected);
        (interval % baseSeconds).ShouldBe(0);
        SampleInterval.Choose(TimeSpan.FromSeconds(durationSeconds), baseSeconds).ShouldBe(TimeSpan.FromSeconds(expected));
    }

    [Fact]
    public void Point_count_stays_near_the_target_for_many_durations()
    {
        foreach (var baseSeconds in new[] { 1, 10, 30, 60 })
        {
            for (var hours = 1; hours <= 24 * 30; hours += 7)
            {
                var duration = TimeSpan.FromHours(hours);
                var interval = SampleInterval.ChooseSeconds(duration, baseSeconds);
                interval.ShouldBeGreaterThanOrEqualTo(baseSeconds);
                (interval % baseSeconds).ShouldBe(0);
                var points = duration.TotalSeconds / interval;
                points.ShouldBeLessThanOrEqualTo(200);
                if (interval > baseSeconds)
                {
                    points.ShouldBeGreaterThan(200 / 4.0, $"{hours} h at base {baseSeconds}: {interval} s");
                }
            }
        }
    }

    [Fact]
    public void Very_long_durations_use_whole_days()
    {
        SampleInterval.ChooseSeconds(TimeSpan.FromDays(400), 10).ShouldBe(2 * 86400);
        SampleInterval.ChooseSeconds(TimeSpan.MaxValue, 10).ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Invalid_arguments_throw()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => SampleInterval.ChooseSeconds(TimeSpan.FromHours(1), 0));
        Should.Throw<ArgumentOutOfRangeException>(() => SampleInterval.ChooseSeconds(TimeSpan.FromHours(1), -10));
        Should.Throw<ArgumentOutOfRangeException>(() => SampleInterval.ChooseSeconds(TimeSpan.FromHours(-1), 10));
        Should.Throw<ArgumentOutOfRangeException>(() => SampleInterval.ChooseSeconds(TimeSpan.FromHours(1), 10, targetPoints: 0));
    }
}
