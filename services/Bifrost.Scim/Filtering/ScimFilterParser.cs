namespace Bifrost.Scim;

/// <summary>
/// Recursive-descent parser for filters (RFC 7644 §3.4.2.2) and attribute paths (§3.10, §3.5.2), working on a
/// string index without regular expressions. Precedence: not &gt; and &gt; or. Keywords and operators are
/// case-insensitive. Lenient where Entra needs it: unquoted words are string values (<c>externalId eq jyoung</c>),
/// and <c>attr[filter].sub op value</c> is accepted. Input is bounded by <see cref="ScimFilter.MaxLength"/> and nesting by
/// <see cref="ScimFilter.MaxDepth"/>, so hostile input fails with a 400 instead of exhausting the stack.
/// </summary>
internal struct ScimFilterParser
{
    public const int MaxLength = ScimFilter.MaxLength;
    public const int MaxDepth = ScimFilter.MaxDepth;

    private readonly string _text;
    private readonly string _errorType;
    private int _position;
    private int _depth;
    private bool _inValueFilter;

    private ScimFilterParser(string text, string errorType)
    {
        _text = text;
        _errorType = errorType;
    }

    public static ScimFilter Parse(string text, string errorType)
    {
        var parser = Create(text, errorType, "filter");
        var filter = parser.ParseOr();
        parser.ExpectEnd();
        return filter;
    }

    public static ScimAttributePath ParsePath(string text, string errorType)
    {
        var parser = Create(text, errorType, "path");
        var path = parser.ParseAttributePath();
        parser.ExpectEnd();
        return path;
    }

    private static ScimFilterParser Create(string? text, string errorType, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw ScimException.BadRequest(errorType, $"The {what} is empty.");
        }
        if (text.Length > MaxLength)
        {
            throw ScimException.BadRequest(errorType, $"The {what} is {text.Length} characters long; at most {MaxLength} are allowed.");
        }
        return new ScimFilterParser(text, errorType);
    }

    private readonly bool AtEnd => _position >= _text.Length;

    private readonly char Current => _text[_position];

    private ScimFilter ParseOr()
    {
        var left = ParseAnd();
        while (TryKeyword("or"))
        {
            left = new ScimLogicalFilter(ScimLogicalOperator.Or, left, ParseAnd());
        }
        return left;
    }

    private ScimFilter ParseAnd()
    {
        var left = ParseUnary();
        while (TryKeyword("and"))
        {
            left = new ScimLogicalFilter(ScimLogicalOperator.And, left, ParseUnary());
        }
        return left;
    }

    private ScimFilter ParseUnary()
    {
        SkipWhitespace();
        if (AtEnd)
        {
            throw Error("expected an attribute path, 'not' or '('");
        }
        if (Current == '(')
        {
            return ParseGroup();
        }
        var word = PeekWord();
        if (word.Equals("not", StringComparison.OrdinalIgnoreCase) && NextNonWhitespace(_position + word.Length) == '(')
        {
            _position += word.Length;
            SkipWhitespace();
            return new ScimNotFilter(ParseGroup());
        }
        return ParseAttributeExpression();
    }

    private ScimFilter ParseGroup()
    {
        var open = _position++;
        Enter();
        var inner = ParseOr();
        Expect(')', $"to close the '(' at position {open}");
        _depth--;
        return inner;
    }

    private ScimFilter ParseAttributeExpression()
    {
        var path = ParseAttributePath();
        SkipWhitespace();
        var start = _position;
        var word = ReadWord();
        var present = word.Equals("pr", StringComparison.OrdinalIgnoreCase);
        var op = default(ScimComparisonOperator);
        if (!present && !TryOperator(word, out op))
        {
            _position = start;
            if (path.ValueFilter is not null && path.SubAttributeName is null)
            {
                return new ScimValuePathFilter(path);
            }
            throw Error(word.IsEmpty
                ? $"expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after '{path}'"
                : $"unknown operator '{word}' after '{path}'");
        }
        return present ? new ScimPresentFilter(path) : new ScimComparisonFilter(path, op, ParseValue());
    }

    private ScimAttributePath ParseAttributePath()
    {
        SkipWhitespace();
        var start = _position;
        var token = ReadToken();
        if (token.IsEmpty)
        {
            throw Error("expected an attribute path");
        }
        var colon = token.LastIndexOf(':');
        var rest = token[(colon + 1)..];
        var dot = rest.IndexOf('.');
        var name = ValidateName(dot < 0 ? rest : rest[..dot], start + colon + 1);
        var sub = dot < 0 ? null : ValidateName(rest[(dot + 1)..], start + colon + 2 + dot);
        string? uri = null;
        if (colon >= 0)
        {
            uri = token[..colon].ToString();
            if (uri.EndsWith(':') || colon == 0)
            {
                throw Error("the schema URI before the attribute name is malformed", start);
            }
        }
        if (AtEnd || Current != '[')
        {
            return new ScimAttributePath(uri, name, sub);
        }
        if (sub is not null || _inValueFilter)
        {
            throw Error(sub is not null ? "a value filter must follow the attribute name, not a sub-attribute" : "value filters cannot be nested");
        }
        var open = _position++;
        Enter();
        _inValueFilter = true;
        var filter = ParseOr();
        _inValueFilter = false;
        Expect(']', $"to close the '[' at position {open}");
        _depth--;
        if (!AtEnd && Current == '.')
        {
            var subStart = ++_position;
            sub = ValidateName(ReadToken(), subStart);
        }
        return new ScimAttributePath(uri, name, sub, filter);
    }

    private object? ParseValue()
    {
        SkipWhitespace();
        if (AtEnd)
        {
            throw Error("expected a value (a quoted string, number, true, false or null)");
        }
        if (Current == '"')
        {
            return ParseString();
        }
        var token = ReadToken();
        if (token.IsEmpty)
        {
            throw Error("expected a value (a quoted string, number, true, false or null)");
        }
        if (token.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (token.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (token.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        // A number only when it renders back to the same text, so "00012" stays the string an employee number is.
        return decimal.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && token.SequenceEqual(number.ToString(CultureInfo.InvariantCulture))
                ? number
                : token.ToString();
    }

    private string ParseString()
    {
        var quote = _position++;
        var start = _position;
        StringBuilder? builder = null;
        while (true)
        {
            if (AtEnd)
            {
                throw Error($"the string starting at position {quote} is not terminated", quote);
            }
            var c = _text[_position];
            if (c == '"')
            {
                var end = _position++;
                return builder is null ? _text[start..end] : builder.Append(_text, start, end - start).ToString();
            }
            if (c != '\\')
            {
                _position++;
                continue;
            }
            builder ??= new StringBuilder();
            builder.Append(_text, start, _position - start).Append(ReadEscape());
            start = _position;
        }
    }

    private char ReadEscape()
    {
        var backslash = _position++;
        if (AtEnd)
        {
            throw Error("incomplete escape sequence", backslash);
        }
        var c = _text[_position++];
        switch (c)
        {
            case '"' or '\\' or '/':
                return c;
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'u' when _position + 4 <= _text.Length
                && ushort.TryParse(_text.AsSpan(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                _position += 4;
                return (char)code;
            default:
                throw Error($"invalid escape sequence '\\{c}'", backslash);
        }
    }

    private bool TryKeyword(string keyword)
    {
        SkipWhitespace();
        if (AtEnd || Current is ')' or ']')
        {
            return false;
        }
        var word = PeekWord();
        if (!word.Equals(keyword, StringComparison.OrdinalIgnoreCase))
        {
            if (word.Equals("and", StringComparison.OrdinalIgnoreCase) || word.Equals("or", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            var expected = _inValueFilter ? "expected 'and', 'or' or ']'" : _depth > 0 ? "expected 'and', 'or' or ')'" : "expected 'and', 'or' or the end of the filter";
            throw Error(word.IsEmpty ? expected : $"{expected}, found '{word}'");
        }
        _position += word.Length;
        return true;
    }

    private void Expect(char expected, string why)
    {
        SkipWhitespace();
        if (AtEnd || Current != expected)
        {
            throw Error($"expected '{expected}' {why}");
        }
        _position++;
    }

    private void ExpectEnd()
    {
        SkipWhitespace();
        if (!AtEnd)
        {
            throw Error($"unexpected '{Current}'");
        }
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw Error($"nesting is deeper than {MaxDepth} levels");
        }
    }

    private readonly ReadOnlySpan<char> PeekWord()
    {
        var end = _position;
        while (end < _text.Length && char.IsAsciiLetter(_text[end]))
        {
            end++;
        }
        return _text.AsSpan(_position, end - _position);
    }

    /// <summary>Reads up to the next whitespace, parenthesis, bracket or quote.</summary>
    private ReadOnlySpan<char> ReadToken()
    {
        var start = _position;
        while (!AtEnd && !IsDelimiter(Current))
        {
            _position++;
        }
        return _text.AsSpan(start, _position - start);
    }

    private ReadOnlySpan<char> ReadWord()
    {
        var word = PeekWord();
        _position += word.Length;
        return word;
    }

    private readonly char NextNonWhitespace(int index)
    {
        while (index < _text.Length && char.IsWhiteSpace(_text[index]))
        {
            index++;
        }
        return index < _text.Length ? _text[index] : '\0';
    }

    private void SkipWhitespace()
    {
        while (!AtEnd && char.IsWhiteSpace(Current))
        {
            _position++;
        }
    }

    private readonly string ValidateName(ReadOnlySpan<char> name, int position)
    {
        if (name.IsEmpty)
        {
            throw Error("expected an attribute name", position);
        }
        if (!IsNameStart(name[0]))
        {
            throw Error($"'{name[0]}' cannot start an attribute name", position);
        }
        for (var i = 1; i < name.Length; i++)
        {
            if (!IsNameStart(name[i]) && !char.IsAsciiDigit(name[i]) && name[i] != '-')
            {
                throw Error($"'{name[i]}' is not allowed in an attribute name", position + i);
            }
        }
        return name.ToString();
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c is '_' or '$';

    private static bool IsDelimiter(char c) => char.IsWhiteSpace(c) || c is '(' or ')' or '[' or ']' or '"';

    private static bool TryOperator(ReadOnlySpan<char> word, out ScimComparisonOperator op) =>
        Enum.TryParse(word, ignoreCase: true, out op) && word.Length == 2 && char.IsAsciiLetter(word[0]) && Enum.IsDefined(op);

    private readonly ScimException Error(string message, int? position = null)
    {
        var at = position ?? _position;
        var kind = _errorType == ScimErrorType.InvalidFilter ? "filter" : "path";
        return ScimException.BadRequest(_errorType, $"Invalid {kind} at position {at}: {message}.");
    }
}
