using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Ingress.Lpd;
using ActorSpool.Node.Ingress.Raw;
using ActorSpool.Node.Management;
using ActorSpool.Node.Spool;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Node.Tests.Ingress.Ipp;
using ActorSpool.Node.Tests.Management;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Protocols.Lpd;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>
/// One node with every listener on: IPP/HTTP, LPD, raw and the command host. The connection limits per client address
/// and the minimum data rate are the defaults, except shorter grace periods so the slow clients are dropped sooner.
/// </summary>
public sealed class ListenerLimitsNodeFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public AppSocketPrinterSimulator Printer { get; private set; } = null!;
    public InProcessNode Node { get; private set; } = null!;
    public int RawPort { get; private set; }

    public LpdIngressService Lpd => Node.Services.GetRequiredService<LpdIngressService>();
    public RawIngressService Raw => Node.Services.GetRequiredService<RawIngressService>();
    public int CommandPort => Node.Services.GetRequiredService<CommandHost>().Endpoint.Port;
    public ISpoolGateway Gateway => Node.Services.GetRequiredService<ISpoolGateway>();

    public async Task InitializeAsync()
    {
        Printer = await Printers.SimulatorAsync("lj-1");
        RawPort = FreePort.Next();
        var printers = Printers.WriteFile(_data.Path, [Printer], $"  office {{ printers = [lj-1], raw-port = {RawPort} }}");
        Node = await InProcessNode.StartAsync(InProcessNode.Options(_data.Path, printers) with { LpdPort = 0 }, """
            actorspool.lpd.min-data-rate-grace = 8s
            actorspool.raw.min-data-rate-grace = 8s
            actorspool.limits { http-max-connections-per-address = 8, cmd-max-connections-per-address = 2, cmd-request-timeout = 5s }
            """);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Printer.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>
/// The probes as tests: 200 idle connections were held on every listener, and 1 byte every 2 s kept an LPD or
/// raw connection forever, so 128 of them locked out every real client. Here the slow clients come from 127.0.0.2
/// and the real client from 127.0.0.1: it is served while they hang on, and they are dropped once they fall below
/// the minimum data rate.
/// </summary>
public sealed class ListenerLimitsTests(ListenerLimitsNodeFixture node) : IClassFixture<ListenerLimitsNodeFixture>
{
    private const string Attacker = "127.0.0.2";
    private const int SlowClients = 130;

    /// <summary>Opens <paramref name="count"/> connections from the attacker's address; each sends <paramref name="first"/>, then one byte a second.</summary>
    private static async Task<(List<WireClient> Clients, CancellationTokenSource Stop)> TrickleAsync(int port, int count, string first)
    {
        var clients = new List<WireClient>();
        for (int i = 0; i < count; i++)
        {
            try
            {
                clients.Add(await WireClient.ConnectAsync(port, from: Attacker));
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Reset by the node as it connected: beyond the address's share already.
            }
        }
        var stop = new CancellationTokenSource();
        foreach (var client in clients)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await client.SendAsync(first);
                    while (!stop.IsCancellationRequested)
                    {
                        await Task.Delay(1000, stop.Token);
                        await client.SendAsync("o");
                    }
                }
                catch (Exception)
                {
                    // Reset or dropped by the node: this slow client is done.
                }
            });
        }
        return (clients, stop);
    }

    private static async Task CloseAllAsync(List<WireClient> clients, CancellationTokenSource stop)
    {
        await stop.CancelAsync();
        foreach (var client in clients)
            await client.DisposeAsync();
        stop.Dispose();
    }

    [Fact]
    public async Task Lpd_slow_clients_fill_only_their_addresses_share_a_real_client_is_served_and_the_slow_ones_are_dropped()
    {
        var (slow, stop) = await TrickleAsync(node.Lpd.Port, SlowClients, "\u0002");
        try
        {
            // One address gets 32 of the 128 connections (max-connections-per-address); the rest of its 130 are reset.
            await Wait.UntilAsync(() => node.Lpd.ActiveConnections > 0, "slow LPD connections being served");
            Assert.InRange(node.Lpd.ActiveConnections, 1, 32);

            var content = Encoding.ASCII.GetBytes("a real client's job\n");
            await LpdClient.SendAsync("127.0.0.1", node.Lpd.Port, "office",
                [new LpdDocument(content.Length, _ => Task.FromResult<Stream>(new MemoryStream(content)), "real.txt")],
                new LpdJobInfo(1, "client", "erin", "real job"), LpdOptions.Default, CancellationToken.None);
            Assert.Single(await node.Gateway.GetJobsAsync("office", JobFilter.All, "erin", 0)); // acknowledged = accepted

            // 1 byte a second is below 240 bytes/s: each slow connection is dropped after the grace period.
            await Wait.UntilAsync(() => node.Lpd.ActiveConnections == 0, "the slow LPD connections dropped");
        }
        finally
        {
            await CloseAllAsync(slow, stop);
        }
    }

    [Fact]
    public async Task Raw_slow_clients_fill_only_their_addresses_share_a_real_client_is_served_and_the_slow_ones_are_dropped()
    {
        var (slow, stop) = await TrickleAsync(node.RawPort, SlowClients, "%");
        try
        {
            await Wait.UntilAsync(() => node.Raw.ActiveConnections > 0, "slow raw connections being served");
            Assert.InRange(node.Raw.ActiveConnections, 1, 32);

            var before = (await node.Gateway.GetJobsAsync("office", JobFilter.All, "raw", 0)).Length;
            await using (var real = await WireClient.ConnectAsync(node.RawPort))
            {
                await real.SendAsync("a real raw job\n");
                real.HalfClose();
                Assert.True(await real.EndsNormallyAsync(), "the real raw client's job was refused");
            }
            Assert.Equal(before + 1, (await node.Gateway.GetJobsAsync("office", JobFilter.All, "raw", 0)).Length);

            await Wait.UntilAsync(() => node.Raw.ActiveConnections == 0, "the slow raw connections dropped");
        }
        finally
        {
            await CloseAllAsync(slow, stop);
        }
    }

    [Fact]
    public async Task Ipp_connections_beyond_an_addresses_share_are_closed_while_other_clients_are_served()
    {
        // 9 idle connections from one address against a share of 8: one of them is closed before it is served.
        var idle = new List<WireClient>();
        var resetWhileConnecting = 0;
        for (int i = 0; i < 9; i++)
        {
            try
            {
                idle.Add(await WireClient.ConnectAsync(node.Node.IppPort, from: Attacker));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // The node closed the connection beyond the share before the connect completed here (a busy machine).
                resetWhileConnecting++;
            }
        }
        try
        {
            var answered = 0;
            foreach (var client in idle)
            {
                if (await ServedAsync(client)) answered++;
            }
            Assert.Equal(8, answered);
            Assert.Equal(1, resetWhileConnecting + idle.Count - answered);

            // Another address is served meanwhile, over real IPP.
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.Node.IppPort}/") };
            using var content = new ByteArrayContent(IppTestSupport.Encode(IppTestSupport.Request(IppOperation.GetPrinterAttributes, node.Node.QueueUri("office").ToString())));
            content.Headers.ContentType = new MediaTypeHeaderValue(IppEndpoints.ContentType);
            using var response = await http.PostAsync("/printers/office", content);
            IppParser.Parse(await response.Content.ReadAsByteArrayAsync(), out _).AssertStatus(IppStatusCode.SuccessfulOk);
        }
        finally
        {
            foreach (var client in idle)
                await client.DisposeAsync();
        }

        // Its connections closed, the address is served again.
        await Wait.ForAsync(async () =>
        {
            try
            {
                await using var again = await WireClient.ConnectAsync(node.Node.IppPort, from: Attacker);
                return await ServedAsync(again);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }, served => served, "a new connection from the address served");
    }

    /// <summary>Whether the node answers an HTTP request on the connection (false: it closed or reset it).</summary>
    private static async Task<bool> ServedAsync(WireClient client)
    {
        try
        {
            await client.SendAsync("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            return await client.ReadAckAsync() == 'H';
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task An_ipp_client_trickling_its_request_body_is_dropped_by_kestrels_minimum_data_rate()
    {
        await using var slow = await WireClient.ConnectAsync(node.Node.IppPort);
        await slow.SendAsync("POST /printers/office HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ipp\r\nContent-Length: 100000\r\n\r\n");
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await slow.SendAsync([0x02]);
                    await Task.Delay(1000, stop.Token);
                }
            }
            catch (Exception)
            {
                // Dropped.
            }
        });

        // 1 byte a second is below 240 bytes/s: after the 5 s grace Kestrel ends the request and the connection
        // (whatever it answers first). Without the rate nothing would ever end it: the body is announced as 100,000 bytes.
        try
        {
            await slow.ReadToEndAsync();
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Reset: ended too.
        }
        await stop.CancelAsync();
        await trickle;
    }

    [Fact]
    public async Task Command_host_refuses_connections_beyond_an_addresses_share_in_its_own_words_and_drops_trickled_requests()
    {
        var (slow, stop) = await TrickleAsync(node.CommandPort, 2, "{");
        try
        {
            await using (var third = await WireClient.ConnectAsync(node.CommandPort, from: Attacker))
            {
                var refusal = await third.ReadToEndAsync();
                Assert.Contains("the node refuses this connection", refusal);
                Assert.Contains("from 127.0.0.2", refusal);
            }

            await using (var operatorConnection = await CommandConnection.OpenAsync(node.CommandPort))
            {
                var result = await operatorConnection.RunAsync("queue", "list");
                Assert.True(result.Code == 0, result.ToString());
            }

            // A request line that does not end within cmd-request-timeout of its first byte: the connection is dropped.
            foreach (var client in slow)
                Assert.Equal(-1, await client.ReadAckAsync());
        }
        finally
        {
            await CloseAllAsync(slow, stop);
        }
    }
}
