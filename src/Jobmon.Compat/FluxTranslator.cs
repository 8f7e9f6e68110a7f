using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Jobmon.Compat;

/// <summary>A declarative tag filter: <c>Key Op Value</c>. For the regex operators <see cref="Value"/> is the pattern
/// (RE2 syntax, without slashes).</summary>
public sealed record TagFilter(string Key, string Op, string Value)
{
    public const string Equal = "=";
    public const string NotEqual = "!=";
    public const string RegexMatch = "=~";
    public const string RegexNotMatch = "!~";

    public bool IsRegex => Op is RegexMatch or RegexNotMatch;

    public override string ToString() => IsRegex ? $"{Key} {Op} /{Value}/" : $"{Key} {Op} \"{Value}\"";
}

/// <summary>Result of translating a metric's <c>FilterFunc</c>. The filters are and-combined.</summary>
/// <param name="Fragment">The Flux text as given.</param>
/// <param name="Filters">The tag filters (empty for an empty fragment or when not translatable).</param>
/// <param name="Reason">Why it is not translatable; null when it is.</param>
public sealed record FilterTranslation(string Fragment, IReadOnlyList<TagFilter> Filters, string? Reason)
{
    public bool IsTranslatable => Reason is null;

    /// <summary><c>not translatable: &lt;fragment&gt; (&lt;reason&gt;)</c>, or null.</summary>
    public string? Problem => Reason is null ? null : $"not translatable: {Fragment.Trim()} ({Reason})";
}

/// <summary>Result of translating a metric's <c>PostQueryOp</c>.</summary>
/// <param name="Fragment">The Flux text as given.</param>
/// <param name="IsCounter">A <c>derivative(…)</c> is applied: the stored values are counters, shown as rates.</param>
/// <param name="NonNegative"><c>nonNegative: true</c>: negative rates (counter resets) are dropped.</param>
/// <param name="RateUnit">The derivative's <c>unit</c> (per second by default).</param>
/// <param name="Reason">Why (part of) the fragment is not translatable; null when it is.</param>
/// <param name="UntranslatedPart">The part that could not be translated (null: the whole fragment).</param>
public sealed record PostQueryOpTranslation(
    string Fragment, bool IsCounter, bool NonNegative, TimeSpan RateUnit, string? Reason, string? UntranslatedPart =
        null)
{
    public bool IsTranslatable => Reason is null;

    /// <summary><c>not translatable: &lt;fragment&gt; (&lt;reason&gt;)</c>, or null.</summary>
    public string? Problem => Reason is null ? null
        : $"not translatable: {(UntranslatedPart ?? Fragment).Trim()} ({Reason})";
}

/// <summary>
/// Turns the original's raw Flux fragments into declarative settings:
/// <c>FilterFunc</c> (<c>|&gt; filter(fn: (r) =&gt; r["k"] == "v" and r.k2 =~ /re/)</c>) into <see cref="TagFilter"/>s,
/// and
/// <c>PostQueryOp</c> (<c>|&gt; derivative(unit: 1s, nonNegative: true)</c>) into a counter flag.
/// Anything else (or, not, functions, numeric comparisons, filters on _field/_value, other pipeline steps) is reported,
/// never thrown.
/// </summary>
public static partial class FluxTranslator
{
    private static readonly TimeSpan DefaultRateUnit = TimeSpan.FromSeconds(1);

    public static FilterTranslation TranslateFilter(string? fragment)
    {
        var text = fragment ?? "";
        if (string.IsNullOrWhiteSpace(text)) return new FilterTranslation(text, [], null);
        if (!FluxLexer.TryLex(text, out var tokens, out var lexError))
            return new FilterTranslation(text, [], lexError);
        var filters = new List<TagFilter>();
        try
        {
            new FilterParser(tokens).ParsePipeline(filters);
        }
        catch (UntranslatableException ex)
        {
            return new FilterTranslation(text, [], ex.Message);
        }
        return new FilterTranslation(text, filters, null);
    }

    public static PostQueryOpTranslation TranslatePostQueryOp(string? fragment)
    {
        var text = fragment ?? "";
        if (string.IsNullOrWhiteSpace(text)) return new PostQueryOpTranslation(text, false, false, DefaultRateUnit,
            null);

        List<FluxCall> calls;
        try
        {
            if (!FluxLexer.TryLex(text, out var tokens, out var lexError)) throw new UntranslatableException(lexError!);
            calls = new CallParser(tokens, text).ParseCalls();
        }
        catch (UntranslatableException ex)
        {
            // Unparseable: still tell whether it looks like a counter.
            return new PostQueryOpTranslation(text, DerivativeCall().IsMatch(text), NonNegativeTrue().IsMatch(text),
                DefaultRateUnit, ex.Message);
        }

        var derivatives = calls.Where(c => c.Name == "derivative").ToList();
        var others = calls.Where(c => c.Name != "derivative").ToList();
        if (derivatives.Count == 0)
            return new PostQueryOpTranslation(text, false, false, DefaultRateUnit,
                "only derivative() can be translated (it marks the metric as a counter)");

        string? reason = null;
        string? part = null;
        var (nonNegative, unit, argProblem) = ReadDerivativeArgs(derivatives[0]);
        if (derivatives.Count > 1)
        {
            reason = "more than one derivative()";
        }
        else if (argProblem is not null)
        {
            reason = argProblem;
            part = derivatives[0].Text;
        }
        else if (others.Count > 0)
        {
            reason = $"only derivative() can be translated, not {string.Join(", ", others.Select(o => o.Name + "()"))}";
            part = string.Join(" ", others.Select(o => o.Text));
        }
        return new PostQueryOpTranslation(text, true, nonNegative, unit, reason, part);
    }

    private static (bool NonNegative, TimeSpan Unit, string? Problem) ReadDerivativeArgs(FluxCall call)
    {
        bool nonNegative = false;
        var unit = DefaultRateUnit;
        var t = call.Args;
        int i = 0;
        while (i < t.Count)
        {
            if (t[i].Kind != TokKind.Ident || i + 1 >= t.Count || t[i + 1].Kind != TokKind.Colon)
                return (nonNegative, unit, $"cannot read derivative() arguments near \"{t[i].Text}\"");
            var name = t[i].Text;
            i += 2;
            if (i >= t.Count) return (nonNegative, unit, $"derivative() argument \"{name}\" has no value");
            var v = t[i];
            switch (name)
            {
                case "unit":
                    if (v.Kind != TokKind.Duration ||
                        !GoDuration.TryParseCore(v.Text, allowDaysAndWeeks: true, out unit, out _)
                            || unit <= TimeSpan.Zero)
                        return (nonNegative, DefaultRateUnit,
                            $"derivative() unit \"{v.Text}\" is not a positive duration");
                    i++;
                    break;
                case "nonNegative":
                case "initialZero":
                    if (v.Kind != TokKind.Ident || v.Text is not ("true" or "false"))
                        return (nonNegative, unit, $"derivative() {name} must be true or false");
                    if (name == "nonNegative") nonNegative = v.Text == "true";
                    else if (v.Text == "true") return (nonNegative, unit,
                        "derivative() initialZero: true is not supported");
                    i++;
                    break;
                case "columns":
                    if (!(v.Kind == TokKind.LBracket && i + 2 < t.Count && t[i + 1].Kind == TokKind.String &&
                          t[i + 1].Value == "_value" && t[i + 2].Kind == TokKind.RBracket))
                        return (nonNegative, unit, "derivative() columns other than [\"_value\"] are not supported");
                    i += 3;
                    break;
                case "timeColumn":
                    if (!(v.Kind == TokKind.String && v.Value == "_time"))
                        return (nonNegative, unit, "derivative() timeColumn other than \"_time\" is not supported");
                    i++;
                    break;
                default:
                    return (nonNegative, unit, $"derivative() argument \"{name}\" is not supported");
            }
            if (i < t.Count)
            {
                if (t[i].Kind != TokKind.Comma) return (nonNegative, unit,
                    $"cannot read derivative() arguments near \"{t[i].Text}\"");
                i++;
            }
        }
        return (nonNegative, unit, null);
    }

    [GeneratedRegex(@"\bderivative\s*\(")]
    private static partial Regex DerivativeCall();

    [GeneratedRegex(@"\bnonNegative\s*:\s*true\b")]
    private static partial Regex NonNegativeTrue();

    // ------------------------------------------------------------------ parsing

    private sealed class UntranslatableException(string reason) : Exception(reason);

    private sealed record FluxCall(string Name, IReadOnlyList<Tok> Args, string Text);

    private abstract class ParserBase(IReadOnlyList<Tok> tokens)
    {
        protected int Pos;
        protected Tok Cur => tokens[Pos];
        protected Tok Peek(int n = 1) => tokens[Math.Min(Pos + n, tokens.Count - 1)];
        protected bool At(TokKind kind) => Cur.Kind == kind;
        protected bool AtIdent(string text) => Cur.Kind == TokKind.Ident && Cur.Text == text;
        protected Tok Next() => tokens[Pos++];

        protected Tok Expect(TokKind kind, string what)
        {
            if (!At(kind)) throw new UntranslatableException($"expected {what} but found {Describe(Cur)}");
            return Next();
        }

        protected static string Describe(Tok t) => t.Kind == TokKind.End ? "the end" : $"\"{t.Text}\"";
    }

    private sealed class FilterParser(IReadOnlyList<Tok> tokens) : ParserBase(tokens)
    {
        private enum OperandKind { Tag, String, Regex }

        private readonly record struct Operand(OperandKind Kind, string Value);

        public void ParsePipeline(List<TagFilter> filters)
        {
            bool first = true;
            while (!At(TokKind.End))
            {
                if (At(TokKind.Pipe)) Next();
                else if (!first) throw new UntranslatableException($"expected |> but found {Describe(Cur)}");
                first = false;

                var name = Expect(TokKind.Ident, "filter(").Text;
                if (At(TokKind.Dot) || name != "filter")
                    throw new UntranslatableException("only filter() steps can be translated, found " +
                        $"{name}{(At(TokKind.Dot) ? "." + Peek().Text : "")}()");
                Expect(TokKind.LParen, "(");
                bool sawFn = false;
                while (!At(TokKind.RParen))
                {
                    var arg = Expect(TokKind.Ident, "an argument name").Text;
                    Expect(TokKind.Colon, ":");
                    if (arg != "fn") throw new UntranslatableException($"filter() argument \"{arg}\" is not supported");
                    ParseLambda(filters);
                    sawFn = true;
                    if (At(TokKind.Comma)) Next();
                    else break;
                }
                Expect(TokKind.RParen, ")");
                if (!sawFn) throw new UntranslatableException("filter() has no fn");
            }
        }

        private void ParseLambda(List<TagFilter> filters)
        {
            Expect(TokKind.LParen, "(r) =>");
            var param = Expect(TokKind.Ident, "the row parameter").Text;
            Expect(TokKind.RParen, ")");
            Expect(TokKind.Arrow, "=>");
            if (At(TokKind.LBrace)) throw new UntranslatableException("function bodies in braces are not supported");
            ParseOr(param, filters);
        }

        private void ParseOr(string param, List<TagFilter> filters)
        {
            ParseAnd(param, filters);
            if (AtIdent("or"))
                throw new UntranslatableException("\"or\" cannot be expressed as and-combined tag filters");
        }

        private void ParseAnd(string param, List<TagFilter> filters)
        {
            ParseUnary(param, filters);
            while (AtIdent("and"))
            {
                Next();
                ParseUnary(param, filters);
            }
        }

        private void ParseUnary(string param, List<TagFilter> filters)
        {
            if (At(TokKind.LParen))
            {
                Next();
                ParseOr(param, filters);
                Expect(TokKind.RParen, ")");
                return;
            }
            if (AtIdent("not")) throw new UntranslatableException("\"not\" is not supported");
            if (AtIdent("exists")) throw new UntranslatableException("\"exists\" is not supported");
            ParseComparison(param, filters);
        }

        private void ParseComparison(string param, List<TagFilter> filters)
        {
            var left = ParseOperand(param);
            if (!At(TokKind.Op))
                throw new UntranslatableException($"expected a comparison (==, !=, =~, !~) but found {Describe(Cur)}");
            var op = Next().Text;
            switch (op)
            {
                case "<" or ">" or "<=" or ">=":
                    throw new UntranslatableException($"ordering comparison \"{op}\" is not a tag filter");
                case "==" or "!=" or "=~" or "!~":
                    break;
                default:
                    throw new UntranslatableException($"operator \"{op}\" is not supported");
            }
            var right = ParseOperand(param);

            Operand tag, value;
            if (op is "=~" or "!~")
            {
                if (left.Kind != OperandKind.Tag || right.Kind != OperandKind.Regex)
                    throw new UntranslatableException(
                        $"\"{op}\" needs a column on the left and a /regex/ on the right");
                (tag, value) = (left, right);
            }
            else if (left.Kind == OperandKind.Tag && right.Kind == OperandKind.String) (tag, value) = (left, right);
            else if (left.Kind == OperandKind.String && right.Kind == OperandKind.Tag) (tag, value) = (right, left);
            else if (left.Kind == OperandKind.Tag && right.Kind == OperandKind.Tag)
                throw new UntranslatableException("comparing two columns is not a tag filter");
            else
                throw new UntranslatableException($"\"{op}\" needs a column and a string");

            if (tag.Value.StartsWith('_'))
                throw new UntranslatableException($"\"{tag.Value}\" is not a tag (only tag filters can be translated)");
            filters.Add(new TagFilter(tag.Value, op == "==" ? TagFilter.Equal : op, value.Value));
        }

        private Operand ParseOperand(string param)
        {
            var t = Cur;
            switch (t.Kind)
            {
                case TokKind.Ident when t.Text == param:
                    Next();
                    if (At(TokKind.LBracket))
                    {
                        Next();
                        var key = Expect(TokKind.String, "a quoted column name");
                        if (key.Interpolated)
                            throw new UntranslatableException("string interpolation is not supported");
                        Expect(TokKind.RBracket, "]");
                        return new Operand(OperandKind.Tag, key.Value!);
                    }
                    if (At(TokKind.Dot))
                    {
                        Next();
                        return new Operand(OperandKind.Tag, Expect(TokKind.Ident, "a column name").Text);
                    }
                    throw new UntranslatableException($"\"{param}\" must be followed by [\"column\"] or .column");
                case TokKind.String:
                    if (t.Interpolated) throw new UntranslatableException("string interpolation is not supported");
                    Next();
                    return new Operand(OperandKind.String, t.Value!);
                case TokKind.Regex:
                    Next();
                    return new Operand(OperandKind.Regex, t.Value!);
                case TokKind.Number or TokKind.Duration:
                    throw new UntranslatableException($"numeric comparison with {t.Text} is not a tag filter");
                case TokKind.Op when t.Text is "-" or "+":
                    throw new UntranslatableException("numeric comparison is not a tag filter");
                case TokKind.Ident when t.Text is "true" or "false":
                    throw new UntranslatableException($"boolean comparison with {t.Text} is not a tag filter");
                case TokKind.Ident when Peek().Kind is TokKind.LParen or TokKind.Dot:
                    throw new UntranslatableException("function calls are not supported " +
                        $"({t.Text}{(Peek().Kind == TokKind.Dot ? "." + Peek(2).Text : "")}(…))");
                case TokKind.Ident:
                    throw new UntranslatableException($"unknown identifier \"{t.Text}\"");
                default:
                    throw new UntranslatableException($"unexpected {Describe(t)}");
            }
        }
    }

    /// <summary>Splits a pipeline into calls (<c>|&gt; name(args…)</c>) without interpreting the arguments.</summary>
    private sealed class CallParser(IReadOnlyList<Tok> tokens, string source) : ParserBase(tokens)
    {
        private readonly IReadOnlyList<Tok> _tokens = tokens;

        public List<FluxCall> ParseCalls()
        {
            var calls = new List<FluxCall>();
            bool first = true;
            while (!At(TokKind.End))
            {
                int start = Cur.Start;
                if (At(TokKind.Pipe)) Next();
                else if (!first) throw new UntranslatableException($"expected |> but found {Describe(Cur)}");
                first = false;
                var name = Expect(TokKind.Ident, "a function call").Text;
                while (At(TokKind.Dot))
                {
                    Next();
                    name += "." + Expect(TokKind.Ident, "a function name").Text;
                }
                Expect(TokKind.LParen, "(");
                int argStart = Pos;
                int depth = 0;
                while (!(depth == 0 && At(TokKind.RParen)))
                {
                    if (At(TokKind.End)) throw new UntranslatableException($"unbalanced parentheses in {name}(");
                    if (Cur.Kind is TokKind.LParen or TokKind.LBracket or TokKind.LBrace) depth++;
                    if (Cur.Kind is TokKind.RParen or TokKind.RBracket or TokKind.RBrace) depth--;
                    Next();
                }
                var args = _tokens.Skip(argStart).Take(Pos - argStart).ToList();
                var close = Next();
                calls.Add(new FluxCall(name, args, source[start..close.End]));
            }
            return calls;
        }
    }
}

internal enum TokKind { Pipe, LParen, RParen, LBracket, RBracket, LBrace, RBrace, Colon, Comma, Dot, Arrow, Op, Ident,
    String, Regex, Number, Duration, End }

/// <param name="Value">Unescaped content of strings and regexes.</param>
/// <param name="Interpolated">A string containing <c>${…}</c>.</param>
internal readonly record struct Tok(TokKind Kind, string Text, int Start, int End, string? Value = null,
    bool Interpolated = false);

/// <summary>Tokens of the Flux subset found in the original's configs.</summary>
internal static class FluxLexer
{
    public static bool TryLex(string s, out List<Tok> tokens, out string? error)
    {
        tokens = [];
        error = null;
        int i = 0;
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            if (i >= s.Length) break;
            char c = s[i];
            int start = i;
            char next = i + 1 < s.Length ? s[i + 1] : '\0';

            if (c == '/' && next == '/' && !ExpectsRegex(tokens))
            {
                while (i < s.Length && s[i] != '\n') i++; // comment
                continue;
            }
            if (c == '/' && ExpectsRegex(tokens))
            {
                var sb = new StringBuilder();
                i++;
                bool closed = false;
                while (i < s.Length)
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        if (s[i + 1] == '/') sb.Append('/');
                        else sb.Append(s[i]).Append(s[i + 1]);
                        i += 2;
                        continue;
                    }
                    if (s[i] == '/')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    sb.Append(s[i++]);
                }
                if (!closed)
                {
                    error = "unterminated /regex/";
                    return false;
                }
                tokens.Add(new Tok(TokKind.Regex, s[start..i], start, i, sb.ToString()));
                continue;
            }
            if (c == '"')
            {
                var sb = new StringBuilder();
                bool interpolated = false;
                i++;
                bool closed = false;
                while (i < s.Length)
                {
                    char ch = s[i];
                    if (ch == '\\')
                    {
                        if (i + 1 >= s.Length) break;
                        char e = s[i + 1];
                        switch (e)
                        {
                            case 'n': sb.Append('\n'); i += 2; continue;
                            case 't': sb.Append('\t'); i += 2; continue;
                            case 'r': sb.Append('\r'); i += 2; continue;
                            case '"' or '\\' or '$': sb.Append(e); i += 2; continue;
                            case 'x' when i + 3 < s.Length &&
                                          byte.TryParse(s.AsSpan(i + 2, 2), NumberStyles.HexNumber,
                                              CultureInfo.InvariantCulture, out var b):
                                sb.Append((char)b); i += 4; continue;
                            default:
                                error = $"invalid escape \\{e} in a string";
                                return false;
                        }
                    }
                    if (ch == '$' && i + 1 < s.Length && s[i + 1] == '{') interpolated = true;
                    if (ch == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    sb.Append(ch);
                    i++;
                }
                if (!closed)
                {
                    error = "unterminated string";
                    return false;
                }
                tokens.Add(new Tok(TokKind.String, s[start..i], start, i, sb.ToString(), interpolated));
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
                if (i + 1 < s.Length && s[i] == '.' && char.IsAsciiDigit(s[i + 1]))
                {
                    i++;
                    while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
                }
                if (i < s.Length && IsUnitChar(s[i]))
                {
                    while (i < s.Length && (IsUnitChar(s[i]) || char.IsAsciiDigit(s[i]))) i++;
                    tokens.Add(new Tok(TokKind.Duration, s[start..i], start, i));
                }
                else
                {
                    tokens.Add(new Tok(TokKind.Number, s[start..i], start, i));
                }
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_')) i++;
                tokens.Add(new Tok(TokKind.Ident, s[start..i], start, i));
                continue;
            }

            string two = s.Substring(i, Math.Min(2, s.Length - i));
            (TokKind kind, int len)? tok = two switch
            {
                "|>" => (TokKind.Pipe, 2),
                "=>" => (TokKind.Arrow, 2),
                "==" or "!=" or "=~" or "!~" or "<=" or ">=" => (TokKind.Op, 2),
                _ => c switch
                {
                    '(' => (TokKind.LParen, 1),
                    ')' => (TokKind.RParen, 1),
                    '[' => (TokKind.LBracket, 1),
                    ']' => (TokKind.RBracket, 1),
                    '{' => (TokKind.LBrace, 1),
                    '}' => (TokKind.RBrace, 1),
                    ':' => (TokKind.Colon, 1),
                    ',' => (TokKind.Comma, 1),
                    '.' => (TokKind.Dot, 1),
                    '<' or '>' or '=' or '+' or '-' or '*' or '/' or '%' or '^' => (TokKind.Op, 1),
                    _ => null,
                },
            };
            if (tok is null)
            {
                error = $"unexpected character '{c}'";
                return false;
            }
            i += tok.Value.len;
            tokens.Add(new Tok(tok.Value.kind, s[start..i], start, i));
        }
        tokens.Add(new Tok(TokKind.End, "", s.Length, s.Length));
        return true;
    }

    private static bool ExpectsRegex(List<Tok> tokens) =>
        tokens.Count > 0 && tokens[^1].Kind == TokKind.Op && tokens[^1].Text is "=~" or "!~";

    private static bool IsUnitChar(char c) => c is >= 'a' and <= 'z' or '\u00b5' or '\u03bc';
}
