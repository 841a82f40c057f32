using System.Net.Sockets;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using ActorSpool.Simulators;

namespace ActorSpool.Node.Hosting;

/// <summary>
/// The embedded default's printers: an AppSocket simulator on loopback for every demo socket:// printer, writing
/// what it receives to DATA/printed/PRINTER/, so a fresh clone prints with nothing else installed. Follows the live
/// topology: a loopback socket:// printer added while the node runs gets its simulator too, a removed one loses it.
/// </summary>
public sealed class DemoPrinters(ILiveTopology topology, NodeOptions options, ILogger<DemoPrinters> log) : IHostedService, IAsyncDisposable
{
    private readonly Dictionary<string, (Uri Uri, AppSocketPrinterSimulator Simulator)> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IDisposable? _subscription;

    public IReadOnlyList<AppSocketPrinterSimulator> Running
    {
        get
        {
            lock (_running) return _running.Values.Select(r => r.Simulator).ToArray();
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReconcileAsync(topology.Current, cancellationToken);
        _subscription = topology.Subscribe(changed => _ = ReconcileAsync(changed, CancellationToken.None));
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        await _gate.WaitAsync();
        try
        {
            List<AppSocketPrinterSimulator> all;
            lock (_running)
            {
                all = _running.Values.Select(r => r.Simulator).ToList();
                _running.Clear();
            }

            foreach (var simulator in all) await simulator.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReconcileAsync(SpoolTopology current, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var wanted = current.DemoPrinterDefinitions().ToDictionary(p => p.Name, StringComparer.Ordinal);
            List<(string Name, Uri Uri, AppSocketPrinterSimulator Simulator)> stale;
            lock (_running)
                stale = _running.Where(r => !wanted.TryGetValue(r.Key, out var p) || p.Uri != r.Value.Uri).Select(r => (r.Key, r.Value.Uri, r.Value.Simulator)).ToList();
            foreach (var (name, uri, simulator) in stale)
            {
                lock (_running) _running.Remove(name);
                await simulator.DisposeAsync();
                log.LogInformation("Demo printer {Printer} on {Uri} stopped (no longer in the topology as such)", name, uri);
            }

            foreach (var printer in wanted.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                lock (_running)
                    if (_running.ContainsKey(printer.Name)) continue;
                await StartOneAsync(printer, ct);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Demo printers: could not follow the topology change");
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartOneAsync(PrinterDefinition printer, CancellationToken ct)
    {
        var simulator = new AppSocketPrinterSimulator(new SimulatorOptions
        {
            Name = printer.Name,
            Host = printer.Uri.Host,
            Port = printer.Uri.Port,
            OutputDirectory = Path.Combine(Path.GetFullPath(options.DataDirectory), "printed", printer.Name),
            KeepInMemory = false,
        });
        try
        {
            await simulator.StartAsync(ct);
            lock (_running) _running[printer.Name] = (printer.Uri, simulator);
            log.LogInformation("Demo printer {Printer} listening on {Uri}, output in {Directory}", printer.Name, simulator.DeviceUri, simulator.Options.OutputDirectory);
        }
        catch (InvalidOperationException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            // Another node on this machine already simulates it: share that one.
            await simulator.DisposeAsync();
            log.LogInformation("Demo printer {Printer}: {Uri} is already in use, printing to whatever listens there", printer.Name, printer.Uri);
        }
    }
}
