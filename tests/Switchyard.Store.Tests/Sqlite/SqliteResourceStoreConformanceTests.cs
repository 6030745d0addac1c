using Switchyard.Store.Core;
using Switchyard.Store.Sqlite;
using Switchyard.Store.Tests.Conformance;

namespace Switchyard.Store.Tests.Sqlite;

public sealed class SqliteResourceStoreConformanceTests : ResourceStoreConformanceTests
{
    private readonly List<TempDirectory> _directories = [];

    protected override IResourceStore CreateStore(ResourceStoreOptions options)
    {
        var dir = new TempDirectory();
        _directories.Add(dir);
        return SqliteResourceStore.Open(dir.Path, options);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var d in _directories) d.Dispose();
    }
}
