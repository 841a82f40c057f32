using System.Text;

namespace ActorSpool.Domain.Topology;

/// <summary>
/// A light structural pass over HOCON text before it reaches Akka's parser, which silently accepts some
/// malformed input (an unclosed brace or list) and rejects some valid input (a comma after a nested object,
/// as in <c>{ a { x = 1 }, b { x = 2 } }</c>). Reports the first unbalanced bracket or unterminated string with
/// line and column (later errors are usually consequences), and turns a comma that separates object fields
/// after a <c>}</c> into a new line, character for character, so offsets in the result match the original text.
/// It also refuses what made Akka's parser fail badly instead of reporting an error (found by fuzzing): nesting
/// deeper than <see cref="MaxNesting"/> (it recurses once per level; thousands overflowed the stack and killed the
/// process), and characters HOCON allows only in quoted strings ('=', ':', '^', ...) or a '$' other than a plain
/// substitution <c>${a.b-c}</c> directly inside a list (it looped forever).
/// </summary>
internal static class HoconText
{
    /// <summary>Open braces and brackets plus the segments of a dotted key; printers.conf needs about 4.</summary>
    public const int MaxNesting = 64;

    internal readonly record struct SyntaxError(int Line, int Column, string Message);

    public static string Normalize(string text, List<SyntaxError> errors)
    {
        var output = new StringBuilder(text.Length);
        var open = new Stack<(char Bracket, int Line, int Column)>();
        var line = 1;
        var lineStart = 0;
        var lastSignificant = '\0';
        var i = 0;

        // Dots in the current unquoted token (a dotted key like a.b.c nests as deep as a { b { c } }).
        var dotsInToken = 0;

        int Column(int index) => index - lineStart + 1;

        while (i < text.Length && errors.Count == 0)
        {
            var c = text[i];

            if (c == '\n')
            {
                output.Append(c);
                i++;
                line++;
                lineStart = i;
                continue;
            }

            // Comments run to the end of the line.
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i < text.Length && text[i] != '\n')
                {
                    output.Append(text[i++]);
                }

                continue;
            }

            // Triple-quoted strings may span lines.
            if (c == '"' && i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"')
            {
                var startLine = line;
                var startColumn = Column(i);
                output.Append("\"\"\"");
                i += 3;
                var closed = false;
                while (i < text.Length)
                {
                    if (text[i] == '"' && i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"')
                    {
                        // Extra quotes before the closing triple belong to the string.
                        while (i + 3 < text.Length && text[i + 3] == '"')
                        {
                            output.Append(text[i++]);
                        }

                        output.Append("\"\"\"");
                        i += 3;
                        closed = true;
                        break;
                    }

                    if (text[i] == '\n')
                    {
                        line++;
                        lineStart = i + 1;
                    }

                    output.Append(text[i++]);
                }

                if (!closed)
                {
                    errors.Add(new SyntaxError(startLine, startColumn, "unterminated \"\"\" string"));
                }

                lastSignificant = '"';
                continue;
            }

            if (c == '"')
            {
                var startColumn = Column(i);
                output.Append(c);
                i++;
                var closed = false;
                while (i < text.Length && text[i] != '\n')
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        output.Append(text[i++]);
                        output.Append(text[i++]);
                        continue;
                    }

                    output.Append(text[i]);
                    if (text[i++] == '"')
                    {
                        closed = true;
                        break;
                    }
                }

                if (!closed)
                {
                    errors.Add(new SyntaxError(line, startColumn, "unterminated string"));
                }

                lastSignificant = '"';
                continue;
            }

            if (char.IsWhiteSpace(c) || c is '{' or '[' or '}' or ']' or '=' or ':' or ',')
            {
                dotsInToken = 0;
            }
            else if (c == '.' && open.Count + ++dotsInToken > MaxNesting)
            {
                errors.Add(new SyntaxError(line, Column(i), $"a key nested deeper than {MaxNesting} levels"));
                break;
            }

            // Akka's parser loops forever on these directly inside a list (found by fuzzing); none belongs there.
            if (open.Count > 0 && open.Peek().Bracket == '[')
            {
                // HOCON allows these only in quoted strings.
                if (c is '=' or ':' or '\\' or '+' or '`' or '^' or '?' or '!' or '@' or '*' or '&')
                {
                    errors.Add(new SyntaxError(line, Column(i), $"'{c}' inside a list: a list holds values (quote a value that contains '{c}')"));
                    break;
                }

                if (c == '$' && !IsPlainSubstitution(text, i))
                {
                    errors.Add(new SyntaxError(line, Column(i), "'$' inside a list other than a substitution ${path}"));
                    break;
                }
            }

            switch (c)
            {
                case '{':
                case '[':
                    if (open.Count + 1 > MaxNesting)
                    {
                        errors.Add(new SyntaxError(line, Column(i), $"'{c}' nested deeper than {MaxNesting} levels"));
                        break;
                    }

                    open.Push((c, line, Column(i)));
                    break;
                case '}':
                case ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0)
                    {
                        errors.Add(new SyntaxError(line, Column(i), $"unexpected '{c}' with nothing open"));
                    }
                    else if (open.Peek().Bracket != expected)
                    {
                        var (bracket, l, col) = open.Peek();
                        errors.Add(new SyntaxError(l, col,
                            $"'{bracket}' is not closed before the '{c}' at line {line}, column {Column(i)}"));
                    }
                    else
                    {
                        open.Pop();
                    }

                    break;
                case ',' when lastSignificant == '}' && (open.Count == 0 || open.Peek().Bracket == '{'):
                    // Field separator after a nested object: equivalent to a new line, which Akka's parser accepts.
                    // One character for one, so offsets (and Akka's error positions) still match the original text.
                    output.Append('\n');
                    lastSignificant = ',';
                    i++;
                    continue;
            }

            if (!char.IsWhiteSpace(c))
            {
                lastSignificant = c;
            }

            output.Append(c);
            i++;
        }

        if (errors.Count == 0 && open.Count > 0)
        {
            // Report the outermost unclosed bracket: the inner ones are usually fine.
            var (bracket, l, col) = open.Last();
            errors.Add(new SyntaxError(l, col, $"'{bracket}' is never closed"));
        }

        return output.ToString();
    }

    // ${path} with a path of letters, digits, '_', '-' and '.': the only substitution Akka's parser survives in a list.
    private static bool IsPlainSubstitution(string text, int dollar)
    {
        if (dollar + 3 >= text.Length || text[dollar + 1] != '{')
        {
            return false;
        }

        var end = dollar + 2;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '_' or '-' or '.'))
        {
            end++;
        }

        return end > dollar + 2 && end < text.Length && text[end] == '}';
    }

    /// <summary>Line and column (1-based) of a character offset.</summary>
    public static (int Line, int Column) Position(string text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, offset - lineStart + 1);
    }
}
