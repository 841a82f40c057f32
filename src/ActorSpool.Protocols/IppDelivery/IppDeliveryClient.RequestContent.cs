using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.IppDelivery;

// The request body streamed to the device, and a failure reading one of its documents.
public static partial class IppDeliveryClient
{
    /// <summary>A document source failed (open or read); carried through HttpClient to become a document failure.</summary>
    private sealed class DocumentFailureException(string message, Exception? inner) : Exception(message, inner)
    {
        public PrinterDeliveryException ToDeliveryException() =>
            new(DeliveryFailureKind.Other, Message, InnerException) { IsDocumentFailure = true };
    }

    /// <summary>
    /// The request body: the encoded IPP request, then the document streamed from its source (chunked, as RFC 8010
    /// allows). Each chunk re-arms the idle timeout; once the document is sent the request timeout applies again.
    /// The source is opened when HttpClient asks for the body, so a retried request re-opens it.
    /// </summary>
    private sealed class IppRequestContent(
        byte[] header,
        Func<CancellationToken, Task<Stream>>? document,
        string what,
        IppDeliveryOptions options,
        CancellationTokenSource timeout,
        Action resetConnection) : HttpContent
    {
        private long _documentBytes;
        private volatile bool _uploading;

        public long DocumentBytes => Interlocked.Read(ref _documentBytes);

        public bool Uploading => _uploading;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
        {
            await stream.WriteAsync(header, ct).ConfigureAwait(false);
            if (document is null)
            {
                return;
            }

            try
            {
                Interlocked.Exchange(ref _documentBytes, 0);
                _uploading = true;
                Rearm(options.IdleTimeout);
                Stream source;
                try
                {
                    source = await document(ct).ConfigureAwait(false)
                             ?? throw new InvalidOperationException("the document source returned no stream");
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    throw new DocumentFailureException($"Could not open the document of {what}: {e.Message}", e);
                }

                var buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);
                try
                {
                    while (true)
                    {
                        int read;
                        try
                        {
                            read = await source.ReadAsync(buffer.AsMemory(0, options.BufferSize), ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                        {
                            throw new DocumentFailureException($"Could not read the document of {what} after {DocumentBytes} bytes: {e.Message}", e);
                        }

                        if (read == 0)
                        {
                            break;
                        }

                        await stream.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                        Interlocked.Add(ref _documentBytes, read);
                        Rearm(options.IdleTimeout);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    try
                    {
                        await source.DisposeAsync().ConfigureAwait(false);
                    }
                    catch (Exception)
                    {
                        // A source that fails to close does not affect the delivery.
                    }
                }
            }
            catch (Exception)
            {
                // Failing part-way through the document (unreadable source, cancellation, idle timeout): reset the
                // connection so the printer cannot take the truncated body for a whole document.
                resetConnection();
                throw;
            }

            _uploading = false;
            Rearm(options.RequestTimeout);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = header.Length;
            return document is null;
        }

        private void Rearm(TimeSpan after)
        {
            try
            {
                timeout.CancelAfter(after);
            }
            catch (ObjectDisposedException)
            {
                // The request is over.
            }
        }
    }
}
