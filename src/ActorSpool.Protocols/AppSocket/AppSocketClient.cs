using System.Buffers;
using System.Net.Sockets;

namespace ActorSpool.Protocols.AppSocket;

/// <summary>
/// Delivers jobs over AppSocket (HP JetDirect, "raw" port 9100): connect, stream the bytes, half-close,
/// then wait for the device to close its side, which is the device's acknowledgement that it has taken the job.
/// </summary>
public static class AppSocketClient
{
    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>, copies each source stream in order to the
    /// socket, shuts down the sending side, and (when <see cref="AppSocketOptions.WaitForDeviceClose"/>) reads
    /// and discards anything the device sends until it closes its side; only then is the job delivered.
    /// </summary>
    /// <param name="documents">
    /// Opens each document in turn; the stream is disposed by this method once copied.
    /// </param>
    /// <returns>The number of bytes sent.</returns>
    /// <exception cref="PrinterDeliveryException">Every delivery failure, classified by <see cref="DeliveryFailureKind"/>.
    /// On failure the connection is reset (not closed gracefully) so the device does not mistake a partial job for a whole one.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (the connection is reset).</exception>
    public static async Task<long> SendAsync(
        string host,
        int port,
        IReadOnlyList<Func<CancellationToken, Task<Stream>>> documents,
        AppSocketOptions options,
        CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(options);
        ValidateTimeout(options.ConnectTimeout, nameof(options.ConnectTimeout));
        ValidateTimeout(options.IdleTimeout, nameof(options.IdleTimeout));
        ValidateTimeout(options.CloseWaitTimeout, nameof(options.CloseWaitTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, 1, nameof(options.BufferSize));
        ct.ThrowIfCancellationRequested();

        var endpoint = $"{host}:{port}";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var delivered = false;
        try
        {
            await ConnectAsync(socket, host, port, options.ConnectTimeout, endpoint, ct).ConfigureAwait(false);

            long total = 0;
            var buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);
            try
            {
                for (var i = 0; i < documents.Count; i++)
                {
                    total += await SendDocumentAsync(socket, documents[i], i, documents.Count, buffer, options, endpoint, total, ct)
                        .ConfigureAwait(false);
                }

                try
                {
                    socket.Shutdown(SocketShutdown.Send);
                }
                catch (SocketException e)
                {
                    throw Classify(e, endpoint, $"while finishing the job after {total} bytes", connecting: false);
                }

                if (options.WaitForDeviceClose)
                {
                    await WaitForDeviceCloseAsync(socket, buffer, options, endpoint, total, ct).ConfigureAwait(false);
                }
                else
                {
                    DrainAvailable(socket, buffer);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            delivered = true;
            return total;
        }
        finally
        {
            if (!delivered)
            {
                Abort(socket);
            }

            socket.Dispose();
        }
    }

    private static void ValidateTimeout(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "Timeouts must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }

    private static async Task ConnectAsync(Socket socket, string host, int port, TimeSpan timeout, string endpoint, CancellationToken ct)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(host, port, timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new PrinterDeliveryException(DeliveryFailureKind.ConnectTimeout,
                $"Connecting to {endpoint} timed out after {timeout.TotalSeconds:0.###} s.");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted && timeoutCts.IsCancellationRequested)
        {
            ct.ThrowIfCancellationRequested();
            throw new PrinterDeliveryException(DeliveryFailureKind.ConnectTimeout,
                $"Connecting to {endpoint} timed out after {timeout.TotalSeconds:0.###} s.", e);
        }
        catch (SocketException e)
        {
            ct.ThrowIfCancellationRequested();
            throw Classify(e, endpoint, "while connecting", connecting: true);
        }
    }

    private static async Task<long> SendDocumentAsync(
        Socket socket,
        Func<CancellationToken, Task<Stream>> open,
        int index,
        int count,
        byte[] buffer,
        AppSocketOptions options,
        string endpoint,
        long sentBefore,
        CancellationToken ct)
    {
        var what = $"document {index + 1} of {count}";
        Stream? stream;
        try
        {
            stream = await open(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            throw DocumentFailure($"Could not open {what} for {endpoint}: {e.Message}", e);
        }

        if (stream is null)
        {
            throw DocumentFailure($"Could not open {what} for {endpoint}: the document source returned no stream.", null);
        }

        long sent = 0;
        try
        {
            var chunk = Math.Min(buffer.Length, options.BufferSize);
            while (true)
            {
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer.AsMemory(0, chunk), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    throw DocumentFailure($"Could not read {what} for {endpoint} after {sent} bytes: {e.Message}", e);
                }

                if (read == 0)
                {
                    return sent;
                }

                await SendChunkAsync(socket, buffer.AsMemory(0, read), options.IdleTimeout, endpoint,
                    $"while sending {what} ({sentBefore + sent} bytes sent so far)", ct).ConfigureAwait(false);
                sent += read;
            }
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

    private static async Task SendChunkAsync(Socket socket, ReadOnlyMemory<byte> data, TimeSpan idleTimeout, string endpoint, string context, CancellationToken ct)
    {
        using var idleCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idleCts.CancelAfter(idleTimeout);
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
            throw IdleTimeout(endpoint, context, idleTimeout, null);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted && idleCts.IsCancellationRequested)
        {
            ct.ThrowIfCancellationRequested();
            throw IdleTimeout(endpoint, context, idleTimeout, e);
        }
        catch (SocketException e)
        {
            ct.ThrowIfCancellationRequested();
            throw Classify(e, endpoint, context, connecting: false);
        }
        catch (ObjectDisposedException e)
        {
            ct.ThrowIfCancellationRequested();
            throw new PrinterDeliveryException(DeliveryFailureKind.Other, $"Connection to {endpoint} was closed locally {context}.", e);
        }
    }

    private static async Task WaitForDeviceCloseAsync(Socket socket, byte[] buffer, AppSocketOptions options, string endpoint, long total, CancellationToken ct)
    {
        using var closeCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        closeCts.CancelAfter(options.CloseWaitTimeout);
        var context = $"while waiting for the device to close after all {total} bytes were sent";
        while (true)
        {
            // Anything the device sends back (PJL status, ...) is read and discarded until it closes; each read
            // is progress, so the idle timeout restarts, while the close-wait timeout bounds the whole phase.
            using var idleCts = CancellationTokenSource.CreateLinkedTokenSource(closeCts.Token);
            idleCts.CancelAfter(options.IdleTimeout);
            try
            {
                if (await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, idleCts.Token).ConfigureAwait(false) == 0)
                {
                    return;
                }
            }
            catch (Exception e) when (e is OperationCanceledException ||
                                      (e is SocketException { SocketErrorCode: SocketError.OperationAborted } && idleCts.IsCancellationRequested))
            {
                ct.ThrowIfCancellationRequested();
                if (closeCts.IsCancellationRequested)
                {
                    throw new PrinterDeliveryException(DeliveryFailureKind.CloseWaitTimeout,
                        $"{endpoint} did not close the connection within {options.CloseWaitTimeout.TotalSeconds:0.###} s after all {total} bytes were sent.",
                        e as SocketException);
                }

                throw IdleTimeout(endpoint, context, options.IdleTimeout, e as SocketException);
            }
            catch (SocketException e)
            {
                ct.ThrowIfCancellationRequested();
                throw Classify(e, endpoint, context, connecting: false);
            }
        }
    }

    /// <summary>
    /// Without waiting for the device, still consume what it has already sent: closing a socket with unread
    /// received data makes the OS send a reset, which may discard data not yet transmitted.
    /// </summary>
    private static void DrainAvailable(Socket socket, byte[] buffer)
    {
        try
        {
            while (socket.Available > 0)
            {
                if (socket.Receive(buffer, 0, Math.Min(buffer.Length, socket.Available), SocketFlags.None) == 0)
                {
                    break;
                }
            }
        }
        catch (SocketException)
        {
            // Best effort only.
        }
    }

    private static void Abort(Socket socket)
    {
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

    private static PrinterDeliveryException DocumentFailure(string message, Exception? inner) =>
        new(DeliveryFailureKind.Other, message, inner) { IsDocumentFailure = true };

    private static PrinterDeliveryException IdleTimeout(string endpoint, string context, TimeSpan timeout, Exception? inner) =>
        new(DeliveryFailureKind.IdleTimeout,
            $"{endpoint} made no progress for {timeout.TotalSeconds:0.###} s {context}.", inner);

    private static PrinterDeliveryException Classify(SocketException e, string endpoint, string context, bool connecting)
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
        return new PrinterDeliveryException(kind, $"{endpoint} {what} {context} ({e.SocketErrorCode}: {e.Message}).", e);
    }
}
