using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ActorSpool.Node.Web.Login;

/// <summary>What a signed credential is for: the console's cookie or a script's bearer token (one never works as the other).</summary>
public enum TokenKind
{
    Session,
    Bearer,
}

/// <summary>A verified token's user and expiry, or why it was refused.</summary>
public sealed record TokenCheck(string? User, DateTimeOffset? ExpiresAt, string? Refusal);

/// <summary>
/// Session cookies and bearer tokens: <c>base64url(kind|user|expiry-unix-seconds|nonce)</c> + <c>.</c> +
/// <c>base64url(HMAC-SHA256(key, that))</c>. Stateless, so any node holding the same key accepts them; pure (the
/// clock is passed in), so it is tested without a node. The CSRF token of a session is derived from it with the key,
/// so a cookie planted by another site cannot come with a matching one.
/// </summary>
public sealed class WebTokens
{
    public const int KeyLength = 32;

    private readonly byte[] _key;

    public WebTokens(byte[] key)
    {
        if (key.Length < KeyLength) throw new ArgumentException($"the session key must have at least {KeyLength} bytes", nameof(key));
        _key = key.ToArray();
    }

    public string Issue(TokenKind kind, string user, DateTimeOffset expiresAt)
    {
        if (user.Contains('|', StringComparison.Ordinal)) throw new ArgumentException("user names with '|' cannot have tokens", nameof(user));
        var nonce = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));
        var payload = string.Join('|', Prefix(kind), user, expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), nonce);
        var body = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        return body + "." + Base64Url.EncodeToString(Sign(body));
    }

    public TokenCheck Verify(string token, TokenKind kind, DateTimeOffset now)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (token.Length > 1024 || dot <= 0 || !Base64Url.IsValid(token.AsSpan(0, dot)) || !Base64Url.IsValid(token.AsSpan(dot + 1)))
        {
            return Refused("not a token of this spooler");
        }
        var body = token[..dot];
        if (!CryptographicOperations.FixedTimeEquals(Sign(body), Base64Url.DecodeFromChars(token.AsSpan(dot + 1))))
        {
            return Refused("the token's signature is wrong (forged, or signed with another session key)");
        }
        var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(body)).Split('|');
        if (parts.Length != 4 || parts[0] != Prefix(kind) || parts[1].Length == 0
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return Refused(kind == TokenKind.Bearer ? "not a bearer token" : "not a session");
        }
        var expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return expires <= now ? Refused($"the {(kind == TokenKind.Bearer ? "token" : "session")} expired at {expires:u}; log in again") : new TokenCheck(parts[1], expires, null);
    }

    /// <summary>The CSRF token that goes with a session cookie (double-submit: cookie and header must both equal it).</summary>
    public string CsrfFor(string sessionToken) => Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("csrf|" + sessionToken)));

    public bool CsrfMatches(string sessionToken, string? csrf) =>
        csrf is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(CsrfFor(sessionToken)), Encoding.UTF8.GetBytes(csrf));

    private byte[] Sign(string body) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(body));

    private static string Prefix(TokenKind kind) => kind == TokenKind.Bearer ? "bearer" : "session";

    private static TokenCheck Refused(string why) => new(null, null, why);
}
