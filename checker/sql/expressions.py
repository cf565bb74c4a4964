"""IR expressions as SQL terms (a mixin of `compile.SqlCompiler`, which supplies facts,
decisions, constants and the representation helpers). Each handler is the Z3 encoder's
(checker/encode.py) over SQL: the same value, presence and cause terms, built from the same
definitions in checker/semantics/."""

from __future__ import annotations

from ruleproof.checker import ir
from ruleproof.checker.semantics.calendar import Months
from ruleproof.checker.semantics.numbers import absolute, divisor_is_zero, extreme, round_half_up
from ruleproof.checker.semantics.operators import ArithOp, CompareOp, Connective
from ruleproof.checker.semantics.outcomes import Cause
from ruleproof.checker.sql.terms import (
    ZERO,
    Int,
    Num,
    case,
    constant,
    copy,
    floordiv,
    int_ite,
    ite,
    lit,
    not_null,
    num_ite,
    paren,
)
from sqlglot import exp

SQL_COMPARE = {CompareOp.LT: exp.LT, CompareOp.LE: exp.LTE, CompareOp.GT: exp.GT, CompareOp.GE: exp.GTE,
               CompareOp.EQ: exp.EQ, CompareOp.NE: exp.NEQ}


class ExpressionsMixin:
    """`expr(e)`: the Term of an IR expression (memoised on the node)."""

    def expr(self, e: ir.Expr):
        key = id(e)
        hit = self._exprs.get(key)
        if hit is not None and hit[0] is e:
            return hit[1]
        term = getattr(self, "_" + type(e).__name__)(e)
        self._exprs[key] = (e, term)
        return term

    def _Const(self, e: ir.Const):
        if e.type.optional and e.value is None:
            return self.Term(self.dummy(e.type.required()), exp.false())
        return self.Term(self.constant(e.value, e.type.required()))

    def _FactRef(self, e: ir.FactRef):
        return self.fact(e.name)

    def _DecisionRef(self, e: ir.DecisionRef):
        d = self.decision(e.name)
        return self.Term(d.value, d.defined if e.type.optional else None, d.why)

    def _Unwrap(self, e: ir.Unwrap):
        inner = self.expr(e.operand)
        return self.Term(inner.value, None, inner.why)

    def _IsPresent(self, e: ir.IsPresent):
        inner = self.expr(e.operand)
        return self.Term(inner.present if inner.present is not None else exp.true(), None, inner.why)

    def _Not(self, e: ir.Not):
        inner = self.expr(e.operand)
        return self.Term(exp.Not(this=paren(inner.value)), None, inner.why)

    def _BoolOp(self, e: ir.BoolOp):
        parts = [self.expr(o) for o in e.operands]
        conjunction = Connective(e.op) is Connective.AND
        values = [self.bind(p.value, "b") for p in parts]
        value = self.alg.and_(*values) if conjunction else self.alg.or_(*values)
        if all(p.why is None for p in parts):
            return self.Term(value)
        # an operand counts only when every operand before it left the result open
        whys, open_so_far = [], []
        for p, v in zip(parts, values):
            whys.append(self.cause_if(self.alg.and_(*open_so_far), p.why) if open_so_far else p.why)
            open_so_far.append(v if conjunction else self.alg.not_(v))
        return self.Term(value, None, self.first_cause(*whys))

    def _Ite(self, e: ir.Ite):
        cond, a, b = self.expr(e.cond), self.expr(e.then), self.expr(e.otherwise)
        test = self.bind(not_null(cond.value), "c")
        value = self.choose(e.type.required(), [(test, a.value)], b.value)
        branch = None if a.why is None and b.why is None else ite(test, _why0(a.why), _why0(b.why))
        return self.Term(value, None, self.first_cause(cond.why, branch))

    def _Compare(self, e: ir.Compare):
        left, right = self.expr(e.left), self.expr(e.right)
        a, b = left.value, right.value
        op = CompareOp(e.op)
        if isinstance(a, tuple):
            same = exp.and_(*(exp.EQ(this=copy(x), expression=copy(y)) for x, y in zip(a, b))) if a else exp.true()
            value = same if op is CompareOp.EQ else exp.Not(this=paren(same))
        elif isinstance(a, Num):
            value = a.compare(b, SQL_COMPARE[op])
        else:
            value = SQL_COMPARE[op](this=copy(a), expression=copy(b))
        return self.Term(value, None, self.first_cause(left.why, right.why))

    def _InSet(self, e: ir.InSet):
        element = self.expr(e.element)
        typ = e.element.type.required()
        if isinstance(e.set, ir.Const):
            options = [self.constant(m, typ) for m in e.set.value]
            tests = [self.equal(element.value, o) for o in options]
            return self.Term(exp.or_(*tests) if tests else exp.false(), None, element.why)
        members = self.expr(e.set)
        names = e.set.type.required().element.members
        tests = [exp.and_(self.equal(element.value, exp.Literal.string(m)), copy(bit)) for m, bit in zip(names, members.value)]
        return self.Term(exp.or_(*tests) if tests else exp.false(), None, self.first_cause(element.why, members.why))

    def equal(self, a, b) -> exp.Expression:
        return a.compare(b, exp.EQ) if isinstance(a, Num) else exp.EQ(this=copy(a), expression=copy(b))

    def _SetOf(self, e: ir.SetOf):
        members = e.type.required().element.members
        items = [self.expr(i) for i in e.items]
        bits = tuple(exp.or_(*(self.equal(item.value, exp.Literal.string(m)) for item in items)) if items else exp.false()
                     for m in members)
        return self.Term(bits, None, self.first_cause(*(item.why for item in items)))

    def _AddWorkingDays(self, e: ir.AddWorkingDays):
        date = self.expr(e.date)
        layers = self.layers

        def share(x):
            return Int(layers.bind(Int.of(x).e, "wd"))

        day = self.calendar.add_by_counting(Int(date.value.n), e.days, lambda x, k: Int(floordiv(Int.of(x).e, lit(k), layers)),
                                            int_ite, share)
        return self.Term(Num(Int.of(day).e, 0, None, layers), None, date.why)

    def _months(self) -> Months:
        layers = self.layers
        return Months(lambda x, k: Int(floordiv(Int.of(x).e, lit(k), layers)), int_ite,
                      lambda x: Int(layers.bind(Int.of(x).e, "mo")))

    def _AddMonths(self, e: ir.AddMonths):
        point = self.expr(e.point)
        months = self._months()
        add = months.add if e.type.kind == "date" else months.add_to_minutes
        return self.Term(Num(Int.of(add(Int(point.value.n), e.months)).e, 0, None, self.layers), None, point.why)

    def _MonthlyPeriod(self, e: ir.MonthlyPeriod):
        date = self.expr(e.date)
        day = self._months().period(Int(date.value.n), e.anchor, e.end)
        return self.Term(Num(Int.of(day).e, 0, None, self.layers), None, date.why)

    def _Arith(self, e: ir.Arith):
        op = ArithOp(e.op)
        operands = [self.expr(o) for o in e.operands]
        why = self.first_cause(*(o.why for o in operands))
        args = [o.value for o in operands]
        if op is ArithOp.ADD:
            return self.Term(args[0] + args[1], None, why)
        if op is ArithOp.SUB:
            return self.Term(args[0] - args[1], None, why)
        if op is ArithOp.MUL:
            return self.Term(args[0] * args[1], None, why)
        if op is ArithOp.DIV:
            divisor = args[1].bound("dv")
            by_zero = ite(divisor_is_zero(_Zero(divisor)), lit(Cause.DIVISION_BY_ZERO.code), ZERO)
            return self.Term(args[0] / divisor, None, self.first_cause(why, by_zero))
        if op is ArithOp.FLOORDIV:  # INVARIANT: integers by a positive constant
            return self.Term(Num(floordiv(args[0].n, args[1].n, self.layers), 0, None, self.layers), None, why)
        if op is ArithOp.NEG:
            return self.Term(-args[0], None, why)
        bound = [a.bound("x") for a in args]
        if op is ArithOp.MIN:
            return self.Term(extreme(bound, lambda a, b: b.compare(a, exp.LT), self._num_ite), None, why)
        if op is ArithOp.MAX:
            return self.Term(extreme(bound, lambda a, b: b.compare(a, exp.GT), self._num_ite), None, why)
        if op is ArithOp.ABS:
            return self.Term(absolute(bound[0], self._num_ite), None, why)
        if op is ArithOp.CAST:
            return self.Term(args[0], None, why)
        rounded = round_half_up(bound[0], e.digits, Num.floor, lambda f: constant(f, self.layers))
        return self.Term(rounded, None, why)  # ArithOp.ROUND

    def _num_ite(self, cond, a: Num, b: Num) -> Num:
        return num_ite(self.bind(not_null(cond), "c"), a, b).bound("mm")


class _Zero:
    """A divisor as `semantics.numbers.divisor_is_zero` reads it (`divisor == 0`)."""

    def __init__(self, num: Num):
        self.num = num

    def __eq__(self, other):
        return exp.EQ(this=copy(self.num.n), expression=lit(other))

    __hash__ = None


def _why0(why):
    return ZERO if why is None else why


__all__ = ["ExpressionsMixin", "case", "paren"]
