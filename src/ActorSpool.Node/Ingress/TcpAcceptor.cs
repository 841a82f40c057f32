using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ActorSpool.Node.Ingress;

/// <summary>
/// One listening socket of an ingress protocol: accepts connections and serves each on its own task, at most
/// <see cref="ConnectionLimiter.MaxConnections"/> at a time and <see cref="ConnectionLimiter.MaxPerAddress"/> from one
/// client address (more are reset at once). A handler that throws is logged and its connection
/// reset; nothing a client does can stop the accept loop or the node.
/// </summary>
internal sealed class TcpAcceptor
{
    private static readonly TimeSpan AcceptErrorBackoff = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly string _what;
    private readonly ConnectionLimiter _limits;
    private readonly Func<Socket, CancellationToken, Task> _handle;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private long _ids;

    private TcpAcceptor(Socket listener, string what, ConnectionLimiter limits, Func<Socket, CancellationToken, Task> handle, ILogger logger)
    {
        _listener = listener;
        _what = what;
        _limits = limits;
        _handle = handle;
        _logger = logger;
        var local = (IPEndPoint)listener.LocalEndPoint!;
        Address = local.Address;
        Port = local.Port;
    }

    public IPAddress Address { get; }

    /// <summary>The bound port (the chosen one when 0 was asked for).</summary>
    public int Port { get; }

    public int ActiveConnections => _connections.Count;

    /// <summary>
    /// Binds and listens. A port in use or not permitted is an <see cref="IOException"/> that names the setting
    /// (its inner exception is the <see cref="SocketException"/>, which the node's start-up reports as "cannot listen").
    /// </summary>
    public static TcpAcceptor Listen(
        IPAddress address, int port, string what, string setting, ConnectionLimiter limits,
        Func<Socket, CancellationToken, Task> handle, ILogger logger)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT too, and two nodes could then share a port.
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(512);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new IOException(BindProblem(address, port, what, setting, e), e);
        }

        return new TcpAcceptor(listener, what, limits, handle, logger);
    }

    /// <summary>The one-line reason a bind failed, for the operator.</summary>
    public static string BindProblem(IPAddress address, int port, string what, string setting, SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse =>
            $"port {port} ({what}, {setting}) is already in use on {address}; stop what uses it or choose another port",
        SocketError.AccessDenied =>
            $"port {port} ({what}, {setting}) on {address} is not permitted: ports below 1024 need root or CAP_NET_BIND_SERVICE",
        SocketError.AddressNotAvailable =>
            $"{address} ({what}, {setting}) is not an address of this machine",
        _ => $"cannot listen on {address}:{port} ({what}, {setting}): {e.Message}",
    };

    /// <summary>Accepts until <paramref name="stop"/>, then closes the listener and waits for the connections being served.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using (stop.Register(() => _listener.Dispose()))
        {
            while (!stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync(stop).ConfigureAwait(false);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
                {
                    continue;
                }
                catch (Exception e)
                {
                    _logger.LogWarning("{What}: accepting a connection failed: {Error}", _what, e.Message);
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

                var lease = _limits.TryAdmit(RemoteAddress(client), out var refusal);
                if (lease is null)
                {
                    _logger.LogWarning("{What}: {Refusal}; reset the one from {Remote}", _what, refusal, Remote(client));
                    Reset(client);
                    continue;
                }

                var id = Interlocked.Increment(ref _ids);
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _connections[id] = done.Task;
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await _handle(client, stop).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        if (!stop.IsCancellationRequested)
                        {
                            _logger.LogError(e, "{What}: the connection from {Remote} failed", _what, Remote(client));
                        }

                        Reset(client);
                    }
                    finally
                    {
                        client.Dispose();
                        lease.Dispose();
                        _connections.TryRemove(id, out _);
                        done.TrySetResult();
                    }
                }, CancellationToken.None);
            }
        }

        _listener.Dispose();
        while (!_connections.IsEmpty)
        {
            await Task.WhenAll(_connections.Values.ToArray()).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the listener without waiting (for a service that failed to start completely).</summary>
    public void Close() => _listener.Dispose();

    /// <summary>The client's address, for logs and job names.</summary>
    public static string Remote(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint is IPEndPoint ip ? ip.Address.ToString() : "unknown";
        }
        catch (Exception)
        {
            return "unknown";
        }
    }

    private static IPAddress? RemoteAddress(Socket socket)
    {
        try
        {
            return (socket.RemoteEndPoint as IPEndPoint)?.Address;
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>Ends the connection normally: our side is shut down after everything we sent, so the client reads an orderly end.</summary>
    public static void CloseGracefully(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // The client may be gone already.
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>Ends the connection with a TCP reset, so the client sees an error rather than a normal end.</summary>
    public static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception)
        {
            // Already closed.
        }
        finally
        {
            socket.Dispose();
        }
    }
}
