using System.Text;
using ActorSpool.Actors.Hosting;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Akka.Cluster;
using Xunit.Abstractions;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>Three ActorSystems on loopback forming one cluster over one PostgreSQL database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterSpoolTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly List<AppSocketPrinterSimulator> _devices = new();
    private readonly List<SpoolHarness> _nodes = new();
    private string _printers = "";
    private string _connection = "";

    public async Task InitializeAsync()
    {
        for (var i = 1; i <= 6; i++)
        {
            // 500 ms a job, one job at a time per printer: six printers print ~12 jobs/s, so a backlog of 120 lasts
            // ~10 s, longer than a node takes to leave (the graceful-leave test needs jobs left when it is gone).
            var device = new AppSocketPrinterSimulator(new SimulatorOptions { Name = $"p-{i}", DelayPerJob = TimeSpan.FromMilliseconds(500) });
            await device.StartAsync();
            _devices.Add(device);
        }
        _printers = "actorspool.printers {\n" + string.Join("\n", _devices.Select(d => $"  {d.Name} {{ uri = \"socket://127.0.0.1:{d.Port}\" }}")) + "\n}\n"
                    + "actorspool.queues { pool { printers = [" + string.Join(", ", _devices.Select(d => d.Name)) + "], mode = balance } }\n";
        _connection = postgres.Server.CreateDatabase($"cluster_{Guid.NewGuid():N}");

        var seedPort = FreePort.Next();
        _nodes.Add(await SpoolHarness.StartAsync(_printers, Path.Combine(_data.Path, "n1"), SpoolPersistence.PostgresProvider, _connection, nodePort: seedPort));
        var seed = $"akka.tcp://actorspool-test@127.0.0.1:{seedPort}";
        for (var n = 2; n <= 3; n++)
        {
            _nodes.Add(await SpoolHarness.StartAsync(_printers, Path.Combine(_data.Path, $"n{n}"), SpoolPersistence.PostgresProvider, _connection, seed: seed));
        }
        await SpoolHarness.WaitUntilAsync(
            () => Task.FromResult(Cluster.Get(_nodes[0].System).State.Members.Count(m => m.Status == MemberStatus.Up) == 3),
            "three members up");
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        foreach (var device in _devices) await device.DisposeAsync();
        _data.Dispose();
    }

    private static string NodeOf(JobRecord job) => job.Worker![..job.Worker!.IndexOf("/user/", StringComparison.Ordinal)];

    [Fact]
    public async Task Dispatched_jobs_record_their_worker_with_its_node_address()
    {
        await _nodes[0].SubmitAsync("pool", "x"u8.ToArray());
        var job = (await _nodes[0].WaitForJobsAsync("pool", all => all.Single().State == JobState.Completed)).Single();
        Assert.Contains(NodeOf(job), _nodes.Select(n => n.Address.ToString()));
    }

    [Fact]
    public async Task The_balancer_spreads_a_busy_queue_over_all_three_nodes()
    {
        const int jobs = 150;
        var submissions = Enumerable.Range(0, jobs).Select(i => _nodes[i % 3].SubmitAsync("pool", Encoding.ASCII.GetBytes($"job-{i}")));
        await Task.WhenAll(submissions);

        var done = await _nodes[0].WaitForJobsAsync("pool", all => all.Length == jobs && all.All(j => j.State == JobState.Completed), TimeSpan.FromMinutes(3));

        var perNode = done.GroupBy(NodeOf).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine("jobs per node: " + string.Join(", ", perNode.Select(kv => $"{kv.Key} = {kv.Value}")));
        output.WriteLine("jobs per printer: " + string.Join(", ", _devices.Select(d => $"{d.Name} = {d.ReceivedJobs.Count}")));
        foreach (var again in done.Where(j => j.Dispatches > 1)) output.WriteLine($"job {again.JobId} dispatched {again.Dispatches}x, last error: {again.LastError}");
        Assert.Equal(3, perNode.Count);
        Assert.All(perNode.Values, count => Assert.True(count >= jobs / 6, $"a node ran only {count} of {jobs} jobs"));
        Assert.Equal(jobs, _devices.Sum(d => d.ReceivedJobs.Count));
    }

    [Fact]
    public async Task A_node_that_leaves_gracefully_hands_over_without_failing_or_repeating_a_job()
    {
        const int jobs = 120;
        foreach (var i in Enumerable.Range(0, jobs)) await _nodes[i % 2].SubmitAsync("pool", Encoding.ASCII.GetBytes($"job-{i}"));
        await SpoolHarness.WaitUntilAsync(() => Task.FromResult(_devices.Sum(d => d.ReceivedJobs.Count) >= 20), "printing under way");

        // The third node leaves (coordinated shutdown) while the backlog prints.
        var leaving = _nodes[2];
        _nodes.RemoveAt(2);
        await leaving.DisposeAsync();
        Assert.True(_devices.Sum(d => d.ReceivedJobs.Count) < jobs, "everything printed before the node left; the test proves nothing");

        var done = await _nodes[0].WaitForJobsAsync("pool", all => all.Length == jobs && all.All(j => j.State == JobState.Completed), TimeSpan.FromMinutes(3));
        Assert.All(done, job => Assert.Equal(1, job.Attempts));
        var printed = _devices.SelectMany(d => d.ReceivedJobs).Select(j => Encoding.ASCII.GetString(j.Data!)).ToList();
        output.WriteLine($"printed {printed.Count} documents for {jobs} jobs");
        Assert.Equal(jobs, printed.Distinct().Count());
        Assert.Equal(jobs, printed.Count);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
