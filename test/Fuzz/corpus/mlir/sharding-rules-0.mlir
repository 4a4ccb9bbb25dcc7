
// The sharding rule of every op of ops.mlir (the round-trip test that has
// every op), as -ds-test-print-sharding-rules prints it: operand and result
// dimensions as products of factors (i, j, k, ... in the order the rule adds
// them; 1 for a broadcast dimension), the factors' sizes, then the factors
// that are summed (sum), averaged (mean), maximised (max) or must be whole
// (whole), those sequence padding may grow (paddable) or mask (maskable),
// the preferred targets of an axis leaving a whole factor (move), and the
// values padded operand positions must hold. Shardy's
// op_sharding_rule_registry.mlir is the model. A change to any rule shows
// here; test/e2e/sharding-rules-fuzz.test checks them numerically.

// The ops inside a ds.recompute region.
// A running sum keeps its dimension whole.
