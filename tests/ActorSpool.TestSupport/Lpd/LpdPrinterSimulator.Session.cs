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

// One LPD connection: the RFC 1179 commands and subcommands, strictly checked, with the simulated faults.
public sealed partial class LpdPrinterSimulator
{
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
