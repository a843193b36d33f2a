"""Lark grammar for the supported CQL subset."""

GRAMMAR = r"""
start: expr? order_by?

?expr: or_expr
?or_expr: and_expr (OR and_expr)*  -> or_
?and_expr: not_expr ((AND | NOT) not_expr)* -> and_
?not_expr: NOT not_expr -> not_
         | "(" or_expr ")"
         | clause

clause: field OPERATOR operand                      -> compare
      | field NOT? IN "(" operand ("," operand)* ")" -> in_list

field: WORD
?operand: STRING -> string
        | WORD -> word
        | function

function: WORD "(" [operand ("," operand)*] ")"

order_by: ORDER BY sort_key ("," sort_key)*
sort_key: field DIRECTION?

OPERATOR.3: "!=" | ">=" | "<=" | "!~" | "=" | "~" | ">" | "<"
AND.2: /and(?![\w.\-])/i
OR.2: /or(?![\w.\-])/i
NOT.2: /not(?![\w.\-])/i
IN.2: /in(?![\w.\-])/i
ORDER.2: /order(?![\w.\-])/i
BY.2: /by(?![\w.\-])/i
DIRECTION.2: /(asc|desc)(?![\w.\-])/i
WORD: /[A-Za-z0-9_.\-+:\/@*]+/
STRING: /"(?:[^"\\]|\\.)*"/ | /'(?:[^'\\]|\\.)*'/

%import common.WS
%ignore WS
"""
