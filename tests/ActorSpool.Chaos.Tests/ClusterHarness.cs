using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
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
    /// <summary>The node's host with crash points (tests/ActorSpool.TestNode), beside this assembly through its project reference.</summary>
    private static string TestNodeDll => Path.Combine(AppContext.BaseDirectory, "ActorSpool.TestNode.dll");

    public sealed record Options
    {
        public int Nodes { get; init; } = 3;
        public int Printers { get; init; } = 3;
        public TimeSpan PrinterDelay { get; init; } = TimeSpan.FromMilliseconds(100);
        public int Workers { get; init; } = 4;
        public string Queue { get; init; } = "office";
        public string Mode { get; init; } = "balance";

        /// <summary>
        /// The printers and queues (printers.conf text) for the printers started; null: every printer in one queue
        /// <see cref="Queue"/> in <see cref="Mode"/>.
        /// </summary>
        public Func<IReadOnlyList<AppSocketPrinterSimulator>, string>? Topology { get; init; }
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
    /// <summary>Node i became an Up member since it was last started (and was not killed since).</summary>
    private readonly bool[] _up;
    private readonly int[] _nodePorts;
    private readonly int[] _ippPorts;
    private readonly int[] _httpPorts;
    private readonly List<(int Node, NodeProcess Process)> _incarnations = [];
    private readonly List<(int Node, string Log)> _failedStarts = [];
    private readonly List<string> _timeline = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly IppClient _ipp;
    private string _printersFile = "";

    private string KeepJournalFile => Path.Combine(_directory.Path, "keep-journal.conf");

    private ClusterHarness(string name, ITestOutputHelper output, Options options, string connectionString)
    {
        Name = name;
        _output = output;
        Settings = options;
        ConnectionString = connectionString;
        _nodes = new NodeProcess?[options.Nodes];
        _up = new bool[options.Nodes];
        var ports = StablePorts(3 * options.Nodes);
        _nodePorts = ports[..options.Nodes];
        _ippPorts = ports[options.Nodes..(2 * options.Nodes)];
        _httpPorts = ports[(2 * options.Nodes)..];
        _ipp = new IppClient(_http);
        Submitter = new IppSubmitter(this);
    }

    /// <summary>A node keeps its ports across restarts, so they come from below the ephemeral range (see <see cref="FreePort"/>).</summary>
    private static int[] StablePorts(int count) => Enumerable.Range(0, count).Select(_ => FreePort.Next()).ToArray();

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
        if (Settings.Topology is { } topology)
        {
            text.AppendLine(topology(_printers));
        }
        else
        {
            AppendOneQueue(text);
        }
        _printersFile = Path.Combine(_directory.Path, "printers.conf");
        await File.WriteAllTextAsync(_printersFile, text.ToString());
        // The journal keeps every event, so JournalInspector's report reads each job's whole history.
        // Every job of a long run stays listed, so the outcome can be checked against what the clients were told.
        await File.WriteAllTextAsync(KeepJournalFile, "actorspool.spool.trim-journal = off\nactorspool.spool.retain-terminal-jobs = 20000\n");
    }

    private void AppendOneQueue(StringBuilder text)
    {
        text.AppendLine("actorspool.printers {");
        foreach (var p in _printers) text.AppendLine(CultureInfo.InvariantCulture, $"  {p.Name} {{ uri = \"socket://127.0.0.1:{p.Port}\" }}");
        text.AppendLine("}");
        text.AppendLine("actorspool.queues {");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Settings.Queue} {{ printers = [{string.Join(", ", _printers.Select(p => p.Name))}], mode = {Settings.Mode} }}");
        text.AppendLine("}");
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

    public Uri QueueUri(int i, string? queue = null) => new($"ipp://127.0.0.1:{_ippPorts[i]}/printers/{queue ?? Settings.Queue}");

    /// <summary>Node i's HTTP port (console, REST API, health), where a browser goes.</summary>
    public Uri WebUri(int i) => new($"http://127.0.0.1:{_httpPorts[i]}/");

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
            "--config", KeepJournalFile,
        };
        // Every node lists every node as a seed, the first node first. On a fresh start the first node forms the
        // cluster once no other seed answers; a restarted node (the first one too) joins the members still alive.
        // (A node without seeds always forms a new cluster: restarted next to running members it would start a
        // second cluster on the same journal - checked below.)
        foreach (var port in _nodePorts) args.AddRange(["--seed", $"127.0.0.1:{port}"]);
        var membersUp = Enumerable.Range(0, NodeCount).Where(n => n != i && IsRunning(n) && _up[n]).ToList();
        // A crash point needs the test host of the node (ActorSpool.TestNode): production code has none.
        var hook = environment is not null && environment.TryGetValue("ACTORSPOOL_TEST_HOOK", out var h) ? $" with ACTORSPOOL_TEST_HOOK={h}" : "";
        Log($"starting {NodeName(i)}{hook}");
        var dataDirectory = Path.Combine(_directory.Path, NodeName(i));
        NodeProcess node;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                node = await NodeProcess.StartAsync(dataDirectory, _printersFile, _ippPorts[i], args, TimeSpan.FromMinutes(2), environment,
                    entryDll: hook.Length > 0 ? TestNodeDll : null);
            }
            catch (Exception e)
            {
                // The process is gone (or never got ready); keep its log for the report.
                var log = new DirectoryInfo(dataDirectory).GetFiles("node-*.log").OrderBy(f => f.LastWriteTimeUtc).LastOrDefault();
                var text = log is null ? "(no log)" : File.ReadAllText(log.FullName);
                if (log is not null) lock (_failedStarts) _failedStarts.Add((i, log.FullName));
                Log($"{NodeName(i)} failed to start: {e.Message}");
                Output($"=== {NodeName(i)} start-up log:\n{string.Join('\n', text.Split('\n').TakeLast(40))}");
                throw;
            }
            _nodes[i] = node;
            lock (_incarnations) _incarnations.Add((i, node));
            if (!waitUntilReady) return;
            try
            {
                await node.WaitForReadyAsync(TimeSpan.FromMinutes(2));
                break;
            }
            catch (InvalidOperationException) when (node.HasExited && node.ExitCode == JoinFailedExitCode && attempt < 3)
            {
                // What a supervisor (systemd, Compose restart policy) does with a node that could not join: start it again.
                Interlocked.Increment(ref _joinRetries);
                Log($"{NodeName(i)} could not join through its seeds and exited with {JoinFailedExitCode}; starting it again (attempt {attempt + 1})");
            }
        }
        _up[i] = true;
        Log($"{NodeName(i)} is Up (pid {node.ProcessId})");
        if (membersUp.Count > 0 && node.ReadLog().Contains("and forming a new cluster", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{NodeName(i)} formed a second cluster on the same database although {string.Join(", ", membersUp.Select(NodeName))} were Up members");
        }
    }

    private int _joinRetries;

    /// <summary>Starts that ended with the node giving up joining (exit 3) and had to be started again, as a supervisor would.</summary>
    public int JoinRetries => Volatile.Read(ref _joinRetries);

    /// <summary>ActorSpool.Node's exit code when it gave up joining the cluster (NodeHost.ExitJoinFailed).</summary>
    private const int JoinFailedExitCode = 3;

    public Task RestartAsync(int i, IReadOnlyDictionary<string, string>? environment = null) => StartNodeAsync(i, environment);

    /// <summary>SIGKILL node i; returns the moment of the kill.</summary>
    public async Task<DateTimeOffset> KillAsync(int i)
    {
        var node = Node(i);
        _up[i] = false;
        var at = DateTimeOffset.UtcNow;
        await node.KillAsync();
        Log($"SIGKILL {NodeName(i)} (pid {node.ProcessId})");
        return at;
    }

    /// <summary>Sends node i a signal (STOP freezes it as a stalled host would, CONT wakes it); returns the moment.</summary>
    public async Task<DateTimeOffset> SignalAsync(int i, string signal)
    {
        var node = Node(i);
        var at = DateTimeOffset.UtcNow;
        using var kill = Process.Start("kill", $"-{signal} {node.ProcessId}") ?? throw new InvalidOperationException("kill did not start");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {node.ProcessId} exited with {kill.ExitCode}");
        Log($"SIG{signal} {NodeName(i)} (pid {node.ProcessId})");
        return at;
    }

    public void Log(string message)
    {
        var line = $"[{Clock.Elapsed.TotalSeconds,7:0.0} s {DateTime.UtcNow:HH:mm:ss.fff}Z] {message}";
        lock (_timeline) _timeline.Add(line);
        Output(line);
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
                var jobs = await _ipp.GetJobsAsync(QueueUri(i), "all", ct, limit: int.MaxValue);
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

    /// <summary>The running node that most recently logged hosting the queue (its "recovered" line); -1 if unknown.</summary>
    public int QueueHost() => LatestLogger($"Queue {Settings.Queue}: recovered");

    /// <summary>The running node that most recently logged starting the balancer singleton; -1 if unknown.</summary>
    public int BalancerHost() => LatestLogger("Balancer singleton started on");

    private int LatestLogger(string text)
    {
        var best = (Node: -1, Time: DateTimeOffset.MinValue);
        for (var i = 0; i < NodeCount; i++)
        {
            if (!IsRunning(i)) continue;
            foreach (var line in SafeRead(Node(i)).Split('\n'))
            {
                if (line.Contains(text, StringComparison.Ordinal) && AkkaTime(line) is { } time && time > best.Time) best = (i, time);
            }
        }
        return best.Node;
    }

    /// <summary>
    /// When a node logged the line: the UTC time stamp of Akka's own format ("[11/23/2026 14:04:58.225Z]") or the
    /// local time of day the node's console log starts each line with ("14:04:58.225 info: ...", NodeHost), taken as
    /// today's (yesterday's if that would be in the future: a run across midnight).
    /// </summary>
    public static DateTimeOffset? AkkaTime(string line)
    {
        var match = AkkaTimestamp().Match(line);
        if (match.Success && DateTimeOffset.TryParseExact(match.Groups[1].Value, "MM/dd/yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }
        var head = ConsoleTimestamp().Match(line);
        if (!head.Success || !TimeSpan.TryParseExact(head.Groups[1].Value, @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var timeOfDay)) return null;
        var local = DateTime.Today + timeOfDay;
        if (local > DateTime.Now.AddMinutes(1)) local = local.AddDays(-1);
        return new DateTimeOffset(local).ToUniversalTime();
    }

    [GeneratedRegex(@"\[(\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}\.\d{3})Z\]")]
    private static partial Regex AkkaTimestamp();

    [GeneratedRegex(@"^\s*(\d{2}:\d{2}:\d{2}\.\d{3}) ")]
    private static partial Regex ConsoleTimestamp();

    /// <summary>The earliest Akka log line of any node incarnation matching <paramref name="pattern"/> logged after <paramref name="after"/>.</summary>
    public (DateTimeOffset Time, string Node, string Line)? FirstLogAfter(string pattern, DateTimeOffset after)
    {
        var regex = new Regex(pattern);
        List<(int Node, NodeProcess Process)> all;
        lock (_incarnations) all = [.. _incarnations];
        (DateTimeOffset Time, string Node, string Line)? best = null;
        foreach (var (i, process) in all)
        {
            foreach (var line in SafeRead(process).Split('\n'))
            {
                if (!regex.IsMatch(line) || AkkaTime(line) is not { } time || time <= after) continue;
                if (best is null || time < best.Value.Time) best = (time, NodeName(i), line.Trim());
            }
        }
        return best;
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

    /// <summary>Writes the tails of every node log (and their warnings and errors) to the test output (not the timeline).</summary>
    public void DumpLogs(string why, int tail = 80)
    {
        Log($"node logs dumped to the test output ({why})");
        List<(int Node, NodeProcess Process)> all;
        lock (_incarnations) all = [.. _incarnations];
        foreach (var (i, process) in all)
        {
            var text = SafeRead(process).Split('\n');
            var warnings = text.Where(l => l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal)
                                           || l.Contains("crit:", StringComparison.Ordinal) || l.Contains("TEST HOOK", StringComparison.Ordinal)).ToList();
            Output($"=== {NodeName(i)} pid {process.ProcessId} {(process.HasExited ? $"exited {process.ExitCode}" : "running")} log {process.LogPath}: "
                   + $"{text.Length} lines, {warnings.Count} warnings/errors; last of them:\n" + string.Join('\n', warnings.TakeLast(25))
                   + $"\n--- tail:\n{string.Join('\n', text.TakeLast(tail))}");
        }
    }

    private void Output(string text)
    {
        try
        {
            _output.WriteLine(text);
        }
        catch (InvalidOperationException)
        {
            // No test is running any more.
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
            lock (_failedStarts)
            {
                foreach (var (i, log) in _failedStarts)
                {
                    if (File.Exists(log)) File.Copy(log, Path.Combine(target, $"{NodeName(i)}-failed-start-{Path.GetFileName(log)}"));
                }
            }
            File.WriteAllLines(Path.Combine(target, "timeline.txt"), Timeline);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a convenience.
        }
    }
}
