namespace ActorSpool.Cli.Commands;

/// <summary>Thread-safe, timestamped console lines shared by the commands.</summary>
internal sealed class CliOutput(TextWriter output, TextWriter error)
{
    private readonly object _gate = new();

    public void Line(string text) => Write(output, text);

    public void Error(string text) => Write(error, text);

    private void Write(TextWriter writer, string text)
    {
        lock (_gate)
        {
            writer.WriteLine($"{DateTimeOffset.Now:HH:mm:ss.fff}  {text}");
            writer.Flush();
        }
    }
}
