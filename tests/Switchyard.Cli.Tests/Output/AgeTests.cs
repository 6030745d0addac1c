using Switchyard.Cli.Output;

namespace Switchyard.Cli.Tests.Output;

public class AgeTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(200, "3m20s")]
    [InlineData(9 * 60 + 59, "9m59s")]
    [InlineData(10 * 60 + 30, "10m")]
    [InlineData(179 * 60, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(5 * 3600 + 10 * 60, "5h10m")]
    [InlineData(8 * 3600 + 10 * 60, "8h")]
    [InlineData(47 * 3600, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(51 * 3600, "2d3h")]
    [InlineData(4 * 86400, "4d")]
    [InlineData(40 * 86400, "40d")]
    [InlineData(729 * 86400, "729d")]
    [InlineData(830 * 86400, "2y100d")]
    [InlineData(3 * 365 * 86400, "3y")]
    [InlineData(9 * 365 * 86400, "9y")]
    public void Format_Duration_MatchesKubectl(long seconds, string expected)
    {
        Assert.Equal(expected, Age.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Format_SlightlyInTheFuture_IsZero()
    {
        Assert.Equal("0s", Age.Format(TimeSpan.FromMilliseconds(-500)));
    }

    [Fact]
    public void Format_FarInTheFuture_IsInvalid()
    {
        Assert.Equal("<invalid>", Age.Format(TimeSpan.FromSeconds(-5)));
    }

    [Fact]
    public void Since_Rfc3339Timestamp_FormatsAgeAtNow()
    {
        var now = DateTimeOffset.Parse("2025-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("3m", Age.Since("2025-03-01T11:57:00Z", now));
        Assert.Equal("<unknown>", Age.Since(null, now));
    }
}
