extension Expr {
    /// The expression without the parentheses around it.
    var unparenthesized: Expr {
        if case .paren(let inner) = self { return inner.unparenthesized }
        return self
    }

    /// Every vector selector in the expression, in the order they appear (for exemplar lookups and
    /// federation, which act on the series an expression selects).
    package var selectors: [VectorSelector] {
        switch self {
        case .number, .string: return []
        case .vector(let selector), .matrix(let selector, _): return [selector]
        case .subquery(let subquery): return subquery.expr.selectors
        case .call(_, let args, _): return args.flatMap(\.selectors)
        case .aggregate(let aggregate): return (aggregate.parameter?.selectors ?? []) + aggregate.expr.selectors
        case .binary(let binary): return binary.lhs.selectors + binary.rhs.selectors
        case .unary(_, let inner), .paren(let inner): return inner.selectors
        }
    }
}
