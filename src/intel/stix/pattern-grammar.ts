/*
 * The STIX 2.1 patterning grammar (STIX 2.1 section 9, after the OASIS reference grammar
 * STIXPattern.g4) as a peggy PEG. Its actions build the tree described in pattern-ast.ts.
 *
 * Precedence, loosest first: FOLLOWEDBY, OR, AND between observations; qualifiers bind to the
 * observation before them; inside brackets OR is looser than AND. Keywords are upper case and
 * `true`/`false` lower case, as in STIX 2.1. Whitespace and comments may separate any two tokens.
 */
export const STIX_PATTERN_GRAMMAR = String.raw`
{{
  function junction(kind, operator, head, tail) {
    return tail.length === 0 ? head : { kind, operator, operands: [head, ...tail] };
  }
}}

Pattern
  = _ @ObservationExpressions _

ObservationExpressions
  = head:ObservationOr tail:(_ FOLLOWEDBY _ @ObservationOr)*
    { return junction('observation-junction', 'FOLLOWEDBY', head, tail); }

ObservationOr
  = head:ObservationAnd tail:(_ OR _ @ObservationAnd)*
    { return junction('observation-junction', 'OR', head, tail); }

ObservationAnd
  = head:QualifiedObservation tail:(_ AND _ @QualifiedObservation)*
    { return junction('observation-junction', 'AND', head, tail); }

QualifiedObservation
  = base:ObservationPrimary qualifiers:(_ @Qualifier)*
    {
      // STIX 2.1 section 9.5.1: at most one qualifier of each type per observation expression.
      const seen = new Set();
      for (const qualifier of qualifiers) {
        if (seen.has(qualifier.kind)) {
          error(qualifier.kind === 'start-stop'
            ? 'START/STOP given twice on one observation expression'
            : qualifier.kind.toUpperCase() + ' given twice on one observation expression');
        }
        seen.add(qualifier.kind);
      }
      return qualifiers.reduce(
        (expression, qualifier) => ({ kind: 'qualified', expression, qualifier }),
        base,
      );
    }

ObservationPrimary
  = "[" _ comparison:ComparisonExpression _ "]" { return { kind: 'observation', comparison }; }
  / "(" _ @ObservationExpressions _ ")"

Qualifier
  = WITHIN _ seconds:PositiveNumber _ SECONDS { return { kind: 'within', seconds }; }
  / REPEATS _ times:PositiveInteger _ TIMES { return { kind: 'repeats', times }; }
  / START _ start:TimestampLiteral _ STOP _ stop:TimestampLiteral
    { return { kind: 'start-stop', start: start.value, stop: stop.value }; }

ComparisonExpression
  = head:ComparisonAnd tail:(_ OR _ @ComparisonAnd)*
    { return junction('comparison-junction', 'OR', head, tail); }

ComparisonAnd
  = head:PropertyTest tail:(_ AND _ @PropertyTest)*
    { return junction('comparison-junction', 'AND', head, tail); }

PropertyTest
  = "(" _ @ComparisonExpression _ ")"
  / EXISTS _ path:ObjectPath { return { kind: 'exists', path }; }
  / path:ObjectPath _ negated:(@NOT _)? test:Test
    { return { kind: 'test', path, operator: test.operator, negated: negated !== null, value: test.value }; }

Test
  = operator:EqualityOperator _ value:PrimitiveLiteral { return { operator, value }; }
  / operator:OrderOperator _ value:OrderableLiteral { return { operator, value }; }
  / IN _ value:SetLiteral { return { operator: 'IN', value }; }
  / operator:StringOperator _ value:StringLiteral { return { operator, value }; }

EqualityOperator "comparison operator"
  = ("==" / "=") { return '='; }
  / ("!=" / "<>") { return '!='; }

OrderOperator "comparison operator"
  = ">=" / "<=" / ">" / "<"

StringOperator "comparison operator"
  = LIKE / MATCHES / ISSUBSET / ISSUPERSET

ObjectPath
  = objectType:ObjectType _ ":" _ first:PathKey steps:(_ @PathStep)*
    { return { objectType, steps: [{ kind: 'key', key: first }, ...steps] }; }

ObjectType "object type"
  = $([a-zA-Z_] [a-zA-Z0-9_-]*)

PathKey
  = Identifier
  / literal:StringLiteral { return literal.value; }

Identifier "property name"
  = $([a-zA-Z_] [a-zA-Z0-9_]*)

PathStep
  = "." _ key:PathKey { return { kind: 'key', key }; }
  / "[" _ index:PathIndex _ "]" { return { kind: 'index', index }; }

PathIndex "list index"
  = "*"
  / digits:$([+-]? ("0" / [1-9] [0-9]*)) { return Number(digits); }

SetLiteral
  = "(" _ ")" { return { type: 'set', values: [] }; }
  / "(" _ head:PrimitiveLiteral tail:(_ "," _ @PrimitiveLiteral)* _ ")"
    { return { type: 'set', values: [head, ...tail] }; }

PrimitiveLiteral
  = OrderableLiteral
  / BooleanLiteral

OrderableLiteral
  = TimestampLiteral
  / HexLiteral
  / BinaryLiteral
  / StringLiteral
  / FloatLiteral
  / IntegerLiteral

BooleanLiteral "boolean"
  = "true" !IdentifierPart { return { type: 'boolean', value: true }; }
  / "false" !IdentifierPart { return { type: 'boolean', value: false }; }

FloatLiteral "number"
  = digits:$([+-]? [0-9]* "." [0-9]+) { return { type: 'float', value: Number(digits) }; }

IntegerLiteral "number"
  = digits:$([+-]? ("0" / [1-9] [0-9]*)) { return { type: 'integer', value: Number(digits) }; }

PositiveNumber "positive number"
  = digits:$("+"? [0-9]* "." [0-9]+) { return Number(digits); }
  / PositiveInteger

PositiveInteger "positive integer"
  = digits:$("+"? ("0" / [1-9] [0-9]*)) { return Number(digits); }

StringLiteral
  = StringStart characters:StringCharacter* "'" { return { type: 'string', value: characters.join('') }; }

StringCharacter
  = [^'\\]
  / "\\" @EscapedCharacter

EscapedCharacter "' or \\ after a backslash"
  = "'" / "\\"

HexLiteral
  = HexStart value:$(HexDigit HexDigit)* "'" { return { type: 'hex', value }; }

HexDigit
  = [0-9a-fA-F]

BinaryLiteral
  = BinaryStart value:$Base64 "'" { return { type: 'binary', value }; }

Base64
  = (Base64Char Base64Char Base64Char Base64Char)+ Base64Tail?
  / Base64Tail

Base64Tail
  = Base64Char Base64Char Base64Char "="
  / Base64Char Base64Char "=="

Base64Char
  = [A-Za-z0-9+/]

TimestampLiteral
  = TimestampStart value:$(Year "-" Month "-" Day "T" Hour ":" Minute ":" Second ("." [0-9]+)? "Z") "'"
    { return { type: 'timestamp', value }; }

StringStart "string" = "'"
HexStart "hex literal" = "h'"
BinaryStart "binary literal" = "b'"
TimestampStart "timestamp" = "t'"

Year = [0-9] [0-9] [0-9] [0-9]
Month = "0" [1-9] / "1" [0-2]
Day = "0" [1-9] / [12] [0-9] / "3" [01]
Hour = [01] [0-9] / "2" [0-3]
Minute = [0-5] [0-9]
Second = [0-5] [0-9] / "60"

AND = "AND" !IdentifierPart
OR = "OR" !IdentifierPart
NOT = "NOT" !IdentifierPart { return 'NOT'; }
FOLLOWEDBY = "FOLLOWEDBY" !IdentifierPart
IN = "IN" !IdentifierPart
LIKE = "LIKE" !IdentifierPart { return 'LIKE'; }
MATCHES = "MATCHES" !IdentifierPart { return 'MATCHES'; }
ISSUBSET = "ISSUBSET" !IdentifierPart { return 'ISSUBSET'; }
ISSUPERSET = "ISSUPERSET" !IdentifierPart { return 'ISSUPERSET'; }
EXISTS = "EXISTS" !IdentifierPart
WITHIN = "WITHIN" !IdentifierPart
SECONDS = "SECONDS" !IdentifierPart
REPEATS = "REPEATS" !IdentifierPart
TIMES = "TIMES" !IdentifierPart
START = "START" !IdentifierPart
STOP = "STOP" !IdentifierPart

IdentifierPart
  = [a-zA-Z0-9_-]

_ "whitespace"
  = (WhiteSpace / Comment)*

WhiteSpace
  = [ \t\r\n\v\f\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]

Comment
  = "/*" (!"*/" .)* "*/"
  / "//" [^\r\n]*
`;
