using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Node.Management;

/// <summary>
/// A palette of spoolctl commands. Register an implementation in DI (<see cref="ManagementServices.AddCommandPalette{T}"/>)
/// and the command host offers it: its <see cref="Definition"/> goes to spoolctl for parsing, help and completion,
/// and <see cref="ExecuteAsync"/> runs its verbs with arguments already checked against that definition.
/// </summary>
public interface ICommandPalette
{
    PaletteDefinition Definition { get; }

    /// <summary>
    /// Runs <see cref="CommandContext.Verb"/>. Write output through the context; throw <see cref="CommandException"/>
    /// for an error the operator should read (its message becomes one error line and its code the exit code).
    /// </summary>
    Task ExecuteAsync(CommandContext context, CancellationToken ct);
}

/// <summary>A command that failed in a way the operator can act on: one line, an exit code.</summary>
public sealed class CommandException(string message, int exitCode = ExitCodes.Failed) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CommandException Usage(string message) => new(message, ExitCodes.Usage);
}

/// <summary>Where a running command writes its replies.</summary>
public interface ICommandOutput
{
    ValueTask WriteAsync(CommandReply reply, CancellationToken ct);
}
