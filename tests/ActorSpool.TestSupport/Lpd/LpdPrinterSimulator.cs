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
public sealed class LpdPrinterSimulator : IAsyncDisposable
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

    /// <summary>The client broke RFC 1179 (or this simulator's strict reading of it).</summary>
    private sealed class ProtocolViolation(string message) : Exception(message);

    /// <summary>A file of the job being received: in memory and/or in a temporary file.</summary>
    private sealed class PendingFile
    {
        public long Length { get; init; }

        public byte[]? Data { get; init; }

        public string? TempPath { get; set; }
    }

    /// <summary>One connection: reads commands and files with a small buffer, answers acknowledgements.</summary>
    private sealed class Session(LpdPrinterSimulator owner, Socket client, long id, SimulatedFault fault, CancellationToken stop)
    {
        private readonly byte[] _buffer = new byte[ReadBufferSize];
        private int _start;
        private int _end;
        private string? _queue;
        private readonly Dictionary<string, PendingFile> _dataFiles = new(StringComparer.Ordinal);
        private (string Name, LpdControlFileContent Content, byte[] Bytes)? _control;

        // A file of the current job was announced and accepted; false again once the job is recorded or aborted.
        private bool _inJob;

        private bool Slow => fault == SimulatedFault.SlowTrickle;

        /// <summary>Serves the connection; true when it ended the way the protocol allows (the client closed between jobs).</summary>
        public async Task<bool> RunAsync()
        {
            var command = await ReadByteAsync().ConfigureAwait(false);
            if (command < 0)
            {
                return true; // Connect-and-close: a probe.
            }

            var operand = await ReadLineAsync("the command line").ConfigureAwait(false);
            switch (command)
            {
                case 0x01:
                    // "Print any waiting jobs": no answer.
                    return true;

                case 0x02:
                    return await ReceiveJobAsync(operand).ConfigureAwait(false);

                case 0x03 or 0x04:
                {
                    // "Send queue state" (short or long): "queue list", answered with text, then close.
                    var queue = operand.Split(' ', 2)[0];
                    var text = owner._queues.Contains(queue) ? $"{queue}: no entries\n" : $"{queue}: unknown printer\n";
                    await SendAsync(Encoding.ASCII.GetBytes(text)).ConfigureAwait(false);
                    return true;
                }

                case 0x05:
                    // "Remove jobs": nothing is queued here, so nothing to remove; no answer.
                    return true;

                default:
                    throw new ProtocolViolation($"unknown command octet 0x{command:X2} (expected 0x01–0x05)");
            }
        }

        /// <summary>Discards the job in progress (files received without their job being complete); true if there was one.</summary>
        public bool DiscardJob()
        {
            var had = _inJob || _control is not null || _dataFiles.Count > 0;
            _inJob = false;
            foreach (var file in _dataFiles.Values)
            {
                TryDelete(file.TempPath);
            }

            _dataFiles.Clear();
            _control = null;
            return had;
        }

        private async Task<bool> ReceiveJobAsync(string queue)
        {
            if (!owner._queues.Contains(queue) || fault == SimulatedFault.RejectJobs)
            {
                Interlocked.Increment(ref owner._rejected);
                owner.Report($"connection {id}: refused a job for queue '{queue}'" + (fault == SimulatedFault.RejectJobs ? " (RejectJobs)" : " (unknown queue)"));
                await SendAsync([1]).ConfigureAwait(false);
                return true;
            }

            _queue = queue;
            await SendAsync([0]).ConfigureAwait(false);
            while (true)
            {
                var subcommand = await ReadByteAsync().ConfigureAwait(false);
                if (subcommand < 0)
                {
                    if (_control is { } control)
                    {
                        var missing = control.Content.ReferencedDataFiles.Where(f => !_dataFiles.ContainsKey(f)).ToArray();
                        throw new ProtocolViolation(
                            $"the connection ended before data file(s) {string.Join(", ", missing)} referenced by control file {control.Name} arrived");
                    }

                    if (_dataFiles.Count > 0)
                    {
                        throw new ProtocolViolation($"the connection ended after data file(s) {string.Join(", ", _dataFiles.Keys)} without their control file");
                    }

                    return true;
                }

                switch (subcommand)
                {
                    case 0x01:
                    {
                        var rest = await ReadLineAsync("the abort subcommand").ConfigureAwait(false);
                        if (rest.Length != 0)
                        {
                            throw new ProtocolViolation($"the abort subcommand carries operands ('{rest}'); RFC 1179 §6.1 has none");
                        }

                        DiscardJob();
                        Interlocked.Increment(ref owner._abortedJobs);
                        owner.Report($"connection {id}: job aborted by the client");
                        break; // RFC 1179 §6.1: no acknowledgement.
                    }

                    case 0x02:
                        await ReceiveControlFileAsync().ConfigureAwait(false);
                        break;

                    case 0x03:
                        await ReceiveDataFileAsync().ConfigureAwait(false);
                        break;

                    default:
                        throw await Refuse($"unknown subcommand octet 0x{subcommand:X2} (expected 0x01–0x03)").ConfigureAwait(false);
                }
            }
        }

        private async Task ReceiveControlFileAsync()
        {
            var (count, name) = await ReadFileHeaderAsync("control file").ConfigureAwait(false);
            if (!LpdControlFile.IsControlFileName(name))
            {
                throw await Refuse($"control file name '{name}' is not cfA + 3 digits + host").ConfigureAwait(false);
            }

            if (_control is not null)
            {
                throw await Refuse($"a second control file '{name}' for a job whose control file {_control.Value.Name} is in, but whose data files are not").ConfigureAwait(false);
            }

            await CheckSameJobAsync(name).ConfigureAwait(false);
            if (count > owner._options.MaxControlFileBytes)
            {
                await NoRoom($"control file {name} of {count} bytes exceeds {owner._options.MaxControlFileBytes}").ConfigureAwait(false);
                return;
            }

            _inJob = true;
            await SendAsync([0]).ConfigureAwait(false);
            var bytes = new byte[(int)count];
            using (var memory = new MemoryStream(bytes))
            {
                await ReadFileAsync(count, memory, null, $"control file {name}").ConfigureAwait(false);
            }

            await ExpectTerminatorAsync($"control file {name}").ConfigureAwait(false);

            LpdControlFileContent content;
            try
            {
                content = LpdControlFile.Parse(bytes);
            }
            catch (FormatException e)
            {
                throw await Refuse($"control file {name}: {e.Message}").ConfigureAwait(false);
            }

            foreach (var referenced in content.ReferencedDataFiles)
            {
                if (LpdControlFile.JobSuffix(referenced) != LpdControlFile.JobSuffix(name))
                {
                    throw await Refuse($"control file {name} references data file {referenced} of another job number or host").ConfigureAwait(false);
                }
            }

            var unreferenced = _dataFiles.Keys.Where(f => !content.ReferencedDataFiles.Contains(f)).ToArray();
            if (unreferenced.Length > 0)
            {
                throw await Refuse($"control file {name} does not reference received data file(s) {string.Join(", ", unreferenced)}").ConfigureAwait(false);
            }

            _control = (name, content, bytes);
            await CompleteIfReadyAsync().ConfigureAwait(false);
        }

        private async Task ReceiveDataFileAsync()
        {
            var (count, name) = await ReadFileHeaderAsync("data file").ConfigureAwait(false);
            if (!LpdControlFile.IsDataFileName(name))
            {
                throw await Refuse($"data file name '{name}' is not df + letter + 3 digits + host").ConfigureAwait(false);
            }

            if (_dataFiles.ContainsKey(name))
            {
                throw await Refuse($"data file {name} was already received for this job").ConfigureAwait(false);
            }

            await CheckSameJobAsync(name).ConfigureAwait(false);
            if (_control is { } control && !control.Content.ReferencedDataFiles.Contains(name))
            {
                throw await Refuse($"data file {name} is not referenced by the job's control file {control.Name}").ConfigureAwait(false);
            }

            if (count > owner._options.MaxDataFileBytes)
            {
                await NoRoom($"data file {name} of {count} bytes exceeds {owner._options.MaxDataFileBytes}").ConfigureAwait(false);
                return;
            }

            _inJob = true;
            await SendAsync([0]).ConfigureAwait(false);

            MemoryStream? memory = owner._options.KeepInMemory ? new MemoryStream() : null;
            string? tempPath = null;
            FileStream? file = null;
            if (owner._options.OutputDirectory is { } directory)
            {
                tempPath = Path.Combine(directory, $".{owner._fileName}-{Guid.NewGuid():N}.tmp");
                file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, ReadBufferSize, useAsync: true);
            }

            try
            {
                try
                {
                    await ReadFileAsync(count, memory, file, $"data file {name}").ConfigureAwait(false);
                    if (file is not null)
                    {
                        await file.FlushAsync(stop).ConfigureAwait(false);
                    }
                }
                finally
                {
                    if (file is not null)
                    {
                        await file.DisposeAsync().ConfigureAwait(false);
                    }
                }

                _dataFiles[name] = new PendingFile { Length = count, Data = memory?.ToArray(), TempPath = tempPath };
                tempPath = null;
            }
            finally
            {
                TryDelete(tempPath);
            }

            await ExpectTerminatorAsync($"data file {name}").ConfigureAwait(false);
            await CompleteIfReadyAsync().ConfigureAwait(false);
        }

        /// <summary>Acknowledges the file just read; first records the job when that file completed it.</summary>
        private async Task CompleteIfReadyAsync()
        {
            if (_control is { } control && control.Content.ReferencedDataFiles.All(_dataFiles.ContainsKey))
            {
                if (owner._options.DelayPerJob > TimeSpan.Zero)
                {
                    await Task.Delay(owner._options.DelayPerJob, stop).ConfigureAwait(false);
                }

                if (fault == SimulatedFault.DropJobs)
                {
                    Interlocked.Increment(ref owner._dropped);
                    owner.Report($"connection {id}: dropped job {control.Name} (DropJobs)");
                    DiscardJob();
                }
                else
                {
                    owner.Record(_queue!, control.Name, control.Content, control.Bytes, _dataFiles);
                    _dataFiles.Clear();
                    _control = null;
                    _inJob = false;
                }
            }

            await SendAsync([0]).ConfigureAwait(false);
        }

        /// <summary>All files of one job share the job number and host after the 3-character prefix.</summary>
        private async Task CheckSameJobAsync(string name)
        {
            var other = _control?.Name ?? _dataFiles.Keys.FirstOrDefault();
            if (other is not null && LpdControlFile.JobSuffix(other) != LpdControlFile.JobSuffix(name))
            {
                throw await Refuse($"file {name} does not belong to the job of {other} (different job number or host)").ConfigureAwait(false);
            }
        }

        private async Task<(long Count, string Name)> ReadFileHeaderAsync(string what)
        {
            var line = await ReadLineAsync($"the {what} subcommand").ConfigureAwait(false);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                throw await Refuse($"{what} subcommand '{line}' is not 'count SP name'").ConfigureAwait(false);
            }

            var digits = line[..space];
            var name = line[(space + 1)..];
            if (digits.Length > 18 || !digits.All(char.IsAsciiDigit) ||
                !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                throw await Refuse($"{what} subcommand has count '{digits}', which is not a decimal number").ConfigureAwait(false);
            }

            if (count == 0)
            {
                throw await Refuse($"{what} {name} announced with count 0 (size unknown), which this server does not accept").ConfigureAwait(false);
            }

            return (count, name);
        }

        private async Task ReadFileAsync(long count, Stream? memory, Stream? file, string what)
        {
            var remaining = count;
            var resetMidJob = fault == SimulatedFault.ResetMidJob && what.StartsWith("data", StringComparison.Ordinal);
            while (remaining > 0)
            {
                if (_start == _end && await FillAsync().ConfigureAwait(false) == 0)
                {
                    throw new ProtocolViolation($"the connection ended after {count - remaining} of the {count} bytes announced for {what}");
                }

                if (resetMidJob)
                {
                    throw new IOException($"reset after {_end - _start} bytes of {what} arrived (ResetMidJob)");
                }

                var n = (int)Math.Min(remaining, _end - _start);
                var chunk = _buffer.AsMemory(_start, n);
                memory?.Write(chunk.Span);
                if (file is not null)
                {
                    await file.WriteAsync(chunk, stop).ConfigureAwait(false);
                }

                _start += n;
                remaining -= n;
            }
        }

        private async Task ExpectTerminatorAsync(string what)
        {
            var terminator = await ReadByteAsync().ConfigureAwait(false);
            if (terminator < 0)
            {
                throw new ProtocolViolation($"the connection ended where the zero octet after {what} was due");
            }

            if (terminator != 0)
            {
                throw await Refuse($"{what} is followed by octet 0x{terminator:X2} instead of the zero octet (the announced count is wrong)").ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Answers with a non-zero acknowledgement and returns the violation for the caller to throw, which ends the
        /// connection and discards the job.
        /// </summary>
        private async Task<ProtocolViolation> Refuse(string violation)
        {
            try
            {
                await SendAsync([1]).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The violation is what counts.
            }

            return new ProtocolViolation(violation);
        }

        /// <summary>Code 2, "no room": the file is refused, the connection continues (BSD lpd's behaviour).</summary>
        private async Task NoRoom(string what)
        {
            owner.Report($"connection {id}: no room for {what}");
            await SendAsync([2]).ConfigureAwait(false);
        }

        private async Task<int> ReadByteAsync()
        {
            if (_start == _end && await FillAsync().ConfigureAwait(false) == 0)
            {
                return -1;
            }

            return _buffer[_start++];
        }

        /// <summary>Reads up to LF (not included); the line must be printable ASCII and at most 1024 bytes.</summary>
        private async Task<string> ReadLineAsync(string what)
        {
            var line = new List<byte>();
            while (true)
            {
                var b = await ReadByteAsync().ConfigureAwait(false);
                if (b < 0)
                {
                    throw new ProtocolViolation($"the connection ended inside {what} (no LF)");
                }

                if (b == '\n')
                {
                    return Encoding.ASCII.GetString(line.ToArray());
                }

                if (b < 0x20 || b > 0x7E)
                {
                    throw await Refuse($"{what} holds byte 0x{b:X2}").ConfigureAwait(false);
                }

                line.Add((byte)b);
                if (line.Count > MaxLineLength)
                {
                    throw await Refuse($"{what} is longer than {MaxLineLength} bytes").ConfigureAwait(false);
                }
            }
        }

        private async Task<int> FillAsync()
        {
            _start = 0;
            var size = Slow ? TrickleReadSize : _buffer.Length;
            if (Slow)
            {
                await Task.Delay(TrickleInterval, stop).ConfigureAwait(false);
            }

            if (owner._options.ClientIdleTimeout == Timeout.InfiniteTimeSpan)
            {
                _end = await client.ReceiveAsync(_buffer.AsMemory(0, size), SocketFlags.None, stop).ConfigureAwait(false);
                return _end;
            }

            using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop);
            idle.CancelAfter(owner._options.ClientIdleTimeout);
            try
            {
                _end = await client.ReceiveAsync(_buffer.AsMemory(0, size), SocketFlags.None, idle.Token).ConfigureAwait(false);
                return _end;
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new TimeoutException($"the client sent nothing for {owner._options.ClientIdleTimeout}");
            }
        }

        private async Task SendAsync(byte[] data)
        {
            var memory = data.AsMemory();
            while (!memory.IsEmpty)
            {
                var n = await client.SendAsync(memory, SocketFlags.None, stop).ConfigureAwait(false);
                memory = memory[n..];
            }
        }
    }
}
