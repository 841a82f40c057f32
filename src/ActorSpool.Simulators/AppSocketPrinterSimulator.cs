// Long on purpose: one device with every misbehaviour the spooler must survive (refusing, hanging, resetting,
// trickling, dropping, rejecting), each needing its own place in the one connection loop.
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ActorSpool.Simulators;

/// <summary>
/// A simulated AppSocket (JetDirect / raw port 9100) printer on a real TCP socket. Each connection is one job:
/// the simulator reads to end of stream (the client's half-close), waits <see cref="SimulatorOptions.DelayPerJob"/>,
/// records the job, and only then closes the connection (a connection that sends nothing is not a job) — the close is the "printed" acknowledgement that
/// <see cref="AppSocket.AppSocketClient"/> waits for. Connections are served concurrently; a misbehaving client
/// only loses its own job.
/// </summary>
public sealed class AppSocketPrinterSimulator : IAsyncDisposable
{
    private const int ReadBufferSize = 64 * 1024;
    private const int TrickleReadSize = 256;
    private static readonly TimeSpan TrickleInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan AcceptErrorBackoff = TimeSpan.FromMilliseconds(50);

    private readonly SimulatorOptions _options;
    private readonly string _fileName;
    private readonly object _gate = new();
    private readonly List<ReceivedJob> _jobs = [];
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
    private long _aborted;
    private State _state;
    private Task? _stopTask;

    private enum State
    {
        New,
        Started,
        Stopped,
    }

    public AppSocketPrinterSimulator(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name, nameof(options.Name));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Host, nameof(options.Host));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, 0, nameof(options.Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535, nameof(options.Port));
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

        _options = options;
        _fault = options.Fault;
        _fileName = SafeFileName(options.Name);
        Port = options.Port;
    }

    /// <summary>Raised for each recorded job, before its connection is closed. Handler exceptions are ignored.</summary>
    public event Action<ReceivedJob>? JobReceived;

    /// <summary>Diagnostic messages (aborted connections, listener errors). Handler exceptions are ignored.</summary>
    public event Action<string>? Log;

    /// <summary>The simulator's name (<see cref="SimulatorOptions.Name"/>).</summary>
    public string Name => _options.Name;

    /// <summary>The options the simulator was created with.</summary>
    public SimulatorOptions Options => _options;

    /// <summary>The listening port: the actual one once started (also while refusing connections).</summary>
    public int Port { get; private set; }

    /// <summary>socket://host:port of this simulator (valid once started).</summary>
    public Uri DeviceUri => new($"socket://{FormatHost(_address?.ToString() ?? _options.Host)}:{Port}");

    /// <summary>Snapshot of the recorded jobs, in sequence order.</summary>
    public IReadOnlyList<ReceivedJob> ReceivedJobs
    {
        get
        {
            lock (_gate)
            {
                return _jobs.ToArray();
            }
        }
    }

    /// <summary>Connections accepted so far.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    /// <summary>Jobs read completely but discarded by <see cref="SimulatedFault.DropJobs"/>.</summary>
    public long DroppedJobs => Interlocked.Read(ref _dropped);

    /// <summary>Connections that ended without a recorded job (faults, client errors, idle clients, stop).</summary>
    public long AbortedConnections => Interlocked.Read(ref _aborted);

    /// <summary>Connections currently being served.</summary>
    public int ActiveConnections => _connections.Count;

    /// <summary>
    /// The current fault; switchable at run time. Switching to <see cref="SimulatedFault.RefuseConnections"/> closes the
    /// listener; switching away from it listens again on the same port. Other faults apply to new connections.
    /// </summary>
    /// <exception cref="InvalidOperationException">Listening again failed (e.g. the port was taken meanwhile).</exception>
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
                // Refusing from the start: still reserve a definite port number to listen on later.
                using var probe = new Socket(_address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(_address, 0));
                Port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            }

            _state = State.Started;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> jobs are recorded and returns the snapshot of all of them.
    /// </summary>
    /// <exception cref="TimeoutException">Fewer jobs arrived in time; the message gives the counts.</exception>
    public async Task<IReadOnlyList<ReceivedJob>> WaitForJobsAsync(int count, TimeSpan timeout)
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
                throw new TimeoutException(
                    $"Simulator '{Name}' (port {Port}) recorded {ReceivedJobs.Count} of {count} expected jobs within {timeout}" +
                    $" (accepted {AcceptedConnections} connections, {ActiveConnections} active, {AbortedConnections} aborted, {DroppedJobs} dropped).");
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

    /// <summary>Stops listening, aborts open connections (their jobs are not recorded) and waits for them to finish.</summary>
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
        // Connections remove themselves when done; nothing new is accepted any more.
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
            // No SocketOptionName.ReuseAddress: on Linux .NET maps it to SO_REUSEPORT too, which would let two
            // simulators share a port silently. .NET already sets plain SO_REUSEADDR on Unix, so re-listening on the
            // same port works although earlier jobs' connections linger in TIME_WAIT.
            listener.Bind(new IPEndPoint(address, Port));
            listener.Listen(_options.Backlog);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new InvalidOperationException($"Simulator '{Name}' cannot listen on {FormatHost(address.ToString())}:{Port}: {e.Message}", e);
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
                continue; // The client gave up before we accepted it.
            }
            catch (Exception e)
            {
                // Out of file descriptors and the like: back off and keep serving.
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
        string? tempPath = null;
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

                case SimulatedFault.ResetMidJob:
                {
                    var some = new byte[4096];
                    var n = await ReceiveAsync(client, some, stop).ConfigureAwait(false);
                    Report($"connection {id}: reset after {n} bytes (ResetMidJob)");
                    return;
                }

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

            var slow = fault == SimulatedFault.SlowTrickle;
            long length = 0;
            MemoryStream? memory = _options.KeepInMemory ? new MemoryStream() : null;
            FileStream? file = null;
            if (_options.OutputDirectory is { } directory)
            {
                tempPath = Path.Combine(directory, $".{_fileName}-{Guid.NewGuid():N}.tmp");
                file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, ReadBufferSize, useAsync: true);
            }

            var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
            try
            {
                while (true)
                {
                    var n = await ReceiveAsync(client, buffer.AsMemory(0, slow ? TrickleReadSize : ReadBufferSize), stop).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    length += n;
                    memory?.Write(buffer, 0, n);
                    if (file is not null)
                    {
                        await file.WriteAsync(buffer.AsMemory(0, n), stop).ConfigureAwait(false);
                    }

                    if (slow)
                    {
                        await Task.Delay(TrickleInterval, stop).ConfigureAwait(false);
                    }
                }

                if (file is not null)
                {
                    await file.FlushAsync(stop).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                if (file is not null)
                {
                    await file.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (length == 0)
            {
                // Connect-and-close (a port probe or health check) is not a job.
                graceful = true;
                return;
            }

            var receivedAt = DateTimeOffset.UtcNow;
            if (_options.DelayPerJob > TimeSpan.Zero)
            {
                await Task.Delay(_options.DelayPerJob, stop).ConfigureAwait(false);
            }

            if (fault == SimulatedFault.DropJobs)
            {
                Interlocked.Increment(ref _dropped);
                Report($"connection {id}: dropped a job of {length} bytes (DropJobs)");
                graceful = true;
                return;
            }

            Record(receivedAt, length, memory?.ToArray(), tempPath, (client.RemoteEndPoint as IPEndPoint)?.Port);
            tempPath = null;
            graceful = true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: the connection is aborted below.
        }
        catch (Exception e)
        {
            Report($"connection {id}: aborted: {e.Message}");
        }
        finally
        {
            if (!graceful)
            {
                Interlocked.Increment(ref _aborted);
            }

            Close(client, graceful);
            if (tempPath is not null)
            {
                TryDelete(tempPath);
            }
        }
    }

    private async ValueTask<int> ReceiveAsync(Socket client, Memory<byte> buffer, CancellationToken stop)
    {
        if (_options.ClientIdleTimeout == Timeout.InfiniteTimeSpan)
        {
            return await client.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
        }

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop);
        idle.CancelAfter(_options.ClientIdleTimeout);
        try
        {
            return await client.ReceiveAsync(buffer, SocketFlags.None, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new TimeoutException($"the client sent nothing for {_options.ClientIdleTimeout}");
        }
    }

    private void Record(DateTimeOffset receivedAt, long length, byte[]? data, string? tempPath, int? clientPort)
    {
        ReceivedJob job;
        TaskCompletionSource changed;
        lock (_gate)
        {
            var sequence = _sequence + 1;
            string? finalPath = null;
            if (tempPath is not null)
            {
                finalPath = Path.GetFullPath(Path.Combine(
                    Path.GetDirectoryName(tempPath)!, $"{sequence.ToString("D6", CultureInfo.InvariantCulture)}-{_fileName}.prn"));
                File.Move(tempPath, finalPath, overwrite: true);
            }

            _sequence = sequence;
            job = new ReceivedJob(sequence, Name, receivedAt, length, data, finalPath, clientPort);
            _jobs.Add(job);
            changed = _jobsChanged;
            _jobsChanged = NewSignal();
        }

        changed.TrySetResult();
        var handlers = JobReceived;
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Action<ReceivedJob>>())
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

    private static void TryDelete(string path)
    {
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
        var suffix = $"-{_fileName}.prn";
        foreach (var path in Directory.EnumerateFiles(directory, "*" + suffix))
        {
            var name = Path.GetFileName(path);
            var digits = name[..^suffix.Length];
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
        var chars = name.Select(c => invalid.Contains(c) || char.IsWhiteSpace(c) ? '_' : c).ToArray();
        return new string(chars);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
