using Switchyard.Store.Core;
using Switchyard.Store.Sqlite;
using static Switchyard.Store.Tests.Examples;

namespace Switchyard.Store.Tests.Sqlite;

/// <summary>
/// The child process of the kill -9 test: writes to a state directory as fast as it can from several
/// tasks and prints one line per acknowledged write, until it is killed (or 60 s pass):
/// <c>ack NAME RV</c> for single creates, <c>tx N RV1 RV2 RV3</c> for three-object transactions.
/// </summary>
internal static class CrashWriter
{
    public static async Task<int> RunAsync(string stateDirectory)
    {
        await using var store = SqliteResourceStore.Open(stateDirectory, new ResourceStoreOptions());
        var output = Console.Out;
        var gate = new Lock();
        void Print(string line)
        {
            lock (gate)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var singles = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var name = $"w{w}-{i}";
                var r = await store.CreateAsync(ConfigMap(name, labels: Labels($"writer=w{w}")));
                if (!r.Ok) throw new InvalidOperationException(r.Message);
                Print($"ack {name} {r.Object!.Metadata.ResourceVersion}");
            }
        }));
        var transactions = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var tx = await store.CommitAsync([
                    StoreOperation.Create(ConfigMap($"tx{i}-a")),
                    StoreOperation.Create(Service($"tx{i}-b")),
                    StoreOperation.Create(ConfigMap($"tx{i}-c")),
                ]);
                if (!tx.Committed) throw new InvalidOperationException(tx.Results[0].Message);
                Print($"tx {i} {string.Join(' ', tx.Results.Select(r => r.Object!.Metadata.ResourceVersion))}");
            }
        });
        await Task.WhenAll(singles.Append(transactions));
        return 0;
    }
}
