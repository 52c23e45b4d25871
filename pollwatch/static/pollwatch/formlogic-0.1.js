// Form logic in the browser: the expression language of pollwatch/formspec/expr.py,
// evaluated on the phone with the same results as on the server.
//
// The server parses expressions with Python's `ast` and whitelists the nodes; this
// file has its own tokenizer and recursive-descent parser for the part of Python's
// expression grammar that can appear, builds the same tree, refuses the same
// nodes with the same messages, and evaluates with Python's semantics:
//
// * ints are BigInt inside (exact, as Python's), floats are Numbers; 1 == 1.0;
// * `<` between text and a number is a type error, so the expression is UNKNOWN;
// * and/or/not follow three-valued logic: a missing answer only matters when it
//   could change the result; a type error anywhere makes the whole result UNKNOWN;
// * sum() adds in the order and with the float compensation of CPython 3.12.
//
// No eval, no Function. pollwatch/formspec/vectors.json holds the cases both
// evaluators must agree on (pollwatch/formspec/tests/test_vectors.py runs them).
//
// Browser: window.PollwatchLogic; Node: module.exports.
(function (root) {
  "use strict";

  const MAX_EXPRESSION_LENGTH = 1000;
  const MAX_RANGE = 200;
  const MAX_DEPTH = 40;
  const MAX_NESTED_BRACKETS = 200; // CPython's tokenizer limit
  const MAX_INT_CONSTANT = 10n ** 15n;
  const LONG_MIN = -(2n ** 63n);
  const LONG_MAX = 2n ** 63n - 1n;
  const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,15}$/;

  class ExpressionError extends Error {
    constructor(message) {
      super(message);
      this.name = "ExpressionError";
    }
  }

  // The value of an expression over answers that are missing.
  const UNKNOWN = Object.freeze({ toString: () => "UNKNOWN", toJSON: () => "UNKNOWN" });

  // Raised inside evaluation: an answer is missing / Python would raise TypeError.
  const MISSING = { missing: true };
  class PyTypeError extends Error {}

  // ---- text helpers with Python's notion of characters and whitespace ----

  const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");
  const WORD = "[\\p{L}\\p{N}_]";
  // Two upper-case codes with the same letter prefix around "..", e.g. C1..C12 (as expr._RANGE).
  const RANGE = new RegExp(
    `(?<!${WORD})([A-Z][A-Z_]*?)(\\p{Nd}+)[${PY_SPACE}]*\\.\\.[${PY_SPACE}]*([A-Z][A-Z_]*?)(\\p{Nd}+)(?!${WORD})`,
    "gu",
  );
  const ND = /^\p{Nd}$/u;

  function codePointLength(text) {
    let count = 0;
    for (const _ of text) count += 1; // eslint-disable-line no-unused-vars
    return count;
  }

  function decimalValue(digits) {
    // Unicode decimal digits come in runs of whole 0..9 blocks.
    let value = 0n;
    for (const ch of digits) {
      let cp = ch.codePointAt(0);
      let start = cp;
      while (ND.test(String.fromCodePoint(start - 1))) start -= 1;
      value = value * 10n + BigInt((cp - start) % 10);
    }
    return value;
  }

  function isPrintable(ch) {
    if (ch === " ") return true;
    return !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch);
  }

  // Python's repr() of a str.
  function reprString(text) {
    const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
    let out = quote;
    for (const ch of text) {
      const cp = ch.codePointAt(0);
      if (ch === quote || ch === "\\") out += "\\" + ch;
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch === "\t") out += "\\t";
      else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
      else if (isPrintable(ch)) out += ch;
      else if (cp <= 0xff) out += "\\x" + cp.toString(16).padStart(2, "0");
      else if (cp <= 0xffff) out += "\\u" + cp.toString(16).padStart(4, "0");
      else out += "\\U" + cp.toString(16).padStart(8, "0");
    }
    return out + quote;
  }

  function reprBytes(bytes) {
    const quote = bytes.includes("'") && !bytes.includes('"') ? '"' : "'";
    let out = "b" + quote;
    for (const ch of bytes) {
      const cp = ch.charCodeAt(0);
      if (ch === quote || ch === "\\") out += "\\" + ch;
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch === "\t") out += "\\t";
      else if (cp < 0x20 || cp >= 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
      else out += ch;
    }
    return out + quote;
  }

  // Python's repr() of a float.
  function reprFloat(x) {
    if (Number.isNaN(x)) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const [mantissa, exponentText] = x.toExponential().split("e");
    const exponent = Number(exponentText);
    const negative = mantissa.startsWith("-");
    const digits = mantissa.replace("-", "").replace(".", "");
    let body;
    if (exponent >= -4 && exponent < 16) {
      if (exponent < 0) body = "0." + "0".repeat(-exponent - 1) + digits;
      else if (digits.length <= exponent + 1) body = digits + "0".repeat(exponent + 1 - digits.length) + ".0";
      else body = digits.slice(0, exponent + 1) + "." + digits.slice(exponent + 1);
    } else {
      const sign = exponent < 0 ? "-" : "+";
      const magnitude = String(Math.abs(exponent)).padStart(2, "0");
      body = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + sign + magnitude;
    }
    return (negative ? "-" : "") + body;
  }

  function reprValue(value) {
    if (value === true) return "True";
    if (value === false) return "False";
    if (value === null) return "None";
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number") return reprFloat(value);
    if (typeof value === "string") return reprString(value);
    if (value.ellipsis) return "Ellipsis";
    if ("bytes" in value) return reprBytes(value.bytes);
    if ("imag" in value) {
      const text = reprFloat(value.imag);
      return (text.endsWith(".0") ? text.slice(0, -2) : text) + "j";
    }
    return String(value);
  }

  // ---- range shorthand ----

  function expandRanges(source) {
    return source.replace(RANGE, (whole, prefix, start, prefixEnd, end) => {
      if (prefix !== prefixEnd) {
        throw new ExpressionError(`range ${reprString(whole)}: both ends must share the prefix`);
      }
      const first = decimalValue(start);
      const last = decimalValue(end);
      if (last < first) throw new ExpressionError(`range ${reprString(whole)} runs backwards`);
      if (last - first >= BigInt(MAX_RANGE)) {
        throw new ExpressionError(`range ${reprString(whole)} is longer than ${MAX_RANGE}`);
      }
      const codes = [];
      for (let i = first; i <= last; i += 1n) codes.push(prefix + i.toString());
      return codes.join(", ");
    });
  }

  // ---- tokenizer ----

  const KEYWORDS = new Set(
    ("False None True and as assert async await break class continue def del elif else except " +
      "finally for from global if import in is lambda nonlocal not or pass raise return try while with yield").split(" "),
  );
  const OPERATORS = [
    "**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=", ":=",
    "<<", "<=", "==", ">=", ">>", "@=", "^=", "|=", "%", "&", "(", ")", "*", "+", ",", "-", ".", "/",
    ":", ";", "<", "=", ">", "@", "[", "]", "^", "{", "|", "}", "~",
  ];
  const NAME_START = /[A-Za-z_\p{XID_Start}]/uy;
  const NAME_REST = /[\p{XID_Continue}]*/uy;
  const STRING_PREFIX = /^(?:[rRuUbBfF]|[bB][rR]|[rR][bB]|[fF][rR]|[rR][fF])$/;
  const DIGITS = "[0-9](?:_?[0-9])*";
  const NUMBER = new RegExp(
    `0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|` +
      `(?:(${DIGITS})(\\.(?:${DIGITS})?)?|\\.${DIGITS})([eE][+-]?${DIGITS})?([jJ])?`,
    "y",
  );

  function syntaxError(message) {
    return new ExpressionError(`syntax error: ${message}`);
  }

  function tokenize(text) {
    const tokens = [];
    const brackets = [];
    let pos = 0;
    let lineStart = 0;
    const push = (type, value, start) => tokens.push({ type, value, start, end: pos });
    while (pos < text.length) {
      const ch = text[pos];
      if (ch === " " || ch === "\t" || ch === "\f") {
        pos += 1;
        continue;
      }
      if (ch === "#") {
        while (pos < text.length && text[pos] !== "\n") pos += 1;
        continue;
      }
      if (ch === "\\") {
        if (text[pos + 1] === "\n") pos += 2;
        else throw syntaxError("unexpected character after line continuation character");
        continue;
      }
      if (ch === "\n") {
        const start = pos;
        pos += 1;
        lineStart = pos;
        // Lines holding only comments end nothing (Python's NL, not NEWLINE).
        const last = tokens[tokens.length - 1];
        if (brackets.length === 0 && last && last.type !== "newline") push("newline", "\n", start);
        continue;
      }
      const start = pos;
      if (tokens.length === 0 && /^[ \t\f]+$/.test(text.slice(lineStart, start))) throw syntaxError("unexpected indent");
      NAME_START.lastIndex = pos;
      if (NAME_START.test(text)) {
        NAME_REST.lastIndex = NAME_START.lastIndex;
        NAME_REST.test(text);
        let name = text.slice(pos, NAME_REST.lastIndex);
        const next = text[NAME_REST.lastIndex];
        if ((next === "'" || next === '"') && STRING_PREFIX.test(name)) {
          pos = NAME_REST.lastIndex;
          const token = readString(text, name.toLowerCase());
          pos = token.end;
          push("string", token, start);
          continue;
        }
        pos = NAME_REST.lastIndex;
        if (/[^\x00-\x7f]/.test(name)) name = name.normalize("NFKC");
        push(KEYWORDS.has(name) ? "keyword" : "name", name, start);
        continue;
      }
      if (ch === "'" || ch === '"') {
        const token = readString(text, "", pos);
        pos = token.end;
        push("string", token, start);
        continue;
      }
      if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(text[pos + 1] || ""))) {
        pos = readNumber(text, pos, tokens);
        continue;
      }
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, pos));
      if (!op) {
        const cp = text.codePointAt(pos);
        throw syntaxError(`invalid character ${reprString(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, "0")})`);
      }
      pos += op.length;
      if (op === "(" || op === "[" || op === "{") {
        if (brackets.length >= MAX_NESTED_BRACKETS) throw syntaxError("too many nested parentheses");
        brackets.push(op);
      } else if (op === ")" || op === "]" || op === "}") {
        const open = brackets.pop();
        if (!open) throw syntaxError(`unmatched '${op}'`);
        if ({ "(": ")", "[": "]", "{": "}" }[open] !== op) {
          throw syntaxError(`closing parenthesis '${op}' does not match opening parenthesis '${open}'`);
        }
      }
      push("op", op, start);
    }
    if (brackets.length) throw syntaxError(`'${brackets[brackets.length - 1]}' was never closed`);
    tokens.push({ type: "eof", value: "", start: pos, end: pos });
    return tokens;

    function readString(source, prefix, at) {
      let p = at === undefined ? pos : at;
      const quote = source[p];
      const triple = source.startsWith(quote.repeat(3), p);
      const delimiter = triple ? quote.repeat(3) : quote;
      p += delimiter.length;
      const bodyStart = p;
      const isF = prefix.includes("f");
      let depth = 0;
      for (;;) {
        if (p >= source.length) throw syntaxError("unterminated string literal");
        const c = source[p];
        if (isF && depth > 0) {
          if (c === "'" || c === '"') {
            p = readString(source, "", p).end;
            continue;
          }
          if (c === "{" || c === "[" || c === "(") depth += 1;
          else if (c === "}" || c === "]" || c === ")") depth -= 1;
          p += 1;
          continue;
        }
        if (c === "\\") {
          p += 2;
          continue;
        }
        if (!triple && (c === "\n" || c === "\r")) throw syntaxError("unterminated string literal");
        if (isF && c === "{") {
          if (source[p + 1] === "{") p += 2;
          else {
            depth = 1;
            p += 1;
          }
          continue;
        }
        if (source.startsWith(delimiter, p)) break;
        p += 1;
      }
      const body = source.slice(bodyStart, p);
      const end = p + delimiter.length;
      if (isF) return { kind: "fstring", value: body, end };
      const raw = prefix.includes("r");
      if (prefix.includes("b")) {
        if (/[^\x00-\x7f]/.test(body)) throw syntaxError("bytes can only contain ASCII literal characters");
        return { kind: "bytes", value: raw ? body : unescape(body, true), end };
      }
      return { kind: "str", value: raw ? body : unescape(body, false), end };
    }

    function readNumber(source, at) {
      NUMBER.lastIndex = at;
      const match = NUMBER.exec(source);
      if (!match || match[0] === "") throw syntaxError("invalid decimal literal");
      const literal = match[0];
      let end = at + literal.length;
      const clean = literal.replace(/_/g, "");
      let value;
      const [, intPart, fraction, exponent, imaginary] = match;
      if (/^0[xXoObB]/.test(literal)) value = BigInt(clean.toLowerCase());
      else if (imaginary) value = { imag: Number(clean.slice(0, -1)) };
      else if (fraction !== undefined || exponent !== undefined || intPart === undefined) value = Number(clean);
      else {
        if (/^0/.test(clean) && /[1-9]/.test(clean)) {
          throw syntaxError("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
        }
        value = BigInt(clean);
      }
      // As CPython: "1and" is "1 and" (with a warning), "1abc" is an error.
      const rest = source.slice(end);
      if (/^[\p{XID_Continue}]/u.test(rest) && !/^(?:and|else|for|if|in|is|not|or)/.test(rest)) {
        throw syntaxError("invalid decimal literal");
      }
      tokens.push({ type: "number", value, start: at, end });
      return end;
    }
  }

  function unescape(body, bytes) {
    let out = "";
    for (let i = 0; i < body.length; i += 1) {
      const c = body[i];
      if (c !== "\\") {
        out += c;
        continue;
      }
      const n = body[i + 1];
      i += 1;
      const simple = { "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
      if (n === "\n") continue;
      if (n === "\r") {
        if (body[i + 1] === "\n") i += 1;
        continue;
      }
      if (n in simple) out += simple[n];
      else if (/[0-7]/.test(n)) {
        let digits = n;
        while (digits.length < 3 && /[0-7]/.test(body[i + 1] || "")) digits += body[(i += 1)];
        const code = parseInt(digits, 8);
        if (bytes) out += String.fromCharCode(code & 0xff);
        else out += String.fromCodePoint(code);
      } else if (n === "x") {
        const hex = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw syntaxError("(unicode error) truncated \\xXX escape");
        out += String.fromCharCode(parseInt(hex, 16));
        i += 2;
      } else if (!bytes && (n === "u" || n === "U")) {
        const size = n === "u" ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + size);
        if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(hex)) {
          throw syntaxError(`(unicode error) truncated \\${n}${"X".repeat(size)} escape`);
        }
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) throw syntaxError("(unicode error) illegal Unicode character");
        out += code >= 0xd800 && code <= 0xdfff ? String.fromCharCode(code) : String.fromCodePoint(code);
        i += size;
      } else if (!bytes && n === "N") {
        // Unicode names are not bundled here; the phone refuses what it cannot read.
        throw syntaxError("(unicode error) \\N{...} escapes are not supported on the phone");
      } else out += "\\" + n;
    }
    return out;
  }

  // ---- parser: builds nodes shaped like Python's ast ----

  const COMPARE_OPS = { "==": "Eq", "!=": "NotEq", "<": "Lt", "<=": "LtE", ">": "Gt", ">=": "GtE" };
  const BINARY_LEVELS = [
    { "|": "BitOr" },
    { "^": "BitXor" },
    { "&": "BitAnd" },
    { "<<": "LShift", ">>": "RShift" },
    { "+": "Add", "-": "Sub" },
    { "*": "Mult", "/": "Div", "//": "FloorDiv", "%": "Mod", "@": "MatMult" },
  ];

  function parse(text) {
    const tokens = tokenize(text);
    let index = 0;
    const peek = (offset = 0) => tokens[Math.min(index + offset, tokens.length - 1)];
    const isOp = (value, offset = 0) => peek(offset).type === "op" && peek(offset).value === value;
    const isKeyword = (value, offset = 0) => peek(offset).type === "keyword" && peek(offset).value === value;
    const next = () => tokens[index++];
    const fail = () => {
      const token = peek();
      throw syntaxError(token.type === "eof" || token.type === "newline" ? "invalid syntax" : `invalid syntax at ${reprString(text.slice(token.start, token.end))}`);
    };
    const expectOp = (value) => {
      if (!isOp(value)) fail();
      return next();
    };
    const node = (t, start, fields) => Object.assign({ t, start: start.start, end: tokens[index - 1].end }, fields);

    function parseTop() {
      if (peek().type === "eof" || peek().type === "newline") fail();
      const start = peek();
      const first = parseExpression();
      let result = first;
      if (isOp(",")) {
        const elts = [first];
        while (isOp(",")) {
          next();
          if (atEndOfTop()) break;
          elts.push(parseExpression());
        }
        result = node("Tuple", start, { elts });
      }
      while (peek().type === "newline") next();
      if (peek().type !== "eof") fail();
      return result;
    }
    const atEndOfTop = () => peek().type === "eof" || peek().type === "newline";

    function parseExpression() {
      const start = peek();
      if (isKeyword("lambda")) return parseLambda();
      const body = parseDisjunction();
      if (isKeyword("if")) {
        next();
        const test = parseDisjunction();
        if (!isKeyword("else")) fail();
        next();
        const orelse = parseExpression();
        return node("IfExp", start, { body, test, orelse });
      }
      return body;
    }

    function parseLambda() {
      const start = next();
      const paramsStart = peek();
      let depth = 0;
      while (!(depth === 0 && isOp(":"))) {
        const token = next();
        if (token.type === "eof" || token.type === "newline") fail();
        if (token.type === "op" && "([{".includes(token.value)) depth += 1;
        if (token.type === "op" && ")]}".includes(token.value)) depth -= 1;
      }
      const params = text.slice(paramsStart.start, peek().start).trim().replace(/\s+/g, " ");
      next();
      const body = parseExpression();
      return node("Lambda", start, { params, body });
    }

    function parseNamedExpression() {
      if (peek().type === "name" && isOp(":=", 1)) {
        const start = next();
        next();
        const value = parseExpression();
        return node("NamedExpr", start, { target: { t: "Name", id: start.value }, value });
      }
      return parseExpression();
    }

    function parseStarNamed() {
      if (isOp("*")) {
        const start = next();
        return node("Starred", start, { value: parseBinary(0) });
      }
      return parseNamedExpression();
    }

    function parseDisjunction() {
      return parseBoolOp("or", "Or", parseConjunction);
    }
    function parseConjunction() {
      return parseBoolOp("and", "And", parseInversion);
    }
    function parseBoolOp(keyword, op, operand) {
      const start = peek();
      const first = operand();
      if (!isKeyword(keyword)) return first;
      const values = [first];
      while (isKeyword(keyword)) {
        next();
        values.push(operand());
      }
      return node("BoolOp", start, { op, values });
    }

    function parseInversion() {
      if (isKeyword("not")) {
        const start = next();
        return node("UnaryOp", start, { op: "Not", operand: parseInversion() });
      }
      return parseComparison();
    }

    function compareOp() {
      const token = peek();
      if (token.type === "op" && token.value in COMPARE_OPS) return [COMPARE_OPS[token.value], 1];
      if (isKeyword("in")) return ["In", 1];
      if (isKeyword("not") && isKeyword("in", 1)) return ["NotIn", 2];
      if (isKeyword("is")) return isKeyword("not", 1) ? ["IsNot", 2] : ["Is", 1];
      return null;
    }

    function parseComparison() {
      const start = peek();
      const left = parseBinary(0);
      const ops = [];
      const comparators = [];
      for (let op = compareOp(); op; op = compareOp()) {
        index += op[1];
        ops.push(op[0]);
        comparators.push(parseBinary(0));
      }
      return ops.length ? node("Compare", start, { left, ops, comparators }) : left;
    }

    function parseBinary(level) {
      if (level === BINARY_LEVELS.length) return parseFactor();
      const start = peek();
      let left = parseBinary(level + 1);
      for (;;) {
        const token = peek();
        const op = token.type === "op" && BINARY_LEVELS[level][token.value];
        if (!op) return left;
        next();
        const right = parseBinary(level + 1);
        left = node("BinOp", start, { op, left, right });
      }
    }

    function parseFactor() {
      const token = peek();
      const unary = token.type === "op" && { "+": "UAdd", "-": "USub", "~": "Invert" }[token.value];
      if (unary) {
        next();
        return node("UnaryOp", token, { op: unary, operand: parseFactor() });
      }
      const start = peek();
      const base = isKeyword("await") ? parseAwait() : parsePrimary();
      if (isOp("**")) {
        next();
        return node("BinOp", start, { op: "Pow", left: base, right: parseFactor() });
      }
      return base;
    }

    function parseAwait() {
      const start = next();
      return node("Await", start, { value: parsePrimary() });
    }

    function parsePrimary() {
      const start = peek();
      let value = parseAtom();
      for (;;) {
        if (isOp(".")) {
          next();
          if (peek().type !== "name") fail();
          value = node("Attribute", start, { value, attr: next().value });
        } else if (isOp("(")) {
          next();
          const { args, keywords } = parseArguments();
          value = node("Call", start, { func: value, args, keywords });
        } else if (isOp("[")) {
          next();
          const slice = parseSlices();
          expectOp("]");
          value = node("Subscript", start, { value, slice });
        } else return value;
      }
    }

    function parseArguments() {
      const args = [];
      const keywords = [];
      while (!isOp(")")) {
        const start = peek();
        if (isOp("*")) {
          next();
          args.push(node("Starred", start, { value: parseExpression() }));
        } else if (isOp("**")) {
          next();
          keywords.push({ arg: null, value: parseExpression() });
        } else if (peek().type === "name" && isOp("=", 1)) {
          const name = next().value;
          next();
          keywords.push({ arg: name, value: parseExpression() });
        } else {
          let arg = parseNamedExpression();
          if (isKeyword("for") || isKeyword("async")) arg = node("GeneratorExp", start, { elt: arg, generators: parseComprehension() });
          args.push(arg);
        }
        if (!isOp(",")) break;
        next();
      }
      expectOp(")");
      return { args, keywords };
    }

    function parseSlices() {
      const start = peek();
      const first = parseSlice();
      if (!isOp(",")) return first;
      const elts = [first];
      while (isOp(",")) {
        next();
        if (isOp("]")) break;
        elts.push(parseSlice());
      }
      return node("Tuple", start, { elts });
    }

    function parseSlice() {
      const start = peek();
      let lower = null;
      if (!isOp(":")) {
        if (isOp("*")) return parseStarNamed();
        lower = parseNamedExpression();
        if (!isOp(":")) return lower;
      }
      next();
      const part = () => (isOp(":") || isOp("]") || isOp(",") ? null : parseExpression());
      const upper = part();
      let step = null;
      if (isOp(":")) {
        next();
        step = part();
      }
      return node("Slice", start, { lower, upper, step });
    }

    function parseComprehension() {
      const generators = [];
      while (isKeyword("for") || (isKeyword("async") && isKeyword("for", 1))) {
        if (isKeyword("async")) next();
        next();
        const targets = [parseStarTarget()];
        while (isOp(",")) {
          next();
          if (isKeyword("in")) break;
          targets.push(parseStarTarget());
        }
        if (!isKeyword("in")) fail();
        next();
        const iter = parseDisjunction();
        const ifs = [];
        while (isKeyword("if")) {
          next();
          ifs.push(parseDisjunction());
        }
        generators.push({ targets, iter, ifs });
      }
      return generators;
    }

    function parseStarTarget() {
      if (isOp("*")) {
        const start = next();
        return node("Starred", start, { value: parseBinary(0) });
      }
      return parseBinary(0);
    }

    function parseAtom() {
      const token = peek();
      if (token.type === "name") {
        next();
        return node("Name", token, { id: token.value });
      }
      if (token.type === "keyword" && ["True", "False", "None"].includes(token.value)) {
        next();
        return node("Constant", token, { value: { True: true, False: false, None: null }[token.value] });
      }
      if (token.type === "number") {
        next();
        return node("Constant", token, { value: token.value });
      }
      if (token.type === "string") return parseStrings();
      if (isOp("...")) {
        next();
        return node("Constant", token, { value: { ellipsis: true } });
      }
      if (isOp("(")) return parseParenthesized();
      if (isOp("[")) return parseList();
      if (isOp("{")) return parseBraces();
      return fail();
    }

    function parseStrings() {
      const start = peek();
      const parts = [];
      while (peek().type === "string") parts.push(next().value);
      const kinds = new Set(parts.map((part) => (part.kind === "bytes" ? "bytes" : "text")));
      if (kinds.size > 1) throw syntaxError("cannot mix bytes and nonbytes literals");
      if (parts.some((part) => part.kind === "fstring")) return node("JoinedStr", start, {});
      const joined = parts.map((part) => part.value).join("");
      return node("Constant", start, { value: kinds.has("bytes") ? { bytes: joined } : joined });
    }

    function parseParenthesized() {
      const start = next();
      if (isOp(")")) {
        next();
        return node("Tuple", start, { elts: [], parenthesized: true });
      }
      if (isKeyword("yield")) {
        next();
        let value = null;
        let t = "Yield";
        if (isKeyword("from")) {
          next();
          t = "YieldFrom";
          value = parseExpression();
        } else if (!isOp(")")) value = parseTupleBody(")");
        expectOp(")");
        return node(t, start, { value });
      }
      const first = parseStarNamed();
      if (isKeyword("for") || isKeyword("async")) {
        const generators = parseComprehension();
        expectOp(")");
        return node("GeneratorExp", start, { elt: first, generators });
      }
      if (isOp(")")) {
        if (first.t === "Starred") throw syntaxError("cannot use starred expression here");
        next();
        return Object.assign({}, first, { parenthesized: true });
      }
      const elts = [first];
      while (isOp(",")) {
        next();
        if (isOp(")")) break;
        elts.push(parseStarNamed());
      }
      expectOp(")");
      return node("Tuple", start, { elts, parenthesized: true });
    }

    function parseTupleBody(closing) {
      const start = peek();
      const first = parseStarNamed();
      if (!isOp(",")) return first;
      const elts = [first];
      while (isOp(",")) {
        next();
        if (isOp(closing)) break;
        elts.push(parseStarNamed());
      }
      return node("Tuple", start, { elts });
    }

    function parseList() {
      const start = next();
      if (isOp("]")) {
        next();
        return node("List", start, { elts: [] });
      }
      const first = parseStarNamed();
      if (isKeyword("for") || isKeyword("async")) {
        const generators = parseComprehension();
        expectOp("]");
        return node("ListComp", start, { elt: first, generators });
      }
      const elts = [first];
      while (isOp(",")) {
        next();
        if (isOp("]")) break;
        elts.push(parseStarNamed());
      }
      expectOp("]");
      return node("List", start, { elts });
    }

    function parseBraces() {
      const start = next();
      if (isOp("}")) {
        next();
        return node("Dict", start, { keys: [], values: [] });
      }
      const dictItem = () => {
        if (isOp("**")) {
          next();
          return [null, parseBinary(0)];
        }
        const key = parseExpression();
        expectOp(":");
        return [key, parseExpression()];
      };
      if (isOp("**") || (!isOp("*") && isDictStart())) {
        const first = dictItem();
        if (first[0] && (isKeyword("for") || isKeyword("async"))) {
          const generators = parseComprehension();
          expectOp("}");
          return node("DictComp", start, { key: first[0], value: first[1], generators });
        }
        const items = [first];
        while (isOp(",")) {
          next();
          if (isOp("}")) break;
          items.push(dictItem());
        }
        expectOp("}");
        return node("Dict", start, { keys: items.map((item) => item[0]), values: items.map((item) => item[1]) });
      }
      const first = parseStarNamed();
      if (isKeyword("for") || isKeyword("async")) {
        const generators = parseComprehension();
        expectOp("}");
        return node("SetComp", start, { elt: first, generators });
      }
      const elts = [first];
      while (isOp(",")) {
        next();
        if (isOp("}")) break;
        elts.push(parseStarNamed());
      }
      expectOp("}");
      return node("Set", start, { elts });
    }

    function isDictStart() {
      // A ':' at bracket depth 0 before the first ',' or '}' makes it a dict.
      let depth = 0;
      for (let i = index; i < tokens.length; i += 1) {
        const token = tokens[i];
        if (token.type === "eof") return false;
        if (token.type !== "op") continue;
        if ("([{".includes(token.value)) depth += 1;
        else if (")]}".includes(token.value)) {
          if (depth === 0) return false;
          depth -= 1;
        } else if (depth === 0 && token.value === ",") return false;
        else if (depth === 0 && token.value === ":") return true;
      }
      return false;
    }

    return parseTop();
  }

  // ---- ast.unparse, enough for "call to '...' is not allowed" ----

  const P = { TUPLE: 2, TEST: 4, OR: 5, AND: 6, NOT: 7, CMP: 8, BOR: 9, BXOR: 10, BAND: 11, SHIFT: 12, ARITH: 13, TERM: 14, FACTOR: 15, POWER: 16, AWAIT: 17, ATOM: 18 };
  const BIN_SYMBOL = { Add: "+", Sub: "-", Mult: "*", MatMult: "@", Div: "/", Mod: "%", LShift: "<<", RShift: ">>", BitOr: "|", BitXor: "^", BitAnd: "&", FloorDiv: "//", Pow: "**" };
  const BIN_PRECEDENCE = { Add: P.ARITH, Sub: P.ARITH, Mult: P.TERM, MatMult: P.TERM, Div: P.TERM, Mod: P.TERM, FloorDiv: P.TERM, LShift: P.SHIFT, RShift: P.SHIFT, BitOr: P.BOR, BitXor: P.BXOR, BitAnd: P.BAND, Pow: P.POWER };
  const CMP_SYMBOL = { Eq: "==", NotEq: "!=", Lt: "<", LtE: "<=", Gt: ">", GtE: ">=", Is: "is", IsNot: "is not", In: "in", NotIn: "not in" };

  function unparse(n, level = P.TEST) {
    // Like ast.unparse, a node reached without a set precedence counts as TEST.
    const wrap = (own, text) => (level > own ? `(${text})` : text);
    switch (n.t) {
      case "Name":
        return n.id;
      case "Constant":
        if (n.value !== null && typeof n.value === "object" && n.value.ellipsis) return "...";
        return reprValue(n.value).replace("inf", "1e309"); // as ast.unparse writes infinity
      case "Attribute": {
        const space = n.value.t === "Constant" && ["bigint", "boolean"].includes(typeof n.value.value) ? " " : "";
        return `${unparse(n.value, P.ATOM)}${space}.${n.attr}`;
      }
      case "Call": {
        const parts = n.args.map((a) => unparse(a)).concat(
          n.keywords.map((k) => (k.arg === null ? `**${unparse(k.value)}` : `${k.arg}=${unparse(k.value)}`)),
        );
        return `${unparse(n.func, P.ATOM)}(${parts.join(", ")})`;
      }
      case "Subscript": {
        const inner = n.slice.t === "Tuple" && n.slice.elts.length ? n.slice.elts.map((e) => unparse(e)).join(", ") : unparse(n.slice);
        return `${unparse(n.value, P.ATOM)}[${inner}]`;
      }
      case "Slice":
        return (n.lower ? unparse(n.lower) : "") + ":" + (n.upper ? unparse(n.upper) : "") + (n.step ? ":" + unparse(n.step) : "");
      case "Starred":
        return "*" + unparse(n.value, P.BOR);
      case "Tuple": {
        const inner = n.elts.map((e) => unparse(e)).join(", ") + (n.elts.length === 1 ? "," : "");
        return n.elts.length === 0 || level > P.TUPLE ? `(${inner})` : inner;
      }
      case "List":
        return `[${n.elts.map((e) => unparse(e)).join(", ")}]`;
      case "Set":
        return `{${n.elts.map((e) => unparse(e)).join(", ")}}`;
      case "BinOp": {
        const own = BIN_PRECEDENCE[n.op];
        const rightAssoc = n.op === "Pow";
        return wrap(own, `${unparse(n.left, rightAssoc ? own + 1 : own)} ${BIN_SYMBOL[n.op]} ${unparse(n.right, rightAssoc ? own : own + 1)}`);
      }
      case "UnaryOp": {
        if (n.op === "Not") return wrap(P.NOT, `not ${unparse(n.operand, P.NOT)}`);
        return wrap(P.FACTOR, { USub: "-", UAdd: "+", Invert: "~" }[n.op] + unparse(n.operand, P.FACTOR));
      }
      case "BoolOp": {
        let own = n.op === "And" ? P.AND : P.OR;
        const base = own;
        const parts = n.values.map((v) => unparse(v, (own += 1)));
        return wrap(base, parts.join(n.op === "And" ? " and " : " or "));
      }
      case "Compare": {
        let text = unparse(n.left, P.CMP + 1);
        n.ops.forEach((op, i) => {
          text += ` ${CMP_SYMBOL[op]} ${unparse(n.comparators[i], P.CMP + 1)}`;
        });
        return wrap(P.CMP, text);
      }
      case "Lambda":
        return wrap(P.TEST, `lambda${n.params ? " " + n.params : ""}: ${unparse(n.body, P.TEST)}`);
      case "IfExp":
        return wrap(P.TEST, `${unparse(n.body, P.TEST + 1)} if ${unparse(n.test, P.TEST + 1)} else ${unparse(n.orelse, P.TEST)}`);
      case "Await":
        return wrap(P.AWAIT, `await ${unparse(n.value, P.ATOM)}`);
      default:
        return "...";
    }
  }

  // ---- whitelist (mirrors expr._check) ----

  const NODE_NAMES = {
    Attribute: "attribute access",
    Subscript: "subscripts",
    Lambda: "lambda",
    ListComp: "comprehensions",
    SetComp: "comprehensions",
    DictComp: "comprehensions",
    GeneratorExp: "comprehensions",
    JoinedStr: "f-strings",
    IfExp: "conditional expressions",
    NamedExpr: "assignment (:=)",
    Dict: "dicts",
    Starred: "star arguments",
    Await: "await",
    Yield: "yield",
  };
  const ALLOWED_BINARY = new Set(["Add", "Sub", "Mult"]);
  const ALLOWED_COMPARE = new Set(["Eq", "NotEq", "Lt", "LtE", "Gt", "GtE", "In", "NotIn"]);

  function isPlainConstant(value) {
    return typeof value === "bigint" || typeof value === "number" || typeof value === "string";
  }

  function check(n, names, depth) {
    if (depth > MAX_DEPTH) throw new ExpressionError("expression is nested too deeply");
    switch (n.t) {
      case "Name":
        if (!CODE_PATTERN.test(n.id)) throw new ExpressionError(`${reprString(n.id)} is not a question code (codes are upper-case)`);
        names.add(n.id);
        return;
      case "Constant": {
        const value = n.value;
        if (!isPlainConstant(value)) throw new ExpressionError(`constant ${reprValue(value)} is not allowed (numbers and text only)`);
        if (typeof value === "string" && codePointLength(value) > 100) throw new ExpressionError("text constants are limited to 100 characters");
        if (typeof value === "bigint" && (value < 0n ? -value : value) > MAX_INT_CONSTANT) throw new ExpressionError(`number ${value} is too large`);
        return;
      }
      case "Tuple":
      case "List":
      case "Set":
        for (const element of n.elts) {
          if (element.t !== "Constant" && !(element.t === "UnaryOp" && element.operand.t === "Constant")) {
            throw new ExpressionError("a list for `in` may hold only numbers and text");
          }
          check(element, names, depth + 1);
        }
        return;
      case "BoolOp":
        for (const operand of n.values) check(operand, names, depth + 1);
        return;
      case "UnaryOp":
        if (!["Not", "USub", "UAdd"].includes(n.op)) throw new ExpressionError(`operator ${n.op} is not allowed`);
        check(n.operand, names, depth + 1);
        return;
      case "BinOp":
        if (!ALLOWED_BINARY.has(n.op)) {
          const symbol = { Div: "/", FloorDiv: "//", Mod: "%", Pow: "**" }[n.op];
          throw new ExpressionError(`operator ${symbol || n.op} is not allowed (only + - *)`);
        }
        check(n.left, names, depth + 1);
        check(n.right, names, depth + 1);
        return;
      case "Compare":
        for (const op of n.ops) {
          if (!ALLOWED_COMPARE.has(op)) throw new ExpressionError(`comparison ${op} is not allowed (use == != < <= > >= in)`);
        }
        check(n.left, names, depth + 1);
        for (const comparator of n.comparators) check(comparator, names, depth + 1);
        return;
      case "Call":
        if (n.func.t !== "Name" || n.func.id !== "sum") {
          const called = n.func.t === "Name" ? n.func.id : unparse(n.func);
          throw new ExpressionError(`call to ${reprString(called)} is not allowed (only sum(...))`);
        }
        if (n.keywords.length) throw new ExpressionError("sum() takes no keyword arguments");
        if (!n.args.length) throw new ExpressionError("sum() needs at least one argument");
        for (const arg of n.args) {
          if (arg.t === "Starred") throw new ExpressionError("star arguments are not allowed");
          check(arg, names, depth + 1);
        }
        return;
      default:
        throw new ExpressionError(`${NODE_NAMES[n.t] || n.t} not allowed`);
    }
  }

  // ---- evaluation with Python's semantics ----

  // Answers arrive as JSON values; an integral Number is a Python int.
  function fromAnswer(value) {
    if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
    if (typeof value === "bigint" || typeof value === "string" || typeof value === "boolean") return value;
    if (Array.isArray(value)) return value.map(fromAnswer);
    throw new PyTypeError("unsupported answer");
  }

  const isNumeric = (v) => typeof v === "bigint" || typeof v === "number" || typeof v === "boolean";
  const asNumeric = (v) => (typeof v === "boolean" ? (v ? 1n : 0n) : v);

  function toFloat(v) {
    if (typeof v === "number") return v;
    const x = Number(v);
    if (!Number.isFinite(x)) throw new PyTypeError("int too large to convert to float"); // OverflowError
    return x;
  }

  function number(v) {
    if (typeof v === "bigint" || typeof v === "number") return v;
    throw new PyTypeError("not a number");
  }

  function arithmetic(op, a, b) {
    if (typeof a === "bigint" && typeof b === "bigint") {
      if (op === "Add") return a + b;
      if (op === "Sub") return a - b;
      return a * b;
    }
    const x = toFloat(a);
    const y = toFloat(b);
    if (op === "Add") return x + y;
    if (op === "Sub") return x - y;
    return x * y;
  }

  function truth(v) {
    if (typeof v === "boolean") return v;
    if (typeof v === "bigint") return v !== 0n;
    if (typeof v === "number") return v !== 0; // NaN is true, as in Python
    return v.length > 0;
  }

  function equal(a, b) {
    if (isNumeric(a) && isNumeric(b)) {
      // BigInt == Number compares the exact values, as Python does for int == float.
      return asNumeric(a) == asNumeric(b); // eslint-disable-line eqeqeq
    }
    if (typeof a === "string" && typeof b === "string") return a === b;
    if (Array.isArray(a) && Array.isArray(b)) {
      return a.length === b.length && a.every((item, i) => equal(item, b[i]));
    }
    return false;
  }

  function compareCodePoints(a, b) {
    const x = Array.from(a, (c) => c.codePointAt(0));
    const y = Array.from(b, (c) => c.codePointAt(0));
    for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
      if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return x.length - y.length;
  }

  function order(op, a, b) {
    const test = (c) => ({ Lt: c < 0, LtE: c <= 0, Gt: c > 0, GtE: c >= 0 })[op];
    if (isNumeric(a) && isNumeric(b)) {
      const x = asNumeric(a);
      const y = asNumeric(b);
      return { Lt: x < y, LtE: x <= y, Gt: x > y, GtE: x >= y }[op];
    }
    if (typeof a === "string" && typeof b === "string") return test(compareCodePoints(a, b));
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
        if (!equal(a[i], b[i])) return order(op, a[i], b[i]);
      }
      return test(a.length - b.length);
    }
    throw new PyTypeError("'<' not supported");
  }

  function contains(container, item) {
    if (Array.isArray(container)) return container.some((element) => equal(item, element));
    if (typeof container === "string") {
      if (typeof item !== "string") throw new PyTypeError("'in <string>' requires string as left operand");
      return container.includes(item);
    }
    throw new PyTypeError("argument is not iterable");
  }

  function compare(op, a, b) {
    if (op === "Eq") return equal(a, b);
    if (op === "NotEq") return !equal(a, b);
    if (op === "In") return contains(b, a);
    if (op === "NotIn") return !contains(b, a);
    return order(op, a, b);
  }

  // sum() as CPython 3.12's builtin: an exact int path while the total fits in a
  // C long, then Neumaier-compensated floats (ints added plainly), then plain adds.
  function pySum(args, values) {
    let state = "int";
    let total = 0n;
    let f = 0;
    let c = 0;
    let result;
    const fitsLong = (v) => typeof v === "bigint" && v >= LONG_MIN && v <= LONG_MAX;
    for (const arg of args) {
      const x = number(evaluateNode(arg, values));
      if (state === "int") {
        if (fitsLong(x) && fitsLong(total + x)) {
          total += x;
        } else if (typeof x === "number") {
          f = toFloat(total) + x;
          c = 0;
          state = "float";
        } else {
          result = total + x;
          state = "generic";
        }
      } else if (state === "float") {
        if (typeof x === "number") {
          const t = f + x;
          if (Math.abs(f) >= Math.abs(x)) c += f - t + x;
          else c += x - t + f;
          f = t;
        } else if (fitsLong(x)) {
          f += Number(x);
        } else {
          if (c !== 0 && Number.isFinite(c)) f += c;
          result = arithmetic("Add", f, x);
          state = "generic";
        }
      } else {
        result = arithmetic("Add", result, x);
      }
    }
    if (state === "int") return total;
    if (state === "float") {
      if (c !== 0 && Number.isFinite(c)) f += c;
      return f;
    }
    return result;
  }

  function boolOp(n, values) {
    let missing = false;
    for (const operand of n.values) {
      let value;
      try {
        value = truth(evaluateNode(operand, values));
      } catch (error) {
        if (error !== MISSING) throw error;
        missing = true;
        continue;
      }
      if (n.op === "Or" && value) return true;
      if (n.op === "And" && !value) return false;
    }
    if (missing) throw MISSING;
    return n.op === "And";
  }

  function evaluateNode(n, values) {
    switch (n.t) {
      case "Name": {
        if (Object.prototype.hasOwnProperty.call(values, n.id)) {
          const value = values[n.id];
          if (value !== null && value !== undefined) return fromAnswer(value);
        }
        throw MISSING;
      }
      case "Constant":
        return n.value;
      case "Tuple":
      case "List":
      case "Set":
        return n.elts.map((element) => evaluateNode(element, values));
      case "BoolOp":
        return boolOp(n, values);
      case "UnaryOp": {
        const operand = evaluateNode(n.operand, values);
        if (n.op === "Not") return !truth(operand);
        const x = number(operand);
        return n.op === "USub" ? -x : x;
      }
      case "BinOp":
        return arithmetic(n.op, number(evaluateNode(n.left, values)), number(evaluateNode(n.right, values)));
      case "Compare": {
        let left = evaluateNode(n.left, values);
        for (let i = 0; i < n.ops.length; i += 1) {
          const right = evaluateNode(n.comparators[i], values);
          if (!compare(n.ops[i], left, right)) return false;
          left = right;
        }
        return true;
      }
      case "Call":
        return pySum(n.args, values);
      default:
        throw new PyTypeError(`unexpected node ${n.t}`);
    }
  }

  function toPlain(value) {
    if (typeof value === "bigint") return Number(value);
    if (Array.isArray(value)) return value.map(toPlain);
    return value;
  }

  // ---- public API ----

  /**
   * Parse and whitelist `source`; throws ExpressionError saying what was refused.
   * `knownNames` (optional, iterable of codes) limits the codes it may read.
   * The result has `source`, `names` (sorted codes it reads) and
   * `evaluate(answers)` -> true/false, a number, text, an array, or UNKNOWN.
   */
  function compile(source, knownNames) {
    if (typeof source !== "string") throw new ExpressionError(`expression must be text, not ${source === null ? "NoneType" : typeof source}`);
    if (codePointLength(source) > MAX_EXPRESSION_LENGTH) {
      throw new ExpressionError(`expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
    }
    const expanded = expandRanges(source.replace(STRIP, ""));
    if (expanded.includes("\0")) throw syntaxError("source code string cannot contain null bytes");
    // Python reads "\r\n" and a lone "\r" as "\n", in strings too.
    const tree = parse(expanded.replace(/\r\n?/g, "\n"));
    const names = new Set();
    check(tree, names, 0);
    if (knownNames) {
      const known = new Set(knownNames);
      const unknown = [...names].filter((name) => !known.has(name)).sort();
      if (unknown.length) throw new ExpressionError(`unknown question code(s): ${unknown.join(", ")}`);
    }
    const evaluateExact = (answers) => {
      try {
        return evaluateNode(tree, answers || {});
      } catch (error) {
        if (error === MISSING || error instanceof PyTypeError || error instanceof RangeError) return UNKNOWN;
        throw error;
      }
    };
    return Object.freeze({
      source,
      names: [...names].sort(),
      // Python ints stay BigInt here (the test vectors compare types too).
      evaluateExact,
      evaluate: (answers) => {
        const value = evaluateExact(answers);
        return value === UNKNOWN ? UNKNOWN : toPlain(value);
      },
      toString: () => source,
    });
  }

  const api = { compile, expandRanges, ExpressionError, UNKNOWN, MAX_EXPRESSION_LENGTH, MAX_RANGE, MAX_DEPTH, version: "0.1" };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (root) root.PollwatchLogic = api;
})(typeof window !== "undefined" ? window : null);
