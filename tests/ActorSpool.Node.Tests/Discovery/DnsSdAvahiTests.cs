using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Discovery;
using ActorSpool.Node.Tests.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using ActorSpool.TestSupport.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorSpool.Node.Tests.Discovery;

/// <summary>
/// DNS-SD through a real avahi-daemon (the test's own, in a network namespace with only loopback: <see cref="PrivateAvahi"/>),
/// checked with the real avahi-browse.
/// </summary>
public sealed class DnsSdAvahiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AvahiFact]
    public async Task A_node_advertises_each_queue_as_ipp_and_ipps_with_the_txt_keys_of_its_get_printer_attributes()
    {
        await using var avahi = await PrivateAvahi.StartAsync();
        await using var printer = await Printers.SimulatorAsync("lj-1");
        using var directory = new TempDirectory();
        var printers = Printers.WriteFile(directory.Path, [printer], "  office { printers = [lj-1] }\n  labels { printers = [lj-1] }");
        var node = await InProcessNode.StartAsync(InProcessNode.Options(Path.Combine(directory.Path, "data"), printers) with { DnsSd = true },
            $"actorspool.dnssd.dbus-address = \"{avahi.BusAddress}\"");
        try
        {
            var ipp = await QueuesAsync(avahi, "_ipp._tcp", ["labels", "office"]);
            var ipps = await QueuesAsync(avahi, "_ipps._tcp", ["labels", "office"]);
            using var http = new HttpClient();
            var client = new IppClient(http);
            foreach (var queue in (string[])["office", "labels"])
            {
                var uri = node.QueueUri(queue);
                var answer = await client.SendAsync(uri, client.NewRequest(IppOperation.GetPrinterAttributes, uri));
                Assert.Equal(IppStatusCode.SuccessfulOk, answer.Status);
                foreach (var service in (BrowsedService[])[ipp[queue], ipps[queue]])
                {
                    Assert.Equal(node.IppPort, service.Port);
                    Assert.Equal($"printers/{queue}", service.Txt["rp"]);
                    Assert.Equal(string.Join(',', answer.Printer("document-format-supported").Values.Select(v => v.AsString())), service.Txt["pdl"]);
                    Assert.Equal(answer.Printer("printer-uuid").Value.AsString(), "urn:uuid:" + service.Txt["UUID"]);
                    Assert.Equal(answer.Printer("printer-more-info").Value.AsString(), service.Txt["adminurl"]);
                    Assert.Equal(answer.Printer("printer-make-and-model").Value.AsString(), service.Txt["ty"]);
                    Assert.Equal("1.2", service.Txt["TLS"]);
                    Assert.StartsWith($"{queue} @ ", service.Name);
                }
            }
            // IPP Everywhere clients browse the _print subtype.
            var everywhere = await Eventually.ValueAsync(() => avahi.BrowseNamesAsync("_print._sub._ipp._tcp"), names => names.Count == 2, Patience, "two _print._sub._ipp._tcp services");
            Assert.Equal([ipp["labels"].Name, ipp["office"].Name], everywhere.Order(StringComparer.Ordinal));
        }
        finally
        {
            await node.DisposeAsync();
        }

        // Stopping the node withdraws its services.
        await QueuesAsync(avahi, "_ipp._tcp", []);
    }

    [AvahiFact]
    public async Task A_queue_added_and_removed_with_spoolctl_appears_in_and_leaves_avahi_browse()
    {
        await using var avahi = await PrivateAvahi.StartAsync();
        await using var printer = await Printers.SimulatorAsync("lj-1");
        using var directory = new TempDirectory();
        var printers = Printers.WriteFile(directory.Path, [printer], "  office { printers = [lj-1] }");
        var node = await InProcessNode.StartAsync(InProcessNode.Options(Path.Combine(directory.Path, "data"), printers) with { DnsSd = true },
            $"actorspool.dnssd.dbus-address = \"{avahi.BusAddress}\"");
        try
        {
            await QueuesAsync(avahi, "_ipp._tcp", ["office"]);
            await using var cmd = await Management.CommandConnection.OpenAsync(node.Services.GetRequiredService<ActorSpool.Node.Management.CommandHost>().Endpoint.Port);
            var added = await cmd.RunAsync("queue", "add", new Dictionary<string, string[]> { ["queue"] = ["labels"], ["printers"] = ["lj-1"] });
            Assert.True(added.Code == 0, added.ToString());
            var both = await QueuesAsync(avahi, "_ipp._tcp", ["labels", "office"]);
            Assert.Equal("printers/labels", both["labels"].Txt["rp"]);

            var removed = await cmd.RunAsync("queue", "remove", new Dictionary<string, string[]> { ["queue"] = ["labels"] });
            Assert.True(removed.Code == 0, removed.ToString());
            await QueuesAsync(avahi, "_ipp._tcp", ["office"]);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [AvahiFact]
    public async Task Queues_added_to_the_live_topology_are_advertised_removed_ones_withdrawn_and_all_come_back_after_avahi_restarts()
    {
        await using var avahi = await PrivateAvahi.StartAsync();
        var live = new LiveTopology(Topology("office", "labels"));
        var log = new RecordingLogger();
        using var advertiser = new DnsSdAdvertiser(new DnsSdSettings { DBusAddress = avahi.BusAddress }, live, "spool-test",
            () => new DnsSdNode(8631, "spool-test:8080", TlsOffered: true, LoginRequired: false), () => Task.CompletedTask, log);
        await advertiser.StartAsync(CancellationToken.None);
        try
        {
            var first = await QueuesAsync(avahi, "_ipp._tcp", ["labels", "office"], log);
            Assert.Equal("office @ spool-test", first["office"].Name);
            Assert.Equal(8631, first["office"].Port);

            live.Update(Topology("office", "reception"), 1);
            await QueuesAsync(avahi, "_ipp._tcp", ["office", "reception"]);
            await QueuesAsync(avahi, "_ipps._tcp", ["office", "reception"]);

            // A new avahi-daemon knows nothing of the old one's services: whatever it lists was published again.
            await avahi.RestartAvahiAsync();
            await QueuesAsync(avahi, "_ipp._tcp", ["office", "reception"]);
        }
        finally
        {
            await advertiser.StopAsync(CancellationToken.None);
        }
        await QueuesAsync(avahi, "_ipp._tcp", []);
    }

    [AvahiFact]
    public async Task Two_nodes_on_one_host_advertise_the_same_queue_under_two_names()
    {
        await using var avahi = await PrivateAvahi.StartAsync();
        var topology = new FixedTopology(Topology("office"));
        DnsSdAdvertiser Advertiser(int port) => new(new DnsSdSettings { DBusAddress = avahi.BusAddress }, topology, "spool-test",
            () => new DnsSdNode(port, $"spool-test:{port}", TlsOffered: false, LoginRequired: false), () => Task.CompletedTask, NullLogger<DnsSdAdvertiser>.Instance);
        using var first = Advertiser(8631);
        using var second = Advertiser(8632);
        await first.StartAsync(CancellationToken.None);
        await Eventually.WaitUntilAsync(() => first.Published.Count == 1, "the first node advertising office");
        await second.StartAsync(CancellationToken.None);
        try
        {
            var both = await Eventually.ValueAsync(() => avahi.BrowseAsync("_ipp._tcp"), found => found.Count == 2, Patience, "two office services");
            Assert.Equal([("office @ spool-test", 8631), ("office @ spool-test #2", 8632)], both.Select(s => (s.Name, s.Port)).Order());
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
            await first.StopAsync(CancellationToken.None);
        }
    }

    [AvahiFact]
    public async Task A_node_started_without_avahi_serves_and_advertises_its_queues_once_avahi_starts()
    {
        var busDirectory = Directory.CreateTempSubdirectory("actorspool-avahi-").FullName;
        await using var printer = await Printers.SimulatorAsync("lj-1");
        using var directory = new TempDirectory();
        var printers = Printers.WriteFile(directory.Path, [printer], "  office { printers = [lj-1] }");
        await using var node = await InProcessNode.StartAsync(InProcessNode.Options(Path.Combine(directory.Path, "data"), printers) with { DnsSd = true },
            $"actorspool.dnssd.dbus-address = \"{PrivateAvahi.BusAddressIn(busDirectory)}\"");

        using var http = new HttpClient();
        var client = new IppClient(http);
        var printed = await client.PrintJobAsync(node.QueueUri("office"), new MemoryStream("hello"u8.ToArray()), "alice", "without avahi");
        Assert.Equal(IppStatusCode.SuccessfulOk, printed.Status);
        Assert.Empty(node.Services.GetRequiredService<DnsSdAdvertiser>().Published);

        await using var avahi = await PrivateAvahi.StartAsync(busDirectory);
        var office = (await QueuesAsync(avahi, "_ipp._tcp", ["office"]))["office"];
        Assert.Equal(node.IppPort, office.Port);
    }

    /// <summary>Waits until avahi-browse lists exactly <paramref name="queues"/> (by their rp key) for <paramref name="type"/>.</summary>
    private static async Task<Dictionary<string, BrowsedService>> QueuesAsync(PrivateAvahi avahi, string type, string[] queues, RecordingLogger? log = null)
    {
        IReadOnlyList<BrowsedService> services;
        try
        {
            services = await Eventually.ValueAsync(() => avahi.BrowseAsync(type),
                found => found.Select(s => s.Txt.GetValueOrDefault("rp", "")).Order(StringComparer.Ordinal).SequenceEqual(queues.Select(q => $"printers/{q}").Order(StringComparer.Ordinal)),
                Patience, $"avahi-browse {type} listing exactly [{string.Join(", ", queues)}]");
        }
        catch (TimeoutException e)
        {
            var found = string.Join("; ", (await avahi.BrowseAsync(type)).Select(s => $"{s.Name} {string.Join(' ', s.Txt.Select(kv => kv.Key + "=" + kv.Value))}"));
            throw new TimeoutException($"{e.Message}\nlisted: {found}\nadvertiser log:\n{log}\navahi-daemon:\n{avahi.Output}", e);
        }
        return services.ToDictionary(s => s.Txt["rp"]["printers/".Length..], StringComparer.Ordinal);
    }

    private static SpoolTopology Topology(params string[] queues) => TopologyLoader.LoadText(
        "actorspool.printers { lj-1 { uri = \"socket://127.0.0.1:9\" } }\nactorspool.queues {\n" +
        string.Join("\n", queues.Select(q => $"  {q} {{ printers = [lj-1] }}")) + "\n}\n", "test");
}

/// <summary>A test that runs its own avahi-daemon in a network namespace: skipped, saying why, where that cannot be done.</summary>
public sealed class AvahiFactAttribute : FactAttribute
{
    public AvahiFactAttribute()
    {
        if (PrivateAvahi.WhyUnavailable is { } reason) Skip = reason;
    }
}

/// <summary>Keeps what the advertiser logged, for the failure message.</summary>
internal sealed class RecordingLogger : Microsoft.Extensions.Logging.ILogger<DnsSdAdvertiser>
{
    private readonly List<string> _lines = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines) _lines.Add($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }

    public override string ToString()
    {
        lock (_lines) return string.Join("\n", _lines);
    }
}
