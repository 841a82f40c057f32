// Long on purpose: one strict RFC 1179 printer the tests trust (queue state, jobs, faults); its connection handling
// is in LpdPrinterSimulator.Session.cs.
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Protocols.Lpd;
using ActorSpool.Simulators;

namespace ActorSpool.TestSupport.Lpd;

/// <summary>
/// A simulated LPD server (RFC 1179) on a real TCP socket that enforces the protocol strictly, to prove clients right:
/// it refuses unknown queues with a non-zero acknowledgement; reads exactly the announced count of every file and
/// requires the zero octet after it; parses the control file strictly (<see cref="LpdControlFile.Parse"/>: mandatory
/// <c>H</c> and <c>P</c> lines, RFC lengths, well-formed file names); requires every data file the control file
/// references to have been received, and no other; honours the abort subcommand (the job's files are discarded).
/// A job is recorded once its control file and all its data files are in, whichever came first. Every protocol
/// violation is answered with a non-zero acknowledgement (where the protocol has one), closes the connection and is
/// listed in <see cref="ProtocolErrors"/>. Connections are served concurrently, each may carry several jobs.
/// Also answers the queue-state commands (0x03, 0x04) with "no entries", so <c>lpq</c> works against it.
/// </summary>
/// <remarks>The source port is not checked (RFC 1179 §3.1's 721–731), as by today's servers; see <see cref="LpdClient"/>.</remarks>
public sealed partial class LpdPrinterSimulator : IAsyncDisposable
{
    private const int ReadBufferSize = 64 * 1024;
    private const int TrickleReadSize = 256;
    private const int MaxLineLength = 1024;
    private static readonly TimeSpan TrickleInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan AcceptErrorBackoff = TimeSpan.FromMilliseconds(50);

    private readonly LpdSimulatorOptions _options;
    private readonly string _fileName;
    private readonly HashSet<string> _queues;
    private readonly object _gate = new();
    private readonly List<LpdReceivedJob> _jobs = [];
    private readonly List<string> _protocolErrors = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly CancellationTokenSource _lifetime = new();
    private TaskCompletionSource _jobsChanged = NewSignal();
    private volatile Socket? _listener;
    private IPAddress? _address;
    private volatile SimulatedFault _fault;
    private long _sequence;
    private long _connectionIds;
    private long _accepted;
    private long _dropped;
    private long _rejected;
    private long _abortedJobs;
    private long _incomplete;
    private long _abortedConnections;
    private State _state;
    private Task? _stopTask;

    private enum State
    {
        New,
        Started,
        Stopped,
    }

    public LpdPrinterSimulator(LpdSimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name, nameof(options.Name));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Host, nameof(options.Host));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, 0, nameof(options.Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535, nameof(options.Port));
        ArgumentNullException.ThrowIfNull(options.Queues, nameof(options.Queues));
        if (options.Queues.Count == 0 || options.Queues.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one queue, and no empty queue names.", nameof(options.Queues));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.DelayPerJob, TimeSpan.Zero, nameof(options.DelayPerJob));
        if (options.FaultFraction is < 0 or > 1 || double.IsNaN(options.FaultFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(options.FaultFraction), options.FaultFraction, "Must be between 0 and 1.");
        }

        if (options.ClientIdleTimeout <= TimeSpan.Zero && options.ClientIdleTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options.ClientIdleTimeout), options.ClientIdleTimeout, "Must be positive or infinite.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.Backlog, 1, nameof(options.Backlog));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDataFileBytes, 1, nameof(options.MaxDataFileBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxControlFileBytes, 1, nameof(options.MaxControlFileBytes));

        _options = options;
        _fault = options.Fault;
        _fileName = SafeFileName(options.Name);
        _queues = new HashSet<string>(options.Queues, StringComparer.Ordinal);
        Port = options.Port;
    }

    /// <summary>Raised for each recorded job, before the acknowledgement that completes it. Handler exceptions are ignored.</summary>
    public event Action<LpdReceivedJob>? JobReceived;

    /// <summary>Diagnostic messages (violations, aborted connections, listener errors). Handler exceptions are ignored.</summary>
    public event Action<string>? Log;

    /// <summary>The simulator's name.</summary>
    public string Name => _options.Name;

    /// <summary>The options the simulator was created with.</summary>
    public LpdSimulatorOptions Options => _options;

    /// <summary>The listening port: the actual one once started (also while refusing connections).</summary>
    public int Port { get; private set; }

    /// <summary>lpd://host:port/queue of the simulator's first queue (valid once started).</summary>
    public Uri DeviceUri => new($"lpd://{FormatHost(_address?.ToString() ?? _options.Host)}:{Port}/{_options.Queues[0]}");

    /// <summary>Snapshot of the recorded jobs, in sequence order.</summary>
    public IReadOnlyList<LpdReceivedJob> ReceivedJobs
    {
        get
        {
            lock (_gate)
            {
                return _jobs.ToArray();
            }
        }
    }

    /// <summary>Every protocol violation seen so far, one line each (empty for a well-behaved client).</summary>
    public IReadOnlyList<string> ProtocolErrors
    {
        get
        {
            lock (_gate)
            {
                return _protocolErrors.ToArray();
            }
        }
    }

    /// <summary>Connections accepted so far.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    /// <summary>"Receive job" commands answered with a non-zero acknowledgement (unknown queue, <see cref="SimulatedFault.RejectJobs"/>).</summary>
    public long RejectedJobs => Interlocked.Read(ref _rejected);

    /// <summary>Jobs withdrawn by the client with the abort subcommand.</summary>
    public long AbortedJobs => Interlocked.Read(ref _abortedJobs);

    /// <summary>Jobs whose connection ended (or broke the protocol) before all their files were in; discarded.</summary>
    public long IncompleteJobs => Interlocked.Read(ref _incomplete);

    /// <summary>Complete jobs discarded by <see cref="SimulatedFault.DropJobs"/>.</summary>
    public long DroppedJobs => Interlocked.Read(ref _dropped);

    /// <summary>Connections that ended abnormally (resets, violations, idle clients, faults, stop).</summary>
    public long AbortedConnections => Interlocked.Read(ref _abortedConnections);

    /// <summary>Connections currently being served.</summary>
    public int ActiveConnections => _connections.Count;

    /// <summary>
    /// The current fault; switchable at run time. <see cref="SimulatedFault.RefuseConnections"/> closes the listener;
    /// switching away from it listens again on the same port. Other faults apply to new connections.
    /// </summary>
    public SimulatedFault Fault
    {
        get => _fault;
        set
        {
            lock (_gate)
            {
                if (_state == State.Started)
                {
                    var listen = ShouldListen(value);
                    if (listen && _listener is null)
                    {
                        StartListener();
                    }
                    else if (!listen && _listener is not null)
                    {
                        StopListener();
                    }
                }

                _fault = value;
            }
        }
    }

    /// <summary>Binds and starts accepting connections (unless the fault is <see cref="SimulatedFault.RefuseConnections"/>).</summary>
    public Task StartAsync(CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_state != State.New)
            {
                throw new InvalidOperationException($"Simulator '{Name}' has already been started.");
            }

            _address = ResolveAddress(_options.Host);
            if (_options.OutputDirectory is { } directory)
            {
                Directory.CreateDirectory(directory);
                _sequence = HighestExistingSequence(directory);
            }

            if (ShouldListen(_fault))
            {
                StartListener();
            }
            else if (Port == 0)
            {
                using var probe = new Socket(_address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(_address, 0));
                Port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            }

            _state = State.Started;
        }

        return Task.CompletedTask;
    }

    /// <summary>Waits until at least <paramref name="count"/> jobs are recorded and returns the snapshot of all of them.</summary>
    /// <exception cref="TimeoutException">Fewer jobs arrived in time; the message gives the counts and the protocol errors.</exception>
    public async Task<IReadOnlyList<LpdReceivedJob>> WaitForJobsAsync(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_jobs.Count >= count)
                {
                    return _jobs.ToArray();
                }

                changed = _jobsChanged.Task;
            }

            var remaining = timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout - clock.Elapsed;
            if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
            {
                var errors = ProtocolErrors;
                throw new TimeoutException(
                    $"LPD simulator '{Name}' (port {Port}) recorded {ReceivedJobs.Count} of {count} expected jobs within {timeout}" +
                    $" (accepted {AcceptedConnections} connections, {ActiveConnections} active, {RejectedJobs} rejected, {AbortedJobs} aborted," +
                    $" {IncompleteJobs} incomplete, {DroppedJobs} dropped" +
                    (errors.Count > 0 ? $"; protocol errors: {string.Join(" | ", errors)}" : string.Empty) + ").");
            }

            try
            {
                await changed.WaitAsync(remaining).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Loop once more: the check above builds the message with the final counts.
            }
        }
    }

    /// <summary>Stops listening, aborts open connections (their unfinished jobs are discarded) and waits for them to finish.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            if (_stopTask is not null)
            {
                return _stopTask;
            }

            _state = State.Stopped;
            StopListener();
            _lifetime.Cancel();
            _stopTask = WaitForShutdownAsync(_acceptLoops.ToArray());
            return _stopTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _lifetime.Dispose();
    }

    public override string ToString() => $"{Name} ({DeviceUri}, fault {Fault})";

    private async Task WaitForShutdownAsync(Task[] acceptLoops)
    {
        await Task.WhenAll(acceptLoops).ConfigureAwait(false);
        while (!_connections.IsEmpty)
        {
            await Task.WhenAll(_connections.Values.ToArray()).ConfigureAwait(false);
        }
    }

    private bool ShouldListen(SimulatedFault fault) =>
        !(fault == SimulatedFault.RefuseConnections && _options.FaultFraction >= 1.0);

    // Called under _gate.
    private void StartListener()
    {
        var address = _address!;
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // No SocketOptionName.ReuseAddress: on Linux .NET maps it to SO_REUSEPORT too (two simulators could share a port).
            listener.Bind(new IPEndPoint(address, Port));
            listener.Listen(_options.Backlog);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new InvalidOperationException($"LPD simulator '{Name}' cannot listen on {FormatHost(address.ToString())}:{Port}: {e.Message}", e);
        }

        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _listener = listener;
        _acceptLoops.RemoveAll(t => t.IsCompleted);
        _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener, _lifetime.Token)));
    }

    // Called under _gate.
    private void StopListener()
    {
        var listener = _listener;
        _listener = null;
        listener?.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && ReferenceEquals(_listener, listener))
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested || !ReferenceEquals(_listener, listener))
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;
            }
            catch (Exception e)
            {
                Report($"accept failed: {e.Message}");
                try
                {
                    await Task.Delay(AcceptErrorBackoff, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            Interlocked.Increment(ref _accepted);
            var fault = _fault;
            if (fault != SimulatedFault.None && _options.FaultFraction < 1.0 && Random.Shared.NextDouble() >= _options.FaultFraction)
            {
                fault = SimulatedFault.None;
            }

            var id = Interlocked.Increment(ref _connectionIds);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[id] = done.Task;
            _ = Task.Run(async () =>
            {
                try
                {
                    await HandleConnectionAsync(client, id, fault, stop).ConfigureAwait(false);
                }
                finally
                {
                    _connections.TryRemove(id, out _);
                    done.TrySetResult();
                }
            }, CancellationToken.None);
        }
    }

    private async Task HandleConnectionAsync(Socket client, long id, SimulatedFault fault, CancellationToken stop)
    {
        var graceful = false;
        var session = new Session(this, client, id, fault, stop);
        try
        {
            client.NoDelay = true;
            switch (fault)
            {
                case SimulatedFault.RefuseConnections:
                    Report($"connection {id}: reset at once (RefuseConnections)");
                    return;

                case SimulatedFault.HangAfterAccept:
                    await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
                    return;

                case SimulatedFault.SlowTrickle:
                    try
                    {
                        client.ReceiveBufferSize = 4096;
                    }
                    catch (SocketException)
                    {
                        // Only makes the trickle felt sooner.
                    }

                    break;
            }

            graceful = await session.RunAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: the connection is aborted below.
        }
        catch (ProtocolViolation e)
        {
            Violation(id, e.Message);
        }
        catch (Exception e)
        {
            Report($"connection {id}: aborted: {e.Message}");
        }
        finally
        {
            if (session.DiscardJob())
            {
                Interlocked.Increment(ref _incomplete);
            }

            if (!graceful)
            {
                Interlocked.Increment(ref _abortedConnections);
            }

            Close(client, graceful);
        }
    }

    private void Violation(long connection, string message)
    {
        lock (_gate)
        {
            _protocolErrors.Add($"connection {connection}: {message}");
        }

        Report($"connection {connection}: protocol violation: {message}");
    }

    /// <summary>Records a complete job (moving its files into place) and returns it.</summary>
    private LpdReceivedJob Record(string queue, string controlFileName, LpdControlFileContent control, byte[] controlBytes,
        IReadOnlyDictionary<string, PendingFile> files)
    {
        LpdReceivedJob job;
        TaskCompletionSource changed;
        lock (_gate)
        {
            var sequence = _sequence + 1;
            string? controlPath = null;
            var prefix = $"{sequence.ToString("D6", CultureInfo.InvariantCulture)}-{_fileName}-";
            if (_options.OutputDirectory is { } directory)
            {
                controlPath = Path.GetFullPath(Path.Combine(directory, prefix + controlFileName));
                File.WriteAllBytes(controlPath, controlBytes);
            }

            var dataFiles = new List<LpdReceivedFile>();
            var printLines = control.Lines;
            for (var i = 0; i < printLines.Count; i++)
            {
                var line = printLines[i];
                if (!LpdControlFile.PrintCommands.Contains(line.Command) || dataFiles.Any(f => f.Name == line.Operand))
                {
                    continue;
                }

                var source = printLines.Skip(i + 1)
                    .TakeWhile(l => !LpdControlFile.PrintCommands.Contains(l.Command))
                    .FirstOrDefault(l => l.Command == 'N');
                var file = files[line.Operand];
                string? path = null;
                if (file.TempPath is not null)
                {
                    path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file.TempPath)!, prefix + line.Operand));
                    File.Move(file.TempPath, path, overwrite: true);
                    file.TempPath = null;
                }

                dataFiles.Add(new LpdReceivedFile(line.Operand, file.Length, file.Data, path, line.Command, source.Command == 'N' ? source.Operand : null));
            }

            foreach (var unprinted in files.Values.Where(f => f.TempPath is not null))
            {
                // Referenced only by an unlink command: nothing prints it, so it is not part of the output.
                TryDelete(unprinted.TempPath);
                unprinted.TempPath = null;
            }

            _sequence = sequence;
            job = new LpdReceivedJob(sequence, Name, queue, DateTimeOffset.UtcNow, controlFileName, control, controlBytes, controlPath, dataFiles);
            _jobs.Add(job);
            changed = _jobsChanged;
            _jobsChanged = NewSignal();
        }

        changed.TrySetResult();
        var handlers = JobReceived;
        if (handlers is not null)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Action<LpdReceivedJob>>())
            {
                try
                {
                    handler(job);
                }
                catch (Exception e)
                {
                    Report($"a {nameof(JobReceived)} handler failed: {e.Message}");
                }
            }
        }

        return job;
    }

    private void Report(string message)
    {
        var handlers = Log;
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Action<string>>())
        {
            try
            {
                handler($"{Name}: {message}");
            }
            catch (Exception)
            {
                // Diagnostics must never break the simulator.
            }
        }
    }

    private static void Close(Socket client, bool graceful)
    {
        try
        {
            if (graceful)
            {
                client.Shutdown(SocketShutdown.Both);
            }
            else
            {
                client.LingerState = new LingerOption(true, 0);
            }
        }
        catch (Exception)
        {
            // The peer may already be gone.
        }
        finally
        {
            client.Dispose();
        }
    }

    private static void TryDelete(string? path)
    {
        if (path is null)
        {
            return;
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception)
        {
            // A leftover hidden .tmp file is harmless.
        }
    }

    private long HighestExistingSequence(string directory)
    {
        long highest = 0;
        var marker = $"-{_fileName}-";
        foreach (var path in Directory.EnumerateFiles(directory, "*" + marker + "*"))
        {
            var name = Path.GetFileName(path);
            var at = name.IndexOf(marker, StringComparison.Ordinal);
            var digits = name[..at];
            if (digits.Length >= 6 && digits.All(char.IsAsciiDigit) &&
                long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                highest = Math.Max(highest, sequence);
            }
        }

        return highest;
    }

    private static IPAddress ResolveAddress(string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return address;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        var addresses = Dns.GetHostAddresses(host);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"Cannot resolve simulator host '{host}'.");
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    private static string SafeFileName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return new string(name.Select(c => invalid.Contains(c) || char.IsWhiteSpace(c) ? '_' : c).ToArray());
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
