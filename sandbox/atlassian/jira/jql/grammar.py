"""Lark grammar for the supported JQL subset."""

GRAMMAR = r"""
start: expr? order_by?

?expr: or_expr
?or_expr: and_expr (OR and_expr)*  -> or_
?and_expr: not_expr (AND not_expr)* -> and_
?not_expr: NOT not_expr -> not_
         | "(" or_expr ")"
         | clause

clause: field OPERATOR operand                     -> compare
      | field IS NOT? EMPTY                        -> is_empty
      | field NOT? IN "(" operand ("," operand)* ")" -> in_list
      | field NOT? IN function                     -> in_function
      | field NOT? CHANGED change_pred*            -> changed
      | field NOT? WAS NOT? IN? operand            -> was

change_pred: AFTER operand   -> after
           | BEFORE operand  -> before
           | ON operand      -> on
           | DURING "(" operand "," operand ")" -> during
           | FROM operand    -> from_
           | TO operand      -> to
           | BY operand      -> by

field: WORD | STRING | CF
?operand: STRING -> string
        | WORD -> word
        | EMPTY -> empty
        | function

function: WORD "(" [operand ("," operand)*] ")"

order_by: ORDER BY sort_key ("," sort_key)*
sort_key: field DIRECTION?

OPERATOR.3: "!=" | ">=" | "<=" | "!~" | "=" | "~" | ">" | "<"
CF.3: /cf\[\d+\]/i
AND.2: /and(?![\w.\-])/i | "&&"
OR.2: /or(?![\w.\-])/i | "||"
NOT.2: /not(?![\w.\-])/i | "!"
IN.2: /in(?![\w.\-])/i
IS.2: /is(?![\w.\-])/i
EMPTY.2: /(empty|null)(?![\w.\-])/i
CHANGED.2: /changed(?![\w.\-])/i
WAS.2: /was(?![\w.\-])/i
AFTER.2: /after(?![\w.\-])/i
BEFORE.2: /before(?![\w.\-])/i
DURING.2: /during(?![\w.\-])/i
ON.2: /on(?![\w.\-])/i
FROM.2: /from(?![\w.\-])/i
TO.2: /to(?![\w.\-])/i
BY.2: /by(?![\w.\-])/i
ORDER.2: /order(?![\w.\-])/i
DIRECTION.2: /(asc|desc)(?![\w.\-])/i
WORD: /[A-Za-z0-9_.\-+:\/@]+/
STRING: /"(?:[^"\\]|\\.)*"/ | /'(?:[^'\\]|\\.)*'/

%import common.WS
%ignore WS
"""
