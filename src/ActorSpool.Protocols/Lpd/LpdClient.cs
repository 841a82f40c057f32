using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Protocols.AppSocket;

namespace ActorSpool.Protocols.Lpd;

/// <summary>
/// Delivers jobs over the Line Printer Daemon protocol (RFC 1179, port 515), the way BSD lpr and CUPS's lpd backend
/// do: "receive job" for the queue, then each data file and the control file, each announced with its exact size,
/// followed by a zero octet and acknowledged by the server with a zero octet. The job is the server's once the
/// last file is acknowledged.
/// </summary>
/// <remarks>
/// RFC 1179 §3.1 says the client's source port must be in 721–731. Binding such a privileged port needs root (or
/// CAP_NET_BIND_SERVICE), allows only 11 concurrent jobs per host and lingers in TIME_WAIT, and it is commonly not
/// enforced: BSD lpd as packaged by Debian takes jobs from ephemeral ports (the real-server tests show it), cups-lpd
/// does not check, LPRng only with an explicit PORT rule, and printers' built-in LPD servers generally do not. This
/// client therefore never binds a local port and lets the OS pick an ephemeral one; a server that insists on a
/// reserved port refuses the job, which surfaces as a refusal like any other.
/// </remarks>
public static class LpdClient
{
    /// <summary>The well-known LPD port.</summary>
    public const int DefaultPort = 515;

    private const byte ReceiveJobCommand = 0x02;
    private const byte AbortSubcommand = 0x01;
    private const byte ReceiveControlFileSubcommand = 0x02;
    private const byte ReceiveDataFileSubcommand = 0x03;

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/> and submits one job of
    /// <paramref name="documents"/> to <paramref name="queue"/>.
    /// </summary>
    /// <returns>The number of document bytes sent (the data files' total length).</returns>
    /// <exception cref="ArgumentException">Bad arguments: no or more than 52 documents, an empty document, a bad queue
    /// name, a job number outside 0–999, an empty host or user.</exception>
    /// <exception cref="PrinterDeliveryException">Every delivery failure, classified by <see cref="DeliveryFailureKind"/>:
    /// a non-zero acknowledgement is <see cref="DeliveryFailureKind.Other"/> ("LPD server ... refused ... (code n)");
    /// a document that cannot be opened or read, or whose length differs from <see cref="LpdDocument.Length"/>, has
    /// <see cref="PrinterDeliveryException.IsDocumentFailure"/> set. On failure the job is aborted: with the abort
    /// subcommand when between files, otherwise by resetting the connection, so the server discards it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (the connection is reset).</exception>
    public static async Task<long> SendAsync(
        string host,
        int port,
        string queue,
        IReadOnlyList<LpdDocument> documents,
        LpdJobInfo info,
        LpdOptions options,
        CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ValidateQueue(queue);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(options);
        ValidateDocuments(documents);
        ArgumentOutOfRangeException.ThrowIfNegative(info.JobNumber, nameof(info.JobNumber));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(info.JobNumber, 999, nameof(info.JobNumber));
        ArgumentException.ThrowIfNullOrWhiteSpace(info.HostName, nameof(info.HostName));
        ArgumentException.ThrowIfNullOrWhiteSpace(info.UserName, nameof(info.UserName));
        ValidateTimeout(options.ConnectTimeout, nameof(options.ConnectTimeout));
        ValidateTimeout(options.IdleTimeout, nameof(options.IdleTimeout));
        ValidateTimeout(options.AckTimeout, nameof(options.AckTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, 1, nameof(options.BufferSize));
        ct.ThrowIfCancellationRequested();

        var dataFiles = documents.Select((d, i) => (Name: LpdControlFile.DataFileName(i, info.JobNumber, info.HostName), d.Name)).ToArray();
        var controlFile = LpdControlFile.Build(info, dataFiles, options.PrintFormat, options.PrintBanner);
        var controlFileName = LpdControlFile.ControlFileName(info.JobNumber, info.HostName);

        var endpoint = $"{host}:{port}";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new Connection(socket, endpoint, options);
        var delivered = false;
        try
        {
            await connection.ConnectAsync(host, port, ct).ConfigureAwait(false);

            await connection.SendAsync(Command(ReceiveJobCommand, queue), $"while asking queue '{queue}' to receive a job", ct).ConfigureAwait(false);
            await connection.ExpectAckAsync($"the job for queue '{queue}'", ct).ConfigureAwait(false);

            if (options.SendControlFileFirst)
            {
                await SendControlFileAsync(connection, controlFile, controlFileName, ct).ConfigureAwait(false);
            }

            long total = 0;
            var buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);
            try
            {
                for (var i = 0; i < documents.Count; i++)
                {
                    total += await SendDataFileAsync(connection, documents[i], dataFiles[i].Name, i, documents.Count, buffer, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (!options.SendControlFileFirst)
            {
                await SendControlFileAsync(connection, controlFile, controlFileName, ct).ConfigureAwait(false);
            }

            // Every file is acknowledged: the job belongs to the server. Closing our side ends "receive job".
            delivered = true;
            connection.CloseGracefully();
            return total;
        }
        finally
        {
            if (!delivered)
            {
                connection.Abort();
            }

            socket.Dispose();
        }
    }

    /// <summary>
    /// Checks that an LPD server listens at <paramref name="host"/>:<paramref name="port"/> with a TCP connect (and
    /// an immediate close). LPD has no side-effect-free status command every server answers, so a connect is the probe.
    /// </summary>
    /// <exception cref="PrinterDeliveryException">Not reachable: <see cref="DeliveryFailureKind.ConnectionRefused"/>,
    /// <see cref="DeliveryFailureKind.ConnectTimeout"/> or <see cref="DeliveryFailureKind.Other"/>.</exception>
    public static async Task ProbeAsync(string host, int port, LpdOptions? options = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        options ??= LpdOptions.Default;
        ValidateTimeout(options.ConnectTimeout, nameof(options.ConnectTimeout));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var connection = new Connection(socket, $"{host}:{port}", options);
        await connection.ConnectAsync(host, port, ct).ConfigureAwait(false);
        connection.CloseGracefully();
    }

    private static async Task SendControlFileAsync(Connection connection, byte[] controlFile, string name, CancellationToken ct)
    {
        await connection.SendAsync(Subcommand(ReceiveControlFileSubcommand, controlFile.Length, name),
            $"while announcing control file {name}", ct).ConfigureAwait(false);
        await connection.ExpectAckAsync($"control file {name} ({controlFile.Length} bytes)", ct).ConfigureAwait(false);

        var withTerminator = new byte[controlFile.Length + 1];
        controlFile.CopyTo(withTerminator, 0);
        await connection.SendAsync(withTerminator, $"while sending control file {name}", ct).ConfigureAwait(false);
        await connection.ExpectAckAsync($"the contents of control file {name}", ct).ConfigureAwait(false);
    }

    private static async Task<long> SendDataFileAsync(
        Connection connection, LpdDocument document, string name, int index, int count, byte[] buffer, CancellationToken ct)
    {
        var what = $"document {index + 1} of {count}";

        // Open before announcing the file: while no data file is in flight, a source that fails can still be
        // withdrawn cleanly with the abort subcommand.
        Stream? stream;
        try
        {
            stream = await document.Open(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            await connection.TryAbortJobAsync().ConfigureAwait(false);
            throw DocumentFailure($"Could not open {what} for {connection.Endpoint}: {e.Message}", e);
        }

        if (stream is null)
        {
            await connection.TryAbortJobAsync().ConfigureAwait(false);
            throw DocumentFailure($"Could not open {what} for {connection.Endpoint}: the document source returned no stream.", null);
        }

        try
        {
            await connection.SendAsync(Subcommand(ReceiveDataFileSubcommand, document.Length, name),
                $"while announcing data file {name} ({what})", ct).ConfigureAwait(false);
            await connection.ExpectAckAsync($"data file {name} ({what}, {document.Length} bytes)", ct).ConfigureAwait(false);

            long sent = 0;
            while (sent < document.Length)
            {
                var chunk = (int)Math.Min(buffer.Length, document.Length - sent);
                var read = await ReadSourceAsync(stream, buffer.AsMemory(0, chunk), what, connection.Endpoint, sent, ct).ConfigureAwait(false);
                if (read == 0)
                {
                    // The server counts on exactly Length bytes; the only way out mid-file is a reset.
                    throw DocumentFailure(
                        $"{what} for {connection.Endpoint} ended after {sent} of the {document.Length} bytes announced to the LPD server.", null);
                }

                await connection.SendAsync(buffer.AsMemory(0, read), $"while sending data file {name} ({what}, {sent} of {document.Length} bytes sent)", ct)
                    .ConfigureAwait(false);
                sent += read;
            }

            // The source must end exactly here, or the length given for it was wrong.
            var extra = await ReadSourceAsync(stream, buffer.AsMemory(0, 1), what, connection.Endpoint, sent, ct).ConfigureAwait(false);
            if (extra != 0)
            {
                throw DocumentFailure($"{what} for {connection.Endpoint} is longer than the {document.Length} bytes announced to the LPD server.", null);
            }

            await connection.SendAsync(new byte[] { 0 }, $"while finishing data file {name} ({what})", ct).ConfigureAwait(false);
            await connection.ExpectAckAsync($"the contents of data file {name} ({what})", ct).ConfigureAwait(false);
            return sent;
        }
        finally
        {
            try
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A source that fails to close does not affect the delivery.
            }
        }
    }

    private static async Task<int> ReadSourceAsync(Stream stream, Memory<byte> buffer, string what, string endpoint, long sent, CancellationToken ct)
    {
        try
        {
            return await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            throw DocumentFailure($"Could not read {what} for {endpoint} after {sent} bytes: {e.Message}", e);
        }
    }

    private static byte[] Command(byte code, string operand) => Encoding.ASCII.GetBytes($"{(char)code}{operand}\n");

    private static byte[] Subcommand(byte code, long count, string name) =>
        Encoding.ASCII.GetBytes($"{(char)code}{count.ToString(CultureInfo.InvariantCulture)} {name}\n");

    private static void ValidateQueue(string queue)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        foreach (var c in queue)
        {
            if (c is <= ' ' or >= (char)0x7F)
            {
                throw new ArgumentException($"LPD queue name '{queue}' may only hold printable ASCII without spaces.", nameof(queue));
            }
        }
    }

    private static void ValidateDocuments(IReadOnlyList<LpdDocument> documents)
    {
        if (documents.Count == 0)
        {
            throw new ArgumentException("An LPD job needs at least one document.", nameof(documents));
        }

        if (documents.Count > LpdControlFile.MaxDataFiles)
        {
            throw new ArgumentException($"An LPD job holds at most {LpdControlFile.MaxDataFiles} data files (dfA..dfz); got {documents.Count}.", nameof(documents));
        }

        for (var i = 0; i < documents.Count; i++)
        {
            var document = documents[i] ?? throw new ArgumentException($"Document {i + 1} is null.", nameof(documents));
            ArgumentNullException.ThrowIfNull(document.Open, $"{nameof(documents)}[{i}].{nameof(LpdDocument.Open)}");
            if (document.Length <= 0)
            {
                // A count of 0 means "length unknown, read to end of connection" to LPRng and "empty" to BSD lpd.
                throw new ArgumentException($"Document {i + 1} has length {document.Length}; LPD data files need a positive length.", nameof(documents));
            }
        }
    }

    private static void ValidateTimeout(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "Timeouts must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }

    private static PrinterDeliveryException DocumentFailure(string message, Exception? inner) =>
        new(DeliveryFailureKind.Other, message, inner) { IsDocumentFailure = true };

    /// <summary>One LPD connection: timed sends, acknowledgements, error classification like the AppSocket client's.</summary>
    private sealed class Connection(Socket socket, string endpoint, LpdOptions options)
    {
        private readonly byte[] _ack = new byte[1];

        // True while no file transfer is in flight, i.e. the server is waiting for a subcommand.
        private bool _betweenSubcommands;

        // True once the abort subcommand went out: the connection then closes normally, so the server reads it.
        private bool _aborted;

        public string Endpoint => endpoint;

        public async Task ConnectAsync(string host, int port, CancellationToken ct)
        {
            using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeoutCts.CancelAfter(options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(host, port, timeoutCts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new PrinterDeliveryException(DeliveryFailureKind.ConnectTimeout,
                    $"Connecting to LPD server {endpoint} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s.");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted && timeoutCts.IsCancellationRequested)
            {
                ct.ThrowIfCancellationRequested();
                throw new PrinterDeliveryException(DeliveryFailureKind.ConnectTimeout,
                    $"Connecting to LPD server {endpoint} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s.", e);
            }
            catch (SocketException e)
            {
                ct.ThrowIfCancellationRequested();
                throw Classify(e, "while connecting", connecting: true);
            }
        }

        public async Task SendAsync(ReadOnlyMemory<byte> data, string context, CancellationToken ct)
        {
            _betweenSubcommands = false;
            using var idleCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idleCts.CancelAfter(options.IdleTimeout);
            try
            {
                while (!data.IsEmpty)
                {
                    var n = await socket.SendAsync(data, SocketFlags.None, idleCts.Token).ConfigureAwait(false);
                    data = data[n..];
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw Idle(context, options.IdleTimeout, null);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted && idleCts.IsCancellationRequested)
            {
                ct.ThrowIfCancellationRequested();
                throw Idle(context, options.IdleTimeout, e);
            }
            catch (SocketException e)
            {
                ct.ThrowIfCancellationRequested();
                throw Classify(e, context, connecting: false);
            }
        }

        /// <summary>Reads the server's one-octet answer to <paramref name="what"/>; anything but zero is a refusal.</summary>
        public async Task ExpectAckAsync(string what, CancellationToken ct)
        {
            var context = $"while waiting for the acknowledgement of {what}";
            using var ackCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            ackCts.CancelAfter(options.AckTimeout);
            int n;
            try
            {
                n = await socket.ReceiveAsync(_ack.AsMemory(), SocketFlags.None, ackCts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException ||
                                      (e is SocketException { SocketErrorCode: SocketError.OperationAborted } && ackCts.IsCancellationRequested))
            {
                ct.ThrowIfCancellationRequested();
                throw new PrinterDeliveryException(DeliveryFailureKind.IdleTimeout,
                    $"LPD server {endpoint} did not acknowledge {what} within {options.AckTimeout.TotalSeconds:0.###} s.", e as SocketException);
            }
            catch (SocketException e)
            {
                ct.ThrowIfCancellationRequested();
                throw Classify(e, context, connecting: false);
            }

            if (n == 0)
            {
                throw new PrinterDeliveryException(DeliveryFailureKind.ConnectionReset,
                    $"LPD server {endpoint} closed the connection instead of acknowledging {what}.");
            }

            if (_ack[0] != 0)
            {
                throw new PrinterDeliveryException(DeliveryFailureKind.Other,
                    $"LPD server {endpoint} refused {what} (code {_ack[0]}{Hint(_ack[0])}).");
            }

            _betweenSubcommands = true;
        }

        /// <summary>
        /// Withdraws the job with the abort subcommand (RFC 1179 §6.1: the server deletes the files received so far),
        /// then closes; only possible between files. Best effort: the caller is failing the delivery anyway.
        /// </summary>
        public async Task TryAbortJobAsync()
        {
            if (!_betweenSubcommands)
            {
                return;
            }

            try
            {
                using var cts = new CancellationTokenSource(options.IdleTimeout);
                await socket.SendAsync(new byte[] { AbortSubcommand, (byte)'\n' }, SocketFlags.None, cts.Token).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Send);
                _betweenSubcommands = false;
                _aborted = true;
            }
            catch (Exception)
            {
                // The reset in Abort() discards the job as well.
            }
        }

        public void CloseGracefully()
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception)
            {
                // The server may already be gone; the job was acknowledged.
            }
        }

        /// <summary>Resets the connection (linger 0) so the server cannot mistake a partial job for a whole one.</summary>
        public void Abort()
        {
            if (_aborted)
            {
                // The abort subcommand was sent: close normally so it is read rather than lost to a reset.
                CloseGracefully();
                return;
            }

            try
            {
                if (socket.Connected)
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
            }
            catch (Exception)
            {
                // Best effort: the socket is disposed next anyway.
            }
        }

        private static string Hint(byte code) => code switch
        {
            1 => ": unknown or disabled queue, or the request was not accepted",
            2 => ": the server has no room for the file",
            _ => string.Empty,
        };

        private PrinterDeliveryException Idle(string context, TimeSpan timeout, Exception? inner) =>
            new(DeliveryFailureKind.IdleTimeout, $"LPD server {endpoint} made no progress for {timeout.TotalSeconds:0.###} s {context}.", inner);

        private PrinterDeliveryException Classify(SocketException e, string context, bool connecting)
        {
            var kind = e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => DeliveryFailureKind.ConnectionRefused,
                SocketError.TimedOut when connecting => DeliveryFailureKind.ConnectTimeout,
                SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
                    or SocketError.NotConnected or SocketError.Disconnecting or SocketError.OperationAborted
                    or SocketError.TimedOut when !connecting => DeliveryFailureKind.ConnectionReset,
                _ => DeliveryFailureKind.Other,
            };
            var what = kind switch
            {
                DeliveryFailureKind.ConnectionRefused => "refused the connection",
                DeliveryFailureKind.ConnectTimeout => "did not answer",
                DeliveryFailureKind.ConnectionReset => "reset the connection",
                _ => "failed",
            };
            return new PrinterDeliveryException(kind, $"LPD server {endpoint} {what} {context} ({e.SocketErrorCode}: {e.Message}).", e);
        }
    }
}
