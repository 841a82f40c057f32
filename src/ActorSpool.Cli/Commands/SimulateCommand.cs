using System.CommandLine;
using System.Globalization;
using ActorSpool.Simulators;

namespace ActorSpool.Cli.Commands;

/// <summary>
/// <c>spoolctl simulate</c>: runs one simulated AppSocket (port 9100 style) printer per <c>--port</c> until Ctrl-C,
/// printing one line per received job.
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var ports = new Option<int[]>("--port", "-p")
        {
            Description = "TCP port of a simulated printer; repeat for several printers (--port 9101 --port 9102). 0 picks a free port.",
            HelpName = "N",
            DefaultValueFactory = _ => [9100],
        };
        ports.Validators.Add(result =>
        {
            var values = result.GetValueOrDefault<int[]>() ?? [];
            foreach (var port in values.Where(p => p is < 0 or > 65535))
            {
                result.AddError($"Port {port} is out of range (1-65535, or 0 for any free port).");
            }

            foreach (var port in values.Where(p => p != 0).GroupBy(p => p).Where(g => g.Count() > 1))
            {
                result.AddError($"Port {port.Key} is given more than once.");
            }
        });

        var host = new Option<string>("--host")
        {
            Description = "Address to listen on.",
            HelpName = "ADDRESS",
            DefaultValueFactory = _ => "127.0.0.1",
        };

        var output = new Option<DirectoryInfo?>("--out", "-o")
        {
            Description = "Write every job to DIR/<printer>/<sequence>-<printer>.prn (one subfolder per printer). Without it jobs are only counted.",
            HelpName = "DIR",
        };

        var delay = new Option<int>("--delay", "-d")
        {
            Description = "Simulated printing time per job, in milliseconds: after the job's last byte, before the connection is closed.",
            HelpName = "MS",
            DefaultValueFactory = _ => 0,
        };
        delay.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--delay must be 0 or more milliseconds.");
            }
        });

        var name = new Option<string>("--name", "-n")
        {
            Description = "Printer name; with several ports each printer is named NAME-PORT.",
            HelpName = "NAME",
            DefaultValueFactory = _ => "sim",
        };
        name.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value) || value.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            {
                result.AddError($"--name '{value}' is not usable as a file name.");
            }
        });

        var fault = new Option<SimulatedFault>("--fault")
        {
            Description = "Misbehaviour to simulate: " + string.Join(", ", Enum.GetNames<SimulatedFault>()) + ".",
            HelpName = "KIND",
            DefaultValueFactory = _ => SimulatedFault.None,
        };

        var faultFraction = new Option<double>("--fault-fraction")
        {
            Description = "Fraction (0..1) of connections the fault applies to.",
            HelpName = "F",
            DefaultValueFactory = _ => 1.0,
        };
        faultFraction.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (value is < 0 or > 1 || double.IsNaN(value))
            {
                result.AddError("--fault-fraction must be between 0 and 1.");
            }
        });

        var command = new Command("simulate", "Run simulated AppSocket (JetDirect, raw port 9100) printers until Ctrl-C, logging every received job.")
        {
            ports,
            host,
            output,
            delay,
            name,
            fault,
            faultFraction,
        };

        command.SetAction((parseResult, ct) =>
        {
            var settings = new Settings(
                parseResult.GetValue(ports) ?? [9100],
                parseResult.GetValue(host) ?? "127.0.0.1",
                parseResult.GetValue(output),
                TimeSpan.FromMilliseconds(parseResult.GetValue(delay)),
                parseResult.GetValue(name) ?? "sim",
                parseResult.GetValue(fault),
                parseResult.GetValue(faultFraction));
            var console = new CliOutput(parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            return RunAsync(settings, console, ct);
        });

        return command;
    }

    private sealed record Settings(
        int[] Ports,
        string Host,
        DirectoryInfo? Output,
        TimeSpan Delay,
        string Name,
        SimulatedFault Fault,
        double FaultFraction);

    private static async Task<int> RunAsync(Settings settings, CliOutput console, CancellationToken ct)
    {
        var simulators = new List<AppSocketPrinterSimulator>();
        try
        {
            for (var i = 0; i < settings.Ports.Length; i++)
            {
                var port = settings.Ports[i];
                var printer = settings.Ports.Length == 1
                    ? settings.Name
                    : $"{settings.Name}-{(port == 0 ? (i + 1).ToString(CultureInfo.InvariantCulture) : port.ToString(CultureInfo.InvariantCulture))}";
                var simulator = new AppSocketPrinterSimulator(new SimulatorOptions
                {
                    Name = printer,
                    Host = settings.Host,
                    Port = port,
                    OutputDirectory = settings.Output is null ? null : Path.Combine(settings.Output.FullName, printer),
                    KeepInMemory = false,
                    DelayPerJob = settings.Delay,
                    Fault = settings.Fault,
                    FaultFraction = settings.FaultFraction,
                });
                simulator.JobReceived += job => console.Line(
                    $"{job.Printer}  job {job.Sequence:D6}  {job.Length,12:N0} bytes" + (job.FilePath is null ? "" : $"  -> {job.FilePath}"));
                simulator.Log += message => console.Error(message);

                try
                {
                    await simulator.StartAsync(ct);
                }
                catch
                {
                    await simulator.DisposeAsync();
                    throw;
                }

                simulators.Add(simulator);
                var target = simulator.Options.OutputDirectory is { } dir ? $", writing to {dir}" : "";
                var state = settings.Fault == SimulatedFault.RefuseConnections && settings.FaultFraction >= 1
                    ? "refusing connections on"
                    : "listening on";
                console.Line($"{printer} {state} {simulator.DeviceUri.GetLeftPart(UriPartial.Authority)} (fault {settings.Fault}" +
                             (settings.Fault == SimulatedFault.None || settings.FaultFraction >= 1
                                 ? ""
                                 : $" on {settings.FaultFraction.ToString("P0", CultureInfo.InvariantCulture)} of connections") +
                             $", delay {settings.Delay.TotalMilliseconds:0} ms{target})");
            }

            console.Line($"{simulators.Count} simulated printer(s) running; press Ctrl-C to stop.");
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            console.Error($"simulate: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var simulator in simulators)
            {
                await simulator.DisposeAsync();
                console.Line($"{simulator.Name} stopped: {simulator.ReceivedJobs.Count} job(s) received" +
                             (simulator.DroppedJobs > 0 ? $", {simulator.DroppedJobs} dropped" : "") +
                             (simulator.AbortedConnections > 0 ? $", {simulator.AbortedConnections} connection(s) aborted" : "") + ".");
            }
        }
    }
}
