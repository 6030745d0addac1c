namespace Switchyard.Proxy.Tests.Support;

/// <summary>Bounded polling for state that changes in the background (health checks); fails naming what never happened.</summary>
internal static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: not within {seconds} s");
            await Task.Delay(20);
        }
    }
}
