using Switchyard.Store.Core;
using Switchyard.Store.Memory;
using Switchyard.Store.Tests.Conformance;

namespace Switchyard.Store.Tests.Memory;

public sealed class InMemoryResourceStoreTests : ResourceStoreConformanceTests
{
    protected override IResourceStore CreateStore(ResourceStoreOptions options) => new InMemoryResourceStore(options);

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => new InMemoryResourceStore(new ResourceStoreOptions { EventRetention = 0, WatchBufferSize = -1 }));

        Assert.Equal("invalid store options: EventRetention must be at least 1 (got 0); WatchBufferSize must be at least 1 (got -1)", e.Message);
    }
}
