namespace Jobmon.Influx;

/// <summary>Chooses the GROUP BY time() interval for plotting a job's metrics.</summary>
public static class SampleInterval
{
    /// <summary>Default number of points per series aimed at.</summary>
    public const int DefaultTargetPoints = 200;

    private static readonly long[] NiceSeconds = [30, 60, 120, 300, 600, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

    /// <summary>
    /// Returns the smallest interval of the nice set {base, 30 s, 1 min, 2 min, 5 min, 10 min, 30 min, 1 h, 2 h, 3 h, 6
    /// h, 12 h,
    /// 1 d, then whole days}, each rounded up to a multiple of the collector's base interval, that gives at most
    /// <paramref name="targetPoints"/> points for <paramref name="jobDuration"/> (so between about a third of the
    /// target and the
    /// target). Never below the base interval, never 0; a zero-length job gets the base interval.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Base interval or target ≤ 0, or negative duration.</exception>
    public static TimeSpan Choose(TimeSpan jobDuration, int baseIntervalSeconds, int targetPoints =
        DefaultTargetPoints) =>
        TimeSpan.FromSeconds(ChooseSeconds(jobDuration, baseIntervalSeconds, targetPoints));

    /// <summary>Like <see cref="Choose"/>, in whole seconds.</summary>
    public static long ChooseSeconds(TimeSpan jobDuration, int baseIntervalSeconds, int targetPoints =
        DefaultTargetPoints)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baseIntervalSeconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetPoints);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobDuration, TimeSpan.Zero);

        long b = baseIntervalSeconds;
        var raw = (long)Math.Ceiling(jobDuration.TotalSeconds / targetPoints);
        if (raw <= b)
        {
            return b;
        }

        foreach (var nice in NiceSeconds)
        {
            var candidate = RoundUp(nice, b);
            if (candidate >= raw)
            {
                return candidate;
            }
        }

        return RoundUp(RoundUp(raw, 86400), b);
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;
}
