namespace Switchyard.Proxy.Tests.Support;

/// <summary>Bounded polling for state that changes in the background (health checks); fails naming what never happened.</summary>
internal static class Wait
{
    public static Task UntilAsync(Func<bool> condition, string what, int seconds = 20) =>
        UntilAsync(() => Task.FromResult(condition()), what, seconds);

    /// <summary>As <see cref="UntilAsync(Func{bool}, string, int)"/> for a condition that has to ask over the network (an admin scrape).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: not within {seconds} s");
            await Task.Delay(20);
        }
    }
}
