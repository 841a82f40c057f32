using System.Text;
using Microsoft.Extensions.Logging;

namespace ActorSpool.Node.Security;

/// <summary>What a request's credentials came to.</summary>
public enum AuthenticationStatus
{
    /// <summary>No credentials: the client is who requesting-user-name says (as in CUPS), never an admin.</summary>
    Anonymous,

    Authenticated,

    /// <summary>Unknown user, wrong password or a malformed Authorization header.</summary>
    BadCredentials,

    /// <summary>Too many failed logins from this address or for this user lately; the password was not checked.</summary>
    Throttled,

    /// <summary>Basic credentials over a connection without TLS, which the settings refuse.</summary>
    TlsRequired,

    /// <summary>Credentials were sent but no users file is configured.</summary>
    NotConfigured,
}

public sealed record AuthenticationResult(AuthenticationStatus Status, string? User = null)
{
    public static readonly AuthenticationResult Anonymous = new(AuthenticationStatus.Anonymous);
}

/// <summary>
/// HTTP Basic authentication against the users file, with failed logins throttled and logged (name and address,
/// never the password). One instance serves every listener that authenticates (IPP today).
/// </summary>
public sealed class Authenticator(SecuritySettings settings, UsersFile? users, LoginThrottle throttle, ILogger<Authenticator> log)
{
    public SecuritySettings Settings => settings;

    /// <summary>Checks an <c>Authorization</c> header; <paramref name="overTls"/> says whether the connection is encrypted.</summary>
    public AuthenticationResult Authenticate(string? authorization, string clientAddress, bool overTls)
    {
        if (string.IsNullOrEmpty(authorization)) return AuthenticationResult.Anonymous;
        if (!TryParseBasic(authorization, out var user, out var password))
        {
            log.LogWarning("Login refused from {Address}: the Authorization header is not HTTP Basic credentials", clientAddress);
            return new AuthenticationResult(AuthenticationStatus.BadCredentials);
        }
        if (users is null)
        {
            log.LogWarning("Login of {User} from {Address} refused: no users file is configured (actorspool.security.users-file, --users)", user, clientAddress);
            return new AuthenticationResult(AuthenticationStatus.NotConfigured, user);
        }
        if (!overTls && !settings.AllowBasicWithoutTls)
        {
            log.LogWarning("Login of {User} from {Address} refused: Basic credentials over a connection without TLS (actorspool.security.allow-basic-without-tls = off)", user, clientAddress);
            return new AuthenticationResult(AuthenticationStatus.TlsRequired, user);
        }
        if (throttle.IsBlocked(clientAddress, user))
        {
            log.LogWarning("Login of {User} from {Address} refused unchecked: {Failures} failed logins within {Window}", user, clientAddress, throttle.MaxFailures, throttle.Window);
            return new AuthenticationResult(AuthenticationStatus.Throttled, user);
        }
        if (!users.Verify(user, password))
        {
            throttle.Failed(clientAddress, user);
            log.LogWarning("Login of {User} from {Address} failed: unknown user or wrong password", user, clientAddress);
            return new AuthenticationResult(AuthenticationStatus.BadCredentials, user);
        }
        throttle.Succeeded(user);
        return new AuthenticationResult(AuthenticationStatus.Authenticated, user);
    }

    /// <summary>Whether <paramref name="user"/> is an authenticated admin's name (actorspool.security.admins).</summary>
    public bool IsAdmin(AuthenticationResult result) =>
        result.Status == AuthenticationStatus.Authenticated && settings.Admins.Contains(result.User!);

    /// <summary>Parses <c>Basic base64(user:password)</c> (RFC 7617); the user name may not contain ':'.</summary>
    public static bool TryParseBasic(string authorization, out string user, out string password)
    {
        user = password = "";
        const string scheme = "Basic ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(authorization[scheme.Length..].Trim()));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':');
        if (colon <= 0) return false;
        user = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }
}
