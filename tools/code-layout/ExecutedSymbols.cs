// The executed functions of the switchyard binary, from callgrind profiles of it, hottest first: the order file
// (src/Switchyard.Cli/switchyard.order) that makes the native build place them together (tools/code-layout/README.md).
//
// usage: dotnet run ExecutedSymbols.cs -- [--costs [--event EVENT] | --callers REGEX] NM_OUTPUT BINARY CALLGRIND_OUT...
//   --costs        print "INSTRUCTIONS NAME" per function of the binary instead, for one profile (bench/proxy/instructions.sh)
//   --event EVENT  with --costs: count that event of the profile instead of instructions (Ir), e.g. I1mr or D1mr of a
//                  profile taken with --cache-sim=yes, Bim with --branch-sim=yes (bench/proxy/cachesim.sh)
//   --callers RE   print "CALLS INCLUSIVE CALLER -> CALLEE" for each call of a function whose name matches RE, for one
//                  profile: who calls it, how often, and the instructions spent in those calls (the callee's inclusive cost)
//   NM_OUTPUT      `nm` of the profiled build's switchyard.dbg (its symbols and their addresses)
//   BINARY         the profiled binary's path, as callgrind names it
//   CALLGRIND_OUT  profiles taken with --dump-instr=yes; the first profile's functions come first, then each next
//                  profile's functions not seen before, each group ordered by the instructions executed in it.
//
// Callgrind attributes instructions in the ELF .text section to the binary, with file addresses. NativeAOT puts managed
// code in a section of its own that valgrind does not assign to the binary: its instructions appear under the object
// "???" with the addresses the process ran them at. Valgrind loads a position-independent executable at a fixed base,
// which is subtracted; the tool checks that the functions callgrind saw entered start where symbols start.

using System.Globalization;
using System.Text.RegularExpressions;

const long ValgrindPieBase = 0x108000; // where valgrind's amd64 loader maps a PIE executable

var costs = args.Length > 0 && args[0] == "--costs";
if (costs) args = args[1..];
string? eventName = costs && args.Length > 1 && args[0] == "--event" ? args[1] : null;
if (eventName is not null) args = args[2..];
Regex? callersOf = args.Length > 1 && args[0] == "--callers" ? new Regex(args[1]) : null;
if (callersOf is not null) args = args[2..];
if (args.Length < 3 || ((costs || callersOf is not null) && args.Length != 3))
{
    Console.Error.WriteLine("usage: dotnet run ExecutedSymbols.cs -- [--costs [--event EVENT] | --callers REGEX] NM_OUTPUT BINARY CALLGRIND_OUT...");
    return 2;
}

var symbols = ReadSymbols(args[0]);
var starts = symbols.Select(s => s.Address).ToArray();
var seen = new HashSet<string>(StringComparer.Ordinal);
var order = new List<string>();

foreach (var profile in args[2..])
{
    var (cost, calls, entries, entriesAtStart) = ReadProfile(profile, args[1]);
    if (entries == 0 || entriesAtStart < entries * 0.9)
    {
        Console.Error.WriteLine($"{profile}: {entriesAtStart} of {entries} function entries in managed code start at a symbol; " +
            "the load base or the symbols do not match the profiled binary");
        return 1;
    }
    var added = 0;
    foreach (var (name, _) in cost.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
    {
        if (seen.Add(name)) { order.Add(name); added++; }
    }
    Console.Error.WriteLine($"{profile}: {cost.Count} functions executed, {added} new");
    if (callersOf is not null)
    {
        foreach (var ((caller, callee), (count, inclusive)) in calls.Where(c => callersOf.IsMatch(c.Key.Callee)).OrderByDescending(c => c.Value.Inclusive))
            Console.WriteLine($"{count} {inclusive} {caller} -> {callee}");
        return 0;
    }
    if (costs)
    {
        foreach (var (name, count) in cost.OrderByDescending(kv => kv.Value)) Console.WriteLine($"{count} {name}");
        return 0;
    }
}

foreach (var name in order) Console.WriteLine(name);
return 0;

(Dictionary<string, long> Cost, Dictionary<(string Caller, string Callee), (long Count, long Inclusive)> Calls, int Entries, int EntriesAtStart)
    ReadProfile(string path, string binary)
{
    var objects = new Dictionary<string, string>(StringComparer.Ordinal);
    var cost = new Dictionary<string, long>(StringComparer.Ordinal);
    var calls = new Dictionary<(string, string), (long, long)>();
    var functions = new Dictionary<string, string>(StringComparer.Ordinal); // callgrind's function id -> symbol, for --callers
    var objectLine = new Regex(@"^c?ob=\((\d+)\)(?: (.*))?$");
    var functionLine = new Regex(@"^c?fn=\((\d+)\)(?: 0x([0-9a-f]+))?");
    // Addresses are file addresses in the binary's own part, run-time addresses under "???", ignored elsewhere.
    long? shift = null, calleeShift = null;
    long last = 0;
    var callSite = false;
    string caller = "?", callee = "?";
    long callCount = 0;
    int entries = 0, entriesAtStart = 0;
    var eventIndex = 0; // the counted event's place among the profile's events: Ir, the first, unless --event names another
    foreach (var line in File.ReadLines(path))
    {
        if (line.StartsWith("events:", StringComparison.Ordinal))
        {
            var events = line[7..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            eventIndex = eventName is null ? 0 : Array.IndexOf(events, eventName);
            if (eventIndex < 0) throw new InvalidOperationException($"{path} has no event {eventName}; it has {string.Join(' ', events)}");
            continue;
        }
        if (line.StartsWith("ob=", StringComparison.Ordinal) || line.StartsWith("cob=", StringComparison.Ordinal))
        {
            var m = objectLine.Match(line);
            if (m.Groups[2].Success) objects[m.Groups[1].Value] = m.Groups[2].Value;
            var name = objects.GetValueOrDefault(m.Groups[1].Value);
            var objectShift = name == binary ? 0 : name == "???" ? ValgrindPieBase : (long?)null;
            if (line[0] == 'o') shift = calleeShift = objectShift;
            else calleeShift = objectShift;
            continue;
        }
        if (line.StartsWith("fn=", StringComparison.Ordinal) || line.StartsWith("cfn=", StringComparison.Ordinal))
        {
            var m = functionLine.Match(line);
            var isCaller = line[0] == 'f';
            if (isCaller) calleeShift = shift;
            if (m.Success && m.Groups[2].Success)
            {
                var address = long.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (isCaller && shift == ValgrindPieBase)
                {
                    entries++;
                    if (Array.BinarySearch(starts, address - ValgrindPieBase) >= 0) entriesAtStart++;
                }
                if (callersOf is not null && (isCaller ? shift : calleeShift) is { } fs) functions[m.Groups[1].Value] = SymbolAt(address - fs) ?? "?";
            }
            if (callersOf is not null && m.Success)
            {
                var named = functions.GetValueOrDefault(m.Groups[1].Value, "?");
                if (isCaller) caller = named;
                else callee = named;
            }
            continue;
        }
        if (line.StartsWith("calls=", StringComparison.Ordinal))
        {
            callSite = true;
            callCount = long.Parse(line.AsSpan(6, line.IndexOf(' ') - 6), CultureInfo.InvariantCulture);
            continue;
        }
        if (line.Length == 0 || "0+-*".IndexOf(line[0]) < 0) continue;

        // A cost line: "<instruction address> <line> <instructions>", the address absolute (0x...) or relative to the
        // previous one (+n, -n, *). After a calls= line it is the call site, its cost the callee's inclusive cost.
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var position = fields[0];
        last = position[0] switch
        {
            '0' => long.Parse(position.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            '+' => last + long.Parse(position.AsSpan(1), CultureInfo.InvariantCulture),
            '-' => last - long.Parse(position.AsSpan(1), CultureInfo.InvariantCulture),
            _ => last,
        };
        if (callSite && callersOf is not null && callersOf.IsMatch(callee))
        {
            var (n, inclusive) = calls.GetValueOrDefault((caller, callee));
            calls[(caller, callee)] = (n + callCount, inclusive + (fields.Length > 2 ? long.Parse(fields[2], CultureInfo.InvariantCulture) : 0));
        }
        // Trailing events that are zero are left out of a line; a function executed counts at least 1 for the order.
        var count = callSite ? (costs ? 0 : 1)
            : fields.Length > 2 + eventIndex ? long.Parse(fields[2 + eventIndex], CultureInfo.InvariantCulture)
            : eventName is null ? 1 : 0;
        if (callSite) calleeShift = shift; // a call's cob= holds for that call only
        callSite = false;
        if (shift is not { } s || SymbolAt(last - s) is not { } symbol) continue;
        cost[symbol] = cost.GetValueOrDefault(symbol) + count;
    }
    return (cost, calls, entries, entriesAtStart);
}

string? SymbolAt(long address)
{
    var i = Array.BinarySearch(starts, address);
    if (i < 0) i = ~i - 1;
    return i < 0 ? null : symbols[i].Name;
}

static (long Address, string Name)[] ReadSymbols(string path) =>
    File.ReadLines(path)
        .Select(line => line.Split(' ', 3))
        // The linker's section bounds (__start___managedcode) share an address with a function: the function's name wins.
        .Where(f => f.Length == 3 && f[0].Length > 0 && f[1] is "t" or "T" or "w" or "W" && !f[2].StartsWith("__start_", StringComparison.Ordinal) && !f[2].StartsWith("__stop_", StringComparison.Ordinal))
        .Select(f => (Address: long.Parse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Name: f[2]))
        .OrderBy(s => s.Address)
        .ToArray();
