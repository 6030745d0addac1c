using System.Diagnostics;
using k8s.Models;
using Microsoft.Data.Sqlite;
using Switchyard.Model.Resources;
using Switchyard.Store.Core;
using Switchyard.Store.Sqlite;
using Switchyard.Store.Tests.Conformance;
using static Switchyard.Store.Tests.Examples;

namespace Switchyard.Store.Tests.Sqlite;

/// <summary>What only a durable store promises: restarts, schema, one owner, and kill -9.</summary>
public sealed class SqliteResourceStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Open_NewDirectory_CreatesWalDatabaseAtCurrentSchemaVersion()
    {
        await (await OpenAsync()).DisposeAsync();

        using var db = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "state.db")};Pooling=False");
        db.Open();
        Assert.Equal("wal", Scalar(db, "PRAGMA journal_mode;"));
        Assert.Equal(1L, Scalar(db, "SELECT version FROM schema_version;"));
        Assert.Equal(0L, Scalar(db, "SELECT value FROM meta WHERE key = 'revision';"));
    }

    [Fact]
    public async Task Open_ReopenedAfterWrites_KeepsObjectsWithTheSameResourceVersionsAndUids()
    {
        var before = new Dictionary<string, (string Rv, string Uid, long? Generation)>();
        await using (var store = await OpenAsync())
        {
            await store.CreateAsync(Namespace("shop"));
            var web = (V1Service)(await store.CreateAsync(Service("web", "shop", labels: Labels("tier=front")))).Object!;
            web.Spec.Ports[0].Port = 8080;
            await store.UpdateAsync(web);
            await store.CommitAsync([StoreOperation.Create(ConfigMap("a", "shop")), StoreOperation.Create(ConfigMap("b", "shop"))]);
            await store.DeleteAsync(new ObjectRef(ResourceKinds.ConfigMap, "shop", "a"));
            foreach (var o in (await store.ListAsync(new ListQuery(null))).Items)
            {
                before[$"{o.Kind}/{o.Metadata.Name}"] = (o.Metadata.ResourceVersion, o.Metadata.Uid, o.Metadata.Generation);
            }
        }

        await using var reopened = await OpenAsync();
        var after = (await reopened.ListAsync(new ListQuery(null))).Items
            .ToDictionary(o => $"{o.Kind}/{o.Metadata.Name}", o => (o.Metadata.ResourceVersion, o.Metadata.Uid, o.Metadata.Generation));

        Assert.Equal(before, after);
        Assert.Equal(["ConfigMap/b", "Namespace/shop", "Service/web"], after.Keys.Order());
        Assert.Equal("3", after["Service/web"].ResourceVersion);
        Assert.Equal(2, after["Service/web"].Generation);
        Assert.Equal(6, await reopened.GetRevisionAsync());
        var next = await reopened.CreateAsync(ConfigMap("c", "shop"));
        Assert.Equal("7", next.Object!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task WatchAsync_FromRevisionBeforeARestart_ReplaysTheChangesSinceThen()
    {
        await using (var store = await OpenAsync())
        {
            await store.CreateAsync(ConfigMap("a"));
            await store.CreateAsync(ConfigMap("b", labels: Labels("x=1")));
            await store.UpdateAsync(ConfigMap("b", labels: Labels("x=2")));
            await store.DeleteAsync(new ObjectRef(ResourceKinds.ConfigMap, "default", "a"));
        }

        await using var reopened = await OpenAsync();
        await using var watch = new WatchReader(reopened, new WatchQuery(ResourceKinds.ConfigMap, LabelSelector: Model.Selectors.Selector.Parse("x=1").Selector, FromRevision: 1));
        var events = await watch.TakeAsync(2);

        Assert.Equal([(WatchEventType.Added, 2L), (WatchEventType.Deleted, 3L)], events.Select(e => (e.Type, e.Revision)));
        Assert.Equal("1", events[1].Object!.Metadata.Labels["x"]);
    }

    [Fact]
    public async Task Open_DirectoryAlreadyOpen_FailsWithAClearMessage()
    {
        await using var first = await OpenAsync();

        var e = Assert.Throws<IOException>(() => SqliteResourceStore.Open(_dir.Path));

        Assert.StartsWith($"state directory {_dir.Path} is in use by another Switchyard process", e.Message);
    }

    [Fact]
    public async Task KillDuringWrites_EveryAcknowledgedWriteSurvivesAndNoTransactionIsHalfWritten()
    {
        var acked = new Dictionary<string, string>();
        var transactions = new List<(int N, string[] Rvs)>();
        var lines = 0;
        using (var child = StartCrashWriter())
        {
            var reading = Task.Run(async () =>
            {
                while (await child.StandardOutput.ReadLineAsync() is { } line)
                {
                    Parse(line, acked, transactions);
                    if (Interlocked.Increment(ref lines) == 400) break;
                }
            });
            var finished = await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(30)));
            if (finished != reading || child.HasExited)
            {
                child.Kill();
                Assert.Fail($"the crash writer did not get going: {await child.StandardError.ReadToEndAsync()}");
            }

            child.Kill(); // SIGKILL: no chance to flush or close anything
            await child.WaitForExitAsync();
            // Lines the child printed before it died are acknowledged writes too.
            var rest = await child.StandardOutput.ReadToEndAsync();
            foreach (var line in rest.Split('\n').SkipLast(1)) Parse(line, acked, transactions);
        }

        await using var store = await OpenAsync();
        foreach (var (name, rv) in acked)
        {
            var obj = await store.GetAsync(new ObjectRef(ResourceKinds.ConfigMap, "default", name));
            Assert.True(obj is not null, $"acknowledged write {name} (resourceVersion {rv}) was lost");
            Assert.Equal(rv, obj.Metadata.ResourceVersion);
        }
        foreach (var (n, rvs) in transactions)
        {
            Assert.Equal(rvs[1], (await store.GetAsync(new ObjectRef(ResourceKinds.Service, "default", $"tx{n}-b")))?.Metadata.ResourceVersion);
        }
        var configMaps = (await store.ListAsync(new ListQuery(ResourceKinds.ConfigMap))).Items.Select(o => o.Metadata.Name).ToHashSet();
        var services = (await store.ListAsync(new ListQuery(ResourceKinds.Service))).Items.Select(o => o.Metadata.Name).ToHashSet();
        foreach (var svc in services)
        {
            var n = svc[..^2];
            Assert.True(configMaps.Contains($"{n}-a") && configMaps.Contains($"{n}-c"), $"transaction {n} is half-written");
        }
        Assert.True(acked.Count > 0 && transactions.Count > 0);
        Assert.True(await store.GetRevisionAsync() >= acked.Values.Concat(transactions.SelectMany(t => t.Rvs)).Max(long.Parse));
    }

    private static void Parse(string line, Dictionary<string, string> acked, List<(int, string[])> transactions)
    {
        var parts = line.Split(' ');
        if (parts is ["ack", var name, var rv]) acked[name] = rv;
        else if (parts is ["tx", var n, var a, var b, var c]) transactions.Add((int.Parse(n), [a, b, c]));
    }

    private Process StartCrashWriter()
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(CrashWriter).Assembly.Location);
        info.ArgumentList.Add("crash-writer");
        info.ArgumentList.Add(_dir.Path);
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the crash writer");
    }

    private Task<SqliteResourceStore> OpenAsync() => Task.FromResult(SqliteResourceStore.Open(_dir.Path));

    private static object? Scalar(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
