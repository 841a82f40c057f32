using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Protocols.Simulation;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// A cluster of real ActorSpool node processes for chaos tests: one fresh database on the throwaway PostgreSQL,
/// N nodes with fixed loopback ports (so a restarted node comes back at the same address), every node listing
/// every node as a seed (the first node first: it forms the cluster; a restarted node rejoins whoever is alive),
/// one printers file, simulated AppSocket printers in the test process that record every document, and an
/// <see cref="IppSubmitter"/>. Node logs of every incarnation are kept, and copied to
/// <c>tests/ActorSpool.Chaos.Tests/bin/chaos-logs/NAME/</c> when the harness is disposed.
/// </summary>
public sealed partial class ClusterHarness : IAsyncDisposable
{
    public sealed record Options
    {
        public int Nodes { get; init; } = 3;
        public int Printers { get; init; } = 3;
        public TimeSpan PrinterDelay { get; init; } = TimeSpan.FromMilliseconds(100);
        public int Workers { get; init; } = 4;
        public string Queue { get; init; } = "office";
        public string Mode { get; init; } = "balance";
    }

    /// <summary>One job as Get-Jobs lists it; <see cref="Number"/> is the submitter's request number from the job name.</summary>
    public sealed record QueueJob(int JobId, int State, string? Name)
    {
        public int? Number => IppSubmitter.NumberOf(Name);
        public bool IsTerminal => State is 7 or 8 or 9;
        public bool IsCompleted => State == 9;
    }

    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _directory = new();
    private readonly List<AppSocketPrinterSimulator> _printers = [];
    private readonly NodeProcess?[] _nodes;
    private readonly int[] _nodePorts;
    private readonly int[] _ippPorts;
    private readonly int[] _httpPorts;
    private readonly List<(int Node, NodeProcess Process)> _incarnations = [];
    private readonly List<string> _timeline = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly IppClient _ipp;
    private string _printersFile = "";

    private ClusterHarness(string name, ITestOutputHelper output, Options options, string connectionString)
    {
        Name = name;
        _output = output;
        Settings = options;
        ConnectionString = connectionString;
        _nodes = new NodeProcess?[options.Nodes];
        _nodePorts = Enumerable.Range(0, options.Nodes).Select(_ => FreePort.Next()).ToArray();
        _ippPorts = Enumerable.Range(0, options.Nodes).Select(_ => FreePort.Next()).ToArray();
        _httpPorts = Enumerable.Range(0, options.Nodes).Select(_ => FreePort.Next()).ToArray();
        _ipp = new IppClient(_http);
        Submitter = new IppSubmitter(this);
    }

    public string Name { get; }
    public Options Settings { get; }
    public string ConnectionString { get; }
    public int NodeCount => _nodes.Length;
    public string Queue => Settings.Queue;
    public IReadOnlyList<AppSocketPrinterSimulator> Printers => _printers;
    public PrintLedger Ledger { get; } = new();
    public IppSubmitter Submitter { get; }
    public Stopwatch Clock { get; } = Stopwatch.StartNew();
    public IReadOnlyList<string> Timeline
    {
        get
        {
            lock (_timeline) return _timeline.ToArray();
        }
    }

    /// <summary>Node i as "node1".."nodeN" (1-based, like the docs).</summary>
    public static string NodeName(int i) => $"node{i + 1}";

    /// <summary>Creates the database and printers and starts every node (environment per node index, may be null).</summary>
    public static async Task<ClusterHarness> StartAsync(ThrowawayPostgres postgres, ITestOutputHelper output, string name, Options options,
        Func<int, IReadOnlyDictionary<string, string>?>? environment = null)
    {
        var databaseName = $"chaos_{name.Replace('-', '_')}_{Guid.NewGuid():N}";
        var database = postgres.CreateDatabase(databaseName[..Math.Min(63, databaseName.Length)]);
        var cluster = new ClusterHarness(name, output, options, database);
        try
        {
            await cluster.StartPrintersAsync();
            // The first node forms the cluster (after the seed-node timeout, when no other seed answers).
            await cluster.StartNodeAsync(0, environment?.Invoke(0));
            await Task.WhenAll(Enumerable.Range(1, options.Nodes - 1).Select(i => cluster.StartNodeAsync(i, environment?.Invoke(i))));
            cluster.Log($"cluster of {options.Nodes} up: {string.Join(", ", Enumerable.Range(0, options.Nodes).Select(cluster.Describe))}");
            return cluster;
        }
        catch
        {
            cluster.DumpLogs("cluster start failed");
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartPrintersAsync()
    {
        for (var i = 1; i <= Settings.Printers; i++)
        {
            var printer = new AppSocketPrinterSimulator(new SimulatorOptions { Name = $"p{i}", DelayPerJob = Settings.PrinterDelay });
            await printer.StartAsync();
            Ledger.Attach(printer);
            _printers.Add(printer);
        }
        var text = new StringBuilder();
        text.AppendLine("actorspool.demo-printers = off");
        text.AppendLine("actorspool.printers {");
        foreach (var p in _printers) text.AppendLine(CultureInfo.InvariantCulture, $"  {p.Name} {{ uri = \"socket://127.0.0.1:{p.Port}\" }}");
        text.AppendLine("}");
        text.AppendLine("actorspool.queues {");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Settings.Queue} {{ printers = [{string.Join(", ", _printers.Select(p => p.Name))}], mode = {Settings.Mode} }}");
        text.AppendLine("}");
        _printersFile = Path.Combine(_directory.Path, "printers.conf");
        await File.WriteAllTextAsync(_printersFile, text.ToString());
    }

    public string Describe(int i) => $"{NodeName(i)} (remoting {_nodePorts[i]}, IPP {_ippPorts[i]}, HTTP {_httpPorts[i]}{(_nodes[i] is { } n ? $", pid {n.ProcessId}" : "")})";

    public NodeProcess Node(int i) => _nodes[i] ?? throw new InvalidOperationException($"{NodeName(i)} was never started");

    public bool IsRunning(int i) => _nodes[i] is { HasExited: false };

    public int RemotingPort(int i) => _nodePorts[i];

    /// <summary>The node index whose remoting port appears in an Akka address or actor path; -1 if none.</summary>
    public int NodeOfAddress(string address)
    {
        var match = PortInAddress().Match(address);
        return match.Success ? Array.IndexOf(_nodePorts, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)) : -1;
    }

    [GeneratedRegex(@"@[^:/]+:(\d+)")]
    private static partial Regex PortInAddress();

    public Uri QueueUri(int i) => new($"ipp://127.0.0.1:{_ippPorts[i]}/printers/{Settings.Queue}");

    /// <summary>Starts (or restarts) node i on its fixed ports and waits until it is an Up member of the cluster.</summary>
    public async Task StartNodeAsync(int i, IReadOnlyDictionary<string, string>? environment = null, bool waitUntilReady = true)
    {
        if (IsRunning(i)) throw new InvalidOperationException($"{NodeName(i)} is running");
        var args = new List<string>
        {
            "--db", ConnectionString, "--hostname", "127.0.0.1",
            "--node-port", _nodePorts[i].ToString(CultureInfo.InvariantCulture),
            "--http-port", _httpPorts[i].ToString(CultureInfo.InvariantCulture),
            "--workers", Settings.Workers.ToString(CultureInfo.InvariantCulture),
        };
        // Every node lists every node as a seed, the first node first. On a fresh start the first node forms the
        // cluster once no other seed answers; a restarted node (the first one too) joins the members still alive.
        foreach (var port in _nodePorts) args.AddRange(["--seed", $"127.0.0.1:{port}"]);
        var hook = environment is not null && environment.TryGetValue("ACTORSPOOL_TEST_HOOK", out var h) ? $" with ACTORSPOOL_TEST_HOOK={h}" : "";
        Log($"starting {NodeName(i)}{hook}");
        var node = await NodeProcess.StartAsync(Path.Combine(_directory.Path, NodeName(i)), _printersFile, _ippPorts[i], args,
            TimeSpan.FromMinutes(2), environment);
        _nodes[i] = node;
        lock (_incarnations) _incarnations.Add((i, node));
        if (!waitUntilReady) return;
        await node.WaitForReadyAsync(TimeSpan.FromMinutes(2));
        Log($"{NodeName(i)} is Up (pid {node.ProcessId})");
    }

    public Task RestartAsync(int i, IReadOnlyDictionary<string, string>? environment = null) => StartNodeAsync(i, environment);

    /// <summary>SIGKILL node i; returns the moment of the kill.</summary>
    public async Task<DateTimeOffset> KillAsync(int i)
    {
        var node = Node(i);
        var at = DateTimeOffset.UtcNow;
        await node.KillAsync();
        Log($"SIGKILL {NodeName(i)} (pid {node.ProcessId})");
        return at;
    }

    public void Log(string message)
    {
        var line = $"[{Clock.Elapsed.TotalSeconds,7:0.0} s] {message}";
        lock (_timeline) _timeline.Add(line);
        try
        {
            _output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // No test is running any more (disposal after the test).
        }
    }

    /// <summary>Get-Jobs (which-jobs all) from the first running node that answers.</summary>
    public async Task<IReadOnlyList<QueueJob>> GetJobsAsync(CancellationToken ct = default)
    {
        Exception? last = null;
        for (var i = 0; i < NodeCount; i++)
        {
            if (!IsRunning(i)) continue;
            try
            {
                var jobs = await _ipp.GetJobsAsync(QueueUri(i), "all", ct);
                return jobs.Select(j => new QueueJob(Convert.ToInt32(j["job-id"], CultureInfo.InvariantCulture), Convert.ToInt32(j["job-state"], CultureInfo.InvariantCulture),
                    j.TryGetValue("job-name", out var name) ? name as string : null)).ToList();
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                last = e;
            }
        }
        throw new InvalidOperationException("no running node answered Get-Jobs", last);
    }

    /// <summary>
    /// Waits until every acknowledged job id is listed and every listed job is terminal; returns the listing.
    /// Throws a <see cref="TimeoutException"/> describing what is missing or stuck.
    /// </summary>
    public async Task<IReadOnlyList<QueueJob>> WaitForAllTerminalAsync(IReadOnlyCollection<int> acknowledged, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var description = "no answer yet";
        while (true)
        {
            try
            {
                var jobs = await GetJobsAsync();
                var ids = jobs.Select(j => j.JobId).ToHashSet();
                var missing = acknowledged.Where(id => !ids.Contains(id)).ToList();
                var open = jobs.Where(j => !j.IsTerminal).ToList();
                if (missing.Count == 0 && open.Count == 0) return jobs;
                description = $"{jobs.Count} jobs listed, {missing.Count} acknowledged job(s) missing ({Sample(missing)}), {open.Count} not terminal "
                              + $"(states: {string.Join(", ", jobs.GroupBy(j => j.State).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}"))}; "
                              + $"e.g. {Sample(open.Select(j => j.JobId))}), printed {Ledger.Count}";
            }
            catch (InvalidOperationException e)
            {
                description = e.Message + ": " + e.InnerException?.Message;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not every job finished within {timeout}: {description}");
            await Task.Delay(1000);
        }
    }

    private static string Sample(IEnumerable<int> ids) => string.Join(",", ids.Take(10)) is { Length: > 0 } s ? s : "-";

    /// <summary>The node that most recently logged hosting the queue (its "recovered" line), by log time; -1 if unknown.</summary>
    public int QueueHost()
    {
        var best = (Node: -1, Time: TimeSpan.MinValue);
        for (var i = 0; i < NodeCount; i++)
        {
            if (!IsRunning(i)) continue;
            foreach (var line in Node(i).ReadLog().Split('\n'))
            {
                if (!line.Contains($"Queue {Settings.Queue}: recovered", StringComparison.Ordinal)) continue;
                if (TimeSpan.TryParseExact(line.Split(' ')[0], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var time) && time > best.Time)
                {
                    best = (i, time);
                }
            }
        }
        return best.Node;
    }

    /// <summary>Log lines of all incarnations matching <paramref name="pattern"/>, prefixed with the node name.</summary>
    public IReadOnlyList<string> GrepLogs(string pattern)
    {
        var regex = new Regex(pattern);
        List<(int Node, NodeProcess Process)> all;
        lock (_incarnations) all = [.. _incarnations];
        return all.SelectMany(n => SafeRead(n.Process).Split('\n').Where(l => regex.IsMatch(l)).Select(l => $"{NodeName(n.Node)}: {l.TrimEnd()}")).ToList();
    }

    private static string SafeRead(NodeProcess process)
    {
        try
        {
            return process.ReadLog();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return "";
        }
    }

    /// <summary>Writes the tails of every node log (and their warnings and errors) to the test output.</summary>
    public void DumpLogs(string why, int tail = 80)
    {
        Log($"--- node logs ({why}) ---");
        List<(int Node, NodeProcess Process)> all;
        lock (_incarnations) all = [.. _incarnations];
        foreach (var (i, process) in all)
        {
            var text = SafeRead(process).Split('\n');
            var warnings = text.Where(l => l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal)
                                           || l.Contains("crit:", StringComparison.Ordinal) || l.Contains("TEST HOOK", StringComparison.Ordinal)).ToList();
            Log($"=== {NodeName(i)} pid {process.ProcessId} {(process.HasExited ? $"exited {process.ExitCode}" : "running")} log {process.LogPath}: "
                + $"{text.Length} lines, {warnings.Count} warnings/errors; last of them:\n" + string.Join('\n', warnings.TakeLast(25))
                + $"\n--- tail:\n{string.Join('\n', text.TakeLast(tail))}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<(int Node, NodeProcess Process)> all;
        lock (_incarnations) all = [.. _incarnations];
        foreach (var (_, process) in all) await process.DisposeAsync();
        foreach (var printer in _printers) await printer.DisposeAsync();
        Submitter.Dispose();
        _http.Dispose();
        KeepLogs(all);
        _directory.Dispose();
    }

    /// <summary>Copies every node log to bin/chaos-logs/NAME/ (replacing an earlier run's) for a look after the run.</summary>
    private void KeepLogs(List<(int Node, NodeProcess Process)> all)
    {
        try
        {
            var target = Path.Combine(RepoPaths.Root, "tests", "ActorSpool.Chaos.Tests", "bin", "chaos-logs", Name);
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.CreateDirectory(target);
            var seen = new Dictionary<int, int>();
            foreach (var (i, process) in all)
            {
                seen[i] = seen.GetValueOrDefault(i) + 1;
                if (File.Exists(process.LogPath)) File.Copy(process.LogPath, Path.Combine(target, $"{NodeName(i)}-{seen[i]}.log"));
            }
            File.WriteAllLines(Path.Combine(target, "timeline.txt"), Timeline);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a convenience.
        }
    }
}
