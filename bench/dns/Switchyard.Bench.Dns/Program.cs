using System.Net;
using BenchmarkDotNet.Running;
using Switchyard.Bench.Dns;
using Switchyard.Dns;
using Switchyard.Dns.Zone;
using Switchyard.Model.Manifests;

// serve -f DIR --listen HOST:PORT [--loops N] [--batch N] : run the DNS server from manifests until killed (what run.sh benchmarks).
// alloc                             : allocated bytes per query, Switchyard fast path vs ARSoft.Tools.Net parse+encode.
// bdn                               : the BenchmarkDotNet MemoryDiagnoser run of the same.
switch (args.FirstOrDefault())
{
    case "serve":
        var dir = args[Array.IndexOf(args, "-f") + 1];
        DnsEndpoints.TryParse(args[Array.IndexOf(args, "--listen") + 1], 53, out var listen, out _);
        var loops = Array.IndexOf(args, "--loops") is var l and >= 0 ? int.Parse(args[l + 1], System.Globalization.CultureInfo.InvariantCulture) : 1;
        var batch = Array.IndexOf(args, "--batch") is var b and >= 0 ? int.Parse(args[b + 1], System.Globalization.CultureInfo.InvariantCulture) : new DnsOptions().UdpBatchSize;
        var manifests = new ManifestReader(new ManifestReaderOptions { Validate = false }).Read([dir]);
        if (!manifests.Ok)
        {
            foreach (var e in manifests.Errors) Console.Error.WriteLine(e);
            return 1;
        }
        await using (var dns = DnsComponent.FromObjects(new DnsOptions { Listen = listen!, UdpReceiveLoops = loops, UdpBatchSize = batch, Zone = new ZoneOptions() }, manifests.Resources))
        {
            await dns.StartAsync();
            Console.WriteLine($"serving {dns.ZoneNames} names on {dns.Endpoint}");
            await Task.Delay(Timeout.Infinite);
        }
        return 0;
    case "alloc":
        Allocation.Print();
        return 0;
    case "bdn":
        BenchmarkRunner.Run<QueryBenchmarks>(args: args[1..]);
        return 0;
    default:
        Console.Error.WriteLine("usage: Switchyard.Bench.Dns serve -f DIR --listen HOST:PORT [--loops N] [--batch N] | alloc | bdn");
        return 2;
}
