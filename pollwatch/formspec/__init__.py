"""Observer forms as data: definitions in YAML, a safe expression language, validation, SMS rules.

Pure core (no Django). ``spec`` holds the frozen ``FormSpec`` and its YAML
round-trip, ``expr`` the whitelisted expressions for skip logic, critical
answers and cross-field checks, ``validate`` the validation of one
submission, ``xlsform`` the XLSForm import (via pyxform) and ``defaults`` the
shipped international-standard forms. See docs/forms.md.
"""

from .defaults import exitpoll_form, load_defaults, results_form
from .expr import UNKNOWN, Expression, ExpressionError, compile_expression
from .spec import (
    Check,
    FormSpec,
    FormSpecError,
    Group,
    Option,
    Question,
    dump_form,
    load_form,
    loads_form,
)
from .validate import Validation, validate_answers

__all__ = [
    "UNKNOWN",
    "Check",
    "Expression",
    "ExpressionError",
    "FormSpec",
    "FormSpecError",
    "Group",
    "Option",
    "Question",
    "Validation",
    "compile_expression",
    "dump_form",
    "exitpoll_form",
    "load_defaults",
    "load_form",
    "loads_form",
    "results_form",
    "validate_answers",
]
