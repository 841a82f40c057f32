using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Dispatch;
using Akka.Event;
using AkkaLogLevel = Akka.Event.LogLevel;

namespace ActorSpool.Node.Hosting;

/// <summary>
/// Akka's log events into the host's <see cref="ILoggerFactory"/>, one prefix per line: the category is the class that
/// logged, the text is "source: message". (Akka.Hosting's LoggerFactoryLogger wrote Akka's own
/// "[INFO][date][Thread][source]" prefix inside the host's, and logged errors as warnings.)
/// </summary>
public sealed class AkkaLogBridge : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly Dictionary<Type, ILogger> _loggers = new();

    public AkkaLogBridge() => _loggerFactory = DependencyResolver.For(Context.System).Resolver.GetService<ILoggerFactory>();

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent logEvent:
                Write(logEvent);
                return true;
            default:
                return false;
        }
    }

    private void Write(LogEvent logEvent)
    {
        if (!_loggers.TryGetValue(logEvent.LogClass, out var logger))
        {
            // Events logged under a plain string source ("remoting (akka://actorspool)") carry a placeholder class.
            var category = logEvent.LogClass == typeof(DummyClassForStringSources) ? "Akka" : logEvent.LogClass.FullName ?? logEvent.LogClass.Name;
            _loggers[logEvent.LogClass] = logger = _loggerFactory.CreateLogger(category);
        }
        logger.Log(LevelOf(logEvent.LogLevel()), logEvent.Cause, "{Source}: {Message}", ShortSource(logEvent.LogSource), logEvent.Message?.ToString());
    }

    /// <summary>
    /// Actor paths without their address (akka.tcp:// or, with TLS, akka.ssl.tcp://actorspool@host:port), which every line of a node's log would
    /// repeat: the actors that log are this node's own. (The logger starts before remoting, so it cannot ask.)
    /// </summary>
    public static string ShortSource(string source)
    {
        if (!source.StartsWith("akka://", StringComparison.Ordinal) && !source.StartsWith("akka.tcp://", StringComparison.Ordinal)
            && !source.StartsWith("akka.ssl.tcp://", StringComparison.Ordinal)) return source;
        var path = source.IndexOf('/', source.IndexOf("://", StringComparison.Ordinal) + 3);
        return path < 0 ? source : source[path..];
    }

    public static Microsoft.Extensions.Logging.LogLevel LevelOf(AkkaLogLevel level) => level switch
    {
        AkkaLogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
        AkkaLogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
        AkkaLogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
        _ => Microsoft.Extensions.Logging.LogLevel.Error,
    };
}
